"""Which language a response speaks: pages follow the switch's cookie, else Vietnamese; the API also follows
Accept-Language, since a program has no cookie."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

API = "/api/v1/orgunits"


def test_api_speaks_vietnamese_by_default_and_english_when_asked():
    vietnamese = Client().get(API)
    english = Client(headers={"Accept-Language": "en"}).get(API)
    assert vietnamese.status_code == english.status_code == 401
    assert english.json()["message"].startswith("Authentication required")
    assert vietnamese.json()["message"].startswith("Cần đăng nhập")


def test_pages_ignore_the_browsers_accept_language():
    response = Client(headers={"Accept-Language": "en"}).get("/accounts/login/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"


def test_the_cookie_wins_for_pages_and_api():
    client = Client(headers={"Accept-Language": "vi"})
    client.cookies["ioc_language"] = "en"
    assert client.get("/accounts/login/").headers["Content-Language"] == "en"
    assert client.get(API).json()["message"].startswith("Authentication required")


def test_api_json_is_utf8_text_not_escapes():
    response = Client().get(API)
    assert response["Content-Type"].startswith("application/json")
    body = response.content.decode("utf-8")
    assert "Cần đăng nhập" in body and "\\u" not in body

"""The pages through Django's test client: login, language, home page, error pages, health, headers."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ioc.datavalues.models import ImportRun
from ioc.web.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

LANG = settings.LANGUAGE_COOKIE_NAME


def english(client: Client) -> Client:
    client.cookies[LANG] = "en"
    return client


# --- login ---------------------------------------------------------------------------------------------


def test_home_requires_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_values_partial_requires_login(client: Client) -> None:
    response = client.get(reverse("home-values"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_page_is_vietnamese_by_default_even_for_an_english_browser(client: Client) -> None:
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in body
    for text in ["Đăng nhập", "Tên đăng nhập", "Mật khẩu", "Trung tâm Điều hành thông minh"]:
        assert text in body
    assert "Username" not in body


def test_login_page_in_english_when_chosen(client: Client) -> None:
    body = english(client).get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    for text in ["Log in", "Username", "Password", "Intelligent Operations Center"]:
        assert text in body
    assert "Tên đăng nhập" not in body


def test_wrong_password_shows_an_error_and_does_not_log_in(client: Client, world: World) -> None:
    response = client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in_and_opens_the_operations_screen(client: Client, world: World) -> None:
    response = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/ops/"
    assert client.session["_auth_user_id"] == str(world.admin.pk)


def test_login_follows_next_only_within_the_site(client: Client, world: World) -> None:
    ok = client.post("/accounts/login/?next=/healthz", {"username": "admin", "password": PASSWORD, "next": "/healthz"})
    assert ok["Location"] == "/healthz"
    client.logout()
    evil = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD, "next": "https://evil.example/"})
    assert evil["Location"] == "/ops/"


def test_five_failures_lock_the_login_in_both_languages(client: Client, world: World) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
        assert response.status_code == 200
    locked = client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Tạm khóa đăng nhập" in body
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"Vui lòng thử lại sau {minutes} phút." in body
    # Even the right password is refused while locked.
    again = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    english_body = english(client).post("/accounts/login/", {"username": "admin", "password": "x"}).content.decode()
    assert "Too many failed logins" in english_body
    assert f"Try again in {minutes} minutes." in english_body


def test_a_lockout_of_one_user_does_not_lock_another(client: Client, world: World) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "admin", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "vinhyen", "password": PASSWORD})
    assert response.status_code == 302


# --- logout and language switch need CSRF ----------------------------------------------------------------


def test_logout_needs_post_and_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)
    assert client.get("/accounts/logout/").status_code == 405
    refused = client.post("/accounts/logout/")
    assert refused.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.content.decode()
    assert client.get("/").status_code == 200  # still logged in

    page = client.get("/")
    token = page.context["csrf_token"]
    done = client.post("/accounts/logout/", {"csrfmiddlewaretoken": str(token)})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_language_switch_needs_csrf_and_sets_the_cookie() -> None:
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert refused.status_code == 403
    assert LANG not in client.cookies

    token = client.get("/accounts/login/").context["csrf_token"]
    switched = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/", "csrfmiddlewaretoken": str(token)}
    )
    assert switched.status_code == 302
    assert switched["Location"] == "/accounts/login/"
    assert client.cookies[LANG].value == "en"
    assert "Username" in client.get("/accounts/login/").content.decode()


def test_language_switch_ignores_an_unknown_language(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert "Tên đăng nhập" in client.get("/accounts/login/").content.decode()


def test_a_forged_language_cookie_falls_back_to_vietnamese(client: Client) -> None:
    client.cookies[LANG] = "xx"
    assert '<html lang="vi">' in client.get("/accounts/login/").content.decode()


# --- the home page -------------------------------------------------------------------------------------


def _testid(body: str, name: str) -> str:
    start = body.index(f'data-testid="{name}">') + len(f'data-testid="{name}">')
    return body[start : body.index("<", start)]


def test_home_says_what_is_in_the_system(client: Client, world: World) -> None:
    client.force_login(world.admin)
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert _testid(body, "units-open") == "2"  # Tỉnh Phú Thọ and Phường Vĩnh Yên are open today
    assert "trên tổng số 9" in body
    assert _testid(body, "data-sets") == "1"
    assert _testid(body, "data-elements") == "2"
    assert _testid(body, "indicators") == "1"
    assert _testid(body, "values") == str(world.values_total)
    for text in [
        "Báo cáo y tế hằng tháng",
        "Hằng tháng",
        "Y tế",
        "Lần nhập gần nhất",
        "demo: Vĩnh Phúc 2024",
        "bao-cao-y-te-2025-01.xlsx",
        "thành công",
        "có cảnh báo",
        "Sở Y tế",
        "Quản trị viên",
        "Tỉnh",
        "Huyện",
        "Xã",
        'href="/admin/"',
        'href="/api/v1/docs"',
    ]:
        assert text in body, text


def test_home_in_english(client: Client, world: World) -> None:
    client.force_login(world.admin)
    body = english(client).get("/").content.decode()
    for text in [
        "System overview",
        "Monthly health report",
        "Monthly",
        "Latest imports",
        "Department of Health",
        "Administrator",
        "Province",
        "Commune",
    ]:
        assert text in body, text


def test_home_numbers_use_the_language_s_grouping(client: Client, world: World) -> None:
    ImportRun.objects.create(user=world.admin, source="big.csv", via="import", status="SUCCESS", imported=1234567)
    client.force_login(world.admin)
    assert "1.234.567" in client.get("/").content.decode()
    assert "1,234,567" in english(client).get("/").content.decode()


def test_home_counts_only_values_in_the_district_users_scope(client: Client, world: World) -> None:
    client.force_login(world.district)
    body = client.get("/").content.decode()
    assert _testid(body, "values") == str(world.values_d1)
    assert "trong phạm vi đơn vị bạn được xem" in body
    assert "Thành phố Vĩnh Yên" in body  # the scope is named
    assert "UBND Thành phố Vĩnh Yên" in body
    assert 'href="/admin/"' not in body  # not staff


def test_home_counts_no_values_for_a_user_without_scope(client: Client, world: World) -> None:
    client.force_login(world.nobody)
    assert _testid(client.get("/").content.decode(), "values") == "0"


def test_values_partial_is_scoped_too(client: Client, world: World) -> None:
    client.force_login(world.district)
    body = client.get(reverse("home-values")).content.decode()
    assert _testid(body, "values") == str(world.values_d1)
    assert "<html" not in body
    client.force_login(world.admin)
    assert _testid(client.get(reverse("home-values")).content.decode(), "values") == str(world.values_total)


def test_home_with_an_empty_database(client: Client, django_user_model) -> None:
    user = django_user_model.objects.create_user("empty", password=PASSWORD)
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Chưa có bộ dữ liệu nào" in body
    assert "Chưa có lần nhập dữ liệu nào" in body
    assert "Dữ liệu mô phỏng" not in body


def test_synthetic_banner_on_every_page_when_demo_data_exists(client: Client, world: World) -> None:
    assert "Dữ liệu mô phỏng" in client.get("/accounts/login/").content.decode()
    client.force_login(world.admin)
    assert "Dữ liệu mô phỏng" in client.get("/").content.decode()
    assert "Synthetic data" in english(client).get("/").content.decode()


def test_no_synthetic_banner_for_real_data(client: Client, db: None) -> None:
    from ioc.web.testing import build_world

    build_world(synthetic=False)
    assert "Dữ liệu mô phỏng" not in client.get("/accounts/login/").content.decode()


def test_home_refuses_other_methods(client: Client, world: World) -> None:
    client.force_login(world.admin)
    assert client.post("/").status_code == 405


# --- health, errors, headers ---------------------------------------------------------------------------


def test_healthz_without_login(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["status"] == "ok"
    assert data["database"] == "ok"
    assert data["version"]
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


def test_healthz_reports_a_database_failure(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError

    from ioc.web import views

    class Broken:
        def cursor(self) -> None:
            raise DatabaseError("down")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "error", "database": "error", "version": views.ioc.__version__}


def test_404_page_in_both_languages_without_details(client: Client) -> None:
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Không tìm thấy trang" in body
    assert "Traceback" not in body
    assert "Page not found" in english(client).get("/nope/").content.decode()


@pytest.mark.urls("ioc.web.tests.urls_errors")
def test_500_page_is_bilingual_and_hides_the_error(db: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Đã xảy ra lỗi hệ thống" in body
    assert "Server error" in body
    assert "secret detail" not in body
    assert "Traceback" not in body


@pytest.mark.urls("ioc.web.tests.urls_errors")
def test_403_page(client: Client, world: World) -> None:
    client.force_login(world.nobody)
    response = client.get("/refuse/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert "Access denied" in english(client).get("/refuse/").content.decode()


@pytest.mark.parametrize("url", ["/accounts/login/", "/", "/healthz", "/nope/"])
def test_security_headers(client: Client, world: World, url: str) -> None:
    client.force_login(world.admin)
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts(client: Client, world: World) -> None:
    client.force_login(world.admin)
    for url in ["/", "/accounts/login/"]:
        body = client.get(url).content.decode()
        assert "<script>" not in body
        assert " on" + "click=" not in body
        for chunk in body.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), chunk[:80]


# --- password change -----------------------------------------------------------------------------------


def test_password_change_needs_login(client: Client) -> None:
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_change_page_and_change(client: Client, world: World) -> None:
    client.force_login(world.district)
    page = client.get("/accounts/password_change/").content.decode()
    for text in ["Đổi mật khẩu", "Mật khẩu cũ", "Mật khẩu mới", "ít nhất 10 ký tự"]:
        assert text in page, text
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "sai", "new_password1": "Một-mật-khẩu-mới-2026", "new_password2": "Một-mật-khẩu-mới-2026"},
    )
    assert wrong.status_code == 200
    world.district.refresh_from_db()
    assert world.district.check_password(PASSWORD)
    done = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "Một-mật-khẩu-mới-2026", "new_password2": "Một-mật-khẩu-mới-2026"},
        follow=True,
    )
    assert "Đã đổi mật khẩu" in done.content.decode()
    world.district.refresh_from_db()
    assert world.district.check_password("Một-mật-khẩu-mới-2026")

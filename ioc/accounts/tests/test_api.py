"""GET /api/v1/me, and the token authentication the whole API uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ioc.accounts.models import Agency, ApiToken
from ioc.accounts.testing import bearer, english, token_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/me"


def test_me_with_a_session(tree, users):
    users.officer_a.agency = Agency.objects.create(code="PYT_VY", name_vi="Phòng Y tế Vĩnh Yên")
    users.officer_a.first_name, users.officer_a.last_name = "Trần", "Thị B"
    users.officer_a.save()
    client = english(Client())
    client.force_login(users.officer_a)
    data = client.get(URL).json()
    assert data["username"] == "officer_a" and data["name"] == "Trần Thị B"
    assert data["agency"] == {"code": "PYT_VY", "name": "Phòng Y tế Vĩnh Yên"}
    assert data["roles"] == ["data_officer"]
    assert [u["code"] for u in data["entryUnits"]] == ["243"]
    assert [(u["code"], u["name"]) for u in data["viewUnits"]] == [("26", "Tỉnh Vĩnh Phúc")]
    assert data["enterEverywhere"] is False and data["seeEverything"] is False
    assert data["token"] is None


def test_me_with_a_token(tree, users):
    plain = token_for(users.integrator, ["data:read", "metadata:read"])
    data = bearer(plain).get(URL).json()
    assert data["username"] == "integrator"
    assert data["token"]["scopes"] == ["data:read", "metadata:read"] and data["token"]["prefix"] == plain[:12]
    assert ApiToken.objects.get().last_used is not None


def test_me_for_an_admin(users):
    client = Client()
    client.force_login(users.admin)
    data = client.get(URL).json()
    assert data["enterEverywhere"] and data["seeEverything"]
    assert data["entryUnits"] == [] and data["viewUnits"] == []


def test_me_needs_credentials(users):
    response = Client().get(URL)
    assert response.status_code == 401 and "Bearer" in response.json()["message"]


@pytest.mark.parametrize(
    "state",
    [
        {"revoked": timezone.now()},
        {"expires": timezone.now() - dt.timedelta(seconds=1)},
    ],
)
def test_revoked_and_expired_tokens_are_refused(users, state):
    assert bearer(token_for(users.integrator, ["data:read"], **state)).get(URL).status_code == 401


def test_a_token_not_yet_expired_works(users):
    plain = token_for(users.integrator, ["data:read"], expires=timezone.now() + dt.timedelta(days=1))
    assert bearer(plain).get(URL).status_code == 200


def test_a_wrong_token_is_refused(users):
    plain = token_for(users.integrator, ["data:read"])
    assert bearer(plain[:-1] + ("A" if plain[-1] != "A" else "B")).get(URL).status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Token {plain}").get(URL).status_code == 401


def test_an_inactive_users_token_is_refused(users):
    plain = token_for(users.integrator, ["data:read"])
    users.integrator.is_active = False
    users.integrator.save()
    assert bearer(plain).get(URL).status_code == 401

"""/api/v1/dataValues: both sides of every permission, tokens with and without scopes, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from ioc.accounts.testing import bearer, english, token_for
from ioc.audit.models import Via
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.datavalues.models import DataValue, DataValueAudit, PeriodLock

pytestmark = pytest.mark.django_db

URL = "/api/v1/dataValues"


@pytest.fixture
def stored(tree, meta, users):
    rows = [
        ValueRow(meta.opd, tree[u], p, v)
        for u, p, v in [
            ("c1", "202503", "11"),
            ("c2", "202503", "12"),
            ("c3", "202503", "13"),
            ("c1", "202504", "14"),
            ("new_c", "202508", "15"),
        ]
    ]
    rows.append(ValueRow(meta.pupils, tree["c1"], "2024", "300", category_option_combo=meta.female))
    assert do_set_values(users.admin, rows, via=Via.IMPORT).created == 6


def session(user, **kw) -> Client:
    client = english(Client(**kw))
    client.force_login(user)
    return client


def body(**extra):
    return {"dataElement": "OPD", "period": "202503", "orgUnit": "08707", "value": "42", **extra}


# --- reading -------------------------------------------------------------------------------------------


def test_read_is_scoped_by_the_view_scope(tree, meta, users, stored):
    response = session(users.viewer_b).get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    item = data["items"][0]
    assert item["dataElement"] == "OPD" and item["orgUnit"] == "08773" and item["value"] == "13"
    assert item["categoryOptionCombo"] == "default" and item["storedBy"] == "boss"
    assert session(users.leader).get(URL).json()["count"] == 5  # the old province
    assert session(users.admin).get(URL).json()["count"] == 6


def test_a_value_outside_the_view_scope_is_invisible_not_forbidden(tree, meta, users, stored):
    response = session(users.viewer_b).get(URL, {"orgUnit": tree["c1"].uid})
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
    assert session(users.leader).get(URL, {"orgUnit": tree["c1"].uid}).json()["count"] == 3


def test_filters_with_codes_and_uids(tree, meta, users, stored):
    client = session(users.admin)
    before = client.get(URL, {"orgUnit": "08707", "period": "202503"}).json()
    assert [(i["orgUnitName"], i["value"]) for i in before["items"]] == [("Phường Tích Sơn", "11")]
    after = client.get(URL, {"orgUnit": "08707", "period": "202508"}).json()
    assert [(i["orgUnitName"], i["value"]) for i in after["items"]] == [("Phường Vĩnh Yên", "15")]
    assert client.get(URL, {"dataElement": meta.pupils.uid}).json()["count"] == 1
    assert client.get(URL, {"dataElement": "OPD,PUPILS"}).json()["count"] == 6
    assert client.get(URL, {"period": ["202503", "202504"]}).json()["count"] == 4
    subtree = client.get(URL, {"orgUnit": "243", "children": "true", "startDate": "2025-01-01"}).json()
    assert subtree["count"] == 3
    assert client.get(URL, {"orgUnit": "243", "startDate": "2025-01-01"}).json()["count"] == 0
    window = client.get(URL, {"startDate": "2025-04-01", "endDate": "2025-12-31"}).json()
    assert sorted(i["value"] for i in window["items"]) == ["14", "15"]
    page = client.get(URL, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 6 and len(page["items"]) == 2


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"dataElement": "NO_SUCH"}, 400, "dataElement"),
        ({"period": "2025-13"}, 400, "period"),
        ({"orgUnit": "99999"}, 400, "orgUnit"),
        ({"orgUnit": "08710", "period": "202508"}, 400, "orgUnit"),
        ({"startDate": "yesterday"}, 422, "startDate"),
        ({"limit": 0}, 422, "limit"),
        ({"limit": 5000}, 422, "limit"),
    ],
)
def test_bad_read_parameters(tree, meta, users, stored, params, status, field):
    response = session(users.admin).get(URL, params)
    assert response.status_code == status
    data = response.json()
    assert data["status"] == status and data["message"]
    assert any(field in (e.get("field") or "") for e in data["errors"]), data


def test_read_with_tokens(tree, meta, users, stored):
    assert bearer(token_for(users.leader, ["data:read"])).get(URL).json()["count"] == 5
    refused = bearer(token_for(users.leader, ["metadata:read"])).get(URL)
    assert refused.status_code == 403 and "data:read" in refused.json()["message"]
    assert bearer(token_for(users.nobody, ["data:read"])).get(URL).status_code == 403  # token, but no role


def test_no_or_bad_credentials(tree, meta, users, stored):
    assert Client().get(URL).status_code == 401
    assert bearer("ioc_not-a-token").get(URL).status_code == 401
    revoked = token_for(users.leader, ["data:read"], revoked=timezone.now())
    assert bearer(revoked).get(URL).status_code == 401
    expired = token_for(users.leader, ["data:read"], expires=timezone.now() - dt.timedelta(minutes=1))
    assert bearer(expired).get(URL).status_code == 401
    users.leader.is_active = False
    users.leader.save()
    assert bearer(token_for(users.leader, ["data:read"])).get(URL).status_code == 401


# --- writing -------------------------------------------------------------------------------------------


def test_post_creates_updates_and_reports_unchanged(tree, meta, users):
    client = bearer(token_for(users.officer_a, ["data:write"]))
    created = client.post(URL, body(comment="Số liệu tháng 3"), content_type="application/json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["action"] == "CREATE"
    assert data["value"]["value"] == "42" and data["value"]["orgUnitName"] == "Phường Tích Sơn"
    assert client.post(URL, body(), content_type="application/json").json()["action"] == "UNCHANGED"
    updated = client.post(URL, body(value=43, followUp=True), content_type="application/json")
    assert updated.status_code == 200 and updated.json()["action"] == "UPDATE"
    stored = DataValue.objects.get()
    assert (stored.value_num, stored.follow_up, stored.comment) == (43.0, True, "Số liệu tháng 3")
    assert set(DataValueAudit.objects.values_list("via", flat=True)) == {"api"}


def test_post_outside_the_entry_scope_is_forbidden(tree, meta, users):
    client = bearer(token_for(users.officer_a, ["data:write"]))
    response = client.post(URL, body(orgUnit="08773"), content_type="application/json")
    assert response.status_code == 403
    assert "outside your data entry units" in response.json()["message"]
    assert response.json()["errors"][0]["field"] == "orgUnit"
    assert not DataValue.objects.exists()
    other = bearer(token_for(users.officer_b, ["data:write"]))
    assert other.post(URL, body(orgUnit="08773"), content_type="application/json").status_code == 201


def test_post_needs_the_write_scope_and_the_role(tree, meta, users):
    read_only = bearer(token_for(users.officer_a, ["data:read"]))
    response = read_only.post(URL, body(), content_type="application/json")
    assert response.status_code == 403 and "data:write" in response.json()["message"]
    leader = bearer(token_for(users.leader, ["data:read", "data:write"]))
    response = leader.post(URL, body(), content_type="application/json")
    assert response.status_code == 403 and "enter data" in response.json()["message"]
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"value": "nhiều"}, 400, "value"),
        ({"value": 1.5}, 400, "value"),
        ({"dataElement": "NO_SUCH"}, 400, "dataElement"),
        ({"categoryOptionCombo": "SEX_M"}, 400, "categoryOptionCombo"),
        ({"period": "2025Q1"}, 400, "period"),
        ({"period": "20251"}, 400, "period"),
        ({"orgUnit": "08710", "period": "202508"}, 400, "orgUnit"),
        ({"comment": 5}, 422, "comment"),
    ],
)
def test_post_bad_input(tree, meta, users, change, status, field):
    client = bearer(token_for(users.admin, ["data:write"]))
    response = client.post(URL, body(**change), content_type="application/json")
    assert response.status_code == status, response.json()
    data = response.json()
    assert data["errors"][0]["field"].endswith(field), data
    assert not DataValue.objects.exists()


def test_post_missing_fields_and_broken_json(tree, meta, users):
    client = bearer(token_for(users.admin, ["data:write"]))
    response = client.post(URL, {"dataElement": "OPD"}, content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"body.period", "body.orgUnit", "body.value"} <= fields or {"period", "orgUnit", "value"} <= fields
    broken = client.post(URL, "{not json", content_type="application/json")
    assert broken.status_code in (400, 422)
    assert not DataValue.objects.exists()


def test_post_into_a_locked_period_is_a_conflict(tree, meta, users):
    PeriodLock.objects.create(data_set=meta.health, period="202503", org_unit=tree["p"])
    client = bearer(token_for(users.officer_a, ["data:write"]))
    response = client.post(URL, body(), content_type="application/json")
    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "period"


def test_session_post_needs_csrf(tree, meta, users):
    client = session(users.officer_a, enforce_csrf_checks=True)
    refused = client.post(URL, body(), content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["message"]
    assert not DataValue.objects.exists()
    secret = _get_new_csrf_string()  # what the CSRF cookie of a page holds
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    wrong = client.post(URL, body(), content_type="application/json", HTTP_X_CSRFTOKEN=_get_new_csrf_string())
    assert wrong.status_code == 403
    accepted = client.post(URL, body(), content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201, accepted.json()


def test_session_read_needs_no_csrf(tree, meta, users, stored):
    client = session(users.leader, enforce_csrf_checks=True)
    assert client.get(URL).status_code == 200


# --- deleting ------------------------------------------------------------------------------------------


def test_delete(tree, meta, users, stored):
    params = "?dataElement=OPD&period=202503&orgUnit=08707"
    outsider = bearer(token_for(users.officer_b, ["data:write"]))
    assert outsider.delete(URL + params).status_code == 403
    read_only = bearer(token_for(users.officer_a, ["data:read"]))
    assert read_only.delete(URL + params).status_code == 403
    client = bearer(token_for(users.officer_a, ["data:write"]))
    response = client.delete(URL + params)
    assert response.status_code == 200 and response.json()["action"] == "DELETE"
    assert DataValue.objects.get(org_unit=tree["c1"], period="202503").deleted
    assert client.delete(URL + params).status_code == 404
    assert client.delete(URL + "?dataElement=OPD&period=202503").status_code == 422
    listed = session(users.officer_a).get(URL, {"orgUnit": "08707", "period": "202503"}).json()
    assert listed["count"] == 0


def test_token_post_needs_no_csrf(tree, meta, users):
    client = bearer(token_for(users.officer_a, ["data:write"]), enforce_csrf_checks=True)
    assert client.post(URL, body(), content_type="application/json").status_code == 201


def test_errors_never_leak_a_stack_trace(tree, meta, users):
    client = bearer(token_for(users.admin, ["data:write", "data:read"]))
    for response in (
        client.post(URL, [1, 2], content_type="application/json"),
        client.post(URL, body(value={"x": 1}), content_type="application/json"),
        client.get(URL, {"children": "perhaps"}),
        client.get(URL, {"offset": -1}),
    ):
        assert response.status_code in (400, 422), response.content
        assert "Traceback" not in response.content.decode()
        assert response.json()["message"]

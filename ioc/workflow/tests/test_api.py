"""/api/v1/workflow: 401 without auth, 403 without the token scope, the role or the unit scope, 4xx JSON for bad
input (never 500), and the transitions through the API."""

from __future__ import annotations

import pytest
from django.test import Client

from ioc.accounts.testing import bearer, english, token_for
from ioc.audit.models import AuditEntry
from ioc.datavalues.models import PeriodLock
from ioc.workflow.models import State, Submission
from ioc.workflow.services import do_approve, do_complete

from .conftest import fill

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workflow"
REG = f"{BASE}/completeDataSetRegistrations"
APPROVALS = f"{BASE}/dataApprovals"


def session(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def reg(world, unit, month, completed=True) -> dict:
    return {
        "completeDataSetRegistrations": [
            {"dataSet": "HEALTH", "period": month.id, "orgUnit": unit.uid, "completed": completed}
        ]
    }


def form(world, unit, month) -> str:
    return f"?ds=HEALTH&pe={month.id}&ou={unit.uid}"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", REG),
        ("post", REG),
        ("get", APPROVALS + "?ds=HEALTH&pe=202401&ou=C1"),
        ("post", APPROVALS + "?ds=HEALTH&pe=202401&ou=C1"),
        ("get", f"{BASE}/completeness?period=2025"),
        ("get", f"{BASE}/lateReports?period=2025"),
    ],
)
def test_401_without_authentication(world, method, url):
    response = getattr(english(Client()), method)(url, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication required")


def test_complete_and_withdraw_through_the_api_with_a_token(world, month):
    fill(world, world.c1, month)
    client = bearer(token_for(world.officer1, ["data:read", "data:write"]))
    response = client.post(REG, reg(world, world.c1, month), content_type="application/json")
    assert response.status_code == 200, response.content
    item = response.json()["completeDataSetRegistrations"][0]
    assert item["state"] == "SUBMITTED" and item["completed"] is True and item["storedBy"] == "officer1"
    assert item["onTime"] is True and item["orgUnitName"] == "Xã Đại Đình"
    assert AuditEntry.objects.get(action="workflow.complete").via == "api"
    listed = client.get(REG, {"dataSet": "HEALTH", "period": month.id}).json()["completeDataSetRegistrations"]
    assert [(r["orgUnit"], r["state"]) for r in listed] == [("C1", "SUBMITTED")]
    response = client.post(REG, reg(world, world.c1, month, completed=False), content_type="application/json")
    assert response.json()["completeDataSetRegistrations"][0]["state"] == "OPEN"


def test_registrations_are_all_or_nothing_and_name_the_bad_one(world, month):
    fill(world, world.c1, month)
    fill(world, world.c2, month, skip=("OPD",))
    body = {
        "completeDataSetRegistrations": [
            {"dataSet": "HEALTH", "period": month.id, "orgUnit": world.c1.uid},
            {"dataSet": "HEALTH", "period": month.id, "orgUnit": world.c2.uid},
        ]
    }
    response = session(world.officer1).post(REG, body, content_type="application/json")
    assert response.status_code == 400
    data = response.json()
    assert data["message"].startswith(
        f"Registration 2 (HEALTH {month.id} {world.c2.uid}): The form cannot be submitted"
    )
    assert data["errors"] == [{"field": "dataValues", "message": "Empty compulsory cell: Outpatient visits (OPD)"}]
    assert not Submission.objects.exists() and not PeriodLock.objects.exists()


def test_token_scopes_and_roles(world, month):
    fill(world, world.c1, month)
    read_only = bearer(token_for(world.officer1, ["data:read"]))
    response = read_only.post(REG, reg(world, world.c1, month), content_type="application/json")
    assert response.status_code == 403 and "lacks the scope 'data:write'" in response.json()["message"]
    leader = bearer(token_for(world.leader, ["data:read", "data:write"]))
    assert leader.post(REG, reg(world, world.c1, month), content_type="application/json").status_code == 403
    outside = bearer(token_for(world.officer2, ["data:write"]))
    response = outside.post(REG, reg(world, world.c1, month), content_type="application/json")
    assert response.status_code == 403 and "outside your data entry units" in response.json()["message"]
    assert not Submission.objects.exists()


def test_approval_state_approve_return_and_unapprove(world, month):
    fill(world, world.c1, month)
    do_complete(world.officer1, world.health, world.c1, month)
    approver = bearer(token_for(world.approver1, ["data:read", "data:write"]))
    state = approver.get(APPROVALS + form(world, world.c1, month)).json()
    assert state["state"] == "SUBMITTED" and state["mayApprove"] is True and state["mayReturn"] is True
    assert state["mayUnapprove"] is False and state["submittedBy"] == "officer1"
    district = approver.get(APPROVALS + form(world, world.d1, month)).json()
    assert district["hasForm"] is False
    assert [(c["orgUnit"], c["state"]) for c in district["children"]] == [("C1", "SUBMITTED"), ("C2", "OPEN")]
    # bottom-up
    response = approver.post(APPROVALS + form(world, world.d1, month))
    assert (
        response.status_code == 400 and "first approve Xã Đại Đình (C1), Xã Tam Quan (C2)" in response.json()["message"]
    )
    # return needs a reason
    response = approver.post(APPROVALS + "/return" + form(world, world.c1, month), {}, content_type="application/json")
    assert response.status_code == 422
    response = approver.post(
        APPROVALS + "/return" + form(world, world.c1, month), {"reason": "Sai số"}, content_type="application/json"
    )
    assert (
        response.status_code == 200 and response.json()["state"] == "RETURNED" and response.json()["reason"] == "Sai số"
    )
    do_complete(world.officer1, world.health, world.c1, month)
    response = approver.post(APPROVALS + form(world, world.c1, month))
    assert response.status_code == 200 and response.json()["state"] == "APPROVED"
    # unapprove: administrators only
    body = {"reason": "Sở yêu cầu sửa"}
    response = approver.post(
        APPROVALS + "/unapprove" + form(world, world.c1, month), body, content_type="application/json"
    )
    assert response.status_code == 403
    admin = bearer(token_for(world.admin, ["data:write", "data:read"]))
    response = admin.post(
        APPROVALS + "/unapprove" + form(world, world.c1, month), body, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "SUBMITTED"


def test_approval_refusals_are_403_and_change_nothing(world, month):
    fill(world, world.c3, month)
    do_complete(world.officer2, world.health, world.c3, month)
    officer = bearer(token_for(world.officer2, ["data:write", "data:read"]))
    assert officer.post(APPROVALS + form(world, world.c3, month)).status_code == 403
    other = bearer(token_for(world.approver1, ["data:write", "data:read"]))
    response = other.post(APPROVALS + form(world, world.c3, month))
    assert response.status_code == 403 and "outside your data entry units" in response.json()["message"]
    assert other.get(APPROVALS + form(world, world.c3, month)).status_code == 403  # not in its view scope
    assert Submission.objects.get().state == State.SUBMITTED


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?ds=NOPE&pe=202401&ou=C1", "dataSet"),
        ("?ds=HEALTH&pe=2024-99&ou=C1", "period"),
        ("?ds=HEALTH&pe=2024&ou=C1", "period"),
        ("?ds=HEALTH&pe=202401&ou=ZZZ", "orgUnit"),
    ],
)
def test_bad_references_are_400_naming_the_field(world, query, field):
    response = session(world.admin).get(APPROVALS + query)
    assert response.status_code in (400, 404)
    data = response.json()
    assert data["errors"][0]["field"] == field, data


def test_missing_parameters_are_422(world):
    assert session(world.admin).get(APPROVALS).status_code == 422
    assert (
        session(world.admin)
        .post(REG, {"completeDataSetRegistrations": []}, content_type="application/json")
        .status_code
        == 422
    )
    assert session(world.admin).post(REG, "not json", content_type="application/json").status_code in (400, 422)


def test_completeness_and_late_reports(world, month):
    old = month.shift(-3)
    for unit in (world.c1, world.c2):
        fill(world, unit, month)
        do_complete(world.officer1, world.health, unit, month)
    do_approve(world.approver1, world.health, world.c1, month)
    fill(world, world.c3, old)
    do_complete(world.officer2, world.health, world.c3, old)  # late
    client = bearer(token_for(world.leader, ["data:read"]))
    data = client.get(
        f"{BASE}/completeness", {"dataSet": "HEALTH", "period": [old.id, month.id], "groupBy": "period"}
    ).json()
    assert data["total"] == {
        "key": "total",
        "code": "",
        "name": "Total",
        "expected": 8,
        "received": 3,
        "onTime": 2,
        "reportingRate": 37.5,
        "reportingRateOnTime": 25.0,
    }
    assert [(r["code"], r["expected"], r["received"], r["onTime"]) for r in data["rows"]] == [
        (old.id, 4, 1, 0),
        (month.id, 4, 2, 2),
    ]
    by_unit = client.get(
        f"{BASE}/completeness", {"dataSet": "HEALTH", "period": old.id, "orgUnit": world.d2.uid, "groupBy": "unit"}
    ).json()
    assert [(r["code"], r["received"]) for r in by_unit["rows"]] == [("C3", 1), ("D2", 0)]
    late = client.get(f"{BASE}/lateReports", {"dataSet": "HEALTH", "period": old.id, "sort": "unit"}).json()
    assert late["count"] == 3
    assert [i["orgUnitName"] for i in late["items"]] == ["Huyện Lập Thạch", "Xã Đại Đình", "Xã Tam Quan"]
    assert late["items"][1]["responsible"] == ["colleague1", "officer1"] and late["items"][1]["daysLate"] > 0
    bad = client.get(f"{BASE}/completeness", {"period": "2025", "groupBy": "sector"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "groupBy"
    assert client.get(f"{BASE}/completeness").status_code == 400
    assert client.get(f"{BASE}/completeness", {"startDate": "2025-05-01", "endDate": "2025-01-01"}).status_code == 400


def test_completeness_is_scoped_to_the_view_scope(world, month):
    client = bearer(token_for(world.officer1, ["data:read"]))
    data = client.get(f"{BASE}/completeness", {"dataSet": "HEALTH", "period": month.id, "groupBy": "unit"}).json()
    assert [r["code"] for r in data["rows"]] == ["C1", "C2"]

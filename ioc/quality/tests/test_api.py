"""/api/v1/validation: results (GET) and runs (POST); 401 without auth, 403 without the token scope or
outside the view scope, 4xx JSON for bad input; a large run becomes a background job."""

from __future__ import annotations

import pytest
from django.test import Client

from ioc.accounts.testing import bearer, english, token_for
from ioc.jobs.models import Job
from ioc.quality import api as quality_api
from ioc.quality.models import ValidationResult, ValidationRun
from ioc.quality.services import run_validation

pytestmark = pytest.mark.django_db

RESULTS = "/api/v1/validation/results"
RUN = "/api/v1/validation/run"


@pytest.fixture
def data(vworld):
    """c1 (243) breaks R_IMM in 202501, c3 (244) in 202502; results stored by an admin run."""
    w = vworld
    for unit, month, imm, u1 in [("c1", "202501", 130, 100), ("c3", "202502", 90, 80), ("c2", "202501", 10, 50)]:
        w.put(w.imm, unit, month, imm, w.male)
        w.put(w.u1, unit, month, u1)
    run_validation(w.admin, start="2025-01", end="2025-03")
    return w


def session(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def test_results_need_authentication(data):
    response = Client().get(RESULTS)
    assert response.status_code == 401
    assert response.json()["status"] == 401
    assert Client(HTTP_AUTHORIZATION="Bearer nope").get(RESULTS).status_code == 401


def test_results_are_scoped_and_described(data):
    w = data
    body = session(w.admin).get(RESULTS).json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["rule"] == "R_IMM" and first["importance"] == "HIGH" and first["operator"] == "≤"
    assert first["period"] == "202502" and first["orgUnitCode"] == "08773"  # newest first
    assert first["leftSideValue"] == 90.0 and first["rightSideValue"] == 80.0
    assert first["message"] == "Children fully immunised (90) ≤ Children under 1 (80)"
    assert first["values"][0] == {
        "dataElement": "IMM",
        "categoryOptionCombo": "SEX_M",
        "value": 90.0,
        "dataSet": "HEALTH",
    }
    assert {"firstSeen", "lastSeen", "followUp", "resolved", "id"} <= set(first)
    viewer = session(w.viewer_b).get(RESULTS).json()
    assert viewer["count"] == 1 and viewer["items"][0]["orgUnitCode"] == "08773"
    assert session(w.nobody).get(RESULTS).status_code == 403


def test_result_filters_and_paging(data):
    client = session(data.admin)
    assert client.get(RESULTS, {"orgUnit": "243"}).json()["count"] == 1
    assert client.get(RESULTS, {"period": "202501,202503"}).json()["count"] == 1
    assert client.get(RESULTS, {"startDate": "2025-02-01", "endDate": "2025-02-28"}).json()["count"] == 1
    assert client.get(RESULTS, {"importance": "LOW"}).json()["count"] == 0
    assert client.get(RESULTS, {"rule": "R_IMM"}).json()["count"] == 2
    assert client.get(RESULTS, {"dataSet": "EDU"}).json()["count"] == 0
    page = client.get(RESULTS, {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and len(page["items"]) == 1 and page["items"][0]["period"] == "202501"
    assert client.get(RESULTS, {"followUp": "true"}).json()["count"] == 0
    assert client.get(RESULTS, {"resolved": "true"}).json()["count"] == 0
    ValidationResult.objects.filter(period="202501").update(resolved=True)
    assert client.get(RESULTS, {"resolved": "true"}).json()["count"] == 1
    assert client.get(RESULTS).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"importance": "URGENT"}, 400, "importance: expected one of HIGH, MEDIUM, LOW"),
        ({"rule": "NOPE"}, 400, "Unknown validation rules: NOPE"),
        ({"dataSet": "NOPE"}, 400, "No data set"),
        ({"orgUnit": "99999"}, 400, "unknown org unit code"),
        ({"startDate": "2025-03-01", "endDate": "2025-01-01"}, 400, "before startDate"),
        ({"startDate": "yesterday"}, 422, "Invalid input"),
        ({"limit": 0}, 422, "Invalid input"),
    ],
)
def test_bad_result_queries(data, params, status, text):
    response = session(data.admin).get(RESULTS, params)
    assert response.status_code == status
    assert text in response.json()["message"]


def test_token_scopes(data):
    w = data
    assert bearer(token_for(w.leader, ["data:read"])).get(RESULTS).json()["count"] == 2
    response = bearer(token_for(w.leader, ["metadata:read"])).get(RESULTS)
    assert response.status_code == 403 and "lacks the scope 'data:read'" in response.json()["message"]
    # a token never grants more than its user: a user with no role is refused even with the scope
    assert bearer(token_for(w.nobody, ["data:read"])).get(RESULTS).status_code == 403
    assert (
        bearer(token_for(w.leader, ["metadata:read"]))
        .post(RUN, {"startDate": "2025-01", "endDate": "2025-03"}, content_type="application/json")
        .status_code
        == 403
    )


def test_a_small_run_runs_at_once(data):
    w = data
    ValidationResult.objects.all().delete()
    client = bearer(token_for(w.officer_a, ["data:read"]))
    response = client.post(
        RUN, {"orgUnit": "243", "startDate": "2025-01", "endDate": "2025-03"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "DONE" and body["violations"] == 1 and body["new"] == 1 and body["run"]
    assert body["items"][0]["message"] == "Children fully immunised (130) ≤ Children under 1 (100)"
    assert ValidationRun.objects.get(uid=body["run"]).via == "api"
    assert {r.org_unit.code for r in ValidationResult.objects.all()} == {"08707"}
    dry = client.post(
        RUN,
        {"startDate": "2025-01-01", "endDate": "2025-03-31", "persist": False, "dataSet": "HEALTH"},
        content_type="application/json",
    ).json()
    assert dry["run"] is None and dry["violations"] == 1 and ValidationRun.objects.count() == 2  # + the fixture's


def test_runs_stay_in_the_view_scope(data):
    w = data
    client = session(w.viewer_b)
    response = client.post(
        RUN, {"orgUnit": "243", "startDate": "2025-01", "endDate": "2025-03"}, content_type="application/json"
    )
    assert response.status_code == 403 and "outside your view scope" in response.json()["message"]
    assert ValidationRun.objects.count() == 1  # the fixture's


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"startDate": "2025-03", "endDate": "2025-01"}, 400, "before startDate"),
        ({"startDate": "2025-01", "endDate": "2025-03", "rules": ["NOPE"]}, 400, "Unknown validation rules"),
        ({"startDate": "someday", "endDate": "2025-03"}, 400, "startDate: expected a date"),
        ({"endDate": "2025-03"}, 422, "Invalid input"),
        ({"startDate": "2025-01", "endDate": "2025-03", "orgUnit": "nowhere"}, 400, "unknown org unit code"),
    ],
)
def test_bad_runs(data, body, status, text):
    response = session(data.admin).post(RUN, body, content_type="application/json")
    assert response.status_code == status
    assert text in response.json()["message"]


def test_a_session_run_needs_the_csrf_token(data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(data.admin)
    response = client.post(RUN, {"startDate": "2025-01", "endDate": "2025-03"}, content_type="application/json")
    assert response.status_code == 403


def test_a_large_run_becomes_a_background_job(data, monkeypatch, django_capture_on_commit_callbacks):
    w = data
    ValidationResult.objects.all().delete()
    monkeypatch.setattr(quality_api, "SYNC_LIMIT", 5)
    client = bearer(token_for(w.admin, ["data:read"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUN, {"startDate": "2025-01", "endDate": "2025-03"}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "QUEUED" and body["jobUrl"] == f"/jobs/{body['job']}/"
    job = Job.objects.get(uid=body["job"])
    assert job.kind == "quality.validate" and job.status == Job.Status.SUCCESS, job.message
    assert job.result["violations"] == 2 and job.result["new"] == 2
    assert ValidationResult.objects.count() == 2

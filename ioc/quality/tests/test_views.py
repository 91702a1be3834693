"""The quality pages: login, results grouped by importance with links to the forms, scope, the run page (now
or as a job), the follow-up list and resolving from it (both sides), the outliers tab."""

from __future__ import annotations

import pytest
from django.test import Client

from ioc.accounts.testing import english
from ioc.audit.models import AuditEntry
from ioc.datavalues.models import DataValue
from ioc.jobs.models import Job
from ioc.quality import views
from ioc.quality.models import ValidationResult, ValidationRun
from ioc.quality.services import run_validation
from ioc.quality.tests.conftest import season

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(vworld):
    """c1 (243): R_IMM (HIGH) in 202501; c3 (244): R_IMM in 202502; c2 (243): R_RATIO (LOW) in 202503;
    c1's January U1 value marked for follow-up."""
    w = vworld
    for unit, month, imm, u1 in [("c1", "202501", 130, 100), ("c3", "202502", 90, 80)]:
        w.put(w.imm, unit, month, imm, w.male)
        w.put(w.u1, unit, month, u1, follow_up=unit == "c1", comment="kiểm tra" if unit == "c1" else "")
    w.put(w.visits, "c2", "202503", 3000)
    w.put(w.doctors, "c2", "202503", 20)
    run_validation(w.admin, start="2025-01", end="2025-03")
    return w


def page(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", ["/quality/", "/quality/run/", "/quality/follow-up/", "/quality/outliers/"])
def test_every_page_needs_a_login(url):
    response = Client().get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_results_grouped_by_importance_with_links_to_the_forms(data):
    w = data
    response = page(w.admin).get("/quality/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Violations: 3" in html
    assert html.index('data-testid="group-HIGH"') < html.index('data-testid="group-LOW"')
    assert "High importance (2)" in html and "Low importance (1)" in html
    assert "Children fully immunised (130) ≤ Children under 1 (100)" in html
    assert f"/entry/?data_set=HEALTH&amp;org_unit={w.units['c1'].uid}&amp;period=202501" in html
    assert "Check R_IMM" in html  # the instruction


def test_results_are_scoped_and_filtered(data):
    w = data
    c1 = f'data-testid="result-{ValidationResult.objects.get(org_unit=w.units["c1"]).pk}"'
    c3 = f'data-testid="result-{ValidationResult.objects.get(org_unit=w.units["c3"]).pk}"'
    html = page(w.viewer_b).get("/quality/").content.decode()
    assert "Violations: 1" in html and c3 in html and c1 not in html
    html = page(w.admin).get("/quality/", {"org_unit": w.units["d1"].uid, "importance": "HIGH"}).content.decode()
    assert "Violations: 1" in html and c1 in html
    html = page(w.admin).get("/quality/", {"start": "2025-02", "end": "2025-02"}).content.decode()
    assert "Violations: 1" in html and c3 in html
    html = page(w.admin).get("/quality/", {"data_set": "EDU"}).content.decode()
    assert "Violations: 0" in html
    bad = page(w.admin).get("/quality/", {"start": "2025-13"})
    assert bad.status_code == 200 and "Expected a month as YYYY-MM" in bad.content.decode()
    # a unit the user cannot see is not a choice
    html = page(w.viewer_b).get("/quality/", {"org_unit": w.units["d1"].uid}).content.decode()
    assert "Select a valid choice" in html


def test_actions_are_offered_only_where_the_user_may_enter(data):
    w = data
    c1 = ValidationResult.objects.get(org_unit=w.units["c1"])
    html = page(w.officer_a).get("/quality/").content.decode()
    assert f"/quality/results/{c1.pk}/resolve" in html
    html = page(w.leader).get("/quality/").content.decode()
    assert "/resolve" not in html and f'data-testid="result-{c1.pk}"' in html


def test_follow_up_and_resolve_a_result_from_the_page(data):
    w = data
    r = ValidationResult.objects.get(org_unit=w.units["c1"])
    client = page(w.officer_a)
    response = client.post(
        f"/quality/results/{r.pk}/follow-up", {"follow_up": "1", "note": "gọi lại", "next": "/quality/follow-up/"}
    )
    assert response.status_code == 302 and response["Location"] == "/quality/follow-up/"
    r.refresh_from_db()
    assert r.follow_up and r.follow_up_note == "gọi lại"
    html = client.get("/quality/follow-up/").content.decode()
    assert "Validation results marked for follow-up: 1" in html and "gọi lại" in html
    client.post(f"/quality/results/{r.pk}/resolve", {"note": "đúng"})
    r.refresh_from_db()
    assert r.resolved and r.resolution_note == "đúng"
    assert "Validation results marked for follow-up: 0" in client.get("/quality/follow-up/").content.decode()
    # resolved results leave the default list, come back with "include resolved"
    row = f'data-testid="result-{r.pk}"'
    assert row not in client.get("/quality/").content.decode()
    assert row in client.get("/quality/", {"show_resolved": "on"}).content.decode()


def test_the_wrong_user_cannot_resolve_from_the_page(data):
    w = data
    r = ValidationResult.objects.get(org_unit=w.units["c1"])
    response = page(w.officer_b).post(f"/quality/results/{r.pk}/resolve", {"note": "x"}, follow=True)
    assert "No validation result" in response.content.decode()
    response = page(w.leader).post(f"/quality/results/{r.pk}/follow-up", {"follow_up": "1"}, follow=True)
    assert "You may not enter data" in response.content.decode()
    r.refresh_from_db()
    assert not r.resolved and not r.follow_up
    # an off-site "next" is ignored
    response = page(w.officer_a).post(f"/quality/results/{r.pk}/resolve", {"next": "https://evil.example/"})
    assert response["Location"] == "/quality/follow-up/"
    assert page(w.officer_a).get(f"/quality/results/{r.pk}/resolve").status_code == 405


def test_the_follow_up_list_of_values_and_resolving_a_value(data):
    w = data
    value = DataValue.objects.get(follow_up=True)
    html = page(w.leader).get("/quality/follow-up/").content.decode()
    assert "Values marked for follow-up: 1" in html and "kiểm tra" in html
    assert f"/entry/?data_set=HEALTH&amp;org_unit={w.units['c1'].uid}&amp;period=202501" in html
    assert f"/quality/values/{value.pk}/resolve" not in html  # a leader may not
    assert "Values marked for follow-up: 0" in page(w.viewer_b).get("/quality/follow-up/").content.decode()
    assert (
        "Values marked for follow-up: 0"
        in page(w.admin).get("/quality/follow-up/", {"org_unit": w.units["d2"].uid}).content.decode()
    )
    page(w.leader).post(f"/quality/values/{value.pk}/resolve")
    value.refresh_from_db()
    assert value.follow_up
    page(w.officer_b).post(f"/quality/values/{value.pk}/resolve")
    value.refresh_from_db()
    assert value.follow_up
    page(w.officer_a).post(f"/quality/values/{value.pk}/resolve")
    value.refresh_from_db()
    assert not value.follow_up
    assert AuditEntry.objects.get(action="datavalue.follow_up").user == w.officer_a


def test_the_run_page_runs_a_small_run_at_once(data):
    w = data
    ValidationResult.objects.all().delete()
    client = page(w.officer_a)
    assert client.get("/quality/run/").status_code == 200
    response = client.post("/quality/run/", {"org_unit": w.units["d1"].uid, "start": "2025-01", "end": "2025-03"})
    assert response.status_code == 302
    assert response["Location"].startswith("/quality/?") and "org_unit=" in response["Location"]
    assert {r.org_unit.code for r in ValidationResult.objects.all()} == {"08707", "08710"}
    html = client.get(response["Location"]).content.decode()
    assert "2 violations in" in html  # the message
    bad = client.post("/quality/run/", {"start": "2025-03", "end": "2025-01"})
    assert bad.status_code == 400 and "The last month is before the first" in bad.content.decode()
    outside = client.post("/quality/run/", {"org_unit": w.units["d2"].uid, "start": "2025-01", "end": "2025-01"})
    assert outside.status_code == 400 and "Select a valid choice" in outside.content.decode()


def test_the_run_page_sends_a_large_run_to_a_job(data, monkeypatch, django_capture_on_commit_callbacks):
    w = data
    monkeypatch.setattr(views, "SYNC_LIMIT", 1)
    runs = ValidationRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = page(w.admin).post("/quality/run/", {"start": "2025-01", "end": "2025-03"})
    job = Job.objects.get(kind="quality.validate")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.uid}/"
    assert job.status == Job.Status.SUCCESS and job.result["violations"] == 3
    assert ValidationRun.objects.count() == runs + 1
    html = page(w.admin).get(f"/jobs/{job.uid}/").content.decode()
    assert 'data-testid="validation-job-result"' in html and "/quality/" in html


def test_the_outliers_tab(vworld, write_series):
    w = vworld
    values = [season(i) for i in range(60)]
    values[42] *= 10  # July 2023: a tenfold typo
    write_series(w.units["c1"], values, element=w.visits)
    html = page(w.leader).get("/quality/outliers/", {"element": "VISITS", "year": "2023"}).content.decode()
    assert "Unusual values: 1 of the 12 values of that year" in html
    assert "× the usual July for Phường Tích Sơn" in html
    assert f"/entry/?data_set=HEALTH&amp;org_unit={w.units['c1'].uid}&amp;period=202307" in html
    html = page(w.leader).get("/quality/outliers/", {"element": "VISITS", "year": "2022"}).content.decode()
    assert "Unusual values: 0 of the 12" in html and "Nothing unusual." in html
    html = page(w.viewer_b).get("/quality/outliers/", {"element": "VISITS", "year": "2023"}).content.decode()
    assert "Unusual values: 0 of the 0 values" in html

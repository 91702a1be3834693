"""Run validation, Complete, Withdraw, and the form's state banner through the workflow."""

from __future__ import annotations

import re

import pytest

from ioc.datavalues.models import PeriodLock
from ioc.entry.tests.conftest import client_for
from ioc.workflow.models import State, Submission
from ioc.workflow.services import do_approve, do_return

pytestmark = pytest.mark.django_db


def grab(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, pattern
    return found.group(1)


def key(world, unit, period) -> dict:
    return {"data_set": "HEALTH", "org_unit": unit.uid, "period": period.id}


def put(client, world, unit, period, de, coc, value):
    response = client.post("/entry/cell/", {**key(world, unit, period), "de": de, "coc": coc, "value": value})
    assert response.json()["ok"], response.json()


def fill(client, world, unit, period, *, pupils=("30", "31"), opd="120"):
    put(client, world, unit, period, "OPD", "default", opd)
    put(client, world, unit, period, "PUPILS", "SEX_M", pupils[0])
    put(client, world, unit, period, "PUPILS", "SEX_F", pupils[1])


def test_validation_groups_broken_rules_and_names_the_cells(world, month):
    client = client_for(world.officer1)
    fill(client, world, world.c1, month, pupils=("90", "40"), opd="100")
    fragment = client.post("/entry/validate/", key(world, world.c1, month), HTTP_X_IOC_FRAGMENT="1")
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert "<html" not in html  # a fragment for the container
    assert "Validation rules broken: 1" in html and "Importance: High" in html
    assert "Pupils at most visits" in html and "PUPILS_LE_OPD" in html
    cells = grab(r'data-cells="([^"]*)"', html).split()
    assert cells == ["OPD.default", "PUPILS.SEX_F", "PUPILS.SEX_M"]
    assert 'data-goto-cell="PUPILS.SEX_M"' in html


def test_validation_passes_and_works_without_javascript(world, month):
    client = client_for(world.officer1)
    fill(client, world, world.c1, month)
    page = client.post("/entry/validate/", key(world, world.c1, month))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and 'id="validation-results"' in html
    assert "Validation passed: no rule is broken." in html


def test_validation_outside_the_scope_is_refused(world, month):
    response = client_for(world.officer2).post("/entry/validate/", key(world, world.c1, month), HTTP_X_IOC_FRAGMENT="1")
    assert response.status_code == 403
    assert "outside your data entry units" in response.content.decode()


def test_complete_names_the_empty_compulsory_cells_and_submits_nothing(world, month):
    client = client_for(world.officer1)
    put(client, world, world.c1, month, "PUPILS", "SEX_M", "3")
    page = client.post("/entry/complete/", key(world, world.c1, month))
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="completion-errors"' in html
    assert "Empty compulsory cell: Outpatient visits (OPD)" in html
    assert "Empty compulsory cell: Pupils (PUPILS) × Female" in html
    cells = grab(r'id="completion-errors" data-cells="([^"]*)"', html).split()
    assert cells == ["OPD.default", "PUPILS.SEX_F"]
    assert not Submission.objects.filter(state=State.SUBMITTED).exists()
    assert not PeriodLock.objects.exists()


def test_complete_then_read_only_then_withdraw(world, month):
    client = client_for(world.officer1)
    fill(client, world, world.c1, month)
    done = client.post("/entry/complete/", key(world, world.c1, month), follow=True)
    assert done.redirect_chain[0][1] == 302
    html = done.content.decode()
    assert 'data-state="submitted"' in html and "The form is submitted for approval" in html
    assert re.search(r'data-de="OPD" data-coc="default"[^>]*disabled', html)
    assert 'id="complete-form"' not in html and 'id="reopen-form"' in html
    assert "Submitted by Nguyễn Thị Hoa" in html
    refused = client.post("/entry/cell/", {**key(world, world.c1, month), "de": "OPD", "coc": "default", "value": "1"})
    assert refused.status_code == 409 and "submitted for approval" in refused.json()["message"]

    back = client.post("/entry/reopen/", key(world, world.c1, month), follow=True)
    assert 'data-state="open"' in back.content.decode()
    assert Submission.objects.get().state == State.OPEN


def test_returned_form_shows_the_reason_and_approved_form_is_read_only(world, month):
    client = client_for(world.officer1)
    fill(client, world, world.c1, month)
    client.post("/entry/complete/", key(world, world.c1, month))
    do_return(world.approver1, world.health, world.c1, month, "Số học sinh nữ chưa đúng")
    html = client.get("/entry/", key(world, world.c1, month)).content.decode()
    assert 'data-state="returned"' in html and "Số học sinh nữ chưa đúng" in html
    assert 'id="complete-form"' in html
    assert not re.search(r'data-de="OPD" data-coc="default"[^>]*disabled', html)

    client.post("/entry/complete/", key(world, world.c1, month))
    do_approve(world.approver1, world.health, world.c1, month)
    html = client.get("/entry/", key(world, world.c1, month)).content.decode()
    assert 'data-state="approved"' in html
    assert re.search(r'data-de="PUPILS" data-coc="SEX_F"[^>]*disabled', html)
    assert 'id="complete-form"' not in html and 'id="reopen-form"' not in html


def test_complete_outside_the_scope_is_refused(world, month):
    fill(client_for(world.officer1), world, world.c1, month)
    page = client_for(world.officer2).post("/entry/complete/", key(world, world.c1, month))
    assert page.status_code == 403
    assert not Submission.objects.exists()


def test_workflow_buttons_need_csrf(world, month):
    client = client_for(world.officer1, csrf=True)
    assert client.post("/entry/complete/", key(world, world.c1, month)).status_code == 403
    assert client.post("/entry/validate/", key(world, world.c1, month)).status_code == 403
    assert not Submission.objects.exists()

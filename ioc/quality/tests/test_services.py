"""Validation runs on a small known world: exactly which violations appear, stay and disappear after a fix;
the scope of a run; follow-up and resolution, both sides of each permission; validate_and_record."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.accounts.testing import make_user
from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.datavalues.models import DataValue
from ioc.quality.models import ValidationResult, ValidationRun
from ioc.quality.schedule import recent_range, validate_recent
from ioc.quality.services import (
    RunSummary,
    do_resolve_result,
    do_set_result_follow_up,
    run_validation,
    validate_and_record,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(vworld):
    """Jan–Mar 2025. c1: IMM 120 > U1 100 in January (R_IMM, and girls 70 > 50: R_IMM_F), fine after;
    c3 (district 244): IMM 90 > U1 80 in February; c2: 3000 visits for 20 doctors in March (R_RATIO);
    c1 2025: POP15 900 > POP 800 (R_POP, yearly)."""
    w = vworld
    for month in ("202501", "202502", "202503"):
        for unit in ("c1", "c2", "c3", "c4"):
            w.put(w.u1, unit, month, 100 if unit != "c3" else 80)
            w.put(w.imm, unit, month, 40, w.male)
            w.put(w.imm, unit, month, 40, w.female)
    DataValue.objects.filter(data_element=w.imm, org_unit=w.units["c1"], period="202501").update(value_num=60)
    DataValue.objects.filter(
        data_element=w.imm, org_unit=w.units["c1"], period="202501", category_option_combo=w.female
    ).update(value_num=70)
    DataValue.objects.filter(
        data_element=w.imm, org_unit=w.units["c3"], period="202502", category_option_combo=w.male
    ).update(value_num=50)
    w.put(w.visits, "c2", "202503", 3000)
    w.put(w.doctors, "c2", "202503", 20)
    w.put(w.pop15, "c1", "2025", 900)
    w.put(w.pop, "c1", "2025", 800)
    return w


def run_of(summary: RunSummary) -> ValidationRun:
    assert summary.run is not None
    return summary.run


def found(**filters) -> set[tuple[str, str, str]]:
    return {
        (r.rule.code, r.org_unit.code, r.period)
        for r in ValidationResult.objects.filter(**filters).select_related("rule", "org_unit")
    }


Q1 = {("R_IMM", "08707", "202501"), ("R_IMM_F", "08707", "202501"), ("R_IMM", "08773", "202502")}
Q1 |= {("R_RATIO", "08710", "202503")}


def test_a_run_finds_exactly_the_violations_and_keeps_their_values(data):
    w = data
    summary = run_validation(w.admin, root_unit=w.units["p"], start="2025-01", end="2025-03")
    assert summary.rules == 4 and summary.violations == 4 and summary.new == 4 and summary.cleared == 0
    # R_IMM, R_IMM_F at 12 unit-months each, R_RATIO at c2's March; R_POP (yearly) not in Jan–Mar
    assert summary.evaluated == 12 + 12 + 1
    assert found() == Q1
    r = ValidationResult.objects.get(rule=w.r_imm, org_unit=w.units["c1"])
    assert (r.left_value, r.right_value, r.importance, r.period_type) == (130.0, 100.0, "HIGH", "Monthly")
    assert (r.start_date, r.end_date) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assert r.values == [
        {"element": "IMM", "coc": "SEX_F", "value": 70.0, "dataSet": "HEALTH"},
        {"element": "IMM", "coc": "SEX_M", "value": 60.0, "dataSet": "HEALTH"},
        {"element": "U1", "coc": "default", "value": 100.0, "dataSet": "HEALTH"},
    ]
    assert r.run == summary.run and r.first_seen == r.last_seen == run_of(summary).started
    run = ValidationRun.objects.get()
    assert (run.violations, run.new, run.evaluated, run.root) == (4, 4, 25, w.units["p"])
    entry = AuditEntry.objects.get(action="quality.validate")
    assert entry.user == w.admin and entry.changes["violations"] == 4


def test_the_whole_year_includes_the_yearly_rule(data):
    run_validation(data.admin, start="2025-01", end="2025-12")
    assert found() == Q1 | {("R_POP", "08707", "2025")}


def test_after_a_fix_the_violation_disappears_and_the_others_stay(data):
    w = data
    first = run_validation(w.admin, root_unit=w.units["p"], start="2025-01", end="2025-03")
    kept = ValidationResult.objects.get(rule=w.r_imm, org_unit=w.units["c3"])
    DataValue.objects.filter(data_element=w.imm, org_unit=w.units["c1"], period="202501").update(value_num=40)
    second = run_validation(w.admin, root_unit=w.units["p"], start="2025-01", end="2025-03")
    assert (second.violations, second.new, second.cleared) == (2, 0, 2)
    assert found() == {("R_IMM", "08773", "202502"), ("R_RATIO", "08710", "202503")}
    again = ValidationResult.objects.get(pk=kept.pk)  # the same row, seen again
    assert again.first_seen == run_of(first).started and again.last_seen == run_of(second).started
    assert again.run == second.run
    # and it comes back when the value is wrong again
    DataValue.objects.filter(data_element=w.u1, org_unit=w.units["c1"], period="202501").update(value_num=10)
    third = run_validation(w.admin, root_unit=w.units["p"], start="2025-01", end="2025-03")
    assert third.new == 2 and ("R_IMM", "08707", "202501") in found()


def test_a_run_replaces_only_its_own_scope(data):
    w = data
    run_validation(w.admin, start="2025-01", end="2025-03")
    # fix c3 (district 244) and c1 (district 243), then re-run district 243 only
    DataValue.objects.filter(data_element=w.imm, period__in=["202501", "202502"]).update(value_num=10)
    run_validation(w.admin, root_unit=w.units["d1"], start="2025-01", end="2025-03")
    assert found() == {("R_IMM", "08773", "202502"), ("R_RATIO", "08710", "202503")}  # 244's stays
    # nor other months, nor other rules
    run_validation(w.admin, start="2025-02", end="2025-02", rules=["R_IMM"])
    assert found() == {("R_RATIO", "08710", "202503")}


def test_a_dry_run_keeps_nothing(data):
    summary = run_validation(data.admin, start="2025-01", end="2025-03", persist=False)
    assert summary.violations == 4 and summary.run is None
    assert not ValidationResult.objects.exists() and not ValidationRun.objects.exists()
    assert [v.rule_code for v in summary.violation_list()] == ["R_IMM", "R_IMM", "R_IMM_F", "R_RATIO"]


def test_a_user_runs_only_over_their_view_scope(data):
    w = data
    summary = run_validation(w.viewer_b, start="2025-01", end="2025-03")
    assert found() == {("R_IMM", "08773", "202502")} and summary.violations == 1
    with pytest.raises(NotAllowed, match="outside your view scope"):
        run_validation(w.viewer_b, root_unit=w.units["d1"], start="2025-01", end="2025-03")
    with pytest.raises(NotAllowed):
        run_validation(w.nobody, start="2025-01", end="2025-03")
    # a district's re-run never clears what another district's run found
    run_validation(w.admin, start="2025-01", end="2025-03")
    DataValue.objects.filter(org_unit=w.units["c1"]).update(value_num=0)
    run_validation(w.viewer_b, start="2025-01", end="2025-03")
    assert ("R_IMM", "08707", "202501") in found()


def test_a_run_of_a_data_set_runs_its_rules_only(data):
    w = data
    summary = run_validation(w.admin, start="2025-01", end="2025-12", data_set="EDU")
    assert summary.rules == 1 and found() == {("R_POP", "08707", "2025")}


def test_explicit_periods(data):
    summary = run_validation(data.admin, periods=["202502", "2025"], rules=["R_IMM", "R_POP"])
    assert found() == {("R_IMM", "08773", "202502"), ("R_POP", "08707", "2025")}
    assert run_of(summary).periods == ["2025", "202502"]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({}, "startDate", "Give the periods, or a start and an end date"),
        ({"start": "2025-03", "end": "2025-01"}, "endDate", "before startDate"),
        ({"start": "March", "end": "2025-01"}, "startDate", "expected a date"),
        ({"start": "2025-01", "end": "2025-02", "rules": ["R_IMM", "NOPE"]}, "rules", "Unknown validation rules: NOPE"),
        ({"start": "2025-01", "end": "2025-02", "data_set": "NOPE"}, "dataSet", "No data set"),
        ({"start": "2025-01", "end": "2025-02", "root_unit": "99999"}, "orgUnit", "unknown org unit code"),
        ({"start": "2000-01", "end": "2025-02"}, "endDate", "longer than ten years"),
        ({"periods": ["2025W99"]}, "period", "weeks"),
    ],
)
def test_bad_arguments_are_clear_and_write_nothing(data, kwargs, field, message):
    with pytest.raises(InvalidInput, match=message) as info:
        run_validation(data.admin, **kwargs)
    assert info.value.errors[0]["field"] == field
    assert not ValidationRun.objects.exists()


# --- follow-up and resolution ------------------------------------------------------------------------------


@pytest.fixture
def results(data):
    run_validation(data.admin, start="2025-01", end="2025-03")
    return {(r.rule.code, r.org_unit.code): r for r in ValidationResult.objects.select_related("rule", "org_unit")}


def test_follow_up_and_resolve_by_the_right_officer(data, results):
    w = data
    r = results[("R_IMM", "08707")]
    do_set_result_follow_up(w.officer_a, r, follow_up=True, note="gọi lại xã")
    r.refresh_from_db()
    assert r.follow_up and r.follow_up_note == "gọi lại xã"
    entry = AuditEntry.objects.get(action="quality.follow_up")
    assert entry.user == w.officer_a and entry.changes["follow_up"] == [False, True]
    do_resolve_result(w.officer_a, r.pk, note="số liệu đúng: tiêm bù")
    r.refresh_from_db()
    assert r.resolved and not r.follow_up and r.resolved_by == w.officer_a and r.resolution_note
    assert AuditEntry.objects.filter(action="quality.resolve", user=w.officer_a).count() == 1
    # resolving twice changes nothing; reopening is audited
    do_resolve_result(w.officer_a, r.pk)
    assert AuditEntry.objects.filter(action="quality.resolve").count() == 1
    do_resolve_result(w.officer_a, r.pk, resolved=False)
    r.refresh_from_db()
    assert not r.resolved and r.resolved_by is None
    assert AuditEntry.objects.filter(action="quality.reopen").count() == 1


def test_the_wrong_user_cannot_follow_up_or_resolve_and_nothing_changes(data, results):
    w = data
    r = results[("R_IMM", "08707")]  # in district 243
    sees_all_enters_b = make_user("sees_all", ["data_officer"], entry=[w.units["d2"]], view=[w.units["p"]])
    with pytest.raises(NotAllowed, match="entry scope"):
        do_resolve_result(sees_all_enters_b, r.pk)  # sees it, enters in 244 only
    with pytest.raises(NotFound):
        do_resolve_result(w.officer_b, r.pk)  # enters and sees 244 only: not there for them
    with pytest.raises(NotAllowed):
        do_resolve_result(w.leader, r.pk)  # sees it, may not enter data
    with pytest.raises(NotFound):
        do_set_result_follow_up(w.viewer_b, r.pk, follow_up=True)  # cannot even see it
    with pytest.raises(NotFound):
        do_resolve_result(w.admin, 999_999)
    r.refresh_from_db()
    assert not r.resolved and not r.follow_up
    assert not AuditEntry.objects.filter(action__in=["quality.resolve", "quality.follow_up"]).exists()
    with pytest.raises(InvalidInput, match="2000"):
        do_set_result_follow_up(w.officer_a, r.pk, follow_up=True, note="x" * 2001)


def test_a_resolved_result_found_again_stays_resolved_unless_its_values_changed(data, results):
    w = data
    r = results[("R_IMM", "08707")]
    do_resolve_result(w.admin, r.pk, note="đã giải trình")
    run_validation(w.admin, start="2025-01", end="2025-03")
    r.refresh_from_db()
    assert r.resolved
    DataValue.objects.filter(data_element=w.u1, org_unit=w.units["c1"], period="202501").update(value_num=90)
    run_validation(w.admin, start="2025-01", end="2025-03")
    r.refresh_from_db()
    assert not r.resolved and r.right_value == 90.0


# --- after an import, the schedule ------------------------------------------------------------------------


def test_validate_and_record_after_an_import(data):
    w = data
    summary = validate_and_record(w.officer_a, [(w.units["c1"], "202501"), (w.units["c3"], "202502")])
    # officer_a sees only district 243: c3 is left alone
    assert found() == {("R_IMM", "08707", "202501"), ("R_IMM_F", "08707", "202501")}
    assert summary.new == 2 and run_of(summary).via == "import"
    DataValue.objects.filter(data_element=w.imm, org_unit=w.units["c1"], period="202501").update(value_num=1)
    summary = validate_and_record(w.admin, [(w.units["c1"].pk, "202501")])
    assert summary.cleared == 2 and not found()
    assert [v.rule_code for v in validate_and_record(w.admin, [(w.units["c3"], "202502")]).violation_list()] == [
        "R_IMM"
    ]


def test_the_nightly_run_covers_last_month_and_this_month(data, monkeypatch):
    assert recent_range(dt.date(2025, 3, 15)) == (dt.date(2025, 2, 1), dt.date(2025, 3, 31))
    assert recent_range(dt.date(2025, 1, 1)) == (dt.date(2024, 12, 1), dt.date(2025, 1, 31))
    summary = validate_recent(dt.date(2025, 3, 15))
    assert found() == {("R_IMM", "08773", "202502"), ("R_RATIO", "08710", "202503")}
    assert run_of(summary).user is None and run_of(summary).via == "system"

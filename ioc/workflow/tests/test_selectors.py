"""Completeness and timeliness on the small known world; what waits for approval; who is responsible."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from ioc.accounts.testing import make_user
from ioc.core.periods import parse_period
from ioc.workflow.approvals import awaiting_approval, tree_states
from ioc.workflow.completeness import (
    DateRange,
    completeness,
    late_reports,
    reporting_counts,
    reporting_rate,
    reporting_rate_on_time,
)
from ioc.workflow.responsible import responsible_users
from ioc.workflow.services import do_approve, do_complete, do_return

from .conftest import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(world, month):
    """Last month: C1 approved, C2 submitted, C3 returned (not received), D2 nothing.
    Three months earlier: C3 submitted late. All on time except that one."""
    old = month.shift(-3)
    for unit in (world.c1, world.c2):
        fill(world, unit, month)
        do_complete(world.officer1, world.health, unit, month)
    do_approve(world.approver1, world.health, world.c1, month)
    fill(world, world.c3, month)
    do_complete(world.officer2, world.health, world.c3, month)
    do_return(world.approver2, world.health, world.c3, month, "sửa")
    fill(world, world.c3, old)
    do_complete(world.officer2, world.health, world.c3, old)
    return old


def months_begun(year) -> int:
    today = timezone.localdate()
    return 12 if year.end < today else today.month


def rows(result):
    return [(r.code, r.expected, r.received, r.on_time, r.rate, r.on_time_rate) for r in result]


def test_completeness_by_data_set_unit_child_and_period(world, month, reports):
    old = reports
    periods = [old, month]
    assert rows(completeness(world.admin, [world.health], periods)) == [("HEALTH", 8, 3, 2, 37.5, 25.0)]
    assert rows(completeness(world.admin, [world.health], periods, group_by="period")) == [
        (old.id, 4, 1, 0, 25.0, 0.0),
        (month.id, 4, 2, 2, 50.0, 50.0),
    ]
    assert rows(completeness(world.admin, [world.health], [month], world.p, group_by="child")) == [
        ("D1", 2, 2, 2, 100.0, 100.0),
        ("D2", 2, 0, 0, 0.0, 0.0),  # D2's own form and C3 (returned: not received); C4 closed
    ]
    assert rows(completeness(world.admin, [world.health], [month], world.d2, group_by="unit")) == [
        ("C3", 1, 0, 0, 0.0, 0.0),
        ("D2", 1, 0, 0, 0.0, 0.0),
    ]


def test_a_year_stands_for_its_months_and_future_periods_are_not_expected(world, month):
    year = parse_period(str(month.start.year))
    expected = sum(r.expected for r in completeness(world.admin, [world.health], [year]))
    assert expected == 4 * months_begun(year)  # the months begun so far, 4 forms each
    # EDU is yearly: last year's form in each of the 3 open communes; this year's too (begun)
    edu = completeness(world.admin, [world.edu], [year, year.previous()], group_by="period")
    assert rows(edu) == [(str(month.start.year - 1), 3, 0, 0, 0.0, 0.0), (str(month.start.year), 3, 0, 0, 0.0, 0.0)]


def test_a_date_range_holds_the_periods_ending_in_it(world, month):
    span = DateRange(month.start, month.end)
    assert rows(completeness(world.admin, [world.health, world.edu], span)) == [("HEALTH", 4, 0, 0, 0.0, 0.0)]
    december = dt.date(month.start.year - 1, 12, 1)
    span = DateRange(december, dt.date(month.start.year - 1, 12, 31))
    assert [r.code for r in completeness(world.admin, [world.health, world.edu], span)] == ["EDU", "HEALTH"]


def test_completeness_by_agency(world, month, reports):
    result = completeness(world.admin, [world.health, world.edu], [month.previous(), month], group_by="agency")
    assert [(r.code, r.expected) for r in result] == [("SYT", 8)]  # EDU's year has not ended in these months
    year = parse_period(str(month.start.year - 1))
    result = completeness(world.admin, [world.health, world.edu], [year], group_by="agency")
    assert [(r.code, r.expected) for r in result] == [("SGD", 3), ("SYT", 48)]


def test_completeness_is_scoped_to_the_view_scope(world, month, reports):
    assert rows(completeness(world.officer1, [world.health], [month], group_by="unit")) == [
        ("C1", 1, 1, 1, 100.0, 100.0),
        ("C2", 1, 1, 1, 100.0, 100.0),
    ]
    assert completeness(world.nobody, [world.health], [month]) == []


def test_reporting_rate_metrics(world, month, reports):
    assert reporting_rate(world.health, world.d1, month) == 100.0
    assert reporting_rate(world.health, world.p, month) == 50.0
    assert reporting_rate_on_time(world.health, world.p, month) == 50.0
    assert reporting_rate(world.health, None, reports) == 25.0
    assert reporting_rate_on_time(world.health, None, reports) == 0.0
    assert reporting_rate(world.edu, world.d1, month) is None  # not a yearly period: nothing expected
    counts_year = parse_period(str(month.start.year))
    counts = reporting_counts(world.health, world.p, counts_year)
    assert counts.expected == 4 * months_begun(counts_year) and counts.received == 3 and counts.on_time == 2


def test_late_reports_with_responsible_users(world, month, reports):
    old = reports
    late = late_reports(world.admin, [world.health], [old], sort="unit")
    assert [(r.unit.code, r.state) for r in late] == [("D2", "OPEN"), ("C1", "OPEN"), ("C2", "OPEN")]
    today = timezone.localdate()
    assert all(r.days_late == (today - r.due).days > 0 for r in late)
    by_unit = {r.unit.code: [u.username for u in r.responsible] for r in late}
    assert by_unit == {"D2": ["officer2"], "C1": ["colleague1", "officer1"], "C2": ["colleague1", "officer1"]}
    # last month is not yet due (40 days): nothing late; due within 40 days: all four not received
    assert late_reports(world.admin, [world.health], [month]) == []
    soon = late_reports(world.admin, [world.health], [month], due_within=40, sort="-unit")
    assert [r.unit.code for r in soon] == ["C3", "D2"] and all(r.days_late < 0 for r in soon)
    assert late_reports(world.officer1, [world.health], [old], sort="days_late")[0].unit.code in ("C1", "C2")
    assert {r.unit.code for r in late_reports(world.officer1, [world.health], [old])} == {"C1", "C2"}


def test_responsible_users_prefer_the_nearest_then_the_agency_then_data_officers(world, month):
    province_wide = make_user("tichhop", ["integrator"], entry=[world.p], agency=world.syt)
    assert responsible_users({(world.health.pk, world.c1.pk)})[(world.health.pk, world.c1.pk)] == [
        world.colleague1,
        world.officer1,
    ]
    world.officer1.agency = world.syt
    world.officer1.save()
    assert responsible_users({(world.health.pk, world.c1.pk)})[(world.health.pk, world.c1.pk)] == [world.officer1]
    # P itself: only the province-wide account covers it
    assert responsible_users({(world.health.pk, world.p.pk)})[(world.health.pk, world.p.pk)] == [province_wide]
    # inactive users and users without an entry role are never responsible
    province_wide.is_active = False
    province_wide.save()
    assert responsible_users({(world.health.pk, world.p.pk)})[(world.health.pk, world.p.pk)] == [world.approver_p]


def test_awaiting_approval_lists_forms_and_ready_units_without_a_form(world, month):
    for unit in (world.c1, world.c2):
        fill(world, unit, month)
        do_complete(world.officer1, world.health, unit, month)
    waiting = awaiting_approval(world.approver1)
    assert [(w.org_unit.code, w.ready, w.aggregate) for w in waiting] == [("C1", True, False), ("C2", True, False)]
    assert awaiting_approval(world.officer1) == []
    assert awaiting_approval(world.approver2) == []
    do_approve(world.approver1, world.health, world.c1, month)
    assert [w.org_unit.code for w in awaiting_approval(world.approver1)] == ["C2"]
    do_approve(world.approver1, world.health, world.c2, month)
    waiting = awaiting_approval(world.approver1)
    assert [(w.org_unit.code, w.aggregate, w.children_approved, w.children_total) for w in waiting] == [
        ("D1", True, 2, 2)
    ]
    assert awaiting_approval(world.approver_p, data_set=world.edu) == []
    assert [w.org_unit.code for w in awaiting_approval(world.approver_p, period=month)] == ["D1"]
    do_approve(world.approver1, world.health, world.d1, month)
    assert awaiting_approval(world.approver1) == []
    # the province waits for D2
    assert awaiting_approval(world.approver_p) == []


def test_tree_states_are_scoped_and_in_tree_order(world, month):
    rows_ = tree_states(world.officer1, world.health, month)
    assert [(r.unit.code, r.indent, r.has_form) for r in rows_] == [("D1", 0, False), ("C1", 1, True), ("C2", 1, True)]
    rows_ = tree_states(world.admin, world.health, month)
    assert [r.unit.code for r in rows_] == ["P1", "D1", "C1", "C2", "D2", "C3"]
    assert not any(r.may_approve for r in rows_)

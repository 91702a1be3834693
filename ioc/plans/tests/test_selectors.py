"""The plan's reads: filters, task flags, the overview per pillar, the agency scorecards, histories."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ioc.accounts.models import Agency
from ioc.plans import selectors, services
from ioc.plans.models import Status, Task, TaskStatus
from ioc.plans.selectors import NO_PILLAR, task_flags
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world, store_forecast
from ioc.workflow.models import State, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def codes(rows: Any) -> list[str]:
    return sorted(r.code for r in rows)


def day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, 10, tzinfo=timezone.get_current_timezone())


# --- filters --------------------------------------------------------------------------------------------


def test_tasks_filter_by_pillar_agency_and_status(world: PlanWorld) -> None:
    m, plan = world.manager, world.plan
    assert codes(selectors.tasks_for(m, plan, pillar="HT")) == ["NV01"]
    assert codes(selectors.tasks_for(m, plan, pillar=world.cqs)) == ["NV02"]
    assert codes(selectors.tasks_for(m, plan, pillar=NO_PILLAR)) == ["NV03"]
    assert codes(selectors.tasks_for(m, plan, agency="SYT")) == ["NV01", "NV02"]  # leads NV02, cooperates on NV01
    assert codes(selectors.tasks_for(m, plan, agency=world.sgddt)) == ["NV02", "NV03"]
    assert codes(selectors.tasks_for(m, plan, status=TaskStatus.DONE)) == ["NV03"]
    assert codes(selectors.tasks_for(m, plan, status="open")) == ["NV01", "NV02"]
    assert codes(selectors.tasks_for(m, plan, status="overdue")) == ["NV01", "NV02"]  # today: 2026-11 or later
    assert codes(selectors.tasks_for(m, plan, status="overdue", today=TODAY)) == ["NV01"]  # NV02 is due 2026-07-01
    assert codes(selectors.tasks_for(world.officer, plan, agency="SGDDT")) == ["NV02"]  # within what it sees


def test_targets_filter_by_status_including_pending(world: PlanWorld) -> None:
    store_forecast(world.ct1, Status.AT_RISK)
    store_forecast(world.ct2, Status.ON_TRACK)
    m, plan = world.manager, world.plan
    assert codes(selectors.targets_for(m, plan, status=Status.AT_RISK)) == ["CT01"]
    assert codes(selectors.targets_for(m, plan, status="pending")) == ["CT03"]
    assert codes(selectors.targets_for(m, plan, agency="SYT", pillar="CQS")) == ["CT02"]
    assert codes(selectors.targets_for(world.other, plan, status=Status.ON_TRACK)) == []


def test_a_target_list_is_a_fixed_number_of_queries(world: PlanWorld, django_assert_max_num_queries: Any) -> None:
    store_forecast(world.ct1, Status.AT_RISK)
    with django_assert_max_num_queries(6):
        rows = list(selectors.targets_for(world.manager, world.plan))
        assert [(t.code, t.pillar and t.pillar.code, t.responsible_agency.code) for t in rows] == [
            ("CT01", "HT", "STTTT"), ("CT02", "CQS", "SYT"), ("CT03", None, "SGDDT"),
        ]  # fmt: skip
        assert [len(t.milestones.all()) for t in rows] == [2, 0, 0]
        assert rows[0].forecast.status == Status.AT_RISK


# --- flags ----------------------------------------------------------------------------------------------


def test_task_flags_on_the_worlds_day(world: PlanWorld) -> None:
    f1, f2, f3 = (task_flags(t, TODAY) for t in world.tasks)
    assert (f1.overdue, f1.days_overdue, f1.stalled, f1.due_soon, f1.on_time) == (True, 166, True, False, False)
    assert f1.days_since_report == (TODAY - dt.date(2026, 1, 10)).days
    assert (f2.overdue, f2.stalled, f2.due_soon, f2.on_time, f2.is_open) == (False, False, True, True, True)
    assert (f3.overdue, f3.stalled, f3.due_soon, f3.on_time, f3.is_open) == (False, False, False, True, False)


def test_stalled_counts_from_the_start_when_never_reported_and_never_before_it(world: PlanWorld) -> None:
    task = Task(plan=world.plan, code="X", title_vi="X", lead_agency=world.syt, due=dt.date(2027, 1, 1),
                status=TaskStatus.NOT_STARTED, start=TODAY - dt.timedelta(days=45))  # fmt: skip
    assert task_flags(task, TODAY).stalled
    task.start = TODAY - dt.timedelta(days=44)
    assert not task_flags(task, TODAY).stalled
    task.start = TODAY + dt.timedelta(days=100)
    assert not task_flags(task, TODAY).stalled
    task.status, task.due = TaskStatus.CANCELLED, TODAY - dt.timedelta(days=1)
    flags = task_flags(task, TODAY)
    assert not flags.overdue and not flags.on_time and not flags.is_open


def test_a_task_done_after_its_due_date_was_not_on_time(world: PlanWorld) -> None:
    world.t3.completed = dt.date(2025, 7, 15)
    assert not task_flags(world.t3, TODAY).on_time


# --- the overview ---------------------------------------------------------------------------------------


def test_pillar_summaries_count_tasks_and_verdicts(world: PlanWorld) -> None:
    store_forecast(world.ct1, Status.AT_RISK)
    store_forecast(world.ct2, Status.ACHIEVED)
    rows = selectors.pillar_summaries(world.manager, world.plan, TODAY)
    assert [(r.code, r.targets, r.tasks) for r in rows] == [("HT", 1, 1), ("CQS", 1, 1), (NO_PILLAR, 1, 1)]
    ht, cqs, none = rows
    assert ht.by_status[Status.AT_RISK] == 1 and ht.on_track_share == 0.0
    assert (ht.tasks_overdue, ht.tasks_stalled, ht.tasks_on_time, ht.tasks_done) == (1, 1, 0, 0)
    assert cqs.on_track_share == 1.0 and cqs.mandatory == 1
    assert none.pillar is None and none.pending == 1 and none.on_track_share is None and none.mandatory == 0
    assert (none.tasks_done, none.tasks_on_time) == (1, 1)
    assert list(ht.by_status) == list(Status.values)


def test_pillar_summaries_of_a_partial_viewer_count_what_it_sees(world: PlanWorld) -> None:
    rows = selectors.pillar_summaries(world.officer, world.plan, TODAY)
    # The pillars are read by everyone; NV03 and CT03 (no pillar) are not the officer's: no "no pillar" row.
    assert [(r.code, r.targets, r.tasks) for r in rows] == [("HT", 0, 1), ("CQS", 1, 1)]


# --- the scorecards -------------------------------------------------------------------------------------


def _submission(world: PlanWorld, period: str, *, on_time: bool, state: str = State.SUBMITTED) -> Submission:
    year, month = int(period[:4]), int(period[4:])
    start = dt.date(year, month, 1)
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return Submission.objects.create(
        data_set=world.ds_health, org_unit=world.units["new_c"], period=period, period_type="Monthly",
        start_date=start, end_date=end, state=state, on_time=on_time, submitted_at=day(end),
        first_submitted_at=day(end),
    )  # fmt: skip


def test_scorecards_per_agency(world: PlanWorld) -> None:
    store_forecast(world.ct1, Status.OFF_TRACK)
    store_forecast(world.ct2, Status.ON_TRACK)
    store_forecast(world.ct3, Status.INSUFFICIENT_DATA)
    # BC_YTE (Sở Y tế, monthly at new_c): the 10 months 2025-07 … 2026-04 are due by 2026-06-15 (15 timely days);
    # 2026-05 is not due yet and is not counted.
    for period in ("202507", "202508", "202509", "202510"):
        _submission(world, period, on_time=True)
    _submission(world, "202511", on_time=False)
    _submission(world, "202605", on_time=True)  # received early: counted
    cards = {c.agency.code: c for c in selectors.agency_scorecards(world.manager, world.plan, TODAY)}
    assert list(cards) == ["SGDDT", "STTTT", "SYT"]
    syt = cards["SYT"]
    assert (syt.tasks, syt.tasks_on_time, syt.tasks_overdue, syt.targets, syt.on_track_share) == (1, 1, 0, 1, 1.0)
    assert (syt.reports_expected, syt.reports_on_time) == (11, 5)
    assert syt.report_timeliness == pytest.approx(5 / 11)
    stttt = cards["STTTT"]
    assert (stttt.tasks_overdue, stttt.tasks_stalled, stttt.on_track_share) == (1, 1, 0.0)
    # CDS_YEARLY 2025 at p and new_p, due 2026-01-15, neither received.
    assert (stttt.reports_expected, stttt.reports_on_time, stttt.report_timeliness) == (2, 0, 0.0)
    sgddt = cards["SGDDT"]
    # No data set of its own and seated at the province: it answers for no reports.
    assert (sgddt.tasks_done, sgddt.on_track_share, sgddt.report_timeliness) == (1, None, None)
    assert sgddt.targets_by_status[Status.INSUFFICIENT_DATA] == 1


def test_an_agency_without_data_sets_answers_for_its_seats_reports(world: PlanWorld) -> None:
    ward = Agency.objects.create(code="UBND_VY", name_vi="UBND phường Vĩnh Yên", org_unit=world.units["new_c"])
    services.do_create_task(None, world.plan, code="NV04", title_vi="Một cửa số", due=dt.date(2027, 1, 1),
                            lead_agency=ward)  # fmt: skip
    _submission(world, "202509", on_time=True)
    cards = {c.agency.code: c for c in selectors.agency_scorecards(world.manager, world.plan, TODAY)}
    assert (cards["UBND_VY"].reports_expected, cards["UBND_VY"].reports_on_time) == (10, 1)


def test_a_partial_viewer_sees_its_own_agencys_card_only(world: PlanWorld) -> None:
    assert [c.agency.code for c in selectors.agency_scorecards(world.other, world.plan, TODAY)] == ["SGDDT"]
    assert selectors.agency_scorecards(world.nobody, world.plan, TODAY) == []


def test_scorecards_take_the_same_queries_however_many_agencies(world: PlanWorld) -> None:
    def count() -> int:
        manager = type(world.manager).objects.get(pk=world.manager.pk)  # a new request: nothing cached
        with CaptureQueriesContext(connection) as ctx:
            selectors.agency_scorecards(manager, world.plan, TODAY)
        return len(ctx.captured_queries)

    before = count()
    for i in range(6):
        agency = Agency.objects.create(code=f"S{i}", name_vi=f"Sở {i}", org_unit=world.units["p"])
        services.do_create_task(None, world.plan, code=f"NV1{i}", title_vi="Việc", due=dt.date(2027, 1, 1),
                                lead_agency=agency)  # fmt: skip
        services.do_create_target(None, world.plan, code=f"CT1{i}", name_vi="Chỉ tiêu", target_value=1,
                                  deadline=dt.date(2027, 1, 1), responsible_agency=agency)  # fmt: skip
    assert count() == before
    assert before <= 14  # the scope (4), tasks, targets, agencies, data sets (2), 2 per data set (2 here)


# --- histories ------------------------------------------------------------------------------------------


def test_histories_list_the_audit_records_newest_first(world: PlanWorld) -> None:
    services.do_update_target(world.manager, world.ct2, target_value=95)
    services.do_report_target_value(world.officer, world.ct2, date=dt.date(2026, 1, 31), value=70)
    services.do_add_task_update(world.officer, world.t2, text="Đã triển khai", progress=50)
    history = selectors.target_history(world.ct2)
    assert [e.action for e in history] == ["target.report", "target.update"]
    assert history[1].changes["target_value"] == [90.0, 95]
    assert history[0].user == world.officer
    assert [e.action for e in selectors.task_history(world.t2)] == ["task.report"]
    assert selectors.task_history(world.t1) == []

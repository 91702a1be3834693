"""Stored verdicts: recomputed when their inputs change (and only then), status changes remembered, the whole
refresh with progress, the job kind, the periodic task's fingerprint and the command."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.jobs import registry
from ioc.jobs.models import Job
from ioc.jobs.services import do_submit_job
from ioc.plans import forecast, refresh, tasks
from ioc.plans.jobs import REFRESH_JOB, run_refresh
from ioc.plans.models import Status, TargetForecast, TargetReport
from ioc.plans.refresh import refresh_all, refresh_target
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world, put_yearly

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    w = build_plan_world()
    put_yearly(w, {2021: 45, 2022: 52, 2023: 60, 2024: 66, 2025: 71})
    return w


@pytest.fixture(autouse=True)
def _jobs_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


# --- one target -----------------------------------------------------------------------------------------


def test_a_verdict_is_stored_with_what_the_pages_need(world: PlanWorld) -> None:
    stored = refresh_target(world.ct1, today=TODAY)
    again = TargetForecast.objects.get(target=world.ct1)
    assert again.pk == stored.pk and again.status == stored.status
    # 71 % at the passed deadline of 80 %: missed.
    assert stored.status == Status.INFEASIBLE and stored.probability == 0
    assert (stored.current_value, stored.current_date) == (71.0, dt.date(2025, 12, 31))
    assert stored.method in ("linear", "log-linear", "logistic")
    assert stored.proposed_date is not None and stored.proposed_date > dt.date(2025, 12, 31)
    assert [p["value"] for p in stored.details["points"]] == [45, 52, 60, 66, 71]
    assert {"fan", "facts", "milestones", "pace"} <= set(stored.details)
    assert (stored.previous_status, stored.status_changed) == ("", None)  # a first verdict is no change
    assert len(stored.inputs_key) == 64
    assert forecast.explain(stored.details)


def test_unchanged_inputs_are_not_fitted_again_unless_forced(world: PlanWorld, monkeypatch: Any) -> None:
    first = refresh_target(world.ct2, today=TODAY)
    calls: list[str] = []
    original = forecast.forecast

    def counting(*args: Any, **kwargs: Any) -> forecast.Forecast:
        calls.append("fit")
        return original(*args, **kwargs)

    monkeypatch.setattr(forecast, "forecast", counting)
    second = refresh_target(world.ct2, today=TODAY + dt.timedelta(days=5))  # same month
    assert calls == [] and second.computed_at == first.computed_at
    refresh_target(world.ct2, today=TODAY, force=True)
    assert calls == ["fit"]
    refresh_target(world.ct2, today=dt.date(2026, 7, 1))  # a new month: verdicts age
    assert calls == ["fit", "fit"]
    TargetReport.objects.create(target=world.ct2, date=dt.date(2026, 6, 1), value=75)
    refresh_target(world.ct2, today=dt.date(2026, 7, 1))
    assert calls == ["fit", "fit", "fit"]
    world.ct2.target_value = 85
    refresh_target(world.ct2, today=dt.date(2026, 7, 1))
    assert len(calls) == 4


def test_a_change_of_status_is_remembered(world: PlanWorld) -> None:
    before = refresh_target(world.ct2, today=TODAY)
    assert before.status in (Status.OFF_TRACK, Status.AT_RISK)
    TargetReport.objects.create(target=world.ct2, date=dt.date(2026, 5, 31), value=91)
    after = refresh_target(world.ct2, today=TODAY)
    assert after.status == Status.ACHIEVED
    assert after.previous_status == before.status and after.status_changed is not None
    changed = after.status_changed
    TargetReport.objects.create(target=world.ct2, date=dt.date(2026, 6, 10), value=92)
    later = refresh_target(world.ct2, today=TODAY)
    assert (later.status, later.previous_status, later.status_changed) == (Status.ACHIEVED, before.status, changed)


def test_a_target_whose_item_is_gone_is_stored_as_without_data_with_the_reason(world: PlanWorld) -> None:
    world.ct1.dx = "GONE"
    world.ct1.save()
    stored = refresh_target(world.ct1, today=TODAY)
    assert stored.status == Status.INSUFFICIENT_DATA
    assert "GONE" in stored.details["error"]


# --- all targets ----------------------------------------------------------------------------------------


def test_refresh_all_reports_progress_and_counts(world: PlanWorld) -> None:
    seen: list[tuple[int, int]] = []
    assert refresh_all(today=TODAY, progress=lambda done, total: seen.append((done, total))) == {
        "checked": 3, "recomputed": 3,
    }  # fmt: skip
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert refresh_all(today=TODAY) == {"checked": 3, "recomputed": 0}
    assert refresh_all(today=TODAY, plan=world.plan, force=True) == {"checked": 3, "recomputed": 3}
    assert TargetForecast.objects.count() == 3


def test_one_broken_target_does_not_stop_the_others(world: PlanWorld, monkeypatch: Any) -> None:
    original = forecast.forecast

    def broken(points: Any, spec: forecast.Spec, *, today: dt.date) -> forecast.Forecast:
        if spec.direction == "decrease":  # CT03
            raise RuntimeError("boom")
        return original(points, spec, today=today)

    monkeypatch.setattr(forecast, "forecast", broken)
    assert refresh_all(today=TODAY) == {"checked": 3, "recomputed": 2, "failed": 1}
    assert sorted(TargetForecast.objects.values_list("target__code", flat=True)) == ["CT01", "CT02"]


# --- the job, the command, the periodic task ------------------------------------------------------------


def test_the_job_recomputes_with_progress(world: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    assert registry.get_kind(REFRESH_JOB) is run_refresh
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(world.manager, REFRESH_JOB, {"plan": "CDS", "language": "en"})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCESS, job.message
    assert (job.done, job.total) == (3, 3)
    assert job.result["checked"] == 3 and job.result["recomputed"] == 3
    assert "3 targets checked" in job.message


def test_the_job_refuses_who_may_not_manage_plans_and_unknown_plans(
    world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        refused = do_submit_job(world.officer, REFRESH_JOB, {"plan": "CDS", "language": "en"})
        unknown = do_submit_job(world.manager, REFRESH_JOB, {"plan": "NOPE", "language": "en"})
    refused.refresh_from_db()
    unknown.refresh_from_db()
    assert refused.status == Job.Status.ERROR and "manage plans" in refused.message
    assert unknown.status == Job.Status.ERROR and "NOPE" in unknown.message
    assert not TargetForecast.objects.exists()


def test_the_command_refreshes_with_a_bar(world: PlanWorld) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("plans", "refresh", "--plan", "CDS", "--today", "2026-06-15", stdout=out, stderr=err)
    assert "3 targets checked, 3 forecasts recomputed" in out.getvalue()
    assert TargetForecast.objects.get(target=world.ct1).status == Status.INFEASIBLE
    out = io.StringIO()
    call_command("plans", "refresh", "--today", "2026-06-15", stdout=out, stderr=err)
    assert "0 forecasts recomputed" in out.getvalue()
    with pytest.raises(CommandError, match="NOPE"):
        call_command("plans", "refresh", "--plan", "NOPE", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("plans", "refresh", "--today", "15/06/2026", stdout=out, stderr=err)


def test_the_periodic_task_runs_only_when_inputs_changed(world: PlanWorld) -> None:
    assert tasks.refresh_if_changed(TODAY) == {"checked": 3, "recomputed": 3}
    assert tasks.refresh_if_changed(TODAY) is None
    # A new manual value.
    TargetReport.objects.create(target=world.ct2, date=dt.date(2026, 5, 31), value=80)
    assert tasks.refresh_if_changed(TODAY) == {"checked": 3, "recomputed": 1}
    assert tasks.refresh_if_changed(TODAY) is None
    # New data values: the replica's generation moves.
    do_bulk_load(None, [BulkValue(world.fibre.pk, world.units["p"].pk, "2020", world.coc.pk, 40.0)], source="t")
    result = tasks.refresh_if_changed(TODAY)
    assert result is not None and result["checked"] == 3
    assert tasks.refresh_if_changed(TODAY) is None
    # A changed target, and a new month.
    world.ct3.target_value = 4
    world.ct3.save()
    assert tasks.refresh_if_changed(TODAY) == {"checked": 3, "recomputed": 1}
    assert tasks.refresh_if_changed(dt.date(2026, 7, 1)) == {"checked": 3, "recomputed": 3}


def test_the_periodic_task_is_scheduled_every_ten_minutes() -> None:
    validate = tasks.refresh_forecasts_task.task_class().validate_datetime
    assert validate(dt.datetime(2026, 6, 15, 9, 20))
    assert not validate(dt.datetime(2026, 6, 15, 9, 25))


def test_refresh_after_commit_computes_the_verdict(world: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        refresh.refresh_after_commit(world.ct2.pk)
        assert not TargetForecast.objects.exists()  # not before the commit
    assert TargetForecast.objects.filter(target=world.ct2).exists()


def test_one_recomputation_per_target_and_transaction(
    world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from ioc.plans.refresh import refresh_after_commit

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for _ in range(3):
            refresh_after_commit(world.ct2.pk)
        refresh_after_commit(world.ct3.pk)
    assert len(callbacks) == 2

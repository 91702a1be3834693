"""The nightly task: registered with huey, at 02:00 in the province's time zone, running the schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.quality import tasks
from ioc.quality.models import ValidationRun

pytestmark = pytest.mark.django_db


def test_the_schedule_is_two_in_the_morning_local_time(settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    at_two = tasks.local_crontab(hour=2, minute=0)
    if tasks.HUEY.utc:
        assert at_two(dt.datetime(2025, 3, 14, 19, 0))  # 19:00 UTC = 02:00 in Vietnam
        assert not at_two(dt.datetime(2025, 3, 15, 2, 0))
    else:
        assert at_two(dt.datetime(2025, 3, 15, 2, 0))
    assert not at_two(dt.datetime(2025, 3, 14, 19, 1))


def test_the_task_is_periodic_and_runs_the_validation(vworld, monkeypatch):
    task_class = tasks.validate_recent_task.task_class
    assert task_class in tasks.HUEY._registry._periodic_tasks
    assert task_class().validate_datetime(
        dt.datetime(2025, 3, 14, 19, 0) if tasks.HUEY.utc else dt.datetime(2025, 3, 15, 2)
    )
    w = vworld
    import ioc.quality.schedule as schedule

    monkeypatch.setattr(schedule.timezone, "localdate", lambda: dt.date(2025, 2, 10))
    w.put(w.imm, "c1", "202501", 130, w.male)
    w.put(w.u1, "c1", "202501", 100)
    tasks.validate_recent_task.call_local()
    run = ValidationRun.objects.get()
    assert (run.start_date, run.end_date, run.violations, run.via) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 28),
        1,
        "system",
    )

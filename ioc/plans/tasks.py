"""Periodic work of the plans app (huey): keep the targets' verdicts current.

Every 10 minutes the worker compares a fingerprint of the verdicts' inputs — the analytics replica's
generation (moved by every applied change of data values) and load time, the latest manual report, the latest
change of a target (milestones touch it too) or plan, the number of targets, and the month (verdicts age) —
with the one of its last run, and runs refresh_all only when it differs.

The last fingerprint is kept in the Django cache, not in a table: it is a hint, not data. Models of this app
need no migration for it, and losing it (a restart with the local-memory cache) costs one extra pass, which
is cheap because refresh_all re-fits only targets whose inputs_key changed. The replica's generation is per
process: its load time is in the fingerprint so that a restarted worker never mistakes its counter for the
old one's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from ioc.analytics.replica import replica
from ioc.plans.models import Plan, Target, TargetReport
from ioc.plans.refresh import refresh_all

log = logging.getLogger(__name__)

FINGERPRINT_KEY = "plans:forecast-inputs"


def fingerprint(today: dt.date | None = None) -> str:
    """What the verdicts depend on, as one string (see the module's docstring)."""
    today = today or timezone.localdate()
    replica.sync()
    targets = Target.objects.aggregate(changed=Max("last_updated"), n=Count("id"))
    parts: list[Any] = [
        replica.generation,
        replica.loaded_at,
        TargetReport.objects.aggregate(m=Max("at"))["m"],
        targets["changed"],
        targets["n"],
        Plan.objects.aggregate(m=Max("last_updated"))["m"],
        today.strftime("%Y-%m"),
    ]
    return json.dumps(parts, default=str)


def refresh_if_changed(today: dt.date | None = None) -> dict[str, int] | None:
    """refresh_all when the fingerprint moved since the last run; None when nothing changed."""
    current = fingerprint(today)
    if cache.get(FINGERPRINT_KEY) == current:
        return None
    result = refresh_all(today=today)
    # Taken before the refresh: a change made during it moves the next fingerprint, and is refreshed then.
    cache.set(FINGERPRINT_KEY, current, timeout=None)
    return result


@db_periodic_task(crontab(minute="*/10"))
def refresh_forecasts_task() -> None:
    """Every 10 minutes: the targets' verdicts, when their inputs changed."""
    result = refresh_if_changed()
    if result is not None:
        log.info("plans: forecasts refreshed: %s", result)

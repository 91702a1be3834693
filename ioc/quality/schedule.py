"""The nightly validation: last month and this month, every unit (the system's run, no user scope)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ioc.audit.models import Via
from ioc.core.periods import MONTHLY, period_for_date
from ioc.quality.services import RunSummary, run_validation


def recent_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """From the first day of last month to the last day of this month."""
    this_month = period_for_date(MONTHLY, today)
    return this_month.previous().start, this_month.end


def validate_recent(today: dt.date | None = None) -> RunSummary:
    """Run every rule over every unit for last month and this month and keep the results (the periods of each
    rule's type lying within that range: months, and weeks and days, never a whole quarter or year)."""
    start, end = recent_range(today or timezone.localdate())
    return run_validation(None, start=start, end=end, via=Via.SYSTEM)

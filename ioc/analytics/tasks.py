"""Periodic work of analytics (huey): keep the change log short."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from ioc.datavalues.models import ValueChange
from ioc.quality.tasks import local_crontab

log = logging.getLogger(__name__)

# A replica that has not synced for half this long reloads in full (ioc.analytics.replica), so it never
# depends on entries older than this.
KEEP_DAYS = 7


def prune_change_log(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=KEEP_DAYS)
    deleted, _by_model = ValueChange.objects.filter(at__lt=cutoff).delete()
    return deleted


@db_periodic_task(local_crontab(hour=3, minute=30))
def prune_change_log_task() -> None:
    """Every night at 03:30: change-log entries older than KEEP_DAYS days."""
    log.info("analytics: %s old change-log entries deleted", prune_change_log())

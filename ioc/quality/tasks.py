"""Periodic work of the quality app (huey; `ioc run_huey` runs it, `ioc serve` starts that worker).

huey runs in UTC (settings.HUEY["utc"]); `local_crontab` reads a crontab in the province's time zone
(settings.TIME_ZONE), so "02:00" is 02:00 in Vĩnh Phúc, not 09:00.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

log = logging.getLogger(__name__)


def local_crontab(*, hour: int, minute: int, day: str = "*", day_of_week: str = "*") -> Callable[[dt.datetime], bool]:
    """huey's crontab read in settings.TIME_ZONE (huey counts weekdays from Sunday = 0: Monday is "1")."""
    matches = crontab(minute=str(minute), hour=str(hour), day=day, day_of_week=day_of_week)
    zone = ZoneInfo(settings.TIME_ZONE)

    def validate(moment: dt.datetime) -> bool:
        if HUEY.utc:
            moment = moment.replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None)
        return bool(matches(moment))

    return validate


@db_periodic_task(local_crontab(hour=2, minute=0))
def validate_recent_task() -> None:
    """Every night at 02:00: the validation rules over last month and this month, the whole province."""
    from ioc.quality.schedule import validate_recent

    summary = validate_recent()
    log.info("nightly validation: %s", summary.as_dict())

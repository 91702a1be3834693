"""The workflow's scheduled work (huey): the morning reminders of reports due soon or overdue.

huey's clock is UTC here (HUEY["utc"] is true in ioc.settings), so the schedule is matched in the province's
time zone (TIME_ZONE, Asia/Ho_Chi_Minh): 07:00 local, whatever the worker's clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

REMINDER_HOUR, REMINDER_MINUTE = 7, 0


def local_crontab(hour: int, minute: int) -> Callable[[dt.datetime], bool]:
    """crontab(hour, minute) in the site's time zone, for huey's UTC (or local) timestamps."""
    cron = crontab(hour=str(hour), minute=str(minute))

    def validate(moment: dt.datetime) -> bool:
        if HUEY.utc:
            moment = timezone.localtime(moment.replace(tzinfo=dt.UTC)).replace(tzinfo=None)
        return bool(cron(moment))

    return validate


@db_periodic_task(local_crontab(REMINDER_HOUR, REMINDER_MINUTE))
def send_reminders_task() -> dict[str, object]:
    """Every morning at 07:00: the reminders of ioc.workflow.reminders."""
    from ioc.workflow.reminders import do_send_reminders

    return do_send_reminders().as_dict()

"""The briefings' schedule (huey; `ioc run_huey` runs it): the weekly briefing on Mondays at 07:00 and the
monthly one on the 1st at 07:00, in the province's time zone (settings.TIME_ZONE), as the system."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_periodic_task

from ioc.audit.models import Via
from ioc.briefings.models import Kind
from ioc.quality.tasks import local_crontab

log = logging.getLogger(__name__)


def generate(kind: str) -> None:
    from ioc.briefings.services import do_generate_briefing

    briefing = do_generate_briefing(None, kind, via=Via.SYSTEM)
    log.info("briefing %s generated in %s s", briefing, briefing.content.get("seconds"))


@db_periodic_task(local_crontab(hour=7, minute=0, day_of_week="1"))
def weekly_briefing_task() -> None:
    """Mondays at 07:00: the briefing of the week that ended on Sunday."""
    generate(Kind.WEEKLY)


@db_periodic_task(local_crontab(hour=7, minute=0, day="1"))
def monthly_briefing_task() -> None:
    """The 1st of each month at 07:00: the briefing of the month that ended."""
    generate(Kind.MONTHLY)

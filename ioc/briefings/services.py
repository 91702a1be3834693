"""Generating a briefing (the only write of this app): for a user who may (plan managers, operators, leaders,
administrators — and who sees the province the briefing covers) or for the schedule (user None).

Periods: weekly = the previous Monday–Sunday, monthly = the previous calendar month, both relative to
`today`. Generating a briefing of a period that already has one replaces its content (one per kind and
period), so the schedule and a "generate now" never leave two versions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Role
from ioc.accounts.permissions import has_any_role
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.briefings.content import Progress, gather
from ioc.briefings.models import Briefing, Kind
from ioc.core.errors import InvalidInput, NotAllowed

GENERATOR_ROLES = (Role.PLAN_MANAGER, Role.OPERATOR, Role.LEADER)


def period_of(kind: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The complete week (Monday–Sunday) or calendar month before `today`."""
    if kind == Kind.WEEKLY:
        this_monday = today - dt.timedelta(days=today.weekday())
        return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)
    if kind == Kind.MONTHLY:
        last_day = today.replace(day=1) - dt.timedelta(days=1)
        return last_day.replace(day=1), last_day
    raise InvalidInput(
        _("kind: '%(kind)s' is not one of %(choices)s") % {"kind": kind, "choices": ", ".join(Kind.values)},
        field="kind",
    )


def can_generate(user: Any) -> bool:
    """By role: plan managers, operators, leaders, administrators. (Readers' scope: selectors.can_read.)"""
    return has_any_role(user, *GENERATOR_ROLES)


def check_generate(user: Any) -> None:
    from ioc.briefings.selectors import sees_province

    if user is None:
        return
    if not can_generate(user):
        raise NotAllowed(_("Only plan managers, operators, leaders and administrators may generate a briefing."))
    if not sees_province(user):
        raise NotAllowed(_("A briefing covers the whole province, which is outside the units you may see."))


def do_generate_briefing(
    user: Any,
    kind: str,
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    via: str = Via.SYSTEM,
) -> Briefing:
    """Gather the briefing of the period before `today` (default: today) and store it, replacing the one of
    the same kind and period. `user` None: the schedule."""
    check_generate(user)
    today = today or timezone.localdate()
    start, end = period_of(kind, today)
    # Gathered outside the transaction: it only reads, and may take seconds on a large province.
    content = gather(kind, start, end, today=today, progress=progress)
    with transaction.atomic():
        briefing, created = Briefing.objects.select_for_update().update_or_create(
            kind=kind,
            period_start=start,
            defaults={
                "period_end": end,
                "generated_at": timezone.now(),
                "generated_by": user,
                "content": content,
                "units": [unit["uid"] for unit in content["units"]],
            },
        )
        record(
            user,
            "briefing.generate" if created else "briefing.regenerate",
            briefing,
            via=via,
            changes={"kind": kind, "period": [start.isoformat(), end.isoformat()], "seconds": content["seconds"]},
        )
    return briefing

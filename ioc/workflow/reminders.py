"""Reminders of reports due soon or overdue, to the users responsible for them, in the app and by e-mail.

do_send_reminders(today) is a system action, run every morning (ioc.workflow.tasks, huey) and by
`ioc workflow reminders`. For each expected report not yet received (ioc.workflow.completeness) whose due date
(period end + timely days) is within DUE_SOON_DAYS from today (kind DUE_SOON) or past by at most
LATE_WINDOW_DAYS and whose period is not closed for entry (kind LATE), each responsible user
(ioc.workflow.responsible.responsible_users) gets one notification — at most one per (user, data set, unit, period, kind)
and day, however often it runs — and one e-mail per run listing all of theirs (when they have an address).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.periods import periods_between
from ioc.metadata.models import DataSet
from ioc.workflow import notify
from ioc.workflow.completeness import Report, expected_reports, outstanding
from ioc.workflow.models import Notification, Reminder
from ioc.workflow.responsible import responsible_users

DUE_SOON_DAYS = 3
LATE_WINDOW_DAYS = 30


@dataclass
class ReminderRun:
    today: dt.date
    reports: int = 0  # reports due soon or late
    notifications: int = 0  # new notifications (dry run: that would be sent)
    already_sent: int = 0  # skipped: sent earlier today
    emails: int = 0
    without_anyone: list[str] = field(default_factory=list)  # reports nobody is responsible for

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "reports": self.reports,
            "notifications": self.notifications,
            "alreadySent": self.already_sent,
            "emails": self.emails,
            "withoutAnyone": self.without_anyone,
        }


def reports_to_remind(today: dt.date) -> list[tuple[Report, str]]:
    """(report, kind) for every report to remind about today."""
    out: list[tuple[Report, str]] = []
    for ds in DataSet.objects.filter(org_units__isnull=False).distinct().select_related("agency").order_by("code"):
        first_end = today - dt.timedelta(days=ds.timely_days + LATE_WINDOW_DAYS)
        last_end = today + dt.timedelta(days=DUE_SOON_DAYS - ds.timely_days)
        periods = [p for p in periods_between(ds.period_type, first_end, last_end) if first_end <= p.end <= last_end]
        if not periods:
            continue
        for report in outstanding(expected_reports([ds], periods, today=today), today=today, due_within=DUE_SOON_DAYS):
            if report.due >= today:
                out.append((report, Notification.Kind.DUE_SOON))
            elif not ds.expiry_days or report.period.end + dt.timedelta(days=ds.expiry_days) >= today:
                out.append((report, Notification.Kind.LATE))
    return out


def do_send_reminders(today: dt.date | None = None, *, dry_run: bool = False, via: str = Via.SYSTEM) -> ReminderRun:
    """Notify the responsible users of reports due soon or overdue (idempotent per day); e-mails go out after
    the notifications are committed."""
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    todo = reports_to_remind(today)
    run.reports = len(todo)
    people = responsible_users({(r.data_set.pk, r.unit.pk) for r, _kind in todo})
    with transaction.atomic():
        sent_today = set(
            Reminder.objects.filter(day=today).values_list("user_id", "data_set_id", "org_unit_id", "period", "kind")
        )
        fresh: dict[int, list[Notification]] = defaultdict(list)
        users: dict[int, User] = {}
        mail_users: set[int] = set()
        for report, kind in todo:
            responsible = people.get((report.data_set.pk, report.unit.pk), [])
            if not responsible:
                run.without_anyone.append(f"{report.data_set.code} {report.period.id} {report.unit.code}")
            for user in responsible:
                key = (user.pk, report.data_set.pk, report.unit.pk, report.period.id, kind)
                if key in sent_today:
                    run.already_sent += 1
                    continue
                sent_today.add(key)
                run.notifications += 1
                if user.email:
                    mail_users.add(user.pk)
                if dry_run:
                    continue
                Reminder.objects.create(
                    user=user,
                    data_set=report.data_set,
                    org_unit=report.unit,
                    period=report.period.id,
                    kind=kind,
                    day=today,
                    emailed=bool(user.email),
                )
                note = notify.create(
                    user,
                    kind,
                    report.data_set,
                    report.unit,
                    report.period.id,
                    due=report.due.strftime("%d/%m/%Y"),
                    days=(today - report.due).days,
                )
                fresh[user.pk].append(note)
                users[user.pk] = user
        mails = [m for uid, notes in fresh.items() if (m := notify.mail_for(users[uid], notes)) is not None]
        if not dry_run:
            record(
                None,
                "workflow.reminders",
                via=via,
                object_type="workflow.reminder",
                object_repr=today.isoformat(),
                changes={"reports": run.reports, "notifications": run.notifications, "emails": len(mails)},
            )
    run.emails = len(mail_users) if dry_run else notify.send(mails)
    return run

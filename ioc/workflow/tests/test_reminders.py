"""Reminders: who gets them, when, once a day, in the app and by e-mail; the command and the scheduled task."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from ioc.audit.models import AuditEntry
from ioc.core.periods import parse_period
from ioc.orgunits.models import OrgUnit
from ioc.workflow.models import Notification, Reminder
from ioc.workflow.reminders import do_send_reminders
from ioc.workflow.services import do_complete

from .conftest import fill

pytestmark = pytest.mark.django_db

# HEALTH is monthly with 40 timely days: 202601 is due on 2026-03-12.
JAN = parse_period("202601")
DUE = dt.date(2026, 3, 12)


@pytest.fixture
def health_only(world):
    """Only HEALTH, and every unit opened on 2026-01-01: January 2026 is the first period expected."""
    world.edu.org_units.clear()
    OrgUnit.objects.filter(closed__isnull=True).update(opened=dt.date(2026, 1, 1))
    for name in ("p", "d1", "d2", "c1", "c2", "c3", "c4"):
        getattr(world, name).refresh_from_db()
    return world


def test_due_soon_reminds_the_responsible_users_once_a_day(health_only):
    today = DUE - dt.timedelta(days=2)
    health_only.officer2.preferred_language = "en"  # officer1 keeps the default, Vietnamese
    health_only.officer2.save(update_fields=["preferred_language"])
    run = do_send_reminders(today)
    # C1, C2 (officer1 and colleague1), D2, C3 (officer2); C4 is closed
    assert run.reports == 4 and run.notifications == 6 and run.already_sent == 0
    notes = Notification.objects.filter(kind="DUE_SOON", period="202601")
    assert sorted(n.user.username for n in notes) == [
        "colleague1",
        "colleague1",
        "officer1",
        "officer1",
        "officer2",
        "officer2",
    ]
    # one e-mail per user with an address, listing all of theirs
    assert run.emails == 2 and sorted(m.to[0] for m in mail.outbox) == ["hoa@example.vn", "lap@example.vn"]
    hoa = next(m for m in mail.outbox if m.to == ["hoa@example.vn"])
    assert "Xã Đại Đình" in hoa.body and "Xã Tam Quan" in hoa.body and "12/03/2026" in hoa.body
    # each e-mail in its recipient's language
    assert hoa.subject == "IOC: nhắc nhở — 2 báo cáo cần nộp"
    lap = next(m for m in mail.outbox if m.to == ["lap@example.vn"])
    assert lap.subject.startswith("IOC: reminder — ") and "Xã Xuân Hòa" in lap.body
    # again the same day: nothing new
    again = do_send_reminders(today)
    assert again.notifications == 0 and again.already_sent == 6 and again.emails == 0
    assert len(mail.outbox) == 2 and Reminder.objects.count() == 6
    assert AuditEntry.objects.filter(action="workflow.reminders").count() == 2


def test_late_reminders_then_none_once_received(health_only):
    world = health_only
    late_day = DUE + dt.timedelta(days=5)
    run = do_send_reminders(late_day)
    assert run.reports == 4
    note = Notification.objects.filter(kind="LATE", user=world.officer2).first()
    assert note is not None and note.params["days"] == 5
    # the next day: reminded again (one a day)
    assert do_send_reminders(late_day + dt.timedelta(days=1)).notifications == run.notifications
    # C1 and C2 submitted (as the admin: the period is old): no more reminders for them
    for unit in (world.c1, world.c2):
        fill(world, unit, JAN)
        do_complete(world.admin, world.health, unit, JAN)
    later = do_send_reminders(late_day + dt.timedelta(days=2))
    assert later.reports == 2 and later.notifications == 2  # D2 and C3, to officer2
    assert Notification.objects.filter(org_unit=world.c1, kind="LATE").count() == 4  # 2 users × the first 2 days


def test_no_reminders_outside_the_window_or_after_expiry(health_only):
    world = health_only
    assert do_send_reminders(DUE - dt.timedelta(days=10)).reports == 0  # not due within 3 days
    do_send_reminders(DUE + dt.timedelta(days=31))  # January more than 30 days late; February 3 days
    assert set(Notification.objects.values_list("period", flat=True)) == {"202602"}
    Notification.objects.all().delete()
    world.health.expiry_days = 45  # entry closes 2026-03-17
    world.health.save()
    assert do_send_reminders(DUE + dt.timedelta(days=5)).reports == 4
    assert do_send_reminders(DUE + dt.timedelta(days=7)).reports == 0


def test_dry_run_writes_and_sends_nothing(health_only):
    run = do_send_reminders(DUE, dry_run=True)
    assert run.notifications == 6 and run.emails == 2
    assert not Notification.objects.exists() and not Reminder.objects.exists() and mail.outbox == []


def test_reports_nobody_is_responsible_for_are_listed(health_only):
    world = health_only
    world.officer2.is_active = False
    world.officer2.save()
    world.approver2.roles = []
    world.approver2.save()
    world.approver_p.is_active = False
    world.approver_p.save()
    run = do_send_reminders(DUE)
    assert run.without_anyone == ["HEALTH 202601 D2", "HEALTH 202601 C3"]


def test_the_command(health_only):
    out = StringIO()
    call_command("workflow", "reminders", "--today", DUE.isoformat(), "--dry-run", stdout=out)
    assert "Dry run: 2026-03-12: 4 reports due soon or late; 6 notifications, 2 e-mails" in out.getvalue()
    assert not Notification.objects.exists()
    call_command("workflow", "reminders", "--today", DUE.isoformat(), stdout=StringIO())
    assert Notification.objects.count() == 6
    with pytest.raises(CommandError, match="--today: expected a date as YYYY-MM-DD, got '12/03/2026'"):
        call_command("workflow", "reminders", "--today", "12/03/2026")


def test_the_scheduled_task_runs_at_seven_in_the_provinces_time(health_only, settings):
    from huey.contrib.djhuey import HUEY

    from ioc.workflow.tasks import local_crontab, send_reminders_task

    scheduled = send_reminders_task.task_class().validate_datetime
    if HUEY.utc:  # huey's clock gives UTC: 00:00 UTC is 07:00 in Hà Nội (Asia/Ho_Chi_Minh, UTC+7)
        assert scheduled(dt.datetime(2026, 3, 12, 0, 0))
        assert not scheduled(dt.datetime(2026, 3, 12, 7, 0))
    else:
        assert scheduled(dt.datetime(2026, 3, 12, 7, 0))
    assert not scheduled(dt.datetime(2026, 3, 12, 0, 1)) and not local_crontab(7, 0)(dt.datetime(2026, 3, 12, 0, 5))
    result = send_reminders_task.call_local()
    assert set(result) >= {"reports", "notifications", "emails"}

"""Generating briefings: who may, replacing, the audit record, the schedule and the command."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ioc.accounts.models import Role
from ioc.accounts.testing import make_user
from ioc.audit.models import AuditEntry
from ioc.briefings import tasks
from ioc.briefings.models import Briefing
from ioc.briefings.services import do_generate_briefing
from ioc.briefings.tests.conftest import TODAY, BriefingWorld
from ioc.core.errors import InvalidInput, NotAllowed


@pytest.mark.parametrize("who", ["manager", "leader", "admin"])
def test_plan_managers_leaders_and_admins_generate(bw: BriefingWorld, who: str) -> None:
    user = getattr(bw.pw, who)
    briefing = do_generate_briefing(user, "weekly", today=TODAY)
    assert (briefing.kind, briefing.period_start, briefing.period_end) == (
        "weekly",
        dt.date(2026, 6, 8),
        dt.date(2026, 6, 14),
    )
    assert briefing.generated_by == user
    assert set(briefing.units) == {bw.pw.units["p"].uid, bw.pw.units["new_p"].uid}


def test_an_operator_who_sees_the_province_generates(bw: BriefingWorld) -> None:
    operator = make_user("vanhanh", [Role.OPERATOR], view=[bw.pw.units["new_p"]])
    assert do_generate_briefing(operator, "monthly", today=TODAY).period_start == dt.date(2026, 5, 1)


def test_a_data_officer_may_not_generate(bw: BriefingWorld) -> None:
    with pytest.raises(NotAllowed):
        do_generate_briefing(bw.pw.officer, "weekly", today=TODAY)
    assert not Briefing.objects.exists()


def test_a_leader_who_sees_one_district_may_not_generate(bw: BriefingWorld) -> None:
    district_leader = make_user("lanhdao_huyen", [Role.LEADER], view=[bw.pw.units["d1"]])
    with pytest.raises(NotAllowed):
        do_generate_briefing(district_leader, "weekly", today=TODAY)
    with pytest.raises(NotAllowed):
        do_generate_briefing(bw.pw.nobody, "weekly", today=TODAY)  # a leader without units


def test_an_unknown_kind_is_refused(bw: BriefingWorld) -> None:
    with pytest.raises(InvalidInput) as caught:
        do_generate_briefing(None, "daily", today=TODAY)
    assert caught.value.errors[0]["field"] == "kind"


def test_generating_again_replaces_the_briefing_and_both_are_audited(bw: BriefingWorld) -> None:
    first = do_generate_briefing(None, "weekly", today=TODAY)
    again = do_generate_briefing(bw.pw.manager, "weekly", today=TODAY + dt.timedelta(days=2), via="form")
    assert again.pk == first.pk and Briefing.objects.count() == 1
    assert again.generated_by == bw.pw.manager
    actions = list(
        AuditEntry.objects.filter(object_type="briefings.briefing").order_by("id").values_list("action", "user", "via")
    )
    assert actions == [("briefing.generate", None, "system"), ("briefing.regenerate", bw.pw.manager.pk, "form")]


def test_progress_is_reported_to_the_end(bw: BriefingWorld) -> None:
    seen: list[tuple[int, int]] = []
    do_generate_briefing(None, "weekly", today=TODAY, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)


# --- the schedule ----------------------------------------------------------------------------------------


def _utc(local: dt.datetime) -> dt.datetime:
    """huey asks with naive UTC times; the province is UTC+7."""
    return local - dt.timedelta(hours=7)


def test_the_weekly_schedule_is_monday_0700_local_time() -> None:
    matches = tasks.local_crontab(hour=7, minute=0, day_of_week="1")
    assert matches(_utc(dt.datetime(2026, 6, 15, 7, 0)))  # Monday 07:00 in Vĩnh Phúc = 00:00 UTC
    assert not matches(dt.datetime(2026, 6, 15, 7, 0))  # 07:00 UTC is 14:00 there
    assert not matches(_utc(dt.datetime(2026, 6, 16, 7, 0)))  # a Tuesday


def test_the_monthly_schedule_is_the_first_at_0700_local_time() -> None:
    matches = tasks.local_crontab(hour=7, minute=0, day="1")
    assert matches(_utc(dt.datetime(2026, 7, 1, 7, 0)))  # 30/06 at 00:00 UTC
    assert not matches(_utc(dt.datetime(2026, 7, 2, 7, 0)))


def test_the_scheduled_task_generates_as_the_system(bw: BriefingWorld, monkeypatch: Any) -> None:
    monkeypatch.setattr("ioc.briefings.services.timezone.localdate", lambda *a: TODAY)
    tasks.generate("monthly")
    briefing = Briefing.objects.get()
    assert briefing.generated_by is None and briefing.period_start == dt.date(2026, 5, 1)
    assert AuditEntry.objects.filter(action="briefing.generate", via="system", user=None).exists()


# --- the command -----------------------------------------------------------------------------------------


def test_the_command_generates_a_briefing(bw: BriefingWorld) -> None:
    out = io.StringIO()
    call_command("briefing", "generate", "--kind", "monthly", "--today", "2026-06-15", stdout=out, stderr=io.StringIO())
    briefing = Briefing.objects.get()
    assert briefing.kind == "monthly" and briefing.period_start == dt.date(2026, 5, 1)
    assert f"id {briefing.pk}" in out.getvalue()
    assert AuditEntry.objects.filter(action="briefing.generate", via="cli", user=None).exists()


def test_the_command_says_what_is_wrong_with_a_bad_date(bw: BriefingWorld) -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("briefing", "generate", "--today", "15/06/2026", stdout=io.StringIO())

"""The demo plan: Vĩnh Phúc's digital-transformation plan (ioc/plans/data/vinhphuc_plan.yaml) — four pillars,
the 19 key tasks with their progress reports, and targets adapted from Decision 749/QĐ-TTg, fed by the
demo's data.

`install_demo_plan(user)` creates the plan through ioc.plans.services (validated, audited) when no plan
has its code; a plan that is there is left as it is, so an operator's edits and deletions are respected
and a second run creates nothing. Verdicts are never written: the services compute them after the commit,
and `ioc demo setup` refreshes them (ioc.plans.refresh.refresh_all).

The story is dated: open tasks' due dates and the times of the progress reports may be relative to the
day of installation (the YAML's header says how), so the board shows tasks done, on time, overdue and
stalled whenever the demo is set up. The services stamp a report with the moment it is written; the times
of the story are put back afterwards (`_backdate`), the one write here that is not a service's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from ioc.accounts.models import User
from ioc.analytics.items import resolve_dx
from ioc.analytics.replica import replica
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period
from ioc.orgunits.selectors import resolve_code
from ioc.plans import services
from ioc.plans.live import series
from ioc.plans.models import Plan, Source, Target, Task, TaskUpdate

DATA = Path(__file__).resolve().parent / "data" / "vinhphuc_plan.yaml"
_RELATIVE = re.compile(r"^(today|quarter|year)\s*([+-])\s*(\d+)\s*(d?)$")


def load(path: Path = DATA) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        # The C loader when PyYAML has it: five times faster than the pure-Python one.
        data: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    return data


def plan_code(path: Path = DATA) -> str:
    return str(load(path)["plan"]["code"])


def when(value: Any, today: dt.date) -> dt.date:
    """A date of the YAML: an ISO date, or relative to `today` — "today-120d", "today+20d", "quarter+1" (the
    last day of the quarter after this one), "year+0" (31 December of this year)."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = _RELATIVE.match(text)
    if match is None:
        return dt.date.fromisoformat(text)
    kind, sign, amount, days = match.groups()
    n = int(amount) * (-1 if sign == "-" else 1)
    if kind == "today":
        if not days:
            raise ValueError(f"{text}: say how many days, e.g. today+20d")
        return today + dt.timedelta(days=n)
    if kind == "year":
        return dt.date(today.year + n, 12, 31)
    quarter = (today.month - 1) // 3 + n  # counted from this year's first quarter
    year, last_month = today.year + quarter // 4, quarter % 4 * 3 + 3
    return dt.date(year, last_month, calendar.monthrange(year, last_month)[1])


def _moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def install_demo_plan(user: Any = None, *, via: str = Via.CLI, today: dt.date | None = None, path: Path = DATA) -> int:
    """Create the demo plan unless a plan with its code exists. Returns how many tasks and targets were
    created (0: it was there)."""
    spec = load(path)
    if Plan.objects.filter(code=spec["plan"]["code"]).exists():
        return 0
    today = today or timezone.localdate()
    with transaction.atomic():
        plan = _plan(user, spec["plan"], via)
        for order, pillar in enumerate(spec["pillars"], start=1):
            services.do_create_pillar(
                user, plan, code=pillar["code"], name_vi=pillar["name_vi"], name_en=pillar.get("name_en", ""),
                sort_order=order, via=via,
            )  # fmt: skip
        for order, item in enumerate(spec["tasks"], start=1):
            _task(user, plan, item, order, today, via)
        for order, item in enumerate(spec["targets"], start=1):
            _target(user, plan, item, order, today, via)
    return len(spec["tasks"]) + len(spec["targets"])


def _plan(user: Any, item: dict[str, Any], via: str) -> Plan:
    unit = resolve_code(str(item["org_unit"]), item.get("org_unit_at", item["start"]))
    return services.do_create_plan(
        user, code=item["code"], name_vi=item["name_vi"], name_en=item.get("name_en", ""), org_unit=unit,
        start=item["start"], end=item["end"], decision=item.get("decision", ""),
        description=item.get("description", ""), via=via,
    )  # fmt: skip


def _reporter(username: str | None, fallback: Any) -> Any:
    """The demo user a report is told by (an agency reporting on its own task), when that user exists."""
    if not username:
        return fallback
    return User.objects.filter(username=username, is_active=True).first() or fallback


def _task(user: Any, plan: Plan, item: dict[str, Any], order: int, today: dt.date, via: str) -> Task:
    completed = when(item["completed"], today) if item.get("completed") else None
    task = services.do_create_task(
        user, plan, code=item["code"], title_vi=item["title_vi"], title_en=item.get("title_en", ""),
        description=item.get("description", ""), pillar=item.get("pillar"), lead_agency=item["lead"],
        cooperating_agencies=item.get("cooperating", ()), start=when(item["start"], today) if item.get("start") else None,
        due=when(item["due"], today), status=item["status"], progress=item["progress"], completed=completed,
        sort_order=order, via=via,
    )  # fmt: skip
    stamps: list[tuple[TaskUpdate, dt.datetime]] = []
    for update in sorted(item.get("updates", ()), key=lambda u: when(u["at"], today)):
        written = services.do_add_task_update(
            _reporter(update.get("by"), user), task, text=update["text"], progress=update.get("progress"),
            status=update.get("status"), via=via,
        )  # fmt: skip
        stamps.append((written, _moment(when(update["at"], today))))
    task.refresh_from_db()
    final = {"status": item["status"], "progress": item["progress"]}
    if completed is not None:
        final["completed"] = completed
    if any(getattr(task, name) != value for name, value in final.items()):
        task = services.do_update_task(user, task, via=via, **final)
    last = stamps[-1][1] if stamps else (_moment(completed, 17) if completed else None)
    _backdate(task, stamps, last)
    return task


def _backdate(task: Task, stamps: list[tuple[TaskUpdate, dt.datetime]], last: dt.datetime | None) -> None:
    """Put the progress reports at the times of the story (the services stamp them with now)."""
    for update, at in stamps:
        TaskUpdate.objects.filter(pk=update.pk).update(at=at)
    Task.objects.filter(pk=task.pk).update(last_reported=last)


def _target(user: Any, plan: Plan, item: dict[str, Any], order: int, today: dt.date, via: str) -> Target:
    source = item.get("source", Source.MANUAL)
    low, high = item.get("bounds", (None, None))
    baseline_value, baseline_date = item.get("baseline_value"), item.get("baseline_date")
    if source == Source.ANALYTICS and item.get("baseline"):
        baseline_value, baseline_date = _baseline_from_data(plan, item["dx"], str(item["baseline"]["period"]), today)
    target = services.do_create_target(
        user, plan, code=item["code"], name_vi=item["name_vi"], name_en=item.get("name_en", ""),
        description=item.get("description", ""), unit=item.get("unit", ""), baseline_value=baseline_value,
        baseline_date=baseline_date, target_value=item["target_value"], deadline=when(item["deadline"], today),
        direction=item.get("direction", "increase"), mandatory=item.get("mandatory", True),
        responsible_agency=item["responsible"], source=source, dx=item.get("dx", ""),
        series_period=item.get("series_period", "Yearly"), lower_bound=low, upper_bound=high,
        pillar=item.get("pillar"), task=item.get("task"), milestones=[tuple(m) for m in item.get("milestones", ())],
        sort_order=order, via=via,
    )  # fmt: skip
    agency = target.responsible_agency
    for report in item.get("reports", ()):
        day, value = when(report[0], today), float(report[1])
        by = report[2] if len(report) > 2 else None
        note = f"Số liệu mô phỏng (synthetic demo data) — báo cáo của {agency.short_name or agency.name_vi}."
        services.do_report_target_value(_reporter(by, user), target, date=day, value=value, note=note, via=via)
    return target


def _baseline_from_data(plan: Plan, dx: str, period_id: str, today: dt.date) -> tuple[float | None, dt.date | None]:
    """The data's value of `dx` for the period at the plan's unit (as the target's series reads it), rounded
    to one decimal; (None, None) when the data have none (e.g. a slice of the demo)."""
    period = parse_period(period_id)
    replica.sync()
    assert replica.dims is not None
    try:
        resolve_dx([dx], replica.dims)
    except InvalidInput:
        return None, None  # the services name the unknown item
    probe = Target(
        plan=plan, source=Source.ANALYTICS, dx=dx, series_period=period.period_type, baseline_date=period.start
    )
    for point in series(probe, today=today):
        if point.date == period.end:
            return round(point.value, 1), period.end
    return None, None

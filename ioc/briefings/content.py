"""Gathering a briefing's facts: the plan's targets and tasks here, the headline KPIs, overdue reports and
data-quality flags in ioc.briefings.content_data. Everything is read as the system (province-wide), and
stored language-neutral: numbers, ISO dates, codes, and names as {"vi": …, "en": …}.

The shape of `gather()`'s answer is documented in docs/briefings.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import override

from ioc.accounts.system import SYSTEM_READER
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import current_successors
from ioc.plans.models import Plan, Status, Target, Task
from ioc.plans.selectors import targets_for, task_flags, tasks_for

Progress = Callable[[int, int], None]

# Worse to better; insufficient data is outside the scale (a change to or from it is not "worse").
SEVERITY = {Status.ACHIEVED: 0, Status.ON_TRACK: 1, Status.AT_RISK: 2, Status.OFF_TRACK: 3, Status.INFEASIBLE: 4}
ALARMING = (Status.AT_RISK, Status.OFF_TRACK, Status.INFEASIBLE)
STATUS_ORDER = [s.value for s in Status]


# The briefing covers the whole province whoever asked for it; readers are checked when they open it.
SYSTEM = SYSTEM_READER


def names(obj: Model | None, attribute: str = "name") -> dict[str, str]:
    """{"vi": …, "en": …} of a model with `<attribute>_vi` / `<attribute>_en` (English falls back to Vietnamese)."""
    if obj is None:
        return {"vi": "", "en": ""}
    vi = str(getattr(obj, f"{attribute}_vi", "") or "")
    return {"vi": vi, "en": str(getattr(obj, f"{attribute}_en", "") or "") or vi}


def ref(obj: Any) -> dict[str, Any] | None:
    """A code and its names (an agency, a pillar, a unit, a data set)."""
    return None if obj is None else {"code": obj.code, "name": names(obj)}


def day(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def active_plan() -> Plan | None:
    """The plan the briefing follows: the first active one (as the plan pages choose it)."""
    return Plan.objects.select_related("org_unit").filter(is_active=True).first()


def province_units(plan: Plan | None, today: dt.date) -> list[OrgUnit]:
    """The plan's unit and where it went (e.g. Vĩnh Phúc 26 → Phú Thọ 25); without a plan, the top units."""
    if plan is None:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code", "opened"))
    out = [plan.org_unit]
    for unit, _share in current_successors(plan.org_unit, today):
        if unit.pk not in {u.pk for u in out}:
            out.append(unit)
    return out


def current_unit(units: list[OrgUnit], today: dt.date) -> OrgUnit | None:
    """The unit open today among them (the one figures are read for)."""
    open_ones = [u for u in units if u.is_open_on(today)]
    candidates = open_ones or units
    return candidates[-1] if candidates else None


# --- targets ---------------------------------------------------------------------------------------------


def _explanations(details: dict[str, Any]) -> dict[str, str]:
    try:
        from ioc.plans.forecast import explain
    except ImportError:  # the forecast module not installed yet: the verdict alone
        return {"vi": "", "en": ""}
    out = {}
    for language in ("vi", "en"):
        with override(language):
            try:
                out[language] = explain(details) if details else ""
            except (KeyError, TypeError, ValueError):  # details of an older shape: no sentence
                out[language] = ""
    return out


def _target(target: Target) -> dict[str, Any]:
    forecast = getattr(target, "forecast", None)
    row: dict[str, Any] = {
        "code": target.code,
        "name": names(target),
        "pillar": ref(target.pillar),
        "agency": ref(target.responsible_agency),
        "unit": target.unit,
        "target_value": target.target_value,
        "deadline": day(target.deadline),
        "direction": target.direction,
        "mandatory": target.mandatory,
        "status": Status.INSUFFICIENT_DATA.value,
        "previous_status": "",
        "status_changed": None,
        "probability": None,
        "proposed_date": None,
        "proposed_date_80": None,
        "current_value": None,
        "current_date": None,
        "explanation": {"vi": "", "en": ""},
    }
    if forecast is not None:
        row.update(
            status=forecast.status,
            previous_status=forecast.previous_status,
            status_changed=day(forecast.status_changed),
            probability=forecast.probability,
            proposed_date=day(forecast.proposed_date),
            proposed_date_80=day(forecast.proposed_date_80),
            current_value=forecast.current_value,
            current_date=day(forecast.current_date),
            explanation=_explanations(forecast.details or {}),
        )
    return row


def became_worse(row: dict[str, Any], start: dt.date, end: dt.date) -> bool:
    """Changed within [start, end] into at risk / off track / infeasible from a better (or unknown) verdict."""
    changed = row["status_changed"]
    if not changed or not (start.isoformat() <= changed <= end.isoformat()) or row["status"] not in ALARMING:
        return False
    before = SEVERITY.get(row["previous_status"])
    return before is None or SEVERITY[row["status"]] > before


def became_better(row: dict[str, Any], start: dt.date, end: dt.date) -> bool:
    changed = row["status_changed"]
    if not changed or not (start.isoformat() <= changed <= end.isoformat()):
        return False
    now, before = SEVERITY.get(row["status"]), SEVERITY.get(row["previous_status"])
    return now is not None and before is not None and now < before


def targets_section(plan: Plan, start: dt.date, end: dt.date) -> dict[str, Any]:
    rows = [_target(t) for t in targets_for(SYSTEM, plan)]
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {
        "total": len(rows),
        "counts": counts,
        "became_worse": [r for r in rows if became_worse(r, start, end)],
        "became_better": [r for r in rows if became_better(r, start, end)],
        "all": rows,
    }


# --- tasks -----------------------------------------------------------------------------------------------


def _task(task: Task, flags: Any) -> dict[str, Any]:
    return {
        "code": task.code,
        "title": names(task, "title"),
        "pillar": ref(task.pillar),
        "lead": ref(task.lead_agency),
        "due": day(task.due),
        "status": task.status,
        "progress": task.progress,
        "last_reported": day(task.last_reported),
        "overdue": flags.overdue,
        "days_overdue": flags.days_overdue,
        "stalled": flags.stalled,
        "due_soon": flags.due_soon,
    }


def tasks_section(plan: Plan, as_of: dt.date) -> dict[str, Any]:
    rows = [_task(task, task_flags(task, as_of)) for task in tasks_for(SYSTEM, plan)]
    overdue = sorted((r for r in rows if r["overdue"]), key=lambda r: (-r["days_overdue"], r["code"]))
    return {
        "total": len(rows),
        "done": sum(1 for r in rows if r["status"] == "done"),
        "overdue_count": len(overdue),
        "stalled_count": sum(1 for r in rows if r["stalled"]),
        "due_soon_count": sum(1 for r in rows if r["due_soon"] and not r["overdue"]),
        "overdue": overdue,
        "stalled": [r for r in rows if r["stalled"] and not r["overdue"]],
        "due_soon": [r for r in rows if r["due_soon"] and not r["overdue"]],
    }


# --- the whole briefing ----------------------------------------------------------------------------------


def gather(
    kind: str, start: dt.date, end: dt.date, *, today: dt.date, progress: Progress | None = None
) -> dict[str, Any]:
    """Every fact of the briefing of [start, end] (see the module's docstring); `progress(done, total)`."""
    from ioc.briefings import content_data

    began = time.monotonic()
    plan = active_plan()
    units = province_units(plan, today)
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("kpis", lambda: content_data.kpis_section(units, end, today)),
        ("targets", lambda: targets_section(plan, start, end) if plan else None),
        ("tasks", lambda: tasks_section(plan, end) if plan else None),
        ("reports", lambda: content_data.reports_section(units, start, end)),
        ("quality", lambda: content_data.quality_section(units, start, end)),
    ]
    out: dict[str, Any] = {
        "version": 1,
        "kind": kind,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "plan": None
        if plan is None
        else {"code": plan.code, "name": names(plan), "decision": plan.decision, "unit": ref(plan.org_unit)},
        "units": [{"uid": u.uid, **(ref(u) or {})} for u in units],
    }
    for done, (key, step) in enumerate(steps):
        if progress:
            progress(done, len(steps))
        out[key] = step()
    if progress:
        progress(len(steps), len(steps))
    out["seconds"] = round(time.monotonic() - began, 3)
    return out

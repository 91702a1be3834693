"""Shapes of the plans API (ioc.plans.api). Codes name agencies, pillars, tasks and units in the input; the
output names them as {code, name}. Dates are ISO (YYYY-MM-DD); a bad one is a 422 naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from ioc.audit.models import AuditEntry
from ioc.plans import forecast, selectors
from ioc.plans.models import Plan, Target, TargetForecast, TargetReport, Task, TaskUpdate


class Ref(Schema):
    code: str
    name: str


class PillarOut(Schema):
    code: str
    name: str
    name_vi: str
    name_en: str


class PlanOut(Schema):
    code: str
    name: str
    name_vi: str
    name_en: str
    decision: str
    description: str
    org_unit: Ref
    start: dt.date
    end: dt.date
    is_active: bool
    full_view: bool  # false: the reader sees only the tasks and targets of their agency
    pillars: list[PillarOut]


class PlanList(Schema):
    items: list[PlanOut]
    count: int


class TaskOut(Schema):
    plan: str
    code: str
    title: str
    title_vi: str
    title_en: str
    pillar: Ref | None
    lead_agency: Ref
    cooperating_agencies: list[Ref]
    start: dt.date | None
    due: dt.date
    status: str
    progress: int
    completed: dt.date | None
    overdue: bool
    days_overdue: int
    stalled: bool
    due_soon: bool
    last_reported: dt.datetime | None


class TaskList(Schema):
    items: list[TaskOut]
    count: int


class TaskUpdateOut(Schema):
    id: int
    at: dt.datetime
    by: str | None
    text: str
    link: str
    attachment: str | None  # the scoped download URL of the attached file
    progress: int | None
    status: str


class HistoryEntry(Schema):
    at: dt.datetime
    by: str | None
    action: str  # task.create, task.update, task.report, target.update, target.report, …
    via: str
    changes: dict[str, Any]


class TaskDetail(TaskOut):
    description: str
    targets: list[str]
    updates: list[TaskUpdateOut]
    history: list[HistoryEntry]  # newest first


class TaskIn(Schema):
    code: str
    title_vi: str
    title_en: str = ""
    description: str = ""
    pillar: str | None = None
    lead_agency: str
    cooperating_agencies: list[str] = []
    start: dt.date | None = None
    due: dt.date
    status: str = "not_started"
    progress: int = 0
    completed: dt.date | None = None
    sort_order: int = 0


class TaskPatch(TaskIn):
    """Only the fields sent change. Plan managers may change any; the lead agency's users only status,
    progress and completed."""

    code: str | None = None  # type: ignore[assignment]
    title_vi: str | None = None  # type: ignore[assignment]
    lead_agency: str | None = None  # type: ignore[assignment]
    due: dt.date | None = None  # type: ignore[assignment]


class TaskUpdateIn(Schema):
    text: str
    link: str = ""
    progress: int | None = None
    status: str | None = None


class Baseline(Schema):
    value: float | None = None
    date: dt.date | None = None


class MilestoneOut(Schema):
    date: dt.date
    value: float
    note: str
    expected: float | None  # the forecast's median at the milestone's date
    probability: float | None  # P(the milestone is met)
    met: bool | None  # for past milestones


class TargetOut(Schema):
    plan: str
    code: str
    name: str
    name_vi: str
    name_en: str
    pillar: Ref | None
    task: Ref | None
    unit: str
    baseline: Baseline
    target_value: float
    deadline: dt.date
    direction: str
    mandatory: bool
    responsible_agency: Ref
    source: str
    dx: str
    current_value: float | None
    current_date: dt.date | None
    # One of achieved, on_track, at_risk, off_track, infeasible, insufficient_data; null until the first
    # forecast is stored (the background job computes it within minutes of a change).
    status: str | None
    probability: float | None
    proposed_date: dt.date | None
    proposed_date_80: dt.date | None
    explanation: str
    method: str | None
    computed_at: dt.datetime | None
    milestones: list[MilestoneOut]


class TargetList(Schema):
    items: list[TargetOut]
    count: int


class PointOut(Schema):
    date: dt.date
    value: float


class FanPoint(Schema):
    date: dt.date
    p10: float | None
    p50: float | None
    p90: float | None


class TargetDetail(TargetOut):
    description: str
    org_unit: Ref | None
    series_period: str
    lower_bound: float | None
    upper_bound: float | None
    pace: float | None  # change per series_period at the current trend, in the target's unit
    points: list[PointOut]  # the history the forecast was computed from (baseline included)
    fan: list[FanPoint]  # the forecast's 10/50/90 % band from the last point on
    history: list[HistoryEntry]  # newest first: changes, milestones, reported values


class MilestoneIn(Schema):
    date: dt.date
    value: float
    note: str = ""


class TargetIn(Schema):
    code: str
    name_vi: str
    name_en: str = ""
    description: str = ""
    pillar: str | None = None
    task: str | None = None
    unit: str = ""
    baseline: Baseline | None = None
    target_value: float
    deadline: dt.date
    direction: str = "increase"
    mandatory: bool = True
    responsible_agency: str
    source: str = "manual"
    dx: str = ""
    org_unit: str | None = Field(None, description="uid or code (a reused code: the newest unit); empty: the plan's")
    series_period: str = "Yearly"
    lower_bound: float | None = None
    upper_bound: float | None = None
    sort_order: int = 0
    milestones: list[MilestoneIn] = []


class TargetPatch(TargetIn):
    """Only the fields sent change; `milestones`, when sent, replaces them all."""

    code: str | None = None  # type: ignore[assignment]
    name_vi: str | None = None  # type: ignore[assignment]
    target_value: float | None = None  # type: ignore[assignment]
    deadline: dt.date | None = None  # type: ignore[assignment]
    responsible_agency: str | None = None  # type: ignore[assignment]
    milestones: list[MilestoneIn] | None = None  # type: ignore[assignment]


class ReportIn(Schema):
    date: dt.date
    value: float
    note: str = ""
    link: str = ""


class ReportsIn(Schema):
    """One value ({"date", "value", "note", "link"}) or several ({"reports": [...]}, all or nothing)."""

    date: dt.date | None = None
    value: float | None = None
    note: str = ""
    link: str = ""
    reports: list[ReportIn] | None = None


class ReportOut(Schema):
    date: dt.date
    value: float
    note: str
    link: str
    attachment: str | None
    by: str | None
    at: dt.datetime


class ReportList(Schema):
    items: list[ReportOut]
    count: int


# --- building the answers (model → the shapes above) ----------------------------------------------------


def ref(obj: Any, name: str = "name") -> dict[str, str] | None:
    return {"code": obj.code, "name": getattr(obj, name)} if obj is not None else None


def _by(user: Any) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def _evidence(kind: str, obj: Any) -> str | None:
    return reverse("plans:evidence", args=[kind, obj.pk]) if obj.attachment else None


def history_out(entry: AuditEntry) -> dict[str, Any]:
    return {"at": entry.at, "by": _by(entry.user), "action": entry.action, "via": entry.via, "changes": entry.changes}


def plan_out(plan: Plan, full_view: bool) -> dict[str, Any]:
    return {
        "code": plan.code, "name": plan.name, "name_vi": plan.name_vi, "name_en": plan.name_en,
        "decision": plan.decision, "description": plan.description, "org_unit": ref(plan.org_unit),
        "start": plan.start, "end": plan.end, "is_active": plan.is_active, "full_view": full_view,
        "pillars": [
            {"code": p.code, "name": p.name, "name_vi": p.name_vi, "name_en": p.name_en} for p in plan.pillars.all()
        ],
    }  # fmt: skip


def task_out(task: Task, flags: Any) -> dict[str, Any]:
    return {
        "plan": task.plan.code, "code": task.code, "title": task.title, "title_vi": task.title_vi,
        "title_en": task.title_en, "pillar": ref(task.pillar), "lead_agency": ref(task.lead_agency),
        "cooperating_agencies": [ref(a) for a in task.cooperating_agencies.all()],
        "start": task.start, "due": task.due, "status": task.status, "progress": task.progress,
        "completed": task.completed, "overdue": flags.overdue, "days_overdue": flags.days_overdue,
        "stalled": flags.stalled, "due_soon": flags.due_soon, "last_reported": task.last_reported,
    }  # fmt: skip


def update_out(update: TaskUpdate) -> dict[str, Any]:
    return {
        "id": update.pk, "at": update.at, "by": _by(update.by), "text": update.text, "link": update.link,
        "attachment": _evidence("update", update), "progress": update.progress, "status": update.status,
    }  # fmt: skip


def task_detail(task: Task, flags: Any, targets: list[str]) -> dict[str, Any]:
    return {
        **task_out(task, flags),
        "description": task.description,
        "targets": targets,
        "updates": [update_out(u) for u in task.updates.select_related("by")],
        "history": [history_out(e) for e in selectors.task_history(task)],
    }


def report_out(report: TargetReport) -> dict[str, Any]:
    return {
        "date": report.date, "value": report.value, "note": report.note, "link": report.link,
        "attachment": _evidence("report", report), "by": _by(report.by), "at": report.at,
    }  # fmt: skip


def stored_forecast(target: Target) -> TargetForecast | None:
    try:
        return target.forecast
    except TargetForecast.DoesNotExist:
        return None


def _milestones(target: Target, details: dict[str, Any]) -> list[dict[str, Any]]:
    """The target's milestones with what the forecast expects at each (matched by date)."""
    expected = {str(m.get("date")): m for m in details.get("milestones") or []}
    out = []
    for milestone in target.milestones.all():
        seen = expected.get(milestone.date.isoformat(), {})
        out.append({
            "date": milestone.date, "value": milestone.value, "note": milestone.note,
            "expected": seen.get("expected"), "probability": seen.get("probability"), "met": seen.get("met"),
        })  # fmt: skip
    return out


def target_out(target: Target) -> dict[str, Any]:
    stored = stored_forecast(target)
    details = (stored.details or {}) if stored else {}
    return {
        "plan": target.plan.code, "code": target.code, "name": target.name, "name_vi": target.name_vi,
        "name_en": target.name_en, "pillar": ref(target.pillar), "task": ref(target.task, name="title"),
        "unit": target.unit, "baseline": {"value": target.baseline_value, "date": target.baseline_date},
        "target_value": target.target_value, "deadline": target.deadline, "direction": target.direction,
        "mandatory": target.mandatory, "responsible_agency": ref(target.responsible_agency),
        "source": target.source, "dx": target.dx,
        "current_value": stored.current_value if stored else None,
        "current_date": stored.current_date if stored else None,
        "status": stored.status if stored else None,
        "probability": stored.probability if stored else None,
        "proposed_date": stored.proposed_date if stored else None,
        "proposed_date_80": stored.proposed_date_80 if stored else None,
        "explanation": forecast.explain(details) if details else "",
        "method": stored.method if stored else None,
        "computed_at": stored.computed_at if stored else None,
        "milestones": _milestones(target, details),
    }  # fmt: skip


def target_detail(target: Target) -> dict[str, Any]:
    stored = stored_forecast(target)
    details = (stored.details or {}) if stored else {}
    return {
        **target_out(target),
        "description": target.description, "org_unit": ref(target.org_unit),
        "series_period": target.series_period, "lower_bound": target.lower_bound,
        "upper_bound": target.upper_bound, "pace": details.get("pace"),
        "points": details.get("points") or [], "fan": details.get("fan") or [],
        "history": [history_out(e) for e in selectors.target_history(target)],
    }  # fmt: skip

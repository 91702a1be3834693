"""What the plan pages show, shaped from the selectors' answers and the stored forecast (no queries of their
own beyond the target's reports and the name of its data item): the fan chart's JSON, a target's dated values
with their source, audit history rows, the timeline's geometry and the sorted scorecards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.urls import reverse
from django.utils.translation import gettext as _

from ioc.audit.models import AuditEntry
from ioc.metadata.models import DataElement, DataSet, Indicator
from ioc.plans.exports import Verdict
from ioc.plans.models import Plan, Source, Target, TaskStatus

# ---- the fan chart --------------------------------------------------------------------------------------------


def _points(target: Target, verdict: Verdict) -> list[dict[str, Any]]:
    """The dated values the verdict was computed from (stored with it); a manual target without a verdict yet
    shows its reports and baseline."""
    stored = verdict.details.get("points")
    if isinstance(stored, list) and stored:
        return [
            {"date": str(p["date"]), "value": float(p["value"])}
            for p in stored
            if isinstance(p, dict) and p.get("value") is not None
        ]
    points: list[dict[str, Any]] = []
    if target.source == Source.MANUAL:
        points = [{"date": r.date.isoformat(), "value": r.value} for r in target.reports.all()]
    baseline = target.baseline_date.isoformat() if target.baseline_date else None
    if baseline and target.baseline_value is not None and (not points or baseline < str(points[0]["date"])):
        points.insert(0, {"date": baseline, "value": target.baseline_value})
    return points


def chart_data(target: Target, verdict: Verdict, today: dt.date, language: str) -> dict[str, Any]:
    computed = {str(m.get("date")): m for m in verdict.details.get("milestones", []) if isinstance(m, dict)}
    return {
        "language": language,
        "unit": target.unit,
        "points": _points(target, verdict),
        "fan": [f for f in verdict.details.get("fan", []) if isinstance(f, dict) and f.get("date")],
        "target": target.target_value,
        "deadline": target.deadline.isoformat(),
        "today": today.isoformat(),
        "lower_bound": target.lower_bound,
        "upper_bound": target.upper_bound,
        "milestones": [
            {
                "date": m.date.isoformat(),
                "value": m.value,
                "expected": computed.get(m.date.isoformat(), {}).get("expected"),
                "probability": computed.get(m.date.isoformat(), {}).get("probability"),
            }
            for m in target.milestones.all()
        ],
    }


def chart_strings() -> dict[str, str]:
    return {
        "history": _("Values"),
        "median": _("Forecast (median)"),
        # xgettext:no-python-format
        "band": _("10–90 % range"),
        "target": _("Target"),
        "deadline": _("Deadline"),
        "today": _("Today"),
        "milestones": _("Milestones"),
        "milestone": _("Milestone"),
        "probability": _("Probability"),
    }


# ---- the data behind a target ---------------------------------------------------------------------------------


@dataclass
class ValueRow:
    date: dt.date
    value: float
    source: str
    note: str = ""
    by: str = ""
    link: str = ""
    file_url: str = ""
    file_name: str = ""
    is_baseline: bool = False


def dx_name(dx: str) -> str:
    """The analytics item's name (indicator, element, ELEMENT.COC or DATASET.METRIC), else its code."""
    indicator = Indicator.objects.filter(code=dx).first()
    if indicator is not None:
        return f"{indicator.name} ({dx})"
    code = dx.split(".", 1)[0]
    element = DataElement.objects.filter(code=code).first()
    if element is not None:
        return f"{element.name} ({dx})"
    data_set = DataSet.objects.filter(code=code).first()
    return f"{data_set.name} ({dx})" if data_set is not None else dx


def _who(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def target_values(target: Target, verdict: Verdict, plan: Plan) -> list[ValueRow]:
    """Newest first. Live: the stored series with the analytics item and unit; manual: the reports with their
    evidence (files through the scoped evidence view)."""
    baseline = (target.baseline_date, target.baseline_value)
    rows: list[ValueRow] = []
    if target.source == Source.ANALYTICS:
        unit = target.org_unit or plan.org_unit
        source = f"{dx_name(target.dx)} · {unit.name}" if target.dx else _("no data item set")
        for p in _points(target, verdict):
            day = dt.date.fromisoformat(p["date"])
            is_baseline = (day, p["value"]) == baseline
            rows.append(ValueRow(day, p["value"], _("Baseline") if is_baseline else source, is_baseline=is_baseline))
    else:
        for r in target.reports.select_related("by"):
            rows.append(
                ValueRow(
                    r.date,
                    r.value,
                    _("Report"),
                    note=r.note,
                    by=_who(r.by),
                    link=r.link,
                    file_url=reverse("plans:evidence", args=["report", r.pk]) if r.attachment else "",
                    file_name=r.attachment.name.rsplit("/", 1)[-1] if r.attachment else "",
                )
            )
        if target.baseline_date is not None and target.baseline_value is not None:
            rows.append(ValueRow(target.baseline_date, target.baseline_value, _("Baseline"), is_baseline=True))
    return sorted(rows, key=lambda r: r.date, reverse=True)


# ---- history --------------------------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    at: dt.datetime
    by: str
    action: str
    via: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, before, after)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _action_labels() -> dict[str, str]:
    """The plan services' audit actions in words (others show as recorded)."""
    return {
        "task.create": _("Created"),
        "target.create": _("Created"),
        "task.update": _("Changed"),
        "target.update": _("Changed"),
        "task.report": _("Progress reported"),
        "target.report": _("Value reported"),
    }


def _field_label(model: type[Model], name: str) -> str:
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(found, "verbose_name", name))  # a reverse relation has no verbose name


def history_rows(entries: Sequence[AuditEntry], model: type[Model]) -> list[HistoryRow]:
    """Audit entries of a task or target (`model`: its class, for the fields' names)."""
    labels = _action_labels()
    rows = []
    for e in entries:
        changes: list[tuple[str, str, str]] = []
        for name, change in (e.changes or {}).items() if isinstance(e.changes, dict) else []:
            label = _field_label(model, str(name))
            if isinstance(change, list | tuple) and len(change) == 2:
                changes.append((label, _text(change[0]), _text(change[1])))
            else:
                changes.append((label, "", _text(change)))
        action = labels.get(e.action, e.action)
        rows.append(HistoryRow(e.at, _who(e.user) or _("system"), action, e.get_via_display(), changes))
    return rows


# ---- the timeline ---------------------------------------------------------------------------------------------


@dataclass
class Bar:
    row: Any  # views.TaskRow
    left: float  # % of the track
    width: float
    state: str  # done | overdue | stalled | open | idle (not started, paused, cancelled)


@dataclass
class Timeline:
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # (year, left %)
    today: float | None  # left % of the today line, None outside the range
    start: dt.date
    end: dt.date


def timeline(plan: Plan, rows: Sequence[Any], today: dt.date) -> Timeline:
    starts = [r.task.start or plan.start for r in rows]
    start = min([plan.start, *starts])
    end = max([plan.end, today, *(r.task.due for r in rows)])
    span = max((end - start).days, 1)

    def at(day: dt.date) -> float:
        return round(100 * (day - start).days / span, 2)

    bars = []
    for r, begin in zip(rows, starts, strict=True):
        finish = max(r.task.due, begin)
        if r.task.status == TaskStatus.DONE:
            state = "done"
        elif r.flags.overdue:
            state = "overdue"
        elif r.flags.stalled:
            state = "stalled"
        elif r.task.status == TaskStatus.IN_PROGRESS:
            state = "open"
        else:
            state = "idle"
        bars.append(Bar(r, at(begin), max(at(finish) - at(begin), 0.8), state))
    ticks = [(year, at(dt.date(year, 1, 1))) for year in range(start.year + 1, end.year + 1)]
    return Timeline(bars, ticks, at(today) if start <= today <= end else None, start, end)


# ---- scorecards -----------------------------------------------------------------------------------------------


@dataclass
class SortColumn:
    key: str
    label: str
    link: str  # the ?sort= value a click on the header asks for
    current: str  # "ascending" | "descending" | "" (aria-sort)


def _sort_keys() -> dict[str, tuple[str, Any]]:
    """sort key → (header, value of a scorecard); higher is "better" for none of them: the user chooses."""
    return {
        "agency": (_("Agency"), lambda c: c.agency.name.lower()),
        "tasks": (_("Tasks"), lambda c: c.tasks),
        "on_time": (_("On time"), lambda c: c.tasks_on_time),
        "overdue": (_("Overdue"), lambda c: c.tasks_overdue),
        "stalled": (_("Stalled"), lambda c: c.tasks_stalled),
        "targets": (_("Targets"), lambda c: c.targets),
        "on_track": (_("Targets on track"), lambda c: c.on_track_share),
        "timeliness": (_("Reports on time"), lambda c: c.report_timeliness),
    }


def scorecard_rows(cards: Sequence[Any], sort: str) -> tuple[list[Any], str, list[SortColumn]]:
    keys = _sort_keys()
    name = sort.lstrip("-")
    if name not in keys:
        sort, name = "-overdue", "overdue"
    descending = sort.startswith("-")
    getter = keys[name][1]
    present = [c for c in cards if getter(c) is not None]
    missing = [c for c in cards if getter(c) is None]  # no value: last, whichever the direction
    ordered = sorted(present, key=lambda c: (getter(c), c.agency.name.lower()), reverse=descending) + missing
    columns = []
    for key, (label, _getter) in keys.items():
        if key == name:
            columns.append(
                SortColumn(key, label, key if descending else f"-{key}", "descending" if descending else "ascending")
            )
        else:
            columns.append(SortColumn(key, label, key if key == "agency" else f"-{key}", ""))
    return ordered, sort, columns

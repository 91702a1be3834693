"""A briefing's language-neutral content worded in the active language: the one view the page and the PDF
both render (so they never say different things). Numbers and dates follow the language's formats
(ioc/web/formats: 63,5 and 14/06/2026 in Vietnamese).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ioc.briefings.models import Briefing, Kind
from ioc.core.periods import parse_period
from ioc.metadata.models import ValidationRule
from ioc.plans.models import Status, TaskStatus

# Row backgrounds by verdict (the plan exports' colours) and by KPI status.
STATUS_COLOURS = {
    "achieved": "#d4efdc",
    "on_track": "#e8f5ec",
    "at_risk": "#fff1cc",
    "off_track": "#fde2d0",
    "infeasible": "#f8d2d2",
    "insufficient_data": "#eceff3",
}
KPI_COLOURS = {"good": "#e8f5ec", "warning": "#fff1cc", "bad": "#fde2d0"}
OVERDUE_COLOUR = "#fde2d0"
# The page's badge classes (ioc.css) by verdict and KPI status; the badge always carries its word too.
BADGES = {
    "achieved": "status--success",
    "on_track": "status--success",
    "good": "status--success",
    "at_risk": "status--warning",
    "warning": "status--warning",
    "off_track": "status--error",
    "infeasible": "status--error",
    "bad": "status--error",
}


def pick(names: dict[str, str] | None) -> str:
    if not names:
        return ""
    english = (get_language() or "vi").startswith("en")
    return (names.get("en") if english else "") or names.get("vi", "")


def name_of(item: dict[str, Any] | None) -> str:
    return pick(item["name"]) if item else ""


def number(value: float | None, decimals: int | None = None) -> str:
    if value is None:
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1 if abs(value) >= 10 else 2
    return str(formats.number_format(round(value, decimals), decimals, use_l10n=True, force_grouping=True))


def with_unit(value: float | None, unit: str, decimals: int | None = None) -> str:
    text = number(value, decimals)
    if value is None or not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def date(iso: str | None) -> str:
    return formats.date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT") if iso else "–"


def change(rel: float | None) -> str:
    """+5,0 % (a relative change)."""
    if rel is None:
        return "–"
    return ("+" if rel > 0 else "") + number(rel * 100, 1) + " %"


def period_name(period_id: str | None) -> str:
    return parse_period(period_id).name() if period_id else ""


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


# The operations screen's words for a KPI tile's status.
KPI_STATUS = {
    "good": gettext_lazy("On target"),
    "warning": gettext_lazy("Close to target"),
    "bad": gettext_lazy("Off target"),
    "none": gettext_lazy("No data"),
}


def kpi_status_label(status: str) -> str:
    return str(KPI_STATUS.get(status, KPI_STATUS["none"]))


def title_of(briefing: Briefing) -> str:
    start, end = briefing.period_start, briefing.period_end
    if briefing.kind == Kind.MONTHLY:
        return _("Monthly briefing: %(month)s") % {"month": period_name(start.strftime("%Y%m"))}
    return _("Weekly briefing: %(start)s – %(end)s") % {
        "start": formats.date_format(start, "SHORT_DATE_FORMAT"),
        "end": formats.date_format(end, "SHORT_DATE_FORMAT"),
    }


def _kpis(section: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for k in section.get("items", []):
        rows.append(
            {
                "name": pick(k["name"]),
                "value": with_unit(k["value"], k["unit"], k["decimals"]),
                "previous": with_unit(k["previous"], k["unit"], k["decimals"]),
                "change": change(k["change"]),
                "change_last_year": change(k["change_last_year"]),
                "target": with_unit(k["target"], k["unit"], k["decimals"]) if k["target"] is not None else "–",
                "status": k["status"],
                "status_label": kpi_status_label(k["status"]),
                "badge": BADGES.get(k["status"], ""),
                "colour": KPI_COLOURS.get(k["status"]),
                "error": k.get("error"),
                "rel": k["change"],
            }
        )
    trend, headline = section.get("trend"), None
    if trend:
        headline = next((k for k in section.get("items", []) if k["uid"] == trend["kpi"]), None)
    chart = None
    if trend and headline:
        chart = {
            "title": _("%(name)s, last 12 months") % {"name": pick(headline["name"])},
            "name": pick(headline["name"]),
            "categories": [period_name(p) for p in trend["periods"]],
            "values": trend["values"],
            "target": headline["target"],
            "target_label": _("Target"),
            "unit": headline["unit"],
        }
    # What changed most, either way, first.
    moved = sorted((r for r in rows if r["rel"] is not None), key=lambda r: -abs(r["rel"]))
    return {
        "period": period_name(section.get("period")),
        "unit": name_of(section.get("unit")),
        "dashboard": name_of(section.get("dashboard")),
        "rows": rows,
        "moved": moved[:5],
        "trend": chart,
        "error": section.get("error"),
    }


def _proposed(t: dict[str, Any]) -> str:
    if t["proposed_date"]:
        return date(t["proposed_date"])
    if t["status"] in ("achieved", "insufficient_data") or t["probability"] is None:
        return "–"
    return _("not within 10 years")


def _target_row(t: dict[str, Any]) -> dict[str, Any]:
    probability = t["probability"]
    return {
        "code": t["code"],
        "name": pick(t["name"]),
        "agency": name_of(t["agency"]),
        "pillar": name_of(t["pillar"]),
        "status": t["status"],
        "status_label": status_label(t["status"]),
        "badge": BADGES.get(t["status"], ""),
        "previous_label": status_label(t["previous_status"]) if t["previous_status"] else "–",
        "changed": date(t["status_changed"]),
        "target": with_unit(t["target_value"], t["unit"]),
        "current": with_unit(t["current_value"], t["unit"]),
        "deadline": date(t["deadline"]),
        "proposed": _proposed(t),
        "proposed_80": date(t["proposed_date_80"]),
        "probability": "–" if probability is None else number(probability * 100, 0) + " %",
        "explanation": pick(t["explanation"]),
        "colour": STATUS_COLOURS.get(t["status"]),
    }


def _targets(section: dict[str, Any] | None) -> dict[str, Any] | None:
    if section is None:
        return None
    counts = [
        {"status": s, "label": status_label(s), "n": section["counts"].get(s, 0), "colour": STATUS_COLOURS[s]}
        for s in STATUS_COLOURS
    ]
    return {
        "total": section["total"],
        "counts": counts,
        "worse": [_target_row(t) for t in section["became_worse"]],
        "better": [_target_row(t) for t in section["became_better"]],
        "all": [_target_row(t) for t in section["all"]],
    }


def _task_row(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": t["code"],
        "title": pick(t["title"]),
        "lead": name_of(t["lead"]),
        "due": date(t["due"]),
        "days_overdue": t["days_overdue"],
        "progress": f"{t['progress']} %",
        "status_label": str(TaskStatus(t["status"]).label) if t["status"] in TaskStatus.values else t["status"],
        "last_reported": date(t["last_reported"]),
        "stalled": t["stalled"],
    }


def _tasks(section: dict[str, Any] | None) -> dict[str, Any] | None:
    if section is None:
        return None
    return {
        **{k: section[k] for k in ("total", "done", "overdue_count", "stalled_count", "due_soon_count")},
        "overdue": [_task_row(t) for t in section["overdue"]],
        "stalled": [_task_row(t) for t in section["stalled"]],
        "due_soon": [_task_row(t) for t in section["due_soon"]],
    }


def _reports(section: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: section[k] for k in ("due_count", "missing_count", "late_count", "backlog_count")},
        "by_data_set": [
            {
                "data_set": name_of(r["data_set"]),
                "code": r["data_set"]["code"],
                "agency": name_of(r["agency"]),
                "due": r["due"],
                "missing": r["missing"],
                "late": r["late"],
                "backlog": r["backlog"],
            }
            for r in section["by_data_set"]
        ],
        "missing": [
            {
                "data_set": name_of(r["data_set"]),
                "agency": name_of(r["agency"]),
                "unit": name_of(r["unit"]),
                "period": period_name(r["period"]),
                "due": date(r["due"]),
                "days_late": r["days_late"],
            }
            for r in section["missing"]
        ],
    }


def _quality(section: dict[str, Any]) -> dict[str, Any]:
    importance = dict(ValidationRule.Importance.choices)
    operators = dict(ValidationRule.Operator.choices)
    return {
        **{
            k: section[k] for k in ("raised_count", "still_open", "open_total", "follow_up_results", "follow_up_values")
        },
        "by_importance": [{"label": str(importance[k]), "n": n} for k, n in section["by_importance"].items()],
        "rows": [
            {
                "rule": pick(r["rule"]["name"]),
                "code": r["rule"]["code"],
                "unit": name_of(r["unit"]),
                "period": period_name(r["period"]),
                "importance": str(importance.get(r["importance"], r["importance"])),
                "values": f"{number(r['left'])} {operators.get(r['operator'], r['operator'])} {number(r['right'])}",
                "first_seen": date(r["first_seen"]),
                "colour": OVERDUE_COLOUR if r["importance"] == "HIGH" else None,
            }
            for r in section["raised"]
        ],
    }


def present(briefing: Briefing) -> dict[str, Any]:
    """Everything the page and the PDF show, worded in the active language."""
    c = briefing.content
    plan = c.get("plan")
    targets, tasks = _targets(c.get("targets")), _tasks(c.get("tasks"))
    reports, quality = _reports(c["reports"]), _quality(c["quality"])
    facts = [
        (_("Targets that became at risk or worse"), len(targets["worse"]) if targets else "–"),
        (_("Overdue tasks"), tasks["overdue_count"] if tasks else "–"),
        (_("Reports due in the period and missing"), reports["missing_count"]),
        (_("Data-quality violations found in the period"), quality["raised_count"]),
    ]
    return {
        "title": title_of(briefing),
        "plan": pick(plan["name"]) if plan else "",
        "decision": plan["decision"] if plan else "",
        "province": " → ".join(name_of(u) for u in c.get("units", [])),
        "period": f"{date(c['period']['start'])} – {date(c['period']['end'])}",
        "facts": [{"label": label, "n": n} for label, n in facts],
        "kpis": _kpis(c["kpis"]),
        "targets": targets,
        "tasks": tasks,
        "reports": reports,
        "quality": quality,
    }

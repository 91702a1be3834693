"""A briefing's facts from the other apps: the overview dashboard's KPI tiles (ioc.dashboards.data, so the
briefing says exactly what the screen says), reports expected but missing or late (ioc.workflow.completeness)
and validation rules newly broken (ioc.quality). Province-wide: `units` are the plan's unit and its successors.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import override

from ioc.briefings.content import SYSTEM, current_unit, day, names, ref
from ioc.core.errors import IocError
from ioc.core.periods import MONTHLY, Period, period_for_date
from ioc.dashboards.data import dashboard_data
from ioc.dashboards.models import Dashboard, DashboardItem, ItemKind
from ioc.dashboards.selectors import items as dashboard_items
from ioc.datavalues.models import DataValue
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import scope_q
from ioc.quality.models import ValidationResult
from ioc.quality.rules import IMPORTANCE_ORDER
from ioc.workflow.completeness import DateRange, Report, expected_reports

TREND_UID = "briefTrend1"  # the synthetic chart item of the headline KPI's trend (never stored)
TREND_PERIODS = "LAST_12_MONTHS"
# Reports of periods ended this long before the briefing's end count in the backlog while missing (a year:
# a yearly report still missing months after its due date is a leader's business).
REPORTS_LOOKBACK_DAYS = 366
MAX_ROWS = 30  # rows of each list (missing reports, violations); the counts cover everything


# --- headline KPIs ---------------------------------------------------------------------------------------


def kpi_month(end: dt.date) -> Period:
    """The last month complete on `end`: its own month when `end` is the month's last day."""
    last_day = calendar.monthrange(end.year, end.month)[1]
    anchor = end if end.day == last_day else end.replace(day=1) - dt.timedelta(days=1)
    return period_for_date(MONTHLY, anchor)


def overview_dashboard() -> Dashboard | None:
    return Dashboard.objects.order_by("-is_overview", "sort_order", "code").first()


def _headline(kpis: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The KPI whose trend is charted: the first with a target and a value, else the first with a value."""
    with_value = [k for k in kpis if k["value"] is not None]
    with_target = [k for k in with_value if k["target"] is not None]
    candidates = with_target or with_value
    return candidates[0] if candidates else None


def _kpi(vi: dict[str, Any], en: dict[str, Any]) -> dict[str, Any]:
    dx = vi.get("dx") or {}
    return {
        "uid": vi["uid"],
        "name": {"vi": vi.get("title", ""), "en": en.get("title", "") or vi.get("title", "")},
        "dx": dx.get("code"),
        "unit": dx.get("unit") or "",
        "decimals": dx.get("decimals"),
        "period": vi.get("period"),
        "value": vi.get("value"),
        "previous": vi.get("previous", {}).get("value"),
        "change": vi.get("change"),
        "last_year": vi.get("last_year", {}).get("value"),
        "change_last_year": vi.get("change_last_year"),
        "target": vi.get("target"),
        "higher_is_better": vi.get("higher_is_better", True),
        "status": vi.get("status", "none"),
        "error": vi.get("error"),
    }


def _payloads(board: Dashboard, items: list[DashboardItem], month: Period, unit: OrgUnit, today: dt.date) -> Any:
    out = {}
    for language in ("vi", "en"):
        with override(language):
            out[language] = dashboard_data(SYSTEM, board, items=items, pe=month.id, ou=unit.uid, today=today)
    return out["vi"], out["en"]


def kpis_section(units: list[OrgUnit], end: dt.date, today: dt.date) -> dict[str, Any]:
    month = kpi_month(end)
    board, unit = overview_dashboard(), current_unit(units, today)
    out: dict[str, Any] = {"period": month.id, "dashboard": None, "unit": ref(unit), "items": [], "trend": None}
    if board is None or unit is None:
        return out
    out["dashboard"] = {"code": board.code, "name": names(board)}
    tiles = [i for i in dashboard_items(board) if i.kind == ItemKind.KPI]
    if not tiles:
        return out
    try:
        vi, en = _payloads(board, tiles, month, unit, today)
        out["items"] = [_kpi(a, b) for a, b in zip(vi["items"], en["items"], strict=True)]
        headline = _headline(out["items"])
        if headline is not None:
            trend = DashboardItem(
                dashboard=board,
                uid=TREND_UID,
                kind=ItemKind.CHART,
                config={"dx": [headline["dx"]], "by": "period", "chart": "line", "periods": TREND_PERIODS},
            )
            chart = _payloads(board, [trend], month, unit, today)[0]["items"][0]
            out["trend"] = {
                "kpi": headline["uid"],
                "periods": [c["id"] for c in chart.get("categories", [])],
                "values": (chart.get("series") or [{}])[0].get("values", []),
            }
    except IocError as exc:  # no unit to see, a stale item: the rest of the briefing still stands
        out["error"] = exc.message
    return out


# --- reports expected but missing or late ----------------------------------------------------------------


def _missing_at(report: Report, end: dt.date) -> bool:
    """Not received by the end of the briefing's period (received later counts as missing then)."""
    if not report.received:
        return True
    return report.submitted_at is not None and timezone.localdate(report.submitted_at) > end


def _late_within(report: Report, start: dt.date, end: dt.date) -> bool:
    if not report.received or report.on_time or report.submitted_at is None:
        return False
    return start <= timezone.localdate(report.submitted_at) <= end


def reports_section(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[str, Any]:
    """Reports due in the period (and how many came late or not at all), and the backlog: reports due
    before it, of periods ended within REPORTS_LOOKBACK_DAYS, still missing at its end."""
    data_sets = list(
        DataSet.objects.filter(org_units__isnull=False).distinct().select_related("agency").order_by("code")
    )
    window = DateRange(end - dt.timedelta(days=REPORTS_LOOKBACK_DAYS), end)
    found: dict[tuple[int, int, str], Report] = {}
    for root in units:
        for report in expected_reports(data_sets, window, root, today=end):
            found[(report.data_set.pk, report.unit.pk, report.period.id)] = report
    due = [r for r in found.values() if r.due <= end]
    missing = sorted((r for r in due if _missing_at(r, end)), key=lambda r: (-r.due.toordinal(), r.unit.path))
    late = [r for r in found.values() if _late_within(r, start, end)]
    by_set: dict[int, dict[str, Any]] = {}

    def row_of(ds: DataSet) -> dict[str, Any]:
        blank = {"due": 0, "missing": 0, "late": 0, "backlog": 0}
        return by_set.setdefault(ds.pk, {"data_set": ref(ds), "agency": ref(ds.agency), **blank})

    for report in due:
        if report.due >= start:
            row_of(report.data_set)["due"] += 1
    for report in missing:
        row_of(report.data_set)["missing" if report.due >= start else "backlog"] += 1
    for report in late:
        row_of(report.data_set)["late"] += 1
    return {
        "window_start": window.start.isoformat(),
        "due_count": sum(1 for r in due if r.due >= start),
        "missing_count": sum(1 for r in missing if r.due >= start),
        "late_count": len(late),
        "backlog_count": sum(1 for r in missing if r.due < start),
        "by_data_set": sorted(
            (r for r in by_set.values() if r["missing"] or r["late"] or r["backlog"]),
            key=lambda r: (-r["missing"] - r["backlog"], -r["late"], r["data_set"]["code"]),
        ),
        "missing": [
            {
                "data_set": ref(r.data_set),
                "agency": ref(r.data_set.agency),
                "unit": ref(r.unit),
                "period": r.period.id,
                "due": day(r.due),
                "days_late": (end - r.due).days,
                "state": r.state,
            }
            for r in missing[:MAX_ROWS]
        ],
    }


# --- data quality ----------------------------------------------------------------------------------------


def _aware(day_: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day_, dt.time.min))


def quality_section(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[str, Any]:
    where = scope_q(units, "org_unit__")
    raised = ValidationResult.objects.filter(
        where, first_seen__gte=_aware(start), first_seen__lt=_aware(end + dt.timedelta(days=1))
    ).select_related("rule", "org_unit")
    counts = dict(raised.order_by().values_list("importance").annotate(n=Count("id")))
    rows = sorted(raised, key=lambda r: (IMPORTANCE_ORDER.get(r.importance, 9), -r.start_date.toordinal(), r.pk))
    open_results = ValidationResult.objects.filter(where, resolved=False)
    return {
        "raised_count": sum(counts.values()),
        "by_importance": {level: counts.get(level, 0) for level in IMPORTANCE_ORDER},
        "still_open": raised.filter(resolved=False).count(),
        "open_total": open_results.count(),
        "follow_up_results": open_results.filter(follow_up=True).count(),
        "follow_up_values": DataValue.objects.filter(where, follow_up=True, deleted=False).count(),
        "raised": [
            {
                "rule": {"code": r.rule.code, "name": names(r.rule)},
                "unit": ref(r.org_unit),
                "period": r.period,
                "importance": r.importance,
                "left": r.left_value,
                "right": r.right_value,
                "operator": r.rule.operator,
                "first_seen": day(r.first_seen),
                "follow_up": r.follow_up,
                "resolved": r.resolved,
            }
            for r in rows[:MAX_ROWS]
        ],
    }

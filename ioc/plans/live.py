"""A target's history as dated points, and its forecast specification.

Live targets (source "analytics") read their indicator or data element from the analytics engine, one value
per `series_period`, for the target's unit (default: the plan's) mapped onto today's units, so a plan of the
old province Vĩnh Phúc (26) keeps its history after the 2025 merger into Phú Thọ (25). Manual targets are
their dated reports. The baseline is a point of its own when it is older than the first value.

Read by the background refresh (ioc.plans.refresh) as SYSTEM_READER, which sees every unit: a verdict must
not depend on who happened to trigger its computation.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.system import SYSTEM_READER
from ioc.analytics.engine import run
from ioc.analytics.items import resolve_dx
from ioc.analytics.query import Query
from ioc.analytics.replica import replica
from ioc.core.errors import InvalidInput
from ioc.core.periods import Period, periods_between
from ioc.metadata.models import DataElement, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import current_successors
from ioc.plans import forecast
from ioc.plans.models import Source, Target

# Without a baseline date, a live target's history starts this many years before the plan.
HISTORY_YEARS = 6


def _units_today(unit: OrgUnit, today: dt.date) -> list[OrgUnit]:
    """The unit itself while open; after it closed, the units its history went into (successions)."""
    if unit.closed is None or unit.closed >= today:
        return [unit]
    return [successor for successor, _share in current_successors(unit, today)] or [unit]


def _periods(target: Target, today: dt.date) -> list[Period]:
    """The ids of the target's periods from its baseline (or the plan's start − HISTORY_YEARS) that have ended
    by `today`: a running period's total is not yet its value (a monthly sum would look like a drop)."""
    first = target.baseline_date or target.plan.start.replace(year=target.plan.start.year - HISTORY_YEARS)
    return [p for p in periods_between(target.series_period, first, today) if p.end <= today]


def _analytics_points(target: Target, today: dt.date) -> list[forecast.Point]:
    if not target.dx:
        return []
    periods = _periods(target, today)
    if not periods:
        return []
    units = _units_today(target.org_unit or target.plan.org_unit, today)
    # The units are a filter: the engine aggregates over them (a value counts once even when the
    # successors of a split overlap), so averages stay averages.
    query = Query(
        dx=(target.dx,),
        pe=tuple(p.id for p in periods),
        ou=tuple(u.uid for u in units),
        filters=frozenset({"ou"}),
        structure="TODAY",
    )
    result = run(SYSTEM_READER, query, today=today)
    ends = {p.id: p.end for p in periods}
    at = result.columns.index("pe")
    points = [forecast.Point(date=ends[str(row[at])], value=float(row[-1])) for row in result.rows]
    return sorted(points, key=lambda p: p.date)


def _manual_points(target: Target) -> list[forecast.Point]:
    # .all(): a prefetch of "reports" (refresh_all) is used; the model orders reports by date.
    return [forecast.Point(date=r.date, value=float(r.value)) for r in target.reports.all()]


def series(target: Target, *, today: dt.date | None = None) -> list[forecast.Point]:
    """The target's dated values, oldest first, with the baseline first when it is older than them.

    Live targets: InvalidInput when the analytics engine does not know the target's dx any more."""
    today = today or timezone.localdate()
    if target.source == Source.ANALYTICS:
        points = _analytics_points(target, today)
    else:
        points = sorted((p for p in _manual_points(target) if p.date <= today), key=lambda p: p.date)
    baseline = target.baseline_date
    if target.baseline_value is not None and baseline is not None and (not points or baseline < points[0].date):
        points.insert(0, forecast.Point(date=baseline, value=float(target.baseline_value)))
    return points


def spec_of(target: Target) -> forecast.Spec:
    """What the forecast is asked: the target's value, deadline, direction, bounds, pace period, milestones."""
    milestones = tuple(sorted((m.date, float(m.value)) for m in target.milestones.all()))
    return forecast.Spec(
        target_value=float(target.target_value),
        deadline=target.deadline,
        direction=target.direction,
        lower_bound=target.lower_bound,
        upper_bound=target.upper_bound,
        period=target.series_period,
        unit=target.unit,
        milestones=milestones,
    )


def check_dx(dx: str) -> str | None:
    """Why `dx` is not a numeric analytics item (an element, ELEMENT.COC, an indicator, DATASET.METRIC), or None."""
    replica.sync()
    assert replica.dims is not None
    try:
        item = resolve_dx([dx], replica.dims)[0]
    except InvalidInput as exc:
        return exc.message
    if item.element is not None and DataElement.objects.filter(pk=item.element.id, value_type=ValueType.TEXT).exists():
        return _("%(code)s holds text, not numbers: a target needs a number.") % {"code": dx}
    return None

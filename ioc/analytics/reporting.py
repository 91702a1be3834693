"""Data-set reporting metrics (DATASET.REPORTING_RATE …) for the engine, from the workflow's completeness."""

from __future__ import annotations

import datetime as dt

from ioc.analytics.dims import Unit
from ioc.analytics.items import DxItem
from ioc.core.periods import PERIOD_TYPES, Period
from ioc.orgunits.models import OrgUnit
from ioc.workflow.completeness import reporting_counts


def reporting_values(
    item: DxItem, periods: list[Period], units: list[Unit], split: dict[str, bool], today: dt.date
) -> dict[tuple[int, int], float]:
    """{(period index, unit index): value}; filters add the counts of their items before the rate."""
    assert item.data_set is not None
    models = OrgUnit.objects.in_bulk([u.id for u in units])
    counts: dict[tuple[int, int], list[int]] = {}
    for pi, period in enumerate(periods):
        if not _at_least(period, item.data_set.period_type):
            continue
        for oi, unit in enumerate(units):
            c = reporting_counts(item.data_set, models[unit.id], period, today=today)
            key = (pi if split["pe"] else 0, oi if split["ou"] else 0)
            total = counts.setdefault(key, [0, 0, 0])
            total[0] += c.expected
            total[1] += c.received
            total[2] += c.on_time
    out: dict[tuple[int, int], float] = {}
    for key, (expected, received, on_time) in counts.items():
        value = _metric(item.metric, expected, received, on_time)
        if value is not None:
            out[key] = value
    return out


def _at_least(period: Period, period_type: str) -> bool:
    """A period of the data set's type or longer (a year counts its months; a month cannot count a year)."""
    return PERIOD_TYPES.index(period.period_type) >= PERIOD_TYPES.index(period_type)


def _metric(metric: str, expected: int, received: int, on_time: int) -> float | None:
    if metric == "EXPECTED_REPORTS":
        return float(expected)
    if metric == "ACTUAL_REPORTS":
        return float(received)
    if metric == "ACTUAL_REPORTS_ON_TIME":
        return float(on_time)
    if not expected:
        return None
    return (received if metric == "REPORTING_RATE" else on_time) / expected * 100.0

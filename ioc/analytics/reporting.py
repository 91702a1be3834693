"""Data-set reporting metrics (DATASET.REPORTING_RATE …) for the engine, from the workflow's completeness.

One read of every expected report of the data set under the asked units for all asked periods
(workflow.completeness.expected_reports), then counted per (period, unit) in memory — not a read per cell.
"""

from __future__ import annotations

import datetime as dt

from ioc.analytics.dims import Unit
from ioc.analytics.items import DxItem
from ioc.core.periods import PERIOD_TYPES, Period
from ioc.workflow.completeness import expected_reports


def reporting_values(
    item: DxItem, periods: list[Period], units: list[Unit], split: dict[str, bool], today: dt.date
) -> dict[tuple[int, int], float]:
    """{(period index, unit index): value}; filters add the counts of their items before the rate."""
    data_set = item.data_set
    assert data_set is not None
    asked = [(pi, p) for pi, p in enumerate(periods) if _at_least(p, data_set.period_type)]
    if not asked or not units:
        return {}
    reports = expected_reports([data_set], [p for _pi, p in asked], today=today)
    counts: dict[tuple[int, int], list[int]] = {}
    for report in reports:
        path = report.unit.ancestor_ids()
        for pi, period in asked:
            if not period.contains(report.period):
                continue
            for oi, unit in enumerate(units):
                if unit.id in path:
                    key = (pi if split["pe"] else 0, oi if split["ou"] else 0)
                    total = counts.setdefault(key, [0, 0, 0])
                    total[0] += 1
                    total[1] += report.received
                    total[2] += report.on_time
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

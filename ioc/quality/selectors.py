"""Reads for the quality checks: monthly numeric series, scoped to what the user may see.

One query (`values_list`, streamed) for all the series of a selection, grouped here in Python; the labels of
the units, elements and option combos involved in one query each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ioc.accounts.scopes import visible_q
from ioc.datavalues.models import DataValue
from ioc.metadata.models import CategoryOptionCombo, DataElement, PeriodType, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q

NUMERIC_TYPES = (ValueType.INTEGER, ValueType.NUMBER, ValueType.PERCENTAGE)

SeriesKey = tuple[int, int, int]  # (data element id, org unit id, category option combo id)


class _Console:
    """The command line run without --user: the operator of the server sees every unit."""

    def __repr__(self) -> str:
        return "CONSOLE"


CONSOLE = _Console()


def monthly_series(
    user: Any,
    *,
    data_elements: Sequence[DataElement] | None = None,
    root: OrgUnit | None = None,
    level: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[SeriesKey, dict[str, float]]:
    """{(element id, unit id, option combo id): {"YYYYMM": value}} of the monthly numeric values the user may
    see (CONSOLE: all), not deleted, optionally of some elements, a unit subtree (`root` and below), a unit
    level, and months starting on or after `start` and ending on or before `end`."""
    scope = Q() if user is CONSOLE else visible_q(user, "org_unit__")
    qs = DataValue.objects.filter(
        scope,
        deleted=False,
        period_type=PeriodType.MONTHLY,
        value_num__isnull=False,
        data_element__value_type__in=NUMERIC_TYPES,
    )
    if data_elements is not None:
        qs = qs.filter(data_element__in=list(data_elements))
    if root is not None:
        qs = qs.filter(subtree_q(root, "org_unit__"))
    if level is not None:
        qs = qs.filter(org_unit__level=level)
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    rows = qs.order_by().values_list(
        "data_element_id", "org_unit_id", "category_option_combo_id", "period", "value_num"
    )
    series: dict[SeriesKey, dict[str, float]] = defaultdict(dict)
    for element_id, unit_id, coc_id, period, value in rows.iterator(chunk_size=20_000):
        if value is not None:  # excluded by the query; for the type checker
            series[(element_id, unit_id, coc_id)][period] = value
    return dict(series)


@dataclass(frozen=True)
class Labels:
    """Names to show for the series' keys: units, elements and option combos by id."""

    units: dict[int, OrgUnit]
    elements: dict[int, DataElement]
    combos: dict[int, CategoryOptionCombo]

    def describe(self, key: SeriesKey) -> str:
        element_id, unit_id, coc_id = key
        element, unit, combo = self.elements.get(element_id), self.units.get(unit_id), self.combos.get(coc_id)
        text = f"{element.code if element else element_id}"
        if combo is not None and combo.code != "default":
            text += f" [{combo.name or combo.code}]"
        return text + (f" @ {unit.name} ({unit.code})" if unit else f" @ {unit_id}")


def labels_for(keys: Iterable[SeriesKey]) -> Labels:
    """The units, elements and option combos of these series, three queries in all."""
    keys = list(keys)
    return Labels(
        units=OrgUnit.objects.in_bulk({k[1] for k in keys}),
        elements=DataElement.objects.in_bulk({k[0] for k in keys}),
        combos=CategoryOptionCombo.objects.in_bulk({k[2] for k in keys}),
    )

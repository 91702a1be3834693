"""Monthly values written straight into the table (the checks only read them), on the root `tree`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from ioc.datavalues.models import DataValue
from ioc.metadata.models import CategoryCombo, CategoryOptionCombo, DataElement
from ioc.orgunits.models import OrgUnit


@dataclass
class Elements:
    coc: CategoryOptionCombo
    visitors: DataElement  # INTEGER
    note: DataElement  # TEXT: never a series


@pytest.fixture
def elements(db: None) -> Elements:
    combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    coc, _ = CategoryOptionCombo.objects.get_or_create(code="default", defaults={"combo": combo, "name_vi": "default"})
    visitors = DataElement.objects.create(
        code="TOU_VISITORS", name_vi="Lượt khách", value_type="INTEGER", category_combo=combo
    )
    note = DataElement.objects.create(code="NOTE", name_vi="Ghi chú", value_type="TEXT", category_combo=combo)
    return Elements(coc, visitors, note)


def season(i: int, unit_offset: int = 0) -> float:
    """Five years from January 2020: a summer peak four times the rest, a small wobble."""
    return float((800 if i % 12 in (6, 7) else 200) + unit_offset + (i * 7 % 5))


@pytest.fixture
def write_series(elements: Elements) -> Callable[..., None]:
    def write(unit: OrgUnit, values: list[float], element: DataElement | None = None, **extra: object) -> None:
        now = timezone.now()
        rows = []
        for i, value in enumerate(values):
            year, month = 2020 + i // 12, i % 12 + 1
            start = dt.date(year, month, 1)
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            rows.append(
                DataValue(
                    data_element=element or elements.visitors,
                    org_unit=unit,
                    period=f"{year}{month:02d}",
                    period_type="Monthly",
                    start_date=start,
                    end_date=end,
                    category_option_combo=elements.coc,
                    value_num=value,
                    created=now,
                    last_updated=now,
                    **extra,
                )
            )
        DataValue.objects.bulk_create(rows)

    return write


@pytest.fixture
def seasonal_data(tree: dict[str, OrgUnit], write_series: Callable[..., None]) -> dict[str, OrgUnit]:
    """Four communes, five seasonal years each; c1 (district 243) has a tenfold July 2023, c3 (district 244)
    a tenfold March 2022."""
    for n, code in enumerate(("c1", "c2", "c3", "c4")):
        values = [season(i, n * 10) for i in range(60)]
        if code == "c1":
            values[42] *= 10  # 2023-07
        if code == "c3":
            values[26] *= 10  # 2022-03
        write_series(tree[code], values)
    return tree

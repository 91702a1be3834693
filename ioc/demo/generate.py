"""Synthetic values for the Vĩnh Phúc demo: realistic in size and shape, made up in every figure.

What is generated (docs/demo.md says more):

* Monthly values from January 2019 to last month, per commune: the 121 communes of Vĩnh Phúc until June
  2025, then the 36 communes of Phú Thọ that succeeded them. A new commune continues its predecessors: its
  expected level is the sum of theirs (rates are weighted by population), so the series do not jump on
  1 July 2025 — except where the reform itself changes things (communes take over district procedures).
* Yearly values: schools meeting the national standard per commune (a year belongs to the units open on its
  last day), and the economy of the province for 2019–2024.
* Magnitudes of a province of 1.15–1.25 million people: communes of 4,000–25,000 people; trends (online
  public services, fibre, electronic ID and cashless payments rising towards saturation on logistic
  curves), seasons (dengue peaking in the rainy season, Tam Đảo's summer, the spring-festival season at Tây
  Thiên, Tết), the COVID-19 years, noise.
* Flaws on purpose, recorded in demo.PlantedAnomaly: about 1.5% of (data set, unit, month) reports missing
  and about 0.1% of values spoiled (an extra zero, a dropped digit, a percentage typed a tenth).

Everything is deterministic for a seed: each (copy, data set, unit) draws from its own random stream,
seeded by text (Python hashes text seeds with SHA-512, independent of PYTHONHASHSEED).

Scale: copy k ≥ 2 is the same province reported again under cloned elements (`HLT_OPD_VISITS_X2` …, in
data sets `DS_HEALTH_MONTHLY_X2` …) with its own random streams — the shape of a province that collects
about 50·N data elements, which is what a real province does (hundreds of elements), on real units.

The parts: ioc/demo/months.py (the calendar), ioc/demo/places.py (the units and their profiles),
ioc/demo/series.py (the values of each data set, drawn with ioc/demo/noise.py), ioc/demo/anomalies.py (the
flaws); here, the stream of rows over copies × data sets × units × periods.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from ioc.datavalues.bulk import BulkValue
from ioc.demo.anomalies import MISSING_RATE, OUTLIER_RATE, Anomaly, as_record, spoil
from ioc.demo.metadata import clone_code, element_codes
from ioc.demo.months import START, last_complete_month, month_id, month_index
from ioc.demo.places import TOURISM, Place, Province, Reporter, load_province
from ioc.demo.series import (
    ECONOMY,
    MONTHLY,
    PROCEDURE_FIELDS,
    Cell,
    digital,
    economy,
    education,
    education_yearly,
    health,
    public_services,
    tourism,
    transport,
)
from ioc.metadata.models import CategoryOptionCombo, DataElement

# The row stream, and the names that were imported from this module before it was split: they stay importable.
__all__ = [
    "COMMUNE_MONTHLY_SETS",
    "COMMUNE_YEARLY_SETS",
    "DATA_SETS",
    "PROCEDURE_FIELDS",
    "PROVINCE_YEARLY_SETS",
    "TOURISM",
    "Anomaly",
    "BulkValue",
    "Catalog",
    "Place",
    "Plan",
    "Province",
    "Reporter",
    "as_record",
    "clone_code",
    "digital",
    "education",
    "generate",
    "health",
    "last_complete_month",
    "load_province",
    "month_id",
    "month_index",
    "public_services",
    "tourism",
    "transport",
]

COMMUNE_MONTHLY_SETS = (
    "DS_HEALTH_MONTHLY",
    "DS_EDUCATION_MONTHLY",
    "DS_TRANSPORT_MONTHLY",
    "DS_TOURISM_MONTHLY",
    "DS_PUBLIC_SERVICES_MONTHLY",
    "DS_DIGITAL_MONTHLY",
)
COMMUNE_YEARLY_SETS = ("DS_EDUCATION_YEARLY",)
PROVINCE_YEARLY_SETS = ("DS_ECONOMY_YEARLY", "DS_INVESTMENT_YEARLY")
DATA_SETS = COMMUNE_MONTHLY_SETS + COMMUNE_YEARLY_SETS + PROVINCE_YEARLY_SETS

# Values per (unit, period) of each data set, roughly: for the progress bar's total only.
_CELLS = {
    "DS_HEALTH_MONTHLY": 35,
    "DS_EDUCATION_MONTHLY": 20,
    "DS_TRANSPORT_MONTHLY": 5,
    "DS_TOURISM_MONTHLY": 5,
    "DS_PUBLIC_SERVICES_MONTHLY": 33,
    "DS_DIGITAL_MONTHLY": 10,
    "DS_EDUCATION_YEARLY": 3,
    "DS_ECONOMY_YEARLY": 4,
    "DS_INVESTMENT_YEARLY": 3,
}


class Catalog:
    """Element and option-combo ids by code, for the copies being generated."""

    def __init__(self, copies: list[int]) -> None:
        codes = element_codes(copies)
        self.elements: dict[str, tuple[int, str]] = {
            code: (pk, value_type)
            for pk, code, value_type in DataElement.objects.filter(code__in=codes).values_list(
                "pk", "code", "value_type"
            )
        }
        missing = sorted(set(codes) - set(self.elements))
        if missing:
            raise LookupError(f"demo data elements are missing: {', '.join(missing[:5])}… load the demo metadata first")
        self.cocs: dict[str, int] = dict(CategoryOptionCombo.objects.values_list("code", "pk"))

    def element(self, code: str, copy: int) -> tuple[int, str]:
        return self.elements[clone_code(code, copy)]


@dataclass
class Plan:
    seed: int = 2025
    copies: list[int] = field(default_factory=lambda: [1])
    first: int = 0  # month index
    last: int = 0  # month index, inclusive
    districts: set[str] | None = None
    missing_rate: float = MISSING_RATE
    outlier_rate: float = OUTLIER_RATE

    def estimate(self, province: Province) -> int:
        """About how many values: for the progress bar."""
        total = 0
        for rep in province.reporters:
            months = max(0, min(rep.last, self.last) - max(rep.first, self.first) + 1)
            total += months * sum(_CELLS[ds] for ds in COMMUNE_MONTHLY_SETS)
            total += months // 12 * _CELLS["DS_EDUCATION_YEARLY"]
        total += 6 * (_CELLS["DS_ECONOMY_YEARLY"] + _CELLS["DS_INVESTMENT_YEARLY"])
        return total * len(self.copies)


def generate(plan: Plan, province: Province, catalog: Catalog, anomalies: list[Anomaly]) -> Iterator[BulkValue]:
    """The rows of every copy in the plan, in (copy, data set, unit, period) order; anomalies are appended to
    `anomalies` as they are planted."""
    for copy in plan.copies:
        for ds in COMMUNE_MONTHLY_SETS:
            function = MONTHLY[ds]
            for rep in province.reporters:
                rng = random.Random(f"{plan.seed}|{copy}|{ds}|{rep.code}|{rep.opened}")
                for m in range(max(rep.first, plan.first), min(rep.last, plan.last) + 1):
                    period = month_id(m)
                    if rng.random() < plan.missing_rate:
                        anomalies.append(Anomaly("missing_report", copy, ds, rep.unit_id, period))
                        continue
                    cells = function(rep, m, rng, plan.seed)
                    yield from _rows(cells, rep.unit_id, period, copy, ds, rng, plan, catalog, anomalies)
        yield from _yearly(plan, province, catalog, anomalies, copy)


def _yearly(
    plan: Plan, province: Province, catalog: Catalog, anomalies: list[Anomaly], copy: int
) -> Iterator[BulkValue]:
    # A year is complete when its December is within the plan; it belongs to the units open on 31 December.
    years = [
        y
        for y in range(START.year, START.year + plan.last // 12 + 1)
        if plan.first <= month_index(dt.date(y, 12, 1)) <= plan.last
    ]
    ds = "DS_EDUCATION_YEARLY"
    for rep in province.reporters:
        rng = random.Random(f"{plan.seed}|{copy}|{ds}|{rep.code}|{rep.opened}")
        for year in years:
            december = month_index(dt.date(year, 12, 1))
            if not rep.first <= december <= rep.last:
                continue
            if rng.random() < plan.missing_rate:
                anomalies.append(Anomaly("missing_report", copy, ds, rep.unit_id, str(year)))
                continue
            yield from _rows(
                education_yearly(rep, year, rng, plan.seed),
                rep.unit_id,
                str(year),
                copy,
                ds,
                rng,
                plan,
                catalog,
                anomalies,
            )
    if plan.districts is not None:
        return  # a slice of the province has no province totals
    rng = random.Random(f"{plan.seed}|{copy}|economy|{province.code}")
    for year in years:
        if year not in ECONOMY:
            continue
        for ds_code, cells in economy(year, rng).items():
            yield from _rows(cells, province.unit_id, str(year), copy, ds_code, rng, plan, catalog, anomalies)


def _rows(
    cells: list[Cell],
    unit_id: int,
    period: str,
    copy: int,
    ds: str,
    rng: random.Random,
    plan: Plan,
    catalog: Catalog,
    anomalies: list[Anomaly],
) -> Iterator[BulkValue]:
    elements = catalog.elements
    cocs = catalog.cocs
    suffix = "" if copy == 1 else f"_X{copy}"
    for code, coc_code, value in cells:
        element_id, value_type = elements[code + suffix]
        coc_id = cocs[coc_code]
        if value and rng.random() < plan.outlier_rate:
            planted, kind = spoil(value, value_type, rng)
            if kind:
                anomalies.append(
                    Anomaly(kind, copy, ds, unit_id, period, element_id, coc_id, float(value), float(planted))
                )
                value = planted
        yield BulkValue(element_id, unit_id, period, coc_id, value)

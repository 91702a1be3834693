"""A slow, obvious analytics engine: the answers the real one must give, read with the ORM and Python loops.

It shares no code with ioc.analytics (its own period parsing, its own unit resolution, its own rollups); it
uses only the models, ``ioc.orgunits.selectors.current_successors`` (the reorganisation rule) and the
expression parser of ``ioc.metadata.expressions``. Written for clarity, never for speed.

The semantics (the spec the property tests hold the engine to):

- A stored value (element, unit, stored period, coc) counts in an asked period P when the stored period's
  middle day (start + (end − start) // 2 days) is within P and the stored period is not longer (in days)
  than P. Deleted values and text values (value_num NULL) never count.
- Per element: for each (unit, stored period), sum the values over the option combos (all of them for
  ``DE``; the one of ``DE.COC``; one at a time with the co split). Then, over the units of the asked unit's
  subtree and the stored periods within P: SUM → sum; AVERAGE → mean of those (unit, stored period) sums;
  MIN / MAX → their min / max; LAST (stock) → for each unit, the sum at its latest stored period within P,
  summed over the units.
- AS_IT_WAS: a value counts for U when its unit's path starts with U's path.
  TODAY: each value's unit is carried to today's units (``current_successors(unit, today)`` → [(unit,
  weight)]) and counts for U when one of them is in U's subtree (today's paths). SUM and LAST take the value
  × the weight of each of those units; a stock (LAST) takes the latest stored period per *today's* unit, so
  in a merge A + B → C a stock asked at C over a year is C's December value, not A's June + B's June + C's
  December. AVERAGE, MIN and MAX take the value unweighted and once, with its own (stored unit, stored
  period) sum as the cell: in that merge, A's and B's January rates are two cells (mean 65 of 60 and 70,
  not one cell of 130), and a value split into S1 and S2 counts once in a unit holding both.
- ``LEVEL-n`` (with the other units R of the dimension): every unit at level n in R's subtree, R included
  when it is at level n; ``CHILDREN``: R's children. AS_IT_WAS: any such unit; TODAY: only units open on
  today. The roots themselves are not items when a keyword is present. Rows only for cells with a value.
- Indicators: numerator and denominator evaluated on the element values of the same cell (``#{DE}``: the
  element's value over all its option combos, ``#{DE.COC}``: over that one), SKIP_IF_ALL_VALUES_MISSING: a
  side whose references are all missing is missing, otherwise missing references count as 0; a side with no
  references at all (a constant) is never missing. value = numerator / denominator × factor; a missing side
  or a zero denominator (or a division by zero inside a side) → no value.
- Filters: the dimension's items aggregated as one: pe → the stored periods counting in any of the periods
  (each once); ou → the units in any of the subtrees (each value once); dx → the items' values added (the
  property tests use it with one item, or with several elements of type SUM, where adding is the one
  sensible meaning).

Choices where the brief left room (reported to the lead):
- Under TODAY a stock's "unit" is today's unit (the brief says "each stored unit"; taken literally, a
  merged unit's last value and its successor's would be added up), while AVERAGE / MIN / MAX keep the
  stored unit's cell, unweighted, counted once (the brief: "carried unweighted").
- Each stored period is its own cell, also when another one has the same middle day (2024Q1 and 202402:
  15 February): AVERAGE, MIN, MAX and LAST never add a quarter's value to its middle month's.
- LAST's "latest stored period" orders stored periods by end date, then start date (so with a quarterly and
  a monthly value both ending on 31 December, the month is the later; 2024Q1 is later than 202402).
- The co split applies to element items only (indicators are not asked with co=True); ``DE.COC`` with the
  split is one row, under that option combo's code.
- ``CHILDREN`` / ``LEVEL-n`` use the units open on `today` under TODAY; explicitly named units are answered
  under either structure (a closed unit under TODAY has only what is still carried into its subtree). When
  no unit matches at all, the engine may refuse (InvalidInput) or answer no rows.
- Text values are not exercised (numeric elements only; a numeric value cannot be stored as text through
  the write paths); deleted ones are.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ioc.accounts.models import User
from ioc.analytics.query import Query
from ioc.audit.models import Via
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.datavalues.models import DataValue
from ioc.datavalues.services import do_delete_value
from ioc.metadata.expressions import Expression, parse
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
)
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import current_successors

Key = tuple[str, ...]


@dataclass(frozen=True)
class Span:
    """A period as the closed interval of its days."""

    id: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def middle(self) -> dt.date:
        return self.start + dt.timedelta(days=(self.end - self.start).days // 2)

    def holds(self, stored: Span) -> bool:
        return self.start <= stored.middle <= self.end and stored.days <= self.days


def span(period_id: str) -> Span:
    """Yearly, quarterly and monthly ids (the types the property tests store and ask)."""
    if m := re.fullmatch(r"(\d{4})", period_id):
        year = int(m[1])
        return Span(period_id, dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := re.fullmatch(r"(\d{4})Q([1-4])", period_id):
        year, first = int(m[1]), 3 * int(m[2]) - 2
        last = first + 2
        return Span(period_id, dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]))
    if m := re.fullmatch(r"(\d{4})(\d{2})", period_id):
        year, month = int(m[1]), int(m[2])
        return Span(period_id, dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
    raise ValueError(f"the reference knows only yearly, quarterly and monthly ids, not {period_id!r}")


@dataclass(frozen=True)
class Stored:
    element: str
    unit_id: int
    period: Span
    coc: str
    value: float


class Reference:
    """One structure on one day: every counted value already carried to its units."""

    def __init__(self, structure: str, today: dt.date) -> None:
        self.structure = structure
        self.today = today
        self.units: dict[int, OrgUnit] = {u.pk: u for u in OrgUnit.objects.all()}
        self.by_uid = {u.uid: u for u in self.units.values()}
        self.carry: dict[int, list[tuple[int, float]]] = {}
        for unit in self.units.values():
            if structure == "TODAY":
                self.carry[unit.pk] = [(u.pk, w) for u, w in current_successors(unit, today)]
            else:
                self.carry[unit.pk] = [(unit.pk, 1.0)]
        self.elements = {e.code: e for e in DataElement.objects.all()}
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.cocs_of: dict[str, list[str]] = {}
        for element in self.elements.values():
            self.cocs_of[element.code] = list(
                CategoryOptionCombo.objects.filter(combo_id=element.category_combo_id).values_list("code", flat=True)
            )
        self.values: dict[str, list[Stored]] = {}
        rows = DataValue.objects.filter(deleted=False, value_num__isnull=False).values_list(
            "data_element__code", "org_unit_id", "period", "category_option_combo__code", "value_num"
        )
        for element_code, unit_id, period_id, coc, value in rows:
            if value is None:  # excluded by the filter; for the type checker
                continue
            stored = Stored(element_code, unit_id, span(period_id), coc, float(value))
            self.values.setdefault(element_code, []).append(stored)

    # --- units ------------------------------------------------------------------------------------------

    def unit(self, ref: str) -> OrgUnit:
        if ref in self.by_uid:
            return self.by_uid[ref]
        matches = [u for u in self.units.values() if u.code == ref]
        if len(matches) != 1:
            raise ValueError(f"the reference resolves units by uid or by a code used once, not {ref!r}")
        return matches[0]

    def within(self, unit_id: int, roots: Iterable[OrgUnit]) -> bool:
        path = self.units[unit_id].path
        return any(path.startswith(root.path) for root in roots)

    def listed(self, unit: OrgUnit) -> bool:
        return self.structure == "AS_IT_WAS" or unit.is_open_on(self.today)

    def ou_items(self, refs: tuple[str, ...]) -> list[OrgUnit]:
        """The units of the dimension: the named ones, or the ones LEVEL-n / CHILDREN picks under them."""
        levels = [int(r.split("-", 1)[1]) for r in refs if r.startswith("LEVEL-")]
        children = "CHILDREN" in refs
        named = [self.unit(r) for r in refs if not r.startswith("LEVEL-") and r != "CHILDREN"]
        if not levels and not children:
            return list(dict.fromkeys(named))
        picked: list[OrgUnit] = []
        for unit in sorted(self.units.values(), key=lambda u: u.path):
            if not self.listed(unit):
                continue
            under = any(unit.path.startswith(r.path) for r in named)
            if (under and unit.level in levels) or (children and any(unit.parent_id == r.pk for r in named)):
                picked.append(unit)
        return picked

    # --- elements ---------------------------------------------------------------------------------------

    def element_value(
        self, code: str, cocs: set[str] | None, periods: list[Span], roots: list[OrgUnit]
    ) -> float | None:
        """The element's value over these periods and these units' subtrees; cocs None: every option combo."""
        aggregation = self.elements[code].aggregation_type
        # (unit, stored period) → the sum of its option combos: today's units for SUM and LAST, the stored
        # unit for AVERAGE, MIN and MAX (see the module's docstring)
        cells: dict[tuple[int, Span], float] = {}
        for v in self.values.get(code, []):
            if cocs is not None and v.coc not in cocs:
                continue
            if not any(p.holds(v.period) for p in periods):
                continue
            inside = [(unit_id, weight) for unit_id, weight in self.carry[v.unit_id] if self.within(unit_id, roots)]
            if not inside:
                continue
            if aggregation in ("SUM", "LAST"):
                for unit_id, weight in inside:
                    cells[(unit_id, v.period)] = cells.get((unit_id, v.period), 0.0) + v.value * weight
            else:
                cells[(v.unit_id, v.period)] = cells.get((v.unit_id, v.period), 0.0) + v.value
        if not cells:
            return None
        sums = list(cells.values())
        if aggregation == "SUM":
            return math.fsum(sums)
        if aggregation == "AVERAGE":
            return math.fsum(sums) / len(sums)
        if aggregation == "MIN":
            return min(sums)
        if aggregation == "MAX":
            return max(sums)
        if aggregation == "LAST":
            latest: dict[int, tuple[dt.date, dt.date, float]] = {}
            for (unit_id, period), total in cells.items():
                seen = latest.get(unit_id)
                if seen is None or (period.end, period.start) > (seen[0], seen[1]):
                    latest[unit_id] = (period.end, period.start, total)
            return math.fsum(t for _e, _s, t in latest.values())
        raise ValueError(f"unknown aggregation type {aggregation!r}")

    # --- indicators -------------------------------------------------------------------------------------

    def side(self, expression: Expression, periods: list[Span], roots: list[OrgUnit]) -> float | None:
        refs = expression.references
        values = {
            r: self.element_value(r.element_code, None if r.coc_code is None else {r.coc_code}, periods, roots)
            for r in refs
        }
        if refs and all(v is None for v in values.values()):
            return None
        return expression.evaluate(values, missing="zero")

    def indicator_value(self, code: str, periods: list[Span], roots: list[OrgUnit]) -> float | None:
        indicator = self.indicators[code]
        numerator = self.side(parse(indicator.numerator), periods, roots)
        denominator = self.side(parse(indicator.denominator), periods, roots)
        if numerator is None or denominator is None or denominator == 0:
            return None
        return numerator / denominator * indicator.factor

    # --- one dx item ------------------------------------------------------------------------------------

    def item_value(self, item: str, coc: str | None, periods: list[Span], roots: list[OrgUnit]) -> float | None:
        """`coc`: the co split's option combo (elements only)."""
        if item in self.indicators:
            if coc is not None:
                raise ValueError("the reference does not split indicators by option combo")
            return self.indicator_value(item, periods, roots)
        code, _dot, own_coc = item.partition(".")
        wanted = {c for c in (own_coc or None, coc) if c}
        if own_coc and coc and own_coc != coc:
            return None
        return self.element_value(code, wanted or None, periods, roots)

    def item_cocs(self, item: str) -> list[str]:
        code, _dot, own_coc = item.partition(".")
        return [own_coc] if own_coc else self.cocs_of[code]


def answer(query: Query, today: dt.date, ref: Reference | None = None) -> tuple[list[str], dict[Key, float]]:
    """The columns and {row key: value} the engine must return for `query` on `today` (`ref`: a Reference
    of the query's structure on `today`, to reuse between questions on the same data)."""
    if ref is None:
        ref = Reference(query.structure, today)
    if (ref.structure, ref.today) != (query.structure, today):
        raise ValueError("the reference was built for another structure or day")
    columns = [d for d in ("dx", "pe", "ou") if d not in query.filters] + (["co"] if query.co else [])
    pe_groups: list[tuple[str | None, list[Span]]]
    periods = [span(p) for p in query.pe]
    pe_groups = [(None, periods)] if "pe" in query.filters else [(p.id, [p]) for p in periods]
    units = ref.ou_items(query.ou)
    ou_groups: list[tuple[str | None, list[OrgUnit]]]
    ou_groups = [(None, units)] if "ou" in query.filters else [(u.uid, [u]) for u in units]
    dx_groups: list[tuple[str | None, list[str]]]
    dx_groups = [(None, list(query.dx))] if "dx" in query.filters else [(d, [d]) for d in query.dx]
    rows: dict[Key, float] = {}
    for dx_id, items in dx_groups:
        cocs: list[str | None] = [None]
        if query.co:
            cocs = list(dict.fromkeys(c for item in items for c in ref.item_cocs(item)))
        for pe_id, pe_spans in pe_groups:
            for ou_id, roots in ou_groups:
                for coc in cocs:
                    parts = [ref.item_value(item, coc, pe_spans, roots) for item in items]
                    present = [p for p in parts if p is not None]
                    if not present:
                        continue
                    key = tuple(k for k in (dx_id, pe_id, ou_id, coc) if k is not None)
                    rows[key] = math.fsum(present)
    return columns, rows


# --- writing the data the reference reads (through the project's write paths, so the engine sees it) ---


def superuser() -> User:
    user, _created = User.objects.get_or_create(
        username="analytics-reference", defaults={"is_superuser": True, "is_staff": True}
    )
    return user


def option_combos(code: str, size: int) -> list[CategoryOptionCombo]:
    """`size` option combos of a new one-category combo; size 1: the default combo's one."""
    if size == 1:
        return [CategoryOptionCombo.objects.get(code="default", combo__code="default")]
    combo = CategoryCombo.objects.create(code=code, name_vi=code)
    category = Category.objects.create(code=f"{code}_CAT", name_vi=code)
    combo.categories.add(category)
    cocs = []
    for i in range(size):
        option = CategoryOption.objects.create(category=category, code=f"{code}_O{i}", name_vi=f"{code} {i}")
        coc = CategoryOptionCombo.objects.create(combo=combo, code=f"{code}_{i}", name_vi=f"{code} {i}", sort_order=i)
        coc.options.add(option)
        cocs.append(coc)
    return cocs


def make_element(
    code: str, aggregation: str, cocs: list[CategoryOptionCombo], period_types: Iterable[str]
) -> DataElement:
    """A numeric element in one data set per period type (the loader accepts only those types)."""
    element = DataElement.objects.create(
        code=code, name_vi=code, value_type="NUMBER", aggregation_type=aggregation, category_combo_id=cocs[0].combo_id
    )
    for period_type in period_types:
        data_set, _created = DataSet.objects.get_or_create(
            code=f"DS_{period_type}", defaults={"name_vi": period_type, "period_type": period_type}
        )
        DataSetElement.objects.create(data_set=data_set, data_element=element)
    return element


def load(user: User, rows: Iterable[tuple[DataElement, OrgUnit, str, CategoryOptionCombo, float]]) -> None:
    do_bulk_load(
        user,
        [BulkValue(e.pk, u.pk, period, coc.pk, value) for e, u, period, coc, value in rows],
        source="analytics reference tests",
    )


def delete(user: User, element: DataElement, unit: OrgUnit, period: str, coc: CategoryOptionCombo) -> None:
    do_delete_value(user, data_element=element, org_unit=unit, period=period, category_option_combo=coc, via=Via.SYSTEM)

"""The engine against the slow, obvious reference (reference.py), over random worlds and random questions.

A world: a tree of 2 or 3 levels; some of the deepest units closed at a month's end, merged (weight 1) or
split (weights summing to 1) into new units opened the next day; elements of every aggregation type with
1–3 option combos, monthly values (some quarterly or yearly too), some missing, a few deleted; indicators
over them with zero denominators and missing operands. Then random questions: elements, ELEMENT.COC and
indicators; months, quarters and years; a unit, LEVEL-n or CHILDREN; filters; the co split; both
structures, with "today" before or after the reorganisation. Every answer must equal the reference's.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioc.analytics.query import Query
from ioc.analytics.tests.reference import (
    Reference,
    answer,
    delete,
    load,
    make_element,
    option_combos,
    span,
    superuser,
)
from ioc.core.errors import InvalidInput
from ioc.metadata.models import CategoryOptionCombo, DataElement, Indicator
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.testing import make_unit

pytestmark = pytest.mark.django_db

MONTHS = [f"{y}{m:02d}" for y in (2024, 2025) for m in range(1, 13)]
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)]
YEARS = ["2024", "2025"]
ASKED_PERIODS = ["202312", *MONTHS, "202601", *QUARTERS, "2023", *YEARS]
AGGREGATIONS = ["SUM", "AVERAGE", "LAST", "MIN", "MAX"]
SPLITS = [(0.5, 0.5), (0.25, 0.75), (0.25, 0.25, 0.5)]
NUMERATORS = ["#{A}", "#{A.c0}", "#{A} + #{B}", "#{A} * 2 - #{B.c0}", "3"]
DENOMINATORS = ["1", "#{B}", "#{A}", "#{B} - #{B}", "#{C}", "#{A.c0} + #{C}"]


@dataclass(frozen=True)
class ElementSpec:
    aggregation: str
    cocs: int
    extra_type: str | None  # Quarterly or Yearly values beside the monthly ones
    density: float


@dataclass(frozen=True)
class WorldSpec:
    leaves: tuple[int, ...]  # depth 3: communes under each district; depth 2: () — leaves under the root
    flat_leaves: int
    fates: tuple[int, ...]  # per deepest unit: 0 stays, 1 merges (group A), 2 merges (group B), 3 splits
    split_kind: tuple[int, ...]
    reorg_month: int  # index in MONTHS of the last month of the closed units
    elements: tuple[ElementSpec, ...]
    indicators: tuple[tuple[str, str, float], ...]
    seed: int
    deletions: int
    upper_values: bool  # districts and the root store values too
    resplit: bool  # the first merge's successor is itself split in half six months later (chained successions)


element_specs = st.builds(
    ElementSpec,
    st.sampled_from(AGGREGATIONS),
    st.integers(1, 3),
    st.sampled_from([None, None, "Quarterly", "Yearly"]),
    st.sampled_from([0.0, 0.2, 0.5, 0.8]),
)
world_specs = st.builds(
    WorldSpec,
    leaves=st.one_of(st.just(()), st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple)),
    flat_leaves=st.integers(1, 4),
    fates=st.lists(st.sampled_from([0, 0, 1, 2, 3]), min_size=9, max_size=9).map(tuple),
    split_kind=st.lists(st.integers(0, len(SPLITS) - 1), min_size=9, max_size=9).map(tuple),
    reorg_month=st.integers(2, 20),
    elements=st.lists(element_specs, min_size=1, max_size=3).map(tuple),
    indicators=st.lists(
        st.tuples(st.sampled_from(NUMERATORS), st.sampled_from(DENOMINATORS), st.sampled_from([1.0, 100.0])),
        max_size=2,
    ).map(tuple),
    seed=st.integers(0, 2**32 - 1),
    deletions=st.integers(0, 2),
    upper_values=st.booleans(),
    resplit=st.booleans(),
)


@dataclass
class World:
    units: list[OrgUnit]
    root: OrgUnit
    elements: dict[str, DataElement]
    cocs: dict[str, list[CategoryOptionCombo]]
    indicators: list[str]
    closed: dt.date
    depth: int


def month_end(index: int) -> dt.date:
    year, month = int(MONTHS[index][:4]), int(MONTHS[index][4:])
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def build(spec: WorldSpec) -> World:
    closed = month_end(spec.reorg_month)
    opened = closed + dt.timedelta(days=1)
    root = make_unit("R", "R")
    parents = [make_unit(f"D{i}", f"D{i}", root) for i in range(len(spec.leaves))] or [root]
    counts = spec.leaves or (spec.flat_leaves,)
    deepest = [make_unit(f"{p.code}C{j}", "c", p) for p, n in zip(parents, counts, strict=True) for j in range(n)]
    units = [root, *parents[: len(spec.leaves)], *deepest]
    successors: dict[str, OrgUnit] = {}
    links: list[tuple[OrgUnit, OrgUnit, str, float]] = []
    for i, unit in enumerate(deepest[:9]):
        fate = spec.fates[i]
        if fate == 0:
            continue
        unit.closed = closed
        unit.save()
        parent = parents[(i + fate) % len(parents)]  # successors may land under another parent
        if fate in (1, 2):
            if f"M{fate}" not in successors:
                successors[f"M{fate}"] = make_unit(f"M{fate}", "m", parent, opened=opened)
            links.append((unit, successors[f"M{fate}"], "merge", 1.0))
        else:
            for k, weight in enumerate(SPLITS[spec.split_kind[i]]):
                links.append((unit, make_unit(f"{unit.code}S{k}", "s", parent, opened=opened), "split", weight))
    if spec.resplit and "M1" in successors and spec.reorg_month + 6 < len(MONTHS):
        again, merged = month_end(spec.reorg_month + 6), successors["M1"]
        merged.closed = again
        merged.save()
        for k in range(2):
            half = make_unit(f"M1S{k}", "s", merged.parent, opened=again + dt.timedelta(days=1))
            links.append((merged, half, "split", 0.5))
    for pred, succ, kind, weight in links:
        date = (pred.closed or closed) + dt.timedelta(days=1)
        Succession.objects.create(predecessor=pred, successor=succ, kind=kind, date=date, weight=weight)
    units = list(OrgUnit.objects.filter(pk__in=[u.pk for u in units] + [s.pk for _p, s, _k, _w in links]))
    elements: dict[str, DataElement] = {}
    cocs: dict[str, list[CategoryOptionCombo]] = {}
    for code, e in zip("ABC", spec.elements, strict=False):
        cocs[code] = option_combos(f"K{code}", e.cocs)
        types = ["Monthly"] + ([e.extra_type] if e.extra_type else [])
        elements[code] = make_element(code, e.aggregation, cocs[code], types)
    fill(spec, units, elements, cocs)
    indicators = []
    for i, (numerator, denominator, factor) in enumerate(spec.indicators):
        # references to elements this world lacks become another element's (or a constant)
        for missing in "ABC"[len(elements) :]:
            numerator, denominator = numerator.replace(missing, "A"), denominator.replace(missing, "A")
        numerator, denominator = (rename_cocs(x, cocs) for x in (numerator, denominator))
        Indicator.objects.create(code=f"I{i}", name_vi="i", numerator=numerator, denominator=denominator, factor=factor)
        indicators.append(f"I{i}")
    return World(units, root, elements, cocs, indicators, closed, max(u.level for u in units))


def rename_cocs(expression: str, cocs: dict[str, list[CategoryOptionCombo]]) -> str:
    for code, combos in cocs.items():
        expression = expression.replace(f"#{{{code}.c0}}", f"#{{{code}.{combos[0].code}}}")
    return expression


def fill(
    spec: WorldSpec,
    units: list[OrgUnit],
    elements: dict[str, DataElement],
    cocs: dict[str, list[CategoryOptionCombo]],
) -> None:
    """Random values (from the seed, so that hypothesis shrinks the world, not a thousand draws)."""
    rng = random.Random(spec.seed)
    user = superuser()
    deepest_level = max(u.level for u in units)
    reporting = [u for u in units if spec.upper_values or u.level == deepest_level]
    rows = []
    for (code, element), e in zip(elements.items(), spec.elements, strict=False):
        periods = MONTHS + {"Quarterly": QUARTERS, "Yearly": YEARS, None: []}[e.extra_type]
        for unit in reporting:
            for period in periods:
                if not unit_open_in(unit, period):
                    continue
                for coc in cocs[code]:
                    if rng.random() < e.density:
                        rows.append((element, unit, period, coc, float(rng.choice([0, 1, 2, 3, 5, 8, 13, 40]))))
    load(user, rows)
    for row in rng.sample(rows, min(spec.deletions, len(rows))):
        delete(user, row[0], row[1], row[2], row[3])


def unit_open_in(unit: OrgUnit, period: str) -> bool:
    s = span(period)
    return (unit.opened is None or unit.opened <= s.end) and (unit.closed is None or s.start <= unit.closed)


def queries(world: World) -> st.SearchStrategy[Query]:
    element_items = sorted(world.elements) + [f"{c}.{k.code}" for c, ks in world.cocs.items() for k in ks]

    @st.composite
    def one(draw: Any) -> Query:
        with_indicators = bool(world.indicators) and draw(st.booleans())
        pool = element_items + (world.indicators if with_indicators else [])
        dx = tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True)))
        pe = tuple(draw(st.lists(st.sampled_from(ASKED_PERIODS), min_size=1, max_size=3, unique=True)))
        kind = draw(st.sampled_from(["units", "level", "children"]))
        if kind == "units":
            named = draw(st.lists(st.sampled_from(world.units), min_size=1, max_size=2, unique=True))
            ou = tuple(draw(st.sampled_from([u.uid, u.code])) for u in named)  # codes are unique here
        elif kind == "level":
            ou = (world.root.uid, f"LEVEL-{draw(st.integers(1, world.depth))}")
        else:
            parent = draw(st.sampled_from([u for u in world.units if any(c.parent_id == u.pk for c in world.units)]))
            ou = (parent.uid, "CHILDREN")
        filters = set(draw(st.sets(st.sampled_from(["pe", "ou", "dx"]), max_size=2)))
        sums = all(d in world.elements and world.elements[d].aggregation_type == "SUM" for d in dx)
        if "dx" in filters and len(dx) > 1 and not sums:
            filters.discard("dx")
        co = "dx" not in filters and not any(d in world.indicators for d in dx) and draw(st.integers(0, 3)) == 0
        structure = draw(st.sampled_from(["AS_IT_WAS", "TODAY"]))
        return Query(dx=dx, pe=pe, ou=ou, filters=frozenset(filters), co=co, structure=structure)

    return one()


def compare(world: World, query: Query, today: dt.date, refs: dict[str, Reference]) -> None:
    from ioc.analytics.engine import run

    ref = refs[query.structure]
    columns, expected = answer(query, today, ref)
    if not ref.ou_items(query.ou):
        # No unit matches (LEVEL-n or CHILDREN with none open): the engine says so, or answers nothing.
        try:
            result = run(superuser(), query, today=today)
        except InvalidInput:
            return
        assert result.rows == [], (query, today)
        return
    result = run(superuser(), query, today=today)
    got = {tuple(str(c) for c in row[:-1]): float(row[-1]) for row in result.rows}
    assert result.columns == columns, (query, today)
    missing = {k: v for k, v in expected.items() if k not in got}
    extra = {k: v for k, v in got.items() if k not in expected}
    wrong = {k: (got[k], v) for k, v in expected.items() if k in got and not close(got[k], v)}
    assert not (missing or extra or wrong), (
        f"{query} today={today}\nmissing (reference's): {missing}\nextra (engine's): {extra}\n"
        f"different (engine, reference): {wrong}"
    )


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=world_specs, data=st.data(), when=st.sampled_from(["before", "between", "after"]))
def test_engine_equals_the_reference(db: None, spec: WorldSpec, data: st.DataObject, when: str) -> None:
    """`when`: today is before the reorganisation, between it and the re-split, or after both."""
    from ioc.analytics.replica import replica

    with transaction.atomic():
        replica.reset()  # the previous example's world was rolled back
        world = build(spec)
        shift = {"before": -20, "between": 60, "after": 0}[when]
        today = world.closed + dt.timedelta(days=shift) if shift else dt.date(2026, 1, 10)
        refs = {s: Reference(s, today) for s in ("AS_IT_WAS", "TODAY")}
        for _ in range(6):
            compare(world, data.draw(queries(world)), today, refs)
        transaction.set_rollback(True)
    replica.reset()

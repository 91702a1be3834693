"""The analytics engine: answers a Query from the live replica (ioc.analytics.replica).

One DuckDB statement per question computes every element cell (sql/elements_*.sql); indicators are then
evaluated per cell from their elements' aggregated values (numerator ÷ denominator × factor), and data-set
reporting metrics come from the workflow's completeness. Answers are cached per process, keyed by the
replica's generation, so a write (which moves the generation) is in the very next answer.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ioc.analytics.dims import Dims, Unit
from ioc.analytics.items import DxItem, dx_meta, resolve_dx
from ioc.analytics.periods import resolve_periods
from ioc.analytics.query import Item, Query, Result
from ioc.analytics.replica import RANK, replica
from ioc.analytics.reporting import reporting_values
from ioc.analytics.units import Scope, resolve_units
from ioc.core.errors import InvalidInput
from ioc.core.periods import Period

CACHE_SIZE = 512
EPOCH_DATE = dt.date(1970, 1, 1)
_cache: OrderedDict[tuple[object, ...], Result] = OrderedDict()
_cache_lock = threading.Lock()

Cell = tuple[int, int, int, int]  # (dx index, coc id or -1, period index, unit index)


def _sql(name: str) -> str:
    return resources.files("ioc.analytics").joinpath("sql", name).read_text(encoding="utf-8")


SQL = _sql("elements.sql")


def run(user: Any, query: Query, *, today: dt.date | None = None, use_cache: bool = True) -> Result:
    """The answer to `query` for `user` (InvalidInput for unknown items or periods, NotAllowed for a unit
    outside the user's view scope)."""
    today = today or timezone.localdate()
    replica.sync()
    dims = replica.dims
    assert dims is not None
    scope = Scope(user, dims, query.structure, today)
    key = (query, scope.key(), today, replica.generation, get_language())
    if use_cache:
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit
    result = _answer(query, dims, scope, today)
    if use_cache:
        with _cache_lock:
            _cache[key] = result
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return result


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


@dataclass
class _Plan:
    items: list[DxItem]
    periods: list[Period]
    units: list[Unit]
    split: dict[str, bool]


def _answer(query: Query, dims: Dims, scope: Scope, today: dt.date) -> Result:
    if not query.dx:
        raise InvalidInput(_("Name at least one data item (dx)."), field="dx")
    items = resolve_dx(query.dx, dims)
    periods = resolve_periods(query.pe, today)
    units = resolve_units(query.ou, scope, today)
    if not units:
        raise InvalidInput(_("No unit matches the ou dimension."), field="ou")
    split = {d: d not in query.filters for d in ("dx", "pe", "ou")}
    plan = _Plan(items, _disjoint(periods) if not split["pe"] else periods, _outermost(units), split)
    if split["ou"]:
        plan.units = units
    cells = _compute(plan, dims, query, today)
    return _result(query, plan, cells, dims, scope)


def _compute(plan: _Plan, dims: Dims, query: Query, today: dt.date) -> dict[Cell, float]:
    """Every cell's value: elements in one statement (two when split by option combo), then indicators and
    reporting metrics from them."""
    wanted: list[tuple[int, int, int]] = []  # (internal index, element id, coc id or -1)
    index: dict[tuple[int, int], int] = {}

    def need(element_id: int, coc_id: int) -> int:
        k = (element_id, coc_id)
        if k not in index:
            index[k] = len(index)
            wanted.append((index[k], element_id, coc_id))
        return index[k]

    for item in plan.items:
        if item.kind == "element":
            assert item.element is not None
            need(item.element.id, item.coc_id)
        elif item.kind == "indicator":
            for ref in item.refs:
                need(*ref.key)
    # Cells of `raw` carry the option combo when one is asked (ELEMENT.COC), -1 for a total.
    raw = _element_cells(wanted, plan, dims, query.structure, today, split_coc=False)
    totals = [w for w in wanted if w[2] == -1]
    by_coc = _element_cells(totals, plan, dims, query.structure, today, split_coc=True) if query.co else {}
    cells: dict[Cell, float] = {}
    n_pe = len(plan.periods) if plan.split["pe"] else 1
    n_ou = len(plan.units) if plan.split["ou"] else 1
    for dxi, item in enumerate(plan.items):
        if item.kind == "element":
            assert item.element is not None
            src = index[(item.element.id, item.coc_id)]
            source = by_coc if query.co and item.coc_id == -1 else raw
            for (i, coc, pi, oi), v in source.items():
                if i == src:
                    cells[(dxi, coc if query.co else -1, pi, oi)] = v
        elif item.kind == "indicator":
            for pi in range(n_pe):
                for oi in range(n_ou):
                    values = {r.ref: raw.get((index[r.key], r.key[1], pi, oi)) for r in item.refs}
                    value = item.indicator_value(values)
                    if value is not None:
                        cells[(dxi, -1, pi, oi)] = value
        else:
            for (pi, oi), value in reporting_values(item, plan.periods, plan.units, plan.split, today).items():
                cells[(dxi, -1, pi, oi)] = value
    if not plan.split["dx"]:
        summed: dict[Cell, float] = {}
        for (_dxi, coc, pi, oi), v in cells.items():
            summed[(0, coc, pi, oi)] = summed.get((0, coc, pi, oi), 0.0) + v
        cells = summed
    return cells


def _element_cells(
    wanted: list[tuple[int, int, int]], plan: _Plan, dims: Dims, structure: str, today: dt.date, *, split_coc: bool
) -> dict[Cell, float]:
    """One DuckDB statement over the replica for every (element, coc) wanted × periods × units."""
    if not wanted:
        return {}
    q_de = {
        "dxi": np.array([w[0] for w in wanted], dtype=np.int32),
        "de": np.array([w[1] for w in wanted], dtype=np.int32),
        "coc": np.array([w[2] for w in wanted], dtype=np.int32),
        "agg": np.array([dims.elements[w[1]].aggregation for w in wanted], dtype=object),
    }
    q_pe = _period_days(plan)
    q_ou = _unit_sources(plan, dims, structure, today)
    if not len(q_pe["day"]) or not len(q_ou["src"]):
        return {}
    params = {
        "split_coc": split_coc,
        "de_lo": int(q_de["de"].min()),
        "de_hi": int(q_de["de"].max()),
        "mid_lo": int(q_pe["day"].min()),
        "mid_hi": int(q_pe["day"].max()),
    }
    cur = replica.cursor()
    for name, table in (("q_de", q_de), ("q_pe", q_pe), ("q_ou", q_ou)):
        cur.register(name, table)
    try:
        rows = cur.execute(SQL, params).fetchall()
    finally:
        for name in ("q_de", "q_pe", "q_ou"):
            cur.unregister(name)
    return {(int(d), int(c), int(p), int(o)): float(v) for d, c, p, o, v in rows if v is not None}


def _period_days(plan: _Plan) -> dict[str, np.ndarray]:
    """q_pe: every day of each asked period (filters: one period index, the highest rank per day)."""
    days: dict[tuple[int, int], int] = {}
    for i, p in enumerate(plan.periods):
        pi = i if plan.split["pe"] else 0
        rank = RANK[p.period_type]
        for day in range(_day(p.start), _day(p.end) + 1):
            if days.get((pi, day), -1) < rank:
                days[(pi, day)] = rank
    return {
        "pi": np.fromiter((k[0] for k in days), dtype=np.int32, count=len(days)),
        "day": np.fromiter((k[1] for k in days), dtype=np.int32, count=len(days)),
        "rank": np.fromiter(days.values(), dtype=np.int8, count=len(days)),
    }


def _unit_sources(plan: _Plan, dims: Dims, structure: str, today: dt.date) -> dict[str, np.ndarray]:
    """q_ou: for each asked unit, the stored units whose values count for it (dims.sources)."""
    oi: list[int] = []
    src: list[int] = []
    t: list[int] = []
    w: list[float] = []
    for i, unit in enumerate(plan.units):
        index = i if plan.split["ou"] else 0
        for s_id, t_id, share in dims.sources(unit.id, structure, today):
            oi.append(index)
            src.append(s_id)
            t.append(t_id)
            w.append(share)
    return {
        "oi": np.array(oi, dtype=np.int32),
        "src": np.array(src, dtype=np.int32),
        "t": np.array(t, dtype=np.int32),
        "w": np.array(w, dtype=np.float64),
    }


def _day(day: dt.date) -> int:
    return (day - EPOCH_DATE).days


def _disjoint(periods: list[Period]) -> list[Period]:
    """A filter over periods counts a value once: periods inside another asked one add nothing."""
    return [
        p
        for p in periods
        if not any(o is not p and o.contains(p) and RANK[o.period_type] >= RANK[p.period_type] for o in periods)
    ]


def _outermost(units: list[Unit]) -> list[Unit]:
    """A filter over units counts a value once: units inside another asked one add nothing."""
    ids = {u.id for u in units}
    return [u for u in units if not any(a in ids for a in u.path[:-1])]


def _result(query: Query, plan: _Plan, cells: dict[Cell, float], dims: Dims, scope: Scope) -> Result:
    columns = [d for d in ("dx", "pe", "ou") if plan.split[d]] + (["co"] if query.co else [])
    rows: list[tuple[str | float, ...]] = []
    for (dxi, coc, pi, oi), value in sorted(cells.items()):
        key: list[str | float] = []
        if plan.split["dx"]:
            key.append(plan.items[dxi].id)
        if plan.split["pe"]:
            key.append(plan.periods[pi].id)
        if plan.split["ou"]:
            key.append(plan.units[oi].uid)
        if query.co:
            key.append(dims.cocs[coc][0] if coc != -1 else "total")
        rows.append((*key, value))
    items: dict[str, Item] = {}
    for item in plan.items:
        items[item.id] = dx_meta(item)
    for p in plan.periods:
        items[p.id] = Item(p.id, p.id, str(p.name()), {"type": p.period_type})
    for u in plan.units:
        items[u.uid] = _unit_meta(u, dims, scope)
    if query.co:
        for coc_id in {c for (_d, c, _p, _o) in cells if c != -1}:
            code, vi, en = dims.cocs[coc_id]
            items[code] = Item(code, code, en if en and (get_language() or "vi").startswith("en") else vi)
    return Result(
        columns=columns,
        rows=rows,
        items=items,
        dimensions={
            "dx": [i.id for i in plan.items],
            "pe": [p.id for p in plan.periods],
            "ou": [u.uid for u in plan.units],
        },
        generation=replica.generation,
        as_of=replica.as_of,
    )


def _unit_meta(u: Unit, dims: Dims, scope: Scope) -> Item:
    kids = dims.children.get(u.id, [])
    if scope.structure == "TODAY":
        kids = [k for k in kids if dims.units[k].open_on(scope.today)]
    return Item(
        u.uid,
        u.code,
        u.name,
        {
            "level": u.level,
            "parent": dims.units[u.parent_id].uid if u.parent_id in dims.units else None,
            "path": [dims.units[a].uid for a in u.path if a in dims.units],
            "latitude": u.latitude,
            "longitude": u.longitude,
            "has_geometry": u.has_geometry,
            "has_children": bool(kids),
            "closed": u.closed.isoformat() if u.closed else None,
        },
    )

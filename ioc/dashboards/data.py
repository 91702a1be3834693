"""The data of a dashboard screen (GET /api/v1/dashboards/{code}/data): every item's numbers for one period,
one unit and one structure, in the shape of the dashboard data contract (docs/dashboards.md).

The engine is asked as few questions as possible, because the whole screen must answer in milliseconds:

- one question for every KPI tile: dx = their codes, pe = [the period, the one before, the same one last
  year], ou = the unit;
- one for everything by unit (charts and tables by unit, maps): dx = their codes, pe = the period,
  ou = the unit's children (the unit itself when it has none);
- one per distinct period range of the charts and tables by period: dx = their codes, pe = the range
  (relative names resolved against the chosen period), ou = the unit.

An item whose codes no longer name anything (an indicator deleted after the item was made) is shown with an
"error" and left out of the questions, so one stale item never blanks the screen.

A whole payload is kept per process (an LRU like the engine's) under everything it depends on, the replica's
generation included: a screen asked again before any write costs the replica's sync and a dictionary lookup.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ioc.analytics.dims import Unit
from ioc.analytics.engine import run
from ioc.analytics.periods import resolve_periods
from ioc.analytics.query import Query, Result
from ioc.analytics.replica import replica
from ioc.core.errors import InvalidInput
from ioc.core.periods import Period
from ioc.dashboards import selectors
from ioc.dashboards.config import DEFAULT_PERIODS, dx_codes, period_tokens, unknown_dx
from ioc.dashboards.context import (
    View,
    has_children,
    period_header,
    resolve_view,
    same_period_last_year,
    unit_header,
)
from ioc.dashboards.models import Dashboard, DashboardItem, ItemKind
from ioc.orgunits.models import OrgUnit

WARNING_TOLERANCE = 0.10  # within 10 % of the target: "warning"
CACHE_SIZE = 256  # payloads of ~15 KB of JSON: a few MB per process at most
_cache: OrderedDict[tuple[object, ...], dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def status(value: float | None, target: float | None, higher_is_better: bool) -> str:
    """good: the target is reached (in its direction); warning: within 10 % of it; bad: further; none."""
    if value is None or target is None:
        return "none"
    if (value >= target) if higher_is_better else (value <= target):
        return "good"
    if abs(value - target) <= abs(target) * WARNING_TOLERANCE:
        return "warning"
    return "bad"


def change(value: float | None, base: float | None) -> float | None:
    """Relative change (0.05 = +5 %); None when either is missing or the base is zero."""
    if value is None or base is None or base == 0:
        return None
    return (value - base) / abs(base)


def range_periods(tokens: Iterable[str], period: Period) -> list[Period]:
    """A chart's period range, relative to the chosen period: LAST_n are the n periods complete at its end
    (LAST_12_MONTHS of 202503 ends with 202503; LAST_5_YEARS of 202503 ends with 2024), THIS_* and
    *_THIS_YEAR contain it, ISO ids stay as they are."""
    out: list[Period] = []
    for token in tokens:
        inside = token.upper().startswith("THIS_") or token.upper().endswith("_THIS_YEAR")
        anchor = period.end if inside else period.end + dt.timedelta(days=1)
        out.extend(p for p in resolve_periods([token], anchor) if p not in out)
    return out


@dataclass
class _Ask:
    """One engine question being assembled."""

    pe: list[str]
    ou: list[str]
    dx: list[str] = field(default_factory=list)
    result: Result | None = None

    def add(self, codes: Iterable[str]) -> None:
        self.dx.extend(c for c in codes if c not in self.dx)

    def answer(self, user: Any, view: View) -> None:
        if self.dx:
            query = Query(dx=tuple(self.dx), pe=tuple(self.pe), ou=tuple(self.ou), structure=view.structure)
            self.result = run(user, query, today=view.today)


def _cell(result: Result | None, **key: str) -> float | None:
    return None if result is None else result.value(**{k: v for k, v in key.items() if k in result.columns})


def _dx_meta(result: Result | None, code: str) -> dict[str, Any]:
    item = result.items.get(code) if result else None
    extra = item.extra if item else {}
    return {
        "code": code,
        "name": item.name if item else code,
        "unit": extra.get("unit", ""),
        "decimals": extra.get("decimals"),
        "kind": extra.get("kind"),
    }


def _name(result: Result | None, key: str, fallback: str) -> str:
    item = result.items.get(key) if result else None
    return item.name if item else fallback


def _title(item: DashboardItem, metas: list[dict[str, Any]]) -> str:
    return item.title or " · ".join(str(m["name"]) for m in metas)


class _Screen:
    def __init__(self, user: Any, view: View, items: list[DashboardItem]) -> None:
        self.user = user
        self.view = view
        self.items = items
        self._shapes: dict[str, Any] | None = None
        self.unknown: set[str] = set()
        period = view.period
        self.previous = period.previous()
        self.last_year = same_period_last_year(period)
        self.ranges: dict[str, list[Period]] = {}
        self._new_asks()

    def _new_asks(self) -> None:
        period, unit = self.view.period, self.view.unit
        self.kpis = _Ask(pe=[period.id, self.previous.id, self.last_year.id], ou=[unit.uid])
        self.by_unit = _Ask(pe=[period.id], ou=[unit.uid, "CHILDREN"] if self.view.children else [unit.uid])
        self.by_period: dict[tuple[str, ...], _Ask] = {}

    def _range(self, item: DashboardItem) -> list[Period]:
        key = item.config.get("periods") or DEFAULT_PERIODS
        if key not in self.ranges:
            self.ranges[key] = range_periods(period_tokens(key), self.view.period)
        return self.ranges[key]

    def _ask_for(self, item: DashboardItem) -> _Ask:
        if item.kind == ItemKind.KPI:
            return self.kpis
        if item.kind == ItemKind.MAP or item.config.get("by") == "unit":
            return self.by_unit
        ids = tuple(p.id for p in self._range(item))
        return self.by_period.setdefault(ids, _Ask(pe=list(ids), ou=[self.view.unit.uid]))

    def plan(self) -> None:
        try:
            self._ask_all()
        except InvalidInput as exc:
            # Checking every code before every screen would cost queries each time; an unknown code is rare
            # (an indicator deleted after the item was made), so find the culprits only when the engine says so.
            if not any(e.get("field") == "dx" for e in exc.errors):
                raise
            self.unknown = unknown_dx(sorted({c for i in self.items for c in dx_codes(i.config)}))
            self._new_asks()
            self._ask_all()

    def _ask_all(self) -> None:
        for item in self.items:
            codes = dx_codes(item.config)
            if not any(c in self.unknown for c in codes):
                self._ask_for(item).add(codes)
        for ask in [self.kpis, self.by_unit, *self.by_period.values()]:
            ask.answer(self.user, self.view)

    def asks(self) -> list[_Ask]:
        return [a for a in [self.kpis, self.by_unit, *self.by_period.values()] if a.result is not None]

    # --- one item -------------------------------------------------------------------------------------

    def render(self, item: DashboardItem) -> dict[str, Any]:
        codes = dx_codes(item.config)
        bad = [c for c in codes if c in self.unknown]
        ask = None if bad else self._ask_for(item)
        result = ask.result if ask else None
        builder = {
            ItemKind.KPI: self._kpi,
            ItemKind.CHART: self._chart,
            ItemKind.TABLE: self._table,
            ItemKind.MAP: self._map,
        }[ItemKind(item.kind)]
        out = {"uid": item.uid, "kind": item.kind, "width": item.width, **builder(item, result, ask)}
        if bad:
            out["error"] = _("Unknown data item: {codes}").format(codes=", ".join(bad))
        return out

    def _kpi(self, item: DashboardItem, result: Result | None, _ask: _Ask | None) -> dict[str, Any]:
        code = item.config["dx"]
        meta = _dx_meta(result, code)
        ou = self.view.unit.uid
        period, previous, last_year = self.view.period, self.previous, self.last_year
        value = _cell(result, dx=code, pe=period.id, ou=ou)
        prev_value = _cell(result, dx=code, pe=previous.id, ou=ou)
        last_value = _cell(result, dx=code, pe=last_year.id, ou=ou)
        hib = item.config.get("higher_is_better")
        if hib is None:
            source = result.items.get(code) if result else None
            hib = bool(source.extra.get("higher_is_better", True)) if source else True
        target = item.config.get("target")
        return {
            "title": _title(item, [meta]),
            "dx": meta,
            "value": value,
            "period": period.id,
            "previous": {"period": previous.id, "value": prev_value},
            "last_year": {"period": last_year.id, "value": last_value},
            "change": change(value, prev_value),
            "change_last_year": change(value, last_value),
            "target": target,
            "higher_is_better": hib,
            "status": status(value, target, hib),
        }

    def _categories(self, item: DashboardItem, result: Result | None) -> list[dict[str, str]]:
        if item.config.get("by") == "unit":
            units = self.view.children or (self.view.unit,)
            return [{"id": u.uid, "name": _name(result, u.uid, u.name)} for u in units]
        return [{"id": p.id, "name": _name(result, p.id, p.name())} for p in self._range(item)]

    def _values(self, result: Result | None, code: str, item: DashboardItem, key: str) -> float | None:
        if item.config.get("by") == "unit":
            return _cell(result, dx=code, pe=self.view.period.id, ou=key)
        return _cell(result, dx=code, pe=key, ou=self.view.unit.uid)

    def _chart(self, item: DashboardItem, result: Result | None, _ask: _Ask | None) -> dict[str, Any]:
        metas = [_dx_meta(result, c) for c in item.config["dx"]]
        categories = self._categories(item, result)
        series = [{**m, "values": [self._values(result, m["code"], item, c["id"]) for c in categories]} for m in metas]
        return {
            "title": _title(item, metas),
            "chart": item.config.get("chart", "line"),
            "by": item.config.get("by", "period"),
            "categories": categories,
            "series": series,
        }

    def _table(self, item: DashboardItem, result: Result | None, _ask: _Ask | None) -> dict[str, Any]:
        metas = [_dx_meta(result, c) for c in item.config["dx"]]
        rows: list[tuple[float | None, dict[str, Any]]] = []
        for c in self._categories(item, result):
            values = [self._values(result, m["code"], item, c["id"]) for m in metas]
            rows.append((values[0], {"id": c["id"], "name": c["name"], "values": values}))
        descending = item.config.get("sort", "desc") == "desc"
        present = sorted(
            ((v, r) for v, r in rows if v is not None), key=lambda pair: pair[0] or 0.0, reverse=descending
        )
        # Missing values rank last whatever the order, in the categories' own order.
        ranked = [r for _v, r in present] + [r for v, r in rows if v is None]
        ranked = ranked[: int(item.config.get("limit", 10))]
        return {
            "title": _title(item, metas),
            "by": item.config.get("by", "unit"),
            "sort": "desc" if descending else "asc",
            "columns": metas,
            "rows": ranked,
        }

    def _map(self, item: DashboardItem, result: Result | None, _ask: _Ask | None) -> dict[str, Any]:
        code = item.config["dx"]
        meta = _dx_meta(result, code)
        return {"title": _title(item, [meta]), "dx": meta, "units": self._map_units(code, result)}

    def _map_units(self, code: str, result: Result | None) -> list[dict[str, Any]]:
        view = self.view
        units = list(view.children) or [view.unit]
        geometry = self._geometry(units)
        out = []
        for unit in units:
            shape = geometry.get(unit.uid)
            out.append(
                {
                    "uid": unit.uid,
                    "code": unit.code,
                    "name": _name(result, unit.uid, unit.name),
                    "level": unit.level,
                    "value": _cell(result, dx=code, pe=view.period.id, ou=unit.uid),
                    "has_children": has_children(view.dims, unit, view.structure, view.today),
                    "geometry": shape,
                    "lat": unit.latitude,
                    "lng": unit.longitude,
                    # Without an imported boundary the map can only place the unit at its centroid.
                    "approximate": shape is None,
                }
            )
        return out

    def _geometry(self, units: list[Unit]) -> dict[str, Any]:
        # Boundaries are large and not in the replica: one query per screen, only for units that have one.
        if self._shapes is None:
            ids = [u.id for u in units if u.has_geometry]
            found = OrgUnit.objects.filter(id__in=ids, geometry__isnull=False).values_list("uid", "geometry")
            self._shapes = dict(found) if ids else {}
        return self._shapes


def dashboard_data(
    user: Any,
    dashboard: Dashboard,
    *,
    items: list[DashboardItem] | None = None,
    pe: str | None = None,
    ou: str | None = None,
    structure: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The /data payload (see the module's docstring and docs/dashboards.md); `items`: the dashboard's items
    when already read (selectors.dashboard_with_items). The answer is shared between requests: read only."""
    today = today or timezone.localdate()
    replica.sync()
    dims, generation = replica.dims, replica.generation
    assert dims is not None
    view = resolve_view(user, dims, pe=pe, ou=ou, structure=structure, today=today)
    if items is None:
        items = selectors.items(dashboard)
    # Everything the payload depends on: the dashboard's content itself (a reorder does not touch any
    # timestamp), what is looked at, the language of the names, the scope (breadcrumbs stop at it), and the
    # replica's generation, which moves with every write, metadata and hierarchy change.
    key = (
        _signature(dashboard, items),
        view.period.id,
        view.unit.uid,
        view.structure,
        today,
        get_language(),
        view.scope.key(),
        generation,
    )
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    payload = _build(user, dashboard, items, view, generation)
    with _cache_lock:
        _cache[key] = payload
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return payload


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _signature(dashboard: Dashboard, items: list[DashboardItem]) -> tuple[object, ...]:
    d = dashboard
    sector = d.sector.code if d.sector else None
    head = (d.pk, d.code, d.name_vi, d.name_en, sector, d.rotate_seconds, d.last_updated)
    return (
        *head,
        *((i.pk, i.uid, i.kind, i.title_vi, i.title_en, i.width, json.dumps(i.config, sort_keys=True)) for i in items),
    )


def _build(user: Any, dashboard: Dashboard, items: list[DashboardItem], view: View, generation: int) -> dict[str, Any]:
    screen = _Screen(user, view, items)
    screen.plan()
    rendered = [screen.render(item) for item in screen.items]
    results = [a.result for a in screen.asks() if a.result is not None]
    stamps = [r.as_of for r in results if r.as_of is not None]
    as_of = max(stamps) if stamps else replica.as_of
    return {
        "dashboard": {
            "code": dashboard.code,
            "name": dashboard.name,
            "sector": dashboard.sector.code if dashboard.sector else None,
            "rotate_seconds": dashboard.rotate_seconds,
        },
        "structure": view.structure,
        "period": period_header(view.period),
        "unit": unit_header(view),
        "as_of": as_of.isoformat() if as_of else None,
        # The engine may have synced a later write meanwhile: the newest generation the answer saw.
        "generation": max([generation, *(r.generation for r in results)]),
        "items": rendered,
    }

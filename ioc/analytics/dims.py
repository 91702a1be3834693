"""The small tables beside the facts: units (both hierarchies), today's mapping, elements and option combos.

Read from the database in a few set queries and held in memory by the replica until the structure changes
(a ValueChange row with no elements, written by ioc.analytics.signals, or a fact naming an unknown unit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import get_language

from ioc.metadata.models import CategoryOptionCombo, DataElement, Indicator
from ioc.orgunits.models import OrgUnit, Succession


def _pick(vi: str, en: str) -> str:
    return en if en and (get_language() or "vi").startswith("en") else vi


@dataclass(frozen=True)
class Unit:
    id: int
    uid: str
    code: str
    name_vi: str
    name_en: str
    level: int
    parent_id: int | None
    path: tuple[int, ...]  # ancestor ids from the root, this unit last
    opened: dt.date | None
    closed: dt.date | None
    latitude: float | None
    longitude: float | None
    has_geometry: bool

    @property
    def name(self) -> str:
        return _pick(self.name_vi, self.name_en)

    def open_on(self, day: dt.date) -> bool:
        return (self.opened is None or self.opened <= day) and (self.closed is None or day <= self.closed)


@dataclass(frozen=True)
class Element:
    id: int
    uid: str
    code: str
    name_vi: str
    name_en: str
    aggregation: str  # SUM, AVERAGE, LAST, MIN, MAX
    unit: str
    coc_ids: tuple[int, ...]

    @property
    def name(self) -> str:
        return _pick(self.name_vi, self.name_en)


@dataclass
class Mapping:
    """Where history belongs among the units open on one day."""

    today_map: dict[int, list[tuple[int, float]]]  # stored unit → [(that day's unit, share)]
    carried_into: dict[int, list[tuple[int, float]]]  # that day's unit → [(stored unit, share)], itself included


@dataclass
class Dims:
    units: dict[int, Unit]
    by_uid: dict[str, Unit]
    by_code: dict[str, list[Unit]]  # codes are reused across reorganisations: newest first
    children: dict[int, list[int]]
    successions: list[tuple[int, int, float, dt.date]]  # (predecessor, successor, share, first day)
    elements: dict[int, Element]
    elements_by_code: dict[str, Element]
    cocs: dict[int, tuple[str, str, str]]  # id → (code, name_vi, name_en)
    coc_by_code: dict[str, int]
    indicators: dict[str, Indicator] = field(default_factory=dict)  # by code and by uid (read-only instances)
    # unit → itself and every unit below it (as it was)
    subtree: dict[int, list[int]] = field(default_factory=dict)
    _mappings: dict[dt.date, Mapping] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for unit in self.units.values():
            for a in unit.path:
                if a in self.units:
                    self.subtree.setdefault(a, []).append(unit.id)

    def mapping(self, day: dt.date) -> Mapping:
        """Successions up to `day` followed transitively, shares multiplied (kept per day: "today" moves)."""
        found = self._mappings.get(day)
        if found is None:
            today_map = _today_map(self.units, [s for s in self.successions if s[3] <= day])
            carried: dict[int, list[tuple[int, float]]] = {}
            for src, targets in today_map.items():
                for t, w in targets:
                    carried.setdefault(t, []).append((src, w))
            found = self._mappings[day] = Mapping(today_map, carried)
        return found

    def sources(self, unit_id: int, structure: str, day: dt.date) -> list[tuple[int, int, float]]:
        """(stored unit, counted-as unit, share) of every value that counts for `unit_id`: its subtree as it
        was, or the history carried into the units of its subtree as they stand on `day` (a unit closed without
        successors, or not yet open, keeps its own values)."""
        below = self.subtree.get(unit_id, [])
        if structure != "TODAY":
            return [(u, u, 1.0) for u in below]
        carried = self.mapping(day).carried_into
        return [(src, t, w) for t in below for src, w in carried.get(t, [])]


def load_dims() -> Dims:
    units: dict[int, Unit] = {}
    for row in OrgUnit.objects.values_list(
        "id",
        "uid",
        "code",
        "name_vi",
        "name_en",
        "level",
        "parent_id",
        "path",
        "opened",
        "closed",
        "latitude",
        "longitude",
    ).iterator(chunk_size=5000):
        pk, uid, code, vi, en, level, parent_id, path, opened, closed, lat, lng = row
        ids = tuple(int(p) for p in path.strip("/").split("/") if p)
        units[pk] = Unit(pk, uid, code, vi, en, level, parent_id, ids, opened, closed, lat, lng, False)
    for pk in OrgUnit.objects.filter(geometry__isnull=False).values_list("id", flat=True):
        u = units[pk]
        units[pk] = Unit(**{**u.__dict__, "has_geometry": True})
    by_code: dict[str, list[Unit]] = {}
    children: dict[int, list[int]] = {}
    for u in sorted(units.values(), key=lambda u: u.opened or dt.date.min, reverse=True):
        by_code.setdefault(u.code, []).append(u)
    for u in sorted(units.values(), key=lambda u: (u.code, u.id)):
        if u.parent_id is not None:
            children.setdefault(u.parent_id, []).append(u.id)

    elements: dict[int, Element] = {}
    combo_cocs: dict[int, list[int]] = {}
    cocs: dict[int, tuple[str, str, str]] = {}
    for pk, code, vi, en, combo_id in CategoryOptionCombo.objects.order_by("sort_order", "id").values_list(
        "id", "code", "name_vi", "name_en", "combo_id"
    ):
        cocs[pk] = (code, vi, en)
        combo_cocs.setdefault(combo_id, []).append(pk)
    for pk, uid, code, vi, en, agg, unit, combo_id in DataElement.objects.values_list(
        "id", "uid", "code", "name_vi", "name_en", "aggregation_type", "unit", "category_combo_id"
    ):
        elements[pk] = Element(pk, uid, code, vi, en, agg, unit, tuple(combo_cocs.get(combo_id, [])))
    return Dims(
        units=units,
        by_uid={u.uid: u for u in units.values()},
        by_code=by_code,
        children=children,
        successions=list(Succession.objects.values_list("predecessor_id", "successor_id", "weight", "date")),
        elements=elements,
        elements_by_code={e.code: e for e in elements.values()},
        cocs=cocs,
        coc_by_code={code: pk for pk, (code, _vi, _en) in cocs.items()},
        indicators={key: i for i in Indicator.objects.all() for key in (i.code, i.uid)},
    )


def _today_map(
    units: dict[int, Unit], successions: list[tuple[int, int, float, dt.date]]
) -> dict[int, list[tuple[int, float]]]:
    """Where each unit's history belongs after these successions — the in-memory twin of
    ioc.orgunits.selectors.current_successors (for all units at once instead of a query per unit)."""
    links: dict[int, list[tuple[int, float]]] = {}
    for pred, succ, weight, _day in successions:
        links.setdefault(pred, []).append((succ, weight))
    memo: dict[int, dict[int, float]] = {}

    def shares(pk: int, seen: frozenset[int]) -> dict[int, float]:
        if pk in memo:
            return memo[pk]
        outgoing = [(s, w) for s, w in links.get(pk, []) if s not in seen]
        if not outgoing:
            result = {pk: 1.0}
        else:
            result = {}
            for succ, weight in outgoing:
                for dst, w in shares(succ, seen | {pk}).items():
                    result[dst] = result.get(dst, 0.0) + weight * w
        memo[pk] = result
        return result

    return {pk: sorted(shares(pk, frozenset()).items()) for pk in units}

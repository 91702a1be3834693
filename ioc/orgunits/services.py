"""Writes to the org-unit hierarchy: loading Vietnam's units, importing GeoJSON geometry.

Every function takes the acting user first (None for the command line without a user), runs in one
transaction and writes one audit record.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.audit.services import record
from ioc.core.errors import InvalidInput
from ioc.orgunits import vn
from ioc.orgunits.models import OrgUnit, OrgUnitLevel, Succession
from ioc.orgunits.selectors import open_on_q

ProgressCallback = Callable[[int, int], None]
"""Called with (units done, units in all) while loading."""

LEVELS: list[tuple[int, str, str, str]] = [
    (1, "province", "Tỉnh", "Province"),
    (2, "district", "Huyện", "District"),
    (3, "commune", "Xã", "Commune"),
]


def reorganisation_date() -> dt.date:
    """The first day of the 2025 structure (settings.IOC_REORGANISATION_DATE)."""
    value = settings.IOC_REORGANISATION_DATE
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# --- load-vn --------------------------------------------------------------------------------------------


@dataclass
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadSummary:
    provinces: list[tuple[str, str]] = field(default_factory=list)  # (code, name) of the old provinces loaded
    old: dict[int, LevelCounts] = field(default_factory=dict)  # by level, units before the reorganisation
    new: dict[int, LevelCounts] = field(default_factory=dict)  # by level, units from the reorganisation
    successions: LevelCounts = field(default_factory=LevelCounts)
    levels_created: int = 0
    reorganisation: dt.date | None = None
    source: str = ""

    def counts(self, new: bool, level: int) -> LevelCounts:
        table = self.new if new else self.old
        return table.setdefault(level, LevelCounts())

    def as_dict(self) -> dict[str, Any]:
        def table(t: dict[int, LevelCounts]) -> dict[str, dict[str, int]]:
            return {str(k): vars(v).copy() for k, v in sorted(t.items())}

        return {
            "provinces": [code for code, _name in self.provinces],
            "before": table(self.old),
            "after": table(self.new),
            "successions": vars(self.successions).copy(),
            "levels_created": self.levels_created,
            "reorganisation": self.reorganisation.isoformat() if self.reorganisation else None,
            "source": self.source,
        }


_UNIT_FIELDS = ("name_vi", "name_en", "short_name", "kind", "level", "parent_id", "closed", "latitude", "longitude")


def _ensure_levels() -> int:
    created = 0
    for level, code, name_vi, name_en in LEVELS:
        _obj, was_created = OrgUnitLevel.objects.get_or_create(
            level=level, defaults={"code": code, "name_vi": name_vi, "name_en": name_en}
        )
        created += was_created
    return created


@transaction.atomic
def do_load_vn(
    user: Any,
    province_code: str | Sequence[str],
    *,
    via: str = "cli",
    progress: ProgressCallback | None = None,
) -> LoadSummary:
    """Load one or more old provinces (codes as before 2025-07-01) and the new units their communes went into.

    Idempotent: units are matched by (code, opened), successions by (predecessor, successor); a second
    load changes nothing. Loading another old province of the same new province adds to it.
    """
    codes = [province_code] if isinstance(province_code, str) else list(province_code)
    if not codes:
        raise InvalidInput(_("no province code given"), field="province")
    data = [vn.read_province(code) for code in codes]
    start = reorganisation_date()
    closed = start - dt.timedelta(days=1)
    source = f"{vn.PACKAGE} {vn.package_version()}"
    summary = LoadSummary(reorganisation=start, source=source)
    summary.provinces = [(p.code, p.name) for p in data]
    summary.levels_created = _ensure_levels()

    # Units in order: old then new, parents before children; one unit of a new province shared by
    # several old ones is handled once.
    units: dict[str, vn.VnUnit] = {}
    for province in data:
        for unit in [*province.old, *province.new]:
            units.setdefault(unit.key, unit)
    ordered = sorted(units.values(), key=lambda u: (u.new, u.level))
    existing = {
        (u.code, u.opened): u
        for chunk in _chunks(sorted({u.code for u in ordered}), 500)
        for u in OrgUnit.objects.filter(code__in=chunk)
    }
    by_key: dict[str, OrgUnit] = {}
    done = 0
    for (is_new, level), group in _groups(ordered):
        to_create: list[OrgUnit] = []
        for unit in group:
            opened = start if is_new else None
            parent = by_key[unit.parent_key] if unit.parent_key else None
            values: dict[str, Any] = {
                "name_vi": unit.name,
                "name_en": unit.name_en,
                "short_name": unit.short_name,
                "kind": unit.kind,
                "level": unit.level,
                "parent_id": parent.pk if parent else None,
                "closed": None if is_new else closed,
                "latitude": unit.latitude,
                "longitude": unit.longitude,
            }
            if unit.area_km2 is not None:
                values["area_km2"] = unit.area_km2
            found = existing.get((unit.code, opened))
            counts = summary.counts(is_new, level)
            if found is None:
                obj = OrgUnit(code=unit.code, opened=opened, source=source, **values)
                to_create.append(obj)
                counts.created += 1
            else:
                changed = [f for f, v in values.items() if getattr(found, f) != v]
                if changed:
                    for f in changed:
                        setattr(found, f, values[f])
                    found.save()  # keeps `path` (and the subtree's) when the parent changed
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                obj = found
            by_key[unit.key] = obj
        _create_with_paths(to_create, by_key, group)
        done += len(group)
        if progress:
            progress(done, len(ordered))

    _load_successions(data, by_key, start, summary)
    record(user, "orgunits.load_vn", via=via, changes=summary.as_dict(), object_type="orgunits.orgunit")
    return summary


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _groups(units: list[vn.VnUnit]) -> list[tuple[tuple[bool, int], list[vn.VnUnit]]]:
    groups: dict[tuple[bool, int], list[vn.VnUnit]] = {}
    for unit in units:
        groups.setdefault((unit.new, unit.level), []).append(unit)
    return list(groups.items())


def _create_with_paths(objs: list[OrgUnit], by_key: dict[str, OrgUnit], group: list[vn.VnUnit]) -> None:
    """bulk_create does not call save(), so set `path` here: the parent's path + own id."""
    if not objs:
        return
    OrgUnit.objects.bulk_create(objs, batch_size=500)
    parents = {u.key: by_key[u.parent_key] if u.parent_key else None for u in group}
    parent_of = {id(by_key[key]): parent for key, parent in parents.items()}
    for obj in objs:
        if obj.pk is None:  # pragma: no cover - both supported databases return ids
            raise RuntimeError("bulk_create did not return ids")
        parent = parent_of[id(obj)]
        obj.path = f"{parent.path if parent else '/'}{obj.pk}/"
    OrgUnit.objects.bulk_update(objs, ["path"], batch_size=500)


def _load_successions(
    data: list[vn.VnProvince], by_key: dict[str, OrgUnit], start: dt.date, summary: LoadSummary
) -> None:
    links: dict[tuple[int, int], vn.VnLink] = {}
    for province in data:
        for link in province.links:
            pred, succ = by_key[link.predecessor_key], by_key[link.successor_key]
            links.setdefault((pred.pk, succ.pk), link)
    pred_ids = sorted({p for p, _s in links})
    existing = {
        (s.predecessor_id, s.successor_id): s
        for i in range(0, len(pred_ids), 500)
        for s in Succession.objects.filter(predecessor_id__in=pred_ids[i : i + 500])
    }
    to_create, to_update = [], []
    for (pred_id, succ_id), link in links.items():
        values = {"kind": link.kind, "date": start, "weight": round(link.weight, 6), "note": link.note}
        found = existing.get((pred_id, succ_id))
        if found is None:
            to_create.append(Succession(predecessor_id=pred_id, successor_id=succ_id, **values))
        elif any(getattr(found, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(found, f, v)
            to_update.append(found)
        else:
            summary.successions.unchanged += 1
    Succession.objects.bulk_create(to_create, batch_size=500)
    Succession.objects.bulk_update(to_update, ["kind", "date", "weight", "note"], batch_size=500)
    summary.successions.created += len(to_create)
    summary.successions.updated += len(to_update)


# --- import-geojson -------------------------------------------------------------------------------------

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


@dataclass
class GeoJsonReport:
    features: int = 0
    matched: list[tuple[int, str, str]] = field(default_factory=list)  # (feature index, value, unit uid)
    unmatched: list[tuple[int, str | None]] = field(default_factory=list)  # (feature index, value)
    ambiguous: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (index, value, unit codes/uids)
    duplicates: list[tuple[str, list[int]]] = field(default_factory=list)  # (unit uid, feature indexes)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (feature index, why)
    written: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "matched": len(self.matched),
            "unmatched": len(self.unmatched),
            "ambiguous": len(self.ambiguous),
            "duplicates": len(self.duplicates),
            "skipped": len(self.skipped),
            "written": self.written,
        }


def parse_geojson(data: bytes | str | dict[str, Any], *, source: str = "") -> dict[str, Any]:
    """The FeatureCollection in `data`, or InvalidInput saying which file and why."""
    where = f"{source}: " if source else ""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                where
                + _("the file is not UTF-8 text (byte 0x%(byte)02x at position %(pos)d)")
                % {"byte": exc.object[exc.start], "pos": exc.start},
                field="file",
            ) from exc
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                where
                + _("the file is not valid JSON: %(msg)s at line %(line)d, column %(col)d")
                % {"msg": exc.msg, "line": exc.lineno, "col": exc.colno},
                field="file",
            ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise InvalidInput(
            where + _("not a GeoJSON FeatureCollection (its type is %(type)r)") % {"type": found}, field="file"
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidInput(where + _("a FeatureCollection needs a list of 'features'"), field="file")
    errors = []
    for index, feature in enumerate(features):
        problem = _feature_problem(feature)
        if problem:
            errors.append({"field": f"features[{index}]", "message": problem})
    if errors:
        shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        more = _(" (and %(n)d more)") % {"n": len(errors) - 5} if len(errors) > 5 else ""
        raise InvalidInput(where + _("invalid GeoJSON: ") + shown + more, errors=errors)
    return data


def _feature_problem(feature: object) -> str | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return _("not a GeoJSON Feature")
    props = feature.get("properties")
    if props is not None and not isinstance(props, dict):
        return _("'properties' must be an object")
    geometry = feature.get("geometry")
    if geometry is None:
        return None  # allowed by GeoJSON; reported as skipped
    return _geometry_problem(geometry)


def _geometry_problem(geometry: object) -> str | None:
    if not isinstance(geometry, dict):
        return _("'geometry' must be an object")
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list):
            return _("a GeometryCollection needs a list of 'geometries'")
        return next((p for p in map(_geometry_problem, parts) if p), None)
    if kind not in GEOMETRY_TYPES:
        return _("geometry type %(type)r is not a GeoJSON geometry type") % {"type": kind}
    if not isinstance(geometry.get("coordinates"), list):
        return _("geometry has no 'coordinates' list")
    return None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip() or None


@transaction.atomic
def do_import_geojson(
    user: Any,
    data: bytes | str | dict[str, Any],
    *,
    match: str = "code",
    prop: str | None = None,
    on: dt.date | None = None,
    level: int | None = None,
    dry_run: bool = False,
    source: str = "",
    via: str = "cli",
) -> GeoJsonReport:
    """Store each feature's geometry on the unit it names, among the units open on `on` (default today).

    `match="code"`: the feature's property (default `code`) equals the unit's code. `match="name"`: it equals
    the unit's Vietnamese name exactly (case and diacritics count; Unicode NFC), or failing that its short
    name. A feature matching several units is ambiguous; a unit matched by several features is a duplicate;
    neither is written. Invalid files raise InvalidInput and write nothing.
    """
    if match not in ("code", "name"):
        raise InvalidInput(_("match must be 'code' or 'name', not %(m)r") % {"m": match}, field="match")
    collection = parse_geojson(data, source=source)
    on = on or timezone.localdate()
    prop = prop or match
    report = GeoJsonReport(features=len(collection["features"]), dry_run=dry_run)

    values: list[tuple[int, str | None, dict[str, Any] | None]] = []
    for index, feature in enumerate(collection["features"]):
        props = feature.get("properties") or {}
        values.append((index, _text(props.get(prop)), feature.get("geometry")))

    wanted = {v for _i, v, _g in values if v is not None}
    units = OrgUnit.objects.filter(open_on_q(on))
    if level is not None:
        units = units.filter(level=level)
    candidates: dict[str, list[OrgUnit]] = {}
    if match == "code":
        for unit in units.filter(code__in=wanted):
            candidates.setdefault(unit.code, []).append(unit)
    else:
        by_name: dict[str, list[OrgUnit]] = {}
        by_short: dict[str, list[OrgUnit]] = {}
        for unit in units.filter(Q(name_vi__in=wanted) | Q(short_name__in=wanted)):
            by_name.setdefault(unicodedata.normalize("NFC", unit.name_vi), []).append(unit)
            if unit.short_name:
                by_short.setdefault(unicodedata.normalize("NFC", unit.short_name), []).append(unit)
        candidates = {v: by_name.get(v) or by_short.get(v) or [] for v in wanted}

    chosen: dict[int, tuple[OrgUnit, dict[str, Any], list[int], str]] = {}
    for index, value, geometry in values:
        if value is None:
            report.unmatched.append((index, None))
            continue
        found = candidates.get(value) or []
        if not found:
            report.unmatched.append((index, value))
        elif len(found) > 1:
            report.ambiguous.append((index, value, [f"{u.code} {u.name_vi} ({u.uid})" for u in found]))
        elif geometry is None:
            report.skipped.append((index, _("no geometry")))
        else:
            unit = found[0]
            if unit.pk in chosen:
                chosen[unit.pk][2].append(index)
            else:
                chosen[unit.pk] = (unit, geometry, [index], value)
    to_write = []
    for unit, geometry, indexes, value in chosen.values():
        if len(indexes) > 1:
            report.duplicates.append((unit.uid, indexes))
            continue
        report.matched.append((indexes[0], value, unit.uid))
        unit.geometry = geometry
        unit.last_updated = timezone.now()
        to_write.append(unit)
    report.matched.sort()
    if not dry_run and to_write:
        OrgUnit.objects.bulk_update(to_write, ["geometry", "last_updated"], batch_size=200)
        report.written = len(to_write)
        record(
            user,
            "orgunits.import_geojson",
            via=via,
            object_type="orgunits.orgunit",
            object_repr=source[:250],
            changes={**report.as_dict(), "match": match, "property": prop, "date": on.isoformat()},
        )
    return report

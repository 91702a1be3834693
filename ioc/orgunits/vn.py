"""Reading Vietnam's administrative units from the `vietnamadminunits` package (MIT).

The package ships an SQLite file and a JSON converter:

- `admin_units_legacy`: the 63-province structure (province → district → commune) in force until
  2025-06-30, with official codes, names, centroids;
- `admin_units`: the 34-province structure from 2025-07-01 (province → commune), with areas;
- `converter_2025.json`: which old communes each new commune was made of (`DICT_PROVINCE_WARD_NO_DIVIDED`),
  old communes split over several new ones (`DICT_PROVINCE_WARD_DIVIDED`), and which old provinces
  each new province was made of (`DICT_PROVINCE`).

This module only reads (stdlib sqlite3 opened read-only, bound parameters, json) and returns plain
records; `services.do_load_vn` writes them. Nothing here imports Django models.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

from ioc.core.errors import InvalidInput

PACKAGE = "vietnamadminunits"

# Kinds of unit, longest first so that "Thành phố" wins over a shorter prefix.
KINDS_EN: dict[str, str] = {
    "Thành phố": "City",
    "Thị trấn": "Township",
    "Đặc khu": "Special Zone",
    "Thị xã": "Town",
    "Phường": "Ward",
    "Huyện": "District",
    "Quận": "Urban District",
    "Tỉnh": "Province",
    "Xã": "Commune",
}


@dataclass(frozen=True)
class VnUnit:
    """One unit as the package describes it. `key` is unique within one load (see `_old_key`/`_new_key`)."""

    key: str
    code: str
    name: str
    short_name: str
    kind: str
    level: int
    parent_key: str | None
    new: bool  # True: the structure from the reorganisation date; False: the one before it
    latitude: float | None = None
    longitude: float | None = None
    area_km2: float | None = None

    @property
    def name_en(self) -> str:
        kind_en = KINDS_EN.get(self.kind)
        return f"{self.short_name} {kind_en}" if kind_en and self.short_name else self.name


@dataclass(frozen=True)
class VnLink:
    """predecessor → successor across the reorganisation ("merge" or "split", with the successor's share)."""

    predecessor_key: str
    successor_key: str
    kind: str
    weight: float
    note: str = ""


@dataclass
class VnProvince:
    """Everything one old province contributes: its old units, the new units its communes went into, the links."""

    code: str
    name: str
    old: list[VnUnit] = field(default_factory=list)
    new: list[VnUnit] = field(default_factory=list)
    links: list[VnLink] = field(default_factory=list)


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:  # pragma: no cover - it is a dependency
        return "?"


def _data_dir() -> Path:
    return Path(str(files(PACKAGE).joinpath("data")))


def dataset_path() -> Path:
    return _data_dir() / "dataset.db"


def converter_path() -> Path:
    return _data_dir() / "converter_2025.json"


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    path = dataset_path()
    if not path.is_file():
        raise InvalidInput(f"the {PACKAGE} data file is missing: {path}")
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


@functools.lru_cache(maxsize=1)
def _converter() -> dict[str, Any]:
    with converter_path().open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def kind_of(name: str) -> str:
    """The kind of unit from its full name: "Phường Tích Sơn" → "Phường"."""
    for kind in KINDS_EN:
        if name.startswith(kind + " "):
            return kind
    return ""


def normalise_province_code(code: str | int) -> str:
    text = str(code).strip()
    return text.zfill(2) if text.isdigit() and len(text) < 2 else text


def province_codes() -> list[tuple[str, str]]:
    """(code, name) of the 63 provinces before the reorganisation."""
    with _connect() as conn:
        return province_codes_from(conn)


def _old_key(province_key: str, district_key: str = "", ward_key: str | None = None) -> str:
    """The converter's key of an old unit: "tinhvinhphuc_thanhphovinhyen_phuongtichson"; a district
    without communes (the island districts) is "province_district_" there."""
    if ward_key is None:
        return f"{province_key}_{district_key}" if district_key else province_key
    return f"{province_key}_{district_key}_{ward_key}"


def _new_key(province_key: str, ward_key: str | None = None) -> str:
    return f"new:{province_key}" if ward_key is None else f"new:{province_key}/{ward_key}"


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _split_weights(entries: list[dict[str, Any]]) -> list[float]:
    """Shares of a divided old commune: by the new communes' areas when all are known, else equal."""
    areas = [_float(e.get("newWardAreaKm2")) for e in entries]
    known = [a for a in areas if a is not None and a > 0]
    if len(known) == len(entries) and sum(known) > 0:
        total = sum(known)
        return [a / total for a in known]
    return [1.0 / len(entries)] * len(entries)


def read_province(code: str | int) -> VnProvince:
    """The old province with this code (as in `admin_units_legacy`), and the new units it went into."""
    code = normalise_province_code(code)
    with _connect() as conn:
        rows = conn.execute(
            "SELECT * FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode", (code,)
        ).fetchall()
        if not rows:
            known = ", ".join(c for c, _ in province_codes_from(conn))
            raise InvalidInput(
                f"unknown province code '{code}' (codes before the reorganisation: {known})", field="province"
            )
        province_names = {
            r["provinceKey"]: r["province"]
            for r in conn.execute("SELECT DISTINCT provinceKey, province FROM admin_units_legacy").fetchall()
        }
        result = _read_old(code, rows)
        links, targets = _links_for(rows[0]["provinceKey"])
        result.links.extend(links)
        result.new.extend(_read_new(conn, targets))
        result.links.extend(_province_links(rows[0]["provinceKey"], province_names))
    _add_notes(result)
    return result


def province_codes_from(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT DISTINCT provinceCode, province FROM admin_units_legacy ORDER BY provinceCode")
    return [(r["provinceCode"], r["province"]) for r in rows.fetchall()]


def _read_old(code: str, rows: list[sqlite3.Row]) -> VnProvince:
    first = rows[0]
    pkey = first["provinceKey"]
    result = VnProvince(code=code, name=first["province"])
    result.old.append(
        VnUnit(
            key=_old_key(pkey),
            code=code,
            name=first["province"],
            short_name=first["provinceShort"] or "",
            kind=kind_of(first["province"]),
            level=1,
            parent_key=None,
            new=False,
            latitude=_float(first["provinceLat"]),
            longitude=_float(first["provinceLon"]),
        )
    )
    districts: dict[str, VnUnit] = {}
    wards: list[VnUnit] = []
    for r in rows:
        dkey = _old_key(pkey, r["districtKey"])
        if dkey not in districts:
            districts[dkey] = VnUnit(
                key=dkey,
                code=r["districtCode"],
                name=r["district"],
                short_name=r["districtShort"] or "",
                kind=r["districtType"] or kind_of(r["district"]),
                level=2,
                parent_key=_old_key(pkey),
                new=False,
                latitude=_float(r["districtLat"]),
                longitude=_float(r["districtLon"]),
            )
        if r["wardCode"]:
            wards.append(
                VnUnit(
                    key=_old_key(pkey, r["districtKey"], r["wardKey"]),
                    code=r["wardCode"],
                    name=r["ward"],
                    short_name=r["wardShort"] or "",
                    kind=r["wardType"] or kind_of(r["ward"]),
                    level=3,
                    parent_key=dkey,
                    new=False,
                    latitude=_float(r["wardLat"]),
                    longitude=_float(r["wardLon"]),
                )
            )
    result.old.extend(districts.values())
    result.old.extend(wards)
    return result


def _links_for(old_province_key: str) -> tuple[list[VnLink], set[tuple[str, str]]]:
    """Links from the old communes (or commune-less districts) of one old province to new communes, and the
    (new province key, new commune key) pairs they point to."""
    conv = _converter()
    prefix = old_province_key + "_"
    links: list[VnLink] = []
    targets: set[tuple[str, str]] = set()
    for new_pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_keys in wards.items():
            for old in old_keys:
                if old.startswith(prefix):
                    links.append(VnLink(old.rstrip("_"), _new_key(new_pkey, new_wkey), "merge", 1.0))
                    targets.add((new_pkey, new_wkey))
    for new_pkey, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, entries in olds.items():
            if not old.startswith(prefix) or not entries:
                continue
            for entry, weight in zip(entries, _split_weights(entries), strict=True):
                note = "default successor" if entry.get("isDefaultNewWard") else ""
                links.append(VnLink(old.rstrip("_"), _new_key(new_pkey, entry["newWardKey"]), "split", weight, note))
                targets.add((new_pkey, entry["newWardKey"]))
    return links, targets


def _province_links(old_province_key: str, province_names: dict[str, str]) -> list[VnLink]:
    links = []
    for new_pkey, old_pkeys in _converter()["DICT_PROVINCE"].items():
        if old_province_key in old_pkeys:
            others = [province_names.get(k, k) for k in old_pkeys if k != old_province_key]
            note = ("merged with " + ", ".join(others)) if others else "districts abolished"
            links.append(VnLink(old_province_key, _new_key(new_pkey), "merge", 1.0, note))
    return links


def _read_new(conn: sqlite3.Connection, targets: set[tuple[str, str]]) -> list[VnUnit]:
    provinces: dict[str, VnUnit] = {}
    wards: list[VnUnit] = []
    for new_pkey in sorted({p for p, _ in targets}):
        rows = conn.execute("SELECT * FROM admin_units WHERE provinceKey = ? ORDER BY wardCode", (new_pkey,)).fetchall()
        for r in rows:
            if new_pkey not in provinces:
                provinces[new_pkey] = VnUnit(
                    key=_new_key(new_pkey),
                    code=r["provinceCode"],
                    name=r["province"],
                    short_name=r["provinceShort"] or "",
                    kind=kind_of(r["province"]),
                    level=1,
                    parent_key=None,
                    new=True,
                    latitude=_float(r["provinceLat"]),
                    longitude=_float(r["provinceLon"]),
                )
            if (new_pkey, r["wardKey"]) in targets:
                wards.append(
                    VnUnit(
                        key=_new_key(new_pkey, r["wardKey"]),
                        code=r["wardCode"],
                        name=r["ward"],
                        short_name=r["wardShort"] or "",
                        kind=r["wardType"] or kind_of(r["ward"]),
                        level=3,
                        parent_key=_new_key(new_pkey),
                        new=True,
                        latitude=_float(r["wardLat"]),
                        longitude=_float(r["wardLon"]),
                        area_km2=_float(r["wardAreaKm2"]),
                    )
                )
    found = {u.key for u in wards}
    missing = sorted(f"{p}/{w}" for p, w in targets if _new_key(p, w) not in found)
    if missing:  # pragma: no cover - the package's data is consistent
        raise InvalidInput(f"the {PACKAGE} converter names new communes its dataset lacks: {', '.join(missing[:5])}")
    return [*provinces.values(), *wards]


def _add_notes(result: VnProvince) -> None:
    """Say on each commune's link which district it came from (the district level was abolished)."""
    by_key = {u.key: u for u in [*result.old, *result.new]}
    notes = []
    for link in result.links:
        pred = by_key.get(link.predecessor_key)
        parent = by_key.get(pred.parent_key) if pred and pred.parent_key else None
        extra = f"from {parent.name} (district level abolished)" if pred and pred.level == 3 and parent else ""
        if pred and pred.level == 2:
            extra = "district without communes, became this unit"
        note = "; ".join(n for n in (link.note, extra) if n)
        notes.append(VnLink(link.predecessor_key, link.successor_key, link.kind, link.weight, note[:255]))
    result.links[:] = notes

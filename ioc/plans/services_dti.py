"""Writes to the DTI: a version's structure (from a document: the shape of ioc/plans/data/dti_922.yaml), the
current version, a main index's or sub-index's settings, the province's values for a year, and the
provinces' published scores (one by one, or a CSV/JSON import).

Plan managers only (Action.MANAGE_PLANS; user None is the system: the demo, commands). Every write is checked
first — all errors together, one InvalidInput naming each field (imports: each row, field and why) —, runs in
one transaction (an import with any error writes nothing) and is audited ("dti_version.load", "dti_value.set",
"dti_published.import", …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.plans.dti_io import Errors, number, read_csv
from ioc.plans.models_dti import (
    DtiIndex,
    DtiPublishedScore,
    DtiSubIndex,
    DtiValue,
    DtiVersion,
    Normalisation,
)
from ioc.plans.services_targets import check_dx

MAX_IMPORT_ROWS = 20_000
VERSION_FIELDS = ("code", "name_vi", "name_en", "decision", "total_points", "is_current", "note_vi", "note_en")
INDEX_FIELDS = ("code", "name_vi", "name_en", "group", "max_points", "sort_order")
SUB_FIELDS = (
    "code", "name_vi", "name_en", "max_points", "normalisation", "floor", "ceiling", "higher_is_better", "unit",
    "dx", "effort", "sort_order",
)  # fmt: skip


def _manager(user: Any) -> None:
    if user is not None:
        require(user, Action.MANAGE_PLANS)


# --- structure ------------------------------------------------------------------------------------------


def _check_sub(sub: DtiSubIndex, where: str, errors: Errors) -> None:
    errors.clean(sub, where, exclude=["index"])
    if sub.max_points is not None and sub.max_points <= 0:
        errors.add(f"{where}max_points", _("The maximum points must be more than 0."))
    if sub.normalisation == Normalisation.LINEAR and sub.floor >= sub.ceiling:
        errors.add(f"{where}ceiling", _("The ceiling must be greater than the floor (lower is better: say so)."))
    if sub.effort is not None and sub.effort <= 0:
        errors.add(f"{where}effort", _("The effort per point must be more than 0 (1 = ordinary)."))
    if sub.dx and (problem := check_dx(sub.dx)):
        errors.add(f"{where}dx", problem)


def _fields(raw: Mapping[str, Any], names: Sequence[str], errors: Errors, where: str) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(names) - {"sub_indices", "indices", "demo"})
    if unknown:
        errors.add(where.rstrip(".") or None, _("Unknown fields: %(names)s") % {"names": ", ".join(unknown)})
    return {k: (v.strip() if isinstance(v, str) else ("" if v is None and k in ("dx", "unit", "name_en") else v))
            for k, v in raw.items() if k in names}  # fmt: skip


@transaction.atomic
def do_load_version(user: Any, document: Mapping[str, Any], *, via: str = Via.IMPORT) -> tuple[DtiVersion, int]:
    """Create or update a version with its main indices and sub-indices (matched by code; nothing is deleted).
    Returns the version and how many objects were created."""
    _manager(user)
    errors = Errors()
    found = DtiVersion.objects.filter(code=str(document.get("code", "")).strip()).first()
    v = found or DtiVersion()
    for name, value in _fields(document, VERSION_FIELDS, errors, "").items():
        setattr(v, name, value)
    errors.clean(v, "")
    planned: list[tuple[DtiIndex, list[DtiSubIndex]]] = []
    raw_indices = document.get("indices") or []
    seen: set[str] = set()
    for i, raw in enumerate(raw_indices):
        where = f"indices[{i}]."
        code = str(raw.get("code", "")).strip()
        index = (found and DtiIndex.objects.filter(version=found, code=code).first()) or DtiIndex()
        index.sort_order = i + 1
        for name, value in _fields(raw, INDEX_FIELDS, errors, where).items():
            setattr(index, name, value)
        errors.clean(index, where, exclude=["version"])
        if code in seen:
            errors.add(f"{where}code", _("The code '%(code)s' is used twice.") % {"code": code})
        seen.add(code)
        subs, sub_codes = [], set()
        for j, raw_sub in enumerate(raw.get("sub_indices") or []):
            sub_where = f"{where}sub_indices[{j}]."
            sub_code = str(raw_sub.get("code", "")).strip()
            sub = (index.pk and DtiSubIndex.objects.filter(index=index, code=sub_code).first()) or DtiSubIndex()
            sub.sort_order = j + 1
            for name, value in _fields(raw_sub, SUB_FIELDS, errors, sub_where).items():
                setattr(sub, name, value)
            _check_sub(sub, sub_where, errors)
            if sub_code in sub_codes:
                errors.add(f"{sub_where}code", _("The code '%(code)s' is used twice.") % {"code": sub_code})
            sub_codes.add(sub_code)
            subs.append(sub)
        planned.append((index, subs))
    scored = sum(i.max_points or 0 for i, _subs in planned if isinstance(i.max_points, int | float))
    if not errors.items and planned and abs(scored - v.total_points) > 1e-6:
        errors.add(
            "total_points",
            _("The scored main indices add up to %(sum)g points, the version's total is %(total)g.")
            % {"sum": scored, "total": v.total_points},
        )
    errors.raise_if_any()
    created = 0 if found else 1
    v.save()
    for index, subs in planned:
        created += 0 if index.pk else 1
        index.version = v
        index.save()
        for sub in subs:
            created += 0 if sub.pk else 1
            sub.index = index
            sub.save()
    if v.is_current:
        DtiVersion.objects.exclude(pk=v.pk).filter(is_current=True).update(is_current=False)
    record(user, "dti_version.load", v, via=via, changes={"created": created, "indices": len(planned)})
    return v, created


@transaction.atomic
def do_set_current_version(user: Any, v: DtiVersion, *, via: str = Via.FORM) -> DtiVersion:
    _manager(user)
    DtiVersion.objects.exclude(pk=v.pk).filter(is_current=True).update(is_current=False)
    if not v.is_current:
        v.is_current = True
        v.save(update_fields=["is_current", "last_updated"])
        record(user, "dti_version.update", v, via=via, changes={"is_current": [False, True]})
    return v


def _update(user: Any, obj: DtiIndex | DtiSubIndex, names: Sequence[str], changes: Mapping[str, Any], via: str) -> None:
    errors = Errors()
    before = {n: getattr(obj, n) for n in names}
    for name, value in changes.items():
        if name not in names:
            errors.add(name, _("This field cannot be changed here."))
        else:
            setattr(obj, name, value.strip() if isinstance(value, str) else value)
    if isinstance(obj, DtiSubIndex):
        _check_sub(obj, "", errors)
    else:
        errors.clean(obj, "", exclude=["version"])
    errors.raise_if_any()
    obj.save()
    kind = "dti_sub_index" if isinstance(obj, DtiSubIndex) else "dti_index"
    record(user, f"{kind}.update", obj, via=via, changes=diff(before, {n: getattr(obj, n) for n in names}))


@transaction.atomic
def do_update_index(user: Any, index: DtiIndex, *, via: str = Via.FORM, **changes: Any) -> DtiIndex:
    _manager(user)
    _update(user, index, [n for n in INDEX_FIELDS if n != "code"], changes, via)
    return index


@transaction.atomic
def do_update_sub_index(user: Any, sub: DtiSubIndex, *, via: str = Via.FORM, **changes: Any) -> DtiSubIndex:
    """Change a sub-index's names, points, normalisation, unit, dx or effort (not its code)."""
    _manager(user)
    _update(user, sub, [n for n in SUB_FIELDS if n != "code"], changes, via)
    return sub


# --- the province's values ------------------------------------------------------------------------------


def field_name(sub: DtiSubIndex) -> str:
    """How a sub-index is named in values' errors and in the API: "<main index code>/<sub-index code>"."""
    return f"{sub.index.code}/{sub.code}"


def check_value(sub: DtiSubIndex, raw: Any) -> tuple[float | None, str | None]:
    """The value to store (None: clear it) or why not."""
    try:
        value = number(raw)
    except (TypeError, ValueError):
        return None, _("'%(value)s' is not a number.") % {"value": str(raw)[:40]}
    if value is None:
        return None, None
    if sub.normalisation == Normalisation.SCORE and not 0 <= value <= sub.max_points:
        return None, _("This sub-index is entered as its points: from 0 to %(max)g.") % {"max": sub.max_points}
    if sub.unit.strip() == "%" and not 0 <= value <= 100:
        return None, _("A percentage is between 0 and 100.")
    return value, None


@transaction.atomic
def do_set_values(
    user: Any, v: DtiVersion, year: int, values: Mapping[str, Any], *, note: str = "", via: str = Via.FORM
) -> dict[str, int]:
    """The province's values for `year`, keyed "<index code>/<sub-index code>"; a blank or None clears the entered
    value (a live sub-index then reads the data again). All or nothing. Returns counts."""
    _manager(user)
    errors = Errors()
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        errors.add("year", _("Choose a year between 1990 and 2100."))
    subs = {field_name(s): s for s in DtiSubIndex.objects.filter(index__version=v).select_related("index")}
    checked: dict[str, float | None] = {}
    for key, raw in values.items():
        sub = subs.get(key)
        if sub is None:
            errors.add(key, _("The version %(version)s has no sub-index '%(key)s'.") % {"version": v.code, "key": key})
            continue
        value, problem = check_value(sub, raw)
        if problem:
            errors.add(key, problem)
        checked[key] = value
    errors.raise_if_any()
    existing = {
        field_name(row.sub_index): row
        for row in DtiValue.objects.select_for_update().filter(sub_index__index__version=v, year=year)
        .select_related("sub_index__index")
    }  # fmt: skip
    counts, changes = {"created": 0, "updated": 0, "deleted": 0}, {}
    for key, value in checked.items():
        row = existing.get(key)
        if value is None:
            if row is not None:
                row.delete()
                counts["deleted"] += 1
                changes[key] = [row.value, None]
        elif row is None:
            DtiValue.objects.create(sub_index=subs[key], year=year, value=value, note=note.strip(), by=_by(user))
            counts["created"] += 1
            changes[key] = [None, value]
        elif row.value != value or (note.strip() and row.note != note.strip()):
            changes[key] = [row.value, value]
            row.value, row.by = value, _by(user)
            row.note = note.strip() or row.note
            row.save()
            counts["updated"] += 1
    if changes:
        record(user, "dti_value.set", v, via=via, changes={"year": year, "values": changes})
    return counts


def _by(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


# --- published scores -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    year: int
    province_code: str
    province_name: str
    index: DtiIndex | None
    score: float
    source: str


def _published_row(v: DtiVersion, raw: Mapping[str, Any], n: int | None, errors: Errors, indices: dict) -> Any:
    before = len(errors.items)
    year = raw.get("year")
    try:
        year = int(str(year).strip())
        if not 1990 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("year", _("'%(value)s' is not a year between 1990 and 2100.") % {"value": str(year)[:20]}, n)
    code = str(raw.get("province_code") or "").strip()
    name = str(raw.get("province_name") or "").strip()
    if not code or len(code) > 10:
        errors.add("province_code", _("Give the province's code (at most 10 characters)."), n)
    if not name or len(name) > 100:
        errors.add("province_name", _("Give the province's name (at most 100 characters)."), n)
    index_code = str(raw.get("index") or "").strip()
    index = indices.get(index_code) if index_code else None
    if index_code and (index is None or index.max_points is None):
        message = _("The version %(version)s has no scored main index '%(code)s'.")
        errors.add("index", message % {"version": v.code, "code": index_code}, n)
    try:
        score = number(raw.get("score"))
        if score is None:
            raise ValueError
    except (TypeError, ValueError):
        errors.add("score", _("'%(value)s' is not a number.") % {"value": str(raw.get("score"))[:40]}, n)
        score = None
    top = index.max_points if index is not None else v.total_points
    if score is not None and top is not None and not 0 <= score <= top:
        errors.add("score", _("A score is between 0 and %(max)g.") % {"max": top}, n)
    source = str(raw.get("source") or "").strip()
    if len(source) > 200:
        errors.add("source", _("At most 200 characters."), n)
    if len(errors.items) > before:
        return None
    return Published(year, code, name, index, float(score or 0), source)  # type: ignore[arg-type]


@transaction.atomic
def do_import_published(
    user: Any, v: DtiVersion, content: bytes | str | Sequence[Mapping[str, Any]], *, via: str = Via.IMPORT
) -> dict[str, int]:
    """Published scores from a CSV file (bytes/str) or JSON rows: year, province_code, province_name, score,
    index (empty: the total), source. All or nothing; a row already there (version, year, province, index) is
    replaced. Errors name the row (the file's line; for JSON rows their position from 1), field and why."""
    _manager(user)
    errors = Errors()
    rows = read_csv(content, errors) if isinstance(content, bytes | str) else [dict(r) for r in content]
    if not rows and not errors.items:
        errors.add(None, _("There are no rows to import."))
    if len(rows) > MAX_IMPORT_ROWS:
        errors.add(None, _("At most %(n)s rows at a time.") % {"n": MAX_IMPORT_ROWS})
        rows = []
    indices = {i.code: i for i in DtiIndex.objects.filter(version=v)}
    checked: dict[tuple[int, str, str], Published] = {}
    for position, raw in enumerate(rows, start=1):
        n = int(raw.get("_line", position))
        row = _published_row(v, raw, n, errors, indices)
        if row is None:
            continue
        key = (row.year, row.province_code, row.index.code if row.index else "")
        if key in checked:
            errors.add("province_code", _("This province's score for that year and index is given twice."), n)
        checked[key] = row
    errors.raise_if_any()
    # One read of the rows already there for these years, then bulk writes (a year of 63 provinces × 9 is ~600).
    existing = {
        (p.year, p.province_code, p.index.code if p.index else ""): p
        for p in DtiPublishedScore.objects.select_for_update(of=("self",))
        .filter(version=v, year__in={k[0] for k in checked})
        .select_related("index")
    }  # fmt: skip
    new, changed = [], []
    for key, row in checked.items():
        fields = {"province_name": row.province_name, "score": row.score, "source": row.source}
        found = existing.get(key)
        if found is None:
            new.append(
                DtiPublishedScore(version=v, year=row.year, province_code=row.province_code, index=row.index, **fields)
            )
        else:
            for name, value in fields.items():
                setattr(found, name, value)
            changed.append(found)
    DtiPublishedScore.objects.bulk_create(new, batch_size=500)
    DtiPublishedScore.objects.bulk_update(changed, ["province_name", "score", "source"], batch_size=500)
    counts = {"created": len(new), "updated": len(changed)}
    record(user, "dti_published.import", v, via=via, changes={**counts, "rows": len(checked)})
    return counts


@transaction.atomic
def do_delete_published(user: Any, v: DtiVersion, year: int, *, via: str = Via.FORM) -> int:
    """Remove every published score of a year (before importing a corrected table)."""
    _manager(user)
    deleted, _detail = DtiPublishedScore.objects.filter(version=v, year=year).delete()
    record(user, "dti_published.delete", v, via=via, changes={"year": year, "deleted": deleted})
    return deleted

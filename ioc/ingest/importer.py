"""Importing a parsed file: do_import — every rule of do_set_value, for a million values at a time.

    summary = do_import(user, parse_file(data, "file.csv"), source="file.csv")

The pipeline is set-based rather than row by row (ioc.datavalues.checker.Checker checks one row at a time,
far too slow for a million):

1. resolve the file's references once each: data elements by uid/code/name (the row's IdSchemes; a name
   matches name_vi or name_en), their option combos (none given: the combo's only cell, as do_set_value),
   ADX disaggregations (adx.map_disaggregations), periods, and org units per distinct (reference, period)
   with the reorganisation rule (a code names the unit open during the period; a code closed by then is an
   error naming its successor);
2. check each row with the rules of do_set_value (ioc.datavalues.checks, in its order): element, option
   combo, period type, unit open during the period, unit within the user's entry scope, the value for the
   element's type and min/max, comment and follow-up, then locks (PeriodLock: manual, submitted, approved),
   expiry (admins may still write into expired periods) and future periods. Rules that do not depend on
   the row are run once per distinct combination ((element, period), (unit, period), (data sets, unit,
   period)) and remembered. Two rows with the same key and different values are both refused, each
   naming the other; identical duplicates are written once (the others count as ignored);
3. all or nothing (default): any bad row and nothing is written, the summary (status ERROR) lists every bad
   row; with all_or_nothing=False the good rows are written and the bad ones listed (status WARNING);
4. write, set-based and audited (ioc.ingest.staging): unchanged values are not written (ignored), so that
   importing a file twice changes nothing the second time; the importStrategy decides what happens to
   stored values (CREATE, UPDATE, CREATE_AND_UPDATE, DELETE: a soft delete as do_delete_value). A dry run
   does everything, classification included, then rolls back and reports what would have happened.

Every import leaves an ImportRun row (status, counts, the first conflicts) and an audit entry.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, IocError
from ioc.core.periods import PERIOD_TYPES, Period, parse_period
from ioc.datavalues import checks, writes
from ioc.datavalues.checker import CHUNK
from ioc.datavalues.models import ImportRun, PeriodLock
from ioc.ingest.rows import (
    R_DISAGG,
    R_ELEMENT,
    R_KIND,
    R_PERIOD,
    R_POSITION,
    R_SCHEMES,
    R_SOURCE,
    R_UNIT,
    IdSchemes,
    ParseResult,
    Record,
    RowIssue,
    without_gc,
)
from ioc.ingest.staging import COLUMNS, VT_NUMBER, VT_OF, Stage, display, prepare_connection, sql_simple
from ioc.ingest.summary import ERROR, MAX_STORED_CONFLICTS, STRATEGIES, SUCCESS, WARNING, ImportSummary
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import _pick as pick_unit  # the code-at-a-date rule of try_resolve_codes

Progress = Callable[[int, int], None]
# DHIS2's uid of its default category option combo: accepted wherever the default combo is meant.
DHIS2_DEFAULT_COC = "HllvX50cXC0"
VALIDATE_CHUNK = 50_000
# Up to this many (unit, period) pairs changed, an import runs the validation rules on them at once.
VALIDATE_INLINE_PAIRS = 5_000


class _Bad:
    """Why a reference or combination is refused (cached like a good result)."""

    __slots__ = ("field", "message", "value")

    def __init__(self, field: str, message: str, value: object = None) -> None:
        self.field = field
        self.message = message
        self.value = value


def _bad(exc: IocError, value: object) -> _Bad:
    field = next((str(e["field"]) for e in exc.errors if e.get("field")), "")
    return _Bad(field, exc.message, value)


@dataclass(frozen=True)
class _Element:
    pk: int
    obj: DataElement
    vt: int
    numeric: bool
    value_type: str
    lo: float | None
    hi: float | None
    sets_key: int


def check_strategy(strategy: str | None) -> str:
    value = (strategy or "CREATE_AND_UPDATE").strip().upper()
    if value == "NEW_AND_UPDATES":  # DHIS2's older name
        value = "CREATE_AND_UPDATE"
    if value == "NEW":
        value = "CREATE"
    if value == "UPDATES":
        value = "UPDATE"
    if value not in STRATEGIES:
        raise InvalidInput(
            _("importStrategy must be one of %(all)s, not '%(value)s'")
            % {"all": ", ".join(STRATEGIES), "value": strategy},
            field="importStrategy",
        )
    return value


class _Resolver:
    """The metadata of one file, loaded with a few queries, and the per-combination rule results."""

    def __init__(self, user: User, records: list[Record], strategy: str) -> None:
        self.user = user
        self.strategy = strategy
        self.today = timezone.localdate()
        self.entry_roots = user.entry_root_units()
        self.bypass_expiry = user.sees_everything
        schemes = {id(r[R_SCHEMES]): r[R_SCHEMES] for r in _distinct_by_id(records, R_SCHEMES)}
        self.schemes: list[IdSchemes] = [s if isinstance(s, IdSchemes) else IdSchemes() for s in schemes.values()]
        self._load_elements(set(map(itemgetter(R_ELEMENT), records)))
        self._load_periods(set(map(itemgetter(R_PERIOD), records)))
        self._load_units(set(map(itemgetter(R_UNIT, R_PERIOD), records)))
        self._load_locks_and_assignments()
        self.data_sets: dict[tuple[str, str], DataSet | None] = {}

    # ---- loading

    def _load_elements(self, refs: set[str]) -> None:
        by_name = any(s.data_element == "name" for s in self.schemes)
        condition = Q(code__in=refs) | Q(uid__in=refs)
        if by_name:
            condition |= Q(name_vi__in=refs) | Q(name_en__in=refs)
        elements = list(DataElement.objects.select_related("category_combo").filter(condition))
        self.el_uid = {e.uid: e for e in elements}
        self.el_code = {e.code: e for e in elements}
        self.el_name: dict[str, list[DataElement]] = defaultdict(list)
        for e in elements:
            for name in {e.name_vi, e.name_en} - {""}:
                self.el_name[name].append(e)
        self.sets_of: dict[int, list[DataSet]] = defaultdict(list)
        links = DataSetElement.objects.select_related("data_set").filter(data_element__in=[e.pk for e in elements])
        for link in links:
            self.sets_of[link.data_element_id].append(link.data_set)
        self.cocs_of_combo: dict[int, list[CategoryOptionCombo]] = defaultdict(list)
        for coc in CategoryOptionCombo.objects.filter(combo_id__in={e.category_combo_id for e in elements}).order_by(
            "combo_id", "sort_order", "code"
        ):
            self.cocs_of_combo[coc.combo_id].append(coc)
        set_keys: dict[tuple[int, ...], int] = {}
        self.set_groups: dict[int, list[DataSet]] = {}
        self.elements: dict[int, _Element] = {}
        for e in elements:
            sets = self.sets_of.get(e.pk, [])
            ids = tuple(sorted(ds.pk for ds in sets))
            key = set_keys.setdefault(ids, len(set_keys))
            self.set_groups[key] = sets
            self.elements[e.pk] = _Element(
                pk=e.pk,
                obj=e,
                vt=VT_OF.get(e.value_type, VT_NUMBER),
                numeric=e.value_type in (ValueType.NUMBER, ValueType.INTEGER, ValueType.PERCENTAGE),
                value_type=e.value_type,
                lo=e.min_value,
                hi=e.max_value,
                sets_key=key,
            )

    def _load_periods(self, ids: set[str]) -> None:
        self.periods: dict[str, Period] = {}
        for text in ids:
            self.periods[text] = parse_period(text)  # the parsers gave DHIS2 ids: they parse

    def _load_units(self, pairs: set[tuple[str, str]]) -> None:
        refs = {ref for ref, _p in pairs}
        by_name = any(s.org_unit == "name" for s in self.schemes)
        condition = Q(uid__in=refs)
        if by_name:
            condition |= Q(name_vi__in=refs) | Q(name_en__in=refs)
        units = list(OrgUnit.objects.filter(condition))
        self.unit_uid = {u.uid: u for u in units if u.uid in refs}
        self.unit_name: dict[str, list[OrgUnit]] = defaultdict(list)
        for u in units:
            for name in {u.name_vi, u.name_en} - {""}:
                if name in refs:
                    self.unit_name[name].append(u)
        # Codes: the unit open on the period's first and last day, one query per distinct day.
        codes_on: dict[dt.date, set[str]] = defaultdict(set)
        for ref, pid in pairs:
            if ref not in self.unit_uid:
                period = self.periods[pid]
                codes_on[period.start].add(ref)
                codes_on[period.end].add(ref)
        self.unit_code: dict[tuple[str, dt.date], OrgUnit | str] = {}
        # One query for every unit with these codes, then try_resolve_codes's rule (selectors._pick) per day.
        with_code: dict[str, list[OrgUnit]] = defaultdict(list)
        wanted = {code for codes in codes_on.values() for code in codes}
        for i in range(0, len(wanted), CHUNK):
            for u in OrgUnit.objects.select_related("parent").filter(code__in=sorted(wanted)[i : i + CHUNK]):
                with_code[u.code].append(u)
        for day, codes in codes_on.items():
            for code in codes:
                self.unit_code[(code, day)] = pick_unit(code, with_code.get(code, []), day)
        self.units: dict[int, OrgUnit] = {u.pk: u for u in units}
        for unit_or_why in self.unit_code.values():
            if isinstance(unit_or_why, OrgUnit):
                self.units.setdefault(unit_or_why.pk, unit_or_why)

    def _load_locks_and_assignments(self) -> None:
        self.locks_by_set: dict[int, list[tuple[Period, PeriodLock]]] = defaultdict(list)
        self.assigned: set[tuple[int, int]] = set()
        set_ids = {ds.pk for sets in self.sets_of.values() for ds in sets}
        if not set_ids or not self.units:
            return
        lock_periods: set[str] = set()
        for period in self.periods.values():
            rank = PERIOD_TYPES.index(period.period_type)
            lock_periods.update(period.rollup(t).id for t in PERIOD_TYPES[rank:])
        ancestors = {pk for unit in self.units.values() for pk in unit.ancestor_ids()}
        locks = PeriodLock.objects.select_related("org_unit").filter(
            data_set_id__in=set_ids, period__in=lock_periods, org_unit_id__in=ancestors
        )
        for lock in locks:
            try:
                self.locks_by_set[lock.data_set_id].append((parse_period(lock.period), lock))
            except InvalidInput:
                continue
        expiring = {ds.pk for sets in self.sets_of.values() for ds in sets if ds.expiry_days > 0}
        if expiring:
            through = DataSet.org_units.through
            unit_ids = list(self.units)
            for i in range(0, len(unit_ids), CHUNK):
                pairs = through.objects.filter(dataset_id__in=expiring, orgunit_id__in=unit_ids[i : i + CHUNK])
                self.assigned.update(pairs.values_list("dataset_id", "orgunit_id"))

    # ---- resolving one distinct reference

    def element(self, ref: str, scheme: str) -> DataElement | _Bad:
        found: DataElement | None
        if scheme == "name":
            matches = {e.pk: e for e in self.el_name.get(ref, [])}
            if len(matches) > 1:
                return _Bad(
                    "dataElement",
                    _("Data element: the name '%(ref)s' is ambiguous (%(codes)s); use the code or uid")
                    % {"ref": ref, "codes": ", ".join(sorted(e.code for e in matches.values()))},
                    ref,
                )
            found = next(iter(matches.values()), None)
        elif scheme == "code":
            found = self.el_code.get(ref) or self.el_uid.get(ref)
        else:
            found = self.el_uid.get(ref) or self.el_code.get(ref)
        if found is None:
            what = _("name") if scheme == "name" else _("code or uid")
            return _Bad(
                "dataElement",
                _("Data element: no data element with %(what)s '%(ref)s'") % {"what": what, "ref": ref},
                ref,
            )
        return found

    def option_combo(self, element: DataElement, ref: str | None, scheme: str) -> CategoryOptionCombo | _Bad:
        options = self.cocs_of_combo.get(element.category_combo_id, [])
        if ref is not None and ref == DHIS2_DEFAULT_COC and element.category_combo.is_default and len(options) == 1:
            return options[0]
        if ref is not None and scheme == "name":
            matches = [o for o in options if ref in (o.name_vi, o.name_en)]
            if not matches:  # an ADX disaggregation, mapped to the combo's code
                matches = [o for o in options if o.code == ref]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                return _Bad(
                    "categoryOptionCombo",
                    _("Category option combo: the name '%(ref)s' is ambiguous; use the code or uid") % {"ref": ref},
                    ref,
                )
            return _Bad(
                "categoryOptionCombo",
                _("Category option combo: no category option combo named '%(ref)s' in %(combo)s (one of %(options)s)")
                % {
                    "ref": ref,
                    "combo": element.category_combo.code,
                    "options": ", ".join(o.name for o in options) or "-",
                },
                ref,
            )
        try:
            return checks.option_combo(element, options, ref)
        except IocError as exc:
            return _bad(exc, ref)

    def unit(self, ref: str, period: Period, scheme: str) -> OrgUnit | _Bad:
        try:
            if scheme == "name":
                candidates = {u.pk: u for u in self.unit_name.get(ref, [])}
                if not candidates:
                    return _Bad("orgUnit", _("Org unit: no org unit named '%(ref)s'") % {"ref": ref}, ref)
                open_units = [
                    u
                    for u in candidates.values()
                    if not (u.closed is not None and u.closed < period.start)
                    and not (u.opened is not None and period.end < u.opened)
                ]
                if len(open_units) > 1:
                    return _Bad(
                        "orgUnit",
                        _("Org unit: the name '%(ref)s' names %(n)s units open during %(period)s; use the code or uid")
                        % {"ref": ref, "n": len(open_units), "period": period.id},
                        ref,
                    )
                unit = open_units[0] if open_units else next(iter(candidates.values()))
            elif ref in self.unit_uid and scheme != "code":
                unit = self.unit_uid[ref]
            else:
                at_start = self.unit_code.get((ref, period.start), ref)
                at_end = self.unit_code.get((ref, period.end), ref)
                if not isinstance(at_start, OrgUnit) and not isinstance(at_end, OrgUnit) and ref in self.unit_uid:
                    unit = self.unit_uid[ref]  # the code scheme, given a uid
                else:
                    unit = checks.unit_of_code(ref, period, at_start, at_end)
            checks.unit_open(unit, period)
            checks.entry_scope(unit, self.entry_roots)
        except IocError as exc:
            return _bad(exc, ref)
        return unit

    def period_type(self, element: DataElement, period: Period) -> _Bad | None:
        try:
            checks.period_type(period, element, self.sets_of.get(element.pk, []))
        except IocError as exc:
            return _bad(exc, period.id)
        return None

    def locked(self, sets_key: int, unit: OrgUnit, period: Period) -> _Bad | None:
        """not_locked, not_future and (unless the user is an admin) not_expired, for the data sets of a group."""
        sets = self.set_groups[sets_key]
        try:
            checks.not_locked(unit, period, sets, self.locks_by_set)
            checks.not_future(period, sets, self.today)
            if not self.bypass_expiry:
                checks.not_expired(unit, period, sets, self.assigned, self.today)
        except IocError as exc:
            return _bad(exc, period.id)
        return None

    def in_data_set(self, ref: str, scheme: str, element: DataElement) -> _Bad | None:
        key = (ref, scheme)
        if key not in self.data_sets:
            if scheme == "name":
                found = DataSet.objects.filter(Q(name_vi=ref) | Q(name_en=ref)).first()
            else:
                found = DataSet.objects.filter(Q(uid=ref) | Q(code=ref)).first()
            self.data_sets[key] = found
        ds = self.data_sets[key]
        if ds is None:
            return _Bad("dataSet", _("Data set: no data set '%(ref)s'") % {"ref": ref}, ref)
        if not any(s.pk == ds.pk for s in self.sets_of.get(element.pk, [])):
            return _Bad(
                "dataElement",
                _("Data element: %(element)s is not in data set %(set)s") % {"element": element.code, "set": ds.code},
                element.code,
            )
        return None

    def attribute_combo(self, ref: str) -> _Bad | None:
        if ref in ("default", DHIS2_DEFAULT_COC):
            return None
        default = CategoryOptionCombo.objects.filter(code="default").first()
        if default is not None and ref in (default.uid, default.name_vi, default.name_en):
            return None
        return _Bad(
            "attributeOptionCombo",
            _("Attribute option combo: '%(ref)s' is not used here; leave it empty or give the default") % {"ref": ref},
            ref,
        )


def _distinct_by_id(records: list[Record], index: int) -> list[Record]:
    seen: dict[int, Record] = {}
    last: object = object()
    for r in records:
        value = r[index]
        if value is not last:
            last = value
            seen.setdefault(id(value), r)
    return list(seen.values())


@dataclass
class _Checked:
    rows: list[tuple[Any, ...]]  # staging rows (ioc.ingest.staging.COLUMNS)
    origin: list[Record]  # the record of each staging row
    conflicts: list[RowIssue]
    bad_rows: int
    duplicates: int
    element_ids: set[int]
    unit_ids: set[int]
    periods: set[str]


def _check(resolver: _Resolver, records: list[Record], tick: Callable[[int], None]) -> _Checked:
    """Every rule, for every row; the staging rows of the good ones."""
    conflicts: list[RowIssue] = []
    stage: list[tuple[Any, ...]] = []
    origin: list[Record] = []
    el_cache: dict[tuple[Any, ...], tuple[_Element, int] | _Bad] = {}
    unit_cache: dict[tuple[Any, ...], tuple[int, OrgUnit, Period, tuple[str, Any, Any]] | _Bad] = {}
    pt_cache: dict[tuple[int, str], _Bad | None] = {}
    lock_cache: dict[tuple[int, int, str], _Bad | None] = {}
    extra_cache: dict[tuple[Any, ...], _Bad | None] = {}
    seen: dict[tuple[int, int, str, int], int] = {}
    clashes: dict[tuple[int, int, str, int], list[int]] = {}
    duplicates = 0
    bad_rows = 0
    deleting = resolver.strategy == "DELETE"
    sqlite_dates = not _is_postgres()
    last_schemes: object = None
    de_scheme = coc_scheme = ou_scheme = ds_scheme = "uid"

    def refuse(rec: Record, bad: _Bad) -> None:
        conflicts.append(RowIssue(rec[R_SOURCE], rec[R_KIND], rec[R_POSITION], bad.field, bad.value, bad.message))

    for n, rec in enumerate(records, start=1):
        if n % VALIDATE_CHUNK == 0:
            tick(VALIDATE_CHUNK)
        de_ref, pid, ou_ref, coc_ref, raw, comment, follow_up, aoc, _s, _k, _p, schemes, ds_ref = rec[:13]
        if schemes is not last_schemes:
            last_schemes = schemes
            sch = schemes if isinstance(schemes, IdSchemes) else IdSchemes()
            de_scheme, coc_scheme, ou_scheme, ds_scheme = (
                sch.data_element,
                sch.category_option_combo,
                sch.org_unit,
                sch.data_set,
            )
        # 1. element and option combo
        key = (de_ref, coc_ref, de_scheme, coc_scheme)
        ec = el_cache.get(key)
        if ec is None:
            found = resolver.element(de_ref, de_scheme)
            if isinstance(found, _Bad):
                ec = found
            else:
                coc = resolver.option_combo(found, coc_ref, coc_scheme)
                ec = coc if isinstance(coc, _Bad) else (resolver.elements[found.pk], coc.pk)
            el_cache[key] = ec
        if type(ec) is _Bad:
            refuse(rec, ec)
            bad_rows += 1
            continue
        el, coc_id = ec  # type: ignore[misc]
        # 2. period type
        pkey = (el.pk, pid)
        bad = pt_cache.get(pkey, False)
        if bad is False:
            bad = pt_cache[pkey] = resolver.period_type(el.obj, resolver.periods[pid])
        if bad is not None:
            refuse(rec, bad)  # type: ignore[arg-type]
            bad_rows += 1
            continue
        # 3. unit: resolved for the period, open, within the entry scope
        ukey = (ou_ref, pid, ou_scheme)
        uc = unit_cache.get(ukey)
        if uc is None:
            period = resolver.periods[pid]
            found_unit = resolver.unit(ou_ref, period, ou_scheme)
            if isinstance(found_unit, _Bad):
                uc = found_unit
            else:
                dates = (
                    (period.period_type, str(period.start), str(period.end))
                    if sqlite_dates
                    else (period.period_type, period.start, period.end)
                )
                uc = (found_unit.pk, found_unit, period, dates)
            unit_cache[ukey] = uc
        if type(uc) is _Bad:
            refuse(rec, uc)
            bad_rows += 1
            continue
        unit_id, unit, period, dates = uc  # type: ignore[misc]
        # data set (when the file names one) and attribute option combo
        if ds_ref is not None or aoc is not None:
            xkey = (ds_ref, ds_scheme, el.pk, aoc)
            if xkey not in extra_cache:
                extra_cache[xkey] = (
                    resolver.in_data_set(ds_ref, ds_scheme, el.obj) if ds_ref is not None else None
                ) or (resolver.attribute_combo(aoc) if aoc is not None else None)
            bad = extra_cache[xkey]
            if bad is not None:
                refuse(rec, bad)
                bad_rows += 1
                continue
        # 4. value, comment, follow-up
        num: float | None = None
        text: str | None = None
        disp: str | None = None
        if not deleting:
            if el.numeric and raw is not None:
                try:
                    num = float(raw)
                except (ValueError, TypeError):
                    num = None
                if (
                    num is None
                    or num - num != 0
                    or (el.lo is not None and num < el.lo)
                    or (el.hi is not None and num > el.hi)
                    or (el.value_type == ValueType.INTEGER and not num.is_integer())
                    or (el.value_type == ValueType.PERCENTAGE and not 0 <= num <= 100)
                ):
                    num = None
            if num is None:
                try:
                    num, text = checks.value(el.obj, raw)
                except IocError as exc:
                    refuse(rec, _bad(exc, raw))
                    bad_rows += 1
                    continue
            if not sql_simple(el.vt, num):
                disp = display(el.vt, num, text)
            if comment is not None and len(comment) > checks.MAX_COMMENT:
                refuse(rec, _Bad("comment", _("Comment: at most %(n)s characters") % {"n": f"{checks.MAX_COMMENT:,}"}))
                bad_rows += 1
                continue
        # 5. locks, future periods, expiry
        lkey = (el.sets_key, unit_id, pid)
        bad = lock_cache.get(lkey, False)
        if bad is False:
            bad = lock_cache[lkey] = resolver.locked(el.sets_key, unit, period)
        if bad is not None:
            refuse(rec, bad)  # type: ignore[arg-type]
            bad_rows += 1
            continue
        # 6. the same key twice
        vkey = (el.pk, unit_id, pid, coc_id)
        first = seen.get(vkey)
        if first is not None:
            other = stage[first]
            if (
                vkey not in clashes
                and other[8] == num
                and other[9] == text
                and other[10] == comment
                and other[11] == follow_up
            ):
                duplicates += 1
                continue
            clashes.setdefault(vkey, [first]).append(len(stage))
        else:
            seen[vkey] = len(stage)
        ptype, sd, ed = dates
        stage.append(
            (len(stage), el.pk, unit_id, pid, ptype, sd, ed, coc_id, num, text, comment, follow_up, el.vt, disp)
        )
        origin.append(rec)
    tick(len(records) % VALIDATE_CHUNK)
    if clashes:
        drop: set[int] = set()
        for indexes in clashes.values():
            for i in indexes:
                others = ", ".join(str(origin[j][R_POSITION]) for j in indexes if j != i)
                rec = origin[i]
                conflicts.append(
                    RowIssue(
                        rec[R_SOURCE],
                        rec[R_KIND],
                        rec[R_POSITION],
                        "value",
                        rec[4],
                        _(
                            "the same data element, org unit, period and category option combo as %(kind)s %(others)s, "
                            "with a different value, comment or follow-up; keep one"
                        )
                        % {"kind": _(rec[R_KIND]), "others": others},
                    )
                )
                drop.add(i)
        bad_rows += len(drop)
        kept = [(row, rec) for row, rec in zip(stage, origin, strict=True) if row[0] not in drop]
        stage = [(i, *row[1:]) for i, (row, _rec) in enumerate(kept)]
        origin = [rec for _row, rec in kept]
        conflicts.sort(key=lambda c: (c.source, c.position))
    element_ids = {el_pk for el_pk, _pid in pt_cache}
    unit_ids = {k[1] for k in lock_cache}
    periods = {k[2] for k in lock_cache}
    return _Checked(stage, origin, conflicts, bad_rows, duplicates, element_ids, unit_ids, periods)


def _is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _map_adx(parsed: ParseResult) -> ParseResult:
    """ADX rows carry their disaggregation as category/option codes: map them to option combos."""
    if not any(r[R_DISAGG] for r in parsed.records):
        return parsed
    from ioc.ingest.adx import map_disaggregations
    from ioc.ingest.lookups import element_combos

    by_scheme: dict[str, set[str]] = defaultdict(set)
    for r in parsed.records:
        if r[R_DISAGG]:
            scheme = r[R_SCHEMES].data_element if isinstance(r[R_SCHEMES], IdSchemes) else "uid"
            by_scheme[scheme].add(r[R_ELEMENT])
    combos: dict[str, Any] = {}
    for scheme, refs in by_scheme.items():
        combos.update(element_combos(refs, scheme=scheme))
    return map_disaggregations(parsed, combos)


@without_gc
def do_import(
    user: User,
    parsed: ParseResult | Iterable[ParseResult],
    *,
    strategy: str = "CREATE_AND_UPDATE",
    dry_run: bool = False,
    all_or_nothing: bool = True,
    via: str = Via.IMPORT,
    source: str,
    progress: Progress | None = None,
    options: dict[str, Any] | None = None,
    validate: bool = True,
) -> ImportSummary:
    """Import the rows of one or more parsed files (see the module's docstring). NotAllowed when the user
    may not enter data at all; every other problem is a conflict in the summary. With `validate`, the
    validation rules then run on the (unit, period) pairs the import changed (summary.validation)."""
    require(user, Action.ENTER_DATA)
    strategy = check_strategy(strategy)
    started = time.perf_counter()
    results = [parsed] if isinstance(parsed, ParseResult) else list(parsed)
    summary = ImportSummary(
        strategy=strategy, dry_run=dry_run, all_or_nothing=all_or_nothing, options=dict(options or {})
    )
    run = ImportRun.objects.create(user=user, source=source[:255], via=via, dry_run=dry_run)
    summary.import_run = run.pk
    results = [_map_adx(r) for r in results]
    records = [rec for r in results for rec in r.records]
    issues = [i for r in results for i in r.issues]
    total = len(records) + len(issues)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, 3 * total), 3 * total)

    bad = len(issues)
    good = 0
    touched: set[tuple[int, str]] = set()
    timings = summary.timings
    prepare_connection()
    lap = time.perf_counter()
    try:
        with transaction.atomic():
            # Take the write lock first (SQLite) so that what is classified below stays true until the writes.
            ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
            checked = None
            if records:
                lap = time.perf_counter()
                resolver = _Resolver(user, records, strategy)
                timings["resolve"] = time.perf_counter() - lap
                lap = time.perf_counter()
                checked = _check(resolver, records, tick)
                timings["check"] = time.perf_counter() - lap
            conflicts = sorted(issues, key=lambda i: (i.source, i.position))
            if checked is not None:
                conflicts = _merge(conflicts, checked.conflicts)
                bad += checked.bad_rows
                good = len(checked.rows)
            summary.conflicts = conflicts
            if checked is None or not good or (bad and all_or_nothing):
                summary.ignored = total
                tick(3 * total)
            else:
                summary.ignored = bad + checked.duplicates
                _stage_and_write(user, strategy, via, dry_run, checked, summary, tick, timings)
                if summary.imported + summary.updated + summary.deleted:
                    touched = {(row[OU], row[PERIOD]) for row in checked.rows}
            if dry_run:
                transaction.set_rollback(True)
            lap = time.perf_counter()
        timings["commit"] = time.perf_counter() - lap
    except IntegrityError as exc:
        summary.imported = summary.updated = summary.deleted = 0
        summary.ignored = total
        bad = max(bad, 1)
        summary.conflicts.append(
            RowIssue(
                source,
                "row",
                0,
                None,
                None,
                _(
                    "some of these values were written by someone else during the import; nothing was written, "
                    "import the file again (%(db)s)"
                )
                % {"db": str(exc).splitlines()[0] if str(exc) else type(exc).__name__},
            )
        )
    if total == 0:
        bad = 1
        summary.conflicts.append(RowIssue(source, "row", 0, None, None, _("the file has no data values")))
    if bad and (all_or_nothing or not good):
        summary.status = ERROR
    elif summary.conflicts:
        summary.status = WARNING
    else:
        summary.status = SUCCESS
    summary.description = _describe(summary, len(summary.conflicts))
    summary.seconds = time.perf_counter() - started
    _finish(user, run, summary, source, via)
    if validate and not dry_run and summary.status != ERROR and touched:
        summary.validation = validate_after_import(user, touched, via)
    return summary


OU, PERIOD = COLUMNS.index("ou"), COLUMNS.index("period")


def validate_after_import(user: User, touched: set[tuple[int, str]], via: str) -> dict[str, Any]:
    """Run the validation rules at the (unit, period) pairs an import changed and keep the results (the
    results page, the follow-up list). A very large import leaves it to the nightly run and says so."""
    from ioc.quality.services import validate_and_record

    if len(touched) > VALIDATE_INLINE_PAIRS:
        return {
            "ran": False,
            "pairs": len(touched),
            "message": _(
                "Validation rules were not run on this import (%(n)s units × periods); they run tonight, or "
                "on the data quality page"
            )
            % {"n": f"{len(touched):,}"},
        }
    found = validate_and_record(user, touched, via=via)
    shown = [v.message for v in found.violation_list()[:20]]
    return {
        "ran": True,
        "pairs": len(touched),
        "rules": found.rules,
        "violations": found.violations,
        "examples": shown,
        "message": _("Validation rules: %(n)s broken") % {"n": found.violations}
        if found.violations
        else _("Validation rules: none broken"),
    }


def record_failure(
    user: User,
    source: str,
    via: str,
    error: IocError,
    *,
    strategy: str = "CREATE_AND_UPDATE",
    dry_run: bool = False,
    all_or_nothing: bool = True,
) -> ImportSummary:
    """The summary (status ERROR) of a file refused as a whole (too large, empty, wrong encoding, malformed),
    recorded like any import (an ImportRun row and an audit entry)."""
    require(user, Action.ENTER_DATA)
    run = ImportRun.objects.create(user=user, source=source[:255], via=via, dry_run=dry_run)
    field = next((str(e["field"]) for e in error.errors if e.get("field")), None)
    summary = ImportSummary(
        status=ERROR,
        strategy=strategy,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        import_run=run.pk,
        conflicts=[RowIssue(source, "row", 0, field, None, error.message)],
    )
    summary.description = error.message
    _finish(user, run, summary, source, via)
    return summary


def _merge(a: list[RowIssue], b: list[RowIssue]) -> list[RowIssue]:
    if not a:
        return b
    if not b:
        return a
    return sorted(a + b, key=lambda i: (i.source, i.position))


def _stage_and_write(
    user: User,
    strategy: str,
    via: str,
    dry_run: bool,
    checked: _Checked,
    summary: ImportSummary,
    tick: Callable[[int], None],
    timings: dict[str, float],
) -> None:
    n = len(checked.rows)
    lap = time.perf_counter()
    stage = Stage(strategy, user.pk, via, timezone.now())
    stage.create()
    stage.load(checked.rows, tick)
    timings["stage"] = time.perf_counter() - lap
    lap = time.perf_counter()
    counts = stage.classify(n)
    timings["classify"] = time.perf_counter() - lap
    skipped = {"E": "exists", "N": "missing"}
    skipped_rows = stage.rows_with(list(skipped)) if any(counts.get(a) for a in skipped) else []
    for idx in skipped_rows:
        rec = checked.origin[idx]
        if strategy == "CREATE":
            why = _("a value is already stored for this key; importStrategy CREATE only adds new values")
        elif strategy == "UPDATE":
            why = _("no value is stored for this key; importStrategy UPDATE only changes stored values")
        else:
            why = _("no value is stored for this key; there is nothing to delete")
        summary.conflicts.append(RowIssue(rec[R_SOURCE], rec[R_KIND], rec[R_POSITION], "value", rec[4], why))
    if skipped_rows:
        summary.conflicts.sort(key=lambda c: (c.source, c.position))
    summary.imported = counts.get("C", 0) + counts.get("R", 0)
    summary.updated = counts.get("M", 0)
    summary.deleted = counts.get("D", 0)
    summary.ignored += counts.get("U", 0) + counts.get("E", 0) + counts.get("N", 0)
    changed = summary.imported + summary.updated + summary.deleted
    if not dry_run and changed:
        steps = 0

        def write_tick(_k: int) -> None:
            nonlocal steps
            steps += 1
            tick(n // 4 if steps < 4 else n - 3 * (n // 4))

        lap = time.perf_counter()
        stage.write(write_tick)
        timings["write"] = time.perf_counter() - lap
        timings.update((k, v) for k, v in stage.timings.items() if k.startswith("write_"))
        writes.notify(checked.element_ids, checked.unit_ids, checked.periods)
    else:
        tick(n)
    stage.drop()


def _describe(summary: ImportSummary, conflicts: int) -> str:
    counts = {
        "imported": summary.imported,
        "updated": summary.updated,
        "ignored": summary.ignored,
        "deleted": summary.deleted,
        "conflicts": conflicts,
    }
    if summary.status == ERROR:
        text = _("Nothing was imported: %(conflicts)s conflict(s); fix every row listed and import again.") % counts
    elif summary.status == WARNING:
        text = (
            _(
                "Imported with conflicts: %(imported)s imported, %(updated)s updated, %(deleted)s deleted, "
                "%(ignored)s ignored; %(conflicts)s row(s) skipped, listed below."
            )
            % counts
        )
    else:
        text = (
            _("Import complete: %(imported)s imported, %(updated)s updated, %(deleted)s deleted, %(ignored)s ignored.")
            % counts
        )
    if summary.dry_run:
        text = _("Dry run, nothing was written. %(text)s") % {"text": text}
    return text


def _finish(user: User, run: ImportRun, summary: ImportSummary, source: str, via: str) -> None:
    run.status = {SUCCESS: ImportRun.Status.SUCCESS, WARNING: ImportRun.Status.WARNING}.get(
        summary.status, ImportRun.Status.ERROR
    )
    run.imported, run.updated, run.ignored, run.deleted = (
        summary.imported,
        summary.updated,
        summary.ignored,
        summary.deleted,
    )
    run.conflicts = summary.stored_conflicts(MAX_STORED_CONFLICTS)
    run.finished = timezone.now()
    run.save(update_fields=["status", "imported", "updated", "ignored", "deleted", "conflicts", "finished"])
    record(
        user,
        "datavalues.import",
        run,
        via=via,
        changes={
            "source": source,
            "status": summary.status,
            "strategy": summary.strategy,
            "dry_run": summary.dry_run,
            "all_or_nothing": summary.all_or_nothing,
            **summary.import_count,
            "conflicts": len(summary.conflicts),
        },
    )

"""The references of a file resolved once each, and the rules that do not depend on the row remembered per
distinct combination: the first two steps of ioc.ingest.importer's pipeline (see its docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.core.errors import IocError
from ioc.core.periods import Period, parse_period
from ioc.datavalues import checks
from ioc.datavalues.checker import CHUNK, expiring_assignments, locks_covering
from ioc.datavalues.models import PeriodLock
from ioc.ingest.rows import (
    R_ELEMENT,
    R_PERIOD,
    R_SCHEMES,
    R_UNIT,
    IdSchemes,
    Record,
)
from ioc.ingest.staging import VT_NUMBER, VT_OF
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import _pick as pick_unit  # the code-at-a-date rule of try_resolve_codes

# DHIS2's uid of its default category option combo: accepted wherever the default combo is meant.
DHIS2_DEFAULT_COC = "HllvX50cXC0"


class Bad:
    """Why a reference or combination is refused (cached like a good result)."""

    __slots__ = ("field", "message", "value")

    def __init__(self, field: str, message: str, value: object = None) -> None:
        self.field = field
        self.message = message
        self.value = value


def refusal(exc: IocError, value: object) -> Bad:
    field = next((str(e["field"]) for e in exc.errors if e.get("field")), "")
    return Bad(field, exc.message, value)


@dataclass(frozen=True)
class Element:
    pk: int
    obj: DataElement
    vt: int
    numeric: bool
    value_type: str
    lo: float | None
    hi: float | None
    sets_key: int


class Resolver:
    """The metadata of one file, loaded with a few queries, and the per-combination rule results."""

    def __init__(self, user: User, records: list[Record], strategy: str) -> None:
        self.user = user
        self.strategy = strategy
        self.today = timezone.localdate()
        self.entry_roots = user.entry_root_units()
        self.bypass_expiry = user.sees_everything
        schemes = {id(r[R_SCHEMES]): r[R_SCHEMES] for r in distinct_by_id(records, R_SCHEMES)}
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
        self.elements: dict[int, Element] = {}
        for e in elements:
            sets = self.sets_of.get(e.pk, [])
            ids = tuple(sorted(ds.pk for ds in sets))
            key = set_keys.setdefault(ids, len(set_keys))
            self.set_groups[key] = sets
            self.elements[e.pk] = Element(
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
        self.locks_by_set.update(locks_covering(set_ids, self.periods.values(), self.units.values()))
        self.assigned = expiring_assignments({ds for sets in self.sets_of.values() for ds in sets}, self.units)

    # ---- resolving one distinct reference

    def element(self, ref: str, scheme: str) -> DataElement | Bad:
        found: DataElement | None
        if scheme == "name":
            matches = {e.pk: e for e in self.el_name.get(ref, [])}
            if len(matches) > 1:
                return Bad(
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
            return Bad(
                "dataElement",
                _("Data element: no data element with %(what)s '%(ref)s'") % {"what": what, "ref": ref},
                ref,
            )
        return found

    def option_combo(self, element: DataElement, ref: str | None, scheme: str) -> CategoryOptionCombo | Bad:
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
                return Bad(
                    "categoryOptionCombo",
                    _("Category option combo: the name '%(ref)s' is ambiguous; use the code or uid") % {"ref": ref},
                    ref,
                )
            return Bad(
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
            return refusal(exc, ref)

    def unit(self, ref: str, period: Period, scheme: str) -> OrgUnit | Bad:
        try:
            if scheme == "name":
                candidates = {u.pk: u for u in self.unit_name.get(ref, [])}
                if not candidates:
                    return Bad("orgUnit", _("Org unit: no org unit named '%(ref)s'") % {"ref": ref}, ref)
                open_units = [
                    u
                    for u in candidates.values()
                    if not (u.closed is not None and u.closed < period.start)
                    and not (u.opened is not None and period.end < u.opened)
                ]
                if len(open_units) > 1:
                    return Bad(
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
            return refusal(exc, ref)
        return unit

    def period_type(self, element: DataElement, period: Period) -> Bad | None:
        try:
            checks.period_type(period, element, self.sets_of.get(element.pk, []))
        except IocError as exc:
            return refusal(exc, period.id)
        return None

    def locked(self, sets_key: int, unit: OrgUnit, period: Period) -> Bad | None:
        """not_locked, not_future and (unless the user is an admin) not_expired, for the data sets of a group."""
        sets = self.set_groups[sets_key]
        try:
            checks.not_locked(unit, period, sets, self.locks_by_set)
            checks.not_future(period, sets, self.today)
            if not self.bypass_expiry:
                checks.not_expired(unit, period, sets, self.assigned, self.today)
        except IocError as exc:
            return refusal(exc, period.id)
        return None

    def in_data_set(self, ref: str, scheme: str, element: DataElement) -> Bad | None:
        key = (ref, scheme)
        if key not in self.data_sets:
            if scheme == "name":
                found = DataSet.objects.filter(Q(name_vi=ref) | Q(name_en=ref)).first()
            else:
                found = DataSet.objects.filter(Q(uid=ref) | Q(code=ref)).first()
            self.data_sets[key] = found
        ds = self.data_sets[key]
        if ds is None:
            return Bad("dataSet", _("Data set: no data set '%(ref)s'") % {"ref": ref}, ref)
        if not any(s.pk == ds.pk for s in self.sets_of.get(element.pk, [])):
            return Bad(
                "dataElement",
                _("Data element: %(element)s is not in data set %(set)s") % {"element": element.code, "set": ds.code},
                element.code,
            )
        return None

    def attribute_combo(self, ref: str) -> Bad | None:
        if ref in ("default", DHIS2_DEFAULT_COC):
            return None
        default = CategoryOptionCombo.objects.filter(code="default").first()
        if default is not None and ref in (default.uid, default.name_vi, default.name_en):
            return None
        return Bad(
            "attributeOptionCombo",
            _("Attribute option combo: '%(ref)s' is not used here; leave it empty or give the default") % {"ref": ref},
            ref,
        )


def distinct_by_id(records: list[Record], index: int) -> list[Record]:
    seen: dict[int, Record] = {}
    last: object = object()
    for r in records:
        value = r[index]
        if value is not last:
            last = value
            seen.setdefault(id(value), r)
    return list(seen.values())

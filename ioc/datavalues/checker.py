"""Resolving the key of the values to write, and running the checks on each row.

ValueRow is one value as given (model instances, or codes/uids); Checker looks up the metadata of many rows
at once (a few queries for any number of rows), then resolves each row's references and runs the rules of
ioc.datavalues.checks on it, in the order documented in ioc.datavalues.services; CheckedRow is a row that
passed. The single-value services check one row, the batch (ioc.datavalues.batch) many, the period locks
resolve their org unit the same way.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.core.errors import InvalidInput
from ioc.core.periods import PERIOD_TYPES, Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.datavalues import checks
from ioc.datavalues.models import PeriodLock
from ioc.datavalues.values import format_value
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import try_resolve_codes

# Rows per IN (…) list of ids, to stay well below the databases' limits on query parameters.
CHUNK = 500


@dataclass
class ValueRow:
    """One value to write. References are model instances, or codes/uids (an org-unit code resolves to the
    unit open during the period)."""

    data_element: DataElement | str
    org_unit: OrgUnit | str
    period: Period | str
    value: object = None
    category_option_combo: CategoryOptionCombo | str | None = None
    comment: str | None = None
    follow_up: bool | None = None


@dataclass
class CheckedRow:
    """A row that passed every check."""

    element: DataElement
    unit: OrgUnit
    period: Period
    coc: CategoryOptionCombo
    value_num: float | None = None
    value_text: str | None = None
    comment: str | None = None
    follow_up: bool | None = None

    @property
    def key(self) -> tuple[int, int, str, int]:
        return (self.element.pk, self.unit.pk, self.period.id, self.coc.pk)

    @property
    def display(self) -> str | None:
        return format_value(self.element.value_type, self.value_num, self.value_text)


class Checker:
    """Resolves the metadata of many rows at once (a few queries for any number of rows), then checks each
    row in Python. Used by the single-value services (one row) and the batch."""

    def __init__(self, user: User, *, today: dt.date | None = None) -> None:
        self.user = user
        self.today = today or timezone.localdate()
        self.entry_roots = user.entry_root_units()
        self.bypass_expiry = user.sees_everything
        self.elements_by_id: dict[int, DataElement] = {}
        self.elements_by_code: dict[str, DataElement] = {}
        self.elements_by_uid: dict[str, DataElement] = {}
        self.cocs_by_combo: dict[int, list[CategoryOptionCombo]] = defaultdict(list)
        self.cocs_by_id: dict[int, CategoryOptionCombo] = {}
        self.sets_of_element: dict[int, list[DataSet]] = defaultdict(list)
        self.periods: dict[str, Period | InvalidInput] = {}
        self.given_periods: set[Period] = set()
        self.units_by_id: dict[int, OrgUnit] = {}
        self.units_by_uid: dict[str, OrgUnit] = {}
        self.unit_codes: dict[tuple[str, dt.date], OrgUnit | str] = {}
        self.locks_by_set: dict[int, list[tuple[Period, PeriodLock]]] = defaultdict(list)
        self.assigned: set[tuple[int, int]] = set()

    # ---- prefetch

    def prepare(self, rows: Sequence[ValueRow]) -> None:
        self._load_elements(rows)
        self._load_periods(rows)
        self.load_units(rows)
        self._load_locks_and_assignments()

    def _load_elements(self, rows: Sequence[ValueRow]) -> None:
        ids = {r.data_element.pk for r in rows if isinstance(r.data_element, DataElement)}
        refs = {r.data_element.strip() for r in rows if isinstance(r.data_element, str)}
        condition = Q(pk__in=ids) | Q(code__in=refs) | Q(uid__in=refs)
        for element in DataElement.objects.select_related("category_combo").filter(condition):
            self.elements_by_id[element.pk] = element
            self.elements_by_code[element.code] = element
            self.elements_by_uid[element.uid] = element
        combo_ids = {e.category_combo_id for e in self.elements_by_id.values()}
        for coc in CategoryOptionCombo.objects.filter(combo_id__in=combo_ids).order_by(
            "combo_id", "sort_order", "code"
        ):
            self.cocs_by_combo[coc.combo_id].append(coc)
            self.cocs_by_id[coc.pk] = coc
        links = DataSetElement.objects.select_related("data_set").filter(data_element_id__in=self.elements_by_id)
        for link in links:
            self.sets_of_element[link.data_element_id].append(link.data_set)

    def _load_periods(self, rows: Sequence[ValueRow]) -> None:
        for r in rows:
            if isinstance(r.period, Period):
                self.given_periods.add(r.period)
            elif isinstance(r.period, str) and r.period not in self.periods:
                try:
                    self.periods[r.period] = parse_period(r.period)
                except InvalidInput as exc:
                    self.periods[r.period] = exc

    def _period_of(self, ref: Period | str) -> Period | None:
        if isinstance(ref, Period):
            return ref
        parsed = self.periods.get(ref) if isinstance(ref, str) else None
        return parsed if isinstance(parsed, Period) else None

    def load_units(self, rows: Sequence[ValueRow]) -> None:
        """The rows' org units: by id or uid, and codes as of their periods' first and last days."""
        ids = {r.org_unit.pk for r in rows if isinstance(r.org_unit, OrgUnit)}
        refs = {r.org_unit.strip() for r in rows if isinstance(r.org_unit, str)}
        uids = {ref for ref in refs if is_valid_uid(ref)}
        for unit in OrgUnit.objects.filter(Q(pk__in=ids) | Q(uid__in=uids)):
            self.units_by_id[unit.pk] = unit
            self.units_by_uid[unit.uid] = unit
        # Codes: the unit open at the period's first and last day, one query per distinct date.
        codes_on: dict[dt.date, set[str]] = defaultdict(set)
        for r in rows:
            if isinstance(r.org_unit, str) and r.org_unit.strip() not in self.units_by_uid:
                period = self._period_of(r.period)
                if period is not None:
                    codes_on[period.start].add(r.org_unit.strip())
                    codes_on[period.end].add(r.org_unit.strip())
        for day, codes in codes_on.items():
            found, errors = try_resolve_codes(codes, day)
            for code, unit in found.items():
                self.unit_codes[(code, day)] = unit
                self.units_by_id.setdefault(unit.pk, unit)
            for code, why in errors.items():
                self.unit_codes[(code, day)] = why

    def _load_locks_and_assignments(self) -> None:
        set_ids = {ds.pk for sets in self.sets_of_element.values() for ds in sets}
        if not set_ids:
            return
        periods = {p for p in self.periods.values() if isinstance(p, Period)} | self.given_periods
        self.locks_by_set.update(locks_covering(set_ids, periods, self.units_by_id.values()))
        sets = {ds for sets in self.sets_of_element.values() for ds in sets}
        self.assigned.update(expiring_assignments(sets, self.units_by_id))

    # ---- one row

    def check(self, row: ValueRow, *, with_value: bool = True) -> CheckedRow:
        """The row's resolved objects, or the first failing check's error."""
        element = self.resolve_element(row.data_element)
        coc = self.resolve_coc(element, row.category_option_combo)
        period = self.resolve_period(row.period, element)
        unit = self.resolve_unit(row.org_unit, period)
        checks.unit_open(unit, period)
        self.check_entry_scope(unit)
        checked = CheckedRow(element=element, unit=unit, period=period, coc=coc)
        if with_value:
            checked.value_num, checked.value_text = checks.value(element, row.value)
            if row.comment is not None:
                checks.comment(row.comment)
                checked.comment = row.comment
            checks.follow_up(row.follow_up)
            checked.follow_up = row.follow_up
        self._lock(element, unit, period)
        return checked

    def resolve_element(self, ref: DataElement | str) -> DataElement:
        found: DataElement | None
        if isinstance(ref, DataElement):
            found = self.elements_by_id.get(ref.pk)
        elif isinstance(ref, str):
            key = ref.strip()
            found = self.elements_by_code.get(key) or self.elements_by_uid.get(key)
        else:
            found = None
        if found is None:
            raise InvalidInput(
                _("Data element: no data element with code or uid '%(ref)s'") % {"ref": checks.ref_text(ref)},
                field="dataElement",
            )
        return found

    def resolve_coc(self, element: DataElement, ref: CategoryOptionCombo | str | None) -> CategoryOptionCombo:
        return checks.option_combo(element, self.cocs_by_combo.get(element.category_combo.pk, []), ref)

    def resolve_period(self, ref: Period | str, element: DataElement) -> Period:
        if isinstance(ref, Period):
            period = ref
        elif isinstance(ref, str):
            parsed = self.periods.get(ref)
            if parsed is None:
                parsed = self.periods[ref] = _parse_or_error(ref)
            if isinstance(parsed, InvalidInput):
                raise parsed
            period = parsed
        else:
            raise InvalidInput(_("Period: required"), field="period")
        checks.period_type(period, element, self.sets_of_element.get(element.pk, []))
        return period

    def resolve_unit(self, ref: OrgUnit | str, period: Period) -> OrgUnit:
        if isinstance(ref, OrgUnit):
            unit = self.units_by_id.get(ref.pk)
            if unit is None:
                raise InvalidInput(_("Org unit: unknown org unit %(ref)s") % {"ref": ref.pk}, field="orgUnit")
            return unit
        if not isinstance(ref, str) or not ref.strip():
            raise InvalidInput(_("Org unit: required"), field="orgUnit")
        key = ref.strip()
        if key in self.units_by_uid:
            return self.units_by_uid[key]
        return checks.unit_of_code(key, period, self._code_on(key, period.start), self._code_on(key, period.end))

    def _code_on(self, code: str, day: dt.date) -> OrgUnit | str:
        if (code, day) not in self.unit_codes:
            found, errors = try_resolve_codes([code], day)
            self.unit_codes[(code, day)] = found.get(code) or errors.get(code) or code
        return self.unit_codes[(code, day)]

    def check_entry_scope(self, unit: OrgUnit) -> None:
        checks.entry_scope(unit, self.entry_roots)

    def _lock(self, element: DataElement, unit: OrgUnit, period: Period) -> None:
        # Admins may still write into expired periods, never into locked ones.
        sets = self.sets_of_element.get(element.pk, [])
        checks.not_locked(unit, period, sets, self.locks_by_set)
        checks.not_future(period, sets, self.today)
        if self.bypass_expiry:
            return
        checks.not_expired(unit, period, sets, self.assigned, self.today)


def locks_covering(
    set_ids: Collection[int], periods: Iterable[Period], units: Iterable[OrgUnit]
) -> dict[int, list[tuple[Period, PeriodLock]]]:
    """The period locks (by data set id, each with its parsed period) that could cover a value of one of these
    periods on one of these units: of these data sets, for a period containing one of them, on one of the
    units or an ancestor. One query. checks.not_locked decides which of them covers a given value."""
    lock_periods: set[str] = set()
    for period in periods:
        rank = PERIOD_TYPES.index(period.period_type)
        lock_periods.update(period.rollup(t).id for t in PERIOD_TYPES[rank:])
    ancestors = {pk for unit in units for pk in unit.ancestor_ids()}
    found: dict[int, list[tuple[Period, PeriodLock]]] = defaultdict(list)
    if not set_ids or not lock_periods or not ancestors:
        return found
    locks = PeriodLock.objects.select_related("org_unit").filter(
        data_set_id__in=set_ids, period__in=lock_periods, org_unit_id__in=ancestors
    )
    for lock in locks:
        try:
            found[lock.data_set_id].append((parse_period(lock.period), lock))
        except InvalidInput:
            continue
    return found


def expiring_assignments(sets: Iterable[DataSet], unit_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(data set id, unit id) for the data sets that expire (checks.not_expired) and are assigned to these
    units, in chunks of ids."""
    expiring = sorted({ds.pk for ds in sets if ds.expiry_days > 0})
    ids = list(unit_ids)
    pairs: set[tuple[int, int]] = set()
    if not expiring:
        return pairs
    through = DataSet.org_units.through
    for i in range(0, len(ids), CHUNK):
        rows = through.objects.filter(dataset_id__in=expiring, orgunit_id__in=ids[i : i + CHUNK])
        pairs.update(rows.values_list("dataset_id", "orgunit_id"))
    return pairs


def _parse_or_error(text: str) -> Period | InvalidInput:
    try:
        return parse_period(text)
    except InvalidInput as exc:
        return exc

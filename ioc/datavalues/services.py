"""The one write path for data values, and the period locks.

Every create, update and delete of a value goes through do_set_value / do_delete_value / do_set_values
(forms, imports, the API, the admin). Each runs these checks, in this order, and stops at the first that
fails with an error naming the field (the exchange names: dataElement, categoryOptionCombo, period,
orgUnit, value, comment, followUp):

  0. the user may enter data at all (role: data officer, approver, integrator, admin)    NotAllowed
  1. the data element exists; the category option combo belongs to its category combo   InvalidInput
  2. the period parses, and its type is one of the types of the element's data sets      InvalidInput
  3. the org unit exists (a code resolves to the unit open during the period) and is open
     during the period (a closed unit names its successor, a new one its predecessors)   InvalidInput
  4. the unit is inside the user's entry scope                                          NotAllowed
  5. the value parses for the element's value type, within the element's min/max        InvalidInput
  6. the period is not locked: a PeriodLock of a data set containing the element, for a
     period containing this one, on the unit or an ancestor; or expired: period end +
     expiry_days < today for a data set of the element assigned to the unit (admins may
     still write into expired periods, never into locked ones)                          Locked

then the value is upserted (row locked with SELECT … FOR UPDATE) and a DataValueAudit row (old value, new
value, user, via) written, all in one transaction. An unchanged value writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can, require
from ioc.accounts.scopes import scope_description
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, IocError, Locked, NotAllowed, NotFound
from ioc.core.periods import PERIOD_TYPES, Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.datavalues.models import DataValue, DataValueAudit, PeriodLock
from ioc.datavalues.values import format_value, parse_value
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import is_within, predecessors, successors, try_resolve_codes

ActionName = Literal["CREATE", "UPDATE", "UNCHANGED", "RESTORE", "DELETE"]

COUNTS_CACHE_KEY = "datavalues:counts"
MAX_COMMENT = 5000
_CHUNK = 500

# Sent after a transaction that changed values commits: kwargs data_element_ids, org_unit_ids, periods (sets).
# The analytics cache listens to it.
values_changed = Signal()


# --- inputs and results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetResult:
    action: ActionName
    value: DataValue


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


@dataclass(frozen=True)
class RowError:
    index: int
    field: str | None
    value: object
    message: str

    def as_dict(self) -> dict[str, Any]:
        value = (
            self.value if self.value is None or isinstance(self.value, str | int | float | bool) else str(self.value)
        )
        return {"index": self.index, "field": self.field, "value": value, "message": self.message}


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    restored: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.restored + self.unchanged

    def raise_for_errors(self) -> None:
        """InvalidInput with every bad row in `errors` (index, field, value, message)."""
        if self.errors:
            first = self.errors[0]
            raise InvalidInput(
                _("%(n)s row(s) refused; row %(row)s: %(message)s")
                % {"n": len(self.errors), "row": first.index, "message": first.message},
                errors=[e.as_dict() for e in self.errors],
            )


@dataclass
class _Checked:
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


def _ref_text(ref: object) -> str:
    return ref if isinstance(ref, str) else str(getattr(ref, "code", ref))


# --- the checks -----------------------------------------------------------------------------------------


class _Checker:
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
        self._load_units(rows)
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

    def _load_units(self, rows: Sequence[ValueRow]) -> None:
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
        # Only the locks that could cover these rows: for a period containing one of theirs, on one of their
        # units or an ancestor.
        lock_periods: set[str] = set()
        for period in {p for p in self.periods.values() if isinstance(p, Period)} | self.given_periods:
            rank = PERIOD_TYPES.index(period.period_type)
            lock_periods.update(period.rollup(t).id for t in PERIOD_TYPES[rank:])
        ancestors = {pk for unit in self.units_by_id.values() for pk in unit.ancestor_ids()}
        locks = PeriodLock.objects.select_related("org_unit").filter(
            data_set_id__in=set_ids, period__in=lock_periods, org_unit_id__in=ancestors
        )
        for lock in locks:
            try:
                self.locks_by_set[lock.data_set_id].append((parse_period(lock.period), lock))
            except InvalidInput:
                continue
        expiring = [ds.pk for sets in self.sets_of_element.values() for ds in sets if ds.expiry_days > 0]
        if expiring and self.units_by_id:
            through = DataSet.org_units.through
            unit_ids = list(self.units_by_id)
            for i in range(0, len(unit_ids), _CHUNK):
                pairs = through.objects.filter(dataset_id__in=expiring, orgunit_id__in=unit_ids[i : i + _CHUNK])
                self.assigned.update(pairs.values_list("dataset_id", "orgunit_id"))

    # ---- one row

    def check(self, row: ValueRow, *, with_value: bool = True) -> _Checked:
        """The row's resolved objects, or the first failing check's error."""
        element = self._element(row.data_element)
        coc = self._coc(element, row.category_option_combo)
        period = self._period(row.period, element)
        unit = self._unit(row.org_unit, period)
        self._open(unit, period)
        self._entry_scope(unit)
        checked = _Checked(element=element, unit=unit, period=period, coc=coc)
        if with_value:
            checked.value_num, checked.value_text = self._value(element, row.value)
            if row.comment is not None:
                if len(row.comment) > MAX_COMMENT:
                    raise InvalidInput(
                        _("Comment: at most %(n)s characters") % {"n": f"{MAX_COMMENT:,}"}, field="comment"
                    )
                checked.comment = row.comment
            if row.follow_up is not None and not isinstance(row.follow_up, bool):
                raise InvalidInput(_("Follow-up: true or false, not '%(v)s'") % {"v": row.follow_up}, field="followUp")
            checked.follow_up = row.follow_up
        self._lock(element, unit, period)
        return checked

    def _element(self, ref: DataElement | str) -> DataElement:
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
                _("Data element: no data element with code or uid '%(ref)s'") % {"ref": _ref_text(ref)},
                field="dataElement",
            )
        return found

    def _coc(self, element: DataElement, ref: CategoryOptionCombo | str | None) -> CategoryOptionCombo:
        combo = element.category_combo
        options = self.cocs_by_combo.get(combo.pk, [])
        if ref is None or (isinstance(ref, str) and not ref.strip()):
            if len(options) == 1:
                return options[0]
            raise InvalidInput(
                _(
                    "Category option combo: required for data element %(element)s, disaggregated by %(combo)s "
                    "(one of %(options)s)"
                )
                % {
                    "element": element.code,
                    "combo": combo.code,
                    "options": ", ".join(o.code for o in options) or "-",
                },
                field="categoryOptionCombo",
            )
        if isinstance(ref, CategoryOptionCombo):
            match = next((o for o in options if o.pk == ref.pk), None)
        else:
            key = ref.strip()
            match = next((o for o in options if key in (o.code, o.uid)), None)
        if match is not None:
            return match
        other = self._other_coc(ref)
        if other is None:
            raise InvalidInput(
                _("Category option combo: no category option combo with code or uid '%(ref)s'")
                % {"ref": _ref_text(ref)},
                field="categoryOptionCombo",
            )
        raise InvalidInput(
            _(
                "Category option combo: '%(coc)s' belongs to %(other)s, not to %(combo)s, the disaggregation of "
                "data element %(element)s (use one of %(options)s)"
            )
            % {
                "coc": other.code,
                "other": other.combo.code,
                "combo": combo.code,
                "element": element.code,
                "options": ", ".join(o.code for o in options) or "-",
            },
            field="categoryOptionCombo",
        )

    @staticmethod
    def _other_coc(ref: CategoryOptionCombo | str) -> CategoryOptionCombo | None:
        qs = CategoryOptionCombo.objects.select_related("combo")
        if isinstance(ref, CategoryOptionCombo):
            return qs.filter(pk=ref.pk).first()
        key = ref.strip()
        return qs.filter(Q(code=key) | Q(uid=key)).first()

    def _period(self, ref: Period | str, element: DataElement) -> Period:
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
        sets = self.sets_of_element.get(element.pk, [])
        types = sorted({ds.period_type for ds in sets}, key=PERIOD_TYPES.index)
        if sets and period.period_type not in types:
            raise InvalidInput(
                _(
                    "Period: %(period)s is a %(type)s period, but data element %(element)s is collected "
                    "%(types)s (data set %(sets)s)"
                )
                % {
                    "period": period.id,
                    "type": period.period_type,
                    "element": element.code,
                    "types": " / ".join(types),
                    "sets": ", ".join(sorted(ds.code for ds in sets)),
                },
                field="period",
            )
        return period

    def _unit(self, ref: OrgUnit | str, period: Period) -> OrgUnit:
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
        at_start = self._code_on(key, period.start)
        at_end = self._code_on(key, period.end)
        if isinstance(at_start, OrgUnit) and isinstance(at_end, OrgUnit) and at_start.pk != at_end.pk:
            raise InvalidInput(
                _(
                    "Org unit: code '%(code)s' names %(a)s until %(closed)s and %(b)s after that, both within "
                    "period %(period)s; give the uid (%(a_uid)s or %(b_uid)s)"
                )
                % {
                    "code": key,
                    "a": at_start.name,
                    "closed": at_start.closed,
                    "b": at_end.name,
                    "period": period.id,
                    "a_uid": at_start.uid,
                    "b_uid": at_end.uid,
                },
                field="orgUnit",
            )
        if isinstance(at_start, OrgUnit):
            return at_start
        if isinstance(at_end, OrgUnit):
            return at_end
        raise InvalidInput(_("Org unit: %(why)s") % {"why": at_start}, field="orgUnit")

    def _code_on(self, code: str, day: dt.date) -> OrgUnit | str:
        if (code, day) not in self.unit_codes:
            found, errors = try_resolve_codes([code], day)
            self.unit_codes[(code, day)] = found.get(code) or errors.get(code) or code
        return self.unit_codes[(code, day)]

    @staticmethod
    def _open(unit: OrgUnit, period: Period) -> None:
        if unit.closed is not None and unit.closed < period.start:
            message = _(
                "Org unit: %(name)s (%(code)s) was closed on %(closed)s; period %(period)s starts after that"
            ) % {
                "name": unit.name,
                "code": unit.code,
                "closed": unit.closed.isoformat(),
                "period": period.id,
            }
            after = successors(unit)
            if after:
                message += _("; enter it for its successor %(names)s") % {
                    "names": ", ".join(f"{u.name} ({u.code})" for u in after)
                }
            raise InvalidInput(message, field="orgUnit")
        if unit.opened is not None and period.end < unit.opened:
            message = _("Org unit: %(name)s (%(code)s) opened on %(opened)s; period %(period)s ends before that") % {
                "name": unit.name,
                "code": unit.code,
                "opened": unit.opened.isoformat(),
                "period": period.id,
            }
            before = predecessors(unit)
            if before:
                message += _("; enter it for %(names)s") % {"names": ", ".join(f"{u.name} ({u.code})" for u in before)}
            raise InvalidInput(message, field="orgUnit")

    def _entry_scope(self, unit: OrgUnit) -> None:
        if not is_within(unit, self.entry_roots):
            raise NotAllowed(
                _("Org unit: %(name)s (%(code)s) is outside your data entry units (%(roots)s)")
                % {"name": unit.name, "code": unit.code, "roots": scope_description(self.entry_roots)},
                field="orgUnit",
            )

    @staticmethod
    def _value(element: DataElement, raw: object) -> tuple[float | None, str | None]:
        try:
            number, text = parse_value(element.value_type, raw, field="value")
        except InvalidInput as exc:
            raise InvalidInput(_("Value: %(why)s") % {"why": _why(exc.message)}, field="value") from None
        if number is not None and element.value_type != ValueType.BOOLEAN:
            if element.min_value is not None and number < element.min_value:
                raise InvalidInput(
                    _("Value: %(value)s is below the minimum %(min)s of data element %(element)s")
                    % {"value": _num(number), "min": _num(element.min_value), "element": element.code},
                    field="value",
                )
            if element.max_value is not None and number > element.max_value:
                raise InvalidInput(
                    _("Value: %(value)s is above the maximum %(max)s of data element %(element)s")
                    % {"value": _num(number), "max": _num(element.max_value), "element": element.code},
                    field="value",
                )
        return number, text

    def _lock(self, element: DataElement, unit: OrgUnit, period: Period) -> None:
        sets = self.sets_of_element.get(element.pk, [])
        for ds in sets:
            for lock_period, lock in self.locks_by_set.get(ds.pk, []):
                if lock_period.contains(period) and is_within(unit, [lock.org_unit]):
                    raise Locked(
                        _("Period: %(period)s is locked for data set %(set)s at %(unit)s%(reason)s")
                        % {
                            "period": period.id,
                            "set": ds.code,
                            "unit": lock.org_unit.name,
                            "reason": f" ({lock.reason})" if lock.reason else "",
                        },
                        field="period",
                    )
        if self.bypass_expiry:
            return
        for ds in sets:
            if ds.expiry_days > 0 and (ds.pk, unit.pk) in self.assigned:
                last_day = period.end + dt.timedelta(days=ds.expiry_days)
                if last_day < self.today:
                    raise Locked(
                        _(
                            "Period: %(period)s closed for entry on %(last)s (%(days)s days after its end, "
                            "data set %(set)s); ask an administrator"
                        )
                        % {"period": period.id, "last": last_day.isoformat(), "days": ds.expiry_days, "set": ds.code},
                        field="period",
                    )


def _parse_or_error(text: str) -> Period | InvalidInput:
    try:
        return parse_period(text)
    except InvalidInput as exc:
        return exc


def _why(message: str) -> str:
    """parse_value's message without its "value: " prefix."""
    return message.split(": ", 1)[1] if message.startswith("value: ") else message


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


# --- writing --------------------------------------------------------------------------------------------


def _key_q(key: tuple[int, int, str, int]) -> Q:
    element_id, unit_id, period_id, coc_id = key
    return Q(data_element_id=element_id, org_unit_id=unit_id, period=period_id, category_option_combo_id=coc_id)


def _new_value(user: User, checked: _Checked, now: dt.datetime) -> DataValue:
    return DataValue(
        data_element=checked.element,
        org_unit=checked.unit,
        period=checked.period.id,
        period_type=checked.period.period_type,
        start_date=checked.period.start,
        end_date=checked.period.end,
        category_option_combo=checked.coc,
        value_num=checked.value_num,
        value_text=checked.value_text,
        comment=checked.comment or "",
        follow_up=bool(checked.follow_up),
        stored_by=user,
        created=now,
        last_updated=now,
        deleted=False,
    )


def _apply(user: User, existing: DataValue, checked: _Checked, now: dt.datetime) -> tuple[ActionName, str | None]:
    """Change `existing` in memory to the checked row; (action, old display value)."""
    old = format_value(checked.element.value_type, existing.value_num, existing.value_text)
    same_value = existing.value_num == checked.value_num and existing.value_text == checked.value_text
    same_comment = checked.comment is None or checked.comment == existing.comment
    same_follow_up = checked.follow_up is None or checked.follow_up == existing.follow_up
    if not existing.deleted and same_value and same_comment and same_follow_up:
        return "UNCHANGED", old
    action: ActionName = "RESTORE" if existing.deleted else "UPDATE"
    existing.value_num, existing.value_text = checked.value_num, checked.value_text
    if checked.comment is not None:
        existing.comment = checked.comment
    if checked.follow_up is not None:
        existing.follow_up = checked.follow_up
    existing.deleted = False
    existing.stored_by = user
    existing.last_updated = now
    return action, old


_UPDATED_FIELDS = ["value_num", "value_text", "comment", "follow_up", "deleted", "stored_by", "last_updated"]


def _changed(values: Iterable[DataValue]) -> None:
    """After commit: drop the cached counts and tell listeners (analytics) what changed."""
    element_ids: set[int] = set()
    unit_ids: set[int] = set()
    periods: set[str] = set()
    for v in values:
        element_ids.add(v.data_element_id)
        unit_ids.add(v.org_unit_id)
        periods.add(v.period)
    if not element_ids:
        return

    def send() -> None:
        cache.delete(COUNTS_CACHE_KEY)
        values_changed.send(sender=DataValue, data_element_ids=element_ids, org_unit_ids=unit_ids, periods=periods)

    transaction.on_commit(send)


def _check_one(user: User, row: ValueRow, *, with_value: bool = True) -> _Checked:
    checker = _Checker(user)
    checker.prepare([row])
    return checker.check(row, with_value=with_value)


def validate_value(user: User, row: ValueRow) -> None:
    """Run every check of do_set_value without writing (for forms that report errors before saving)."""
    require(user, Action.ENTER_DATA)
    _check_one(user, row)


@transaction.atomic
def do_set_value(
    user: User,
    *,
    data_element: DataElement | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    category_option_combo: CategoryOptionCombo | str | None = None,
    value: object,
    comment: str | None = None,
    follow_up: bool | None = None,
    via: str,
) -> SetResult:
    """Create, update or restore one value (comment / follow_up None: leave as they are)."""
    require(user, Action.ENTER_DATA)
    row = ValueRow(data_element, org_unit, period, value, category_option_combo, comment, follow_up)
    checked = _check_one(user, row)
    now = timezone.now()
    existing = DataValue.objects.select_for_update().filter(_key_q(checked.key)).first()
    if existing is None:
        fresh = _new_value(user, checked, now)
        try:
            with transaction.atomic():
                fresh.save(force_insert=True)
        except IntegrityError:  # written by someone else since we looked: update theirs
            existing = DataValue.objects.select_for_update().get(_key_q(checked.key))
        else:
            DataValueAudit.objects.create(
                data_value=fresh, action="CREATE", old_value=None, new_value=checked.display, user=user, via=via
            )
            _changed([fresh])
            return SetResult("CREATE", fresh)
    action, old = _apply(user, existing, checked, now)
    if action == "UNCHANGED":
        return SetResult("UNCHANGED", existing)
    existing.save(update_fields=_UPDATED_FIELDS)
    DataValueAudit.objects.create(
        data_value=existing, action=action, old_value=old, new_value=checked.display, user=user, via=via
    )
    _changed([existing])
    return SetResult(action, existing)


@transaction.atomic
def do_delete_value(
    user: User,
    *,
    data_element: DataElement | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    category_option_combo: CategoryOptionCombo | str | None = None,
    via: str,
) -> SetResult:
    """Soft-delete one value (kept, marked deleted; setting it again restores it)."""
    require(user, Action.ENTER_DATA)
    checked = _check_one(user, ValueRow(data_element, org_unit, period, None, category_option_combo), with_value=False)
    existing = DataValue.objects.select_for_update().filter(_key_q(checked.key), deleted=False).first()
    if existing is None:
        raise NotFound(
            _("No value stored for %(element)s, %(unit)s, %(period)s, %(coc)s")
            % {
                "element": checked.element.code,
                "unit": checked.unit.code,
                "period": checked.period.id,
                "coc": checked.coc.code,
            }
        )
    old = format_value(checked.element.value_type, existing.value_num, existing.value_text)
    existing.deleted = True
    existing.stored_by = user
    existing.last_updated = timezone.now()
    existing.save(update_fields=["deleted", "stored_by", "last_updated"])
    DataValueAudit.objects.create(
        data_value=existing, action="DELETE", old_value=old, new_value=None, user=user, via=via
    )
    _changed([existing])
    return SetResult("DELETE", existing)


@transaction.atomic
def do_set_follow_up(
    user: User,
    *,
    data_element: DataElement | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    category_option_combo: CategoryOptionCombo | str | None = None,
    follow_up: bool,
    via: str,
) -> SetResult:
    """Mark (or unmark) a stored value for follow-up. Allowed in locked periods; needs the entry scope."""
    if not (can(user, Action.ENTER_DATA) or can(user, Action.APPROVE_DATA)):
        require(user, Action.ENTER_DATA)
    checker = _Checker(user)
    row = ValueRow(data_element, org_unit, period, None, category_option_combo)
    checker.prepare([row])
    element = checker._element(row.data_element)
    coc = checker._coc(element, row.category_option_combo)
    the_period = checker._period(row.period, element)
    unit = checker._unit(row.org_unit, the_period)
    checker._entry_scope(unit)
    key = (element.pk, unit.pk, the_period.id, coc.pk)
    existing = DataValue.objects.select_for_update().filter(_key_q(key), deleted=False).first()
    if existing is None:
        raise NotFound(
            _("No value stored for %(element)s, %(unit)s, %(period)s, %(coc)s")
            % {"element": element.code, "unit": unit.code, "period": the_period.id, "coc": coc.code}
        )
    if existing.follow_up == bool(follow_up):
        return SetResult("UNCHANGED", existing)
    old = existing.follow_up
    existing.follow_up = bool(follow_up)
    existing.save(update_fields=["follow_up"])
    record(user, "datavalue.follow_up", existing, via=via, changes={"follow_up": [old, existing.follow_up]})
    return SetResult("UPDATE", existing)


def _as_row(row: ValueRow | Mapping[str, Any]) -> ValueRow:
    if isinstance(row, ValueRow):
        return row
    return ValueRow(
        data_element=row.get("data_element"),  # type: ignore[arg-type]
        org_unit=row.get("org_unit"),  # type: ignore[arg-type]
        period=row.get("period"),  # type: ignore[arg-type]
        value=row.get("value"),
        category_option_combo=row.get("category_option_combo"),
        comment=row.get("comment"),
        follow_up=row.get("follow_up"),
    )


def _row_value(row: ValueRow, fieldname: str | None) -> object:
    attr = {
        "dataElement": row.data_element,
        "categoryOptionCombo": row.category_option_combo,
        "period": row.period,
        "orgUnit": row.org_unit,
        "value": row.value,
        "comment": row.comment,
        "followUp": row.follow_up,
    }.get(fieldname or "")
    if attr is None or isinstance(attr, str | int | float | bool):
        return attr
    if isinstance(attr, Period):
        return attr.id
    return getattr(attr, "code", str(attr))


@transaction.atomic
def do_set_values(
    user: User,
    rows: Iterable[ValueRow | Mapping[str, Any]],
    *,
    via: str,
    all_or_nothing: bool = True,
) -> BatchResult:
    """Write many values: validate every row first; BatchResult.errors lists every bad row (index, field,
    value, message). With all_or_nothing (the default) nothing is written when any row is bad; otherwise
    the good rows are written. Two rows for the same value are an error (the second one).

    Rows are ValueRow or mappings with the same keys (data_element, org_unit, period, value,
    category_option_combo, comment, follow_up)."""
    require(user, Action.ENTER_DATA)
    batch = [_as_row(r) for r in rows]
    result = BatchResult()
    checker = _Checker(user)
    checker.prepare(batch)
    good: list[_Checked] = []
    seen: dict[tuple[int, int, str, int], int] = {}
    for index, row in enumerate(batch):
        try:
            checked = checker.check(row)
        except IocError as exc:
            fieldname = exc.errors[0]["field"] if exc.errors else None
            result.errors.append(RowError(index, fieldname, _row_value(row, fieldname), exc.message))
            continue
        if checked.key in seen:
            result.errors.append(
                RowError(
                    index,
                    "value",
                    _row_value(row, "value"),
                    _(
                        "Row %(row)s: the same value (data element, org unit, period, category option combo) as row %(first)s"
                    )
                    % {"row": index, "first": seen[checked.key]},
                )
            )
            continue
        seen[checked.key] = index
        good.append(checked)
    if (result.errors and all_or_nothing) or not good:
        return result
    _write_batch(user, good, via, result)
    result.written = True
    return result


def _existing_values(good: list[_Checked]) -> dict[tuple[int, int, str, int], DataValue]:
    """The stored values of the rows' keys, locked for update, in few queries."""
    by_element_period: dict[tuple[int, str], set[int]] = defaultdict(set)
    for c in good:
        by_element_period[(c.element.pk, c.period.id)].add(c.unit.pk)
    element_ids = sorted({c.element.pk for c in good})
    periods = sorted({c.period.id for c in good})
    unit_ids = sorted({c.unit.pk for c in good})
    wanted = {c.key for c in good}
    found: dict[tuple[int, int, str, int], DataValue] = {}
    for i in range(0, len(unit_ids), _CHUNK):
        qs = DataValue.objects.select_for_update().filter(
            data_element_id__in=element_ids, period__in=periods, org_unit_id__in=unit_ids[i : i + _CHUNK]
        )
        for v in qs:
            key = (v.data_element_id, v.org_unit_id, v.period, v.category_option_combo_id)
            if key in wanted:
                found[key] = v
    return found


def _update_many(values: list[DataValue]) -> None:
    """UPDATE … WHERE id = %s for many rows in one executemany (bulk_update's CASE expressions cost ~5 ms a
    row in Python). The statement is fixed (identifiers quoted from the model's metadata); every value is a
    bound parameter, prepared by its field."""
    meta = DataValue._meta
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in _UPDATED_FIELDS]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (no user input: model metadata only)
        qn(meta.db_table),
        ", ".join(f"{qn(str(f.column))} = %s" for f in fields),
        qn(str(meta.pk.column if meta.pk else "id")),
    )
    params = [[f.get_db_prep_save(getattr(v, f.attname), connection) for f in fields] + [v.pk] for v in values]
    with connection.cursor() as cursor:
        for i in range(0, len(params), 1000):
            cursor.executemany(sql, params[i : i + 1000])


def _write_batch(user: User, good: list[_Checked], via: str, result: BatchResult) -> None:
    now = timezone.now()
    existing = _existing_values(good)
    creates: list[tuple[DataValue, _Checked]] = []
    updates: list[tuple[DataValue, str, str | None, _Checked]] = []
    for checked in good:
        current = existing.get(checked.key)
        if current is None:
            creates.append((_new_value(user, checked, now), checked))
            continue
        action, old = _apply(user, current, checked, now)
        if action == "UNCHANGED":
            result.unchanged += 1
        else:
            updates.append((current, action, old, checked))
    DataValue.objects.bulk_create([v for v, _c in creates], batch_size=1000)
    if updates:
        _update_many([u[0] for u in updates])
    audits = [
        DataValueAudit(data_value=v, action="CREATE", old_value=None, new_value=c.display, user=user, via=via)
        for v, c in creates
    ]
    audits += [
        DataValueAudit(data_value=v, action=action, old_value=old, new_value=c.display, user=user, via=via)
        for v, action, old, c in updates
    ]
    DataValueAudit.objects.bulk_create(audits, batch_size=1000)
    result.created = len(creates)
    result.updated = sum(1 for u in updates if u[1] == "UPDATE")
    result.restored = sum(1 for u in updates if u[1] == "RESTORE")
    _changed([v for v, _c in creates] + [u[0] for u in updates])


# --- locks ----------------------------------------------------------------------------------------------


def _data_set(ref: DataSet | str) -> DataSet:
    if isinstance(ref, DataSet):
        return ref
    found = DataSet.objects.filter(Q(code=ref) | Q(uid=ref)).first()
    if found is None:
        raise InvalidInput(_("Data set: no data set with code or uid '%(ref)s'") % {"ref": ref}, field="dataSet")
    return found


def check_lock_period(data_set: DataSet, period: Period | str) -> Period:
    """The parsed period, if a lock of `data_set` may be for it (its type or a longer one)."""
    parsed = period if isinstance(period, Period) else parse_period(period)
    if PERIOD_TYPES.index(parsed.period_type) < PERIOD_TYPES.index(data_set.period_type):
        raise InvalidInput(
            _("Period: data set %(set)s is %(type)s; lock a %(type)s or longer period, not %(period)s")
            % {"set": data_set.code, "type": data_set.period_type, "period": parsed.id},
            field="period",
        )
    return parsed


def _lock_unit(user: User, ref: OrgUnit | str, period: Period) -> OrgUnit:
    checker = _Checker(user)
    checker._load_units([ValueRow(data_element="", org_unit=ref, period=period)])
    return checker._unit(ref, period)


@transaction.atomic
def do_lock_period(
    user: User,
    data_set: DataSet | str,
    period: Period | str,
    org_unit: OrgUnit | str,
    reason: str = "",
    *,
    via: str = Via.FORM,
) -> PeriodLock:
    """Lock a data set's period for a unit and its subtree (admins only). Locking twice is harmless."""
    require(user, Action.LOCK_PERIODS)
    ds = _data_set(data_set)
    parsed = check_lock_period(ds, period)
    unit = _lock_unit(user, org_unit, parsed)
    lock, created = PeriodLock.objects.get_or_create(
        data_set=ds, period=parsed.id, org_unit=unit, defaults={"reason": reason[:255], "locked_by": user}
    )
    if created:
        record(
            user,
            "period.lock",
            lock,
            via=via,
            object_repr=f"{ds.code} {parsed.id} {unit.code}",
            changes={"data_set": ds.code, "period": parsed.id, "org_unit": unit.code, "reason": reason},
        )
    return lock


@transaction.atomic
def do_unlock_period(
    user: User,
    data_set: DataSet | str,
    period: Period | str,
    org_unit: OrgUnit | str,
    reason: str = "",
    *,
    via: str = Via.FORM,
) -> None:
    """Remove a lock (admins only); audited with the reason."""
    require(user, Action.LOCK_PERIODS)
    ds = _data_set(data_set)
    parsed = check_lock_period(ds, period)
    unit = _lock_unit(user, org_unit, parsed)
    lock = PeriodLock.objects.filter(data_set=ds, period=parsed.id, org_unit=unit).first()
    if lock is None:
        raise NotFound(
            _("Period: %(period)s of data set %(set)s is not locked at %(unit)s")
            % {"period": parsed.id, "set": ds.code, "unit": unit.name},
            field="period",
        )
    record(
        user,
        "period.unlock",
        lock,
        via=via,
        object_repr=f"{ds.code} {parsed.id} {unit.code}",
        changes={"data_set": ds.code, "period": parsed.id, "org_unit": unit.code, "reason": reason},
    )
    lock.delete()

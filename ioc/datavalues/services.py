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

Where it lives: ioc.datavalues.checker resolves the rows (ValueRow) and runs the checks, which are in
ioc.datavalues.checks; ioc.datavalues.writes builds and applies the rows and announces the changes; this
module writes one value at a time, ioc.datavalues.batch many (do_set_values), ioc.datavalues.locks creates
and removes the period locks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can, require
from ioc.audit.services import record
from ioc.core.errors import NotFound
from ioc.core.periods import Period
from ioc.datavalues import writes
from ioc.datavalues.checker import CheckedRow, Checker, ValueRow
from ioc.datavalues.models import DataValue, DataValueAudit
from ioc.datavalues.values import format_value
from ioc.metadata.models import CategoryOptionCombo, DataElement
from ioc.orgunits.models import OrgUnit


@dataclass(frozen=True)
class SetResult:
    action: writes.ActionName
    value: DataValue


def _check_one(user: User, row: ValueRow, *, with_value: bool = True) -> CheckedRow:
    checker = Checker(user)
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
    existing = DataValue.objects.select_for_update().filter(writes.key_q(checked.key)).first()
    if existing is None:
        fresh = writes.new_value(user, checked, now)
        try:
            with transaction.atomic():
                fresh.save(force_insert=True)
        except IntegrityError:  # written by someone else since we looked: update theirs
            existing = DataValue.objects.select_for_update().get(writes.key_q(checked.key))
        else:
            DataValueAudit.objects.create(
                data_value=fresh, action="CREATE", old_value=None, new_value=checked.display, user=user, via=via
            )
            writes.changed([fresh])
            return SetResult("CREATE", fresh)
    action, old = writes.apply(user, existing, checked, now)
    if action == "UNCHANGED":
        return SetResult("UNCHANGED", existing)
    existing.save(update_fields=writes.UPDATED_FIELDS)
    DataValueAudit.objects.create(
        data_value=existing, action=action, old_value=old, new_value=checked.display, user=user, via=via
    )
    writes.changed([existing])
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
    existing = DataValue.objects.select_for_update().filter(writes.key_q(checked.key), deleted=False).first()
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
    writes.changed([existing])
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
    checker = Checker(user)
    row = ValueRow(data_element, org_unit, period, None, category_option_combo)
    checker.prepare([row])
    element = checker.resolve_element(row.data_element)
    coc = checker.resolve_coc(element, row.category_option_combo)
    the_period = checker.resolve_period(row.period, element)
    unit = checker.resolve_unit(row.org_unit, the_period)
    checker.check_entry_scope(unit)
    key = (element.pk, unit.pk, the_period.id, coc.pk)
    existing = DataValue.objects.select_for_update().filter(writes.key_q(key), deleted=False).first()
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

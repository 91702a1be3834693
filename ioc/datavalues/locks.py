"""Locking and unlocking a data set's period for an org unit and its subtree (admins only, audited).

A lock stops every write of the data set's values in the period (ioc.datavalues.checks.not_locked); this
module only creates and removes them. The unit is resolved as for a value (a code names the unit open
during the period), by ioc.datavalues.checker.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, NotFound
from ioc.core.periods import PERIOD_TYPES, Period, parse_period
from ioc.datavalues.checker import Checker, ValueRow
from ioc.datavalues.models import PeriodLock
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit


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


def _lock_key(
    user: User, data_set: DataSet | str, period: Period | str, org_unit: OrgUnit | str
) -> tuple[DataSet, Period, OrgUnit]:
    """What a lock or unlock is about, checked: the right, the data set, the period, the unit at that period."""
    require(user, Action.LOCK_PERIODS)
    ds = _data_set(data_set)
    parsed = check_lock_period(ds, period)
    checker = Checker(user)
    checker.load_units([ValueRow(data_element="", org_unit=org_unit, period=parsed)])
    return ds, parsed, checker.resolve_unit(org_unit, parsed)


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
    ds, parsed, unit = _lock_key(user, data_set, period, org_unit)
    lock, created = PeriodLock.objects.get_or_create(
        data_set=ds,
        period=parsed.id,
        org_unit=unit,
        kind=PeriodLock.Kind.MANUAL,
        defaults={"reason": reason[:255], "locked_by": user},
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
    ds, parsed, unit = _lock_key(user, data_set, period, org_unit)
    lock = PeriodLock.objects.filter(data_set=ds, period=parsed.id, org_unit=unit, kind=PeriodLock.Kind.MANUAL).first()
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

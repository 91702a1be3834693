"""The rules a data value must pass before it is written, as functions of objects already looked up.

Each raises the ioc.core.errors error (InvalidInput, NotAllowed or Locked) naming the field in the exchange
names (dataElement, categoryOptionCombo, period, orgUnit, value, comment, followUp). They are apart from
checker.Checker, which fetches what they need for many rows at once and runs them in the order the
services document, so that each rule can be read (and tested) on its own. The only queries here are on the
error path, to make the message helpful (the combo another option combo belongs to, a unit's successors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.accounts.scopes import scope_description
from ioc.core.errors import InvalidInput, Locked, NotAllowed
from ioc.core.periods import PERIOD_TYPES, Period, period_for_date
from ioc.datavalues.models import PeriodLock
from ioc.datavalues.values import parse_value
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, ValueType
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import is_within, predecessors, successors

MAX_COMMENT = 5000


def ref_text(ref: object) -> str:
    """A reference as the user gave it: the text, or a model instance's code."""
    return ref if isinstance(ref, str) else str(getattr(ref, "code", ref))


# --- category option combo ------------------------------------------------------------------------------


def option_combo(
    element: DataElement, options: Sequence[CategoryOptionCombo], ref: CategoryOptionCombo | str | None
) -> CategoryOptionCombo:
    """The option combo `ref` names among `options` (those of the element's category combo); none given is
    fine when the combo has a single option."""
    combo = element.category_combo
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
    other = _other_coc(ref)
    if other is None:
        raise InvalidInput(
            _("Category option combo: no category option combo with code or uid '%(ref)s'") % {"ref": ref_text(ref)},
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


def _other_coc(ref: CategoryOptionCombo | str) -> CategoryOptionCombo | None:
    qs = CategoryOptionCombo.objects.select_related("combo")
    if isinstance(ref, CategoryOptionCombo):
        return qs.filter(pk=ref.pk).first()
    key = ref.strip()
    return qs.filter(Q(code=key) | Q(uid=key)).first()


# --- period ---------------------------------------------------------------------------------------------


def period_type(period: Period, element: DataElement, sets: Sequence[DataSet]) -> None:
    """The period's type is one of the types of the element's data sets (`sets`; none: any type)."""
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


# --- org unit -------------------------------------------------------------------------------------------


def unit_of_code(code: str, period: Period, at_start: OrgUnit | str, at_end: OrgUnit | str) -> OrgUnit:
    """The unit an org-unit code names during `period`, from what it resolves to on the period's first and
    last day (a unit, or why not). A code that names two units within the period needs the uid."""
    if isinstance(at_start, OrgUnit) and isinstance(at_end, OrgUnit) and at_start.pk != at_end.pk:
        raise InvalidInput(
            _(
                "Org unit: code '%(code)s' names %(a)s until %(closed)s and %(b)s after that, both within "
                "period %(period)s; give the uid (%(a_uid)s or %(b_uid)s)"
            )
            % {
                "code": code,
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


def unit_open(unit: OrgUnit, period: Period) -> None:
    """The unit is open during the period (a closed unit names its successor, a new one its predecessors)."""
    if unit.closed is not None and unit.closed < period.start:
        message = _("Org unit: %(name)s (%(code)s) was closed on %(closed)s; period %(period)s starts after that") % {
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


def entry_scope(unit: OrgUnit, roots: list[OrgUnit] | None) -> None:
    """The unit is inside the user's entry scope (`roots`: user.entry_root_units(), None: everywhere)."""
    if not is_within(unit, roots):
        raise NotAllowed(
            _("Org unit: %(name)s (%(code)s) is outside your data entry units (%(roots)s)")
            % {"name": unit.name, "code": unit.code, "roots": scope_description(roots)},
            field="orgUnit",
        )


# --- value, comment, follow-up --------------------------------------------------------------------------


def value(element: DataElement, raw: object) -> tuple[float | None, str | None]:
    """(value_num, value_text) of `raw` for the element's value type, within its minimum/maximum."""
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


def comment(text: str) -> None:
    if len(text) > MAX_COMMENT:
        raise InvalidInput(_("Comment: at most %(n)s characters") % {"n": f"{MAX_COMMENT:,}"}, field="comment")


def follow_up(flag: object) -> None:
    """None (leave as is) or a bool."""
    if flag is not None and not isinstance(flag, bool):
        raise InvalidInput(_("Follow-up: true or false, not '%(v)s'") % {"v": flag}, field="followUp")


def _why(message: str) -> str:
    """parse_value's message without its "value: " prefix."""
    return message.split(": ", 1)[1] if message.startswith("value: ") else message


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(x)


# --- locks and expiry -----------------------------------------------------------------------------------


def not_locked(
    unit: OrgUnit,
    period: Period,
    sets: Sequence[DataSet],
    locks_by_set: Mapping[int, Sequence[tuple[Period, PeriodLock]]],
) -> None:
    """No PeriodLock of one of the element's data sets (`sets`), for a period containing this one, on the
    unit or an ancestor. `locks_by_set`: data set id -> (parsed period, lock)."""
    for ds in sets:
        for lock_period, lock in locks_by_set.get(ds.pk, []):
            covers = is_within(unit, [lock.org_unit]) if lock.subtree else unit.pk == lock.org_unit_id
            if lock_period.contains(period) and covers:
                raise Locked(_lock_message(lock, period, ds), field="period")


def _lock_message(lock: PeriodLock, period: Period, ds: DataSet) -> str:
    names = {"period": period.id, "set": ds.code, "unit": lock.org_unit.name}
    if lock.kind == PeriodLock.Kind.SUBMITTED:
        return (
            _(
                "Period: the form of data set %(set)s for %(unit)s, %(period)s, is submitted for approval; "
                "an approver must return it before it can be changed"
            )
            % names
        )
    if lock.kind == PeriodLock.Kind.APPROVED:
        return (
            _(
                "Period: the form of data set %(set)s for %(unit)s, %(period)s, is approved; "
                "only an administrator can unapprove it"
            )
            % names
        )
    reason = f" ({lock.reason})" if lock.reason else ""
    return _("Period: %(period)s is locked for data set %(set)s at %(unit)s%(reason)s") % {**names, "reason": reason}


def not_future(period: Period, sets: Sequence[DataSet], today: dt.date) -> None:
    """The period starts no later than the current period (of the data set's type) shifted by the data set's
    open_future_periods, for at least one of the element's data sets of the period's type (`sets`)."""
    relevant = [ds for ds in sets if ds.period_type == period.period_type]
    if not relevant:
        return
    allowed = max(relevant, key=lambda ds: ds.open_future_periods)
    last_open = period_for_date(period.period_type, today).shift(allowed.open_future_periods)
    if period.start > last_open.start:
        raise Locked(
            _("Period: %(period)s is in the future; data set %(set)s is open up to %(last)s")
            % {"period": period.id, "set": allowed.code, "last": last_open.id},
            field="period",
        )


def not_expired(
    unit: OrgUnit, period: Period, sets: Sequence[DataSet], assigned: Collection[tuple[int, int]], today: dt.date
) -> None:
    """Period end + expiry_days is not before today, for each of the element's data sets (`sets`) that
    expires and is assigned to the unit (`assigned`: (data set id, unit id) pairs)."""
    for ds in sets:
        if ds.expiry_days > 0 and (ds.pk, unit.pk) in assigned:
            last_day = period.end + dt.timedelta(days=ds.expiry_days)
            if last_day < today:
                raise Locked(
                    _(
                        "Period: %(period)s closed for entry on %(last)s (%(days)s days after its end, "
                        "data set %(set)s); ask an administrator"
                    )
                    % {"period": period.id, "last": last_day.isoformat(), "days": ds.expiry_days, "set": ds.code},
                    field="period",
                )

"""The transitions of a form — (data set, org unit, period) — each atomic, checked and audited.

    do_complete    OPEN/RETURNED → SUBMITTED   data officer (ENTER_DATA) in their entry scope; every
                                               compulsory cell filled; locks the form (PeriodLock SUBMITTED)
    do_reopen      SUBMITTED → OPEN            the submitter, or a data officer of the submitter's agency
    do_approve     SUBMITTED → APPROVED        approver (APPROVE_DATA) whose entry scope covers the unit, once
                   (OPEN → APPROVED for a      every approval child is approved (bottom-up); the lock becomes
                   unit without a form)        APPROVED
    do_return      SUBMITTED → RETURNED        approver, with a reason; unlocks; tells the submitter
    do_unapprove   APPROVED → SUBMITTED        administrator (LOCK_PERIODS), with a reason, while the parent is
                   (→ OPEN without a form)     not approved (top-down)

Each refuses with an ioc.core.errors error that says why (NotAllowed: role or scope; InvalidInput: a bad
reference or missing cells; Locked: expired; Conflict-like states are InvalidInput naming the state), and
then nothing has changed. Each writes a SubmissionEvent and an audit record (action "workflow.<verb>").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can, require
from ioc.accounts.scopes import can_enter_unit, scope_description
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput, Locked, NotAllowed
from ioc.core.periods import Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.datavalues import checks
from ioc.datavalues.models import DataValue, PeriodLock
from ioc.metadata.models import CategoryOptionCombo, DataSet, DataSetElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import try_resolve_codes
from ioc.workflow import notify
from ioc.workflow.models import Notification, State, Submission, SubmissionEvent
from ioc.workflow.tree import approval_children, has_form, open_during, units_with_form

MAX_REASON = 2000


@dataclass(frozen=True)
class FormKey:
    """The resolved reference of one form."""

    data_set: DataSet
    org_unit: OrgUnit
    period: Period

    def label(self) -> str:
        return f"{self.data_set.code} {self.period.id} {self.org_unit.code}"


# --- resolving references -------------------------------------------------------------------------------


def resolve_data_set(ref: DataSet | str) -> DataSet:
    if isinstance(ref, DataSet):
        return ref
    key = (ref or "").strip()
    found = DataSet.objects.select_related("agency").filter(Q(code=key) | Q(uid=key)).first() if key else None
    if found is None:
        raise InvalidInput(_("Data set: no data set with code or uid '%(ref)s'") % {"ref": key}, field="dataSet")
    return found


def resolve_period(data_set: DataSet, ref: Period | str) -> Period:
    """The period, which must be of the data set's period type."""
    period = ref if isinstance(ref, Period) else parse_period((ref or "").strip())
    if period.period_type != data_set.period_type:
        raise InvalidInput(
            _("Period: %(period)s is a %(type)s period; data set %(set)s is reported %(set_type)s")
            % {"period": period.id, "type": period.period_type, "set": data_set.code, "set_type": data_set.period_type},
            field="period",
        )
    return period


def resolve_unit(ref: OrgUnit | str, period: Period) -> OrgUnit:
    """A unit, its uid, or its code (the unit with that code open during the period)."""
    if isinstance(ref, OrgUnit):
        return ref
    key = (ref or "").strip()
    if not key:
        raise InvalidInput(_("Org unit: required"), field="orgUnit")
    if is_valid_uid(key):
        by_uid = OrgUnit.objects.filter(uid=key).first()
        if by_uid is not None:
            return by_uid
    found_start, errors_start = try_resolve_codes([key], period.start)
    found_end, errors_end = try_resolve_codes([key], period.end)
    return checks.unit_of_code(
        key,
        period,
        found_start.get(key) or errors_start.get(key) or key,
        found_end.get(key) or errors_end.get(key) or key,
    )


def resolve(data_set: DataSet | str, org_unit: OrgUnit | str, period: Period | str) -> FormKey:
    ds = resolve_data_set(data_set)
    the_period = resolve_period(ds, period)
    return FormKey(ds, resolve_unit(org_unit, the_period), the_period)


# --- shared steps ---------------------------------------------------------------------------------------


def due_date(data_set: DataSet, period: Period) -> dt.date:
    """The last day for a timely submission: the period's end + the data set's timely days."""
    return period.end + dt.timedelta(days=data_set.timely_days)


def _submission(key: FormKey) -> Submission:
    """The form's row, locked for this transaction (created OPEN when there is none)."""
    submission, _created = Submission.objects.select_for_update().get_or_create(
        data_set=key.data_set,
        org_unit=key.org_unit,
        period=key.period.id,
        defaults={
            "period_type": key.period.period_type,
            "start_date": key.period.start,
            "end_date": key.period.end,
            "state": State.OPEN,
        },
    )
    return submission


def _transition(
    user: User,
    submission: Submission,
    key: FormKey,
    action: str,
    to_state: str,
    *,
    via: str,
    reason: str = "",
) -> None:
    from_state = submission.state
    submission.state = to_state
    submission.save()
    SubmissionEvent.objects.create(
        submission=submission,
        action=action,
        from_state=from_state,
        to_state=to_state,
        user=user if user.pk else None,
        via=via,
        reason=reason,
    )
    changes: dict[str, object] = {
        "data_set": key.data_set.code,
        "period": key.period.id,
        "org_unit": key.org_unit.code,
        "state": [from_state, to_state],
    }
    if reason:
        changes["reason"] = reason
    record(user, f"workflow.{action}", submission, via=via, object_repr=key.label(), changes=changes)


def _lock(key: FormKey, kind: str, user: User) -> None:
    PeriodLock.objects.get_or_create(
        data_set=key.data_set,
        period=key.period.id,
        org_unit=key.org_unit,
        kind=kind,
        defaults={"subtree": False, "locked_by": user if user.pk else None},
    )


def _unlock(key: FormKey, kind: str) -> None:
    PeriodLock.objects.filter(data_set=key.data_set, period=key.period.id, org_unit=key.org_unit, kind=kind).delete()


def _state_name(state: str) -> str:
    return str(State(state).label)


def _require_entry_scope(user: User, unit: OrgUnit) -> None:
    if not can_enter_unit(user, unit):
        raise NotAllowed(
            _("Org unit: %(name)s (%(code)s) is outside your data entry units (%(roots)s)")
            % {"name": unit.name, "code": unit.code, "roots": scope_description(user.entry_root_units())},
            field="orgUnit",
        )


def _require_form(key: FormKey) -> None:
    if not open_during(key.org_unit, key.period):
        checks.unit_open(key.org_unit, key.period)
    if not key.data_set.org_units.filter(pk=key.org_unit.pk).exists():
        raise InvalidInput(
            _("Org unit: data set %(set)s is not assigned to %(unit)s (%(code)s)")
            % {"set": key.data_set.code, "unit": key.org_unit.name, "code": key.org_unit.code},
            field="orgUnit",
        )


def _require_not_expired(user: User, key: FormKey, today: dt.date) -> None:
    """Like value entry: administrators may act in an expired period, others not."""
    if user.sees_everything:
        return
    checks.not_expired(key.org_unit, key.period, [key.data_set], {(key.data_set.pk, key.org_unit.pk)}, today)


def _require_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(_("Reason: required"), field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(_("Reason: at most %(n)s characters") % {"n": f"{MAX_REASON:,}"}, field="reason")
    return text


def _cell_label(element_name: str, element_code: str, coc: CategoryOptionCombo) -> str:
    if coc.code == "default":
        return f"{element_name} ({element_code})"
    return f"{element_name} ({element_code}) × {coc.name}"


def missing_compulsory(key: FormKey) -> list[str]:
    """The compulsory cells of the form that hold no value: "Element (CODE) × option combo", in form order."""
    links = list(
        DataSetElement.objects.filter(data_set=key.data_set, compulsory=True)
        .select_related("data_element")
        .order_by("sort_order", "data_element__code")
    )
    if not links:
        return []
    combo_ids = {link.data_element.category_combo_id for link in links}
    cocs: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(combo_id__in=combo_ids).order_by("combo_id", "sort_order", "code"):
        cocs.setdefault(coc.combo_id, []).append(coc)
    filled = set(
        DataValue.objects.filter(
            org_unit=key.org_unit,
            period=key.period.id,
            deleted=False,
            data_element_id__in=[link.data_element_id for link in links],
        )
        .filter(Q(value_num__isnull=False) | (Q(value_text__isnull=False) & ~Q(value_text="")))
        .values_list("data_element_id", "category_option_combo_id")
    )
    missing = []
    for link in links:
        element = link.data_element
        for coc in cocs.get(element.category_combo_id, []):
            if (element.pk, coc.pk) not in filled:
                missing.append(_cell_label(element.name, element.code, coc))
    return missing


def _approver_checks(user: User, key: FormKey) -> None:
    require(user, Action.APPROVE_DATA)
    _require_entry_scope(user, key.org_unit)


def _parent_approved(key: FormKey) -> OrgUnit | None:
    parent = key.org_unit.parent
    if parent is None:
        return None
    approved = Submission.objects.filter(
        data_set=key.data_set, org_unit=parent, period=key.period.id, state=State.APPROVED
    ).exists()
    return parent if approved else None


# --- the transitions ------------------------------------------------------------------------------------


@transaction.atomic
def do_complete(
    user: User,
    data_set: DataSet | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    *,
    via: str = Via.FORM,
    today: dt.date | None = None,
) -> Submission:
    """Submit the form ("Complete"): it is then locked until an approver returns or approves it."""
    require(user, Action.ENTER_DATA)
    key = resolve(data_set, org_unit, period)
    today = today or timezone.localdate()
    _require_entry_scope(user, key.org_unit)
    _require_form(key)
    checks.not_future(key.period, [key.data_set], today)
    _require_not_expired(user, key, today)
    submission = _submission(key)
    if submission.state == State.SUBMITTED:
        raise InvalidInput(
            _("The form %(form)s is already submitted (%(when)s); it waits for approval")
            % {"form": key.label(), "when": _when(submission.submitted_at)},
            field="state",
        )
    if submission.state == State.APPROVED:
        raise Locked(
            _("The form %(form)s is approved; only an administrator can unapprove it") % {"form": key.label()},
            field="state",
        )
    missing = missing_compulsory(key)
    if missing:
        raise InvalidInput(
            _("The form cannot be submitted: %(n)s compulsory cells are empty: %(cells)s")
            % {"n": len(missing), "cells": "; ".join(missing)},
            errors=[
                {"field": "dataValues", "message": _("Empty compulsory cell: %(cell)s") % {"cell": m}} for m in missing
            ],
        )
    now = timezone.now()
    submission.submitted_by = user
    submission.submitted_at = now
    if submission.first_submitted_at is None:
        submission.first_submitted_at = now
        submission.on_time = timezone.localdate(now) <= due_date(key.data_set, key.period)
    submission.decided_by = None
    submission.decided_at = None
    submission.reason = ""
    _transition(user, submission, key, SubmissionEvent.Action.COMPLETE, State.SUBMITTED, via=via)
    _lock(key, PeriodLock.Kind.SUBMITTED, user)
    return submission


@transaction.atomic
def do_reopen(
    user: User,
    data_set: DataSet | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    *,
    via: str = Via.FORM,
    today: dt.date | None = None,
) -> Submission:
    """Withdraw a submission before it is approved: the submitter, or a data officer of the submitter's agency
    (and an administrator). The form opens again for entry."""
    require(user, Action.ENTER_DATA)
    key = resolve(data_set, org_unit, period)
    _require_entry_scope(user, key.org_unit)
    _require_not_expired(user, key, today or timezone.localdate())
    submission = _submission(key)
    if submission.state != State.SUBMITTED:
        raise InvalidInput(
            _("The form %(form)s is %(state)s; only a submitted form can be withdrawn")
            % {"form": key.label(), "state": _state_name(submission.state)},
            field="state",
        )
    submitter = submission.submitted_by
    same_agency = submitter is not None and submitter.agency_id is not None and submitter.agency_id == user.agency_id
    if not (user.sees_everything or submitter == user or same_agency):
        raise NotAllowed(
            _("Only %(who)s or a colleague of the same agency can withdraw this submission")
            % {"who": submitter.get_full_name() or submitter.username if submitter else _("the submitter")}
        )
    _transition(user, submission, key, SubmissionEvent.Action.REOPEN, State.OPEN, via=via)
    _unlock(key, PeriodLock.Kind.SUBMITTED)
    return submission


@transaction.atomic
def do_approve(
    user: User,
    data_set: DataSet | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    *,
    via: str = Via.FORM,
) -> Submission:
    """Approve a submitted form — or, for a unit without a form of its own, the forms below it — once every
    approval child is approved (bottom-up). The form stays locked (APPROVED)."""
    require(user, Action.APPROVE_DATA)
    key = resolve(data_set, org_unit, period)
    _require_entry_scope(user, key.org_unit)
    own_form = has_form(key.data_set, key.org_unit, key.period)
    children = approval_children(key.data_set, key.org_unit, key.period)
    if not own_form and not children:
        raise InvalidInput(
            _("Org unit: data set %(set)s is not assigned to %(unit)s (%(code)s) nor to any unit below it")
            % {"set": key.data_set.code, "unit": key.org_unit.name, "code": key.org_unit.code},
            field="orgUnit",
        )
    submission = _submission(key)
    if submission.state == State.APPROVED:
        raise InvalidInput(_("The form %(form)s is already approved") % {"form": key.label()}, field="state")
    if own_form and submission.state != State.SUBMITTED:
        raise InvalidInput(
            _("The form %(form)s is %(state)s; only a submitted form can be approved")
            % {"form": key.label(), "state": _state_name(submission.state)},
            field="state",
        )
    if children:
        approved = set(
            Submission.objects.filter(
                data_set=key.data_set,
                period=key.period.id,
                org_unit__in=children,
                state=State.APPROVED,
            ).values_list("org_unit_id", flat=True)
        )
        waiting = [c for c in children if c.pk not in approved]
        if waiting:
            raise InvalidInput(
                _("Approval goes bottom-up: first approve %(names)s (%(n)s of %(total)s units below %(unit)s)")
                % {
                    "names": ", ".join(f"{c.name} ({c.code})" for c in waiting),
                    "n": len(waiting),
                    "total": len(children),
                    "unit": key.org_unit.name,
                },
                field="orgUnit",
            )
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.reason = ""
    _transition(user, submission, key, SubmissionEvent.Action.APPROVE, State.APPROVED, via=via)
    _unlock(key, PeriodLock.Kind.SUBMITTED)
    _lock(key, PeriodLock.Kind.APPROVED, user)
    submitter = submission.submitted_by
    if submitter is not None and submitter.pk != user.pk and submitter.is_active:
        notify.create(
            submitter,
            Notification.Kind.APPROVED,
            key.data_set,
            key.org_unit,
            key.period.id,
            by=user.get_full_name() or user.username,
        )
    return submission


@transaction.atomic
def do_return(
    user: User,
    data_set: DataSet | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    reason: str,
    *,
    via: str = Via.FORM,
) -> Submission:
    """Send a submitted form back to its unit with a reason: it opens for correction, and the submitter is
    told (in the app and by e-mail)."""
    require(user, Action.APPROVE_DATA)
    text = _require_reason(reason)
    key = resolve(data_set, org_unit, period)
    _require_entry_scope(user, key.org_unit)
    submission = _submission(key)
    if submission.state != State.SUBMITTED:
        raise InvalidInput(
            _("The form %(form)s is %(state)s; only a submitted form can be returned")
            % {"form": key.label(), "state": _state_name(submission.state)},
            field="state",
        )
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.reason = text
    _transition(user, submission, key, SubmissionEvent.Action.RETURN, State.RETURNED, via=via, reason=text)
    _unlock(key, PeriodLock.Kind.SUBMITTED)
    submitter = submission.submitted_by
    if submitter is not None and submitter.is_active:
        note = notify.create(
            submitter,
            Notification.Kind.RETURNED,
            key.data_set,
            key.org_unit,
            key.period.id,
            by=user.get_full_name() or user.username,
            reason=text,
        )
        mail = notify.mail_for(submitter, [note])
        if mail is not None:
            transaction.on_commit(lambda: notify.send([mail]))
    return submission


@transaction.atomic
def do_unapprove(
    user: User,
    data_set: DataSet | str,
    org_unit: OrgUnit | str,
    period: Period | str,
    reason: str,
    *,
    via: str = Via.FORM,
) -> Submission:
    """Undo an approval (administrators only, with a reason, audited). Top-down: refused while the parent unit
    is approved. A form goes back to SUBMITTED (still locked: an approver may then return it); a unit without a
    form of its own back to OPEN."""
    require(user, Action.LOCK_PERIODS)
    text = _require_reason(reason)
    key = resolve(data_set, org_unit, period)
    submission = _submission(key)
    if submission.state != State.APPROVED:
        raise InvalidInput(
            _("The form %(form)s is %(state)s; only an approved form can be unapproved")
            % {"form": key.label(), "state": _state_name(submission.state)},
            field="state",
        )
    parent = _parent_approved(key)
    if parent is not None:
        raise InvalidInput(
            _("Unapproval goes top-down: first unapprove %(parent)s (%(code)s), which is approved")
            % {"parent": parent.name, "code": parent.code},
            field="orgUnit",
        )
    own_form = submission.submitted_at is not None and has_form(key.data_set, key.org_unit, key.period)
    submission.decided_by = user
    submission.decided_at = timezone.now()
    submission.reason = text
    to_state = State.SUBMITTED if own_form else State.OPEN
    _transition(user, submission, key, SubmissionEvent.Action.UNAPPROVE, to_state, via=via, reason=text)
    _unlock(key, PeriodLock.Kind.APPROVED)
    if own_form:
        _lock(key, PeriodLock.Kind.SUBMITTED, user)
    return submission


# --- what a user may do with a form (for pages and the API) ----------------------------------------------


@dataclass(frozen=True)
class Allowed:
    complete: bool
    reopen: bool
    approve: bool
    return_: bool
    unapprove: bool


def allowed(user: User, key: FormKey, submission: Submission | None) -> Allowed:
    """Which buttons to offer: the role, scope and state checks of the services (not the compulsory cells
    nor the children, which the service names when it refuses)."""
    state = submission.state if submission else State.OPEN
    in_entry = can_enter_unit(user, key.org_unit)
    enter = can(user, Action.ENTER_DATA) and in_entry
    approve = can(user, Action.APPROVE_DATA) and in_entry
    submitter = submission.submitted_by if submission else None
    own = (
        user.sees_everything
        or submitter == user
        or (submitter is not None and submitter.agency_id is not None and submitter.agency_id == user.agency_id)
    )
    form = has_form(key.data_set, key.org_unit, key.period)
    aggregate = not form and approve and bool(approval_children(key.data_set, key.org_unit, key.period))
    return Allowed(
        complete=enter and form and state in (State.OPEN, State.RETURNED),
        reopen=enter and own and state == State.SUBMITTED,
        approve=approve and state != State.APPROVED and (state == State.SUBMITTED or aggregate),
        return_=approve and state == State.SUBMITTED,
        unapprove=can(user, Action.LOCK_PERIODS) and state == State.APPROVED,
    )


@transaction.atomic
def do_mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (`ids`, or all unread); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def _when(at: dt.datetime | None) -> str:
    return timezone.localtime(at).strftime("%d/%m/%Y %H:%M") if at else "-"


__all__ = [
    "FormKey",
    "allowed",
    "do_approve",
    "do_complete",
    "do_mark_read",
    "do_reopen",
    "do_return",
    "do_unapprove",
    "due_date",
    "missing_compulsory",
    "resolve",
    "units_with_form",
]

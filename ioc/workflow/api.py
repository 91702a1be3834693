"""/api/v1/workflow — completion and approval of forms, like DHIS2's /completeDataSetRegistrations and
/dataApprovals, and the completeness rates.

    GET  /completeDataSetRegistrations        the forms' states (view scope; token scope data:read)
    POST /completeDataSetRegistrations        complete (completed=true) or withdraw (false) forms, all or
                                              nothing (entry scope; data:write)
    GET  /dataApprovals?ds=&pe=&ou=           one form: state, what the caller may do, children, what is missing
    POST /dataApprovals?ds=&pe=&ou=           approve (approver; data:write)
    POST /dataApprovals/return?ds=&pe=&ou=    return with {"reason": …} (approver; data:write)
    POST /dataApprovals/unapprove?ds=&pe=&ou= unapprove with {"reason": …} (administrator; data:write)
    GET  /completeness                        expected / received / on time per group (data:read)
    GET  /lateReports                         the reports not received by their due date (data:read)
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from ioc.accounts.permissions import current_user, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, IocError
from ioc.core.periods import parse_period
from ioc.core.uid import is_valid_uid
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code
from ioc.workflow import selectors, services
from ioc.workflow.approvals import form_state
from ioc.workflow.completeness import GROUPS, DateRange, Periods, completeness_view
from ioc.workflow.completeness import late_reports as select_late_reports
from ioc.workflow.models import State, Submission
from ioc.workflow.schemas import (
    ApprovalOut,
    ChildOut,
    CompletenessOut,
    CompletenessQuery,
    FormQuery,
    LateList,
    LateOut,
    LateQuery,
    RateOut,
    ReasonIn,
    RegistrationOut,
    RegistrationsIn,
    RegistrationsOut,
    RegistrationsQuery,
)

router = Router(tags=["workflow"])


def _split(values: list[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _data_sets(refs: list[str]) -> list[DataSet]:
    found = list(DataSet.objects.filter(Q(code__in=refs) | Q(uid__in=refs)).select_related("agency"))
    known = {d.code for d in found} | {d.uid for d in found}
    missing = [r for r in refs if r not in known]
    if missing:
        raise InvalidInput(
            _("Data set: no data set with code or uid %(refs)s") % {"refs": ", ".join(f"'{r}'" for r in missing)},
            field="dataSet",
        )
    return found


def _unit(ref: str) -> OrgUnit:
    key = ref.strip()
    if is_valid_uid(key):
        by_uid = OrgUnit.objects.filter(uid=key).first()
        if by_uid is not None:
            return by_uid
    return resolve_code(key, timezone.localdate(), field="orgUnit")


def _registration(s: Submission) -> RegistrationOut:
    return RegistrationOut(
        dataSet=s.data_set.code,
        period=s.period,
        orgUnit=s.org_unit.code,
        orgUnitUid=s.org_unit.uid,
        orgUnitName=s.org_unit.name,
        state=s.state,
        completed=s.state in (State.SUBMITTED, State.APPROVED),
        date=s.submitted_at,
        storedBy=s.submitted_by.username if s.submitted_by else None,
        onTime=s.on_time,
        lastUpdatedBy=s.decided_by.username if s.decided_by else None,
        lastUpdated=s.last_updated,
        reason=s.reason,
    )


@router.get(
    "/completeDataSetRegistrations",
    response=RegistrationsOut,
    summary="The forms' states inside the caller's view scope (token scope data:read)",
)
def list_registrations(request: HttpRequest, q: Query[RegistrationsQuery]) -> RegistrationsOut:
    require_scope(request, "data:read")
    user = current_user(request)
    if q.state and q.state not in State.values:
        raise InvalidInput(
            _("state: one of %(states)s, not '%(v)s'") % {"states": ", ".join(State.values), "v": q.state},
            field="state",
        )
    periods = [parse_period(p).id for p in _split(q.period)]
    qs = selectors.registrations(
        user,
        data_sets=_data_sets(_split(q.data_set)) if q.data_set else None,
        periods=periods,
        org_unit=_unit(q.org_unit) if q.org_unit else None,
        children=q.children,
        state=q.state,
    )
    return RegistrationsOut(completeDataSetRegistrations=[_registration(s) for s in qs[q.offset : q.offset + q.limit]])


@router.post(
    "/completeDataSetRegistrations",
    response=RegistrationsOut,
    summary="Complete (submit) or withdraw forms, all or nothing (token scope data:write)",
)
def post_registrations(request: HttpRequest, body: RegistrationsIn) -> RegistrationsOut:
    require_scope(request, "data:write")
    user = current_user(request)
    done: list[Submission] = []
    with transaction.atomic():
        for index, item in enumerate(body.complete_data_set_registrations):
            action = services.do_complete if item.completed else services.do_reopen
            try:
                done.append(action(user, item.data_set, item.org_unit, item.period, via=Via.API))
            except IocError as exc:
                exc.message = _("Registration %(n)s (%(ds)s %(pe)s %(ou)s): %(why)s") % {
                    "n": index + 1,
                    "ds": item.data_set,
                    "pe": item.period,
                    "ou": item.org_unit,
                    "why": exc.message,
                }
                raise
    fresh = Submission.objects.select_related("data_set", "org_unit", "submitted_by", "decided_by").in_bulk(
        [s.pk for s in done]
    )
    return RegistrationsOut(completeDataSetRegistrations=[_registration(fresh[s.pk]) for s in done])


def _approval(request: HttpRequest, q: FormQuery) -> ApprovalOut:
    user = current_user(request)
    state = form_state(user, services.resolve(q.ds, q.ou, q.pe))
    s = state.submission
    return ApprovalOut(
        dataSet=state.key.data_set.code,
        period=state.key.period.id,
        orgUnit=state.key.org_unit.code,
        orgUnitUid=state.key.org_unit.uid,
        orgUnitName=state.key.org_unit.name,
        state=state.state,
        hasForm=state.has_form,
        dueDate=state.due,
        closesDate=state.closes,
        expired=state.expired,
        mayComplete=state.allowed.complete,
        mayReopen=state.allowed.reopen,
        mayApprove=state.allowed.approve,
        mayReturn=state.allowed.return_,
        mayUnapprove=state.allowed.unapprove,
        missing=state.missing,
        children=[
            ChildOut(
                orgUnit=c.unit.code, orgUnitUid=c.unit.uid, orgUnitName=c.unit.name, state=c.state, hasForm=c.has_form
            )
            for c in state.children
        ],
        parentState=state.parent_state,
        submittedBy=s.submitted_by.username if s and s.submitted_by else None,
        submitted=s.submitted_at if s else None,
        onTime=s.on_time if s else None,
        decidedBy=s.decided_by.username if s and s.decided_by else None,
        decided=s.decided_at if s else None,
        reason=s.reason if s else "",
    )


@router.get("/dataApprovals", response=ApprovalOut, summary="One form's approval state (token scope data:read)")
def get_approval(request: HttpRequest, q: Query[FormQuery]) -> ApprovalOut:
    require_scope(request, "data:read")
    return _approval(request, q)


@router.post("/dataApprovals", response=ApprovalOut, summary="Approve a form, bottom-up (token scope data:write)")
def approve(request: HttpRequest, q: Query[FormQuery]) -> ApprovalOut:
    require_scope(request, "data:write")
    services.do_approve(current_user(request), q.ds, q.ou, q.pe, via=Via.API)
    return _approval(request, q)


@router.post(
    "/dataApprovals/return", response=ApprovalOut, summary="Return a submitted form with a reason (data:write)"
)
def return_form(request: HttpRequest, q: Query[FormQuery], body: ReasonIn) -> ApprovalOut:
    require_scope(request, "data:write")
    services.do_return(current_user(request), q.ds, q.ou, q.pe, body.reason, via=Via.API)
    return _approval(request, q)


@router.post("/dataApprovals/unapprove", response=ApprovalOut, summary="Unapprove, administrators only (data:write)")
def unapprove(request: HttpRequest, q: Query[FormQuery], body: ReasonIn) -> ApprovalOut:
    require_scope(request, "data:write")
    services.do_unapprove(current_user(request), q.ds, q.ou, q.pe, body.reason, via=Via.API)
    return _approval(request, q)


def _completeness_args(request: HttpRequest, q: CompletenessQuery) -> tuple[list[DataSet], Periods, OrgUnit | None]:
    user = current_user(request)
    data_sets = _data_sets(_split(q.data_set)) if q.data_set else selectors.data_sets_for(user)
    periods: Periods
    if q.period:
        if q.start_date or q.end_date:
            raise InvalidInput(_("period: give periods or startDate and endDate, not both"), field="period")
        periods = [parse_period(p) for p in _split(q.period)]
    elif q.start_date and q.end_date:
        if q.end_date < q.start_date:
            raise InvalidInput(_("endDate: before startDate"), field="endDate")
        periods = DateRange(q.start_date, q.end_date)
    else:
        raise InvalidInput(_("period: required (or startDate and endDate)"), field="period")
    if q.group_by not in GROUPS:
        raise InvalidInput(
            _("groupBy: one of %(groups)s, not '%(v)s'") % {"groups": ", ".join(GROUPS), "v": q.group_by},
            field="groupBy",
        )
    return data_sets, periods, _unit(q.org_unit) if q.org_unit else None


@router.get(
    "/completeness",
    response=CompletenessOut,
    summary="Expected, received and on-time reports, and the rates, per group (token scope data:read)",
)
def completeness(request: HttpRequest, q: Query[CompletenessQuery]) -> CompletenessOut:
    require_scope(request, "data:read")
    data_sets, periods, root = _completeness_args(request, q)
    view = completeness_view(current_user(request), data_sets, periods, root, q.group_by)
    return CompletenessOut(groupBy=q.group_by, total=RateOut.of(view.total), rows=[RateOut.of(r) for r in view.rows])


@router.get("/lateReports", response=LateList, summary="Reports not received by their due date (data:read)")
def late_reports(request: HttpRequest, q: Query[LateQuery]) -> LateList:
    require_scope(request, "data:read")
    data_sets, periods, root = _completeness_args(request, q)
    rows = select_late_reports(current_user(request), data_sets, periods, root, sort=q.sort)
    return LateList(items=[LateOut.of(r) for r in rows], count=len(rows))

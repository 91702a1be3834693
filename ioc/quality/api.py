"""/api/v1/validation — stored validation results (GET /results) and runs (POST /run).

Both need the token scope data:read (a session user: any role, as every role may view data): a run only
derives results from values the caller may see, within their view scope. A small run runs at once; one of more
than SYNC_LIMIT rule evaluations is queued as a background job (202, with the job's page)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ioc.accounts.permissions import current_user, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.core.uid import is_valid_uid
from ioc.metadata.models import DataSet, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code
from ioc.quality import selectors
from ioc.quality.jobs import KIND, job_params
from ioc.quality.schemas import ResultList, ResultOut, ResultQuery, RunIn, RunOut, ValueInvolved, ViolationOut
from ioc.quality.services import SYNC_LIMIT, build_scope, run_scope
from ioc.quality.violations import Violation, describe_results

router = Router(tags=["validation"])


def _split(values: list[str]) -> list[str]:
    return [part.strip() for v in values for part in v.split(",") if part.strip()]


def _unit(ref: str, on: dt.date | None) -> OrgUnit:
    """A uid, or a code: the unit open on `on`; without a date the one open today, else the last closed."""
    ref = ref.strip()
    if is_valid_uid(ref):
        found = OrgUnit.objects.filter(uid=ref).first()
        if found is not None:
            return found
    if on is None:
        today = timezone.localdate()
        units = sorted(OrgUnit.objects.filter(code=ref), key=lambda u: (u.is_open_on(today), u.closed or today))
        if units:
            return units[-1]
        on = today
    return resolve_code(ref, on, field="orgUnit")


def _data_set(ref: str) -> DataSet:
    found = DataSet.objects.filter(Q(code=ref) | Q(uid=ref)).first()
    if found is None:
        raise InvalidInput(_("No data set with code or uid '%(ref)s'") % {"ref": ref}, field="dataSet")
    return found


def _violation_fields(v: Violation) -> dict[str, object]:
    return {
        "rule": v.rule_code,
        "rule_name": v.rule_name,
        "instruction": v.instruction,
        "importance": v.importance,
        "period": v.period,
        "org_unit": v.org_unit_uid,
        "org_unit_name": v.org_unit_name,
        "left_side_value": v.left,
        "operator": v.operator,
        "right_side_value": v.right,
        "message": v.message,
        "values": [
            ValueInvolved(data_element=x.element, category_option_combo=x.coc, value=x.value, data_set=x.data_set)
            for x in v.values
        ],
    }


@router.get("/results", response=ResultList, by_alias=True, summary="Stored validation results (token scope data:read)")
def list_results(request: HttpRequest, q: Query[ResultQuery]) -> ResultList:
    require_scope(request, "data:read")
    user = current_user(request)
    if q.start_date and q.end_date and q.end_date < q.start_date:
        raise InvalidInput(_("endDate: before startDate"), field="endDate")
    if q.importance and q.importance not in ValidationRule.Importance.values:
        raise InvalidInput(
            _("importance: expected one of %(values)s") % {"values": ", ".join(ValidationRule.Importance.values)},
            field="importance",
        )
    rules = None
    if q.rule:
        codes = _split(q.rule)
        rules = list(ValidationRule.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {r.code for r in rules})
        if unknown:
            raise InvalidInput(_("Unknown validation rules: %(codes)s") % {"codes": ", ".join(unknown)}, field="rule")
    root = _unit(q.org_unit, q.start_date) if q.org_unit else None
    qs = selectors.validation_results(
        user,
        data_set=_data_set(q.data_set) if q.data_set else None,
        root=root,
        start=q.start_date,
        end=q.end_date,
        periods=_split(q.period) or None,
        importance=q.importance,
        rules=rules,
        follow_up=q.follow_up,
        resolved=q.resolved,
    )
    page = list(qs[q.offset : q.offset + q.limit])
    items = [
        ResultOut(
            id=r.pk,
            org_unit_code=r.org_unit.code,
            first_seen=r.first_seen,
            last_seen=r.last_seen,
            follow_up=r.follow_up,
            follow_up_note=r.follow_up_note,
            resolved=r.resolved,
            resolution_note=r.resolution_note,
            **_violation_fields(v),  # type: ignore[arg-type]
        )
        for r, v in describe_results(page)
    ]
    return ResultList(items=items, count=qs.count())


@router.post(
    "/run",
    response={200: RunOut, 202: RunOut},
    by_alias=True,
    summary="Run the validation rules (token scope data:read)",
)
def run(request: HttpRequest, body: RunIn) -> Status[RunOut]:
    require_scope(request, "data:read")
    user = current_user(request)
    scope = build_scope(
        user,
        root_unit=body.org_unit,
        start=body.start_date,
        end=body.end_date,
        rules=body.rules,
        data_set=body.data_set,
    )
    if scope.evaluations(user) > SYNC_LIMIT:
        from ioc.jobs.services import do_submit_job

        job = do_submit_job(user, KIND, job_params(scope, persist=body.persist, language=get_language()), via=Via.API)
        return Status(202, RunOut(status="QUEUED", job=job.uid, job_url=reverse("jobs:detail", args=[job.uid])))
    summary = run_scope(user, scope, persist=body.persist, via=Via.API)
    return Status(
        200,
        RunOut(
            status="DONE",
            run=summary.run.uid if summary.run else None,
            rules=summary.rules,
            evaluated=summary.evaluated,
            violations=summary.violations,
            new=summary.new,
            cleared=summary.cleared,
            seconds=round(summary.seconds, 3),
            problems=summary.problems,
            items=[ViolationOut(**_violation_fields(v)) for v in summary.violation_list()[:1000]],  # type: ignore[arg-type]
        ),
    )

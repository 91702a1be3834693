"""/api/v1/plans — the digital-transformation plan: tasks, targets with their verdicts, progress reports
(see docs/api.md#plans). Every path takes ?plan=CODE (default: the active plan the reader sees).

    GET    ""                          the plans the reader sees, with their pillars
    GET    "tasks?pillar=&agency=&status=&overdue="     tasks with their flags (overdue, stalled)
    GET    "tasks/{code}"              one task with its updates
    POST   "tasks"                     create a task                        plan managers
    PATCH  "tasks/{code}"              change a task                        plan managers (any field); the lead
                                                                            agency (status, progress, completed)
    POST   "tasks/{code}/updates"      report progress {text, link, progress, status}: the lead agency, managers
    GET    "targets?pillar=&agency=&status=&mandatory="  targets with their verdicts and proposed dates
    GET    "targets/{code}"            one target with its history points and the forecast's fan
    POST   "targets"                   create a target with its milestones  plan managers
    PATCH  "targets/{code}"            change a target (milestones given: replaced)   plan managers
    POST   "targets/{code}/reports"    dated values of a manual target, one or {"reports": [...]} all or nothing:
                                       the responsible agency, managers
    GET    "targets/{code}/reports"    the reported values

Reads need the token scope data:read, writes plans:write (and the user's rights: ioc.plans.services decides).
Outside what the reader sees is a 404; bad input a 400/422 whose `errors` name the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from ioc.accounts.models import Agency, ApiToken, User
from ioc.accounts.permissions import current_user, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, IocError, NotAllowed
from ioc.plans import selectors, services
from ioc.plans.models import Plan, Source, Target, TaskStatus
from ioc.plans.models import Status as TargetStatus
from ioc.plans.schemas import (
    PlanList,
    ReportList,
    ReportsIn,
    TargetDetail,
    TargetIn,
    TargetList,
    TargetPatch,
    TaskDetail,
    TaskIn,
    TaskList,
    TaskPatch,
    TaskUpdateIn,
    TaskUpdateOut,
    plan_out,
    report_out,
    target_detail,
    target_out,
    task_detail,
    task_out,
    update_out,
)


class TaskQuery(Schema):
    plan: str | None = None
    pillar: str | None = None
    agency: str | None = None
    status: str | None = None
    overdue: bool | None = None
    lang: str | None = None


class TargetQuery(Schema):
    plan: str | None = None
    pillar: str | None = None
    agency: str | None = None
    status: str | None = None
    mandatory: bool | None = None
    lang: str | None = None


class PlanQuery(Schema):
    plan: str | None = None
    lang: str | None = None


router = Router(tags=["plans"])
READ = ApiToken.Scope.DATA_READ
WRITE = ApiToken.Scope.PLANS_WRITE

# Fields a PATCH may set to null (clearing them); null for any other is refused, naming the field.
TASK_NULLABLE = frozenset({"pillar", "start", "completed"})
TARGET_NULLABLE = frozenset({"pillar", "task", "baseline", "org_unit", "lower_bound", "upper_bound"})


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    """?lang=vi|en overrides the language (else the cookie, else Accept-Language: ioc.web.middleware)."""
    if not lang:
        yield
        return
    if lang not in dict(settings.LANGUAGES):
        raise InvalidInput(
            _("lang: '{value}' is not a language here; use one of: {choices}").format(
                value=lang[:20], choices=", ".join(code for code, _name in settings.LANGUAGES)
            ),
            field="lang",
        )
    with translation.override(lang):
        yield


def today() -> dt.date:
    """The date flags are computed at (tests set it)."""
    return timezone.localdate()


def _reader(request: HttpRequest) -> User:
    require_scope(request, READ)
    return current_user(request)


def _writer(request: HttpRequest) -> User:
    """A token must hold plans:write and its user a role that may report progress; what the user may change
    (a plan manager everything, an agency its own tasks and manual targets) the services decide."""
    require_scope(request, WRITE)
    return current_user(request)


def _plan(user: User, code: str | None) -> Plan:
    return selectors.get_plan(user, code or None)


def _choice(value: str | None, choices: list[str], field: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in choices:
        raise InvalidInput(
            _("{field}: '{value}' is not one of {choices}").format(
                field=field, value=value[:40], choices=", ".join(choices)
            ),
            field=field,
        )
    return value


def _check_filters(plan: Plan, pillar: str | None, agency: str | None) -> None:
    """Unknown codes in a filter are a 400 rather than an empty list that looks like an answer."""
    if pillar and pillar != selectors.NO_PILLAR and not plan.pillars.filter(code=pillar).exists():
        raise InvalidInput(_("pillar: '{code}' is not a pillar of this plan").format(code=pillar[:50]), field="pillar")
    if agency and not Agency.objects.filter(code=agency).exists():
        raise InvalidInput(_("agency: no agency has the code '{code}'").format(code=agency[:50]), field="agency")


def _no_nulls(changes: dict[str, Any], nullable: frozenset[str]) -> None:
    errors = [
        {"field": name, "message": _("{field}: may not be null").format(field=name)}
        for name, value in changes.items()
        if value is None and name not in nullable
    ]
    if errors:
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)


def _renamed(exc: IocError, prefix: str = "", names: dict[str, str] | None = None) -> IocError:
    """The service's error with its fields named as in the request (baseline_value → baseline.value, …)."""
    names = names or {}
    for error in exc.errors:
        field = error.get("field")
        if field:
            error["field"] = prefix + names.get(field, field)
            exc.message = re.sub(rf"(^|; ){re.escape(field)}: ", rf"\g<1>{error['field']}: ", exc.message)
    return exc


def _fresh_task(user: User, plan: Plan, code: str) -> dict[str, Any]:
    """The task as the user sees it now, with the codes of its targets they see."""
    task = selectors.get_task(user, plan, code)
    targets = selectors.targets_for(user, plan).filter(task=task).values_list("code", flat=True)
    return task_detail(task, selectors.task_flags(task, today()), list(targets))


# --- reads ---------------------------------------------------------------------------------------------


@router.get("", response=PlanList, summary="The plans you see")
@router.get("/", response=PlanList, include_in_schema=False)  # /api/v1/plans/ as well as /api/v1/plans
def list_plans(request: HttpRequest, params: Query[PlanQuery]) -> dict[str, Any]:
    user = _reader(request)
    with language(params.lang):
        items = [plan_out(plan, selectors.full_view(user, plan)) for plan in selectors.visible_plans(user)]
    return {"items": items, "count": len(items)}


@router.get("tasks", response=TaskList, summary="Tasks with their flags")
def list_tasks(request: HttpRequest, params: Query[TaskQuery]) -> dict[str, Any]:
    user = _reader(request)
    with language(params.lang):
        plan = _plan(user, params.plan)
        status = _choice(params.status, [*TaskStatus.values, "open", "overdue"], "status")
        _check_filters(plan, params.pillar, params.agency)
        day = today()
        found = selectors.tasks_for(user, plan, pillar=params.pillar, agency=params.agency, status=status)
        items = [task_out(task, selectors.task_flags(task, day)) for task in found]
        if params.overdue is not None:
            items = [item for item in items if item["overdue"] is params.overdue]
    return {"items": items, "count": len(items)}


@router.get("tasks/{code}", response=TaskDetail, summary="One task with its updates")
def get_task(request: HttpRequest, code: str, plan: str | None = None, lang: str | None = None) -> dict[str, Any]:
    user = _reader(request)
    with language(lang):
        return _fresh_task(user, _plan(user, plan), code)


@router.get("targets", response=TargetList, summary="Targets with their verdicts and proposed dates")
def list_targets(request: HttpRequest, params: Query[TargetQuery]) -> dict[str, Any]:
    user = _reader(request)
    with language(params.lang):
        plan = _plan(user, params.plan)
        status = _choice(params.status, [*TargetStatus.values, "pending"], "status")
        _check_filters(plan, params.pillar, params.agency)
        found = selectors.targets_for(user, plan, pillar=params.pillar, agency=params.agency, status=status)
        items = [target_out(t) for t in found if params.mandatory is None or t.mandatory is params.mandatory]
    return {"items": items, "count": len(items)}


@router.get("targets/{code}", response=TargetDetail, summary="One target with its history and forecast fan")
def get_target(request: HttpRequest, code: str, plan: str | None = None, lang: str | None = None) -> dict[str, Any]:
    user = _reader(request)
    with language(lang):
        return target_detail(selectors.get_target(user, _plan(user, plan), code))


@router.get("targets/{code}/reports", response=ReportList, summary="The reported values of a manual target")
def list_reports(request: HttpRequest, code: str, plan: str | None = None) -> dict[str, Any]:
    user = _reader(request)
    target = selectors.get_target(user, _plan(user, plan), code)
    items = [report_out(report) for report in target.reports.select_related("by").order_by("date")]
    return {"items": items, "count": len(items)}


# --- task writes ---------------------------------------------------------------------------------------


@router.post("tasks", response={201: TaskDetail}, summary="Create a task (plan managers)")
def create_task(request: HttpRequest, payload: TaskIn, plan: str | None = None) -> Status:
    user = _writer(request)
    the_plan = _plan(user, plan)
    task = services.do_create_task(user, the_plan, **payload.dict(), via=Via.API)
    return Status(201, _fresh_task(user, the_plan, task.code))


@router.patch("tasks/{code}", response=TaskDetail, summary="Change a task")
def update_task(request: HttpRequest, code: str, payload: TaskPatch, plan: str | None = None) -> dict[str, Any]:
    user = _writer(request)
    the_plan = _plan(user, plan)
    task = selectors.get_task(user, the_plan, code)
    changes = payload.dict(exclude_unset=True)
    _no_nulls(changes, TASK_NULLABLE)
    task = services.do_update_task(user, task, **changes, via=Via.API)
    return _fresh_task(user, the_plan, task.code)


@router.post("tasks/{code}/updates", response={201: TaskUpdateOut}, summary="Report progress on a task")
def add_task_update(request: HttpRequest, code: str, payload: TaskUpdateIn, plan: str | None = None) -> Status:
    user = _writer(request)
    task = selectors.get_task(user, _plan(user, plan), code)
    update = services.do_add_task_update(user, task, **payload.dict(), via=Via.API)
    return Status(201, update_out(update))


# --- target writes -------------------------------------------------------------------------------------

TARGET_FIELDS = {"baseline_value": "baseline.value", "baseline_date": "baseline.date"}


def _target_fields(changes: dict[str, Any]) -> dict[str, Any]:
    """The request's shape → the service's keywords (the baseline flattened; milestones as tuples)."""
    fields = dict(changes)
    if "baseline" in fields:
        baseline = fields.pop("baseline") or {}
        fields["baseline_value"] = baseline.get("value")
        fields["baseline_date"] = baseline.get("date")
    if "milestones" in fields:
        fields["milestones"] = [(m["date"], m["value"], m.get("note") or "") for m in fields["milestones"]]
    return fields


def _fresh_target(user: User, plan: Plan, code: str) -> dict[str, Any]:
    return target_detail(selectors.get_target(user, plan, code))


@router.post("targets", response={201: TargetDetail}, summary="Create a target with its milestones (plan managers)")
def create_target(request: HttpRequest, payload: TargetIn, plan: str | None = None) -> Status:
    user = _writer(request)
    the_plan = _plan(user, plan)
    try:
        target = services.do_create_target(user, the_plan, **_target_fields(payload.dict()), via=Via.API)
    except IocError as exc:
        raise _renamed(exc, names=TARGET_FIELDS) from None
    return Status(201, _fresh_target(user, the_plan, target.code))


@router.patch("targets/{code}", response=TargetDetail, summary="Change a target")
def update_target(request: HttpRequest, code: str, payload: TargetPatch, plan: str | None = None) -> dict[str, Any]:
    user = _writer(request)
    the_plan = _plan(user, plan)
    target = selectors.get_target(user, the_plan, code)
    changes = payload.dict(exclude_unset=True)
    _no_nulls(changes, TARGET_NULLABLE)
    try:
        target = services.do_update_target(user, target, **_target_fields(changes), via=Via.API)
    except IocError as exc:
        raise _renamed(exc, names=TARGET_FIELDS) from None
    return _fresh_target(user, the_plan, target.code)


def _reports(payload: ReportsIn) -> tuple[list[dict[str, Any]], str]:
    """The values sent and the prefix their errors are named with ("" for one, "reports[i]." for several)."""
    single = payload.date is not None or payload.value is not None
    if payload.reports is not None:
        if single:
            raise InvalidInput(
                _("Send either one value (date, value) or a list under 'reports', not both"), field="reports"
            )
        if not payload.reports:
            raise InvalidInput(_("reports: the list is empty"), field="reports")
        return [r.dict() for r in payload.reports], "reports[{i}]."
    missing = [name for name in ("date", "value") if getattr(payload, name) is None]
    if missing:
        errors = [{"field": name, "message": _("{field}: required").format(field=name)} for name in missing]
        raise InvalidInput("; ".join(e["message"] for e in errors), errors=errors)
    return [payload.dict(exclude={"reports"})], ""


@router.post("targets/{code}/reports", response={201: ReportList}, summary="Report dated values of a manual target")
def report_values(request: HttpRequest, code: str, payload: ReportsIn, plan: str | None = None) -> Status:
    user = _writer(request)
    target = selectors.get_target(user, _plan(user, plan), code)
    _reportable(user, target)
    values, prefix = _reports(payload)
    made = []
    with transaction.atomic():  # all or nothing: one bad value and none is kept
        for i, value in enumerate(values):
            try:
                made.append(services.do_report_target_value(user, target, **value, via=Via.API))
            except IocError as exc:
                raise _renamed(exc, prefix.format(i=i)) from None
    items = [report_out(report) for report in made]
    return Status(201, {"items": items, "count": len(items)})


def _reportable(user: User, target: Target) -> None:
    """Whether the target takes reports at all (400, saying where its values come from), then the right (403)."""
    if target.source == Source.ANALYTICS:
        raise InvalidInput(
            _(
                "Target {code} is measured live from the analytics engine ({dx}): its values come from the data "
                "reported there and cannot be entered by hand"
            ).format(code=target.code, dx=target.dx),
            field="source",
        )
    if not selectors.can_report_target(user, target):
        raise NotAllowed(
            _(
                "You may not report values of target {code}: only its responsible agency ({agency}) and plan "
                "managers may"
            ).format(code=target.code, agency=target.responsible_agency.name)
        )

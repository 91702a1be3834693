"""The plan's read pages: thin views over ioc.plans.selectors (scoped: a task or target the user may not see is
a 404, as is a plan). ?plan=CODE picks the plan (default: the active plan the user sees); filters are in the
address, so a filtered page can be bookmarked and its export link carries the same filter.

GET /plans/                   overview: each pillar's targets by status and tasks on time; the targets table
GET /plans/targets/<code>/    a target: the verdict, the fan chart (plans.js), the data behind it, milestones,
                              history; links to the edit helper's pages for those allowed
GET /plans/tasks/             the task board (?view=timeline: bars from start to due)
GET /plans/tasks/<code>/      a task: details, agencies, progress, updates with evidence, history
GET /plans/agencies/          the agency scorecards (?sort=)

Exports and evidence files: ioc.plans.views_export. Verdict words and colours: ioc.plans.exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ioc.accounts.models import Agency, User
from ioc.core.errors import NotFound
from ioc.plans import selectors
from ioc.plans.exports import PENDING, STATUS_ORDER, SYMBOLS, Verdict, status_label, verdict_of
from ioc.plans.models import Plan, Source, Target, Task, TaskStatus
from ioc.plans.views_data import (
    chart_data,
    chart_strings,
    history_rows,
    scorecard_rows,
    target_values,
    timeline,
)

MANDATORY_CHOICES = ("yes", "no")


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def plan_of(request: HttpRequest, user: User) -> Plan:
    try:
        return selectors.get_plan(user, request.GET.get("plan") or None)
    except NotFound as exc:
        raise Http404(exc.message) from None


def url_or_none(name: str, plan: Plan, *args: str) -> str | None:
    """A page's address with ?plan=, or None while that page does not exist (another module's)."""
    try:
        return f"{reverse(name, args=args)}?plan={plan.code}"
    except NoReverseMatch:
        return None


def clean_query(request: HttpRequest, **filters: str) -> str:
    """?plan= as asked and the filters as understood (a value the page refused is not passed on)."""
    chosen = {"plan": request.GET.get("plan", ""), **filters}
    return urlencode({k: v for k, v in chosen.items() if v})


def today() -> dt.date:
    """The pages' "today" (one place, so tests can fix it)."""
    return timezone.localdate()


def english() -> bool:
    return (get_language() or "vi").startswith("en")


def base_context(plan: Plan, user: User) -> dict[str, Any]:
    return {
        "plan": plan,
        "plans": list(selectors.visible_plans(user)),
        "full_view": selectors.full_view(user, plan),
        "today": today(),
    }


@dataclass
class Choice:
    value: str
    label: str
    selected: bool


def _choices(options: list[tuple[str, str]], chosen: str) -> list[Choice]:
    return [Choice(value, label, value == chosen) for value, label in options]


def _agency_options(agencies: list[Agency]) -> list[tuple[str, str]]:
    unique = {a.pk: a for a in agencies}.values()
    return [(a.code, a.name) for a in sorted(unique, key=lambda a: a.name)]


# ---- overview -------------------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    verdict: Verdict


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    plan = plan_of(request, user)
    now = today()
    pillar = request.GET.get("pillar", "")
    status = request.GET.get("status", "")
    agency = request.GET.get("agency", "")
    mandatory = request.GET.get("mandatory", "")
    all_targets = list(selectors.targets_for(user, plan))
    pillars = list(plan.pillars.all())
    known_pillars = {p.code for p in pillars} | {selectors.NO_PILLAR}
    problems = []
    if pillar and pillar not in known_pillars:
        problems.append(_("There is no pillar with the code '%(code)s'.") % {"code": pillar})
        pillar = ""
    if status and status not in [*STATUS_ORDER, PENDING]:
        problems.append(_("'%(value)s' is not a status.") % {"value": status})
        status = ""
    agencies = _agency_options([t.responsible_agency for t in all_targets])
    if agency and agency not in {code for code, _name in agencies}:
        problems.append(_("No target of the agency '%(code)s' here.") % {"code": agency})
        agency = ""
    if mandatory not in ("", *MANDATORY_CHOICES):
        mandatory = ""
    targets = selectors.targets_for(user, plan, pillar=pillar or None, agency=agency or None, status=status or None)
    if mandatory:
        targets = targets.filter(mandatory=mandatory == "yes")
    rows = [TargetRow(t, verdict_of(t)) for t in targets]
    computed = [v.computed_at for v in (verdict_of(t) for t in all_targets) if v.computed_at]
    filters = {
        "pillar": _choices(
            [(p.code, p.name) for p in pillars]
            + ([(selectors.NO_PILLAR, _("No pillar"))] if any(t.pillar_id is None for t in all_targets) else []),
            pillar,
        ),
        "status": _choices([(s, status_label(s)) for s in [*STATUS_ORDER, PENDING]], status),
        "agency": _choices(agencies, agency),
        "mandatory": _choices([("yes", _("Mandatory")), ("no", _("Not mandatory"))], mandatory),
    }
    context = {
        **base_context(plan, user),
        "summaries": [
            (
                s,
                [(code, status_label(code), SYMBOLS[code], s.by_status.get(code, 0)) for code in STATUS_ORDER]
                + [(PENDING, status_label(PENDING), SYMBOLS[PENDING], s.pending)],
            )
            for s in selectors.pillar_summaries(user, plan, now)
        ],
        "rows": rows,
        "total_targets": len(all_targets),
        "filters": filters,
        "filtered": bool(pillar or status or agency or mandatory),
        "problems": problems,
        "statuses": [(s, status_label(s), SYMBOLS[s]) for s in STATUS_ORDER],
        "computed_at": max(computed) if computed else None,
        "pending": sum(1 for t in all_targets if verdict_of(t).status == PENDING),
        "can_edit": selectors.can_edit_plan(user),
        "recompute_url": url_or_none("plans:recompute", plan),
        "edit_plan_url": url_or_none("plans:edit_plan", plan),
        "new_target_url": url_or_none("plans:new_target", plan),
        "export_query": clean_query(request, pillar=pillar, status=status, agency=agency, mandatory=mandatory),
    }
    return render(request, "plans/overview.html", context)


# ---- a target -------------------------------------------------------------------------------------------------


@login_required
@require_GET
def target(request: HttpRequest, code: str) -> HttpResponse:
    user = user_of(request)
    plan = plan_of(request, user)
    try:
        found = selectors.get_target(user, plan, code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    verdict = verdict_of(found)
    now = today()
    can_edit = selectors.can_edit_plan(user)
    can_report = selectors.can_report_target(user, found)
    context = {
        **base_context(plan, user),
        "target": found,
        "verdict": verdict,
        "is_live": found.source == Source.ANALYTICS,
        "chart": chart_data(found, verdict, now, "en" if english() else "vi"),
        "chart_strings": chart_strings(),
        "values": target_values(found, verdict, plan),
        "milestones": _milestones(found, verdict),
        "history": history_rows(selectors.target_history(found), Target),
        "can_edit": can_edit,
        "can_report": can_report,
        "edit_url": url_or_none("plans:edit_target", plan, found.code) if can_edit else None,
        "report_url": url_or_none("plans:target_report", plan, found.code) if can_report else None,
        "task_url": url_or_none("plans:task", plan, found.task.code) if found.task else None,
    }
    return render(request, "plans/target.html", context)


@dataclass
class MilestoneRow:
    date: dt.date
    value: float
    note: str
    expected: float | None
    probability: int | None
    met: bool | None


def _milestones(target: Target, verdict: Verdict) -> list[MilestoneRow]:
    computed = {str(m.get("date")): m for m in verdict.details.get("milestones", []) if isinstance(m, dict)}
    rows = []
    for m in target.milestones.all():
        c = computed.get(m.date.isoformat(), {})
        p = c.get("probability")
        rows.append(
            MilestoneRow(
                m.date, m.value, m.note, c.get("expected"), None if p is None else round(p * 100), c.get("met")
            )
        )
    return rows


# ---- tasks ----------------------------------------------------------------------------------------------------


@dataclass
class TaskRow:
    task: Task
    flags: selectors.TaskFlags


@dataclass
class Column:
    status: str
    label: str
    rows: list[TaskRow]


TASK_FILTERS = ("open", "overdue")


def task_rows(user: User, plan: Plan, now: dt.date, *, pillar: str, agency: str, status: str) -> list[TaskRow]:
    """The tasks with their flags, "overdue" counted on the pages' today like the flags."""
    found = selectors.tasks_for(
        user, plan, pillar=pillar or None, agency=agency or None, status=status or None, today=now
    )
    return [TaskRow(t, selectors.task_flags(t, now)) for t in found]


@login_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    plan = plan_of(request, user)
    now = today()
    pillar = request.GET.get("pillar", "")
    agency = request.GET.get("agency", "")
    status = request.GET.get("status", "")
    view = "timeline" if request.GET.get("view") == "timeline" else "board"
    everything = list(selectors.tasks_for(user, plan))
    pillars = list(plan.pillars.all())
    agencies = _agency_options(
        [t.lead_agency for t in everything] + [a for t in everything for a in t.cooperating_agencies.all()]
    )
    problems = []
    if pillar and pillar not in {p.code for p in pillars} | {selectors.NO_PILLAR}:
        problems.append(_("There is no pillar with the code '%(code)s'.") % {"code": pillar})
        pillar = ""
    if agency and agency not in {code for code, _name in agencies}:
        problems.append(_("No task of the agency '%(code)s' here.") % {"code": agency})
        agency = ""
    if status and status not in (*TaskStatus.values, *TASK_FILTERS):
        problems.append(_("'%(value)s' is not a status.") % {"value": status})
        status = ""
    rows = task_rows(user, plan, now, pillar=pillar, agency=agency, status=status)
    columns = [Column(s.value, str(s.label), [r for r in rows if r.task.status == s.value]) for s in TaskStatus]
    filters = {
        "pillar": _choices(
            [(p.code, p.name) for p in pillars]
            + ([(selectors.NO_PILLAR, _("No pillar"))] if any(t.pillar_id is None for t in everything) else []),
            pillar,
        ),
        "agency": _choices(agencies, agency),
        "status": _choices(
            [("open", _("Open (not done)")), ("overdue", _("Overdue"))] + [(s.value, str(s.label)) for s in TaskStatus],
            status,
        ),
    }
    context = {
        **base_context(plan, user),
        "view": view,
        "rows": rows,
        # Cancelled and paused columns only when they hold something: the board stays readable on a phone.
        "columns": [c for c in columns if c.rows or c.status not in (TaskStatus.CANCELLED, TaskStatus.PAUSED)],
        "timeline": timeline(plan, rows, now) if view == "timeline" else None,
        "filters": filters,
        "filtered": bool(pillar or agency or status),
        "problems": problems,
        "overdue": sum(1 for r in rows if r.flags.overdue),
        "stalled": sum(1 for r in rows if r.flags.stalled),
        "stalled_days": selectors.STALLED_DAYS,
        "filter_query": clean_query(request, pillar=pillar, agency=agency, status=status),
        "export_query": clean_query(request, pillar=pillar, agency=agency, status=status),
        "new_task_url": url_or_none("plans:new_task", plan) if selectors.can_edit_plan(user) else None,
    }
    return render(request, "plans/tasks.html", context)


@login_required
@require_GET
def task(request: HttpRequest, code: str) -> HttpResponse:
    user = user_of(request)
    plan = plan_of(request, user)
    try:
        found = selectors.get_task(user, plan, code)
    except NotFound as exc:
        raise Http404(exc.message) from None
    now = today()
    can_edit = selectors.can_edit_plan(user)
    can_report = selectors.can_report_task(user, found)
    visible_targets = selectors.targets_for(user, plan).filter(task=found)
    context = {
        **base_context(plan, user),
        "task": found,
        "flags": selectors.task_flags(found, now),
        "stalled_days": selectors.STALLED_DAYS,
        "status_label": TaskStatus(found.status).label,
        "updates": list(found.updates.select_related("by")),
        "targets": [TargetRow(t, verdict_of(t)) for t in visible_targets],
        "history": history_rows(selectors.task_history(found), Task),
        "edit_url": url_or_none("plans:edit_task", plan, found.code) if can_edit else None,
        "delete_url": url_or_none("plans:delete_task", plan, found.code) if can_edit else None,
        "update_url": url_or_none("plans:task_update", plan, found.code) if can_report else None,
    }
    return render(request, "plans/task.html", context)


# ---- agency scorecards ----------------------------------------------------------------------------------------


@login_required
@require_GET
def scorecards(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    plan = plan_of(request, user)
    now = today()
    sort = request.GET.get("sort", "")
    rows, sort, columns = scorecard_rows(selectors.agency_scorecards(user, plan, now), sort)
    context = {
        **base_context(plan, user),
        "rows": rows,
        "sort": sort,
        "columns": columns,
        "statuses": [(s, status_label(s), SYMBOLS[s]) for s in STATUS_ORDER],
        "export_query": clean_query(request, sort=sort),
    }
    return render(request, "plans/scorecards.html", context)

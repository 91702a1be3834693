"""Editing the plan (plan managers) and the agencies' reports on their own tasks and manual targets: thin views
that parse a form, call a service of ioc.plans.services and show its errors next to the fields. Every change
is a POST with Django's CSRF token; ?plan=CODE picks the plan (default: the active plan the user sees).

/plans/manage/                     edit_plan    the plan's fields, its tasks and targets (?new=1: a new plan)
/plans/manage/pillars/             pillars      POST op=create|update|delete|up|down
/plans/manage/tasks/new/           new_task
/plans/tasks/<code>/edit/          edit_task    /delete/ delete_task (GET: confirm)
/plans/tasks/<code>/update/        task_update  an update with evidence: the lead agency's users, plan managers
/plans/manage/targets/new/         new_target
/plans/targets/<code>/edit/        edit_target  (with its milestones)   /delete/ delete_target
/plans/targets/<code>/report/      target_report  a dated value of a manual target: its agency, plan managers
/plans/manage/recompute/           recompute    POST: the job "plans.refresh_forecasts" → its page

The pillars page and the two report pages (with their upload limit) are in ioc.plans.views_report.

Plan-manager pages answer 403 to everyone else before anything is looked up; the report pages answer 403 to
roles that may not report, and to users of another agency for a task or target they can see (404 when they
cannot see it at all, as everywhere in the plan).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ioc.accounts.models import User
from ioc.core.errors import InvalidInput, IocError, NotAllowed, NotFound
from ioc.jobs.services import do_submit_job
from ioc.plans import selectors, services
from ioc.plans.forms import (
    MilestoneFormSet,
    PlanForm,
    TargetForm,
    TaskForm,
    dx_options,
    milestones_of,
    place_errors,
)
from ioc.plans.jobs import REFRESH_JOB
from ioc.plans.models import Plan, Target, Task, TaskStatus


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


def manager_of(request: HttpRequest) -> User:
    user = user_of(request)
    if not selectors.can_edit_plan(user):
        raise PermissionDenied(_("Editing the plan needs the plan manager role."))
    return user


def plan_of(request: HttpRequest, user: User) -> Plan:
    code = request.GET.get("plan") or None
    try:
        return selectors.get_plan(user, code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def url_of(name: str, plan: Plan, *args: str) -> str:
    """A plan page's address, keeping the plan chosen."""
    return f"{reverse(f'plans:{name}', args=args)}?{urlencode({'plan': plan.code})}"


def task_of(user: User, plan: Plan, code: str) -> Task:
    try:
        return selectors.get_task(user, plan, code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def target_of(user: User, plan: Plan, code: str) -> Target:
    try:
        return selectors.get_target(user, plan, code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    user = request.user
    base = {"nav_section": "plans", "can_edit": selectors.can_edit_plan(user)}
    return render(request, f"plans/{template}", {**base, **context}, status=status)


# ---- the plan ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edit_plan(request: HttpRequest) -> HttpResponse:
    user = manager_of(request)
    creating = request.GET.get("new") == "1" or not selectors.visible_plans(user).exists()
    plan = None if creating else plan_of(request, user)
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                if plan is None:
                    plan = services.do_create_plan(user, **form.cleaned_data)
                else:
                    plan = services.do_update_plan(user, plan, **form.cleaned_data)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Plan “%(name)s” saved.") % {"name": plan.name})
                return redirect(url_of("edit_plan", plan))
        status = 400
    else:
        form = PlanForm(initial=PlanForm.initial_for(plan)) if plan else PlanForm(initial={"is_active": True})
        status = 200
    context: dict[str, Any] = {"plan": plan, "form": form, "plans": selectors.visible_plans(user)}
    if plan is not None:
        context["tasks"] = selectors.tasks_for(user, plan)
        context["targets"] = selectors.targets_for(user, plan)
    return render_page(request, "edit_plan.html", context, status)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    try:
        job = do_submit_job(user, REFRESH_JOB, {"plan": plan.code, "language": get_language() or "vi"})
    except IocError as exc:
        messages.error(request, exc.message)
        return redirect(url_of("edit_plan", plan))
    return redirect(reverse("jobs:detail", args=[job.uid]))


# ---- tasks ------------------------------------------------------------------------------------------------


def _task_page(
    request: HttpRequest, user: User, plan: Plan, task: Task | None, save: Callable[[dict[str, Any]], Task]
) -> HttpResponse:
    if request.method == "POST":
        form = TaskForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                saved = save(dict(form.cleaned_data))
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Task %(code)s saved.") % {"code": saved.code})
                return redirect(url_of("task", plan, saved.code))
        status = 400
    else:
        form = TaskForm(initial=TaskForm.initial_for(task) if task else None, plan=plan)
        status = 200
    back = url_of("task", plan, task.code) if task else url_of("edit_plan", plan)
    return render_page(request, "edit_task.html", {"plan": plan, "task": task, "form": form, "back": back}, status)


@login_required
@require_http_methods(["GET", "POST"])
def new_task(request: HttpRequest) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)

    def save(values: dict[str, Any]) -> Task:
        values["cooperating_agencies"] = list(values.get("cooperating_agencies") or [])
        return services.do_create_task(user, plan, **values)

    return _task_page(request, user, plan, None, save)


@login_required
@require_http_methods(["GET", "POST"])
def edit_task(request: HttpRequest, code: str) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    task = task_of(user, plan, code)

    def save(values: dict[str, Any]) -> Task:
        values["cooperating_agencies"] = list(values.get("cooperating_agencies") or [])
        if values.get("status") == TaskStatus.DONE != task.status and values.get("progress") == task.progress:
            values.pop("progress")  # marked done without touching the progress: the service makes it 100 %
        return services.do_update_task(user, task, **values)

    return _task_page(request, user, plan, task, save)


@login_required
@require_http_methods(["GET", "POST"])
def delete_task(request: HttpRequest, code: str) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    task = task_of(user, plan, code)
    deleted = _("Task %(code)s deleted.") % {"code": task.code}
    return _delete_page(request, plan, task, "task", task.title, lambda: services.do_delete_task(user, task), deleted)


# ---- targets ----------------------------------------------------------------------------------------------


def _target_page(
    request: HttpRequest,
    user: User,
    plan: Plan,
    target: Target | None,
    save: Callable[[dict[str, Any], list[tuple[Any, float, str]]], Target],
) -> HttpResponse:
    if request.method == "POST":
        form = TargetForm(request.POST, plan=plan)
        formset = MilestoneFormSet(request.POST, prefix="milestones")
        if form.is_valid() and formset.is_valid():
            try:
                saved = save(form.values(), milestones_of(formset))
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                place_errors(form, exc, formset)
            else:
                messages.success(request, _("Target %(code)s saved.") % {"code": saved.code})
                return redirect(url_of("target", plan, saved.code))
        status = 400
    else:
        form = TargetForm(initial=TargetForm.initial_for(target) if target else None, plan=plan)
        rows = [{"date": m.date, "value": m.value, "note": m.note} for m in target.milestones.all()] if target else []
        formset = MilestoneFormSet(initial=rows, prefix="milestones")
        status = 200
    groups = [(title, [form[name] for name in names]) for title, names in TargetForm.GROUPS]
    context = {
        "plan": plan,
        "target": target,
        "form": form,
        "groups": groups,
        "milestones": formset,
        "dx_options": dx_options(),
        "back": url_of("target", plan, target.code) if target else url_of("edit_plan", plan),
    }
    return render_page(request, "edit_target.html", context, status)


@login_required
@require_http_methods(["GET", "POST"])
def new_target(request: HttpRequest) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)

    def save(values: dict[str, Any], milestones: list[tuple[Any, float, str]]) -> Target:
        return services.do_create_target(user, plan, **values, milestones=milestones)

    return _target_page(request, user, plan, None, save)


@login_required
@require_http_methods(["GET", "POST"])
def edit_target(request: HttpRequest, code: str) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    target = target_of(user, plan, code)

    def save(values: dict[str, Any], milestones: list[tuple[Any, float, str]]) -> Target:
        return services.do_update_target(user, target, **values, milestones=milestones)

    return _target_page(request, user, plan, target, save)


@login_required
@require_http_methods(["GET", "POST"])
def delete_target(request: HttpRequest, code: str) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    target = target_of(user, plan, code)
    deleted = _("Target %(code)s deleted.") % {"code": target.code}
    delete = lambda: services.do_delete_target(user, target)  # noqa: E731
    return _delete_page(request, plan, target, "target", target.name, delete, deleted)


def _delete_page(
    request: HttpRequest,
    plan: Plan,
    obj: Task | Target,
    kind: str,
    name: str,
    delete: Callable[[], None],
    deleted: str,
) -> HttpResponse:
    """GET: ask to confirm; POST: delete (the service checks the right) and go back to the plan's editor."""
    if request.method == "POST":
        try:
            delete()
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except InvalidInput as exc:
            messages.error(request, exc.message)
            return redirect(url_of(f"edit_{kind}", plan, obj.code))
        messages.success(request, deleted)
        return redirect(url_of("edit_plan", plan))
    context = {"plan": plan, "object": obj, "kind": kind, "name": name, "back": url_of(kind, plan, obj.code)}
    return render_page(request, "edit_delete.html", context)

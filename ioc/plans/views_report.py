"""The plan's pillars page (plan managers) and the agencies' two report pages: an update on a task they lead,
a dated value of a manual target they are responsible for. (The rest of the editor is ioc.plans.views_edit.)

A report may carry an evidence file of at most 10 MB: a larger upload is refused before its body is read
(Content-Length, then an upload handler that stops at the limit), so nothing of it is written anywhere.
The report pages check who may report before CSRF and before the body: a user of another agency gets 403
whatever they send.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.plans import selectors, services
from ioc.plans.forms import (
    MAX_EVIDENCE_BYTES,
    PillarForm,
    TargetReportForm,
    TaskUpdateForm,
    place_errors,
    size_text,
)
from ioc.plans.models import Pillar, Plan, Source, Target, Task
from ioc.plans.views_edit import manager_of, plan_of, render_page, target_of, task_of, url_of, user_of

# Room for the form's other fields and the multipart boundaries on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


# ---- pillars ----------------------------------------------------------------------------------------------


def _move(user: User, plan: Plan, pillar: Pillar, direction: str) -> None:
    """One place up or down; the pillars are renumbered 1, 2, 3… (all or nothing)."""
    order = list(plan.pillars.order_by("sort_order", "code"))
    i = next(n for n, p in enumerate(order) if p.pk == pillar.pk)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(order):
        return
    order[i], order[j] = order[j], order[i]
    with transaction.atomic():
        for position, each in enumerate(order, start=1):
            if each.sort_order != position:
                services.do_update_pillar(user, each, sort_order=position)


@login_required
@require_http_methods(["GET", "POST"])
def pillars(request: HttpRequest) -> HttpResponse:
    user = manager_of(request)
    plan = plan_of(request, user)
    rows = list(
        plan.pillars.annotate(
            n_tasks=Count("tasks", distinct=True), n_targets=Count("targets", distinct=True)
        ).order_by("sort_order", "code")
    )
    forms = {p.pk: PillarForm(prefix=f"p{p.pk}", initial=_initial(p)) for p in rows}
    new_form = PillarForm(prefix="new", initial={"sort_order": max((p.sort_order for p in rows), default=0) + 1})
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        pillar = None if op == "create" else next((p for p in rows if p.code == request.POST.get("pillar")), None)
        if op not in ("create", "update", "delete", "up", "down") or (op != "create" and pillar is None):
            raise Http404(_("No such pillar in this plan."))
        if op in ("create", "update"):
            form = PillarForm(request.POST, prefix="new" if pillar is None else f"p{pillar.pk}")
            if pillar is None:
                new_form = form
            else:
                forms[pillar.pk] = form
            if form.is_valid():
                try:
                    if pillar is None:
                        made = services.do_create_pillar(user, plan, **form.cleaned_data)
                        messages.success(request, _("Pillar “%(name)s” added.") % {"name": made.name})
                    else:
                        services.do_update_pillar(user, pillar, **form.cleaned_data)
                        messages.success(request, _("Pillar saved."))
                    return redirect(url_of("pillars", plan))
                except NotAllowed as exc:
                    raise PermissionDenied(exc.message) from None
                except InvalidInput as exc:
                    place_errors(form, exc)
            status = 400
        else:
            assert pillar is not None
            try:
                if op == "delete" and (pillar.n_tasks or pillar.n_targets):
                    messages.error(request, _("Move the pillar's tasks and targets to another pillar first."))
                elif op == "delete":
                    services.do_delete_pillar(user, pillar)
                    messages.success(request, _("Pillar “%(name)s” deleted.") % {"name": pillar.name})
                else:
                    _move(user, plan, pillar, op)
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                messages.error(request, exc.message)
            return redirect(url_of("pillars", plan))
    context = {
        "plan": plan,
        "rows": [(p, forms[p.pk]) for p in rows],
        "new_form": new_form,
    }
    return render_page(request, "edit_pillars.html", context, status)


def _initial(pillar: Pillar) -> dict[str, Any]:
    return {"code": pillar.code, "name_vi": pillar.name_vi, "name_en": pillar.name_en, "sort_order": pillar.sort_order}


# ---- reports with evidence --------------------------------------------------------------------------------


class _LimitHandler(FileUploadHandler):
    """Stops reading an uploaded file once it is larger than the limit (the report is then refused)."""

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > MAX_EVIDENCE_BYTES:
            self.request.ioc_upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large_message() -> str:
    return _("The file is larger than the limit of %(limit)s.") % {"limit": size_text(MAX_EVIDENCE_BYTES)}


def _reporter(request: HttpRequest) -> User:
    user = user_of(request)
    if not can(user, Action.REPORT_PROGRESS):
        raise PermissionDenied(_("Reporting progress needs the role of a plan manager, data officer or approver."))
    return user


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def task_update(request: HttpRequest, code: str) -> HttpResponseBase:
    user = _reporter(request)
    plan = plan_of(request, user)
    task = task_of(user, plan, code)
    if not selectors.can_report_task(user, task):
        raise PermissionDenied(_("Only the lead agency's users and plan managers report on this task."))
    return _guarded(request, _task_update, user, plan, task)


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def target_report(request: HttpRequest, code: str) -> HttpResponseBase:
    user = _reporter(request)
    plan = plan_of(request, user)
    target = target_of(user, plan, code)
    if target.source != Source.MANUAL:
        # Nobody reports a live target's values: say where they come from instead of a bare 403.
        if request.method == "POST":
            messages.error(request, _("The values of a live target come from the data; nothing to report here."))
            return redirect(url_of("target", plan, target.code))
        return _target_report(request, user, plan, target)
    if not selectors.can_report_target(user, target):
        raise PermissionDenied(_("Only the responsible agency's users and plan managers report on this target."))
    return _guarded(request, _target_report, user, plan, target)


def _guarded(request: HttpRequest, view: Any, user: User, plan: Plan, obj: Task | Target) -> HttpResponseBase:
    """Refuse an over-large body before it is parsed, then let the CSRF-protected view read it."""
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_EVIDENCE_BYTES + MULTIPART_OVERHEAD:
            request.ioc_upload_too_large = True  # type: ignore[attr-defined]
            return view(request, user, plan, obj, refuse=True)
        request.upload_handlers = [_LimitHandler(request), *request.upload_handlers]
    return csrf_protect(view)(request, user, plan, obj)


def _bound_or_refused(request: HttpRequest, form_class: Any, refuse: bool) -> Any:
    """The posted form; when the file was too large, a blank one with that error (the body is not read)."""
    if refuse:
        form = form_class()
        form.errors["attachment"] = form.error_class([_too_large_message()])
        return form
    form = form_class(request.POST, request.FILES)
    if getattr(request, "ioc_upload_too_large", False):
        form.is_valid()
        form.add_error("attachment", _too_large_message())
    return form


def _task_update(request: HttpRequest, user: User, plan: Plan, task: Task, *, refuse: bool = False) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = _bound_or_refused(request, TaskUpdateForm, refuse)
        if not refuse and form.is_valid():
            try:
                services.do_add_task_update(user, task, **form.values())
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Update on task %(code)s saved.") % {"code": task.code})
                return redirect(url_of("task", plan, task.code))
        status = 413 if refuse or getattr(request, "ioc_upload_too_large", False) else 400
    else:
        form = TaskUpdateForm(initial={"progress": task.progress})
    context = {"plan": plan, "task": task, "form": form, "back": url_of("task", plan, task.code)}
    return render_page(request, "edit_task_update.html", context, status)


def _target_report(
    request: HttpRequest, user: User, plan: Plan, target: Target, *, refuse: bool = False
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = _bound_or_refused(request, TargetReportForm, refuse)
        if not refuse and form.is_valid():
            try:
                services.do_report_target_value(user, target, **form.values())
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Value of target %(code)s saved.") % {"code": target.code})
                return redirect(url_of("target", plan, target.code))
        status = 413 if refuse or getattr(request, "ioc_upload_too_large", False) else 400
    else:
        form = TargetReportForm()
    context = {
        "plan": plan,
        "target": target,
        "form": form,
        "is_live": target.source != Source.MANUAL,
        "reports": target.reports.order_by("-date")[:10],
        "back": url_of("target", plan, target.code),
    }
    return render_page(request, "edit_target_report.html", context, status)

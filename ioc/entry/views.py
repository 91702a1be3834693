"""The data-entry form: thin views that parse, authorise (through the selectors), call a service and render.

GET  /entry/                 the form: choose a data set, period and unit; the grid of cells
POST /entry/cell/            save one cell (do_set_value, or do_delete_value when emptied): JSON
POST /entry/follow-up/       mark or unmark a value for follow-up (do_set_follow_up): JSON
GET  /entry/details/         a cell's history (last 12 periods) and audit trail: an HTML fragment
POST /entry/validate/        run the validation rules on the form: an HTML fragment (or the page)
POST /entry/complete/        submit the form for approval (ioc.workflow.services.do_complete)
POST /entry/reopen/          withdraw the submission (ioc.workflow.services.do_reopen)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import can_enter_unit
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, IocError, NotAllowed, NotFound
from ioc.datavalues.services import do_delete_value, do_set_follow_up, do_set_value
from ioc.datavalues.values import format_value
from ioc.entry import selectors
from ioc.entry.actions import CompletionResult, complete_form, reopen_form, run_validation

KEYS = ("data_set", "org_unit", "period")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _params(data: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(data.get(key, "") or "").strip() for key in (*KEYS, "de", "coc")}


def form_url(data_set: str, org_unit: str, period: str) -> str:
    """The address of a form (other pages link here)."""
    return reverse("entry:form") + "?" + urlencode({"data_set": data_set, "org_unit": org_unit, "period": period})


def _form_context(user: User, params: Mapping[str, str]) -> tuple[dict[str, Any], int]:
    """What the page shows for the chosen data set, period and unit; an error stops at the choice it is about."""
    ctx: dict[str, Any] = {
        "data_sets": list(selectors.entry_data_sets(user)),
        "chosen": {key: params.get(key, "") for key in KEYS},
        "may_enter": can(user, Action.ENTER_DATA),
    }
    status = 200
    try:
        if not ctx["may_enter"]:
            raise NotAllowed(_("Your account may not enter data: this needs the data officer or approver role."))
        if not params.get("data_set"):
            return ctx, status
        data_set = ctx["data_set"] = selectors.entry_data_set(user, params["data_set"])
        period = unit = None
        if params.get("period"):
            period = ctx["period"] = selectors.parse_form_period(data_set, params["period"])
        if params.get("org_unit"):
            unit = ctx["unit"] = selectors.entry_unit(user, data_set, params["org_unit"])
        ctx["periods"] = selectors.period_choices(user, data_set, unit)
        offered = [period] if period is not None else [choice.period for choice in ctx["periods"]]
        ctx["units"] = [(u, selectors.unit_label(u)) for u in selectors.entry_units(user, data_set, offered)]
        if unit is not None and period is not None:
            ctx["unit_label"] = selectors.unit_label(unit)
            state = ctx["state"] = selectors.form_state(user, data_set, unit, period)
            ctx["grid"] = selectors.form_grid(user, data_set, unit, period)
            ctx["allowed"] = selectors.form_actions(user, data_set, unit, period, state)
    except IocError as exc:
        ctx["error"] = exc.message
        status = exc.status
    return ctx, status


@never_cache
@login_required
@require_GET
def form(request: HttpRequest) -> HttpResponse:
    ctx, status = _form_context(_user(request), _params(request.GET))
    return render(request, "entry/form.html", ctx, status=status)


def _json_error(exc: IocError) -> JsonResponse:
    field = exc.errors[0]["field"] if exc.errors else None
    return JsonResponse({"ok": False, "message": exc.message, "field": field}, status=exc.status)


@login_required
@require_POST
def save_cell(request: HttpRequest) -> JsonResponse:
    """One cell: `value` (empty deletes), optional `comment`. Every rule is the service's."""
    user = _user(request)
    raw = request.POST.get("value", "")
    comment = request.POST.get("comment")
    try:
        target = selectors.entry_cell(user, _params(request.POST))
        if raw.strip() == "":
            if comment:
                raise InvalidInput(_("Comment: enter a value before adding a comment"), field="comment")
            try:
                result = do_delete_value(
                    user,
                    data_element=target.element,
                    org_unit=target.unit,
                    period=target.period,
                    category_option_combo=target.coc,
                    via=Via.FORM,
                )
            except NotFound:
                return JsonResponse({"ok": True, "action": "UNCHANGED", "value": "", "comment": "", "followUp": False})
        else:
            result = do_set_value(
                user,
                data_element=target.element,
                org_unit=target.unit,
                period=target.period,
                category_option_combo=target.coc,
                value=raw,
                comment=comment,
                via=Via.FORM,
            )
    except IocError as exc:
        return _json_error(exc)
    value = result.value
    deleted = result.action == "DELETE"
    shown = format_value(target.element.value_type, value.value_num, value.value_text)
    return JsonResponse(
        {
            "ok": True,
            "action": result.action,
            "value": "" if deleted else (shown or ""),
            "comment": "" if deleted else value.comment,
            "followUp": False if deleted else value.follow_up,
        }
    )


@login_required
@require_POST
def follow_up(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    flag = request.POST.get("follow_up", "") in ("true", "1", "on")
    try:
        target = selectors.entry_cell(user, _params(request.POST))
        result = do_set_follow_up(
            user,
            data_element=target.element,
            org_unit=target.unit,
            period=target.period,
            category_option_combo=target.coc,
            follow_up=flag,
            via=Via.FORM,
        )
    except IocError as exc:
        return _json_error(exc)
    return JsonResponse({"ok": True, "action": result.action, "followUp": result.value.follow_up})


@never_cache
@login_required
@require_GET
def details(request: HttpRequest) -> HttpResponse:
    """The details panel of a cell: only for users who may see the unit."""
    user = _user(request)
    try:
        target = selectors.viewable_cell(user, _params(request.GET))
        found = selectors.cell_details(user, target)
    except IocError as exc:
        return render(request, "entry/_details_error.html", {"message": exc.message}, status=exc.status)
    try:
        state = selectors.form_state(user, target.data_set, target.unit, target.period)
        may_edit = can_enter_unit(user, target.unit) and can(user, Action.ENTER_DATA)
    except IocError:
        state, may_edit = None, False
    chart = {
        "labels": [h["period"] for h in found.history],
        "names": [h["label"] for h in found.history],
        "values": [h["value"] for h in found.history],
        "current": target.period.id,
        "series": target.element.name,
    }
    return render(
        request,
        "entry/_details.html",
        {
            "d": found,
            "chart": json.dumps(chart, ensure_ascii=False),
            "may_comment": may_edit and state is not None and not state.read_only,
            "may_follow_up": may_edit,
            "numeric": target.element.is_numeric,
        },
    )


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get("X-IOC-Fragment") == "1" or request.headers.get("HX-Request") == "true"


@login_required
@require_POST
def validate(request: HttpRequest) -> HttpResponse:
    """Run the validation rules on the form's values; results grouped by importance."""
    user = _user(request)
    params = _params(request.POST)
    result = run_validation(user, params)
    if _wants_fragment(request):
        return render(request, "entry/_validation.html", {"validation": result}, status=result.status)
    ctx, status = _form_context(user, params)
    ctx["validation"] = result
    return render(request, "entry/form.html", ctx, status=status if status != 200 else result.status)


def _workflow_answer(request: HttpRequest, params: Mapping[str, str], result: CompletionResult) -> HttpResponse:
    if result.ok:
        messages.success(request, result.message)
        return HttpResponseRedirect(form_url(params["data_set"], params["org_unit"], params["period"]))
    ctx, status = _form_context(_user(request), params)
    ctx["completion"] = result
    return render(request, "entry/form.html", ctx, status=status if status != 200 else result.status)


@login_required
@require_POST
def complete(request: HttpRequest) -> HttpResponse:
    """Submit the form for approval; the missing compulsory cells are named and highlighted."""
    params = _params(request.POST)
    return _workflow_answer(request, params, complete_form(_user(request), params))


@login_required
@require_POST
def reopen(request: HttpRequest) -> HttpResponse:
    """Withdraw a submission no approver has decided yet."""
    params = _params(request.POST)
    return _workflow_answer(request, params, reopen_form(_user(request), params))

"""The workflow pages: thin views that parse, authorise (the services and selectors do), call and render.

/workflow/                 forms waiting for approval in the approver's scope, with approve / return
/workflow/tree/            the state of one data set's period across the unit tree
/workflow/form/            one form: its state, what is missing, children, history, the actions allowed
/workflow/act/             POST: complete, reopen, approve, return, unapprove (then back where one came from)
/workflow/completeness/    expected / received / on-time rates, and who is late (sortable, CSV / XLSX)
/workflow/notifications/   the user's notifications; POST …/read/ marks them read
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.audit.models import Via
from ioc.core.errors import IocError
from ioc.workflow import exports, selectors, services
from ioc.workflow.approvals import TreeRow, awaiting_approval, form_state, tree_states
from ioc.workflow.completeness import CompletenessView, DateRange, completeness_view
from ioc.workflow.forms import GROUP_LABELS, ActionForm, ApprovalFilter, CompletenessFilter, TreeFilter, last_period
from ioc.workflow.models import Notification
from ioc.workflow.notify import text as notification_text


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _media(request: HttpRequest) -> dict[str, Any]:
    return {
        "is_approver": can(_user(request), Action.APPROVE_DATA),
        "is_admin": can(_user(request), Action.LOCK_PERIODS),
    }


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data_sets = selectors.data_sets_for(user)
    form = ApprovalFilter(request.GET or None, data_sets=data_sets)
    data_set = period = None
    if form.is_bound and form.is_valid():
        data_set, period = form.cleaned_data.get("ds"), form.cleaned_data.get("pe")
    waiting = awaiting_approval(user, data_set=data_set, period=period) if not form.errors else []
    return render(
        request,
        "workflow/approvals.html",
        {"form": form, "waiting": waiting, "here": request.get_full_path(), **_media(request)},
    )


@login_required
@require_GET
def tree(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data_sets = selectors.data_sets_for(user)
    units = selectors.filter_units(user)
    form = TreeFilter(request.GET or None, data_sets=data_sets, units=units)
    rows: list[TreeRow] = []
    data_set = period = root = None
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        data_set = cleaned.get("ds") or (data_sets[0] if data_sets else None)
        root = cleaned.get("root")
        if data_set is not None:
            period = cleaned.get("pe") or last_period(data_set.period_type)
            if period.period_type != data_set.period_type:
                form.add_error(
                    "pe",
                    _("Period: %(period)s is a %(type)s period; data set %(set)s is reported %(set_type)s")
                    % {
                        "period": period.id,
                        "type": period.period_type,
                        "set": data_set.code,
                        "set_type": data_set.period_type,
                    },
                )
            else:
                rows = tree_states(user, data_set, period, root)
    return render(
        request,
        "workflow/tree.html",
        {
            "form": form,
            "rows": rows,
            "data_set": data_set,
            "period": period,
            "root": root,
            "here": request.get_full_path(),
            **_media(request),
        },
    )


@login_required
@require_GET
def form_detail(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        key = services.resolve(request.GET.get("ds", ""), request.GET.get("ou", ""), request.GET.get("pe", ""))
        state = form_state(user, key)
    except IocError as exc:
        return render(request, "workflow/form_error.html", {"message": exc.message}, status=exc.status)
    return render(request, "workflow/form.html", {"f": state, "here": request.get_full_path(), **_media(request)})


def _run(user: User, action: str, key: services.FormKey, reason: str) -> None:
    ds, ou, pe = key.data_set, key.org_unit, key.period
    if action == "complete":
        services.do_complete(user, ds, ou, pe, via=Via.FORM)
    elif action == "reopen":
        services.do_reopen(user, ds, ou, pe, via=Via.FORM)
    elif action == "approve":
        services.do_approve(user, ds, ou, pe, via=Via.FORM)
    elif action == "return":
        services.do_return(user, ds, ou, pe, reason, via=Via.FORM)
    else:
        services.do_unapprove(user, ds, ou, pe, reason, via=Via.FORM)


def _done_message(action: str, key: services.FormKey) -> str:
    names = {"set": key.data_set.name, "unit": key.org_unit.name, "period": key.period.name()}
    done = {
        "complete": _("Submitted: %(set)s — %(unit)s — %(period)s"),
        "reopen": _("Withdrawn: %(set)s — %(unit)s — %(period)s is open for entry again"),
        "approve": _("Approved: %(set)s — %(unit)s — %(period)s"),
        "return": _("Returned: %(set)s — %(unit)s — %(period)s"),
        "unapprove": _("Unapproved: %(set)s — %(unit)s — %(period)s"),
    }
    return done[action] % names


@login_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ActionForm(request.POST)
    fallback = reverse("workflow:approvals")
    if not form.is_valid():
        messages.error(request, _("The request was incomplete: %(fields)s") % {"fields": ", ".join(form.errors)})
        return redirect(fallback)
    data = form.cleaned_data
    target = data.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    target = target or reverse("workflow:form") + "?" + urlencode(
        {"ds": data["ds"], "pe": data["pe"], "ou": data["ou"]}
    )
    try:
        key = services.resolve(data["ds"], data["ou"], data["pe"])
        _run(user, data["action"], key, data.get("reason") or "")
    except IocError as exc:
        messages.error(request, exc.message)
        return redirect(target)
    messages.success(request, _done_message(data["action"], key))
    return redirect(target)


@login_required
@require_GET
def completeness(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data_sets = selectors.data_sets_for(user)
    form = CompletenessFilter(request.GET, data_sets=data_sets, units=selectors.filter_units(user))
    view = None
    if form.is_valid():
        view = _completeness(user, form, data_sets)
    params = request.GET.copy()
    params.pop("sort", None)
    return render(
        request,
        "workflow/completeness.html",
        {
            "form": form,
            "view": view,
            "group_label": GROUP_LABELS.get(form.cleaned_data.get("group", "data_set"), "") if form.is_valid() else "",
            "sort": form.cleaned_data.get("sort") if form.is_valid() else "",
            "query": params.urlencode(),
            "columns": _late_columns(form.cleaned_data.get("sort", "") if form.is_valid() else ""),
            "today": timezone.localdate(),
            "groups": list(GROUP_LABELS.items()),
        },
    )


LATE_COLUMNS = [
    ("data_set", gettext_lazy("Data set")),
    ("unit", gettext_lazy("Unit")),
    ("agency", gettext_lazy("Agency")),
    ("period", gettext_lazy("Period")),
    ("due", gettext_lazy("Due date")),
    ("days_late", gettext_lazy("Days late")),
    ("state", gettext_lazy("State")),
]


def _late_columns(sort: str) -> list[dict[str, Any]]:
    """The late list's sortable headers: the sort each link asks for (the other direction when the column is
    the current one), and aria-sort."""
    out = []
    for key, label in LATE_COLUMNS:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        out.append(
            {
                "key": key,
                "label": label,
                "link": (key if descending else f"-{key}") if current else (f"-{key}" if key == "days_late" else key),
                "aria": ("descending" if descending else "ascending") if current else "none",
            }
        )
    return out


def _completeness(user: User, form: CompletenessFilter, data_sets: list[Any]) -> CompletenessView:
    data = form.cleaned_data
    chosen = [data["ds"]] if data.get("ds") else data_sets
    return completeness_view(
        user,
        chosen,
        DateRange(data["start_date"], data["end_date"]),
        data.get("root"),
        data["group"],
        sort=data["sort"],
    )


@login_required
@require_GET
def completeness_export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data_sets = selectors.data_sets_for(user)
    form = CompletenessFilter(request.GET, data_sets=data_sets, units=selectors.filter_units(user))
    fmt, table_name = request.GET.get("format", "csv"), request.GET.get("table", "late")
    if fmt not in ("csv", "xlsx") or table_name not in ("late", "rates") or not form.is_valid():
        problems = [f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()] if form.is_bound else []
        if fmt not in ("csv", "xlsx"):
            problems.append(_("format: csv or xlsx, not '%(v)s'") % {"v": fmt})
        if table_name not in ("late", "rates"):
            problems.append(_("table: late or rates, not '%(v)s'") % {"v": table_name})
        return HttpResponse("; ".join(problems), status=400, content_type="text/plain; charset=utf-8")
    view = _completeness(user, form, data_sets)
    group = form.cleaned_data["group"]
    if table_name == "late":
        table = exports.late_table(view.late)
        title = _("Late reports")
    else:
        table = exports.rates_table([*view.rows, view.total], str(GROUP_LABELS[group]))
        title = _("Completeness")
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"{'bao-cao-tre-han' if table_name == 'late' else 'ty-le-bao-cao'}-{stamp}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.as_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.as_xlsx(table, title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = [(n, notification_text(n)) for n in selectors.notifications_for(user)]
    return render(
        request,
        "workflow/notifications.html",
        {"items": items, "unread": selectors.unread_count(user), "kinds": Notification.Kind},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw = request.POST.getlist("id")
    ids = [int(i) for i in raw if i.isdigit()] if raw else None
    count = services.do_mark_read(user, ids)
    if count:
        messages.success(request, _("%(n)s notifications marked as read") % {"n": count})
    return redirect("workflow:notifications")

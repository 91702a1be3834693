"""The dashboard editor (/ops/manage/), for operators: thin views that parse a form, call a service and show
its errors next to the fields. Every other role gets 403. Changes are POSTs with Django's CSRF token; the up /
down buttons work without JavaScript and, with htmx, swap only the list of items.

/ops/manage/                              dashboards, and a form for a new one
/ops/manage/new/                          POST: create a dashboard
/ops/manage/<code>/                       a dashboard's settings (GET, POST) and its items
/ops/manage/<code>/delete/                GET: confirm; POST: delete with its items
/ops/manage/<code>/items/new/?kind=kpi    GET, POST: a new item of that kind
/ops/manage/<code>/items/<uid>/           GET, POST: edit an item (?kind= changes its kind)
/ops/manage/<code>/items/<uid>/move/      POST direction=up|down
/ops/manage/<code>/items/<uid>/delete/    POST
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, IocError, NotFound
from ioc.dashboards import selectors, services
from ioc.dashboards.config import dx_codes
from ioc.dashboards.forms import CONFIG_FIELDS, DashboardForm, ItemForm, place_errors
from ioc.dashboards.models import Dashboard, DashboardItem, ItemKind


def _operator(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if not can(user, Action.MANAGE_DASHBOARDS):
        raise PermissionDenied(_("Editing dashboards needs the operator role."))
    return user


def _dashboard(user: User, code: str) -> Dashboard:
    try:
        return selectors.dashboard(user, code)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _item(dashboard: Dashboard, uid: str) -> DashboardItem:
    try:
        return selectors.item(dashboard, uid)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _kinds() -> list[tuple[str, str]]:
    return [(str(k.value), str(k.label)) for k in ItemKind]


@login_required
@require_http_methods(["GET"])
def manage_list(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    return _render_list(request, user, DashboardForm(initial={"rotate_seconds": 30}))


def _render_list(request: HttpRequest, user: User, form: DashboardForm, status: int = 200) -> HttpResponse:
    context = {"dashboards": list(selectors.dashboards(user)), "form": form, "nav_section": "ops"}
    return render(request, "dashboards/manage.html", context, status=status)


@login_required
@require_POST
def manage_create(request: HttpRequest) -> HttpResponse:
    user = _operator(request)
    form = DashboardForm(request.POST)
    if form.is_valid():
        try:
            dashboard = services.do_create_dashboard(user, **form.values(), via=Via.FORM)
        except InvalidInput as exc:
            place_errors(form, exc)
        else:
            messages.success(request, _("Dashboard “%(name)s” created.") % {"name": dashboard.name})
            return redirect("dashboards:manage_edit", code=dashboard.code)
    return _render_list(request, user, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def manage_edit(request: HttpRequest, code: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    if request.method == "POST":
        form = DashboardForm(request.POST)
        if form.is_valid():
            try:
                dashboard = services.do_update_dashboard(user, dashboard, **form.values(), via=Via.FORM)
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Dashboard saved."))
                return redirect("dashboards:manage_edit", code=dashboard.code)
        status = 400
    else:
        form = DashboardForm(initial=selectors.editable_fields(dashboard))
        status = 200
    context = {
        "dashboard": dashboard,
        "form": form,
        "items": selectors.items(dashboard),
        "kinds": _kinds(),
        "nav_section": "ops",
    }
    return render(request, "dashboards/manage_dashboard.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def manage_delete(request: HttpRequest, code: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    if request.method == "POST":
        services.do_delete_dashboard(user, dashboard, via=Via.FORM)
        messages.success(request, _("Dashboard “%(name)s” deleted.") % {"name": dashboard.name})
        return redirect("dashboards:manage")
    context = {"dashboard": dashboard, "item_count": len(selectors.items(dashboard)), "nav_section": "ops"}
    return render(request, "dashboards/manage_delete.html", context)


def _dx_choices(current: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The pickable data items, plus any the item already uses that the lists do not offer (ELEMENT.COC,
    reporting metrics saved from the explorer), so editing never drops them."""
    groups = selectors.dx_choices()
    offered = {code for _label, choices in groups for code, _name in choices}
    extra = [(c, c) for c in current if c not in offered]
    return [(_("In use"), extra), *groups] if extra else groups


def _item_page(
    request: HttpRequest,
    dashboard: Dashboard,
    item: DashboardItem | None,
    form: ItemForm,
    status: int,
) -> HttpResponse:
    context = {
        "dashboard": dashboard,
        "item": item,
        "form": form,
        "kind": form.kind,
        "kind_label": ItemKind(form.kind).label,
        "kinds": _kinds(),
        "config_fields": [form[name] for name in CONFIG_FIELDS[form.kind] if name in form.fields],
        "nav_section": "ops",
    }
    return render(request, "dashboards/manage_item.html", context, status=status)


def _kind(request: HttpRequest, default: str) -> str:
    kind = request.GET.get("kind") or default
    if kind not in ItemKind.values:
        raise InvalidInput(
            _("kind: '{kind}' is not one of {kinds}").format(kind=kind, kinds=", ".join(ItemKind.values))
        )
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def manage_item_new(request: HttpRequest, code: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    try:
        kind = _kind(request, ItemKind.KPI)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("dashboards:manage_edit", code=dashboard.code)
    if request.method == "POST":
        form = ItemForm(request.POST, kind=kind, dx_choices=_dx_choices(request.POST.getlist("dx")))
        if form.is_valid():
            try:
                services.do_create_item(user, dashboard, **form.values(), via=Via.FORM)
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Item added."))
                return redirect("dashboards:manage_edit", code=dashboard.code)
        return _item_page(request, dashboard, None, form, 400)
    return _item_page(request, dashboard, None, ItemForm(kind=kind, dx_choices=_dx_choices([])), 200)


@login_required
@require_http_methods(["GET", "POST"])
def manage_item_edit(request: HttpRequest, code: str, uid: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    item = _item(dashboard, uid)
    try:
        kind = _kind(request, item.kind)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("dashboards:manage_item", code=dashboard.code, uid=item.uid)
    if request.method == "POST":
        form = ItemForm(request.POST, kind=kind, dx_choices=_dx_choices(request.POST.getlist("dx")))
        if form.is_valid():
            try:
                services.do_update_item(user, item, **form.values(), via=Via.FORM)
            except InvalidInput as exc:
                place_errors(form, exc)
            else:
                messages.success(request, _("Item saved."))
                return redirect("dashboards:manage_edit", code=dashboard.code)
        return _item_page(request, dashboard, item, form, 400)
    # Changing the kind keeps what still fits: the title, the width, the data items.
    config = dict(item.config) if kind == item.kind else {"dx": item.config.get("dx")}
    current = dx_codes(config)
    if kind != item.kind and config["dx"] is not None:
        config["dx"] = current if kind in (ItemKind.CHART, ItemKind.TABLE) else current[0]
    initial = ItemForm.initial_for(kind, item.title_vi, item.title_en, item.width, config)
    form = ItemForm(initial=initial, kind=kind, dx_choices=_dx_choices(current))
    return _item_page(request, dashboard, item, form, 200)


@login_required
@require_POST
def manage_item_move(request: HttpRequest, code: str, uid: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    direction = request.POST.get("direction", "")
    try:
        services.do_move_item(user, _item(dashboard, uid), direction=direction, via=Via.FORM)  # type: ignore[arg-type]
    except IocError as exc:
        messages.error(request, exc.message)
    return redirect("dashboards:manage_edit", code=dashboard.code)


@login_required
@require_POST
def manage_item_delete(request: HttpRequest, code: str, uid: str) -> HttpResponse:
    user = _operator(request)
    dashboard = _dashboard(user, code)
    services.do_delete_item(user, _item(dashboard, uid), via=Via.FORM)
    messages.success(request, _("Item removed."))
    return redirect("dashboards:manage_edit", code=dashboard.code)

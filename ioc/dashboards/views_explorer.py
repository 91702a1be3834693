"""The data explorer (pivot): thin views that parse, authorise, call and render.

GET  /ops/explorer/            the page; its state (dimensions, layout, chart) lives in the query string and is
                               read by ioc/static/ioc/explorer.js, which asks GET /api/v1/analytics for values
GET  /ops/explorer/items/      the data items one may choose, grouped by sector (JSON)
GET  /ops/explorer/units/      the unit picker (JSON): the scope's roots; ?parent=uid its children; ?q= search;
                               ?uids=a;b names of chosen units — only units within the user's view scope
GET  /ops/explorer/periods/    fixed periods (JSON): ?type=Monthly&year=2025, or ?ids=202501;LAST_YEAR names
POST /ops/explorer/save/       save the pivot as a dashboard item (ioc.dashboards.services.do_create_item)
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.core.errors import InvalidInput, IocError, NotAllowed, NotFound
from ioc.dashboards import explorer as ex
from ioc.dashboards.models import Dashboard
from ioc.dashboards.services import do_create_item

MAX_TITLE = 200


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _json_error(exc: IocError) -> JsonResponse:
    field = exc.errors[0]["field"] if exc.errors else None
    return JsonResponse({"ok": False, "message": exc.message, "field": field}, status=exc.status)


def _english() -> bool:
    return (get_language() or "vi").startswith("en")


def _dashboard_name(dashboard: Dashboard) -> str:
    return dashboard.name or dashboard.code


def _texts() -> dict[str, str]:
    """The words explorer.js shows (the page's other words are in the template)."""
    return {
        "element": _("Data element"),
        "indicator": _("Indicator"),
        "reporting_rate": _("Reporting rate"),
        "dx": _("Data"),
        "pe": _("Period"),
        "ou": _("Unit"),
        "co": _("Disaggregation"),
        "value": _("Value"),
        "total": _("Total"),
        "remove": _("Remove"),
        "expand": _("Show the units below"),
        "closed": _("closed %(date)s"),
        "opened": _("from %(date)s"),
        "loading": _("Loading…"),
        "noUnits": _("No unit matches."),
        "noValues": _("No values for this selection."),
        "chooseAll": _("Choose at least one data item and one period."),
        "needAxis": _("Put at least one dimension on the rows or the columns."),
        "failed": _("The values could not be loaded: %(message)s"),
        "saveFailed": _("Not saved: %(message)s"),
        "linkCopied": _("Link copied"),
        "asOf": _("Data as of %(time)s"),
    }


@never_cache
@login_required
@require_GET
def explorer(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    may_save = can(user, Action.MANAGE_DASHBOARDS)
    dashboards = list(Dashboard.objects.all()) if may_save else []
    config: dict[str, Any] = {
        "lang": "en" if _english() else "vi",
        "urls": {
            "analytics": "/api/v1/analytics",
            "items": reverse("dashboards:explorer-items"),
            "units": reverse("dashboards:explorer-units"),
            "periods": reverse("dashboards:explorer-periods"),
            "save": reverse("dashboards:explorer-save"),
        },
        "relative": [{"id": k, "name": str(v)} for k, v in ex.RELATIVE_PERIODS.items()],
        "periodTypes": [{"id": k, "name": str(v)} for k, v in ex.PERIOD_TYPE_LABELS.items()],
        "years": ex.period_years(),
        "levels": [{"level": k, "name": v} for k, v in ex.level_names().items()],
        "texts": _texts(),
    }
    return render(
        request,
        "dashboards/explorer.html",
        {
            "config": config,
            "may_save": may_save,
            "dashboards": [(d.code, _dashboard_name(d)) for d in dashboards],
            "kinds": [
                ("chart", _("Chart")),
                ("table", _("Table (ranking)")),
                ("kpi", _("KPI tile")),
                ("map", _("Map")),
            ],
            "layout_dims": [("dx", _("Data")), ("pe", _("Periods")), ("ou", _("Units"))],
            "charts": [("column", _("Column")), ("bar", _("Bar")), ("line", _("Line")), ("area", _("Area"))],
        },
    )


@login_required
@require_GET
def items(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"groups": ex.data_items()})


@login_required
@require_GET
def units(request: HttpRequest) -> JsonResponse:
    user = _user(request)
    parent, text, uids = request.GET.get("parent"), request.GET.get("q"), request.GET.get("uids")
    try:
        if parent:
            found = ex.child_units(user, parent.strip())
        elif text is not None:
            found = ex.find_units(user, text[:100])
        elif uids is not None:
            found = ex.units_by_uid(user, [u.strip() for u in uids.split(";")][: ex.MAX_ITEMS])
        else:
            found = ex.root_units(user)
    except IocError as exc:
        return _json_error(exc)
    return JsonResponse({"units": ex.unit_rows(user, found)})


@login_required
@require_GET
def periods(request: HttpRequest) -> JsonResponse:
    try:
        if "ids" in request.GET:
            ids = [p.strip() for p in request.GET["ids"].split(";")][: ex.MAX_ITEMS * 4]
            return JsonResponse({"periods": ex.period_names(ids)})
        year_text = request.GET.get("year", "").strip()
        if not year_text.isdigit():
            raise InvalidInput(_("Year: '%(year)s' is not a year") % {"year": year_text[:10]}, field="year")
        return JsonResponse({"periods": ex.fixed_periods(request.GET.get("type", ""), int(year_text))})
    except IocError as exc:
        return _json_error(exc)


def _title(data: Any, field: str, *, required: bool) -> str:
    title = (data.get(field) or "").strip()
    if required and not title:
        raise InvalidInput(_("Title: give the item a title"), field=field)
    if len(title) > MAX_TITLE:
        raise InvalidInput(_("Title: at most %(n)d characters") % {"n": MAX_TITLE}, field=field)
    return title


@login_required
@require_POST
def save(request: HttpRequest) -> JsonResponse:
    """Save the pivot as an item of a dashboard: dashboard (code), kind, title, title_en, the pivot (dx, pe,
    rows, columns, chart) and, by kind, target (kpi) or sort and limit (table)."""
    user = _user(request)
    data = request.POST
    try:
        if not can(user, Action.MANAGE_DASHBOARDS):
            raise NotAllowed(_("Saving on a dashboard needs the operator or administrator role"), field="dashboard")
        code = (data.get("dashboard") or "").strip()
        dashboard = Dashboard.objects.filter(code=code).first() if code else None
        if dashboard is None:
            raise NotFound(_("Dashboard: there is no dashboard '%(code)s'") % {"code": code[:50]}, field="dashboard")
        kind = (data.get("kind") or "").strip()
        title, title_en = _title(data, "title", required=True), _title(data, "title_en", required=False)
        config = ex.item_config(kind, ex.parse_pivot(data), data)
        item = do_create_item(user, dashboard, kind=kind, title_vi=title, title_en=title_en, config=config)
    except IocError as exc:
        return _json_error(exc)
    return JsonResponse(
        {
            "ok": True,
            "uid": item.uid,
            "config": config,
            "message": _("Saved “%(title)s” on the dashboard %(dashboard)s")
            % {"title": title, "dashboard": _dashboard_name(dashboard)},
            "url": reverse("dashboards:tab", kwargs={"code": dashboard.code}),
        }
    )

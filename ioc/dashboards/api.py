"""/api/v1/dashboards — the operations screen's dashboards (see docs/dashboards.md).

    GET    ""                         every dashboard (anyone who may view data; token scope data:read)
    GET    "{code}"                   one dashboard with its items and their configs
    GET    "{code}/data?pe=&ou=&structure="   the screen's numbers (the dashboard data contract), scoped to
                                      the units the reader may see; with &generation=N (the generation of
                                      the answer one has) only {"unchanged": true, …} while nothing changed
    POST   ""                         create a dashboard           ┐
    PUT    "{code}"                   change fields of a dashboard │ operators (MANAGE_DASHBOARDS);
    DELETE "{code}"                   delete it with its items     │ with a token also the scope
    POST   "{code}/items"             add an item                  │ metadata:write
    PUT    "{code}/items/{uid}"       change an item               │
    DELETE "{code}/items/{uid}"       remove an item               │
    POST   "{code}/items/{uid}/move"  {"direction": "up"|"down"} or {"position": n}
    PUT    "{code}/order"             {"items": [uid, …]}: the new order of all items ┘

Bad input is a 400 whose `errors` name the field ("config.dx[1]", "width", …).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from ioc.accounts.models import ApiToken, User
from ioc.accounts.permissions import Action, current_user, require, require_scope, token_of
from ioc.analytics.replica import replica
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.dashboards import selectors, services
from ioc.dashboards.context import resolve_view
from ioc.dashboards.data import dashboard_data
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.schemas import (
    DashboardIn,
    DashboardList,
    DashboardOut,
    DashboardPatch,
    DataQuery,
    ItemIn,
    ItemOut,
    ItemPatch,
    MoveIn,
    OrderIn,
)

router = Router(tags=["dashboards"])
READ = ApiToken.Scope.DATA_READ
WRITE = ApiToken.Scope.METADATA_WRITE


class DataParams(DataQuery):
    generation: str | None = None  # parsed here, so that a bad one is a 400 naming the field like the others


def _unchanged(user: User, raw: str, params: DataParams) -> dict[str, Any] | None:
    """The cheap poll: the answer the reader holds was made at generation N; while the replica is still at N
    no value, metadata or hierarchy changed, so nothing needs building (nor sending). The parameters and the
    scope are still checked (in memory), so that a reader whose scope was taken away is refused here too."""
    try:
        generation = int(raw)
    except ValueError:
        raise InvalidInput(
            _("generation: '{value}' is not a whole number").format(value=raw[:40]), field="generation"
        ) from None
    replica.sync()
    dims, as_of = replica.dims, replica.as_of
    if replica.generation != generation or dims is None:
        return None
    today = timezone.localdate()
    resolve_view(user, dims, pe=params.pe, ou=params.ou, structure=params.structure, today=today)
    return {"unchanged": True, "generation": generation, "as_of": as_of.isoformat() if as_of else None}


def _manager(request: HttpRequest) -> User:
    """An operator; a token must also hold metadata:write (dashboards are configuration)."""
    token = token_of(request)
    if token is not None and WRITE not in (token.scopes or []):
        raise NotAllowed(
            _("This API token lacks the scope '%(scope)s' (it has: %(held)s)")
            % {"scope": WRITE, "held": ", ".join(token.scopes or []) or _("none")}
        )
    user = current_user(request)
    require(user, Action.MANAGE_DASHBOARDS)
    return user


def item_out(item: DashboardItem) -> dict[str, Any]:
    return {
        "uid": item.uid,
        "kind": item.kind,
        "title": item.title,
        "title_vi": item.title_vi,
        "title_en": item.title_en,
        "width": item.width,
        "sort_order": item.sort_order,
        "config": item.config,
    }


def dashboard_out(dashboard: Dashboard) -> dict[str, Any]:
    return {
        **selectors.editable_fields(dashboard),
        "name": dashboard.name,
        "items": [item_out(i) for i in selectors.items(dashboard)],
    }


@router.get("", response=DashboardList, summary="List dashboards")
def list_dashboards(request: HttpRequest) -> dict[str, Any]:
    require_scope(request, READ)
    found = selectors.dashboards(current_user(request))
    items = [
        {
            "code": d.code,
            "name": d.name,
            "sector": d.sector.code if d.sector else None,
            "is_overview": d.is_overview,
            "item_count": d.item_count,  # type: ignore[attr-defined]
        }
        for d in found
    ]
    return {"items": items, "count": len(items)}


@router.get("{code}/data", response=dict[str, Any], summary="A dashboard's data for one period and unit")
def dashboard_data_endpoint(request: HttpRequest, code: str, params: Query[DataParams]) -> dict[str, Any]:
    require_scope(request, READ)
    user = current_user(request)
    if params.generation is not None and params.generation.strip():
        require(user, Action.VIEW_DATA)
        unchanged = _unchanged(user, params.generation.strip(), params)
        if unchanged is not None:
            return unchanged
    dashboard, items = selectors.dashboard_with_items(user, code)
    return dashboard_data(user, dashboard, items=items, pe=params.pe, ou=params.ou, structure=params.structure)


@router.get("{code}", response=DashboardOut, summary="One dashboard with its items")
def get_dashboard(request: HttpRequest, code: str) -> dict[str, Any]:
    require_scope(request, READ)
    return dashboard_out(selectors.dashboard(current_user(request), code))


@router.post("", response={201: DashboardOut}, summary="Create a dashboard")
def create_dashboard(request: HttpRequest, payload: DashboardIn) -> Status:
    user = _manager(request)
    dashboard = services.do_create_dashboard(user, **payload.dict(), via=Via.API)
    return Status(201, dashboard_out(dashboard))


@router.put("{code}", response=DashboardOut, summary="Change a dashboard")
def update_dashboard(request: HttpRequest, code: str, payload: DashboardPatch) -> dict[str, Any]:
    user = _manager(request)
    dashboard = selectors.dashboard(user, code)
    changes = payload.dict(exclude_unset=True)
    return dashboard_out(services.do_update_dashboard(user, dashboard, via=Via.API, **changes))


@router.delete("{code}", response={204: None}, summary="Delete a dashboard and its items")
def delete_dashboard(request: HttpRequest, code: str) -> Status:
    user = _manager(request)
    services.do_delete_dashboard(user, selectors.dashboard(user, code), via=Via.API)
    return Status(204, None)


@router.post("{code}/items", response={201: ItemOut}, summary="Add an item")
def create_item(request: HttpRequest, code: str, payload: ItemIn) -> Status:
    user = _manager(request)
    dashboard = selectors.dashboard(user, code)
    item = services.do_create_item(user, dashboard, **payload.dict(), via=Via.API)
    return Status(201, item_out(item))


@router.put("{code}/items/{uid}", response=ItemOut, summary="Change an item")
def update_item(request: HttpRequest, code: str, uid: str, payload: ItemPatch) -> dict[str, Any]:
    user = _manager(request)
    item = selectors.item(selectors.dashboard(user, code), uid)
    return item_out(services.do_update_item(user, item, via=Via.API, **payload.dict(exclude_unset=True)))


@router.delete("{code}/items/{uid}", response={204: None}, summary="Remove an item")
def delete_item(request: HttpRequest, code: str, uid: str) -> Status:
    user = _manager(request)
    services.do_delete_item(user, selectors.item(selectors.dashboard(user, code), uid), via=Via.API)
    return Status(204, None)


@router.post("{code}/items/{uid}/move", response=DashboardOut, summary="Move an item up, down or to a position")
def move_item(request: HttpRequest, code: str, uid: str, payload: MoveIn) -> dict[str, Any]:
    user = _manager(request)
    dashboard = selectors.dashboard(user, code)
    services.do_move_item(
        user,
        selectors.item(dashboard, uid),
        direction=payload.direction,  # type: ignore[arg-type]  # checked by the service
        position=payload.position,
        via=Via.API,
    )
    return dashboard_out(dashboard)


@router.put("{code}/order", response=DashboardOut, summary="Put all items in a new order")
def reorder_items(request: HttpRequest, code: str, payload: OrderIn) -> dict[str, Any]:
    user = _manager(request)
    dashboard = selectors.dashboard(user, code)
    services.do_reorder_items(user, dashboard, payload.items, via=Via.API)
    return dashboard_out(dashboard)

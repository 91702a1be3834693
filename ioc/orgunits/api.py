"""GET /api/v1/orgunits — the hierarchy, scoped to what the user may see.

Authentication is global (ioc/api.py). The scope comes from the request's user through
`user.view_root_units()` (added by the accounts app, a higher layer this app never imports): None means
everything, a list of units their subtrees.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from ioc.core.errors import NotAllowed, NotFound
from ioc.orgunits.models import OrgUnit, OrgUnitLevel, Succession
from ioc.orgunits.schemas import LevelOut, OrgUnitDetail, OrgUnitFilters, OrgUnitList, OrgUnitOut, SuccessionRef
from ioc.orgunits.selectors import ancestors, is_within, open_on_q, resolve_code, scope_q, view_roots

router = Router(tags=["orgunits"], by_alias=True)

READ_SCOPES = {"metadata:read", "data:read"}


def _check_token(request: HttpRequest) -> None:
    """A request made with an API token needs a read scope (metadata:read or data:read)."""
    token = getattr(request, "api_token", None)
    if token is not None and not READ_SCOPES & set(getattr(token, "scopes", None) or []):
        raise NotAllowed(
            _("This API token lacks a scope to read org units (one of: %(scopes)s)")
            % {"scopes": ", ".join(sorted(READ_SCOPES))}
        )


def _with_links(qs: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    return qs.select_related("parent").prefetch_related(
        Prefetch("successions", queryset=Succession.objects.select_related("successor").order_by("successor__code")),
        Prefetch(
            "predecessions", queryset=Succession.objects.select_related("predecessor").order_by("predecessor__code")
        ),
    )


def _ref(unit: OrgUnit, link: Succession) -> SuccessionRef:
    return SuccessionRef(
        uid=unit.uid, code=unit.code, name=unit.name_vi, kind=link.kind, date=link.date, weight=link.weight
    )


def _fields(unit: OrgUnit) -> dict[str, Any]:
    return {
        "uid": unit.uid,
        "code": unit.code,
        "name": unit.name_vi,
        "name_en": unit.name_en,
        "short_name": unit.short_name,
        "level": unit.level,
        "kind": unit.kind,
        "parent": unit.parent.code if unit.parent else None,
        "parent_uid": unit.parent.uid if unit.parent else None,
        "opened": unit.opened,
        "closed": unit.closed,
        "latitude": unit.latitude,
        "longitude": unit.longitude,
        "area_km2": unit.area_km2,
        "successors": [_ref(s.successor, s) for s in unit.successions.all()],
        "predecessors": [_ref(s.predecessor, s) for s in unit.predecessions.all()],
    }


@router.get("", response=OrgUnitList, summary="Org units, filtered and scoped to what you may see")
def list_units(request: HttpRequest, filters: Query[OrgUnitFilters]) -> dict[str, Any]:
    """`date` keeps the units open on that day; `parent` is a code resolved at `date` (default today) —
    codes are reused across the 2025 reorganisation; `code` without `date` lists every unit that had it."""
    _check_token(request)
    qs = OrgUnit.objects.filter(scope_q(view_roots(request.user)))
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    if filters.date is not None:
        qs = qs.filter(open_on_q(filters.date))
    if filters.parent:
        parent = resolve_code(filters.parent, filters.date or timezone.localdate(), field="parent")
        qs = qs.filter(parent=parent)
    if filters.code:
        qs = qs.filter(code=filters.code.strip())
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(name_vi__icontains=text) | Q(name_en__icontains=text) | Q(short_name__icontains=text) | Q(code=text)
        )
    count = qs.count()
    page = _with_links(qs.order_by("path"))[filters.offset : filters.offset + filters.limit]
    return {"items": [OrgUnitOut(**_fields(u)) for u in page], "count": count}


@router.get("/levels", response=list[LevelOut], summary="Org-unit levels (1 province, 2 district, 3 commune)")
def list_levels(request: HttpRequest) -> list[LevelOut]:
    _check_token(request)
    return [
        LevelOut(level=lv.level, code=lv.code, name=lv.name_vi, name_en=lv.name_en)
        for lv in OrgUnitLevel.objects.order_by("level")
    ]


@router.get("/{uid}", response=OrgUnitDetail, summary="One org unit, with its geometry")
def get_unit(request: HttpRequest, uid: str) -> OrgUnitDetail:
    _check_token(request)
    unit = _with_links(OrgUnit.objects.filter(uid=uid)).first()
    # A unit outside the user's view scope is reported like an unknown one: its existence is not revealed.
    if unit is None or not is_within(unit, view_roots(request.user)):
        raise NotFound(_("unknown org unit uid '%(uid)s'") % {"uid": uid[:20]}, field="uid")
    return OrgUnitDetail(**_fields(unit), geometry=unit.geometry, path=[a.code for a in ancestors(unit)])

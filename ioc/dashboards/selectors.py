"""Reads of dashboards. Dashboards are shared by everyone who may view data; what each one shows is scoped by
the analytics engine to the viewer's units (ioc.dashboards.data)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.core.errors import NotFound
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.metadata.models import DataElement, Indicator, ValueType


def dashboards(user: Any) -> QuerySet[Dashboard]:
    """Every dashboard in screen order (the overview first), with its item count."""
    require(user, Action.VIEW_DATA)
    # Meta.ordering is not applied to a GROUP BY query: order explicitly.
    return (
        Dashboard.objects.select_related("sector")
        .annotate(item_count=Count("items"))
        .order_by("-is_overview", "sort_order", "code")
    )


def dashboard(user: Any, code: str) -> Dashboard:
    require(user, Action.VIEW_DATA)
    found = Dashboard.objects.select_related("sector").filter(code=code).first()
    if found is None:
        raise NotFound(_("no dashboard with code '{code}'").format(code=code), field="code")
    return found


def dashboard_with_items(user: Any, code: str) -> tuple[Dashboard, list[DashboardItem]]:
    """A dashboard and its items in screen order: one query (two for a dashboard without items), since the
    data endpoint reads both on every request."""
    require(user, Action.VIEW_DATA)
    found = list(
        DashboardItem.objects.select_related("dashboard__sector")
        .filter(dashboard__code=code)
        .order_by("sort_order", "id")
    )
    if not found:
        return dashboard(user, code), []
    board = found[0].dashboard
    for item in found:
        item.dashboard = board  # one instance, as a prefetch would give
    return board, found


def overview(user: Any) -> Dashboard | None:
    """The dashboard the screen opens on: the one marked overview, else the first."""
    return dashboards(user).first()


def items(dashboard: Dashboard) -> list[DashboardItem]:
    return list(DashboardItem.objects.filter(dashboard=dashboard).order_by("sort_order", "id"))


def item(dashboard: Dashboard, uid: str) -> DashboardItem:
    found = DashboardItem.objects.select_related("dashboard").filter(dashboard=dashboard, uid=uid).first()
    if found is None:
        raise NotFound(_("dashboard '{code}' has no item '{uid}'").format(code=dashboard.code, uid=uid), field="uid")
    return found


def dx_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The data items an editor may pick, grouped: indicators first, then numeric data elements by sector."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    indicators = [(i.code, f"{i.name} ({i.code})") for i in Indicator.objects.order_by("code")]
    if indicators:
        groups.append((_("Indicators"), indicators))
    by_sector: dict[str, list[tuple[str, str]]] = {}
    elements = DataElement.objects.exclude(value_type=ValueType.TEXT).select_related("sector")
    for element in elements.order_by("sector__sort_order", "code"):
        label = element.sector.name if element.sector else _("Other")
        by_sector.setdefault(label, []).append((element.code, f"{element.name} ({element.code})"))
    for label, choices in by_sector.items():
        groups.append((_("Data elements: {sector}").format(sector=label), choices))
    return groups


def editable_fields(dashboard: Dashboard) -> dict[str, object]:
    """A dashboard's own settings, as the editor's form and the API show them (the sector by code)."""
    return {
        "code": dashboard.code,
        "name_vi": dashboard.name_vi,
        "name_en": dashboard.name_en,
        "sector": dashboard.sector.code if dashboard.sector else None,
        "sort_order": dashboard.sort_order,
        "is_overview": dashboard.is_overview,
        "rotate_seconds": dashboard.rotate_seconds,
    }

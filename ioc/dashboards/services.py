"""Writes to dashboards and their items: each do_* takes the acting user, checks the MANAGE_DASHBOARDS right
(operators and administrators; None is the system), validates everything first (all errors together, one InvalidInput naming the
fields), runs in one transaction and writes one audit record ("dashboard.create", "dashboard_item.move", …).

Item order is a dense 0..n-1 `sort_order` per dashboard; every change of order renumbers the dashboard's
items under a lock on the dashboard row, so two operators reordering at once cannot interleave.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.audit.services import diff, record
from ioc.core.errors import FieldErrors, InvalidInput
from ioc.dashboards.config import check_kind, validate_config
from ioc.dashboards.models import DEFAULT_WIDTH, Dashboard, DashboardItem, ItemKind
from ioc.metadata.models import Sector

_UNSET: Any = object()
# /ops/<code>/ shows a dashboard and /ops/manage/<code>/ edits it: a code must not be one of their own paths.
RESERVED_CODES = frozenset({"manage", "wall", "explorer", "new"})
DASHBOARD_FIELDS = ("code", "name_vi", "name_en", "sector", "sort_order", "is_overview", "rotate_seconds")
ITEM_FIELDS = ("kind", "title_vi", "title_en", "width", "config")


def _require(user: Any) -> None:
    """An operator or administrator; None is the system itself (the demo set-up, commands)."""
    if user is not None:
        require(user, Action.MANAGE_DASHBOARDS)


def _snapshot(obj: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.code if isinstance(value, Sector) else value
    return out


def _sector(ref: Sector | str | None, errors: FieldErrors) -> Sector | None:
    if ref is None or isinstance(ref, Sector):
        return ref
    key = ref.strip()
    if not key:
        return None
    found = Sector.objects.filter(code=key).first()
    if found is None:
        errors.add("sector", _("no sector with code '{code}'").format(code=key))
    return found


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


# --- dashboards -----------------------------------------------------------------------------------------


def _check_code(dashboard: Dashboard, errors: FieldErrors) -> None:
    if (dashboard.code or "").lower() in RESERVED_CODES:
        errors.add(
            "code",
            _("'{code}' is reserved for the screen's own pages ({names})").format(
                code=dashboard.code, names=", ".join(sorted(RESERVED_CODES))
            ),
        )


def _clear_other_overviews(user: Any, dashboard: Dashboard, via: str) -> None:
    for other in Dashboard.objects.select_for_update().filter(is_overview=True).exclude(pk=dashboard.pk):
        other.is_overview = False
        other.save(update_fields=["is_overview", "last_updated"])
        record(user, "dashboard.update", other, via=via, changes={"is_overview": [True, False]})


@transaction.atomic
def do_create_dashboard(
    user: Any,
    *,
    code: str,
    name_vi: str,
    name_en: str = "",
    sector: Sector | str | None = None,
    sort_order: int | None = None,
    is_overview: bool = False,
    rotate_seconds: int = 30,
    via: str = Via.FORM,
) -> Dashboard:
    _require(user)
    errors = FieldErrors()
    if sort_order is None:
        sort_order = (Dashboard.objects.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    dashboard = Dashboard(
        code=_strip(code),
        name_vi=_strip(name_vi),
        name_en=_strip(name_en) or "",
        sector=_sector(sector, errors),
        sort_order=sort_order,
        is_overview=bool(is_overview),
        rotate_seconds=rotate_seconds,
    )
    if dashboard.is_overview:
        _clear_other_overviews(user, dashboard, via)
    _check_code(dashboard, errors)
    errors.clean(dashboard)
    errors.raise_if_any()
    dashboard.save()
    after = _snapshot(dashboard, DASHBOARD_FIELDS)
    record(user, "dashboard.create", dashboard, via=via, changes={k: [None, v] for k, v in after.items()})
    return dashboard


@transaction.atomic
def do_update_dashboard(user: Any, dashboard: Dashboard, *, via: str = Via.FORM, **changes: Any) -> Dashboard:
    """Change any of DASHBOARD_FIELDS; the others stay as they are."""
    _require(user)
    errors = FieldErrors()
    unknown = set(changes) - set(DASHBOARD_FIELDS)
    if unknown:
        raise InvalidInput(_("unknown fields: {names}").format(names=", ".join(sorted(unknown))))
    dashboard = Dashboard.objects.select_for_update().get(pk=dashboard.pk)
    before = _snapshot(dashboard, DASHBOARD_FIELDS)
    for name, value in changes.items():
        if name == "sector":
            dashboard.sector = _sector(value, errors)
        elif name == "name_en":
            dashboard.name_en = _strip(value) or ""
        else:
            setattr(dashboard, name, _strip(value))
    if dashboard.is_overview and not before["is_overview"]:
        _clear_other_overviews(user, dashboard, via)
    _check_code(dashboard, errors)
    errors.clean(dashboard)
    errors.raise_if_any()
    delta = diff(before, _snapshot(dashboard, DASHBOARD_FIELDS))
    if delta:
        dashboard.save()
        record(user, "dashboard.update", dashboard, via=via, changes=delta)
    return dashboard


@transaction.atomic
def do_delete_dashboard(user: Any, dashboard: Dashboard, *, via: str = Via.FORM) -> None:
    _require(user)
    count = dashboard.items.count()
    record(
        user,
        "dashboard.delete",
        dashboard,
        via=via,
        changes={**{k: [v, None] for k, v in _snapshot(dashboard, DASHBOARD_FIELDS).items()}, "items": [count, 0]},
    )
    dashboard.delete()


# --- items ----------------------------------------------------------------------------------------------


def _ordered(dashboard: Dashboard) -> list[DashboardItem]:
    return list(DashboardItem.objects.filter(dashboard=dashboard).order_by("sort_order", "id"))


def _renumber(items: list[DashboardItem]) -> None:
    changed = []
    for index, item in enumerate(items):
        if item.sort_order != index:
            item.sort_order = index
            changed.append(item)
    if changed:
        DashboardItem.objects.bulk_update(changed, ["sort_order"])


def _lock(dashboard: Dashboard) -> Dashboard:
    return Dashboard.objects.select_for_update().get(pk=dashboard.pk)


def _check_item(item: DashboardItem, config: Any, errors: FieldErrors) -> None:
    try:
        item.config = validate_config(item.kind, config)
    except InvalidInput as exc:
        errors.add_invalid(exc)
    errors.clean(item, exclude=["dashboard", "config"])


@transaction.atomic
def do_create_item(
    user: Any,
    dashboard: Dashboard,
    *,
    kind: str,
    config: dict[str, Any] | None = None,
    title_vi: str = "",
    title_en: str = "",
    width: int | None = None,
    position: int | None = None,
    via: str = Via.FORM,
) -> DashboardItem:
    """A new item at the end (or at `position`, 0 = first)."""
    _require(user)
    check_kind(kind)
    dashboard = _lock(dashboard)
    errors = FieldErrors()
    items = _ordered(dashboard)
    item = DashboardItem(
        dashboard=dashboard,
        kind=kind,
        title_vi=_strip(title_vi) or "",
        title_en=_strip(title_en) or "",
        width=DEFAULT_WIDTH[ItemKind(kind)] if width is None else width,
        sort_order=len(items),
    )
    _check_item(item, config, errors)
    errors.raise_if_any()
    item.save()
    if position is not None:
        items.insert(max(0, min(position, len(items))), item)
        _renumber(items)
    after = _snapshot(item, ITEM_FIELDS)
    record(
        user,
        "dashboard_item.create",
        item,
        via=via,
        changes={"dashboard": [None, dashboard.code], **{k: [None, v] for k, v in after.items()}},
    )
    return item


@transaction.atomic
def do_update_item(user: Any, item: DashboardItem, *, via: str = Via.FORM, **changes: Any) -> DashboardItem:
    """Change any of ITEM_FIELDS. A new kind needs a config of that kind (the old one is validated anew)."""
    _require(user)
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise InvalidInput(_("unknown fields: {names}").format(names=", ".join(sorted(unknown))))
    _lock(item.dashboard)
    item = DashboardItem.objects.select_related("dashboard").get(pk=item.pk)
    before = _snapshot(item, ITEM_FIELDS)
    errors = FieldErrors()
    if "kind" in changes:
        item.kind = check_kind(changes["kind"])
    for name in ("title_vi", "title_en"):
        if name in changes:
            setattr(item, name, _strip(changes[name]) or "")
    if "width" in changes:
        item.width = changes["width"]
    _check_item(item, changes.get("config", item.config), errors)
    errors.raise_if_any()
    delta = diff(before, _snapshot(item, ITEM_FIELDS))
    if delta:
        item.save()
        record(user, "dashboard_item.update", item, via=via, changes=delta)
    return item


@transaction.atomic
def do_delete_item(user: Any, item: DashboardItem, *, via: str = Via.FORM) -> None:
    _require(user)
    dashboard = _lock(item.dashboard)
    record(
        user,
        "dashboard_item.delete",
        item,
        via=via,
        changes={
            "dashboard": [dashboard.code, None],
            **{k: [v, None] for k, v in _snapshot(item, ITEM_FIELDS).items()},
        },
    )
    item.delete()
    _renumber(_ordered(dashboard))


@transaction.atomic
def do_move_item(
    user: Any,
    item: DashboardItem,
    *,
    direction: Literal["up", "down"] | None = None,
    position: int | None = None,
    via: str = Via.FORM,
) -> DashboardItem:
    """One place up or down, or to `position` (0 = first; beyond the end = last)."""
    _require(user)
    if (direction is None) == (position is None):
        raise InvalidInput(_("give either a direction (up, down) or a position"), field="direction")
    if direction is not None and direction not in ("up", "down"):
        raise InvalidInput(_("direction: '{value}' is not one of up, down").format(value=direction), field="direction")
    if position is not None and position < 0:
        raise InvalidInput(_("position: must be 0 or more"), field="position")
    dashboard = _lock(item.dashboard)
    items = _ordered(dashboard)
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    if direction is not None:
        target = index - 1 if direction == "up" else index + 1
    else:
        assert position is not None
        target = position
    target = max(0, min(target, len(items) - 1))
    if target != index:
        moved = items.pop(index)
        items.insert(target, moved)
        _renumber(items)
        record(user, "dashboard_item.move", moved, via=via, changes={"position": [index, target]})
    return next(i for i in items if i.pk == item.pk)


@transaction.atomic
def do_reorder_items(
    user: Any, dashboard: Dashboard, uids: Sequence[str], *, via: str = Via.FORM
) -> list[DashboardItem]:
    """Put the items in the order of `uids`, which must name each item of the dashboard once."""
    _require(user)
    dashboard = _lock(dashboard)
    items = _ordered(dashboard)
    by_uid = {i.uid: i for i in items}
    unknown = [u for u in uids if u not in by_uid]
    missing = [u for u in by_uid if u not in uids]
    if unknown or missing or len(set(uids)) != len(uids):
        parts = []
        if unknown:
            parts.append(_("not items of this dashboard: {uids}").format(uids=", ".join(unknown)))
        if missing:
            parts.append(_("missing: {uids}").format(uids=", ".join(missing)))
        if len(set(uids)) != len(uids):
            parts.append(_("an item appears twice"))
        raise InvalidInput(_("items: {problems}").format(problems="; ".join(parts)), field="items")
    before = [i.uid for i in items]
    ordered = [by_uid[u] for u in uids]
    if before != list(uids):
        _renumber(ordered)
        record(user, "dashboard.reorder", dashboard, via=via, changes={"items": [before, list(uids)]})
    return ordered

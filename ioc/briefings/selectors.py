"""Who reads briefings, and which. A briefing gives province-wide figures, so its readers are the users whose
view scope covers the province it was made for (the plan's unit or a unit it went into, e.g. Vĩnh Phúc 26 →
Phú Thọ 25) — whatever their role. Everyone else gets "not found": a user who sees one district never learns
the province's figures from here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.briefings.content import active_plan, province_units
from ioc.briefings.models import Briefing, Kind
from ioc.core.errors import InvalidInput, NotFound
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import is_within, view_roots


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _covers(user: Any, units: list[OrgUnit]) -> bool:
    if not _active(user):
        return False
    roots = view_roots(user)
    return roots is None or any(is_within(unit, roots) for unit in units)


def sees_province(user: Any) -> bool:
    """Does the user see the province the next briefing covers (the active plan's, with its successors)?"""
    return _covers(user, province_units(active_plan(), timezone.localdate()))


def can_read(user: Any, briefing: Briefing) -> bool:
    return _covers(user, list(OrgUnit.objects.filter(uid__in=briefing.units or [])))


def briefings_for(user: Any, *, kind: str | None = None) -> list[Briefing]:
    """The briefings the user may read, newest period first (without their content: for lists)."""
    if not _active(user):
        return []
    qs: QuerySet[Briefing] = Briefing.objects.defer("content").select_related("generated_by")
    if kind:
        qs = qs.filter(kind=check_kind(kind))
    rows = list(qs.order_by("-period_start", "kind"))
    # Nearly every briefing covers the same units: decide once per distinct set.
    decided: dict[tuple[str, ...], bool] = {}
    out = []
    for row in rows:
        key = tuple(sorted(row.units or []))
        if key not in decided:
            decided[key] = can_read(user, row)
        if decided[key]:
            out.append(row)
    return out


def check_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise InvalidInput(
            _("kind: '%(kind)s' is not one of %(choices)s") % {"kind": kind[:20], "choices": ", ".join(Kind.values)},
            field="kind",
        )
    return kind


def get_briefing(user: Any, pk: int) -> Briefing:
    found = Briefing.objects.select_related("generated_by").filter(pk=pk).first()
    if found is None or not can_read(user, found):
        raise NotFound(_("No briefing %(id)s that you may read.") % {"id": pk}, field="id")
    return found


def latest_briefing(user: Any, kind: str) -> Briefing:
    """The newest briefing of the kind the user may read."""
    for row in briefings_for(user, kind=kind):
        return get_briefing(user, row.pk)
    raise NotFound(_("There is no briefing of this kind yet that you may read."), field="kind")

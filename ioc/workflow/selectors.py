"""The workflow's small reads shared by several pages, each scoped to the user: the notifications (the unread
count runs on every page, for the navigation bar), the choices the filters offer, and the registrations list.

The larger reads live where their rules do: ioc.workflow.approvals (a form's state, what waits for approval,
the approval tree), ioc.workflow.completeness (rates and who is late), ioc.workflow.responsible (who should
fill a form).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from ioc.accounts.models import User
from ioc.accounts.scopes import visible_q
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q
from ioc.workflow.models import Notification, Submission

# --- notifications --------------------------------------------------------------------------------------


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(user: User, *, limit: int = 100) -> list[Notification]:
    return list(
        Notification.objects.filter(user=user)
        .select_related("data_set", "org_unit")
        .order_by("-created", "-id")[:limit]
    )


# --- the pages' filters and the registrations list -------------------------------------------------------


def data_sets_for(user: User) -> list[DataSet]:
    """The data sets assigned to some unit the user may see, by code."""
    visible = OrgUnit.objects.filter(visible_q(user, ""))
    return list(DataSet.objects.filter(org_units__in=visible).distinct().select_related("agency").order_by("code"))


def filter_units(user: User, *, max_level: int = 2) -> Any:
    """The units offered as roots in the pages' filters: the user's visible units down to `max_level` (and
    their scope roots, whatever their level), in tree order."""
    roots = user.view_root_units()
    q = Q(level__lte=max_level)
    if roots:
        q |= Q(pk__in=[r.pk for r in roots])
    return OrgUnit.objects.filter(visible_q(user, ""), q).order_by("path")


def registrations(
    user: User,
    *,
    data_sets: Sequence[DataSet] | None = None,
    periods: Sequence[str] | None = None,
    org_unit: OrgUnit | None = None,
    children: bool = False,
    state: str | None = None,
) -> Any:
    """The forms' states (Submission rows) inside the user's view scope, newest change first."""
    qs = Submission.objects.filter(visible_q(user, "org_unit__")).select_related(
        "data_set", "org_unit", "submitted_by", "decided_by"
    )
    if data_sets is not None:
        qs = qs.filter(data_set__in=list(data_sets))
    if periods:
        qs = qs.filter(period__in=list(periods))
    if org_unit is not None:
        qs = qs.filter(subtree_q(org_unit, "org_unit__")) if children else qs.filter(org_unit=org_unit)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-last_updated", "-pk")

"""Reads of data values, always scoped to what the user may see (their view scope; entry units included)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Max, QuerySet

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import visible_q
from ioc.core.errors import NotFound
from ioc.core.periods import Period
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun
from ioc.datavalues.writes import COUNTS_CACHE_KEY
from ioc.metadata.models import CategoryOptionCombo, DataElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q

COUNTS_SECONDS = 60


def _ids(items: Iterable[Any]) -> list[int]:
    return [i.pk if hasattr(i, "pk") else int(i) for i in items]


def values_for(
    user: User,
    *,
    data_elements: Iterable[DataElement | int] | None = None,
    org_unit: OrgUnit | None = None,
    children: bool = False,
    periods: Iterable[Period | str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include_deleted: bool = False,
) -> QuerySet[DataValue]:
    """The values `user` may see, filtered. `children`: the org unit's whole subtree, not only the unit.
    start/end: values whose period lies within [start, end]. Ordered by period, element, unit."""
    if not can(user, Action.VIEW_DATA):
        return DataValue.objects.none()
    qs = DataValue.objects.filter(visible_q(user, "org_unit__")).select_related(
        "data_element", "org_unit", "category_option_combo", "stored_by"
    )
    if not include_deleted:
        qs = qs.filter(deleted=False)
    if data_elements is not None:
        qs = qs.filter(data_element_id__in=_ids(data_elements))
    if org_unit is not None:
        qs = qs.filter(subtree_q(org_unit, "org_unit__")) if children else qs.filter(org_unit=org_unit)
    if periods is not None:
        qs = qs.filter(period__in=[p.id if isinstance(p, Period) else p for p in periods])
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    return qs.order_by(
        "start_date", "period_type", "data_element__code", "org_unit__path", "category_option_combo__code"
    )


def get_value(
    user: User,
    data_element: DataElement,
    org_unit: OrgUnit,
    period: Period | str,
    category_option_combo: CategoryOptionCombo,
    *,
    include_deleted: bool = False,
) -> DataValue:
    """One value the user may see, or NotFound (also when it exists outside the user's view scope)."""
    period_id = period.id if isinstance(period, Period) else period
    found = (
        values_for(user, org_unit=org_unit, include_deleted=include_deleted)
        .filter(data_element=data_element, period=period_id, category_option_combo=category_option_combo)
        .first()
    )
    if found is None:
        raise NotFound(f"No value for {data_element.code}, {org_unit.code}, {period_id}, {category_option_combo.code}")
    return found


def value_history(user: User, key: DataValue | int) -> QuerySet[DataValueAudit]:
    """The changes of one value (newest first): a DataValue or its id; NotFound when the user cannot see it."""
    pk = key.pk if isinstance(key, DataValue) else int(key)
    if not values_for(user, include_deleted=True).filter(pk=pk).exists():
        raise NotFound(f"No value {pk}")
    return DataValueAudit.objects.filter(data_value_id=pk).select_related("user").order_by("-at", "-id")


def counts() -> dict[str, Any]:
    """What the home page says about values: how many, when last updated, the last imports.

    Cached for a minute (counting millions of rows is not free); a write through the services clears it."""
    cached = cache.get(COUNTS_CACHE_KEY)
    if cached is None:
        stored = DataValue.objects.filter(deleted=False)
        cached = {
            "values": stored.count(),
            "last_updated": DataValue.objects.aggregate(last=Max("last_updated"))["last"],
        }
        cache.set(COUNTS_CACHE_KEY, cached, COUNTS_SECONDS)
    last_imports = list(ImportRun.objects.select_related("user").order_by("-started")[:5])
    return {**cached, "last_imports": last_imports}

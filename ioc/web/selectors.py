"""Reads for the home page: what is in the system, and what this user may see of it.

Units and metadata are counted whole (they are the shared frame every user works in); data values are
counted within the user's view scope (ioc.accounts.scopes.visible_q: the subtrees of
`User.view_root_units()`, everything for an administrator).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max
from django.utils import timezone

from ioc.accounts.models import Role, User
from ioc.accounts.scopes import visible_q
from ioc.datavalues import selectors as datavalue_selectors
from ioc.datavalues.models import DataValue, ImportRun
from ioc.metadata.models import DataElement, DataSet, Indicator
from ioc.orgunits.models import OrgUnit, OrgUnitLevel
from ioc.orgunits.selectors import open_on_q


@dataclass(frozen=True)
class LevelCount:
    level: int
    name: str
    open: int
    total: int


@dataclass(frozen=True)
class DataSetRow:
    code: str
    name: str
    period_type: str
    elements: int
    sector: str
    synthetic: bool


@dataclass(frozen=True)
class ValueCounts:
    count: int
    last_updated: dt.datetime | None
    scoped: bool  # False: the user sees every unit


@dataclass(frozen=True)
class Profile:
    agency: str
    roles: list[str]
    view_units: list[str]  # empty with sees_everything
    entry_units: list[str]
    sees_everything: bool


@dataclass(frozen=True)
class HomeSummary:
    units_open: int
    units_total: int
    levels: list[LevelCount]
    data_sets: list[DataSetRow]
    data_elements: int
    indicators: int
    values: ValueCounts
    imports: list[ImportRun]
    profile: Profile
    synthetic: bool = field(default=False)


def value_counts(user: User) -> ValueCounts:
    """Values (not deleted) inside the user's view scope. Users who see everything get the datavalues app's
    cached totals (counting millions of rows is not free; its services clear the cache on every write)."""
    if user.view_root_units() is None:
        totals = datavalue_selectors.counts()
        return ValueCounts(count=totals["values"], last_updated=totals["last_updated"], scoped=False)
    found: dict[str, Any] = (
        DataValue.objects.filter(deleted=False)
        .filter(visible_q(user))
        .aggregate(count=Count("pk"), last_updated=Max("last_updated"))
    )
    return ValueCounts(count=found["count"], last_updated=found["last_updated"], scoped=True)


def level_counts(today: dt.date | None = None) -> tuple[int, int, list[LevelCount]]:
    """(open today, total, per level) over every unit."""
    today = today or timezone.localdate()
    open_q = open_on_q(today)
    rows = (
        OrgUnit.objects.values("level").annotate(total=Count("pk"), open=Count("pk", filter=open_q)).order_by("level")
    )
    names = {lv.level: lv.name for lv in OrgUnitLevel.objects.all()}
    levels = [
        LevelCount(level=r["level"], name=names.get(r["level"], ""), open=r["open"], total=r["total"]) for r in rows
    ]
    return sum(lv.open for lv in levels), sum(lv.total for lv in levels), levels


def data_set_rows() -> list[DataSetRow]:
    data_sets = (
        DataSet.objects.select_related("sector")
        .annotate(n_elements=Count("data_set_elements"))
        .order_by("sector__sort_order", "code")
    )
    return [
        DataSetRow(
            code=ds.code,
            name=ds.name,
            period_type=ds.get_period_type_display(),
            elements=ds.n_elements,
            sector=ds.sector.name if ds.sector else "",
            synthetic=ds.synthetic,
        )
        for ds in data_sets
    ]


def last_imports(limit: int = 5) -> list[ImportRun]:
    return list(ImportRun.objects.select_related("user").order_by("-started")[:limit])


def synthetic_data_present() -> bool:
    """True when any data set or data element is marked synthetic (the demo): the pages then say so."""
    return DataSet.objects.filter(synthetic=True).exists() or DataElement.objects.filter(synthetic=True).exists()


def profile(user: User) -> Profile:
    labels = dict(Role.choices)
    roles = [str(labels.get(r, r)) for r in (user.roles or [])]
    if user.is_superuser and str(labels[Role.ADMIN]) not in roles:
        roles.insert(0, str(labels[Role.ADMIN]))
    agency = user.agency.name if user.agency_id and user.agency else ""
    if user.sees_everything:
        view: list[str] = []
        entry: list[str] = []
    else:
        view = [u.name for u in (user.view_root_units() or [])]
        entry = [u.name for u in (user.entry_root_units() or [])]
    return Profile(agency=agency, roles=roles, view_units=view, entry_units=entry, sees_everything=user.sees_everything)


def home_summary(user: User) -> HomeSummary:
    units_open, units_total, levels = level_counts()
    return HomeSummary(
        units_open=units_open,
        units_total=units_total,
        levels=levels,
        data_sets=data_set_rows(),
        data_elements=DataElement.objects.count(),
        indicators=Indicator.objects.count(),
        values=value_counts(user),
        imports=last_imports(),
        profile=profile(user),
        synthetic=synthetic_data_present(),
    )

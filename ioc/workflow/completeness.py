"""Completeness and timeliness of reporting, and who is late — counted as DHIS2 counts them, so that the rates
here, on the completeness page and in analytics (REPORTING_RATE, REPORTING_RATE_ON_TIME) agree:

- expected reports: for each data set, each of its periods in the range asked (a longer period, such as a
  year, stands for the data set's periods inside it; periods not yet begun are not expected), each unit the
  data set is assigned to that is open during the period and inside both the root unit asked for and the
  user's view scope;
- received: the expected reports whose form is SUBMITTED or APPROVED (a RETURNED form must be submitted
  again; a withdrawn one is OPEN);
- on time: received, and first submitted no later than the period's end + the data set's timely days;
- rate = received / expected × 100, on-time rate = on time / expected × 100; None when nothing is expected.

Everything starts from one list of expected reports, so the totals, the rows per group and the late list of
one page cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency, User
from ioc.accounts.scopes import visible_q
from ioc.core.periods import PERIOD_TYPES, Period, periods_between
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q
from ioc.workflow.models import RECEIVED_STATES, State, Submission
from ioc.workflow.responsible import responsible_users
from ioc.workflow.services import due_date
from ioc.workflow.tree import depth, open_during

GROUPS = ("data_set", "agency", "unit", "child", "period")


@dataclass(frozen=True)
class DateRange:
    """The periods of each data set that end within [start, end] (a month range holds a quarter that ends in
    it, and a year when the range reaches December)."""

    start: dt.date
    end: dt.date


Periods = Sequence[Period] | DateRange


def periods_of(data_set: DataSet, periods: Periods, *, today: dt.date | None = None) -> list[Period]:
    """The data set's periods among `periods`: those of its type, and those of its type inside a longer one
    (or, for a DateRange, those ending within it); not those that have not begun by `today`."""
    today = today or timezone.localdate()
    rank = PERIOD_TYPES.index(data_set.period_type)
    out: set[Period] = set()
    if isinstance(periods, DateRange):
        out.update(
            p
            for p in periods_between(data_set.period_type, periods.start, periods.end)
            if periods.start <= p.end <= periods.end
        )
        periods = []
    for p in periods:
        if p.period_type == data_set.period_type:
            out.add(p)
        elif PERIOD_TYPES.index(p.period_type) > rank:
            out.update(q for q in periods_between(data_set.period_type, p.start, p.end) if p.contains(q))
    return sorted(q for q in out if q.start <= today)


@dataclass
class Report:
    """One expected report and what became of it."""

    data_set: DataSet
    unit: OrgUnit
    period: Period
    due: dt.date
    state: str
    on_time: bool
    submitted_at: dt.datetime | None

    @property
    def received(self) -> bool:
        return self.state in RECEIVED_STATES


def expected_reports(
    data_sets: Sequence[DataSet],
    periods: Periods,
    root: OrgUnit | None = None,
    *,
    scope: Q | None = None,
    today: dt.date | None = None,
) -> list[Report]:
    """Every expected report (see the module's docstring) with its state. `scope`: a condition on OrgUnit
    (visible_q(user, "")), None for every unit (system use: metrics, reminders)."""
    today = today or timezone.localdate()
    reports: list[Report] = []
    unit_q = scope if scope is not None else Q()
    if root is not None:
        unit_q &= subtree_q(root)
    for ds in data_sets:
        ds_periods = periods_of(ds, periods, today=today)
        if not ds_periods:
            continue
        units = list(OrgUnit.objects.filter(unit_q, data_sets=ds).order_by("path"))
        if not units:
            continue
        sub_q = Q(data_set=ds, period__in=[p.id for p in ds_periods])
        if root is not None:
            sub_q &= subtree_q(root, "org_unit__")
        subs = {
            (s[0], s[1]): s
            for s in Submission.objects.filter(sub_q).values_list(
                "org_unit_id", "period", "state", "on_time", "submitted_at"
            )
        }
        for p in ds_periods:
            due = due_date(ds, p)
            for u in units:
                if not open_during(u, p):
                    continue
                s = subs.get((u.pk, p.id))
                reports.append(
                    Report(
                        data_set=ds,
                        unit=u,
                        period=p,
                        due=due,
                        state=s[2] if s else State.OPEN,
                        on_time=bool(s and s[2] in RECEIVED_STATES and s[3]),
                        submitted_at=s[4] if s else None,
                    )
                )
    return reports


@dataclass
class RateRow:
    key: str
    label: str
    code: str = ""
    expected: int = 0
    received: int = 0
    on_time: int = 0
    sort: tuple[Any, ...] = field(default_factory=tuple)

    @property
    def late(self) -> int:
        return self.received - self.on_time

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def rate(self) -> float | None:
        return round(100.0 * self.received / self.expected, 1) if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100.0 * self.on_time / self.expected, 1) if self.expected else None


def _group_of(
    report: Report, group_by: str, root_depth: int, tops: dict[int, OrgUnit]
) -> tuple[str, str, str, tuple[Any, ...]]:
    if group_by == "data_set":
        ds = report.data_set
        return f"ds:{ds.pk}", ds.name, ds.code, (ds.code,)
    if group_by == "agency":
        agency: Agency | None = report.data_set.agency
        if agency is None:
            return "agency:-", _("(no agency)"), "", ("~",)
        return f"agency:{agency.pk}", agency.name, agency.code, (agency.code,)
    if group_by == "period":
        p = report.period
        return f"pe:{p.id}", p.name(), p.id, (p.start, PERIOD_TYPES.index(p.period_type))
    if group_by == "child":
        ids = report.unit.ancestor_ids()
        top_id = ids[root_depth] if len(ids) > root_depth else ids[-1]
        top = tops.get(top_id, report.unit)
        return f"ou:{top.pk}", top.name, top.code, (top.code, top.name_vi)
    u = report.unit
    return f"ou:{u.pk}", u.name, u.code, (u.code, u.name_vi)


def rates(reports: Iterable[Report], group_by: str = "data_set", *, root: OrgUnit | None = None) -> list[RateRow]:
    """Expected / received / on time per group ("data_set", "agency", "unit", "child" — the root's child
    containing the unit —, "period"), ordered by the group's code."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    reports = list(reports)
    root_depth = depth(root) if root is not None else 0
    tops: dict[int, OrgUnit] = {}
    if group_by == "child":
        top_ids = set()
        for r in reports:
            ids = r.unit.ancestor_ids()
            top_ids.add(ids[root_depth] if len(ids) > root_depth else ids[-1])
        tops = {u.pk: u for u in OrgUnit.objects.filter(pk__in=top_ids)}
    rows: dict[str, RateRow] = {}
    for r in reports:
        key, label, code, sort = _group_of(r, group_by, root_depth, tops)
        row = rows.get(key)
        if row is None:
            row = rows[key] = RateRow(key=key, label=label, code=code, sort=sort)
        row.expected += 1
        row.received += r.received
        row.on_time += r.on_time
    return sorted(rows.values(), key=lambda row: row.sort)


def total(reports: Iterable[Report]) -> RateRow:
    row = RateRow(key="total", label=_("Total"))
    for r in reports:
        row.expected += 1
        row.received += r.received
        row.on_time += r.on_time
    return row


def completeness(
    user: User,
    data_sets: Sequence[DataSet],
    periods: Periods,
    root_unit: OrgUnit | None = None,
    group_by: str = "data_set",
    *,
    today: dt.date | None = None,
) -> list[RateRow]:
    """Rows of expected, received, on time, rate and on-time rate, per group, inside the user's view scope."""
    reports = expected_reports(data_sets, periods, root_unit, scope=visible_q(user, ""), today=today)
    return rates(reports, group_by, root=root_unit)


# --- who is late ----------------------------------------------------------------------------------------


def vi_key(text: str) -> tuple[str, str]:
    """A sort key for Vietnamese names: letters without their marks first (đ after d, as in the alphabet),
    then the marks."""
    folded = unicodedata.normalize("NFD", text.casefold().replace("đ", "d\x7f"))
    return "".join(c for c in folded if not unicodedata.combining(c)), folded


LATE_SORTS = {
    "data_set": lambda r: (r.data_set.code, r.period.start, r.unit.code),
    "unit": lambda r: (vi_key(r.unit.name), r.period.start, r.data_set.code),
    "agency": lambda r: (r.agency.code if r.agency else "~", r.data_set.code, r.unit.code),
    "period": lambda r: (r.period.start, r.data_set.code, r.unit.code),
    "due": lambda r: (r.due, r.data_set.code, r.unit.code),
    "days_late": lambda r: (r.days_late, r.data_set.code, r.unit.code),
    "state": lambda r: (r.state, r.data_set.code, r.unit.code),
}
DEFAULT_LATE_SORT = "-days_late"


@dataclass
class LateReport:
    data_set: DataSet
    unit: OrgUnit
    agency: Agency | None
    period: Period
    due: dt.date
    days_late: int  # negative: due in that many days
    state: str
    responsible: list[User]

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def check_sort(sort: str | None) -> str:
    """A known sort key ("unit", "-days_late", …), or the default."""
    if sort and sort.lstrip("-") in LATE_SORTS:
        return sort
    return DEFAULT_LATE_SORT


def outstanding(reports: Iterable[Report], *, today: dt.date, due_within: int = 0) -> list[Report]:
    """The reports not received whose due date is past, or within `due_within` days from today."""
    horizon = today + dt.timedelta(days=due_within)
    return [r for r in reports if not r.received and (r.due < today or r.due <= horizon)]


def late_reports(
    user: User,
    data_sets: Sequence[DataSet],
    periods: Periods,
    root_unit: OrgUnit | None = None,
    *,
    today: dt.date | None = None,
    sort: str | None = None,
    due_within: int = 0,
) -> list[LateReport]:
    """The expected reports (inside the user's view scope) not received by their due date — and with
    `due_within`, those due in that many days — with the users responsible for each, sorted (`sort`: a key of
    LATE_SORTS, "-" first for descending)."""
    today = today or timezone.localdate()
    reports = expected_reports(data_sets, periods, root_unit, scope=visible_q(user, ""), today=today)
    return late_list(outstanding(reports, today=today, due_within=due_within), today=today, sort=sort)


def late_list(reports: Sequence[Report], *, today: dt.date, sort: str | None = None) -> list[LateReport]:
    people = responsible_users({(r.data_set.pk, r.unit.pk) for r in reports}, _sets_and_units(reports))
    rows = [
        LateReport(
            data_set=r.data_set,
            unit=r.unit,
            agency=r.data_set.agency,
            period=r.period,
            due=r.due,
            days_late=(today - r.due).days,
            state=r.state,
            responsible=people.get((r.data_set.pk, r.unit.pk), []),
        )
        for r in reports
    ]
    key = check_sort(sort)
    rows.sort(key=LATE_SORTS[key.lstrip("-")], reverse=key.startswith("-"))
    return rows


def _sets_and_units(reports: Sequence[Report]) -> tuple[dict[int, DataSet], dict[int, OrgUnit]]:
    return {r.data_set.pk: r.data_set for r in reports}, {r.unit.pk: r.unit for r in reports}


# --- metrics for analytics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportingCounts:
    expected: int
    received: int
    on_time: int


def reporting_counts(
    data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, *, today: dt.date | None = None
) -> ReportingCounts:
    """Expected, received and on-time reports of the data set in the unit's subtree (None: everywhere) for the
    period (of the data set's type or longer: a year counts its months). Not scoped: the caller (analytics)
    applies the reader's scope by the units it asks for."""
    row = _metric_row(data_set, unit_subtree, period, today)
    return ReportingCounts(row.expected, row.received, row.on_time)


def reporting_rate(
    data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, *, today: dt.date | None = None
) -> float | None:
    """DHIS2's REPORTING_RATE: received / expected × 100 (None when nothing is expected)."""
    return _metric_row(data_set, unit_subtree, period, today).rate


def reporting_rate_on_time(
    data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, *, today: dt.date | None = None
) -> float | None:
    """DHIS2's REPORTING_RATE_ON_TIME: received on time / expected × 100 (None when nothing is expected)."""
    return _metric_row(data_set, unit_subtree, period, today).on_time_rate


def _metric_row(data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, today: dt.date | None) -> RateRow:
    return total(expected_reports([data_set], [period], unit_subtree, today=today))


# --- the completeness page -----------------------------------------------------------------------------


@dataclass
class CompletenessView:
    total: RateRow
    rows: list[RateRow]
    late: list[LateReport]


def completeness_view(
    user: User,
    data_sets: Sequence[DataSet],
    periods: Periods,
    root_unit: OrgUnit | None = None,
    group_by: str = "data_set",
    *,
    sort: str | None = None,
    today: dt.date | None = None,
) -> CompletenessView:
    """The completeness page in one pass: the total, the rows per group and the late list."""
    today = today or timezone.localdate()
    reports = expected_reports(data_sets, periods, root_unit, scope=visible_q(user, ""), today=today)
    return CompletenessView(
        total=total(reports),
        rows=rates(reports, group_by, root=root_unit),
        late=late_list(outstanding(reports, today=today), today=today, sort=sort),
    )

"""Reads of the workflow, scoped to the user: a form's state, what waits for approval, the state of a data set's
period across the unit tree, completeness and timeliness, who is late, notifications.

Completeness (as DHIS2 counts it):

- expected reports: for each data set, each of its periods in the range asked (a longer period, such as a
  year, stands for the data set's periods inside it; periods not yet begun are not expected), each unit the
  data set is assigned to that is open during the period and inside both the root unit asked for and the
  user's view scope;
- received: the expected reports whose form is SUBMITTED or APPROVED (a RETURNED form must be submitted
  again; a withdrawn one is OPEN);
- on time: received, and first submitted no later than the period's end + the data set's timely days;
- rate = received / expected × 100, on-time rate = on time / expected × 100 (DHIS2's REPORTING_RATE and
  REPORTING_RATE_ON_TIME); None when nothing is expected.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency, Role, User
from ioc.accounts.permissions import ROLES_FOR, Action, can
from ioc.accounts.scopes import can_enter_unit, can_view_unit, enterable_q, visible_q
from ioc.core.errors import NotAllowed
from ioc.core.periods import PERIOD_TYPES, Period, parse_period, periods_between
from ioc.datavalues.models import PeriodLock
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q
from ioc.workflow import services
from ioc.workflow.models import RECEIVED_STATES, Notification, State, Submission, SubmissionEvent
from ioc.workflow.services import FormKey, due_date
from ioc.workflow.tree import approval_children, approval_tree, depth, has_form, open_during

GROUPS = ("data_set", "agency", "unit", "child", "period")

# --- one form -------------------------------------------------------------------------------------------


@dataclass
class ChildState:
    unit: OrgUnit
    state: str
    has_form: bool


@dataclass
class FormState:
    key: FormKey
    submission: Submission | None
    state: str
    has_form: bool
    events: list[SubmissionEvent]
    locks: list[PeriodLock]
    due: dt.date
    closes: dt.date | None  # the last day of entry (expiry), None: never
    expired: bool
    missing: list[str]
    children: list[ChildState]
    parent: OrgUnit | None
    parent_state: str | None
    allowed: services.Allowed

    @property
    def children_approved(self) -> int:
        return sum(1 for c in self.children if c.state == State.APPROVED)


def form_state(user: User, key: FormKey, *, today: dt.date | None = None) -> FormState:
    """Everything about one form that the user may see (NotAllowed outside their view scope)."""
    if not can_view_unit(user, key.org_unit):
        raise NotAllowed(
            _("Org unit: %(name)s (%(code)s) is outside the units you may see")
            % {"name": key.org_unit.name, "code": key.org_unit.code},
            field="orgUnit",
        )
    today = today or timezone.localdate()
    submission = (
        Submission.objects.select_related("submitted_by", "decided_by")
        .filter(data_set=key.data_set, org_unit=key.org_unit, period=key.period.id)
        .first()
    )
    state = submission.state if submission else State.OPEN
    form = has_form(key.data_set, key.org_unit, key.period)
    events = list(submission.events.select_related("user")) if submission else []
    locks = list(
        PeriodLock.objects.select_related("org_unit", "locked_by").filter(
            data_set=key.data_set, period=key.period.id, org_unit=key.org_unit
        )
    )
    closes = key.period.end + dt.timedelta(days=key.data_set.expiry_days) if key.data_set.expiry_days else None
    children = approval_children(key.data_set, key.org_unit, key.period)
    child_states = dict(
        Submission.objects.filter(data_set=key.data_set, period=key.period.id, org_unit__in=children).values_list(
            "org_unit_id", "state"
        )
    )
    assigned_children = set(key.data_set.org_units.filter(pk__in=[c.pk for c in children]).values_list("pk", flat=True))
    parent = key.org_unit.parent
    parent_state = None
    if parent is not None:
        parent_state = (
            Submission.objects.filter(data_set=key.data_set, org_unit=parent, period=key.period.id)
            .values_list("state", flat=True)
            .first()
        )
    return FormState(
        key=key,
        submission=submission,
        state=state,
        has_form=form,
        events=events,
        locks=locks,
        due=due_date(key.data_set, key.period),
        closes=closes,
        expired=closes is not None and closes < today,
        missing=services.missing_compulsory(key) if form and state in (State.OPEN, State.RETURNED) else [],
        children=[
            ChildState(c, child_states.get(c.pk, State.OPEN), c.pk in assigned_children and open_during(c, key.period))
            for c in children
        ],
        parent=parent,
        parent_state=parent_state,
        allowed=services.allowed(user, key, submission),
    )


# --- approvals ------------------------------------------------------------------------------------------


@dataclass
class Waiting:
    """A form waiting for the user's approval, or a unit without a form whose children are all approved."""

    data_set: DataSet
    org_unit: OrgUnit
    period: Period
    submission: Submission | None
    children_total: int
    children_approved: int
    children_waiting: list[OrgUnit]

    @property
    def ready(self) -> bool:
        return not self.children_waiting

    @property
    def aggregate(self) -> bool:
        return self.submission is None or self.submission.submitted_at is None

    @property
    def returnable(self) -> bool:
        return self.submission is not None and self.submission.state == State.SUBMITTED


def _children_status(
    data_set: DataSet, unit: OrgUnit, period: Period, approved: set[int]
) -> tuple[int, int, list[OrgUnit]]:
    children = approval_children(data_set, unit, period)
    waiting = [c for c in children if c.pk not in approved]
    return len(children), len(children) - len(waiting), waiting


def awaiting_approval(
    user: User, *, data_set: DataSet | None = None, period: Period | None = None, limit: int = 500
) -> list[Waiting]:
    """What the user may approve now or soon, inside their entry scope: submitted forms (oldest first), then
    units without a form of their own whose children are all approved. Empty without the approver role."""
    if not can(user, Action.APPROVE_DATA):
        return []
    scope = enterable_q(user, "org_unit__")
    base = Submission.objects.filter(scope)
    if data_set is not None:
        base = base.filter(data_set=data_set)
    if period is not None:
        base = base.filter(period=period.id)
    submitted = list(
        base.filter(state=State.SUBMITTED)
        .select_related("data_set", "org_unit", "org_unit__parent", "submitted_by")
        .order_by("submitted_at", "pk")[:limit]
    )
    approved_rows = list(base.filter(state=State.APPROVED).values_list("data_set_id", "period", "org_unit_id"))
    approved_by_form: dict[tuple[int, str], set[int]] = defaultdict(set)
    for ds_id, pe, ou_id in approved_rows:
        approved_by_form[(ds_id, pe)].add(ou_id)
    # Approved children of forms in scope may live outside the scope (an approver of a district sees the
    # district's units, whose children are inside it): their approval state is all we read.
    out: list[Waiting] = []
    for s in submitted:
        the_period = parse_period(s.period)
        approved = _approved_children_ids(s.data_set, s.org_unit, the_period)
        total, done, waiting = _children_status(s.data_set, s.org_unit, the_period, approved)
        out.append(Waiting(s.data_set, s.org_unit, the_period, s, total, done, waiting))
    # Units without a form of their own: the parents of approved units, not yet approved themselves.
    parents: dict[tuple[int, str], set[int]] = defaultdict(set)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={ou for _d, _p, ou in approved_rows})}
    for ds_id, pe, ou_id in approved_rows:
        unit = units.get(ou_id)
        if unit is not None and unit.parent_id is not None:
            parents[(ds_id, pe)].add(unit.parent_id)
    if not parents:
        return out
    sets = {ds.pk: ds for ds in DataSet.objects.filter(pk__in={ds_id for ds_id, _pe in parents})}
    parent_units = {
        u.pk: u
        for u in OrgUnit.objects.filter(enterable_q(user, ""), pk__in={p for ids in parents.values() for p in ids})
    }
    decided = set(
        Submission.objects.filter(
            org_unit_id__in=parent_units, state__in=[State.APPROVED, State.SUBMITTED]
        ).values_list("data_set_id", "period", "org_unit_id")
    )
    for (ds_id, pe), parent_ids in sorted(parents.items(), key=lambda item: (item[0][1], item[0][0])):
        ds = sets[ds_id]
        the_period = parse_period(pe)
        for pid in sorted(parent_ids):
            parent = parent_units.get(pid)
            if parent is None or (ds_id, pe, pid) in decided or has_form(ds, parent, the_period):
                continue
            total, done, waiting = _children_status(ds, parent, the_period, approved_by_form[(ds_id, pe)])
            if not waiting:
                out.append(Waiting(ds, parent, the_period, None, total, done, waiting))
    return out


def _approved_children_ids(data_set: DataSet, unit: OrgUnit, period: Period) -> set[int]:
    return set(
        Submission.objects.filter(
            data_set=data_set, period=period.id, org_unit__parent=unit, state=State.APPROVED
        ).values_list("org_unit_id", flat=True)
    )


@dataclass
class TreeRow:
    unit: OrgUnit
    indent: int
    state: str
    has_form: bool
    submission: Submission | None
    children_total: int
    children_approved: int
    may_approve: bool
    may_return: bool
    may_unapprove: bool


def tree_states(user: User, data_set: DataSet, period: Period, root: OrgUnit | None = None) -> list[TreeRow]:
    """The state of the data set's period at every unit that takes part in its approval, in tree order
    (each unit followed by its children, by code), inside the user's view scope."""
    roots = [root] if root is not None else _top_roots(user)
    units: dict[int, OrgUnit] = {}
    for r in roots:
        units.update(approval_tree(data_set, period, r))
    units = {pk: u for pk, u in units.items() if can_view_unit(user, u)}
    if not units:
        return []
    submissions = {
        s.org_unit_id: s
        for s in Submission.objects.select_related("submitted_by").filter(
            data_set=data_set, period=period.id, org_unit_id__in=list(units)
        )
    }
    assigned = set(data_set.org_units.filter(pk__in=list(units)).values_list("pk", flat=True))
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for u in units.values():
        children[u.parent_id if u.parent_id in units else None].append(u)
    for kids in children.values():
        kids.sort(key=lambda u: (u.code, u.name_vi))
    approver = can(user, Action.APPROVE_DATA)
    admin = can(user, Action.LOCK_PERIODS)
    rows: list[TreeRow] = []

    def state_of(u: OrgUnit) -> str:
        s = submissions.get(u.pk)
        return s.state if s else State.OPEN

    def walk(u: OrgUnit, indent: int) -> None:
        kids = children.get(u.pk, [])
        form = u.pk in assigned and open_during(u, period)
        state = state_of(u)
        approved = sum(1 for k in kids if state_of(k) == State.APPROVED)
        in_entry = approver and can_enter_unit(user, u)
        all_children = not kids or approved == len(kids)
        parent_approved = u.parent_id in units and state_of(units[u.parent_id]) == State.APPROVED
        rows.append(
            TreeRow(
                unit=u,
                indent=indent,
                state=state,
                has_form=form,
                submission=submissions.get(u.pk),
                children_total=len(kids),
                children_approved=approved,
                may_approve=in_entry
                and all_children
                and ((form and state == State.SUBMITTED) or (not form and bool(kids) and state != State.APPROVED)),
                may_return=in_entry and state == State.SUBMITTED,
                may_unapprove=admin and state == State.APPROVED and not parent_approved,
            )
        )
        for k in kids:
            walk(k, indent + 1)

    for top in children.get(None, []):
        walk(top, 0)
    return rows


def _top_roots(user: User) -> list[OrgUnit]:
    roots = user.view_root_units()
    if roots is None:
        return list(OrgUnit.objects.filter(parent__isnull=True).order_by("code"))
    return roots


# --- completeness and timeliness ------------------------------------------------------------------------


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


ENTRY_ROLES = ROLES_FOR[Action.ENTER_DATA]


def responsible_users(
    pairs: set[tuple[int, int]], known: tuple[dict[int, DataSet], dict[int, OrgUnit]] | None = None
) -> dict[tuple[int, int], list[User]]:
    """Who should fill each (data set id, unit id) form: active users holding a data-entry role (data
    officer, approver, integrator — not through the administrator role) whose entry scope covers the unit;
    of those, the ones whose entry unit is nearest the unit (the unit's own officers before a province-wide
    account); of those, the data set's agency's users when there are any; of those, the data officers when
    there are any."""
    if not pairs:
        return {}
    sets, units = known or ({}, {})
    missing_sets = {ds for ds, _u in pairs} - set(sets)
    missing_units = {u for _ds, u in pairs} - set(units)
    sets = {**sets, **{d.pk: d for d in DataSet.objects.filter(pk__in=missing_sets)}}
    units = {**units, **{u.pk: u for u in OrgUnit.objects.filter(pk__in=missing_units)}}
    candidates: list[tuple[User, list[OrgUnit]]] = []
    for user in User.objects.filter(is_active=True).prefetch_related("entry_units").select_related("agency"):
        roles = set(user.roles or [])
        if not roles & set(ENTRY_ROLES):
            continue
        entry = list(user.entry_units.all())
        if entry:
            candidates.append((user, entry))
    out: dict[tuple[int, int], list[User]] = {}
    for ds_id, unit_id in pairs:
        unit, ds = units[unit_id], sets[ds_id]
        covering: list[tuple[int, User]] = []
        for user, entry in candidates:
            nearest = max((len(r.path) for r in entry if unit.path.startswith(r.path)), default=0)
            if nearest:
                covering.append((nearest, user))
        if not covering:
            out[(ds_id, unit_id)] = []
            continue
        best = max(n for n, _u in covering)
        chosen = [u for n, u in covering if n == best]
        if ds.agency_id is not None:
            own = [u for u in chosen if u.agency_id == ds.agency_id]
            chosen = own or chosen
        officers = [u for u in chosen if Role.DATA_OFFICER in (u.roles or [])]
        out[(ds_id, unit_id)] = sorted(officers or chosen, key=lambda u: u.username)
    return out


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
    row = total(expected_reports([data_set], [period], unit_subtree, today=today))
    return ReportingCounts(row.expected, row.received, row.on_time)


def reporting_rate(
    data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, *, today: dt.date | None = None
) -> float | None:
    """DHIS2's REPORTING_RATE: received / expected × 100 (None when nothing is expected)."""
    counts = reporting_counts(data_set, unit_subtree, period, today=today)
    return round(100.0 * counts.received / counts.expected, 1) if counts.expected else None


def reporting_rate_on_time(
    data_set: DataSet, unit_subtree: OrgUnit | None, period: Period, *, today: dt.date | None = None
) -> float | None:
    """DHIS2's REPORTING_RATE_ON_TIME: received on time / expected × 100 (None when nothing is expected)."""
    counts = reporting_counts(data_set, unit_subtree, period, today=today)
    return round(100.0 * counts.on_time / counts.expected, 1) if counts.expected else None


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


def data_sets_for(user: User) -> list[DataSet]:
    """The data sets assigned to some unit the user may see, by code."""
    visible = OrgUnit.objects.filter(visible_q(user, ""))
    return list(DataSet.objects.filter(org_units__in=visible).distinct().select_related("agency").order_by("code"))


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

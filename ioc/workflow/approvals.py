"""Where forms stand in the bottom-up approval, as the user may see it: one form with its children and parent,
what waits for the user's approval, and a data set's period across the unit tree.

Kept apart from completeness: these reads answer "what can be decided now, and by whom", so they follow a
form's children and parent up the tree, where completeness only counts forms flat.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.accounts.scopes import can_enter_unit, can_view_unit, enterable_q
from ioc.core.errors import NotAllowed
from ioc.core.periods import Period, parse_period
from ioc.datavalues.models import PeriodLock
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.workflow import services
from ioc.workflow.models import State, Submission, SubmissionEvent
from ioc.workflow.services import FormKey, due_date
from ioc.workflow.tree import approval_children, approval_tree, has_form, open_during, units_with_form

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


class _Group:
    """One data set's period, read once for every form of it on the approvals list (a fixed number of queries
    per group, not per form): which units have a form, each unit's approval children, which are approved.
    Approved children may lie outside the approver's scope; their state is all that is read."""

    def __init__(self, data_set: DataSet, period: Period) -> None:
        self.with_form: set[int] = set()
        self.children: dict[int, set[int]] = defaultdict(set)
        for pk, path in units_with_form(data_set, period).values_list("pk", "path"):
            self.with_form.add(pk)
            ids = [int(part) for part in path.strip("/").split("/")]
            for parent, child in itertools.pairwise(ids):
                self.children[parent].add(child)
        self.approved = set(
            Submission.objects.filter(data_set=data_set, period=period.id, state=State.APPROVED).values_list(
                "org_unit_id", flat=True
            )
        )
        self.units: dict[int, OrgUnit] = {}

    def load_units(self, ids: set[int]) -> None:
        missing = ids - self.units.keys()
        if missing:
            self.units.update((u.pk, u) for u in OrgUnit.objects.filter(pk__in=missing))

    def status(self, unit: OrgUnit) -> tuple[int, int, list[OrgUnit]]:
        """(children, approved children, the children still waiting), as approval_children orders them."""
        ids = self.children.get(unit.pk, set())
        self.load_units(ids)
        children = sorted((self.units[i] for i in ids), key=lambda u: (u.code, u.name_vi))
        waiting = [c for c in children if c.pk not in self.approved]
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
    groups: dict[tuple[int, str], _Group] = {}

    def group(ds: DataSet, the_period: Period) -> _Group:
        key = (ds.pk, the_period.id)
        if key not in groups:
            groups[key] = _Group(ds, the_period)
        return groups[key]

    out: list[Waiting] = []
    for s in submitted:
        the_period = parse_period(s.period)
        total, done, waiting = group(s.data_set, the_period).status(s.org_unit)
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
            forms = group(ds, the_period)
            if parent is None or (ds_id, pe, pid) in decided or pid in forms.with_form:
                continue
            total, done, waiting = forms.status(parent)
            if not waiting:
                out.append(Waiting(ds, parent, the_period, None, total, done, waiting))
    return out


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

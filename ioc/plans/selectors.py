"""Reads of the plan, scoped (docs: /work/notes/plans-contract.md "Who sees what").

A user sees a plan *fully* when their view scope covers the plan's unit or one of its successors (the old
province Vĩnh Phúc 26 went into Phú Thọ 25: a Phú Thọ leader sees the Vĩnh Phúc plan). Otherwise they see the
plan's name and pillars, the tasks their agency leads or cooperates on and the targets it is responsible
for. No agency and no scope: nothing. A task or target outside what one sees is NotFound, as if it did not
exist.

Permissions to write are here too (can_edit_plan, can_report_task, can_report_target): the pages ask them to
show or hide buttons, and the services enforce the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency
from ioc.accounts.permissions import Action, can
from ioc.audit.models import AuditEntry
from ioc.core.errors import NotFound
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.selectors import is_within, view_roots
from ioc.plans.models import Pillar, Plan, Source, Target, Task, TaskStatus

STALLED_DAYS = 45
DUE_SOON_DAYS = 30
CLOSED_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.CANCELLED})
# The `pillar` filter's value for "no pillar".
NO_PILLAR = "-"


# --- scope ----------------------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _roots(user: Any) -> list[OrgUnit] | None:
    return view_roots(user) if _active(user) else []


def _agency_id(user: Any) -> int | None:
    return getattr(user, "agency_id", None) if _active(user) else None


def _with_successors(units: list[OrgUnit]) -> dict[int, list[OrgUnit]]:
    """{unit id: [the unit and every unit it went into, transitively]}: one query per step of succession."""
    known: dict[int, OrgUnit] = {u.pk: u for u in units}
    after: dict[int, set[int]] = {}
    frontier = set(known)
    while frontier:
        nxt: set[int] = set()
        for link in Succession.objects.select_related("successor").filter(predecessor_id__in=frontier):
            after.setdefault(link.predecessor_id, set()).add(link.successor_id)
            if link.successor_id not in known:
                known[link.successor_id] = link.successor
                nxt.add(link.successor_id)
        frontier = nxt
    out: dict[int, list[OrgUnit]] = {}
    for unit in units:
        reached, todo = {unit.pk}, [unit.pk]
        while todo:
            for successor in after.get(todo.pop(), ()):
                if successor not in reached:
                    reached.add(successor)
                    todo.append(successor)
        out[unit.pk] = [known[pk] for pk in sorted(reached)]
    return out


def _covers(roots: list[OrgUnit] | None, units: list[OrgUnit]) -> bool:
    return roots is None or any(is_within(unit, roots) for unit in units)


def _fully_seen_ids(user: Any, plans: list[Plan]) -> set[int]:
    roots = _roots(user)
    if roots is None:
        return {p.pk for p in plans}
    if not roots:
        return set()
    lineage = _with_successors(list({p.org_unit_id: p.org_unit for p in plans}.values()))
    return {p.pk for p in plans if _covers(roots, lineage[p.org_unit_id])}


def _agency_plan_ids(agency_id: int) -> set[int]:
    """The plans where the agency leads or cooperates on a task or is responsible for a target."""
    ids = set(Task.objects.filter(lead_agency_id=agency_id).values_list("plan_id", flat=True))
    ids |= set(Task.objects.filter(cooperating_agencies=agency_id).values_list("plan_id", flat=True))
    ids |= set(Target.objects.filter(responsible_agency_id=agency_id).values_list("plan_id", flat=True))
    return ids


def visible_plans(user: Any) -> QuerySet[Plan]:
    """The plans the user sees, fully or in part (active ones first, then the newest)."""
    if not _active(user):
        return Plan.objects.none()
    plans = list(Plan.objects.select_related("org_unit"))
    ids = _fully_seen_ids(user, plans)
    agency_id = _agency_id(user)
    if agency_id is not None:
        ids |= _agency_plan_ids(agency_id)
    return Plan.objects.filter(pk__in=ids).select_related("org_unit")


def full_view(user: Any, plan: Plan) -> bool:
    """Does the user's view scope cover the plan (its unit or a successor of it)? Cached on the user object
    for the request (pages ask several times)."""
    if not _active(user):
        return False
    cache: dict[int, bool] = user.__dict__.setdefault("_ioc_plan_full_view", {})
    if plan.pk not in cache:
        cache[plan.pk] = plan.pk in _fully_seen_ids(user, [plan])
    return cache[plan.pk]


def get_plan(user: Any, code: str | None = None) -> Plan:
    """The plan with this code that the user sees; without a code the first active plan they see."""
    plans = visible_plans(user)
    if code:
        found = plans.filter(code=code).first()
        if found is None:
            raise NotFound(_("No plan with the code '%(code)s' that you may see.") % {"code": code}, field="plan")
        return found
    found = plans.filter(is_active=True).first()
    if found is None:
        raise NotFound(_("There is no active plan that you may see."), field="plan")
    return found


# --- tasks and targets ----------------------------------------------------------------------------------


def _pillar_q(pillar: Pillar | str | None) -> Q:
    if pillar is None or pillar == "":
        return Q()
    if isinstance(pillar, Pillar):
        return Q(pillar=pillar)
    if pillar == NO_PILLAR:
        return Q(pillar__isnull=True)
    return Q(pillar__code=pillar)


def _agency_ref(agency: Agency | str | int | None) -> Q | None:
    """A condition on Agency rows, or None for no filter."""
    if agency is None or agency == "":
        return None
    if isinstance(agency, Agency):
        return Q(pk=agency.pk)
    if isinstance(agency, int):
        return Q(pk=agency)
    return Q(code=agency)


def tasks_for(
    user: Any,
    plan: Plan,
    *,
    pillar: Pillar | str | None = None,
    agency: Agency | str | None = None,
    status: str | None = None,
    today: dt.date | None = None,
) -> QuerySet[Task]:
    """The plan's tasks the user sees. `pillar`: a Pillar, its code or NO_PILLAR; `agency`: an Agency or its
    code (leading or cooperating); `status`: a TaskStatus value, or "open" (neither done nor cancelled),
    "overdue" (open and past its due date on `today`, by default the real one)."""
    qs = Task.objects.filter(plan=plan)
    if not full_view(user, plan):
        agency_id = _agency_id(user)
        if agency_id is None:
            return Task.objects.none()
        qs = qs.filter(_involving(agency_id))
    qs = qs.filter(_pillar_q(pillar))
    agency_q = _agency_ref(agency)
    if agency_q is not None:
        ids = Agency.objects.filter(agency_q).values_list("pk", flat=True)
        qs = qs.filter(Q(lead_agency_id__in=ids) | Q(pk__in=_cooperating(ids)))
    if status == "open":
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif status == "overdue":
        qs = qs.exclude(status__in=CLOSED_STATUSES).filter(due__lt=today or timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("plan", "pillar", "lead_agency").prefetch_related("cooperating_agencies")


def _cooperating(agency_ids: Any) -> QuerySet[Any]:
    return Task.cooperating_agencies.through.objects.filter(agency_id__in=agency_ids).values("task_id")


def _involving(agency_id: int) -> Q:
    return Q(lead_agency_id=agency_id) | Q(pk__in=_cooperating([agency_id]))


def targets_for(
    user: Any,
    plan: Plan,
    *,
    pillar: Pillar | str | None = None,
    agency: Agency | str | None = None,
    status: str | None = None,
) -> QuerySet[Target]:
    """The plan's targets the user sees. `status`: a forecast status (Status value), or "pending" (no verdict
    stored yet); `pillar` and `agency` (responsible) as in tasks_for."""
    qs = Target.objects.filter(plan=plan)
    if not full_view(user, plan):
        agency_id = _agency_id(user)
        if agency_id is None:
            return Target.objects.none()
        qs = qs.filter(responsible_agency_id=agency_id)
    qs = qs.filter(_pillar_q(pillar))
    agency_q = _agency_ref(agency)
    if agency_q is not None:
        qs = qs.filter(responsible_agency__in=Agency.objects.filter(agency_q))
    if status == "pending":
        qs = qs.filter(forecast__isnull=True)
    elif status:
        qs = qs.filter(forecast__status=status)
    return qs.select_related("plan", "pillar", "responsible_agency", "task", "forecast", "org_unit").prefetch_related(
        "milestones"
    )


def get_task(user: Any, plan: Plan, code: str) -> Task:
    found = tasks_for(user, plan).filter(code=code).first()
    if found is None:
        raise NotFound(_("No task with the code '%(code)s' that you may see.") % {"code": code}, field="code")
    return found


def get_target(user: Any, plan: Plan, code: str) -> Target:
    found = targets_for(user, plan).filter(code=code).first()
    if found is None:
        raise NotFound(_("No target with the code '%(code)s' that you may see.") % {"code": code}, field="code")
    return found


# --- flags ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFlags:
    overdue: bool  # open and past its due date
    days_overdue: int  # 0 unless overdue
    stalled: bool  # open and no report for STALLED_DAYS (since it started, when never reported)
    due_soon: bool  # open and due within DUE_SOON_DAYS (today included)
    is_open: bool  # neither done nor cancelled
    on_time: bool  # done by its due date, or open and not past it
    days_since_report: int | None  # None: never reported


def task_flags(task: Task, today: dt.date) -> TaskFlags:
    is_open = task.status not in CLOSED_STATUSES
    overdue = is_open and task.due < today
    last = timezone.localdate(task.last_reported) if task.last_reported else None
    # Never reported: quiet since it started (a task that has not started yet is not stalled).
    quiet_since = last or task.start or timezone.localdate(task.created)
    stalled = is_open and quiet_since <= today and (today - quiet_since).days >= STALLED_DAYS
    if task.status == TaskStatus.DONE:
        on_time = task.completed is None or task.completed <= task.due
    else:
        on_time = is_open and not overdue
    return TaskFlags(
        overdue=overdue,
        days_overdue=(today - task.due).days if overdue else 0,
        stalled=stalled,
        due_soon=is_open and 0 <= (task.due - today).days <= DUE_SOON_DAYS,
        is_open=is_open,
        on_time=on_time,
        days_since_report=(today - last).days if last else None,
    )


# --- history --------------------------------------------------------------------------------------------


def _history(obj: Task | Target) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("user")
        .order_by("-at", "-id")
    )


def target_history(target: Target) -> list[AuditEntry]:
    """The audit entries of the target, newest first: its changes, milestones and reported values."""
    return _history(target)


def task_history(task: Task) -> list[AuditEntry]:
    """The audit entries of the task, newest first: its changes and progress reports."""
    return _history(task)


# --- permissions ----------------------------------------------------------------------------------------


def can_edit_plan(user: Any) -> bool:
    """Plan managers (and administrators) edit everything of every plan."""
    return can(user, Action.MANAGE_PLANS)


def can_report_task(user: Any, task: Task) -> bool:
    """Plan managers, and the lead agency's users who may report progress."""
    if can(user, Action.MANAGE_PLANS):
        return True
    agency_id = _agency_id(user)
    return can(user, Action.REPORT_PROGRESS) and agency_id is not None and agency_id == task.lead_agency_id


def can_report_target(user: Any, target: Target) -> bool:
    """A manual target's values: plan managers, and the responsible agency's users who may report progress.
    A live target's values come from the data: nobody reports them."""
    if target.source != Source.MANUAL:
        return False
    if can(user, Action.MANAGE_PLANS):
        return True
    agency_id = _agency_id(user)
    return can(user, Action.REPORT_PROGRESS) and agency_id is not None and agency_id == target.responsible_agency_id


# --- the overview and the scorecards (computed in selectors_scorecards) ---------------------------------


@dataclass
class PillarSummary:
    """One pillar of the plan overview (pillar None: the tasks and targets without a pillar)."""

    pillar: Pillar | None
    code: str  # the pillar's code, NO_PILLAR for none
    name: str
    targets: int
    by_status: dict[str, int]  # every Status value (0 included), in Status order
    pending: int  # targets without a stored verdict yet
    mandatory: int  # mandatory targets
    on_track_share: float | None  # (achieved + on track) / targets with data (0..1); None: none with data
    tasks: int
    tasks_done: int
    tasks_on_time: int  # done by the due date, or open and not past it
    tasks_overdue: int
    tasks_stalled: int


@dataclass
class Scorecard:
    """One agency's record in the plan (tasks it leads, targets it is responsible for, its reports)."""

    agency: Agency
    tasks: int
    tasks_done: int
    tasks_on_time: int
    tasks_overdue: int
    tasks_stalled: int
    targets: int
    targets_by_status: dict[str, int]  # every Status value (0 included)
    targets_pending: int  # without a stored verdict yet
    on_track_share: float | None  # (achieved + on track) / targets with data (0..1); None: none with data
    reports_expected: int  # its reports of the last 12 months whose due date has passed (or received)
    reports_on_time: int
    report_timeliness: float | None  # reports_on_time / reports_expected (0..1); None: it reports nothing


def pillar_summaries(user: Any, plan: Plan, today: dt.date) -> list[PillarSummary]:
    """Per pillar in order, then "no pillar" when some task or target has none: what the user sees of it."""
    from ioc.plans.selectors_scorecards import summarise_pillars

    return summarise_pillars(user, plan, today)


def agency_scorecards(user: Any, plan: Plan, today: dt.date) -> list[Scorecard]:
    """Per agency taking part in the plan (a partial viewer: their own agency only), by agency code."""
    from ioc.plans.selectors_scorecards import score_agencies

    return score_agencies(user, plan, today)

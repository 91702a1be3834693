"""The plan overview per pillar and the agency scorecards (the shapes are in ioc.plans.selectors; call
selectors.pillar_summaries / selectors.agency_scorecards).

Both count only what the user sees (tasks_for / targets_for) and read each table once: a handful of queries
for the whole plan, however many pillars or agencies.

Report timeliness comes from the workflow (ioc.workflow.completeness: expected reports, on time = submitted by
the period's end + the data set's timely days). An agency's reports are those of the data sets it is the
reporting agency of (DataSet.agency, the workflow's own "agency" grouping); an agency that reports no data set
and sits below the top of the tree (a district People's Committee) answers for the reports of the units in its
seat's subtree — a department seated at the province does not answer for the whole province. Over the last 12
months, counting a report once its due date has passed (or it was received): a form not yet due is not late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.accounts.models import Agency
from ioc.metadata.models import DataSet
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import subtree_q
from ioc.plans.models import Pillar, Plan, Status, Target, Task, TaskStatus
from ioc.plans.selectors import (
    NO_PILLAR,
    PillarSummary,
    Scorecard,
    full_view,
    targets_for,
    task_flags,
    tasks_for,
)
from ioc.workflow.completeness import DateRange, Report, expected_reports

TIMELINESS_DAYS = 365
ON_TRACK = frozenset({Status.ACHIEVED, Status.ON_TRACK})


class _Tally:
    """Counts of tasks and targets (a pillar's or an agency's)."""

    def __init__(self) -> None:
        self.tasks = self.tasks_done = self.tasks_on_time = self.tasks_overdue = self.tasks_stalled = 0
        self.targets = self.pending = self.mandatory = 0
        self.by_status: dict[str, int] = dict.fromkeys(Status.values, 0)

    def add_task(self, task: Task, today: dt.date) -> None:
        flags = task_flags(task, today)
        self.tasks += 1
        self.tasks_done += task.status == TaskStatus.DONE
        self.tasks_on_time += flags.on_time
        self.tasks_overdue += flags.overdue
        self.tasks_stalled += flags.stalled

    def add_target(self, target: Target) -> None:
        self.targets += 1
        self.mandatory += target.mandatory
        verdict = getattr(target, "forecast", None)
        if verdict is None:
            self.pending += 1
        else:
            self.by_status[verdict.status] = self.by_status.get(verdict.status, 0) + 1

    @property
    def on_track_share(self) -> float | None:
        with_data = sum(n for status, n in self.by_status.items() if status != Status.INSUFFICIENT_DATA)
        return sum(self.by_status[s] for s in ON_TRACK) / with_data if with_data else None


def _tasks(user: Any, plan: Plan) -> list[Task]:
    return list(tasks_for(user, plan).prefetch_related(None))


def _targets(user: Any, plan: Plan) -> list[Target]:
    return list(targets_for(user, plan).prefetch_related(None))


def summarise_pillars(user: Any, plan: Plan, today: dt.date) -> list[PillarSummary]:
    tallies: dict[int | None, _Tally] = {}
    for task in _tasks(user, plan):
        tallies.setdefault(task.pillar_id, _Tally()).add_task(task, today)
    for target in _targets(user, plan):
        tallies.setdefault(target.pillar_id, _Tally()).add_target(target)
    rows: list[tuple[Pillar | None, str, str]] = [(p, p.code, p.name) for p in Pillar.objects.filter(plan=plan)]
    if None in tallies:
        rows.append((None, NO_PILLAR, _("No pillar")))
    out = []
    for pillar, code, name in rows:
        t = tallies.get(pillar.pk if pillar else None) or _Tally()
        out.append(
            PillarSummary(
                pillar=pillar,
                code=code,
                name=name,
                targets=t.targets,
                by_status=t.by_status,
                pending=t.pending,
                mandatory=t.mandatory,
                on_track_share=t.on_track_share,
                tasks=t.tasks,
                tasks_done=t.tasks_done,
                tasks_on_time=t.tasks_on_time,
                tasks_overdue=t.tasks_overdue,
                tasks_stalled=t.tasks_stalled,
            )
        )
    return out


def score_agencies(user: Any, plan: Plan, today: dt.date) -> list[Scorecard]:
    tallies: dict[int, _Tally] = {}
    agencies: dict[int, Agency] = {}
    for task in _tasks(user, plan):
        agencies[task.lead_agency_id] = task.lead_agency
        tallies.setdefault(task.lead_agency_id, _Tally()).add_task(task, today)
    for target in _targets(user, plan):
        agencies[target.responsible_agency_id] = target.responsible_agency
        tallies.setdefault(target.responsible_agency_id, _Tally()).add_target(target)
    if not full_view(user, plan):
        own = getattr(user, "agency_id", None)
        agencies = {pk: a for pk, a in agencies.items() if pk == own}
    timeliness = report_timeliness(list(agencies.values()), today)
    out = []
    for agency in sorted(agencies.values(), key=lambda a: a.code):
        t = tallies[agency.pk]
        expected, on_time = timeliness.get(agency.pk, (0, 0))
        out.append(
            Scorecard(
                agency=agency,
                tasks=t.tasks,
                tasks_done=t.tasks_done,
                tasks_on_time=t.tasks_on_time,
                tasks_overdue=t.tasks_overdue,
                tasks_stalled=t.tasks_stalled,
                targets=t.targets,
                targets_by_status=t.by_status,
                targets_pending=t.pending,
                on_track_share=t.on_track_share,
                reports_expected=expected,
                reports_on_time=on_time,
                report_timeliness=on_time / expected if expected else None,
            )
        )
    return out


def report_timeliness(agencies: Iterable[Agency], today: dt.date) -> dict[int, tuple[int, int]]:
    """{agency id: (reports counted, on time)} over the last TIMELINESS_DAYS (see the module's docstring).
    Two queries per data set involved (the workflow's expected_reports), none per agency."""
    # Fresh rows with their seats (the agencies of tasks come without them): one query.
    agencies = list(Agency.objects.filter(pk__in=[a.pk for a in agencies]).select_related("org_unit"))
    if not agencies:
        return {}
    reporting = set(
        DataSet.objects.filter(agency__in=agencies).order_by().values_list("agency_id", flat=True).distinct()
    )  # agencies with data sets of their own
    seated = [a for a in agencies if a.pk not in reporting and a.org_unit is not None and a.org_unit.parent_id]
    sets_q = Q(agency__in=[a for a in agencies if a.pk in reporting])
    for agency in seated:
        assert agency.org_unit is not None
        sets_q |= Q(org_units__in=_subtree_ids(agency))
    data_sets = list(DataSet.objects.filter(sets_q).distinct().select_related("agency").order_by("code"))
    if not data_sets:
        return {}
    window = DateRange(today - dt.timedelta(days=TIMELINESS_DAYS), today)
    counts: dict[int, list[int]] = {}
    for report in expected_reports(data_sets, window, None, today=today):
        if not (report.received or report.due < today):
            continue
        for agency_id in _owners(report, reporting, seated):
            tally = counts.setdefault(agency_id, [0, 0])
            tally[0] += 1
            tally[1] += report.on_time
    return {pk: (n, on_time) for pk, (n, on_time) in counts.items()}


def _subtree_ids(agency: Agency) -> Any:
    assert agency.org_unit is not None
    return OrgUnit.objects.filter(subtree_q(agency.org_unit)).values("pk")


def _owners(report: Report, reporting: set[int], seated: list[Agency]) -> list[int]:
    owners = [report.data_set.agency_id] if report.data_set.agency_id in reporting else []
    path = report.unit.path
    owners += [a.pk for a in seated if a.org_unit is not None and path.startswith(a.org_unit.path)]
    return [pk for pk in owners if pk is not None]

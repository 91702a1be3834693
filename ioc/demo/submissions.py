"""The demo's workflow history: which forms were submitted, when, and which were approved.

Every (data set, unit, period) that has generated values gets a form submission with a plausible date:
most within the data set's days for timely submission, some late. Forms submitted more than three weeks
ago are approved (and locked, as ioc.workflow does), recent ones wait for the approver, and reports whose
invented submission date is still in the future stay open — so the completeness page, the late list, the
reminders and the approvals page all have something true to show. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from ioc.datavalues.models import DataValue, PeriodLock
from ioc.metadata.models import DataSet, DataSetElement
from ioc.workflow.models import State, Submission, SubmissionEvent

LATE_SHARE = 0.15  # reports first submitted after the data set's days for timely submission
APPROVAL_AGE = dt.timedelta(days=21)  # submitted longer ago than this: approved


def forms_with_values(set_ids: list[int]) -> list[tuple[int, int, str, str, dt.date, dt.date]]:
    """(data set, unit, period, period type, start, end) of every form with at least one value, for units
    the data set is assigned to."""
    element_set = dict(
        DataSetElement.objects.filter(data_set_id__in=set_ids).values_list("data_element_id", "data_set_id")
    )
    assigned = set(
        DataSet.org_units.through.objects.filter(dataset_id__in=set_ids).values_list("dataset_id", "orgunit_id")
    )
    seen: set[tuple[int, int, str]] = set()
    forms = []
    rows = (
        DataValue.objects.filter(data_element_id__in=list(element_set), deleted=False)
        .values_list("data_element_id", "org_unit_id", "period", "period_type", "start_date", "end_date")
        .distinct()
    )
    for element_id, unit_id, period, period_type, start, end in rows.iterator(chunk_size=20_000):
        ds = element_set[element_id]
        key = (ds, unit_id, period)
        if key in seen or (ds, unit_id) not in assigned:
            continue
        seen.add(key)
        forms.append((ds, unit_id, period, period_type, start, end))
    return forms


@transaction.atomic
def do_create_demo_submissions(user: Any, *, seed: int, now: dt.datetime | None = None) -> int:
    """Submissions (with their events and locks) for the demo's forms that have none. Returns how many."""
    now = now or timezone.now()
    sets = {ds.pk: ds for ds in DataSet.objects.filter(synthetic=True)}
    existing = set(Submission.objects.filter(data_set_id__in=sets).values_list("data_set_id", "org_unit_id", "period"))
    rng = random.Random(seed)
    submissions: list[Submission] = []
    for ds_id, unit_id, period, period_type, start, end in sorted(forms_with_values(list(sets))):
        if (ds_id, unit_id, period) in existing:
            continue
        ds = sets[ds_id]
        timely = max(1, ds.timely_days)
        late = rng.random() < LATE_SHARE
        days = rng.randint(timely + 1, timely + 25) if late else rng.randint(1, timely)
        submitted = timezone.make_aware(
            dt.datetime.combine(end, dt.time(9)) + dt.timedelta(days=days, minutes=rng.randint(0, 480))
        )
        if submitted > now:
            continue  # not yet: the report is still open (and maybe late)
        approved = submitted + dt.timedelta(days=rng.randint(2, 10))
        state = State.APPROVED if now - submitted > APPROVAL_AGE and approved <= now else State.SUBMITTED
        submissions.append(
            Submission(
                data_set_id=ds_id,
                org_unit_id=unit_id,
                period=period,
                period_type=period_type,
                start_date=start,
                end_date=end,
                state=state,
                submitted_at=submitted,
                first_submitted_at=submitted,
                on_time=not late,
                decided_at=approved if state == State.APPROVED else None,
            )
        )
    Submission.objects.bulk_create(submissions, batch_size=2000)
    # bulk_create returns ids on both databases (RETURNING); the events and locks point at them.
    events: list[SubmissionEvent] = []
    locks: list[PeriodLock] = []
    for s in submissions:
        events.append(
            SubmissionEvent(
                submission=s, action="complete", from_state=State.OPEN, to_state=State.SUBMITTED, via="system"
            )
        )
        kind = PeriodLock.Kind.APPROVED if s.state == State.APPROVED else PeriodLock.Kind.SUBMITTED
        if s.state == State.APPROVED:
            events.append(
                SubmissionEvent(
                    submission=s, action="approve", from_state=State.SUBMITTED, to_state=State.APPROVED, via="system"
                )
            )
        locks.append(
            PeriodLock(
                data_set_id=s.data_set_id,
                period=s.period,
                org_unit_id=s.org_unit_id,
                kind=kind,
                subtree=False,
                reason="demo",
            )
        )
    SubmissionEvent.objects.bulk_create(events, batch_size=2000)
    # The events' times: when it happened in the story, not when the demo was set up.
    PeriodLock.objects.bulk_create(locks, batch_size=2000, ignore_conflicts=True)
    return len(submissions)

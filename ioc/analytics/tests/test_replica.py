"""The replica's bookkeeping of change-log ids: on PostgreSQL a later id can commit first."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ioc.analytics.replica import GAP_TIMEOUT, Replica
from ioc.datavalues.models import ValueChange


def test_the_floor_rises_over_ids_without_a_gap_and_past_a_gap_only_after_the_timeout() -> None:
    r = Replica()
    now = timezone.now()
    r._advance([(1, now), (2, now), (4, now)])
    assert (r._floor, r._seen) == (2, {4})  # 3 may still commit
    r._advance([(3, now)])
    assert (r._floor, r._seen) == (4, set())
    r._advance([(7, now), (9, now)])
    assert (r._floor, r._seen) == (4, {7, 9})
    old = now - GAP_TIMEOUT * 2
    r._advance([(12, old), (15, now)])
    assert (r._floor, r._seen) == (12, {15})  # whatever below 12 is not visible by now rolled back


@pytest.mark.django_db
def test_a_change_that_becomes_visible_late_is_applied_once() -> None:
    r = Replica()
    r.ensure_loaded()
    first = ValueChange.objects.create(since=None, element_ids=[])
    second = ValueChange.objects.create(since=None, element_ids=[])
    # Pretend `first` was not yet committed when `second` was read: only `second` is applied.
    r._apply([(second.pk, None, [])])
    r._advance([(second.pk, second.at)])
    generation = r.generation
    r.sync()  # `first` is visible now: applied, once; `second` not again
    assert r.generation == generation + 1
    assert all(pk <= r._floor or pk in r._seen for pk in (first.pk, second.pk))
    r.sync()  # nothing new: no change applied
    assert r.generation == generation + 1
    third = ValueChange.objects.create(since=None, element_ids=[])
    r.sync()
    assert r.generation == generation + 2 and (third.pk <= r._floor or third.pk in r._seen)

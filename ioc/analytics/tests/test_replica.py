"""The replica's bookkeeping of change-log ids: on PostgreSQL a later id can commit first."""

from __future__ import annotations

import pytest

from ioc.analytics import replica as replica_module
from ioc.analytics.replica import GAP_TIMEOUT, Replica


def test_the_floor_waits_below_a_gap_until_the_missing_id_commits() -> None:
    r = Replica()
    r._advance([1, 2, 4, 5])
    assert r._floor == 2  # 3 is not visible yet: a transaction that took id 3 may still commit
    assert r._seen == {4, 5}
    r._advance([3])
    assert r._floor == 5
    assert r._seen == set()


def test_a_gap_left_by_a_rolled_back_transaction_is_given_up_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(replica_module.time, "monotonic", lambda: clock[0])
    r = Replica()
    r._advance([1, 3])
    assert r._floor == 1
    clock[0] += GAP_TIMEOUT / 2
    r._advance([])
    assert r._floor == 1
    clock[0] += GAP_TIMEOUT
    r._advance([])
    assert r._floor == 3


@pytest.mark.django_db
def test_a_change_committed_after_a_later_one_is_still_applied() -> None:
    """Ids seen above the floor are not applied twice, and an id appearing late (below ids already applied) is."""
    from ioc.datavalues.models import ValueChange

    r = Replica()
    r.ensure_loaded()
    first = ValueChange.objects.create(since=None, element_ids=[])
    second = ValueChange.objects.create(since=None, element_ids=[])
    # Pretend `first` was not yet visible when `second` was read: only `second` is applied.
    r._apply([(second.pk, None, [])])
    r._advance([second.pk])
    assert r._floor < first.pk and second.pk in r._seen
    generation = r.generation
    r.sync()  # now `first` is visible: applied once, `second` not again
    assert r.generation == generation + 1
    assert r._floor == second.pk

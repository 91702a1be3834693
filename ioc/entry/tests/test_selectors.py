"""The choices and states of the form, by the rules of ioc.datavalues.checks."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.core.periods import parse_period
from ioc.datavalues.locks import do_lock_period
from ioc.entry import selectors
from ioc.entry.selectors import State
from ioc.metadata.models import DataSet
from ioc.orgunits.testing import make_unit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 15)


def test_data_sets_and_units_follow_the_entry_scope(world):
    assert [ds.code for ds in selectors.entry_data_sets(world.officer1)] == ["HEALTH", "OLD"]
    assert [ds.code for ds in selectors.entry_data_sets(world.officer2)] == ["HEALTH"]
    assert list(selectors.entry_data_sets(world.leader)) == []  # no right to enter
    assert [u.code for u in selectors.entry_units(world.officer1, world.health)] == ["C1", "C2"]
    assert [u.code for u in selectors.entry_units(world.admin, world.health)] == ["C1", "C2", "C3"]


def test_units_closed_before_the_periods_are_left_out(world):
    gone = make_unit("C9", "Xã Cũ", world.d1, closed=dt.date(2024, 12, 31))
    world.health.org_units.add(gone)
    early = [parse_period("202412")]
    assert "C9" in [u.code for u in selectors.entry_units(world.officer1, world.health, early)]
    assert "C9" not in [u.code for u in selectors.entry_units(world.officer1, world.health, [parse_period("202501")])]


def test_periods_stop_at_the_first_expired_one_and_show_states(world):
    do_lock_period(world.admin, world.old, "202502", world.c1, reason="kiểm toán")
    choices = selectors.period_choices(world.officer1, world.old, world.c1, today=TODAY)
    # expiry 10 days: 202502 ended 28/02, open until 10/03 → expired on 15/03; only March is left
    assert [c.period.id for c in choices] == ["202503"]
    admin = selectors.period_choices(world.admin, world.old, world.c1, today=TODAY)
    assert [c.period.id for c in admin][:3] == ["202503", "202502", "202501"]
    locked, expired = admin[1].state, admin[2].state
    assert locked is not None and locked.code == State.LOCKED and locked.read_only
    assert expired is not None and expired.code == State.EXPIRED and not expired.read_only  # admins may write
    assert "expired" in admin[2].label


def test_future_periods_follow_open_future_periods(world):
    DataSet.objects.filter(pk=world.health.pk).update(open_future_periods=2)
    world.health.refresh_from_db()
    choices = selectors.period_choices(world.officer1, world.health, world.c1, today=TODAY)
    assert [c.period.id for c in choices][:3] == ["202505", "202504", "202503"]
    state = selectors.form_state(world.officer1, world.health, world.c1, parse_period("202506"), today=TODAY)
    assert state.code == State.FUTURE and state.read_only


def test_state_of_a_unit_not_open(world):
    late = make_unit("C8", "Xã Mới", world.d1, opened=dt.date(2025, 7, 1))
    state = selectors.form_state(world.officer1, world.health, late, parse_period("202503"), today=TODAY)
    assert state.code == State.UNIT_CLOSED and "opened on 2025-07-01" in state.message


def test_grid_blocks_by_disaggregation_in_form_order(world):
    grid = selectors.form_grid(world.officer1, world.health, world.c1, parse_period("202503"))
    assert [[r.element.code for r in b.rows] for b in grid.blocks] == [["OPD", "RATE", "NOTE", "INSURED"], ["PUPILS"]]
    assert [c.code for c in grid.blocks[1].cocs] == ["SEX_M", "SEX_F"]
    assert grid.blocks[1].row_totals and not grid.blocks[0].row_totals
    assert [c.key for c in grid.compulsory_missing] == ["OPD.default", "PUPILS.SEX_M", "PUPILS.SEX_F"]
    rate = grid.blocks[0].rows[1]
    assert (rate.minimum, rate.maximum, rate.input_kind) == (0.0, 100.0, "percentage")

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ioc.core.errors import InvalidInput
from ioc.core.periods import (
    DAILY,
    MONTHLY,
    PERIOD_TYPES,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    parse_period,
    period_for_date,
    periods_between,
)

dates = st.dates(min_value=dt.date(1901, 1, 8), max_value=dt.date(2198, 12, 20))
types = st.sampled_from(PERIOD_TYPES)


@pytest.mark.parametrize(
    ("text", "ptype", "start", "end"),
    [
        ("2025", YEARLY, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025Q1", QUARTERLY, dt.date(2025, 1, 1), dt.date(2025, 3, 31)),
        ("2024Q4", QUARTERLY, dt.date(2024, 10, 1), dt.date(2024, 12, 31)),
        ("202502", MONTHLY, dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
        ("202402", MONTHLY, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2025W5", WEEKLY, dt.date(2025, 1, 27), dt.date(2025, 2, 2)),
        ("2025W05", WEEKLY, dt.date(2025, 1, 27), dt.date(2025, 2, 2)),
        ("2026W1", WEEKLY, dt.date(2025, 12, 29), dt.date(2026, 1, 4)),
        ("20250315", DAILY, dt.date(2025, 3, 15), dt.date(2025, 3, 15)),
        ("2025-03-01/P1M", MONTHLY, dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        ("2025-01-01/P1Y", YEARLY, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        ("2025-04-01/P3M", QUARTERLY, dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
        ("2025-03-03/P7D", WEEKLY, dt.date(2025, 3, 3), dt.date(2025, 3, 9)),
        ("2025-03-15/P1D", DAILY, dt.date(2025, 3, 15), dt.date(2025, 3, 15)),
    ],
)
def test_parse_known_periods(text, ptype, start, end):
    p = parse_period(text)
    assert (p.period_type, p.start, p.end) == (ptype, start, end)


def test_week_id_is_dhis2_canonical():
    assert parse_period("2025W05").id == "2025W5"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "not recognised"),
        ("2025Q5", "not recognised"),
        ("202513", "month must be 01–12"),
        ("2025W54", "weeks 1–52"),
        ("2025W53", "weeks 1–52"),
        ("2026W54", "weeks 1–53"),
        ("20250230", "not a valid date"),
        ("2025-03-02/P1M", "first day"),
        ("2025-03-01/P2M", "not a supported"),
        ("0999", "outside"),
        ("March 2025", "not recognised"),
    ],
)
def test_bad_periods_say_why(text, fragment):
    with pytest.raises(InvalidInput) as err:
        parse_period(text)
    assert fragment in err.value.message
    assert err.value.errors[0]["field"] == "period"


@given(types, dates)
def test_id_round_trip(ptype, day):
    p = period_for_date(ptype, day)
    assert parse_period(p.id) == p
    assert parse_period(p.iso) == p
    assert p.contains_date(day)


@given(types, dates)
def test_next_previous_are_adjacent_and_inverse(ptype, day):
    p = period_for_date(ptype, day)
    assert p.next().start == p.end + dt.timedelta(days=1)
    assert p.previous().end == p.start - dt.timedelta(days=1)
    assert p.next().previous() == p
    assert p < p.next()


@given(types, dates, st.integers(min_value=-60, max_value=60))
def test_shift_matches_repeated_next(ptype, day, steps):
    p = period_for_date(ptype, day)
    q = p
    for _ in range(abs(steps)):
        q = q.next() if steps > 0 else q.previous()
    assert p.shift(steps) == q


@given(st.sampled_from([DAILY, MONTHLY, QUARTERLY]), dates, st.sampled_from([MONTHLY, QUARTERLY, YEARLY]))
def test_rollup_contains_the_period(ptype, day, target):
    p = period_for_date(ptype, day)
    if PERIOD_TYPES.index(target) < PERIOD_TYPES.index(ptype):
        with pytest.raises(InvalidInput):
            p.rollup(target)
        return
    parent = p.rollup(target)
    assert parent.period_type == target
    assert parent.contains(p)


@given(dates, st.sampled_from([MONTHLY, QUARTERLY, YEARLY]))
def test_weeks_roll_up_by_their_thursday(day, target):
    week = period_for_date(WEEKLY, day)
    parent = week.rollup(target)
    assert parent.contains_date(week.start + dt.timedelta(days=3))
    if target == YEARLY:
        assert parent.start.year == int(week.id.split("W")[0])


@given(types, dates, st.integers(min_value=0, max_value=400))
def test_periods_between_tile_the_range(ptype, start, length):
    end = start + dt.timedelta(days=length)
    periods = periods_between(ptype, start, end)
    assert periods[0].contains_date(start)
    assert periods[-1].contains_date(end)
    for a, b in itertools.pairwise(periods):
        assert b.start == a.end + dt.timedelta(days=1)


def test_ordering_is_chronological():
    ids = ["202503", "2025Q1", "202501", "2024", "202412"]
    ordered = [p.id for p in sorted(parse_period(i) for i in ids)]
    assert ordered == ["2024", "202412", "202501", "2025Q1", "202503"]

"""The forecast against series with known answers: a true curve, noise, and the date it really meets the target.

Hypothesis draws the curve's parameters and a seed for the noise (derandomized: the same examples every run).
Per-series guarantees are asserted on every example; accuracy on noisy series, which no method can promise
series by series, on seeded batches ("a large majority"). scripts/measure_forecasts.py reports the same
figures over thousands of series.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.plans.forecast import Forecast, Point, Spec, forecast

TODAY = dt.date(2025, 6, 30)
YEAR = 365.25
SIX_MONTHS = 183
STEP_MONTHS = {"Yearly": 12, "Quarterly": 3, "Monthly": 1}
SIZES = {"Yearly": (3, 8), "Quarterly": (5, 16), "Monthly": (8, 36)}

examples = settings(max_examples=40, deadline=None, derandomize=True)
periods = st.sampled_from(list(STEP_MONTHS))
seeds = st.integers(0, 2**31 - 1)


def period_ends(period: str, n: int) -> list[dt.date]:
    """The last n period ends on or before TODAY (30 June: the end of a month, of a quarter)."""
    step = STEP_MONTHS[period]
    last = TODAY.year * 12 + TODAY.month - 1 - (6 if period == "Yearly" else 0)  # months since year 0
    ends = []
    for k in range(n):
        y, m = divmod(last - k * step + 1, 12)
        ends.append(dt.date(y, m + 1, 1) - dt.timedelta(days=1))
    return ends[::-1]


def years(d: dt.date) -> float:
    return (d - TODAY).days / YEAR


def draw(
    period: str, fraction: float, curve: Callable[[np.ndarray], np.ndarray], noise: float, seed: int, clip: bool = False
) -> list[Point]:
    lo, hi = SIZES[period]
    dates = period_ends(period, lo + round(fraction * (hi - lo)))
    t = np.array([years(d) for d in dates])
    values = curve(t) + np.random.default_rng(seed).normal(0, noise, len(t))
    if clip:
        values = np.clip(values, 0, 100)
    return [Point(d, float(v)) for d, v in zip(dates, values, strict=True)]


def when(t: float) -> dt.date:
    return TODAY + dt.timedelta(days=round(t * YEAR))


def error_days(f: Forecast, truth: dt.date) -> float:
    return math.inf if f.proposed_date is None else abs((f.proposed_date - truth).days)


# --- per-series guarantees --------------------------------------------------------------------------------------


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    slope=st.floats(1, 10),
    level=st.floats(50, 500),
    up=st.booleans(),
    relative_noise=st.floats(0, 0.03),
    ahead=st.floats(0.25, 5),
    seed=seeds,
)
def test_nearly_exact_line_meets_the_target_within_six_months_of_the_truth(
    period: str, fraction: float, slope: float, level: float, up: bool, relative_noise: float, ahead: float, seed: int
) -> None:
    sign = 1 if up else -1
    points = draw(period, fraction, lambda t: level + sign * slope * t, relative_noise * slope, seed)
    t_true = years(points[-1].date) + ahead
    spec = Spec(level + sign * slope * t_true, when(8), "increase" if up else "decrease", period=period)
    f = forecast(points, spec, today=TODAY)
    assert f.method in ("linear", "log-linear")
    assert error_days(f, when(t_true)) <= SIX_MONTHS
    assert f.proposed_date_80 is not None and f.proposed_date is not None and f.proposed_date_80 >= f.proposed_date


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    rate=st.floats(0.3, 1.0),
    start=st.floats(0.2, 0.8),
    noise=st.floats(0, 0.3),
    ahead=st.floats(0.25, 4),
    seed=seeds,
)
def test_saturating_percentage_meets_the_target_within_six_months_of_the_truth(
    period: str, fraction: float, rate: float, start: float, noise: float, ahead: float, seed: int
) -> None:
    def curve(t: np.ndarray) -> np.ndarray:
        return 100 / (1 + np.exp(-(offset + rate * t)))

    lo, hi = SIZES[period]
    last = years(period_ends(period, lo + round(fraction * (hi - lo)))[-1])
    offset = math.log(start / (1 - start)) - rate * last
    target = float(curve(np.array([last + ahead]))[0])
    if target > 97:  # the last few points of a percentage crawl: a small error in pace is years there
        return
    points = draw(period, fraction, curve, noise, seed, clip=True)
    f = forecast(points, Spec(target, when(8), "increase", 0, 100, period, "%"), today=TODAY)
    assert f.method == "logistic"
    assert error_days(f, when(last + ahead)) <= SIX_MONTHS


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    level=st.floats(20, 500),
    relative_noise=st.floats(0, 0.03),
    gap=st.floats(0.2, 0.5),
    up=st.booleans(),
    deadline_years=st.floats(0.25, 6),
    seed=seeds,
)
def test_flat_series_never_gets_a_date_or_on_track(
    period: str,
    fraction: float,
    level: float,
    relative_noise: float,
    gap: float,
    up: bool,
    deadline_years: float,
    seed: int,
) -> None:
    points = draw(period, fraction, lambda t: level + 0 * t, relative_noise * level, seed)
    target = level * (1 + gap if up else 1 - gap)
    spec = Spec(target, when(deadline_years), "increase" if up else "decrease", period=period)
    f = forecast(points, spec, today=TODAY)
    assert f.status not in ("on_track", "achieved")
    assert f.proposed_date is None and f.proposed_date_80 is None


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    slope=st.floats(1, 10),
    level=st.floats(50, 500),
    relative_noise=st.floats(0, 0.2),
    ahead=st.floats(1, 20),
    up=st.booleans(),
    bounded=st.booleans(),
    seed=seeds,
)
def test_series_moving_away_never_gets_a_date_or_on_track(
    period: str,
    fraction: float,
    slope: float,
    level: float,
    relative_noise: float,
    ahead: float,
    up: bool,
    bounded: bool,
    seed: int,
) -> None:
    sign = 1 if up else -1  # the way the target lies; the value goes the other way
    scale = 0.1 if bounded else 1.0  # a percentage: 5–50 %, moving 0.1–1 point a year
    points = draw(period, fraction, lambda t: scale * (level - sign * slope * t), scale * relative_noise * slope, seed)
    target = points[-1].value + scale * sign * slope * ahead
    lower, upper = (0.0, 100.0) if bounded else (None, None)
    spec = Spec(target, when(3), "increase" if up else "decrease", lower, upper, period)
    f = forecast(points, spec, today=TODAY)
    assert f.status not in ("on_track", "achieved") and f.facts["trend"] != ("up" if up else "down")
    assert f.proposed_date is None and f.proposed_date_80 is None


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    slope=st.floats(-10, 10),
    relative_noise=st.floats(0, 2),
    bounded=st.booleans(),
    up=st.booleans(),
    targets=st.lists(st.floats(-20, 140), min_size=2, max_size=6),
    deadline_years=st.floats(-0.5, 6),
    seed=seeds,
)
def test_probability_is_monotone_in_the_target_and_the_80_date_follows_the_median(
    period: str,
    fraction: float,
    slope: float,
    relative_noise: float,
    bounded: bool,
    up: bool,
    targets: list[float],
    deadline_years: float,
    seed: int,
) -> None:
    points = draw(period, fraction, lambda t: 50 + slope * t, relative_noise * max(abs(slope), 1), seed, clip=bounded)
    lower, upper = (0.0, 100.0) if bounded else (None, None)
    probabilities = []
    for target in sorted(targets):
        spec = Spec(target, when(deadline_years), "increase" if up else "decrease", lower, upper, period)
        f = forecast(points, spec, today=TODAY)
        assert f.probability is not None and 0 <= f.probability <= 1
        probabilities.append(f.probability)
        if f.proposed_date_80 is not None:
            assert f.proposed_date is not None and f.proposed_date_80 >= f.proposed_date
        assert all(r["p10"] <= r["p50"] <= r["p90"] for r in f.fan)
    expected = sorted(probabilities, reverse=up)  # a higher target is harder to reach, easier to stay under
    assert probabilities == expected


# --- accuracy on noisy series: a large majority within tolerance -----------------------------------------------


def batch(family: str, n: int, seed: int) -> tuple[list[float], int]:
    """Date errors (days; inf: no date proposed) over n series whose true date is 3 months to 3 years after
    the last value, and how many got an on-track verdict."""
    rng = np.random.default_rng(seed)
    errors, on_track = [], 0
    for _ in range(n):
        period = str(rng.choice(list(STEP_MONTHS)))
        fraction, ahead, seed_i = rng.random(), rng.uniform(0.25, 3), int(rng.integers(2**31))
        if family == "linear":
            slope, level = rng.uniform(1, 10), rng.uniform(50, 500)

            def line(t: np.ndarray, level: float = level, slope: float = slope) -> np.ndarray:
                return level + slope * t

            points = draw(period, fraction, line, slope * rng.uniform(0.05, 0.5), seed_i)
            t_true = years(points[-1].date) + ahead
            spec = Spec(level + slope * t_true, when(4), "increase", period=period)
        else:  # saturating towards 100 %
            rate, start, noise = rng.uniform(0.2, 1.0), rng.uniform(0.2, 0.8), rng.uniform(0.3, 2.0)
            lo, hi = SIZES[period]
            last = years(period_ends(period, lo + round(fraction * (hi - lo)))[-1])
            offset = math.log(start / (1 - start)) - rate * last

            def curve(t: np.ndarray, offset: float = offset, rate: float = rate) -> np.ndarray:
                return 100 / (1 + np.exp(-(offset + rate * t)))

            points = draw(period, fraction, curve, noise, seed_i, clip=True)
            t_true = last + ahead
            spec = Spec(float(curve(np.array([t_true]))[0]), when(4), "increase", 0, 100, period, "%")
        f = forecast(points, spec, today=TODAY)
        if f.status != "achieved":
            errors.append(error_days(f, when(t_true)))
        on_track += f.status == "on_track"
    return errors, on_track


def test_noisy_lines_mostly_within_six_months() -> None:
    errors, _ = batch("linear", 300, seed=11)
    within = sum(e <= SIX_MONTHS for e in errors) / len(errors)
    assert within >= 0.65, within  # measured 0.7–0.75 (scripts/measure_forecasts.py: "±6 near")


def test_noisy_saturating_percentages_mostly_within_six_months() -> None:
    errors, _ = batch("saturating", 300, seed=12)
    within = sum(e <= SIX_MONTHS for e in errors) / len(errors)
    assert within >= 0.85, within
    assert float(np.median(errors)) < 90


# --- dates from today; the forecast starts where the series is ---------------------------------------------------


@examples
@given(
    period=periods,
    fraction=st.floats(0, 1),
    slope=st.floats(-10, 10),
    relative_noise=st.floats(0, 1),
    bounded=st.booleans(),
    up=st.booleans(),
    target_offset=st.floats(-30, 60),
    late_years=st.floats(0, 3),
    deadline_years=st.floats(-0.5, 6),
    seed=seeds,
)
def test_proposed_dates_are_never_before_today_or_the_latest_value(
    period: str,
    fraction: float,
    slope: float,
    relative_noise: float,
    bounded: bool,
    up: bool,
    target_offset: float,
    late_years: float,
    deadline_years: float,
    seed: int,
) -> None:
    points = draw(period, fraction, lambda t: 50 + slope * t, relative_noise * max(abs(slope), 1), seed, clip=bounded)
    last = points[-1].date
    today = last + dt.timedelta(days=round(late_years * YEAR))  # the latest value may be years old
    lower, upper = (0.0, 100.0) if bounded else (None, None)
    target = points[-1].value + (target_offset if up else -target_offset)
    spec = Spec(target, when(deadline_years), "increase" if up else "decrease", lower, upper, period)
    f = forecast(points, spec, today=today)
    if f.status == "achieved":
        return
    first = max(today, last + dt.timedelta(days=1))
    for d in (f.proposed_date, f.proposed_date_80):
        assert d is None or d >= first
    if f.fan:
        assert f.fan[0]["date"] == last.isoformat()


def levelled_off(rng: np.random.Generator) -> tuple[list[Point], Spec]:
    """Fast growth that flattened out: a logistic curve 95–99 % of the way to a ceiling of 60–95 % when last
    seen, six values at least over two years at least, and a target 3–10 points above the ceiling (the bounds
    say 0–100, so the ceiling is unknown to the forecast)."""
    period = str(rng.choice(list(STEP_MONTHS)))
    lo, hi = max(SIZES[period][0], 6, 1 + 24 // STEP_MONTHS[period]), SIZES[period][1]
    dates = period_ends(period, int(rng.integers(lo, hi + 1)))
    ceiling, rate, share = rng.uniform(60, 95), rng.uniform(0.4, 1.0), rng.uniform(0.95, 0.99)
    offset = math.log(share / (1 - share)) - rate * years(dates[-1])
    t = np.array([years(d) for d in dates])
    values = ceiling / (1 + np.exp(-(offset + rate * t))) + rng.normal(0, rng.uniform(0, 0.3), len(t))
    points = [Point(d, float(v)) for d, v in zip(dates, np.clip(values, 0, 100), strict=True)]
    target = min(ceiling + rng.uniform(3, 10), 99.0)
    return points, Spec(target, when(rng.uniform(1, 5)), "increase", 0, 100, period, "%")


def test_series_that_levelled_off_start_where_they_are_and_are_rarely_on_track() -> None:
    """A line through the whole history carried the early pace forward: on such series the former method put
    the latest value inside its own p10–p90 band 50 % of the time and called 48 % of them on track (a scan of
    5,832 series, docs/forecasting.md). Sharp S-curves seen through a handful of yearly values stay ambiguous."""
    rng = np.random.default_rng(21)
    inside = on_track = 0
    n = 200
    for _ in range(n):
        points, spec = levelled_off(rng)
        f = forecast(points, spec, today=TODAY)
        inside += f.fan[0]["p10"] <= points[-1].value <= f.fan[0]["p90"]
        on_track += f.status == "on_track"
    assert inside / n >= 0.9, inside / n
    assert on_track / n <= 0.1, on_track / n

"""The forecast's rules on hand-built series: each verdict, the dates, the fan, milestones, the sentence."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pytest
from django.utils import translation

from ioc.plans import forecast_text
from ioc.plans.forecast import VERSION, Forecast, Point, Spec, _status, explain, forecast
from ioc.plans.forecast_fit import t_cdf1, t_ppf

TODAY = dt.date(2025, 6, 30)
D = dt.date


def yearly(*values: float, last: int = 2024) -> list[Point]:
    first = last - len(values) + 1
    return [Point(D(first + i, 12, 31), v) for i, v in enumerate(values)]


def quarterly(values: list[float]) -> list[Point]:
    """Quarter ends up to the first quarter of 2025."""
    ends = []
    y, q = 2025, 0
    for _ in values:
        ends.append(D(y, 3 * q + 3, 31 if q in (0, 3) else 30))
        y, q = (y - 1, 3) if q == 0 else (y, q - 1)
    return [Point(d, v) for d, v in zip(reversed(ends), values, strict=True)]


# a quarterly percentage rising by about 2 points a quarter, with a little scatter
RISING = quarterly([52.0, 54.3, 55.9, 58.4, 60.1, 62.6, 64.0, 66.3, 68.4, 70.0])


def pct(target: float, deadline: dt.date | None = None, milestones: tuple[tuple[dt.date, float], ...] = ()) -> Spec:
    """A quarterly percentage to increase, by the end of 2026 unless told."""
    return Spec(target, deadline or D(2026, 12, 31), "increase", 0.0, 100.0, "Quarterly", "%", milestones)


# --- Student's t ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "q975", "q90"), [(1, 12.706, 3.078), (2, 4.303, 1.886), (5, 2.571, 1.476), (30, 2.042, 1.310)]
)
def test_t_quantiles_match_the_tables(df: int, q975: float, q90: float) -> None:
    assert t_ppf(0.975, df) == pytest.approx(q975, abs=2e-3)
    assert t_ppf(0.9, df) == pytest.approx(q90, abs=2e-3)
    assert t_cdf1(0.0, df) == pytest.approx(0.5)
    assert t_cdf1(-q975, df) == pytest.approx(0.025, abs=1e-4)


# --- the verdicts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "status"),
    [
        *[(0.95, "on_track"), (0.7, "on_track"), (0.6999, "at_risk"), (0.4, "at_risk"), (0.3999, "off_track")],
        *[(0.1, "off_track"), (0.0999, "infeasible"), (0.0, "infeasible")],
    ],
)
def test_status_thresholds(p: float, status: str) -> None:
    assert _status(p) == status


def test_two_values_are_insufficient_and_say_so() -> None:
    f = forecast(yearly(40, 50), pct(80), today=TODAY)
    assert (f.status, f.probability, f.proposed_date, f.method) == ("insufficient_data", None, None, "none")
    assert f.current_value == 50 and f.current_date == D(2024, 12, 31)
    assert f.facts["reason"] == "too_few_points"
    assert explain(f.as_dict()) == "Only 2 values so far; a forecast needs at least 3 values over two quarters."


def test_three_values_within_one_period_are_insufficient() -> None:
    points = [Point(D(2024, 10, 31), 40), Point(D(2024, 11, 30), 41), Point(D(2024, 12, 31), 42)]
    f = forecast(points, Spec(80, D(2026, 12, 31), "increase"), today=TODAY)  # yearly: needs two years
    assert f.status == "insufficient_data" and f.facts["reason"] == "too_short_span"
    assert "span less than two years" in explain(f.as_dict())
    monthly = Spec(80, D(2026, 12, 31), "increase", period="Monthly")
    shorter = [Point(D(2025, 1, 31), 40), Point(D(2025, 2, 28), 41), Point(D(2025, 3, 31), 42)]
    assert forecast(shorter, monthly, today=TODAY).status != "insufficient_data"  # 59 days are two months


def test_no_values() -> None:
    f = forecast([], pct(80), today=TODAY)
    assert f.status == "insufficient_data" and f.current_value is None and f.fan == []
    assert explain(f.as_dict()).startswith("No values yet")


def test_latest_value_meeting_the_target_is_achieved() -> None:
    f = forecast(yearly(60, 70, 75, 81), pct(80), today=TODAY)
    assert (f.status, f.probability) == ("achieved", 1.0)
    assert f.proposed_date == f.proposed_date_80 == D(2024, 12, 31)
    assert explain(f.as_dict()) == "Achieved: the value reached 81% on 31/12/2024 (target 80% by 31/12/2026)."


def test_decrease_target_is_achieved_when_low_enough() -> None:
    spec = Spec(10, D(2026, 12, 31), "decrease", unit="%")
    assert forecast(yearly(30, 20, 9), spec, today=TODAY).status == "achieved"
    assert forecast(yearly(30, 20, 11), spec, today=TODAY).status != "achieved"


def test_a_value_met_before_a_passed_deadline_counts_even_if_it_fell_later() -> None:
    points = yearly(60, 70, 82, 78, last=2025)  # 82 % at the end of 2024, the deadline
    f = forecast(points, pct(80, D(2024, 12, 31)), today=D(2026, 1, 15))
    assert f.status == "achieved" and f.facts["achieved_date"] == "2024-12-31" and not f.facts["late"]
    # …but not while the deadline is still ahead: what counts then is where the value is heading
    ahead = forecast(points, pct(80, D(2026, 12, 31)), today=D(2026, 1, 15))
    assert ahead.status != "achieved"


def test_met_after_the_deadline_is_achieved_late_with_probability_zero() -> None:
    f = forecast(yearly(60, 70, 78, 85, last=2025), pct(80, D(2024, 12, 31)), today=D(2026, 1, 15))
    assert (f.status, f.probability, f.facts["late"]) == ("achieved", 0.0, True)
    assert explain(f.as_dict()).startswith("Achieved late: 85% on 31/12/2025, 12 months after the deadline")


def test_target_outside_the_bounds_is_infeasible() -> None:
    f = forecast(RISING, pct(120), today=TODAY)
    assert (f.status, f.probability, f.proposed_date, f.facts["reason"]) == ("infeasible", 0.0, None, "outside_bounds")
    assert explain(f.as_dict()) == "Infeasible: the target 120% lies outside the possible range 0% to 100%."
    below = forecast(yearly(5, 4, 3), Spec(-1, D(2026, 12, 31), "decrease", lower_bound=0), today=TODAY)
    assert below.status == "infeasible"
    assert explain(below.as_dict()) == "Infeasible: the target -1 is below the lowest possible value 0."


def test_steady_rise_reaching_the_target_early_is_on_track() -> None:
    f = forecast(RISING, pct(78), today=TODAY)
    assert f.method == "logistic" and f.status == "on_track" and f.probability is not None and f.probability >= 0.7
    assert f.proposed_date is not None and f.proposed_date_80 is not None
    assert D(2025, 9, 1) < f.proposed_date <= f.proposed_date_80 < D(2026, 12, 31)
    assert f.pace is not None and 1.4 < f.pace < 2.4  # points a quarter
    text = explain(f.as_dict())
    assert text.startswith("At the current pace of +1.") and "points a quarter, 78% is reached in Q" in text
    assert "before the deadline" in text


def test_the_optimistic_bound_separates_off_track_from_infeasible() -> None:
    f = forecast(RISING, pct(95, D(2025, 12, 31)), today=TODAY)
    optimistic = f.facts["optimistic"]  # p90 of the value at the deadline
    assert f.facts["deadline_p10"] < f.facts["deadline_p50"] < optimistic
    just_below = forecast(RISING, pct(optimistic - 0.05, D(2025, 12, 31)), today=TODAY)
    just_above = forecast(RISING, pct(optimistic + 0.05, D(2025, 12, 31)), today=TODAY)
    assert just_below.status == "off_track" and just_above.status == "infeasible"
    assert just_above.probability is not None and just_above.probability < 0.1
    assert "Even the optimistic estimate" in explain(just_above.as_dict())
    middle = forecast(RISING, pct(f.facts["deadline_p50"], D(2025, 12, 31)), today=TODAY)
    assert middle.status == "at_risk" and middle.probability == pytest.approx(0.5, abs=0.01)


def test_exact_line_gives_the_analytic_crossing_date() -> None:
    points = yearly(50, 60, 70, 80, last=2024)  # +10 a year; 100 is reached two years after the last
    f = forecast(points, Spec(100, D(2030, 12, 31), "increase"), today=TODAY)
    assert f.method == "linear" and f.status == "on_track"
    assert f.proposed_date is not None and abs((f.proposed_date - D(2026, 12, 31)).days) <= 2
    assert f.pace == pytest.approx(10, rel=1e-3)  # a year is 365.25 days, 2024 had 366


def test_one_wild_value_barely_moves_the_date() -> None:
    clean = yearly(50, 60, 70, 80, 90, 100, last=2024)
    wild = [*clean[:3], Point(clean[3].date, 300.0), *clean[4:]]
    spec = Spec(140, D(2030, 12, 31), "increase")
    a, b = (forecast(p, spec, today=TODAY).proposed_date for p in (clean, wild))
    assert a is not None and b is not None and abs((a - b).days) < 60


def test_flat_series_gets_no_date_and_is_not_on_track() -> None:
    f = forecast(quarterly([60.2, 59.8, 60.4, 60.0, 59.7, 60.3, 60.1, 59.9]), pct(64), today=TODAY)
    assert f.facts["trend"] == "flat" and f.proposed_date is None and f.proposed_date_80 is None
    assert f.status in ("at_risk", "off_track", "infeasible")
    assert explain(f.as_dict()).startswith("The value shows no clear trend")


def test_declining_series_when_it_should_increase() -> None:
    f = forecast(quarterly([70, 68.5, 67.2, 65.9, 64, 62.8]), pct(80), today=TODAY)
    assert (f.facts["trend"], f.proposed_date, f.status) == ("down", None, "infeasible")
    assert f.pace is not None and f.pace < 0
    text = explain(f.as_dict())
    assert text.startswith("The value is falling (−1.") and "while the target requires it to rise" in text


def test_missed_deadline_with_a_later_value_gives_zero() -> None:
    points = yearly(40, 50, 60, 70, last=2025)
    f = forecast(points, Spec(90, D(2024, 12, 31), "increase", unit="%"), today=D(2026, 2, 1))
    assert (f.probability, f.status, f.facts["reason"]) == (0.0, "infeasible", "deadline_missed")
    assert f.proposed_date is not None and abs((f.proposed_date - D(2027, 12, 31)).days) <= 2  # 70 → 90 at +10
    assert explain(f.as_dict()).startswith("The deadline 31/12/2024 has passed without reaching 90%")


def test_passed_deadline_without_a_value_yet_is_still_forecast() -> None:
    # the 2025 value arrives in spring 2026: until then the deadline's value is a forecast, not a miss
    f = forecast(yearly(40, 50, 60, 70), Spec(80, D(2025, 12, 31), "increase"), today=D(2026, 1, 15))
    assert f.facts["reason"] is None and f.probability is not None and f.probability > 0.4


def test_method_suits_the_quantity() -> None:
    growth = yearly(*(100 * 1.4**i for i in range(6)))
    spec = Spec(5000, D(2030, 12, 31), "increase")
    f = forecast(growth, spec, today=TODAY)
    assert f.method == "log-linear" and f.facts["growth_rate"] == pytest.approx(0.4, abs=0.01)
    crossing = D(2024, 12, 31) + dt.timedelta(days=365.25 * math.log(5000 / (100 * 1.4**5)) / math.log(1.4))
    assert f.proposed_date is not None and abs((f.proposed_date - crossing).days) < 10
    assert forecast(yearly(50, 60, 70, 80), spec, today=TODAY).method == "linear"
    assert forecast(yearly(-5, 10, 20, 30), spec, today=TODAY).method == "linear"  # not all positive


def test_a_target_on_the_bound_is_reachable() -> None:
    # a logistic curve never touches 100 %: a target on the bound is met 0.5 % of the range inside it
    f = forecast(yearly(40, 60, 76, 87, 93), pct(100, D(2032, 12, 31)), today=TODAY)
    assert f.status != "infeasible" and f.proposed_date is not None
    assert D(2027, 1, 1) < f.proposed_date < D(2030, 1, 1)


def test_points_are_sorted_and_deduplicated() -> None:
    shuffled = [RISING[3], RISING[0], *RISING[4:], RISING[2], RISING[1], Point(RISING[-1].date, math.nan)]
    assert forecast(shuffled, pct(78), today=TODAY).as_dict() == forecast(RISING, pct(78), today=TODAY).as_dict()


def test_bad_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        forecast(RISING, Spec(80, D(2026, 1, 1), "up"), today=TODAY)
    with pytest.raises(ValueError, match="period"):
        forecast(RISING, Spec(80, D(2026, 1, 1), "increase", period="Weekly"), today=TODAY)


# --- fan, milestones, the stored dict --------------------------------------------------------------------------


def test_fan_runs_monthly_from_the_last_value_past_the_deadline_within_the_bounds() -> None:
    f = forecast(RISING, pct(90, D(2026, 12, 31)), today=TODAY)
    dates = [D.fromisoformat(r["date"]) for r in f.fan]
    assert dates[0] == D(2025, 3, 31) and dates[1] == D(2025, 4, 30) and D(2026, 12, 31) in dates
    assert dates[-1] == min(f.proposed_date_80 or D(2026, 12, 31), D(2035, 6, 30))
    assert all(0 <= r["p10"] <= r["p50"] <= r["p90"] <= 100 for r in f.fan)
    widths = [r["p90"] - r["p10"] for r in f.fan[:12]]
    assert widths == sorted(widths)  # the band widens with the distance from the data


def test_milestones_past_and_future() -> None:
    spec = pct(85, milestones=((D(2023, 12, 31), 60.0), (D(2024, 12, 31), 70.0), (D(2026, 6, 30), 75.0)))
    f = forecast(RISING, spec, today=TODAY)
    past_met, past_missed, future = f.milestones
    assert (past_met["met"], past_met["probability"]) == (True, 1.0)
    assert (past_missed["met"], past_missed["probability"]) == (False, 0.0)  # 66.3 at the end of 2024
    assert future["met"] is None and 75 < future["expected"] < 85 and future["probability"] > 0.7
    assert set(future) == {"date", "value", "expected", "probability", "met"}


def test_as_dict_is_json_and_has_the_contract_keys() -> None:
    f = forecast(RISING, pct(90, milestones=((D(2026, 6, 30), 75.0),)), today=TODAY)
    details = json.loads(json.dumps(f.as_dict()))
    assert set(details) == {
        "status",
        "probability",
        "proposed_date",
        "proposed_date_80",
        "current_value",
        "current_date",
        "method",
        "pace",
        "fan",
        "milestones",
        "facts",
        "points",
    }
    assert details["points"][0] == {"date": "2022-12-31", "value": 52.0}
    assert set(details["fan"][0]) == {"date", "p10", "p50", "p90"}
    assert explain(details) == explain(f.as_dict())


# --- the sentence ----------------------------------------------------------------------------------------------


def test_explain_late_in_english() -> None:
    f = forecast(RISING, pct(80, D(2025, 12, 31)), today=TODAY)
    months = f.facts["months_from_deadline"]
    assert months > 0
    text = explain(f.as_dict())
    assert f"{months} months after the deadline (probability of meeting the deadline: " in text
    assert text.startswith("At the current pace of +")


def test_numbers_follow_the_active_language() -> None:
    with translation.override("vi"):
        assert forecast_text.number(2.1) == "2,1"
        assert forecast_text.number(1234.4) == "1.234"
        assert forecast_text.number(80.0) == "80"
        assert forecast_text.pace(2.1, "", "Yearly").startswith("+2,1")
        text = explain(forecast(RISING, pct(78), today=TODAY).as_dict())
        assert "+1," in text and "+1." not in text
    with translation.override("en"):
        assert forecast_text.number(1234.4) == "1,234"
        assert forecast_text.number(0.05) == "0.05"
        assert forecast_text.percent(0.004) == "<1%" and forecast_text.percent(0.123) == "12%"
        assert forecast_text.quarter("2026-08-01") == "Q3 2026"


def test_explain_of_empty_details_is_empty() -> None:
    assert explain({}) == ""
    assert explain({"status": "on_track"}) == ""


def test_probability_matches_the_fan_at_the_deadline() -> None:
    f = forecast(RISING, pct(74, D(2025, 12, 31)), today=TODAY)
    row = next(r for r in f.fan if r["date"] == "2025-12-31")
    assert f.probability is not None
    assert (row["p50"] >= 74) == (f.probability >= 0.5)
    assert np.isclose(row["p90"], f.facts["optimistic"])


# --- a series that levelled off, the current level, dates from today -------------------------------------------

# quarter ends from the end of 2021 to 30 September 2026 (the demo's CT05 and CT06: fast growth that slowed)
QUARTER_ENDS = [D(y, m, 31 if m in (3, 12) else 30) for y in range(2021, 2027) for m in (3, 6, 9, 12)][3:23]
SLOWED = {  # the target, and two rows of ten quarters
    "CT05": (
        80.0,
        (12.3, 14.6, 17.6, 21, 25.3, 29.2, 33.1, 37.9, 42.7, 48),
        (52.8, 57.4, 59.1, 63.3, 66.9, 69.6, 72.4, 69.9, 77.1, 77),
    ),
    "CT06": (
        50.0,
        (4.4, 5.6, 7, 8.7, 10.9, 13.6, 16.1, 19.2, 21.8, 24.7),
        (28.1, 31.9, 34.2, 35.8, 37.3, 39.7, 40.8, 39.9, 41.7, 43),
    ),
}
LATE_2026 = D(2026, 11, 26)


def band_at_latest(f: Forecast) -> tuple[float, float, float]:
    assert f.current_date is not None and f.fan[0]["date"] == f.current_date.isoformat()
    return f.fan[0]["p10"], f.fan[0]["p50"], f.fan[0]["p90"]


def test_a_flattening_series_is_not_on_track_and_starts_where_it_is() -> None:
    # +20, +10, +5, +2, +0.5 points a year: a line through it all would promise 90 % within two years
    points = yearly(40, 60, 70, 75, 77, 77.5, last=2025)
    f = forecast(points, pct(90, D(2028, 12, 31)), today=D(2026, 3, 31))
    assert f.status not in ("on_track", "achieved")
    assert f.proposed_date is None or f.proposed_date > D(2026, 3, 31)
    assert f.facts["fit"]["damping_per_year"] > 0  # the slowing is carried forward, not the early pace
    p10, p50, p90 = band_at_latest(f)
    assert p10 <= 77.5 <= p90 and abs(p50 - 77.5) < 1 and f.facts["deadline_p50"] < 80  # 90 is far off


@pytest.mark.parametrize("code", sorted(SLOWED))
def test_a_series_that_slowed_keeps_its_latest_value_inside_the_band(code: str) -> None:
    target, first, second = SLOWED[code]
    points = [Point(d, v) for d, v in zip(QUARTER_ENDS, (*first, *second), strict=True)]
    f = forecast(points, pct(target, D(2026, 12, 31)), today=LATE_2026)
    p10, p50, p90 = band_at_latest(f)
    assert p10 <= points[-1].value <= p90  # was 79.4–86.0 around 77.0 and 46.5–64.1 around 43.0
    assert abs(p50 - points[-1].value) < 1.5
    assert f.status != "on_track"  # 3 points (CT05) or 7 points (CT06) to go in one month
    assert all(d is None or d >= LATE_2026 for d in (f.proposed_date, f.proposed_date_80))


def test_a_zero_baseline_does_not_dominate_the_fit() -> None:
    # a programme that started from nothing: the logit of 0 % (clamped to 0.5 %) is an arbitrary −5.3
    spec = pct(90, D(2026, 12, 31))
    from_zero = forecast(yearly(0, 14.2, 39.5, 61.8, 76.9, last=2025), spec, today=LATE_2026)
    from_three = forecast(yearly(3, 14.2, 39.5, 61.8, 76.9, last=2025), spec, today=LATE_2026)
    p10, p50, p90 = band_at_latest(from_zero)
    assert 60 < p10 <= 76.9 <= p90 < 92  # was 31.1–98.6
    assert abs(p50 - 76.9) < 3
    assert max(from_zero.probability or 1, from_three.probability or 1) < 0.7  # 13 points in the last year to go
    # a fall onto the bound at the end is news, not a baseline: it is kept, and the forecast starts there
    fell = forecast(yearly(30, 20, 10, 0, last=2025), spec, today=LATE_2026)
    assert fell.fan[0]["p50"] < 2 and fell.status == "infeasible"


def test_no_date_before_today_or_the_day_after_the_latest_value() -> None:
    # the latest value is a year and a half old; at its pace the target was probably met in the meantime
    points = yearly(50, 60, 70, 80, last=2024)
    today = D(2026, 6, 15)
    f = forecast(points, Spec(85, D(2027, 12, 31), "increase"), today=today)
    assert f.status == "on_track" and f.proposed_date == today
    assert f.proposed_date_80 is not None and f.proposed_date_80 >= today
    # on the day of the latest value, the day after it is the earliest
    g = forecast(points, Spec(80.5, D(2027, 12, 31), "increase"), today=D(2024, 12, 31))
    assert g.proposed_date is not None and g.proposed_date >= D(2025, 1, 1)
    assert f.fan[0]["date"] == "2024-12-31"  # the fan still starts at the latest value
    assert f.facts["version"] == VERSION == 2  # (a new method recomputes the stored verdicts)


def test_growth_that_sped_up_is_continued_at_its_current_pace() -> None:
    # not all positive (so linear), pace 5, 10, 15, 20, 25 a year: the recent pace holds, it does not keep rising
    points = yearly(-10, -5, 5, 20, 40, 65, last=2024)
    f = forecast(points, Spec(200, D(2032, 12, 31), "increase"), today=TODAY)
    assert f.method == "linear" and f.facts["fit"]["damping_per_year"] < 0
    assert f.facts["fit"]["long_run_slope_per_year"] < 16
    assert f.pace is not None and 20 < f.pace < 40  # the fitted pace at the end; the long-run line says 15
    steps = np.diff([r["p50"] for r in f.fan[:25]])
    assert np.allclose(steps[1:], steps[1], rtol=0.15)  # straight ahead (month lengths vary a little)

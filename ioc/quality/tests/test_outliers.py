"""The outlier checks on synthetic series: a seasonal peak is usual, a typo is not."""

from __future__ import annotations

import math

import pytest

from ioc.quality import outliers


def monthly(first_year: int, values: list[float]) -> dict[str, float]:
    return {f"{first_year + i // 12}{i % 12 + 1:02d}": v for i, v in enumerate(values)}


def summer_peak(years: int = 5, base: float = 200.0, growth: float = 0.03) -> dict[str, float]:
    """Tourism-like: July and August four times the rest, a small trend, a deterministic wobble."""
    values = []
    for i in range(12 * years):
        month = i % 12 + 1
        season = 4.0 if month in (7, 8) else 1.0
        wobble = 1.0 + 0.05 * math.sin(i * 1.7)
        values.append(round(base * season * (1 + growth) ** (i / 12) * wobble))
    return monthly(2020, values)


def test_a_normal_summer_peak_is_not_flagged() -> None:
    assert outliers.seasonal_outliers(summer_peak()) == []
    assert outliers.seasonal_outliers(summer_peak(), k=3.5) == []


def test_a_tenfold_typo_is_flagged_with_its_reason() -> None:
    series = summer_peak()
    usual = series["202307"]
    series["202307"] = usual * 10
    flags = outliers.seasonal_outliers(series, where="Phường Tích Sơn")
    assert [f.period for f in flags] == ["202307"]
    flag = flags[0]
    assert flag.method == outliers.SEASONAL
    assert flag.value == usual * 10
    assert flag.expected == pytest.approx(usual, rel=0.15)
    assert 8.5 < flag.ratio < 11.5
    assert flag.score > outliers.DEFAULT_K
    assert flag.reason.endswith("× the usual July for Phường Tích Sơn")


def test_a_dropped_digit_is_flagged_as_a_tenth() -> None:
    series = summer_peak()
    series["202402"] = series["202402"] // 10
    flags = outliers.seasonal_outliers(series)
    assert [f.period for f in flags] == ["202402"]
    assert flags[0].ratio < 0.15
    assert flags[0].reason.startswith("0.1× the usual February for this unit")


def test_a_value_in_a_flat_series() -> None:
    series = monthly(2022, [100.0 + (i % 3) for i in range(30)])
    assert outliers.seasonal_outliers(series) == []
    series["202305"] = 1000.0
    assert [f.period for f in outliers.seasonal_outliers(series)] == ["202305"]
    # a 30 % rise in a flat series is not a typo
    series["202305"] = 130.0
    assert outliers.seasonal_outliers(series) == []


def test_zeros() -> None:
    # a series of zeros with a few small counts: no log(0), no alarm on small counts
    series = monthly(2021, [0.0, 0.0, 1.0, 0.0, 2.0, 0.0] * 5)
    assert outliers.seasonal_outliers(series) == []
    series["202301"] = 9.0  # still tiny: expected < 5 and value < 10
    assert outliers.seasonal_outliers(series) == []
    series["202301"] = 400.0
    assert [f.period for f in outliers.seasonal_outliers(series)] == ["202301"]
    # a zero where hundreds are usual
    busy = summer_peak()
    busy["202210"] = 0.0
    flags = outliers.seasonal_outliers(busy)
    assert [f.period for f in flags] == ["202210"] and flags[0].ratio == 0.0


def test_too_little_history() -> None:
    series = monthly(2025, [10.0, 12.0, 500.0, 11.0, 9.0, 10.0])  # 5 others for each value
    verdicts = outliers.seasonal_verdicts(series)
    assert all(not v.flagged and v.expected is None for v in verdicts)
    assert verdicts[2].reason == "too little history (5 other values; at least 6 needed)"
    assert outliers.seasonal_outliers(series) == []
    assert outliers.zscore_outliers(series) == []


def test_a_short_series_falls_back_to_the_surrounding_months() -> None:
    series = monthly(2025, [50.0, 52.0, 49.0, 51.0, 500.0, 50.0, 48.0, 53.0])
    verdict = outliers.check_value(series, "202505")
    assert verdict.flagged and verdict.method == outliers.RECENT
    assert verdict.expected == 50.0  # the median of the other seven
    assert "the usual level of the surrounding months for this unit" in verdict.reason
    assert not outliers.check_value(series, "202502").flagged
    with pytest.raises(KeyError):
        outliers.check_value(series, "202412")


def test_the_trend_scales_the_seasonal_baseline() -> None:
    # doubling every year: last year's July alone would call this July 2× the usual
    series = summer_peak(growth=1.0)
    verdict = outliers.check_value(series, "202407")
    assert not verdict.flagged
    assert verdict.ratio == pytest.approx(1.0, abs=0.25)


def test_the_zscore_baseline_alarms_on_a_normal_peak() -> None:
    # a strongly seasonal series: the z-score takes the festival month for an outlier every year
    values = [1000.0 if i % 12 == 1 else 100.0 + (i % 5) for i in range(60)]
    series = monthly(2020, values)
    z_flags = outliers.zscore_outliers(series)
    assert {f.period for f in z_flags} == {"202002", "202102", "202202", "202302", "202402"}
    assert z_flags[0].method == outliers.ZSCORE and "standard deviations from the mean" in z_flags[0].reason
    assert outliers.seasonal_outliers(series) == []


def test_a_common_shock_is_not_a_typo_in_each_unit() -> None:
    # five communes, all down to a fifth in April 2022 (a lockdown); one of them also has a tenfold typo
    series = {}
    for unit in range(5):
        s = monthly(2019, [100.0 + unit * 10 + (i * 7 % 5) for i in range(60)])
        s["202204"] = s["202204"] / 5
        series[unit] = s
    series[3]["202109"] *= 10
    alone = {u: outliers.seasonal_outliers(s) for u, s in series.items()}
    assert all("202204" in {f.period for f in flags} for flags in alone.values())  # without the peers
    grouped = outliers.seasonal_outliers_of_groups(series, lambda unit: "OPD")
    assert list(grouped) == [3]
    assert [f.period for f in grouped[3]] == ["202109"]


def test_shocks_are_explained_in_the_reason() -> None:
    series = {u: monthly(2019, [100.0 + u + (i * 7 % 5) for i in range(60)]) for u in range(6)}
    for s in series.values():
        s["202204"] = s["202204"] / 5
    series[0]["202204"] = 200.0  # business as usual, when every other unit fell to a fifth
    grouped = outliers.seasonal_outliers_of_groups(series, lambda unit: 1, where=lambda unit: "Xã Đạo Trù")
    assert [f.period for f in grouped[0]] == ["202204"]
    assert grouped[0][0].reason.startswith("9.")
    assert "× the usual April for Xã Đạo Trù, counting the change most units saw that month (0.2×)" in (
        grouped[0][0].reason
    )


def test_bad_periods_are_refused() -> None:
    with pytest.raises(ValueError, match="not a monthly period"):
        outliers.seasonal_outliers({"2025Q1": 3.0})
    with pytest.raises(ValueError):
        outliers.month_index("202513")

"""Outliers in one monthly series (one unit × data element × option combo), seasonal-aware and robust.

A value is compared with what the series itself makes usual for that month:

* the **seasonal baseline**: the same calendar month of the series' other years (a check of past data knows
  the later years too; a value just entered has only earlier ones), each scaled by the series' trend — the
  level around the value over the level around that year's month, a level being the median of the 12 months
  around it (the 12 before it at the end of the series) — and the median of those taken;
* when no other year has that month (a short series), the level around the value alone;
* over many series (`seasonal_outliers_of_groups`), less the **common shock** of the month: the median
  log-ratio of the peer series (same element, other units) — a lockdown or a new service taking off moves
  every unit at once and is not a typo in each;
* the **spread**: the median absolute deviation (MAD) of the log-ratios value / expected over the whole
  series, with a floor so that a very smooth series does not turn every wobble into an alarm.

A value is flagged when |log(value / expected)| > k × 1.4826 × MAD (k = 6 by default, tuned on the demo; 1.4826 × MAD
estimates one standard deviation) and the difference is material (tiny counts are left alone). Zeros are
handled with an additive offset (log(5 + x), which also quiets the noise of small counts). Fewer than 6 other values: no verdict ("too little history").

`zscore_outliers` is the plain baseline kept for comparison: mean and standard deviation of the whole
series, |z| > 3. It alarms on every normal seasonal peak of a strongly seasonal series and misses typos in
series whose spread the typo itself inflated.

Pure functions over {period id "YYYYMM": value}; no database, no numpy (tqdm for an optional progress bar).
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from tqdm import tqdm

SIGMA_PER_MAD = 1.4826  # MAD × this estimates the standard deviation of a normal distribution
DEFAULT_K = 6.0  # tuned on the demo (seeds 2025 and 7): scripts/measure_outliers.py
DEFAULT_Z = 3.0
MIN_POINTS = 6  # other values needed for a verdict
MAD_FLOOR = 0.05  # in log units (≈ 5 %): the least spread a series is credited with
OFFSET = 5.0  # added to value and expected before taking logs, so that zeros are comparable
MIN_EXPECTED = 5.0  # tiny counts: not flagged when the expected value is below this …
MIN_VALUE = 10.0  # … and the value below this
WINDOW = 12  # months in a level

SEASONAL = "seasonal"
RECENT = "recent"  # the fallback of a short series: the level of the months around the value
ZSCORE = "zscore"

K = TypeVar("K")
G = TypeVar("G")

_MONTH_ID = re.compile(r"^(\d{4})(\d{2})$")


@dataclass(frozen=True)
class Flag:
    """A value judged unusual (or, as a Verdict, judged at all): what it was, what was expected, by how much."""

    period: str
    value: float
    expected: float
    ratio: float  # value / expected
    score: float  # |log-ratio| in robust standard deviations (seasonal), |z| (z-score)
    method: str  # SEASONAL, RECENT or ZSCORE
    reason: str  # for people, in the active language


@dataclass(frozen=True)
class Verdict:
    """The judgement of one value: flagged or not, or no verdict (expected None) for too little history."""

    period: str
    value: float
    flagged: bool
    expected: float | None
    ratio: float | None
    score: float | None
    method: str | None
    reason: str


def month_index(period: str) -> int:
    """Months since year 0 for a monthly period id ("202507"); ValueError for anything else."""
    match = _MONTH_ID.match(period)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"not a monthly period: {period!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def _period_id(m: int) -> str:
    return f"{m // 12:04d}{m % 12 + 1:02d}"


def _ratio(value: float, expected: float) -> float:
    if expected > 0:
        return value / expected
    return (value + OFFSET) / (expected + OFFSET)


def _log_ratio(value: float, expected: float) -> float:
    # max(…, 0): a negative value (a balance) must not reach log(0); such series have little to say here
    return math.log(max(value + OFFSET, 1e-9) / max(expected + OFFSET, 1e-9))


def format_number(x: float) -> str:
    if abs(x) >= 100:
        return formats.number_format(round(x), 0, use_l10n=True, force_grouping=True)
    if abs(x) >= 10:
        return formats.number_format(x, 1, use_l10n=True)
    return formats.number_format(x, 2 if abs(x) < 0.1 else 1, use_l10n=True)


def _material(value: float, expected: float, min_expected: float, min_value: float) -> bool:
    return not (abs(expected) < min_expected and abs(value) < min_value)


def _as_months(series: Mapping[str, float]) -> dict[int, float]:
    return {month_index(p): float(v) for p, v in series.items()}


class _Seasonal:
    """The expected value of every month of one series, computed once (levels shared by all its values)."""

    def __init__(self, months: dict[int, float]) -> None:
        self.months = months
        self.first = min(months) if months else 0
        self.last = max(months) if months else 0
        self._levels: dict[int, float | None] = {}

    def level(self, m: int) -> float | None:
        """The median of the (up to) 12 other months of the 13-month window around m, shifted to stay inside
        the series (so the 12 months before m for the last month); None with fewer than 6 of them."""
        if m not in self._levels:
            start = max(self.first, min(m - WINDOW // 2, self.last - WINDOW))
            around = [self.months[i] for i in range(start, start + WINDOW + 1) if i != m and i in self.months]
            self._levels[m] = statistics.median(around) if len(around) >= MIN_POINTS else None
        return self._levels[m]

    def expected(self, m: int) -> tuple[float, str] | None:
        here = self.level(m)
        if here is None:
            return None
        scaled = []
        for other in range(m - 12 * ((m - self.first) // 12), self.last + 1, 12):
            if other == m or other not in self.months:
                continue
            there = self.level(other)
            trend = 1.0 if there is None else (here + OFFSET) / (there + OFFSET)
            scaled.append(self.months[other] * trend)
        if len(scaled) == 2:
            scaled.append(here)  # two years that disagree (one of them a typo?): the level decides
        if scaled:
            return statistics.median(scaled), SEASONAL
        return here, RECENT


def _reason(method: str, period: str, ratio: float, where: str | None, shock: float = 1.0) -> str:
    unit = where or _("this unit")
    shown = format_number(ratio)
    if method == SEASONAL:
        month = str(MONTHS[month_index(period) % 12 + 1])
        text = _("%(ratio)s× the usual %(month)s for %(unit)s") % {"ratio": shown, "month": month, "unit": unit}
    else:
        text = _("%(ratio)s× the usual level of the surrounding months for %(unit)s") % {"ratio": shown, "unit": unit}
    if not 0.8 < shock < 1.25:
        text += _(", counting the change most units saw that month (%(shock)s×)") % {"shock": format_number(shock)}
    return text


def _too_little(count: int) -> str:
    return _("too little history (%(count)d other values; at least %(min)d needed)") % {
        "count": count,
        "min": MIN_POINTS,
    }


@dataclass
class Fit:
    """The seasonal expectation of every value of one series and its log-ratio residuals (None: no verdict)."""

    months: dict[int, float]
    expected: dict[int, tuple[float, str] | None]
    residuals: dict[int, float]

    def residuals_by_period(self) -> dict[str, float]:
        return {_period_id(m): r for m, r in self.residuals.items()}


def fit(series: Mapping[str, float]) -> Fit:
    """The seasonal baseline of every value of the series (see the module's docstring)."""
    months = _as_months(series)
    if len(months) - 1 < MIN_POINTS:
        return Fit(months, dict.fromkeys(months), {})
    model = _Seasonal(months)
    expected = {m: model.expected(m) for m in months}
    residuals = {m: _log_ratio(months[m], e[0]) for m, e in expected.items() if e is not None}
    return Fit(months, expected, residuals)


def common_shocks(fits: Iterable[Fit], *, min_series: int = 5) -> dict[str, float]:
    """{period: the median log-ratio of the series that have it}: the change most units saw that month (a
    lockdown, an outbreak, a new service taking off), when at least `min_series` series have that month.
    Pass it to `judge` for the series of the same data element, so that a shock shared by the whole province
    is not taken for a typo in each unit, while a value far from what its peers did still is."""
    by_month: dict[int, list[float]] = defaultdict(list)
    for f in fits:
        for m, r in f.residuals.items():
            by_month[m].append(r)
    return {_period_id(m): statistics.median(rs) for m, rs in by_month.items() if len(rs) >= min_series}


def judge(
    f: Fit,
    *,
    k: float = DEFAULT_K,
    where: str | None = None,
    shocks: Mapping[str, float] | None = None,
    min_expected: float = MIN_EXPECTED,
    min_value: float = MIN_VALUE,
    mad_floor: float = MAD_FLOOR,
) -> list[Verdict]:
    """A verdict on every value of a fitted series, in period order, its residuals less the common `shocks`."""
    shocks = shocks or {}
    shift = {m: shocks.get(_period_id(m), 0.0) for m in f.residuals}
    adjusted = {m: r - shift[m] for m, r in f.residuals.items()}
    if adjusted:
        centre = statistics.median(adjusted.values())
        mad = statistics.median(abs(r - centre) for r in adjusted.values())
    else:
        mad = 0.0
    sigma = SIGMA_PER_MAD * max(mad, mad_floor)
    verdicts = []
    for m, value in sorted(f.months.items()):
        period = _period_id(m)
        e = f.expected[m]
        if e is None:
            verdicts.append(Verdict(period, value, False, None, None, None, None, _too_little(len(f.months) - 1)))
            continue
        exp_value, method = e
        if shift[m]:
            exp_value = (exp_value + OFFSET) * math.exp(shift[m]) - OFFSET
        score = abs(adjusted[m]) / sigma
        ratio = _ratio(value, exp_value)
        flagged = score > k and _material(value, exp_value, min_expected, min_value)
        reason = _reason(method, period, ratio, where, math.exp(shift[m]))
        verdicts.append(Verdict(period, value, flagged, exp_value, ratio, score, method, reason))
    return verdicts


def seasonal_verdicts(
    series: Mapping[str, float],
    *,
    k: float = DEFAULT_K,
    where: str | None = None,
    shocks: Mapping[str, float] | None = None,
) -> list[Verdict]:
    """A verdict on every value of the series, in period order. `where` names the unit in the reasons
    ("Phường Tích Sơn"; default "this unit"); `shocks` from `common_shocks` of its peer series."""
    return judge(fit(series), k=k, where=where, shocks=shocks)


def seasonal_outliers_of_groups(
    series: Mapping[K, Mapping[str, float]],
    group: Callable[[K], G],
    *,
    k: float = DEFAULT_K,
    where: Callable[[K], str | None] = lambda key: None,
    progress: bool = False,
) -> dict[K, list[Flag]]:
    """Flags of many series, the common shocks taken out per group of peers (`group(key)`: the data element
    and option combo of the series, say). Series without flags are left out."""
    items = tqdm(series.items(), desc=_("Series"), unit=_("series"), disable=None if progress else True)
    fits = {key: fit(s) for key, s in items}
    peers: dict[G, list[Fit]] = defaultdict(list)
    for key, f in fits.items():
        peers[group(key)].append(f)
    shocks = {g: common_shocks(fs) for g, fs in peers.items()}
    result: dict[K, list[Flag]] = {}
    for key, f in fits.items():
        flags = _flags(judge(f, k=k, where=where(key), shocks=shocks[group(key)]))
        if flags:
            result[key] = flags
    return result


def _flags(verdicts: Iterable[Verdict]) -> list[Flag]:
    return [
        Flag(v.period, v.value, v.expected, v.ratio, v.score, v.method, v.reason)
        for v in verdicts
        if v.flagged and v.expected is not None and v.ratio is not None and v.score is not None and v.method
    ]


def seasonal_outliers(series: Mapping[str, float], *, k: float = DEFAULT_K, where: str | None = None) -> list[Flag]:
    """The flagged values of the series (seasonal baseline, robust spread), in period order."""
    return _flags(seasonal_verdicts(series, k=k, where=where))


def check_value(series: Mapping[str, float], period: str, *, k: float = DEFAULT_K, where: str | None = None) -> Verdict:
    """The verdict on one value of the series (`period` must be in it; KeyError otherwise)."""
    if period not in series:
        raise KeyError(period)
    wanted = _period_id(month_index(period))
    return next(v for v in seasonal_verdicts(series, k=k, where=where) if v.period == wanted)


def zscore_outliers(
    series: Mapping[str, float],
    *,
    threshold: float = DEFAULT_Z,
    min_expected: float = MIN_EXPECTED,
    min_value: float = MIN_VALUE,
) -> list[Flag]:
    """The plain baseline: values more than `threshold` standard deviations from the series' mean."""
    months = _as_months(series)
    if len(months) - 1 < MIN_POINTS:
        return []
    values = list(months.values())
    mean = statistics.fmean(values)
    sd = statistics.pstdev(values, mean)
    if sd == 0:
        return []
    flags = []
    for m, value in sorted(months.items()):
        z = (value - mean) / sd
        if abs(z) > threshold and _material(value, mean, min_expected, min_value):
            reason = _("%(z)s standard deviations from the mean of this series (%(mean)s)") % {
                "z": format_number(z),
                "mean": format_number(mean),
            }
            flags.append(Flag(_period_id(m), value, mean, _ratio(value, mean), abs(z), ZSCORE, reason))
    return flags

"""The arithmetic behind ioc.plans.forecast: the transforms, a robust path and Student's t.

Every method is a path in a transformed space: the value itself (linear), its logarithm (log-linear: growth
by a constant factor a year) or the logit of its place between two bounds (logistic: an S-curve that cannot
pass 0 % or 100 %). The transforms are increasing, so "the value meets the target" is "the transformed value
meets the transformed target" and probabilities computed there are exact.

The path is a robust straight line (Theil–Sen) in that space or, when the history clearly bends, a curve
whose pace decays (growth that slows) or grew; it starts from the current level, not from where a line
through the whole history would put it (docs/forecasting.md, "The method").

Pure numpy; no scipy (Student's t from the closed forms of Abramowitz & Stegun 26.7.3–4).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

DAYS_PER_YEAR = 365.25
# A bounded value is clamped this share of the range inside its bounds before the logit (100 % would be
# +infinity); a target on a bound is taken as the same distance inside it, so "100 %" is met at 99.5 %. A
# leading run of values on a bound (a 0 % baseline) is left out of the fit when MIN_FIT_POINTS remain.
BOUND_MARGIN = 0.005
MIN_FIT_POINTS = 3
# Log-linear is chosen over linear only when it explains clearly better: its squared error, back in the
# quantity's unit, below this share of the linear fit's.
LOG_ADVANTAGE = 0.8
# The residual scale is the root mean square, which keeps the slope's t test at its nominal level with
# Theil–Sen (4–5.7 % "trends" found in pure noise at 95 %, measured for 3–36 values). From ROBUST_SCALE_MIN
# values on, residuals beyond HUBER_K robust standard deviations are capped first, so that one typo does not
# blow the interval up; a tighter cap makes the test see trends in noise (9 % at 3 deviations, 6 values).
ROBUST_SCALE_MIN = 6
HUBER_K = 8.0
# Floors of the residual scale: a perfectly straight series must not give 0 % or 100 %. A share of the
# series' own range (never of the target: the probability must stay monotone in it), and an absolute floor
# in the transformed space (logit units; log units; a share of the level).
FLOOR_SHARE_OF_RANGE = 0.01
SCALE_FLOOR = {"logistic": 0.005, "log-linear": 0.001}
LINEAR_FLOOR_SHARE = 1e-4
# The curve (Path): tried from CURVE_MIN_POINTS values on, with damping rates DAMPING_GRID / the span of the
# history in years (negative: growth that sped up). Kept only when it fits clearly better than the line (F
# test at CURVE_CONFIDENCE) and the values' own pace changed that way by CURVE_MIN_CHANGE or more (_material).
# Chosen with scripts/measure_forecasts.py (docs/forecasting.md, "What was measured and not kept"): a test at
# 0.975 loses 1–2 points of dates within ±6 months on lines and S-curves; no minimum change damps steady series.
CURVE_MIN_POINTS = 5
DAMPING_GRID = (-2.0, -1.0, -0.5, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
CURVE_CONFIDENCE = 0.99
CURVE_MIN_CHANGE = 0.2
# The level is corrected by where the recent values lie against the fit: the last RECENT_YEARS or the last
# half of the values, whichever is fewer, at least RECENT_MIN_POINTS.
RECENT_YEARS = 3.0
RECENT_MIN_POINTS = 4
# The share of the gap between the path and the long-run straight line added to the spread (Path.se).
DISAGREEMENT = 0.5


@dataclass(frozen=True)
class Transform:
    method: str  # "linear" | "log-linear" | "logistic"
    lower: float = 0.0  # logistic only
    upper: float = 1.0

    def _share(self, y: Floats) -> Floats:
        span = self.upper - self.lower
        lo, hi = self.lower + BOUND_MARGIN * span, self.upper - BOUND_MARGIN * span
        return (np.clip(y, lo, hi) - self.lower) / span

    def forward(self, y: Floats) -> Floats:
        if self.method == "logistic":
            share = self._share(y)
            return np.asarray(np.log(share / (1.0 - share)), dtype=np.float64)
        if self.method == "log-linear":
            with np.errstate(divide="ignore", invalid="ignore"):
                # a non-positive target can never be reached by a curve that stays above zero
                return np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), -np.inf)
        return np.asarray(y, dtype=np.float64)

    def forward1(self, y: float) -> float:
        return float(self.forward(np.array([y], dtype=np.float64))[0])

    def back(self, z: Floats) -> Floats:
        if self.method == "logistic":
            return np.asarray(self.lower + (self.upper - self.lower) / (1.0 + np.exp(-z)), dtype=np.float64)
        if self.method == "log-linear":
            return np.asarray(np.exp(np.minimum(z, 700.0)), dtype=np.float64)
        return np.asarray(z, dtype=np.float64)

    def back1(self, z: float) -> float:
        return float(self.back(np.array([z], dtype=np.float64))[0])


@dataclass(frozen=True)
class Line:
    """z = intercept + slope·t, t in years from the last value (the long-run line; the transform's choice)."""

    intercept: float
    slope: float
    scale: float  # residual standard deviation (transformed space), floored

    def mean(self, t: Floats) -> Floats:
        return self.intercept + self.slope * t


@dataclass(frozen=True)
class Path:
    """The forecast in the transformed space, t ≥ 0 in years after the last value:

        z(t) = level + slope · x(t),   x(t) = (1 − e^(−damping·t)) / damping,  or x(t) = t if damping ≤ 0.

    `level` is the current level, `slope` the current pace. A positive damping is growth that slows: the pace
    shrinks by a factor e^(−damping) a year, towards level + slope / damping. A negative one was fitted to
    growth that sped up; it is continued at its current pace, never extrapolated to speed up further. The
    history was fitted in x (the same formula for t ≤ 0, for either sign)."""

    level: float
    slope: float
    damping: float
    scale: float  # residual standard deviation (transformed space), floored
    n: int
    df: int
    x_mean: float  # of the history's x
    sxx: float  # Σ(x − x̄)² of the history
    long_run_slope: float  # of the straight line through all the values
    level_var: float = 0.0  # of the recent correction of the level (0: none)

    @property
    def slope_se(self) -> float:
        return self.scale / math.sqrt(self.sxx)

    def x(self, t: Floats) -> Floats:
        t = np.asarray(t, dtype=np.float64)
        if self.damping > 0:
            return np.asarray(-np.expm1(-self.damping * t) / self.damping)
        return t

    def mean(self, t: Floats) -> Floats:
        return self.level + self.slope * self.x(t)

    def se(self, t: Floats) -> Floats:
        """Standard error of a new value at t: the scatter plus the uncertainty of the fit (the textbook
        prediction interval of a straight-line fit, in x) and of the level's correction, plus DISAGREEMENT ×
        the gap between this path and the long-run straight line — when the pace has changed, the forecast
        is less sure that the new pace holds."""
        x = self.x(t)
        fit = self.scale**2 * (1.0 + 1.0 / self.n + (x - self.x_mean) ** 2 / self.sxx) + self.level_var
        gap = DISAGREEMENT * (self.slope * x - self.long_run_slope * np.asarray(t))
        return np.asarray(np.sqrt(fit + gap**2))


def theil_sen(t: Floats, z: Floats) -> tuple[float, float]:
    """Slope = median of the pairwise slopes; intercept = median of z − slope·t. Robust to a bad value."""
    i, j = np.triu_indices(len(t), k=1)
    slope = float(np.median((z[j] - z[i]) / (t[j] - t[i])))
    return slope, float(np.median(z - slope * t))


def _scale(residuals: Floats, df: int, floor: float) -> float:
    """Root mean square of the residuals over df, those beyond HUBER_K robust deviations capped first."""
    if len(residuals) >= ROBUST_SCALE_MIN:
        mad = 1.4826 * float(np.median(np.abs(residuals - np.median(residuals))))
        cap = HUBER_K * max(mad, floor)
        residuals = np.clip(residuals, -cap, cap)
    return max(math.sqrt(float(np.sum(residuals**2)) / df), floor)


def fit_line(t: Floats, z: Floats, floor: float) -> Line:
    slope, intercept = theil_sen(t, z)
    return Line(intercept, slope, _scale(z - (intercept + slope * t), len(t) - 2, floor))


def _history_x(t: Floats, damping: float) -> Floats:
    return t if damping == 0 else np.asarray(-np.expm1(-damping * t) / damping)


def fit_path(t: Floats, z: Floats, floor: float, back: Callable[[Floats], Floats]) -> Path:
    """The long-run line, or the curve when the history clearly bends (_curve), starting from the current
    level (_recent_level). `back` maps z to the quantity's unit."""
    n = len(t)
    line = fit_line(t, z, floor)
    damping, slope, intercept, df = 0.0, line.slope, line.intercept, n - 2
    curve = _curve(t, z, floor, _paces(t, z, back, line))
    if curve is not None:
        (damping, slope, intercept), df = curve, n - 3
    x = _history_x(t, damping)
    residuals = z - (intercept + slope * x)
    scale = _scale(residuals, df, floor)
    jitter = _jitter(residuals, floor)
    shift, shift_var = _recent_level(t, residuals, jitter)
    x_mean = float(np.mean(x))
    return Path(
        level=intercept + shift,
        slope=slope,
        damping=damping,
        scale=scale,
        n=n,
        df=df,
        x_mean=x_mean,
        sxx=float(np.sum((x - x_mean) ** 2)),
        long_run_slope=line.slope,
        level_var=shift_var,
    )


def _curve(t: Floats, z: Floats, floor: float, paces: tuple[float, float, float]) -> tuple[float, float, float] | None:
    """(damping, slope, intercept) of the best curve, when it is clearly better than the line; else None.
    Candidates are compared by least squares (the F test's setting), then fitted by Theil–Sen in x."""
    n, span = len(t), float(t[-1] - t[0])
    if n < CURVE_MIN_POINTS or span <= 0:
        return None

    def sse(x: Floats) -> float:
        slope, intercept = np.polyfit(x, z, 1)
        return float(np.sum((z - (intercept + slope * x)) ** 2))

    best: tuple[float, float, float, float] | None = None  # sse, damping, slope, intercept
    for k in DAMPING_GRID:
        x = _history_x(t, k / span)
        error = sse(x)
        if best is None or error < best[0]:
            slope, intercept = theil_sen(x, z)
            if _material(k, paces):
                best = (error, k / span, slope, intercept)
    if best is None:
        return None
    f_stat = (sse(t) - best[0]) / max(best[0] / (n - 3), floor**2)  # one more parameter: F(1, n − 3)
    if f_stat <= t_ppf(CURVE_CONFIDENCE, n - 3) ** 2:
        return None
    return best[1], best[2], best[3]


def _paces(t: Floats, z: Floats, back: Callable[[Floats], Floats], line: Line) -> tuple[float, float, float]:
    """(recent, before, average) pace of the values in their own unit, oriented so that the average is ≥ 0.
    Recent: the Theil–Sen slope over the last third of the values (2 at least). Before: the larger of the
    fastest such slope earlier and the pace the long-run line would carry forward from the latest value."""
    y = back(z)
    sign = 1.0 if y[-1] >= y[0] else -1.0
    m = max(2, round(len(t) / 3))
    slopes = [sign * theil_sen(t[i : i + m], y[i : i + m])[0] for i in range(len(t) - m + 1)]
    carried = sign * float(back(np.array([z[-1] + line.slope]))[0] - y[-1])
    average = sign * float(y[-1] - y[0]) / float(t[-1] - t[0])
    return slopes[-1], max([carried, *slopes[:-1]]), average


def _material(damping: float, paces: tuple[float, float, float]) -> bool:
    """The values' own pace, in their unit, changed clearly the curve's way: the recent pace is at most
    1 − CURVE_MIN_CHANGE of the pace before (damping > 0), or at least the average one over 1 − CURVE_MIN_CHANGE
    (damping < 0). Judged in the unit, not in the transformed space: a percentage rising by steady points
    looks slowing in logit space below 50 %, and the logit line would speed it up."""
    recent, before, average = paces
    if damping > 0:
        return before > 0 and recent <= (1 - CURVE_MIN_CHANGE) * before
    return average > 0 and recent >= average / (1 - CURVE_MIN_CHANGE)


def _jitter(residuals: Floats, floor: float) -> float:
    """The noise variance from the second differences of the residuals (for white noise their variance is
    6σ²): a smooth misfit of the curve, which first differences would count as noise, barely enters it."""
    if len(residuals) < 4:
        return max(float(np.mean(np.diff(residuals) ** 2)) / 2, floor**2)
    return max(float(np.mean(np.diff(residuals, 2) ** 2)) / 6, floor**2)


def _recent_level(t: Floats, residuals: Floats, jitter: float) -> tuple[float, float]:
    """(correction, its variance) of the level: a Theil–Sen line through the recent residuals, at the last
    value — the median of a few residuals would miss a bend in the very last ones. Moved towards 0 by what
    noise alone would give (positive-part James–Stein), so that noise barely moves the level."""
    n = len(t)
    within = int(np.sum(t >= -RECENT_YEARS * 1.02))  # (a little slack: three years of month ends)
    k = max(min(within, math.ceil(n / 2)), min(n, RECENT_MIN_POINTS))
    if k >= n:
        return 0.0, 0.0
    tw, rw = t[-k:], residuals[-k:]
    _, shift = theil_sen(tw, rw)
    t_mean = float(np.mean(tw))
    variance = jitter * (1 / k + t_mean**2 / float(np.sum((tw - t_mean) ** 2)))
    if shift == 0 or variance >= shift**2:
        return 0.0, 0.0
    return shift * (1.0 - variance / shift**2), variance


def scale_floor(method: str, y: Floats, z: Floats) -> float:
    absolute = SCALE_FLOOR.get(method, LINEAR_FLOOR_SHARE * float(np.median(np.abs(y))))
    return max(FLOOR_SHARE_OF_RANGE * float(np.ptp(z)), absolute, 1e-12)


def choose_transform(y: Floats, t: Floats, lower: float | None, upper: float | None) -> tuple[Transform, Path]:
    """Bounded (both bounds) → logistic; positive and clearly multiplicative → log-linear; else linear. The
    choice compares straight lines (never the target: the probability must stay monotone in it)."""
    if lower is not None and upper is not None and upper > lower:
        logistic = Transform("logistic", lower, upper)
        start = _leading_on_bound(y, logistic)
        if len(y) - start >= MIN_FIT_POINTS:
            y, t = y[start:], t[start:]
        return _fit(logistic, y, t)
    linear = Transform("linear")
    if np.all(y > 0):
        log = Transform("log-linear")
        line = fit_line(t, y, scale_floor("linear", y, y))
        z_log = log.forward(y)
        log_line = fit_line(t, z_log, scale_floor("log-linear", y, z_log))
        sse_linear = float(np.sum((y - line.mean(t)) ** 2))
        sse_log = float(np.sum((y - log.back(log_line.mean(t))) ** 2))
        if sse_log < LOG_ADVANTAGE * sse_linear:
            return _fit(log, y, t)
    return _fit(linear, y, t)


def _leading_on_bound(y: Floats, transform: Transform) -> int:
    """How many values at the start lie on a bound (or within BOUND_MARGIN of it, or beyond): a 0 % baseline
    before a programme started. Clamped, its logit is an arbitrary −5.3 that would dominate the line and the
    scatter, so such a leading run is left out of the fit (a later fall onto a bound is kept: it is news)."""
    margin = BOUND_MARGIN * (transform.upper - transform.lower)
    on_bound = (y <= transform.lower + margin) | (y >= transform.upper - margin)
    inside = np.nonzero(~on_bound)[0]
    return int(inside[0]) if len(inside) else len(y)


def _fit(transform: Transform, y: Floats, t: Floats) -> tuple[Transform, Path]:
    z = transform.forward(y)
    return transform, fit_path(t, z, scale_floor(transform.method, y, z), transform.back)


def t_cdf(x: Floats, df: int) -> Floats:
    """Student's t distribution function for an integer df ≥ 1 (exact closed forms, vectorised)."""
    x = np.asarray(x, dtype=np.float64)
    theta = np.arctan(x / math.sqrt(df))
    c2 = np.cos(theta) ** 2
    if df % 2 == 1:
        total = np.zeros_like(x)
        if df > 1:
            term = np.cos(theta)
            total = term.copy()
            for k in range(1, (df - 1) // 2):
                term = term * c2 * (2 * k) / (2 * k + 1)
                total = total + term
        a = (2 / math.pi) * (theta + np.sin(theta) * total)
    else:
        term = np.ones_like(x)
        total = term.copy()
        for k in range(1, df // 2):
            term = term * c2 * (2 * k - 1) / (2 * k)
            total = total + term
        a = np.sin(theta) * total
    # rounded: in the far lower tail 1 + a cancels to float noise (5.6e-17 for one score, 0 for a lower one)
    return np.asarray(np.round(np.clip((1.0 + a) / 2.0, 0.0, 1.0), 12))


def t_cdf1(x: float, df: int) -> float:
    return float(t_cdf(np.array([x], dtype=np.float64), df)[0])


@lru_cache(maxsize=512)
def t_ppf(q: float, df: int) -> float:
    """Quantile of Student's t (bisection on t_cdf; df ≥ 1, 0 < q < 1)."""
    lo, hi = -1e6, 1e6
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf1(mid, df) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10 * max(1.0, abs(mid)):
            break
    return (lo + hi) / 2

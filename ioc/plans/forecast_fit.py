"""The arithmetic behind ioc.plans.forecast: the transforms, a robust straight line and Student's t.

Every method is a straight line in a transformed space: the value itself (linear), its logarithm
(log-linear: growth by a constant factor a year) or the logit of its place between two bounds (logistic: an
S-curve that cannot pass 0 % or 100 %). The transforms are increasing, so "the value meets the target" is
"the transformed value meets the transformed target" and probabilities computed there are exact.

Pure numpy; no scipy (Student's t from the closed forms of Abramowitz & Stegun 26.7.3–4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

DAYS_PER_YEAR = 365.25
# A bounded value is clamped this share of the range inside its bounds before the logit (100 % would be
# +infinity); a target on a bound is taken as the same distance inside it, so "100 %" is met at 99.5 %.
BOUND_MARGIN = 0.005
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
    """z = intercept + slope·t, t in years from the last value, with the scatter around it."""

    intercept: float
    slope: float
    scale: float  # residual standard deviation (transformed space), floored
    n: int
    t_mean: float
    sxx: float  # Σ(t − t̄)²

    @property
    def df(self) -> int:
        return self.n - 2

    @property
    def slope_se(self) -> float:
        return self.scale / math.sqrt(self.sxx)

    def mean(self, t: Floats) -> Floats:
        return self.intercept + self.slope * t

    def se(self, t: Floats) -> Floats:
        """Standard error of a new value at t: the scatter plus the uncertainty of the line, which widens
        with the distance from the data (the textbook prediction interval of a straight-line fit)."""
        return np.asarray(self.scale * np.sqrt(1.0 + 1.0 / self.n + (t - self.t_mean) ** 2 / self.sxx))


def theil_sen(t: Floats, z: Floats) -> tuple[float, float]:
    """Slope = median of the pairwise slopes; intercept = median of z − slope·t. Robust to a bad value."""
    i, j = np.triu_indices(len(t), k=1)
    slope = float(np.median((z[j] - z[i]) / (t[j] - t[i])))
    return slope, float(np.median(z - slope * t))


def fit_line(t: Floats, z: Floats, floor: float) -> Line:
    slope, intercept = theil_sen(t, z)
    residuals = z - (intercept + slope * t)
    n = len(t)
    if n >= ROBUST_SCALE_MIN:
        mad = 1.4826 * float(np.median(np.abs(residuals - np.median(residuals))))
        cap = HUBER_K * max(mad, floor)
        residuals = np.clip(residuals, -cap, cap)
    scale = math.sqrt(float(np.sum(residuals**2)) / (n - 2))
    t_mean = float(np.mean(t))
    return Line(intercept, slope, max(scale, floor), n, t_mean, float(np.sum((t - t_mean) ** 2)))


def scale_floor(method: str, y: Floats, z: Floats) -> float:
    absolute = SCALE_FLOOR.get(method, LINEAR_FLOOR_SHARE * float(np.median(np.abs(y))))
    return max(FLOOR_SHARE_OF_RANGE * float(np.ptp(z)), absolute, 1e-12)


def choose_transform(y: Floats, t: Floats, lower: float | None, upper: float | None) -> tuple[Transform, Line]:
    """Bounded (both bounds) → logistic; positive and clearly multiplicative → log-linear; else linear."""
    if lower is not None and upper is not None and upper > lower:
        return _fit(Transform("logistic", lower, upper), y, t)
    linear, line = _fit(Transform("linear"), y, t)
    if np.all(y > 0):
        log, log_line = _fit(Transform("log-linear"), y, t)
        sse_linear = float(np.sum((y - line.mean(t)) ** 2))
        sse_log = float(np.sum((y - log.back(log_line.mean(t))) ** 2))
        if sse_log < LOG_ADVANTAGE * sse_linear:
            return log, log_line
    return linear, line


def _fit(transform: Transform, y: Floats, t: Floats) -> tuple[Transform, Line]:
    z = transform.forward(y)
    return transform, fit_line(t, z, scale_floor(transform.method, y, z))


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
    return np.asarray(np.clip((1.0 + a) / 2.0, 0.0, 1.0))


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

"""Will a target be met by its deadline, and when will it be met? (issue 5; docs/forecasting.md)

`forecast(points, spec, today=…)` fits a robust path (ioc.plans.forecast_fit) to the values in a space that
suits the quantity: logistic between the bounds of a bounded quantity (a percentage), log-linear for a
positive quantity that clearly grows by a factor, linear otherwise. The path is a Theil–Sen line, or a curve
whose pace decays when the growth has clearly slowed, and it starts from the current level. Its prediction
interval (Student's t) gives the probability that the value at the deadline meets the target, the verdict,
the proposed completion date (the median path meets the target; never before today nor before the day after
the latest value), the date it is met with 80 % probability, a fan chart from the latest value and the
milestones. `explain(details)` (ioc.plans.forecast_text) says it in a sentence.

Pure: numpy only, no database. Verdicts:
  achieved           the latest value meets the target, or a value on or before a passed deadline did;
  insufficient_data  fewer than MIN_POINTS values, or spanning less than two periods;
  infeasible         the target lies outside the quantity's bounds, or p < 0.1 (even the optimistic 90 %
                     bound at the deadline misses it), or the deadline passed and a later value misses it;
  on_track p ≥ 0.7 and a clear trend the right way (else at_risk) · at_risk 0.4 ≤ p < 0.7 ·
  off_track 0.1 ≤ p < 0.4.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ioc.plans.forecast_fit import DAYS_PER_YEAR, Path, Transform, choose_transform, t_cdf, t_cdf1, t_ppf
from ioc.plans.forecast_text import explain

__all__ = ["HORIZON_YEARS", "MIN_POINTS", "VERSION", "Forecast", "Point", "Spec", "explain", "forecast"]

VERSION = 2  # a new method recomputes every stored verdict (ioc.plans.refresh.inputs_key)

MIN_POINTS = 3
HORIZON_YEARS = 10
ON_TRACK, AT_RISK, OFF_TRACK = 0.7, 0.4, 0.1
CONFIDENT = 0.8  # proposed_date_80
# A trend counts (and a completion date is proposed) only when the slope has the right sign with this
# one-sided confidence: noise around a flat level must not promise a date.
TREND_CONFIDENCE = 0.95
FAN_QUANTILE = 0.9  # p10 / p90
PERIOD_DAYS = {"Monthly": DAYS_PER_YEAR / 12, "Quarterly": DAYS_PER_YEAR / 4, "Yearly": DAYS_PER_YEAR}
SPAN_SLACK = 0.9  # "two periods" of month ends: 31 Jan → 31 Mar is 59 days, not 61
DIRECTIONS = ("increase", "decrease")


@dataclass(frozen=True)
class Point:
    date: dt.date
    value: float


@dataclass(frozen=True)
class Spec:
    target_value: float
    deadline: dt.date
    direction: str  # "increase" | "decrease"
    lower_bound: float | None = None
    upper_bound: float | None = None
    period: str = "Yearly"  # "Monthly" | "Quarterly" | "Yearly": the pace is told per this period
    unit: str = ""
    milestones: tuple[tuple[dt.date, float], ...] = ()


@dataclass
class Forecast:
    status: str
    probability: float | None
    proposed_date: dt.date | None
    proposed_date_80: dt.date | None
    current_value: float | None
    current_date: dt.date | None
    method: str
    pace: float | None
    fan: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "probability": self.probability,
            "proposed_date": _iso(self.proposed_date),
            "proposed_date_80": _iso(self.proposed_date_80),
            "current_value": self.current_value,
            "current_date": _iso(self.current_date),
            "method": self.method,
            "pace": self.pace,
            "fan": self.fan,
            "milestones": self.milestones,
            "facts": self.facts,
            "points": [{"date": p.date.isoformat(), "value": p.value} for p in self.points],
        }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _num(x: float | None) -> float | None:
    """JSON-able: finite floats only, 6 significant digits (enough for a chart and a sentence)."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.6g}")


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _add_months(d: dt.date, months: int, month_end: bool) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    first = dt.date(d.year + y, m + 1, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return last if month_end else first.replace(day=min(d.day, last.day))


def _clean(points: Sequence[Point]) -> list[Point]:
    """Oldest first, finite values only, one per date (the last given wins)."""
    by_date = {p.date: float(p.value) for p in points if math.isfinite(float(p.value))}
    return [Point(d, by_date[d]) for d in sorted(by_date)]


class _Model:
    """The fitted path and what follows from it, in the units of the quantity. t = years after `origin` (the
    last value); no date is proposed before `first` (the day after the last value, and not before today)."""

    def __init__(self, pts: list[Point], spec: Spec, transform: Transform, path: Path, today: dt.date) -> None:
        self.spec, self.transform, self.path = spec, transform, path
        self.origin = pts[-1].date
        self.first = max(self.origin + dt.timedelta(days=1), today)
        self.sign = 1.0 if spec.direction == "increase" else -1.0
        # (the logistic transform clamps a target on a bound just inside it: "100 %" is met at 99.5 %)
        self.z_target = transform.forward1(spec.target_value)
        self.q_trend = t_ppf(TREND_CONFIDENCE, path.df)
        t_stat = path.slope / path.slope_se
        self.trend = "up" if t_stat >= self.q_trend else "down" if t_stat <= -self.q_trend else "flat"
        self.right_way = self.trend == ("up" if self.sign > 0 else "down")

    def years(self, d: dt.date) -> float:
        return (d - self.origin).days / DAYS_PER_YEAR

    def p_met(self, d: dt.date) -> float:
        """P(the value on d meets the target)."""
        t = np.array([self.years(d)])
        score = self.sign * (self.path.mean(t)[0] - self.z_target) / self.path.se(t)[0]
        return t_cdf1(float(score), self.path.df)

    def quantiles(self, dates: Sequence[dt.date]) -> tuple[list[float], list[float], list[float]]:
        """p10, p50, p90 of the value on each date, within the quantity's bounds."""
        t = np.array([self.years(d) for d in dates], dtype=np.float64)
        mid, half = self.path.mean(t), t_ppf(FAN_QUANTILE, self.path.df) * self.path.se(t)
        lo, hi = self.spec.lower_bound, self.spec.upper_bound
        lo = -np.inf if lo is None else lo
        hi = np.inf if hi is None else hi
        rows = [np.clip(self.transform.back(z), lo, hi) for z in (mid - half, mid, mid + half)]
        return rows[0].tolist(), rows[1].tolist(), rows[2].tolist()

    def clip(self, y: float) -> float:
        lo, hi = self.spec.lower_bound, self.spec.upper_bound
        return float(min(max(y, -math.inf if lo is None else lo), math.inf if hi is None else hi))

    def median_date(self, until: dt.date) -> dt.date | None:
        """The first day from `first` on which the median path meets the target (it is monotone)."""
        path = self.path
        if not self.right_way or not math.isfinite(self.z_target):
            return None
        x = (self.z_target - path.level) / path.slope  # how far along x(t) the target lies
        if path.damping > 0 and x * path.damping >= 1:
            return None  # beyond the level the slowing pace tends to
        t = -math.log1p(-path.damping * x) / path.damping if path.damping > 0 else x
        days = max((self.first - self.origin).days, math.ceil(t * DAYS_PER_YEAR))
        return self.origin + dt.timedelta(days=days) if days <= (until - self.origin).days else None

    def confident_date(self, until: dt.date) -> dt.date | None:
        """The first day from `first` on which P(met) ≥ CONFIDENT (searched daily up to `until`)."""
        start, horizon = (self.first - self.origin).days, (until - self.origin).days
        if not self.right_way or horizon < start or not math.isfinite(self.z_target):
            return None
        days = np.arange(start, horizon + 1, dtype=np.float64)
        t = days / DAYS_PER_YEAR
        score = self.sign * (self.path.mean(t) - self.z_target) / self.path.se(t)
        hits = np.nonzero(score >= t_ppf(CONFIDENT, self.path.df))[0]
        return self.origin + dt.timedelta(days=int(days[hits[0]])) if len(hits) else None

    def pace(self) -> float:
        step = PERIOD_DAYS.get(self.spec.period, DAYS_PER_YEAR) / DAYS_PER_YEAR
        now, then = self.transform.back(self.path.mean(np.array([0.0, step])))
        return float(then - now)


def forecast(points: Sequence[Point], spec: Spec, *, today: dt.date) -> Forecast:
    if spec.direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {spec.direction!r}")
    if spec.period not in PERIOD_DAYS:
        raise ValueError(f"period must be one of {tuple(PERIOD_DAYS)}, not {spec.period!r}")
    pts = _clean(points)
    sign = 1.0 if spec.direction == "increase" else -1.0
    target = spec.target_value

    def meets(value: float, goal: float = target) -> bool:
        return sign * (value - goal) >= -1e-9 * max(1.0, abs(goal))

    horizon_end = _add_years(today, HORIZON_YEARS)
    span = (pts[-1].date - pts[0].date).days if pts else 0
    facts: dict[str, Any] = {
        "version": VERSION,
        "today": today.isoformat(),
        "target": target,
        "deadline": spec.deadline.isoformat(),
        "direction": spec.direction,
        "lower_bound": spec.lower_bound,
        "upper_bound": spec.upper_bound,
        "period": spec.period,
        "unit": spec.unit,
        "n_points": len(pts),
        "span_days": span,
        "min_points": MIN_POINTS,
        "horizon_years": HORIZON_YEARS,
        "reason": None,
        "trend": None,
    }
    result = Forecast(
        status="insufficient_data",
        probability=None,
        proposed_date=None,
        proposed_date_80=None,
        current_value=pts[-1].value if pts else None,
        current_date=pts[-1].date if pts else None,
        method="none",
        pace=None,
        facts=facts,
        points=pts,
    )
    if pts:
        facts.update(current_value=pts[-1].value, current_date=pts[-1].date.isoformat())

    # beyond the bound it must move towards (a target below the lower bound of an increase is merely met)
    bound = spec.upper_bound if sign > 0 else spec.lower_bound
    outside = bound is not None and sign * (target - bound) > 0
    enough = len(pts) >= MIN_POINTS and span >= 2 * PERIOD_DAYS[spec.period] * SPAN_SLACK
    model: _Model | None = None
    if enough:
        t = np.array([(p.date - pts[-1].date).days / DAYS_PER_YEAR for p in pts])
        y = np.array([p.value for p in pts])
        transform, path = choose_transform(y, t, spec.lower_bound, spec.upper_bound)
        model = _Model(pts, spec, transform, path, today)
        result.method = transform.method
        result.pace = _num(model.pace())
        fit = {"level": path.level, "slope_per_year": path.slope, "damping_per_year": path.damping}
        fit.update(long_run_slope_per_year=path.long_run_slope, scale=path.scale)
        facts.update(trend=model.trend, fit={**{k: _num(v) for k, v in fit.items()}, "df": path.df})
        if transform.method == "log-linear":
            step = PERIOD_DAYS[spec.period] / DAYS_PER_YEAR
            facts["growth_rate"] = _num(math.expm1(path.slope * step))  # per period

    achieved = _achieved(pts, spec, today, meets)
    if outside:
        result.status, result.probability = "infeasible", 0.0
        facts["reason"] = "outside_bounds"
    elif achieved is not None:
        when, value = achieved
        late = when > spec.deadline
        result.status, result.probability = "achieved", 0.0 if late else 1.0
        result.proposed_date = result.proposed_date_80 = when
        facts.update(achieved_date=when.isoformat(), achieved_value=value, late=late)
    elif model is None:
        facts["reason"] = "too_few_points" if len(pts) < MIN_POINTS else "too_short_span"
    else:
        result.proposed_date = model.median_date(horizon_end)
        result.proposed_date_80 = model.confident_date(horizon_end)
        if pts[-1].date >= spec.deadline:  # the value at the deadline is known, and it missed
            result.probability, facts["reason"] = 0.0, "deadline_missed"
        else:
            result.probability = _num(model.p_met(spec.deadline))
        result.status = _status(result.probability or 0.0)
        if result.status == "on_track" and not model.right_way:
            # a high probability from a slope that noise alone could give is not "on track"
            result.status = "at_risk"

    if model is not None:
        _describe_deadline(model, result, facts)
        result.fan = _fan(model, result, horizon_end)
    result.milestones = _milestones(pts, spec, model, meets)
    facts.update(
        method=result.method,
        pace=result.pace,
        status=result.status,
        probability=result.probability,
        proposed_date=_iso(result.proposed_date),
        proposed_date_80=_iso(result.proposed_date_80),
    )
    return result


def _status(p: float) -> str:
    if p >= ON_TRACK:
        return "on_track"
    if p >= AT_RISK:
        return "at_risk"
    if p >= OFF_TRACK:
        return "off_track"
    return "infeasible"


def _achieved(
    pts: list[Point], spec: Spec, today: dt.date, meets: Callable[[float], bool]
) -> tuple[dt.date, float] | None:
    """(the date it was met, the value then), or None. The latest value meeting the target counts (since
    the start of its run of met values); so does a value on or before a deadline that has passed."""
    if not pts:
        return None
    if meets(pts[-1].value):
        i = len(pts) - 1
        while i > 0 and meets(pts[i - 1].value):
            i -= 1
        on_time = [p for p in pts if p.date <= spec.deadline and meets(p.value)]
        first = on_time[0] if on_time and pts[i].date > spec.deadline else pts[i]
        return first.date, first.value
    if today >= spec.deadline:
        on_time = [p for p in pts if p.date <= spec.deadline and meets(p.value)]
        if on_time:
            return on_time[0].date, on_time[0].value
    return None


def _describe_deadline(model: _Model, result: Forecast, facts: dict[str, Any]) -> None:
    spec = model.spec
    (lo,), (mid,), (hi,) = model.quantiles([spec.deadline])
    facts.update(
        deadline_p10=_num(lo),
        deadline_p50=_num(mid),
        deadline_p90=_num(hi),
        optimistic=_num(hi if model.sign > 0 else lo),
    )
    if result.proposed_date is not None:
        facts["months_from_deadline"] = round((result.proposed_date - spec.deadline).days / (DAYS_PER_YEAR / 12))


def _fan(model: _Model, result: Forecast, horizon_end: dt.date) -> list[dict[str, Any]]:
    """p10/p50/p90 monthly from the last value to the deadline, the 80 % date or a year on (the latest),
    never past the horizon."""
    start = model.origin
    end = max(model.spec.deadline, result.proposed_date_80 or result.proposed_date or start, _add_years(start, 1))
    end = min(end, horizon_end)
    month_end = (start + dt.timedelta(days=1)).day == 1
    dates = {start}
    k = 1
    while (d := _add_months(start, k, month_end)) <= end:
        dates.add(d)
        k += 1
    dates.add(end)  # the 80 % date (or the deadline) itself, between two month ends
    if start < model.spec.deadline <= end:
        dates.add(model.spec.deadline)
    ordered = sorted(dates)
    p10, p50, p90 = model.quantiles(ordered)
    return [
        {"date": d.isoformat(), "p10": _num(lo), "p50": _num(mid), "p90": _num(hi)}
        for d, lo, mid, hi in zip(ordered, p10, p50, p90, strict=True)
    ]


def _milestones(
    pts: list[Point], spec: Spec, model: _Model | None, meets: Callable[[float, float], bool]
) -> list[dict[str, Any]]:
    rows = []
    for when, value in sorted(spec.milestones):
        met: bool | None = None
        if any(p.date <= when and meets(p.value, value) for p in pts):
            met = True
        elif pts and pts[-1].date >= when:
            met = False
        expected = probability = None
        if model is not None:
            t = np.array([model.years(when)])
            expected = _num(model.clip(model.transform.back1(float(model.path.mean(t)[0]))))
            z_goal = model.transform.forward1(value)
            score = model.sign * (model.path.mean(t) - z_goal) / model.path.se(t)
            probability = _num(float(t_cdf(score, model.path.df)[0]))
        if met is not None:
            probability = 1.0 if met else 0.0
        rows.append(
            {"date": when.isoformat(), "value": value, "expected": expected, "probability": probability, "met": met}
        )
    return rows

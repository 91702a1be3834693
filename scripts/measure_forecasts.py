"""How well ioc.plans.forecast proposes completion dates and calls verdicts, on series with known answers.

    .venv/bin/python scripts/measure_forecasts.py [--n 2000] [--seed 1]

For each family, N random series are drawn from a known curve plus noise (dated at period ends, yearly,
quarterly or monthly, the last within a period of today), with a target the true curve crosses at a known
date (or never), and a deadline 3 months to 6 years after today:

  linear         a straight line, noise 5–50 % of a year's change;
  noisy          a straight line, noise 50–200 % of a year's change;
  saturating     a logistic curve towards 100 % (bounds 0–100 given), noise 0.3–2 points;
  multiplicative growth by 10–50 % a year, noise 2–10 % (the log-linear case);
  plateau        a logistic curve towards a ceiling of 60–95 % while the bounds are 0–100 and the target
                 lies above the ceiling: never met (a known limit of the logistic fit: it assumes 100 %);
  decelerating   the same kind of curve (ceiling 60–95 %, or a floor of 5–40 % for a decrease) observed on
                 its flattening part (60–90 % of the way at the last value), the target between the last
                 value and the ceiling: met, late, as the growth slows;
  flat           a constant plus 1–10 % noise, target 10–50 % away: never met;
  declining      moving away from the target: never met.

The date error is the proposed date (median) against the true crossing; a series with a true date but no
proposal counts as outside every tolerance. A verdict is checked against the outcome: the value the same
process gives at the deadline, noise included (what the province would report). Last line: the figures as
JSON (docs/forecasting.md quotes them). Below the table, per family: the share of series whose latest value
lies inside the forecast's own p10–p90 band at its date; how many proposed dates fall before today or the day
after the latest value (there should be none); and "±6 near" again against the earliest date a forecast may
propose (the true date, or today when the true date has passed but no value shows it yet).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ioc.plans.forecast import Point, Spec, forecast

TODAY = dt.date(2025, 6, 30)
YEAR = 365.25
PERIODS = {"Yearly": (12, 3, 10), "Quarterly": (3, 4, 16), "Monthly": (1, 6, 36)}  # months, fewest, most values
FAMILIES = ("linear", "noisy", "saturating", "multiplicative", "plateau", "decelerating", "flat", "declining")
# Measured in this order (the random draws of the older families stay those of the figures published before
# "decelerating" was added), shown in FAMILIES' order.
MEASURED = (*(f for f in FAMILIES if f != "decelerating"), "decelerating")


@dataclass
class Case:
    points: list[Point]
    spec: Spec
    true_date: dt.date | None  # the noise-free curve meets the target (None: never)
    outcome: bool  # the noisy value at the deadline meets the target


def _month_end(year: int, month0: int) -> dt.date:
    y, m = divmod(month0 + 1, 12)
    return dt.date(year + y, m + 1, 1) - dt.timedelta(days=1)


def _dates(rng: np.random.Generator, period: str) -> list[dt.date]:
    step, fewest, most = PERIODS[period]
    n = int(rng.integers(fewest, most + 1))
    lag = int(rng.integers(0, 2))  # the last period may not be in yet
    last = TODAY.year * 12 + TODAY.month - 1 - lag * step - (TODAY.month % step if step > 1 else 0)
    return [_month_end(*divmod(last - k * step, 12)) for k in reversed(range(n))]


def _years(d: dt.date) -> float:
    return (d - TODAY).days / YEAR


def _line(x: np.ndarray, level: float, slope: float) -> np.ndarray:
    return level + slope * x


def _logistic(x: np.ndarray, ceiling: float, offset: float, rate: float) -> np.ndarray:
    return ceiling / (1 + np.exp(-(offset + rate * x)))


def _mirror(x: np.ndarray, curve: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return 100 - curve(x)


def _exponential(x: np.ndarray, level: float, rate: float) -> np.ndarray:
    return level * np.exp(rate * x)


def make_case(family: str, rng: np.random.Generator) -> Case:
    period = str(rng.choice(list(PERIODS)))
    dates = _dates(rng, period)
    t = np.array([_years(d) for d in dates])
    deadline = TODAY + dt.timedelta(days=int(rng.uniform(0.25, 6) * YEAR))
    t_deadline = _years(deadline)
    tau = rng.uniform(0.25, 8.0)  # the true crossing, years after the last value
    up = bool(rng.random() < 0.5) or family in ("saturating", "multiplicative", "plateau")
    sign = 1.0 if up else -1.0
    lower = upper = None
    curve: Callable[[np.ndarray], np.ndarray]
    if family in ("linear", "noisy", "declining"):
        slope, level = rng.uniform(1, 10), rng.uniform(50, 500)
        scatter = rng.uniform(0.05, 0.5) if family == "linear" else rng.uniform(0.5, 2.0)
        noise = slope * scatter
        if family == "declining":  # the target lies ahead, the value moves away from it
            curve = partial(_line, level=level, slope=-sign * slope)
            target = float(curve(np.array([t[-1]]))[0]) + sign * slope * rng.uniform(1, 20)
        else:
            curve = partial(_line, level=level, slope=sign * slope)
            target = float(curve(np.array([t[-1] + tau]))[0])
    elif family in ("saturating", "plateau"):
        lower, upper = 0.0, 100.0
        ceiling = 100.0 if family == "saturating" else rng.uniform(60, 95)
        k, start = rng.uniform(0.2, 1.0), rng.uniform(0.2, 0.85)
        c = math.log(start / (1 - start)) - k * t[-1]
        curve = partial(_logistic, ceiling=ceiling, offset=c, rate=k)
        noise = rng.uniform(0.3, 2.0)
        crossing = float(curve(np.array([t[-1] + tau]))[0])
        target = crossing if family == "saturating" else rng.uniform(ceiling + 2, 99.5)
    elif family == "decelerating":  # slowing growth, seen on the flattening part, towards an unknown ceiling
        lower, upper = 0.0, 100.0
        ceiling = rng.uniform(60, 95)
        k, start = rng.uniform(0.3, 1.0), rng.uniform(0.6, 0.9)
        c = math.log(start / (1 - start)) - k * t[-1]
        rising = partial(_logistic, ceiling=ceiling, offset=c, rate=k)
        curve = rising if up else partial(_mirror, curve=rising)
        noise = rng.uniform(0.3, 1.5)
        share = start + rng.uniform(0.25, 0.85) * (1 - start)  # of the ceiling, when the target is met
        tau = (math.log(share / (1 - share)) - math.log(start / (1 - start))) / k
        target = float(curve(np.array([t[-1] + tau]))[0])
    elif family == "multiplicative":
        growth, level = rng.uniform(0.1, 0.5), rng.uniform(20, 2000)
        noise = rng.uniform(0.02, 0.1)  # relative
        curve = partial(_exponential, level=level, rate=math.log1p(growth))
        target = float(curve(np.array([t[-1] + tau]))[0])
    else:  # flat
        level = rng.uniform(20, 500)
        curve = partial(_line, level=level, slope=0.0)
        noise = level * rng.uniform(0.01, 0.1)
        target = level * (1 + sign * rng.uniform(0.1, 0.5))

    def observe(x: np.ndarray) -> np.ndarray:
        clean = curve(x)
        if family == "multiplicative":
            noisy = clean * np.exp(rng.normal(0, noise, len(x)))
        else:
            noisy = clean + rng.normal(0, noise, len(x))
        return np.clip(noisy, lower, upper) if lower is not None else noisy

    values = observe(t)
    true_date = None
    if family in ("linear", "noisy", "saturating", "multiplicative", "decelerating"):
        true_date = TODAY + dt.timedelta(days=round((t[-1] + tau) * YEAR))
    met = float(observe(np.array([t_deadline]))[0])
    spec = Spec(
        target_value=float(round(target, 4)),
        deadline=deadline,
        direction="increase" if up else "decrease",
        lower_bound=lower,
        upper_bound=upper,
        period=period,
        unit="%" if upper else "",
    )
    points = [Point(d, float(v)) for d, v in zip(dates, values, strict=True)]
    return Case(points, spec, true_date, sign * (met - spec.target_value) >= 0)


BINS = ((0.0, 0.1), (0.1, 0.4), (0.4, 0.7), (0.7, 1.01))  # the verdicts' probability bands
NEAR_YEARS = 2.0  # "near": the true date at most this far after the last value


def measure(family: str, n: int, rng: np.random.Generator, bins: dict[int, list[float]]) -> dict[str, Any]:
    errors: list[int] = []
    dated = within3 = within6 = near = near6 = proposed = undated_never = 0
    calls = {"on_track": [0, 0], "infeasible": [0, 0]}  # [right, total]
    statuses: dict[str, int] = {}
    brier: list[float] = []
    fanned = inside = early = near6_allowed = 0
    for _ in tqdm(range(n), desc=family, leave=False):
        case = make_case(family, rng)
        f = forecast(case.points, case.spec, today=TODAY)
        statuses[f.status] = statuses.get(f.status, 0) + 1
        if f.status in calls:
            calls[f.status][1] += 1
            calls[f.status][0] += case.outcome == (f.status == "on_track")
        if f.status == "achieved":  # a value already met the target: a fact, not a forecast
            continue
        if f.fan:  # the fan's first row is at the latest value's date
            fanned += 1
            inside += f.fan[0]["p10"] <= case.points[-1].value <= f.fan[0]["p90"]
        first = max(TODAY, case.points[-1].date + dt.timedelta(days=1))
        early += any(d is not None and d < first for d in (f.proposed_date, f.proposed_date_80))
        allowed = None if case.true_date is None else max(case.true_date, first)
        proposed += f.proposed_date is not None
        if f.probability is not None:
            brier.append((f.probability - case.outcome) ** 2)
            band = next(i for i, (lo, hi) in enumerate(BINS) if lo <= f.probability < hi)
            bins.setdefault(band, []).append(float(case.outcome))
        if case.true_date is None:
            undated_never += f.proposed_date is None
            continue
        dated += 1
        is_near = (case.true_date - case.points[-1].date).days <= NEAR_YEARS * YEAR
        near += is_near
        if f.proposed_date is not None:
            error = abs((f.proposed_date - case.true_date).days)
            errors.append(error)
            within3 += error <= 3 * 30.44
            within6 += error <= 6 * 30.44
            near6 += is_near and error <= 6 * 30.44
            near6_allowed += is_near and allowed is not None and abs((f.proposed_date - allowed).days) <= 6 * 30.44
    forecasts = n - statuses.get("achieved", 0)
    never = family in ("plateau", "flat", "declining")
    return {
        "series": n,
        "statuses": statuses,
        "achieved": statuses.get("achieved", 0) / n,
        "proposed": proposed / forecasts if forecasts else None,
        "within_3_months": within3 / dated if dated else None,
        "within_6_months": within6 / dated if dated else None,
        "within_6_months_near": near6 / near if near else None,
        "median_error_days": statistics.median(errors) if errors else None,
        "no_date_when_never": undated_never / forecasts if never and forecasts else None,
        "on_track_calls": calls["on_track"][1],
        "on_track_right": calls["on_track"][0] / calls["on_track"][1] if calls["on_track"][1] else None,
        "infeasible_calls": calls["infeasible"][1],
        "infeasible_right": calls["infeasible"][0] / calls["infeasible"][1] if calls["infeasible"][1] else None,
        "brier": statistics.fmean(brier) if brier else None,
        "latest_inside_band": inside / fanned if fanned else None,
        "dates_before_today": early,
        "within_6_months_near_allowed": near6_allowed / near if near else None,
    }


def _pct(x: float | int | None) -> str:
    return "—" if x is None else f"{100 * x:5.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="series per family")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    bins: dict[int, list[float]] = {}
    measured = {family: measure(family, args.n, rng, bins) for family in MEASURED}
    results = {family: measured[family] for family in FAMILIES}
    print(
        f"{'family':<14} {'achieved':>8} {'dated':>6} {'±3 mo':>6} {'±6 mo':>6} {'±6 near':>7} {'median err':>10} "
        f"{'no date (never)':>15} {'on track ok (n)':>16} {'infeasible ok (n)':>18} {'Brier':>6}"
    )
    for family, r in results.items():
        err = "—" if r["median_error_days"] is None else f"{r['median_error_days']:.0f} d"
        print(
            f"{family:<14} {_pct(r['achieved']):>8} {_pct(r['proposed']):>6} {_pct(r['within_3_months']):>6} "
            f"{_pct(r['within_6_months']):>6} {_pct(r['within_6_months_near']):>7} {err:>10} "
            f"{_pct(r['no_date_when_never']):>15} {_pct(r['on_track_right']):>9} ({r['on_track_calls']:>4}) "
            f"{_pct(r['infeasible_right']):>11} ({r['infeasible_calls']:>4}) {r['brier'] or 0:6.3f}"
        )
    print(f"{'':<14} {'latest in p10–p90':>17} {'dates before today':>18} {'±6 near, allowed date':>21}")
    for family, r in results.items():
        print(
            f"{family:<14} {_pct(r['latest_inside_band']):>17} {r['dates_before_today']:>18} "
            f"{_pct(r['within_6_months_near_allowed']):>21}"
        )
    calibration = []
    for i, (lo, hi) in enumerate(BINS):
        outcomes = bins.get(i, [])
        rate = statistics.fmean(outcomes) if outcomes else None
        calibration.append({"p_from": lo, "p_to": min(hi, 1.0), "n": len(outcomes), "met": rate})
        print(
            f"probability {lo:.1f}–{min(hi, 1.0):.1f}: {len(outcomes):>5} forecasts, met by the deadline {_pct(rate)}"
        )
    seconds = time.perf_counter() - started
    print(f"{len(FAMILIES) * args.n} series in {seconds:.1f} s (seed {args.seed}, today {TODAY})")
    summary = {"seed": args.seed, "n": args.n, "today": TODAY.isoformat(), "families": results}
    print(json.dumps(summary | {"calibration": calibration}))


if __name__ == "__main__":
    main()

"""A forecast told in one or two sentences a leader reads, in the active language (gettext).

`explain(details)` reads the output of ioc.plans.forecast.Forecast.as_dict() (as stored in
TargetForecast.details): it never recomputes anything, so a page shows exactly the stored verdict. Numbers
and dates follow the active language's formats (ioc.web.formats: 2,1 and 31/12/2025 in Vietnamese).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _


def number(x: float) -> str:
    """As a leader reads it: whole from 100, one decimal from 1, two below; grouped, no trailing zeros
    (Vietnamese: 80, 2,1, 1.250, 0,05)."""
    if not math.isfinite(x):
        return ""
    decimals = 0 if abs(x) >= 100 else 1 if abs(x) >= 1 else 2
    text = str(formats.number_format(round(x, decimals), decimals, use_l10n=True, force_grouping=True))
    separator = str(formats.get_format("DECIMAL_SEPARATOR", use_l10n=True))
    if decimals and separator in text:
        text = text.rstrip("0").rstrip(separator)
    return "0" if text in ("-0", "") else text


def quantity(x: float, unit: str) -> str:
    if unit == "%":
        return f"{number(x)}%"
    return f"{number(x)} {unit}" if unit else number(x)


def percent(p: float) -> str:
    if p < 0.01 and p > 0:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{number(round(100 * p))}%"


def date(iso: str) -> str:
    return str(formats.date_format(dt.date.fromisoformat(iso), "SHORT_DATE_FORMAT", use_l10n=True))


def quarter(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    names = {1: _("Q1"), 2: _("Q2"), 3: _("Q3"), 4: _("Q4")}
    return _("%(quarter)s %(year)s") % {"quarter": names[(d.month - 1) // 3 + 1], "year": d.year}


def pace(value: float, unit: str, period: str) -> str:
    signed = number(value)
    signed = ("+" + signed) if value > 0 and signed != "0" else signed.replace("-", "−")
    if unit == "%":
        amount = _("%(value)s point") if signed.lstrip("+−") == "1" else _("%(value)s points")
        amount = amount % {"value": signed}
    else:
        amount = f"{signed} {unit}" if unit else signed
    per = {"Monthly": _("%(amount)s a month"), "Quarterly": _("%(amount)s a quarter")}
    return per.get(period, _("%(amount)s a year")) % {"amount": amount}


def offset(months: int) -> str:
    if months == 0:
        return _("around the deadline")
    if months == 1:
        return _("one month after the deadline")
    if months == -1:
        return _("one month before the deadline")
    if months > 0:
        return _("%(count)s months after the deadline") % {"count": months}
    return _("%(count)s months before the deadline") % {"count": -months}


def explain(details: Mapping[str, Any]) -> str:
    facts = details.get("facts") or {}
    status = details.get("status")
    if not facts or not status:
        return ""
    unit = facts.get("unit") or ""
    target = quantity(facts["target"], unit)
    if status == "insufficient_data":
        return _insufficient(facts)
    if facts.get("reason") == "outside_bounds":
        return _outside(facts, target)
    if status == "achieved":
        args = {
            "value": quantity(facts["achieved_value"], unit),
            "date": date(facts["achieved_date"]),
            "target": target,
            "deadline": date(facts["deadline"]),
        }
        if facts.get("late"):
            months = round(
                (dt.date.fromisoformat(facts["achieved_date"]) - dt.date.fromisoformat(facts["deadline"])).days / 30.44
            )
            args["offset"] = offset(max(months, 1))
            return _("Achieved late: %(value)s on %(date)s, %(offset)s (target %(target)s).") % args
        return _("Achieved: the value reached %(value)s on %(date)s (target %(target)s by %(deadline)s).") % args
    return _trend_sentence(details, facts, target, unit)


def _insufficient(facts: Mapping[str, Any]) -> str:
    periods = {"Monthly": _("months"), "Quarterly": _("quarters")}.get(facts.get("period", ""), _("years"))
    n, minimum = facts.get("n_points", 0), facts.get("min_points", 3)
    args = {"n": n, "min": minimum, "periods": periods}
    if facts.get("reason") == "too_short_span":
        return (
            _("The %(n)s values so far span less than two %(periods)s; a forecast needs values over two %(periods)s.")
            % args
        )
    if n == 0:
        return _("No values yet; a forecast needs at least %(min)s values over two %(periods)s.") % args
    if n == 1:
        return _("Only one value so far; a forecast needs at least %(min)s values over two %(periods)s.") % args
    return _("Only %(n)s values so far; a forecast needs at least %(min)s values over two %(periods)s.") % args


def _outside(facts: Mapping[str, Any], target: str) -> str:
    unit = facts.get("unit") or ""
    lower, upper = facts.get("lower_bound"), facts.get("upper_bound")
    if lower is not None and upper is not None:
        args = {"target": target, "lower": quantity(lower, unit), "upper": quantity(upper, unit)}
        return _("Infeasible: the target %(target)s lies outside the possible range %(lower)s to %(upper)s.") % args
    if facts.get("direction") == "increase":
        args = {"target": target, "upper": quantity(upper or 0, unit)}
        return _("Infeasible: the target %(target)s is above the highest possible value %(upper)s.") % args
    args = {"target": target, "lower": quantity(lower or 0, unit)}
    return _("Infeasible: the target %(target)s is below the lowest possible value %(lower)s.") % args


def _trend_sentence(details: Mapping[str, Any], facts: Mapping[str, Any], target: str, unit: str) -> str:
    p = details.get("probability")
    args = {
        "target": target,
        "pace": pace(details.get("pace") or 0.0, unit, facts.get("period", "Yearly")),
        "probability": percent(p or 0.0),
        "deadline": date(facts["deadline"]),
        "years": facts.get("horizon_years", 10),
    }
    proposed, proposed_80 = details.get("proposed_date"), details.get("proposed_date_80")
    if proposed:
        args["when"] = quarter(proposed)
    if facts.get("reason") == "deadline_missed":
        args.update(value=quantity(facts["current_value"], unit), date=date(facts["current_date"]))
        first = _(
            "The deadline %(deadline)s has passed without reaching %(target)s (latest value %(value)s on %(date)s)."
        )
        if proposed:
            return " ".join([first % args, _("At the current pace of %(pace)s it is reached in %(when)s.") % args])
        return first % args

    trend, increase = facts.get("trend"), facts.get("direction") == "increase"
    if proposed:
        args["offset"] = offset(int(facts.get("months_from_deadline", 0)))
        first = _(
            "At the current pace of %(pace)s, %(target)s is reached in %(when)s, %(offset)s "
            "(probability of meeting the deadline: %(probability)s)."
        )
    elif trend == "flat":
        first = _(
            "The value shows no clear trend (%(pace)s), so no completion date can be proposed "
            "(probability of meeting the deadline: %(probability)s)."
        )
    elif trend == ("down" if increase else "up"):
        first = (
            _(
                "The value is falling (%(pace)s) while the target requires it to rise: at this trend "
                "%(target)s is not reached (probability of meeting the deadline: %(probability)s)."
            )
            if increase
            else _(
                "The value is rising (%(pace)s) while the target requires it to fall: at this trend "
                "%(target)s is not reached (probability of meeting the deadline: %(probability)s)."
            )
        )
    else:
        first = _(
            "At the current pace of %(pace)s, %(target)s is not reached within %(years)s years "
            "(probability of meeting the deadline: %(probability)s)."
        )
    sentences = [first % args]
    if details.get("status") == "infeasible" and facts.get("optimistic") is not None:
        args["optimistic"] = quantity(facts["optimistic"], unit)
        sentences.append(_("Even the optimistic estimate (%(optimistic)s by %(deadline)s) misses the target.") % args)
    elif proposed and proposed_80 and quarter(proposed_80) != args["when"]:
        args["when80"] = quarter(proposed_80)
        sentences.append(_("With 80%% confidence it is reached by %(when80)s.") % args)
    return " ".join(sentences)

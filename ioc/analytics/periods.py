"""Periods of an analytics question: ISO ids and DHIS2's relative periods, resolved against `today`.

Relative periods end with the last *complete* period (LAST_12_MONTHS on 25/11/2026 is 12/2025 … 10/2026),
as in DHIS2; THIS_MONTH / THIS_QUARTER / THIS_YEAR / MONTHS_THIS_YEAR include the current, incomplete one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import MONTHLY, QUARTERLY, YEARLY, Period, parse_period, period_for_date


def _last(period_type: str, count: int) -> Callable[[dt.date], list[Period]]:
    def periods(today: dt.date) -> list[Period]:
        latest = period_for_date(period_type, today).previous()
        return [latest.shift(-i) for i in reversed(range(count))]

    return periods


def _this(period_type: str) -> Callable[[dt.date], list[Period]]:
    return lambda today: [period_for_date(period_type, today)]


def _months_this_year(today: dt.date) -> list[Period]:
    return [period_for_date(MONTHLY, dt.date(today.year, m, 1)) for m in range(1, today.month + 1)]


def _quarters_this_year(today: dt.date) -> list[Period]:
    return [period_for_date(QUARTERLY, dt.date(today.year, m, 1)) for m in range(1, today.month + 1, 3)]


RELATIVE: dict[str, Callable[[dt.date], list[Period]]] = {
    "THIS_MONTH": _this(MONTHLY),
    "LAST_MONTH": _last(MONTHLY, 1),
    "LAST_3_MONTHS": _last(MONTHLY, 3),
    "LAST_6_MONTHS": _last(MONTHLY, 6),
    "LAST_12_MONTHS": _last(MONTHLY, 12),
    "LAST_24_MONTHS": _last(MONTHLY, 24),
    "LAST_36_MONTHS": _last(MONTHLY, 36),
    "MONTHS_THIS_YEAR": _months_this_year,
    "THIS_QUARTER": _this(QUARTERLY),
    "LAST_QUARTER": _last(QUARTERLY, 1),
    "LAST_4_QUARTERS": _last(QUARTERLY, 4),
    "QUARTERS_THIS_YEAR": _quarters_this_year,
    "THIS_YEAR": _this(YEARLY),
    "LAST_YEAR": _last(YEARLY, 1),
    "LAST_5_YEARS": _last(YEARLY, 5),
    "LAST_10_YEARS": _last(YEARLY, 10),
}

MAX_PERIODS = 400


def resolve_periods(tokens: Iterable[str], today: dt.date) -> list[Period]:
    """The periods of `tokens` (ISO ids or relative names), in order, without repeats."""
    out: list[Period] = []
    seen: set[str] = set()
    for token in tokens:
        token = token.strip()
        if not token:
            continue
        found = RELATIVE.get(token.upper())
        periods = found(today) if found else [_parse(token)]
        for p in periods:
            if p.id not in seen:
                seen.add(p.id)
                out.append(p)
    if not out:
        raise InvalidInput(_("Name at least one period (pe)."), field="pe")
    if len(out) > MAX_PERIODS:
        raise InvalidInput(_("At most %(n)s periods in one question.") % {"n": MAX_PERIODS}, field="pe")
    return out


def _parse(token: str) -> Period:
    try:
        return parse_period(token)
    except InvalidInput:
        raise InvalidInput(
            _("“%(token)s” is not a period: use an ISO id (2025, 2025Q1, 202503, 2025W05, 20250315) or one of %(rel)s")
            % {"token": token[:40], "rel": ", ".join(RELATIVE)},
            field="pe",
        ) from None

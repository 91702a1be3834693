"""Periods in DHIS2's identifiers, and ADX's ISO 8601 intervals on input.

    Yearly     2025          Quarterly  2025Q1       Monthly  202503
    Weekly     2025W5        (ISO 8601 week; "2025W05" is accepted and formatted as "2025W5", as DHIS2 does)
    Daily      20250315
    ADX        2025-03-01/P1M, 2025-01-01/P1Y, 2025-04-01/P3M, 2025-03-03/P7D (a Monday), 2025-03-15/P1D

A week belongs to the ISO year and, for roll-ups to months and quarters, to the month of its Thursday
(the ISO 8601 rule that also decides its year), so every week rolls up to exactly one month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput

DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY = "Daily", "Weekly", "Monthly", "Quarterly", "Yearly"
PERIOD_TYPES = (DAILY, WEEKLY, MONTHLY, QUARTERLY, YEARLY)
# Finer first; a period can roll up only to a type that comes later in this tuple.
_RANK = {t: i for i, t in enumerate(PERIOD_TYPES)}

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_WEEK = re.compile(r"^(\d{4})W(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ADX = re.compile(r"^(\d{4}-\d{2}-\d{2})/P(\d+)([DWMY])$")

MIN_YEAR, MAX_YEAR = 1900, 2199


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    period_type: str

    @property
    def id(self) -> str:
        s = self.start
        if self.period_type == YEARLY:
            return f"{s.year:04d}"
        if self.period_type == QUARTERLY:
            return f"{s.year:04d}Q{(s.month - 1) // 3 + 1}"
        if self.period_type == MONTHLY:
            return f"{s.year:04d}{s.month:02d}"
        if self.period_type == WEEKLY:
            year, week, _day = s.isocalendar()
            return f"{year:04d}W{week}"
        return f"{s.year:04d}{s.month:02d}{s.day:02d}"

    @property
    def iso(self) -> str:
        """ADX's form: start/duration."""
        duration = {YEARLY: "P1Y", QUARTERLY: "P3M", MONTHLY: "P1M", WEEKLY: "P7D", DAILY: "P1D"}[self.period_type]
        return f"{self.start.isoformat()}/{duration}"

    def __str__(self) -> str:
        return self.id

    def name(self) -> str:
        s = self.start
        if self.period_type == YEARLY:
            return _("Year %(year)s") % {"year": s.year}
        if self.period_type == QUARTERLY:
            return _("Quarter %(q)s %(year)s") % {"q": (s.month - 1) // 3 + 1, "year": s.year}
        if self.period_type == MONTHLY:
            return _("Month %(month)s/%(year)s") % {"month": s.month, "year": s.year}
        if self.period_type == WEEKLY:
            year, week, _day = s.isocalendar()
            return _("Week %(week)s %(year)s (%(start)s – %(end)s)") % {
                "week": week,
                "year": year,
                "start": s.strftime("%d/%m"),
                "end": self.end.strftime("%d/%m"),
            }
        return s.strftime("%d/%m/%Y")

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    def contains_date(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return period_for_date(self.period_type, self.end + dt.timedelta(days=1))

    def previous(self) -> Period:
        return period_for_date(self.period_type, self.start - dt.timedelta(days=1))

    def shift(self, steps: int) -> Period:
        """The period `steps` periods later (or earlier when negative), of the same type."""
        if self.period_type == DAILY:
            return period_for_date(DAILY, self.start + dt.timedelta(days=steps))
        if self.period_type == WEEKLY:
            return period_for_date(WEEKLY, self.start + dt.timedelta(weeks=steps))
        months = {MONTHLY: 1, QUARTERLY: 3, YEARLY: 12}[self.period_type] * steps
        index = self.start.year * 12 + self.start.month - 1 + months
        return period_for_date(self.period_type, dt.date(index // 12, index % 12 + 1, 1))

    def rollup(self, period_type: str) -> Period:
        """The period of `period_type` this one belongs to (weeks by their Thursday)."""
        _check_type(period_type)
        if _RANK[period_type] < _RANK[self.period_type]:
            raise InvalidInput(
                _("A %(src)s period cannot roll up to %(dst)s periods") % {"src": self.period_type, "dst": period_type},
                field="period",
            )
        if period_type == self.period_type:
            return self
        anchor = self.start + dt.timedelta(days=3) if self.period_type == WEEKLY else self.start
        return period_for_date(period_type, anchor)

    def days(self) -> int:
        return (self.end - self.start).days + 1


def _check_type(period_type: str) -> None:
    if period_type not in _RANK:
        raise InvalidInput(
            _("Unknown period type '%(type)s'; use one of %(types)s")
            % {"type": period_type, "types": ", ".join(PERIOD_TYPES)},
            field="periodType",
        )


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            _("Period '%(period)s': year %(year)s is outside %(min)s–%(max)s")
            % {"period": text, "year": year, "min": MIN_YEAR, "max": MAX_YEAR},
            field="period",
        )


def period_for_date(period_type: str, day: dt.date) -> Period:
    _check_type(period_type)
    if period_type == DAILY:
        return Period(day, day, DAILY)
    if period_type == WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return Period(monday, monday + dt.timedelta(days=6), WEEKLY)
    if period_type == MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(day.replace(day=1), day.replace(day=last), MONTHLY)
    if period_type == QUARTERLY:
        first_month = (day.month - 1) // 3 * 3 + 1
        start = dt.date(day.year, first_month, 1)
        end_month = first_month + 2
        return Period(start, dt.date(day.year, end_month, calendar.monthrange(day.year, end_month)[1]), QUARTERLY)
    return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), YEARLY)


def parse_period(text: str) -> Period:
    """Parse a DHIS2 period id or an ADX interval; InvalidInput says what is wrong."""
    if not isinstance(text, str):
        raise InvalidInput(_("Period must be text, got %(value)r") % {"value": text}, field="period")
    raw = text.strip()
    try:
        return _parse(raw)
    except ValueError:
        raise InvalidInput(_("Period '%(period)s' is not a valid date") % {"period": raw}, field="period") from None


def _parse(raw: str) -> Period:
    if m := _YEAR.match(raw):
        year = int(m[1])
        _check_year(year, raw)
        return period_for_date(YEARLY, dt.date(year, 1, 1))
    if m := _QUARTER.match(raw):
        _check_year(int(m[1]), raw)
        return period_for_date(QUARTERLY, dt.date(int(m[1]), (int(m[2]) - 1) * 3 + 1, 1))
    if m := _MONTH.match(raw):
        _check_year(int(m[1]), raw)
        month = int(m[2])
        if not 1 <= month <= 12:
            raise InvalidInput(_("Period '%(period)s': month must be 01–12") % {"period": raw}, field="period")
        return period_for_date(MONTHLY, dt.date(int(m[1]), month, 1))
    if m := _WEEK.match(raw):
        year, week = int(m[1]), int(m[2])
        _check_year(year, raw)
        weeks_in_year = dt.date(year, 12, 28).isocalendar()[1]
        if not 1 <= week <= weeks_in_year:
            raise InvalidInput(
                _("Period '%(period)s': %(year)s has weeks 1–%(n)s")
                % {"period": raw, "year": year, "n": weeks_in_year},
                field="period",
            )
        return period_for_date(WEEKLY, dt.date.fromisocalendar(year, week, 1))
    if m := _DAY.match(raw):
        _check_year(int(m[1]), raw)
        return period_for_date(DAILY, dt.date(int(m[1]), int(m[2]), int(m[3])))
    if m := _ADX.match(raw):
        return _parse_adx(raw, dt.date.fromisoformat(m[1]), int(m[2]), m[3])
    raise InvalidInput(
        _(
            "Period '%(period)s' is not recognised; use 2025, 2025Q1, 202503, 2025W5, 20250315 "
            "or an ADX interval such as 2025-03-01/P1M"
        )
        % {"period": raw},
        field="period",
    )


def _parse_adx(raw: str, start: dt.date, count: int, unit: str) -> Period:
    _check_year(start.year, raw)
    candidates = {
        (1, "D"): DAILY,
        (7, "D"): WEEKLY,
        (1, "W"): WEEKLY,
        (1, "M"): MONTHLY,
        (3, "M"): QUARTERLY,
        (1, "Y"): YEARLY,
        (12, "M"): YEARLY,
    }
    period_type = candidates.get((count, unit))
    if period_type is None:
        raise InvalidInput(
            _("Period '%(period)s': duration P%(n)s%(u)s is not a supported period type")
            % {"period": raw, "n": count, "u": unit},
            field="period",
        )
    period = period_for_date(period_type, start)
    if period.start != start:
        raise InvalidInput(
            _("Period '%(period)s' does not start on the first day of a %(type)s period (that would be %(start)s)")
            % {"period": raw, "type": period_type, "start": period.start.isoformat()},
            field="period",
        )
    return period


def periods_between(period_type: str, start: dt.date, end: dt.date) -> list[Period]:
    """Every period of the type that overlaps [start, end], in order."""
    if end < start:
        return []
    out = []
    current = period_for_date(period_type, start)
    while current.start <= end:
        out.append(current)
        current = current.next()
    return out


def period_type_of(text: str) -> str:
    return parse_period(text).period_type

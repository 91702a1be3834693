"""The demo's calendar: months are counted from January 2019 (index 0), the first month generated."""

from __future__ import annotations

import datetime as dt

START = dt.date(2019, 1, 1)
REORGANISATION = dt.date(2025, 7, 1)

OPEN_END = 10_000  # the month index standing for "still open"


def month_index(day: dt.date) -> int:
    """0 for January 2019."""
    return (day.year - START.year) * 12 + day.month - 1


def month_start(m: int) -> dt.date:
    return dt.date(START.year + m // 12, m % 12 + 1, 1)


def month_id(m: int) -> str:
    return f"{START.year + m // 12:04d}{m % 12 + 1:02d}"


def last_complete_month(today: dt.date) -> int:
    return month_index(today.replace(day=1)) - 1


REORG_M = month_index(REORGANISATION)  # 78: July 2025

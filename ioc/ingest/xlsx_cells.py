"""Reading single cells of an uploaded workbook, shared by the wide and the long layout.

A cell is turned into the text the write path parses, or refused with the reason naming the cell: Excel
silently turns typed values into formulas, dates, percentages or text with local separators, and an
import must not guess what was meant.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period, period_for_date
from ioc.ingest.xlsx_format import column_letter

# A number typed as text with a decimal comma or with dot/space-grouped thousands and a decimal comma:
# "1.234,5", "1234,5", "1.234.567". Refused (ambiguous); plain digits with a dot for decimals are accepted.
VIETNAMESE_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+(,\d+)?|\d{1,3}(\.\d{3}){2,}|\d+,\d+)$")

_MONTH_TEXT = re.compile(r"^(?:T|Tháng\s*)?(\d{1,2})\s*/\s*(\d{4})$", re.IGNORECASE)
_QUARTER_TEXT = re.compile(r"^(?:Q|Quý\s*)([1-4])\s*/\s*(\d{4})$", re.IGNORECASE)


def norm(text: object) -> str:
    """A header cell for matching: NFC, lower case, no spaces, underscores or hyphens."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text)).strip().lower()
    return re.sub(r"[\s_\-]+", "", value)


@dataclass
class Sheet:
    name: str
    source: str
    rows: Iterator[tuple[Any, ...]]
    head: list[tuple[Any, ...]]
    merges: list[tuple[int, int, int, int, str]]  # min_row, min_col, max_row, max_col, ref
    percent_styles: dict[int, bool] = field(default_factory=dict)


class Bad:
    """A cell that cannot be used: why."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def cell_ref(sheet: Sheet, row: int, col: int) -> str:
    return f"{sheet.name}!{column_letter(col)}{row}"


def rows_after(sheet: Sheet, header_row: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) of the rows below the header."""
    number = header_row
    for row in sheet.head[header_row:]:
        number += 1
        yield number, row
    for row in sheet.rows:
        number += 1
        yield number, row


def text_cell(cell: Any) -> str | None:
    """A code/reference cell as text (numbers without a decimal point: codes such as 08707 typed as numbers
    lose the leading zero, which the code check then reports)."""
    value = cell.value
    if value is None:
        return None
    if type(value) is float and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _is_percent(cell: Any, sheet: Sheet) -> bool:
    """Is the cell formatted as a percentage? (Remembered per style: the number format is a lookup through
    the workbook's style tables.)"""
    style = getattr(cell, "_style_id", 0)
    if not style:
        return False
    found = sheet.percent_styles.get(style)
    if found is None:
        found = sheet.percent_styles[style] = "%" in (cell.number_format or "")
    return found


def read_value(cell: Any, sheet: Sheet, row: int, col: int, text_column: bool) -> str | Bad | None:
    """A value cell as the text the write path parses; Bad when it cannot be used."""
    value = cell.value
    if value is None:
        return None
    data_type = cell.data_type
    if data_type == "f":
        return Bad(
            _("cell %(cell)s holds a formula (%(formula)s); paste values only (Paste Special → Values)")
            % {"cell": cell_ref(sheet, row, col), "formula": str(value)[:80]}
        )
    kind = type(value)
    if kind is int:
        if _is_percent(cell, sheet):
            return _percent_bad(sheet, row, col, value)
        return str(value)
    if kind is float:
        if _is_percent(cell, sheet):
            return _percent_bad(sheet, row, col, value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if kind is str:
        if data_type == "e":
            return Bad(
                _("cell %(cell)s holds an error (%(error)s)") % {"cell": cell_ref(sheet, row, col), "error": value}
            )
        text = value.strip()
        if not text:
            return None
        if not text_column and VIETNAMESE_NUMBER.match(text):
            return Bad(
                _(
                    "cell %(cell)s: '%(value)s' is a number written with separators; type plain digits with a dot "
                    "for decimals (e.g. 1234.5), or format the cell as Number"
                )
                % {"cell": cell_ref(sheet, row, col), "value": text}
            )
        return value
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return Bad(
            _(
                "cell %(cell)s holds a date or time (%(value)s); a value is a number or text: format the cell as "
                "Number (or Text) and type the value again"
            )
            % {"cell": cell_ref(sheet, row, col), "value": shown}
        )
    return Bad(
        _("cell %(cell)s holds %(kind)s, not a value; paste values only")
        % {"cell": cell_ref(sheet, row, col), "kind": kind.__name__}
    )


def _percent_bad(sheet: Sheet, row: int, col: int, value: float) -> Bad:
    return Bad(
        _(
            "cell %(cell)s is formatted as a percentage (%(shown)s is stored as %(value)s); format the cell as "
            "Number and type the percentage as a number from 0 to 100"
        )
        % {"cell": cell_ref(sheet, row, col), "shown": f"{value * 100:g}%", "value": f"{value:g}"}
    )


def period_value(raw: object, period_type: str | None) -> str | Bad:
    """A period cell: a DHIS2 id or ADX interval (text or a number such as 202503), M/YYYY or Qn/YYYY, or a
    date when the period type is known (the template's)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Bad(_("the period is empty"))
    if isinstance(raw, dt.datetime | dt.date):
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        if period_type:
            return period_for_date(period_type, day).id
        return Bad(
            _("'%(value)s' is a date; type the period as text, e.g. 202503 (month), 2025Q1, 2025")
            % {"value": day.isoformat()}
        )
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).strip()
    if m := _MONTH_TEXT.match(text):
        text = f"{int(m[2]):04d}{int(m[1]):02d}"
    elif m := _QUARTER_TEXT.match(text):
        text = f"{int(m[2]):04d}Q{m[1]}"
    try:
        return parse_period(text).id
    except InvalidInput as exc:
        return Bad(
            _("'%(value)s' is not a period (%(why)s); type e.g. 202503 (month), 2025Q1 (quarter), 2025 (year)")
            % {"value": raw, "why": exc.message}
        )

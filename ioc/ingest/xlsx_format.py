"""What the template builder and the workbook parser must agree on: sheet names, the fixed rows of the data
sheet, the code headers and the hidden sheet's contents. Kept apart so that neither side imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ioc.core.periods import PERIOD_TYPES

SHEET_DATA = "Dữ liệu"
SHEET_HELP = "Hướng dẫn"
SHEET_META = "ioc_meta"
TEMPLATE_FORMAT = "ioc-xlsx-template"
TEMPLATE_VERSION = 1
UNIT_CODE, UNIT_NAME, PERIOD_CODE = "orgUnit", "orgUnitName", "period"
PERIOD_LABEL = "Kỳ báo cáo (period)"
TITLE_ROW, PERIOD_ROW, NOTE_ROW, NAMES_ROW, CODES_ROW, FIRST_DATA_ROW = 1, 2, 3, 4, 5, 6
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


@dataclass
class TemplateMeta:
    """What the hidden sheet of one of our templates says."""

    values: dict[str, str] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)  # column code → value type

    @property
    def data_set(self) -> str | None:
        return self.values.get("dataSet") or None

    @property
    def period(self) -> str | None:
        return self.values.get("period") or None

    @property
    def period_type(self) -> str | None:
        value = self.values.get("periodType")
        return value if value in PERIOD_TYPES else None

"""XLSX: the data-entry template of a data set (build_template) and the parser of uploaded workbooks (parse_xlsx).

The template (one workbook per data set, unit subtree and period):

    sheet "Dữ liệu"    row 1  the data set's name
                       row 2  "Kỳ báo cáo (period)" | 202503 | Tháng 3/2025      ← the period cell (B2)
                       row 3  a note
                       row 4  Mã đơn vị | Tên đơn vị | Lượt khám ngoại trú — Nam | …   (names, Vietnamese)
                       row 5  orgUnit   | orgUnitName | HLT_OPD_VISITS.MALE | …     (codes: the parser's key)
                       row 6… one row per unit, one column per data element × category option combo
    sheet "Hướng dẫn"  instructions (Vietnamese, then English)
    sheet "ioc_meta"   hidden: data set, period, period type, the columns and their value types, when made

No cell is merged (the parser refuses merged header cells); codes, names and headers are locked (sheet
protection without a password), value cells are unlocked and carry data validation by value type.

The parser reads that wide layout (the code row is found by "orgUnit" in column A, the period beside the
"Kỳ báo cáo"/"Period" label, or in a "period" column) and a long layout: a sheet whose header row names the
DHIS2 CSV columns (dataElement, period, orgUnit, categoryOptionCombo, value, …; Vietnamese aliases such as
"Mã chỉ tiêu", "Kỳ báo cáo", "Mã đơn vị", "Giá trị" too). Positions are sheet rows (kind "row"; the rows'
source is "file › sheet") and every issue names the cell. Refused with a FileError or a RowIssue: a file
that is not an XLSX (an OLE container is a password-protected or old .xls file), a corrupt zip, parts that
unpack to more than the limit (zip bombs; checked before openpyxl opens the file), formulas in value cells,
merged cells in the header or data, missing/unknown/duplicate code columns, values in a column without a
code, a period cell that does not parse, dates and percentage-formatted numbers in value cells, and
numbers typed as text with Vietnamese separators ("1.234,5": type plain digits, 1234.5).

Read with openpyxl in read-only mode (streaming; the merged ranges are read from the sheet's XML) and
data_only=False, so formulas are seen as formulas.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput, IocError
from ioc.core.periods import PERIOD_TYPES, parse_period, period_for_date
from ioc.ingest.rows import FileError, IdSchemes, ParseResult, RowBuilder, read_limited

log = logging.getLogger(__name__)

SHEET_DATA = "Dữ liệu"
SHEET_HELP = "Hướng dẫn"
SHEET_META = "ioc_meta"
TEMPLATE_FORMAT = "ioc-xlsx-template"
TEMPLATE_VERSION = 1
UNIT_CODE, UNIT_NAME, PERIOD_CODE = "orgUnit", "orgUnitName", "period"
PERIOD_LABEL = "Kỳ báo cáo (period)"
TITLE_ROW, PERIOD_ROW, NOTE_ROW, NAMES_ROW, CODES_ROW, FIRST_DATA_ROW = 1, 2, 3, 4, 5, 6
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The parts of an uploaded workbook may unpack to at most this many bytes (settings override it).
DEFAULT_MAX_UNCOMPRESSED = 512 * 1024 * 1024
# Header rows are looked for in the first rows of each sheet.
HEADER_SCAN_ROWS = 30

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"
CODE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?$")
# A number typed as text with a decimal comma or with dot/space-grouped thousands and a decimal comma:
# "1.234,5", "1234,5", "1.234.567". Refused (ambiguous); plain digits with a dot for decimals are accepted.
VIETNAMESE_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+(,\d+)?|\d{1,3}(\.\d{3}){2,}|\d+,\d+)$")
_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\b[^>]*?\bref=\"([^\"]+)\"")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData>")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_MONTH_TEXT = re.compile(r"^(?:T|Tháng\s*)?(\d{1,2})\s*/\s*(\d{4})$", re.IGNORECASE)
_QUARTER_TEXT = re.compile(r"^(?:Q|Quý\s*)([1-4])\s*/\s*(\d{4})$", re.IGNORECASE)


def max_uncompressed() -> int:
    return int(getattr(settings, "IOC_INGEST_XLSX_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED))


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


def _norm(text: object) -> str:
    """A header cell for matching: NFC, lower case, no spaces, underscores or hyphens."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFC", str(text)).strip().lower()
    return re.sub(r"[\s_\-]+", "", value)


# ---------------------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------------------


def build_template(
    user: Any,
    data_set: Any,
    root_unit: Any,
    period: Any,
    *,
    with_values: bool = False,
) -> bytes:
    """The XLSX template of `data_set` for the units of `root_unit`'s subtree that lie in the user's entry
    scope, are assigned to the data set and are open during `period` (a Period or its id). `with_values`
    fills in the values already stored (so the template doubles as an export). InvalidInput / NotAllowed
    when the period does not fit the data set, the unit is outside the entry scope, or no unit qualifies."""
    from openpyxl import Workbook

    from ioc.ingest import selectors

    parsed_period = selectors.check_template_request(user, data_set, root_unit, period)
    units = selectors.template_units(user, data_set, root_unit, parsed_period)
    if not units:
        raise InvalidInput(
            _("No unit under %(unit)s is assigned to data set %(code)s and open in period %(period)s")
            % {"unit": f"{root_unit.name} ({root_unit.code})", "code": data_set.code, "period": parsed_period.id},
            field="org_unit",
        )
    columns = selectors.template_columns(data_set)
    if not columns:
        raise InvalidInput(_("Data set %(code)s has no data elements") % {"code": data_set.code}, field="data_set")
    values = selectors.template_values(user, columns, units, parsed_period) if with_values else {}

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_DATA
    with translation.override("vi"):
        period_name = parsed_period.name()
    _write_data_sheet(ws, data_set, root_unit, parsed_period.id, period_name, units, columns, values)
    _write_help_sheet(wb.create_sheet(SHEET_HELP), data_set, parsed_period.id, len(columns))
    _write_meta_sheet(wb.create_sheet(SHEET_META), user, data_set, root_unit, parsed_period, units, columns)
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_filename(data_set: Any, period: Any, root_unit: Any) -> str:
    period_id = getattr(period, "id", period)
    return f"{data_set.code}_{period_id}_{root_unit.code}.xlsx"


_VALUE_TYPE_VI = {
    "INTEGER": "số nguyên",
    "NUMBER": "số",
    "PERCENTAGE": "phần trăm (0–100)",
    "BOOLEAN": "Có/Không",
    "TEXT": "văn bản",
}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _validation(column: Any, cells: str) -> Any:
    """The data validation of one value column (by the element's value type, within its min/max), with
    Vietnamese input and error messages (Excel limits: titles 32 characters, texts 255)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    element = column.element
    vtype = element.value_type
    low, high = element.min_value, element.max_value
    if vtype == "PERCENTAGE":
        low = max(0.0, low) if low is not None else 0.0
        high = min(100.0, high) if high is not None else 100.0
    title = element.name_vi[:32]
    if vtype == "BOOLEAN":
        dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
        rule = "chọn Có hoặc Không"
    elif vtype == "TEXT":
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="32767", allow_blank=True)
        rule = "nhập văn bản"
    else:
        kind = "whole" if vtype == "INTEGER" else "decimal"
        what = "một số nguyên" if vtype == "INTEGER" else "một số"
        if low is not None and high is not None:
            dv = DataValidation(type=kind, operator="between", formula1=_num(low), formula2=_num(high))
            rule = f"nhập {what} từ {_num(low)} đến {_num(high)}"
        elif low is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=_num(low))
            rule = f"nhập {what} không nhỏ hơn {_num(low)}"
        elif high is not None:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=_num(high))
            rule = f"nhập {what} không lớn hơn {_num(high)}"
        else:
            # No bounds: still a number (Excel refuses text typed into the cell).
            dv = DataValidation(type=kind, operator="between", formula1="-1E+15", formula2="1E+15")
            rule = f"nhập {what}"
        dv.allow_blank = True
    label = element.name_vi if column.default else f"{element.name_vi} — {column.coc.name_vi}"
    unit = f" ({element.unit})" if element.unit else ""
    dv.promptTitle = title
    dv.prompt = f"{label}{unit}: {rule}. Để trống nếu không có số liệu."[:255]
    dv.errorTitle = "Giá trị không hợp lệ"
    dv.error = f"{label}: {rule}."[:225]
    dv.showInputMessage = True
    dv.showErrorMessage = True
    dv.errorStyle = "stop"
    dv.add(cells)
    return dv


_NUMBER_FORMATS = {"INTEGER": "#,##0", "NUMBER": "General", "PERCENTAGE": "0.0", "BOOLEAN": "@", "TEXT": "@"}


def _cell_value(value_type: str, stored: Any) -> object:
    """A stored value as the template cell shows it (numbers as numbers, yes/no as Có/Không)."""
    if value_type == "TEXT":
        return stored.value_text
    number = stored.value_num
    if number is None:
        return None
    if value_type == "BOOLEAN":
        return "Có" if number else "Không"
    return int(number) if value_type == "INTEGER" or float(number).is_integer() else float(number)


def _write_data_sheet(
    ws: Any,
    data_set: Any,
    root_unit: Any,
    period_id: str,
    period_name: str,
    units: Sequence[Any],
    columns: Sequence[Any],
    values: dict[tuple[int, int, int], Any],
) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

    header_fill = PatternFill("solid", fgColor="DCE6F1")
    code_fill = PatternFill("solid", fgColor="F2F2F2")
    locked_fill = PatternFill("solid", fgColor="F7F7F7")
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    unlocked = Protection(locked=False)
    first_value = 3
    last_row = FIRST_DATA_ROW + len(units) - 1

    ws.cell(TITLE_ROW, 1, f"{data_set.name_vi} ({data_set.code})").font = Font(bold=True, size=14)
    ws.cell(PERIOD_ROW, 1, PERIOD_LABEL).font = Font(bold=True)
    period_cell = ws.cell(PERIOD_ROW, 2, period_id)
    period_cell.number_format = "@"
    period_cell.font = Font(bold=True)
    period_cell.fill = locked_fill
    ws.cell(PERIOD_ROW, 3, period_name)
    ws.cell(
        NOTE_ROW,
        1,
        f"Đơn vị: {root_unit.name_vi} ({root_unit.code}). Điền số liệu vào các ô trắng; không sửa các dòng tiêu đề, "
        "mã và tên đơn vị. Xem trang «Hướng dẫn».",
    ).font = Font(italic=True, color="595959")

    heads = [("Mã đơn vị", UNIT_CODE), ("Tên đơn vị", UNIT_NAME)]
    for column in columns:
        element = column.element
        name = element.name_vi if column.default else f"{element.name_vi} — {column.coc.name_vi}"
        if element.unit:
            name += f" ({element.unit})"
        heads.append((name, column.code))
    for index, (name, code) in enumerate(heads, start=1):
        head = ws.cell(NAMES_ROW, index, name)
        head.font = Font(bold=True)
        head.fill = header_fill
        head.alignment = Alignment(wrap_text=True, vertical="top")
        head.border = border
        code_cell = ws.cell(CODES_ROW, index, code)
        code_cell.font = Font(size=8, color="808080")
        code_cell.fill = code_fill
        code_cell.border = border
    ws.row_dimensions[NAMES_ROW].height = 75

    formats = [_NUMBER_FORMATS.get(c.element.value_type, "General") for c in columns]
    root_level = root_unit.level
    codes = [u.code for u in units]
    duplicated = {code for code in codes if codes.count(code) > 1}
    for offset, unit in enumerate(units):
        row = FIRST_DATA_ROW + offset
        # A code reused by two units open in the period (the reorganisation within a year): the uid.
        code_cell = ws.cell(row, 1, unit.uid if unit.code in duplicated else unit.code)
        code_cell.number_format = "@"
        code_cell.fill = locked_fill
        code_cell.border = border
        name_cell = ws.cell(row, 2, unit.name_vi)
        name_cell.fill = locked_fill
        name_cell.border = border
        name_cell.alignment = Alignment(indent=max(0, unit.level - root_level))
        for index, column in enumerate(columns):
            cell = ws.cell(row, first_value + index)
            stored = values.get((unit.pk, column.element.pk, column.coc.pk))
            if stored is not None:
                cell.value = _cell_value(column.element.value_type, stored)
            cell.number_format = formats[index]
            cell.protection = unlocked
            cell.border = border

    for index, column in enumerate(columns):
        letter = column_letter(first_value + index)
        ws.add_data_validation(_validation(column, f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"))
        ws.column_dimensions[letter].width = 18
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 34
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, first_value).coordinate
    ws.print_title_rows = f"{NAMES_ROW}:{CODES_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.protection.sheet = True
    # Users may still resize and format rows and columns; they may not insert or delete them.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.formatCells = False
    ws.sheet_properties.tabColor = "1F4E79"


_HELP_VI = [
    "HƯỚNG DẪN ĐIỀN MẪU NHẬP SỐ LIỆU",
    "1. Điền số liệu vào các ô trắng của trang «Dữ liệu»: mỗi dòng là một đơn vị, mỗi cột là một chỉ tiêu"
    " (theo nhóm phân tổ).",
    "2. Không sửa, xoá hay chèn dòng, cột; không sửa dòng mã (dòng chữ xám ngay dưới tiêu đề): hệ thống đọc"
    " số liệu theo các mã này.",
    "3. Chỉ nhập giá trị, không nhập công thức. Nếu dán từ tệp khác, dùng «Dán đặc biệt → Giá trị».",
    "4. Số viết liền, không dấu phân cách hàng nghìn; phần thập phân dùng dấu chấm (ví dụ 1234.5). Phần trăm"
    " nhập số từ 0 đến 100 (ví dụ 45, không phải 45%). Có/Không chọn trong danh sách.",
    "5. Ô để trống nghĩa là không có số liệu (không xoá số liệu đã có).",
    "6. Kỳ báo cáo ở ô B2. Mẫu này chỉ dùng cho kỳ và bộ dữ liệu ghi ở trang «Dữ liệu»; kỳ khác: tải mẫu mới.",
    "7. Lưu tệp dạng .xlsx (không đặt mật khẩu) rồi tải lên ở trang «Nhập dữ liệu». Có thể chọn «Chạy thử» để"
    " kiểm tra trước khi ghi. Nếu có dòng sai, hệ thống không ghi gì và liệt kê mọi ô sai để sửa.",
]
_HELP_EN = [
    "HOW TO FILL IN THIS TEMPLATE",
    "1. Fill in the white cells of the sheet «Dữ liệu» (data): one row per unit, one column per data element"
    " (and disaggregation).",
    "2. Do not edit, delete or insert rows or columns, and do not change the code row (grey, right under the"
    " headers): the system reads the values by these codes.",
    "3. Values only, no formulas. When pasting from another file use Paste Special → Values.",
    "4. Numbers in plain digits, without thousands separators, with a dot for decimals (e.g. 1234.5)."
    " Percentages as a number from 0 to 100 (45, not 45%). Yes/No from the list (Có/Không).",
    "5. An empty cell means no value (it does not delete a stored value).",
    "6. The period is in cell B2. This template is for the period and data set shown; for another period"
    " download a new template.",
    "7. Save as .xlsx (without a password) and upload it on the Import page. «Dry run» checks the file without"
    " writing. If any row is wrong nothing is written and every wrong cell is listed.",
]


def _write_help_sheet(ws: Any, data_set: Any, period_id: str, n_columns: int) -> None:
    from openpyxl.styles import Alignment, Font

    ws.column_dimensions["A"].width = 120
    row = 1
    for lines in (_HELP_VI, _HELP_EN):
        for index, line in enumerate(lines):
            cell = ws.cell(row, 1, line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index == 0:
                cell.font = Font(bold=True, size=12)
            row += 1
        row += 1
    ws.cell(row, 1, f"{data_set.code} · {period_id} · {n_columns} cột / columns").font = Font(color="808080")
    ws.protection.sheet = True


def _write_meta_sheet(
    ws: Any,
    user: Any,
    data_set: Any,
    root_unit: Any,
    period: Any,
    units: Sequence[Any],
    columns: Sequence[Any],
) -> None:
    rows: list[tuple[object, ...]] = [
        ("format", TEMPLATE_FORMAT),
        ("version", TEMPLATE_VERSION),
        ("dataSet", data_set.code),
        ("dataSetUid", data_set.uid),
        ("periodType", data_set.period_type),
        ("period", period.id),
        ("orgUnit", root_unit.code),
        ("orgUnitUid", root_unit.uid),
        ("units", len(units)),
        ("generatedAt", timezone.now().isoformat(timespec="seconds")),
        ("generatedBy", getattr(user, "username", "")),
        ("columns", "dataElement", "categoryOptionCombo", "valueType"),
    ]
    rows.extend((c.code, c.element.code, c.coc.code, c.element.value_type) for c in columns)
    for row in rows:
        ws.append(list(row))
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


# ---------------------------------------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------------------------------------

LONG_ALIASES: dict[str, str] = {}
for _name, _aliases in {
    "dataelement": ("dataelement", "de", "chỉtiêu", "mãchỉtiêu"),
    "period": ("period", "pe", "kỳ", "kỳbáocáo", "mãkỳ"),
    "orgunit": ("orgunit", "ou", "đơnvị", "mãđơnvị"),
    "catoptcombo": ("categoryoptioncombo", "catoptcombo", "coc", "nhóm", "mãnhóm", "phântổ", "mãphântổ"),
    "attroptcombo": ("attributeoptioncombo", "attroptcombo", "aoc"),
    "value": ("value", "giátrị", "sốliệu"),
    "cmt": ("comment", "cmt", "ghichú"),
    "strby": ("storedby", "strby", "ngườinhập"),
    "lstupd": ("lastupdated", "lstupd", "ngàycậpnhật"),
    "followup": ("followup", "theodõi"),
    # descriptive columns, read past
    "-": ("orgunitname", "tênđơnvị", "dataelementname", "tênchỉtiêu", "categoryoptioncomboname", "tênnhóm"),
}.items():
    for _alias in _aliases:
        LONG_ALIASES[_alias] = _name
LONG_REQUIRED = ("dataelement", "period", "orgunit", "value")
LONG_COLUMNS = "dataElement, period, orgUnit, categoryOptionCombo, value, comment"


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


@dataclass
class _Sheet:
    name: str
    source: str
    rows: Iterator[tuple[Any, ...]]
    head: list[tuple[Any, ...]]
    merges: list[tuple[int, int, int, int, str]]  # min_row, min_col, max_row, max_col, ref
    percent_styles: dict[int, bool] = field(default_factory=dict)


class _Bad:
    """A cell that cannot be used: why."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def parse_xlsx(
    data: bytes | IO[bytes],
    source: str = "data.xlsx",
    *,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
    uncompressed_limit: int | None = None,
) -> ParseResult:
    """Parse an uploaded workbook (our template's wide layout, or long sheets with DHIS2 CSV's columns).
    FileError when the file cannot be used at all; RowIssues for cells that cannot."""
    raw = read_limited(data, source, limit)
    archive = _open_archive(raw, source, max_uncompressed() if uncompressed_limit is None else uncompressed_limit)
    try:
        return _parse_workbook(raw, archive, source, schemes)
    except IocError:
        raise
    except Exception as exc:  # a corrupt part found while streaming: never a stack trace for the user
        log.info("unreadable xlsx %s: %r", source, exc)
        raise FileError(
            _(
                "%(file)s: the workbook is damaged and cannot be read (%(why)s); open it in Excel, save it again as .xlsx"
            )
            % {"file": source, "why": type(exc).__name__},
            field="file",
        ) from None
    finally:
        archive.close()


def _unreadable(source: str, exc: BaseException, damaged: bool) -> FileError:
    """The FileError for a workbook openpyxl could not read; XML entity declarations (refused by defusedxml,
    which openpyxl uses) are named as such."""
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

    log.info("unreadable xlsx %s: %r", source, exc)
    chain: BaseException | None = exc
    while chain is not None:
        if isinstance(chain, DefusedXmlException):
            return FileError(
                _("%(file)s: the workbook's XML declares entities or a DTD (%(why)s), which is refused")
                % {"file": source, "why": type(chain).__name__},
                field="file",
            )
        chain = chain.__cause__ or chain.__context__
    template = (
        _("%(file)s: the workbook is damaged and cannot be read (%(why)s); open it in Excel, save it again as .xlsx")
        if damaged
        else _("%(file)s: the workbook cannot be opened (%(why)s); open it in Excel and save it again as .xlsx")
    )
    return FileError(template % {"file": source, "why": type(exc).__name__}, field="file")


def _open_archive(raw: bytes, source: str, uncompressed_limit: int) -> zipfile.ZipFile:
    if raw.startswith(OLE_MAGIC):
        raise FileError(
            _(
                "%(file)s: this is a password-protected workbook or an old .xls file; open it in Excel and save it as "
                ".xlsx without a password"
            )
            % {"file": source},
            field="file",
        )
    if not raw.startswith(ZIP_MAGIC):
        raise FileError(
            _("%(file)s: not an Excel .xlsx file (an .xlsx file is a zip archive); save the sheet as .xlsx")
            % {"file": source},
            field="file",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileError(
            _("%(file)s: the .xlsx file is damaged (not a readable zip archive); save it again") % {"file": source},
            field="file",
        ) from None
    total = sum(info.file_size for info in infos)
    if total > uncompressed_limit:
        archive.close()
        raise FileError(
            _(
                "%(file)s: the workbook unpacks to %(size).1f MB, more than the limit of %(limit).1f MB; split it "
                "into smaller files"
            )
            % {"file": source, "size": total / 1024 / 1024, "limit": uncompressed_limit / 1024 / 1024},
            field="file",
        )
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        archive.close()
        raise FileError(
            _("%(file)s: the file is encrypted; save it as .xlsx without a password") % {"file": source}, field="file"
        )
    if "xl/workbook.bin" in names:
        archive.close()
        raise FileError(
            _("%(file)s: this is a binary workbook (.xlsb); save it as .xlsx") % {"file": source}, field="file"
        )
    if not any(name.startswith("xl/") for name in names) or "[Content_Types].xml" not in names:
        archive.close()
        kind = _("an OpenDocument file (.ods)") if "mimetype" in names else _("a zip archive")
        raise FileError(
            _("%(file)s: this is %(kind)s, not an Excel workbook; save the sheet as .xlsx")
            % {"file": source, "kind": kind},
            field="file",
        )
    return archive


def _parse_workbook(raw: bytes, archive: zipfile.ZipFile, source: str, schemes: IdSchemes | None) -> ParseResult:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
    except IocError:
        raise
    except Exception as exc:
        raise _unreadable(source, exc, damaged=False) from None
    try:
        meta = _read_meta(wb)
        result = ParseResult()
        sheets_info: list[dict[str, Any]] = []
        result.header = {"format": "xlsx", "file": source, "sheets": sheets_info, "template": meta.values or None}
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or ws.title == SHEET_HELP:
                continue
            sheet = _open_sheet(ws, archive, source)
            if sheet is None:
                continue
            info = _parse_sheet(sheet, meta, result, schemes)
            sheets_info.append(info)
        if not sheets_info:
            raise FileError(
                _("%(file)s: the workbook is empty (no sheet holds any data)") % {"file": source}, field="file"
            )
        return result
    finally:
        wb.close()


def _read_meta(wb: Any) -> TemplateMeta:
    meta = TemplateMeta()
    if SHEET_META not in wb.sheetnames:
        return meta
    in_columns = False
    for row in wb[SHEET_META].iter_rows(values_only=True, max_col=4):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if in_columns:
            meta.columns[key] = str(row[3] or "") if len(row) > 3 else ""
        elif key == "columns":
            in_columns = True
        else:
            meta.values[key] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
    if meta.values.get("format") != TEMPLATE_FORMAT:
        return TemplateMeta()
    return meta


def _merges(archive: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int, str]]:
    """The merged ranges of a sheet, from its XML (read-only worksheets do not expose them). <mergeCells>
    comes after <sheetData>, so only the tail is searched."""
    if not part:
        return []
    try:
        xml = archive.read(part.lstrip("/"))
    except KeyError:
        return []
    end = _SHEET_DATA_END.search(xml)
    tail = xml[end.end() :] if end else xml
    found = []
    for match in _MERGE_REF.finditer(tail):
        ref = match.group(1).decode("ascii", "replace").replace("$", "")
        first, _sep, last = ref.partition(":")
        a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
        if a and b:
            found.append((int(a[2]), column_index(a[1]), int(b[2]), column_index(b[1]), ref))
    return found


def _open_sheet(ws: Any, archive: zipfile.ZipFile, source: str) -> _Sheet | None:
    """The sheet with its first rows read (None when it holds nothing)."""
    rows = iter(ws.iter_rows())
    head: list[tuple[Any, ...]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not any(c.value is not None and str(c.value).strip() != "" for r in head for c in r):
        # Nothing in the first rows: look further before calling it empty.
        for row in rows:
            head.append(row)
            if any(c.value is not None and str(c.value).strip() != "" for c in row):
                break
        else:
            return None
    return _Sheet(
        name=ws.title,
        source=f"{source} › {ws.title}",
        rows=rows,
        head=head,
        merges=_merges(archive, getattr(ws, "_worksheet_path", None)),
    )


def _ref(sheet: _Sheet, row: int, col: int) -> str:
    return f"{sheet.name}!{column_letter(col)}{row}"


def _parse_sheet(sheet: _Sheet, meta: TemplateMeta, result: ParseResult, schemes: IdSchemes | None) -> dict[str, Any]:
    for index, row in enumerate(sheet.head):
        names = [_norm(c.value) for c in row]
        mapped = {LONG_ALIASES.get(n) for n in names if n}
        if {"dataelement", "orgunit", "value"} <= mapped or ("dataelement" in mapped and names[0] != _norm(UNIT_CODE)):
            return _parse_long(sheet, index + 1, names, result, schemes or IdSchemes())
        if names and names[0] == _norm(UNIT_CODE):
            return _parse_wide(sheet, index + 1, row, meta, result)
    raise FileError(
        _(
            "%(sheet)s: no header row found in the first %(n)s rows: expected the code row of the template "
            "(orgUnit in column A, the codes of the data elements beside it) or the columns %(columns)s"
        )
        % {"sheet": sheet.source, "n": HEADER_SCAN_ROWS, "columns": LONG_COLUMNS},
        field="header",
    )


def _rows_after(sheet: _Sheet, header_row: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) of the rows below the header."""
    number = header_row
    for row in sheet.head[header_row:]:
        number += 1
        yield number, row
    for row in sheet.rows:
        number += 1
        yield number, row


def _check_merges(sheet: _Sheet, first_header_row: int, last_header_row: int) -> None:
    for min_row, _min_col, max_row, _max_col, ref in sheet.merges:
        if max_row < first_header_row:
            continue  # a title above the table
        where = _("the header rows") if min_row <= last_header_row else _("the data")
        raise FileError(
            _(
                "%(sheet)s: merged cells %(ref)s in %(where)s; unmerge them (every column needs its own header and cells)"
            )
            % {"sheet": sheet.source, "ref": f"{sheet.name}!{ref}", "where": where},
            field="header",
        )


def _text_cell(cell: Any) -> str | None:
    """A code/reference cell as text (numbers without a decimal point: codes such as 08707 typed as numbers
    lose the leading zero, which the code check then reports)."""
    value = cell.value
    if value is None:
        return None
    if type(value) is float and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _is_percent(cell: Any, sheet: _Sheet) -> bool:
    """Is the cell formatted as a percentage? (Remembered per style: the number format is a lookup through
    the workbook's style tables.)"""
    style = getattr(cell, "_style_id", 0)
    if not style:
        return False
    found = sheet.percent_styles.get(style)
    if found is None:
        found = sheet.percent_styles[style] = "%" in (cell.number_format or "")
    return found


def _value(cell: Any, sheet: _Sheet, row: int, col: int, text_column: bool) -> str | _Bad | None:
    """A value cell as the text the write path parses; _Bad when it cannot be used."""
    value = cell.value
    if value is None:
        return None
    data_type = cell.data_type
    if data_type == "f":
        return _Bad(
            _("cell %(cell)s holds a formula (%(formula)s); paste values only (Paste Special → Values)")
            % {"cell": _ref(sheet, row, col), "formula": str(value)[:80]}
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
            return _Bad(_("cell %(cell)s holds an error (%(error)s)") % {"cell": _ref(sheet, row, col), "error": value})
        text = value.strip()
        if not text:
            return None
        if not text_column and VIETNAMESE_NUMBER.match(text):
            return _Bad(
                _(
                    "cell %(cell)s: '%(value)s' is a number written with separators; type plain digits with a dot "
                    "for decimals (e.g. 1234.5), or format the cell as Number"
                )
                % {"cell": _ref(sheet, row, col), "value": text}
            )
        return value
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return _Bad(
            _(
                "cell %(cell)s holds a date or time (%(value)s); a value is a number or text: format the cell as "
                "Number (or Text) and type the value again"
            )
            % {"cell": _ref(sheet, row, col), "value": shown}
        )
    return _Bad(
        _("cell %(cell)s holds %(kind)s, not a value; paste values only")
        % {"cell": _ref(sheet, row, col), "kind": kind.__name__}
    )


def _percent_bad(sheet: _Sheet, row: int, col: int, value: float) -> _Bad:
    return _Bad(
        _(
            "cell %(cell)s is formatted as a percentage (%(shown)s is stored as %(value)s); format the cell as "
            "Number and type the percentage as a number from 0 to 100"
        )
        % {"cell": _ref(sheet, row, col), "shown": f"{value * 100:g}%", "value": f"{value:g}"}
    )


def _period_value(raw: object, period_type: str | None) -> str | _Bad:
    """A period cell: a DHIS2 id or ADX interval (text or a number such as 202503), M/YYYY or Qn/YYYY, or a
    date when the period type is known (the template's)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _Bad(_("the period is empty"))
    if isinstance(raw, dt.datetime | dt.date):
        day = raw.date() if isinstance(raw, dt.datetime) else raw
        if period_type:
            return period_for_date(period_type, day).id
        return _Bad(
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
        return _Bad(
            _("'%(value)s' is not a period (%(why)s); type e.g. 202503 (month), 2025Q1 (quarter), 2025 (year)")
            % {"value": raw, "why": exc.message}
        )


# ---- the wide layout (our template) ---------------------------------------------------------------------


def _find_period_cell(sheet: _Sheet, names_row: int) -> tuple[int, int, object] | None:
    """(row, column, value) of the first filled cell right of the period label, above the header."""
    for number, row in enumerate(sheet.head[: max(0, names_row - 1)], start=1):
        for index, cell in enumerate(row):
            if _norm(cell.value).startswith(("kỳbáocáo", "period")):
                for later in range(index + 1, len(row)):
                    value = row[later].value
                    if value is not None and str(value).strip():
                        return number, later + 1, value
                return number, index + 2, None
    return None


def _parse_wide(
    sheet: _Sheet, codes_row: int, code_cells: tuple[Any, ...], meta: TemplateMeta, result: ParseResult
) -> dict[str, Any]:
    names_row = codes_row - 1 if codes_row > 1 else codes_row
    _check_merges(sheet, names_row, codes_row)
    columns: list[tuple[int, str, str | None, bool]] = []  # (0-based index, element, coc, text column)
    period_index: int | None = None
    seen: dict[str, str] = {}
    for index, cell in enumerate(code_cells):
        if index < 2:
            continue
        code = _text_cell(cell)
        ref = _ref(sheet, codes_row, index + 1)
        if code is None:
            continue
        if _norm(code) == PERIOD_CODE:
            period_index = index
            continue
        if not CODE.match(code):
            raise FileError(
                _(
                    "%(sheet)s: cell %(cell)s: '%(code)s' is not a column code (ELEMENT or ELEMENT.COMBO); the code "
                    "row under the headers must hold the template's codes"
                )
                % {"sheet": sheet.source, "cell": ref, "code": code},
                field="header",
            )
        if code in seen:
            raise FileError(
                _("%(sheet)s: column code %(code)s appears twice (%(first)s and %(cell)s)")
                % {"sheet": sheet.source, "code": code, "first": seen[code], "cell": ref},
                field="header",
            )
        seen[code] = ref
        element_code, _dot, combo_code = code.partition(".")
        columns.append((index, element_code, combo_code or None, meta.columns.get(code) == "TEXT"))
    if meta.columns:
        missing = [code for code in meta.columns if code not in seen]
        unknown = [code for code in seen if code not in meta.columns]
        if missing:
            raise FileError(
                _(
                    "%(sheet)s: missing column(s) %(codes)s of the template of data set %(ds)s; do not delete columns "
                    "(leave them empty), or download a new template"
                )
                % {"sheet": sheet.source, "codes": ", ".join(missing), "ds": meta.data_set},
                field="header",
            )
        if unknown:
            raise FileError(
                _("%(sheet)s: column(s) %(codes)s are not in the template of data set %(ds)s (%(cells)s)")
                % {
                    "sheet": sheet.source,
                    "codes": ", ".join(unknown),
                    "ds": meta.data_set,
                    "cells": ", ".join(seen[c] for c in unknown),
                },
                field="header",
            )
    if not columns:
        raise FileError(
            _("%(sheet)s: the code row (row %(row)s) names no data element column")
            % {"sheet": sheet.source, "row": codes_row},
            field="header",
        )

    period: str | None = None
    if period_index is None:
        found = _find_period_cell(sheet, names_row)
        if found is not None:
            row, col, raw = found
            parsed = _period_value(raw, meta.period_type)
            if isinstance(parsed, _Bad):
                raise FileError(
                    _("%(sheet)s: cell %(cell)s (the period): %(why)s")
                    % {"sheet": sheet.source, "cell": _ref(sheet, row, col), "why": parsed.message},
                    field="period",
                )
            period = parsed
        elif meta.period:
            period = meta.period
        else:
            raise FileError(
                _(
                    "%(sheet)s: no period: put it in the cell right of «Kỳ báo cáo (period)» above the headers, or "
                    "in a column with the code 'period'"
                )
                % {"sheet": sheet.source},
                field="period",
            )

    code_schemes = IdSchemes(data_element="code", org_unit="code", category_option_combo="code", data_set="code")
    uid_schemes = IdSchemes(data_element="code", org_unit="uid", category_option_combo="code", data_set="code")
    # One builder per column: the rows' source names the sheet and the column ("file › Dữ liệu, column D"),
    # so that whatever the importer says about a value names its cell.
    builders: dict[int, RowBuilder] = {}
    places: dict[str, list[str]] = {}

    def builder_for(index: int) -> RowBuilder:
        found = builders.get(index)
        if found is None:
            letter = column_letter(index + 1)
            source = _("%(sheet)s, column %(column)s") % {"sheet": sheet.source, "column": letter}
            found = builders[index] = RowBuilder(source, "row", code_schemes, result)
            places[source] = [sheet.name, letter]
        return found

    data_set = meta.data_set
    used = {index for index, *_rest in columns} | {0, 1}
    if period_index is not None:
        used.add(period_index)
    width = max(used) + 1
    gaps = [i for i in range(2, width) if i not in used]
    n_rows = 0
    for number, cells in _rows_after(sheet, codes_row):
        if not cells:
            continue
        unit = _text_cell(cells[0])
        found_values: list[tuple[int, str, str | None, str | _Bad]] = []
        n_cells = len(cells)
        for index, element, coc, text_column in columns:
            if index >= n_cells:
                break
            cell = cells[index]
            if cell.value is None:
                continue
            raw = _value(cell, sheet, number, index + 1, text_column)
            if raw is not None:
                found_values.append((index, element, coc, raw))
        extra = [
            i for i in range(width, len(cells)) if cells[i].value is not None and str(cells[i].value).strip() != ""
        ]
        extra += [
            i for i in gaps if i < len(cells) and cells[i].value is not None and str(cells[i].value).strip() != ""
        ]
        if not found_values and not extra:
            continue  # a unit without values, or a note under the table
        n_rows += 1
        for i in extra:
            builder_for(i).issue(
                number,
                None,
                cells[i].value,
                _("cell %(cell)s has a value but column %(col)s has no code in the code row (row %(row)s)")
                % {"cell": _ref(sheet, number, i + 1), "col": column_letter(i + 1), "row": codes_row},
            )
        if unit is None:
            builder_for(0).issue(
                number,
                "orgUnit",
                None,
                _("cell %(cell)s: the unit code is missing") % {"cell": _ref(sheet, number, 1)},
            )
            continue
        row_period: object = period
        if period_index is not None:
            raw_period = cells[period_index].value if period_index < len(cells) else None
            p = _period_value(raw_period, meta.period_type)
            if isinstance(p, _Bad):
                builder_for(period_index).issue(
                    number,
                    "period",
                    raw_period,
                    _("cell %(cell)s: %(why)s") % {"cell": _ref(sheet, number, period_index + 1), "why": p.message},
                )
                continue
            row_period = p
        row_schemes = uid_schemes if meta.values and _looks_like_uid(unit) else None
        for index, element, coc, raw in found_values:
            builder = builder_for(index)
            if isinstance(raw, _Bad):
                builder.issue(number, "value", cells[index].value, raw.message)
                continue
            builder.add_fast(
                number, element, row_period, unit, coc, None, raw, None, None, data_set, None, None, (), (), row_schemes
            )
    return {
        "name": sheet.name,
        "source": sheet.source,
        "layout": "wide",
        "period": period,
        "rows": n_rows,
        "codesRow": codes_row,
        "columns": {
            (f"{element}.{coc}" if coc else element): column_letter(index + 1) for index, element, coc, _t in columns
        },
        "places": places,
    }


def _looks_like_uid(text: str) -> bool:
    """Our template writes a unit's uid instead of its code when the code names two units in the period."""
    return len(text) == 11 and text[0].isalpha() and text.isalnum() and not text.isdigit()


# ---- the long layout (DHIS2 CSV's columns) --------------------------------------------------------------


def _parse_long(
    sheet: _Sheet, header_row: int, names: list[str], result: ParseResult, schemes: IdSchemes
) -> dict[str, Any]:
    _check_merges(sheet, header_row, header_row)
    header_cells = sheet.head[header_row - 1]
    index_of: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        mapped = LONG_ALIASES.get(name)
        ref = _ref(sheet, header_row, index + 1)
        if mapped is None:
            raise FileError(
                _("%(sheet)s: extra column '%(name)s' (cell %(cell)s); the columns are %(columns)s")
                % {"sheet": sheet.source, "name": header_cells[index].value, "cell": ref, "columns": LONG_COLUMNS},
                field="header",
            )
        if mapped == "-":
            continue
        if mapped in index_of:
            raise FileError(
                _("%(sheet)s: column '%(name)s' appears twice (cell %(cell)s)")
                % {"sheet": sheet.source, "name": header_cells[index].value, "cell": ref},
                field="header",
            )
        index_of[mapped] = index
    missing = [c for c in LONG_REQUIRED if c not in index_of]
    if missing:
        raise FileError(
            _("%(sheet)s: missing column(s) %(missing)s in the header (row %(row)s); the columns are %(columns)s")
            % {"sheet": sheet.source, "missing": ", ".join(missing), "row": header_row, "columns": LONG_COLUMNS},
            field="header",
        )
    builder = RowBuilder(sheet.source, "row", schemes, result)
    i_de, i_pe, i_ou, i_value = (index_of[c] for c in LONG_REQUIRED)
    i_coc, i_aoc = index_of.get("catoptcombo"), index_of.get("attroptcombo")
    i_cmt, i_fu = index_of.get("cmt"), index_of.get("followup")
    i_by, i_upd = index_of.get("strby"), index_of.get("lstupd")
    width = max(index_of.values()) + 1
    known = set(index_of.values())
    n_rows = 0

    def text(cells: tuple[Any, ...], index: int | None) -> str | None:
        if index is None or index >= len(cells):
            return None
        return _text_cell(cells[index])

    for number, cells in _rows_after(sheet, header_row):
        if not cells or all(c.value is None or (type(c.value) is str and not c.value.strip()) for c in cells):
            continue
        n_rows += 1
        extra = [i for i in range(len(cells)) if i not in known and i >= width and cells[i].value not in (None, "")]
        if extra:
            builder.issue(
                number,
                None,
                cells[extra[0]].value,
                _("cell %(cell)s has a value but its column has no header")
                % {"cell": _ref(sheet, number, extra[0] + 1)},
            )
            continue
        value = _value(cells[i_value], sheet, number, i_value + 1, False) if i_value < len(cells) else None
        if isinstance(value, _Bad):
            builder.issue(number, "value", cells[i_value].value, value.message)
            continue
        period_raw = cells[i_pe].value if i_pe < len(cells) else None
        period = _period_value(period_raw, None)
        if isinstance(period, _Bad):
            builder.issue(
                number,
                "period",
                period_raw,
                _("cell %(cell)s: %(why)s") % {"cell": _ref(sheet, number, i_pe + 1), "why": period.message},
            )
            continue
        comment = text(cells, i_cmt)
        follow_up = cells[i_fu].value if i_fu is not None and i_fu < len(cells) else None
        builder.add_fast(
            number,
            text(cells, i_de),
            period,
            text(cells, i_ou),
            text(cells, i_coc),
            text(cells, i_aoc),
            value,
            comment,
            follow_up,
            None,
            text(cells, i_by),
            text(cells, i_upd),
        )
    return {"name": sheet.name, "source": sheet.source, "layout": "long", "rows": n_rows, "headerRow": header_row}


def locate(header: dict[str, Any], conflict: dict[str, Any]) -> dict[str, Any]:
    """A conflict of an import of this workbook with its place split out: "file" (the workbook), "sheet" and
    "cell" ("Dữ liệu!D7": the wide layout's rows have one source per column) or "row"."""
    source = conflict.get("file")
    row = conflict.get("row")
    workbook = header.get("file")
    for sheet in header.get("sheets") or ():
        place = (sheet.get("places") or {}).get(source)
        if place is not None:
            cell = f"{place[0]}!{place[1]}{row}" if isinstance(row, int) and row > 0 else None
            return {**conflict, "file": workbook or source, "sheet": place[0], "cell": cell}
        if source == sheet.get("source"):
            return {**conflict, "file": workbook or source, "sheet": sheet.get("name")}
    return conflict

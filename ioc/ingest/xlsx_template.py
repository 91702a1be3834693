"""The data-entry template of a data set (build_template): one workbook per data set, unit subtree and period.

    sheet "Dữ liệu"    row 1  the data set's name
                       row 2  "Kỳ báo cáo (period)" | 202503 | Tháng 3/2025      ← the period cell (B2)
                       row 3  a note
                       row 4  Mã đơn vị | Tên đơn vị | Lượt khám ngoại trú — Nam | …   (names, Vietnamese)
                       row 5  orgUnit   | orgUnitName | HLT_OPD_VISITS.MALE | …     (codes: the parser's key)
                       row 6… one row per unit, one column per data element × category option combo
    sheet "Hướng dẫn"  instructions (Vietnamese, then English)
    sheet "ioc_meta"   hidden: data set, period, period type, the columns and their value types, when made

No cell is merged (the parser refuses merged header cells); codes, names and headers are locked (sheet
protection without a password), value cells are unlocked and carry data validation by value type, so that
most mistakes are stopped by Excel while typing rather than reported after the upload.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.ingest.xlsx_format import (
    CODES_ROW,
    FIRST_DATA_ROW,
    NAMES_ROW,
    NOTE_ROW,
    PERIOD_LABEL,
    PERIOD_ROW,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_META,
    TEMPLATE_FORMAT,
    TEMPLATE_VERSION,
    TITLE_ROW,
    UNIT_CODE,
    UNIT_NAME,
    column_letter,
)


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

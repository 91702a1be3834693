"""Tables as files: CSV (UTF-8 with a byte-order mark, so that Excel shows Vietnamese) and XLSX (openpyxl),
dates as dd/mm/yyyy. A table is (header, rows)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

Table = tuple[list[str], list[list[object]]]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def as_csv(table: Table) -> bytes:
    header, body = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in body)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def as_xlsx(table: Table, title: str) -> bytes:
    header, body = table
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7EEF9")
    for row in body:
        sheet.append(list(row))
    for column, name in enumerate(header, start=1):
        values = [name] + [_cell(row[column - 1]) for row in body]
        width = min(max(len(v) for v in values) + 2, 60)
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width
        for row_cells in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            for c in row_cells:
                if isinstance(c.value, dt.date):
                    c.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

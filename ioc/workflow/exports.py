"""The completeness tables as files: CSV (UTF-8 with a byte-order mark, so that Excel shows Vietnamese) and
XLSX (openpyxl), with headers in the active language."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ioc.workflow.completeness import LateReport, RateRow
from ioc.workflow.models import State

Table = tuple[list[str], list[list[object]]]


def late_table(rows: Sequence[LateReport]) -> Table:
    header = [
        _("Data set code"),
        _("Data set"),
        _("Unit code"),
        _("Unit"),
        _("Agency"),
        _("Period"),
        _("Due date"),
        _("Days late"),
        _("State"),
        _("Responsible users"),
    ]
    body: list[list[object]] = [
        [
            r.data_set.code,
            r.data_set.name,
            r.unit.code,
            r.unit.name,
            r.agency.name if r.agency else "",
            r.period.id,
            r.due,
            r.days_late,
            str(State(r.state).label),
            ", ".join(u.get_full_name() or u.username for u in r.responsible),
        ]
        for r in rows
    ]
    return header, body


def rates_table(rows: Sequence[RateRow], group_label: str) -> Table:
    header = [
        _("Code"),
        group_label,
        _("Expected"),
        _("Received"),
        _("On time"),
        _("Reporting rate (%)"),
        _("On-time rate (%)"),
    ]
    body: list[list[object]] = [
        [r.code, r.label, r.expected, r.received, r.on_time, r.rate, r.on_time_rate] for r in rows
    ]
    return header, body


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

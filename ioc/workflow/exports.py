"""The completeness tables as files: CSV (UTF-8 with a byte-order mark, so that Excel shows Vietnamese) and
XLSX (openpyxl), with headers in the active language."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from ioc.core.tables import Table, as_csv, as_xlsx
from ioc.workflow.completeness import LateReport, RateRow
from ioc.workflow.models import State

__all__ = ["Table", "as_csv", "as_xlsx", "late_table", "rates_table"]


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

"""The plan's tables as files (XLSX through ioc.core.tables, PDF through ioc.core.pdf) and the words and colours
of a target's verdict, shared with the pages: a status is always shown as a word with a symbol, never by
colour alone. Headers and words follow the active language (the export view switches it for ?lang=)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ioc.core.pdf import PdfDoc
from ioc.core.tables import Table
from ioc.plans.forecast import explain
from ioc.plans.models import Plan, Status, Target, TargetForecast, Task, TaskStatus

# A target without a stored forecast yet (the background job has not run since it was created).
PENDING = "pending"
STATUS_ORDER = [s.value for s in Status]
SYMBOLS = {
    "achieved": "✔",
    "on_track": "●",
    "at_risk": "▲",
    "off_track": "▼",
    "infeasible": "✖",
    "insufficient_data": "?",
    PENDING: "…",
}
# Light backgrounds for the PDF's rows (the page's badges use the same hues in plans.css).
ROW_COLOURS = {
    "achieved": "#d4efdc",
    "on_track": "#e8f5ec",
    "at_risk": "#fff1cc",
    "off_track": "#fde2d0",
    "infeasible": "#f8d2d2",
    "insufficient_data": "#eceff3",
    PENDING: None,
}
# The verdicts a leader must act on: the PDF explains each of them.
WORRYING = ("at_risk", "off_track", "infeasible")


def status_label(status: str) -> str:
    if status in STATUS_ORDER:
        return str(Status(status).label)
    return _("Not computed yet")


@dataclass(frozen=True)
class Verdict:
    status: str
    label: str
    symbol: str
    probability: float | None  # 0..1
    proposed_date: dt.date | None
    proposed_date_80: dt.date | None
    current_value: float | None
    current_date: dt.date | None
    computed_at: dt.datetime | None
    details: dict[str, Any]

    @property
    def percent(self) -> int | None:
        return None if self.probability is None else round(self.probability * 100)

    @property
    def explanation(self) -> str:
        if not self.details:
            return ""
        try:
            return explain(self.details)
        except (KeyError, TypeError, ValueError):
            return ""  # an old stored shape: the verdict still shows, without its sentence


def forecast_of(target: Target) -> TargetForecast | None:
    try:
        return target.forecast
    except ObjectDoesNotExist:
        return None


def verdict_of(target: Target) -> Verdict:
    fc = forecast_of(target)
    if fc is None:
        return Verdict(PENDING, status_label(PENDING), SYMBOLS[PENDING], None, None, None, None, None, None, {})
    return Verdict(
        status=fc.status,
        label=status_label(fc.status),
        symbol=SYMBOLS.get(fc.status, ""),
        probability=fc.probability,
        proposed_date=fc.proposed_date,
        proposed_date_80=fc.proposed_date_80,
        current_value=fc.current_value,
        current_date=fc.current_date,
        computed_at=fc.computed_at,
        details=fc.details or {},
    )


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def number(value: float | None) -> str:
    """A value as text for the PDF, in the active language's notation (12,5 in Vietnamese)."""
    if value is None:
        return "—"
    from django.utils.formats import number_format

    return str(number_format(round(value, 2), decimal_pos=None, use_l10n=True, force_grouping=True))


def day(value: dt.date | None) -> str:
    return date_format(value, "d/m/Y") if value else "—"


def proposed(verdict: Verdict) -> str:
    """The proposed completion date in words: the date, "achieved", or "not within 10 years"."""
    if verdict.status == "achieved":
        return _("achieved")
    if verdict.proposed_date:
        return day(verdict.proposed_date)
    if verdict.status in (PENDING, "insufficient_data"):
        return "—"
    return _("not within 10 years")


# ---- tables (XLSX) -------------------------------------------------------------------------------------------


def targets_table(targets: Sequence[Target]) -> Table:
    header = [
        _("Code"),
        _("Target"),
        _("Pillar"),
        _("Responsible agency"),
        _("Mandatory"),
        _("Unit of measure"),
        _("Baseline"),
        _("Latest value"),
        _("As of"),
        _("Target value"),
        _("Deadline"),
        _("Status"),
        _("Probability (%)"),
        _("Proposed completion date"),
        # xgettext:no-python-format
        _("Date with 80% confidence"),
        _("Explanation"),
    ]
    rows: list[list[object]] = []
    for t in targets:
        v = verdict_of(t)
        rows.append(
            [
                t.code,
                t.name,
                t.pillar.name if t.pillar else "",
                t.responsible_agency.name,
                yes_no(t.mandatory),
                t.unit,
                t.baseline_value,
                v.current_value,
                v.current_date,
                t.target_value,
                t.deadline,
                v.label,
                v.percent,
                v.proposed_date,
                v.proposed_date_80,
                v.explanation,
            ]
        )
    return header, rows


def tasks_table(tasks: Sequence[Any]) -> Table:
    """`tasks`: rows of the task board (ioc.plans.views.TaskRow: .task and .flags)."""
    header = [
        _("Code"),
        _("Task"),
        _("Pillar"),
        _("Lead agency"),
        _("Cooperating agencies"),
        _("Start"),
        _("Due by"),
        _("Status"),
        _("Progress (%)"),
        _("Days overdue"),
        _("Stalled"),
        _("Last reported"),
        _("Completed on"),
    ]
    rows: list[list[object]] = []
    for row in tasks:
        t: Task = row.task
        rows.append(
            [
                t.code,
                t.title,
                t.pillar.name if t.pillar else "",
                t.lead_agency.name,
                ", ".join(a.name for a in t.cooperating_agencies.all()),
                t.start,
                t.due,
                str(TaskStatus(t.status).label),
                t.progress,
                row.flags.days_overdue if row.flags.overdue else None,
                yes_no(row.flags.stalled),
                t.last_reported.date() if t.last_reported else None,
                t.completed,
            ]
        )
    return header, rows


def share(value: float | None) -> int | None:
    return None if value is None else round(value * 100)


def scorecards_table(cards: Sequence[Any]) -> Table:
    header = [
        _("Agency"),
        _("Tasks"),
        _("Done"),
        _("On time"),
        _("Overdue"),
        _("Stalled"),
        _("Targets"),
        *[status_label(s) for s in STATUS_ORDER],
        _("Targets on track (%)"),
        _("Reports on time (%)"),
    ]
    rows: list[list[object]] = [
        [
            c.agency.name,
            c.tasks,
            c.tasks_done,
            c.tasks_on_time,
            c.tasks_overdue,
            c.tasks_stalled,
            c.targets,
            *[c.targets_by_status.get(s, 0) for s in STATUS_ORDER],
            share(c.on_track_share),
            share(c.report_timeliness),
        ]
        for c in cards
    ]
    return header, rows


# ---- PDF ----------------------------------------------------------------------------------------------------


def _subtitle(plan: Plan, today: dt.date) -> str:
    parts = [plan.decision, _("as of %(date)s") % {"date": day(today)}]
    return " · ".join(p for p in parts if p)


def targets_pdf(plan: Plan, targets: Sequence[Target], today: dt.date) -> bytes:
    doc = PdfDoc(_("Targets: %(plan)s") % {"plan": plan.name}, subtitle=_subtitle(plan, today), landscape=True)
    verdicts = [(t, verdict_of(t)) for t in targets]
    counts = {s: sum(1 for _t, v in verdicts if v.status == s) for s in STATUS_ORDER}
    doc.paragraph(
        "; ".join(f"{status_label(s)}: {n}" for s, n in counts.items() if n) or _("No targets match the filter."),
    )
    header = [
        _("Code"),
        _("Target"),
        _("Responsible agency"),
        _("Latest value"),
        _("Target and deadline"),
        _("Status"),
        _("Probability"),
        _("Proposed date (median)"),
        # xgettext:no-python-format
        _("80% date"),
    ]
    rows = [
        [
            t.code + ("" if t.mandatory else " *"),
            t.name,
            t.responsible_agency.name,
            f"{number(v.current_value)} {t.unit}".strip() + (f" ({day(v.current_date)})" if v.current_date else ""),
            f"{number(t.target_value)} {t.unit} · {day(t.deadline)}",
            f"{v.symbol} {v.label}",
            f"{v.percent} %" if v.percent is not None else "—",
            proposed(v),
            day(v.proposed_date_80) if v.proposed_date_80 else "—",
        ]
        for t, v in verdicts
    ]
    doc.table(
        header,
        rows,
        col_widths=[1.0, 3.8, 2.3, 1.7, 1.9, 1.7, 1.2, 1.6, 1.6],
        row_colours=[ROW_COLOURS.get(v.status) for _t, v in verdicts],
    )
    if any(not t.mandatory for t in targets):
        doc.paragraph(_("* not mandatory"), muted=True)
    worrying = [(t, v) for t, v in verdicts if v.status in WORRYING]
    if worrying:
        doc.heading(_("Targets at risk, off track or infeasible"), 2)
        for t, v in worrying:
            doc.heading(f"{t.code} {t.name}", 3)
            doc.paragraph(f"{v.symbol} {v.label} · {t.responsible_agency.name}")
            doc.paragraph(v.explanation or _("No explanation stored."))
    return doc.build()


def tasks_pdf(plan: Plan, tasks: Sequence[Any], today: dt.date) -> bytes:
    doc = PdfDoc(_("Tasks: %(plan)s") % {"plan": plan.name}, subtitle=_subtitle(plan, today), landscape=True)
    overdue = sum(1 for r in tasks if r.flags.overdue)
    stalled = sum(1 for r in tasks if r.flags.stalled)
    doc.paragraph(
        _("%(total)s tasks; %(overdue)s overdue; %(stalled)s stalled.")
        % {"total": len(tasks), "overdue": overdue, "stalled": stalled}
    )
    header = [_("Code"), _("Task"), _("Lead agency"), _("Due by"), _("Status"), _("Progress"), _("Attention")]
    rows = []
    colours: list[str | None] = []
    for r in tasks:
        t: Task = r.task
        notes = []
        if r.flags.overdue:
            notes.append(_("overdue by %(days)s days") % {"days": r.flags.days_overdue})
        if r.flags.stalled:
            notes.append(_("stalled: no report for a long time"))
        rows.append(
            [
                t.code,
                t.title,
                t.lead_agency.name,
                day(t.due),
                str(TaskStatus(t.status).label),
                f"{t.progress} %",
                "; ".join(notes),
            ]
        )
        colours.append(ROW_COLOURS["infeasible"] if r.flags.overdue else ROW_COLOURS["at_risk"] if notes else None)
    doc.table(header, rows, col_widths=[1.0, 5.0, 2.6, 1.3, 1.4, 1.0, 2.4], row_colours=colours)
    return doc.build()


def scorecards_pdf(plan: Plan, cards: Sequence[Any], today: dt.date) -> bytes:
    doc = PdfDoc(
        _("Agency scorecards: %(plan)s") % {"plan": plan.name}, subtitle=_subtitle(plan, today), landscape=True
    )
    header = [
        _("Agency"),
        _("Tasks"),
        _("On time"),
        _("Overdue"),
        _("Stalled"),
        _("Targets"),
        _("Targets on track"),
        _("By status"),
        _("Reports on time"),
    ]
    rows = [
        [
            c.agency.name,
            str(c.tasks),
            str(c.tasks_on_time),
            str(c.tasks_overdue),
            str(c.tasks_stalled),
            str(c.targets),
            f"{share(c.on_track_share)} %" if c.on_track_share is not None else "—",
            "; ".join(
                f"{status_label(s)}: {c.targets_by_status[s]}" for s in STATUS_ORDER if c.targets_by_status.get(s)
            ),
            f"{share(c.report_timeliness)} %" if c.report_timeliness is not None else "—",
        ]
        for c in cards
    ]
    doc.table(header, rows, col_widths=[3.2, 0.8, 0.9, 0.9, 0.9, 0.9, 1.2, 3.6, 1.2])
    if cards:
        doc.bar_chart(
            _("Tasks by agency"),
            [c.agency.short_name or c.agency.name for c in cards],
            [
                (_("On time"), [float(c.tasks_on_time) for c in cards]),
                (_("Overdue"), [float(c.tasks_overdue) for c in cards]),
            ],
        )
    return doc.build()

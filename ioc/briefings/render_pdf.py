"""A briefing as a PDF (ioc.core.pdf), in the active language: the same view as the page (present.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ioc.briefings.models import Briefing
from ioc.briefings.present import present
from ioc.core.pdf import PdfDoc


def _facts(doc: PdfDoc, view: dict[str, Any]) -> None:
    doc.heading(_("In brief"))
    doc.table(
        [_("What"), _("Number")],
        [[fact["label"], str(fact["n"])] for fact in view["facts"]],
        col_widths=[5, 1],
    )
    moved = view["kpis"]["moved"]
    if moved:
        doc.heading(_("Largest changes from the previous month"), 2)
        doc.bullets([f"{r['name']}: {r['previous']} → {r['value']} ({r['change']})" for r in moved])


def _kpis(doc: PdfDoc, kpis: dict[str, Any]) -> None:
    doc.heading(_("Headline indicators"))
    if not kpis["rows"]:
        doc.paragraph(kpis["error"] or _("The overview dashboard has no KPI tiles."), muted=True)
        return
    doc.paragraph(_("%(period)s, %(unit)s (as on the operations screen).") % kpis, muted=True)
    doc.table(
        [_("Indicator"), _("Value"), _("Previous"), _("Change"), _("Target"), _("Status")],
        [[r["name"], r["value"], r["previous"], r["change"], r["target"], r["status_label"]] for r in kpis["rows"]],
        col_widths=[4, 1.3, 1.3, 1.2, 1.2, 1.6],
        row_colours=[r["colour"] for r in kpis["rows"]],
    )
    trend = kpis["trend"]
    if trend:
        series = [(trend["name"], list(trend["values"]))]
        doc.line_chart(trend["title"], trend["categories"], series, target=trend["target"])


def _target_table(doc: PdfDoc, rows: list[dict[str, Any]], *, changed: bool) -> None:
    header = [_("Code"), _("Target"), _("Responsible agency"), _("Status")]
    header += [_("Before"), _("Changed on")] if changed else [_("Deadline"), _("Proposed date")]
    body = []
    for r in rows:
        extra = [r["previous_label"], r["changed"]] if changed else [r["deadline"], r["proposed"]]
        body.append([r["code"], r["name"], r["agency"], r["status_label"], *extra])
    doc.table(header, body, col_widths=[1.1, 3.6, 2.6, 1.5, 1.7, 1.7], row_colours=[r["colour"] for r in rows])


def _targets(doc: PdfDoc, targets: dict[str, Any] | None) -> None:
    doc.heading(_("Plan targets"))
    if targets is None:
        doc.paragraph(_("There is no active plan."), muted=True)
        return
    counts = [c for c in targets["counts"] if c["n"]]
    doc.bar_chart(
        _("Targets by status"), [c["label"] for c in counts], [(_("Targets"), [float(c["n"]) for c in counts])]
    )
    doc.heading(_("Targets that became at risk, off track or infeasible"), 2)
    if targets["worse"]:
        _target_table(doc, targets["worse"], changed=True)
        doc.bullets([f"{r['code']}: {r['explanation']}" for r in targets["worse"] if r["explanation"]])
    else:
        doc.paragraph(_("None in this period."), muted=True)
    if targets["better"]:
        doc.heading(_("Targets that improved"), 2)
        _target_table(doc, targets["better"], changed=True)
    doc.heading(_("Every target, with its proposed completion date"), 2)
    _target_table(doc, targets["all"], changed=False)


def _task_table(doc: PdfDoc, rows: list[dict[str, Any]], *, overdue: bool) -> None:
    header = [_("Code"), _("Task"), _("Lead agency"), _("Deadline"), _("Progress")]
    header.append(_("Days overdue") if overdue else _("Last report"))
    doc.table(
        header,
        [
            [
                r["code"],
                r["title"],
                r["lead"],
                r["due"],
                r["progress"],
                str(r["days_overdue"]) if overdue else r["last_reported"],
            ]
            for r in rows
        ],
        col_widths=[1.1, 3.8, 2.6, 1.7, 1.2, 1.4],
    )


def _tasks(doc: PdfDoc, tasks: dict[str, Any] | None) -> None:
    doc.heading(_("Overdue tasks"))
    if tasks is None:
        doc.paragraph(_("There is no active plan."), muted=True)
        return
    doc.paragraph(
        _("%(total)s tasks: %(done)s done, %(overdue_count)s overdue, %(stalled_count)s without a report for 45 days.")
        % tasks,
        muted=True,
    )
    if tasks["overdue"]:
        _task_table(doc, tasks["overdue"], overdue=True)
    else:
        doc.paragraph(_("No task is overdue."), muted=True)
    if tasks["stalled"]:
        doc.heading(_("Stalled tasks (no report for 45 days)"), 2)
        _task_table(doc, tasks["stalled"], overdue=False)


def _reports(doc: PdfDoc, reports: dict[str, Any]) -> None:
    doc.heading(_("Overdue reports"))
    doc.paragraph(
        _(
            "%(due_count)s reports were due in the period: %(missing_count)s not received by its end; "
            "%(late_count)s received late in it. Earlier reports still missing: %(backlog_count)s."
        )
        % reports,
        muted=True,
    )
    if reports["by_data_set"]:
        doc.table(
            [_("Data set"), _("Reporting agency"), _("Due"), _("Missing"), _("Late"), _("Earlier, missing")],
            [
                [r["data_set"], r["agency"], str(r["due"]), str(r["missing"]), str(r["late"]), str(r["backlog"])]
                for r in reports["by_data_set"]
            ],
            col_widths=[3.2, 2.8, 1.1, 1.3, 1.1, 1.6],
        )
    if reports["missing"]:
        doc.heading(_("Missing reports, most recent first"), 2)
        doc.table(
            [_("Data set"), _("Unit"), _("Period"), _("Due date"), _("Days late")],
            [[r["data_set"], r["unit"], r["period"], r["due"], str(r["days_late"])] for r in reports["missing"]],
            col_widths=[3.3, 2.8, 1.7, 1.7, 1.1],
        )


def _quality(doc: PdfDoc, quality: dict[str, Any]) -> None:
    doc.heading(_("Data-quality flags"))
    doc.paragraph(
        _(
            "Violations of validation rules found in the period: %(raised_count)s; still open: %(still_open)s. "
            "Open in all: %(open_total)s; marked for follow-up: %(follow_up_results)s results and "
            "%(follow_up_values)s values."
        )
        % quality,
        muted=True,
    )
    if quality["raised_count"]:
        doc.paragraph(", ".join(f"{c['label']}: {c['n']}" for c in quality["by_importance"]), muted=True)
    if quality["rows"]:
        doc.table(
            [_("Rule"), _("Unit"), _("Period"), _("Importance"), _("Values"), _("Found on")],
            [
                [r["rule"], r["unit"], r["period"], r["importance"], r["values"], r["first_seen"]]
                for r in quality["rows"]
            ],
            col_widths=[3.3, 2.4, 1.6, 1.4, 1.8, 1.7],
            row_colours=[r["colour"] for r in quality["rows"]],
        )


def briefing_pdf(briefing: Briefing) -> bytes:
    view = present(briefing)
    subtitle = " · ".join(part for part in (view["plan"], view["province"]) if part)
    doc = PdfDoc(view["title"], subtitle=subtitle, author=_("Intelligent Operations Center"))
    _facts(doc, view)
    _kpis(doc, view["kpis"])
    _targets(doc, view["targets"])
    _tasks(doc, view["tasks"])
    _reports(doc, view["reports"])
    _quality(doc, view["quality"])
    return doc.build()

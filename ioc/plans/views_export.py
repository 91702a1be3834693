"""The plan's exports and evidence files.

GET /plans/export/<what>.<fmt>   what: targets | tasks | scorecards; fmt: xlsx | pdf. The same filters as the
                                 pages (?plan=&pillar=&status=&agency=&mandatory=), scoped the same way; in
                                 ?lang=vi|en, else the page language. File names carry the plan and the date.
GET /plans/evidence/<kind>/<id>/ kind "update" (a task update's file) or "report" (a target report's file),
                                 served as an attachment (never shown inline: any type may be uploaded) to
                                 users who can see that task or target; 404 to everyone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ioc.accounts.models import User
from ioc.core.errors import NotFound
from ioc.core.tables import Table, as_xlsx
from ioc.plans import exports, selectors
from ioc.plans import views as pages
from ioc.plans.models import Plan, TargetReport, TaskUpdate
from ioc.plans.views import plan_of, user_of
from ioc.plans.views_data import scorecard_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "pdf")


def _names() -> dict[str, str]:
    """The file names' stems, in the active language (ASCII: slugified in the name)."""
    return {"targets": _("targets"), "tasks": _("tasks"), "scorecards": _("agency-scorecards")}


def _targets(request: HttpRequest, user: User, plan: Plan, fmt: str, today: dt.date) -> bytes:
    g = request.GET
    found = selectors.targets_for(
        user, plan, pillar=g.get("pillar") or None, agency=g.get("agency") or None, status=g.get("status") or None
    )
    if g.get("mandatory") in ("yes", "no"):
        found = found.filter(mandatory=g["mandatory"] == "yes")
    targets = list(found)
    if fmt == "pdf":
        return exports.targets_pdf(plan, targets, today)
    return _xlsx(exports.targets_table(targets), _("Targets"))


def _tasks(request: HttpRequest, user: User, plan: Plan, fmt: str, today: dt.date) -> bytes:
    g = request.GET
    rows = pages.task_rows(
        user, plan, today, pillar=g.get("pillar", ""), agency=g.get("agency", ""), status=g.get("status", "")
    )
    if fmt == "pdf":
        return exports.tasks_pdf(plan, rows, today)
    return _xlsx(exports.tasks_table(rows), _("Tasks"))


def _scorecards(request: HttpRequest, user: User, plan: Plan, fmt: str, today: dt.date) -> bytes:
    cards, _sort, _columns = scorecard_rows(selectors.agency_scorecards(user, plan, today), request.GET.get("sort", ""))
    if fmt == "pdf":
        return exports.scorecards_pdf(plan, cards, today)
    return _xlsx(exports.scorecards_table(cards), _("Agencies"))


def _xlsx(table: Table, title: str) -> bytes:
    return as_xlsx(table, title)


BUILDERS: dict[str, Callable[[HttpRequest, User, Plan, str, dt.date], bytes]] = {
    "targets": _targets,
    "tasks": _tasks,
    "scorecards": _scorecards,
}


@login_required
@require_GET
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    if what not in BUILDERS or fmt not in FORMATS:
        raise Http404(_("Exports are targets, tasks or scorecards, as xlsx or pdf."))
    user = user_of(request)
    plan = plan_of(request, user)
    language = request.GET.get("lang")
    if language not in ("vi", "en"):
        language = translation.get_language() or "vi"
    today = pages.today()
    with translation.override(language):
        content = BUILDERS[what](request, user, plan, fmt, today)
        name = f"{slugify(_names()[what])}-{plan.code}-{today:%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=XLSX if fmt == "xlsx" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def evidence(request: HttpRequest, kind: str, pk: int) -> FileResponse:
    user = user_of(request)
    try:
        if kind == "update":
            update = TaskUpdate.objects.select_related("task__plan").filter(pk=pk).first()
            if update is None:
                raise NotFound(_("No such file."))
            selectors.get_task(user, update.task.plan, update.task.code)
            attachment = update.attachment
        elif kind == "report":
            report = TargetReport.objects.select_related("target__plan").filter(pk=pk).first()
            if report is None:
                raise NotFound(_("No such file."))
            selectors.get_target(user, report.target.plan, report.target.code)
            attachment = report.attachment
        else:
            raise NotFound(_("No such file."))
    except NotFound as exc:
        raise Http404(exc.message) from None
    if not attachment:
        raise Http404(_("No file is attached."))
    try:
        handle = attachment.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing from the server's storage.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )

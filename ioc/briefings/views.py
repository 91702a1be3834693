"""The leaders' briefings as pages and PDFs (thin views over selectors, services and present).

GET  /briefings/                    the briefings the user may read; "generate now" for those who may
POST /briefings/generate            start a generation job (kind=weekly|monthly) → the job page
GET  /briefings/<id>/               one briefing as a page (charts: ioc/static/ioc/briefings.js)
GET  /briefings/<id>.pdf            …as a PDF in the active language (?lang=vi|en to choose)
GET  /briefings/latest.pdf?kind=weekly   the newest briefing of a kind as a PDF

A briefing shows province-wide figures: a user who does not see the province gets 403 on the list and 404
on a briefing (ioc.briefings.selectors).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ioc.audit.models import Via
from ioc.briefings import selectors
from ioc.briefings.jobs import KIND as JOB_KIND
from ioc.briefings.models import Briefing, Kind
from ioc.briefings.present import present
from ioc.briefings.render_pdf import briefing_pdf
from ioc.briefings.services import can_generate, check_generate
from ioc.core.errors import InvalidInput, NotAllowed, NotFound

LANGUAGES = ("vi", "en")


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.sees_province(user):
        raise PermissionDenied(
            _("Briefings show the whole province's figures, which are outside the units you may see.")
        )
    return render(
        request,
        "briefings/index.html",
        {
            "briefings": selectors.briefings_for(user),
            "can_generate": can_generate(user),
            "kinds": Kind.choices,
        },
    )


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    from ioc.jobs.services import do_submit_job

    kind = request.POST.get("kind", "")
    try:
        selectors.check_kind(kind)
        check_generate(request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except InvalidInput as exc:
        messages.error(request, exc.message)
        return redirect("briefings:index")
    job = do_submit_job(request.user, JOB_KIND, {"kind": kind, "language": get_language() or "vi"}, via=Via.FORM)  # type: ignore[arg-type]
    return redirect(reverse("jobs:detail", args=[job.uid]))


def _briefing(request: HttpRequest, pk: int) -> Briefing:
    try:
        return selectors.get_briefing(request.user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = _briefing(request, pk)
    view = present(briefing)
    kpis, targets = view["kpis"], view["targets"]
    charts = {
        "trend": kpis["trend"],
        "status": None
        if targets is None
        else {
            "title": _("Targets by status"),
            "series": _("Targets"),
            "bars": [{"label": c["label"], "n": c["n"], "status": c["status"]} for c in targets["counts"]],
        },
    }
    return render(request, "briefings/detail.html", {"briefing": briefing, "view": view, "charts": charts})


def _pdf_response(request: HttpRequest, briefing: Briefing) -> HttpResponse:
    language = request.GET.get("lang") or get_language() or "vi"
    if language not in LANGUAGES:
        return HttpResponseBadRequest(_("lang: choose vi or en"), content_type="text/plain; charset=utf-8")
    with override(language):
        pdf = briefing_pdf(briefing)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"briefing-{briefing.kind}-{briefing.period_start:%Y-%m-%d}-{language}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(request, _briefing(request, pk))


@login_required
@require_GET
def latest_pdf(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or Kind.WEEKLY
    try:
        briefing = selectors.latest_briefing(request.user, kind)
    except InvalidInput as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    except NotFound as exc:
        raise Http404(exc.message) from None
    return _pdf_response(request, briefing)

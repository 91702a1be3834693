"""The import page (/imports/): upload a file → a background job imports it → its page shows the report;
the XLSX template download; the conflicts of an import as CSV.

Every view needs a logged-in user with the ENTER_DATA role (403 otherwise). The upload is checked for size
before its body is parsed (Content-Length, then an upload handler that stops at the limit), then saved and
imported by the job "ingest.import" (ioc.ingest.jobs): one path for every file, small or large.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.core.errors import IocError, NotAllowed, NotFound
from ioc.core.periods import period_for_date
from ioc.ingest import selectors, xlsx
from ioc.ingest.forms import ACCEPT_ATTR, TemplateForm, UploadForm, size_text
from ioc.ingest.jobs import import_params
from ioc.ingest.rows import max_bytes
from ioc.jobs.models import Job
from ioc.jobs.services import do_submit_job

# Room for the form's other fields and the multipart boundaries on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def _officer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can(user, Action.ENTER_DATA):
        raise PermissionDenied(_("Importing data needs a role that may enter data (data officer, approver)."))
    return user


def _page(
    request: HttpRequest,
    user: User,
    *,
    upload_form: UploadForm | None = None,
    template_form: TemplateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    data_sets = list(selectors.import_data_sets(user))
    units = selectors.template_roots(user)
    if template_form is None:
        first = data_sets[0] if data_sets else None
        period = period_for_date(first.period_type, timezone.localdate()).previous().id if first else ""
        template_form = TemplateForm(
            data_sets=data_sets, units=units, initial={"period": period, "org_unit": units[0].uid if units else ""}
        )
    limit = max_bytes()
    context: dict[str, Any] = {
        "upload_form": upload_form or UploadForm(),
        "template_form": template_form,
        "can_template": bool(data_sets and units),
        "jobs": selectors.recent_import_jobs(user),
        "runs": selectors.recent_import_runs(user),
        "max_bytes": limit,
        "max_size": size_text(limit),
        "accept": ACCEPT_ATTR,
        "finished": Job.FINISHED,
    }
    return render(request, "ingest/index.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, _officer(request))


class _LimitHandler(FileUploadHandler):
    """Stops reading an uploaded file once it is larger than the limit (the request is then refused)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if start + len(raw_data) > self.limit:
            self.request.ioc_upload_too_large = True  # type: ignore[union-attr]
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _too_large(request: HttpRequest, user: User, size: int | None) -> HttpResponse:
    limit = max_bytes()
    form = UploadForm()
    if size:
        message = _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.") % {
            "size": size_text(size),
            "limit": size_text(limit),
        }
    else:
        message = _("The file is larger than the limit of %(limit)s. Split it into smaller files.") % {
            "limit": size_text(limit)
        }
    form.errors["file"] = form.error_class([message])
    return _page(request, user, upload_form=form, status=413)


@csrf_exempt
@login_required
@require_POST
def upload(request: HttpRequest) -> HttpResponseBase:
    """Refuse an over-large body before it is parsed (nothing is read or written), then check CSRF."""
    user = _officer(request)
    limit = max_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + MULTIPART_OVERHEAD:
        return _too_large(request, user, length)
    request.upload_handlers = [_LimitHandler(request, limit), *request.upload_handlers]
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    user = _officer(request)
    form = UploadForm(request.POST, request.FILES)
    if getattr(request, "ioc_upload_too_large", False):
        return _too_large(request, user, None)
    if not form.is_valid():
        return _page(request, user, upload_form=form, status=400)
    file = form.cleaned_data["file"]
    params = import_params(
        strategy=form.cleaned_data["strategy"],
        dry_run=form.cleaned_data["dry_run"],
        all_or_nothing=not form.cleaned_data["partial"],
        id_scheme=form.cleaned_data.get("id_scheme") or "",
        language=(get_language() or "vi")[:2],
    )
    try:
        job = do_submit_job(user, selectors.IMPORT_JOB, params, upload=file, filename=file.name or "upload")
    except IocError as exc:
        form.add_error(None, exc.message)
        return _page(request, user, upload_form=form, status=400)
    return redirect(reverse("jobs:detail", args=[job.uid]))


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    """GET ?data_set=&org_unit=&period=[&with_values=1] → the XLSX template (403 outside the entry scope)."""
    user = _officer(request)
    params = request.GET
    status = 400
    try:
        data_set = selectors.data_set_by_ref(params.get("data_set", ""))
        period_text = (params.get("period") or "").strip()
        period = selectors.parse_period_for(data_set, period_text)
        unit = selectors.unit_by_ref(params.get("org_unit", ""), period)
        content = xlsx.build_template(
            user, data_set, unit, period, with_values=params.get("with_values") in ("1", "on", "true")
        )
    except NotAllowed as exc:
        status = 403
        error = exc.message
    except NotFound as exc:
        status = 404 if exc.errors and exc.errors[0].get("field") == "data_set" else 400
        error = exc.message
    except IocError as exc:
        error = exc.message
    else:
        response = HttpResponse(content, content_type=xlsx.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{xlsx.template_filename(data_set, period, unit)}"'
        return response
    messages.error(request, error)
    data_sets = list(selectors.import_data_sets(user))
    units = selectors.template_roots(user)
    form = TemplateForm(params, data_sets=data_sets, units=units)
    return _page(request, user, template_form=form, status=status)


@login_required
@require_GET
def conflicts_csv(request: HttpRequest, uid: str) -> HttpResponse:
    """The conflicts of an import job as CSV (UTF-8 with BOM, for Excel): the job's owner only."""
    user = _officer(request)
    try:
        job = selectors.import_job_for(user, uid)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    result = job.result or {}
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("File"), _("Sheet"), _("Cell or row"), _("Field"), _("Value"), _("Reason")])
    for c in result.get("conflicts") or result.get("errors") or []:
        writer.writerow(
            [
                c.get("file", job.file_name),
                c.get("sheet", ""),
                c.get("place", ""),
                c.get("field") or "",
                "" if c.get("value") is None else c.get("value"),
                c.get("reason") or c.get("message", ""),
            ]
        )
    omitted = result.get("conflictsOmitted") or 0
    if omitted:
        writer.writerow(["", "", "", "", "", _("… and %(n)s more conflicts") % {"n": f"{omitted:,}"}])
    response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="conflicts-{job.uid}.csv"'
    return response

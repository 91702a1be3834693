"""/api/v1/dataValueSets — DHIS2's data value sets: import (POST) and export (GET).

POST: the body is the file — JSON dataValueSets (application/json), DHIS2 CSV (application/csv, text/csv) or
ADX (application/adx+xml) — with DHIS2's query options: dryRun, importStrategy, idScheme,
dataElementIdScheme, orgUnitIdScheme, categoryOptionComboIdScheme, dataSetIdScheme, atomicMode (ALL, the
default: all or nothing; NONE: write the good rows), preheatCache (accepted, no effect), skipAudit (refused:
history is always kept), async=true (a background job; 202 with its uid and URL). Token scope data:write.
The answer is DHIS2's (2.38+): a WebMessage {httpStatus, httpStatusCode, status, message, response:
ImportSummary}: 200 when the import succeeded, 409 Conflict when it has conflicts (status WARNING: the good
rows were written; ERROR: nothing was), 413 when the body is larger than the limit (settings
IOC_INGEST_MAX_BYTES), 403 without the right.

GET: ?dataSet=&period=&startDate=&endDate=&orgUnit=&children=true&idScheme=&format=json|csv|adx (or the
Accept header): the values the caller may see (token scope data:read); an org unit outside the caller's
view scope is 403.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router

from ioc.accounts.permissions import current_user, require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.ingest.exports import CONTENT_TYPES, ExportQuery, export
from ioc.ingest.formats import detect_format, parse_file
from ioc.ingest.importer import check_strategy, do_import, record_failure
from ioc.ingest.rows import FileError, IdSchemes, TooLarge, max_bytes, too_large
from ioc.ingest.summary import ERROR, SUCCESS, ImportSummary

router = Router(tags=["data value sets"])

READ_CHUNK = 1024 * 1024
SCHEME_OPTIONS = (
    "idScheme",
    "dataElementIdScheme",
    "orgUnitIdScheme",
    "categoryOptionComboIdScheme",
    "dataSetIdScheme",
)
TRUE = ("true", "1", "yes")


def _flag(request: HttpRequest, name: str, default: bool = False) -> bool:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in ("false", "0", "no"):
        return False
    raise InvalidInput(
        _("%(option)s must be true or false, not '%(value)s'") % {"option": name, "value": raw}, field=name
    )


def read_body(request: HttpRequest, limit: int, source: str) -> bytes:
    """The request body, read in chunks and never past `limit` + 1 bytes (TooLarge beyond it). A declared
    Content-Length over the limit is refused before anything is read."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared:
        try:
            if int(declared) > limit:
                raise too_large(source, limit)
        except ValueError:
            pass
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = request.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise too_large(source, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _envelope(summary: ImportSummary, status: int | None = None) -> JsonResponse:
    """DHIS2's WebMessage around the import summary."""
    if status is None:
        status = 200 if summary.status == SUCCESS else 409
    if status == 200:
        http, message, state = "OK", _("Import was successful."), "OK"
    elif status == 413:
        http, message, state = "Payload Too Large", summary.description, "ERROR"
    else:
        http = "Conflict"
        state = summary.status
        message = (
            _("An error occurred, please check import summary.")
            if summary.status == ERROR
            else _("One or more conflicts encountered, please check import summary.")
        )
    body = {
        "httpStatus": http,
        "httpStatusCode": status,
        "status": state,
        "message": message,
        "response": summary.as_dhis2(),
    }
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _options(request: HttpRequest) -> dict[str, Any]:
    return {k: request.GET[k] for k in SCHEME_OPTIONS if request.GET.get(k)}


@router.post(
    "",
    summary="Import data values: JSON dataValueSets, DHIS2 CSV or ADX in the body (token scope data:write)",
)
def import_values(request: HttpRequest) -> HttpResponse:
    require_scope(request, "data:write")
    user = current_user(request)
    content_type = request.META.get("CONTENT_TYPE", "")
    fmt = (request.GET.get("format") or "").strip().lower() or None
    source = request.GET.get("filename") or "dataValueSets"
    dry_run = _flag(request, "dryRun")
    if _flag(request, "skipAudit"):
        raise InvalidInput(
            _("skipAudit is not supported: every change of a value keeps its history (audit is mandatory)"),
            field="skipAudit",
        )
    atomic = (request.GET.get("atomicMode") or "ALL").strip().upper()
    if atomic not in ("ALL", "NONE"):
        raise InvalidInput(_("atomicMode must be ALL or NONE"), field="atomicMode")
    strategy = check_strategy(request.GET.get("importStrategy"))
    schemes = IdSchemes.from_options(request.GET)
    options = _options(request)
    if fmt is None:
        fmt = detect_format(source if "." in source else f"{source}.json", content_type or "application/json")
    limit = max_bytes()
    try:
        data = read_body(request, limit, source)
        if _flag(request, "async"):
            return _submit(request, data, fmt, source, strategy, dry_run, atomic == "ALL")
        parsed = parse_file(data, source, fmt=fmt, schemes=schemes, limit=limit)
    except FileError as exc:
        summary = record_failure(
            user, source, Via.API, exc, strategy=strategy, dry_run=dry_run, all_or_nothing=atomic == "ALL"
        )
        return _envelope(summary, 413 if isinstance(exc, TooLarge) else 409)
    summary = do_import(
        user,
        parsed,
        strategy=strategy,
        dry_run=dry_run,
        all_or_nothing=atomic == "ALL",
        via=Via.API,
        source=source,
        options=options,
    )
    return _envelope(summary)


def _submit(
    request: HttpRequest, data: bytes, fmt: str, source: str, strategy: str, dry_run: bool, all_or_nothing: bool
) -> HttpResponse:
    """async=true: the background job "ingest.import" (ioc.ingest.jobs); 202 with its uid and page. The job
    reads the stored body again, so it survives a restart of the server."""
    from django.urls import reverse
    from django.utils.translation import get_language

    from ioc.ingest.jobs import import_params
    from ioc.ingest.selectors import IMPORT_JOB
    from ioc.jobs.services import do_submit_job

    extension = {"json": ".json", "csv": ".csv", "adx": ".adx.xml"}.get(fmt, f".{fmt}")
    filename = source if source.lower().endswith(extension) else source + extension
    params = import_params(
        strategy=strategy,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        id_scheme=(request.GET.get("idScheme") or "").strip().lower(),
        language=get_language() or "vi",
    )
    job = do_submit_job(current_user(request), IMPORT_JOB, params, upload=data, filename=filename, via=Via.API)
    url = request.build_absolute_uri(reverse("jobs:detail", args=[job.uid]))
    return JsonResponse(
        {
            "httpStatus": "Accepted",
            "httpStatusCode": 202,
            "status": "OK",
            "message": _("Import started as a background job"),
            "response": {
                "responseType": "JobConfigurationWebMessageResponse",
                "id": job.uid,
                "jobType": IMPORT_JOB,
                "url": url,
            },
        },
        status=202,
    )


def _export_format(request: HttpRequest) -> str:
    fmt = (request.GET.get("format") or "").strip().lower()
    if fmt:
        if fmt not in CONTENT_TYPES:
            raise InvalidInput(_("format must be json, csv or adx, not '%(fmt)s'") % {"fmt": fmt}, field="format")
        return fmt
    accept = request.META.get("HTTP_ACCEPT", "")
    for kind in (part.split(";", 1)[0].strip().lower() for part in accept.split(",")):
        if kind in ("application/csv", "text/csv"):
            return "csv"
        if kind in ("application/adx+xml", "application/xml", "text/xml"):
            return "adx"
        if kind == "application/json":
            return "json"
    return "json"


def _list(request: HttpRequest, name: str) -> list[str]:
    return [part.strip() for value in request.GET.getlist(name) for part in value.split(",") if part.strip()]


def _date(request: HttpRequest, name: str) -> dt.date | None:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(_("%(option)s must be a date (YYYY-MM-DD)") % {"option": name}, field=name) from None


@router.get("", summary="Export data values as JSON, CSV or ADX (token scope data:read)")
def export_values(request: HttpRequest) -> HttpResponse:
    require_scope(request, "data:read")
    fmt = _export_format(request)
    query = ExportQuery(
        data_sets=_list(request, "dataSet"),
        periods=_list(request, "period"),
        start=_date(request, "startDate"),
        end=_date(request, "endDate"),
        org_units=_list(request, "orgUnit"),
        children=_flag(request, "children"),
        schemes=IdSchemes.from_options(request.GET),
    )
    body = export(current_user(request), query, fmt)
    response = HttpResponse(body, content_type=f"{CONTENT_TYPES[fmt]}; charset=utf-8")
    if _flag(request, "attachment"):
        response["Content-Disposition"] = f'attachment; filename="dataValueSets.{fmt if fmt != "adx" else "adx.xml"}"'
    return response

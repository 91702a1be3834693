"""The background job "ingest.import": import an uploaded file (XLSX, CSV, JSON, ADX) for its owner.

The import page (ioc.ingest.views) saves the upload with ioc.jobs.services.do_submit_job; this function runs
in the worker (at once under tests): it parses the file with ioc.ingest.formats.parse_file, imports it with
ioc.ingest.importer.do_import (all or nothing unless the user asked for a partial import, a dry run when
asked), reporting progress, and returns the summary that the job page shows with ingest/_job_result.html
and the conflicts' CSV download (ioc.ingest.views.conflicts_csv) reads back.

A file that cannot be read at all (FileError) goes through do_import too, as the import's one conflict, so
that every attempt leaves an ImportRun row and an audit entry.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.ingest import xlsx
from ioc.ingest.formats import parse_file
from ioc.ingest.importer import do_import
from ioc.ingest.rows import IdSchemes, ParseResult, RowIssue
from ioc.ingest.selectors import IMPORT_JOB
from ioc.jobs.models import Job
from ioc.jobs.registry import Progress, job_kind

# Conflicts kept in the job's result (the page shows the first PAGE_CONFLICTS, the CSV all of these).
MAX_JOB_CONFLICTS = 10_000
PAGE_CONFLICTS = 200
OPTIONS = ("strategy", "dry_run", "all_or_nothing", "id_scheme")


def import_params(
    *,
    strategy: str,
    dry_run: bool,
    all_or_nothing: bool,
    id_scheme: str = "",
    language: str = "vi",
    via: str = Via.IMPORT,
) -> dict[str, Any]:
    """The job's parameters (the page's upload, the API's async=true). `via` is how the values reached the
    system, recorded in their audit rows and the ImportRun (import for the page, api for the API)."""
    return {
        "strategy": strategy,
        "dry_run": bool(dry_run),
        "all_or_nothing": bool(all_or_nothing),
        "id_scheme": id_scheme,
        "language": language,
        "via": str(via),
    }


@job_kind(IMPORT_JOB, result_template="ingest/_job_result.html")
def run_import(job: Job, progress: Progress) -> dict[str, Any]:
    user = job.user
    if user is None or not user.is_active:
        raise NotAllowed(_("The user who uploaded this file no longer exists or is inactive"))
    require(user, Action.ENTER_DATA)
    params = job.params or {}
    name = job.file_name or "upload"
    if not job.file_path:
        raise InvalidInput(_("The uploaded file is missing; upload it again"), field="file")
    schemes = IdSchemes.from_options({"idScheme": params["id_scheme"]}) if params.get("id_scheme") else None
    progress.note(_("Reading %(file)s") % {"file": name})
    try:
        with open(job.file_path, "rb") as upload:
            parsed = parse_file(upload, name, schemes=schemes)
    except FileNotFoundError:
        raise InvalidInput(_("The uploaded file is missing; upload it again"), field="file") from None
    except InvalidInput as exc:  # FileError: the whole file is refused
        parsed = ParseResult(
            issues=[RowIssue(name, "row", 0, exc.errors[0].get("field") if exc.errors else None, None, exc.message)]
        )
    progress.set_total(len(parsed) + len(parsed.issues))
    progress.note(_("Checking and writing %(n)s values") % {"n": f"{len(parsed):,}"})
    summary = do_import(
        user,
        parsed,
        strategy=str(params.get("strategy") or "CREATE_AND_UPDATE"),
        dry_run=bool(params.get("dry_run")),
        all_or_nothing=bool(params.get("all_or_nothing", True)),
        via=params["via"] if params.get("via") in Via.values else Via.IMPORT,
        source=name,
        progress=progress.update,
        options={"idScheme": params.get("id_scheme") or "auto", "file": name},
    )
    progress.note("")
    conflicts = [_conflict(parsed.header, issue) for issue in summary.conflicts[:MAX_JOB_CONFLICTS]]
    return {
        "status": summary.status,
        "message": summary.description,
        "file": name,
        "importCount": summary.import_count,
        "conflictCount": len(summary.conflicts),
        "conflicts": conflicts,
        "conflictsOmitted": max(0, len(summary.conflicts) - MAX_JOB_CONFLICTS),
        "dryRun": summary.dry_run,
        "importStrategy": summary.strategy,
        "atomic": summary.all_or_nothing,
        "importRun": summary.import_run,
        "seconds": round(summary.seconds, 2),
    }


def _conflict(header: dict[str, Any], issue: RowIssue) -> dict[str, Any]:
    """One conflict for the page and the CSV: where (file, sheet, cell or row/line/index), field, value and
    the reason alone (the "message" keeps the whole sentence)."""
    own = issue.as_dict()
    own["reason"] = issue.message
    own["kind"] = issue.kind
    own["position"] = issue.position
    if header.get("format") == "xlsx":
        own = xlsx.locate(header, own)
    if not own.get("cell"):
        own["place"] = f"{_(issue.kind)} {issue.position}" if issue.position else ""
    else:
        own["place"] = own["cell"]
    return own

"""The background job of a large validation run (kind "quality.validate"), registered when the app loads."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.core.errors import NotAllowed
from ioc.jobs.models import Job
from ioc.jobs.registry import Progress, job_kind
from ioc.quality.services import Scope, run_validation

KIND = "quality.validate"


def job_params(
    scope: Scope, *, persist: bool = True, language: str | None = None, via: str = Via.FORM
) -> dict[str, Any]:
    """What the job needs to run the same scope again: uids, codes and ISO dates (JSON)."""
    return {
        "root": scope.root.uid if scope.root else None,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "periods": scope.periods,
        "rules": [r.code for r in scope.rules],
        "dataSet": scope.data_set.code if scope.data_set else None,
        "persist": persist,
        "language": language or "vi",
        "via": via,
    }


@job_kind(KIND, result_template="quality/_job_result.html")
def validate_job(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params or {}
    if job.user is None:  # the submitter's account was deleted: never run with the system's unlimited scope
        raise NotAllowed(_("The user who submitted this validation run no longer exists"))
    progress.note(_("Evaluating the validation rules"))
    summary = run_validation(
        job.user,
        root_unit=params.get("root"),
        periods=params.get("periods") or None,
        start=params.get("start"),
        end=params.get("end"),
        rules=params.get("rules") or None,
        data_set=params.get("dataSet"),
        persist=bool(params.get("persist", True)),
        progress=progress.update,
        via=params.get("via") or Via.FORM,
    )
    result = summary.as_dict()
    result["message"] = _(
        "%(violations)d violations in %(evaluated)d evaluations (%(new)d new, %(cleared)d cleared)."
    ) % {
        "violations": summary.violations,
        "evaluated": summary.evaluated,
        "new": summary.new,
        "cleared": summary.cleared,
    }
    if summary.problems:
        result["status"] = Job.Status.WARNING
    return result

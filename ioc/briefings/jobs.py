"""The background job of "generate now" (kind "briefings.generate"), registered when the app loads."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ioc.audit.models import Via
from ioc.briefings.services import do_generate_briefing
from ioc.core.errors import NotAllowed
from ioc.jobs.models import Job
from ioc.jobs.registry import Progress, job_kind

KIND = "briefings.generate"


@job_kind(KIND, result_template="briefings/_job_result.html")
def generate_job(job: Job, progress: Progress) -> dict[str, Any]:
    params = job.params or {}
    if job.user is None:  # the submitter's account was deleted: never run as the schedule instead
        raise NotAllowed(_("The user who asked for this briefing no longer exists"))
    progress.note(_("Gathering the briefing's figures"))
    briefing = do_generate_briefing(job.user, str(params.get("kind", "")), progress=progress.update, via=Via.FORM)
    return {
        "briefing": briefing.pk,
        "kind": briefing.kind,
        "period": [briefing.period_start.isoformat(), briefing.period_end.isoformat()],
        "seconds": briefing.content.get("seconds"),
        "message": _("The briefing of %(start)s – %(end)s is ready.")
        % {"start": briefing.period_start.strftime("%d/%m/%Y"), "end": briefing.period_end.strftime("%d/%m/%Y")},
    }

"""Running a job: claim it, call its kind's function, store how it ended. Called by the huey task
(ioc.jobs.tasks) in a worker; `requeue_unfinished` runs when a worker starts."""

from __future__ import annotations

import json
import logging
import shutil
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ioc.core.errors import IocError
from ioc.jobs import registry
from ioc.jobs.models import Job

log = logging.getLogger(__name__)

# Jobs RUNNING since before this process started were left by a process that stopped.
PROCESS_STARTED = timezone.now()

# A job interrupted this many times (a worker killed while running it) is not tried again.
MAX_ATTEMPTS = 3


def enqueue(job_id: int) -> None:
    from ioc.jobs.tasks import run_job_task

    run_job_task(job_id)


def run_job(job_id: int) -> Job | None:
    """Run a queued job once. The claim (QUEUED → RUNNING in one UPDATE) makes a job run at most once even
    when two workers got its id (a requeue at start-up, say)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started=now, done=0
    )
    if not claimed:
        return None
    job = Job.objects.select_related("user").get(pk=job_id)
    job.attempts += 1
    Job.objects.filter(pk=job_id).update(attempts=job.attempts)
    fn = registry.get_kind(job.kind)
    progress = registry.Progress(job)
    language = (job.params or {}).get("language") or "vi"
    status: str = Job.Status.ERROR
    message, result = "", {}
    try:
        with override(language):
            if fn is None:
                raise IocError(_("Unknown kind of job '%(kind)s'") % {"kind": job.kind})
            result = fn(job, progress) or {}
            ended = result.get("status")
            status = ended if ended in (Job.Status.WARNING, Job.Status.ERROR) else Job.Status.SUCCESS
            message = str(result.get("message", ""))
    except IocError as exc:
        message, result = exc.message, {"errors": exc.errors}
    except Exception:  # a bug: logged with its trace for the operator, a plain message for the user
        log.exception("job %s (%s) failed", job.uid, job.kind)
        with override(language):
            message = _("The job failed because of an internal error; the administrator can find it in the log.")
    progress.flush()
    Job.objects.filter(pk=job_id).update(
        status=status,
        message=message,
        result=_jsonable(result),
        done=job.done,
        total=job.total,
        note=job.note,
        finished=timezone.now(),
    )
    _remove_files(job)
    job.refresh_from_db()
    return job


def _jsonable(result: dict[str, Any]) -> dict[str, Any]:
    """The result as the JSON column will give it back (dates as text, tuples as lists)."""
    return dict(json.loads(json.dumps(result, cls=DjangoJSONEncoder, ensure_ascii=False)))


def _remove_files(job: Job) -> None:
    """The upload is deleted when the job ends (it may hold personal data); the result stays in the row."""
    folder = registry.job_dir(job.uid)
    for child in folder.glob("*"):
        if child.name != "progress.json":
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def requeue_unfinished() -> list[int]:
    """Put back in the queue every job a stopped server left queued or running (its transaction was rolled
    back when the process died, so running it again from the start is safe). Returns their ids."""
    ids: list[int] = []
    left = Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, started__lt=PROCESS_STARTED)
    for job in Job.objects.filter(left).order_by("pk"):
        if job.attempts >= MAX_ATTEMPTS:
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.ERROR,
                finished=timezone.now(),
                message=_("The job was interrupted %(n)s times; it will not be tried again.") % {"n": job.attempts},
            )
            continue
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        enqueue(job.pk)
        ids.append(job.pk)
    return ids

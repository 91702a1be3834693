"""Reading jobs: a user sees their own; administrators and operators see every job."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, can
from ioc.core.errors import NotFound
from ioc.jobs import registry
from ioc.jobs.models import Job


def visible_jobs(user: User) -> QuerySet[Job]:
    jobs = Job.objects.select_related("user")
    if user.sees_everything or can(user, Action.VIEW_AUDIT):
        return jobs
    return jobs.filter(user=user)


def job_for(user: User, uid: str) -> Job:
    """The job, if the user may see it; NotFound otherwise (the same answer as for a job that does not exist,
    so uids of other users' jobs cannot be probed)."""
    job = visible_jobs(user).filter(uid=uid).first()
    if job is None:
        raise NotFound(f"job {uid}")
    return job


def progress_of(job: Job) -> dict[str, Any]:
    """done, total, note and percent: from the progress file while the job runs, from the row after."""
    done, total, note = job.done, job.total, job.note
    if not job.is_finished:
        live = registry.read_progress(job.uid)
        if live:
            done, total, note = int(live.get("done", 0)), int(live.get("total", 0)), str(live.get("note", ""))
    if job.is_finished and job.status != Job.Status.ERROR:
        percent = 100
    else:
        percent = min(100, int(done * 100 / total)) if total else 0
    return {"done": done, "total": total, "note": note, "percent": percent}

"""The job page: a progress bar that htmx refreshes every second until the job ends, then its result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ioc.accounts.models import User
from ioc.core.errors import NotFound
from ioc.jobs import registry, selectors
from ioc.jobs.models import Job


def _context(request: HttpRequest, uid: str) -> dict[str, object]:
    assert isinstance(request.user, User)
    try:
        job = selectors.job_for(request.user, uid)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return {
        "job": job,
        "progress": selectors.progress_of(job),
        "result": job.result or {},
        "result_template": registry.result_template(job.kind),
    }


@login_required
@require_GET
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    return render(request, "jobs/detail.html", _context(request, uid))


@login_required
@require_GET
def progress(request: HttpRequest, uid: str) -> HttpResponse:
    """The progress part alone (htmx polls it; it stops polling once the job has ended)."""
    return render(request, "jobs/_progress.html", _context(request, uid))


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    jobs = selectors.visible_jobs(request.user)[:100]
    return render(request, "jobs/list.html", {"jobs": jobs, "finished": Job.FINISHED})

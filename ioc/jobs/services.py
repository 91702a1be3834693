"""Submitting a background job (the only write of this app besides the runner's own bookkeeping)."""

from __future__ import annotations

import re
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.audit.models import Via
from ioc.audit.services import record
from ioc.core.errors import InvalidInput
from ioc.jobs import registry
from ioc.jobs.models import Job

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(name: str) -> str:
    """The upload's name for the disk: no directories, no odd characters (the original is kept in the row)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (_SAFE.sub("_", base).strip("._") or "upload")[:100]


@transaction.atomic
def do_submit_job(
    user: User | None,
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    upload: bytes | UploadedFile | None = None,
    filename: str = "",
    via: str = Via.FORM,
) -> Job:
    """Queue a job of a registered kind; an upload is stored under VAR_DIR/jobs/<uid>/ (read by the job,
    deleted when it ends). The job is queued when the transaction commits. The caller has checked that the
    user may do what the job does; the job function checks again when it runs."""
    if registry.get_kind(kind) is None:
        raise InvalidInput(_("Unknown kind of job '%(kind)s'") % {"kind": kind}, field="kind")
    job = Job.objects.create(kind=kind, params=params or {}, user=user, file_name=filename[:255])
    if upload is not None:
        folder = registry.job_dir(job.uid)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / _safe_name(filename or getattr(upload, "name", "") or "upload")
        with path.open("wb") as out:
            if isinstance(upload, bytes):
                out.write(upload)
            else:
                for chunk in upload.chunks():
                    out.write(chunk)
        job.file_path = str(path)
        job.save(update_fields=["file_path"])
    registry.write_progress(job.uid, 0, 0, "")
    record(user, "jobs.submit", job, via=via, changes={"kind": kind, "params": job.params, "file": filename})
    from ioc.jobs.runner import enqueue

    transaction.on_commit(lambda: enqueue(job.pk))
    return job

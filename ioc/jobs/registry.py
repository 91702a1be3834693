"""The kinds of background job, and the progress a running job reports.

An app registers a kind with `@job_kind("ingest.import")` on `fn(job, progress) -> dict`: the dict is stored
as the job's result (a "status" key of WARNING or ERROR marks the job so; "message" is shown). Raising an
ioc.core.errors.IocError ends the job in ERROR with its message and errors (nothing else is shown to users).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from ioc.jobs.models import Job

JobFunction = Callable[[Job, "Progress"], dict[str, Any]]

_KINDS: dict[str, JobFunction] = {}
_TEMPLATES: dict[str, str] = {}


def job_kind(name: str, *, result_template: str = "") -> Callable[[JobFunction], JobFunction]:
    """Register `fn` as the job kind `name`; `result_template` renders its result on the job page (the
    context has `job` and `result`), else the page shows the status and message."""

    def register(fn: JobFunction) -> JobFunction:
        _KINDS[name] = fn
        if result_template:
            _TEMPLATES[name] = result_template
        return fn

    return register


def get_kind(name: str) -> JobFunction | None:
    return _KINDS.get(name)


def result_template(name: str) -> str:
    return _TEMPLATES.get(name, "")


def kinds() -> list[str]:
    return sorted(_KINDS)


class Progress:
    """How far a job got, written at most every `interval` seconds to a small JSON file beside the job's
    upload (VAR_DIR/jobs/<uid>/progress.json), not to the database: job functions write their data in one
    transaction (all or nothing), whose uncommitted rows no other connection sees, and SQLite allows a
    single writer. The job page reads the file while the job runs and the Job row once it has finished."""

    def __init__(self, job: Job, interval: float = 0.5) -> None:
        self.job = job
        self.interval = interval
        self._last = 0.0

    def set_total(self, total: int) -> None:
        self.job.total = max(0, int(total))
        self._save(force=True)

    def advance(self, n: int = 1) -> None:
        self.job.done += max(0, int(n))
        self._save()

    def update(self, done: int, total: int | None = None) -> None:
        """Absolute progress: `done` of `total` (the callback shape of the importer and the CLI)."""
        if total is not None:
            self.job.total = max(0, int(total))
        self.job.done = max(0, int(done))
        self._save()

    def note(self, text: str) -> None:
        self.job.note = text[:255]
        self._save(force=True)

    def flush(self) -> None:
        self._save(force=True)

    def _save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        write_progress(self.job.uid, self.job.done, self.job.total, self.job.note)


def job_dir(uid: str) -> Path:
    return Path(settings.VAR_DIR) / "jobs" / uid


def write_progress(uid: str, done: int, total: int, note: str) -> None:
    folder = job_dir(uid)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "progress.json.tmp"
    tmp.write_text(json.dumps({"done": done, "total": total, "note": note}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / "progress.json")  # atomic: a reader sees the old file or the new one


def read_progress(uid: str) -> dict[str, Any] | None:
    try:
        data = json.loads((job_dir(uid) / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None

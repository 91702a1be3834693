"""The huey tasks of the jobs app: run a job, requeue unfinished jobs when a worker starts."""

from __future__ import annotations

import threading

from huey.contrib.djhuey import HUEY, db_task, on_startup


@db_task()
def run_job_task(job_id: int) -> None:
    from ioc.jobs.runner import run_job

    run_job(job_id)


_requeued = threading.Lock()
_done: list[bool] = []

if not HUEY.immediate:

    @on_startup()
    def _requeue() -> None:
        """Each worker thread runs the start-up hooks; the first one of the process requeues."""
        with _requeued:
            if _done:
                return
            _done.append(True)
        from django.db import close_old_connections

        from ioc.jobs.runner import requeue_unfinished

        requeue_unfinished()
        close_old_connections()

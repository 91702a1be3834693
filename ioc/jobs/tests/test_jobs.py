"""Background jobs: submitting, running (success, refusal, bug), claiming once, requeue after a restart,
and who may see a job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ioc.accounts.models import Role
from ioc.accounts.testing import english, make_user
from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput
from ioc.jobs import registry, runner
from ioc.jobs.models import Job
from ioc.jobs.registry import Progress, job_kind
from ioc.jobs.services import do_submit_job

pytestmark = pytest.mark.django_db

RUNS: list[str] = []


@job_kind("test.count")
def _count(job: Job, progress: Progress) -> dict[str, Any]:
    text = open(job.file_path, encoding="utf-8").read() if job.file_path else ""  # noqa: SIM115
    lines = text.splitlines()
    progress.set_total(len(lines))
    for _line in lines:
        progress.advance(1)
    RUNS.append(job.uid)
    return {"lines": len(lines), "message": f"{len(lines)} lines", "first": lines[0] if lines else None}


@job_kind("test.refuse")
def _refuse(job: Job, progress: Progress) -> dict[str, Any]:
    raise InvalidInput("row 3: not a number", errors=[{"row": 3, "message": "not a number"}])


@job_kind("test.bug")
def _bug(job: Job, progress: Progress) -> dict[str, Any]:
    raise ZeroDivisionError("secret internals")


@job_kind("test.warn")
def _warn(job: Job, progress: Progress) -> dict[str, Any]:
    return {"status": "WARNING", "message": "2 rows skipped"}


@pytest.fixture
def officer(db: None):
    return make_user("officer", [Role.DATA_OFFICER])


def test_a_job_runs_when_its_transaction_commits(officer, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(
            officer, "test.count", {"language": "en"}, upload="Hà Nội\nVĩnh Yên\n".encode(), filename="../../x y.csv"
        )
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCESS
    assert job.result == {"lines": 2, "message": "2 lines", "first": "Hà Nội"}
    assert job.message == "2 lines"
    assert (job.done, job.total) == (2, 2)
    assert job.file_name == "../../x y.csv"
    # stored inside the job's folder whatever the name said, and deleted once the job ended
    assert job.file_path.startswith(str(tmp_path / "jobs" / job.uid))
    assert not list((tmp_path / "jobs" / job.uid).glob("*.csv"))
    assert AuditEntry.objects.filter(action="jobs.submit").count() == 1


def test_unknown_kind_is_refused_and_nothing_is_queued(officer):
    with pytest.raises(InvalidInput, match="Unknown kind"):
        do_submit_job(officer, "no.such.kind", {})
    assert not Job.objects.exists()


def test_a_refusal_ends_the_job_in_error_with_its_errors(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(officer, "test.refuse", {})
    job.refresh_from_db()
    assert job.status == Job.Status.ERROR
    assert job.message == "row 3: not a number"
    assert job.result == {"errors": [{"row": 3, "message": "not a number"}]}


def test_a_bug_shows_no_internals_to_the_user(officer, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(officer, "test.bug", {"language": "en"})
    job.refresh_from_db()
    assert job.status == Job.Status.ERROR
    assert "secret" not in job.message and "internal error" in job.message
    assert "secret internals" in caplog.text  # the operator has it in the log


def test_a_job_may_end_with_a_warning(officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(officer, "test.warn", {})
    job.refresh_from_db()
    assert (job.status, job.message) == (Job.Status.WARNING, "2 rows skipped")


def test_a_job_runs_once_even_when_queued_twice(officer):
    job = Job.objects.create(kind="test.count", user=officer)
    RUNS.clear()
    assert runner.run_job(job.pk) is not None
    assert runner.run_job(job.pk) is None  # already claimed and finished
    assert [job.uid] == RUNS


def test_jobs_left_by_a_stopped_server_are_queued_again(officer):
    before = runner.PROCESS_STARTED - dt.timedelta(minutes=5)
    queued = Job.objects.create(kind="test.count", user=officer)
    interrupted = Job.objects.create(
        kind="test.count", user=officer, status=Job.Status.RUNNING, started=before, attempts=1
    )
    worn_out = Job.objects.create(
        kind="test.count", user=officer, status=Job.Status.RUNNING, started=before, attempts=3
    )
    running_here = Job.objects.create(
        kind="test.count", user=officer, status=Job.Status.RUNNING, started=timezone.now(), attempts=1
    )
    done = Job.objects.create(kind="test.count", user=officer, status=Job.Status.SUCCESS)
    RUNS.clear()
    requeued = runner.requeue_unfinished()  # huey runs the tasks at once under the tests
    assert requeued == [queued.pk, interrupted.pk]
    assert sorted(RUNS) == sorted([queued.uid, interrupted.uid])
    assert Job.objects.get(pk=interrupted.pk).status == Job.Status.SUCCESS
    assert Job.objects.get(pk=interrupted.pk).attempts == 2
    assert Job.objects.get(pk=worn_out.pk).status == Job.Status.ERROR
    assert Job.objects.get(pk=running_here.pk).status == Job.Status.RUNNING
    assert Job.objects.get(pk=done.pk).status == Job.Status.SUCCESS


def test_progress_is_read_from_the_file_while_running(officer, settings, tmp_path):
    from ioc.jobs.selectors import progress_of

    settings.VAR_DIR = tmp_path
    job = Job.objects.create(kind="test.count", user=officer, status=Job.Status.RUNNING)
    progress = Progress(job, interval=0)
    progress.set_total(200)
    progress.advance(50)
    progress.note("Đang kiểm tra")
    assert progress_of(job) == {"done": 50, "total": 200, "note": "Đang kiểm tra", "percent": 25}
    assert registry.read_progress("nonexistent") is None


def test_the_job_page_for_its_owner_and_not_for_others(officer, django_capture_on_commit_callbacks):
    other = make_user("other", [Role.DATA_OFFICER])
    admin = make_user("boss", [Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(officer, "test.warn", {})
    for user, status in ((officer, 200), (admin, 200), (other, 404)):
        client = english(Client())
        client.force_login(user)
        for name in ("jobs:detail", "jobs:progress"):
            response = client.get(reverse(name, args=[job.uid]))
            assert response.status_code == status, (user.username, name)
        listing = client.get(reverse("jobs:list")).content.decode()
        assert (job.uid in listing) == (status == 200)
    client = english(Client())
    client.force_login(officer)
    page = client.get(reverse("jobs:detail", args=[job.uid])).content.decode()
    assert "2 rows skipped" in page and 'data-status="WARNING"' in page and "hx-trigger" not in page


def test_a_running_job_page_polls(officer):
    job = Job.objects.create(kind="test.count", user=officer, status=Job.Status.RUNNING)
    client = english(Client())
    client.force_login(officer)
    page = client.get(reverse("jobs:progress", args=[job.uid])).content.decode()
    assert 'hx-trigger="every 1s"' in page


def test_anonymous_users_are_sent_to_login(officer):
    job = Job.objects.create(kind="test.count", user=officer)
    response = Client().get(reverse("jobs:detail", args=[job.uid]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

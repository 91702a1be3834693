"""The background job "ingest.import": registered with its result template, imports what the page uploads,
checks the role again when it runs, reports unreadable files through an ImportRun, passes the options."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from ioc.accounts.testing import english
from ioc.datavalues.models import DataValue, ImportRun
from ioc.ingest.jobs import import_params, run_import
from ioc.ingest.tests import upload_fixtures
from ioc.ingest.tests.upload_fixtures import UploadWorld
from ioc.jobs import registry
from ioc.jobs.models import Job
from ioc.jobs.services import do_submit_job

pytestmark = pytest.mark.django_db
world = upload_fixtures.world


@pytest.fixture(autouse=True)
def _jobs_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


def _submit(capture: Any, user: Any, content: bytes, name: str, **options: Any) -> Job:
    params = import_params(
        strategy=options.pop("strategy", "CREATE_AND_UPDATE"),
        dry_run=options.pop("dry_run", False),
        all_or_nothing=options.pop("all_or_nothing", True),
        id_scheme=options.pop("id_scheme", ""),
        language="en",
    )
    with capture(execute=True):
        job = do_submit_job(user, "ingest.import", params, upload=content, filename=name)
    job.refresh_from_db()
    return job


def test_the_kind_is_registered_with_its_result_template() -> None:
    assert registry.get_kind("ingest.import") is run_import
    assert registry.result_template("ingest.import") == "ingest/_job_result.html"


def test_a_long_xlsx_file_through_the_job(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã chỉ tiêu", "Kỳ báo cáo", "Mã đơn vị", "Mã nhóm", "Giá trị"])
    for i, unit in enumerate(["08707", "08710"]):
        ws.append(["PATIENTS", "202503", unit, "FEMALE", 10 + i])
        ws.append(["PATIENTS", "202503", unit, "MALE", 20 + i])
    out = io.BytesIO()
    wb.save(out)
    job = _submit(django_capture_on_commit_callbacks, world.officer, out.getvalue(), "doc.xlsx")
    assert job.status == Job.Status.SUCCESS, job.result
    assert job.result["importCount"]["imported"] == 4
    assert job.total > 0 and job.done == job.total
    assert DataValue.objects.filter(data_element=world.patients).count() == 4


def test_the_role_is_checked_again_when_the_job_runs(
    world: UploadWorld, django_capture_on_commit_callbacks: Any
) -> None:
    csv = b"dataelement,period,orgunit,value\nBEDS,202503,08707,12\n"
    officer = world.officer
    # Between the upload and the run an administrator took the role away.
    params = import_params(strategy="CREATE_AND_UPDATE", dry_run=False, all_or_nothing=True, language="en")
    job = Job.objects.create(kind="ingest.import", params=params, user=officer, file_name="a.csv")
    folder = registry.job_dir(job.uid)
    folder.mkdir(parents=True)
    (folder / "a.csv").write_bytes(csv)
    Job.objects.filter(pk=job.pk).update(file_path=str(folder / "a.csv"))
    officer.roles = ["leader"]
    officer.save()
    from ioc.jobs.runner import run_job

    ended = run_job(job.pk)
    assert ended is not None and ended.status == Job.Status.ERROR
    assert "You may not enter data" in ended.message
    assert not DataValue.objects.exists()
    # The job page shows why (the result template copes with a refusal's result).
    client = english(Client())
    client.force_login(officer)
    page = client.get(reverse("jobs:detail", args=[job.uid]))
    assert page.status_code == 200 and "You may not enter data" in page.content.decode()


def test_an_unreadable_file_leaves_an_import_run(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    job = _submit(django_capture_on_commit_callbacks, world.officer, b"PK\x03\x04 not really a zip", "hong.xlsx")
    assert job.status == Job.Status.ERROR
    (conflict,) = job.result["conflicts"]
    assert conflict["field"] == "file" and "the .xlsx file is damaged" in conflict["reason"]
    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.ERROR and run.source == "hong.xlsx" and run.user == world.officer


def test_the_id_scheme_option_reaches_the_parser(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    csv = f"dataelement,period,orgunit,value\n{world.beds.uid},202503,{world.units['c1'].uid},12\n".encode()
    job = _submit(django_capture_on_commit_callbacks, world.officer, csv, "uid.csv", id_scheme="uid")
    assert job.status == Job.Status.SUCCESS, job.result
    assert DataValue.objects.get().value_num == 12


def test_dry_run_and_all_or_nothing_options(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    csv = b"dataelement,period,orgunit,value\nBEDS,202503,08707,12\nBEDS,202503,08710,abc\n"
    strict = _submit(django_capture_on_commit_callbacks, world.officer, csv, "a.csv")
    assert strict.status == Job.Status.ERROR and strict.result["atomic"] is True
    assert strict.result["conflicts"][0]["place"] == "row 3"
    assert not DataValue.objects.exists()
    trial = _submit(django_capture_on_commit_callbacks, world.officer, csv, "a.csv", all_or_nothing=False, dry_run=True)
    assert trial.status == Job.Status.WARNING and trial.result["importCount"]["imported"] == 1
    assert not DataValue.objects.exists()
    partial = _submit(django_capture_on_commit_callbacks, world.officer, csv, "a.csv", all_or_nothing=False)
    assert partial.status == Job.Status.WARNING
    assert DataValue.objects.count() == 1


def test_the_via_parameter_is_recorded(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    csv = b"dataelement,period,orgunit,value\nBEDS,202503,08707,12\n"
    params = import_params(strategy="CREATE_AND_UPDATE", dry_run=False, all_or_nothing=True, via="api")
    with django_capture_on_commit_callbacks(execute=True):
        job = do_submit_job(world.officer, "ingest.import", params, upload=csv, filename="api.csv")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCESS
    assert ImportRun.objects.get().via == "api"

"""The import page: who may use it, CSRF, the size limit, upload → job → report, the template download and
the conflicts' CSV (its owner only)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ioc.accounts.models import User
from ioc.accounts.testing import english
from ioc.datavalues.models import DataValue, ImportRun
from ioc.ingest.tests import upload_fixtures
from ioc.ingest.tests.upload_fixtures import UploadWorld, fill
from ioc.ingest.xlsx import CONTENT_TYPE, SHEET_DATA, build_template
from ioc.jobs.models import Job

pytestmark = pytest.mark.django_db
world = upload_fixtures.world

INDEX = "/imports/"
UPLOAD = "/imports/upload"
TEMPLATE = "/imports/template"


@pytest.fixture(autouse=True)
def _jobs_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path


def _client(user: User | None, **kwargs: Any) -> Client:
    client = english(Client(**kwargs))
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def template(world: UploadWorld) -> bytes:
    return build_template(world.officer, world.data_set, world.units["d1"], world.period)


def _post(
    client: Client, capture: Callable[..., Any], content: bytes, name: str = "bao-cao.xlsx", **options: Any
) -> Any:
    data = {"file": SimpleUploadedFile(name, content), "strategy": "CREATE_AND_UPDATE", **options}
    with capture(execute=True):
        return client.post(UPLOAD, data)


# ---- who may use the page -------------------------------------------------------------------------------


def test_the_page_needs_login_and_the_enter_data_role(world: UploadWorld) -> None:
    response = _client(None).get(INDEX)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert _client(world.leader).get(INDEX).status_code == 403
    assert _client(world.leader).get(TEMPLATE, {"data_set": "DS_HEALTH"}).status_code == 403
    page = _client(world.officer).get(INDEX)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and "csrfmiddlewaretoken" in html
    assert "Health (DS_HEALTH)" in html  # the English name: the page is in English
    # The template form offers the officer's district and its communes only.
    assert "Thành phố Vĩnh Yên (243)" in html and "Phường Tích Sơn (08707)" in html
    assert "Thành phố Phúc Yên" not in html
    assert 'src="/static/ioc/ingest.js"' in html


def test_a_leader_cannot_upload(world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any) -> None:
    response = _post(_client(world.leader), django_capture_on_commit_callbacks, template)
    assert response.status_code == 403
    assert not Job.objects.exists() and not DataValue.objects.exists()


def test_csrf_is_enforced_on_upload(
    world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world.officer, enforce_csrf_checks=True)
    refused = _post(client, django_capture_on_commit_callbacks, fill(template, {"C6": 1}))
    assert refused.status_code == 403
    assert not Job.objects.exists() and not DataValue.objects.exists()
    client.get(INDEX)  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    accepted = _post(client, django_capture_on_commit_callbacks, fill(template, {"C6": 1}), csrfmiddlewaretoken=token)
    assert accepted.status_code == 302
    assert DataValue.objects.count() == 1


# ---- upload → job → report ------------------------------------------------------------------------------


def test_upload_runs_the_import_as_a_job_and_shows_the_report(
    world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world.officer)
    filled = fill(template, {"C6": 1520, "G6": "Đủ thuốc, trạm sạch sẽ", "H7": 4})
    response = _post(client, django_capture_on_commit_callbacks, filled)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.uid])
    assert job.status == Job.Status.SUCCESS, job.result
    assert job.kind == "ingest.import" and job.file_name == "bao-cao.xlsx"
    assert job.result["importCount"] == {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0}
    assert (job.done, job.total) != (0, 0) and job.done == job.total
    assert DataValue.objects.get(data_element=world.note).value_text == "Đủ thuốc, trạm sạch sẽ"
    run = ImportRun.objects.get()
    assert run.source == "bao-cao.xlsx" and run.via == "import" and run.user == world.officer
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-report"' in page and 'data-testid="count-imported">3<' in page
    # The page lists the upload and the import.
    listing = client.get(INDEX).content.decode()
    assert reverse("jobs:detail", args=[job.uid]) in listing and "bao-cao.xlsx" in listing


def test_a_bad_upload_shows_every_problem_and_writes_nothing(
    world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world.officer)
    bad = fill(template, {"C6": 10, "D6": 5000, "C7": "=C6*2", "E7": "nhiều"})
    response = _post(client, django_capture_on_commit_callbacks, bad)
    job = Job.objects.get()
    assert job.status == Job.Status.ERROR
    assert not DataValue.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.ERROR
    places = sorted(c["place"] for c in job.result["conflicts"])
    assert places == ["Dữ liệu!C7", "Dữ liệu!D6", "Dữ liệu!E7"]
    page = client.get(response["Location"]).content.decode()
    assert "Dữ liệu!C7" in page and "holds a formula (=C6*2); paste values only" in page
    assert "Nothing was written" in page
    assert reverse("ingest:conflicts_csv", args=[job.uid]) in page


def test_partial_import_writes_the_good_rows(
    world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    bad = fill(template, {"C6": 10, "D6": 5000})
    _post(_client(world.officer), django_capture_on_commit_callbacks, bad, partial="on")
    job = Job.objects.get()
    assert job.status == Job.Status.WARNING
    assert job.result["importCount"]["imported"] == 1 and job.result["conflictCount"] == 1
    assert list(DataValue.objects.values_list("value_num", flat=True)) == [10.0]


def test_dry_run_writes_nothing(world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any) -> None:
    _post(_client(world.officer), django_capture_on_commit_callbacks, fill(template, {"C6": 10}), dry_run="on")
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCESS and job.result["dryRun"] is True
    assert job.result["importCount"]["imported"] == 1
    assert not DataValue.objects.exists()


def test_csv_upload_with_strategy(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    csv = b"dataelement,period,orgunit,catoptcombo,attroptcombo,value\nBEDS,202503,08707,,,12\n"
    _post(_client(world.officer), django_capture_on_commit_callbacks, csv, "du-lieu.csv", strategy="UPDATE")
    job = Job.objects.get()
    assert job.status == Job.Status.WARNING  # the row is skipped (nothing to update), not wrong
    assert "UPDATE only changes stored values" in job.result["conflicts"][0]["reason"]
    assert job.result["conflicts"][0]["place"] == "row 2"
    assert not DataValue.objects.exists()


def test_an_unreadable_file_is_reported_on_the_job_page(
    world: UploadWorld, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world.officer)
    response = _post(client, django_capture_on_commit_callbacks, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    job = Job.objects.get()
    assert job.status == Job.Status.ERROR
    page = client.get(response["Location"]).content.decode()
    assert "password-protected workbook or an old .xls file" in page
    assert ImportRun.objects.get().status == ImportRun.Status.ERROR


def test_unknown_kinds_of_file_are_refused_at_once(world: UploadWorld, django_capture_on_commit_callbacks: Any) -> None:
    client = _client(world.officer)
    old = _post(client, django_capture_on_commit_callbacks, b"\xd0\xcf\x11\xe0", "cu.xls")
    assert old.status_code == 400 and "save the file as .xlsx" in old.content.decode()
    word = _post(client, django_capture_on_commit_callbacks, b"PK", "thu.docx")
    assert word.status_code == 400 and "Unknown kind of file" in word.content.decode()
    assert not Job.objects.exists()


def test_the_size_limit_is_checked_before_the_body_is_read(
    world: UploadWorld, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.IOC_INGEST_MAX_BYTES = 2000
    client = _client(world.officer)
    # Far over the limit: refused from the Content-Length alone.
    huge = _post(client, django_capture_on_commit_callbacks, b"x" * 200_000, "lon.csv")
    assert huge.status_code == 413
    assert "the limit is 2 KB" in huge.content.decode()
    # Just over the limit: the upload handler stops reading it.
    over = _post(client, django_capture_on_commit_callbacks, b"x" * 3000, "lon.csv")
    assert over.status_code == 413
    assert "larger than the limit of 2 KB" in over.content.decode()
    assert not Job.objects.exists()
    page = client.get(INDEX).content.decode()
    assert 'data-max-bytes="2000"' in page


# ---- the template download ------------------------------------------------------------------------------


def test_template_download(world: UploadWorld) -> None:
    unit = world.units["d1"]
    response = _client(world.officer).get(
        TEMPLATE, {"data_set": "DS_HEALTH", "org_unit": unit.uid, "period": "202503", "with_values": "1"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="DS_HEALTH_202503_243.xlsx"'
    ws = load_workbook(io.BytesIO(response.content))[SHEET_DATA]
    assert ws["B6"].value == "Phường Tích Sơn"
    by_code = _client(world.officer).get(TEMPLATE, {"data_set": "DS_HEALTH", "org_unit": "08707", "period": "202503"})
    assert by_code.status_code == 200


def test_template_refuses_a_unit_outside_the_entry_scope(world: UploadWorld) -> None:
    client = _client(world.officer)
    outside = client.get(TEMPLATE, {"data_set": "DS_HEALTH", "org_unit": world.units["d2"].uid, "period": "202503"})
    assert outside.status_code == 403
    assert "outside your data entry units" in outside.content.decode()
    bad_period = client.get(TEMPLATE, {"data_set": "DS_HEALTH", "org_unit": world.units["d1"].uid, "period": "2025"})
    assert bad_period.status_code == 400
    assert "data set DS_HEALTH is collected Monthly" in bad_period.content.decode()
    unknown = client.get(TEMPLATE, {"data_set": "NOPE", "org_unit": world.units["d1"].uid, "period": "202503"})
    assert unknown.status_code == 404


# ---- the conflicts' CSV ---------------------------------------------------------------------------------


def test_conflicts_csv_for_its_owner_only(
    world: UploadWorld, template: bytes, django_capture_on_commit_callbacks: Any
) -> None:
    owner = _client(world.officer)
    _post(owner, django_capture_on_commit_callbacks, fill(template, {"D6": 5000, "E7": "nhiều"}))
    job = Job.objects.get()
    url = reverse("ingest:conflicts_csv", args=[job.uid])
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "File,Sheet,Cell or row,Field,Value,Reason"
    assert lines[1].startswith("bao-cao.xlsx,Dữ liệu,Dữ liệu!D6,value,5000,")
    assert len(lines) == 3
    # Nobody else: another officer, an administrator (not the owner), a leader.
    assert _client(world.officer_b).get(url).status_code == 404
    assert _client(world.admin).get(url).status_code == 404
    assert _client(world.leader).get(url).status_code == 403
    # The job page itself is the jobs app's: another officer cannot see it either.
    assert _client(world.officer_b).get(reverse("jobs:detail", args=[job.uid])).status_code == 404

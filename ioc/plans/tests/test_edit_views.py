"""The plan editor and the agencies' report pages from every side: who gets 403 (or 404), what a plan manager
may do, bad input shown next to the fields with nothing written. World: ioc.plans.testing (see its docstring)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ioc.accounts.models import Role, User
from ioc.accounts.testing import english, make_user
from ioc.audit.models import AuditEntry
from ioc.jobs.models import Job
from ioc.plans.forms import MAX_EVIDENCE_BYTES
from ioc.plans.models import Milestone, Pillar, Plan, Target, TargetReport, Task, TaskUpdate
from ioc.plans.testing import PlanWorld, build_plan_world


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> PlanWorld:
    settings.VAR_DIR = tmp_path  # evidence files land in a throw-away folder
    return build_plan_world()


def client_for(user: User | None, **kwargs: Any) -> Client:
    client = english(Client(**kwargs))
    if user is not None:
        client.force_login(user)
    return client


def url(name: str, *args: str) -> str:
    return reverse(f"plans:{name}", args=args) + "?plan=CDS"


def state() -> tuple[Any, ...]:
    """Everything the editor could write, to show that a refused request wrote nothing."""
    return (
        list(Plan.objects.values_list("code", "name_vi", "end")),
        list(Pillar.objects.order_by("pk").values_list("code", "name_vi", "sort_order")),
        list(Task.objects.order_by("pk").values_list("code", "title_vi", "progress", "status", "due")),
        list(Target.objects.order_by("pk").values_list("code", "name_vi", "target_value", "deadline", "dx")),
        list(Milestone.objects.order_by("pk").values_list("date", "value")),
        TaskUpdate.objects.count(),
        list(TargetReport.objects.order_by("pk").values_list("date", "value")),
        Job.objects.count(),
    )


def manager_pages() -> list[tuple[str, str]]:
    return [
        ("get", url("edit_plan")),
        ("post", url("edit_plan")),
        ("get", url("pillars")),
        ("post", url("pillars")),
        ("post", url("recompute")),
        ("get", url("new_task")),
        ("post", url("new_task")),
        ("get", url("edit_task", "NV02")),
        ("post", url("edit_task", "NV02")),
        ("get", url("delete_task", "NV02")),
        ("post", url("delete_task", "NV02")),
        ("get", url("new_target")),
        ("post", url("new_target")),
        ("get", url("edit_target", "CT02")),
        ("post", url("edit_target", "CT02")),
        ("get", url("delete_target", "CT02")),
        ("post", url("delete_target", "CT02")),
    ]


BODY = {
    "code": "X1", "name_vi": "X", "title_vi": "X", "due": "2026-12-31", "lead_agency": "SYT", "status": "done",
    "progress": "100", "sort_order": "0", "target_value": "1", "deadline": "2027-01-01",
    "responsible_agency": "SYT", "source": "manual", "direction": "increase", "series_period": "Yearly",
    "op": "create", "new-code": "X", "new-name_vi": "X", "new-sort_order": "1", "text": "xong", "date": "2026-01-01",
    "value": "99", "org_unit": "", "start": "2021-01-01", "end": "2030-12-31",
}  # fmt: skip


def test_a_leader_gets_403_on_every_edit_view(world: PlanWorld) -> None:
    before = state()
    pages = [*manager_pages(), ("get", url("task_update", "NV02")), ("post", url("task_update", "NV02"))]
    pages += [("get", url("target_report", "CT02")), ("post", url("target_report", "CT02"))]
    for user in (world.leader, world.nobody):
        client = client_for(user)
        for method, path in pages:
            response = getattr(client, method)(path, BODY)
            assert response.status_code == 403, (user.username, method, path)
    assert state() == before
    anonymous = client_for(None).get(url("edit_plan"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_an_agency_user_cannot_open_the_plan_manager_forms(world: PlanWorld) -> None:
    before = state()
    for user in (world.officer, world.other):
        client = client_for(user)
        for method, path in manager_pages():
            response = getattr(client, method)(path, BODY)
            assert response.status_code == 403, (user.username, method, path)
    assert state() == before


def test_an_agency_posts_an_update_with_evidence_on_its_own_task(world: PlanWorld) -> None:
    client = client_for(world.officer)
    page = client.get(url("task_update", "NV02"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="csrfmiddlewaretoken"' in html
    file = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    body = {"text": "Đã cấp hồ sơ cho 20.000 người", "link": "https://syt.vinhphuc.gov.vn/hssk",
            "progress": "55", "status": "in_progress", "attachment": file}  # fmt: skip
    response = client.post(url("task_update", "NV02"), body)
    assert response.status_code == 302
    assert response["Location"] == url("task", "NV02")
    update = TaskUpdate.objects.get(task=world.t2)
    assert (update.text, update.progress, update.by) == ("Đã cấp hồ sơ cho 20.000 người", 55, world.officer)
    assert update.attachment.name.endswith(".pdf") and update.attachment.read() == b"%PDF-1.4 evidence"
    world.t2.refresh_from_db()
    assert world.t2.progress == 55
    assert AuditEntry.objects.filter(action="task.report", via="form").count() == 1


def test_an_agency_cannot_report_on_another_agencys_task_or_target(world: PlanWorld) -> None:
    before = state()
    officer = client_for(world.officer)  # Sở Y tế: leads NV02, cooperates on NV01, responsible for CT02
    # NV01 is visible to it (it cooperates) but led by STTTT: refused, form or not.
    assert officer.get(url("task_update", "NV01")).status_code == 403
    assert officer.post(url("task_update", "NV01"), {"text": "x", "progress": "90"}).status_code == 403
    # NV03 and CT03 are not its own and not visible to it at all: not found, as everywhere in the plan.
    assert officer.post(url("task_update", "NV03"), {"text": "x"}).status_code == 404
    assert officer.post(url("target_report", "CT03"), {"date": "2026-01-01", "value": "4"}).status_code == 404
    # A user of Sở Y tế who sees the whole province: sees CT03 (Sở GD&ĐT's) and may not report on it.
    viewer = make_user("syt_xem", [Role.DATA_OFFICER], view=[world.units["p"]], agency=world.syt)
    seeing = client_for(viewer)
    assert seeing.get(url("target_report", "CT03")).status_code == 403
    assert seeing.post(url("target_report", "CT03"), {"date": "2026-01-01", "value": "4"}).status_code == 403
    assert seeing.post(url("task_update", "NV03"), {"text": "x", "progress": "1"}).status_code == 403
    # Sở GD&ĐT cooperates on NV02 and may not post its updates.
    assert client_for(world.other).post(url("task_update", "NV02"), {"text": "x"}).status_code == 403
    assert state() == before


def test_an_agency_reports_a_value_of_its_manual_target(world: PlanWorld) -> None:
    client = client_for(world.officer)
    page = client.get(url("target_report", "CT02"))
    assert page.status_code == 200 and 'data-testid="target-report-form"' in page.content.decode()
    file = SimpleUploadedFile("so-lieu.xlsx", b"PK fake xlsx")
    body = {
        "date": "2026-03-31",
        "value": "72.5",
        "note": "Quý I",
        "link": "https://example.org/bc",
        "attachment": file,
    }
    response = client.post(url("target_report", "CT02"), body)
    assert response.status_code == 302 and response["Location"] == url("target", "CT02")
    report = TargetReport.objects.get(target=world.ct2, date=dt.date(2026, 3, 31))
    assert (report.value, report.note, report.by) == (72.5, "Quý I", world.officer)
    assert report.attachment.read() == b"PK fake xlsx"
    # The same date again replaces the value.
    again = client.post(url("target_report", "CT02"), {"date": "2026-03-31", "value": "73"})
    assert again.status_code == 302
    assert list(
        TargetReport.objects.filter(target=world.ct2, date=dt.date(2026, 3, 31)).values_list("value", flat=True)
    ) == [73.0]


def test_vietnamese_decimal_comma_in_a_reported_value(world: PlanWorld) -> None:
    client = Client()
    client.force_login(world.officer)  # no language cookie: Vietnamese, the first language
    response = client.post(url("target_report", "CT02"), {"date": "2026-02-28", "value": "68,5"})
    assert response.status_code == 302
    assert TargetReport.objects.get(target=world.ct2, date=dt.date(2026, 2, 28)).value == 68.5


def test_a_live_target_takes_no_report(world: PlanWorld) -> None:
    before = state()
    client = client_for(world.manager)
    page = client.get(url("target_report", "CT01"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="live-target"' in html and 'data-testid="target-report-form"' not in html
    assert client.post(url("target_report", "CT01"), {"date": "2026-01-01", "value": "70"}).status_code == 302
    assert state() == before


def test_bad_reports_show_field_errors_and_write_nothing(world: PlanWorld) -> None:
    before = state()
    client = client_for(world.officer)
    bad = client.post(url("task_update", "NV02"), {"text": "", "progress": "150", "link": "not a link"})
    assert bad.status_code == 400
    html = bad.content.decode()
    for field in ("text", "progress", "link"):
        assert f'data-testid="error-{field}"' in html, field
    # A file one byte over the limit: the upload handler stops reading it.
    big = SimpleUploadedFile("big.bin", b"0" * (MAX_EVIDENCE_BYTES + 1))
    response = client.post(url("task_update", "NV02"), {"text": "kèm tệp", "progress": "50", "attachment": big})
    assert response.status_code == 413
    assert 'data-testid="error-attachment"' in response.content.decode()
    assert "10.0 MB" in response.content.decode()
    # Far over the limit: refused from its Content-Length, before the body is read.
    huge = SimpleUploadedFile("huge.bin", b"0" * (MAX_EVIDENCE_BYTES + 200_000))
    response = client.post(url("target_report", "CT02"), {"date": "2026-01-01", "value": "70", "attachment": huge})
    assert response.status_code == 413 and 'data-testid="error-attachment"' in response.content.decode()
    # A future date and a value above the target's highest possible value (100 %).
    response = client.post(url("target_report", "CT02"), {"date": "2099-01-01", "value": "120"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-date"' in html and 'data-testid="error-value"' in html
    assert client.post(url("target_report", "CT02"), {"date": "", "value": "abc"}).status_code == 400
    assert state() == before


def test_report_pages_need_the_csrf_token(world: PlanWorld) -> None:
    before = state()
    client = client_for(world.officer, enforce_csrf_checks=True)
    assert client.post(url("task_update", "NV02"), {"text": "x"}).status_code == 403
    assert client.post(url("target_report", "CT02"), {"date": "2026-01-01", "value": "70"}).status_code == 403
    manager = client_for(world.manager, enforce_csrf_checks=True)
    assert manager.post(url("new_task"), BODY).status_code == 403
    assert manager.post(url("recompute")).status_code == 403
    assert state() == before


def test_a_plan_manager_creates_edits_and_deletes_a_task(world: PlanWorld) -> None:
    client = client_for(world.manager)
    page = client.get(url("new_task"))
    assert page.status_code == 200 and 'name="cooperating_agencies"' in page.content.decode()
    body = {"code": "NV04", "title_vi": "Xây dựng trung tâm dữ liệu", "title_en": "A data centre", "pillar": "HT",
            "lead_agency": "STTTT", "cooperating_agencies": ["SYT", "SGDDT"], "start": "2026-01-01",
            "due": "2027-06-30", "status": "in_progress", "progress": "10", "sort_order": "4"}  # fmt: skip
    made = client.post(url("new_task"), body)
    assert made.status_code == 302 and made["Location"] == url("task", "NV04")
    task = Task.objects.get(plan=world.plan, code="NV04")
    assert (task.pillar, task.lead_agency, task.progress) == (world.ht, world.stttt, 10)
    assert {a.code for a in task.cooperating_agencies.all()} == {"SYT", "SGDDT"}
    # Edit: the form shows the current values; change the lead agency, drop a cooperating one.
    form = client.get(url("edit_task", "NV04")).content.decode()
    assert 'value="NV04"' in form and "Xây dựng trung tâm dữ liệu" in form
    saved = client.post(url("edit_task", "NV04"), {**body, "lead_agency": "SYT", "cooperating_agencies": ["SGDDT"]})
    assert saved.status_code == 302
    task.refresh_from_db()
    assert task.lead_agency == world.syt and [a.code for a in task.cooperating_agencies.all()] == ["SGDDT"]
    # Marked done without touching the progress: complete, 100 %, today.
    done = {**body, "lead_agency": "SYT", "cooperating_agencies": ["SGDDT"], "status": "done", "progress": "10"}
    assert client.post(url("edit_task", "NV04"), done).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress, task.completed) == ("done", 100, timezone.localdate())
    # Delete, after a confirmation page.
    assert client.get(url("delete_task", "NV04")).status_code == 200
    assert client.post(url("delete_task", "NV04")).status_code == 302
    assert not Task.objects.filter(code="NV04").exists()
    assert AuditEntry.objects.filter(action__in=["task.create", "task.update", "task.delete"]).count() == 4


def test_bad_task_input_shows_errors_and_writes_nothing(world: PlanWorld) -> None:
    before = state()
    client = client_for(world.manager)
    body = {"code": "NV01", "title_vi": "Trùng mã", "lead_agency": "STTTT", "start": "2026-01-01",
            "due": "2025-01-01", "status": "in_progress", "progress": "150", "sort_order": "0"}  # fmt: skip
    bad = client.post(url("new_task"), body)
    assert bad.status_code == 400 and 'data-testid="error-progress"' in bad.content.decode()
    # With a possible progress the form passes and the service names the taken code and the dates.
    worse = client.post(url("new_task"), {**body, "progress": "15"})
    html = worse.content.decode()
    assert worse.status_code == 400
    assert 'data-testid="error-code"' in html and 'data-testid="error-due"' in html
    unknown = client.post(url("new_task"), {**body, "code": "NV09", "due": "2027-01-01", "lead_agency": "NOPE"})
    assert unknown.status_code == 400 and 'data-testid="error-lead_agency"' in unknown.content.decode()
    assert state() == before


TARGET = {
    "code": "CT04", "name_vi": "Tỷ lệ dịch vụ công trực tuyến toàn trình", "name_en": "Full online public services",
    "pillar": "CQS", "task": "NV02", "responsible_agency": "STTTT", "mandatory": "on", "sort_order": "4",
    "unit": "%", "direction": "increase", "baseline_value": "30", "baseline_date": "2021-12-31",
    "target_value": "80", "deadline": "2025-12-31", "lower_bound": "0", "upper_bound": "100",
    "source": "analytics", "dx": "FIBRE_HH", "org_unit": "", "series_period": "Yearly", "description": "",
    "milestones-TOTAL_FORMS": "3", "milestones-INITIAL_FORMS": "0", "milestones-MIN_NUM_FORMS": "0",
    "milestones-MAX_NUM_FORMS": "20",
    "milestones-0-date": "2023-12-31", "milestones-0-value": "50", "milestones-0-note": "Giữa kỳ",
    "milestones-1-date": "2030-12-31", "milestones-1-value": "100", "milestones-1-note": "",
    "milestones-2-date": "", "milestones-2-value": "", "milestones-2-note": "",
}  # fmt: skip


def test_a_plan_manager_creates_edits_and_deletes_a_target(world: PlanWorld) -> None:
    client = client_for(world.manager)
    page = client.get(url("new_target"))
    html = page.content.decode()
    assert page.status_code == 200
    assert '<datalist id="dx-options">' in html and 'value="FIBRE_HH"' in html
    assert 'name="milestones-TOTAL_FORMS"' in html
    made = client.post(url("new_target"), TARGET)
    assert made.status_code == 302 and made["Location"] == url("target", "CT04")
    target = Target.objects.get(plan=world.plan, code="CT04")
    assert (target.source, target.dx, target.task, target.upper_bound) == ("analytics", "FIBRE_HH", world.t2, 100)
    assert list(target.milestones.values_list("date", "value", "note")) == [
        (dt.date(2023, 12, 31), 50.0, "Giữa kỳ"),
        (dt.date(2030, 12, 31), 100.0, ""),
    ]
    # Edit: the milestones come back as rows; drop the first, change the target and make it manual.
    form = client.get(url("edit_target", "CT04")).content.decode()
    assert 'value="2023-12-31"' in form and 'name="milestones-INITIAL_FORMS" value="2"' in form
    edit = {**TARGET, "milestones-INITIAL_FORMS": "2", "milestones-0-DELETE": "on", "target_value": "85",
            "source": "manual", "unit": "%"}  # fmt: skip
    saved = client.post(url("edit_target", "CT04"), edit)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    target.refresh_from_db()
    assert (target.target_value, target.source, target.dx) == (85.0, "manual", "")  # a manual target keeps no dx
    assert list(target.milestones.values_list("date", flat=True)) == [dt.date(2030, 12, 31)]
    assert client.get(url("delete_target", "CT04")).status_code == 200
    assert client.post(url("delete_target", "CT04")).status_code == 302
    assert not Target.objects.filter(code="CT04").exists()


def test_bad_target_input_shows_errors_and_writes_nothing(world: PlanWorld) -> None:
    before = state()
    client = client_for(world.manager)
    bad = {**TARGET, "baseline_date": "2026-01-01", "deadline": "2025-12-31", "dx": "NO_SUCH_ITEM",
           "milestones-1-value": "120"}  # fmt: skip
    response = client.post(url("new_target"), bad)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="error-baseline_date"' in html  # the baseline must be before the deadline
    assert 'data-testid="error-dx"' in html and "NO_SUCH_ITEM" in html
    assert 'data-testid="error-milestones"' in html  # 120 is above the highest possible value, 100
    not_a_number = client.post(url("new_target"), {**TARGET, "target_value": "tám mươi", "milestones-0-date": "x"})
    html = not_a_number.content.decode()
    assert 'data-testid="error-target_value"' in html and 'data-testid="error-milestones-0-date"' in html
    # Editing with bad input leaves the target and its milestones as they were.
    edit = {**TARGET, "code": "CT01", "deadline": "2020-01-01", "milestones-INITIAL_FORMS": "2"}
    assert client.post(url("edit_target", "CT01"), edit).status_code == 400
    assert state() == before


def test_a_plan_manager_edits_the_plan_and_its_pillars(world: PlanWorld) -> None:
    client = client_for(world.manager)
    page = client.get(url("edit_plan"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="task-NV01"' in html and 'data-testid="target-CT03"' in html
    body = {"code": "CDS", "name_vi": "Kế hoạch CĐS (sửa)", "name_en": "", "decision": "KH 120", "description": "",
            "org_unit": world.units["p"].uid, "start": "2021-01-01", "end": "2030-12-31", "is_active": "on"}  # fmt: skip
    bad = client.post(url("edit_plan"), {**body, "end": "2020-01-01"})
    assert bad.status_code == 400 and 'data-testid="error-end"' in bad.content.decode()
    assert client.post(url("edit_plan"), body).status_code == 302
    world.plan.refresh_from_db()
    assert world.plan.name_vi == "Kế hoạch CĐS (sửa)"
    # Pillars: add one, rename it, move it up, delete it; a pillar with tasks is not deleted.
    p = url("pillars")
    made = client.post(p, {"op": "create", "new-code": "KTS", "new-name_vi": "Kinh tế số", "new-sort_order": "3"})
    assert made.status_code == 302
    kts = Pillar.objects.get(plan=world.plan, code="KTS")
    taken = client.post(p, {"op": "create", "new-code": "HT", "new-name_vi": "Trùng", "new-sort_order": "4"})
    assert taken.status_code == 400 and 'data-testid="error-new-code"' in taken.content.decode()
    rename = {"op": "update", "pillar": "KTS", f"p{kts.pk}-code": "KTS", f"p{kts.pk}-name_vi": "Kinh tế số (sửa)",
              f"p{kts.pk}-name_en": "Digital economy", f"p{kts.pk}-sort_order": "3"}  # fmt: skip
    assert client.post(p, rename).status_code == 302
    assert client.post(p, {"op": "up", "pillar": "KTS"}).status_code == 302
    order = list(world.plan.pillars.order_by("sort_order").values_list("code", flat=True))
    assert order == ["HT", "KTS", "CQS"]
    assert client.post(p, {"op": "delete", "pillar": "HT"}).status_code == 302
    assert Pillar.objects.filter(code="HT").exists()  # NV01 and CT01 belong to it
    assert client.post(p, {"op": "delete", "pillar": "KTS"}).status_code == 302
    assert not Pillar.objects.filter(code="KTS").exists()
    assert client.post(p, {"op": "delete", "pillar": "NOPE"}).status_code == 404


def test_a_plan_manager_creates_a_new_plan(world: PlanWorld) -> None:
    client = client_for(world.manager)
    assert client.get(reverse("plans:edit_plan") + "?new=1").status_code == 200
    body = {"code": "CDS2", "name_vi": "Kế hoạch 2026–2030", "org_unit": world.units["p"].uid,
            "start": "2026-01-01", "end": "2030-12-31"}  # fmt: skip
    response = client.post(reverse("plans:edit_plan") + "?new=1", body)
    assert response.status_code == 302 and response["Location"].endswith("?plan=CDS2")
    assert Plan.objects.get(code="CDS2").is_active is False


def test_recompute_submits_the_refresh_job_and_shows_its_page(world: PlanWorld) -> None:
    client = client_for(world.manager)
    assert client.get(url("recompute")).status_code == 405
    response = client.post(url("recompute"))
    job = Job.objects.get()
    # The job runs in the language of the page that asked for it (its messages, the verdicts' sentences).
    assert (job.kind, job.params, job.user) == (
        "plans.refresh_forecasts",
        {"plan": "CDS", "language": "en"},
        world.manager,
    )
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.uid])


def test_an_administrator_may_do_what_a_plan_manager_does(world: PlanWorld) -> None:
    client = client_for(world.admin)
    assert client.get(url("edit_plan")).status_code == 200
    assert client.get(url("task_update", "NV01")).status_code == 200
    assert client.get(url("target_report", "CT03")).status_code == 200

"""The plan's writes: validation (every bad field named), audit records, evidence files, task status rules, and
the verdict recomputed after each change of a target."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ioc.audit.models import AuditEntry, Via
from ioc.core.errors import InvalidInput
from ioc.metadata.models import DataElement
from ioc.plans import services
from ioc.plans.models import Milestone, Pillar, Plan, Source, Target, TargetForecast, TargetReport, Task, TaskStatus
from ioc.plans.testing import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


@pytest.fixture(autouse=True)
def _evidence_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str | None]:
    return {e["field"] for e in exc.value.errors}


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def live_target(world: PlanWorld, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "code": "CT10", "name_vi": "Tỷ lệ dịch vụ công trực tuyến toàn trình", "target_value": 80,
        "deadline": dt.date(2027, 12, 31), "responsible_agency": "STTTT", "source": Source.ANALYTICS,
        "dx": "FIBRE_HH", "unit": "%", "lower_bound": 0, "upper_bound": 100, "pillar": "CQS",
        "baseline_value": 20, "baseline_date": dt.date(2022, 12, 31),
    }  # fmt: skip
    values.update(extra)
    return values


# --- plans and pillars ----------------------------------------------------------------------------------


def test_a_plan_is_created_for_a_unit_code_open_on_its_start_and_audited(world: PlanWorld) -> None:
    plan = services.do_create_plan(world.manager, code="CDS2030", name_vi="Kế hoạch 2026–2030", org_unit="08707",
                                   start=dt.date(2026, 1, 1), end=dt.date(2030, 12, 31), via=Via.API)  # fmt: skip
    assert plan.org_unit == world.units["new_c"]  # 08707 on 2026-01-01 is Phường Vĩnh Yên, not Tích Sơn
    entry = audit("plan.create")[0]
    assert entry.via == Via.API and entry.changes["start"] == [None, "2026-01-01"]
    assert entry.changes["org_unit"] == [None, "08707"]


def test_a_bad_plan_names_every_bad_field(world: PlanWorld) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.do_create_plan(world.manager, code="CDS", name_vi="", org_unit="99999",
                                start=dt.date(2030, 1, 1), end=dt.date(2021, 1, 1))  # fmt: skip
    assert fields_of(caught) == {"code", "name_vi", "org_unit", "end"}
    assert Plan.objects.count() == 1


def test_a_plan_update_records_only_what_changed(world: PlanWorld) -> None:
    services.do_update_plan(world.manager, world.plan, name_en="New name", is_active=True)
    assert audit("plan.update")[0].changes == {"name_en": [world.plan.name_en, "New name"]}
    services.do_update_plan(world.manager, world.plan, name_en="New name")
    assert len(audit("plan.update")) == 1
    with pytest.raises(InvalidInput, match="Unknown fields: colour"):
        services.do_update_plan(world.manager, world.plan, colour="red")


def test_pillars_are_unique_per_plan_and_deleting_one_keeps_its_tasks(world: PlanWorld) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.do_create_pillar(world.manager, world.plan, code="HT", name_vi="Trùng")
    assert fields_of(caught) == {"code"}
    services.do_update_pillar(world.manager, world.ht, sort_order=5)
    assert Pillar.objects.get(pk=world.ht.pk).sort_order == 5
    services.do_delete_pillar(world.manager, world.ht)
    assert Task.objects.get(pk=world.t1.pk).pillar is None
    assert Target.objects.get(pk=world.ct1.pk).pillar is None
    assert audit("pillar.delete")[0].changes["tasks"] == [1, 0]


# --- tasks ----------------------------------------------------------------------------------------------


def test_a_task_with_its_cooperating_agencies(world: PlanWorld) -> None:
    task = services.do_create_task(
        world.manager, world.plan, code="NV04", title_vi="Xây dựng trung tâm dữ liệu", due=dt.date(2027, 6, 30),
        lead_agency="STTTT", pillar="HT", cooperating_agencies=["SYT", world.sgddt, "SYT"],
    )  # fmt: skip
    assert sorted(a.code for a in task.cooperating_agencies.all()) == ["SGDDT", "SYT"]
    assert audit("task.create")[0].changes["cooperating_agencies"] == [None, ["SGDDT", "SYT"]]
    services.do_update_task(world.manager, task, cooperating_agencies=["SYT"])
    assert audit("task.update")[0].changes == {"cooperating_agencies": [["SGDDT", "SYT"], ["SYT"]]}


def test_a_bad_task_names_every_bad_field(world: PlanWorld) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.do_create_task(world.manager, world.plan, code="NV01", title_vi="X", due=dt.date(2025, 1, 1),
                                start=dt.date(2026, 1, 1), lead_agency="NOPE", pillar="NOPE", progress=120,
                                cooperating_agencies=["NADA"])  # fmt: skip
    assert fields_of(caught) == {"code", "due", "lead_agency", "pillar", "progress", "cooperating_agencies"}


def test_done_completes_a_task_and_reopening_it_does_not(world: PlanWorld) -> None:
    task = services.do_update_task(world.officer, world.t2, status=TaskStatus.DONE)
    assert (task.progress, task.completed) is not None
    assert task.progress == 100 and task.completed is not None and task.last_reported is not None
    task = services.do_update_task(world.officer, world.t2, status=TaskStatus.IN_PROGRESS, progress=90)
    assert (task.progress, task.completed) == (90, None)
    with pytest.raises(InvalidInput) as caught:
        services.do_update_task(world.officer, world.t2, completed=dt.date(2099, 1, 1))
    assert fields_of(caught) == {"completed"}


def test_a_progress_report_with_evidence(world: PlanWorld) -> None:
    before = world.t2.last_reported
    update = services.do_add_task_update(
        world.officer, world.t2, text="Đã cấp 120.000 hồ sơ", link="https://syt.vinhphuc.gov.vn/bao-cao",
        attachment=SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4 ..."), progress=70, status=TaskStatus.IN_PROGRESS,
    )  # fmt: skip
    task = Task.objects.get(pk=world.t2.pk)
    assert task.progress == 70 and task.last_reported is not None and task.last_reported > before  # type: ignore[operator]
    assert update.by == world.officer and update.attachment.name.startswith("tasks/")
    assert Path(update.attachment.path).read_bytes() == b"%PDF-1.4 ..."
    entry = audit("task.report")[0]
    assert entry.changes["progress"] == [40, 70] and entry.changes["text"] == "Đã cấp 120.000 hồ sơ"
    assert entry.object_id == str(world.t2.pk)


def test_a_bad_progress_report_is_refused_whole(world: PlanWorld) -> None:
    big = SimpleUploadedFile("video.mp4", b"0")
    big.size = 11 * 1024 * 1024
    with pytest.raises(InvalidInput) as caught:
        services.do_add_task_update(world.officer, world.t2, text=" ", link="not a link", attachment=big,
                                    progress=101, status="finished")  # fmt: skip
    assert fields_of(caught) == {"text", "link", "attachment", "progress", "status"}
    assert not world.t2.updates.exists()


def test_deleting_a_task_keeps_its_targets_and_removes_its_evidence(
    world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    update = services.do_add_task_update(world.manager, world.t1, text="Ảnh",
                                         attachment=SimpleUploadedFile("anh.jpg", b"jpeg"))  # fmt: skip
    path = Path(update.attachment.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_delete_task(world.manager, world.t1)
    assert not path.exists()
    assert Target.objects.get(pk=world.ct1.pk).task is None
    assert audit("task.delete")[0].changes["updates"] == [1, 0]


# --- targets --------------------------------------------------------------------------------------------


def test_a_live_target_with_milestones_gets_its_verdict_after_the_commit(
    world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        target = services.do_create_target(
            world.manager, world.plan, **live_target(world),
            milestones=[(dt.date(2025, 12, 31), 50, "Mốc 2025"), {"date": "2030-12-31", "value": 95}],
        )  # fmt: skip
        assert not TargetForecast.objects.exists()
    assert TargetForecast.objects.get(target=target).status == "insufficient_data"  # no values yet
    assert [(m.date.year, m.value, m.note) for m in target.milestones.all()] == [(2025, 50, "Mốc 2025"), (2030, 95, "")]
    changes = audit("target.create")[0].changes
    assert changes["dx"] == [None, "FIBRE_HH"] and changes["pillar"] == [None, "CQS"]
    assert changes["milestones"] == [None, [["2025-12-31", 50.0, "Mốc 2025"], ["2030-12-31", 95.0, ""]]]


def test_a_live_targets_item_must_be_a_numeric_analytics_item(world: PlanWorld) -> None:
    DataElement.objects.create(code="NOTE", name_vi="Ghi chú", value_type="TEXT", category_combo=world.coc.combo)
    for dx, words in [("NOPE", "NOPE"), ("NOTE", "text"), ("", "needs an indicator")]:
        with pytest.raises(InvalidInput) as caught:
            services.do_create_target(world.manager, world.plan, **live_target(world, dx=dx))
        assert fields_of(caught) == {"dx"} and words in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        services.do_create_target(world.manager, world.plan, **live_target(world, source=Source.MANUAL))
    assert fields_of(caught) == {"dx"}


def test_a_target_must_be_consistent(world: PlanWorld) -> None:
    cases: list[tuple[dict[str, Any], set[str | None]]] = [
        ({"target_value": 120}, {"target_value"}),
        ({"baseline_value": -5}, {"baseline_value"}),
        ({"lower_bound": 100, "upper_bound": 0}, {"upper_bound"}),
        ({"baseline_date": dt.date(2028, 1, 1)}, {"baseline_date"}),
        ({"baseline_date": None}, {"baseline_date"}),
        ({"baseline_value": None}, {"baseline_value"}),
        ({"code": "CT01", "responsible_agency": "NOPE", "pillar": "NOPE", "task": "NOPE", "org_unit": "NOPE"},
         {"code", "responsible_agency", "pillar", "task", "org_unit"}),
        ({"milestones": [(dt.date(2025, 1, 1), 50), ("2025-01-01", 60), ("soon", 1), (dt.date(2026, 1, 1), "x"),
                         (dt.date(2027, 1, 1), 101)]}, {"milestones"}),
        ({"direction": "sideways", "series_period": "Daily"}, {"direction", "series_period"}),
    ]  # fmt: skip
    for extra, expected in cases:
        with pytest.raises(InvalidInput) as caught:
            services.do_create_target(world.manager, world.plan, **live_target(world, **extra))
        assert fields_of(caught) == expected, extra
    with pytest.raises(InvalidInput) as caught:
        services.do_create_target(world.manager, world.plan, **live_target(world, milestones=[
            (dt.date(2025, 1, 1), 50), ("2025-01-01", 60), ("soon", 1), (dt.date(2027, 1, 1), 101)]))  # fmt: skip
    assert len(caught.value.errors) == 3  # the repeated date, the bad date, the impossible value
    assert not Target.objects.filter(code="CT10").exists()


def test_updating_a_target_and_its_milestones(world: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.do_update_target(world.manager, world.ct2, target_value=95, deadline=dt.date(2027, 12, 31),
                                  pillar="HT", task=None)  # fmt: skip
    target = Target.objects.get(pk=world.ct2.pk)
    assert (target.target_value, target.pillar, target.task) == (95, world.ht, None)
    changes = audit("target.update")[0].changes
    assert changes["deadline"] == ["2026-12-31", "2027-12-31"] and changes["task"] == ["NV02", None]
    assert TargetForecast.objects.filter(target=target).exists()
    rows = services.do_set_milestones(world.manager, target, [(dt.date(2026, 12, 31), 80, "")])
    assert [(m.date, m.value) for m in rows] == [(dt.date(2026, 12, 31), 80)]
    assert audit("target.update")[1].changes == {"milestones": [[], [["2026-12-31", 80.0, ""]]]}
    services.do_set_milestones(world.manager, target, [(dt.date(2026, 12, 31), 80, "")])  # no change: no record
    assert len(audit("target.update")) == 2
    with pytest.raises(InvalidInput) as caught:
        services.do_update_target(world.manager, target, upper_bound=50)
    assert fields_of(caught) == {"target_value"}
    with pytest.raises(InvalidInput, match="Unknown fields: plan"):
        services.do_update_target(world.manager, target, plan=world.plan)


def test_a_reported_value_replaces_the_one_of_its_date(
    world: PlanWorld, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.do_report_target_value(world.officer, world.ct2, date=dt.date(2025, 6, 30), value=66,
                                        note="Số liệu chính thức", link="https://syt.vinhphuc.gov.vn/so-lieu")  # fmt: skip
    assert TargetReport.objects.get(target=world.ct2, date=dt.date(2025, 6, 30)).value == 66
    assert TargetReport.objects.filter(target=world.ct2).count() == 3
    entry = audit("target.report")[0]
    assert entry.changes["value"] == [65.0, 66.0] and entry.changes["date"] == "2025-06-30"
    assert entry.object_id == str(world.ct2.pk) and entry.user == world.officer
    assert TargetForecast.objects.get(target=world.ct2).current_value == 66


def test_a_bad_value_is_refused(world: PlanWorld) -> None:
    big = SimpleUploadedFile("scan.pdf", b"0")
    big.size = 10 * 1024 * 1024 + 1
    with pytest.raises(InvalidInput) as caught:
        services.do_report_target_value(world.officer, world.ct2, date=dt.date(2099, 1, 1), value=120,
                                        link="nope", attachment=big)  # fmt: skip
    assert fields_of(caught) == {"date", "value", "link", "attachment"}
    with pytest.raises(InvalidInput) as caught:
        services.do_report_target_value(world.officer, world.ct2, date=dt.date(2026, 1, 1), value="nhiều")  # type: ignore[arg-type]
    assert fields_of(caught) == {"value"}
    with pytest.raises(InvalidInput) as caught:
        services.do_report_target_value(world.officer, world.ct2, date="2026-01-01", value=70)  # type: ignore[arg-type]
    assert fields_of(caught) == {"date"}


def test_a_new_attachment_replaces_the_old_file(world: PlanWorld, django_capture_on_commit_callbacks: Any) -> None:
    day = dt.date(2026, 1, 31)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.do_report_target_value(world.officer, world.ct2, date=day, value=70,
                                                attachment=SimpleUploadedFile("a.pdf", b"A"))  # fmt: skip
    old = Path(first.attachment.path)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.do_report_target_value(world.officer, world.ct2, date=day, value=71,
                                                 attachment=SimpleUploadedFile("b.pdf", b"B"))  # fmt: skip
    assert not old.exists() and Path(second.attachment.path).read_bytes() == b"B"
    with django_capture_on_commit_callbacks(execute=True):
        services.do_delete_target(world.manager, world.ct2)
    assert not Path(second.attachment.path).exists()
    assert audit("target.delete")[0].changes["reports"] == [4, 0]
    assert not Milestone.objects.filter(target_id=world.ct2.pk).exists()


def test_the_system_may_write_without_a_user(world: PlanWorld) -> None:
    target = services.do_create_target(None, world.plan, code="CT20", name_vi="Hệ thống", target_value=1,
                                       deadline=dt.date(2027, 1, 1), responsible_agency=world.syt)  # fmt: skip
    services.do_report_target_value(None, target, date=dt.date(2026, 1, 1), value=0.5)
    assert audit("target.create")[0].user is None


# --- the Django admin: plans and pillars through these services, the rest shown only -------------------


def test_the_admin_saves_through_the_services_and_shows_the_rest(
    world: PlanWorld, client: Any, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("su", "su@example.vn", "x"))
    for path in ("plan/", f"plan/{world.plan.pk}/change/", "task/", f"task/{world.t1.pk}/change/", "target/",
                 f"target/{world.ct1.pk}/change/", "targetforecast/", "pillar/add/"):  # fmt: skip
        assert client.get(f"/admin/plans/{path}").status_code == 200, path
    assert client.get("/admin/plans/task/add/").status_code == 403
    response = client.post("/admin/plans/pillar/add/", {"plan": world.plan.pk, "code": "KTS", "name_vi": "Kinh tế số",
                                                        "name_en": "", "sort_order": 3})  # fmt: skip
    assert response.status_code == 302
    assert audit("pillar.create")[0].via == Via.ADMIN
    response = client.post("/admin/plans/target/", {"action": "recompute", "_selected_action": [world.ct2.pk]})
    assert response.status_code == 302
    assert list(TargetForecast.objects.values_list("target__code", flat=True)) == ["CT02"]

"""Who sees and who may change what (the contract's "Who sees what"), tried from the wrong user's side."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from ioc.accounts.testing import make_user
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.orgunits.models import Succession
from ioc.plans import selectors, services
from ioc.plans.models import TargetReport, Task, TaskStatus
from ioc.plans.testing import PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def codes(rows: Any) -> list[str]:
    return sorted(r.code for r in rows)


# --- reading --------------------------------------------------------------------------------------------


def test_the_plan_is_seen_fully_through_the_scope_and_in_part_through_the_agency(world: PlanWorld) -> None:
    for user in (world.manager, world.leader, world.admin):
        assert list(selectors.visible_plans(user)) == [world.plan]
        assert selectors.full_view(user, world.plan)
    for user in (world.officer, world.other):
        assert list(selectors.visible_plans(user)) == [world.plan]
        assert not selectors.full_view(user, world.plan)
    for reader in (world.nobody, AnonymousUser()):
        assert list(selectors.visible_plans(reader)) == []
        with pytest.raises(NotFound):
            selectors.get_plan(reader)


def test_a_leader_of_the_new_province_sees_the_old_provinces_plan_only_through_the_succession(
    world: PlanWorld,
) -> None:
    assert selectors.full_view(world.leader, world.plan)
    Succession.objects.filter(predecessor=world.units["p"]).delete()
    leader = type(world.leader).objects.get(pk=world.leader.pk)  # a new request: no cached answers
    assert not selectors.full_view(leader, world.plan)
    assert list(selectors.visible_plans(leader)) == []  # no agency either


def test_a_view_scope_inside_the_plans_unit_is_not_a_full_view(world: PlanWorld) -> None:
    district_viewer = make_user("huyen", ["leader"], view=[world.units["d1"]])
    assert list(selectors.visible_plans(district_viewer)) == []
    assert list(selectors.tasks_for(district_viewer, world.plan)) == []


def test_an_inactive_user_sees_nothing(world: PlanWorld) -> None:
    world.manager.is_active = False
    world.manager.save()
    assert list(selectors.visible_plans(world.manager)) == []


def test_an_agency_sees_the_tasks_it_leads_or_cooperates_on_and_the_targets_it_answers_for(world: PlanWorld) -> None:
    assert codes(selectors.tasks_for(world.manager, world.plan)) == ["NV01", "NV02", "NV03"]
    assert codes(selectors.tasks_for(world.officer, world.plan)) == ["NV01", "NV02"]  # cooperates on NV01
    assert codes(selectors.tasks_for(world.other, world.plan)) == ["NV02", "NV03"]
    assert codes(selectors.targets_for(world.manager, world.plan)) == ["CT01", "CT02", "CT03"]
    assert codes(selectors.targets_for(world.officer, world.plan)) == ["CT02"]
    assert codes(selectors.targets_for(world.other, world.plan)) == ["CT03"]
    assert codes(selectors.targets_for(world.nobody, world.plan)) == []


def test_a_target_or_task_outside_the_scope_is_not_found(world: PlanWorld) -> None:
    with pytest.raises(NotFound):
        selectors.get_target(world.officer, world.plan, "CT01")
    with pytest.raises(NotFound):
        selectors.get_target(world.other, world.plan, "CT02")
    with pytest.raises(NotFound):
        selectors.get_task(world.officer, world.plan, "NV03")
    with pytest.raises(NotFound):
        selectors.get_target(world.leader, world.plan, "NOPE")
    assert selectors.get_target(world.officer, world.plan, "CT02") == world.ct2
    assert selectors.get_target(world.leader, world.plan, "CT01") == world.ct1


# --- tasks ----------------------------------------------------------------------------------------------


def test_an_agency_cannot_update_another_agencys_task(world: PlanWorld) -> None:
    with pytest.raises(NotAllowed):
        services.do_update_task(world.officer, world.t3, status=TaskStatus.DONE)
    with pytest.raises(NotAllowed):  # cooperating is not leading
        services.do_update_task(world.officer, world.t1, progress=70)
    with pytest.raises(NotAllowed):
        services.do_add_task_update(world.officer, world.t1, text="Đã xong")
    world.t3.refresh_from_db()
    world.t1.refresh_from_db()
    assert (world.t1.progress, world.t3.status) == (60, TaskStatus.DONE)
    assert not world.t1.updates.exists()


def test_the_lead_agency_updates_progress_but_not_the_plan_of_its_task(world: PlanWorld) -> None:
    services.do_update_task(world.officer, world.t2, progress=55, status=TaskStatus.IN_PROGRESS)
    services.do_add_task_update(world.officer, world.t2, text="Đã triển khai ở 5 bệnh viện", progress=60)
    world.t2.refresh_from_db()
    assert world.t2.progress == 60
    with pytest.raises(NotAllowed) as caught:
        services.do_update_task(world.officer, world.t2, due=dt.date(2030, 1, 1))
    assert "due" in caught.value.message
    with pytest.raises(NotAllowed):
        services.do_create_task(world.officer, world.plan, code="NV09", title_vi="Mới", due=dt.date(2027, 1, 1),
                                lead_agency=world.syt)  # fmt: skip
    with pytest.raises(NotAllowed):
        services.do_delete_task(world.officer, world.t2)
    assert Task.objects.filter(pk=world.t2.pk, due=dt.date(2026, 7, 1)).exists()


def test_a_leader_reads_but_cannot_edit(world: PlanWorld) -> None:
    assert not selectors.can_edit_plan(world.leader)
    assert not selectors.can_report_task(world.leader, world.t2)
    assert not selectors.can_report_target(world.leader, world.ct2)
    with pytest.raises(NotAllowed):
        services.do_update_task(world.leader, world.t2, progress=90)
    with pytest.raises(NotAllowed):
        services.do_add_task_update(world.leader, world.t2, text="…")
    with pytest.raises(NotAllowed):
        services.do_report_target_value(world.leader, world.ct2, date=dt.date(2026, 1, 1), value=70)
    with pytest.raises(NotAllowed):
        services.do_update_plan(world.leader, world.plan, name_vi="Đổi tên")
    with pytest.raises(NotAllowed):
        services.do_create_pillar(world.leader, world.plan, code="KTS", name_vi="Kinh tế số")


def test_a_plan_manager_may_do_everything(world: PlanWorld) -> None:
    assert selectors.can_edit_plan(world.manager)
    assert all(selectors.can_report_task(world.manager, t) for t in world.tasks)
    services.do_update_task(world.manager, world.t3, due=dt.date(2025, 7, 31))
    services.do_add_task_update(world.manager, world.t2, text="Kiểm tra của Sở TT&TT")
    services.do_report_target_value(world.manager, world.ct3, date=dt.date(2025, 6, 30), value=9)
    services.do_create_pillar(world.manager, world.plan, code="KTS", name_vi="Kinh tế số")
    assert TargetReport.objects.filter(target=world.ct3).count() == 1


# --- targets --------------------------------------------------------------------------------------------


def test_an_agency_cannot_report_a_value_on_another_agencys_target(world: PlanWorld) -> None:
    assert not selectors.can_report_target(world.officer, world.ct3)
    with pytest.raises(NotAllowed):
        services.do_report_target_value(world.officer, world.ct3, date=dt.date(2026, 1, 1), value=8)
    with pytest.raises(NotAllowed):
        services.do_report_target_value(world.other, world.ct2, date=dt.date(2026, 1, 1), value=80)
    assert not TargetReport.objects.filter(target=world.ct3).exists()
    assert TargetReport.objects.filter(target=world.ct2).count() == 3
    report = services.do_report_target_value(world.officer, world.ct2, date=dt.date(2026, 1, 1), value=72)
    assert report.by == world.officer


def test_nobody_reports_the_values_of_a_live_target(world: PlanWorld) -> None:
    assert not selectors.can_report_target(world.manager, world.ct1)
    with pytest.raises(InvalidInput) as caught:
        services.do_report_target_value(world.manager, world.ct1, date=dt.date(2026, 1, 1), value=90)
    assert "FIBRE_HH" in caught.value.message


def test_an_agency_cannot_create_or_change_targets(world: PlanWorld) -> None:
    with pytest.raises(NotAllowed):
        services.do_update_target(world.officer, world.ct2, target_value=50)
    with pytest.raises(NotAllowed):
        services.do_set_milestones(world.officer, world.ct2, [(dt.date(2025, 12, 31), 70)])
    with pytest.raises(NotAllowed):
        services.do_delete_target(world.other, world.ct3)
    world.ct2.refresh_from_db()
    assert world.ct2.target_value == 90

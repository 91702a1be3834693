"""The demo plan (ioc/plans/demo.py, ioc/plans/data/vinhphuc_plan.yaml) on the real units and agencies of the
demo: four pillars, the 19 key tasks led by agencies that exist, targets whose sources resolve, a board with
tasks done, on time, overdue and stalled whenever it is installed, installed once, and verdicts for every
target after `ioc demo setup`."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from ioc.accounts.models import Agency, User
from ioc.audit.models import AuditEntry
from ioc.core.errors import NotAllowed
from ioc.demo.agencies import do_create_demo_agencies, do_create_demo_users
from ioc.demo.metadata import do_load_demo_metadata
from ioc.orgunits.services import do_load_vn
from ioc.plans import services
from ioc.plans.demo import install_demo_plan, load, plan_code, when
from ioc.plans.models import Pillar, Plan, Source, Status, Target, TargetReport, Task, TaskStatus, TaskUpdate
from ioc.plans.selectors import can_report_target, can_report_task, task_flags
from ioc.plans.services_targets import check_dx

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db: None) -> None:
    """Vĩnh Phúc's units, the demo's agencies, metadata and users (no values)."""
    do_load_vn(None, "26")
    do_create_demo_agencies(None)
    do_load_demo_metadata(None)
    do_create_demo_users(None)


def counts() -> tuple[int, ...]:
    return (
        Plan.objects.count(),
        Pillar.objects.count(),
        Task.objects.count(),
        Target.objects.count(),
        TaskUpdate.objects.count(),
        TargetReport.objects.count(),
        AuditEntry.objects.filter(action__startswith="task.").count(),
    )


def test_relative_dates() -> None:
    today = dt.date(2026, 11, 25)
    assert when("2025-06-30", today) == dt.date(2025, 6, 30)
    assert when(dt.date(2024, 1, 2), today) == dt.date(2024, 1, 2)
    assert when("today-120d", today) == dt.date(2026, 7, 28)
    assert when("today+20d", today) == dt.date(2026, 12, 15)
    assert when("quarter+0", today) == dt.date(2026, 12, 31)
    assert when("quarter+1", today) == dt.date(2027, 3, 31)
    assert when("quarter+3", dt.date(2026, 2, 1)) == dt.date(2026, 12, 31)
    assert when("quarter-1", dt.date(2026, 2, 1)) == dt.date(2025, 12, 31)
    assert when("year+0", today) == dt.date(2026, 12, 31)
    assert when("year+1", today) == dt.date(2027, 12, 31)
    for bad in ("today+20", "next week", "2026-13-01"):
        with pytest.raises(ValueError):
            when(bad, today)


def test_the_plan_its_pillars_and_its_19_tasks(world: None) -> None:
    assert install_demo_plan(None) == 19 + Target.objects.count()
    plan = Plan.objects.get(code=plan_code())
    assert plan.name_vi.startswith("Kế hoạch chuyển đổi số, phát triển chính quyền số, kinh tế số, xã hội số tỉnh")
    assert plan.org_unit.code == "26" and plan.start == dt.date(2022, 1, 1) and plan.end == dt.date(2030, 12, 31)
    assert "minh họa" in plan.decision and "/" not in plan.decision  # no invented document number
    pillars = list(plan.pillars.values_list("code", "name_vi", "name_en"))
    assert pillars == [
        ("HT", "Hạ tầng số", "Digital infrastructure"),
        ("CQS", "Chính quyền số", "Digital government"),
        ("KTS", "Kinh tế số", "Digital economy"),
        ("XHS", "Xã hội số", "Digital society"),
    ]
    tasks = list(plan.tasks.select_related("lead_agency", "pillar").prefetch_related("cooperating_agencies"))
    assert len(tasks) == 19 and len({t.code for t in tasks}) == 19
    assert all(t.pillar is not None and t.title_vi and t.title_en for t in tasks)
    assert {t.pillar.code for t in tasks if t.pillar} == {"HT", "CQS", "KTS", "XHS"}
    leads = {t.lead_agency.code for t in tasks}
    # real departments, a district People's Committee and the new departments the plan needs
    assert {"STTTT", "SYT", "SGDDT", "SGTVT", "SVHTTDL", "SKHDT", "SNV", "VPUBND", "TTPVHCC", "CAT"} <= leads
    assert "UBND_243" in leads and {"STC", "SCT", "SLDTBXH"} <= leads
    assert sum(1 for t in tasks if t.cooperating_agencies.exists()) == 19
    assert all(t.start is None or t.start <= t.due for t in tasks)
    assert all((t.status == TaskStatus.DONE) == (t.completed is not None) for t in tasks)
    # every task's creation is in its history
    assert AuditEntry.objects.filter(action="task.create").count() == 19


def test_installed_once(world: None) -> None:
    assert install_demo_plan(None) > 0
    before = counts()
    assert install_demo_plan(None) == 0
    assert counts() == before
    # an operator's deletion is respected: the plan is not filled in again
    task = Task.objects.get(code="NV19")
    services.do_delete_task(None, task)
    assert install_demo_plan(None) == 0
    assert not Task.objects.filter(code="NV19").exists()


def test_targets_and_their_sources(world: None) -> None:
    install_demo_plan(None)
    targets = list(Target.objects.select_related("responsible_agency", "pillar", "task").prefetch_related("milestones"))
    assert 18 <= len(targets) <= 24
    assert {t.pillar.code for t in targets if t.pillar} == {"HT", "CQS", "KTS", "XHS"}
    live = [t for t in targets if t.source == Source.ANALYTICS]
    manual = [t for t in targets if t.source == Source.MANUAL]
    assert len(live) >= 10 and len(manual) >= 6
    for t in live:
        assert check_dx(t.dx) is None, t.code
        assert t.series_period in ("Quarterly", "Yearly") and not t.reports.exists()
    for t in manual:
        reports = list(t.reports.all())
        assert len(reports) >= 4 and min(r.date.year for r in reports) <= 2022, t.code
        assert all("mô phỏng" in r.note and "synthetic" in r.note for r in reports), t.code
    expected = {
        "IND_APPS_ONLINE_FULL_RATE": 80,
        "IND_FIBRE_HOUSEHOLD_RATE": 80,
        "IND_DIGITAL_ECONOMY_SHARE": 20,
    }
    by_dx = {t.dx: t for t in live}
    for dx, value in expected.items():  # Decision 749/QĐ-TTg's figures for 2025
        assert by_dx[dx].target_value == value and by_dx[dx].deadline == dt.date(2025, 12, 31)
    assert [(m.date.year, m.value) for m in by_dx["IND_DIGITAL_ECONOMY_SHARE"].milestones.all()] == [
        (2025, 20),
        (2030, 30),
    ]
    work_files = sorted(t.target_value for t in manual if "hồ sơ công việc" in t.name_vi)
    assert work_files == [60, 80, 90]
    for t in targets:
        if t.unit == "%":
            assert (t.lower_bound, t.upper_bound) == (0, 100), t.code
        assert t.name_en and t.responsible_agency_id
        assert all(t.lower_bound is None or m.value >= t.lower_bound for m in t.milestones.all())
    assert {True, False} == {t.mandatory for t in targets}
    assert Target.objects.filter(baseline_value__isnull=False).exists()  # the manual ones' baselines
    # without values the live targets' baselines stay empty rather than invented
    assert all(t.baseline_value is None for t in live)


@pytest.mark.parametrize("today", [None, dt.date(2028, 3, 15)])
def test_the_board_means_something_whenever_it_is_installed(world: None, today: dt.date | None) -> None:
    day = today or timezone.localdate()
    install_demo_plan(None, today=today)
    flags = {t.code: task_flags(t, day) for t in Task.objects.all()}
    done = [c for c, f in flags.items() if not f.is_open]
    overdue = [c for c, f in flags.items() if f.overdue]
    stalled = [c for c, f in flags.items() if f.stalled]
    on_time = [c for c, f in flags.items() if f.is_open and f.on_time]
    assert len(done) >= 4 and len(overdue) >= 3 and len(stalled) >= 3 and len(on_time) >= 4
    assert any(f.due_soon for f in flags.values())
    assert set(stalled) - set(overdue)  # stalled while still on time too
    updates = TaskUpdate.objects.filter(task__code="NV01").order_by("at")
    assert [u.progress for u in updates] == [85, 92]
    assert timezone.localdate(updates.last().at) == day - dt.timedelta(days=18)  # type: ignore[union-attr]
    assert all("[Dữ liệu mô phỏng]" in u.text for u in TaskUpdate.objects.all())


def test_the_health_department_reports_on_its_own_task_only(world: None) -> None:
    install_demo_plan(None)
    soyte = User.objects.get(username="soyte")
    assert soyte.agency == Agency.objects.get(code="SYT")
    health = Task.objects.get(code="NV16")
    latest = health.updates.order_by("-at").first()
    assert latest is not None and latest.by == soyte and health.progress == 65
    assert TargetReport.objects.get(target__code="CT20", date=dt.date(2025, 12, 31)).by == soyte
    assert can_report_task(soyte, health) and can_report_target(soyte, Target.objects.get(task=health))
    fibre = Task.objects.get(code="NV01")
    assert not can_report_task(soyte, fibre)
    with pytest.raises(NotAllowed):
        services.do_add_task_update(soyte, fibre, text="Không phải nhiệm vụ của Sở Y tế", progress=100)
    assert Task.objects.get(code="NV01").progress == 92


def test_the_yaml_says_where_every_agency_and_task_is(world: None) -> None:
    spec = load()
    agencies = set(Agency.objects.values_list("code", flat=True))
    tasks = {t["code"] for t in spec["tasks"]}
    for t in spec["tasks"]:
        assert t["lead"] in agencies and set(t.get("cooperating", ())) <= agencies, t["code"]
    for t in spec["targets"]:
        assert t["responsible"] in agencies and t.get("task") in tasks | {None}, t["code"]
        assert "status" not in t and "probability" not in t  # verdicts come from the data, never from here


def test_setup_installs_the_plan_and_its_verdicts_once(db: None) -> None:
    from ioc.demo.services import do_setup, status

    steps = {s.name: s for s in do_setup(None, start="2025-05", end="2025-08", districts=["243"])}
    assert steps["plan"].done and steps["forecasts"].done
    assert status().complete
    targets = Target.objects.select_related("forecast")
    assert targets.count() >= 18
    verdicts = Counter(t.forecast.status for t in targets)
    assert set(verdicts) <= set(Status.values)
    before = counts()
    again = {s.name: s for s in do_setup(None, start="2025-05", end="2025-08", districts=["243"])}
    assert not again["plan"].done and not again["forecasts"].done
    assert counts() == before
    out = io.StringIO()
    call_command("demo", "users", stdout=out)
    assert "soyte" in out.getvalue() and "/plans/" in out.getvalue()

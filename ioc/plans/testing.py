"""A small, known plan for the tests of every plan app (core, pages, editing, API, briefings, demo).

Built with the ORM (fixtures, not the services under test). What it holds:

Units (ioc.orgunits.testing.small_tree, with the 2025 reorganisation's successions added):
    p 26 Tỉnh Vĩnh Phúc (closed 2025-06-30) ──merged into──▶ new_p 25 Tỉnh Phú Thọ (opened 2025-07-01)
    ├─ d1 243 Thành phố Vĩnh Yên ── c1 08707 Phường Tích Sơn ──▶ new_c 08707 Phường Vĩnh Yên (under new_p)
    │                                c2 08710 Phường Liên Bảo
    └─ d2 244 Thành phố Phúc Yên ── c3 08773 Phường Trưng Trắc, c4 08776 Phường Hùng Vương

Agencies (seat p): stttt "Sở Thông tin và Truyền thông", syt "Sở Y tế", sgddt "Sở Giáo dục và Đào tạo".

Users (password ioc.accounts.testing.PASSWORD):
    manager  "quanly"   plan_manager, agency stttt, view p          → sees and edits the whole plan
    officer  "syt_cb"   data_officer, agency syt, entry c1          → partial view: syt's tasks and targets;
                                                                      reports on NV02 and CT02 only
    other    "gd_cb"    data_officer, agency sgddt, entry c3        → partial view: NV02 (cooperates), NV03, CT03
    leader   "lanhdao"  leader, no agency, view new_p               → sees the whole plan through the succession
                                                                      p → new_p; read only
    nobody   "khach"    leader, no agency, no units                 → sees nothing
    admin    "quantri"  admin role                                  → everything

Plan `plan` CDS (org unit p, 2021-01-01 … 2030-12-31), pillars ht "Hạ tầng số" (HT, order 1) and
cqs "Chính quyền số" (CQS, order 2).

Tasks (dates fixed; use TODAY = 2026-06-15 as `today` in tests):
    t1 NV01  HT   lead stttt, cooperating syt    2021-03-01 → 2025-12-31  in_progress 60 %, last reported
                                                 2026-01-10  (at TODAY: overdue 166 days and stalled)
    t2 NV02  CQS  lead syt, cooperating sgddt    2024-01-01 → 2026-07-01  in_progress 40 %, last reported
                                                 2026-06-01  (at TODAY: due soon, not stalled)
    t3 NV03  —    lead sgddt                     2022-01-01 → 2025-06-30  done 100 %, completed 2025-06-20

Targets:
    live    CT01  HT   stttt  dx FIBRE_HH (element `fibre`, %, AVERAGE, yearly data set `ds_cds`), unit p,
                              baseline 45 % (2021-12-31), target 80 % by 2025-12-31, bounds 0–100, increase,
                              task NV01, milestones 2023-12-31: 60, 2030-12-31: 95. No values: write them
                              with put_yearly() (before the test's first analytics query) or ioc.datavalues.
    manual  CT02  CQS  syt    baseline 10 % (2022-01-01), target 90 % by 2026-12-31, reports 2023-06-30: 30,
                              2024-06-30: 50, 2025-06-30: 65 (by officer)
    manual  CT03  —    sgddt  decrease: average days to process a file, baseline 12 (2022-06-30), target 5 by
                              2026-12-31, not mandatory, no reports

Data sets (for report timeliness): `ds_cds` CDS_YEARLY (Yearly, reporting agency stttt, units p and new_p),
`ds_health` BC_YTE (Monthly, reporting agency syt, unit new_c). No submissions.

No TargetForecast rows: run ioc.plans.refresh.refresh_all(today=TODAY), or store_forecast() for a verdict
without the forecast module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from ioc.accounts.models import Agency, Role, User
from ioc.accounts.testing import make_user
from ioc.datavalues.models import DataValue
from ioc.metadata.models import (
    CategoryCombo,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    PeriodType,
)
from ioc.orgunits.models import OrgUnit, Succession
from ioc.orgunits.testing import small_tree
from ioc.plans.models import (
    Milestone,
    Pillar,
    Plan,
    Source,
    Target,
    TargetForecast,
    TargetReport,
    Task,
    TaskStatus,
)

TODAY = dt.date(2026, 6, 15)


@dataclass
class PlanWorld:
    units: dict[str, OrgUnit]
    stttt: Agency
    syt: Agency
    sgddt: Agency
    manager: User
    officer: User
    other: User
    leader: User
    nobody: User
    admin: User
    plan: Plan
    ht: Pillar
    cqs: Pillar
    t1: Task
    t2: Task
    t3: Task
    ct1: Target
    ct2: Target
    ct3: Target
    fibre: DataElement
    coc: CategoryOptionCombo
    ds_cds: DataSet
    ds_health: DataSet

    @property
    def tasks(self) -> list[Task]:
        return [self.t1, self.t2, self.t3]

    @property
    def targets(self) -> list[Target]:
        return [self.ct1, self.ct2, self.ct3]


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=timezone.get_current_timezone())


def _default_coc() -> CategoryOptionCombo:
    combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    coc, _ = CategoryOptionCombo.objects.get_or_create(
        code="default", defaults={"combo": combo, "name_vi": "default", "name_en": "default"}
    )
    return coc


def build_plan_world() -> PlanWorld:
    """The world of the module's docstring."""
    units = small_tree()
    reorganised = dt.date(2025, 7, 1)
    Succession.objects.create(
        predecessor=units["p"], successor=units["new_p"], kind=Succession.Kind.MERGE, date=reorganised
    )
    Succession.objects.create(
        predecessor=units["c1"], successor=units["new_c"], kind=Succession.Kind.MERGE, date=reorganised
    )
    p = units["p"]
    stttt = Agency.objects.create(
        code="STTTT", name_vi="Sở Thông tin và Truyền thông", name_en="Department of Information and Communications",
        org_unit=p,
    )  # fmt: skip
    syt = Agency.objects.create(code="SYT", name_vi="Sở Y tế", name_en="Department of Health", org_unit=p)
    sgddt = Agency.objects.create(
        code="SGDDT", name_vi="Sở Giáo dục và Đào tạo", name_en="Department of Education and Training", org_unit=p
    )
    manager = make_user("quanly", [Role.PLAN_MANAGER], view=[p], agency=stttt, first_name="Trần Văn Quản")
    officer = make_user("syt_cb", [Role.DATA_OFFICER], entry=[units["c1"]], agency=syt, first_name="Lê Thị Hạnh")
    other = make_user("gd_cb", [Role.DATA_OFFICER], entry=[units["c3"]], agency=sgddt, first_name="Phạm Minh Đức")
    leader = make_user("lanhdao", [Role.LEADER], view=[units["new_p"]], first_name="Nguyễn Văn Lãnh")
    nobody = make_user("khach", [Role.LEADER])
    admin = make_user("quantri", [Role.ADMIN])

    coc = _default_coc()
    fibre = DataElement.objects.create(
        code="FIBRE_HH",
        name_vi="Tỷ lệ hộ gia đình có cáp quang",
        name_en="Households with fibre",
        value_type="PERCENTAGE",
        aggregation_type="AVERAGE",
        unit="%",
        category_combo=coc.combo,
    )
    ds_cds = DataSet.objects.create(
        code="CDS_YEARLY",
        name_vi="Báo cáo chuyển đổi số hằng năm",
        name_en="Yearly digital transformation report",
        period_type=PeriodType.YEARLY,
        agency=stttt,
    )
    DataSetElement.objects.create(data_set=ds_cds, data_element=fibre, sort_order=1)
    ds_cds.org_units.set([p, units["new_p"]])
    ds_health = DataSet.objects.create(
        code="BC_YTE", name_vi="Báo cáo y tế hằng tháng", name_en="Monthly health report",
        period_type=PeriodType.MONTHLY, agency=syt,
    )  # fmt: skip
    ds_health.org_units.set([units["new_c"]])

    plan = Plan.objects.create(
        code="CDS",
        name_vi="Kế hoạch chuyển đổi số tỉnh Vĩnh Phúc đến năm 2025, định hướng đến năm 2030",
        name_en="Vĩnh Phúc digital transformation plan to 2025, with a vision to 2030",
        decision="Kế hoạch số 120/KH-UBND",
        org_unit=p,
        start=dt.date(2021, 1, 1),
        end=dt.date(2030, 12, 31),
    )
    ht = Pillar.objects.create(
        plan=plan, code="HT", name_vi="Hạ tầng số", name_en="Digital infrastructure", sort_order=1
    )
    cqs = Pillar.objects.create(
        plan=plan, code="CQS", name_vi="Chính quyền số", name_en="Digital government", sort_order=2
    )
    t1 = Task.objects.create(
        plan=plan, pillar=ht, code="NV01", title_vi="Phát triển hạ tầng cáp quang đến thôn, xóm",
        title_en="Fibre to every village", lead_agency=stttt, start=dt.date(2021, 3, 1), due=dt.date(2025, 12, 31),
        status=TaskStatus.IN_PROGRESS, progress=60, last_reported=_aware(dt.date(2026, 1, 10)), sort_order=1,
    )  # fmt: skip
    t1.cooperating_agencies.set([syt])
    t2 = Task.objects.create(
        plan=plan, pillar=cqs, code="NV02", title_vi="Triển khai hồ sơ sức khỏe điện tử",
        title_en="Electronic health records", lead_agency=syt, start=dt.date(2024, 1, 1), due=dt.date(2026, 7, 1),
        status=TaskStatus.IN_PROGRESS, progress=40, last_reported=_aware(dt.date(2026, 6, 1)), sort_order=2,
    )  # fmt: skip
    t2.cooperating_agencies.set([sgddt])
    t3 = Task.objects.create(
        plan=plan, code="NV03", title_vi="Số hóa học bạ", title_en="Digital school records", lead_agency=sgddt,
        start=dt.date(2022, 1, 1), due=dt.date(2025, 6, 30), status=TaskStatus.DONE, progress=100,
        completed=dt.date(2025, 6, 20), last_reported=_aware(dt.date(2025, 6, 20)), sort_order=3,
    )  # fmt: skip

    ct1 = Target.objects.create(
        plan=plan, pillar=ht, task=t1, code="CT01", name_vi="Tỷ lệ hộ gia đình có cáp quang",
        name_en="Households with fibre", unit="%", baseline_value=45, baseline_date=dt.date(2021, 12, 31),
        target_value=80, deadline=dt.date(2025, 12, 31), responsible_agency=stttt, source=Source.ANALYTICS,
        dx="FIBRE_HH", org_unit=p, series_period="Yearly", lower_bound=0, upper_bound=100, sort_order=1,
    )  # fmt: skip
    Milestone.objects.create(target=ct1, date=dt.date(2023, 12, 31), value=60)
    Milestone.objects.create(target=ct1, date=dt.date(2030, 12, 31), value=95, note="Định hướng 2030")
    ct2 = Target.objects.create(
        plan=plan, pillar=cqs, task=t2, code="CT02", name_vi="Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
        name_en="People with an electronic health record", unit="%", baseline_value=10,
        baseline_date=dt.date(2022, 1, 1), target_value=90, deadline=dt.date(2026, 12, 31), responsible_agency=syt,
        lower_bound=0, upper_bound=100, sort_order=2,
    )  # fmt: skip
    for day, value in [(dt.date(2023, 6, 30), 30.0), (dt.date(2024, 6, 30), 50.0), (dt.date(2025, 6, 30), 65.0)]:
        TargetReport.objects.create(target=ct2, date=day, value=value, by=officer, note="Báo cáo của Sở Y tế")
    ct3 = Target.objects.create(
        plan=plan, code="CT03", name_vi="Thời gian xử lý hồ sơ trung bình", name_en="Average days to process a file",
        unit="ngày", baseline_value=12, baseline_date=dt.date(2022, 6, 30), target_value=5,
        deadline=dt.date(2026, 12, 31), direction="decrease", mandatory=False, responsible_agency=sgddt,
        lower_bound=0, sort_order=3,
    )  # fmt: skip
    return PlanWorld(
        units=units, stttt=stttt, syt=syt, sgddt=sgddt, manager=manager, officer=officer, other=other,
        leader=leader, nobody=nobody, admin=admin, plan=plan, ht=ht, cqs=cqs, t1=t1, t2=t2, t3=t3,
        ct1=ct1, ct2=ct2, ct3=ct3, fibre=fibre, coc=coc, ds_cds=ds_cds, ds_health=ds_health,
    )  # fmt: skip


def put_yearly(world: PlanWorld, values: dict[int, float], unit: OrgUnit | None = None) -> int:
    """FIBRE_HH values by year at `unit` (default: p up to 2024, new_p from 2025), with the ORM.

    The analytics replica loads them only if they are written before the test's first analytics query (it is
    reset at each test's start); values written later must go through ioc.datavalues (its change log).
    """
    now = timezone.now()
    for year, value in values.items():
        at = unit or (world.units["p"] if year < 2025 else world.units["new_p"])
        DataValue.objects.create(
            data_element=world.fibre, org_unit=at, period=str(year), period_type="Yearly",
            start_date=dt.date(year, 1, 1), end_date=dt.date(year, 12, 31), category_option_combo=world.coc,
            value_num=value, created=now, last_updated=now,
        )  # fmt: skip
    return len(values)


def store_forecast(target: Target, status: str, **fields: Any) -> TargetForecast:
    """A stored verdict written directly (pages' tests that need a status without the forecast module)."""
    defaults: dict[str, Any] = {"computed_at": timezone.now(), "inputs_key": "test", "status": status}
    defaults.update(fields)
    forecast, _ = TargetForecast.objects.update_or_create(target=target, defaults=defaults)
    target.forecast = forecast
    return forecast

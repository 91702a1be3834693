"""A small known world for the workflow tests.

    P  Tỉnh Thử (province)                                   no form of its own
    ├─ D1 Huyện Tam Đảo                                      no form: approves its communes as a whole
    │   ├─ C1 Xã Đại Đình        HEALTH form
    │   └─ C2 Xã Tam Quan        HEALTH form
    └─ D2 Huyện Lập Thạch        HEALTH form of its own (district hospital)
        ├─ C3 Xã Xuân Hòa        HEALTH form
        └─ C4 Xã Liễn Sơn        HEALTH form, closed since 2020 (expects nothing)

HEALTH: monthly, agency SYT, timely in 40 days (last month is always on time), expiry never; compulsory: OPD
(default combo) and PUPILS (by sex: two cells). NOTE is optional. EDU: yearly, agency SGD, all four communes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from ioc.accounts.models import Agency, User
from ioc.accounts.testing import make_user
from ioc.audit.models import Via
from ioc.core.periods import MONTHLY, Period, period_for_date
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
)
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.testing import make_unit


@dataclass
class World:
    p: OrgUnit
    d1: OrgUnit
    d2: OrgUnit
    c1: OrgUnit
    c2: OrgUnit
    c3: OrgUnit
    c4: OrgUnit
    health: DataSet
    edu: DataSet
    opd: DataElement
    pupils: DataElement
    note: DataElement
    male: CategoryOptionCombo
    female: CategoryOptionCombo
    syt: Agency
    sgd: Agency
    ubnd1: Agency
    ubnd2: Agency
    officer1: User  # data officer, enters in D1, agency UBND Tam Đảo
    colleague1: User  # data officer, enters in D1, same agency
    officer2: User  # data officer, enters in D2, agency UBND Lập Thạch
    approver1: User  # approver, enters (approves) in D1
    approver2: User  # approver in D2
    approver_p: User  # approver of the province
    leader: User  # sees the province, enters nowhere
    admin: User  # administrator role
    nobody: User  # no role, no scope


@pytest.fixture
def world(db: None) -> World:
    p = make_unit("P1", "Tỉnh Thử")
    d1 = make_unit("D1", "Huyện Tam Đảo", p)
    d2 = make_unit("D2", "Huyện Lập Thạch", p)
    c1 = make_unit("C1", "Xã Đại Đình", d1)
    c2 = make_unit("C2", "Xã Tam Quan", d1)
    c3 = make_unit("C3", "Xã Xuân Hòa", d2)
    c4 = make_unit("C4", "Xã Liễn Sơn", d2, closed=dt.date(2020, 12, 31))
    default, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    CategoryOptionCombo.objects.get_or_create(code="default", defaults={"combo": default, "name_vi": "default"})
    sex = CategoryCombo.objects.create(code="SEX", name_vi="Giới tính", name_en="Sex")
    category = Category.objects.create(code="SEX_CAT", name_vi="Giới tính", name_en="Sex")
    sex.categories.add(category)
    cocs = []
    for i, (code, vi, en) in enumerate([("M", "Nam", "Male"), ("F", "Nữ", "Female")]):
        option = CategoryOption.objects.create(category=category, code=code, name_vi=vi, name_en=en, sort_order=i)
        coc = CategoryOptionCombo.objects.create(combo=sex, code=f"SEX_{code}", name_vi=vi, name_en=en, sort_order=i)
        coc.options.add(option)
        cocs.append(coc)
    opd = DataElement.objects.create(
        code="OPD", name_vi="Lượt khám", name_en="Outpatient visits", value_type="INTEGER", category_combo=default
    )
    pupils = DataElement.objects.create(
        code="PUPILS", name_vi="Học sinh", name_en="Pupils", value_type="INTEGER", category_combo=sex
    )
    note = DataElement.objects.create(
        code="NOTE", name_vi="Ghi chú", name_en="Note", value_type="TEXT", category_combo=default
    )
    syt = Agency.objects.create(code="SYT", name_vi="Sở Y tế", name_en="Department of Health")
    sgd = Agency.objects.create(code="SGD", name_vi="Sở Giáo dục", name_en="Department of Education")
    ubnd1 = Agency.objects.create(code="UBND_D1", name_vi="UBND Huyện Tam Đảo", org_unit=d1)
    ubnd2 = Agency.objects.create(code="UBND_D2", name_vi="UBND Huyện Lập Thạch", org_unit=d2)
    health = DataSet.objects.create(
        code="HEALTH",
        name_vi="Báo cáo y tế",
        name_en="Health report",
        period_type="Monthly",
        agency=syt,
        timely_days=40,
    )
    DataSetElement.objects.create(data_set=health, data_element=opd, sort_order=1, compulsory=True)
    DataSetElement.objects.create(data_set=health, data_element=pupils, sort_order=2, compulsory=True)
    DataSetElement.objects.create(data_set=health, data_element=note, sort_order=3)
    health.org_units.set([c1, c2, d2, c3, c4])
    edu = DataSet.objects.create(
        code="EDU", name_vi="Báo cáo giáo dục", name_en="Education report", period_type="Yearly", agency=sgd
    )
    DataSetElement.objects.create(data_set=edu, data_element=note)
    edu.org_units.set([c1, c2, c3, c4])
    return World(
        p=p,
        d1=d1,
        d2=d2,
        c1=c1,
        c2=c2,
        c3=c3,
        c4=c4,
        health=health,
        edu=edu,
        opd=opd,
        pupils=pupils,
        note=note,
        male=cocs[0],
        female=cocs[1],
        syt=syt,
        sgd=sgd,
        ubnd1=ubnd1,
        ubnd2=ubnd2,
        officer1=make_user(
            "officer1", ["data_officer"], entry=[d1], agency=ubnd1, first_name="Nguyễn Thị Hoa", email="hoa@example.vn"
        ),
        colleague1=make_user("colleague1", ["data_officer"], entry=[d1], agency=ubnd1),
        officer2=make_user("officer2", ["data_officer"], entry=[d2], agency=ubnd2, email="lap@example.vn"),
        approver1=make_user("approver1", ["approver"], entry=[d1], agency=ubnd1, first_name="Trần Văn Bình"),
        approver2=make_user("approver2", ["approver"], entry=[d2], agency=ubnd2),
        approver_p=make_user("approver_p", ["approver"], entry=[p]),
        leader=make_user("leader", ["leader"], view=[p]),
        admin=make_user("boss", ["admin"], email="boss@example.vn"),
        nobody=make_user("nobody", []),
    )


@pytest.fixture
def month() -> Period:
    """Last month: open, not in the future, on time for HEALTH (40 days)."""
    return period_for_date(MONTHLY, timezone.localdate()).previous()


def fill(world: World, unit: OrgUnit, period: Period, *, skip: tuple[str, ...] = ()) -> None:
    """Fill the compulsory cells of HEALTH for the unit (skipping "OPD", "M" or "F"), as the admin."""
    rows = []
    if "OPD" not in skip:
        rows.append(ValueRow(world.opd, unit, period, "120"))
    if "M" not in skip:
        rows.append(ValueRow(world.pupils, unit, period, "30", category_option_combo=world.male))
    if "F" not in skip:
        rows.append(ValueRow(world.pupils, unit, period, "31", category_option_combo=world.female))
    if rows:
        result = do_set_values(world.admin, rows, via=Via.IMPORT)
        assert not result.errors, result.errors

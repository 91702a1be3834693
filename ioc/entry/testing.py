"""A small known world for the data-entry form (its tests and the end-to-end browser test).

    P  Tỉnh Thử
    ├─ D1 Huyện Tam Đảo     ── C1 Xã Đại Đình, C2 Xã Tam Quan     (officer1 enters here)
    └─ D2 Huyện Lập Thạch   ── C3 Xã Xuân Hòa                     (officer2 enters here)

HEALTH (monthly, never expires) on C1, C2, C3: OPD (integer, ≥ 0, compulsory), PUPILS (integer by sex M/F,
compulsory, at most 1000), RATE (percentage), NOTE (text), INSURED (yes/no). A HIGH rule: PUPILS ≤ OPD.
OLD (monthly, expires 10 days after the period) on C1.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    ValidationRule,
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
    health: DataSet
    old: DataSet
    opd: DataElement
    pupils: DataElement
    rate: DataElement
    note: DataElement
    insured: DataElement
    default: CategoryOptionCombo
    male: CategoryOptionCombo
    female: CategoryOptionCombo
    officer1: User
    officer2: User
    approver1: User
    leader: User
    admin: User


def build_world() -> World:
    """The world above, written with the ORM (fixtures, not a service under test)."""
    p = make_unit("P1", "Tỉnh Thử")
    d1 = make_unit("D1", "Huyện Tam Đảo", p)
    d2 = make_unit("D2", "Huyện Lập Thạch", p)
    c1 = make_unit("C1", "Xã Đại Đình", d1)
    c2 = make_unit("C2", "Xã Tam Quan", d1)
    c3 = make_unit("C3", "Xã Xuân Hòa", d2)
    default_combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    default, _ = CategoryOptionCombo.objects.get_or_create(
        code="default", defaults={"combo": default_combo, "name_vi": "default"}
    )
    sex = CategoryCombo.objects.create(code="SEX", name_vi="Giới tính", name_en="Sex")
    category = Category.objects.create(code="SEX_CAT", name_vi="Giới tính", name_en="Sex")
    sex.categories.add(category)
    cocs = []
    for i, (code, vi, en) in enumerate([("M", "Nam", "Male"), ("F", "Nữ", "Female")]):
        option = CategoryOption.objects.create(category=category, code=code, name_vi=vi, name_en=en, sort_order=i)
        coc = CategoryOptionCombo.objects.create(combo=sex, code=f"SEX_{code}", name_vi=vi, name_en=en, sort_order=i)
        coc.options.add(option)
        cocs.append(coc)

    def element(code: str, vi: str, en: str, value_type: str, combo: CategoryCombo, **extra: object) -> DataElement:
        return DataElement.objects.create(
            code=code, name_vi=vi, name_en=en, value_type=value_type, category_combo=combo, **extra
        )

    opd = element("OPD", "Lượt khám", "Outpatient visits", "INTEGER", default_combo, min_value=0)
    pupils = element("PUPILS", "Học sinh", "Pupils", "INTEGER", sex, min_value=0, max_value=1000)
    rate = element("RATE", "Tỷ lệ", "Rate", "PERCENTAGE", default_combo, aggregation_type="AVERAGE")
    note = element("NOTE", "Ghi chú", "Note", "TEXT", default_combo, aggregation_type="LAST")
    insured = element("INSURED", "Có bảo hiểm", "Insured", "BOOLEAN", default_combo)
    health = DataSet.objects.create(
        code="HEALTH", name_vi="Báo cáo y tế", name_en="Health report", period_type="Monthly"
    )
    for i, (e, compulsory) in enumerate([(opd, True), (pupils, True), (rate, False), (note, False), (insured, False)]):
        DataSetElement.objects.create(data_set=health, data_element=e, sort_order=i, compulsory=compulsory)
    health.org_units.set([c1, c2, c3])
    old = DataSet.objects.create(
        code="OLD", name_vi="Báo cáo cũ", name_en="Old report", period_type="Monthly", expiry_days=10
    )
    DataSetElement.objects.create(data_set=old, data_element=rate, sort_order=0)
    old.org_units.set([c1])
    ValidationRule.objects.create(
        code="PUPILS_LE_OPD",
        name_vi="Học sinh không vượt lượt khám",
        name_en="Pupils at most visits",
        left="#{PUPILS}",
        operator="<=",
        right="#{OPD}",
        importance="HIGH",
        period_type="Monthly",
    )
    return World(
        p=p,
        d1=d1,
        d2=d2,
        c1=c1,
        c2=c2,
        c3=c3,
        health=health,
        old=old,
        opd=opd,
        pupils=pupils,
        rate=rate,
        note=note,
        insured=insured,
        default=default,
        male=cocs[0],
        female=cocs[1],
        officer1=make_user("officer1", ["data_officer"], entry=[d1], first_name="Nguyễn Thị Hoa"),
        officer2=make_user("officer2", ["data_officer"], entry=[d2]),
        approver1=make_user("approver1", ["approver"], entry=[d1]),
        leader=make_user("leader", ["leader"], view=[p]),
        admin=make_user("boss", ["admin"]),
    )

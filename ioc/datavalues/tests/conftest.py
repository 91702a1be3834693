"""Fixtures of the data-value tests: metadata built directly, users per role with their scopes.

The tree (root conftest `tree`): province 26 (closed 2025-06-30) with districts d1 (243) and d2 (244), two
communes each (c1 08707 Tích Sơn, c2, c3, c4); the new province 25 and new_c (08707 Vĩnh Yên) from
2025-07-01. Here c1, c2 went into new_c (merge).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.core.periods import MONTHLY, Period, period_for_date
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
)
from ioc.orgunits.models import OrgUnit, Succession


@dataclass
class Meta:
    default_coc: CategoryOptionCombo
    sex: CategoryCombo
    male: CategoryOptionCombo
    female: CategoryOptionCombo
    level: CategoryCombo
    primary: CategoryOptionCombo
    opd: DataElement  # INTEGER, default combo, monthly HEALTH
    beds: DataElement  # NUMBER 0..1000, monthly HEALTH
    coverage: DataElement  # PERCENTAGE, monthly HEALTH
    fibre: DataElement  # BOOLEAN, monthly HEALTH
    note: DataElement  # TEXT, monthly HEALTH
    pupils: DataElement  # INTEGER by sex, yearly EDU
    grdp: DataElement  # NUMBER, in no data set
    health: DataSet
    edu: DataSet


def _combo(code: str, options: list[tuple[str, str]]) -> tuple[CategoryCombo, list[CategoryOptionCombo]]:
    category = Category.objects.create(code=f"{code}_CAT", name_vi=code, name_en=code)
    combo = CategoryCombo.objects.create(code=code, name_vi=code, name_en=code)
    combo.categories.add(category)
    cocs = []
    for i, (opt_code, name) in enumerate(options):
        option = CategoryOption.objects.create(
            category=category, code=opt_code, name_vi=name, name_en=name, sort_order=i
        )
        coc = CategoryOptionCombo.objects.create(
            combo=combo, code=f"{code}_{opt_code}", name_vi=name, name_en=name, sort_order=i
        )
        coc.options.add(option)
        cocs.append(coc)
    return combo, cocs


def _element(code: str, value_type: str, combo: CategoryCombo, **extra: object) -> DataElement:
    return DataElement.objects.create(
        code=code, name_vi=f"Chỉ tiêu {code}", name_en=code, value_type=value_type, category_combo=combo, **extra
    )


@pytest.fixture
def meta(tree: dict[str, OrgUnit]) -> Meta:
    default, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    default_coc, _ = CategoryOptionCombo.objects.get_or_create(
        code="default", defaults={"combo": default, "name_vi": "default"}
    )
    sex, (male, female) = _combo("SEX", [("M", "Nam"), ("F", "Nữ")])
    level, (primary, _secondary) = _combo("LEVEL", [("PRIMARY", "Tiểu học"), ("SECONDARY", "THCS")])
    opd = _element("OPD", "INTEGER", default, min_value=0)
    beds = _element("BEDS", "NUMBER", default, min_value=0, max_value=1000)
    coverage = _element("COVERAGE", "PERCENTAGE", default)
    fibre = _element("FIBRE", "BOOLEAN", default)
    note = _element("NOTE", "TEXT", default)
    pupils = _element("PUPILS", "INTEGER", sex)
    grdp = _element("GRDP", "NUMBER", default)
    health = DataSet.objects.create(code="HEALTH", name_vi="Y tế", period_type="Monthly")
    edu = DataSet.objects.create(code="EDU", name_vi="Giáo dục", period_type="Yearly")
    for i, element in enumerate([opd, beds, coverage, fibre, note]):
        DataSetElement.objects.create(data_set=health, data_element=element, sort_order=i)
    DataSetElement.objects.create(data_set=edu, data_element=pupils)
    health.org_units.set(tree.values())
    edu.org_units.set(tree.values())
    for old in (tree["c1"], tree["c2"]):
        Succession.objects.create(predecessor=old, successor=tree["new_c"], kind="merge", date=dt.date(2025, 7, 1))
    return Meta(
        default_coc, sex, male, female, level, primary, opd, beds, coverage, fibre, note, pupils, grdp, health, edu
    )


@dataclass
class Users:
    officer_a: User  # data officer, enters in district A (243) and its communes
    officer_b: User  # data officer, enters in district B (244)
    leader: User  # leader: sees the whole old province, enters nowhere
    viewer_b: User  # leader who sees district B only
    approver: User  # approver, enters in the old province
    integrator: User  # integrator (API), enters in the old and the new province
    admin: User  # role admin
    nobody: User  # no role, no scope


@pytest.fixture
def users(tree: dict[str, OrgUnit]) -> Users:
    return Users(
        officer_a=make_user("officer_a", ["data_officer"], entry=[tree["d1"]]),
        officer_b=make_user("officer_b", ["data_officer"], entry=[tree["d2"]]),
        leader=make_user("leader", ["leader"], view=[tree["p"]]),
        viewer_b=make_user("viewer_b", ["leader"], view=[tree["d2"]]),
        approver=make_user("approver", ["approver"], entry=[tree["p"]]),
        integrator=make_user("integrator", ["integrator"], entry=[tree["p"], tree["new_p"]]),
        admin=make_user("boss", ["admin"]),
        nobody=make_user("nobody", []),
    )


@pytest.fixture
def month() -> Period:
    """Last month: open for entry unless a test locks or expires it."""
    return period_for_date(MONTHLY, timezone.localdate()).previous()

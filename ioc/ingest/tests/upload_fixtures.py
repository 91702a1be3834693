"""A small world for the XLSX template and import-page tests: metadata with Vietnamese names, a data set
assigned to a district and its communes, users on both sides of each rule.

The tree (root conftest `tree`): province 26 (closed 2025-06-30) with districts d1 (243) and d2 (244), two
communes each (c1 08707 Tích Sơn, c2 08710 Liên Bảo, c3, c4); the new province 25 and new_c (08707 Vĩnh Yên)
from 2025-07-01. The period used is March 2025 (the old units are open; the data set never expires).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from openpyxl import load_workbook

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.core.periods import Period, parse_period
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

PERIOD = "202503"


@dataclass
class UploadWorld:
    units: dict[str, OrgUnit]
    period: Period
    data_set: DataSet
    other_set: DataSet  # yearly, assigned to district 244 only
    opd: DataElement  # INTEGER ≥ 0
    beds: DataElement  # NUMBER 0..1000
    coverage: DataElement  # PERCENTAGE
    fibre: DataElement  # BOOLEAN
    note: DataElement  # TEXT
    patients: DataElement  # INTEGER by sex (Nam / Nữ)
    male: CategoryOptionCombo
    female: CategoryOptionCombo
    officer: User  # data officer of Thành phố Vĩnh Yên (243)
    officer_b: User  # data officer of Thành phố Phúc Yên (244)
    leader: User  # leader: sees everything in 26, enters nowhere
    admin: User


def _element(code: str, name: str, value_type: str, combo: CategoryCombo, **extra: object) -> DataElement:
    return DataElement.objects.create(
        code=code, name_vi=name, name_en=code.title(), value_type=value_type, category_combo=combo, **extra
    )


def build_upload_world(tree: dict[str, OrgUnit]) -> UploadWorld:
    default, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    CategoryOptionCombo.objects.get_or_create(code="default", defaults={"combo": default, "name_vi": "default"})
    category = Category.objects.create(code="SEX", name_vi="Giới tính", name_en="Sex")
    sex = CategoryCombo.objects.create(code="SEX", name_vi="Giới tính", name_en="Sex")
    sex.categories.add(category)
    cocs = []
    for i, (code, name) in enumerate([("MALE", "Nam"), ("FEMALE", "Nữ")]):
        option = CategoryOption.objects.create(category=category, code=code, name_vi=name, name_en=code, sort_order=i)
        coc = CategoryOptionCombo.objects.create(combo=sex, code=code, name_vi=name, name_en=code, sort_order=i)
        coc.options.add(option)
        cocs.append(coc)
    opd = _element("OPD_VISITS", "Lượt khám ngoại trú", "INTEGER", default, min_value=0, unit="lượt")
    beds = _element("BEDS", "Số giường bệnh", "NUMBER", default, min_value=0, max_value=1000)
    coverage = _element("COVERAGE", "Tỷ lệ bao phủ bảo hiểm y tế", "PERCENTAGE", default)
    fibre = _element("FIBRE", "Có cáp quang đến trạm y tế", "BOOLEAN", default)
    note = _element("NOTE", "Ghi chú của trạm", "TEXT", default)
    patients = _element("PATIENTS", "Bệnh nhân điều trị nội trú", "INTEGER", sex)
    data_set = DataSet.objects.create(
        code="DS_HEALTH", name_vi="Báo cáo y tế hằng tháng (cấp xã)", name_en="Health", period_type="Monthly"
    )
    for i, element in enumerate([opd, beds, coverage, fibre, note, patients]):
        DataSetElement.objects.create(data_set=data_set, data_element=element, sort_order=i)
    data_set.org_units.set([tree["c1"], tree["c2"], tree["c3"], tree["c4"], tree["new_c"]])
    other = DataSet.objects.create(code="DS_YEAR", name_vi="Báo cáo năm", period_type="Yearly")
    DataSetElement.objects.create(data_set=other, data_element=beds, sort_order=0)
    other.org_units.set([tree["d2"]])
    return UploadWorld(
        units=tree,
        period=parse_period(PERIOD),
        data_set=data_set,
        other_set=other,
        opd=opd,
        beds=beds,
        coverage=coverage,
        fibre=fibre,
        note=note,
        patients=patients,
        male=cocs[0],
        female=cocs[1],
        officer=make_user("nhaplieu.vinhyen", ["data_officer"], entry=[tree["d1"]]),
        officer_b=make_user("nhaplieu.phucyen", ["data_officer"], entry=[tree["d2"]]),
        leader=make_user("lanhdao", ["leader"], view=[tree["p"]]),
        admin=make_user("quantri", ["admin"]),
    )


@pytest.fixture
def world(tree: dict[str, OrgUnit]) -> UploadWorld:
    return build_upload_world(tree)


def fill(template: bytes, values: dict[str, object], sheet: str = "Dữ liệu") -> bytes:
    """The template with cells set ({"C6": 12, …}), saved as a user's Excel would."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb[sheet]
    for ref, value in values.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

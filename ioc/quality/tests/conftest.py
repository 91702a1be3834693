"""Monthly values written straight into the table (the checks only read them), on the root `tree`; the small
world of the validation tests (`vworld`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.utils import timezone

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.core.periods import parse_period
from ioc.datavalues.models import DataValue
from ioc.metadata.models import (
    CategoryCombo,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    ValidationRule,
)
from ioc.orgunits.models import OrgUnit


@dataclass
class Elements:
    coc: CategoryOptionCombo
    visitors: DataElement  # INTEGER
    note: DataElement  # TEXT: never a series


@pytest.fixture
def elements(db: None) -> Elements:
    combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    coc, _ = CategoryOptionCombo.objects.get_or_create(code="default", defaults={"combo": combo, "name_vi": "default"})
    visitors = DataElement.objects.create(
        code="TOU_VISITORS", name_vi="Lượt khách", value_type="INTEGER", category_combo=combo
    )
    note = DataElement.objects.create(code="NOTE", name_vi="Ghi chú", value_type="TEXT", category_combo=combo)
    return Elements(coc, visitors, note)


def season(i: int, unit_offset: int = 0) -> float:
    """Five years from January 2020: a summer peak four times the rest, a small wobble."""
    return float((800 if i % 12 in (6, 7) else 200) + unit_offset + (i * 7 % 5))


@pytest.fixture
def write_series(elements: Elements) -> Callable[..., None]:
    def write(unit: OrgUnit, values: list[float], element: DataElement | None = None, **extra: object) -> None:
        now = timezone.now()
        rows = []
        for i, value in enumerate(values):
            year, month = 2020 + i // 12, i % 12 + 1
            start = dt.date(year, month, 1)
            end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
            rows.append(
                DataValue(
                    data_element=element or elements.visitors,
                    org_unit=unit,
                    period=f"{year}{month:02d}",
                    period_type="Monthly",
                    start_date=start,
                    end_date=end,
                    category_option_combo=elements.coc,
                    value_num=value,
                    created=now,
                    last_updated=now,
                    **extra,
                )
            )
        DataValue.objects.bulk_create(rows)

    return write


@pytest.fixture
def seasonal_data(tree: dict[str, OrgUnit], write_series: Callable[..., None]) -> dict[str, OrgUnit]:
    """Four communes, five seasonal years each; c1 (district 243) has a tenfold July 2023, c3 (district 244)
    a tenfold March 2022."""
    for n, code in enumerate(("c1", "c2", "c3", "c4")):
        values = [season(i, n * 10) for i in range(60)]
        if code == "c1":
            values[42] *= 10  # 2023-07
        if code == "c3":
            values[26] *= 10  # 2022-03
        write_series(tree[code], values)
    return tree


# --- validation rules: a small known world ----------------------------------------------------------------


@dataclass
class VWorld:
    """Units from `tree`; HEALTH (monthly: IMM by sex, U1, VISITS, DOCTORS), EDU (yearly: POP, POP15);
    rules R_IMM (#{IMM} <= #{U1}, HIGH), R_IMM_F (#{IMM.SEX_F} <= #{U1} * 0.5, MEDIUM), R_RATIO
    (#{VISITS} / #{DOCTORS} <= 100, LOW), R_POP (#{POP15} <= #{POP}, yearly, MEDIUM); users per role."""

    units: dict[str, OrgUnit]
    default: CategoryOptionCombo
    male: CategoryOptionCombo
    female: CategoryOptionCombo
    imm: DataElement
    u1: DataElement
    visits: DataElement
    doctors: DataElement
    pop: DataElement
    pop15: DataElement
    health: DataSet
    edu: DataSet
    r_imm: ValidationRule
    r_imm_f: ValidationRule
    r_ratio: ValidationRule
    r_pop: ValidationRule
    officer_a: User  # data officer, enters in d1 (243)
    officer_b: User  # data officer, enters in d2 (244)
    leader: User  # sees the old province, enters nowhere
    viewer_b: User  # leader who sees d2 only
    admin: User
    nobody: User  # no role

    def put(
        self,
        element: DataElement,
        unit: str,
        period: str,
        value: float,
        coc: CategoryOptionCombo | None = None,
        **extra: object,
    ) -> DataValue:
        p = parse_period(period)
        now = timezone.now()
        return DataValue.objects.create(
            data_element=element,
            org_unit=self.units[unit],
            period=p.id,
            period_type=p.period_type,
            start_date=p.start,
            end_date=p.end,
            category_option_combo=coc or self.default,
            value_num=value,
            created=now,
            last_updated=now,
            **extra,
        )


@pytest.fixture
def vworld(tree: dict[str, OrgUnit]) -> VWorld:
    default_combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    default, _ = CategoryOptionCombo.objects.get_or_create(
        code="default", defaults={"combo": default_combo, "name_vi": "default"}
    )
    sex = CategoryCombo.objects.create(code="SEX", name_vi="Giới tính", name_en="Sex")
    male = CategoryOptionCombo.objects.create(combo=sex, code="SEX_M", name_vi="Nam", name_en="Male", sort_order=0)
    female = CategoryOptionCombo.objects.create(combo=sex, code="SEX_F", name_vi="Nữ", name_en="Female", sort_order=1)

    def element(code: str, vi: str, en: str, combo: CategoryCombo = default_combo) -> DataElement:
        return DataElement.objects.create(code=code, name_vi=vi, name_en=en, value_type="INTEGER", category_combo=combo)

    imm = element("IMM", "Trẻ được tiêm đủ", "Children fully immunised", sex)
    u1 = element("U1", "Trẻ dưới 1 tuổi", "Children under 1")
    visits = element("VISITS", "Lượt khám", "Visits")
    doctors = element("DOCTORS", "Bác sĩ", "Doctors")
    pop = element("POP", "Dân số", "Population")
    pop15 = element("POP15", "Dân số từ 15 tuổi", "Population 15+")
    health = DataSet.objects.create(code="HEALTH", name_vi="Y tế", name_en="Health", period_type="Monthly")
    edu = DataSet.objects.create(code="EDU", name_vi="Dân số", name_en="Population", period_type="Yearly")
    for i, e in enumerate([imm, u1, visits, doctors]):
        DataSetElement.objects.create(data_set=health, data_element=e, sort_order=i)
    for i, e in enumerate([pop, pop15]):
        DataSetElement.objects.create(data_set=edu, data_element=e, sort_order=i)

    def rule(code: str, vi: str, en: str, left: str, op: str, right: str, importance: str, pt: str = "Monthly"):
        return ValidationRule.objects.create(
            code=code,
            name_vi=vi,
            name_en=en,
            left=left,
            operator=op,
            right=right,
            importance=importance,
            period_type=pt,
            instruction=f"Check {code}",
        )

    return VWorld(
        units=tree,
        default=default,
        male=male,
        female=female,
        imm=imm,
        u1=u1,
        visits=visits,
        doctors=doctors,
        pop=pop,
        pop15=pop15,
        health=health,
        edu=edu,
        r_imm=rule("R_IMM", "Tiêm đủ không vượt số trẻ", "Immunised at most children", "#{IMM}", "<=", "#{U1}", "HIGH"),
        r_imm_f=rule("R_IMM_F", "Bé gái tiêm đủ", "Girls immunised", "#{IMM.SEX_F}", "<=", "#{U1} * 0.5", "MEDIUM"),
        r_ratio=rule(
            "R_RATIO", "Lượt khám mỗi bác sĩ", "Visits per doctor", "#{VISITS} / #{DOCTORS}", "<=", "100", "LOW"
        ),
        r_pop=rule("R_POP", "Dân số 15+", "Population 15+", "#{POP15}", "<=", "#{POP}", "MEDIUM", "Yearly"),
        officer_a=make_user("officer_a", ["data_officer"], entry=[tree["d1"]]),
        officer_b=make_user("officer_b", ["data_officer"], entry=[tree["d2"]]),
        leader=make_user("leader", ["leader"], view=[tree["p"]]),
        viewer_b=make_user("viewer_b", ["leader"], view=[tree["d2"]]),
        admin=make_user("boss", ["admin"]),
        nobody=make_user("nobody", []),
    )

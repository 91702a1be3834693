"""A small, known world for the page tests (Django test client and browser): units, metadata, values, users.

Values are written straight with the ORM (no services): these are fixtures for reading pages, and the
counts they give are the assertions' expectations.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.utils import timezone

from ioc.accounts.models import Agency, Role, User
from ioc.accounts.testing import PASSWORD
from ioc.datavalues.models import DataValue, ImportRun
from ioc.datavalues.writes import COUNTS_CACHE_KEY
from ioc.metadata.models import (
    CategoryCombo,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    PeriodType,
    Sector,
)
from ioc.orgunits.models import OrgUnit, OrgUnitLevel
from ioc.orgunits.testing import small_tree


@dataclass
class World:
    units: dict[str, OrgUnit]
    admin: User
    district: User  # sees Thành phố Vĩnh Yên (d1) only
    nobody: User  # a leader with no view units: sees no values
    values_d1: int
    values_d2: int
    values_new: int

    @property
    def values_total(self) -> int:
        return self.values_d1 + self.values_d2 + self.values_new


def _default_coc() -> CategoryOptionCombo:
    combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name_vi": "default"})
    coc, _ = CategoryOptionCombo.objects.get_or_create(
        code="default", defaults={"combo": combo, "name_vi": "default", "name_en": "default"}
    )
    return coc


def forget_cached_counts() -> None:
    """The datavalues app caches its totals and clears them on writes through its services; values written
    here with the ORM go past them."""
    cache.delete(COUNTS_CACHE_KEY)


@functools.cache
def _password_hash() -> str:
    """Hashing with Argon2 takes a while: hash the fixtures' password once per process."""
    return make_password(PASSWORD)


def make_user(username: str, *, roles: list[str] | None = None, superuser: bool = False, **extra: object) -> User:
    user = User.objects.create(
        username=username, roles=roles or [], is_superuser=superuser, is_staff=superuser, **extra
    )
    user.password = _password_hash()
    user.save(update_fields=["password"])
    return user


def build_world(*, synthetic: bool = True, values_per_unit: int = 3) -> World:
    units = small_tree()
    for level, vi, en in [(1, "Tỉnh", "Province"), (2, "Huyện", "District"), (3, "Xã", "Commune")]:
        OrgUnitLevel.objects.get_or_create(level=level, defaults={"code": en.lower(), "name_vi": vi, "name_en": en})
    coc = _default_coc()
    health, _ = Sector.objects.get_or_create(code="health", defaults={"name_vi": "Y tế", "name_en": "Health"})
    visits = DataElement.objects.create(
        code="OPD_VISITS",
        name_vi="Lượt khám ngoại trú",
        name_en="Outpatient visits",
        value_type="INTEGER",
        sector=health,
        category_combo=coc.combo,
        synthetic=synthetic,
    )
    beds = DataElement.objects.create(
        code="HOSPITAL_BEDS",
        name_vi="Số giường bệnh",
        name_en="Hospital beds",
        value_type="INTEGER",
        aggregation_type="LAST",
        sector=health,
        category_combo=coc.combo,
        synthetic=synthetic,
    )
    ds = DataSet.objects.create(
        code="HEALTH_MONTHLY",
        name_vi="Báo cáo y tế hằng tháng",
        name_en="Monthly health report",
        period_type=PeriodType.MONTHLY,
        sector=health,
        synthetic=synthetic,
    )
    DataSetElement.objects.create(data_set=ds, data_element=visits, sort_order=1)
    DataSetElement.objects.create(data_set=ds, data_element=beds, sort_order=2)
    Indicator.objects.create(
        code="BEDS_PER_VISIT",
        name_vi="Giường bệnh trên lượt khám",
        numerator="#{HOSPITAL_BEDS}",
        denominator="#{OPD_VISITS}",
        synthetic=synthetic,
    )

    now = timezone.now()

    def put(unit: OrgUnit, n: int, year: int) -> int:
        for month in range(1, n + 1):
            start = dt.date(year, month, 1)
            end = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
            DataValue.objects.create(
                data_element=visits,
                org_unit=unit,
                period=f"{year}{month:02d}",
                period_type="Monthly",
                start_date=start,
                end_date=end,
                category_option_combo=coc,
                value_num=1200 + month,
                created=now,
                last_updated=now,
            )
        return n

    # Thành phố Vĩnh Yên (d1): its two communes; Phúc Yên (d2): one commune; the new Phường Vĩnh Yên: one.
    values_d1 = put(units["c1"], values_per_unit, 2024) + put(units["c2"], values_per_unit, 2024)
    values_d2 = put(units["c3"], values_per_unit, 2024)
    values_new = put(units["new_c"], 1, 2025)
    # A deleted value is never counted.
    DataValue.objects.create(
        data_element=beds,
        org_unit=units["c1"],
        period="202401",
        period_type="Monthly",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 1, 31),
        category_option_combo=coc,
        value_num=5,
        created=now,
        last_updated=now,
        deleted=True,
    )

    agency = Agency.objects.create(code="SYT", name_vi="Sở Y tế", name_en="Department of Health")
    district_office = Agency.objects.create(
        code="UBND_VY",
        name_vi="UBND Thành phố Vĩnh Yên",
        name_en="Vĩnh Yên City People's Committee",
        org_unit=units["d1"],
    )
    admin = make_user("admin", superuser=True, agency=agency, first_name="Quản trị")
    district = make_user("vinhyen", roles=[Role.DATA_OFFICER], agency=district_office, first_name="Nguyễn Văn An")
    district.view_units.add(units["d1"])
    district.entry_units.add(units["d1"])
    nobody = make_user("lanhdao", roles=[Role.LEADER])

    ImportRun.objects.create(
        user=admin,
        source="demo: Vĩnh Phúc 2024",
        via="cli",
        status=ImportRun.Status.SUCCESS,
        imported=values_d1 + values_d2,
        updated=2,
        ignored=1,
        finished=now,
    )
    ImportRun.objects.create(
        user=district,
        source="bao-cao-y-te-2025-01.xlsx",
        via="import",
        status=ImportRun.Status.WARNING,
        imported=values_new,
        ignored=3,
        finished=now,
    )
    forget_cached_counts()
    return World(
        units=units,
        admin=admin,
        district=district,
        nobody=nobody,
        values_d1=values_d1,
        values_d2=values_d2,
        values_new=values_new,
    )


def login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page of a live server, in a Playwright page (the browser tests)."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()

"""The home page's reads: counts, and the view scope applied to values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import translation

from ioc.accounts.models import Role
from ioc.datavalues.models import DataValue
from ioc.web import selectors
from ioc.web.testing import World, forget_cached_counts, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    """The home page's rows carry names in the active language: Vietnamese, as a user sees them."""
    with translation.override("vi"):
        yield


def test_values_are_counted_in_the_view_scope(world: World) -> None:
    assert selectors.value_counts(world.admin).count == world.values_total
    assert selectors.value_counts(world.admin).scoped is False
    district = selectors.value_counts(world.district)
    assert district.count == world.values_d1
    assert district.scoped is True
    assert selectors.value_counts(world.nobody).count == 0


def test_several_view_roots_are_or_ed(world: World) -> None:
    user = make_user("two_districts", roles=[Role.LEADER])
    user.view_units.add(world.units["d1"], world.units["c3"])
    assert selectors.value_counts(user).count == world.values_d1 + world.values_d2


def test_entry_units_are_visible_too(world: World) -> None:
    user = make_user("entry_only", roles=[Role.DATA_OFFICER])
    user.entry_units.add(world.units["new_c"])
    assert selectors.value_counts(user).count == world.values_new


def test_an_admin_role_sees_everything(world: World) -> None:
    user = make_user("role_admin", roles=[Role.ADMIN])
    assert selectors.value_counts(user).count == world.values_total


def test_deleted_values_are_not_counted(world: World) -> None:
    assert DataValue.objects.filter(deleted=True).exists()
    assert selectors.value_counts(world.admin).count == DataValue.objects.filter(deleted=False).count()


def test_last_updated_is_the_newest_visible_value(world: World) -> None:
    newest = dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC)
    DataValue.objects.filter(org_unit=world.units["c3"]).update(last_updated=newest)
    forget_cached_counts()
    assert selectors.value_counts(world.admin).last_updated == newest
    assert selectors.value_counts(world.district).last_updated != newest


def test_unit_counts_follow_the_reorganisation(world: World) -> None:
    open_before, total, levels = selectors.level_counts(dt.date(2025, 6, 30))
    assert (open_before, total) == (7, 9)
    assert [(lv.level, lv.name, lv.open, lv.total) for lv in levels] == [
        (1, "Tỉnh", 1, 2),
        (2, "Huyện", 2, 2),
        (3, "Xã", 4, 5),
    ]
    open_after, _, _ = selectors.level_counts(dt.date(2025, 7, 1))
    assert open_after == 2


def test_data_set_rows(world: World) -> None:
    [row] = selectors.data_set_rows()
    assert (row.code, row.name, row.period_type, row.elements, row.sector, row.synthetic) == (
        "HEALTH_MONTHLY",
        "Báo cáo y tế hằng tháng",
        "Hằng tháng",
        2,
        "Y tế",
        True,
    )


def test_synthetic_flag(db: None) -> None:
    assert selectors.synthetic_data_present() is False
    from ioc.web.testing import build_world

    build_world(synthetic=False)
    assert selectors.synthetic_data_present() is False
    from ioc.metadata.models import DataElement

    DataElement.objects.filter(code="OPD_VISITS").update(synthetic=True)
    assert selectors.synthetic_data_present() is True


def test_profile(world: World) -> None:
    admin = selectors.profile(world.admin)
    assert admin.sees_everything
    assert admin.roles == ["Quản trị viên"]
    district = selectors.profile(world.district)
    assert not district.sees_everything
    assert district.view_units == ["Thành phố Vĩnh Yên"]
    assert district.entry_units == ["Thành phố Vĩnh Yên"]
    assert district.agency == "UBND Thành phố Vĩnh Yên"
    assert district.roles == ["Cán bộ nhập liệu"]


def test_last_imports_newest_first(world: World) -> None:
    runs = selectors.last_imports()
    assert [r.source for r in runs] == ["bao-cao-y-te-2025-01.xlsx", "demo: Vĩnh Phúc 2024"]


def test_home_summary_query_count_does_not_grow_with_rows(world: World, django_assert_max_num_queries) -> None:
    from ioc.web.testing import make_user as mk

    for i in range(5):
        from ioc.datavalues.models import ImportRun

        ImportRun.objects.create(user=mk(f"importer{i}"), source=f"f{i}.csv", via="import")
    with django_assert_max_num_queries(12):
        summary = selectors.home_summary(world.admin)
        _ = [r.user.username for r in summary.imports if r.user]

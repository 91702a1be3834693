from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from ioc.dashboards.models import Dashboard, DashboardItem, ItemKind

pytestmark = pytest.mark.django_db


def test_name_and_title_follow_the_language() -> None:
    dashboard = Dashboard.objects.create(code="health", name_vi="Y tế", name_en="Health")
    item = DashboardItem.objects.create(dashboard=dashboard, kind=ItemKind.KPI, title_vi="Tiêm chủng", title_en="")
    with translation.override("vi"):
        assert dashboard.name == "Y tế"
        assert item.title == "Tiêm chủng"
    with translation.override("en"):
        assert dashboard.name == "Health"
        assert item.title == "Tiêm chủng"  # no English title: the Vietnamese one
    assert len(item.uid) == 11


def test_only_one_overview() -> None:
    Dashboard.objects.create(code="a", name_vi="A", is_overview=True)
    Dashboard.objects.create(code="b", name_vi="B")  # any number of ordinary ones
    Dashboard.objects.create(code="c", name_vi="C")
    with pytest.raises(IntegrityError), transaction.atomic():
        Dashboard.objects.create(code="d", name_vi="D", is_overview=True)


def test_width_is_one_to_twelve_in_the_database() -> None:
    dashboard = Dashboard.objects.create(code="a", name_vi="A")
    DashboardItem.objects.create(dashboard=dashboard, kind=ItemKind.MAP, width=12)
    with pytest.raises(IntegrityError), transaction.atomic():
        DashboardItem.objects.create(dashboard=dashboard, kind=ItemKind.MAP, width=13)


def test_order_puts_the_overview_first_then_sort_order() -> None:
    Dashboard.objects.create(code="b", name_vi="B", sort_order=1)
    Dashboard.objects.create(code="a", name_vi="A", sort_order=2)
    Dashboard.objects.create(code="z", name_vi="Z", sort_order=9, is_overview=True)
    assert [d.code for d in Dashboard.objects.all()] == ["z", "b", "a"]


def test_items_cascade_with_their_dashboard() -> None:
    dashboard = Dashboard.objects.create(code="a", name_vi="A")
    DashboardItem.objects.create(dashboard=dashboard, kind=ItemKind.KPI, config={"dx": "X"})
    dashboard.delete()
    assert DashboardItem.objects.count() == 0

"""The demo's dashboards load against the real demo metadata (every code exists, every config is valid)."""

from __future__ import annotations

import pytest

from ioc.audit.models import AuditEntry
from ioc.dashboards.config import dx_codes
from ioc.dashboards.demo import BOARDS, install_demo_dashboards
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.demo.agencies import do_create_demo_agencies
from ioc.demo.metadata import do_load_demo_metadata
from ioc.metadata.models import DataElement, Indicator
from ioc.orgunits.services import do_load_vn

SECTOR_TABS = {"health", "education", "transport", "tourism", "public-services", "digital"}


@pytest.fixture
def demo_metadata(db: None) -> None:
    do_load_vn(None, "26")
    do_create_demo_agencies(None)
    do_load_demo_metadata(None)


def test_install_is_complete_and_idempotent(demo_metadata: None) -> None:
    assert install_demo_dashboards(None) == len(BOARDS) == 7
    assert install_demo_dashboards(None) == 0
    assert set(Dashboard.objects.values_list("code", flat=True)) == SECTOR_TABS | {"overview"}
    assert list(Dashboard.objects.filter(is_overview=True).values_list("code", flat=True)) == ["overview"]
    for dashboard in Dashboard.objects.exclude(code="overview"):
        kinds = list(DashboardItem.objects.filter(dashboard=dashboard).values_list("kind", flat=True))
        assert 4 <= kinds.count("kpi") <= 6, dashboard.code
        assert 1 <= kinds.count("chart") <= 2 and kinds.count("table") == 1 and kinds.count("map") == 1
        assert dashboard.sector is not None and dashboard.name_en
    assert Dashboard.objects.get(code="public-services").sector.code == "PUBLIC_ADMIN"  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(action="dashboard.create").count() == 7


def test_every_item_uses_real_codes_and_both_languages(demo_metadata: None) -> None:
    install_demo_dashboards(None)
    known = set(DataElement.objects.values_list("code", flat=True)) | set(
        Indicator.objects.values_list("code", flat=True)
    )
    used = {code for item in DashboardItem.objects.all() for code in dx_codes(item.config)}
    assert used <= known
    indicators = set(Indicator.objects.values_list("code", flat=True))
    assert len(used & indicators) >= 18  # nearly all of the 21 indicators are on some dashboard
    assert not DashboardItem.objects.filter(title_vi="").exists()
    assert not DashboardItem.objects.filter(title_en="").exists()
    targets = {
        item.config["dx"]: item.config["target"]
        for item in DashboardItem.objects.filter(kind="kpi", dashboard__code__in=["health", "public-services"])
    }
    assert targets["IND_IMMUNISATION_COVERAGE"] == 95 and targets["IND_APPS_ONLINE_RATE"] == 80


def test_an_overview_chosen_by_the_operator_is_kept(demo_metadata: None) -> None:
    from ioc.dashboards.services import do_create_dashboard

    do_create_dashboard(None, code="mine", name_vi="Của tôi", is_overview=True)
    install_demo_dashboards(None)
    assert list(Dashboard.objects.filter(is_overview=True).values_list("code", flat=True)) == ["mine"]

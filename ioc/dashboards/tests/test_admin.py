from __future__ import annotations

import pytest
from django.test import Client

from ioc.accounts.testing import english, make_user
from ioc.audit.models import AuditEntry
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.dashboards.tests.conftest import DashWorld


@pytest.fixture
def admin_client(world: DashWorld) -> Client:
    root = make_user("root", ["admin"], is_staff=True, is_superuser=True)
    client = english(Client())
    client.force_login(root)
    return client


def test_admin_saves_through_the_services(world: DashWorld, admin_client: Client) -> None:
    assert admin_client.get("/admin/dashboards/dashboard/").status_code == 200
    form = {"code": "health", "name_vi": "Y tế", "name_en": "Health", "sector": "", "sort_order": "1"}
    form |= {"rotate_seconds": "30", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"}
    assert admin_client.post("/admin/dashboards/dashboard/add/", form).status_code == 302
    dashboard = Dashboard.objects.get(code="health")
    assert AuditEntry.objects.filter(action="dashboard.create", via="admin").count() == 1
    reserved = admin_client.post("/admin/dashboards/dashboard/add/", form | {"code": "wall"})
    assert reserved.status_code == 200 and "reserved" in reserved.content.decode()
    bad = admin_client.post(
        "/admin/dashboards/dashboarditem/add/",
        {"dashboard": dashboard.pk, "kind": "kpi", "width": "3", "config": '{"dx": "NOPE"}'},
    )
    assert bad.status_code == 200 and "config.dx" in bad.content.decode()
    assert not DashboardItem.objects.exists()
    good = admin_client.post(
        "/admin/dashboards/dashboarditem/add/",
        {"dashboard": dashboard.pk, "kind": "kpi", "width": "3", "config": '{"dx": "OPD", "target": 5}'},
    )
    assert good.status_code == 302
    item = DashboardItem.objects.get()
    assert item.config == {"dx": "OPD", "target": 5.0, "higher_is_better": None}
    assert admin_client.get(f"/admin/dashboards/dashboard/{dashboard.pk}/change/").status_code == 200


def test_admin_deletes_through_the_services(world: DashWorld, admin_client: Client) -> None:
    dashboard = do_create_dashboard(world.operator, code="health", name_vi="Y tế")
    item = do_create_item(world.operator, dashboard, kind="map", config={"dx": "OPD"})
    admin_client.post(f"/admin/dashboards/dashboarditem/{item.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.filter(action="dashboard_item.delete", via="admin").count() == 1
    admin_client.post(f"/admin/dashboards/dashboard/{dashboard.pk}/delete/", {"post": "yes"})
    assert not Dashboard.objects.exists()
    assert AuditEntry.objects.filter(action="dashboard.delete", via="admin").count() == 1

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ioc.accounts.models import User
from ioc.accounts.testing import english
from ioc.audit.models import AuditEntry
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.dashboards.tests.conftest import DashWorld


def client_for(user: User | None, **kwargs: Any) -> Client:
    client = english(Client(**kwargs))
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def health(world: DashWorld) -> Dashboard:
    dashboard = do_create_dashboard(world.operator, code="health", name_vi="Y tế", name_en="Health", sector="HEALTH")
    for title in ("A", "B", "C"):
        do_create_item(world.operator, dashboard, kind="kpi", title_vi=title, config={"dx": "OPD"})
    return dashboard


def titles(dashboard: Dashboard) -> list[str]:
    return list(
        DashboardItem.objects.filter(dashboard=dashboard).order_by("sort_order").values_list("title_vi", flat=True)
    )


def url(name: str, *args: str) -> str:
    return reverse(f"dashboards:{name}", args=args)


def test_an_operator_sees_the_list(health: Dashboard, world: DashWorld) -> None:
    page = client_for(world.operator).get(url("manage"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="dashboard-health"' in html and "Health" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_other_roles_get_403_everywhere(health: Dashboard, world: DashWorld) -> None:
    uid = DashboardItem.objects.filter(dashboard=health).first().uid  # type: ignore[union-attr]
    pages = [
        ("get", url("manage")),
        ("post", url("manage_create")),
        ("get", url("manage_edit", "health")),
        ("post", url("manage_edit", "health")),
        ("get", url("manage_delete", "health")),
        ("post", url("manage_delete", "health")),
        ("get", url("manage_item_new", "health") + "?kind=kpi"),
        ("post", url("manage_item_new", "health") + "?kind=kpi"),
        ("get", url("manage_item", "health", uid)),
        ("post", url("manage_item", "health", uid)),
        ("post", url("manage_item_move", "health", uid)),
        ("post", url("manage_item_delete", "health", uid)),
    ]
    for user in (world.w.leader, world.w.officer1, world.w.approver1):
        client = client_for(user)
        for method, path in pages:
            body = {"code": "x", "name_vi": "X", "rotate_seconds": "30", "dx": "OPD", "width": "3", "direction": "up"}
            response = getattr(client, method)(path, body)
            assert response.status_code == 403, (user.username, method, path)
    assert titles(health) == ["A", "B", "C"] and Dashboard.objects.count() == 1
    anonymous = client_for(None).get(url("manage"))
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_create_a_dashboard_and_see_errors_next_to_the_fields(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    bad = client.post(url("manage_create"), {"code": "health", "name_vi": "", "rotate_seconds": "2"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'data-testid="error-name_vi"' in html and 'data-testid="error-rotate_seconds"' in html
    taken = client.post(url("manage_create"), {"code": "health", "name_vi": "Y tế 2", "rotate_seconds": "30"})
    assert taken.status_code == 400 and 'data-testid="error-code"' in taken.content.decode()
    reserved = client.post(url("manage_create"), {"code": "wall", "name_vi": "Tường", "rotate_seconds": "30"})
    assert "reserved" in reserved.content.decode()
    made = client.post(
        url("manage_create"),
        {"code": "tourism", "name_vi": "Du lịch", "name_en": "Tourism", "sector": "HEALTH", "rotate_seconds": "45"},
    )
    assert made.status_code == 302 and made["Location"] == url("manage_edit", "tourism")
    created = Dashboard.objects.get(code="tourism")
    assert (created.name_en, created.sector.code if created.sector else None, created.rotate_seconds) == (
        "Tourism",
        "HEALTH",
        45,
    )
    assert AuditEntry.objects.filter(action="dashboard.create", via="form", object_id=str(created.pk)).count() == 1


def test_rename_and_delete(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    page = client.get(url("manage_edit", "health"))
    assert page.status_code == 200 and 'value="Y tế"' in page.content.decode()
    saved = client.post(
        url("manage_edit", "health"),
        {
            "code": "health",
            "name_vi": "Y tế cộng đồng",
            "name_en": "Health",
            "sector": "HEALTH",
            "rotate_seconds": "30",
        },
    )
    assert saved.status_code == 302
    assert Dashboard.objects.get(code="health").name_vi == "Y tế cộng đồng"
    confirm = client.get(url("manage_delete", "health"))
    assert "3 items" in confirm.content.decode()
    assert client.post(url("manage_delete", "health")).status_code == 302
    assert not Dashboard.objects.exists() and not DashboardItem.objects.exists()


def test_add_a_kpi_with_errors_next_to_the_fields(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    form = client.get(url("manage_item_new", "health") + "?kind=kpi")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'name="target"' in html and 'name="chart"' not in html
    assert 'value="PUPILS_PER_VISIT"' in html and 'value="NOTE"' not in html  # no text elements
    bad = client.post(url("manage_item_new", "health") + "?kind=kpi", {"dx": "", "target": "much", "width": "13"})
    assert bad.status_code == 400
    html = bad.content.decode()
    for field in ("dx", "target", "width"):
        assert f'data-testid="error-{field}"' in html, field
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"  # a Vietnamese decimal comma
    made = client.post(
        url("manage_item_new", "health") + "?kind=kpi",
        {"title_vi": "Tỷ lệ", "dx": "PUPILS_PER_VISIT", "target": "50,5", "higher_is_better": "no", "width": "4"},
    )
    assert made.status_code == 302
    item = DashboardItem.objects.get(title_vi="Tỷ lệ")
    assert item.config == {"dx": "PUPILS_PER_VISIT", "target": 50.5, "higher_is_better": False}
    assert (item.width, item.sort_order) == (4, 3)


def test_add_a_chart_and_a_table(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    made = client.post(
        url("manage_item_new", "health") + "?kind=chart",
        {"dx": ["OPD", "VISITS_X2"], "chart": "column", "by": "period", "periods": "LAST_3_MONTHS", "width": "6"},
    )
    assert made.status_code == 302
    chart = DashboardItem.objects.get(kind="chart")
    assert chart.config == {"dx": ["OPD", "VISITS_X2"], "by": "period", "chart": "column", "periods": "LAST_3_MONTHS"}
    made = client.post(
        url("manage_item_new", "health") + "?kind=table",
        {"dx": ["OPD"], "by": "unit", "sort": "asc", "limit": "5", "periods": "LAST_12_MONTHS", "width": "6"},
    )
    assert made.status_code == 302
    assert DashboardItem.objects.get(kind="table").config["limit"] == 5
    bad = client.post(url("manage_item_new", "health") + "?kind=table", {"dx": ["NOPE"], "by": "unit", "limit": "0"})
    assert bad.status_code == 400 and 'data-testid="error-limit"' in bad.content.decode()


def test_edit_an_item_and_change_its_kind(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    item = DashboardItem.objects.get(title_vi="B")
    page = client.get(url("manage_item", "health", item.uid))
    assert page.status_code == 200 and 'value="B"' in page.content.decode()
    as_chart = client.get(url("manage_item", "health", item.uid) + "?kind=chart").content.decode()
    assert 'name="chart"' in as_chart and "multiple" in as_chart
    assert '<option value="OPD" selected>' in as_chart  # the data item is kept
    saved = client.post(
        url("manage_item", "health", item.uid) + "?kind=chart",
        {"title_vi": "B", "dx": ["OPD"], "chart": "line", "by": "unit", "periods": "LAST_12_MONTHS", "width": "12"},
    )
    assert saved.status_code == 302
    item.refresh_from_db()
    assert (item.kind, item.width, item.config["by"]) == ("chart", 12, "unit")
    assert "periods" not in item.config or item.config["periods"] == "LAST_12_MONTHS"


def test_move_and_remove(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    b = DashboardItem.objects.get(title_vi="B")
    assert client.post(url("manage_item_move", "health", b.uid), {"direction": "up"}).status_code == 302
    assert titles(health) == ["B", "A", "C"]
    client.post(url("manage_item_move", "health", b.uid), {"direction": "down"})
    client.post(url("manage_item_move", "health", b.uid), {"direction": "down"})
    assert titles(health) == ["A", "C", "B"]
    client.post(url("manage_item_move", "health", b.uid), {"direction": "sideways"})
    assert titles(health) == ["A", "C", "B"]
    assert client.post(url("manage_item_delete", "health", b.uid)).status_code == 302
    assert titles(health) == ["A", "C"]
    assert client.get(url("manage_item_move", "health", b.uid)).status_code == 405
    assert client.post(url("manage_item_delete", "health", b.uid)).status_code == 404


def test_forms_need_the_csrf_token(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator, enforce_csrf_checks=True)
    b = DashboardItem.objects.get(title_vi="B")
    assert client.post(url("manage_create"), {"code": "x", "name_vi": "X", "rotate_seconds": "30"}).status_code == 403
    assert client.post(url("manage_item_move", "health", b.uid), {"direction": "up"}).status_code == 403
    assert client.post(url("manage_delete", "health")).status_code == 403
    assert titles(health) == ["A", "B", "C"] and Dashboard.objects.count() == 1
    page = client.get(url("manage"))
    token = page.context["csrf_token"]
    accepted = client.post(
        url("manage_create"), {"code": "x", "name_vi": "X", "rotate_seconds": "30", "csrfmiddlewaretoken": str(token)}
    )
    assert accepted.status_code == 302


def test_unknown_dashboard_or_item_is_404(health: Dashboard, world: DashWorld) -> None:
    client = client_for(world.operator)
    assert client.get(url("manage_edit", "nope")).status_code == 404
    assert client.get(url("manage_item", "health", "Xxxxxxxxxxx")).status_code == 404
    bad_kind = client.get(url("manage_item_new", "health") + "?kind=pie")
    assert bad_kind.status_code == 302

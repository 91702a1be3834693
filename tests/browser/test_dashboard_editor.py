"""The dashboard editor in a real browser: an operator creates a dashboard, adds a KPI tile (with a Vietnamese
decimal comma) and a chart, sees an error next to the field it concerns, reorders the items with the ↑ ↓
buttons (htmx swaps only the list), and the page works on a phone; no console errors anywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ioc.accounts.testing import make_user
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.entry.testing import build_world
from ioc.metadata.models import Sector
from ioc.web.testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any
Shot = Callable[[Page, str], Path]


@pytest.fixture
def operator(live_server: Any) -> Any:
    w = build_world()
    Sector.objects.create(code="HEALTH", name_vi="Y tế", name_en="Health")
    return make_user("vanhanh", ["operator"], view=[w.p])


def titles() -> list[str]:
    return list(DashboardItem.objects.order_by("sort_order").values_list("title_vi", flat=True))


def test_operator_builds_a_dashboard(
    live_server: Any, operator: Any, page: Page, page_errors: Any, screenshot: Shot
) -> None:
    login(page, live_server.url, "vanhanh")
    page.goto(f"{live_server.url}/ops/manage/")
    form = page.locator('[data-testid="new-dashboard"]')
    form.locator("#id_code").fill("health")
    form.locator("#id_name_vi").fill("Y tế")
    form.locator("#id_name_en").fill("Health")
    form.locator("#id_sector").select_option("HEALTH")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/ops/manage/health/")
    assert Dashboard.objects.get(code="health").sector is not None

    page.click('[data-testid="add-kpi"]')
    page.select_option("#id_dx", "OPD")
    page.fill("#id_title_vi", "Lượt khám")
    page.fill("#id_target", "nhiều")
    page.click('[data-testid="item-form"] button[type=submit]')
    assert page.locator('[data-testid="error-target"]').is_visible()  # next to the field, nothing saved
    assert not DashboardItem.objects.exists()
    assert page_errors.expect_http_status(400) == 1  # the form with its errors is answered 400
    screenshot(page, "dashboard-editor-item-error")
    page.fill("#id_target", "1.200,5")
    page.click('[data-testid="item-form"] button[type=submit]')
    page.wait_for_url("**/ops/manage/health/")
    assert DashboardItem.objects.get().config["target"] == 1200.5

    page.click('[data-testid="add-chart"]')
    page.select_option("#id_dx", ["OPD", "RATE"])
    page.fill("#id_title_vi", "Xu hướng")
    page.select_option("#id_chart", "column")
    page.click('[data-testid="item-form"] button[type=submit]')
    page.wait_for_url("**/ops/manage/health/")
    assert titles() == ["Lượt khám", "Xu hướng"]
    screenshot(page, "dashboard-editor")

    page.locator('[data-testid="item-2"] button[value="up"]').click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"item-1\"]').textContent.includes('Xu hướng')")
    assert titles() == ["Xu hướng", "Lượt khám"]
    assert page.locator('[data-testid="item-1"] button[value="up"]').is_disabled()

    phone = page.context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{live_server.url}/ops/manage/health/")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # nothing wider than the phone
    screenshot(phone, "dashboard-editor-phone")

"""The operations screen (Trung tâm điều hành) in a real browser: the KPI tiles with Vietnamese and English
numbers, a click on a district of the map that drills down (KPIs, breadcrumbs and the address follow), the
back button, a language switch, a value entered through the data-entry form that reaches the wall display
within seconds, wall mode, a phone, screenshots, and no console errors.

The world (ioc.entry.testing.build_world) with OPD values for last month (M), the month before and the same
month a year earlier, and a little history for the trend chart:

    OPD          M      M-1    M-12            RATE (average)   M
    C1        1200     1000     900             C1             92
    C2         300      250     300             C2             88
    C3        2345     2000    2100             C3             96
    D1 (C1+C2) 1500    1250    1200  → +20,0 % / +25,0 %
    D2 (C3)   2345     2000    2100
    P         3845     3250    3300  → +18,3 % / +16,5 %; target 4000 → "close to target" (within 10 %)
    RATE P: 92 (target 90: on target); D1: 90
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ioc.analytics.engine import clear_cache
from ioc.analytics.replica import replica
from ioc.core.periods import MONTHLY, period_for_date
from ioc.dashboards.models import Dashboard
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.entry.testing import World, build_world
from ioc.metadata.models import Indicator
from ioc.web.testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any  # playwright.sync_api.Page; imported lazily so that collection works without the browser
Shot = Callable[[Page, str], Path]
WAIT_MS = 15_000  # the wall polls every 5 s; a new value must show well within this

# D1 gets a boundary (a choropleth polygon); D2 and the communes only a centre point (circles).
D1_SQUARE = {
    "type": "Polygon",
    "coordinates": [[[105.40, 21.30], [105.60, 21.30], [105.60, 21.50], [105.40, 21.50], [105.40, 21.30]]],
}


@dataclass
class OpsWorld:
    w: World
    board: Dashboard
    month: str


def build_ops_world() -> OpsWorld:
    replica.reset()  # the database was emptied since the last test: the replica must load afresh
    clear_cache()
    w = build_world()
    Indicator.objects.create(
        code="VISITS_K", name_vi="Nghìn lượt khám", name_en="Thousand visits", numerator="#{OPD}", denominator="1000",
        decimals=2, unit="nghìn",
    )  # fmt: skip
    w.d1.geometry = D1_SQUARE
    w.d1.latitude, w.d1.longitude = 21.40, 105.50
    w.d1.save()
    for unit, lat, lng in ((w.d2, 21.25, 105.75), (w.c1, 21.45, 105.45), (w.c2, 21.35, 105.55)):
        unit.latitude, unit.longitude = lat, lng
        unit.save()
    month = period_for_date(MONTHLY, timezone.localdate()).previous()
    opd = {  # unit: (M, M-1, M-12)
        w.c1: (1200, 1000, 900),
        w.c2: (300, 250, 300),
        w.c3: (2345, 2000, 2100),
    }
    rows = []
    for unit, (now, before, last_year) in opd.items():
        for period, value in ((month, now), (month.shift(-1), before), (month.shift(-12), last_year)):
            rows.append(BulkValue(w.opd.pk, unit.pk, period.id, w.default.pk, value))
        for back in range(2, 12):  # history for the trend chart
            rows.append(
                BulkValue(w.opd.pk, unit.pk, month.shift(-back).id, w.default.pk, round(now * (1 - 0.03 * back)))
            )
    for unit, rate in ((w.c1, 92), (w.c2, 88), (w.c3, 96)):
        rows.append(BulkValue(w.rate.pk, unit.pk, month.id, w.default.pk, rate))
    do_bulk_load(None, rows, source="ops screen test")

    board = do_create_dashboard(
        w.admin, code="Y_TE", name_vi="Y tế", name_en="Health", is_overview=True, rotate_seconds=30
    )
    do_create_item(
        w.admin, board, kind="kpi", title_vi="Lượt khám", title_en="Visits", config={"dx": "OPD", "target": 4000}
    )
    do_create_item(w.admin, board, kind="kpi", config={"dx": "RATE", "target": 90})
    do_create_item(w.admin, board, kind="kpi", config={"dx": "VISITS_K"})
    do_create_item(w.admin, board, kind="kpi", config={"dx": "PUPILS"})  # no values: "—"
    do_create_item(
        w.admin, board, kind="chart", width=6, title_vi="Xu hướng lượt khám", title_en="Visits trend",
        config={"dx": ["OPD"], "by": "period", "chart": "line", "periods": "LAST_12_MONTHS"},
    )  # fmt: skip
    do_create_item(w.admin, board, kind="map", width=6, config={"dx": "OPD"})
    do_create_item(w.admin, board, kind="table", width=12, config={"dx": ["OPD", "RATE"], "by": "unit"})
    return OpsWorld(w=w, board=board, month=month.id)


@pytest.fixture
def world(live_server: Any) -> OpsWorld:
    return build_ops_world()


def kpi(page: Page, code: str) -> str:
    return page.locator(f'[data-testid="kpi-{code}"] .ops-kpi__number').inner_text().strip()


def kpi_changes(page: Page, code: str) -> list[str]:
    return [t.strip() for t in page.locator(f'[data-testid="kpi-{code}"] .ops-change__figure').all_inner_texts()]


def crumbs(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("#ops-crumbs li").all_inner_texts()]


def wait_for_kpi(page: Page, code: str, text: str) -> None:
    page.wait_for_function(
        '([code, text]) => { const n = document.querySelector(`[data-testid="kpi-${code}"] .ops-kpi__number`);'
        " return n && n.textContent.trim() === text; }",
        arg=[code, text],
        timeout=WAIT_MS,
    )


def wait_ready(page: Page) -> None:
    page.wait_for_function("() => document.querySelector('#ops').getAttribute('aria-busy') === 'false'")
    page.wait_for_selector('[data-testid="map-unit"]')
    page.wait_for_timeout(300)  # let the chart's short animation finish before a screenshot


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_kpis_drill_down_language_and_back(
    live_server: Any, world: OpsWorld, new_page: Callable[..., Page], screenshot: Shot
) -> None:
    w = world.w
    page = new_page()
    login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/ops/")
    wait_ready(page)
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#ops-title").inner_text() == "Y tế"

    # The province: Vietnamese numbers, changes with arrows, the target and its status colour.
    assert kpi(page, "OPD") == "3.845"
    assert kpi_changes(page, "OPD") == ["▲ +18,3%", "▲ +16,5%"]
    assert "ops-kpi--warning" in (page.locator('[data-testid="kpi-OPD"]').get_attribute("class") or "")
    assert "4.000" in page.locator('[data-testid="kpi-OPD"] .ops-kpi__target').inner_text()
    assert kpi(page, "RATE") == "92"
    assert "ops-kpi--good" in (page.locator('[data-testid="kpi-RATE"]').get_attribute("class") or "")
    assert kpi(page, "PUPILS") == "—"  # no values: a dash, not a zero
    assert crumbs(page) == ["Tỉnh Thử"]
    # The map: D1 filled from its boundary, D2 a circle on its centre point; hover shows the value.
    d1 = page.locator(f'[data-testid="map-unit"][data-uid="{w.d1.uid}"]')
    d2 = page.locator(f'[data-testid="map-unit"][data-uid="{w.d2.uid}"]')
    assert d1.count() == 1 and d2.count() == 1
    assert "ops-map__unit--approx" in (d2.get_attribute("class") or "")
    d2.hover()
    tip = page.locator(".ops-map__tooltip")
    tip.wait_for()
    assert "Huyện Lập Thạch" in tip.inner_text() and "2.345" in tip.inner_text()
    assert "gần đúng" in tip.inner_text()
    # The ranking: D2 (2.345) above D1 (1.500).
    ranks = page.locator(".ops-rank tbody tr")
    assert ranks.nth(0).locator(".ops-rank__name").inner_text() == "Huyện Lập Thạch"
    assert ranks.nth(1).locator("td.num").nth(1).inner_text() == "1.500"
    screenshot(page, "ops-overview-vi-desktop")

    # Click the district on the map: the KPIs, breadcrumbs and address follow.
    d1.click()
    wait_for_kpi(page, "OPD", "1.500")
    assert kpi_changes(page, "OPD") == ["▲ +20,0%", "▲ +25,0%"]
    assert "ops-kpi--bad" in (page.locator('[data-testid="kpi-OPD"]').get_attribute("class") or "")
    assert kpi(page, "RATE") == "90"
    assert kpi(page, "VISITS_K") == "1,5"  # the decimal comma
    assert crumbs(page) == ["Tỉnh Thử", "Huyện Tam Đảo"]
    assert f"ou={w.d1.uid}" in page.url
    page.locator(f'[data-testid="map-unit"][data-uid="{w.c1.uid}"]').wait_for()
    assert page.locator("#ops-unit").input_value() == w.d1.uid
    screenshot(page, "ops-drill-vi-desktop")

    # The back button returns to the province; the breadcrumb goes back down and up again.
    page.go_back()
    wait_for_kpi(page, "OPD", "3.845")
    assert crumbs(page) == ["Tỉnh Thử"]
    page.go_forward()
    wait_for_kpi(page, "OPD", "1.500")
    page.locator("#ops-crumbs a", has_text="Tỉnh Thử").click()
    wait_for_kpi(page, "OPD", "3.845")

    # Another period from the filter: the month before (every item follows, the address too).
    before = period_for_date(MONTHLY, timezone.localdate()).previous().previous().id
    page.select_option("#ops-period", before)
    wait_for_kpi(page, "OPD", "3.250")
    assert f"pe={before}" in page.url
    # The units as they were (this small world was never reorganised: the same figures), from the ranking.
    page.select_option("#ops-structure", "AS_IT_WAS")
    page.wait_for_function("() => location.search.includes('structure=AS_IT_WAS')")
    page.locator(".ops-rank .ops-link", has_text="Huyện Tam Đảo").click()
    wait_for_kpi(page, "OPD", "1.250")
    assert crumbs(page) == ["Tỉnh Thử", "Huyện Tam Đảo"]
    assert f"pe={before}" in page.url and "structure=AS_IT_WAS" in page.url

    # A shared link opens the same view; switching the language keeps it, with English numbers.
    page.goto(f"{live_server.url}/ops/?ou={w.d1.uid}")
    wait_for_kpi(page, "OPD", "1.500")
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    wait_for_kpi(page, "OPD", "1,500")
    assert f"ou={w.d1.uid}" in page.url
    assert page.locator("#ops-title").inner_text() == "Health"
    assert kpi_changes(page, "OPD") == ["▲ +20.0%", "▲ +25.0%"]
    assert kpi(page, "VISITS_K") == "1.5"
    assert "vs same period last year" in page.locator('[data-testid="kpi-OPD"]').inner_text()
    page.goto(f"{live_server.url}/ops/")
    wait_ready(page)
    assert kpi(page, "OPD") == "3,845"
    screenshot(page, "ops-overview-en-desktop")


def test_phone_layout_in_both_languages(
    live_server: Any, world: OpsWorld, new_page: Callable[..., Page], screenshot: Shot
) -> None:
    for language in ("vi", "en"):
        phone = new_page("phone")
        login(phone, live_server.url, "leader")
        if language == "en":
            phone.click(".lang-switch button[value=en]")
            phone.wait_for_load_state()
        phone.goto(f"{live_server.url}/ops/")
        wait_ready(phone)
        assert kpi(phone, "OPD") == ("3.845" if language == "vi" else "3,845")
        # The tiles stack: one per row, as wide as the screen's content.
        boxes = [phone.locator(f'[data-testid="kpi-{c}"]').bounding_box() for c in ("OPD", "RATE")]
        assert boxes[0] and boxes[1] and boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1
        assert boxes[0]["width"] > 300
        assert no_sideways_scroll(phone)
        screenshot(phone, f"ops-overview-{language}-phone")


def test_a_value_entered_in_the_form_reaches_the_wall_within_seconds(
    live_server: Any, world: OpsWorld, new_page: Callable[..., Page], screenshot: Shot
) -> None:
    w = world.w
    wall = new_page()
    wall.set_viewport_size({"width": 1920, "height": 1080})
    login(wall, live_server.url, "leader")
    wall.goto(f"{live_server.url}/ops/wall/?ou={w.d1.uid}")
    wait_ready(wall)
    assert "page-ops-wall" in (wall.locator("body").get_attribute("class") or "")
    assert not wall.locator(".site-header").is_visible()  # full screen: no page chrome
    assert kpi(wall, "OPD") == "1.500"
    assert wall.locator("#wall-clock").inner_text().count(":") == 2
    # "Data as of" in the province's time, dd/mm/yyyy HH:MM, whatever the browser's time zone.
    stamp = dt.datetime.fromisoformat(wall.locator("#ops-asof").get_attribute("datetime") or "")
    local = stamp.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert wall.locator("#ops-asof").inner_text() == local.strftime("%d/%m/%Y %H:%M")
    generation = wall.locator("#ops").get_attribute("data-generation")
    screenshot(wall, "ops-wall-vi-desktop")

    # A data officer types a new value for commune C1 (in D1) into the collection form.
    officer = new_page()
    login(officer, live_server.url, "officer1")
    officer.goto(f"{live_server.url}/entry/?data_set=HEALTH&org_unit={w.c1.uid}&period={world.month}")
    cell = officer.locator('input[data-de="OPD"][data-coc="default"]')
    cell.click()
    officer.keyboard.press("Control+a")
    officer.keyboard.type("1300")
    officer.keyboard.press("Tab")
    officer.wait_for_function(
        "() => document.querySelector('input[data-de=\"OPD\"]').closest('td').classList.contains('cell--saved')"
    )

    # The wall shows it without a reload: D1 1.500 → 1.600.
    wait_for_kpi(wall, "OPD", "1.600")
    assert wall.locator("#ops").get_attribute("data-generation") != generation
    ranks = wall.locator(".ops-rank tbody tr")
    assert "1.300" in ranks.first.inner_text()  # C1 now leads the communes of D1

    # The same wall in English.
    wall.goto(f"{live_server.url}/ops/")
    wall.click(".lang-switch button[value=en]")
    wall.wait_for_load_state()
    wall.goto(f"{live_server.url}/ops/wall/")
    wait_ready(wall)
    assert kpi(wall, "OPD") == "3,945"
    assert "Data as of" in wall.locator(".wall-asof").inner_text()
    screenshot(wall, "ops-wall-en-desktop")

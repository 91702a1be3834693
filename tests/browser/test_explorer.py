"""The data explorer in a real browser: an operator picks a data element, two months and the districts of the
province, reads the right numbers in the pivot table (Vietnamese number format), exports CSV and PNG, saves
the pivot on a dashboard, and opens the shared link again; on a phone the table scrolls inside its box; in
English the numbers follow the English format. A leader sees no save form.

    P1 Tỉnh Thử ── D1 Huyện Tam Đảo ── C1 (1 200 in 01/2024, 1 500 in 02/2024), C2 (34, 66)
                └─ D2 Huyện Lập Thạch ── C3 (2 000 000 in 01/2024)
    → D1: 1.234 and 1.566; D2: 2.000.000 and nothing; P1: 2.001.234.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ioc.accounts.models import User
from ioc.accounts.testing import make_user
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.entry.testing import World, build_world
from ioc.orgunits.models import OrgUnitLevel
from ioc.web.testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any
Shot = Callable[[Page, str], Path]


@dataclass
class ExplorerWorld:
    w: World
    operator: User
    board: Dashboard


@pytest.fixture
def world(live_server: Any) -> ExplorerWorld:
    w = build_world()
    for level, vi, en in [(1, "Tỉnh", "Province"), (2, "Huyện", "District"), (3, "Xã", "Commune")]:
        OrgUnitLevel.objects.create(level=level, code=en.lower(), name_vi=vi, name_en=en)
    rows = [(w.c1, "202401", 1200), (w.c1, "202402", 1500), (w.c2, "202401", 34), (w.c2, "202402", 66)]
    rows.append((w.c3, "202401", 2_000_000))
    values = [BulkValue(w.opd.pk, u.pk, pe, w.default.pk, v) for u, pe, v in rows]
    values += [
        BulkValue(w.pupils.pk, w.c1.pk, "202401", w.male.pk, 30),
        BulkValue(w.pupils.pk, w.c1.pk, "202401", w.female.pk, 45),
    ]
    do_bulk_load(None, values, source="explorer test")
    operator = make_user("vanhanh", ["operator"], view=[w.p])
    board = Dashboard.objects.create(code="health", name_vi="Y tế", name_en="Health", sort_order=1)
    return ExplorerWorld(w=w, operator=operator, board=board)


def cell(page: Page, unit: Any, period: str) -> str:
    text: str = page.locator(f'#ex-table td[data-dx="OPD"][data-ou="{unit.uid}"][data-pe="{period}"]').inner_text()
    return text.strip()


def wait_table(page: Page) -> None:
    page.wait_for_selector("#ex-table td")
    page.wait_for_function("() => !document.getElementById('explorer').hasAttribute('aria-busy')")


def choose_pivot(page: Page, world: ExplorerWorld) -> None:
    page.wait_for_selector('#dx-list input[value="OPD"]')
    page.fill("#dx-search", "luot kham")  # without diacritics, as typed on any keyboard
    assert page.locator('#dx-list input[value="PUPILS"]').is_hidden()
    page.check('#dx-list input[value="OPD"]')
    page.select_option("#pe-type", "Monthly")
    page.select_option("#pe-year", "2024")
    page.check('#pe-list input[value="202401"]')
    page.check('#pe-list input[value="202402"]')
    page.check(f'#ou-tree input[value="{world.w.p.uid}"]')
    page.select_option("#ou-level", "LEVEL-2")
    page.check('input[name=structure][value="AS_IT_WAS"]')


def test_pick_see_export_and_save(
    live_server: Any, world: ExplorerWorld, page: Page, screenshot: Shot, tmp_path: Path
) -> None:
    w = world.w
    login(page, live_server.url, "vanhanh")
    page.goto(f"{live_server.url}/ops/explorer/")
    assert page.locator("html").get_attribute("lang") == "vi"
    choose_pivot(page, world)
    wait_table(page)
    assert cell(page, w.d1, "202401") == "1.234"
    assert cell(page, w.d1, "202402") == "1.566"
    assert cell(page, w.d2, "202401") == "2.000.000"
    assert cell(page, w.d2, "202402") == ""
    assert page.locator(f'#ex-table td[data-ou="{w.p.uid}"]').count() == 0  # LEVEL-2 names the districts only
    assert page.locator(".ex-pivot thead th[data-pe='202401']").inner_text().strip() == "Tháng 1/2024" or (
        page.locator(".ex-pivot thead th[data-pe='202401']").inner_text().strip() == "Month 1/2024"
    )  # the period's name (Vietnamese once the catalogue is compiled)
    assert page.locator("#ex-chart canvas").count() == 1
    assert "dx=OPD" in page.url and "pe=202401;202402" in page.url and "structure=AS_IT_WAS" in page.url
    screenshot(page, "explorer-vi-desktop")

    # CSV: the same question as the table, from the analytics API.
    with page.expect_download() as download:
        page.click("#ex-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    # One row per cell, codes beside names; the columns' order is the API's, so find the rows by their codes.
    by_unit_period = {(u, pe): r[-1] for r in table[1:] for u in ("D1", "D2") for pe in r if u in r}
    assert len(table) == 1 + 3 and by_unit_period[("D1", "202401")] in ("1234", "1234.0")
    assert by_unit_period[("D2", "202401")] in ("2000000", "2000000.0")
    # PNG: the chart as drawn.
    with page.expect_download() as download:
        page.click("#ex-png")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Put the districts on the columns and the months on the rows: same numbers, other places.
    page.select_option('select[data-layout="ou"]', "columns")
    page.select_option('select[data-layout="pe"]', "rows")
    page.wait_for_function("() => document.querySelector('.ex-pivot thead th[data-ou]') !== null")
    wait_table(page)
    assert cell(page, w.d1, "202402") == "1.566"

    # Save as a chart on the health dashboard.
    page.select_option("#save-dashboard", "health")
    page.select_option("#save-kind", "chart")
    page.fill("#save-title", "Lượt khám theo huyện")
    page.fill("#save-title-en", "Visits by district")
    page.click("#ex-save-button")
    page.wait_for_selector("#ex-save-result:not([hidden])")
    assert page.locator("#ex-save-result").get_attribute("role") == "status"
    assert page.locator("#ex-save-open").get_attribute("href") == "/ops/health/"
    item = DashboardItem.objects.get(dashboard=world.board)
    assert (item.kind, item.title_vi, item.title_en) == ("chart", "Lượt khám theo huyện", "Visits by district")
    assert item.config == {"dx": ["OPD"], "by": "unit", "chart": "column", "periods": "LAST_12_MONTHS"}
    screenshot(page, "explorer-saved-vi-desktop")

    # The address is the pivot: opening it again shows the same table.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    wait_table(page)
    assert cell(page, w.d1, "202401") == "1.234"
    assert page.locator("#dx-chips .ex-chip__name").inner_text() == "Lượt khám"
    assert page.locator("#ou-chips .ex-chip__name").inner_text() == "Tỉnh Thử"
    assert page.locator('select[data-layout="ou"]').input_value() == "columns"


def test_a_phone_scrolls_the_table_in_its_box_and_english_formats_numbers(
    live_server: Any, world: ExplorerWorld, new_page: Callable[..., Page], screenshot: Shot
) -> None:
    w = world.w
    many = ";".join(f"2024{m:02d}" for m in range(1, 13))
    url = (
        f"{live_server.url}/ops/explorer/?dx=OPD&pe={many}&ou={w.p.uid};LEVEL-3&structure=AS_IT_WAS&rows=ou&columns=pe"
    )
    phone = new_page("phone")
    login(phone, live_server.url, "leader")
    phone.goto(url)
    wait_table(phone)
    assert cell(phone, w.c3, "202401") == "2.000.000"
    box = phone.locator("#ex-table")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # twelve months do not fit: the box scrolls
    assert phone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # the page does not
    assert phone.locator("#ex-save").count() == 0  # a leader may not change dashboards
    screenshot(phone, "explorer-vi-phone")

    phone.click(".lang-switch button[value=en]")
    phone.wait_for_load_state()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "pe=" in phone.url and "LEVEL-3" in phone.url  # the language switch kept the pivot
    wait_table(phone)
    assert cell(phone, w.c3, "202401") == "2,000,000"
    assert cell(phone, w.c1, "202401") == "1,200"
    screenshot(phone, "explorer-en-phone")


def test_split_by_disaggregation_and_a_unit_outside_the_scope(
    live_server: Any, world: ExplorerWorld, page: Page, page_errors: Any
) -> None:
    w = world.w
    login(page, live_server.url, "officer1")  # sees Huyện Tam Đảo (D1) only
    page.goto(f"{live_server.url}/ops/explorer/?dx=PUPILS&pe=202401&ou={w.d1.uid}&rows=ou&columns=pe")
    wait_table(page)
    page.check("#dx-co")
    page.wait_for_selector("#ex-table td[data-co]")
    wait_table(page)
    assert "rows=ou;dx;co" in page.url
    male = page.locator('#ex-table td[data-co="SEX_M"][data-pe="202401"]').inner_text().strip()
    female = page.locator('#ex-table td[data-co="SEX_F"][data-pe="202401"]').inner_text().strip()
    assert (male, female) == ("30", "45")
    assert page.locator('#ex-table th[data-co="SEX_F"]').inner_text().strip() == "Nữ"
    assert page.locator("#ex-save").count() == 0  # a data officer may not change dashboards
    # The tree offers only the officer's district; a shared link naming another district is refused, saying why.
    assert page.locator("#ou-tree input[name=ou]").evaluate_all("boxes => boxes.map(b => b.value)") == [w.d1.uid]
    page.goto(f"{live_server.url}/ops/explorer/?dx=OPD&pe=202401&ou={w.d2.uid}")
    page.wait_for_selector("#ex-status.ex-status--error")
    assert "Huyện Lập Thạch" in page.locator("#ex-status").inner_text()
    assert page.locator("#ex-table td").count() == 0
    assert page_errors.expect_http_status(403) == 2  # the unit's name, then the analytics answer

"""The pages in a real browser: Vietnamese first, English on request, login throttling, the home page's
counts, logout, a phone-sized screen, and no console errors (CSP violations included) anywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from ioc.web.testing import World, build_world, forget_cached_counts, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any  # playwright.sync_api.Page; imported lazily so that collection works without the browser
Shot = Callable[[Page, str], Path]


@pytest.fixture
def world(live_server: Any) -> World:
    return build_world()


def tile(page: Page, name: str) -> str:
    return page.locator(f"[data-testid={name}]").inner_text().strip()


def test_login_page_is_vietnamese_by_default(live_server: Any, world: World, page: Page, screenshot: Shot) -> None:
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/"
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_label("Tên đăng nhập").is_visible()
    assert page.get_by_label("Mật khẩu").is_visible()
    assert page.locator("form.form button[type=submit]").inner_text().strip() == "Đăng nhập"
    assert "Trung tâm Điều hành thông minh" in page.locator(".brand__name").inner_text()
    assert page.locator(".synthetic-banner").is_visible()
    assert "Dữ liệu mô phỏng" in page.locator(".synthetic-banner strong").text_content()
    assert page.locator(".lang-switch button[value=vi]").get_attribute("aria-pressed") == "true"
    screenshot(page, "login-vi-desktop")


def test_wrong_password_shows_an_error_then_five_lock_the_login(
    live_server: Any, world: World, page: Page, screenshot: Shot, page_errors: Any
) -> None:
    login(page, live_server.url, "admin", "sai-mat-khau")
    assert page.locator("[role=alert]").inner_text().startswith("Tên đăng nhập hoặc mật khẩu không đúng")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    screenshot(page, "login-error-vi-desktop")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(page, live_server.url, "admin", "sai-mat-khau")
    assert page.locator("h1").inner_text() == "Tạm khóa đăng nhập"
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    assert f"Vui lòng thử lại sau {minutes} phút." in page.locator("[role=alert]").inner_text()
    screenshot(page, "locked-vi-desktop")
    # The right password does not get through while locked.
    login(page, live_server.url, "admin")
    assert page.locator("h1").inner_text() == "Tạm khóa đăng nhập"
    assert page_errors.expect_http_status(429) == 2  # the two locked answers, nothing else


def test_switch_to_english_works_and_persists(live_server: Any, world: World, page: Page, screenshot: Shot) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.click(".lang-switch button[value=en]")
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/accounts/login/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_label("Username").is_visible()
    assert page.get_by_label("Password").is_visible()
    screenshot(page, "login-en-desktop")

    login(page, live_server.url, "admin")
    assert page.url == f"{live_server.url}/ops/"  # a login lands on the operations screen
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "System overview"
    page.reload()
    assert page.locator("h1").inner_text() == "System overview"
    screenshot(page, "home-en-desktop")

    page.click(".lang-switch button[value=vi]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tổng quan hệ thống"
    assert page.url == f"{live_server.url}/"


def test_home_shows_what_is_in_the_system(live_server: Any, world: World, page: Page, screenshot: Shot) -> None:
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/")  # a login lands on /ops/; these tests are about home
    assert page.locator("h1").inner_text() == "Tổng quan hệ thống"
    assert tile(page, "units-open") == "2"
    assert tile(page, "data-sets") == "1"
    assert tile(page, "data-elements") == "2"
    assert tile(page, "indicators") == "1"
    assert tile(page, "values") == str(world.values_total)
    assert "Báo cáo y tế hằng tháng" in page.locator("[data-testid=data-set-table]").inner_text()
    imports = page.locator("[data-testid=import-table]").inner_text()
    assert "demo: Vĩnh Phúc 2024" in imports and "thành công" in imports
    assert "Quản trị viên" in page.locator("[data-testid=account]").inner_text()
    screenshot(page, "home-vi-desktop")


def test_values_tile_refreshes_in_place_with_htmx(live_server: Any, world: World, page: Page) -> None:
    from ioc.datavalues.models import DataValue

    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/")  # a login lands on /ops/; these tests are about home
    before = int(tile(page, "values"))
    DataValue.objects.filter(deleted=True).update(deleted=False)
    forget_cached_counts()
    with page.expect_response(lambda r: "/partials/values/" in r.url):
        page.click("#values-tile .tile__refresh")
    page.wait_for_function(f"document.querySelector('[data-testid=values]').innerText.trim() !== '{before}'")
    assert int(tile(page, "values")) == before + 1
    assert page.url == f"{live_server.url}/"  # swapped in place, no navigation


def test_htmx_posts_carry_the_csrf_token(live_server: Any, world: World, page: Page) -> None:
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/")  # a login lands on /ops/; these tests are about home
    # htmx is configured for the CSP: no eval, no inline scripts from swapped HTML.
    assert page.evaluate("[htmx.config.allowEval, htmx.config.allowScriptTags]") == [False, False]
    with page.expect_response(lambda r: "/i18n/setlang/" in r.url and r.request.method == "POST") as info:
        page.evaluate("htmx.ajax('POST', '/i18n/setlang/', {values: {language: 'en'}, swap: 'none'})")
    assert info.value.request.header_value("x-csrftoken")
    assert info.value.status in (200, 302)
    page.reload()
    assert page.locator("h1").inner_text() == "System overview"


def test_the_district_user_sees_only_the_district(live_server: Any, world: World, page: Page) -> None:
    login(page, live_server.url, "vinhyen")
    page.goto(f"{live_server.url}/")  # a login lands on /ops/; these tests are about home
    assert tile(page, "values") == str(world.values_d1)
    account = page.locator("[data-testid=account]").inner_text()
    assert "Thành phố Vĩnh Yên" in account
    assert page.locator("a[href='/admin/']").count() == 0


def test_change_password_page(live_server: Any, world: World, page: Page, screenshot: Shot) -> None:
    login(page, live_server.url, "vinhyen")
    page.click("summary.user-menu__button")
    page.get_by_role("link", name="Đổi mật khẩu").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Đổi mật khẩu"
    assert page.get_by_label("Mật khẩu cũ").is_visible()
    screenshot(page, "password-change-vi-desktop")


def test_logout(live_server: Any, world: World, page: Page) -> None:
    login(page, live_server.url, "admin")
    page.click("summary.user-menu__button")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/accounts/login/?next=/"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_phone_screen_has_no_horizontal_scroll(
    live_server: Any, world: World, new_page: Callable[..., Page], screenshot: Shot, language: str
) -> None:
    page = new_page("phone")
    width = 390
    page.goto(f"{live_server.url}/accounts/login/")
    if language == "en":
        page.click(".lang-switch button[value=en]")
        page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"login-{language}-phone")
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/")  # a login lands on /ops/; these tests are about home
    assert page.locator("[data-testid=values]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The records tables become one card per row: no table wider than the screen.
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('table')].map(t => t.scrollWidth))")
    assert widest <= width
    screenshot(page, f"home-{language}-phone")


def test_not_found_page(live_server: Any, world: World, page: Page, page_errors: Any) -> None:
    response = page.goto(f"{live_server.url}/khong-co/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Không tìm thấy trang"
    assert page_errors.expect_http_status(404) <= 1  # the page itself; its CSS, JS and images all load

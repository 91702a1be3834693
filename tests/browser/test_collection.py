"""The data-collection process end to end in a real browser: a data officer fills a form with the keyboard,
sees a validation message, corrects it, completes the form; an approver approves it; the form is then
read-only. Screenshots of the form in Vietnamese and English, on a desktop and a phone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from ioc.core.periods import MONTHLY, period_for_date
from ioc.datavalues.models import DataValue, PeriodLock
from ioc.entry.testing import World, build_world
from ioc.web.testing import login
from ioc.workflow.models import State, Submission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any
Shot = Callable[[Page, str], Path]


@pytest.fixture
def world(live_server: Any) -> World:
    return build_world()


def cell(page: Page, de: str, coc: str = "default") -> Any:
    return page.locator(f'input[data-de="{de}"][data-coc="{coc}"]')


def wait_saved(page: Page, de: str, coc: str = "default") -> None:
    page.wait_for_function(
        '([de, coc]) => { const i = document.querySelector(`input[data-de="${de}"][data-coc="${coc}"]`);'
        " return i && i.closest('td').classList.contains('cell--saved'); }",
        arg=[de, coc],
    )


def test_fill_validate_complete_and_approve(
    live_server: Any, world: World, new_page: Callable[..., Page], screenshot: Shot
) -> None:
    month = period_for_date(MONTHLY, timezone.localdate()).previous()
    url = f"{live_server.url}/entry/?data_set=HEALTH&org_unit={world.c1.uid}&period={month.id}"

    officer = new_page()
    login(officer, live_server.url, "officer1")
    officer.goto(url)
    assert officer.locator("html").get_attribute("lang") == "vi"
    assert officer.locator("#form-state").get_attribute("data-state") == "open"

    # The keyboard only: type, Tab to the next cell; each cell saves when left.
    cell(officer, "OPD").focus()
    officer.keyboard.type("50")
    officer.keyboard.press("Tab")
    wait_saved(officer, "OPD")
    assert officer.evaluate("document.activeElement.dataset.de") == "RATE"
    # A percentage above 100 is refused on the spot, named under the cell, and not saved.
    officer.keyboard.type("140")
    officer.keyboard.press("Tab")
    officer.wait_for_function(
        "() => document.querySelector('input[data-de=\"RATE\"]').closest('td').classList.contains('cell--error')"
    )
    assert officer.evaluate("document.activeElement.dataset.de") == "NOTE"
    officer.keyboard.type("Số liệu tháng này đã đối chiếu")
    officer.keyboard.press("Tab")
    wait_saved(officer, "NOTE")
    cell(officer, "RATE").focus()
    officer.keyboard.press("Escape")  # back to the stored value (none)
    cell(officer, "PUPILS", "SEX_M").focus()
    officer.keyboard.type("40")
    officer.keyboard.press("Tab")
    wait_saved(officer, "PUPILS", "SEX_M")
    assert officer.evaluate("document.activeElement.dataset.coc") == "SEX_F"
    officer.keyboard.type("30")
    officer.keyboard.press("Enter")
    wait_saved(officer, "PUPILS", "SEX_F")
    assert not officer.locator(".entry-toolbar__missing").is_visible()  # every compulsory cell is filled
    assert DataValue.objects.filter(data_element=world.rate).count() == 0
    assert (
        DataValue.objects.get(data_element=world.note, org_unit=world.c1).value_text == "Số liệu tháng này đã đối chiếu"
    )
    assert DataValue.objects.filter(org_unit=world.c1, period=month.id).count() == 4

    # Run validation: pupils (70) exceed visits (50), a HIGH rule.
    officer.click("#run-validation")
    results = officer.locator("#validation-results")
    results.get_by_text("Học sinh không vượt lượt khám").wait_for()
    screenshot(officer, "entry-validation-vi-desktop")

    # Correct it with the keyboard and validate again: no violation left.
    cell(officer, "OPD").focus()
    officer.keyboard.press("Control+a")
    officer.keyboard.type("120")
    officer.keyboard.press("Tab")
    wait_saved(officer, "OPD")
    assert DataValue.objects.get(org_unit=world.c1, period=month.id, data_element=world.opd).value_num == 120
    officer.click("#run-validation")
    officer.wait_for_function(
        "() => !document.querySelector('#validation-results').innerText.includes('Học sinh không vượt lượt khám')"
    )

    # Complete: submitted, read-only.
    officer.click("#complete-form")
    officer.wait_for_function("() => document.querySelector('#form-state').dataset.state === 'submitted'")
    assert Submission.objects.get(data_set=world.health, org_unit=world.c1, period=month.id).state == State.SUBMITTED
    assert cell(officer, "OPD").is_disabled()
    screenshot(officer, "entry-submitted-vi-desktop")

    # The same form in English, on a phone.
    phone = new_page("phone")
    login(phone, live_server.url, "officer1")
    phone.click(".lang-switch button[value=en]")
    phone.wait_for_load_state()
    phone.goto(url)
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "submitted" in phone.locator("#form-state").inner_text().lower()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "entry-submitted-en-phone")

    # The approver approves it from the approvals page.
    approver = new_page()
    login(approver, live_server.url, "approver1")
    approver.goto(f"{live_server.url}/workflow/")
    approver.locator(f'[data-testid="approve-{world.c1.uid}"]').first.click()
    approver.wait_for_load_state()
    assert Submission.objects.get(data_set=world.health, org_unit=world.c1, period=month.id).state == State.APPROVED
    assert PeriodLock.objects.filter(org_unit=world.c1, period=month.id, kind=PeriodLock.Kind.APPROVED).exists()
    screenshot(approver, "approvals-vi-desktop")

    # Back at the form: approved, read-only, in English too.
    officer.goto(url)
    assert officer.locator("#form-state").get_attribute("data-state") == "approved"
    assert cell(officer, "PUPILS", "SEX_M").is_disabled()
    officer.click(".lang-switch button[value=en]")
    officer.wait_for_load_state()
    officer.goto(url)
    screenshot(officer, "entry-approved-en-desktop")


def test_an_empty_form_in_both_languages(
    live_server: Any, world: World, new_page: Callable[..., Page], screenshot: Shot, page_errors: Any
) -> None:
    month = period_for_date(MONTHLY, timezone.localdate()).previous()
    url = f"{live_server.url}/entry/?data_set=HEALTH&org_unit={world.c2.uid}&period={month.id}"
    for language, viewport in (("vi", "desktop"), ("en", "desktop"), ("vi", "phone")):
        page = new_page(viewport)
        login(page, live_server.url, "officer1")
        if language == "en":
            page.click(".lang-switch button[value=en]")
            page.wait_for_load_state()
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        # Complete with the compulsory cells empty names them and submits nothing.
        page.click("#complete-form")
        page.wait_for_function(
            "() => document.querySelectorAll('td.cell--missing, td.cell--error, .cell--missing').length > 0"
        )
        screenshot(page, f"entry-form-{language}-{viewport}")
        assert not Submission.objects.filter(org_unit=world.c2).exists()
    assert page_errors.expect_http_status(400) == 3  # the three refused completions, nothing else

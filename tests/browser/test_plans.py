"""The plan in a real browser: a plan manager walks from the plan overview to a target's forecast (the verdict,
its sentence and the fan chart drawn by ECharts), then downloads the leaders' weekly briefing as a PDF and its
text is read back. No console errors on any page (the fixtures watch them); screenshots in
test-artifacts/screenshots/plan-walk-*.png.

The world is ioc.plans.testing's (plan CDS, three targets, three tasks), with FIBRE_HH's yearly values 45 → 72 %
so that CT01 (80 % by 31/12/2025) is forecast for real, and "today" fixed at ioc.plans.testing.TODAY.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from ioc.briefings.services import do_generate_briefing
from ioc.plans import views
from ioc.plans.models import Target
from ioc.plans.refresh import refresh_all
from ioc.plans.testing import TODAY, build_plan_world, put_yearly
from ioc.web.testing import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Page = Any
Shot = Callable[[Page, str], Path]


def test_overview_to_a_forecast_and_the_briefing_pdf(
    live_server: Any, new_page: Callable[..., Page], screenshot: Shot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "today", lambda: TODAY)
    world = build_plan_world()
    put_yearly(world, {2021: 45, 2022: 55, 2023: 62, 2024: 68, 2025: 72})
    refresh_all(today=TODAY)
    ct01 = Target.objects.select_related("forecast").get(code="CT01")
    assert ct01.forecast.proposed_date is not None  # the walk below shows a real forecast, not an empty page
    do_generate_briefing(None, "weekly", today=TODAY)

    page = new_page("desktop")
    login(page, live_server.url, "quanly")
    page.goto(live_server.url + "/plans/")
    row = page.locator("[data-testid=target-CT01]")
    row.wait_for()
    assert "Tỷ lệ hộ gia đình có cáp quang" in row.inner_text()
    screenshot(page, "plan-walk-overview")

    row.get_by_role("link", name="CT01").click()
    page.wait_for_url("**/plans/targets/CT01/**")
    verdict = page.locator("[data-testid=verdict]")
    text = verdict.inner_text()
    # The sentence a leader reads: the deadline, the latest value and when the pace reaches the target.
    assert "80" in text and "72" in text and str(ct01.forecast.proposed_date.year) in text
    chart = page.locator("[data-testid=fan-chart] canvas")
    chart.first.wait_for()  # ECharts drew the history, the median path and the band
    assert chart.count() >= 1
    screenshot(page, "plan-walk-target")

    page.goto(live_server.url + "/briefings/")
    with page.expect_download() as info:
        page.locator("[data-testid=latest-weekly-pdf]").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    pdf_text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())  # cells wrap lines
    assert "NV01" in pdf_text  # the overdue task
    assert "Sở Thông tin và Truyền thông" in pdf_text  # its lead agency, diacritics intact
    assert "Tỷ lệ hộ gia đình có cáp quang" in pdf_text  # the target and its verdict
    screenshot(page, "plan-walk-briefings")

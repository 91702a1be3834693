"""Each part of a briefing's content, on the small world of conftest.py (generation day Monday 15/06/2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.briefings.content import gather
from ioc.briefings.content_data import kpi_month
from ioc.briefings.services import period_of
from ioc.briefings.tests.conftest import KPI_EN, KPI_VI, TODAY, BriefingWorld, at
from ioc.plans.models import Plan
from ioc.plans.testing import store_forecast
from ioc.workflow.models import State, Submission

WEEK = period_of("weekly", TODAY)  # 08/06 – 14/06/2026
MAY = period_of("monthly", TODAY)  # 01/05 – 31/05/2026


def _content(kind: str = "weekly") -> dict:
    start, end = WEEK if kind == "weekly" else MAY
    return gather(kind, start, end, today=TODAY)


@pytest.mark.parametrize(
    ("kind", "today", "expected"),
    [
        ("weekly", dt.date(2026, 6, 15), (dt.date(2026, 6, 8), dt.date(2026, 6, 14))),  # a Monday
        ("weekly", dt.date(2026, 6, 14), (dt.date(2026, 6, 1), dt.date(2026, 6, 7))),  # a Sunday: not its own week
        ("weekly", dt.date(2026, 1, 1), (dt.date(2025, 12, 22), dt.date(2025, 12, 28))),
        ("monthly", dt.date(2026, 6, 1), (dt.date(2026, 5, 1), dt.date(2026, 5, 31))),
        ("monthly", dt.date(2026, 1, 20), (dt.date(2025, 12, 1), dt.date(2025, 12, 31))),
        ("monthly", dt.date(2024, 3, 1), (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
    ],
)
def test_periods_are_the_previous_complete_week_or_month(kind: str, today: dt.date, expected: tuple) -> None:
    assert period_of(kind, today) == expected


def test_the_kpi_month_is_the_last_complete_one() -> None:
    assert kpi_month(dt.date(2026, 6, 14)).id == "202605"
    assert kpi_month(dt.date(2026, 5, 31)).id == "202605"
    assert kpi_month(dt.date(2026, 1, 4)).id == "202512"


def test_headline_kpis_are_the_overview_dashboards_tiles(bw: BriefingWorld) -> None:
    kpis = _content()["kpis"]
    assert kpis["period"] == "202605"
    assert kpis["unit"]["code"] == "25"  # the plan's province as it is today (Phú Thọ)
    [tile] = kpis["items"]
    assert tile["name"] == {"vi": KPI_VI, "en": KPI_EN}
    assert (tile["value"], tile["previous"], tile["target"]) == (63.0, 60.0, 80)
    assert tile["change"] == pytest.approx(0.05)
    assert tile["status"] == "bad"  # 63 < 80, more than 10 % short
    assert tile["last_year"] is None
    trend = kpis["trend"]
    assert trend["kpi"] == tile["uid"]
    assert trend["periods"][0] == "202506" and trend["periods"][-1] == "202605"
    assert trend["values"][0] is None and trend["values"][-2:] == [60.0, 63.0]


def test_without_an_overview_dashboard_there_are_no_kpis(bw: BriefingWorld) -> None:
    bw.board.delete()
    kpis = _content()["kpis"]
    assert kpis["items"] == [] and kpis["trend"] is None and kpis["dashboard"] is None


def test_targets_that_became_worse_in_the_week_and_the_month(bw: BriefingWorld) -> None:
    week = _content()["targets"]
    assert [t["code"] for t in week["became_worse"]] == ["CT01"]  # on track → at risk on 10/06
    assert [t["code"] for t in week["became_better"]] == ["CT03"]  # at risk → on track on 09/06
    assert week["counts"]["at_risk"] == 1 and week["counts"]["off_track"] == 1 and week["counts"]["on_track"] == 1
    assert week["total"] == 3
    ct1 = week["became_worse"][0]
    assert ct1["name"]["vi"] == "Tỷ lệ hộ gia đình có cáp quang"
    assert ct1["agency"]["code"] == "STTTT" and ct1["previous_status"] == "on_track"
    month = _content("monthly")["targets"]
    assert [t["code"] for t in month["became_worse"]] == ["CT02"]  # at risk → off track on 20/05
    ct2 = next(t for t in month["all"] if t["code"] == "CT02")
    assert (ct2["proposed_date"], ct2["proposed_date_80"]) == ("2028-03-31", "2029-06-30")


def test_a_change_from_insufficient_data_to_at_risk_counts_but_at_risk_to_at_risk_does_not(bw: BriefingWorld) -> None:
    store_forecast(
        bw.pw.ct3, "infeasible", previous_status="insufficient_data", status_changed=at(dt.date(2026, 6, 12))
    )
    store_forecast(bw.pw.ct1, "at_risk", previous_status="at_risk", status_changed=at(dt.date(2026, 6, 10)))
    assert [t["code"] for t in _content()["targets"]["became_worse"]] == ["CT03"]


def test_a_target_without_a_verdict_counts_as_insufficient_data(bw: BriefingWorld) -> None:
    bw.pw.ct3.forecast.delete()
    targets = _content()["targets"]
    assert targets["counts"]["insufficient_data"] == 1 and targets["counts"]["on_track"] == 0


def test_overdue_tasks_with_their_lead_agencies(bw: BriefingWorld) -> None:
    tasks = _content()["tasks"]
    assert (tasks["total"], tasks["done"], tasks["overdue_count"]) == (3, 1, 1)
    [nv01] = tasks["overdue"]
    assert nv01["code"] == "NV01" and nv01["lead"]["name"]["vi"] == "Sở Thông tin và Truyền thông"
    assert nv01["days_overdue"] == (dt.date(2026, 6, 14) - dt.date(2025, 12, 31)).days  # as at the week's end
    assert nv01["stalled"] is True
    assert [t["code"] for t in tasks["due_soon"]] == ["NV02"]


def test_overdue_reports_in_the_month_and_the_backlog(bw: BriefingWorld) -> None:
    reports = _content("monthly")["reports"]
    # BC_YTE at Phường Vĩnh Yên: 202604 was due 15/05 (in May) and never came; earlier months are backlog.
    assert (reports["due_count"], reports["missing_count"]) == (1, 1)
    assert reports["backlog_count"] >= 9  # 202507 … 202603, and the yearly CDS report of 2025
    row = next(r for r in reports["by_data_set"] if r["data_set"]["code"] == "BC_YTE")
    assert (row["due"], row["missing"]) == (1, 1)
    assert row["agency"]["name"]["vi"] == "Sở Y tế"
    assert reports["missing"][0]["period"] == "202604" and reports["missing"][0]["days_late"] == 16


def test_a_report_received_late_in_the_period_counts_as_late_not_missing(bw: BriefingWorld) -> None:
    unit = bw.pw.units["new_c"]
    Submission.objects.create(
        data_set=bw.pw.ds_health, org_unit=unit, period="202604", period_type="Monthly",
        start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 4, 30), state=State.SUBMITTED,
        submitted_at=at(dt.date(2026, 5, 20)), first_submitted_at=at(dt.date(2026, 5, 20)), on_time=False,
    )  # fmt: skip
    reports = _content("monthly")["reports"]
    assert (reports["due_count"], reports["missing_count"], reports["late_count"]) == (1, 0, 1)


def test_data_quality_flags_raised_in_the_period(bw: BriefingWorld) -> None:
    week = _content()["quality"]
    assert week["raised_count"] == 1 and week["by_importance"]["HIGH"] == 1
    assert week["raised"][0]["period"] == "202605" and week["raised"][0]["rule"]["code"] == "R_BEDS"
    assert week["open_total"] == 2
    month = _content("monthly")["quality"]
    assert [r["period"] for r in month["raised"]] == ["202604"]  # first seen 02/05


def test_without_an_active_plan_the_briefing_still_has_the_rest(bw: BriefingWorld) -> None:
    Plan.objects.update(is_active=False)
    content = _content()
    assert content["plan"] is None and content["targets"] is None and content["tasks"] is None
    assert content["kpis"]["items"] and content["quality"]["raised_count"] == 1


def test_the_content_is_language_neutral(bw: BriefingWorld) -> None:
    import json

    from django.utils import translation

    with translation.override("en"):
        english = _content()
    with translation.override("vi"):
        vietnamese = _content()
    for content in (english, vietnamese):
        content.pop("seconds")
    assert json.dumps(english, sort_keys=True) == json.dumps(vietnamese, sort_keys=True)

"""The data explorer through the Django client: the page, its JSON helpers (data items, units within the view
scope only, periods), and saving a pivot as a dashboard item (CSRF, the MANAGE_DASHBOARDS right, specific
errors). The world is ioc/dashboards/tests/conftest.py's; the values themselves come from the analytics API,
which the browser test reads through the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from ioc.accounts.models import User
from ioc.analytics.periods import RELATIVE
from ioc.audit.models import AuditEntry
from ioc.dashboards import explorer
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.tests.conftest import DashWorld

pytestmark = pytest.mark.django_db

URL = "/ops/explorer/"


def client_for(user: User, *, csrf: bool = False, lang: str = "en") -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def get_json(client: Client, path: str, status: int = 200) -> Any:
    response = client.get(path)
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def health_board(world: DashWorld) -> Dashboard:
    return Dashboard.objects.create(code="health", name_vi="Y tế", name_en="Health", sort_order=1)


def uids(body: dict[str, Any]) -> list[str]:
    return [u["uid"] for u in body["units"]]


# ---- the page ----------------------------------------------------------------------------------------------


def test_the_page_needs_a_login(world: DashWorld) -> None:
    for path in (URL, URL + "items/", URL + "units/", URL + "periods/?type=Monthly&year=2025"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_leader_sees_the_explorer_without_the_save_form(world: DashWorld, health_board: Dashboard) -> None:
    response = client_for(world.w.leader).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="page-title">Data explorer</h1>' in html
    assert 'id="explorer-config"' in html and 'src="/static/ioc/explorer.js"' in html
    assert 'id="ex-save"' not in html  # a leader may not change dashboards
    config = json.loads(html.split('id="explorer-config" type="application/json">')[1].split("</script>")[0])
    assert config["lang"] == "en"
    assert config["urls"]["analytics"] == "/api/v1/analytics" and config["urls"]["save"] == URL + "save/"
    assert [p["id"] for p in config["relative"]] == list(explorer.RELATIVE_PERIODS)


def test_an_operator_gets_the_save_form_with_the_dashboards(world: DashWorld, health_board: Dashboard) -> None:
    html = client_for(world.operator, lang="vi").get(URL).content.decode()
    assert 'id="ex-save"' in html and 'name="csrfmiddlewaretoken"' in html
    assert '<option value="health">Y tế</option>' in html
    assert "Khám phá dữ liệu" in html or "Data explorer" in html  # the title (translated once merged)


def test_every_relative_period_offered_is_one_the_engine_resolves() -> None:
    assert set(explorer.RELATIVE_PERIODS) == set(RELATIVE)


# ---- data items --------------------------------------------------------------------------------------------


def test_items_are_grouped_by_sector_with_indicators_and_reporting_rates(world: DashWorld) -> None:
    groups = get_json(client_for(world.w.leader), URL + "items/")["groups"]
    assert [g["name"] for g in groups] == ["Health", "Other"]
    health, other = groups
    assert [i["id"] for i in health["items"]] == ["PUPILS_PER_VISIT"]
    assert health["items"][0] == {
        "id": "PUPILS_PER_VISIT",
        "name": "Pupils per visit",
        "kind": "indicator",
        "unit": "%",
    }
    ids = [i["id"] for i in other["items"]]
    assert "OPD" in ids and "PUPILS" in ids and "VISITS_X2" in ids
    assert "NOTE" not in ids  # text cannot be analysed
    assert "HEALTH.REPORTING_RATE" in ids and "OLD.ACTUAL_REPORTS" in ids
    rate = next(i for i in other["items"] if i["id"] == "HEALTH.REPORTING_RATE_ON_TIME")
    assert rate["kind"] == "reporting_rate" and rate["name"] == "Health report – reporting rate on time"


# ---- units: only within the view scope ---------------------------------------------------------------------


def test_units_start_at_the_roots_of_the_users_scope(world: DashWorld) -> None:
    w = world.w
    assert uids(get_json(client_for(w.officer1), URL + "units/")) == [w.d1.uid]
    roots = get_json(client_for(w.leader), URL + "units/")["units"]
    assert roots == [
        {
            "uid": w.p.uid, "code": "P1", "name": "Tỉnh Thử", "level": 1, "levelName": "", "hasChildren": True,
            "opened": "", "closed": "", "parent": "",
        }
    ]  # fmt: skip
    assert uids(get_json(client_for(w.admin), URL + "units/")) == [w.p.uid]


def test_children_of_a_unit_in_scope(world: DashWorld) -> None:
    w = world.w
    body = get_json(client_for(w.officer1), URL + f"units/?parent={w.d1.uid}")
    assert uids(body) == [w.c1.uid, w.c2.uid]
    assert [u["hasChildren"] for u in body["units"]] == [False, False]


def test_the_children_of_a_unit_outside_the_scope_are_refused(world: DashWorld) -> None:
    w = world.w
    body = get_json(client_for(w.officer1), URL + f"units/?parent={w.d2.uid}", status=403)
    assert body == {
        "ok": False,
        "message": "Unit: Huyện Lập Thạch (D2) is outside the units you may see",
        "field": "ou",
    }
    # Above the scope is outside it too: the officer may not list the province's districts.
    get_json(client_for(w.officer1), URL + f"units/?parent={w.p.uid}", status=403)
    body = get_json(client_for(w.officer1), URL + "units/?parent=NoSuchUid01", status=404)
    assert body["message"] == "Unit: there is no unit with uid 'NoSuchUid01'"


def test_search_finds_units_within_the_scope_only_ignoring_diacritics(world: DashWorld) -> None:
    w = world.w
    assert uids(get_json(client_for(w.leader), URL + "units/?q=xuan hoa")) == [w.c3.uid]
    assert uids(get_json(client_for(w.officer1), URL + "units/?q=xuan hoa")) == []
    assert uids(get_json(client_for(w.officer1), URL + "units/?q=xa")) == [w.c1.uid, w.c2.uid]
    found = get_json(client_for(w.leader), URL + "units/?q=c1")["units"]
    assert [(u["code"], u["parent"]) for u in found] == [("C1", "Huyện Tam Đảo")]
    assert get_json(client_for(w.leader), URL + "units/?q=%20")["units"] == []


def test_names_of_chosen_units_are_given_only_within_the_scope(world: DashWorld) -> None:
    w = world.w
    body = get_json(client_for(w.officer1), URL + f"units/?uids={w.c2.uid};{w.c1.uid}")
    assert [u["name"] for u in body["units"]] == ["Xã Tam Quan", "Xã Đại Đình"]
    body = get_json(client_for(w.officer1), URL + f"units/?uids={w.c1.uid};{w.c3.uid}", status=403)
    assert body["message"] == "Unit: Xã Xuân Hòa (C3) is outside the units you may see"
    # A leader without view units sees nothing at all.
    nobody = User.objects.create_user(username="nobody", password="x", roles=["leader"])
    assert get_json(client_for(nobody), URL + "units/")["units"] == []
    get_json(client_for(nobody), URL + f"units/?parent={w.p.uid}", status=403)


# ---- periods -----------------------------------------------------------------------------------------------


def test_fixed_periods_of_a_type_and_year(world: DashWorld) -> None:
    client = client_for(world.w.leader)
    months = get_json(client, URL + "periods/?type=Monthly&year=2024")["periods"]
    assert [p["id"] for p in months] == [f"2024{m:02d}" for m in range(1, 13)]
    assert months[0]["name"] == "Month 1/2024"
    assert [p["id"] for p in get_json(client, URL + "periods/?type=Quarterly&year=2025")["periods"]] == [
        "2025Q1", "2025Q2", "2025Q3", "2025Q4",
    ]  # fmt: skip
    weeks = get_json(client, URL + "periods/?type=Weekly&year=2020")["periods"]
    assert len(weeks) == 53 and weeks[0]["id"] == "2020W1" and weeks[-1]["id"] == "2020W53"
    years = get_json(client, URL + "periods/?type=Yearly&year=2025")["periods"]
    assert [p["id"] for p in years][:3] == ["2025", "2024", "2023"] and len(years) == 10
    vi = get_json(client_for(world.w.leader, lang="vi"), URL + "periods/?ids=2024Q1;LAST_YEAR")["periods"]
    assert vi[0]["id"] == "2024Q1" and vi[1]["id"] == "LAST_YEAR"


def test_bad_period_requests_say_what_is_wrong(world: DashWorld) -> None:
    client = client_for(world.w.leader)
    body = get_json(client, URL + "periods/?type=Fortnightly&year=2025", status=400)
    assert body["field"] == "type" and "'Fortnightly' is not one of Daily, Weekly, Monthly" in body["message"]
    assert get_json(client, URL + "periods/?type=Monthly&year=abc", status=400)["field"] == "year"
    assert get_json(client, URL + "periods/?type=Monthly&year=3000", status=400)["field"] == "year"
    body = get_json(client, URL + "periods/?ids=2024Q1;2024Q9", status=400)
    assert "2024Q9" in body["message"]


# ---- saving as a dashboard item ----------------------------------------------------------------------------


def pivot(**extra: str) -> dict[str, str]:
    return {
        "dashboard": "health", "kind": "chart", "title": "Lượt khám theo tháng", "title_en": "Visits by month",
        "dx": "OPD", "pe": "LAST_12_MONTHS", "rows": "dx;ou", "columns": "pe", "chart": "line", **extra,
    }  # fmt: skip


def save(user: User, data: dict[str, str], status: int) -> Any:
    response = client_for(user).post(URL + "save/", data)
    assert response.status_code == status, response.content
    return response.json()


def test_save_needs_the_csrf_token(world: DashWorld, health_board: Dashboard) -> None:
    client = client_for(world.operator, csrf=True)
    assert client.post(URL + "save/", pivot()).status_code == 403
    assert not DashboardItem.objects.exists()
    page = client.get(URL)
    token = page.context["csrf_token"]
    response = client.post(URL + "save/", pivot(), HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200 and response.json()["ok"] is True


def test_save_is_refused_to_a_leader_and_to_get(world: DashWorld, health_board: Dashboard) -> None:
    body = save(world.w.leader, pivot(), 403)
    assert body["ok"] is False and body["message"] == "Saving on a dashboard needs the operator or administrator role"
    assert client_for(world.operator).get(URL + "save/").status_code == 405
    assert not DashboardItem.objects.exists()


def test_an_operator_saves_a_chart_by_period(world: DashWorld, health_board: Dashboard) -> None:
    body = save(world.operator, pivot(), 200)
    item = DashboardItem.objects.get(uid=body["uid"])
    assert (item.dashboard, item.kind, item.title_vi, item.title_en) == (
        health_board,
        "chart",
        "Lượt khám theo tháng",
        "Visits by month",
    )
    assert item.config == {"dx": ["OPD"], "by": "period", "chart": "line", "periods": "LAST_12_MONTHS"}
    assert body["message"] == "Saved “Lượt khám theo tháng” on the dashboard Health"
    assert body["url"] == "/ops/health/"
    assert AuditEntry.objects.filter(action="dashboard_item.create", user=world.operator).count() == 1


def test_a_chart_by_unit_with_fixed_periods_spans_their_usual_range(world: DashWorld, health_board: Dashboard) -> None:
    data = pivot(dx="OPD;VISITS_X2", pe="202401;202402", rows="pe", columns="ou;dx", chart="column")
    item = DashboardItem.objects.get(uid=save(world.operator, data, 200)["uid"])
    assert item.config == {"dx": ["OPD", "VISITS_X2"], "by": "unit", "chart": "column", "periods": "LAST_12_MONTHS"}
    data = pivot(pe="2024Q1;2024Q2", columns="pe", chart="area")
    item = DashboardItem.objects.get(uid=save(world.operator, data, 200)["uid"])
    assert item.config["periods"] == "LAST_4_QUARTERS" and item.config["chart"] == "area"


def test_a_ranking_table_a_kpi_and_a_map(world: DashWorld, health_board: Dashboard) -> None:
    table = save(world.operator, pivot(kind="table", rows="ou", columns="dx;pe", sort="asc", limit="5"), 200)
    assert DashboardItem.objects.get(uid=table["uid"]).config == {
        "dx": ["OPD"], "by": "unit", "sort": "asc", "limit": 5, "periods": "LAST_12_MONTHS",
    }  # fmt: skip
    kpi = save(world.operator, pivot(kind="kpi", dx="PUPILS_PER_VISIT", target="40,5"), 200)
    assert DashboardItem.objects.get(uid=kpi["uid"]).config == {
        "dx": "PUPILS_PER_VISIT", "target": 40.5, "higher_is_better": None,
    }  # fmt: skip
    shown = save(world.operator, pivot(kind="map", dx="HEALTH.REPORTING_RATE"), 200)
    assert DashboardItem.objects.get(uid=shown["uid"]).config == {"dx": "HEALTH.REPORTING_RATE"}
    assert list(health_board.items.values_list("kind", flat=True)) == ["table", "kpi", "map"]


@pytest.mark.parametrize(
    ("change", "status", "field", "message"),
    [
        ({"dashboard": "nope"}, 404, "dashboard", "Dashboard: there is no dashboard 'nope'"),
        ({"kind": "pie"}, 400, "kind", "Kind: 'pie' is not one of chart, table, kpi, map"),
        ({"title": "  "}, 400, "title", "Title: give the item a title"),
        ({"dx": ""}, 400, "dx", "Data: choose at least one data item"),
        ({"dx": "OPD;NOPE"}, 400, "dx", "Data: unknown data item NOPE"),
        (
            {"kind": "kpi", "dx": "OPD;PUPILS"},
            400,
            "dx",
            "A KPI item shows one data item: choose exactly one (you chose 2)",
        ),
        ({"kind": "kpi", "target": "nhiều"}, 400, "target", "Target: 'nhiều' is not a number"),
        ({"kind": "table", "limit": "0"}, 400, "limit", "Rows: a whole number from 1 to 500"),
        ({"kind": "table", "limit": "inf"}, 400, "limit", "Rows: 'inf' is not a number"),
        ({"kind": "table", "limit": "2.5"}, 400, "limit", "Rows: a whole number from 1 to 500"),
        ({"kind": "table", "sort": "up"}, 400, "sort", "Sort: choose descending or ascending"),
        ({"rows": "dx;zz"}, 400, "layout", "Layout: 'zz' is not a dimension (dx, pe, ou or co)"),
        ({"chart": "pie"}, 400, "chart", "Chart: 'pie' is not one of column, bar, line, area"),
        ({"pe": "2024M13"}, 400, None, "2024M13"),
    ],
)
def test_bad_input_gives_a_specific_error(
    world: DashWorld, health_board: Dashboard, change: dict[str, str], status: int, field: str | None, message: str
) -> None:
    body = save(world.operator, pivot(**change), status)
    assert body["ok"] is False
    assert message in body["message"]
    if field:
        assert body["field"] == field
    assert not DashboardItem.objects.exists()


def test_the_config_validation_of_the_dashboards_app_has_the_last_word(
    world: DashWorld, health_board: Dashboard
) -> None:
    # Eleven series are more than a chart item takes (ioc.dashboards.config.MAX_SERIES).
    many = ";".join(["OPD", "PUPILS", "VISITS_X2", "PUPILS_PER_VISIT", "RATE", "INSURED"] + [
        f"HEALTH.{m}" for m in explorer.REPORTING_METRICS
    ] + ["OLD.REPORTING_RATE"])  # fmt: skip
    body = save(world.operator, pivot(dx=many), 400)
    assert "config.dx" in body["message"] and "at most 10" in body["message"]

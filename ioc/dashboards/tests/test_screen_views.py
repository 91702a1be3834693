"""The operations screen's pages through the Django client: login, the tabs, the wall, the settings the script
reads (json_script, no inline script), the period choices, 404 and 403. The figures themselves come from the
data endpoint (its own tests) and are checked in a real browser by tests/browser/test_ops_screen.py."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ioc.accounts.models import Role, User
from ioc.accounts.testing import make_user
from ioc.core.periods import MONTHLY, YEARLY, period_for_date
from ioc.dashboards.models import Dashboard
from ioc.dashboards.services import do_create_dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return make_user("quantri", is_superuser=True, is_staff=True)


@pytest.fixture
def leader() -> User:
    return make_user("lanhdao", [Role.LEADER])


@pytest.fixture
def boards(admin: User) -> dict[str, Dashboard]:
    return {
        "overview": do_create_dashboard(
            admin, code="TONG_QUAN", name_vi="Tổng quan", name_en="Overview", is_overview=True
        ),
        "health": do_create_dashboard(
            admin, code="Y_TE", name_vi="Y tế", name_en="Health", sort_order=2, rotate_seconds=20
        ),
        "education": do_create_dashboard(admin, code="GIAO_DUC", name_vi="Giáo dục", name_en="Education", sort_order=3),
    }


def client_for(user: User, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["ioc_language"] = language
    return client


def json_block(html: str, element_id: str) -> Any:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def test_the_pages_need_a_login(boards: dict[str, Dashboard]) -> None:
    for url in ("/ops/", "/ops/Y_TE/", "/ops/wall/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_overview_opens_on_the_overview_dashboard_with_a_tab_for_each(
    leader: User, boards: dict[str, Dashboard]
) -> None:
    response = client_for(leader, "en").get("/ops/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="page-title" id="ops-title">Overview</h1>' in html
    tabs = re.findall(r'class="ops-tabs__tab" href="([^"]+)" data-code="([^"]+)"( aria-current="page")?', html)
    assert tabs == [
        ("/ops/", "TONG_QUAN", ' aria-current="page"'),
        ("/ops/Y_TE/", "Y_TE", ""),
        ("/ops/GIAO_DUC/", "GIAO_DUC", ""),
    ]
    config = json_block(html, "ops-config")
    assert config["mode"] == "screen"
    assert config["code"] == "TONG_QUAN"
    assert config["language"] == "en"
    assert config["api"] == "/api/v1/dashboards/__code__/data"
    assert config["time_zone"] == "Asia/Ho_Chi_Minh"
    assert config["tile_url"] == ""  # no external tiles unless a deployment sets them
    assert [d["code"] for d in config["dashboards"]] == ["TONG_QUAN", "Y_TE", "GIAO_DUC"]
    strings = json_block(html, "ops-strings")
    assert strings["vs_previous"] == "vs previous period"
    assert strings["no_location"] == "%(count)s units have no location and are not on the map."
    # The Content-Security-Policy allows script files only: every <script> has a src or is JSON data.
    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    for name in ("ops.js", "ops-items.js", "ops-map.js", "ops.css", "echarts.min.js", "leaflet.js", "leaflet.css"):
        assert name in html
    assert "ops-wall.js" not in html


def test_period_choices_offer_relative_and_recent_periods(leader: User, boards: dict[str, Dashboard]) -> None:
    html = client_for(leader, "en").get("/ops/").content.decode()
    today = timezone.localdate()
    this_month = period_for_date(MONTHLY, today)
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', html)
    values = [v for v, _label in options]
    assert values[:6] == ["LAST_MONTH", "THIS_MONTH", "LAST_QUARTER", "THIS_QUARTER", "LAST_YEAR", "THIS_YEAR"]
    assert this_month.id in values and this_month.shift(-12).id in values
    assert period_for_date(YEARLY, today).shift(-5).id in values
    assert (this_month.previous().id, this_month.previous().name()) in options
    # The structure filter: today's units, or the units as they were before the reorganisation.
    assert '<option value="TODAY">Units today</option>' in html
    assert '<option value="AS_IT_WAS">Units before the reorganisation</option>' in html


def test_a_tab_by_code_and_an_unknown_code(leader: User, boards: dict[str, Dashboard]) -> None:
    client = client_for(leader, "en")
    html = client.get("/ops/Y_TE/").content.decode()
    assert '<h1 class="page-title" id="ops-title">Health</h1>' in html
    assert json_block(html, "ops-config")["code"] == "Y_TE"
    assert re.search(r'href="/ops/Y_TE/" data-code="Y_TE" aria-current="page"', html)
    assert client.get("/ops/KHONG_CO/").status_code == 404


def test_names_follow_the_language(leader: User, boards: dict[str, Dashboard]) -> None:
    html = client_for(leader, "vi").get("/ops/Y_TE/").content.decode()
    assert '<html lang="vi">' in html
    assert '<h1 class="page-title" id="ops-title">Y tế</h1>' in html
    config = json_block(html, "ops-config")
    assert config["language"] == "vi"
    assert [d["name"] for d in config["dashboards"]] == ["Tổng quan", "Y tế", "Giáo dục"]


def test_wall_mode_lists_every_dashboard_with_its_rotation(leader: User, boards: dict[str, Dashboard]) -> None:
    response = client_for(leader, "en").get("/ops/wall/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "page-ops-wall" in html
    assert 'id="wall-clock"' in html and 'id="ops-asof"' in html
    assert "ops-wall.js" in html
    config = json_block(html, "ops-config")
    assert config["mode"] == "wall"
    assert config["poll_seconds"] <= 5  # new data on the wall within seconds
    assert config["code"] == "TONG_QUAN"
    assert [(d["code"], d["rotate_seconds"]) for d in config["dashboards"]] == [
        ("TONG_QUAN", 30),
        ("Y_TE", 20),
        ("GIAO_DUC", 30),
    ]
    assert re.findall(r'class="wall-tabs__tab" data-code="([^"]+)"', html) == ["TONG_QUAN", "Y_TE", "GIAO_DUC"]


def test_no_dashboards_yet_says_so(leader: User, admin: User) -> None:
    for url in ("/ops/", "/ops/wall/"):
        response = client_for(leader, "en").get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "No dashboards yet" in html
        assert 'id="ops-config"' not in html


def test_a_tile_server_can_be_configured(leader: User, boards: dict[str, Dashboard], settings: Any) -> None:
    settings.IOC_MAP_TILE_URL = "https://tiles.example.gov.vn/{z}/{x}/{y}.png"
    settings.IOC_MAP_TILE_ATTRIBUTION = "© Sở TT&TT"
    config = json_block(client_for(leader).get("/ops/").content.decode(), "ops-config")
    assert config["tile_url"] == "https://tiles.example.gov.vn/{z}/{x}/{y}.png"
    assert config["tile_attribution"] == "© Sở TT&TT"


def test_a_user_without_a_role_may_not_view(boards: dict[str, Dashboard]) -> None:
    nobody = make_user("khongvaitro")
    assert client_for(nobody).get("/ops/").status_code == 403
    assert client_for(nobody).get("/ops/wall/").status_code == 403


def test_only_get(leader: User, boards: dict[str, Dashboard]) -> None:
    assert client_for(leader).post("/ops/").status_code == 405

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from ioc.accounts.models import User
from ioc.accounts.testing import bearer, english, token_for
from ioc.audit.models import AuditEntry
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.dashboards.tests.conftest import DashWorld

URL = "/api/v1/dashboards"


def session(user: User, **kwargs: Any) -> Client:
    client = english(Client(**kwargs))
    client.force_login(user)
    return client


@pytest.fixture
def health(world: DashWorld) -> Dashboard:
    dashboard = do_create_dashboard(world.operator, code="health", name_vi="Y tế", name_en="Health", sector="HEALTH")
    do_create_item(world.operator, dashboard, kind="kpi", title_vi="Lượt khám", config={"dx": "OPD", "target": 200})
    do_create_item(world.operator, dashboard, kind="map", config={"dx": "OPD"})
    do_create_dashboard(world.operator, code="overview", name_vi="Tổng quan", is_overview=True)
    return dashboard


def test_list(health: Dashboard, world: DashWorld) -> None:
    body = session(world.w.leader).get(URL).json()
    assert body["count"] == 2
    assert body["items"] == [
        {"code": "overview", "name": "Tổng quan", "sector": None, "is_overview": True, "item_count": 0},
        {"code": "health", "name": "Health", "sector": "HEALTH", "is_overview": False, "item_count": 2},
    ]


def test_detail_has_items_and_configs(health: Dashboard, world: DashWorld) -> None:
    body = session(world.w.leader).get(f"{URL}/health").json()
    assert (body["name_vi"], body["name_en"], body["rotate_seconds"]) == ("Y tế", "Health", 30)
    kpi, the_map = body["items"]
    assert kpi["config"] == {"dx": "OPD", "target": 200.0, "higher_is_better": None}
    assert (kpi["title"], kpi["width"], kpi["sort_order"]) == ("Lượt khám", 3, 0)
    assert (the_map["kind"], the_map["sort_order"]) == ("map", 1)
    assert session(world.w.leader).get(f"{URL}/nope").status_code == 404


def test_data_follows_the_contract(health: Dashboard, world: DashWorld) -> None:
    response = session(world.w.leader).get(f"{URL}/health/data?pe=202503")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"dashboard", "structure", "period", "unit", "as_of", "generation", "items"}
    kpi, the_map = body["items"]
    assert (kpi["value"], kpi["previous"]["value"], kpi["last_year"]["value"]) == (180, 100, 80)
    assert kpi["status"] == "warning" and kpi["title"] == "Lượt khám"
    assert {u["code"]: u["value"] for u in the_map["units"]} == {"D1": 120, "D2": 60}
    drilled = session(world.w.leader).get(f"{URL}/health/data?pe=202503&ou={world.w.d1.uid}").json()
    assert drilled["items"][0]["value"] == 120
    assert drilled["unit"]["breadcrumbs"][0]["name"] == "Tỉnh Thử"


def test_data_outside_the_scope_is_refused(health: Dashboard, world: DashWorld) -> None:
    client = session(world.w.officer2)  # enters in D2
    assert client.get(f"{URL}/health/data?pe=202503").json()["unit"]["code"] == "D2"
    for ou in (world.w.d1.uid, world.w.c1.uid, "P1"):
        refused = client.get(f"{URL}/health/data?pe=202503&ou={ou}")
        assert refused.status_code == 403, ou
        assert "outside the units you may see" in refused.json()["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("pe=LAST_12_MONTHS", "pe"), ("pe=2025M3", "pe"), ("structure=NOW", "structure"), ("ou=XYZ", "ou")],
)
def test_data_bad_parameters_are_400_naming_the_field(
    health: Dashboard, world: DashWorld, query: str, field: str
) -> None:
    response = session(world.w.leader).get(f"{URL}/health/data?{query}")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_tokens(health: Dashboard, world: DashWorld) -> None:
    reader = bearer(token_for(world.w.leader, ["data:read"]))
    assert reader.get(f"{URL}/health/data?pe=202503").status_code == 200
    assert bearer(token_for(world.w.leader, ["metadata:read"])).get(URL).status_code == 403
    operator_reading = bearer(token_for(world.operator, ["data:read"]))
    refused = operator_reading.post(URL, {"code": "x", "name_vi": "X"}, content_type="application/json")
    assert refused.status_code == 403 and "metadata:write" in refused.json()["message"]
    writer = bearer(token_for(world.operator, ["metadata:write"]))
    assert writer.post(URL, {"code": "x", "name_vi": "X"}, content_type="application/json").status_code == 201
    leader_writer = bearer(token_for(world.w.leader, ["metadata:write"]))
    assert leader_writer.post(URL, {"code": "y", "name_vi": "Y"}, content_type="application/json").status_code == 403
    assert not Dashboard.objects.filter(code="y").exists()
    assert Client().get(URL).status_code == 401


def test_a_leader_cannot_edit(health: Dashboard, world: DashWorld) -> None:
    client = session(world.w.leader)
    item = DashboardItem.objects.filter(dashboard=health).first()
    assert item is not None
    attempts = [
        client.post(URL, {"code": "x", "name_vi": "X"}, content_type="application/json"),
        client.put(f"{URL}/health", {"name_vi": "Khác"}, content_type="application/json"),
        client.delete(f"{URL}/health"),
        client.post(f"{URL}/health/items", {"kind": "kpi", "config": {"dx": "OPD"}}, content_type="application/json"),
        client.put(f"{URL}/health/items/{item.uid}", {"title_vi": "x"}, content_type="application/json"),
        client.delete(f"{URL}/health/items/{item.uid}"),
        client.post(f"{URL}/health/items/{item.uid}/move", {"direction": "down"}, content_type="application/json"),
        client.put(f"{URL}/health/order", {"items": []}, content_type="application/json"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert Dashboard.objects.count() == 2 and DashboardItem.objects.count() == 2
    assert not AuditEntry.objects.filter(user=world.w.leader).exists()


def test_an_operator_edits_through_the_api(health: Dashboard, world: DashWorld) -> None:
    client = session(world.operator)
    created = client.post(
        URL, {"code": "tourism", "name_vi": "Du lịch", "name_en": "Tourism"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["code"] == "tourism"
    item = client.post(
        f"{URL}/tourism/items",
        {"kind": "chart", "title_vi": "Khách", "config": {"dx": ["OPD"], "chart": "area"}},
        content_type="application/json",
    )
    assert item.status_code == 201
    uid = item.json()["uid"]
    assert item.json()["config"]["periods"] == "LAST_12_MONTHS"
    second = client.post(
        f"{URL}/tourism/items", {"kind": "kpi", "config": {"dx": "OPD"}, "position": 0}, content_type="application/json"
    )
    assert [i["uid"] for i in client.get(f"{URL}/tourism").json()["items"]][1] == uid
    changed = client.put(
        f"{URL}/tourism/items/{uid}", {"width": 12, "title_en": "Visitors"}, content_type="application/json"
    )
    assert changed.status_code == 200 and (changed.json()["width"], changed.json()["title_en"]) == (12, "Visitors")
    moved = client.post(f"{URL}/tourism/items/{uid}/move", {"direction": "up"}, content_type="application/json")
    assert [i["uid"] for i in moved.json()["items"]] == [uid, second.json()["uid"]]
    ordered = client.put(
        f"{URL}/tourism/order", {"items": [second.json()["uid"], uid]}, content_type="application/json"
    )
    assert [i["uid"] for i in ordered.json()["items"]] == [second.json()["uid"], uid]
    renamed = client.put(f"{URL}/tourism", {"name_vi": "Du lịch – Văn hóa"}, content_type="application/json")
    assert renamed.json()["name_vi"] == "Du lịch – Văn hóa" and renamed.json()["name_en"] == "Tourism"
    assert client.delete(f"{URL}/tourism/items/{uid}").status_code == 204
    assert client.delete(f"{URL}/tourism").status_code == 204
    assert not Dashboard.objects.filter(code="tourism").exists()
    # create, 2 × add, change, move, reorder, rename, remove, delete: each audited once, via the API
    assert AuditEntry.objects.filter(user=world.operator, via="api").count() == 9


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "kpi", "config": {"dx": "NOPE"}}, "config.dx"),
        ({"kind": "chart", "config": {"dx": ["OPD", "NOPE"]}}, "config.dx[1]"),
        ({"kind": "table", "config": {"dx": ["OPD"], "limit": 0}}, "config.limit"),
        ({"kind": "kpi", "config": {"dx": "OPD", "colour": "red"}}, "config.colour"),
        ({"kind": "kpi", "config": {"dx": "OPD"}, "width": 0}, "width"),
        ({"kind": "pie", "config": {}}, "kind"),
    ],
)
def test_bad_item_configs_are_400_naming_the_field(
    health: Dashboard, world: DashWorld, body: dict[str, Any], field: str
) -> None:
    response = session(world.operator).post(f"{URL}/health/items", body, content_type="application/json")
    assert response.status_code == 400
    assert field in [e["field"] for e in response.json()["errors"]]
    assert DashboardItem.objects.filter(dashboard=health).count() == 2


def test_bad_dashboards_are_400_naming_the_field(health: Dashboard, world: DashWorld) -> None:
    client = session(world.operator)
    for body, field in (({"code": "health", "name_vi": "X"}, "code"), ({"code": "wall", "name_vi": "X"}, "code")):
        response = client.post(URL, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
    response = client.put(f"{URL}/health", {"sector": "NOPE"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "sector"


def test_session_writes_need_the_csrf_token(health: Dashboard, world: DashWorld) -> None:
    client = session(world.operator, enforce_csrf_checks=True)
    refused = client.post(URL, {"code": "x", "name_vi": "X"}, content_type="application/json")
    assert refused.status_code == 403
    assert not Dashboard.objects.filter(code="x").exists()
    secret = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = client.post(URL, {"code": "x", "name_vi": "X"}, content_type="application/json", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 201
    assert client.get(f"{URL}/health/data?pe=202503").status_code == 200  # reading needs no token

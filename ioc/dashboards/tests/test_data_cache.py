"""The screen's cost: few queries per data request, a whole payload kept while nothing changed, and the cheap
poll (?generation=N). The world is conftest.py's; its sums are worked out there."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ioc.accounts.models import User
from ioc.accounts.testing import english
from ioc.analytics.replica import replica
from ioc.audit.models import Via
from ioc.dashboards import data as data_module
from ioc.dashboards.data import clear_cache, dashboard_data
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.services import do_create_dashboard, do_create_item, do_reorder_items, do_update_item
from ioc.dashboards.tests.conftest import TODAY, DashWorld
from ioc.datavalues.services import do_set_value

URL = "/api/v1/dashboards/health/data"


class EngineCalls:
    """Counts the engine's questions and the queries made inside them (the engine's own business)."""

    def __init__(self) -> None:
        self.calls = 0
        self.queries = 0


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineCalls]:
    clear_cache()
    seen = EngineCalls()
    real = data_module.run

    def counting(user: Any, query: Any, **kwargs: Any) -> Any:
        seen.calls += 1
        with CaptureQueriesContext(connection) as inside:
            result = real(user, query, **kwargs)
        seen.queries += len(inside)
        return result

    monkeypatch.setattr(data_module, "run", counting)
    yield seen
    clear_cache()


@pytest.fixture
def health(world: DashWorld) -> Dashboard:
    world.w.d1.geometry = {"type": "Point", "coordinates": [105.6, 21.4]}
    world.w.d1.save()
    dashboard = do_create_dashboard(world.operator, code="health", name_vi="Y tế", name_en="Health", sector="HEALTH")
    do_create_item(world.operator, dashboard, kind="kpi", title_vi="Lượt khám", config={"dx": "OPD"})
    do_create_item(world.operator, dashboard, kind="map", config={"dx": "OPD"})
    do_create_item(world.operator, dashboard, kind="chart", config={"dx": ["VISITS_X2"], "periods": "LAST_3_MONTHS"})
    do_create_item(world.operator, dashboard, kind="table", config={"dx": ["PUPILS_PER_VISIT"], "by": "unit"})
    return dashboard


def session(user: User) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def screen(user: Any, dashboard: Dashboard, **params: Any) -> dict[str, Any]:
    return dashboard_data(user, dashboard, today=TODAY, pe="202503", **params)


# --- queries ------------------------------------------------------------------------------------------


def test_a_data_request_costs_a_handful_of_queries(health: Dashboard, world: DashWorld, engine: EngineCalls) -> None:
    client = session(world.w.leader)
    client.get(URL)  # the session's first request (login bookkeeping)
    clear_cache()
    engine.calls = engine.queries = 0
    with CaptureQueriesContext(connection) as first:
        body = client.get(f"{URL}?pe=202503").json()
    assert engine.calls == 3 and body["items"][1]["units"][1]["geometry"] is not None
    # session, user, dashboard with items, replica sync, the leader's view and entry units, the map's
    # boundaries, the child level's name: nothing per unit, per item or per breadcrumb.
    assert len(first) - engine.queries <= 8, [q["sql"][:80] for q in first.captured_queries]
    with CaptureQueriesContext(connection) as again:
        assert client.get(f"{URL}?pe=202503").json() == body
    assert engine.calls == 3  # not asked again
    assert len(again) <= 6, [q["sql"][:80] for q in again.captured_queries]


def test_a_screen_drilled_down_reads_no_unit_from_the_database(
    health: Dashboard, world: DashWorld, engine: EngineCalls, django_assert_max_num_queries: Any
) -> None:
    screen(world.w.admin, health)  # the replica is loaded
    clear_cache()
    engine.calls = engine.queries = 0
    with django_assert_max_num_queries(4 + 12) as counted:  # items, sync, level name; the engine's own below
        out = screen(world.w.admin, health, ou=world.w.c3.uid)
    assert len(counted) - engine.queries <= 2
    assert [b["name"] for b in out["unit"]["breadcrumbs"]] == ["Tỉnh Thử", "Huyện Lập Thạch", "Xã Xuân Hòa"]
    assert out["unit"]["has_children"] is False and out["items"][1]["units"][0]["code"] == "C3"


# --- the payload cache ----------------------------------------------------------------------------------


def test_a_repeated_request_is_the_same_answer_without_the_engine(
    health: Dashboard, world: DashWorld, engine: EngineCalls
) -> None:
    first = screen(world.operator, health)
    asked = engine.calls
    assert asked == 3
    assert screen(world.operator, health) is first
    assert screen(world.operator, health, ou=world.w.p.uid) is first  # the default unit, named
    assert engine.calls == asked
    # Another language, period or unit is another answer.
    other = screen(world.operator, health, ou=world.w.d1.uid)
    assert other["unit"]["code"] == "D1" and other["items"][0]["value"] == 120
    assert engine.calls == 2 * asked


def test_a_write_gives_a_new_answer(health: Dashboard, world: DashWorld, engine: EngineCalls) -> None:
    before = screen(world.operator, health)
    assert before["items"][0]["value"] == 180
    do_set_value(world.w.admin, data_element="OPD", org_unit="C3", period="202503", value="75", via=Via.FORM)
    after = screen(world.operator, health)
    assert after["items"][0]["value"] == 195
    assert after["generation"] > before["generation"]
    assert {u["code"]: u["value"] for u in after["items"][1]["units"]} == {"D1": 120, "D2": 75}


def test_dashboard_edits_show_at_once(health: Dashboard, world: DashWorld, engine: EngineCalls) -> None:
    before = screen(world.operator, health)
    kpi, the_map, chart, table = DashboardItem.objects.filter(dashboard=health).order_by("sort_order")
    do_update_item(world.operator, kpi, title_vi="Lượt khám bệnh", config={"dx": "OPD", "target": 150})
    edited = screen(world.operator, health)
    assert edited is not before
    assert (edited["items"][0]["title"], edited["items"][0]["status"]) == ("Lượt khám bệnh", "good")
    # A new order touches no timestamp (a bulk update of sort_order): still a new answer.
    do_reorder_items(world.operator, health, [table.uid, chart.uid, the_map.uid, kpi.uid])
    reordered = screen(world.operator, health)
    assert [i["kind"] for i in reordered["items"]] == ["table", "chart", "map", "kpi"]
    DashboardItem.objects.filter(pk=chart.pk).update(width=12)  # even behind the services' back
    assert screen(world.operator, health)["items"][1]["width"] == 12


def test_the_scope_is_part_of_the_answer(health: Dashboard, world: DashWorld, engine: EngineCalls) -> None:
    client = session(world.w.leader)
    leaders = client.get(f"{URL}?pe=202503&ou={world.w.d2.uid}").json()
    assert [b["name"] for b in leaders["unit"]["breadcrumbs"]] == ["Tỉnh Thử", "Huyện Lập Thạch"]
    officer = session(world.w.officer2)  # enters in D2 only: never a name above it
    mine = officer.get(f"{URL}?pe=202503&ou={world.w.d2.uid}").json()
    assert [b["name"] for b in mine["unit"]["breadcrumbs"]] == ["Huyện Lập Thạch"]
    assert mine["items"][0]["value"] == leaders["items"][0]["value"] == 60
    # What the leader's request left in the cache is no way around the scope: by uid, by code, or polling.
    client.get(f"{URL}?pe=202503&ou={world.w.d1.uid}")
    for ou in (world.w.d1.uid, "D1", world.w.c1.uid, world.w.p.uid):
        refused = officer.get(f"{URL}?pe=202503&ou={ou}")
        assert refused.status_code == 403, ou
        assert "outside the units you may see" in refused.json()["message"]


# --- the cheap poll --------------------------------------------------------------------------------------


def test_the_poll_answers_unchanged_until_something_changes(
    health: Dashboard, world: DashWorld, engine: EngineCalls
) -> None:
    client = session(world.w.leader)
    full = client.get(f"{URL}?pe=202503").json()
    asked = engine.calls
    generation = full["generation"]
    assert generation == replica.generation
    with CaptureQueriesContext(connection) as polled:
        response = client.get(f"{URL}?pe=202503&generation={generation}")
    assert response.status_code == 200
    assert response.json() == {"unchanged": True, "generation": generation, "as_of": full["as_of"]}
    # session, user, replica sync, the reader's view and entry units (the scope is checked): nothing built
    assert len(polled) <= 5 and engine.calls == asked
    # An older generation than the replica's: the full answer, as without the parameter.
    stale = client.get(f"{URL}?pe=202503&generation={generation - 1}").json()
    assert stale == full
    do_set_value(world.w.admin, data_element="OPD", org_unit="C3", period="202503", value="75", via=Via.FORM)
    changed = client.get(f"{URL}?pe=202503&generation={generation}").json()
    assert "unchanged" not in changed and changed["generation"] > generation
    assert changed["items"][0]["value"] == 195


def test_the_poll_checks_its_parameters_and_the_scope(health: Dashboard, world: DashWorld) -> None:
    client = session(world.w.leader)
    response = client.get(f"{URL}?generation=soon")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "generation"
    assert Client().get(f"{URL}?generation=1").status_code == 401
    officer = session(world.w.officer2)
    generation = officer.get(f"{URL}?pe=202503").json()["generation"]
    assert officer.get(f"{URL}?pe=202503&generation={generation}").json()["unchanged"] is True
    refused = officer.get(f"{URL}?pe=202503&ou={world.w.d1.uid}&generation={generation}")
    assert refused.status_code == 403 and "outside the units you may see" in refused.json()["message"]
    assert officer.get(f"{URL}?pe=2025-13&generation={generation}").json()["errors"][0]["field"] == "pe"
    # An empty parameter is no poll at all.
    assert "items" in client.get(f"{URL}?pe=202503&generation=").json()

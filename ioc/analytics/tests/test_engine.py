"""The engine on a small known world: hand-computed answers, liveness, scopes, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from ioc.accounts.testing import make_user
from ioc.analytics.engine import run
from ioc.analytics.query import Query
from ioc.analytics.tasks import prune_change_log
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.datavalues.models import ValueChange
from ioc.datavalues.services import do_delete_value, do_set_value
from ioc.entry.testing import World, build_world
from ioc.metadata.models import DataElement, Indicator
from ioc.orgunits.models import Succession
from ioc.orgunits.testing import make_unit
from ioc.workflow.services import do_complete

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def put(w: World, element: str, unit: str, period: str, value: str, coc: str | None = None) -> None:
    do_set_value(
        w.admin, data_element=element, org_unit=unit, period=period, value=value, category_option_combo=coc, via="web"
    )


def test_sums_roll_up_units_and_periods(world: World) -> None:
    put(world, "OPD", "C1", "202601", "10")
    put(world, "OPD", "C2", "202601", "5")
    put(world, "OPD", "C3", "202602", "7")
    put(world, "OPD", "C1", "202603", "1")
    result = run(world.admin, Query(dx=("OPD",), pe=("2026Q1", "202601"), ou=("P1", "D1", "D2")), today=TODAY)
    assert result.columns == ["dx", "pe", "ou"]
    assert result.value(dx="OPD", pe="2026Q1", ou=world.p.uid) == 23
    assert result.value(dx="OPD", pe="202601", ou=world.d1.uid) == 15
    assert result.value(dx="OPD", pe="2026Q1", ou=world.d2.uid) == 7
    assert result.value(dx="OPD", pe="202601", ou=world.d2.uid) is None  # nothing: no row, not zero
    assert result.items[world.d1.uid].name == "Huyện Tam Đảo"


def test_disaggregations_total_split_and_one_combo(world: World) -> None:
    put(world, "PUPILS", "C1", "202601", "30", "SEX_M")
    put(world, "PUPILS", "C1", "202601", "20", "SEX_F")
    total = run(world.admin, Query(dx=("PUPILS", "PUPILS.SEX_F"), pe=("202601",), ou=("C1",)), today=TODAY)
    assert total.value(dx="PUPILS", pe="202601", ou=world.c1.uid) == 50
    assert total.value(dx="PUPILS.SEX_F", pe="202601", ou=world.c1.uid) == 20
    split = run(world.admin, Query(dx=("PUPILS",), pe=("202601",), ou=("C1",), co=True), today=TODAY)
    assert split.value(dx="PUPILS", pe="202601", ou=world.c1.uid, co="SEX_M") == 30


def test_average_and_stock(world: World) -> None:
    put(world, "RATE", "C1", "202601", "80")
    put(world, "RATE", "C2", "202601", "60")
    put(world, "RATE", "C2", "202602", "100")
    DataElement.objects.filter(code="OPD").update(aggregation_type="LAST")  # beds-like stock
    put(world, "OPD", "C1", "202601", "10")
    put(world, "OPD", "C1", "202602", "12")
    put(world, "OPD", "C2", "202601", "4")
    result = run(world.admin, Query(dx=("RATE", "OPD"), pe=("2026Q1",), ou=("P1",)), today=TODAY)
    assert result.value(dx="RATE", pe="2026Q1", ou=world.p.uid) == 80  # (80 + 60 + 100) / 3
    assert result.value(dx="OPD", pe="2026Q1", ou=world.p.uid) == 16  # C1's February 12 + C2's January 4


def test_indicator_after_aggregation_and_zero_denominator(world: World) -> None:
    Indicator.objects.create(
        code="IND", name_vi="Tỷ lệ nữ", numerator="#{PUPILS.SEX_F}", denominator="#{PUPILS}", factor=100
    )
    Indicator.objects.create(code="ZERO", name_vi="Chia 0", numerator="#{OPD}", denominator="#{RATE}", factor=1)
    put(world, "PUPILS", "C1", "202601", "30", "SEX_M")
    put(world, "PUPILS", "C1", "202601", "10", "SEX_F")
    put(world, "PUPILS", "C3", "202601", "10", "SEX_F")
    put(world, "OPD", "C1", "202601", "5")
    put(world, "RATE", "C1", "202601", "0")
    result = run(world.admin, Query(dx=("IND", "ZERO"), pe=("202601",), ou=("P1", "C1")), today=TODAY)
    assert result.value(dx="IND", pe="202601", ou=world.p.uid) == pytest.approx(40.0)  # 20 / 50, not mean of rates
    assert result.value(dx="IND", pe="202601", ou=world.c1.uid) == pytest.approx(25.0)
    assert result.value(dx="ZERO", pe="202601", ou=world.c1.uid) is None


def test_level_and_children_keywords(world: World) -> None:
    put(world, "OPD", "C1", "202601", "1")
    put(world, "OPD", "C3", "202601", "2")
    levels = run(world.admin, Query(dx=("OPD",), pe=("202601",), ou=("P1", "LEVEL-3")), today=TODAY)
    assert {r[2] for r in levels.rows} == {world.c1.uid, world.c3.uid}
    assert levels.dimensions["ou"] == [world.c1.uid, world.c2.uid, world.c3.uid]
    kids = run(world.admin, Query(dx=("OPD",), pe=("202601",), ou=("P1", "CHILDREN")), today=TODAY)
    assert {r[2]: r[3] for r in kids.rows} == {world.d1.uid: 1.0, world.d2.uid: 2.0}


def test_filters_count_each_value_once(world: World) -> None:
    put(world, "OPD", "C1", "202601", "10")
    put(world, "OPD", "C3", "202602", "7")
    result = run(
        world.admin,
        Query(dx=("OPD",), pe=("2026", "2026Q1", "202601"), ou=("P1", "D1"), filters=frozenset({"pe", "ou"})),
        today=TODAY,
    )
    assert result.columns == ["dx"]
    assert result.rows == [("OPD", 17.0)]


def test_a_write_is_in_the_next_answer_and_a_delete_too(world: World) -> None:
    query = Query(dx=("OPD",), pe=("202601",), ou=("P1",))
    assert run(world.admin, query, today=TODAY).rows == []
    put(world, "OPD", "C1", "202601", "10")
    assert run(world.admin, query, today=TODAY).value(dx="OPD", pe="202601", ou=world.p.uid) == 10
    put(world, "OPD", "C1", "202601", "11")
    assert run(world.admin, query, today=TODAY).value(dx="OPD", pe="202601", ou=world.p.uid) == 11
    do_delete_value(world.admin, data_element="OPD", org_unit="C1", period="202601", via="web")
    assert run(world.admin, query, today=TODAY).rows == []


def test_today_structure_carries_history_to_successors(world: World) -> None:
    new = make_unit("N1", "Xã Mới", world.p, opened=dt.date(2025, 7, 1))
    for old in (world.c1, world.c2):
        old.closed = dt.date(2025, 6, 30)
        old.save()
        Succession.objects.create(predecessor=old, successor=new, kind="merge", date=dt.date(2025, 7, 1))
    put(world, "OPD", "C1", "202501", "10")
    put(world, "OPD", "C2", "202501", "5")
    put(world, "OPD", "N1", "202601", "20")
    today = run(world.admin, Query(dx=("OPD",), pe=("202501", "202601"), ou=("N1",), structure="TODAY"), today=TODAY)
    assert today.value(dx="OPD", pe="202501", ou=new.uid) == 15
    assert today.value(dx="OPD", pe="202601", ou=new.uid) == 20
    was = run(world.admin, Query(dx=("OPD",), pe=("202501",), ou=("N1", "D1")), today=TODAY)
    assert was.value(dx="OPD", pe="202501", ou=new.uid) is None
    assert was.value(dx="OPD", pe="202501", ou=world.d1.uid) == 15


def test_scope_and_bad_input(world: World) -> None:
    outsider = make_user("outsider", ["leader"], view=[world.d2])
    with pytest.raises(NotAllowed):
        run(outsider, Query(dx=("OPD",), pe=("202601",), ou=("D1",)), today=TODAY)
    mine = run(outsider, Query(dx=("OPD",), pe=("202601",), ou=("USER_ORGUNIT",)), today=TODAY)
    assert mine.dimensions["ou"] == [world.d2.uid]
    with pytest.raises(InvalidInput, match="NOPE"):
        run(world.admin, Query(dx=("NOPE",), pe=("202601",)), today=TODAY)
    with pytest.raises(InvalidInput, match="2026M13"):
        run(world.admin, Query(dx=("OPD",), pe=("2026M13",)), today=TODAY)


def test_api_dhis2_shape_csv_xlsx_and_errors(world: World, client: Client) -> None:
    put(world, "OPD", "C1", "202601", "10")
    put(world, "RATE", "C3", "202601", "2.5")
    client.force_login(world.admin)
    url = "/api/v1/analytics"
    params = {"dimension": ["dx:OPD;RATE", "pe:202601", "ou:P1;LEVEL-2"]}
    body = client.get(url, params).json()
    assert [h["name"] for h in body["headers"]] == ["dx", "pe", "ou", "value"]
    assert sorted(body["rows"]) == sorted(
        [["OPD", "202601", world.d1.uid, "10"], ["RATE", "202601", world.d2.uid, "2.5"]]
    )
    assert body["metaData"]["items"][world.d1.uid]["name"] == "Huyện Tam Đảo"
    assert body["metaData"]["dimensions"]["ou"] == [world.d1.uid, world.d2.uid]
    filtered = client.get(url, {"dimension": ["dx:OPD;RATE"], "filter": ["pe:202601", "ou:P1"]}).json()
    assert filtered["rows"] == [["OPD", "10"], ["RATE", "2.5"]]
    csv = client.get(url, {**params, "format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Huyện Tam Đảo" in text and "10" in text
    xlsx = client.get(url, {**params, "format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    bad = client.get(url, {"dimension": ["dx:NOPE", "pe:202601"]})
    assert bad.status_code == 400 and "NOPE" in bad.json()["message"]
    assert client.get(url, {"dimension": ["dx:OPD"]}).status_code == 400
    assert client.get(url, {"dimension": ["xx:OPD", "pe:2026"]}).status_code == 400


def test_api_refuses_units_outside_the_scope_and_anonymous(world: World, client: Client) -> None:
    outsider = make_user("outsider", ["leader"], view=[world.d2])
    client.force_login(outsider)
    denied = client.get("/api/v1/analytics", {"dimension": ["dx:OPD", "pe:202601", "ou:D1"]})
    assert denied.status_code == 403
    client.logout()
    assert client.get("/api/v1/analytics", {"dimension": ["dx:OPD", "pe:202601"]}).status_code == 401


def test_the_change_log_is_pruned_after_a_week(world: World) -> None:
    put(world, "OPD", "C1", "202601", "10")
    old = ValueChange.objects.create(since=None, element_ids=[])
    ValueChange.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=8))
    kept = ValueChange.objects.count() - 1
    assert prune_change_log() == 1
    assert ValueChange.objects.count() == kept


def test_reporting_rates_from_the_workflow(world: World) -> None:
    put(world, "OPD", "C1", "202601", "10")
    put(world, "PUPILS", "C1", "202601", "3", "SEX_M")
    put(world, "PUPILS", "C1", "202601", "4", "SEX_F")
    do_complete(world.officer1, "HEALTH", "C1", "202601")
    dx = ("HEALTH.REPORTING_RATE", "HEALTH.ACTUAL_REPORTS", "HEALTH.EXPECTED_REPORTS")
    result = run(world.admin, Query(dx=dx, pe=("202601", "2026Q1"), ou=("P1", "D1", "D2")), today=TODAY)
    assert result.value(dx="HEALTH.REPORTING_RATE", pe="202601", ou=world.p.uid) == pytest.approx(100 / 3)
    assert result.value(dx="HEALTH.REPORTING_RATE", pe="202601", ou=world.d1.uid) == pytest.approx(50.0)
    assert result.value(dx="HEALTH.REPORTING_RATE", pe="202601", ou=world.d2.uid) == 0.0
    assert result.value(dx="HEALTH.EXPECTED_REPORTS", pe="2026Q1", ou=world.p.uid) == 9
    assert result.value(dx="HEALTH.ACTUAL_REPORTS", pe="2026Q1", ou=world.p.uid) == 1
    yearly = run(world.admin, Query(dx=("HEALTH.REPORTING_RATE",), pe=("2026",), ou=("C1",)), today=TODAY)
    assert yearly.value(dx="HEALTH.REPORTING_RATE", pe="2026", ou=world.c1.uid) == pytest.approx(100 / 11)

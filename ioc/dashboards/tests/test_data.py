"""The screen's numbers against the world of conftest.py, worked out by hand there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ioc.accounts.testing import make_user
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.core.periods import parse_period
from ioc.dashboards import data as data_module
from ioc.dashboards.context import same_period_last_year
from ioc.dashboards.data import change, dashboard_data, range_periods, status
from ioc.dashboards.models import Dashboard
from ioc.dashboards.services import do_create_dashboard, do_create_item
from ioc.dashboards.tests.conftest import TODAY, DashWorld
from ioc.datavalues.batch import do_set_values
from ioc.datavalues.checker import ValueRow
from ioc.orgunits.testing import make_unit


def board(world: DashWorld, *items: tuple[str, dict[str, Any]]) -> Dashboard:
    dashboard = do_create_dashboard(world.operator, code="d", name_vi="Bảng", name_en="Board", sector="HEALTH")
    for kind, config in items:
        do_create_item(world.operator, dashboard, kind=kind, config=config)
    return dashboard


def screen(user: Any, dashboard: Dashboard, **params: Any) -> dict[str, Any]:
    return dashboard_data(user, dashboard, today=TODAY, **params)


# --- rules --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "target", "higher", "expected"),
    [
        (95.0, 95.0, True, "good"),
        (96.0, 95.0, True, "good"),
        (86.0, 95.0, True, "warning"),  # within 9.5 of 95
        (85.0, 95.0, True, "bad"),
        (20.0, 20.0, False, "good"),
        (22.0, 20.0, False, "warning"),
        (22.5, 20.0, False, "bad"),
        (0.0, 0.0, False, "good"),
        (1.0, 0.0, False, "bad"),
        (None, 95.0, True, "none"),
        (95.0, None, True, "none"),
    ],
)
def test_status(value: float | None, target: float | None, higher: bool, expected: str) -> None:
    assert status(value, target, higher) == expected


def test_change() -> None:
    assert change(180.0, 100.0) == pytest.approx(0.8)
    assert change(-50.0, -100.0) == pytest.approx(0.5)  # relative to the size of the base
    assert change(1.0, 0.0) is None
    assert change(None, 1.0) is None
    assert change(1.0, None) is None


def test_ranges_are_relative_to_the_chosen_period() -> None:
    march = parse_period("202503")
    assert [p.id for p in range_periods(["LAST_3_MONTHS"], march)] == ["202501", "202502", "202503"]
    assert [p.id for p in range_periods(["THIS_YEAR"], march)] == ["2025"]
    assert [p.id for p in range_periods(["LAST_5_YEARS"], march)] == ["2020", "2021", "2022", "2023", "2024"]
    assert [p.id for p in range_periods(["MONTHS_THIS_YEAR"], march)] == ["202501", "202502", "202503"]
    # LAST_n: the n complete periods as of the chosen period's end, so the chosen year itself for a year.
    assert [p.id for p in range_periods(["2023", "LAST_YEAR"], parse_period("2025"))] == ["2023", "2025"]


@pytest.mark.parametrize(
    ("period", "expected"),
    [("202503", "202403"), ("2025Q1", "2024Q1"), ("2025", "2024"), ("2026W53", "2025W52"), ("20240229", "20230228")],
)
def test_same_period_last_year(period: str, expected: str) -> None:
    assert same_period_last_year(parse_period(period)).id == expected


# --- the payload ----------------------------------------------------------------------------------------


def test_kpi_value_previous_last_year_change_and_status(world: DashWorld) -> None:
    dashboard = board(
        world,
        ("kpi", {"dx": "OPD", "target": 200}),
        ("kpi", {"dx": "PUPILS_PER_VISIT", "target": 50}),
        ("kpi", {"dx": "PUPILS_PER_VISIT", "target": 40, "higher_is_better": True}),
        ("kpi", {"dx": "VISITS_X2"}),
    )
    out = screen(world.operator, dashboard)
    assert out["period"] == {"id": "202503", "name": "Month 3/2025", "type": "Monthly"}
    assert out["structure"] == "TODAY"
    assert out["dashboard"] == {"code": "d", "name": "Board", "sector": "HEALTH", "rotate_seconds": 30}
    opd, ratio, ratio_up, doubled = out["items"]
    assert opd["value"] == 180
    assert opd["previous"] == {"period": "202502", "value": 100}
    assert opd["last_year"] == {"period": "202403", "value": 80}
    assert opd["change"] == pytest.approx(0.8)
    assert opd["change_last_year"] == pytest.approx(1.25)
    assert (opd["target"], opd["higher_is_better"], opd["status"]) == (200, True, "warning")  # 180 ≥ 200 − 20
    assert opd["dx"] == {"code": "OPD", "name": "Outpatient visits", "unit": "", "decimals": 0, "kind": "element"}
    assert opd["title"] == "Outpatient visits"  # no title set: the element's name
    assert ratio["value"] == pytest.approx(80 / 180 * 100)
    assert ratio["previous"]["value"] is None and ratio["change"] is None
    assert (ratio["higher_is_better"], ratio["status"]) == (False, "good")  # from the indicator: 44.4 ≤ 50
    assert ratio["dx"]["unit"] == "%" and ratio["dx"]["decimals"] == 1
    assert (ratio_up["higher_is_better"], ratio_up["status"]) == (True, "good")  # the config overrides
    assert doubled["value"] == 360 and doubled["status"] == "none"


def test_map_units_values_and_drill_down(world: DashWorld) -> None:
    world.w.d1.latitude, world.w.d1.longitude = 21.4, 105.6
    world.w.d1.geometry = {"type": "Point", "coordinates": [105.6, 21.4]}
    world.w.d1.save()
    dashboard = board(world, ("map", {"dx": "OPD"}))
    out = screen(world.operator, dashboard)
    assert out["unit"]["has_children"] is True
    units = {u["code"]: u for u in out["items"][0]["units"]}
    assert set(units) == {"D1", "D2"}
    assert units["D1"]["value"] == 120 and units["D2"]["value"] == 60
    assert units["D1"]["has_children"] and units["D2"]["has_children"]
    assert units["D1"]["geometry"] == {"type": "Point", "coordinates": [105.6, 21.4]}
    assert (units["D1"]["lat"], units["D1"]["lng"], units["D1"]["approximate"]) == (21.4, 105.6, False)
    assert units["D2"]["geometry"] is None and units["D2"]["approximate"] is True
    # Drill into D2: its one commune, which has nothing below it.
    out = screen(world.operator, dashboard, ou=world.w.d2.uid)
    assert [(u["code"], u["value"], u["has_children"]) for u in out["items"][0]["units"]] == [("C3", 60, False)]
    assert [b["name"] for b in out["unit"]["breadcrumbs"]] == ["Tỉnh Thử", "Huyện Lập Thạch"]
    # A commune has no children: the map shows the commune itself.
    out = screen(world.operator, dashboard, ou="C3")
    assert out["unit"]["has_children"] is False and out["unit"]["child_level_name"] is None
    assert [(u["code"], u["value"]) for u in out["items"][0]["units"]] == [("C3", 60)]


def test_charts_by_period_and_by_unit(world: DashWorld) -> None:
    dashboard = board(
        world,
        ("chart", {"dx": ["OPD", "VISITS_X2"], "periods": "LAST_3_MONTHS", "chart": "column"}),
        ("chart", {"dx": ["OPD"], "by": "unit", "chart": "bar"}),
    )
    trend, by_unit = screen(world.operator, dashboard)["items"]
    assert [c["id"] for c in trend["categories"]] == ["202501", "202502", "202503"]
    assert [(s["code"], s["values"]) for s in trend["series"]] == [
        ("OPD", [None, 100, 180]),
        ("VISITS_X2", [None, 200, 360]),
    ]
    assert (trend["chart"], trend["by"]) == ("column", "period")
    assert [c["name"] for c in by_unit["categories"]] == ["Huyện Lập Thạch", "Huyện Tam Đảo"]
    assert by_unit["series"][0]["values"] == [60, 120]
    # The trend ends with the period chosen on the screen.
    trend = screen(world.operator, dashboard, pe="202502")["items"][0]
    assert [c["id"] for c in trend["categories"]] == ["202412", "202501", "202502"]
    assert trend["series"][0]["values"] == [None, None, 100]


def test_tables_rank_with_missing_values_last(world: DashWorld) -> None:
    dashboard = board(
        world,
        ("table", {"dx": ["OPD", "PUPILS_PER_VISIT"], "by": "unit", "sort": "desc"}),
        ("table", {"dx": ["OPD"], "by": "unit", "sort": "asc", "limit": 1}),
        ("table", {"dx": ["OPD"], "by": "period", "periods": "LAST_3_MONTHS"}),
    )
    desc, asc, periods = screen(world.operator, dashboard, ou=world.w.d1.uid)["items"]
    assert [(r["name"], r["values"]) for r in desc["rows"]] == [
        ("Xã Đại Đình", [100, 60.0]),
        ("Xã Tam Quan", [20, None]),
    ]
    assert [c["code"] for c in desc["columns"]] == ["OPD", "PUPILS_PER_VISIT"]
    assert [r["name"] for r in asc["rows"]] == ["Xã Tam Quan"]
    assert [(r["id"], r["values"]) for r in periods["rows"]] == [
        ("202503", [120]),
        ("202502", [100]),
        ("202501", [None]),
    ]


def test_the_engine_is_asked_once_per_group(world: DashWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []
    real = data_module.run

    def counting(user: Any, query: Any, **kwargs: Any) -> Any:
        asked.append(query)
        return real(user, query, **kwargs)

    monkeypatch.setattr(data_module, "run", counting)
    dashboard = board(
        world,
        ("kpi", {"dx": "OPD"}),
        ("kpi", {"dx": "PUPILS_PER_VISIT"}),
        ("kpi", {"dx": "VISITS_X2"}),
        ("map", {"dx": "OPD"}),
        ("table", {"dx": ["PUPILS_PER_VISIT"]}),
        ("chart", {"dx": ["OPD"], "by": "unit"}),
        ("chart", {"dx": ["OPD"]}),
        ("chart", {"dx": ["VISITS_X2"]}),
        ("table", {"dx": ["OPD"], "by": "period", "periods": "LAST_3_MONTHS"}),
    )
    screen(world.operator, dashboard)
    shapes = sorted((q.dx, q.pe[:1], q.ou) for q in asked)
    assert len(asked) == 4  # KPIs, by unit, last 12 months, last 3 months
    kpis = next(q for q in asked if len(q.pe) == 3 and q.pe[0] == "202503")
    assert kpis.dx == ("OPD", "PUPILS_PER_VISIT", "VISITS_X2") and kpis.pe == ("202503", "202502", "202403")
    by_unit = next(q for q in asked if "CHILDREN" in q.ou)
    assert by_unit.dx == ("OPD", "PUPILS_PER_VISIT") and by_unit.pe == ("202503",), shapes


def test_scope_default_unit_and_no_peeking_outside(world: DashWorld) -> None:
    dashboard = board(world, ("kpi", {"dx": "OPD"}))
    officer2 = world.w.officer2  # enters in D2 only
    out = screen(officer2, dashboard)
    assert out["unit"]["code"] == "D2" and out["items"][0]["value"] == 60
    assert [b["name"] for b in out["unit"]["breadcrumbs"]] == ["Huyện Lập Thạch"]  # nothing above the scope
    with pytest.raises(NotAllowed):
        screen(officer2, dashboard, ou=world.w.d1.uid)
    with pytest.raises(NotAllowed):
        screen(officer2, dashboard, ou="P1")
    assert screen(world.w.leader, dashboard)["unit"]["code"] == "P1"
    with pytest.raises(NotAllowed):
        screen(make_user("nobody", ["leader"]), dashboard)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"pe": "LAST_12_MONTHS"}, "pe"),
        ({"pe": "2025-13"}, "pe"),
        ({"structure": "SOMETIMES"}, "structure"),
        ({"ou": "NOWHERE"}, "ou"),
    ],
)
def test_bad_parameters_name_the_field(world: DashWorld, params: dict[str, str], field: str) -> None:
    dashboard = board(world, ("kpi", {"dx": "OPD"}))
    with pytest.raises(InvalidInput) as exc:
        screen(world.operator, dashboard, **params)
    assert exc.value.errors[0]["field"] == field


def test_a_value_entered_is_in_the_next_answer(world: DashWorld) -> None:
    dashboard = board(world, ("kpi", {"dx": "OPD"}))
    before = screen(world.operator, dashboard)
    result = do_set_values(world.w.admin, [ValueRow(world.w.opd, world.w.c3, "202503", "75")], via=Via.FORM)
    assert not result.errors
    after = screen(world.operator, dashboard)
    assert (before["items"][0]["value"], after["items"][0]["value"]) == (180, 195)
    assert after["generation"] != before["generation"]
    assert after["as_of"] is not None


def test_a_stale_item_shows_an_error_and_the_rest_still_works(world: DashWorld) -> None:
    dashboard = board(world, ("kpi", {"dx": "VISITS_X2"}), ("kpi", {"dx": "OPD"}))
    world.doubled.delete()
    broken, fine = screen(world.operator, dashboard)["items"]
    assert "VISITS_X2" in broken["error"] and broken["value"] is None
    assert fine["value"] == 180 and "error" not in fine


def test_structure_picks_the_root_of_the_time(world: DashWorld) -> None:
    """A reader of a reorganised province sees today's province by default, and the old one as it was."""
    old = make_unit("OLD", "Tỉnh Cũ", closed=dt.date(2024, 12, 31))
    make_unit("OLDC", "Xã Cũ", old, level=3, closed=dt.date(2024, 12, 31))
    new = make_unit("NEW", "Tỉnh Mới", opened=dt.date(2025, 1, 1))
    reader = make_user("reader", ["leader"], view=[old, new])
    dashboard = board(world, ("kpi", {"dx": "OPD"}))
    assert screen(reader, dashboard)["unit"]["code"] == "NEW"
    out = screen(reader, dashboard, structure="as_it_was", pe="2024")
    assert out["structure"] == "AS_IT_WAS"
    assert out["unit"]["code"] == "OLD" and out["unit"]["has_children"] is True
    assert out["unit"]["breadcrumbs"] == [{"uid": old.uid, "name": "Tỉnh Cũ"}]
    # Today the old province's commune is gone: no children to drill into.
    assert screen(reader, dashboard, ou=old.uid)["unit"]["has_children"] is False

from __future__ import annotations

from typing import Any

import pytest

from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.dashboards import services
from ioc.dashboards.models import Dashboard, DashboardItem
from ioc.dashboards.tests.conftest import DashWorld


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str | None, str]:
    return {e["field"]: e["message"] for e in exc.value.errors}


def order(dashboard: Dashboard) -> list[str]:
    return list(
        DashboardItem.objects.filter(dashboard=dashboard).order_by("sort_order").values_list("title_vi", flat=True)
    )


@pytest.fixture
def board(world: DashWorld) -> Dashboard:
    dashboard = services.do_create_dashboard(world.operator, code="health", name_vi="Y tế", sector="HEALTH")
    for title in ("A", "B", "C"):
        services.do_create_item(world.operator, dashboard, kind="kpi", title_vi=title, config={"dx": "OPD"})
    return dashboard


def test_create_dashboard_is_audited(world: DashWorld) -> None:
    dashboard = services.do_create_dashboard(
        world.operator, code="health", name_vi=" Y tế ", name_en="Health", sector="HEALTH", rotate_seconds=20
    )
    assert (dashboard.name_vi, dashboard.sector, dashboard.rotate_seconds) == ("Y tế", world.health, 20)
    entry = AuditEntry.objects.get(action="dashboard.create")
    assert entry.user == world.operator
    assert entry.changes["code"] == [None, "health"]
    assert entry.changes["sector"] == [None, "HEALTH"]


@pytest.mark.parametrize("who", ["leader", "officer1"])
def test_only_operators_write(world: DashWorld, who: str) -> None:
    user = getattr(world.w, who)
    with pytest.raises(NotAllowed):
        services.do_create_dashboard(user, code="x", name_vi="X")
    dashboard = services.do_create_dashboard(world.operator, code="x", name_vi="X")
    with pytest.raises(NotAllowed):
        services.do_create_item(user, dashboard, kind="kpi", config={"dx": "OPD"})
    with pytest.raises(NotAllowed):
        services.do_delete_dashboard(user, dashboard)
    assert Dashboard.objects.count() == 1
    assert not DashboardItem.objects.exists()


def test_an_admin_and_the_system_may_write(world: DashWorld) -> None:
    services.do_create_dashboard(world.w.admin, code="a", name_vi="A")
    services.do_create_dashboard(None, code="b", name_vi="B")
    assert Dashboard.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "wall", "name_vi": "X"}, "code"),
        ({"code": "Manage", "name_vi": "X"}, "code"),
        ({"code": "a b", "name_vi": "X"}, "code"),
        ({"code": "x", "name_vi": "  "}, "name_vi"),
        ({"code": "x", "name_vi": "X", "sector": "NOPE"}, "sector"),
        ({"code": "x", "name_vi": "X", "rotate_seconds": 2}, "rotate_seconds"),
    ],
)
def test_bad_dashboards_name_the_field(world: DashWorld, values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.do_create_dashboard(world.operator, **values)
    assert field in errors_of(exc)
    assert not Dashboard.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="dashboard").exists()


def test_a_code_is_unique(board: Dashboard, world: DashWorld) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.do_create_dashboard(world.operator, code="health", name_vi="Khác")
    assert "code" in errors_of(exc)


def test_a_new_overview_replaces_the_old_one(world: DashWorld) -> None:
    first = services.do_create_dashboard(world.operator, code="a", name_vi="A", is_overview=True)
    second = services.do_create_dashboard(world.operator, code="b", name_vi="B", is_overview=True)
    first.refresh_from_db()
    assert (first.is_overview, second.is_overview) == (False, True)
    services.do_update_dashboard(world.operator, first, is_overview=True)
    second.refresh_from_db()
    assert list(Dashboard.objects.filter(is_overview=True).values_list("code", flat=True)) == ["a"]
    assert AuditEntry.objects.filter(action="dashboard.update", object_id=str(second.pk)).count() == 1


def test_update_audits_the_difference_only(board: Dashboard, world: DashWorld) -> None:
    services.do_update_dashboard(world.operator, board, name_en="Health", sector="")
    entry = AuditEntry.objects.filter(action="dashboard.update").get()
    assert entry.changes == {"name_en": ["", "Health"], "sector": ["HEALTH", None]}
    services.do_update_dashboard(world.operator, board, name_en="Health")
    assert AuditEntry.objects.filter(action="dashboard.update").count() == 1
    with pytest.raises(InvalidInput):
        services.do_update_dashboard(world.operator, board, colour="red")


def test_delete_takes_the_items_along(board: Dashboard, world: DashWorld) -> None:
    services.do_delete_dashboard(world.operator, board)
    assert not DashboardItem.objects.exists()
    entry = AuditEntry.objects.get(action="dashboard.delete")
    assert entry.changes["items"] == [3, 0]


def test_items_get_the_width_of_their_kind_and_a_valid_config(board: Dashboard, world: DashWorld) -> None:
    item = services.do_create_item(world.operator, board, kind="map", config={"dx": "PUPILS_PER_VISIT"})
    assert (item.width, item.sort_order, item.config) == (6, 3, {"dx": "PUPILS_PER_VISIT"})
    kpi = DashboardItem.objects.filter(dashboard=board).first()
    assert kpi is not None and kpi.width == 3
    entry = AuditEntry.objects.filter(action="dashboard_item.create").last()
    assert entry is not None and entry.changes["dashboard"] == [None, "health"]


def test_a_bad_item_writes_nothing_and_names_every_field(board: Dashboard, world: DashWorld) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.do_create_item(
            world.operator, board, kind="chart", width=13, title_vi="x" * 201, config={"dx": ["OPD", "NOPE"]}
        )
    assert {"config.dx[1]", "width", "title_vi"} <= set(errors_of(exc))
    assert DashboardItem.objects.filter(dashboard=board).count() == 3
    with pytest.raises(InvalidInput) as exc:
        services.do_create_item(world.operator, board, kind="gauge", config={})
    assert "kind" in errors_of(exc)


def test_insert_at_a_position(board: Dashboard, world: DashWorld) -> None:
    services.do_create_item(world.operator, board, kind="kpi", title_vi="First", config={"dx": "OPD"}, position=0)
    services.do_create_item(world.operator, board, kind="kpi", title_vi="Last", config={"dx": "OPD"}, position=99)
    assert order(board) == ["First", "A", "B", "C", "Last"]


def test_move_up_down_and_to_a_position(board: Dashboard, world: DashWorld) -> None:
    a, b, c = DashboardItem.objects.filter(dashboard=board).order_by("sort_order")
    services.do_move_item(world.operator, c, direction="up")
    assert order(board) == ["A", "C", "B"]
    services.do_move_item(world.operator, a, direction="up")  # already first: nothing moves
    assert order(board) == ["A", "C", "B"]
    services.do_move_item(world.operator, a, direction="down")
    assert order(board) == ["C", "A", "B"]
    services.do_move_item(world.operator, b, position=0)
    assert order(board) == ["B", "C", "A"]
    assert AuditEntry.objects.filter(action="dashboard_item.move").count() == 3
    with pytest.raises(InvalidInput):
        services.do_move_item(world.operator, b, direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        services.do_move_item(world.operator, b)
    with pytest.raises(NotAllowed):
        services.do_move_item(world.w.leader, b, direction="down")
    assert order(board) == ["B", "C", "A"]


def test_reorder_needs_every_item_once(board: Dashboard, world: DashWorld) -> None:
    a, b, c = DashboardItem.objects.filter(dashboard=board).order_by("sort_order")
    services.do_reorder_items(world.operator, board, [c.uid, a.uid, b.uid])
    assert order(board) == ["C", "A", "B"]
    for bad in ([a.uid, b.uid], [a.uid, b.uid, c.uid, "Xxxxxxxxxxx"], [a.uid, a.uid, b.uid, c.uid]):
        with pytest.raises(InvalidInput) as exc:
            services.do_reorder_items(world.operator, board, bad)
        assert "items" in errors_of(exc)
    assert order(board) == ["C", "A", "B"]


def test_delete_item_closes_the_gap(board: Dashboard, world: DashWorld) -> None:
    _a, b, _c = DashboardItem.objects.filter(dashboard=board).order_by("sort_order")
    services.do_delete_item(world.operator, b)
    assert list(
        DashboardItem.objects.filter(dashboard=board).order_by("sort_order").values_list("sort_order", flat=True)
    ) == [0, 1]
    assert AuditEntry.objects.filter(action="dashboard_item.delete").count() == 1


def test_update_item_validates_the_config_for_the_new_kind(board: Dashboard, world: DashWorld) -> None:
    item = DashboardItem.objects.filter(dashboard=board).first()
    assert item is not None
    with pytest.raises(InvalidInput) as exc:
        services.do_update_item(world.operator, item, kind="chart")  # {"dx": "OPD"} is not a chart's config
    assert "config.dx" in errors_of(exc)
    updated = services.do_update_item(world.operator, item, kind="chart", config={"dx": ["OPD"]}, title_en="Visits")
    assert (updated.kind, updated.config["chart"], updated.title_en) == ("chart", "line", "Visits")
    entry = AuditEntry.objects.get(action="dashboard_item.update")
    assert entry.changes["kind"] == ["kpi", "chart"]
    services.do_update_item(world.operator, updated, title_en="Visits")  # no change, no audit
    assert AuditEntry.objects.filter(action="dashboard_item.update").count() == 1

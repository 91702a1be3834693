"""A target's history: live from the analytics engine (values written through ioc.datavalues), or its manual
reports; the baseline; the forecast's specification; the check of a live target's item."""

from __future__ import annotations

import datetime as dt

import pytest

from ioc.analytics.engine import run
from ioc.analytics.query import Query
from ioc.core.errors import InvalidInput
from ioc.datavalues.bulk import BulkValue, do_bulk_load
from ioc.metadata.models import DataElement, DataSetElement, Indicator
from ioc.orgunits.selectors import view_roots
from ioc.plans import forecast
from ioc.plans.live import SYSTEM_READER, check_dx, series, spec_of
from ioc.plans.models import Source, Target, TargetReport
from ioc.plans.testing import TODAY, PlanWorld, build_plan_world

pytestmark = pytest.mark.django_db

P = forecast.Point


@pytest.fixture
def world() -> PlanWorld:
    return build_plan_world()


def load(world: PlanWorld, element: DataElement, rows: list[tuple[str, str, float]]) -> None:
    """Values through the datavalues app's bulk load (unit key in world.units, period, value)."""
    do_bulk_load(
        None,
        [BulkValue(element.pk, world.units[unit].pk, period, world.coc.pk, value) for unit, period, value in rows],
        source="plans tests",
    )


def fibre(world: PlanWorld, values: dict[int, float]) -> None:
    load(world, world.fibre, [("p" if y < 2025 else "new_p", str(y), v) for y, v in values.items()])


# --- the system reader ----------------------------------------------------------------------------------


def test_the_system_reader_sees_everything(world: PlanWorld) -> None:
    assert view_roots(SYSTEM_READER) is None
    fibre(world, {2023: 60.0})
    # A unit no user of the world may see alone still answers, in either structure.
    for structure in ("AS_IT_WAS", "TODAY"):
        result = run(SYSTEM_READER, Query(dx=("FIBRE_HH",), pe=("2023",), ou=("26",), structure=structure),
                     today=dt.date(2025, 1, 1))  # fmt: skip
        assert [row[-1] for row in result.rows] == [60.0]


# --- live targets ---------------------------------------------------------------------------------------


def test_a_live_series_follows_the_plans_unit_into_its_successor(world: PlanWorld) -> None:
    fibre(world, {2021: 45.0, 2022: 52.0, 2023: 60.0, 2024: 66.0, 2025: 71.0})
    points = series(world.ct1, today=TODAY)
    # The baseline (2021-12-31, 45) is not older than the first value (the year 2021 ends that day): not repeated.
    assert points == [
        P(dt.date(2021, 12, 31), 45.0), P(dt.date(2022, 12, 31), 52.0), P(dt.date(2023, 12, 31), 60.0),
        P(dt.date(2024, 12, 31), 66.0), P(dt.date(2025, 12, 31), 71.0),
    ]  # fmt: skip


def test_a_new_value_is_in_the_next_series(world: PlanWorld) -> None:
    fibre(world, {2022: 52.0, 2023: 60.0})
    assert [p.value for p in series(world.ct1, today=TODAY)] == [45.0, 52.0, 60.0]
    fibre(world, {2024: 66.0})  # after the replica loaded: it comes through the change log
    assert [p.value for p in series(world.ct1, today=TODAY)] == [45.0, 52.0, 60.0, 66.0]


def test_a_period_still_running_is_not_a_point(world: PlanWorld) -> None:
    fibre(world, {2025: 71.0, 2026: 74.0})
    assert [p.date.year for p in series(world.ct1, today=TODAY)] == [2021, 2025]  # baseline, 2025
    assert [p.date.year for p in series(world.ct1, today=dt.date(2027, 1, 1))] == [2021, 2025, 2026]


def test_a_quarterly_series_of_monthly_sums_at_the_targets_own_unit(world: PlanWorld) -> None:
    issued = DataElement.objects.create(code="EHR_ISSUED", name_vi="Hồ sơ sức khỏe điện tử đã cấp",
                                        value_type="INTEGER", category_combo=world.coc.combo)  # fmt: skip
    DataSetElement.objects.create(data_set=world.ds_health, data_element=issued)
    months = ["202507", "202508", "202509", "202510", "202511", "202512", "202601", "202604", "202605"]
    load(world, issued, [("new_c", m, 100.0 + i) for i, m in enumerate(months)])
    target = Target.objects.create(
        plan=world.plan, code="CT09", name_vi="Hồ sơ", target_value=5000, deadline=dt.date(2027, 12, 31),
        responsible_agency=world.syt, source=Source.ANALYTICS, dx="EHR_ISSUED", org_unit=world.units["new_c"],
        series_period="Quarterly", baseline_value=0, baseline_date=dt.date(2025, 6, 30),
    )  # fmt: skip
    points = series(target, today=TODAY)
    # 2026Q2 (April, May so far) is not over on 2026-06-15; 2026Q1 holds January only.
    assert points == [
        P(dt.date(2025, 6, 30), 0.0), P(dt.date(2025, 9, 30), 303.0), P(dt.date(2025, 12, 31), 312.0),
        P(dt.date(2026, 3, 31), 106.0),
    ]  # fmt: skip


def test_a_live_target_of_an_indicator(world: PlanWorld) -> None:
    Indicator.objects.create(code="FIBRE_X2", name_vi="Gấp đôi", numerator="#{FIBRE_HH}", denominator="1", factor=2)
    fibre(world, {2022: 50.0})
    world.ct1.dx = "FIBRE_X2"
    assert series(world.ct1, today=TODAY)[-1] == P(dt.date(2022, 12, 31), 100.0)


def test_a_live_target_whose_item_is_gone_says_so(world: PlanWorld) -> None:
    world.ct1.dx = "GONE"
    with pytest.raises(InvalidInput) as caught:
        series(world.ct1, today=TODAY)
    assert "GONE" in caught.value.message


# --- manual targets -------------------------------------------------------------------------------------


def test_a_manual_series_is_its_reports_after_the_baseline(world: PlanWorld) -> None:
    assert series(world.ct2, today=TODAY) == [
        P(dt.date(2022, 1, 1), 10.0), P(dt.date(2023, 6, 30), 30.0), P(dt.date(2024, 6, 30), 50.0),
        P(dt.date(2025, 6, 30), 65.0),
    ]  # fmt: skip
    # A report on the baseline's date replaces it; one dated after `today` is not yet a point.
    TargetReport.objects.create(target=world.ct2, date=dt.date(2022, 1, 1), value=12)
    TargetReport.objects.create(target=world.ct2, date=dt.date(2026, 12, 31), value=90)
    points = series(world.ct2, today=TODAY)
    assert points[0] == P(dt.date(2022, 1, 1), 12.0) and len(points) == 4
    assert series(world.ct3, today=TODAY) == [P(dt.date(2022, 6, 30), 12.0)]  # no reports: the baseline alone


def test_spec_of_a_target(world: PlanWorld) -> None:
    spec = spec_of(world.ct1)
    assert spec == forecast.Spec(
        target_value=80.0, deadline=dt.date(2025, 12, 31), direction="increase", lower_bound=0, upper_bound=100,
        period="Yearly", unit="%", milestones=((dt.date(2023, 12, 31), 60.0), (dt.date(2030, 12, 31), 95.0)),
    )  # fmt: skip
    assert spec_of(world.ct3).direction == "decrease" and spec_of(world.ct3).upper_bound is None


# --- the item of a live target --------------------------------------------------------------------------


def test_check_dx_accepts_numeric_items_and_names_what_is_wrong(world: PlanWorld) -> None:
    note = DataElement.objects.create(code="NOTE", name_vi="Ghi chú", value_type="TEXT", category_combo=world.coc.combo)
    assert check_dx("FIBRE_HH") is None
    assert check_dx("FIBRE_HH.default") is None
    assert check_dx("CDS_YEARLY.REPORTING_RATE") is None
    assert "NOPE" in (check_dx("NOPE") or "")
    assert "text" in (check_dx(note.code) or "")

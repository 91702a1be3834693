"""The generator's properties: deterministic, realistic in shape, honest about units' validity, with its
flaws planted on purpose and recorded."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from statistics import mean

import pytest

from ioc.core.errors import InvalidInput, NotAllowed
from ioc.datavalues.bulk import BulkValue
from ioc.datavalues.models import DataValue
from ioc.demo import generate, series, services
from ioc.demo.metadata import clone_code
from ioc.demo.models import PlantedAnomaly
from ioc.demo.months import month_index
from ioc.demo.places import TOURISM, Place, Reporter, load_province
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet
from ioc.orgunits.models import OrgUnit

SEED = 7


def m(year: int, month: int) -> int:
    return month_index(dt.date(year, month, 1))


def place(
    code: str = "00001", *, urban: bool = False, tourism=None, district: str = "243", pop: float = 10_000
) -> Place:
    return Place(
        code=code,
        district=district,
        kind="Phường" if urban else "Xã",
        pop0=pop,
        growth=0.01,
        urban=urban,
        lead=0.0,
        beds=5,
        schools={"PRESCHOOL": 1, "PRIMARY": 1, "LOWER_SEC": 1, "UPPER_SEC": 0},
        upper_sec_pupils0=0.0,
        tourism=tourism or ("village", 700.0, 1, 12, 0.0005, 0.03),
        highway=False,
        standard_offset=0.0,
        feedback_factor=1.0,
    )


def reporter(*places: Place, new: bool = False) -> Reporter:
    return Reporter(1, places[0].code, None, None, list(places), 0, 10_000, new)


def total(cells, code: str, coc: str | None = None) -> float:
    return sum(v for c, o, v in cells if c == code and (coc is None or o == coc))


# --- shapes, on hand-made places (no database) -------------------------------------------------------


def test_dengue_peaks_in_the_rainy_season():
    rng = random.Random(1)
    places = [place(f"{i:05d}", urban=i % 3 == 0, district=str(240 + i % 9)) for i in range(30)]
    rep = reporter(*places)
    by_month: dict[int, list[float]] = defaultdict(list)
    for year in range(2019, 2026):
        for month in range(1, 13):
            by_month[month].append(total(series.health(rep, m(year, month), rng, SEED), "HLT_DENGUE_CASES"))
    assert mean(by_month[8]) > 3 * mean(by_month[2])
    assert max(range(1, 13), key=lambda k: mean(by_month[k])) in (7, 8, 9, 10)


def test_tam_dao_summer_peak_tay_thien_spring_festival_and_covid():
    rng = random.Random(2)
    tam_dao = reporter(place("08908", urban=True, tourism=TOURISM["08908"]))
    tay_thien = reporter(place("08923", tourism=TOURISM["08923"]))

    def visits(rep: Reporter, year: int, month: int) -> float:
        return total(series.tourism(rep, m(year, month), rng, SEED), "TOU_VISITORS")

    for year in (2019, 2023, 2024):
        summer = mean(visits(tam_dao, year, k) for k in (6, 7, 8))
        rest = mean(visits(tam_dao, year, k) for k in (1, 3, 4, 10, 11, 12))
        assert summer > 1.8 * rest
        assert mean(visits(tay_thien, year, k) for k in (1, 2, 3)) > 3 * mean(
            visits(tay_thien, year, k) for k in (6, 7, 8)
        )
    assert visits(tam_dao, 2021, 8) < 0.2 * visits(tam_dao, 2019, 8)  # the 2021 lockdown
    intl_2019 = total(series.tourism(tam_dao, m(2019, 7), rng, SEED), "TOU_VISITORS", "INTERNATIONAL")
    intl_2021 = total(series.tourism(tam_dao, m(2021, 7), rng, SEED), "TOU_VISITORS", "INTERNATIONAL")
    assert intl_2021 < 0.1 * intl_2019


def test_digital_trends_rise_towards_saturation():
    rng = random.Random(3)
    rep = reporter(place(), place("00002", urban=True))

    def share(month: int, code: str, of: str) -> float:
        cells = series.digital(rep, month, rng, SEED)
        return total(cells, code) / total(cells, of)

    fibre = [share(m(year, 6), "DIG_HOUSEHOLDS_FIBRE", "DIG_HOUSEHOLDS") for year in range(2019, 2027)]
    assert fibre[0] < 0.7 < 0.9 < fibre[-1] <= 1.0
    assert all(b > a - 0.01 for a, b in itertools.pairwise(fibre))
    assert share(m(2024, 6), "DIG_EID_LEVEL2", "DIG_POPULATION_15PLUS") > 0.7
    assert "DIG_EID_LEVEL2" not in {c for c, _o, _v in series.digital(rep, m(2022, 6), rng, SEED)}  # VNeID: July 2022

    def online(year: int) -> float:
        cells = series.public_services(rep, m(year, 6), rng, SEED)
        return total(cells, "ADM_APPS_ONLINE") / total(cells, "ADM_APPS_RECEIVED")

    assert online(2019) < 0.1 and online(2025) > 0.5


def test_clean_values_keep_the_validation_rules():
    rng = random.Random(4)
    rep = reporter(*(place(f"{i:05d}", urban=i == 0) for i in range(3)))
    for month in range(0, m(2026, 10) + 1, 5):
        health = series.health(rep, month, rng, SEED)
        assert total(health, "HLT_FULLY_IMMUNISED") <= total(health, "HLT_CHILDREN_U1") * 1.1
        admin = series.public_services(rep, month, rng, SEED)
        for field, *_ in series.PROCEDURE_FIELDS:
            assert total(admin, "ADM_APPS_ON_TIME", field) <= total(admin, "ADM_APPS_RESOLVED", field)
            assert total(admin, "ADM_APPS_ONLINE_FULL", field) <= total(admin, "ADM_APPS_ONLINE", field)
            assert total(admin, "ADM_APPS_ONLINE", field) <= total(admin, "ADM_APPS_RECEIVED", field)
        assert total(admin, "ADM_FEEDBACK_RESOLVED") <= total(admin, "ADM_FEEDBACK_RECEIVED")
        digital = series.digital(rep, month, rng, SEED)
        assert total(digital, "DIG_HOUSEHOLDS_FIBRE") <= total(digital, "DIG_HOUSEHOLDS")
        assert (
            total(digital, "DIG_EID_LEVEL2")
            <= total(digital, "DIG_POPULATION_15PLUS")
            <= total(digital, "DIG_POPULATION")
        )
        transport = series.transport(rep, month, rng, SEED)
        assert total(transport, "TRN_DEATHS") <= 3 * total(transport, "TRN_ACCIDENTS")
        tourism = series.tourism(rep, month, rng, SEED)
        for origin in ("DOMESTIC", "INTERNATIONAL"):
            assert total(tourism, "TOU_OVERNIGHT_GUESTS", origin) <= total(tourism, "TOU_VISITORS", origin)
        for _code, _coc, value in health + admin + digital + transport + tourism:
            assert value >= 0


def test_magnitudes_of_a_commune():
    rng = random.Random(5)
    rep = reporter(place(pop=12_000))
    cells = series.health(rep, m(2019, 3), rng, SEED)
    assert 1500 < total(cells, "HLT_OPD_VISITS") < 4000  # ≈ 0.2 visits a person a month
    assert 5 < total(cells, "HLT_LIVE_BIRTHS") < 40
    education = series.education(rep, m(2019, 10), rng, SEED)
    assert 2000 < total(education, "EDU_PUPILS") < 3500


# --- on the real units -----------------------------------------------------------------------------------


@pytest.fixture
def slice_243(demo_metadata):
    """Vĩnh Yên (243) and its successors, April–September 2025: across the reorganisation."""
    province = load_province(SEED, {"243"})
    catalog = generate.Catalog([1])
    return province, catalog


def _rows(province, catalog, *, seed=SEED, first=(2025, 4), last=(2025, 9), **rates) -> tuple[list[BulkValue], list]:
    plan = generate.Plan(seed=seed, copies=[1], first=m(*first), last=m(*last), districts={"243"}, **rates)
    anomalies: list = []
    return list(generate.generate(plan, province, catalog, anomalies)), anomalies


def test_the_slice_has_the_old_communes_and_their_successors(slice_243):
    province, _catalog = slice_243
    old = [r for r in province.reporters if not r.new]
    new = [r for r in province.reporters if r.new]
    assert len(old) == 9
    assert {r.code for r in new} >= {"08707", "08716"}
    vinh_yen = next(r for r in new if r.code == "08707")
    assert {p.code for p in vinh_yen.places} >= {
        "08707",
        "08713",
        "08722",
        "08731",
    }  # Tích Sơn, Hội Hợp, Đồng Tâm, Thanh Trù


def test_deterministic_for_a_seed(slice_243):
    province, catalog = slice_243
    first, anomalies_1 = _rows(province, catalog)
    again, anomalies_2 = _rows(province, catalog)
    assert first == again and anomalies_1 == anomalies_2
    other, _ = _rows(province, catalog, seed=SEED + 1)
    assert other != first


def test_no_values_outside_a_units_life(slice_243):
    province, catalog = slice_243
    rows, _ = _rows(province, catalog)
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in={r.org_unit_id for r in rows})}
    periods_by_kind: dict[str, set[str]] = {"old": set(), "new": set()}
    for row in rows:
        unit = units[row.org_unit_id]
        start = dt.date(int(row.period[:4]), int(row.period[4:]), 1)
        if unit.closed is not None:
            assert start <= unit.closed, (unit.code, row.period)
            periods_by_kind["old"].add(row.period)
        if unit.opened is not None:
            assert start >= unit.opened, (unit.code, row.period)
            periods_by_kind["new"].add(row.period)
    assert periods_by_kind == {"old": {"202504", "202505", "202506"}, "new": {"202507", "202508", "202509"}}


def test_a_new_commune_continues_its_predecessors(slice_243):
    province, catalog = slice_243
    rows, _ = _rows(province, catalog, missing_rate=0.0, outlier_rate=0.0)
    population, _type = catalog.element("DIG_POPULATION", 1)
    vinh_yen = next(r for r in province.reporters if r.new and r.code == "08707")
    predecessors = {r.unit_id for r in province.reporters if not r.new and r.places[0] in vinh_yen.places}
    before = sum(
        float(r.value)
        for r in rows
        if r.data_element_id == population and r.period == "202506" and r.org_unit_id in predecessors
    )
    after = sum(
        float(r.value)
        for r in rows
        if r.data_element_id == population and r.period == "202507" and r.org_unit_id == vinh_yen.unit_id
    )
    assert 20_000 < after < 120_000
    assert abs(after - before) / before < 0.01


def test_value_types_are_respected(slice_243):
    province, catalog = slice_243
    rows, _ = _rows(province, catalog)
    types = dict(DataElement.objects.values_list("pk", "value_type"))
    for row in rows:
        if types[row.data_element_id] == "INTEGER":
            assert float(row.value).is_integer()
        if types[row.data_element_id] == "PERCENTAGE":
            assert 0 <= float(row.value) <= 100


def test_generation_writes_values_and_records_planted_anomalies(demo_metadata, tmp_path):
    target = tmp_path / "anomalies.json"
    result = services.do_generate(None, start="2019-01", end="2025-09", districts=["243"], anomalies_path=target)
    assert result.values == DataValue.objects.count() > 50_000
    assert result.run is not None and "missing reports" in result.run.source
    missing = PlantedAnomaly.objects.filter(kind="missing_report")
    outliers = PlantedAnomaly.objects.exclude(kind="missing_report")
    assert missing.count() == result.missing_reports > 10
    assert outliers.count() == result.outliers > 10
    for anomaly in missing[:50]:
        element_ids = DataSet.objects.get(code=anomaly.data_set_code).elements.values_list("pk", flat=True)
        assert not DataValue.objects.filter(
            org_unit=anomaly.org_unit, period=anomaly.period, data_element_id__in=element_ids
        ).exists()
    for anomaly in outliers[:50]:
        value = DataValue.objects.get(
            data_element=anomaly.data_element,
            org_unit=anomaly.org_unit,
            period=anomaly.period,
            category_option_combo=anomaly.category_option_combo,
        )
        assert anomaly.expected is not None
        assert value.value_num == anomaly.planted != anomaly.expected
        assert anomaly.planted in (anomaly.expected * 10, anomaly.expected // 10, round(anomaly.expected / 10, 1))
    assert target.exists() and '"kind": "tenfold"' in target.read_text(encoding="utf-8")
    # Yearly values: 2019–2024 by the old communes, none by the new ones (2025 is not complete here).
    standard = DataValue.objects.filter(data_element__code="EDU_SCHOOLS_STANDARD")
    assert set(standard.values_list("period", flat=True)) == {str(y) for y in range(2019, 2025)}
    assert not standard.filter(org_unit__opened__isnull=False).exists()
    # A slice has no province totals.
    assert not DataValue.objects.filter(data_element__code="ECO_GRDP").exists()


def test_a_second_generation_skips_what_exists_and_replace_redoes_it(demo_metadata):
    first = services.do_generate(None, start="2025-05", end="2025-08", districts=["243"])
    assert first.generated == [1] and first.values > 0
    again = services.do_generate(None, start="2025-05", end="2025-08", districts=["243"])
    assert again.generated == [] and again.skipped == [1] and again.values == 0
    redo = services.do_generate(None, start="2025-05", end="2025-08", districts=["243"], replace=True)
    assert redo.deleted == first.values and redo.values == first.values
    assert DataValue.objects.count() == first.values
    assert PlantedAnomaly.objects.count() == first.missing_reports + first.outliers


def test_scale_adds_copies_on_cloned_elements(demo_metadata):
    services.do_generate(None, start="2025-06", end="2025-07", districts=["243"])
    result = services.do_generate(None, scale=3, start="2025-06", end="2025-07", districts=["243"])
    assert result.generated == [2, 3] and result.skipped == [1]
    per_copy = {
        k: DataValue.objects.filter(data_element__code=clone_code("HLT_OPD_VISITS", k)).count() for k in (1, 2, 3)
    }
    assert per_copy[1] > 0 and abs(per_copy[2] - per_copy[1]) < per_copy[1] * 0.2 and per_copy[3] > 0
    assert DataElement.objects.filter(code__endswith="_X3").count() == 50


def test_bad_options_are_refused(demo_metadata, officer):
    with pytest.raises(InvalidInput, match="Scale"):
        services.do_generate(None, scale=0)
    with pytest.raises(InvalidInput, match="not a month"):
        services.do_generate(None, start="2025-13")
    with pytest.raises(InvalidInput, match="before the first"):
        services.do_generate(None, start="2025-05", end="2025-01")
    with pytest.raises(NotAllowed):
        services.do_generate(officer, start="2025-05", end="2025-06", districts=["243"])
    assert not DataValue.objects.exists()


def test_the_estimate_is_close(slice_243):
    province, catalog = slice_243
    plan = generate.Plan(seed=SEED, first=m(2025, 4), last=m(2025, 9), districts={"243"})
    rows, _ = _rows(province, catalog)
    assert 0.7 < len(rows) / plan.estimate(province) < 1.3
    assert CategoryOptionCombo.objects.filter(pk__in={r.category_option_combo_id for r in rows}).count() > 20

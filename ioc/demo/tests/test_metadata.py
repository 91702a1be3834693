"""The demo's metadata document loads cleanly through the metadata loader, and says it is synthetic."""

from __future__ import annotations

from collections import Counter

import pytest

from ioc.core.errors import InvalidInput
from ioc.demo.agencies import do_create_demo_agencies
from ioc.demo.metadata import clone_document, demo_document, do_load_demo_metadata, is_loaded
from ioc.metadata.config import load_document
from ioc.metadata.models import (
    CategoryOptionCombo,
    DataElement,
    DataSet,
    Indicator,
    Sector,
    ValidationRule,
)
from ioc.orgunits.models import OrgUnit

SYNTHETIC = "Dữ liệu mô phỏng — synthetic demo data"


def test_the_document_loads_without_errors_and_twice_changes_nothing(vp):
    do_create_demo_agencies(None)
    report = load_document(demo_document())
    assert report.errors == []
    assert report.written
    again = load_document(demo_document())
    assert again.errors == [] and not again.written
    assert {i.action for i in again.items} == {"unchanged"}


def test_counts(demo_metadata):
    assert Sector.objects.count() == 7
    assert DataElement.objects.count() == 50
    assert DataSet.objects.count() == 9
    assert Indicator.objects.count() == 21
    assert ValidationRule.objects.count() == 14
    by_sector = Counter(DataElement.objects.values_list("sector__code", flat=True))
    assert by_sector == {
        "HEALTH": 10,
        "EDUCATION": 5,
        "TRANSPORT": 4,
        "TOURISM": 6,
        "PUBLIC_ADMIN": 8,
        "DIGITAL": 10,
        "ECONOMY": 7,
    }
    # Disaggregations: sex × age (8), school level × sex (8), procedure fields (6), …
    assert CategoryOptionCombo.objects.filter(combo__code="SEX_AGE").count() == 8
    assert CategoryOptionCombo.objects.filter(combo__code="SCHOOL_LEVEL_SEX").count() == 8
    assert CategoryOptionCombo.objects.filter(combo__code="PROCEDURE_FIELD").count() == 6
    assert CategoryOptionCombo.objects.get(code="FEMALE_AGE_0_4").name_vi == "Nữ, Dưới 5 tuổi"


def test_everything_is_marked_synthetic(demo_metadata):
    for element in DataElement.objects.all():
        assert element.synthetic, element.code
        assert SYNTHETIC in element.description, element.code
        assert element.name_en and element.name_vi != element.name_en, element.code
    for data_set in DataSet.objects.all():
        assert data_set.synthetic and SYNTHETIC in data_set.description.replace("\n", " ").replace("—\n", "— ")
    assert not Indicator.objects.filter(synthetic=False).exists()


def test_aggregation_types_fit_what_is_measured(demo_metadata):
    def agg(code: str) -> str:
        return DataElement.objects.get(code=code).aggregation_type

    assert agg("HLT_OPD_VISITS") == "SUM"  # a flow
    assert agg("HLT_HOSPITAL_BEDS") == "LAST"  # a stock
    assert agg("EDU_PUPILS") == "LAST"
    assert agg("DIG_HOUSEHOLDS_FIBRE") == "LAST"
    assert agg("TOU_ROOM_OCCUPANCY") == "AVERAGE"
    assert DataElement.objects.get(code="TOU_ROOM_OCCUPANCY").value_type == "PERCENTAGE"


def test_data_sets_have_agencies_periods_and_units(demo_metadata):
    health = DataSet.objects.get(code="DS_HEALTH_MONTHLY")
    assert health.agency is not None and health.agency.code == "SYT" and health.period_type == "Monthly"
    units = list(health.org_units.all())
    old = [u for u in units if u.closed is not None]
    new = [u for u in units if u.opened is not None]
    assert len(old) == 121 and len(new) == 36 and len(units) == 157
    assert all(u.level == 3 for u in units)
    economy = DataSet.objects.get(code="DS_ECONOMY_YEARLY")
    assert economy.period_type == "Yearly" and [u.code for u in economy.org_units.all()] == ["26"]
    transport = DataSet.objects.get(code="DS_TRANSPORT_MONTHLY")
    assert transport.agency is not None and transport.agency.code == "SGTVT"
    assert DataSet.objects.get(code="DS_EDUCATION_YEARLY").period_type == "Yearly"
    # The new commune 08707 (Phường Vĩnh Yên) is assigned, and so is the old one with the same code.
    assigned_08707 = health.org_units.filter(code="08707")
    assert sorted(str(u.opened) for u in assigned_08707) == ["2025-07-01", "None"]
    assert OrgUnit.objects.filter(code="08707").count() == 2


def test_loading_without_agencies_reports_the_errors_and_writes_nothing(vp):
    with pytest.raises(InvalidInput, match="agency"):
        do_load_demo_metadata(None)
    assert not DataElement.objects.filter(code="HLT_OPD_VISITS").exists()


def test_a_benchmark_copy_clones_elements_and_data_sets(demo_metadata):
    assert is_loaded([1]) and not is_loaded([2])
    doc = clone_document(2)
    assert {e["code"] for e in doc["dataElements"]} == {f"{e['code']}_X2" for e in demo_document()["dataElements"]}
    do_load_demo_metadata(None, copies=[2])
    assert is_loaded([1, 2])
    clone = DataElement.objects.get(code="HLT_OPD_VISITS_X2")
    assert clone.synthetic and "(bản sao 2)" in clone.name_vi and clone.category_combo.code == "SEX_AGE"
    data_set = DataSet.objects.get(code="DS_HEALTH_MONTHLY_X2")
    assert data_set.org_units.count() == 157
    assert data_set.elements.filter(code="HLT_OPD_VISITS_X2").exists()
    with pytest.raises(ValueError):
        clone_document(1)

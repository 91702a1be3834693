"""Fixtures of the demo tests: the real units of Vĩnh Phúc, the demo agencies and metadata, a tiny element
for the bulk loader."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from ioc.demo.agencies import do_create_demo_agencies
from ioc.demo.metadata import do_load_demo_metadata
from ioc.metadata import services as metadata_services
from ioc.metadata.models import DataElement, DataSet, DataSetElement
from ioc.orgunits.services import do_load_vn

BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


@pytest.fixture
def vp(db: None) -> None:
    """Vĩnh Phúc (26) before 2025-07-01 and the 36 communes of Phú Thọ (25) that succeeded its communes."""
    do_load_vn(None, "26")


@pytest.fixture
def demo_metadata(vp: None) -> None:
    do_create_demo_agencies(None)
    do_load_demo_metadata(None)


@pytest.fixture
def superuser(db: None) -> Any:
    return get_user_model().objects.create_user(username="root", password=None, is_superuser=True, is_staff=True)


@pytest.fixture
def officer(db: None) -> Any:
    return get_user_model().objects.create_user(username="officer", password=None, roles=["data_officer"])


@pytest.fixture
def element(db: None) -> DataElement:
    """INTEGER element BEDS (0–1000) in a monthly data set, and PCT (a percentage) in the same set."""
    for code, value_type, aggregation, hi in (("BEDS", "INTEGER", "SUM", 1000), ("PCT", "PERCENTAGE", "AVERAGE", None)):
        el = DataElement(
            code=code,
            name_vi=code,
            value_type=value_type,
            aggregation_type=aggregation,
            category_combo=metadata_services.default_combo(),
            min_value=0,
            max_value=hi,
        )
        metadata_services.do_save_data_element(None, el)
    data_set = DataSet.objects.create(code="DS", name_vi="DS", period_type="Monthly")
    for i, el in enumerate(DataElement.objects.filter(code__in=["BEDS", "PCT"]).order_by("code")):
        DataSetElement.objects.create(data_set=data_set, data_element=el, sort_order=i)
    return DataElement.objects.get(code="BEDS")

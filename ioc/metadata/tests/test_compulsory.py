"""DataSetElement.compulsory: the service, the configuration document (load, export, validate) and the admin."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client

from ioc.accounts.models import Agency, User
from ioc.audit.models import AuditEntry
from ioc.metadata import config, services
from ioc.metadata.models import DataSet, DataSetElement
from ioc.metadata.tests.test_admin import form_data

TODAY = dt.date(2025, 9, 1)


def _doc(compulsory: list[str] | None) -> dict:
    data_set = {
        "code": "DS",
        "name": "Báo cáo",
        "periodType": "Monthly",
        "dataElements": ["A", "B", "C"],
    }
    if compulsory is not None:
        data_set["compulsoryDataElements"] = compulsory
    return {
        "dataElements": [
            {"code": code, "name": f"Chỉ tiêu {code}", "valueType": "INTEGER"} for code in ("A", "B", "C")
        ],
        "dataSets": [data_set],
    }


def _flags() -> dict[str, bool]:
    return dict(
        DataSetElement.objects.filter(data_set__code="DS")
        .order_by("sort_order")
        .values_list("data_element__code", "compulsory")
    )


@pytest.fixture
def superuser_client(db):
    user = User.objects.create_superuser("md_super", "s@example.org", "x-Test-12345")
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def world(tree):
    Agency.objects.create(code="SGDDT", name_vi="Sở Giáo dục và Đào tạo")
    return tree


def test_load_sets_the_flags_and_export_writes_them(world):
    report = config.load_document(_doc(["C", "A"]), today=TODAY)
    assert report.ok, report.as_text()
    assert _flags() == {"A": True, "B": False, "C": True}
    exported = config.export_document(today=TODAY)
    ds = next(d for d in exported["dataSets"] if d["code"] == "DS")
    assert ds["dataElements"] == ["A", "B", "C"]
    assert ds["compulsoryDataElements"] == ["A", "C"]  # in the form's order


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip_keeps_the_flags(world, fmt):
    assert config.load_document(_doc(["B"]), today=TODAY).ok
    text = config.render(config.export_document(today=TODAY), fmt)
    assert "compulsoryDataElements" in text
    DataSet.objects.all().delete()
    report = config.load_document(config.parse_text(text, fmt), today=TODAY)
    assert report.ok, report.as_text()
    assert _flags() == {"A": False, "B": True, "C": False}
    assert config.render(config.export_document(today=TODAY), fmt) == text


def test_changing_only_the_flags_is_an_audited_update_and_reloading_changes_nothing(world):
    assert config.load_document(_doc(["A"]), today=TODAY).ok
    report = config.load_document(_doc(["B", "C"]), today=TODAY)
    assert report.ok, report.as_text()
    assert report.counts()["dataSets"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert _flags() == {"A": False, "B": True, "C": True}
    entry = AuditEntry.objects.filter(object_type="metadata.dataset", action="update").latest("id")
    assert entry.changes["compulsory"] == [["A"], ["B", "C"]]
    again = config.load_document(_doc(["B", "C"]), today=TODAY)
    assert {i.action for i in again.items} == {"unchanged"}
    # a document without the key means "none compulsory" (the document is complete)
    assert config.load_document(_doc(None), today=TODAY).ok
    assert _flags() == {"A": False, "B": False, "C": False}


def test_a_compulsory_element_outside_the_data_set_is_an_error_and_nothing_is_written(world):
    report = config.load_document(_doc(["A", "Z"]), today=TODAY)
    assert not report.ok
    messages = [str(e) for e in report.errors]
    assert any(
        m.startswith("dataSets[0].compulsoryDataElements: data element 'Z' is marked compulsory") for m in messages
    ), messages
    assert not DataSet.objects.filter(code="DS").exists()


def test_a_bad_code_in_the_list_is_reported_with_its_path(world):
    report = config.load_document(_doc(["not a code"]), today=TODAY)
    assert any(str(e).startswith("dataSets[0].compulsoryDataElements[0]: 'not a code'") for e in report.errors)


def test_service_keeps_the_flags_of_elements_that_stay_when_not_given(world, make_element):
    a, b, c = make_element("A"), make_element("B"), make_element("C")
    ds = DataSet(code="DS", name_vi="Báo cáo", period_type="Monthly")
    services.do_save_data_set(None, ds, elements=[a, b, c], compulsory=[a, "C"])
    assert _flags() == {"A": True, "B": False, "C": True}
    services.do_save_data_set(None, ds, elements=[c, b])  # reordered, A dropped: C stays compulsory
    assert _flags() == {"C": True, "B": False}


def test_admin_inline_saves_the_flag(superuser_client, make_element, tree):
    a, b = make_element("A"), make_element("B")
    url = "/admin/metadata/dataset/add/"
    data = form_data(superuser_client, url, code="DS", name_vi="Bộ", period_type="Monthly")
    data.update({
        "data_set_elements-TOTAL_FORMS": "2",
        "data_set_elements-0-sort_order": "1", "data_set_elements-0-data_element": str(a.pk),
        "data_set_elements-0-compulsory": "on",
        "data_set_elements-1-sort_order": "2", "data_set_elements-1-data_element": str(b.pk),
        "org_units": [str(tree["c1"].pk)],
    })  # fmt: skip
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _flags() == {"A": True, "B": False}
    entry = AuditEntry.objects.get(object_type="metadata.dataset")
    assert entry.changes["compulsory"] == [None, ["A"]]

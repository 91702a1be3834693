from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from ioc.accounts.models import Agency
from ioc.audit.models import AuditEntry
from ioc.metadata import config
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    CategoryOption,
    CategoryOptionCombo,
    DataElement,
    DataSet,
    Indicator,
    Sector,
    ValidationRule,
)

DOCS = Path(__file__).resolve().parents[3] / "docs" / "metadata.md"
TODAY = dt.date(2025, 9, 1)


def docs_example() -> dict:
    """The full example of docs/metadata.md: the docs must stay loadable."""
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"### Full example\s+```yaml\n(.*?)```", text, re.S)
    assert block, "docs/metadata.md lost its full example"
    return config.parse_text(block.group(1))


@pytest.fixture
def world(tree):
    Agency.objects.create(code="SGDDT", name_vi="Sở Giáo dục và Đào tạo")
    return tree


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (
            Sector,
            Category,
            CategoryOption,
            CategoryCombo,
            CategoryOptionCombo,
            DataElement,
            DataSet,
            Indicator,
            ValidationRule,
        )
    }


def test_docs_example_loads(world):
    report = config.load_document(docs_example(), today=TODAY)
    assert report.ok, report.as_text()
    assert report.counts()["dataElements"] == {"created": 5, "updated": 0, "unchanged": 0}
    cocs = CategoryOptionCombo.objects.filter(combo__code="SEX_LEVEL").order_by("sort_order")
    assert [(c.code, c.name_vi, c.name_en) for c in cocs] == [
        ("MALE_PRIMARY", "Nam, Tiểu học", "Male, Primary"),
        ("MALE_LOWER_SEC", "Nam, THCS", "Male, Lower secondary"),
        ("FEMALE_PRIMARY", "Nữ, Tiểu học", "Female, Primary"),
        ("FEMALE_LOWER_SEC", "Nữ, THCS", "Female, Lower secondary"),
    ]
    assert CategoryOptionCombo.objects.get(code="FEMALE_PRIMARY").uid == "Xk3Vq9aPz1L"
    pupils = DataElement.objects.get(code="EDU_PUPILS")
    assert (pupils.uid, pupils.value_type, pupils.category_combo.code, pupils.min_value) == (
        "Ab12Cd34Ef5",
        "INTEGER",
        "SEX_LEVEL",
        0.0,
    )
    assert DataElement.objects.get(code="HLT_OPD_VISITS").category_combo.code == "default"
    ds = DataSet.objects.get(code="EDU_MONTHLY")
    assert ds.agency is not None and ds.agency.code == "SGDDT" and ds.period_type == "Monthly"
    assert list(ds.data_set_elements.values_list("data_element__code", flat=True)) == ["EDU_PUPILS"]
    # "25" at 2025-07-01, the old 08707 (Tích Sơn) at 2025-06-30, and level 3 under 25 (the new 08707)
    assert set(ds.org_units.all()) == {world["new_p"], world["c1"], world["new_c"]}
    assert Indicator.objects.get(code="HLT_INSURANCE_COVERAGE").factor == 100
    assert ValidationRule.objects.get(code="EDU_FEMALE_LE_TOTAL").operator == "<="


def test_loading_twice_changes_nothing(world):
    doc = docs_example()
    assert config.load_document(doc, today=TODAY).written
    audit_rows = AuditEntry.objects.count()
    report = config.load_document(doc, today=TODAY)
    assert report.ok and not report.written
    assert {i.action for i in report.items} == {"unchanged"}
    assert AuditEntry.objects.count() == audit_rows
    assert "Nothing to change." in report.as_text()


def test_update_reports_changed_fields_and_audits(world):
    doc = docs_example()
    config.load_document(doc, today=TODAY)
    doc = copy.deepcopy(doc)
    doc["dataElements"][0]["nameEn"] = "Pupils enrolled"
    doc["dataElements"][0]["maxValue"] = 200000
    doc["dataSets"][0]["dataElements"] = ["HLT_OPD_VISITS", "EDU_PUPILS"]
    report = config.load_document(doc, today=TODAY)
    changed = {(i.section, i.code): i for i in report.items if i.action != "unchanged"}
    assert set(changed) == {("dataElements", "EDU_PUPILS"), ("dataSets", "EDU_MONTHLY")}
    assert set(changed[("dataElements", "EDU_PUPILS")].changed_fields) == {"nameEn", "maxValue"}
    assert changed[("dataSets", "EDU_MONTHLY")].changed_fields == ["dataElements"]
    entry = AuditEntry.objects.filter(object_type="metadata.dataelement", action="update").get()
    assert entry.changes["name_en"] == ["Pupils", "Pupils enrolled"]
    ds = DataSet.objects.get(code="EDU_MONTHLY")
    assert list(ds.data_set_elements.values_list("data_element__code", flat=True)) == ["HLT_OPD_VISITS", "EDU_PUPILS"]


def test_every_error_is_reported_with_its_path_and_nothing_is_written(world):
    before = counts()
    audit_rows = AuditEntry.objects.count()
    doc = docs_example()
    doc["dataElements"][3]["valueType"] = "NUMBR"
    doc["dataElements"][1]["aggregationType"] = "SUMM"
    doc["dataElements"][0]["valuetype"] = "INTEGER"  # a typo in a key
    doc["dataElements"][2]["sector"] = "NO_SUCH_SECTOR"
    doc["categories"][0]["options"][1]["code"] = "MALE"  # twice
    doc["dataSets"][0]["orgUnits"][0] = "99999"
    doc["dataSets"][0]["agency"] = "NOBODY"
    doc["indicators"][0]["numerator"] = "#{HLT_INSURED} +"
    doc["validationRules"][0]["right"] = "#{EDU_PUPIL}"
    doc["validationRules"][0]["operator"] = "=<"
    doc["indicators"].append(dict(doc["indicators"][0], numerator="1"))  # duplicate code
    doc["unknownSection"] = []
    report = config.load_document(doc, today=TODAY)
    assert not report.ok and not report.written
    messages = [str(e) for e in report.errors]
    text = "\n".join(messages)
    assert "dataElements[3].valueType: 'NUMBR' is not one of INTEGER, NUMBER, PERCENTAGE, BOOLEAN, TEXT" in messages
    assert "dataElements[1].aggregationType: 'SUMM' is not one of SUM, AVERAGE, LAST, MIN, MAX" in messages
    assert "dataElements[0].valuetype: unknown key" in text
    assert "dataElements[2].sector: unknown sector 'NO_SUCH_SECTOR'" in messages
    assert "categories[0].options[1].code: option code 'MALE' appears twice" in messages
    assert "dataSets[0].orgUnits[0]: unknown org unit code '99999'" in messages
    assert "dataSets[0].agency: unknown agency 'NOBODY'" in messages
    assert "indicators[0].numerator: unexpected end of expression" in text
    assert "validationRules[0].operator: '=<' is not one of ==, !=, >, >=, <, <=" in messages
    assert "indicators[1].code: 'HLT_INSURANCE_COVERAGE' appears twice: also indicators[0]" in messages
    assert "unknownSection: unknown section" in text
    assert counts() == before
    assert AuditEntry.objects.count() == audit_rows
    assert "nothing written" in report.as_text()


def test_errors_from_the_services_are_mapped_to_document_keys(world):
    doc = {
        "dataElements": [
            {"code": "T", "name": "Ghi chú", "valueType": "TEXT", "aggregationType": "SUM"},
            {"code": "P", "name": "Tỷ lệ", "valueType": "PERCENTAGE", "minValue": 10, "maxValue": 5},
            {"code": "bad code", "name": "x"},
            {"code": "U", "name": "x", "uid": "1abc"},
            {"code": "N", "name": "   "},
        ],
        "validationRules": [
            {"code": "R", "name": "r", "left": "#{T}", "operator": ">", "right": "0"},
        ],
    }
    report = config.load_document(doc, today=TODAY)
    messages = [str(e) for e in report.errors]
    assert any(
        m.startswith("dataElements[0].aggregationType: a TEXT element cannot aggregate by SUM") for m in messages
    )
    assert any(
        m.startswith("dataElements[1].aggregationType: a PERCENTAGE element cannot aggregate by SUM") for m in messages
    )
    assert any(m.startswith("dataElements[1].maxValue: the maximum 5.0 is below the minimum 10.0") for m in messages)
    assert any(m.startswith("dataElements[2].code: 'bad code' is not a valid code") for m in messages)
    assert any(m.startswith("dataElements[3].uid: '1abc' is not a uid") for m in messages)
    assert "dataElements[4].name: a name is required" in messages
    assert any(m.startswith("validationRules[0].left: unknown data element 'T'") for m in messages)
    assert DataElement.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(world):
    before = counts()
    report = config.load_document(docs_example(), dry_run=True, today=TODAY)
    assert report.ok and report.dry_run and not report.written
    assert report.counts()["indicators"]["created"] == 1
    assert counts() == before
    assert "Dry run: nothing written." in report.as_text()


def _wipe() -> None:
    for model in (
        ValidationRule,
        Indicator,
        DataSet,
        DataElement,
        CategoryOptionCombo,
        CategoryOption,
        Category,
        Sector,
    ):
        model.objects.all().delete()
    CategoryCombo.objects.exclude(code="default").delete()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_then_load_round_trip_is_lossless(world, fmt):
    doc = docs_example()
    doc["dataElements"][2]["zeroIsSignificant"] = False
    doc["dataElements"][2]["synthetic"] = True
    doc["dataSets"][0]["expiryDays"] = 10
    doc["dataSets"][0]["openFuturePeriods"] = 2
    doc["validationRules"][0]["importance"] = "LOW"
    doc["validationRules"][0]["periodType"] = "Yearly"
    assert config.load_document(doc, today=TODAY).ok
    first = config.render(config.export_document(today=TODAY), fmt)
    assert "Nữ, Tiểu học" not in first  # option combos are generated, only their uids are exported
    assert "Nữ" in first and "\\u" not in first  # UTF-8, not escapes

    _wipe()
    assert DataElement.objects.count() == 0
    report = config.load_document(config.parse_text(first, fmt), today=TODAY)
    assert report.ok, report.as_text()
    second = config.render(config.export_document(today=TODAY), fmt)
    assert second == first
    # the export loaded on top of itself changes nothing
    assert {i.action for i in config.load_document(config.parse_text(second, fmt), today=TODAY).items} == {"unchanged"}


def test_export_writes_closed_units_with_their_date(world):
    config.load_document(docs_example(), today=TODAY)
    exported = config.export_document(today=TODAY)
    (ds,) = exported["dataSets"]
    assert ds["orgUnits"] == [{"code": "08707", "at": "2025-06-30"}, "08707", "25"]
    default = next(c for c in exported["categoryCombos"] if c["code"] == "default")
    assert default == {
        "code": "default",
        "uid": "bjDvmb4bfuf",
        "name": "default",
        "nameEn": "default",
        "optionCombos": [{"code": "default", "uid": "HllvX50cXC0"}],
    }


def test_org_units_resolve_at_the_date(world):
    base = {"code": "DS", "name": "Bộ", "periodType": "Monthly"}
    # "26" closed on 2025-06-30: today it does not resolve, and the error names the successor rule
    report = config.load_document({"dataSets": [dict(base, orgUnits=["26"])]}, today=TODAY)
    assert [e.path for e in report.errors] == ["dataSets[0].orgUnits[0]"]
    assert "closed on 2025-06-30" in report.errors[0].message
    report = config.load_document({"dataSets": [dict(base, orgUnits=["26"], orgUnitsAt="2024-01-01")]}, today=TODAY)
    assert report.ok
    assert list(DataSet.objects.get(code="DS").org_units.all()) == [world["p"]]
    # every commune under the old province, as it was in 2024
    doc = {"dataSets": [dict(base, orgUnitLevels=[3], orgUnitRoots=["26"], orgUnitsAt="2024-01-01")]}
    assert config.load_document(doc, today=TODAY).ok
    assert set(DataSet.objects.get(code="DS").org_units.all()) == {world[k] for k in ("c1", "c2", "c3", "c4")}
    # without roots: every level-3 unit open today
    assert config.load_document({"dataSets": [dict(base, orgUnitLevels=[3])]}, today=TODAY).ok
    assert list(DataSet.objects.get(code="DS").org_units.all()) == [world["new_c"]]
    report = config.load_document({"dataSets": [dict(base, orgUnitRoots=["25"])]}, today=TODAY)
    assert [str(e) for e in report.errors] == [
        "dataSets[0].orgUnitRoots: orgUnitRoots needs orgUnitLevels (the levels to take under them)"
    ]


def test_yaml_keeps_codes_with_leading_zeros_as_text():
    data = config.parse_text("dataSets:\n- orgUnits: [0101, 08707, 26, 1.5]\n")
    assert data["dataSets"][0]["orgUnits"] == ["0101", "08707", 26, 1.5]


def test_bad_documents(db):
    assert str(config.load_document([1, 2]).errors[0]).startswith("the document must be a mapping")
    assert str(config.load_document({"sectors": {"code": "X"}}).errors[0]) == "sectors: must be a list"
    assert str(config.load_document({"sectors": ["X"]}).errors[0]) == "sectors[0]: must be a mapping"
    assert str(config.load_document({"version": 2}).errors[0]) == "version: only version 1 is known"
    assert config.load_document(None).ok  # an empty file is an empty document
    with pytest.raises(Exception, match="not valid YAML"):
        config.parse_text("a: [1, 2")
    with pytest.raises(Exception, match="not valid JSON"):
        config.parse_text("{", "json")


# ----- the command -----------------------------------------------------------------------------------


def test_command_load_and_export(world, tmp_path, capsys):
    source = tmp_path / "metadata.yaml"
    source.write_text(yaml.safe_dump(json.loads(json.dumps(docs_example(), default=str)), allow_unicode=True))
    call_command("metadata", "load", str(source), "--dry-run")
    assert "Dry run: nothing written." in capsys.readouterr().out
    assert DataElement.objects.count() == 0

    call_command("metadata", "load", str(source))
    out = capsys.readouterr().out
    assert "dataElements     5 created, 0 updated, 0 unchanged" in out
    assert AuditEntry.objects.filter(via="cli", object_type="metadata.dataelement").count() == 5

    target = tmp_path / "out.json"
    call_command("metadata", "export", str(target))
    exported = json.loads(target.read_text(encoding="utf-8"))
    assert [e["code"] for e in exported["dataElements"]][:1] == ["EDU_PUPILS"]
    call_command("metadata", "export", "--format", "yaml")
    assert "dataElements:" in capsys.readouterr().out


def test_command_load_fails_with_every_error(world, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"dataElements": [{"code": "A", "name": "a", "valueType": "NUMBR"}, {"code": "B"}]}))
    with pytest.raises(CommandError, match="2 error"):
        call_command("metadata", "load", str(bad))
    out = capsys.readouterr().out
    assert "dataElements[0].valueType: 'NUMBR' is not one of" in out
    assert "dataElements[1].name: required" in out
    with pytest.raises(CommandError, match="file not found"):
        call_command("metadata", "load", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="unknown user"):
        call_command("metadata", "load", str(bad), "--user", "ghost")


def test_command_reads_standard_input(world, monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO('{"sectors": [{"code": "HEALTH", "name": "Y tế"}]}'))
    call_command("metadata", "load", "-")
    assert "sectors          1 created" in capsys.readouterr().out
    assert Sector.objects.get(code="HEALTH").name_vi == "Y tế"

"""The bulk loader (ioc/datavalues/bulk.py): the fast path for generated data keeps the data honest."""

from __future__ import annotations

import pytest
from django.db import connection

from ioc.audit.models import AuditEntry
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.datavalues.bulk import BulkValue, do_bulk_delete, do_bulk_load
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun
from ioc.metadata.models import CategoryOptionCombo, DataElement


def _default() -> int:
    return CategoryOptionCombo.objects.get(code="default").pk


def _rows(element, unit, periods=("202501", "202502", "202503")) -> list[BulkValue]:
    return [BulkValue(element.pk, unit.pk, p, _default(), 10 + i) for i, p in enumerate(periods)]


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, DataValue._meta.db_table)
    return {name for name, c in constraints.items() if c["index"] or c["foreign_key"]}


def test_loads_values_with_one_import_run_and_one_audit_entry(tree, element, superuser):
    audits_before = AuditEntry.objects.count()
    written: list[int] = []
    run = do_bulk_load(superuser, _rows(element, tree["c1"]), source="test", batch_size=2, progress=written.append)
    assert run.status == ImportRun.Status.SUCCESS and run.imported == 3 and run.finished is not None
    assert sum(written) == 3
    values = DataValue.objects.filter(data_element=element).order_by("period")
    assert [(v.period, v.value_num, v.period_type) for v in values] == [
        ("202501", 10.0, "Monthly"),
        ("202502", 11.0, "Monthly"),
        ("202503", 12.0, "Monthly"),
    ]
    first = values[0]
    assert str(first.start_date) == "2025-01-01" and str(first.end_date) == "2025-01-31"
    assert first.stored_by == superuser and not first.deleted and first.created is not None
    assert AuditEntry.objects.count() == audits_before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "datavalues.bulk_load" and entry.changes["imported"] == 3
    assert not DataValueAudit.objects.exists()  # the ImportRun is the history of a bulk load


def test_the_system_may_load_without_a_user(tree, element):
    assert do_bulk_load(None, _rows(element, tree["c1"]), source="system").imported == 3


def test_only_a_superuser_may_bulk_load(tree, element, officer):
    with pytest.raises(NotAllowed):
        do_bulk_load(officer, _rows(element, tree["c1"]), source="test")
    assert not DataValue.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"value": "abc"}, "value", "not a number"),
        ({"value": 2.5}, "value", "whole number"),
        ({"value": 5000}, "value", "range"),
        ({"period": "2025Q1"}, "period", "type"),
        ({"period": "202513"}, "period", "month"),
        ({"period": "2025-01-01/P1M"}, "period", "written as"),
        ({"data_element_id": 999_999}, "dataElement", "unknown data element"),
        ({"org_unit_id": 999_999}, "orgUnit", "unknown org unit"),
        ({"category_option_combo_id": 999_999}, "categoryOptionCombo", "not a cell"),
    ],
)
def test_a_bad_row_writes_nothing_and_names_row_and_field(tree, element, change, field, words):
    rows = _rows(element, tree["c1"])
    rows[1] = rows[1]._replace(**change)
    with pytest.raises(InvalidInput) as caught:
        do_bulk_load(None, rows, source="bad")
    assert words in caught.value.message
    assert caught.value.errors[0]["row"] == 2 and caught.value.errors[0]["field"] == field
    assert not DataValue.objects.exists()
    failed = ImportRun.objects.get()
    assert failed.status == ImportRun.Status.ERROR and failed.imported == 0 and failed.conflicts[0]["row"] == 2


def test_a_percentage_above_100_is_refused(tree, element):
    pct = DataElement.objects.get(code="PCT")
    rows = [
        BulkValue(pct.pk, tree["c1"].pk, "202501", _default(), 100),
        BulkValue(pct.pk, tree["c2"].pk, "202501", _default(), 100.5),
    ]
    with pytest.raises(InvalidInput, match="percentage"):
        do_bulk_load(None, rows, source="bad")
    assert not DataValue.objects.exists()


def test_units_must_be_open_during_the_period(tree, element):
    closed_after = BulkValue(element.pk, tree["c1"].pk, "202507", _default(), 1)  # Tích Sơn closed 2025-06-30
    with pytest.raises(InvalidInput, match="not open during period 202507"):
        do_bulk_load(None, [closed_after], source="bad")
    opened_later = BulkValue(element.pk, tree["new_c"].pk, "202506", _default(), 1)  # Vĩnh Yên opened 2025-07-01
    with pytest.raises(InvalidInput, match="not open during period 202506"):
        do_bulk_load(None, [opened_later], source="bad")
    ok = [
        BulkValue(element.pk, tree["c1"].pk, "202506", _default(), 1),
        BulkValue(element.pk, tree["new_c"].pk, "202507", _default(), 1),
    ]
    assert do_bulk_load(None, ok, source="ok").imported == 2


def test_every_bad_row_is_counted(tree, element):
    rows = [r._replace(value="x") for r in _rows(element, tree["c1"])]
    with pytest.raises(InvalidInput) as caught:
        do_bulk_load(None, rows, source="bad")
    assert caught.value.message.startswith("3 rows are invalid")
    assert [e["row"] for e in caught.value.errors] == [1, 2, 3]


def test_an_existing_key_is_an_error_and_nothing_is_written(tree, element):
    do_bulk_load(None, _rows(element, tree["c1"], ("202501",)), source="first")
    with pytest.raises(InvalidInput, match="already exists"):
        do_bulk_load(None, _rows(element, tree["c1"], ("202502", "202501")), source="again")
    assert list(DataValue.objects.values_list("period", flat=True)) == ["202501"]


def test_a_repeated_key_in_one_load_is_an_error(tree, element):
    with pytest.raises(InvalidInput, match="already exists"):
        do_bulk_load(None, _rows(element, tree["c1"], ("202501", "202501")), source="dup")
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("method", ["executemany", "bulk_create", "auto"])
def test_every_method_writes_the_same(tree, element, method):
    do_bulk_load(None, _rows(element, tree["c1"]), source=method, method=method, batch_size=2)
    assert sorted(DataValue.objects.values_list("period", "value_num")) == [
        ("202501", 10),
        ("202502", 11),
        ("202503", 12),
    ]


def test_unknown_method_and_copy_off_postgresql(tree, element):
    with pytest.raises(InvalidInput, match="unknown method"):
        do_bulk_load(None, _rows(element, tree["c1"]), source="x", method="fast")
    if connection.vendor != "postgresql":
        with pytest.raises(InvalidInput, match="needs PostgreSQL"):
            do_bulk_load(None, _rows(element, tree["c1"]), source="x", method="copy")


def test_rebuilding_indexes_keeps_every_index(tree, element):
    before = _indexes()
    assert len(before) >= 4
    phases: list[str] = []
    run = do_bulk_load(None, _rows(element, tree["c1"]), source="rebuild", rebuild_indexes=True, phase=phases.append)
    assert run.imported == 3 and phases == ["indexes"]
    assert _indexes() == before


def test_a_failed_load_with_rebuild_keeps_every_index(tree, element):
    before = _indexes()
    do_bulk_load(None, _rows(element, tree["c1"], ("202501",)), source="first")
    with pytest.raises(InvalidInput):
        do_bulk_load(None, _rows(element, tree["c1"], ("202502", "202501")), source="x", rebuild_indexes=True)
    assert _indexes() == before
    assert DataValue.objects.count() == 1


def test_bulk_delete_removes_values_and_their_history(tree, element, superuser, officer):
    do_bulk_load(None, _rows(element, tree["c1"]), source="x")
    value = DataValue.objects.first()
    assert value is not None
    DataValueAudit.objects.create(data_value=value, action="UPDATE", old_value="1", new_value="2", via="form")
    with pytest.raises(NotAllowed):
        do_bulk_delete(officer, data_element_ids=[element.pk], source="x")
    assert do_bulk_delete(superuser, data_element_ids=[element.pk], source="reset") == 3
    assert not DataValue.objects.exists() and not DataValueAudit.objects.exists()
    assert AuditEntry.objects.filter(action="datavalues.bulk_delete").count() == 1


@pytest.mark.postgres
def test_copy_on_postgresql_escapes_text_and_rebuilds(tree, element):
    comment = "tab\there, new\nline, back\\slash"
    rows = [r._replace(comment=comment) for r in _rows(element, tree["c1"])]
    run = do_bulk_load(None, rows, source="copy", method="copy", rebuild_indexes=True)
    assert run.imported == 3
    assert set(DataValue.objects.values_list("comment", flat=True)) == {comment}
    with pytest.raises(InvalidInput, match="already exists"):
        do_bulk_load(None, rows[:1], source="copy", method="copy")

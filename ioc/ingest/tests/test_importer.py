"""do_import: every rule of do_set_value for files, all or nothing, partial imports, strategies, idempotence,
dry runs, id schemes, history, and the bad inputs of issue 3 that belong to files.

The world (ioc/datavalues/tests/conftest.py): province 26 (closed 2025-06-30) with districts 243 (communes
08707 Tích Sơn, 08710) and 244 (08773, 08776); from 2025-07-01 the code 08707 names Phường Vĩnh Yên.
OPD (INTEGER ≥ 0), BEDS (NUMBER 0..1000), COVERAGE (%), FIBRE (yes/no), NOTE (text): monthly HEALTH;
PUPILS (INTEGER by SEX): yearly EDU; GRDP: in no data set.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ioc.audit.models import AuditEntry, Via
from ioc.core.errors import NotAllowed
from ioc.datavalues.models import DataValue, DataValueAudit, ImportRun, PeriodLock
from ioc.ingest.adx import ADX_NS
from ioc.ingest.dhis2_csv import parse_csv
from ioc.ingest.dhis2_json import parse_json
from ioc.ingest.formats import parse_file
from ioc.ingest.importer import do_import
from ioc.ingest.rows import FileError

pytestmark = pytest.mark.django_db

H = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt\n"


def csv(*lines: str) -> bytes:
    return (H + "".join(line + "\n" for line in lines)).encode()


def run(user, data: bytes, name: str = "f.csv", **kw):
    return do_import(user, parse_file(data, name, **kw.pop("parse", {})), source=name, **kw)


def stored() -> dict[tuple[str, str, str, str], tuple[float | None, str | None, bool]]:
    return {
        (v.data_element.code, v.org_unit.code, v.period, v.category_option_combo.code): (
            v.value_num,
            v.value_text,
            v.deleted,
        )
        for v in DataValue.objects.select_related("data_element", "org_unit", "category_option_combo")
    }


def nothing_written() -> bool:
    return not DataValue.objects.exists() and not DataValueAudit.objects.exists()


GOOD = csv(
    "OPD,202503,08707,,,12,,,",
    "BEDS,202503,08707,,,1.5,,,giường kê thêm",
    "PUPILS,2024,08707,SEX_F,,30,,,",
    "PUPILS,2024,08707,SEX_M,,31,,,",
    "COVERAGE,202503,08710,,,99.5,,,",
    "FIBRE,202503,08710,,,true,,,",
    'NOTE,202503,08710,,,"Ghi chú, có dấu phẩy",,,',
)


# --- writing, history, idempotence ----------------------------------------------------------------------


def test_good_file_is_written_with_its_history(tree, meta, users):
    summary = run(users.approver, GOOD)
    assert summary.status == "SUCCESS", summary.conflicts
    assert summary.import_count == {"imported": 7, "updated": 0, "ignored": 0, "deleted": 0}
    values = stored()
    assert values[("OPD", "08707", "202503", "default")] == (12.0, None, False)
    assert values[("BEDS", "08707", "202503", "default")] == (1.5, None, False)
    assert values[("PUPILS", "08707", "2024", "SEX_F")] == (30.0, None, False)
    assert values[("FIBRE", "08710", "202503", "default")] == (1.0, None, False)
    assert values[("NOTE", "08710", "202503", "default")] == (None, "Ghi chú, có dấu phẩy", False)
    beds = DataValue.objects.get(data_element=meta.beds)
    assert beds.comment == "giường kê thêm" and beds.stored_by == users.approver and beds.org_unit == tree["c1"]
    audits = {
        (a.data_value.data_element.code, a.action, a.old_value, a.new_value, a.via, a.user_id)
        for a in DataValueAudit.objects.all()
    }
    assert ("BEDS", "CREATE", None, "1.5", Via.IMPORT, users.approver.pk) in audits
    assert ("FIBRE", "CREATE", None, "true", Via.IMPORT, users.approver.pk) in audits
    assert ("COVERAGE", "CREATE", None, "99.5", Via.IMPORT, users.approver.pk) in audits
    assert len(audits) == 7
    run_row = ImportRun.objects.get(pk=summary.import_run)
    assert (run_row.status, run_row.imported, run_row.source, run_row.via) == ("SUCCESS", 7, "f.csv", Via.IMPORT)
    entry = AuditEntry.objects.get(action="datavalues.import")
    assert entry.changes["imported"] == 7 and entry.object_id == str(run_row.pk)


def test_reimporting_the_same_file_changes_nothing(tree, meta, users):
    assert run(users.approver, GOOD).imported == 7
    before = (DataValueAudit.objects.count(), list(DataValue.objects.values_list("id", "last_updated")))
    again = run(users.approver, GOOD)
    assert again.status == "SUCCESS"
    assert again.import_count == {"imported": 0, "updated": 0, "ignored": 7, "deleted": 0}
    assert (DataValueAudit.objects.count(), list(DataValue.objects.values_list("id", "last_updated"))) == before


def test_updates_keep_the_old_value_in_the_history(tree, meta, users):
    run(users.approver, GOOD)
    changed = csv("OPD,202503,08707,,,13,,,", "BEDS,202503,08707,,,2.25,,,", "FIBRE,202503,08710,,,false,,,")
    summary = run(users.approver, changed)
    assert summary.import_count == {"imported": 0, "updated": 3, "ignored": 0, "deleted": 0}
    updates = {
        (a.data_value.data_element.code, a.old_value, a.new_value)
        for a in DataValueAudit.objects.filter(action="UPDATE")
    }
    assert updates == {("OPD", "12", "13"), ("BEDS", "1.5", "2.25"), ("FIBRE", "true", "false")}
    # an absent comment leaves the stored one; a new one replaces it (an update even with the same value)
    assert DataValue.objects.get(data_element=meta.beds).comment == "giường kê thêm"
    assert run(users.approver, csv("BEDS,202503,08707,,,2.25,,,khác")).updated == 1
    assert DataValue.objects.get(data_element=meta.beds).comment == "khác"


def test_a_soft_deleted_value_imported_again_is_restored(tree, meta, users):
    run(users.approver, csv("OPD,202503,08707,,,12,,,"))
    DataValue.objects.update(deleted=True)
    summary = run(users.approver, csv("OPD,202503,08707,,,12,,,"))
    assert summary.import_count == {"imported": 1, "updated": 0, "ignored": 0, "deleted": 0}
    assert not DataValue.objects.get().deleted
    assert DataValueAudit.objects.filter(action="RESTORE", old_value="12", new_value="12").count() == 1


def test_dry_run_writes_nothing_and_says_what_would_happen(tree, meta, users):
    run(users.approver, csv("OPD,202503,08707,,,12,,,"))
    before = (DataValueAudit.objects.count(), stored())
    summary = run(users.approver, csv("OPD,202503,08707,,,13,,,", "OPD,202503,08710,,,1,,,"), dry_run=True)
    assert summary.status == "SUCCESS" and summary.dry_run
    assert summary.import_count == {"imported": 1, "updated": 1, "ignored": 0, "deleted": 0}
    assert (DataValueAudit.objects.count(), stored()) == before
    assert ImportRun.objects.get(pk=summary.import_run).dry_run
    assert "Dry run" in summary.description


# --- strategies ------------------------------------------------------------------------------------------


def test_strategy_create_only_adds(tree, meta, users):
    run(users.approver, csv("OPD,202503,08707,,,12,,,"))
    summary = run(users.approver, csv("OPD,202503,08707,,,99,,,", "OPD,202503,08710,,,5,,,"), strategy="CREATE")
    assert summary.status == "WARNING"
    assert summary.import_count == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}
    assert [(c.position, c.field) for c in summary.conflicts] == [(2, "value")]
    assert "already stored" in summary.conflicts[0].message
    assert stored()[("OPD", "08707", "202503", "default")][0] == 12.0


def test_strategy_update_only_changes(tree, meta, users):
    run(users.approver, csv("OPD,202503,08707,,,12,,,"))
    summary = run(users.approver, csv("OPD,202503,08707,,,99,,,", "OPD,202503,08710,,,5,,,"), strategy="UPDATE")
    assert summary.import_count == {"imported": 0, "updated": 1, "ignored": 1, "deleted": 0}
    assert [(c.position, "no value is stored" in c.message) for c in summary.conflicts] == [(3, True)]
    assert set(stored()) == {("OPD", "08707", "202503", "default")}


def test_strategy_delete_soft_deletes_with_history(tree, meta, users):
    run(users.approver, csv("OPD,202503,08707,,,12,,,", "OPD,202503,08710,,,7,,,"))
    summary = run(users.approver, csv("OPD,202503,08707,,,,,,", "OPD,202503,08773,,,1,,,"), strategy="DELETE")
    assert summary.import_count == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 1}
    values = stored()
    assert values[("OPD", "08707", "202503", "default")] == (12.0, None, True)
    assert values[("OPD", "08710", "202503", "default")] == (7.0, None, False)
    assert DataValueAudit.objects.filter(action="DELETE", old_value="12", new_value=None).count() == 1
    again = run(users.approver, csv("OPD,202503,08707,,,,,,"), strategy="DELETE")
    assert again.deleted == 0 and again.ignored == 1


def test_unknown_strategy_is_refused(tree, meta, users):
    with pytest.raises(Exception, match="importStrategy must be one of"):
        run(users.approver, GOOD, strategy="MERGE")


# --- all or nothing, partial, every bad row reported ------------------------------------------------------


BAD = csv(
    "OPD,202503,08707,,,12,,,",  # 2 good
    "NOPE,202503,08707,,,1,,,",  # 3 unknown element
    "OPD,202503,99999,,,1,,,",  # 4 unknown unit
    "PUPILS,2024,08707,SEX_X,,1,,,",  # 5 unknown option combo
    "PUPILS,2024,08707,,,1,,,",  # 6 disaggregated element without its combo
    "OPD,2024,08707,,,1,,,",  # 7 yearly period for a monthly element
    "OPD,202503,08707,,,mười,,,",  # 8 text in a number field
    "OPD,202503,08710,,,-1,,,",  # 9 below the minimum
    "OPD,202508,08707,,,1,,,",  # 10 08707 is Phường Vĩnh Yên in 2025-08: outside the officer's scope
    "OPD,202503,08773,,,1,,,",  # 11 another district: outside the officer's scope
    "OPD,20250399,08707,,,1,,,",  # 12 bad period (a parse issue)
    "OPD,202504,08710,,,4,,,",  # 13 good
)


def test_all_or_nothing_writes_nothing_and_reports_every_bad_row(tree, meta, users):
    summary = run(users.officer_a, BAD, "bad.csv")
    assert summary.status == "ERROR"
    assert nothing_written()
    assert summary.import_count == {"imported": 0, "updated": 0, "ignored": 12, "deleted": 0}
    by_row = {c.position: (c.field, c.value, c.message) for c in summary.conflicts}
    assert sorted(by_row) == list(range(3, 13))
    assert by_row[3][:2] == ("dataElement", "NOPE")
    assert by_row[4][0] == "orgUnit" and "unknown org unit code '99999'" in by_row[4][2]
    assert by_row[5][0] == "categoryOptionCombo"
    assert by_row[6][0] == "categoryOptionCombo" and "required" in by_row[6][2]
    assert by_row[7][0] == "period" and "Yearly" in by_row[7][2]
    assert by_row[8] == ("value", "mười", "Value: 'mười' is not a number")
    assert by_row[9][0] == "value" and "minimum" in by_row[9][2]
    assert by_row[10][0] == "orgUnit" and "outside your data entry units" in by_row[10][2]
    assert by_row[11][0] == "orgUnit" and "outside your data entry units" in by_row[11][2]
    assert by_row[12][0] == "period"
    assert all(c.source == "bad.csv" for c in summary.conflicts)
    dhis2 = summary.as_dhis2()
    assert dhis2["status"] == "ERROR" and dhis2["importCount"]["ignored"] == 12
    first = dhis2["conflicts"][0]
    assert (first["object"], first["property"], first["indexes"], first["row"], first["file"]) == (
        "NOPE",
        "dataElement",
        [3],
        3,
        "bad.csv",
    )
    run_row = ImportRun.objects.get(pk=summary.import_run)
    assert run_row.status == "ERROR" and len(run_row.conflicts) == 10


def test_partial_import_writes_the_good_rows_and_lists_the_skipped(tree, meta, users):
    summary = run(users.officer_a, BAD, "bad.csv", all_or_nothing=False)
    assert summary.status == "WARNING"
    assert summary.import_count == {"imported": 2, "updated": 0, "ignored": 10, "deleted": 0}
    assert set(stored()) == {("OPD", "08707", "202503", "default"), ("OPD", "08710", "202504", "default")}
    assert sorted(c.position for c in summary.conflicts) == list(range(3, 13))
    assert DataValueAudit.objects.count() == 2


def test_partial_import_with_every_row_bad_is_an_error(tree, meta, users):
    summary = run(users.officer_a, csv("NOPE,202503,08707,,,1,,,"), all_or_nothing=False)
    assert summary.status == "ERROR" and nothing_written()


def test_duplicate_keys_with_different_values_are_refused_naming_each_other(tree, meta, users):
    data = csv("OPD,202503,08707,,,12,,,", "OPD,202503,08710,,,1,,,", "OPD,202503,08707,,,13,,,")
    summary = run(users.approver, data)
    assert summary.status == "ERROR" and nothing_written()
    dupes = {c.position: c.message for c in summary.conflicts}
    assert sorted(dupes) == [2, 4]
    assert "row 4" in dupes[2] and "row 2" in dupes[4]
    partial = run(users.approver, data, all_or_nothing=False)
    assert partial.imported == 1 and set(stored()) == {("OPD", "08710", "202503", "default")}


def test_identical_duplicates_are_written_once(tree, meta, users):
    summary = run(users.approver, csv("OPD,202503,08707,,,12,,,", "OPD,202503,08707,,,12,,,"))
    assert summary.status == "SUCCESS"
    assert summary.import_count == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}


def test_a_code_closed_at_the_period_names_its_successor(tree, meta, users):
    from ioc.orgunits.models import Succession

    summary = run(users.integrator, csv("OPD,202508,08710,,,1,,,"))
    assert summary.status == "ERROR"
    (conflict,) = summary.conflicts
    assert conflict.field == "orgUnit" and "closed on 2025-06-30" in conflict.message
    assert Succession.objects.filter(predecessor=tree["c2"]).exists()
    assert "Phường Vĩnh Yên" in conflict.message  # the successor
    # the same code in its own time is fine; 08707 names the new ward after the reorganisation
    assert run(users.integrator, csv("OPD,202503,08710,,,1,,,", "OPD,202508,08707,,,2,,,")).imported == 2
    assert DataValue.objects.get(period="202508").org_unit == tree["new_c"]


def test_a_code_naming_two_units_within_the_period_needs_the_uid(tree, meta, users):
    summary = run(users.integrator, csv("PUPILS,2025,08707,SEX_M,,1,,,"))
    assert "give the uid" in summary.conflicts[0].message
    assert run(users.integrator, csv(f"PUPILS,2025,{tree['new_c'].uid},SEX_M,,1,,,")).imported == 1


# --- locks, expiry, future --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["MANUAL", "SUBMITTED", "APPROVED"])
def test_locked_periods_refuse_every_row_under_the_lock(tree, meta, users, kind):
    subtree = kind == "MANUAL"
    PeriodLock.objects.create(data_set=meta.health, period="202503", org_unit=tree["c1"], kind=kind, subtree=subtree)
    summary = run(users.admin, csv("OPD,202503,08707,,,1,,,", "BEDS,202503,08707,,,1,,,", "OPD,202503,08710,,,1,,,"))
    assert summary.status == "ERROR" and nothing_written()
    assert [(c.position, c.field) for c in summary.conflicts] == [(2, "period"), (3, "period")]
    word = {"MANUAL": "locked", "SUBMITTED": "submitted for approval", "APPROVED": "approved"}[kind]
    assert word in summary.conflicts[0].message


def test_a_lock_on_an_ancestor_covers_the_subtree(tree, meta, users):
    PeriodLock.objects.create(data_set=meta.health, period="2025Q1", org_unit=tree["p"])
    summary = run(users.approver, csv("OPD,202502,08776,,,1,,,", "OPD,202504,08776,,,1,,,"), all_or_nothing=False)
    assert [c.position for c in summary.conflicts] == [2] and summary.imported == 1


def test_expired_periods_are_refused_except_for_admins(tree, meta, users, month):
    meta.health.expiry_days = 40
    meta.health.save()
    summary = run(users.officer_a, csv("OPD,202503,08707,,,1,,,"))
    assert "closed for entry on 2025-05-10" in summary.conflicts[0].message and nothing_written()
    assert run(users.admin, csv("OPD,202503,08707,,,1,,,")).imported == 1


def test_future_periods_are_refused(tree, meta, users, month):
    future = month.shift(3).id
    summary = run(users.integrator, csv(f"OPD,{future},08707,,,1,,,"))
    assert summary.conflicts[0].field == "period" and "in the future" in summary.conflicts[0].message


# --- who may import ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["leader", "viewer_b", "nobody"])
def test_users_without_an_entry_role_cannot_import(tree, meta, users, who):
    with pytest.raises(NotAllowed):
        run(getattr(users, who), GOOD)
    assert nothing_written()


def test_an_officer_imports_in_their_district_only(tree, meta, users):
    summary = run(users.officer_b, csv("OPD,202503,08773,,,1,,,", "OPD,202503,08707,,,1,,,"))
    assert summary.status == "ERROR" and nothing_written()
    assert [(c.position, c.field) for c in summary.conflicts] == [(3, "orgUnit")]
    assert run(users.officer_b, csv("OPD,202503,08773,,,1,,,")).imported == 1


# --- id schemes, formats ----------------------------------------------------------------------------------


def test_id_schemes_uid_code_and_name(tree, meta, users):
    by_uid = csv(f"{meta.opd.uid},202503,{tree['c1'].uid},{meta.default_coc.uid},,1,,,")
    assert run(users.approver, by_uid, parse={"schemes": None}).imported == 1
    from ioc.ingest.rows import IdSchemes

    by_code = csv("OPD,202503,08707,default,,2,,,")
    summary = run(users.approver, by_code, parse={"schemes": IdSchemes.from_options({"idScheme": "code"})})
    assert summary.updated == 1
    by_name = csv("Chỉ tiêu OPD,202503,Phường Tích Sơn,default,,3,,,", "Chỉ tiêu PUPILS,2024,08707,Nữ,,4,,,")
    schemes = IdSchemes.from_options(
        {"dataElementIdScheme": "name", "orgUnitIdScheme": "name", "categoryOptionComboIdScheme": "name"}
    )
    summary = run(users.approver, by_name, parse={"schemes": schemes})
    assert summary.status == "ERROR"  # 08707 is a code, not a name
    assert [(c.position, c.field) for c in summary.conflicts] == [(3, "orgUnit")]
    by_name = csv("Chỉ tiêu OPD,202503,Phường Tích Sơn,default,,3,,,", "Chỉ tiêu PUPILS,2024,Phường Tích Sơn,Nữ,,4,,,")
    summary = run(users.approver, by_name, parse={"schemes": schemes})
    assert summary.import_count == {"imported": 1, "updated": 1, "ignored": 0, "deleted": 0}
    assert stored()[("PUPILS", "08707", "2024", "SEX_F")][0] == 4.0
    # names of units are not unique over time: the one open during the period
    assert (
        run(
            users.integrator, csv("Chỉ tiêu OPD,202508,Phường Vĩnh Yên,default,,5,,,"), parse={"schemes": schemes}
        ).imported
        == 1
    )


def test_json_file_with_header_and_id_scheme(tree, meta, users):
    doc: dict[str, Any] = {
        "dataSet": "HEALTH",
        "period": "202503",
        "orgUnit": "08707",
        "idScheme": "code",
        "dataValues": [
            {"dataElement": "OPD", "value": 7, "comment": "từ JSON", "followup": True},
            {"dataElement": "FIBRE", "value": True},
            {"dataElement": "PUPILS", "period": "2024", "categoryOptionCombo": "SEX_M", "value": "1"},
        ],
    }
    summary = do_import(users.approver, parse_json(json.dumps(doc).encode(), "set.json"), source="set.json")
    assert summary.status == "ERROR"  # PUPILS is not in the file's data set HEALTH
    assert [(c.position, c.field, c.kind) for c in summary.conflicts] == [(3, "dataElement", "value")]
    assert summary.as_dhis2()["conflicts"][0]["indexes"] == [2]  # DHIS2: 0-based index in dataValues
    doc["dataValues"].pop()
    summary = do_import(users.approver, parse_json(json.dumps(doc).encode(), "set.json"), source="set.json")
    assert summary.imported == 2
    opd = DataValue.objects.get(data_element=meta.opd)
    assert (opd.value_num, opd.comment, opd.follow_up) == (7.0, "từ JSON", True)


def test_attribute_option_combos_other_than_default_are_refused(tree, meta, users):
    summary = run(users.approver, csv("OPD,202503,08707,,default,1,,,", "OPD,202503,08710,,AOC_X,1,,,"))
    assert [(c.position, c.field) for c in summary.conflicts] == [(3, "attributeOptionCombo")]


def test_adx_disaggregations_are_mapped(tree, meta, users):
    doc = (
        f'<adx xmlns="{ADX_NS}"><group dataSet="EDU" period="2024-01-01/P1Y" orgUnit="08707">'
        '<dataValue dataElement="PUPILS" SEX_CAT="F" value="30"/>'
        '<dataValue dataElement="PUPILS" SEX_CAT="M" value="31"><annotation>ghi chú</annotation></dataValue>'
        '<dataValue dataElement="PUPILS" SEX_CAT="X" value="1"/>'
        "</group></adx>"
    )
    summary = run(users.approver, doc.encode(), "set.adx")
    assert summary.status == "ERROR"
    assert [(c.field, c.kind) for c in summary.conflicts] == [("disaggregation", "line")]
    summary = run(
        users.approver, doc.replace('<dataValue dataElement="PUPILS" SEX_CAT="X" value="1"/>', "").encode(), "set.adx"
    )
    assert summary.imported == 2
    assert stored()[("PUPILS", "08707", "2024", "SEX_M")][0] == 31.0


def test_parse_issues_are_conflicts_too(tree, meta, users):
    data = H.encode() + b"OPD,202503,08707,,,1,,,\nOPD,202503,08707,,,1,,,,extra\n,202503,08707,,,1,,,\n"
    summary = run(users.approver, data)
    assert summary.status == "ERROR" and nothing_written()
    assert [(c.position, c.field) for c in summary.conflicts] == [(3, None), (4, "dataElement")]
    assert "extra columns" in summary.conflicts[0].message


def test_a_file_without_values_is_an_error(tree, meta, users):
    summary = run(users.approver, H.encode())
    assert summary.status == "ERROR" and "no data values" in summary.conflicts[0].message


@pytest.mark.parametrize(
    ("data", "name", "why"),
    [
        (b"", "empty.csv", "empty file"),
        (b"   \n", "blank.json", "empty file"),
        ("dataelement;period\n".encode("utf-16"), "utf16.csv", "not UTF-8"),
        (b"M\xe3,K\xfd\nOPD,202503\n", "windows-1258.csv", "not UTF-8"),
        (b"dataelement,period,orgunit,value,extra\n", "extra.csv", "extra column 'extra'"),
        (b"dataelement,period,value\n", "missing.csv", "missing column(s) orgunit"),
        (b'{"dataValues": [', "broken.json", "malformed JSON"),
        (f'<adx xmlns="{ADX_NS}"><group>'.encode(), "broken.adx", "malformed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<adx>&lol2;</adx>",
            "lolz.adx",
            "refused: the document declares a DTD or entities",
        ),
    ],
)
def test_files_refused_as_a_whole(tree, meta, users, data, name, why):
    with pytest.raises(FileError, match=why.replace("(", r"\(").replace(")", r"\)")):
        parse_file(data, name)


def test_many_rows_few_queries(tree, meta, users, django_assert_max_num_queries):
    lines = [
        f"OPD,2025{m:02d},{u},,,{m}{i},,,"
        for i, u in enumerate(["08707", "08710", "08773", "08776"])
        for m in range(1, 7)
    ]
    data = csv(*lines)
    with django_assert_max_num_queries(45):
        summary = run(users.approver, data)
    assert summary.imported == 24
    with django_assert_max_num_queries(45):
        assert run(users.approver, data).ignored == 24


def test_progress_is_reported(tree, meta, users):
    seen: list[tuple[int, int]] = []
    run(users.approver, GOOD, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == 21
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)


def test_csv_parse_then_import_via_parse_csv(tree, meta, users):
    summary = do_import(users.approver, parse_csv(GOOD, "g.csv"), source="g.csv", via=Via.API)
    assert summary.imported == 7
    assert set(DataValueAudit.objects.values_list("via", flat=True)) == {Via.API}


def test_a_large_import_locks_the_table_instead_of_each_value(tree, meta, users, monkeypatch):
    from ioc.ingest import staging

    run(users.approver, csv("OPD,202503,08707,,,12,,,", "OPD,202503,08710,,,7,,,"))
    monkeypatch.setattr(staging, "TABLE_LOCK_ROWS", 1)  # PostgreSQL: LOCK TABLE instead of FOR UPDATE
    summary = run(users.approver, csv("OPD,202503,08707,,,13,,,", "OPD,202503,08710,,,7,,,", "OPD,202503,08773,,,1,,,"))
    assert summary.import_count == {"imported": 1, "updated": 1, "ignored": 1, "deleted": 0}
    assert DataValueAudit.objects.filter(action="UPDATE", old_value="12", new_value="13").count() == 1


# --- validation rules after an import -------------------------------------------------------------------


def test_the_validation_rules_run_on_what_an_import_changed(tree, meta, users):
    from ioc.metadata.models import ValidationRule
    from ioc.quality.models import ValidationResult

    ValidationRule.objects.create(
        code="BEDS_LE_OPD",
        name_vi="Giường không vượt lượt khám",
        left="#{BEDS}",
        operator="<=",
        right="#{OPD}",
        importance="HIGH",
        period_type="Monthly",
    )
    bad = run(users.approver, csv("OPD,202503,08707,,,12,,,", "BEDS,202503,08707,,,40,,,"))
    assert bad.status == "SUCCESS"
    assert bad.validation["ran"] and bad.validation["violations"] == 1
    assert "40" in bad.validation["examples"][0] and "12" in bad.validation["examples"][0]
    assert ValidationResult.objects.filter(rule__code="BEDS_LE_OPD", org_unit=tree["c1"], period="202503").count() == 1
    assert bad.as_dict()["validation"]["violations"] == 1
    # the fix, imported: the kept result is cleared
    fixed = run(users.approver, csv("OPD,202503,08707,,,50,,,"))
    assert fixed.validation["violations"] == 0
    assert not ValidationResult.objects.filter(rule__code="BEDS_LE_OPD").exists()
    # nothing changed: nothing to validate; a dry run neither
    assert run(users.approver, csv("OPD,202503,08707,,,50,,,")).validation == {}
    assert run(users.approver, csv("OPD,202503,08707,,,5,,,"), dry_run=True).validation == {}

"""The XLSX template (layout, validation, scope) and the parser (both layouts, every bad input), and the round
trip template → Excel → parse → import with Vietnamese names intact."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest
from openpyxl import Workbook, load_workbook

from ioc.core.errors import InvalidInput, NotAllowed
from ioc.datavalues.models import DataValue
from ioc.ingest.importer import do_import
from ioc.ingest.rows import FileError, IdSchemes
from ioc.ingest.tests import upload_fixtures
from ioc.ingest.tests.upload_fixtures import UploadWorld, fill
from ioc.ingest.xlsx import (
    SHEET_DATA,
    SHEET_HELP,
    SHEET_META,
    build_template,
    locate,
    parse_xlsx,
    template_filename,
)

pytestmark = pytest.mark.django_db
world = upload_fixtures.world


@pytest.fixture
def template(world: UploadWorld) -> bytes:
    return build_template(world.officer, world.data_set, world.units["d1"], world.period)


def _rewrite(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one part's XML changed (what a hand-edited or hostile file might hold)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == part else body)
    return out.getvalue()


def _long_workbook(rows: list[list[object]], title: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---- the template ---------------------------------------------------------------------------------------


def test_template_layout(world: UploadWorld, template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))
    assert wb.sheetnames == [SHEET_DATA, SHEET_HELP, SHEET_META]
    assert wb[SHEET_META].sheet_state == "hidden"
    ws = wb[SHEET_DATA]
    assert ws["A2"].value == "Kỳ báo cáo (period)" and ws["B2"].value == "202503"
    names = [c.value for c in ws[4]]
    assert names[:3] == ["Mã đơn vị", "Tên đơn vị", "Lượt khám ngoại trú (lượt)"]
    assert "Bệnh nhân điều trị nội trú — Nam" in names and "Bệnh nhân điều trị nội trú — Nữ" in names
    codes = [c.value for c in ws[5]]
    assert codes == [
        "orgUnit",
        "orgUnitName",
        "OPD_VISITS",
        "BEDS",
        "COVERAGE",
        "FIBRE",
        "NOTE",
        "PATIENTS.MALE",
        "PATIENTS.FEMALE",
    ]
    # Units of district 243 in the officer's scope, assigned and open in March 2025 (not 244's, not the new one).
    assert [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in (6, 7)] == [
        ("08707", "Phường Tích Sơn"),
        ("08710", "Phường Liên Bảo"),
    ]
    assert ws.cell(8, 1).value is None
    assert not ws.merged_cells.ranges
    assert ws.freeze_panes == "C6"
    assert ws.protection.sheet
    assert ws["A6"].protection.locked and ws["C5"].protection.locked and ws["B2"].protection.locked
    assert not ws["C6"].protection.locked and not ws["I7"].protection.locked
    assert ws.column_dimensions["B"].width == 34
    meta = {row[0]: row[1] for row in wb[SHEET_META].iter_rows(values_only=True, max_row=11)}
    assert meta["dataSet"] == "DS_HEALTH" and meta["period"] == "202503" and meta["periodType"] == "Monthly"
    assert meta["generatedBy"] == "nhaplieu.vinhyen" and meta["generatedAt"]
    help_text = " ".join(str(c.value) for c in wb[SHEET_HELP]["A"] if c.value)
    assert "HƯỚNG DẪN" in help_text and "HOW TO FILL IN" in help_text
    assert template_filename(world.data_set, world.period, world.units["d1"]) == "DS_HEALTH_202503_243.xlsx"


def test_template_data_validation(template: bytes) -> None:
    ws = load_workbook(io.BytesIO(template))[SHEET_DATA]
    by_range = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    opd, beds, coverage, fibre, note = (by_range[f"{c}6:{c}7"] for c in "CDEFG")
    assert (opd.type, opd.operator, opd.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert (beds.type, beds.operator, beds.formula1, beds.formula2) == ("decimal", "between", "0", "1000")
    assert (coverage.type, coverage.formula1, coverage.formula2) == ("decimal", "0", "100")
    assert (fibre.type, fibre.formula1) == ("list", '"Có,Không"')
    assert note.type == "textLength"
    patients = by_range["H6:H7"]
    assert patients.type == "whole" and patients.formula1 == "-1E+15"  # no bounds: still refuses text
    for dv in by_range.values():
        assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle == "stop"
        assert dv.error and dv.prompt and len(dv.promptTitle) <= 32
    assert beds.prompt == "Số giường bệnh: nhập một số từ 0 đến 1000. Để trống nếu không có số liệu."
    assert coverage.error == "Tỷ lệ bao phủ bảo hiểm y tế: nhập một số từ 0 đến 100."
    assert patients.promptTitle == "Bệnh nhân điều trị nội trú"


def test_template_refuses_a_unit_outside_the_entry_scope(world: UploadWorld) -> None:
    with pytest.raises(NotAllowed, match="outside your data entry units"):
        build_template(world.officer, world.data_set, world.units["d2"], world.period)
    with pytest.raises(NotAllowed, match="outside your data entry units"):
        build_template(world.officer, world.data_set, world.units["p"], world.period)
    with pytest.raises(NotAllowed):  # a leader may not enter data at all
        build_template(world.leader, world.data_set, world.units["d1"], world.period)


def test_template_refuses_bad_periods_and_empty_subtrees(world: UploadWorld) -> None:
    with pytest.raises(InvalidInput, match="Yearly period; data set DS_HEALTH is collected Monthly"):
        build_template(world.officer, world.data_set, world.units["d1"], "2025")
    with pytest.raises(InvalidInput, match="No unit under"):  # the new commune opened in July 2025
        build_template(world.admin, world.data_set, world.units["new_p"], world.period)
    template = build_template(world.admin, world.data_set, world.units["new_p"], "202508")
    ws = load_workbook(io.BytesIO(template))[SHEET_DATA]
    assert (ws["A6"].value, ws["B6"].value) == ("08707", "Phường Vĩnh Yên")


def test_template_with_values_doubles_as_an_export(world: UploadWorld) -> None:
    filled = fill(
        build_template(world.officer, world.data_set, world.units["d1"], world.period),
        {"C6": 1234, "D6": 12.5, "F6": "Không", "G6": "Trạm mới sửa, đủ thuốc", "I7": 3},
    )
    summary = do_import(world.officer, parse_xlsx(filled, "bao-cao.xlsx"), source="bao-cao.xlsx")
    assert summary.status == "SUCCESS", summary.conflicts
    again = build_template(world.officer, world.data_set, world.units["d1"], world.period, with_values=True)
    ws = load_workbook(io.BytesIO(again))[SHEET_DATA]
    assert [ws["C6"].value, ws["D6"].value, ws["F6"].value, ws["G6"].value, ws["I7"].value] == [
        1234,
        12.5,
        "Không",
        "Trạm mới sửa, đủ thuốc",
        3,
    ]
    assert ws["C7"].value is None


# ---- round trip -----------------------------------------------------------------------------------------


def test_round_trip_template_fill_parse_import(world: UploadWorld, template: bytes) -> None:
    filled = fill(
        template,
        {
            "C6": 1520,
            "D6": 40.5,
            "E6": 87.5,
            "F6": "Có",
            "G6": "Số liệu đã đối chiếu với sổ khám bệnh",
            "H6": 12,
            "I6": 15,
            "C7": 980,
        },
    )
    parsed = parse_xlsx(filled, "Báo cáo tháng 3.xlsx")
    assert parsed.ok, parsed.issues
    assert len(parsed) == 8
    first = parsed.rows[0]
    assert (first.source, first.kind, first.position) == ("Báo cáo tháng 3.xlsx › Dữ liệu, column C", "row", 6)
    assert first.data_set == "DS_HEALTH" and first.schemes.org_unit == "code"
    summary = do_import(world.officer, parsed, source="Báo cáo tháng 3.xlsx")
    assert summary.status == "SUCCESS", summary.conflicts
    assert summary.import_count == {"imported": 8, "updated": 0, "ignored": 0, "deleted": 0}
    note = DataValue.objects.get(data_element=world.note)
    assert note.value_text == "Số liệu đã đối chiếu với sổ khám bệnh" and note.org_unit == world.units["c1"]
    assert DataValue.objects.get(data_element=world.patients, category_option_combo=world.female).value_num == 15
    assert DataValue.objects.get(data_element=world.fibre).value_num == 1.0
    # Importing the same file again changes nothing.
    again = do_import(world.officer, parse_xlsx(filled, "Báo cáo tháng 3.xlsx"), source="x")
    assert again.import_count == {"imported": 0, "updated": 0, "ignored": 8, "deleted": 0}


def test_conflicts_of_the_importer_name_the_cell(world: UploadWorld, template: bytes) -> None:
    parsed = parse_xlsx(fill(template, {"C6": 5, "D7": 5000, "E7": "nhiều"}), "b.xlsx")
    assert parsed.ok
    summary = do_import(world.officer, parsed, source="b.xlsx")
    assert summary.status == "ERROR" and DataValue.objects.count() == 0
    cells = sorted(locate(parsed.header, c.as_dict())["cell"] for c in summary.conflicts)
    assert cells == ["Dữ liệu!D7", "Dữ liệu!E7"]
    where = locate(parsed.header, summary.conflicts[0].as_dict())
    assert where["file"] == "b.xlsx" and where["sheet"] == "Dữ liệu"


def test_blank_cells_and_notes_under_the_table_are_not_values(template: bytes) -> None:
    parsed = parse_xlsx(fill(template, {"C6": 1, "B9": "Người lập biểu: Nguyễn Văn A"}), "a.xlsx")
    assert parsed.ok and len(parsed) == 1


def test_numbers_dates_and_text(template: bytes) -> None:
    filled = fill(template, {"C6": 3.0, "D6": 0.1, "E6": "45", "G6": "  có khoảng trắng ", "F6": True, "D7": 1e-7})
    parsed = parse_xlsx(filled, "a.xlsx")
    assert parsed.ok
    values = {(r.data.data_element, r.position): r.data.value for r in parsed.rows}
    assert values[("OPD_VISITS", 6)] == "3"
    assert values[("BEDS", 6)] == "0.1"
    assert values[("COVERAGE", 6)] == "45"
    assert values[("NOTE", 6)] == "  có khoảng trắng "
    assert values[("FIBRE", 6)] == "true"
    assert values[("BEDS", 7)] == "1e-07"


def test_the_period_cell(world: UploadWorld, template: bytes) -> None:
    assert parse_xlsx(fill(template, {"B2": "3/2025", "C6": 1}), "a.xlsx").rows[0].data.period == "202503"
    assert parse_xlsx(fill(template, {"B2": 202504, "C6": 1}), "a.xlsx").rows[0].data.period == "202504"
    # A date typed in the period cell: the month it falls in (the template says the data set is monthly).
    dated = parse_xlsx(fill(template, {"B2": dt.datetime(2025, 5, 17), "C6": 1}), "a.xlsx")
    assert dated.rows[0].data.period == "202505"


# ---- bad input: each a clear error naming the place -----------------------------------------------------


def test_formula_in_a_value_cell(template: bytes) -> None:
    parsed = parse_xlsx(fill(template, {"C6": 2, "D7": "=C6*2"}), "f.xlsx")
    (issue,) = parsed.issues
    assert issue.position == 7 and issue.field == "value"
    assert issue.message == "cell Dữ liệu!D7 holds a formula (=C6*2); paste values only (Paste Special → Values)"
    assert issue.source == "f.xlsx › Dữ liệu, column D"


def test_merged_header_cells(template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_DATA]
    ws.protection.sheet = False
    ws.merge_cells("H4:I4")
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(FileError, match=r"merged cells Dữ liệu!H4:I4 in the header rows; unmerge them"):
        parse_xlsx(out.getvalue(), "m.xlsx")


def test_merged_data_cells_and_titles(template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_DATA]
    ws.merge_cells("A1:E1")  # a merged title above the table is fine
    ws["C6"] = 7
    ok = io.BytesIO()
    wb.save(ok)
    assert parse_xlsx(ok.getvalue(), "t.xlsx").ok
    ws.merge_cells("C7:D7")
    bad = io.BytesIO()
    wb.save(bad)
    with pytest.raises(FileError, match="merged cells Dữ liệu!C7:D7 in the data"):
        parse_xlsx(bad.getvalue(), "m.xlsx")


def test_missing_and_unknown_code_columns(template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_DATA]
    ws.delete_cols(4)  # BEDS
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(FileError, match="missing column\\(s\\) BEDS of the template of data set DS_HEALTH"):
        parse_xlsx(out.getvalue(), "x.xlsx")
    with pytest.raises(FileError, match=r"column\(s\) GRDP are not in the template .*\(Dữ liệu!J5\)"):
        parse_xlsx(fill(template, {"J5": "GRDP"}), "x.xlsx")
    with pytest.raises(FileError, match="column code BEDS appears twice \\(Dữ liệu!D5 and Dữ liệu!J5\\)"):
        parse_xlsx(fill(template, {"J5": "BEDS"}), "x.xlsx")
    with pytest.raises(FileError, match="'Số giường' is not a column code"):
        parse_xlsx(fill(template, {"D5": "Số giường"}), "x.xlsx")


def test_a_value_in_a_column_without_code(template: bytes) -> None:
    parsed = parse_xlsx(fill(template, {"C6": 1, "K6": 99}), "x.xlsx")
    (issue,) = parsed.issues
    assert issue.message == "cell Dữ liệu!K6 has a value but column K has no code in the code row (row 5)"


def test_a_value_without_unit_code(template: bytes) -> None:
    parsed = parse_xlsx(fill(template, {"C8": 5}), "x.xlsx")
    (issue,) = parsed.issues
    assert (issue.position, issue.field) == (8, "orgUnit")
    assert "cell Dữ liệu!A8: the unit code is missing" in issue.message


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("tháng ba", "'tháng ba' is not a period"),
        ("202513", "'202513' is not a period"),
        (None, "the period is empty"),
    ],
)
def test_a_period_cell_that_does_not_parse(template: bytes, period: object, why: str) -> None:
    with pytest.raises(FileError, match=f"cell Dữ liệu!B2 \\(the period\\): {why}"):
        parse_xlsx(fill(template, {"B2": period, "C2": None, "C6": 1}), "p.xlsx")


def test_vietnamese_number_formatting_percentages_dates_and_errors(template: bytes) -> None:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[SHEET_DATA]
    ws["C6"] = "1.234,5"
    ws["D6"] = "12,5"
    ws["E6"] = 0.45
    ws["E6"].number_format = "0%"
    ws["C7"] = dt.date(2025, 3, 1)
    ws["D7"] = "#DIV/0!"
    ws["G7"] = "1.234,5"  # a TEXT element: kept as typed
    out = io.BytesIO()
    wb.save(out)
    parsed = parse_xlsx(out.getvalue(), "v.xlsx")
    messages = {(i.position, i.source[-1]): i.message for i in parsed.issues}
    assert "'1.234,5' is a number written with separators; type plain digits" in messages[(6, "C")]
    assert "'12,5' is a number written with separators" in messages[(6, "D")]
    assert "formatted as a percentage (45% is stored as 0.45)" in messages[(6, "E")]
    assert "holds a date or time (2025-03-01" in messages[(7, "C")]
    assert "holds an error (#DIV/0!)" in messages[(7, "D")]
    assert [r.data.value for r in parsed.rows] == ["1.234,5"]


def test_not_an_xlsx_file() -> None:
    with pytest.raises(FileError, match=r"not an Excel \.xlsx file"):
        parse_xlsx(b"dataelement,period\n", "a.xlsx")


def test_corrupt_zip(template: bytes) -> None:
    with pytest.raises(FileError, match=r"the \.xlsx file is damaged"):
        parse_xlsx(template[: len(template) // 2], "half.xlsx")


def test_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(FileError, match=r"this is an OpenDocument file \(\.ods\), not an Excel workbook"):
        parse_xlsx(out.getvalue(), "a.xlsx")


def test_password_protected_or_old_xls() -> None:
    # An encrypted .xlsx (and an old .xls) is an OLE compound file: it starts with D0 CF 11 E0.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    with pytest.raises(FileError, match=r"password-protected workbook or an old \.xls file; .*without a password"):
        parse_xlsx(ole, "khoa.xlsx")


def test_encrypted_zip_entries(template: bytes) -> None:
    raw = bytearray(template)
    # Set the "encrypted" flag of the first local and central-directory entries.
    raw[6] |= 1
    central = raw.find(b"PK\x01\x02")
    raw[central + 8] |= 1
    with pytest.raises(FileError, match="encrypted"):
        parse_xlsx(bytes(raw), "e.xlsx")


def test_zip_bomb_is_refused_before_it_is_opened(template: bytes) -> None:
    bomb = _rewrite(template, "xl/worksheets/sheet1.xml", lambda b: b + b" " * 5_000_000)
    assert len(bomb) < 200_000
    with pytest.raises(FileError, match=r"unpacks to 4\.8 MB, more than the limit of 1\.0 MB"):
        parse_xlsx(bomb, "bomb.xlsx", uncompressed_limit=1024 * 1024)


def test_entity_expansion_inside_the_workbook(template: bytes) -> None:
    def evil(body: bytes) -> bytes:
        head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
        return head + body.replace(b"orgUnitName", b"&b;")

    with pytest.raises(FileError, match="declares entities or a DTD \\(EntitiesForbidden\\), which is refused"):
        parse_xlsx(_rewrite(template, "xl/worksheets/sheet1.xml", evil), "evil.xlsx")


def test_too_large_and_empty_files(template: bytes) -> None:
    with pytest.raises(FileError, match="larger than the limit"):
        parse_xlsx(template, "big.xlsx", limit=1000)
    with pytest.raises(FileError, match="empty file"):
        parse_xlsx(b"", "empty.xlsx")


def test_empty_workbook() -> None:
    with pytest.raises(FileError, match="the workbook is empty"):
        parse_xlsx(_long_workbook([]), "trong.xlsx")


def test_a_sheet_without_header() -> None:
    with pytest.raises(FileError, match="Sheet1: no header row found"):
        parse_xlsx(_long_workbook([["Báo cáo"], ["08707", 12]]), "x.xlsx")


# ---- the long layout ------------------------------------------------------------------------------------


def test_long_layout_with_dhis2_headers() -> None:
    data = _long_workbook(
        [
            ["dataElement", "period", "orgUnit", "categoryOptionCombo", "value", "comment"],
            ["PATIENTS", "202503", "08707", "MALE", 12, "Đã kiểm tra"],
            ["OPD_VISITS", 202503, "08710", None, 7.0, None],
            [None, None, None, None, None, None],
            ["BEDS", "2025-03-01/P1M", "08710", "", 2.5, ""],
        ],
        title="Dữ liệu dọc",
    )
    parsed = parse_xlsx(data, "doc.xlsx", schemes=IdSchemes(data_element="code", org_unit="code"))
    assert parsed.ok
    a, b, c = parsed.rows
    assert (a.data.data_element, a.data.period, a.data.org_unit, a.data.category_option_combo) == (
        "PATIENTS",
        "202503",
        "08707",
        "MALE",
    )
    assert a.data.value == "12" and a.data.comment == "Đã kiểm tra" and a.position == 2
    assert b.data.period == "202503" and b.data.value == "7" and b.data.category_option_combo is None
    assert c.data.period == "202503" and c.position == 5 and c.schemes.org_unit == "code"
    assert a.source == "doc.xlsx › Dữ liệu dọc"
    assert parsed.header["sheets"][0]["layout"] == "long"


def test_long_layout_with_vietnamese_headers() -> None:
    data = _long_workbook(
        [
            ["Mã chỉ tiêu", "Tên chỉ tiêu", "Kỳ báo cáo", "Mã đơn vị", "Mã nhóm", "Giá trị", "Ghi chú"],
            ["BEDS", "Số giường bệnh", "202503", "08707", None, 40, "Ổn định"],
        ]
    )
    parsed = parse_xlsx(data, "vi.xlsx")
    assert parsed.ok
    (row,) = parsed.rows
    assert (row.data.data_element, row.data.org_unit, row.data.value, row.data.comment) == (
        "BEDS",
        "08707",
        "40",
        "Ổn định",
    )


def test_long_layout_bad_input() -> None:
    with pytest.raises(FileError, match="extra column 'Người ký' \\(cell Sheet1!E1\\)"):
        parse_xlsx(_long_workbook([["dataElement", "period", "orgUnit", "value", "Người ký"]]), "x.xlsx")
    with pytest.raises(FileError, match="missing column\\(s\\) value"):
        parse_xlsx(_long_workbook([["dataElement", "period", "orgUnit"], ["A", "2025", "B"]]), "x.xlsx")
    with pytest.raises(FileError, match="column 'Kỳ báo cáo' appears twice"):
        parse_xlsx(
            _long_workbook([["dataElement", "period", "orgUnit", "value", "Kỳ báo cáo"]]),
            "x.xlsx",
        )
    parsed = parse_xlsx(
        _long_workbook(
            [
                ["dataElement", "period", "orgUnit", "value"],
                ["BEDS", "tháng 3", "08707", 1],
                ["BEDS", dt.datetime(2025, 3, 1), "08707", 1],
                ["BEDS", "202503", "08707", "=1+1"],
                ["BEDS", "202503", "08707", 1, "thừa"],
            ]
        ),
        "x.xlsx",
    )
    assert not parsed.rows
    messages = [(i.position, i.message) for i in parsed.issues]
    assert messages[0][0] == 2 and "cell Sheet1!B2: 'tháng 3' is not a period" in messages[0][1]
    assert messages[1][0] == 3 and "'2025-03-01' is a date; type the period as text" in messages[1][1]
    assert messages[2] == (4, "cell Sheet1!D4 holds a formula (=1+1); paste values only (Paste Special → Values)")
    assert messages[3] == (5, "cell Sheet1!E5 has a value but its column has no header")

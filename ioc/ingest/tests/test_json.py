import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.core.errors import InvalidInput
from ioc.ingest.dhis2_json import export_json, parse_json
from ioc.ingest.rows import ExchangeValue, FileError, IdSchemes
from ioc.ingest.tests.test_csv import values

GOOD = {
    "dataSet": "DS_DANSO",
    "completeDate": "2025-04-05",
    "period": "202503",
    "orgUnit": "VP_01",
    "attributeOptionCombo": "AOC",
    "dataValues": [
        {"dataElement": "DE_POP", "categoryOptionCombo": "F", "value": "12", "comment": "Đã xác minh với xã"},
        {"dataElement": "DE_POP", "period": "2025-02-01/P1M", "orgUnit": "VP_02", "value": 7, "followup": True},
        {"dataElement": "DE_OK", "value": True, "attributeOptionCombo": "AOC2"},
    ],
}


def test_good_file_header_and_per_value_overrides():
    result = parse_json(json.dumps(GOOD, ensure_ascii=False).encode(), "tap_du_lieu.json")
    assert result.ok
    a, b, c = result.rows
    assert a.data == ExchangeValue("DE_POP", "202503", "VP_01", "F", "12", "Đã xác minh với xã", None, "AOC")
    assert (a.source, a.kind, a.position, a.data_set) == ("tap_du_lieu.json", "value", 1, "DS_DANSO")
    assert (b.data.period, b.data.org_unit, b.data.value, b.data.follow_up) == ("202502", "VP_02", "7", True)
    assert (c.data.value, c.data.attribute_option_combo, c.position) == ("true", "AOC2", 3)
    assert result.header == {
        "dataSet": "DS_DANSO",
        "completeDate": "2025-04-05",
        "period": "202503",
        "orgUnit": "VP_01",
        "attributeOptionCombo": "AOC",
    }
    assert a.where == "tap_du_lieu.json, value 1"


def test_bom_accepted():
    result = parse_json(b"\xef\xbb\xbf" + json.dumps(GOOD).encode(), "bom.json")
    assert len(result.rows) == 3


def test_id_schemes_from_options_and_file():
    doc = {**GOOD, "dataElementIdScheme": "CODE"}
    result = parse_json(json.dumps(doc).encode(), "s.json", schemes=IdSchemes.from_options({"idScheme": "name"}))
    assert result.rows[0].schemes == IdSchemes(
        data_element="code", org_unit="name", category_option_combo="name", data_set="name"
    )
    doc = {**GOOD, "idScheme": "code"}
    result = parse_json(json.dumps(doc).encode(), "s.json", schemes=IdSchemes.from_options({"orgUnitIdScheme": "name"}))
    assert result.rows[0].schemes == IdSchemes("code", "code", "code", "code")
    assert parse_json(json.dumps(GOOD).encode(), "s.json").rows[0].schemes == IdSchemes()


def test_bad_id_scheme():
    with pytest.raises(InvalidInput, match="orgUnitIdScheme must be uid, code or name, not 'ATTRIBUTE:x'"):
        parse_json(json.dumps({**GOOD, "orgUnitIdScheme": "ATTRIBUTE:x"}).encode(), "s.json")


@pytest.mark.parametrize("data", [b"", b" \n\t", b"\xef\xbb\xbf  "])
def test_empty_file(data):
    with pytest.raises(FileError, match=r"e\.json: empty file"):
        parse_json(data, "e.json")


def test_malformed_json_has_line_and_column():
    with pytest.raises(FileError, match=r"bad\.json: malformed JSON at line 3, column 5"):
        parse_json(b'{\n  "dataValues": [\n    ,\n  ]\n}', "bad.json")


def test_wrong_encoding():
    with pytest.raises(FileError, match=r"w\.json: not UTF-8 text \(invalid byte 0xE9 at byte offset 16\)"):
        parse_json('{"comment": "café"}'.encode("latin-1"), "w.json")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "expected a JSON object with dataValues, got list"),
        ({"dataValues": {}}, "dataValues must be a list"),
        ({"period": 202501, "dataValues": []}, "period must be text"),
    ],
)
def test_wrong_structure(doc, message):
    with pytest.raises(FileError, match=message):
        parse_json(json.dumps(doc).encode(), "x.json")


def test_deeply_nested_json_is_refused_cleanly():
    with pytest.raises(FileError, match=r"x\.json: JSON nested too deeply"):
        parse_json(b"[" * 100_000 + b"]" * 100_000, "x.json")


def test_bad_values_reported_each_with_index():
    doc = {
        "orgUnit": "U1",
        "dataValues": [
            {"dataElement": "DE", "period": "202501", "value": "1"},
            "not an object",
            {"dataElement": "DE", "period": "2025M1", "value": "1"},
            {"dataElement": "DE", "period": "202501", "value": {"nested": 1}},
            {"period": "202501", "value": "1", "followup": "maybe"},
        ],
    }
    result = parse_json(json.dumps(doc).encode(), "v.json")
    assert [r.position for r in result.rows] == [1]
    assert [(i.position, i.field) for i in result.issues] == [
        (2, None),
        (3, "period"),
        (4, "value"),
        (5, "dataElement"),
        (5, "followup"),
    ]
    assert result.issues[1].value == "2025M1"


def test_size_limit():
    with pytest.raises(FileError, match="larger than the limit"):
        parse_json(json.dumps(GOOD).encode(), "big.json", limit=20)


def test_export_is_utf8_and_readable():
    data = export_json([ExchangeValue("DE", "202501", "U1", value="1", comment="Tốt")], header={"dataSet": "DS"})
    assert json.loads(data) == {
        "dataSet": "DS",
        "dataValues": [{"dataElement": "DE", "period": "202501", "orgUnit": "U1", "value": "1", "comment": "Tốt"}],
    }
    assert "Tốt".encode() in data


@settings(max_examples=150, deadline=None)
@given(st.lists(values, max_size=8), st.lists(st.none() | st.booleans(), min_size=8, max_size=8))
def test_json_round_trip(rows, follow_ups):
    rows = [ExchangeValue(**{**r.__dict__, "follow_up": f}) for r, f in zip(rows, follow_ups, strict=False)]
    result = parse_json(export_json(rows), "rt.json")
    assert result.ok
    assert [r.data for r in result.rows] == rows

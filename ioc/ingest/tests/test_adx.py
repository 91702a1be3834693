import pytest

from ioc.ingest.adx import ADX_NS, ComboCell, export_adx, map_disaggregations, parse_adx
from ioc.ingest.rows import ExchangeValue, FileError

GOOD = f"""<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="{ADX_NS}" exported="2025-04-01T00:00:00Z">
  <group dataSet="DS_DANSO" period="2025-01-01/P1M" orgUnit="VP_01" completeDate="2025-02-03">
    <dataValue dataElement="DE_POP" SEX="FEMALE" AGE="A0_14" value="12">
      <annotation>Đã xác minh với trạm y tế</annotation>
    </dataValue>
    <dataValue dataElement="DE_TOTAL" value="40"/>
  </group>
  <group dataSet="DS_DANSO" period="2025-01-01/P3M" orgUnit="VP_02" FUNDING="GOV">
    <dataValue dataElement="DE_POP" SEX="MALE" AGE="A0_14" value="9"/>
  </group>
</adx>
""".encode()

POP_CELLS = [
    ComboCell("F_CHILD", frozenset({("SEX", "FEMALE"), ("AGE", "A0_14")})),
    ComboCell("M_CHILD", frozenset({("SEX", "MALE"), ("AGE", "A0_14")})),
]
COMBOS = {"DE_POP": POP_CELLS, "DE_TOTAL": [ComboCell("default", frozenset())]}


def test_good_file():
    result = parse_adx(GOOD, "bao_cao.adx.xml")
    assert result.ok
    a, b, c = result.rows
    assert a.data == ExchangeValue("DE_POP", "202501", "VP_01", None, "12", "Đã xác minh với trạm y tế")
    assert a.disaggregation == (("AGE", "A0_14"), ("SEX", "FEMALE"))
    assert (a.kind, a.position, a.data_set) == ("line", 4, "DS_DANSO")
    assert (b.data.value, b.disaggregation, b.position, b.data.comment) == ("40", (), 7, None)
    assert (c.data.period, c.attribute_disaggregation, c.position) == ("2025Q1", (("FUNDING", "GOV"),), 10)
    assert a.where == "bao_cao.adx.xml, line 4"


def test_prefixed_namespace_accepted():
    doc = f'<a:adx xmlns:a="{ADX_NS}"><a:group period="2025-01-01/P1Y" orgUnit="U"><a:dataValue dataElement="D" value="1"/></a:group></a:adx>'
    assert parse_adx(doc.encode(), "p.xml").rows[0].data.period == "2025"


def test_map_disaggregations():
    result = map_disaggregations(parse_adx(GOOD, "b.xml"), COMBOS)
    assert result.ok
    assert [r.data.category_option_combo for r in result.rows] == ["F_CHILD", "default", "M_CHILD"]


def test_map_disaggregations_reports_unmatched_and_unknown():
    doc = f"""<adx xmlns="{ADX_NS}"><group period="2025-01-01/P1M" orgUnit="U">
<dataValue dataElement="DE_POP" SEX="X" AGE="A0_14" value="1"/>
<dataValue dataElement="DE_POP" SEX="MALE" value="1"/>
<dataValue dataElement="DE_NONE" SEX="MALE" value="1"/>
<dataValue dataElement="DE_NONE" value="1"/>
</group></adx>""".encode()
    result = map_disaggregations(parse_adx(doc, "m.xml"), COMBOS)
    assert [(r.position, r.data.category_option_combo) for r in result.rows] == [(5, None)]
    assert [(i.position, i.field) for i in result.issues] == [
        (2, "disaggregation"),
        (3, "disaggregation"),
        (4, "dataElement"),
    ]
    assert result.issues[0].message == (
        'no category option combo of DE_POP matches AGE="A0_14" SEX="X"; its categories are AGE, SEX'
    )


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE adx [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<adx xmlns="{ADX_NS}"><group period="2025-01-01/P1M" orgUnit="U">
<dataValue dataElement="D" value="1"><annotation>&lol9;</annotation></dataValue></group></adx>
""".encode()

EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE adx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<adx xmlns="{ADX_NS}"><group period="2025-01-01/P1M" orgUnit="U">
<dataValue dataElement="D" value="1"><annotation>&secret;</annotation></dataValue></group></adx>
""".encode()

EXTERNAL_DTD = f"""<?xml version="1.0"?>
<!DOCTYPE adx SYSTEM "http://example.invalid/adx.dtd">
<adx xmlns="{ADX_NS}"/>
""".encode()


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD])
def test_entity_attacks_are_refused(doc):
    with pytest.raises(FileError) as exc:
        parse_adx(doc, "attack.xml")
    assert exc.value.message.startswith("attack.xml: refused: the document declares a DTD or entities")


def test_undeclared_entity_is_malformed():
    doc = f'<adx xmlns="{ADX_NS}"><group period="2025-01-01/P1M" orgUnit="U">&x;</group></adx>'.encode()
    with pytest.raises(FileError, match="malformed XML at line 1"):
        parse_adx(doc, "u.xml")


def test_malformed_xml_has_line_and_column():
    doc = (
        f'<adx xmlns="{ADX_NS}">\n<group period="2025-01-01/P1M" orgUnit="U">\n  <dataValue value="1">\n</group></adx>'
    )
    with pytest.raises(FileError, match=r"bad\.xml: malformed XML at line 4, column 3: mismatched tag"):
        parse_adx(doc.encode(), "bad.xml")


@pytest.mark.parametrize("data", [b"", b"\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(data):
    with pytest.raises(FileError, match=r"e\.xml: empty file"):
        parse_adx(data, "e.xml")


def test_wrong_encoding_is_malformed_with_position():
    doc = f'<?xml version="1.0" encoding="UTF-8"?>\n<adx xmlns="{ADX_NS}"><!-- Ghi chú --></adx>'
    with pytest.raises(FileError, match=r"enc\.xml: malformed XML at line 2"):
        parse_adx(doc.encode("cp1258"), "enc.xml")


def test_not_adx():
    with pytest.raises(FileError, match="not an ADX document"):
        parse_adx(b"<dataValueSet/>", "n.xml")
    with pytest.raises(FileError, match="not an ADX document"):
        parse_adx(b"<adx/>", "n.xml")


def test_bad_period_reported_per_value_with_line():
    doc = f"""<adx xmlns="{ADX_NS}">
<group period="2025-01-15/P1M" orgUnit="U"><dataValue dataElement="D" value="1"/></group>
<group period="2025-01-01/P2M" orgUnit="U"><dataValue dataElement="D" value="1"/></group>
<group orgUnit="U"><dataValue dataElement="D" value="1"/></group>
<group period="2025-01-01/P1M" orgUnit="U"><dataValue dataElement="D" value="1"/></group>
</adx>""".encode()
    result = parse_adx(doc, "p.xml")
    assert [r.position for r in result.rows] == [5]
    assert [(i.position, i.field, i.value) for i in result.issues] == [
        (2, "period", "2025-01-15/P1M"),
        (3, "period", "2025-01-01/P2M"),
        (4, "period", None),
    ]
    assert "does not start on the first day" in result.issues[0].message


def test_size_limit():
    with pytest.raises(FileError, match="larger than the limit"):
        parse_adx(GOOD, "big.xml", limit=100)


DISAGG = {"F_CHILD": {"SEX": "FEMALE", "AGE": "A0_14"}, "M_CHILD": {"SEX": "MALE", "AGE": "A0_14"}}


def test_export_round_trip():
    rows = [
        ExchangeValue("DE_POP", "202501", "VP_01", "F_CHILD", "12", 'Ghi chú <đặc biệt> & "trích"'),
        ExchangeValue("DE_TOTAL", "202501", "VP_01", "default", "40"),
        ExchangeValue("DE_POP", "2025Q1", "VP_02", "M_CHILD", "9"),
        ExchangeValue("DE_POP", "2025W5", "VP_02", "M_CHILD", None, "  giữ khoảng trắng  "),
        ExchangeValue("DE_POP", "20250315", "VP_02", "F_CHILD", "1"),
        ExchangeValue("DE_POP", "2025", "VP_02", "F_CHILD", "2"),
    ]
    data = export_adx(rows, DISAGG, data_set="DS_DANSO")
    assert b'period="2025-01-01/P1M"' in data and b'SEX="FEMALE"' in data
    result = map_disaggregations(parse_adx(data, "rt.xml"), COMBOS)
    assert result.ok
    assert [r.data for r in result.rows] == rows
    assert {r.data_set for r in result.rows} == {"DS_DANSO"}


def test_export_unknown_combo_refused():
    with pytest.raises(Exception, match="No disaggregation known for category option combo 'X'"):
        export_adx([ExchangeValue("D", "202501", "U", "X", "1")], {})

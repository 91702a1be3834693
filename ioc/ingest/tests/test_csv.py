import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.datavalues.checker import ValueRow
from ioc.ingest.dhis2_csv import export_csv, parse_csv, sniff_delimiter
from ioc.ingest.rows import ExchangeValue, FileError, IdSchemes

HEADER = "dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt\n"
GOOD = HEADER + (
    'DE_POP,202503,VP_01,F,,12,admin,2025-04-01,"Ghi chú: số liệu đã kiểm tra, đúng"\n'
    "DE_POP,2025-03-01/P1M,VP_02,,,7,,,\n"
)


def test_good_file_with_vietnamese_comment():
    result = parse_csv(GOOD.encode(), "du_lieu.csv")
    assert result.ok
    first, second = result.rows
    assert first.data == ExchangeValue("DE_POP", "202503", "VP_01", "F", "12", "Ghi chú: số liệu đã kiểm tra, đúng")
    assert (first.source, first.kind, first.position) == ("du_lieu.csv", "row", 2)
    assert first.stored_by == "admin" and first.last_updated == "2025-04-01"
    assert second.data.period == "202503"  # ADX interval normalised to the DHIS2 id
    assert second.data.category_option_combo is None and second.data.comment is None
    assert second.position == 3
    assert result.header == {"columns": list(HEADER.strip().split(",")), "delimiter": ","}
    assert first.where == "du_lieu.csv, row 2"


def test_to_value_row():
    row = parse_csv(GOOD.encode(), "a.csv").rows[0].to_value_row()
    assert row == ValueRow(
        data_element="DE_POP",
        org_unit="VP_01",
        period="202503",
        value="12",
        category_option_combo="F",
        comment="Ghi chú: số liệu đã kiểm tra, đúng",
    )


def test_bom_and_semicolons_and_quoted_semicolon():
    text = HEADER.replace(",", ";") + 'DE_POP;2025;VP_01;;;3;;;"a;b, c"\n'
    result = parse_csv(b"\xef\xbb\xbf" + text.encode(), "excel.csv")
    assert result.ok
    assert result.header["delimiter"] == ";"
    assert result.rows[0].data.comment == "a;b, c"
    assert result.rows[0].data.period == "2025"


def test_headerless_file_in_dhis2_order():
    text = "DE_POP,202503,VP_01,F,,12,,,Bình thường\nDE_POP,202503,VP_02,,,4\n"
    result = parse_csv(text.encode(), "no_header.csv")
    assert result.ok
    assert result.header["columns"] is None
    assert [r.position for r in result.rows] == [1, 2]
    assert result.rows[0].data.comment == "Bình thường"
    assert result.rows[1].data.value == "4"


def test_long_dhis2_column_names_in_any_order():
    text = "orgunit,period,dataelement,value,comment,categoryoptioncombo,followup\nVP_01,202501,DE,5,x,M,true\n"
    result = parse_csv(text.encode(), "dhis2.csv")
    assert result.ok
    d = result.rows[0].data
    assert (d.org_unit, d.data_element, d.value, d.comment, d.category_option_combo, d.follow_up) == (
        "VP_01",
        "DE",
        "5",
        "x",
        "M",
        True,
    )


def test_multiline_quoted_comment_keeps_start_line():
    text = HEADER + 'DE,202501,U1,,,1,,,"dòng 1\ndòng 2"\nDE,202501,U2,,,2,,,\n'
    result = parse_csv(text.encode(), "m.csv")
    assert [r.position for r in result.rows] == [2, 4]
    assert result.rows[0].data.comment == "dòng 1\ndòng 2"


def test_blank_lines_skipped_but_counted():
    text = HEADER + "\nDE,202501,U1,,,1,,,\n\n"
    result = parse_csv(text.encode(), "b.csv")
    assert [r.position for r in result.rows] == [3]


@pytest.mark.parametrize("data", [b"", b"   \n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n"])
def test_empty_file(data):
    with pytest.raises(FileError, match=r"empty\.csv: empty file"):
        parse_csv(data, "empty.csv")


def test_wrong_encoding_names_file_and_byte_offset():
    data = HEADER.encode() + "DE,202501,U1,,,1,,,Ghi chú\n".encode("cp1258")
    offset = len(HEADER.encode()) + len(b"DE,202501,U1,,,1,,,Ghi ch")
    with pytest.raises(FileError) as exc:
        parse_csv(data, "cp1258.csv")
    assert "cp1258.csv" in exc.value.message
    assert f"byte offset {offset}" in exc.value.message
    assert "UTF-8" in exc.value.message


def test_wrong_encoding_offset_counts_the_bom():
    with pytest.raises(FileError, match="byte offset 4"):
        parse_csv(b"\xef\xbb\xbfd\xff,x", "bom.csv")


def test_extra_column_in_header():
    with pytest.raises(FileError, match=r"h\.csv: extra column 'colour' \(column 10\)"):
        parse_csv((HEADER.strip() + ",colour\n").encode(), "h.csv")


def test_missing_column_in_header():
    with pytest.raises(FileError, match=r"h\.csv: missing column\(s\) orgunit, value"):
        parse_csv(b"dataelement,period\nDE,202501\n", "h.csv")


def test_duplicate_column():
    with pytest.raises(FileError, match="appears twice"):
        parse_csv(b"dataelement,period,orgunit,value,value\n", "h.csv")


def test_rows_with_extra_or_missing_fields_are_reported_each():
    text = HEADER + "DE,202501,U1,,,1,,,,extra\nDE,202501,U1,,,1,,,\nDE,202501\n"
    result = parse_csv(text.encode(), "r.csv")
    assert [r.position for r in result.rows] == [3]
    assert [(i.position, i.message) for i in result.issues] == [
        (2, "extra columns: 10 fields, the header has 9"),
        (4, "missing columns: 2 fields, the header has 9"),
    ]


def test_headerless_rows_with_wrong_field_count():
    result = parse_csv(b"DE,202501,U1,,\nDE,202501,U1,,,1,,,,,\n", "n.csv")
    assert not result.rows
    assert [(i.position, i.message.split(":")[0]) for i in result.issues] == [
        (1, "missing columns"),
        (2, "extra columns"),
    ]


def test_bad_period_is_reported_per_row_with_its_row_number():
    text = HEADER + "DE,202501,U1,,,1,,,\nDE,2025-13,U1,,,1,,,\nDE,,U1,,,1,,,\nDE,202513,U1,,,1,,,\n"
    result = parse_csv(text.encode(), "p.csv")
    assert [r.position for r in result.rows] == [2]
    assert [(i.position, i.field, i.value) for i in result.issues] == [
        (3, "period", "2025-13"),
        (4, "period", ""),
        (5, "period", "202513"),
    ]
    assert "not recognised" in result.issues[0].message
    assert result.issues[1].message == "period is missing"
    assert "month must be 01–12" in result.issues[2].message
    assert result.issues[0].as_dict()["message"].startswith("p.csv, row 3, period: ")
    with pytest.raises(Exception, match=r"3 row\(s\) refused; p\.csv, row 3, period"):
        result.raise_for_issues()


def test_missing_element_and_unit_reported():
    result = parse_csv((HEADER + ",202501,,,,1,,,\n").encode(), "m.csv")
    assert [(i.position, i.field) for i in result.issues] == [(2, "dataElement"), (2, "orgUnit")]


def test_unterminated_quote_is_a_file_error_with_line():
    with pytest.raises(FileError, match=r"q\.csv: malformed CSV at line"):
        parse_csv((HEADER + 'DE,202501,U1,,,1,,,"abc\n').encode(), "q.csv")


def test_too_large_refused_before_reading_everything():
    class Stream(io.BytesIO):
        def read(self, n=-1):
            self.asked = n
            return super().read(n)

    stream = Stream((HEADER + "DE,202501,U1,,,1,,,\n" * 100).encode())
    with pytest.raises(FileError, match=r"big\.csv: the file is larger than the limit"):
        parse_csv(stream, "big.csv", limit=50)
    assert stream.asked == 51


def test_declared_size_refused_without_reading():
    class Upload(io.BytesIO):
        size = 10_000

        def read(self, n=-1):
            raise AssertionError("read")

    with pytest.raises(FileError, match="larger than the limit"):
        parse_csv(Upload(), "big.csv", limit=100)


def test_limit_from_settings(settings):
    settings.IOC_INGEST_MAX_BYTES = 10
    with pytest.raises(FileError, match="larger than the limit"):
        parse_csv(GOOD.encode(), "s.csv")


def test_schemes_recorded_on_rows():
    schemes = IdSchemes.from_options({"idScheme": "CODE", "orgUnitIdScheme": "name"})
    row = parse_csv(GOOD.encode(), "s.csv", schemes=schemes).rows[0]
    assert row.schemes == IdSchemes(data_element="code", org_unit="name", category_option_combo="code", data_set="code")


def test_sniff_delimiter():
    assert sniff_delimiter('a;b;"c,d,e"\n1,2') == ";"
    assert sniff_delimiter("a,b;c,d") == ","
    assert sniff_delimiter("abc") == ","


# ---- round trips

refs = st.text(alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-ĐƯƠ"), min_size=1, max_size=12)
free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"), min_size=1
) | st.just('dòng 1\ndòng 2; "trích", hết')
periods = st.sampled_from(["2025", "2025Q3", "202501", "202512", "2025W5", "2025W52", "20250315", "2024"])
values = st.builds(
    ExchangeValue,
    data_element=refs,
    period=periods,
    org_unit=refs,
    category_option_combo=st.none() | refs,
    value=st.none() | free_text,
    comment=st.none() | free_text,
    attribute_option_combo=st.none() | refs,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(values, max_size=8), st.sampled_from([",", ";"]), st.booleans())
def test_csv_round_trip(rows, delimiter, bom):
    data = export_csv(rows, delimiter=delimiter, bom=bom)
    result = parse_csv(data, "rt.csv")
    assert result.ok
    assert [r.data for r in result.rows] == rows


def test_export_header_is_dhis2s():
    data = export_csv([ExchangeValue("DE", "202501", "U1", value="1", comment="Tốt")])
    assert data.decode() == HEADER + "DE,202501,U1,,,1,,,Tốt\n"

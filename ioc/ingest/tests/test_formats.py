import pytest

from ioc.core.errors import InvalidInput
from ioc.ingest.formats import detect_format, export_csv, export_json, parse_file
from ioc.ingest.rows import ExchangeValue, IdSchemes

ROWS = [ExchangeValue("DE", "202501", "U1", value="1", comment="Tốt")]


@pytest.mark.parametrize(
    ("name", "content_type", "fmt"),
    [
        ("a.json", None, "json"),
        ("A.CSV", None, "csv"),
        ("a.adx", None, "adx"),
        ("a.xml", None, "adx"),
        ("upload", "application/adx+xml; charset=utf-8", "adx"),
        ("a.xml", "application/json", "json"),
        ("a.json", "text/csv", "csv"),
        ("a.json", "application/octet-stream", "json"),
    ],
)
def test_detect_format(name, content_type, fmt):
    assert detect_format(name, content_type) == fmt


def test_unknown_format():
    with pytest.raises(InvalidInput, match=r"a\.txt: unknown format"):
        detect_format("a.txt")
    with pytest.raises(InvalidInput, match="Unknown format 'xls'"):
        parse_file(b"x", "a.csv", fmt="xls")


def test_parse_file_dispatches():
    schemes = IdSchemes.from_options({"idScheme": "code"})
    assert [r.data for r in parse_file(export_csv(ROWS), "a.csv", schemes=schemes).rows] == ROWS
    result = parse_file(export_json(ROWS), "upload", content_type="application/json", schemes=schemes)
    assert [r.data for r in result.rows] == ROWS
    assert result.rows[0].schemes.data_element == "code"

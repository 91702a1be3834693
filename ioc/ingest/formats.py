"""The exchange formats: DHIS2 JSON dataValueSets, DHIS2 CSV and ADX — one entry point to parse a file.

The parsers are pure (bytes in, ParseResult out; no database): ioc.ingest.dhis2_json, ioc.ingest.dhis2_csv,
ioc.ingest.adx. ADX rows need their disaggregation mapped to a category option combo with
adx.map_disaggregations and the metadata from ioc.ingest.lookups.element_combos. Exporters: export_json,
export_csv, export_adx (lossless round trips).
"""

from __future__ import annotations

from typing import IO

from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.ingest.adx import ComboCell, export_adx, map_disaggregations, parse_adx
from ioc.ingest.dhis2_csv import export_csv, parse_csv
from ioc.ingest.dhis2_json import export_json, parse_json
from ioc.ingest.rows import ExchangeValue, FileError, IdSchemes, ParsedRow, ParseResult, RowIssue

__all__ = [
    "ComboCell",
    "ExchangeValue",
    "FileError",
    "IdSchemes",
    "ParseResult",
    "ParsedRow",
    "RowIssue",
    "detect_format",
    "export_adx",
    "export_csv",
    "export_json",
    "map_disaggregations",
    "parse_adx",
    "parse_csv",
    "parse_file",
    "parse_json",
]

FORMATS = ("json", "csv", "adx", "xlsx")
CONTENT_TYPES = {
    "application/json": "json",
    "text/csv": "csv",
    "application/csv": "csv",
    "application/adx+xml": "adx",
    "application/xml": "adx",
    "text/xml": "adx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
EXTENSIONS = {".json": "json", ".csv": "csv", ".adx": "adx", ".xml": "adx", ".xlsx": "xlsx"}


def detect_format(source: str, content_type: str | None = None) -> str:
    """json, csv or adx from the content type (first) or the file name; InvalidInput otherwise."""
    if content_type:
        fmt = CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())
        if fmt:
            return fmt
    name = source.lower()
    for extension, fmt in EXTENSIONS.items():
        if name.endswith(extension):
            return fmt
    raise InvalidInput(
        _("%(file)s: unknown format; use a .json (dataValueSets), .csv or .adx/.xml (ADX) file") % {"file": source},
        field="format",
    )


def parse_file(
    data: bytes | IO[bytes],
    source: str,
    *,
    fmt: str | None = None,
    content_type: str | None = None,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
) -> ParseResult:
    fmt = fmt or detect_format(source, content_type)
    if fmt == "json":
        return parse_json(data, source, schemes=schemes, limit=limit)
    if fmt == "csv":
        return parse_csv(data, source, schemes=schemes, limit=limit)
    if fmt == "adx":
        return parse_adx(data, source, schemes=schemes, limit=limit)
    if fmt == "xlsx":  # the XLSX template's wide layout, or long sheets (ioc.ingest.xlsx)
        from ioc.ingest.xlsx import parse_xlsx

        return parse_xlsx(data, source, schemes=schemes, limit=limit)
    raise InvalidInput(_("Unknown format '%(fmt)s'; use json, csv or adx") % {"fmt": fmt}, field="format")

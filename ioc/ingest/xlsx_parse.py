"""The parser of uploaded workbooks (parse_xlsx): from the file to the sheets and their layouts.

Each visible sheet is read in its layout: the wide one when the code row is found ("orgUnit" in column A),
the long one when a header row names DHIS2 CSV's columns (Vietnamese aliases such as "Mã chỉ tiêu",
"Kỳ báo cáo", "Mã đơn vị", "Giá trị" too); the hidden sheet of our template, when present, tells which
columns and period to expect. The rows' source is "file › sheet", and locate() splits an importer's
conflict back into workbook, sheet and cell.

Refused with a FileError or a RowIssue: a file that is not an XLSX (an OLE container is a
password-protected or old .xls file), a corrupt zip, parts that unpack to more than the limit (zip bombs;
checked before openpyxl opens the file), formulas in value cells, merged cells in the header or data,
missing/unknown/duplicate code columns, values in a column without a code, a period cell that does not
parse, dates and percentage-formatted numbers in value cells, and numbers typed as text with Vietnamese
separators ("1.234,5": type plain digits, 1234.5).

Read with openpyxl in read-only mode (streaming; the merged ranges are read from the sheet's XML) and
data_only=False, so formulas are seen as formulas.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from django.utils.translation import gettext as _

from ioc.core.errors import IocError
from ioc.ingest.rows import FileError, IdSchemes, ParseResult, read_limited
from ioc.ingest.xlsx_cells import Sheet, norm
from ioc.ingest.xlsx_checks import log, max_uncompressed, merged_ranges, open_archive, unreadable
from ioc.ingest.xlsx_format import SHEET_HELP, SHEET_META, TEMPLATE_FORMAT, UNIT_CODE, TemplateMeta
from ioc.ingest.xlsx_layouts import LONG_ALIASES, LONG_COLUMNS, parse_long, parse_wide

# Header rows are looked for in the first rows of each sheet.
HEADER_SCAN_ROWS = 30


def parse_xlsx(
    data: bytes | IO[bytes],
    source: str = "data.xlsx",
    *,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
    uncompressed_limit: int | None = None,
) -> ParseResult:
    """Parse an uploaded workbook (our template's wide layout, or long sheets with DHIS2 CSV's columns).
    FileError when the file cannot be used at all; RowIssues for cells that cannot."""
    raw = read_limited(data, source, limit)
    archive = open_archive(raw, source, max_uncompressed() if uncompressed_limit is None else uncompressed_limit)
    try:
        return _parse_workbook(raw, archive, source, schemes)
    except IocError:
        raise
    except Exception as exc:  # a corrupt part found while streaming: never a stack trace for the user
        log.info("unreadable xlsx %s: %r", source, exc)
        raise FileError(
            _(
                "%(file)s: the workbook is damaged and cannot be read (%(why)s); open it in Excel, save it again as .xlsx"
            )
            % {"file": source, "why": type(exc).__name__},
            field="file",
        ) from None
    finally:
        archive.close()


def _parse_workbook(raw: bytes, archive: zipfile.ZipFile, source: str, schemes: IdSchemes | None) -> ParseResult:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
    except IocError:
        raise
    except Exception as exc:
        raise unreadable(source, exc) from None
    try:
        meta = _read_meta(wb)
        result = ParseResult()
        sheets_info: list[dict[str, Any]] = []
        result.header = {"format": "xlsx", "file": source, "sheets": sheets_info, "template": meta.values or None}
        for ws in wb.worksheets:
            if ws.sheet_state != "visible" or ws.title == SHEET_HELP:
                continue
            sheet = _open_sheet(ws, archive, source)
            if sheet is None:
                continue
            info = _parse_sheet(sheet, meta, result, schemes)
            sheets_info.append(info)
        if not sheets_info:
            raise FileError(
                _("%(file)s: the workbook is empty (no sheet holds any data)") % {"file": source}, field="file"
            )
        return result
    finally:
        wb.close()


def _read_meta(wb: Any) -> TemplateMeta:
    meta = TemplateMeta()
    if SHEET_META not in wb.sheetnames:
        return meta
    in_columns = False
    for row in wb[SHEET_META].iter_rows(values_only=True, max_col=4):
        if not row or row[0] is None:
            continue
        key = str(row[0]).strip()
        if in_columns:
            meta.columns[key] = str(row[3] or "") if len(row) > 3 else ""
        elif key == "columns":
            in_columns = True
        else:
            meta.values[key] = "" if len(row) < 2 or row[1] is None else str(row[1]).strip()
    if meta.values.get("format") != TEMPLATE_FORMAT:
        return TemplateMeta()
    return meta


def _open_sheet(ws: Any, archive: zipfile.ZipFile, source: str) -> Sheet | None:
    """The sheet with its first rows read (None when it holds nothing)."""
    rows = iter(ws.iter_rows())
    head: list[tuple[Any, ...]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    if not any(c.value is not None and str(c.value).strip() != "" for r in head for c in r):
        # Nothing in the first rows: look further before calling it empty.
        for row in rows:
            head.append(row)
            if any(c.value is not None and str(c.value).strip() != "" for c in row):
                break
        else:
            return None
    return Sheet(
        name=ws.title,
        source=f"{source} › {ws.title}",
        rows=rows,
        head=head,
        merges=merged_ranges(archive, getattr(ws, "_worksheet_path", None)),
    )


def _parse_sheet(sheet: Sheet, meta: TemplateMeta, result: ParseResult, schemes: IdSchemes | None) -> dict[str, Any]:
    for index, row in enumerate(sheet.head):
        names = [norm(c.value) for c in row]
        mapped = {LONG_ALIASES.get(n) for n in names if n}
        if {"dataelement", "orgunit", "value"} <= mapped or ("dataelement" in mapped and names[0] != norm(UNIT_CODE)):
            return parse_long(sheet, index + 1, names, result, schemes or IdSchemes())
        if names and names[0] == norm(UNIT_CODE):
            return parse_wide(sheet, index + 1, row, meta, result)
    raise FileError(
        _(
            "%(sheet)s: no header row found in the first %(n)s rows: expected the code row of the template "
            "(orgUnit in column A, the codes of the data elements beside it) or the columns %(columns)s"
        )
        % {"sheet": sheet.source, "n": HEADER_SCAN_ROWS, "columns": LONG_COLUMNS},
        field="header",
    )


def locate(header: dict[str, Any], conflict: dict[str, Any]) -> dict[str, Any]:
    """A conflict of an import of this workbook with its place split out: "file" (the workbook), "sheet" and
    "cell" ("Dữ liệu!D7": the wide layout's rows have one source per column) or "row"."""
    source = conflict.get("file")
    row = conflict.get("row")
    workbook = header.get("file")
    for sheet in header.get("sheets") or ():
        place = (sheet.get("places") or {}).get(source)
        if place is not None:
            cell = f"{place[0]}!{place[1]}{row}" if isinstance(row, int) and row > 0 else None
            return {**conflict, "file": workbook or source, "sheet": place[0], "cell": cell}
        if source == sheet.get("source"):
            return {**conflict, "file": workbook or source, "sheet": sheet.get("name")}
    return conflict

"""Checks of an uploaded workbook as a file, made before or beside openpyxl.

openpyxl would happily unpack a zip bomb, report an encrypted or .xls file as a cryptic zip error, and in
read-only mode does not expose merged ranges; so the zip container is checked first (magic bytes,
encryption, total unpacked size, .xlsb/.ods look-alikes), merged ranges are read from the sheet's XML, and
whatever openpyxl raises is turned into a FileError the user can act on.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _

from ioc.ingest.rows import FileError
from ioc.ingest.xlsx_format import column_index

if TYPE_CHECKING:
    from ioc.ingest.xlsx_cells import Sheet

log = logging.getLogger("ioc.ingest.xlsx")

# The parts of an uploaded workbook may unpack to at most this many bytes (settings override it).
DEFAULT_MAX_UNCOMPRESSED = 512 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"

_MERGE_REF = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?mergeCell\b[^>]*?\bref=\"([^\"]+)\"")
_SHEET_DATA_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?sheetData>")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def max_uncompressed() -> int:
    return int(getattr(settings, "IOC_INGEST_XLSX_MAX_UNCOMPRESSED", DEFAULT_MAX_UNCOMPRESSED))


def unreadable(source: str, exc: BaseException) -> FileError:
    """The FileError for a workbook openpyxl could not open; XML entity declarations (refused by defusedxml,
    which openpyxl uses) are named as such."""
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

    log.info("unreadable xlsx %s: %r", source, exc)
    chain: BaseException | None = exc
    while chain is not None:
        if isinstance(chain, DefusedXmlException):
            return FileError(
                _("%(file)s: the workbook's XML declares entities or a DTD (%(why)s), which is refused")
                % {"file": source, "why": type(chain).__name__},
                field="file",
            )
        chain = chain.__cause__ or chain.__context__
    return FileError(
        _("%(file)s: the workbook cannot be opened (%(why)s); open it in Excel and save it again as .xlsx")
        % {"file": source, "why": type(exc).__name__},
        field="file",
    )


def open_archive(raw: bytes, source: str, uncompressed_limit: int) -> zipfile.ZipFile:
    if raw.startswith(OLE_MAGIC):
        raise FileError(
            _(
                "%(file)s: this is a password-protected workbook or an old .xls file; open it in Excel and save it as "
                ".xlsx without a password"
            )
            % {"file": source},
            field="file",
        )
    if not raw.startswith(ZIP_MAGIC):
        raise FileError(
            _("%(file)s: not an Excel .xlsx file (an .xlsx file is a zip archive); save the sheet as .xlsx")
            % {"file": source},
            field="file",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise FileError(
            _("%(file)s: the .xlsx file is damaged (not a readable zip archive); save it again") % {"file": source},
            field="file",
        ) from None
    total = sum(info.file_size for info in infos)
    if total > uncompressed_limit:
        archive.close()
        raise FileError(
            _(
                "%(file)s: the workbook unpacks to %(size).1f MB, more than the limit of %(limit).1f MB; split it "
                "into smaller files"
            )
            % {"file": source, "size": total / 1024 / 1024, "limit": uncompressed_limit / 1024 / 1024},
            field="file",
        )
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        archive.close()
        raise FileError(
            _("%(file)s: the file is encrypted; save it as .xlsx without a password") % {"file": source}, field="file"
        )
    if "xl/workbook.bin" in names:
        archive.close()
        raise FileError(
            _("%(file)s: this is a binary workbook (.xlsb); save it as .xlsx") % {"file": source}, field="file"
        )
    if not any(name.startswith("xl/") for name in names) or "[Content_Types].xml" not in names:
        archive.close()
        kind = _("an OpenDocument file (.ods)") if "mimetype" in names else _("a zip archive")
        raise FileError(
            _("%(file)s: this is %(kind)s, not an Excel workbook; save the sheet as .xlsx")
            % {"file": source, "kind": kind},
            field="file",
        )
    return archive


def merged_ranges(archive: zipfile.ZipFile, part: str | None) -> list[tuple[int, int, int, int, str]]:
    """The merged ranges of a sheet, from its XML (read-only worksheets do not expose them). <mergeCells>
    comes after <sheetData>, so only the tail is searched."""
    if not part:
        return []
    try:
        xml = archive.read(part.lstrip("/"))
    except KeyError:
        return []
    end = _SHEET_DATA_END.search(xml)
    tail = xml[end.end() :] if end else xml
    found = []
    for match in _MERGE_REF.finditer(tail):
        ref = match.group(1).decode("ascii", "replace").replace("$", "")
        first, _sep, last = ref.partition(":")
        a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
        if a and b:
            found.append((int(a[2]), column_index(a[1]), int(b[2]), column_index(b[1]), ref))
    return found


def check_merges(sheet: Sheet, first_header_row: int, last_header_row: int) -> None:
    for min_row, _min_col, max_row, _max_col, ref in sheet.merges:
        if max_row < first_header_row:
            continue  # a title above the table
        where = _("the header rows") if min_row <= last_header_row else _("the data")
        raise FileError(
            _(
                "%(sheet)s: merged cells %(ref)s in %(where)s; unmerge them (every column needs its own header and cells)"
            )
            % {"sheet": sheet.source, "ref": f"{sheet.name}!{ref}", "where": where},
            field="header",
        )

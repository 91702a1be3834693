"""DHIS2 CSV: parse and export.

Header `dataelement,period,orgunit,catoptcombo,attroptcombo,value,strby,lstupd,cmt` (DHIS2's long names such
as categoryoptioncombo, storedby, lastupdated, comment and an optional followup column are accepted too), or
no header with the columns in that order (as DHIS2 does). UTF-8 with or without BOM, comma or semicolon
(sniffed from the first line), quoted fields. Positions are the file's line numbers (the line a record
starts on; the header is line 1). The first line is a header when it starts with a column name or names
dataelement.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import IO, Any

from django.utils.translation import gettext as _

from ioc.ingest.rows import (
    ExchangeValue,
    FileError,
    IdSchemes,
    ParseResult,
    RowBuilder,
    decode_utf8,
    read_limited,
    without_gc,
)

COLUMNS = ("dataelement", "period", "orgunit", "catoptcombo", "attroptcombo", "value", "strby", "lstupd", "cmt")
ALIASES = {
    **{c: c for c in COLUMNS},
    "categoryoptioncombo": "catoptcombo",
    "attributeoptioncombo": "attroptcombo",
    "storedby": "strby",
    "lastupdated": "lstupd",
    "comment": "cmt",
    "followup": "followup",
}
REQUIRED = ("dataelement", "period", "orgunit", "value")
# Without a header: at least up to the value, at most every column.
MIN_FIELDS, MAX_FIELDS = COLUMNS.index("value") + 1, len(COLUMNS)
_QUOTED = re.compile(r'"[^"]*"')


def sniff_delimiter(text: str) -> str:
    """';' when the first line has more semicolons than commas outside quotes, else ','."""
    first = _QUOTED.sub("", text.split("\n", 1)[0])
    return ";" if first.count(";") > first.count(",") else ","


@without_gc
def parse_csv(
    data: bytes | IO[bytes],
    source: str = "dataValues.csv",
    *,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
) -> ParseResult:
    text = decode_utf8(read_limited(data, source, limit), source)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    builder = RowBuilder(source, "row", schemes or IdSchemes())
    header: list[str] | None = None
    pick: Callable[[list[str | None]], tuple[Any, ...]] = _picker(list(COLUMNS))
    first = True
    previous_line = 0
    add = builder.add_fast
    try:
        for record in reader:
            line = previous_line + 1
            previous_line = reader.line_num
            if not "".join(record).strip():
                continue
            if first:
                first = False
                if _is_header(record):
                    header = _header(record, source)
                    pick = _picker(header)
                    builder.result.header = {"columns": header, "delimiter": delimiter}
                    continue
                builder.result.header = {"columns": None, "delimiter": delimiter}
            n = len(record)
            if (n != len(header)) if header is not None else not MIN_FIELDS <= n <= MAX_FIELDS:
                _bad_width(builder, line, n, header)
                continue
            padded: list[str | None] = list(record)
            if header is None:
                padded.extend([None] * (MAX_FIELDS - n))
            padded.append(None)
            add(line, *pick(padded))
    except csv.Error as exc:
        raise FileError(
            _("%(file)s: malformed CSV at line %(line)s: %(why)s")
            % {"file": source, "line": reader.line_num, "why": exc},
            field="file",
        ) from None
    return builder.result


# The cells RowBuilder.add_fast takes, in its order (None: not a CSV column).
_FIELDS = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "cmt",
    "followup",
    None,
    "strby",
    "lstupd",
)


def _picker(columns: list[str]) -> Callable[[list[str | None]], tuple[Any, ...]]:
    """Picks RowBuilder.add_fast's arguments out of a record padded with one None (absent columns read it)."""
    absent = len(columns)
    return itemgetter(*[columns.index(f) if f in columns else absent for f in _FIELDS])


def _is_header(record: list[str]) -> bool:
    """A header starts with a known column name or names dataelement somewhere."""
    names = [cell.strip().lower() for cell in record]
    return names[0] in ALIASES or "dataelement" in names


def _header(record: list[str], source: str) -> list[str]:
    names: list[str] = []
    for position, cell in enumerate(record, start=1):
        name = ALIASES.get(cell.strip().lower())
        if name is None:
            raise FileError(
                _("%(file)s: extra column '%(name)s' (column %(n)s); the columns are %(columns)s")
                % {"file": source, "name": cell, "n": position, "columns": ",".join(COLUMNS)},
                field="header",
            )
        if name in names:
            raise FileError(
                _("%(file)s: column '%(name)s' appears twice") % {"file": source, "name": cell}, field="header"
            )
        names.append(name)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise FileError(
            _("%(file)s: missing column(s) %(missing)s; the columns are %(columns)s")
            % {"file": source, "missing": ", ".join(missing), "columns": ",".join(COLUMNS)},
            field="header",
        )
    return names


def _bad_width(builder: RowBuilder, line: int, n: int, header: list[str] | None) -> None:
    if header is not None:
        which = _("extra columns") if n > len(header) else _("missing columns")
        builder.issue(
            line,
            None,
            n,
            _("%(which)s: %(n)s fields, the header has %(m)s") % {"which": which, "n": n, "m": len(header)},
        )
        return
    which = _("extra columns") if n > MAX_FIELDS else _("missing columns")
    builder.issue(
        line,
        None,
        n,
        _("%(which)s: %(n)s fields; without a header a row has %(min)s to %(max)s (%(columns)s)")
        % {"which": which, "n": n, "min": MIN_FIELDS, "max": MAX_FIELDS, "columns": ",".join(COLUMNS)},
    )


def export_csv(values: Iterable[ExchangeValue], *, delimiter: str = ",", bom: bool = False) -> bytes:
    """CSV with DHIS2's header, UTF-8 (with a BOM when asked, for Excel)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    for v in values:
        writer.writerow(
            [
                v.data_element,
                v.period,
                v.org_unit,
                v.category_option_combo or "",
                v.attribute_option_combo or "",
                v.value if v.value is not None else "",
                "",
                "",
                v.comment if v.comment is not None else "",
            ]
        )
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")

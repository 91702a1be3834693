"""What the exchange-format parsers produce, and the checks on a file before it is parsed.

A parser turns a file into a ParseResult: ParsedRows (one value each, with the file and the position it came
from: a CSV row, a JSON dataValues index or an ADX line, all 1-based) and RowIssues (a row that cannot be
used: its position, field, value and why). A file that cannot be read at all (too large, empty, wrong
encoding, malformed JSON/XML, missing columns) raises FileError naming the file and the line/column or byte.
ParsedRow.to_value_row() gives the ValueRow of the batch write path (ioc.datavalues.batch.do_set_values).
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, ParamSpec, TypeVar

from django.conf import settings
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period
from ioc.datavalues.checker import ValueRow

P = ParamSpec("P")
T = TypeVar("T")

# Files larger than this are refused before being read; settings.IOC_INGEST_MAX_BYTES overrides it.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
ID_SCHEMES = ("uid", "code", "name")
BOM = b"\xef\xbb\xbf"


class FileError(InvalidInput):
    """The whole file is refused (nothing in it can be used)."""


class TooLarge(FileError):
    """The file is larger than the limit (max_bytes)."""

    status = 413


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a million small tuples are built: it would walk all of them
    again and again (twice the time of a parse); reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(fn: Callable[P, T]) -> Callable[P, T]:
    """Run `fn` with the cyclic garbage collector paused (gc_paused)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper


def max_bytes() -> int:
    return int(getattr(settings, "IOC_INGEST_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class IdSchemes:
    """Which identifier each reference uses: uid, code or name (DHIS2's idScheme, dataElementIdScheme,
    orgUnitIdScheme; the general one applies where no specific one is given). The write path resolves them;
    today it resolves uid and code (both are tried), not name."""

    data_element: str = "uid"
    org_unit: str = "uid"
    category_option_combo: str = "uid"
    data_set: str = "uid"

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> IdSchemes:
        """From request options / a file header: idScheme, dataElementIdScheme, orgUnitIdScheme,
        categoryOptionComboIdScheme, dataSetIdScheme (case-insensitive values)."""
        options = options or {}
        general = _scheme(options, "idScheme", "uid")
        return cls(
            data_element=_scheme(options, "dataElementIdScheme", general),
            org_unit=_scheme(options, "orgUnitIdScheme", general),
            category_option_combo=_scheme(options, "categoryOptionComboIdScheme", general),
            data_set=_scheme(options, "dataSetIdScheme", general),
        )

    def merged(self, options: Mapping[str, Any]) -> IdSchemes:
        """These schemes, overridden by the ones named in `options` (e.g. a JSON file's header)."""
        if not any(k.endswith("dScheme") for k in options):
            return self
        base = {
            "dataElementIdScheme": self.data_element,
            "orgUnitIdScheme": self.org_unit,
            "categoryOptionComboIdScheme": self.category_option_combo,
            "dataSetIdScheme": self.data_set,
        }
        if "idScheme" in options:
            base = {}
        return IdSchemes.from_options({**base, **options})


def _scheme(options: Mapping[str, Any], key: str, default: str) -> str:
    raw = options.get(key)
    if raw is None or raw == "":
        return default
    value = str(raw).strip().lower()
    if value not in ID_SCHEMES:
        raise InvalidInput(
            _("%(option)s must be uid, code or name, not '%(value)s'") % {"option": key, "value": raw}, field=key
        )
    return value


@dataclass(frozen=True)
class ExchangeValue:
    """One value as the exchange formats carry it: references as given, period as a DHIS2 id."""

    data_element: str
    period: str
    org_unit: str
    category_option_combo: str | None = None
    value: str | None = None
    comment: str | None = None
    follow_up: bool | None = None
    attribute_option_combo: str | None = None


@dataclass(frozen=True)
class ParsedRow:
    data: ExchangeValue
    source: str
    kind: str  # "row" (CSV), "value" (JSON dataValues index), "line" (ADX)
    position: int
    schemes: IdSchemes = IdSchemes()
    data_set: str | None = None
    stored_by: str | None = None
    last_updated: str | None = None
    # ADX: the disaggregation as (category code, option code) pairs, until map_disaggregations sets the COC.
    disaggregation: tuple[tuple[str, str], ...] = ()
    # ADX: the group's attribute-category disaggregation (not mapped to an attribute option combo yet).
    attribute_disaggregation: tuple[tuple[str, str], ...] = ()

    @property
    def where(self) -> str:
        return _("%(file)s, %(kind)s %(n)s") % {"file": self.source, "kind": _(self.kind), "n": self.position}

    def to_value_row(self) -> ValueRow:
        d = self.data
        return ValueRow(
            data_element=d.data_element,
            org_unit=d.org_unit,
            period=d.period,
            value=d.value,
            category_option_combo=d.category_option_combo,
            comment=d.comment,
            follow_up=d.follow_up,
        )


@dataclass(frozen=True)
class RowIssue:
    source: str
    kind: str
    position: int
    field: str | None
    value: object
    message: str

    @property
    def where(self) -> str:
        return _("%(file)s, %(kind)s %(n)s") % {"file": self.source, "kind": _(self.kind), "n": self.position}

    def as_dict(self) -> dict[str, Any]:
        value = (
            self.value if self.value is None or isinstance(self.value, str | int | float | bool) else str(self.value)
        )
        return {
            "file": self.source,
            # the position under its kind: "row" (CSV), "line" (ADX), "index" (a JSON dataValues index)
            "index" if self.kind == "value" else self.kind: self.position,
            "field": self.field,
            "value": value,
            "message": f"{self.where}, {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}",
        }


# A parsed row as the parsers store it: a plain tuple (cheap to build a million of), in this order. The
# first eight are ExchangeValue's fields, the rest ParsedRow's: ParseResult.rows builds the objects from
# them on demand, the importer (ioc.ingest.importer) reads the tuples directly.
Record = tuple[Any, ...]
R_ELEMENT, R_PERIOD, R_UNIT, R_COC, R_VALUE, R_COMMENT, R_FOLLOW_UP, R_AOC = range(8)
R_SOURCE, R_KIND, R_POSITION, R_SCHEMES, R_DATA_SET, R_STORED_BY, R_LAST_UPDATED, R_DISAGG, R_ATTR_DISAGG = range(8, 17)


def record_of(row: ParsedRow) -> Record:
    d = row.data
    return (
        d.data_element,
        d.period,
        d.org_unit,
        d.category_option_combo,
        d.value,
        d.comment,
        d.follow_up,
        d.attribute_option_combo,
        row.source,
        row.kind,
        row.position,
        row.schemes,
        row.data_set,
        row.stored_by,
        row.last_updated,
        row.disaggregation,
        row.attribute_disaggregation,
    )


def row_of(record: Record) -> ParsedRow:
    return ParsedRow(ExchangeValue(*record[:8]), *record[8:])


class ParseResult:
    """The rows and issues of a file. `records` holds the rows as tuples (see Record); `rows` gives them as
    ParsedRow objects (built on each access: for tests and small files; append rows with RowBuilder)."""

    def __init__(
        self,
        rows: list[ParsedRow] | None = None,
        issues: list[RowIssue] | None = None,
        header: dict[str, Any] | None = None,
        *,
        records: list[Record] | None = None,
    ) -> None:
        self.records: list[Record] = records if records is not None else [record_of(r) for r in rows or ()]
        self.issues: list[RowIssue] = issues if issues is not None else []
        self.header: dict[str, Any] = header if header is not None else {}

    @property
    def rows(self) -> list[ParsedRow]:
        return [row_of(r) for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    def __repr__(self) -> str:
        return f"<ParseResult {len(self.records)} rows, {len(self.issues)} issues>"

    @property
    def ok(self) -> bool:
        return not self.issues

    def raise_for_issues(self) -> None:
        """InvalidInput listing every bad row (file, position, field, value, why)."""
        if self.issues:
            first = self.issues[0].as_dict()
            raise InvalidInput(
                _("%(n)s row(s) refused; %(first)s") % {"n": len(self.issues), "first": first["message"]},
                errors=[i.as_dict() for i in self.issues],
            )


def read_limited(data: bytes | IO[bytes], source: str, limit: int | None = None) -> bytes:
    """The file's bytes; FileError when it is larger than the limit (a stream is read no further than
    limit + 1 bytes) or empty."""
    limit = max_bytes() if limit is None else limit
    size = getattr(data, "size", None)
    if isinstance(size, int) and size > limit:
        raise too_large(source, limit)
    raw = data if isinstance(data, bytes) else data.read(limit + 1)
    if len(raw) > limit:
        raise too_large(source, limit)
    if not raw.removeprefix(BOM).strip():
        raise FileError(_("%(file)s: empty file") % {"file": source}, field="file")
    return raw


def too_large(source: str, limit: int) -> TooLarge:
    return TooLarge(
        _("%(file)s: the file is larger than the limit of %(mb).1f MB") % {"file": source, "mb": limit / 1024 / 1024},
        field="file",
    )


def decode_utf8(raw: bytes, source: str) -> str:
    """UTF-8 with or without a BOM; FileError naming the byte offset of the first bad byte."""
    body = raw.removeprefix(BOM)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + (len(raw) - len(body))
        raise FileError(
            _("%(file)s: not UTF-8 text (invalid byte 0x%(byte)02X at byte offset %(offset)s); save it as UTF-8")
            % {"file": source, "byte": raw[offset], "offset": offset},
            field="file",
        ) from None


def check_period(text: str | None) -> str:
    """The DHIS2 id of a period given as an id or an ADX interval; InvalidInput otherwise."""
    if text is None or not str(text).strip():
        raise InvalidInput(_("period is missing"), field="period")
    return parse_period(str(text)).id


def clean(text: object) -> str | None:
    """A reference or text cell: None when absent or blank."""
    if text is None:
        return None
    value = str(text).strip()
    return value or None


def text_or_none(text: object) -> str | None:
    """A value or comment, kept as given (spaces included); None when absent or empty."""
    if text is None:
        return None
    value = str(text)
    return value if value != "" else None


def parse_follow_up(raw: object) -> bool | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise InvalidInput(_("followup must be true or false, not '%(value)s'") % {"value": raw}, field="followup")


_NO_PERIOD = object()


class RowBuilder:
    """Collects the rows and issues of one file. `add` checks each field it is given; the parsers' loops call
    it once per row, so it is written for speed (periods and follow-up flags parsed once per distinct text)."""

    def __init__(self, source: str, kind: str, schemes: IdSchemes, result: ParseResult | None = None) -> None:
        self.source = source
        self.kind = kind
        self.schemes = schemes
        self.result = result if result is not None else ParseResult()
        self._periods: dict[object, str | InvalidInput] = {}
        self._follow_ups: dict[object, bool | InvalidInput | None] = {None: None, "": None}

    def issue(self, position: int, fieldname: str | None, value: object, message: str) -> None:
        self.result.issues.append(RowIssue(self.source, self.kind, position, fieldname, value, message))

    def _period(self, period: object) -> str | InvalidInput:
        try:
            return self._periods[period]
        except (KeyError, TypeError):
            pass
        try:
            parsed: str | InvalidInput = check_period(None if period is None else str(period))
        except InvalidInput as exc:
            parsed = exc
        with contextlib.suppress(TypeError):
            self._periods[period] = parsed
        return parsed

    def _follow_up(self, raw: object) -> bool | InvalidInput | None:
        try:
            return self._follow_ups[raw]
        except (KeyError, TypeError):
            pass
        try:
            parsed: bool | InvalidInput | None = parse_follow_up(raw)
        except InvalidInput as exc:
            parsed = exc
        if isinstance(raw, str) and len(self._follow_ups) < 64:
            self._follow_ups[raw] = parsed
        return parsed

    def add(
        self,
        position: int,
        *,
        data_element: object,
        period: object,
        org_unit: object,
        category_option_combo: object = None,
        attribute_option_combo: object = None,
        value: object = None,
        comment: object = None,
        follow_up: object = None,
        data_set: str | None = None,
        stored_by: object = None,
        last_updated: object = None,
        disaggregation: tuple[tuple[str, str], ...] = (),
        attribute_disaggregation: tuple[tuple[str, str], ...] = (),
        schemes: IdSchemes | None = None,
    ) -> None:
        """Add the row, or an issue for each field that is missing or does not parse."""
        self.add_fast(
            position,
            data_element,
            period,
            org_unit,
            category_option_combo,
            attribute_option_combo,
            value,
            comment,
            follow_up,
            data_set,
            stored_by,
            last_updated,
            disaggregation,
            attribute_disaggregation,
            schemes,
        )

    def add_fast(
        self,
        position: int,
        data_element: object,
        period: object,
        org_unit: object,
        category_option_combo: object = None,
        attribute_option_combo: object = None,
        value: object = None,
        comment: object = None,
        follow_up: object = None,
        data_set: object = None,
        stored_by: object = None,
        last_updated: object = None,
        disaggregation: tuple[tuple[str, str], ...] = (),
        attribute_disaggregation: tuple[tuple[str, str], ...] = (),
        schemes: IdSchemes | None = None,
    ) -> None:
        """add() with positional arguments (the parsers' hot loop)."""
        de = data_element.strip() if type(data_element) is str else clean(data_element)
        ou = org_unit.strip() if type(org_unit) is str else clean(org_unit)
        period_id = self._period(period)
        follow = follow_up if follow_up is None or type(follow_up) is bool else self._follow_up(follow_up)
        if not de or not ou or type(period_id) is not str or isinstance(follow, InvalidInput):
            bad = False
            if not de:
                self.issue(position, "dataElement", None, _("%(field)s is missing") % {"field": "dataElement"})
                bad = True
            if not ou:
                self.issue(position, "orgUnit", None, _("%(field)s is missing") % {"field": "orgUnit"})
                bad = True
            if isinstance(period_id, InvalidInput):
                self.issue(position, "period", period, period_id.message)
                bad = True
            if isinstance(follow, InvalidInput):
                self.issue(position, "followup", follow_up, follow.message)
                bad = True
            if bad:
                return
        if type(category_option_combo) is str:
            category_option_combo = category_option_combo.strip() or None
        elif category_option_combo is not None:
            category_option_combo = clean(category_option_combo)
        if type(value) is not str:
            value = None if value is None else str(value)
        if not value:
            value = None
        if type(comment) is not str:
            comment = None if comment is None else str(comment)
        if not comment:
            comment = None
        self.result.records.append(
            (
                de,
                period_id,
                ou,
                category_option_combo,
                value,
                comment,
                follow,
                clean(attribute_option_combo) if attribute_option_combo else None,
                self.source,
                self.kind,
                position,
                schemes or self.schemes,
                clean(data_set) if data_set else None,
                clean(stored_by) if stored_by else None,
                clean(last_updated) if last_updated else None,
                disaggregation,
                attribute_disaggregation,
            )
        )

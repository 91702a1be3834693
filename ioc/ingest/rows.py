"""What the exchange-format parsers produce, and the checks on a file before it is parsed.

A parser turns a file into a ParseResult: ParsedRows (one value each, with the file and the position it came
from: a CSV row, a JSON dataValues index or an ADX line, all 1-based) and RowIssues (a row that cannot be
used: its position, field, value and why). A file that cannot be read at all (too large, empty, wrong
encoding, malformed JSON/XML, missing columns) raises FileError naming the file and the line/column or byte.
ParsedRow.to_value_row() gives the ValueRow of the batch write path (ioc.datavalues.batch.do_set_values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period
from ioc.datavalues.checker import ValueRow

# Files larger than this are refused before being read; settings.IOC_INGEST_MAX_BYTES overrides it.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
ID_SCHEMES = ("uid", "code", "name")
BOM = b"\xef\xbb\xbf"


class FileError(InvalidInput):
    """The whole file is refused (nothing in it can be used)."""


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
            self.kind: self.position,
            "field": self.field,
            "value": value,
            "message": f"{self.where}, {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}",
        }


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)

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
        raise _too_large(source, limit)
    raw = data if isinstance(data, bytes) else data.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(source, limit)
    if not raw.removeprefix(BOM).strip():
        raise FileError(_("%(file)s: empty file") % {"file": source}, field="file")
    return raw


def _too_large(source: str, limit: int) -> FileError:
    return FileError(
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


@dataclass
class RowBuilder:
    """Collects the rows and issues of one file."""

    source: str
    kind: str
    schemes: IdSchemes
    result: ParseResult = field(default_factory=ParseResult)

    def issue(self, position: int, fieldname: str | None, value: object, message: str) -> None:
        self.result.issues.append(RowIssue(self.source, self.kind, position, fieldname, value, message))

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
        bad = False
        refs = {"dataElement": clean(data_element), "orgUnit": clean(org_unit)}
        for name, ref in refs.items():
            if ref is None:
                self.issue(position, name, None, _("%(field)s is missing") % {"field": name})
                bad = True
        period_id = ""
        try:
            period_id = check_period(None if period is None else str(period))
        except InvalidInput as exc:
            self.issue(position, "period", period, exc.message)
            bad = True
        follow = None
        try:
            follow = parse_follow_up(follow_up)
        except InvalidInput as exc:
            self.issue(position, "followup", follow_up, exc.message)
            bad = True
        if bad:
            return
        self.result.rows.append(
            ParsedRow(
                data=ExchangeValue(
                    data_element=refs["dataElement"] or "",
                    period=period_id,
                    org_unit=refs["orgUnit"] or "",
                    category_option_combo=clean(category_option_combo),
                    value=text_or_none(value),
                    comment=text_or_none(comment),
                    follow_up=follow,
                    attribute_option_combo=clean(attribute_option_combo),
                ),
                source=self.source,
                kind=self.kind,
                position=position,
                schemes=schemes or self.schemes,
                data_set=clean(data_set),
                stored_by=clean(stored_by),
                last_updated=clean(last_updated),
                disaggregation=disaggregation,
                attribute_disaggregation=attribute_disaggregation,
            )
        )

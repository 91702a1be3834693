"""ADX (application/adx+xml, namespace urn:ihe:qrph:adx:2015): parse, map disaggregations, export.

<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet=".." period="2025-01-01/P1M" orgUnit="..">
<dataValue dataElement=".." SEX="F" value="1"><annotation>comment</annotation></dataValue></group></adx>

Disaggregations are attributes named by category code whose values are category option codes; the parser
keeps them as they are (ParsedRow.disaggregation) and map_disaggregations, given the metadata (pure), sets
each row's category option combo. XML is parsed with defusedxml with DTDs forbidden: a document with a
DOCTYPE, entity declarations (billion laughs) or external entities is refused, never expanded. Positions are
the line of each <dataValue>.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree as ET  # writing only; reading goes through defusedxml
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces
from xml.sax.xmlreader import AttributesNSImpl, InputSource, Locator

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.expatreader import create_parser  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period
from ioc.ingest.rows import (
    R_COC,
    R_DISAGG,
    R_ELEMENT,
    R_KIND,
    R_POSITION,
    R_SOURCE,
    ExchangeValue,
    FileError,
    IdSchemes,
    ParseResult,
    Record,
    RowBuilder,
    RowIssue,
    read_limited,
    without_gc,
)

ADX_NS = "urn:ihe:qrph:adx:2015"
GROUP_KEYS = ("dataSet", "period", "orgUnit", "completeDate")
VALUE_KEYS = ("dataElement", "value")


class _Handler(ContentHandler):
    def __init__(self, builder: RowBuilder) -> None:
        super().__init__()
        self.builder = builder
        self.depth = 0
        self.group: dict[str, str] | None = None
        self.group_attrs: tuple[tuple[str, str], ...] = ()
        self.value: dict[str, str] | None = None
        self.value_line = 0
        self.annotation: list[str] | None = None
        self.comment: str | None = None
        self.locator: Locator | None = None

    def setDocumentLocator(self, locator: Locator) -> None:  # noqa: N802 (SAX API)
        self.locator = locator

    def _line(self) -> int:
        return int(self.locator.getLineNumber() or 0) if self.locator is not None else 0

    def startElementNS(  # noqa: N802 (SAX API)
        self, name: tuple[str | None, str], qname: str | None, attrs: AttributesNSImpl
    ) -> None:
        uri, local = name
        self.depth += 1
        plain = {key[1]: value for key, value in attrs.items() if key[0] is None}
        if self.depth == 1:
            if (uri, local) != (ADX_NS, "adx"):
                raise FileError(
                    _("%(file)s: not an ADX document (root element must be adx in namespace %(ns)s)")
                    % {"file": self.builder.source, "ns": ADX_NS},
                    field="file",
                )
            return
        if uri != ADX_NS:
            return
        if local == "group":
            self.group = plain
            self.group_attrs = tuple(sorted((k, v) for k, v in plain.items() if k not in GROUP_KEYS))
        elif local == "dataValue":
            self.value = plain
            self.value_line = self._line()
            self.comment = None
            if self.group is None:
                self.builder.issue(self.value_line, None, None, _("dataValue outside a group"))
                self.value = None
        elif local == "annotation" and self.value is not None:
            self.annotation = []

    def characters(self, content: str) -> None:
        if self.annotation is not None:
            self.annotation.append(content)

    def endElementNS(  # noqa: N802 (SAX API)
        self, name: tuple[str | None, str], qname: str | None
    ) -> None:
        self.depth -= 1
        uri, local = name
        if uri != ADX_NS:
            return
        if local == "annotation" and self.annotation is not None:
            self.comment = "".join(self.annotation)
            self.annotation = None
        elif local == "dataValue" and self.value is not None and self.group is not None:
            v, g = self.value, self.group
            self.builder.add(
                self.value_line,
                data_element=v.get("dataElement"),
                period=g.get("period"),
                org_unit=g.get("orgUnit"),
                value=v.get("value"),
                comment=self.comment,
                data_set=g.get("dataSet"),
                disaggregation=tuple(sorted((k, x) for k, x in v.items() if k not in VALUE_KEYS)),
                attribute_disaggregation=self.group_attrs,
            )
            self.value = None
        elif local == "group":
            self.group = None


@without_gc
def parse_adx(
    data: bytes | IO[bytes],
    source: str = "dataValues.adx.xml",
    *,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
) -> ParseResult:
    raw = read_limited(data, source, limit)
    builder = RowBuilder(source, "line", schemes or IdSchemes())
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(_Handler(builder))
    stream = InputSource(source)
    stream.setByteStream(io.BytesIO(raw))
    try:
        parser.parse(stream)
    except SAXParseException as exc:
        raise FileError(
            _("%(file)s: malformed XML at line %(line)s, column %(column)s: %(why)s")
            % {
                "file": source,
                "line": exc.getLineNumber(),
                "column": (exc.getColumnNumber() or 0) + 1,
                "why": exc.getMessage(),
            },
            field="file",
        ) from None
    except DefusedXmlException as exc:
        raise FileError(
            _(
                "%(file)s: refused: the document declares a DTD or entities (%(why)s); ADX needs neither, and "
                "they can be used for entity-expansion or external-entity attacks"
            )
            % {"file": source, "why": type(exc).__name__},
            field="file",
        ) from None
    return builder.result


@dataclass(frozen=True)
class ComboCell:
    """One category option combo of an element's category combo and its options as
    (category code, option code) pairs (none for the default combo)."""

    coc: str
    options: frozenset[tuple[str, str]]


def map_disaggregations(result: ParseResult, combos: Mapping[str, Sequence[ComboCell]]) -> ParseResult:
    """Set each ADX row's category option combo from its category-code attributes, given the cells of each
    element's category combo (keyed by the element reference used in the file). A row whose attributes
    match no cell, or whose element is unknown while it has attributes, becomes an issue."""
    records: list[Record] = []
    issues = list(result.issues)
    for record in result.records:
        element, coc, disaggregation = record[R_ELEMENT], record[R_COC], record[R_DISAGG]
        if coc is not None or not (disaggregation or element in combos):
            records.append(record)
            continue
        wanted = frozenset(disaggregation)
        cells = combos.get(element)
        source, kind, position = record[R_SOURCE], record[R_KIND], record[R_POSITION]
        if cells is None:
            issues.append(
                RowIssue(
                    source,
                    kind,
                    position,
                    "dataElement",
                    element,
                    _("unknown data element; its disaggregation cannot be mapped"),
                )
            )
            continue
        match = next((c for c in cells if c.options == wanted), None)
        if match is None:
            categories = sorted({cat for c in cells for cat, _opt in c.options})
            given = " ".join(f'{k}="{v}"' for k, v in disaggregation) or _("none")
            issues.append(
                RowIssue(
                    source,
                    kind,
                    position,
                    "disaggregation",
                    given,
                    _("no category option combo of %(element)s matches %(given)s; its categories are %(cats)s")
                    % {"element": element, "given": given, "cats": ", ".join(categories) or _("none")},
                )
            )
            continue
        records.append((*record[:R_COC], match.coc, *record[R_COC + 1 :]))
    return ParseResult(records=records, issues=sorted(issues, key=lambda i: i.position), header=result.header)


def export_adx(
    values: Iterable[ExchangeValue],
    disaggregations: Mapping[str, Mapping[str, str]],
    *,
    data_set: str | None = None,
) -> bytes:
    """ADX, one group per (period, org unit) in order of first appearance; periods as ISO intervals;
    `disaggregations` maps a category option combo to its {category code: option code} (the default combo,
    or a combo absent with no categories, gets no attributes)."""
    ET.register_namespace("", ADX_NS)
    root = ET.Element(f"{{{ADX_NS}}}adx")
    groups: dict[tuple[str, str], ET.Element] = {}
    for v in values:
        key = (v.period, v.org_unit)
        group = groups.get(key)
        if group is None:
            attrs = {"period": parse_period(v.period).iso, "orgUnit": v.org_unit}
            if data_set:
                attrs = {"dataSet": data_set, **attrs}
            group = groups[key] = ET.SubElement(root, f"{{{ADX_NS}}}group", attrs)
        attrs = {"dataElement": v.data_element}
        coc = v.category_option_combo
        if coc is not None and coc != "default":
            if coc not in disaggregations:
                raise InvalidInput(
                    _("No disaggregation known for category option combo '%(coc)s'") % {"coc": coc},
                    field="categoryOptionCombo",
                )
            attrs.update(disaggregations[coc])
        if v.value is not None:
            attrs["value"] = v.value
        element = ET.SubElement(group, f"{{{ADX_NS}}}dataValue", attrs)
        if v.comment is not None:
            ET.SubElement(element, f"{{{ADX_NS}}}annotation").text = v.comment
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

"""DHIS2 JSON dataValueSets: parse and export.

{"dataSet", "period", "orgUnit", "completeDate", "attributeOptionCombo" (all optional), "idScheme" …,
 "dataValues": [{"dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value",
 "comment", "followup"}]} — a value's own period/orgUnit/attributeOptionCombo win over the header's.
Positions are 1-based indexes in dataValues.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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

HEADER_KEYS = ("dataSet", "period", "orgUnit", "completeDate", "attributeOptionCombo")
SCHEME_KEYS = ("idScheme", "dataElementIdScheme", "orgUnitIdScheme", "categoryOptionComboIdScheme", "dataSetIdScheme")


def _scalar(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


@without_gc
def parse_json(
    data: bytes | IO[bytes],
    source: str = "dataValueSets.json",
    *,
    schemes: IdSchemes | None = None,
    limit: int | None = None,
) -> ParseResult:
    text = decode_utf8(read_limited(data, source, limit), source)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(
            _("%(file)s: malformed JSON at line %(line)s, column %(column)s: %(why)s")
            % {"file": source, "line": exc.lineno, "column": exc.colno, "why": exc.msg},
            field="file",
        ) from None
    except RecursionError:
        raise FileError(_("%(file)s: JSON nested too deeply") % {"file": source}, field="file") from None
    if not isinstance(doc, dict):
        raise FileError(
            _("%(file)s: expected a JSON object with dataValues, got %(type)s")
            % {"file": source, "type": type(doc).__name__},
            field="file",
        )
    values = doc.get("dataValues", [])
    if not isinstance(values, list):
        raise FileError(_("%(file)s: dataValues must be a list") % {"file": source}, field="dataValues")
    schemes = (schemes or IdSchemes()).merged({k: doc[k] for k in SCHEME_KEYS if k in doc})
    header = {k: doc[k] for k in HEADER_KEYS if doc.get(k) not in (None, "")}
    for key, value in header.items():
        if not isinstance(value, str):
            raise FileError(_("%(file)s: %(field)s must be text") % {"file": source, "field": key}, field=key)
    builder = RowBuilder(source, "value", schemes)
    builder.result.header = header
    add = builder.add_fast
    h_period, h_unit, h_aoc, h_set = (header.get(k) for k in ("period", "orgUnit", "attributeOptionCombo", "dataSet"))
    for position, item in enumerate(values, start=1):
        if type(item) is not dict:
            builder.issue(position, None, item, _("each data value must be a JSON object"))
            continue
        get = item.get
        value = get("value")
        if type(value) is not str and value is not None:
            if isinstance(value, dict | list):
                builder.issue(position, "value", value, _("must be text, a number or true/false"))
                continue
            value = _scalar(value)
        if len(item) > 5 or not all(type(v) is str for v in item.values()):
            bad = [k for k, v in item.items() if isinstance(v, dict | list)]
            if bad:
                builder.issue(position, bad[0], item[bad[0]], _("must be text, a number or true/false"))
                continue
        follow_up = get("followup")
        if follow_up is None:
            follow_up = get("followUp")
        add(
            position,
            get("dataElement"),
            get("period") or h_period,
            get("orgUnit") or h_unit,
            get("categoryOptionCombo"),
            get("attributeOptionCombo") or h_aoc,
            value,
            get("comment"),
            follow_up,
            h_set,
            get("storedBy"),
            get("lastUpdated"),
        )
    return builder.result


def export_json(
    values: Iterable[ExchangeValue], *, header: Mapping[str, str] | None = None, indent: int | None = None
) -> bytes:
    """dataValueSets JSON (UTF-8, not ASCII-escaped); each value carries its period and orgUnit."""
    out: list[dict[str, Any]] = []
    for v in values:
        item: dict[str, Any] = {"dataElement": v.data_element, "period": v.period, "orgUnit": v.org_unit}
        if v.category_option_combo is not None:
            item["categoryOptionCombo"] = v.category_option_combo
        if v.attribute_option_combo is not None:
            item["attributeOptionCombo"] = v.attribute_option_combo
        if v.value is not None:
            item["value"] = v.value
        if v.comment is not None:
            item["comment"] = v.comment
        if v.follow_up is not None:
            item["followup"] = v.follow_up
        out.append(item)
    doc: dict[str, Any] = {**(header or {}), "dataValues": out}
    return json.dumps(doc, ensure_ascii=False, indent=indent).encode("utf-8")

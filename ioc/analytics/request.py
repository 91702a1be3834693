"""DHIS2-style analytics parameters → Query, and Result → DHIS2's response shape (and a table for files)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.utils.translation import gettext as _

from ioc.analytics.query import STRUCTURES, Query, Result, Structure
from ioc.core.errors import InvalidInput
from ioc.core.tables import Table

DIMENSIONS = ("dx", "pe", "ou", "co")
COLUMN_NAMES = {"dx": "Data", "pe": "Period", "ou": "Organisation unit", "co": "Category option combo"}


def parse_query(dimension: Sequence[str], filter: Sequence[str], structure: str | None) -> Query:
    """`dimension=dx:A;B`, `dimension=pe:LAST_12_MONTHS`, `dimension=ou:CODE;LEVEL-3`, `dimension=co`,
    `filter=pe:2025` … as in DHIS2's /api/analytics."""
    found: dict[str, list[str]] = {}
    filters: set[str] = set()
    co = False
    for raw, is_filter in [(d, False) for d in dimension] + [(f, True) for f in filter]:
        name, _sep, items = raw.partition(":")
        name = name.strip()
        if name not in DIMENSIONS:
            raise InvalidInput(
                _("Unknown dimension “%(name)s”: use dx, pe, ou or co.") % {"name": name[:30]},
                field="filter" if is_filter else "dimension",
            )
        if name == "co":
            if is_filter:
                raise InvalidInput(_("co cannot be a filter: leave it out to add the combos up."), field="filter")
            co = True
            continue
        if name in found:
            raise InvalidInput(_("The dimension %(name)s is given twice.") % {"name": name}, field="dimension")
        found[name] = [i for i in items.split(";") if i.strip()]
        if not found[name]:
            raise InvalidInput(_("The dimension %(name)s names no items.") % {"name": name}, field="dimension")
        if is_filter:
            filters.add(name)
    if "dx" not in found:
        raise InvalidInput(_("Name the data items: dimension=dx:CODE;CODE."), field="dimension")
    if "pe" not in found:
        raise InvalidInput(_("Name the periods: dimension=pe:2025;LAST_12_MONTHS."), field="dimension")
    mode = (structure or "AS_IT_WAS").upper()
    if mode not in STRUCTURES:
        raise InvalidInput(_("structure is AS_IT_WAS or TODAY."), field="structure")
    return Query(
        dx=tuple(found["dx"]),
        pe=tuple(found["pe"]),
        ou=tuple(found.get("ou", ["USER_ORGUNIT"])),
        filters=cast(Any, frozenset(filters)),
        co=co,
        structure=cast(Structure, mode),
    )


def dhis2_response(result: Result) -> dict[str, Any]:
    headers = [
        {"name": c, "column": COLUMN_NAMES[c], "valueType": "TEXT", "type": "java.lang.String", "meta": True}
        for c in result.columns
    ]
    headers.append(
        {"name": "value", "column": "Value", "valueType": "NUMBER", "type": "java.lang.Double", "meta": False}
    )
    items = {
        key: {"uid": item.uid, "code": item.code, "name": item.name, **item.extra} for key, item in result.items.items()
    }
    return {
        "headers": headers,
        "metaData": {"items": items, "dimensions": result.dimensions},
        "rows": [[*(str(v) for v in row[:-1]), _number(row[-1])] for row in result.rows],
        "height": len(result.rows),
        "width": len(headers),
        "generation": result.generation,
        "asOf": result.as_of.isoformat() if result.as_of else None,
    }


def _number(value: object) -> str:
    """DHIS2 sends values as text; whole numbers without ".0", others to 10 significant digits."""
    number = float(cast(float, value))
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.10g}"


def as_table(result: Result) -> Table:
    """The answer as a table with names beside ids (for CSV / XLSX)."""
    header: list[str] = []
    for column in result.columns:
        header += [_("%(dimension)s (id)") % {"dimension": _label(column)}, _label(column)]
    header.append(_("Value"))
    body: list[list[object]] = []
    for row in result.rows:
        line: list[object] = []
        for key in row[:-1]:
            item = result.items.get(str(key))
            line += [item.code if item else key, item.name if item else key]
        line.append(row[-1])
        body.append(line)
    return header, body


def _label(column: str) -> str:
    return {"dx": _("Data"), "pe": _("Period"), "ou": _("Unit"), "co": _("Disaggregation")}[column]

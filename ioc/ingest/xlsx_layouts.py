"""The two layouts of a sheet in an uploaded workbook, read into rows.

The wide layout is our template's (one row per unit, one column per data element × combo, keyed by the
code row under the headers); the long layout is a sheet whose header row names DHIS2 CSV's columns, for
people who keep their data in that shape. Positions are sheet rows (kind "row") and every issue names the
cell, so that a rejected upload can be fixed in Excel without guessing.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from ioc.ingest.rows import FileError, IdSchemes, ParseResult, RowBuilder
from ioc.ingest.xlsx_cells import Bad, Sheet, cell_ref, norm, period_value, read_value, rows_after, text_cell
from ioc.ingest.xlsx_checks import check_merges
from ioc.ingest.xlsx_format import PERIOD_CODE, TemplateMeta, column_letter

CODE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?$")

LONG_ALIASES: dict[str, str] = {}
for _name, _aliases in {
    "dataelement": ("dataelement", "de", "chỉtiêu", "mãchỉtiêu"),
    "period": ("period", "pe", "kỳ", "kỳbáocáo", "mãkỳ"),
    "orgunit": ("orgunit", "ou", "đơnvị", "mãđơnvị"),
    "catoptcombo": ("categoryoptioncombo", "catoptcombo", "coc", "nhóm", "mãnhóm", "phântổ", "mãphântổ"),
    "attroptcombo": ("attributeoptioncombo", "attroptcombo", "aoc"),
    "value": ("value", "giátrị", "sốliệu"),
    "cmt": ("comment", "cmt", "ghichú"),
    "strby": ("storedby", "strby", "ngườinhập"),
    "lstupd": ("lastupdated", "lstupd", "ngàycậpnhật"),
    "followup": ("followup", "theodõi"),
    # descriptive columns, read past
    "-": ("orgunitname", "tênđơnvị", "dataelementname", "tênchỉtiêu", "categoryoptioncomboname", "tênnhóm"),
}.items():
    for _alias in _aliases:
        LONG_ALIASES[_alias] = _name
LONG_REQUIRED = ("dataelement", "period", "orgunit", "value")
LONG_COLUMNS = "dataElement, period, orgUnit, categoryOptionCombo, value, comment"

# ---- the wide layout (our template) ---------------------------------------------------------------------


def _find_period_cell(sheet: Sheet, names_row: int) -> tuple[int, int, object] | None:
    """(row, column, value) of the first filled cell right of the period label, above the header."""
    for number, row in enumerate(sheet.head[: max(0, names_row - 1)], start=1):
        for index, cell in enumerate(row):
            if norm(cell.value).startswith(("kỳbáocáo", "period")):
                for later in range(index + 1, len(row)):
                    value = row[later].value
                    if value is not None and str(value).strip():
                        return number, later + 1, value
                return number, index + 2, None
    return None


def parse_wide(
    sheet: Sheet, codes_row: int, code_cells: tuple[Any, ...], meta: TemplateMeta, result: ParseResult
) -> dict[str, Any]:
    names_row = codes_row - 1 if codes_row > 1 else codes_row
    check_merges(sheet, names_row, codes_row)
    columns: list[tuple[int, str, str | None, bool]] = []  # (0-based index, element, coc, text column)
    period_index: int | None = None
    seen: dict[str, str] = {}
    for index, cell in enumerate(code_cells):
        if index < 2:
            continue
        code = text_cell(cell)
        ref = cell_ref(sheet, codes_row, index + 1)
        if code is None:
            continue
        if norm(code) == PERIOD_CODE:
            period_index = index
            continue
        if not CODE.match(code):
            raise FileError(
                _(
                    "%(sheet)s: cell %(cell)s: '%(code)s' is not a column code (ELEMENT or ELEMENT.COMBO); the code "
                    "row under the headers must hold the template's codes"
                )
                % {"sheet": sheet.source, "cell": ref, "code": code},
                field="header",
            )
        if code in seen:
            raise FileError(
                _("%(sheet)s: column code %(code)s appears twice (%(first)s and %(cell)s)")
                % {"sheet": sheet.source, "code": code, "first": seen[code], "cell": ref},
                field="header",
            )
        seen[code] = ref
        element_code, _dot, combo_code = code.partition(".")
        columns.append((index, element_code, combo_code or None, meta.columns.get(code) == "TEXT"))
    if meta.columns:
        missing = [code for code in meta.columns if code not in seen]
        unknown = [code for code in seen if code not in meta.columns]
        if missing:
            raise FileError(
                _(
                    "%(sheet)s: missing column(s) %(codes)s of the template of data set %(ds)s; do not delete columns "
                    "(leave them empty), or download a new template"
                )
                % {"sheet": sheet.source, "codes": ", ".join(missing), "ds": meta.data_set},
                field="header",
            )
        if unknown:
            raise FileError(
                _("%(sheet)s: column(s) %(codes)s are not in the template of data set %(ds)s (%(cells)s)")
                % {
                    "sheet": sheet.source,
                    "codes": ", ".join(unknown),
                    "ds": meta.data_set,
                    "cells": ", ".join(seen[c] for c in unknown),
                },
                field="header",
            )
    if not columns:
        raise FileError(
            _("%(sheet)s: the code row (row %(row)s) names no data element column")
            % {"sheet": sheet.source, "row": codes_row},
            field="header",
        )

    period: str | None = None
    if period_index is None:
        found = _find_period_cell(sheet, names_row)
        if found is not None:
            row, col, raw = found
            parsed = period_value(raw, meta.period_type)
            if isinstance(parsed, Bad):
                raise FileError(
                    _("%(sheet)s: cell %(cell)s (the period): %(why)s")
                    % {"sheet": sheet.source, "cell": cell_ref(sheet, row, col), "why": parsed.message},
                    field="period",
                )
            period = parsed
        elif meta.period:
            period = meta.period
        else:
            raise FileError(
                _(
                    "%(sheet)s: no period: put it in the cell right of «Kỳ báo cáo (period)» above the headers, or "
                    "in a column with the code 'period'"
                )
                % {"sheet": sheet.source},
                field="period",
            )

    code_schemes = IdSchemes(data_element="code", org_unit="code", category_option_combo="code", data_set="code")
    uid_schemes = IdSchemes(data_element="code", org_unit="uid", category_option_combo="code", data_set="code")
    # One builder per column: the rows' source names the sheet and the column ("file › Dữ liệu, column D"),
    # so that whatever the importer says about a value names its cell.
    builders: dict[int, RowBuilder] = {}
    places: dict[str, list[str]] = {}

    def builder_for(index: int) -> RowBuilder:
        found = builders.get(index)
        if found is None:
            letter = column_letter(index + 1)
            source = _("%(sheet)s, column %(column)s") % {"sheet": sheet.source, "column": letter}
            found = builders[index] = RowBuilder(source, "row", code_schemes, result)
            places[source] = [sheet.name, letter]
        return found

    data_set = meta.data_set
    used = {index for index, *_rest in columns} | {0, 1}
    if period_index is not None:
        used.add(period_index)
    width = max(used) + 1
    gaps = [i for i in range(2, width) if i not in used]
    n_rows = 0
    for number, cells in rows_after(sheet, codes_row):
        if not cells:
            continue
        unit = text_cell(cells[0])
        found_values: list[tuple[int, str, str | None, str | Bad]] = []
        n_cells = len(cells)
        for index, element, coc, text_column in columns:
            if index >= n_cells:
                break
            cell = cells[index]
            if cell.value is None:
                continue
            raw = read_value(cell, sheet, number, index + 1, text_column)
            if raw is not None:
                found_values.append((index, element, coc, raw))
        extra = [
            i for i in range(width, len(cells)) if cells[i].value is not None and str(cells[i].value).strip() != ""
        ]
        extra += [
            i for i in gaps if i < len(cells) and cells[i].value is not None and str(cells[i].value).strip() != ""
        ]
        if not found_values and not extra:
            continue  # a unit without values, or a note under the table
        n_rows += 1
        for i in extra:
            builder_for(i).issue(
                number,
                None,
                cells[i].value,
                _("cell %(cell)s has a value but column %(col)s has no code in the code row (row %(row)s)")
                % {"cell": cell_ref(sheet, number, i + 1), "col": column_letter(i + 1), "row": codes_row},
            )
        if unit is None:
            builder_for(0).issue(
                number,
                "orgUnit",
                None,
                _("cell %(cell)s: the unit code is missing") % {"cell": cell_ref(sheet, number, 1)},
            )
            continue
        row_period: object = period
        if period_index is not None:
            raw_period = cells[period_index].value if period_index < len(cells) else None
            p = period_value(raw_period, meta.period_type)
            if isinstance(p, Bad):
                builder_for(period_index).issue(
                    number,
                    "period",
                    raw_period,
                    _("cell %(cell)s: %(why)s") % {"cell": cell_ref(sheet, number, period_index + 1), "why": p.message},
                )
                continue
            row_period = p
        row_schemes = uid_schemes if meta.values and _looks_like_uid(unit) else None
        for index, element, coc, raw in found_values:
            builder = builder_for(index)
            if isinstance(raw, Bad):
                builder.issue(number, "value", cells[index].value, raw.message)
                continue
            builder.add_fast(
                number, element, row_period, unit, coc, None, raw, None, None, data_set, None, None, (), (), row_schemes
            )
    return {
        "name": sheet.name,
        "source": sheet.source,
        "layout": "wide",
        "period": period,
        "rows": n_rows,
        "codesRow": codes_row,
        "columns": {
            (f"{element}.{coc}" if coc else element): column_letter(index + 1) for index, element, coc, _t in columns
        },
        "places": places,
    }


def _looks_like_uid(text: str) -> bool:
    """Our template writes a unit's uid instead of its code when the code names two units in the period."""
    return len(text) == 11 and text[0].isalpha() and text.isalnum() and not text.isdigit()


# ---- the long layout (DHIS2 CSV's columns) --------------------------------------------------------------


def parse_long(
    sheet: Sheet, header_row: int, names: list[str], result: ParseResult, schemes: IdSchemes
) -> dict[str, Any]:
    check_merges(sheet, header_row, header_row)
    header_cells = sheet.head[header_row - 1]
    index_of: dict[str, int] = {}
    for index, name in enumerate(names):
        if not name:
            continue
        mapped = LONG_ALIASES.get(name)
        ref = cell_ref(sheet, header_row, index + 1)
        if mapped is None:
            raise FileError(
                _("%(sheet)s: extra column '%(name)s' (cell %(cell)s); the columns are %(columns)s")
                % {"sheet": sheet.source, "name": header_cells[index].value, "cell": ref, "columns": LONG_COLUMNS},
                field="header",
            )
        if mapped == "-":
            continue
        if mapped in index_of:
            raise FileError(
                _("%(sheet)s: column '%(name)s' appears twice (cell %(cell)s)")
                % {"sheet": sheet.source, "name": header_cells[index].value, "cell": ref},
                field="header",
            )
        index_of[mapped] = index
    missing = [c for c in LONG_REQUIRED if c not in index_of]
    if missing:
        raise FileError(
            _("%(sheet)s: missing column(s) %(missing)s in the header (row %(row)s); the columns are %(columns)s")
            % {"sheet": sheet.source, "missing": ", ".join(missing), "row": header_row, "columns": LONG_COLUMNS},
            field="header",
        )
    builder = RowBuilder(sheet.source, "row", schemes, result)
    i_de, i_pe, i_ou, i_value = (index_of[c] for c in LONG_REQUIRED)
    i_coc, i_aoc = index_of.get("catoptcombo"), index_of.get("attroptcombo")
    i_cmt, i_fu = index_of.get("cmt"), index_of.get("followup")
    i_by, i_upd = index_of.get("strby"), index_of.get("lstupd")
    width = max(index_of.values()) + 1
    n_rows = 0

    def text(cells: tuple[Any, ...], index: int | None) -> str | None:
        if index is None or index >= len(cells):
            return None
        return text_cell(cells[index])

    for number, cells in rows_after(sheet, header_row):
        if not cells or all(c.value is None or (type(c.value) is str and not c.value.strip()) for c in cells):
            continue
        n_rows += 1
        extra = [i for i in range(width, len(cells)) if cells[i].value not in (None, "")]
        if extra:
            builder.issue(
                number,
                None,
                cells[extra[0]].value,
                _("cell %(cell)s has a value but its column has no header")
                % {"cell": cell_ref(sheet, number, extra[0] + 1)},
            )
            continue
        value = read_value(cells[i_value], sheet, number, i_value + 1, False) if i_value < len(cells) else None
        if isinstance(value, Bad):
            builder.issue(number, "value", cells[i_value].value, value.message)
            continue
        period_raw = cells[i_pe].value if i_pe < len(cells) else None
        period = period_value(period_raw, None)
        if isinstance(period, Bad):
            builder.issue(
                number,
                "period",
                period_raw,
                _("cell %(cell)s: %(why)s") % {"cell": cell_ref(sheet, number, i_pe + 1), "why": period.message},
            )
            continue
        comment = text(cells, i_cmt)
        follow_up = cells[i_fu].value if i_fu is not None and i_fu < len(cells) else None
        builder.add_fast(
            number,
            text(cells, i_de),
            period,
            text(cells, i_ou),
            text(cells, i_coc),
            text(cells, i_aoc),
            value,
            comment,
            follow_up,
            None,
            text(cells, i_by),
            text(cells, i_upd),
        )
    return {"name": sheet.name, "source": sheet.source, "layout": "long", "rows": n_rows, "headerRow": header_row}

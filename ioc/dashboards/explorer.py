"""The data explorer's reads and its one translation: what may be chosen (data items by sector, units within
the user's view scope, periods) and how a pivot becomes a dashboard item's config (the contract in
ioc.dashboards.config).

The pivot itself is asked of GET /api/v1/analytics by the page; nothing here computes values.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.core.periods import PERIOD_TYPES, parse_period, periods_between
from ioc.dashboards.config import MAX_LIMIT, PERIOD_CHOICES
from ioc.metadata.models import DataElement, DataSet, Indicator, PeriodType, Sector, ValueType
from ioc.orgunits.models import OrgUnit, OrgUnitLevel
from ioc.orgunits.selectors import view_roots, visible_units

# Relative periods the engine resolves (ioc.analytics.periods), in the order the page offers them.
RELATIVE_PERIODS: dict[str, Any] = {
    "THIS_MONTH": gettext_lazy("This month"),
    "LAST_MONTH": gettext_lazy("Last month"),
    "LAST_3_MONTHS": gettext_lazy("Last 3 months"),
    "LAST_6_MONTHS": gettext_lazy("Last 6 months"),
    "LAST_12_MONTHS": gettext_lazy("Last 12 months"),
    "LAST_24_MONTHS": gettext_lazy("Last 24 months"),
    "LAST_36_MONTHS": gettext_lazy("Last 36 months"),
    "MONTHS_THIS_YEAR": gettext_lazy("Months this year"),
    "THIS_QUARTER": gettext_lazy("This quarter"),
    "LAST_QUARTER": gettext_lazy("Last quarter"),
    "LAST_4_QUARTERS": gettext_lazy("Last 4 quarters"),
    "QUARTERS_THIS_YEAR": gettext_lazy("Quarters this year"),
    "THIS_YEAR": gettext_lazy("This year"),
    "LAST_YEAR": gettext_lazy("Last year"),
    "LAST_5_YEARS": gettext_lazy("Last 5 years"),
    "LAST_10_YEARS": gettext_lazy("Last 10 years"),
}
# The fixed periods one may pick, coarse to fine (labels are the metadata's period-type names).
PERIOD_TYPE_LABELS: dict[str, Any] = {
    t: PeriodType(t).label for t in ("Monthly", "Quarterly", "Yearly", "Weekly", "Daily")
}
# A chart item's periods follow the screen's period; these are the ranges it may span, by period type.
CHART_RANGE_FOR_TYPE = {"Monthly": "LAST_12_MONTHS", "Quarterly": "LAST_4_QUARTERS", "Yearly": "LAST_5_YEARS"}
REPORTING_METRICS: dict[str, Any] = {
    "REPORTING_RATE": gettext_lazy("reporting rate"),
    "REPORTING_RATE_ON_TIME": gettext_lazy("reporting rate on time"),
    "ACTUAL_REPORTS": gettext_lazy("reports received"),
    "EXPECTED_REPORTS": gettext_lazy("reports expected"),
}
KINDS = ("chart", "table", "kpi", "map")
CHARTS = ("column", "bar", "line", "area")
DIMENSIONS = ("dx", "pe", "ou")
MAX_UNITS_FOUND = 30
MAX_ITEMS = 50


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics, so that "vinh yen" finds "Vĩnh Yên"."""
    text = text.replace("đ", "d").replace("Đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


# --- data items ----------------------------------------------------------------------------------------


def _item(code: str, name: str, kind: str, unit: str = "") -> dict[str, str]:
    return {"id": code, "name": name, "kind": kind, "unit": unit}


def data_items() -> list[dict[str, Any]]:
    """Every data item one may analyse, grouped by sector (in the sectors' order; unsectored last):
    numeric data elements, indicators, and each data set's reporting metrics."""
    groups: dict[int | None, list[dict[str, str]]] = {}
    for de in DataElement.objects.exclude(value_type=ValueType.TEXT).order_by("code"):
        groups.setdefault(de.sector_id, []).append(_item(de.code, de.name, "element", de.unit))
    for ind in Indicator.objects.order_by("code"):
        groups.setdefault(ind.sector_id, []).append(_item(ind.code, ind.name, "indicator", ind.unit))
    for ds in DataSet.objects.order_by("code"):
        for metric, label in REPORTING_METRICS.items():
            unit = "%" if metric.startswith("REPORTING_RATE") else ""
            groups.setdefault(ds.sector_id, []).append(
                _item(f"{ds.code}.{metric}", f"{ds.name} – {label}", "reporting_rate", unit)
            )
    out = []
    for sector in Sector.objects.order_by("sort_order", "code"):
        if sector.pk in groups:
            out.append({"sector": sector.code, "name": sector.name, "items": groups.pop(sector.pk)})
    if groups.get(None):
        out.append({"sector": "", "name": _("Other"), "items": groups.pop(None)})
    return out


def known_data_items(codes: Iterable[str]) -> dict[str, str]:
    """{code: name} of the codes that name a data item (element, indicator or reporting metric)."""
    wanted = set(codes)
    found = {de.code: de.name for de in DataElement.objects.filter(code__in=wanted)}
    found |= {i.code: i.name for i in Indicator.objects.filter(code__in=wanted)}
    metrics = [c for c in wanted if "." in c and c.rsplit(".", 1)[1] in REPORTING_METRICS]
    data_sets = {ds.code: ds.name for ds in DataSet.objects.filter(code__in={c.rsplit(".", 1)[0] for c in metrics})}
    for code in metrics:
        if code.rsplit(".", 1)[0] in data_sets:
            found[code] = data_sets[code.rsplit(".", 1)[0]]
    return found


# --- units ---------------------------------------------------------------------------------------------


def level_names() -> dict[int, str]:
    return {lv.level: lv.name for lv in OrgUnitLevel.objects.order_by("level")}


def _day(value: dt.date | None) -> str:
    return date_format(value, "d/m/Y") if value else ""


def unit_rows(user: Any, units: list[OrgUnit]) -> list[dict[str, Any]]:
    """The picker's view of units: names, level, dates, and whether the user may open them further."""
    parents = set(
        visible_units(user).filter(parent__in=[u.pk for u in units]).values_list("parent_id", flat=True).distinct()
    )
    levels = level_names()
    return [
        {
            "uid": u.uid,
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "levelName": levels.get(u.level, ""),
            "hasChildren": u.pk in parents,
            "opened": _day(u.opened),
            "closed": _day(u.closed),
            "parent": u.parent.name if u.parent_id and u.parent else "",
        }
        for u in units
    ]


def visible_unit(user: Any, uid: str) -> OrgUnit:
    """The unit with `uid`, when the user may see it: NotFound (unknown) or NotAllowed (outside the scope)."""
    unit = OrgUnit.objects.select_related("parent").filter(uid=uid).first()
    if unit is None:
        raise NotFound(_("Unit: there is no unit with uid '%(uid)s'") % {"uid": uid[:40]}, field="ou")
    if not visible_units(user).filter(pk=unit.pk).exists():
        raise NotAllowed(
            _("Unit: %(name)s (%(code)s) is outside the units you may see") % {"name": unit.name, "code": unit.code},
            field="ou",
        )
    return unit


def root_units(user: Any) -> list[OrgUnit]:
    """The top of the picker: the roots of the user's view scope (everyone's roots for administrators)."""
    roots = view_roots(user)
    if roots is None:
        return list(OrgUnit.objects.filter(parent__isnull=True).select_related("parent").order_by("code", "opened"))
    return sorted(roots, key=lambda u: (u.level, u.code))


def child_units(user: Any, uid: str) -> list[OrgUnit]:
    parent = visible_unit(user, uid)
    return list(visible_units(user).filter(parent=parent).order_by("code", "opened"))


def find_units(user: Any, text: str) -> list[OrgUnit]:
    """Units within the scope whose name or code contains every word of `text` (diacritics ignored)."""
    words = fold(text).split()
    if not words:
        return []
    hits: list[int] = []
    rows = visible_units(user).order_by("level", "code").values_list("pk", "code", "name_vi", "name_en")
    for pk, code, name_vi, name_en in rows.iterator(chunk_size=2000):
        haystack = fold(f"{code} {name_vi} {name_en}")
        if all(w in haystack for w in words):
            hits.append(pk)
            if len(hits) >= MAX_UNITS_FOUND:
                break
    by_pk = OrgUnit.objects.select_related("parent").in_bulk(hits)
    return [by_pk[pk] for pk in hits]


def units_by_uid(user: Any, uids: Iterable[str]) -> list[OrgUnit]:
    return [visible_unit(user, uid) for uid in dict.fromkeys(u for u in uids if u)]


# --- periods -------------------------------------------------------------------------------------------


def period_years(today: dt.date | None = None) -> list[int]:
    this_year = (today or timezone.localdate()).year
    return list(range(this_year, this_year - 12, -1))


def fixed_periods(period_type: str, year: int) -> list[dict[str, str]]:
    """Every period of `period_type` in `year` (weeks by their ISO year), with its name."""
    if period_type not in PERIOD_TYPES:
        raise InvalidInput(
            _("Period type: '%(type)s' is not one of %(types)s")
            % {"type": period_type[:30], "types": ", ".join(PERIOD_TYPES)},
            field="type",
        )
    if not 1900 <= year <= 2199:
        raise InvalidInput(_("Year: %(year)s is not between 1900 and 2199") % {"year": year}, field="year")
    if period_type == "Yearly":
        periods = periods_between("Yearly", dt.date(year - 9, 1, 1), dt.date(year, 12, 31))[::-1]
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        periods = [
            p for p in periods_between(period_type, start, end) if period_type != "Weekly" or p.id[:4] == str(year)
        ]
    return [{"id": p.id, "name": p.name()} for p in periods]


def period_names(ids: Iterable[str]) -> list[dict[str, str]]:
    """Names of period ids, relative or fixed; InvalidInput naming the first one that does not parse."""
    out = []
    for pid in dict.fromkeys(i for i in ids if i):
        if pid in RELATIVE_PERIODS:
            out.append({"id": pid, "name": str(RELATIVE_PERIODS[pid])})
        else:
            out.append({"id": pid, "name": parse_period(pid).name()})
    return out


# --- saving as a dashboard item ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pivot:
    """The explorer's state, as the save form posts it."""

    dx: list[str]
    pe: list[str]
    rows: list[str]
    columns: list[str]
    chart: str


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def parse_pivot(data: Mapping[str, str]) -> Pivot:
    dx, pe = _split(data.get("dx")), _split(data.get("pe"))
    rows, columns = _split(data.get("rows")), _split(data.get("columns"))
    if not dx:
        raise InvalidInput(_("Data: choose at least one data item"), field="dx")
    if len(dx) > MAX_ITEMS:
        raise InvalidInput(_("Data: at most %(n)d data items") % {"n": MAX_ITEMS}, field="dx")
    for name in rows + columns:
        if name not in (*DIMENSIONS, "co"):
            raise InvalidInput(
                _("Layout: '%(name)s' is not a dimension (dx, pe, ou or co)") % {"name": name[:20]}, field="layout"
            )
    known = known_data_items(dx)
    unknown = [c for c in dx if c not in known]
    if unknown:
        raise InvalidInput(
            _("Data: unknown data item %(codes)s") % {"codes": ", ".join(c[:50] for c in unknown[:5])}, field="dx"
        )
    chart = data.get("chart") or "column"
    if chart not in CHARTS:
        raise InvalidInput(
            _("Chart: '%(chart)s' is not one of %(charts)s") % {"chart": chart[:20], "charts": ", ".join(CHARTS)},
            field="chart",
        )
    period_names(pe)  # each must parse
    return Pivot(dx=dx, pe=pe, rows=rows, columns=columns, chart=chart)


def _chart_range(pe: list[str]) -> str:
    """The range of periods a chart item spans, relative to the screen's chosen period: the pivot's relative
    periods when it has only those, else the usual range of its fixed periods' type (an item follows the
    screen's period, so fixed periods cannot be kept as such)."""
    if pe and all(pid in RELATIVE_PERIODS for pid in pe):
        return ";".join(pe)
    for pid in pe:
        if pid in PERIOD_CHOICES:
            return pid
    for pid in pe:
        if pid not in RELATIVE_PERIODS:
            found = CHART_RANGE_FOR_TYPE.get(parse_period(pid).period_type)
            if found:
                return found
    return "LAST_12_MONTHS"


def _by(pivot: Pivot) -> str:
    """What a chart's categories (or a table's rows) are: units or periods, whichever the pivot puts first on
    that axis; periods when the pivot has neither there."""
    for name in pivot.columns + pivot.rows:
        if name == "ou":
            return "unit"
        if name == "pe":
            return "period"
    return "period"


def _one(pivot: Pivot, kind: str) -> str:
    if len(pivot.dx) != 1:
        raise InvalidInput(
            _("A %(kind)s item shows one data item: choose exactly one (you chose %(n)d)")
            % {"kind": kind, "n": len(pivot.dx)},
            field="dx",
        )
    return pivot.dx[0]


def _number(raw: str | None, field: str, label: str) -> float | None:
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return None
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        message = _("%(label)s: '%(value)s' is not a number") % {"label": label, "value": text[:20]}
        raise InvalidInput(message, field=field)
    return number


def item_config(kind: str, pivot: Pivot, data: Mapping[str, str]) -> dict[str, Any]:
    """The dashboard item's config (ioc.dashboards.config) that shows what the pivot shows."""
    if kind == "kpi":
        target = _number(data.get("target"), "target", _("Target"))
        return {"dx": _one(pivot, "KPI"), "target": target}
    if kind == "map":
        return {"dx": _one(pivot, _("map"))}
    if kind == "chart":
        by = "unit" if pivot.columns[:1] == ["ou"] else "period" if pivot.columns[:1] == ["pe"] else _by(pivot)
        config: dict[str, Any] = {"dx": pivot.dx, "by": by, "chart": pivot.chart}
        if by == "period":
            config["periods"] = _chart_range(pivot.pe)
        return config
    if kind == "table":
        by = "unit" if pivot.rows[:1] == ["ou"] else "period" if pivot.rows[:1] == ["pe"] else _by(pivot)
        sort = data.get("sort") or "desc"
        if sort not in ("desc", "asc"):
            raise InvalidInput(_("Sort: choose descending or ascending"), field="sort")
        limit = _number(data.get("limit"), "limit", _("Rows"))
        limit = 10 if limit is None else limit
        if limit != int(limit) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(_("Rows: a whole number from 1 to %(max)d") % {"max": MAX_LIMIT}, field="limit")
        table: dict[str, Any] = {"dx": pivot.dx, "by": by, "sort": sort, "limit": int(limit)}
        if by == "period":
            table["periods"] = _chart_range(pivot.pe)
        return table
    raise InvalidInput(
        _("Kind: '%(kind)s' is not one of %(kinds)s") % {"kind": kind[:20], "kinds": ", ".join(KINDS)}, field="kind"
    )

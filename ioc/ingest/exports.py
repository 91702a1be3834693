"""Exporting values in the exchange formats (GET /api/v1/dataValueSets, the CLI): what the user may see,
for data sets, periods and org units, written with the exporters of ioc.ingest.formats.

Identifiers follow the id scheme (uid by default, as DHIS2; code; name = name_vi), so that importing an export
back changes nothing (every value ignored as unchanged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ioc.accounts.models import User
from ioc.accounts.permissions import Action, require
from ioc.accounts.scopes import can_view_unit
from ioc.core.errors import InvalidInput, NotAllowed
from ioc.core.periods import Period, parse_period
from ioc.core.uid import is_valid_uid
from ioc.datavalues.selectors import values_for
from ioc.datavalues.values import format_value
from ioc.ingest.adx import export_adx
from ioc.ingest.dhis2_csv import export_csv
from ioc.ingest.dhis2_json import export_json
from ioc.ingest.rows import ExchangeValue, IdSchemes
from ioc.metadata.models import CategoryOptionCombo, DataSet, DataSetElement
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code, subtree_q

CONTENT_TYPES = {"json": "application/json", "csv": "application/csv", "adx": "application/adx+xml"}
SCHEME_FIELD = {"uid": "uid", "code": "code", "name": "name_vi"}


@dataclass(frozen=True)
class ExportQuery:
    data_sets: Sequence[str]
    periods: Sequence[str] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    org_units: Sequence[str] = ()
    children: bool = False
    schemes: IdSchemes = field(default_factory=IdSchemes)


def _data_sets(refs: Sequence[str]) -> list[DataSet]:
    found = list(DataSet.objects.filter(Q(uid__in=refs) | Q(code__in=refs)))
    known = {d.uid for d in found} | {d.code for d in found}
    missing = [r for r in refs if r not in known]
    if missing:
        raise InvalidInput(
            _("Data set: no data set with code or uid %(refs)s") % {"refs": ", ".join(f"'{r}'" for r in missing)},
            field="dataSet",
        )
    return found


def _unit(user: User, ref: str, on: dt.date) -> OrgUnit:
    unit = OrgUnit.objects.filter(uid=ref).first() if is_valid_uid(ref) else None
    if unit is None:
        unit = resolve_code(ref, on, field="orgUnit")
    if not can_view_unit(user, unit):
        raise NotAllowed(
            _("Org unit: %(name)s (%(code)s) is outside the units you may see")
            % {"name": unit.name, "code": unit.code},
            field="orgUnit",
        )
    return unit


def exchange_values(user: User, query: ExportQuery) -> Iterator[ExchangeValue]:
    """The values of the query the user may see (a unit outside their view scope: NotAllowed)."""
    require(user, Action.VIEW_DATA)
    if not query.data_sets:
        raise InvalidInput(_("dataSet: give at least one data set"), field="dataSet")
    if not query.periods and not (query.start and query.end):
        raise InvalidInput(_("period: give periods, or startDate and endDate"), field="period")
    if not query.org_units:
        raise InvalidInput(_("orgUnit: give at least one org unit"), field="orgUnit")
    if query.start and query.end and query.end < query.start:
        raise InvalidInput(_("endDate: before startDate"), field="endDate")
    sets = _data_sets(list(query.data_sets))
    periods: list[Period] = [parse_period(p) for p in query.periods]
    on = periods[0].start if periods else query.start or timezone.localdate()
    units = [_unit(user, ref, on) for ref in query.org_units]
    element_ids = set(DataSetElement.objects.filter(data_set__in=sets).values_list("data_element_id", flat=True))
    qs = values_for(
        user,
        data_elements=element_ids,
        periods=[p.id for p in periods] or None,
        start=query.start,
        end=query.end,
    )
    where = Q(pk__in=[])
    for unit in units:
        where |= subtree_q(unit, "org_unit__") if query.children else Q(org_unit=unit)
    qs = qs.filter(where)
    s = query.schemes
    rows = qs.values_list(
        f"data_element__{SCHEME_FIELD[s.data_element]}",
        "period",
        f"org_unit__{SCHEME_FIELD[s.org_unit]}",
        f"category_option_combo__{SCHEME_FIELD[s.category_option_combo]}",
        "data_element__value_type",
        "value_num",
        "value_text",
        "comment",
        "follow_up",
    )
    for de, period, ou, coc, value_type, num, text, comment, follow_up in rows.iterator(chunk_size=5000):
        yield ExchangeValue(
            data_element=de,
            period=period,
            org_unit=ou,
            category_option_combo=coc,
            value=format_value(value_type, num, text),
            comment=comment or None,
            follow_up=follow_up,
        )


def export(user: User, query: ExportQuery, fmt: str) -> bytes:
    """The query's values as json, csv or adx bytes."""
    values = exchange_values(user, query)
    if fmt == "json":
        return export_json(values)
    if fmt == "csv":
        return export_csv(values)
    if fmt == "adx":
        materialised = list(values)
        coc_field = SCHEME_FIELD[query.schemes.category_option_combo]
        wanted = {v.category_option_combo for v in materialised if v.category_option_combo}
        cocs = CategoryOptionCombo.objects.filter(**{f"{coc_field}__in": wanted}).prefetch_related("options__category")
        disaggregations = {getattr(c, coc_field): {o.category.code: o.code for o in c.options.all()} for c in cocs}
        data_set = query.data_sets[0] if len(query.data_sets) == 1 and query.schemes.data_set != "name" else None
        return export_adx(materialised, disaggregations, data_set=data_set)
    raise InvalidInput(_("format must be json, csv or adx, not '%(fmt)s'") % {"fmt": fmt}, field="format")

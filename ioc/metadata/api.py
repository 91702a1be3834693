"""The metadata API, mounted at /api/v1/: data elements, data sets, indicators, disaggregations, validation
rules, sectors, periods, and the configuration document (GET and POST /metadata).

Reading needs a user whose role allows viewing metadata and, with an API token, the scope metadata:read;
writing needs the admin or operator role and, with a token, metadata:write (ioc.accounts.permissions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from ioc.accounts.models import ApiToken
from ioc.accounts.permissions import require_scope
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.core.periods import parse_period, periods_between
from ioc.metadata import config, selectors
from ioc.metadata.config_schema import MetadataDocument
from ioc.metadata.models import CategoryCombo, CategoryOptionCombo, DataElement, DataSet, Indicator, ValidationRule
from ioc.metadata.schemas import (
    CategoryComboList,
    CategoryComboOut,
    CategoryOut,
    DataElementList,
    DataElementOut,
    DataSetList,
    DataSetOut,
    IndicatorList,
    IndicatorOut,
    LoadReportOut,
    OptionComboList,
    OptionComboOut,
    OptionOut,
    PeriodList,
    PeriodOut,
    Ref,
    SectorList,
    SectorOut,
    UnitRef,
    ValidationRuleList,
    ValidationRuleOut,
)

router = Router(tags=["metadata"], by_alias=True)

MAX_LIMIT = 10_000
MAX_PERIODS = 1000
READ = ApiToken.Scope.METADATA_READ
WRITE = ApiToken.Scope.METADATA_WRITE


def _names(obj: Any) -> dict[str, Any]:
    return {"name": obj.name_vi, "name_en": obj.name_en, "display_name": obj.name}


def _code(obj: Any) -> str | None:
    return obj.code if obj is not None else None


def _listing(
    request: HttpRequest, qs: QuerySet[Any], offset: int, limit: int, render: Callable[[Any], Any]
) -> dict[str, Any]:
    """What every list endpoint does: check the reader's right and the page, render one page, count all."""
    require_scope(request, READ)
    if offset < 0:
        raise InvalidInput(_("offset must be 0 or more"), field="offset")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_("limit must be between 1 and {max}").format(max=MAX_LIMIT), field="limit")
    items, count = selectors.page(qs, offset, limit)
    return {"items": [render(obj) for obj in items], "count": count}


# ----- rendering ----------------------------------------------------------------------------------


def _element(e: DataElement) -> DataElementOut:
    return DataElementOut(
        uid=e.uid,
        code=e.code,
        **_names(e),
        short_name=e.short_name,
        description=e.description,
        value_type=e.value_type,
        aggregation_type=e.aggregation_type,
        unit=e.unit,
        sector=_code(e.sector),
        category_combo=e.category_combo.code,
        min_value=e.min_value,
        max_value=e.max_value,
        zero_is_significant=e.zero_is_significant,
        synthetic=e.synthetic,
        last_updated=e.last_updated,
    )


def _data_set(ds: DataSet) -> DataSetOut:
    units = sorted(ds.org_units.all(), key=lambda u: (u.code, u.opened or dt.date.min))
    return DataSetOut(
        uid=ds.uid,
        code=ds.code,
        **_names(ds),
        description=ds.description,
        period_type=ds.period_type,
        sector=_code(ds.sector),
        agency=_code(ds.agency),
        expiry_days=ds.expiry_days,
        timely_days=ds.timely_days,
        open_future_periods=ds.open_future_periods,
        synthetic=ds.synthetic,
        data_elements=[
            Ref(uid=link.data_element.uid, code=link.data_element.code, name=link.data_element.name_vi)
            for link in ds.data_set_elements.all()
        ],
        org_units=[UnitRef(uid=u.uid, code=u.code, name=u.name_vi, opened=u.opened, closed=u.closed) for u in units],
        last_updated=ds.last_updated,
    )


def _indicator(i: Indicator) -> IndicatorOut:
    return IndicatorOut(
        uid=i.uid,
        code=i.code,
        **_names(i),
        short_name=i.short_name,
        description=i.description,
        numerator=i.numerator,
        numerator_description=i.numerator_description,
        denominator=i.denominator,
        denominator_description=i.denominator_description,
        factor=i.factor,
        decimals=i.decimals,
        unit=i.unit,
        sector=_code(i.sector),
        higher_is_better=i.higher_is_better,
        synthetic=i.synthetic,
        last_updated=i.last_updated,
    )


def _option_combo(c: CategoryOptionCombo, combo_code: str) -> OptionComboOut:
    return OptionComboOut(
        uid=c.uid,
        code=c.code,
        **_names(c),
        category_combo=combo_code,
        options=[o.code for o in sorted(c.options.all(), key=lambda o: o.code)],
    )


def _combo(combo: CategoryCombo) -> CategoryComboOut:
    return CategoryComboOut(
        uid=combo.uid,
        code=combo.code,
        **_names(combo),
        categories=[
            CategoryOut(
                uid=cat.uid,
                code=cat.code,
                name=cat.name_vi,
                name_en=cat.name_en,
                options=[OptionOut(uid=o.uid, code=o.code, name=o.name_vi, name_en=o.name_en) for o in options],
            )
            for cat, options in selectors.categories_of(combo)
        ],
        option_combos=[_option_combo(c, combo.code) for c in combo.option_combos.all()],
    )


def _rule(r: ValidationRule) -> ValidationRuleOut:
    return ValidationRuleOut(
        uid=r.uid,
        code=r.code,
        **_names(r),
        description=r.description,
        instruction=r.instruction,
        left=r.left,
        operator=r.operator,
        right=r.right,
        importance=r.importance,
        period_type=r.period_type,
        last_updated=r.last_updated,
    )


# ----- endpoints ----------------------------------------------------------------------------------


@router.get("/sectors", response=SectorList, summary="Sectors")
def list_sectors(request: HttpRequest) -> dict[str, Any]:
    require_scope(request, READ)
    items = [SectorOut(code=s.code, **_names(s), sort_order=s.sort_order) for s in selectors.sectors()]
    return {"items": items, "count": len(items)}


@router.get("/dataElements", response=DataElementList, summary="Data elements")
def list_data_elements(
    request: HttpRequest,
    sector: str | None = None,
    code: str | None = None,
    q: str | None = None,
    data_set: str | None = Query(None, alias="dataSet"),
    offset: int = 0,
    limit: int = 1000,
) -> dict[str, Any]:
    """`sector` and `code` match codes exactly, `q` searches codes and names, `dataSet` (uid or code) keeps the
    elements of that data set, in its order."""
    return _listing(
        request, selectors.data_elements(code=code, q=q, sector=sector, data_set=data_set), offset, limit, _element
    )


@router.get("/dataElements/{id}", response=DataElementOut, summary="One data element (uid or code)")
def get_data_element(request: HttpRequest, id: str) -> DataElementOut:
    require_scope(request, READ)
    return _element(selectors.get_by_id(selectors.data_elements(), id))


@router.get("/dataSets", response=DataSetList, summary="Data sets")
def list_data_sets(
    request: HttpRequest,
    sector: str | None = None,
    code: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> dict[str, Any]:
    return _listing(request, selectors.data_sets(code=code, q=q, sector=sector), offset, limit, _data_set)


@router.get("/dataSets/{id}", response=DataSetOut, summary="One data set (uid or code)")
def get_data_set(request: HttpRequest, id: str) -> DataSetOut:
    require_scope(request, READ)
    return _data_set(selectors.get_by_id(selectors.data_sets(), id))


@router.get("/indicators", response=IndicatorList, summary="Indicators")
def list_indicators(
    request: HttpRequest,
    sector: str | None = None,
    code: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> dict[str, Any]:
    return _listing(request, selectors.indicators(code=code, q=q, sector=sector), offset, limit, _indicator)


@router.get("/indicators/{id}", response=IndicatorOut, summary="One indicator (uid or code)")
def get_indicator(request: HttpRequest, id: str) -> IndicatorOut:
    require_scope(request, READ)
    return _indicator(selectors.get_by_id(selectors.indicators(), id))


@router.get("/categoryCombos", response=CategoryComboList, summary="Category combos (disaggregations)")
def list_category_combos(
    request: HttpRequest, code: str | None = None, q: str | None = None, offset: int = 0, limit: int = 1000
) -> dict[str, Any]:
    return _listing(request, selectors.category_combos(code=code, q=q), offset, limit, _combo)


@router.get("/categoryCombos/{id}", response=CategoryComboOut, summary="One category combo (uid or code)")
def get_category_combo(request: HttpRequest, id: str) -> CategoryComboOut:
    require_scope(request, READ)
    return _combo(selectors.get_by_id(selectors.category_combos(), id))


@router.get("/categoryOptionCombos", response=OptionComboList, summary="Category option combos")
def list_option_combos(
    request: HttpRequest,
    code: str | None = None,
    q: str | None = None,
    category_combo: str | None = Query(None, alias="categoryCombo"),
    offset: int = 0,
    limit: int = 1000,
) -> dict[str, Any]:
    return _listing(
        request,
        selectors.option_combos(code=code, q=q, category_combo=category_combo),
        offset,
        limit,
        lambda c: _option_combo(c, c.combo.code),
    )


@router.get("/validationRules", response=ValidationRuleList, summary="Validation rules")
def list_validation_rules(
    request: HttpRequest, code: str | None = None, q: str | None = None, offset: int = 0, limit: int = 1000
) -> dict[str, Any]:
    return _listing(request, selectors.validation_rules(code=code, q=q), offset, limit, _rule)


@router.get("/validationRules/{id}", response=ValidationRuleOut, summary="One validation rule (uid or code)")
def get_validation_rule(request: HttpRequest, id: str) -> ValidationRuleOut:
    require_scope(request, READ)
    return _rule(selectors.get_by_id(selectors.validation_rules(), id))


def _period(text: str) -> PeriodOut:
    p = parse_period(text)
    return PeriodOut(id=p.id, type=p.period_type, start=p.start, end=p.end, name=p.name(), iso=p.iso)


@router.get("/periods", response=PeriodList, summary="The periods of a type between two dates")
def list_periods(request: HttpRequest, type: str, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Every period of `type` (Daily, Weekly, Monthly, Quarterly, Yearly) that overlaps [start, end]."""
    require_scope(request, READ)
    if end < start:
        raise InvalidInput(_("end {end} is before start {start}").format(end=end, start=start), field="end")
    found = periods_between(type, start, min(end, start + dt.timedelta(days=MAX_PERIODS * 366)))
    if len(found) > MAX_PERIODS:
        raise InvalidInput(
            _("more than {max} periods: choose a shorter range or a longer period type").format(max=MAX_PERIODS),
            field="end",
        )
    items = [_period(p.id) for p in found]
    return {"items": items, "count": len(items)}


@router.get("/periods/{path:period}", response=PeriodOut, summary="Parse a period id (202503) or ADX period")
def get_period(request: HttpRequest, period: str) -> PeriodOut:
    """`2025`, `2025Q1`, `202503`, `2025W5`, `20250315`, or ADX's `2025-03-01/P1M`."""
    require_scope(request, READ)
    return _period(period)


@router.get("/metadata", summary="The whole configuration document (as `ioc metadata export`)")
def export_metadata(request: HttpRequest) -> dict[str, Any]:
    require_scope(request, READ)
    return config.export_document()


@router.post(
    "/metadata",
    response=LoadReportOut,
    summary="Load a configuration document: upsert by code, all or nothing",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": MetadataDocument.model_json_schema(by_alias=True)},
                "application/yaml": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
)
def load_metadata(request: HttpRequest, dry_run: bool = Query(False, alias="dryRun")) -> dict[str, Any]:
    """The body is the document of docs/metadata.md, as JSON (or YAML with Content-Type application/yaml).
    With `dryRun=true` everything is checked and reported, nothing written. Any error: 400 listing every
    error with its path, and nothing written."""
    require_scope(request, WRITE)
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("the body must be UTF-8 text")) from None
    fmt = "yaml" if "yaml" in (request.content_type or "") else "json"
    if not text.strip():
        raise InvalidInput(_("the body is empty: send a configuration document"))
    data = config.parse_text(text, fmt)
    report = config.load_document(data, user=request.user, dry_run=dry_run, via=Via.API)  # type: ignore[arg-type]
    if not report.ok:
        raise InvalidInput(
            _("{n} error(s) in the document: nothing written").format(n=len(report.errors)),
            errors=[{"field": e.path, "message": e.message} for e in report.errors],
        )
    return report.as_dict()

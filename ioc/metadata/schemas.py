"""API shapes of the metadata app. Keys are camelCase, the same as in the configuration document
(config_schema.py): `name` is the Vietnamese name, `nameEn` the English one, `displayName` the name in the
request's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from ioc.core.schemas import CamelSchema as Out


class Ref(Out):
    """Another object, by uid, code and name."""

    uid: str
    code: str
    name: str


class SectorOut(Out):
    code: str
    name: str
    name_en: str
    display_name: str
    sort_order: int


class DataElementOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    short_name: str
    description: str
    value_type: str
    aggregation_type: str
    unit: str
    sector: str | None
    category_combo: str
    min_value: float | None
    max_value: float | None
    zero_is_significant: bool
    synthetic: bool
    last_updated: dt.datetime


class UnitRef(Out):
    uid: str
    code: str
    name: str
    opened: dt.date | None
    closed: dt.date | None


class DataSetOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    description: str
    period_type: str
    sector: str | None
    agency: str | None
    expiry_days: int
    timely_days: int
    open_future_periods: int
    synthetic: bool
    data_elements: list[Ref]
    org_units: list[UnitRef]
    last_updated: dt.datetime


class IndicatorOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    short_name: str
    description: str
    numerator: str
    numerator_description: str
    denominator: str
    denominator_description: str
    factor: float
    decimals: int
    unit: str
    sector: str | None
    higher_is_better: bool
    synthetic: bool
    last_updated: dt.datetime


class OptionOut(Out):
    uid: str
    code: str
    name: str
    name_en: str


class CategoryOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    options: list[OptionOut]


class OptionComboOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    category_combo: str
    options: list[str]


class CategoryComboOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    categories: list[CategoryOut]
    option_combos: list[OptionComboOut]


class ValidationRuleOut(Out):
    uid: str
    code: str
    name: str
    name_en: str
    display_name: str
    description: str
    instruction: str
    left: str
    operator: str
    right: str
    importance: str
    period_type: str
    last_updated: dt.datetime


class PeriodOut(Out):
    id: str
    type: str
    start: dt.date
    end: dt.date
    name: str
    iso: str


class SectorList(Schema):
    items: list[SectorOut]
    count: int


class DataElementList(Schema):
    items: list[DataElementOut]
    count: int


class DataSetList(Schema):
    items: list[DataSetOut]
    count: int


class IndicatorList(Schema):
    items: list[IndicatorOut]
    count: int


class CategoryComboList(Schema):
    items: list[CategoryComboOut]
    count: int


class OptionComboList(Schema):
    items: list[OptionComboOut]
    count: int


class ValidationRuleList(Schema):
    items: list[ValidationRuleOut]
    count: int


class PeriodList(Schema):
    items: list[PeriodOut]
    count: int


class LoadReportOut(Out):
    status: str
    dry_run: bool
    written: bool
    counts: dict[str, dict[str, int]]
    items: list[dict[str, Any]]
    errors: list[dict[str, Any]]

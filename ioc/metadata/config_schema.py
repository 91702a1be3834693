"""The configuration document ("metadata as code"), as pydantic models: see docs/metadata.md.

Keys are camelCase as in DHIS2 (`nameEn`, `valueType`); unknown keys are errors. Each item is validated on
its own (ioc.metadata.config) so that the report can name every error in the document, not the first.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from ioc.core.uid import is_valid_uid
from ioc.metadata.models import AggregationType, PeriodType, ValidationRule, ValueType
from ioc.metadata.services_common import CODE_RE


def _code(value: str) -> str:
    value = value.strip()
    if not CODE_RE.match(value) or len(value) > 50:
        raise PydanticCustomError(
            "code", "'{value}' is not a valid code: letters, digits, '_' and '-', at most 50", {"value": value}
        )
    return value


def _unit_code(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 50:
        raise PydanticCustomError("unit_code", "'{value}' is not an org-unit code", {"value": value})
    return value


def _uid(value: str) -> str:
    if not is_valid_uid(value):
        raise PydanticCustomError(
            "uid", "'{value}' is not a uid: 11 characters, a letter then letters or digits", {"value": value}
        )
    return value


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError("name", "a name is required", {})
    return value


Code = Annotated[str, AfterValidator(_code)]
UnitCode = Annotated[str, AfterValidator(_unit_code)]
Uid = Annotated[str, AfterValidator(_uid)]
Name = Annotated[str, Field(max_length=230), AfterValidator(_name)]


class Item(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        coerce_numbers_to_str=True,
        use_enum_values=False,
    )


class SectorDoc(Item):
    code: Annotated[str, Field(max_length=30), AfterValidator(_code)]
    name: Name
    name_en: str = Field("", max_length=230)
    sort_order: int = Field(0, ge=0, le=32767)


class OptionDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)


class CategoryDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    options: list[OptionDoc] = Field(default_factory=list)


class OptionComboDoc(Item):
    code: Code
    uid: Uid


class CategoryComboDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    categories: list[Code] = Field(default_factory=list)
    option_combos: list[OptionComboDoc] = Field(default_factory=list)


class DataElementDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    short_name: str = Field("", max_length=80)
    description: str = ""
    value_type: ValueType = ValueType.NUMBER
    aggregation_type: AggregationType = AggregationType.SUM
    unit: str = Field("", max_length=40)
    sector: Code | None = None
    category_combo: Code = "default"
    min_value: float | None = None
    max_value: float | None = None
    zero_is_significant: bool = True
    synthetic: bool = False


class UnitAt(Item):
    code: UnitCode
    at: dt.date


class DataSetDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    description: str = ""
    period_type: PeriodType
    sector: Code | None = None
    agency: UnitCode | None = None
    expiry_days: int = Field(0, ge=0)
    timely_days: int = Field(15, ge=0)
    open_future_periods: int = Field(0, ge=0, le=32767)
    synthetic: bool = False
    data_elements: list[Code] = Field(default_factory=list)
    compulsory_data_elements: list[Code] = Field(default_factory=list)
    org_units: list[UnitCode | UnitAt] = Field(default_factory=list)
    org_units_at: dt.date | None = None
    org_unit_levels: list[Annotated[int, Field(ge=1, le=10)]] = Field(default_factory=list)
    org_unit_roots: list[UnitCode] = Field(default_factory=list)


class IndicatorDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    short_name: str = Field("", max_length=80)
    description: str = ""
    numerator: str
    numerator_description: str = Field("", max_length=230)
    denominator: str = "1"
    denominator_description: str = Field("", max_length=230)
    factor: float = 1.0
    decimals: int = Field(1, ge=0, le=10)
    unit: str = Field("", max_length=40)
    sector: Code | None = None
    higher_is_better: bool = True
    synthetic: bool = False


class ValidationRuleDoc(Item):
    code: Code
    uid: Uid | None = None
    name: Name
    name_en: str = Field("", max_length=230)
    description: str = ""
    instruction: str = Field("", max_length=255)
    left: str
    operator: ValidationRule.Operator
    right: str
    importance: ValidationRule.Importance = ValidationRule.Importance.MEDIUM
    period_type: PeriodType = PeriodType.MONTHLY


# The document's sections, in loading order, with the model of their items.
SECTIONS: dict[str, type[Item]] = {
    "sectors": SectorDoc,
    "categories": CategoryDoc,
    "categoryCombos": CategoryComboDoc,
    "dataElements": DataElementDoc,
    "dataSets": DataSetDoc,
    "indicators": IndicatorDoc,
    "validationRules": ValidationRuleDoc,
}


class MetadataDocument(BaseModel):
    """The whole document (used for the OpenAPI description and for export)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    version: Literal[1] = 1
    sectors: list[SectorDoc] = Field(default_factory=list)
    categories: list[CategoryDoc] = Field(default_factory=list)
    category_combos: list[CategoryComboDoc] = Field(default_factory=list, alias="categoryCombos")
    data_elements: list[DataElementDoc] = Field(default_factory=list, alias="dataElements")
    data_sets: list[DataSetDoc] = Field(default_factory=list, alias="dataSets")
    indicators: list[IndicatorDoc] = Field(default_factory=list)
    validation_rules: list[ValidationRuleDoc] = Field(default_factory=list, alias="validationRules")


def dump(model: BaseModel) -> dict[str, Any]:
    """JSON-ready, camelCase, leaving out fields equal to their defaults."""
    return model.model_dump(mode="json", by_alias=True, exclude_defaults=True)

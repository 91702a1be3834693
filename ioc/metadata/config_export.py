"""Exporting every metadata object as a configuration document (a dict; config.render writes it out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from pydantic import BaseModel

from ioc.metadata.config_schema import (
    CategoryComboDoc,
    CategoryDoc,
    DataElementDoc,
    DataSetDoc,
    IndicatorDoc,
    OptionComboDoc,
    OptionDoc,
    SectorDoc,
    UnitAt,
    ValidationRuleDoc,
    dump,
)
from ioc.metadata.models import (
    AggregationType,
    Category,
    CategoryCombo,
    DataElement,
    DataSet,
    DataSetElement,
    Indicator,
    PeriodType,
    Sector,
    ValidationRule,
    ValueType,
)
from ioc.metadata.services_categories import ordered_categories
from ioc.orgunits.models import OrgUnit


def _code_or_none(obj: Any) -> str | None:
    return obj.code if obj is not None else None


def _unit_entry(unit: OrgUnit, today: dt.date) -> str | UnitAt:
    if unit.is_open_on(today):
        return unit.code
    at = unit.closed if unit.closed is not None and unit.closed < today else unit.opened
    assert at is not None  # not open today: closed before or opened after
    return UnitAt(code=unit.code, at=at)


def export_document(today: dt.date | None = None) -> dict[str, Any]:
    """Every metadata object as a configuration document (a dict ready for YAML or JSON)."""
    today = today or timezone.localdate()
    doc: dict[str, Any] = {"version": 1}

    def put(section: str, models: Iterable[BaseModel]) -> None:
        doc[section] = [dump(m) for m in models]

    put(
        "sectors",
        (
            SectorDoc(code=s.code, name=s.name_vi, name_en=s.name_en, sort_order=s.sort_order)
            for s in Sector.objects.all()
        ),
    )
    put(
        "categories",
        (
            CategoryDoc(
                code=c.code,
                uid=c.uid,
                name=c.name_vi,
                name_en=c.name_en,
                options=[
                    OptionDoc(code=o.code, uid=o.uid, name=o.name_vi, name_en=o.name_en)
                    for o in sorted(c.category_options.all(), key=lambda o: (o.sort_order, o.code))
                ],
            )
            for c in Category.objects.prefetch_related("category_options")
        ),
    )
    combos = []
    for combo in CategoryCombo.objects.prefetch_related("option_combos"):
        combos.append(
            CategoryComboDoc(
                code=combo.code,
                uid=combo.uid,
                name=combo.name_vi,
                name_en=combo.name_en,
                categories=[c.code for c in ordered_categories(combo)],
                option_combos=[
                    OptionComboDoc(code=oc.code, uid=oc.uid)
                    for oc in sorted(combo.option_combos.all(), key=lambda o: (o.sort_order, o.code))
                ],
            )
        )
    put("categoryCombos", combos)
    put(
        "dataElements",
        (
            DataElementDoc(
                code=e.code,
                uid=e.uid,
                name=e.name_vi,
                name_en=e.name_en,
                short_name=e.short_name,
                description=e.description,
                value_type=ValueType(e.value_type),
                aggregation_type=AggregationType(e.aggregation_type),
                unit=e.unit,
                sector=_code_or_none(e.sector),
                category_combo=e.category_combo.code,
                min_value=e.min_value,
                max_value=e.max_value,
                zero_is_significant=e.zero_is_significant,
                synthetic=e.synthetic,
            )
            for e in DataElement.objects.select_related("sector", "category_combo")
        ),
    )
    data_sets = []
    for ds in DataSet.objects.select_related("sector", "agency").prefetch_related("org_units"):
        elements = list(
            DataSetElement.objects.filter(data_set=ds)
            .order_by("sort_order", "id")
            .values_list("data_element__code", "compulsory")
        )
        units = sorted(ds.org_units.all(), key=lambda u: (u.code, u.opened or dt.date.min))
        data_sets.append(
            DataSetDoc(
                code=ds.code,
                uid=ds.uid,
                name=ds.name_vi,
                name_en=ds.name_en,
                description=ds.description,
                period_type=PeriodType(ds.period_type),
                sector=_code_or_none(ds.sector),
                agency=_code_or_none(ds.agency),
                expiry_days=ds.expiry_days,
                timely_days=ds.timely_days,
                open_future_periods=ds.open_future_periods,
                synthetic=ds.synthetic,
                data_elements=[code for code, _compulsory in elements],
                compulsory_data_elements=[code for code, compulsory in elements if compulsory],
                org_units=[_unit_entry(u, today) for u in units],
            )
        )
    put("dataSets", data_sets)
    put(
        "indicators",
        (
            IndicatorDoc(
                code=i.code,
                uid=i.uid,
                name=i.name_vi,
                name_en=i.name_en,
                short_name=i.short_name,
                description=i.description,
                numerator=i.numerator,
                numerator_description=i.numerator_description,
                denominator=i.denominator,
                denominator_description=i.denominator_description,
                factor=i.factor,
                decimals=i.decimals,
                unit=i.unit,
                sector=_code_or_none(i.sector),
                higher_is_better=i.higher_is_better,
                synthetic=i.synthetic,
            )
            for i in Indicator.objects.select_related("sector")
        ),
    )
    put(
        "validationRules",
        (
            ValidationRuleDoc(
                code=r.code,
                uid=r.uid,
                name=r.name_vi,
                name_en=r.name_en,
                description=r.description,
                instruction=r.instruction,
                left=r.left,
                operator=ValidationRule.Operator(r.operator),
                right=r.right,
                importance=ValidationRule.Importance(r.importance),
                period_type=PeriodType(r.period_type),
            )
            for r in ValidationRule.objects.all()
        ),
    )
    return doc

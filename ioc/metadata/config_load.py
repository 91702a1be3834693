"""Loading a configuration document: items upserted by code in dependency order through the services,
each in its own savepoint, all rolled back when there is any error or on a dry run."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ioc.accounts.models import Agency, User
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.metadata import services
from ioc.metadata.config_report import ConfigError, ItemResult, LoadReport
from ioc.metadata.config_schema import (
    SECTIONS,
    CategoryComboDoc,
    CategoryDoc,
    DataElementDoc,
    DataSetDoc,
    IndicatorDoc,
    SectorDoc,
    UnitAt,
    ValidationRuleDoc,
)
from ioc.metadata.config_validate import _doc_field, _join, validate_document
from ioc.metadata.models import (
    Category,
    CategoryCombo,
    DataElement,
    DataSet,
    Indicator,
    Sector,
    ValidationRule,
)
from ioc.metadata.services import Outcome
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import open_on_q, resolve_code, units_at_level


class _ItemErrors(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(m for _p, m in errors))
        self.errors = errors


class _Unknown:
    """Messages for codes that name nothing (gettext at use, in the active language)."""

    def __init__(self, template: str):
        self.template = template

    def format(self, **kwargs: str) -> str:
        return _(self.template).format(**kwargs)


_UNKNOWN: dict[Any, tuple[str, _Unknown]] = {
    Sector: ("sectors", _Unknown(gettext_noop("unknown sector '{code}'"))),
    Category: ("categories", _Unknown(gettext_noop("unknown category '{code}'"))),
    CategoryCombo: ("categoryCombos", _Unknown(gettext_noop("unknown category combo '{code}'"))),
    DataElement: ("dataElements", _Unknown(gettext_noop("unknown data element '{code}'"))),
    Agency: ("agencies", _Unknown(gettext_noop("unknown agency '{code}'"))),
}


class _Loading:
    def __init__(self, user: User | None, via: str, today: dt.date):
        self.user = user
        self.via = via
        self.today = today
        self.failed: dict[str, set[str]] = {}  # section → codes of items with errors

    # lookups that add an error for the field and return None when the code is unknown
    def _lookup(self, errors: list[tuple[str, str]], key: str, model: Any, code: str | None) -> Any:
        if code is None:
            return None
        obj = model.objects.filter(code=code).first()
        if obj is None:
            section, unknown = _UNKNOWN[model]
            if code in self.failed.get(section, set()):
                message = _("'{code}' is not loaded because of its own errors in {section}").format(
                    code=code, section=section
                )
            else:
                message = unknown.format(code=code)
            errors.append((key, message))
        return obj

    @staticmethod
    def _existing(model: Any, item: Any) -> Any:
        obj = model.objects.filter(code=item.code).first()
        if obj is None:
            obj = model(code=item.code)
        if getattr(item, "uid", None):
            obj.uid = item.uid
        return obj

    def sectors(self, item: SectorDoc) -> Outcome:
        sector = Sector.objects.filter(code=item.code).first() or Sector(code=item.code)
        sector.name_vi, sector.name_en, sector.sort_order = item.name, item.name_en, item.sort_order
        return services.do_save_sector(self.user, sector, via=self.via)

    def categories(self, item: CategoryDoc) -> Outcome:
        category = self._existing(Category, item)
        category.name_vi, category.name_en = item.name, item.name_en
        options = [services.OptionData(o.code, o.name, o.name_en, o.uid) for o in item.options]
        return services.do_save_category(self.user, category, options, via=self.via)

    def categoryCombos(self, item: CategoryComboDoc) -> Outcome:  # noqa: N802
        errors: list[tuple[str, str]] = []
        combo = self._existing(CategoryCombo, item)
        combo.name_vi, combo.name_en = item.name, item.name_en
        categories = []
        for i, code in enumerate(item.categories):
            category = self._lookup(errors, f"categories[{i}]", Category, code)
            if category is not None:
                categories.append(category)
        if errors:
            raise _ItemErrors(errors)
        uids = {oc.code: oc.uid for oc in item.option_combos}
        return services.do_save_category_combo(self.user, combo, categories, option_combo_uids=uids, via=self.via)

    def dataElements(self, item: DataElementDoc) -> Outcome:  # noqa: N802
        errors: list[tuple[str, str]] = []
        element = self._existing(DataElement, item)
        element.name_vi, element.name_en = item.name, item.name_en
        element.short_name, element.description = item.short_name, item.description
        element.value_type, element.aggregation_type = item.value_type.value, item.aggregation_type.value
        element.unit = item.unit
        element.sector = self._lookup(errors, "sector", Sector, item.sector)
        combo = self._lookup(errors, "categoryCombo", CategoryCombo, item.category_combo)
        element.min_value, element.max_value = item.min_value, item.max_value
        element.zero_is_significant, element.synthetic = item.zero_is_significant, item.synthetic
        if errors:
            raise _ItemErrors(errors)
        element.category_combo = combo
        return services.do_save_data_element(self.user, element, via=self.via)

    def dataSets(self, item: DataSetDoc) -> Outcome:  # noqa: N802
        errors: list[tuple[str, str]] = []
        data_set = self._existing(DataSet, item)
        data_set.name_vi, data_set.name_en, data_set.description = item.name, item.name_en, item.description
        data_set.period_type = item.period_type.value
        data_set.sector = self._lookup(errors, "sector", Sector, item.sector)
        data_set.agency = self._lookup(errors, "agency", Agency, item.agency)
        data_set.expiry_days, data_set.timely_days = item.expiry_days, item.timely_days
        data_set.open_future_periods, data_set.synthetic = item.open_future_periods, item.synthetic
        elements = []
        for i, code in enumerate(item.data_elements):
            element = self._lookup(errors, f"dataElements[{i}]", DataElement, code)
            if element is not None:
                elements.append(element)
        units = self._units(errors, item)
        if errors:
            raise _ItemErrors(errors)
        return services.do_save_data_set(
            self.user,
            data_set,
            elements=elements,
            org_units=units,
            compulsory=item.compulsory_data_elements,
            via=self.via,
        )

    def _units(self, errors: list[tuple[str, str]], item: DataSetDoc) -> list[OrgUnit]:
        on = item.org_units_at or self.today
        units: dict[int, OrgUnit] = {}
        for i, entry in enumerate(item.org_units):
            code, at = (entry.code, entry.at) if isinstance(entry, UnitAt) else (entry, on)
            try:
                unit = resolve_code(code, at, field="orgUnits")
            except InvalidInput as exc:
                errors.append((f"orgUnits[{i}]", exc.message))
                continue
            units[unit.pk] = unit
        if item.org_unit_roots and not item.org_unit_levels:
            errors.append(("orgUnitRoots", _("orgUnitRoots needs orgUnitLevels (the levels to take under them)")))
        if item.org_unit_levels:
            roots: list[OrgUnit] = []
            if item.org_unit_roots:
                for i, code in enumerate(item.org_unit_roots):
                    try:
                        roots.append(resolve_code(code, on, field="orgUnitRoots"))
                    except InvalidInput as exc:
                        errors.append((f"orgUnitRoots[{i}]", exc.message))
            else:
                roots = list(OrgUnit.objects.filter(open_on_q(on), level=1))
            for root in roots:
                for level in item.org_unit_levels:
                    for unit in units_at_level(root, level, on):
                        units[unit.pk] = unit
        return list(units.values())

    def indicators(self, item: IndicatorDoc) -> Outcome:
        errors: list[tuple[str, str]] = []
        indicator = self._existing(Indicator, item)
        for attr in (
            "short_name",
            "description",
            "numerator",
            "numerator_description",
            "denominator",
            "denominator_description",
            "factor",
            "decimals",
            "unit",
            "higher_is_better",
            "synthetic",
        ):
            setattr(indicator, attr, getattr(item, attr))
        indicator.name_vi, indicator.name_en = item.name, item.name_en
        indicator.sector = self._lookup(errors, "sector", Sector, item.sector)
        if errors:
            raise _ItemErrors(errors)
        return services.do_save_indicator(self.user, indicator, via=self.via)

    def validationRules(self, item: ValidationRuleDoc) -> Outcome:  # noqa: N802
        rule = self._existing(ValidationRule, item)
        rule.name_vi, rule.name_en = item.name, item.name_en
        rule.description, rule.instruction = item.description, item.instruction
        rule.left, rule.operator, rule.right = item.left, item.operator.value, item.right
        rule.importance, rule.period_type = item.importance.value, item.period_type.value
        return services.do_save_validation_rule(self.user, rule, via=self.via)


def load_document(
    data: Any,
    *,
    user: User | None = None,
    dry_run: bool = False,
    via: str = Via.CLI,
    today: dt.date | None = None,
) -> LoadReport:
    """Load a parsed document (a dict). Never raises for a bad document: the report lists every error and
    nothing is written. On a dry run everything is checked and reported, then rolled back."""
    report = LoadReport(dry_run=dry_run)
    parsed, errors, failed = validate_document(data)
    report.errors.extend(errors)
    loading = _Loading(user, via, today or timezone.localdate())
    loading.failed = failed
    with transaction.atomic():
        for entry in parsed:
            path = f"{entry.section}[{entry.index}]"
            handler: Callable[[Any], Outcome] = getattr(loading, entry.section)
            try:
                with transaction.atomic():
                    outcome = handler(entry.item)
            except _ItemErrors as exc:
                report.errors.extend(ConfigError(_join(path, p), m) for p, m in exc.errors)
                failed.setdefault(entry.section, set()).add(entry.item.code)
                continue
            except InvalidInput as exc:
                failed.setdefault(entry.section, set()).add(entry.item.code)
                if exc.errors:
                    report.errors.extend(
                        ConfigError(_join(path, _doc_field(e.get("field"))), str(e.get("message", exc.message)))
                        for e in exc.errors
                    )
                else:
                    report.errors.append(ConfigError(path, exc.message))
                continue
            report.items.append(
                ItemResult(entry.section, entry.index, entry.item.code, outcome.action, _changed(outcome))
            )
        if report.errors or dry_run:
            transaction.set_rollback(True)
    report.errors.sort(key=_document_order)
    return report


_SECTION_ORDER = {name: i for i, name in enumerate(["", "version", *SECTIONS])}


def _document_order(error: ConfigError) -> tuple[int, int, str]:
    """Errors in the order of the document: section, item, then path."""
    m = re.match(r"^([A-Za-z]*)(?:\[(\d+)\])?", error.path)
    section, index = (m.group(1), int(m.group(2) or -1)) if m else ("", -1)
    return (_SECTION_ORDER.get(section, len(_SECTION_ORDER)), index, error.path)


def _changed(outcome: Outcome) -> list[str]:
    if outcome.action != "updated":
        return []
    return [_doc_field(name) for name in outcome.changes]

"""Metadata as code: load and export the configuration document (YAML or JSON; docs/metadata.md).

Loading upserts by code, all or nothing: every item is checked (schema, then the services' rules against
the database as it would be after the items before it), every error is collected with its path
(`dataElements[3].valueType: …`), and when there is any error — or on a dry run — the transaction is
rolled back. Loading the same document twice reports everything unchanged and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from ioc.accounts.models import Agency, User
from ioc.audit.models import Via
from ioc.core.errors import InvalidInput
from ioc.metadata import services
from ioc.metadata.config_schema import (
    SECTIONS,
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
from ioc.metadata.services import Outcome, ordered_categories
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import open_on_q, resolve_code, units_at_level

# ----- the report ---------------------------------------------------------------------------------


@dataclass
class ItemResult:
    section: str
    index: int
    code: str
    action: str  # created | updated | unchanged
    changed_fields: list[str] = field(default_factory=list)


@dataclass
class ConfigError:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class LoadReport:
    dry_run: bool = False
    items: list[ItemResult] = field(default_factory=list)
    errors: list[ConfigError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and any(i.action != "unchanged" for i in self.items)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for section in SECTIONS:
            results = [i for i in self.items if i.section == section]
            if results:
                out[section] = {
                    a: sum(1 for i in results if i.action == a) for a in ("created", "updated", "unchanged")
                }
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "error",
            "dryRun": self.dry_run,
            "written": self.written,
            "counts": self.counts(),
            "items": [
                {"section": i.section, "index": i.index, "code": i.code, "action": i.action, "fields": i.changed_fields}
                for i in self.items
            ],
            "errors": [{"field": e.path, "message": e.message} for e in self.errors],
        }

    def as_text(self) -> str:
        lines: list[str] = []
        for section, counts in self.counts().items():
            lines.append(
                f"{section:<16} " + _("{created} created, {updated} updated, {unchanged} unchanged").format(**counts)
            )
        for item in self.items:
            if item.action != "unchanged":
                fields = (
                    f" ({', '.join(item.changed_fields)})" if item.changed_fields and item.action == "updated" else ""
                )
                lines.append(f"{item.section}[{item.index}] {item.code}: {item.action}{fields}")
        for error in self.errors:
            lines.append(f"ERROR {error}")
        if self.errors:
            lines.append(_("{n} error(s): nothing written.").format(n=len(self.errors)))
        elif self.dry_run:
            lines.append(_("Dry run: nothing written."))
        elif self.written:
            lines.append(_("Written."))
        else:
            lines.append(_("Nothing to change."))
        return "\n".join(lines)


# ----- reading files ------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads 0101 as the octal number 65; codes with leading zeros ("08707", "01") stay text."""


_Loader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
for _first in "+-0123456789":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:str", re.compile(r"^[-+]?0[0-9_]+$"))
    )


def parse_text(text: str, fmt: str = "yaml") -> Any:
    """The document's data from YAML or JSON text; InvalidInput when it does not parse."""
    try:
        if fmt == "json":
            return json.loads(text)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            _("not valid JSON: {msg} at line {line}, column {col}").format(msg=exc.msg, line=exc.lineno, col=exc.colno)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" at line {line}, column {col}").format(line=mark.line + 1, col=mark.column + 1) if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(_("not valid YAML: {problem}{where}").format(problem=problem, where=where)) from None


def read_file(path: str | Path, stdin: IO[str] | None = None) -> Any:
    """Read a document: JSON when the file ends in .json, otherwise YAML; "-" reads `stdin`."""
    if str(path) == "-":
        if stdin is None:
            raise InvalidInput(_("no input"))
        return parse_text(stdin.read(), "yaml")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(_("file not found: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("cannot read {path}: {error}").format(path=path, error=exc)) from None
    return parse_text(text, "json" if p.suffix.lower() == ".json" else "yaml")


# ----- validating the document --------------------------------------------------------------------


_FIELD_NAMES = {
    "name_vi": "name",
    "name_en": "nameEn",
    "elements": "dataElements",
    "org_units": "orgUnits",
    "data_element": "dataElements",
}


def _doc_field(name: str | None) -> str:
    """The document key for a model field name in a service error (value_type → valueType)."""
    if not name:
        return ""
    head, sep, rest = name.partition(".")
    bracket = ""
    if "[" in head:
        head, bracket = head[: head.index("[")], head[head.index("[") :]
    key = _FIELD_NAMES.get(head) or re.sub(r"_([a-z])", lambda m: m.group(1).upper(), head)
    return key + bracket + (sep + _doc_field(rest) if rest else "")


def _join(path: str, sub: str) -> str:
    if not sub:
        return path
    return f"{path}{sub}" if sub.startswith("[") else f"{path}.{sub}"


def _pydantic_errors(path: str, exc: PydanticValidationError) -> list[ConfigError]:
    out = []
    for error in exc.errors():
        loc = ""
        for part in error["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc or path else str(part))
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind in ("enum", "literal_error"):
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            message = _("{value!r} is not one of {choices}").format(value=error["input"], choices=", ".join(choices))
        elif kind == "extra_forbidden":
            message = _("unknown key (check the spelling; keys are camelCase)")
        elif kind == "missing":
            message = _("required")
        elif kind == "code":
            message = _("'{value}' is not a valid code: letters, digits, '_' and '-', at most 50").format(
                value=ctx.get("value")
            )
        elif kind == "uid":
            message = _("'{value}' is not a uid: 11 characters, a letter then letters or digits").format(
                value=ctx.get("value")
            )
        elif kind == "unit_code":
            message = _("'{value}' is not an org-unit code").format(value=ctx.get("value"))
        elif kind == "name":
            message = _("a name is required")
        else:
            message = error["msg"]
            message = message.removeprefix("Value error, ")
        out.append(ConfigError(path + loc, message))
    return out


@dataclass
class _Parsed:
    section: str
    index: int
    item: Any


def validate_document(data: Any) -> tuple[list[_Parsed], list[ConfigError], dict[str, set[str]]]:
    """Each item validated on its own, so every error is reported; duplicates of codes within a section.
    Returns the valid items, the errors, and the codes of the items that failed, by section."""
    errors: list[ConfigError] = []
    parsed: list[_Parsed] = []
    failed: dict[str, set[str]] = {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return (
            [],
            [ConfigError("", _("the document must be a mapping with keys {keys}").format(keys=", ".join(SECTIONS)))],
            failed,
        )
    for key in data:
        if key not in SECTIONS and key != "version":
            errors.append(
                ConfigError(str(key), _("unknown section; use {keys}").format(keys=", ".join(["version", *SECTIONS])))
            )
    if data.get("version", 1) != 1:
        errors.append(ConfigError("version", _("only version 1 is known")))
    for section, model in SECTIONS.items():
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            errors.append(ConfigError(section, _("must be a list")))
            continue
        first_index: dict[str, int] = {}
        for index, raw in enumerate(items):
            path = f"{section}[{index}]"
            if not isinstance(raw, dict):
                errors.append(ConfigError(path, _("must be a mapping")))
                continue
            try:
                item = model.model_validate(raw)
            except PydanticValidationError as exc:
                errors.extend(_pydantic_errors(path, exc))
                if isinstance(raw.get("code"), (str, int)):
                    failed.setdefault(section, set()).add(str(raw["code"]).strip())
                continue
            code = item.code  # type: ignore[attr-defined]
            if code in first_index:
                errors.append(
                    ConfigError(
                        f"{path}.code",
                        _("'{code}' appears twice: also {section}[{i}]").format(
                            code=code, section=section, i=first_index[code]
                        ),
                    )
                )
                continue
            first_index[code] = index
            parsed.append(_Parsed(section, index, item))
    return parsed, errors, failed


# ----- loading ------------------------------------------------------------------------------------


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
        return services.do_save_data_set(self.user, data_set, elements=elements, org_units=units, via=self.via)

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


def load_file(path: str | Path, **kwargs: Any) -> LoadReport:
    try:
        data = read_file(path)
    except InvalidInput as exc:
        return LoadReport(dry_run=bool(kwargs.get("dry_run")), errors=[ConfigError("", exc.message)])
    return load_document(data, **kwargs)


# ----- exporting ----------------------------------------------------------------------------------


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
        elements = (
            DataSetElement.objects.filter(data_set=ds)
            .order_by("sort_order", "id")
            .values_list("data_element__code", flat=True)
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
                data_elements=list(elements),
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


def render(doc: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)

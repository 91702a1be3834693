"""Violations described for people: the two sides with their values, the values involved (each with the data
set whose form holds it, for a link), names in the active language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import formats

from ioc.metadata.expressions import Expression
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSetElement, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.quality.rules import IMPORTANCE_ORDER, REFERENCE, CompiledRule, Outcome, compile_rules, parse_expression


@dataclass(frozen=True)
class InvolvedValue:
    element: str  # code
    element_name: str
    coc: str | None  # option combo code; None for the default combo
    coc_name: str
    value: float
    data_set: str | None  # the code of a data set of the rule's period type holding the element

    @property
    def display(self) -> str:
        return format_number(self.value)


@dataclass(frozen=True)
class ElementValues:
    """The values of one element a rule read: its total and, when disaggregated, each option combo's value."""

    element: str
    element_name: str
    total: float
    data_set: str | None
    parts: tuple[InvolvedValue, ...]  # empty for an element without disaggregation

    @property
    def display(self) -> str:
        return format_number(self.total)


@dataclass(frozen=True)
class Violation:
    """A broken rule at one unit and period, in the active language, for the form and the results page."""

    rule_code: str
    rule_name: str
    instruction: str
    importance: str
    importance_label: str
    left: float
    operator: str  # "≤"
    right: float
    left_description: str
    right_description: str
    org_unit_uid: str
    org_unit_name: str
    period: str
    values: tuple[InvolvedValue, ...]
    message: str  # "Trẻ được tiêm đủ (120) ≤ Trẻ dưới 1 tuổi (100)"

    def by_element(self) -> list[ElementValues]:
        """The values involved grouped by element, in the order met."""
        groups: dict[str, list[InvolvedValue]] = {}
        for v in self.values:
            groups.setdefault(v.element, []).append(v)
        return [
            ElementValues(
                element=code,
                element_name=items[0].element_name,
                total=sum(v.value for v in items),
                data_set=items[0].data_set,
                parts=tuple(items) if any(v.coc for v in items) else (),
            )
            for code, items in groups.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_code,
            "ruleName": self.rule_name,
            "instruction": self.instruction,
            "importance": self.importance,
            "left": self.left,
            "operator": self.operator,
            "right": self.right,
            "orgUnit": self.org_unit_uid,
            "period": self.period,
            "message": self.message,
            "values": [
                {"dataElement": v.element, "categoryOptionCombo": v.coc, "value": v.value, "dataSet": v.data_set}
                for v in self.values
            ],
        }


def format_number(x: float) -> str:
    """120, 1.234 (vi) / 1,234 (en), 0,5 / 0.5: whole numbers without decimals, others with up to two."""
    if float(x).is_integer():
        return formats.number_format(int(x), 0, use_l10n=True, force_grouping=True)
    text = formats.number_format(round(x, 2), 2, use_l10n=True, force_grouping=True)
    sep = formats.get_format("DECIMAL_SEPARATOR")
    return text.rstrip("0").rstrip(sep) if sep in text else text


class Labels:
    """Names of the elements and option combos of some rules (two queries), to describe sides and values."""

    def __init__(
        self,
        compiled: Iterable[CompiledRule],
        extra_codes: Iterable[str] = (),
        *,
        elements: Iterable[DataElement] | None = None,
    ) -> None:
        codes = set(extra_codes)
        for c in compiled:
            codes |= c.element_codes
        known = {e.code: e for e in elements or ()}
        missing = codes - set(known)
        if missing:
            known.update({e.code: e for e in DataElement.objects.filter(code__in=missing)})
        self.elements = known
        self.combos = {
            c.code: c for c in CategoryOptionCombo.objects.filter(combo__data_elements__code__in=codes).distinct()
        }

    def element_name(self, code: str) -> str:
        element = self.elements.get(code)
        return element.name if element else code

    def coc_name(self, code: str | None) -> str:
        if code is None or code == "default":
            return ""
        combo = self.combos.get(code)
        return combo.name if combo else code

    def describe(self, expression: Expression) -> str:
        """The expression with element names for the references: "Trẻ dưới 1 tuổi × 1.1"."""

        def name(match: re.Match[str]) -> str:
            text = self.element_name(match.group(1))
            coc = self.coc_name(match.group(2))
            return f"{text} ({coc})" if coc else text

        return REFERENCE.sub(name, expression.text).replace("*", "×").strip()


def home_data_sets(compiled: Iterable[CompiledRule]) -> dict[tuple[str, str], str]:
    """{(element code, period type): data set code}: the first data set (by code) of that period type holding
    the element — where a value is entered, for links to the form. One query."""
    codes: set[str] = set()
    for c in compiled:
        codes |= c.element_codes
    out: dict[tuple[str, str], str] = {}
    rows = (
        DataSetElement.objects.filter(data_element__code__in=codes)
        .order_by("data_set__code")
        .values_list("data_element__code", "data_set__period_type", "data_set__code")
    )
    for element, period_type, data_set in rows:
        out.setdefault((element, period_type), data_set)
    return out


def describe(
    outcome_rule: CompiledRule,
    *,
    left: float,
    right: float,
    values: Iterable[tuple[str, str | None, float]],
    unit: OrgUnit,
    period: str,
    labels: Labels,
    homes: dict[tuple[str, str], str],
) -> Violation:
    rule = outcome_rule.rule
    operator = ValidationRule.Operator(rule.operator).label
    left_text = labels.describe(outcome_rule.left)
    right_text = labels.describe(outcome_rule.right)
    message = f"{left_text} ({format_number(left)}) {operator} {right_text} ({format_number(right)})"
    involved = tuple(
        InvolvedValue(
            element=code,
            element_name=labels.element_name(code),
            coc=None if coc in (None, "default") else coc,
            coc_name=labels.coc_name(coc),
            value=value,
            data_set=homes.get((code, rule.period_type)),
        )
        for code, coc, value in values
    )
    return Violation(
        rule_code=rule.code,
        rule_name=rule.name,
        instruction=rule.instruction,
        importance=rule.importance,
        importance_label=str(ValidationRule.Importance(rule.importance).label),
        left=left,
        operator=str(operator),
        right=right,
        left_description=left_text,
        right_description=right_text,
        org_unit_uid=unit.uid,
        org_unit_name=unit.name,
        period=period,
        values=involved,
        message=message,
    )


def violations_of(
    outcomes: Iterable[Outcome],
    compiled: Iterable[CompiledRule],
    *,
    labels: Labels | None = None,
    homes: dict[tuple[str, str], str] | None = None,
    units: dict[int, OrgUnit] | None = None,
) -> list[Violation]:
    """The violated outcomes as Violations (names in the active language), most important first. Labels, the
    data sets of the elements and the units are looked up unless given."""
    violated = [o for o in outcomes if o.violated]
    if not violated:
        return []
    compiled = list(compiled)
    labels = labels or Labels(compiled)
    homes = home_data_sets(compiled) if homes is None else homes
    wanted = {o.unit_id for o in violated}
    if units is None or not wanted <= set(units):
        units = OrgUnit.objects.in_bulk(wanted)
    out = [
        describe(
            o.compiled,
            left=o.left,
            right=o.right,
            values=o.involved(),
            unit=units[o.unit_id],
            period=o.period,
            labels=labels,
            homes=homes,
        )
        for o in violated
    ]
    out.sort(key=lambda v: (IMPORTANCE_ORDER.get(v.importance, 9), v.rule_code, v.period, v.org_unit_name))
    return out


# --- the form and the import ------------------------------------------------------------------------------


def describe_results(results: Iterable[Any]) -> list[tuple[Any, Violation]]:
    """(result, its Violation) for stored ValidationResults (with rule and org_unit selected): the sides
    described from the rule's current expressions, the values as stored by the run. Two queries for names."""
    items = list(results)
    if not items:
        return []
    compiled: dict[int, CompiledRule] = {}
    for r in items:
        if r.rule_id not in compiled:
            found, _problems = compile_rules([r.rule])
            if found:
                compiled[r.rule_id] = found[0]
    extra = {v.get("element", "") for r in items for v in (r.values or [])}
    labels = Labels(compiled.values(), extra_codes=extra)
    out = []
    for r in items:
        c = compiled.get(r.rule_id) or CompiledRule(r.rule, parse_expression("0"), parse_expression("0"))
        stored = [(v.get("element", ""), v.get("coc"), float(v.get("value", 0))) for v in (r.values or [])]
        homes = {(v.get("element", ""), r.period_type): v["dataSet"] for v in (r.values or []) if v.get("dataSet")}
        out.append(
            (
                r,
                describe(
                    c,
                    left=r.left_value,
                    right=r.right_value,
                    values=stored,
                    unit=r.org_unit,
                    period=r.period,
                    labels=labels,
                    homes=homes,
                ),
            )
        )
    return out

"""Validation rules over stored values: which (unit, period) pairs break which rule, set-based.

A rule (ioc.metadata.models.ValidationRule: left, operator, right, importance, period type) is evaluated for
every unit and period of its period type that has a value of one of its elements: left and right are computed
with ioc.quality.evaluate (missing values: SKIP_IF_ALL_VALUES_MISSING on each side, as DHIS2's default), and
`left operator right` false is a violation. A side without a result (no value at all, a division by zero)
means the rule is not evaluated there. Values are each unit's own (no sums over its subtree) and of the rule's
period type exactly.

Reads only: nothing here writes. `validate_form` serves the data-entry form's "Run validation" button;
`validate_values` the (unit, period) pairs an import touched; `evaluate_scope` the runs of
ioc.quality.services.run_validation, which keeps the results.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from ioc.accounts.permissions import Action, require
from ioc.accounts.scopes import can_view_unit, visible_q
from ioc.core.errors import InvalidInput, NotAllowed, NotFound
from ioc.core.periods import Period, parse_period, periods_between
from ioc.core.uid import is_valid_uid
from ioc.metadata.expressions import Expression, Reference, parse
from ioc.metadata.models import CategoryOptionCombo, DataElement, DataSet, DataSetElement, ValidationRule
from ioc.orgunits.models import OrgUnit
from ioc.orgunits.selectors import resolve_code
from ioc.quality.evaluate import DEFAULT_STRATEGY, Fetched, Key, MissingValueStrategy, Values, compare, evaluate
from ioc.quality.evaluate import fetch_values as fetch

IMPORTANCE_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}

_REF = re.compile(r"#\{([A-Za-z0-9_\-]+)(?:\.([A-Za-z0-9_\-]+))?\}")


@lru_cache(maxsize=2048)
def _parse(text: str) -> Expression:
    return parse(text)


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its two sides parsed."""

    rule: ValidationRule
    left: Expression
    right: Expression
    strategy: MissingValueStrategy = DEFAULT_STRATEGY
    left_refs: frozenset[Reference] = field(init=False)
    right_refs: frozenset[Reference] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "left_refs", frozenset(self.left.references))
        object.__setattr__(self, "right_refs", frozenset(self.right.references))

    @property
    def element_codes(self) -> set[str]:
        return self.left.element_codes | self.right.element_codes

    @property
    def references(self) -> set[Reference]:
        return set(self.left_refs | self.right_refs)

    def check(self, values: Values) -> tuple[float, float, bool] | None:
        """(left, right, violated), or None when a side has no result (the rule does not apply)."""
        left = evaluate(self.left, values, self.strategy, refs=self.left_refs)
        if left is None:
            return None
        right = evaluate(self.right, values, self.strategy, refs=self.right_refs)
        if right is None:
            return None
        return left, right, not compare(left, self.rule.operator, right)


def compile_rules(rules: Iterable[ValidationRule]) -> tuple[list[CompiledRule], list[str]]:
    """The rules parsed, and a message for each whose expressions no longer parse (left out)."""
    compiled, problems = [], []
    for rule in rules:
        try:
            compiled.append(CompiledRule(rule, _parse(rule.left), _parse(rule.right)))
        except InvalidInput as exc:
            problems.append(_("Rule %(code)s: %(message)s") % {"code": rule.code, "message": exc.message})
    return compiled, problems


@dataclass(frozen=True)
class Outcome:
    """One evaluation of a rule at a (unit, period)."""

    compiled: CompiledRule
    unit_id: int
    period: str
    left: float
    right: float
    violated: bool
    values: Values

    @property
    def rule(self) -> ValidationRule:
        return self.compiled.rule

    def involved(self) -> list[tuple[str, str | None, float]]:
        """(element code, option combo code or None for the total, value) of every value the rule read."""
        return involved_values(self.compiled, self.values)


def involved_values(compiled: CompiledRule, values: Values) -> list[tuple[str, str | None, float]]:
    """The stored values the rule read: the elements in the order the rule names them (left side first), each
    element's option combos by code."""
    out: dict[tuple[str, str | None], float] = {}
    totals = {r.element_code for r in compiled.references if r.coc_code is None}
    for ref in compiled.references:
        if ref.coc_code is not None and ref in values:
            out[(ref.element_code, ref.coc_code)] = values[ref]
    for ref, value in values.items():
        if ref.coc_code is not None and ref.element_code in totals:
            out[(ref.element_code, ref.coc_code)] = value
    order = {
        code: i
        for i, code in enumerate(
            dict.fromkeys(m.group(1) for m in _REF.finditer(compiled.left.text + " " + compiled.right.text))
        )
    }
    return sorted(
        ((code, coc, v) for (code, coc), v in out.items()), key=lambda t: (order.get(t[0], 99), t[0], t[1] or "")
    )


def evaluate_fetched(
    compiled: Iterable[CompiledRule], fetched: Fetched, keys: Collection[Key] | None = None
) -> Iterator[Outcome]:
    """Every rule at every (unit, period) of `fetched` with a value of one of its elements (and in `keys`)."""
    for c in compiled:
        for key in sorted(fetched.keys_for(c.element_codes)):
            if keys is not None and key not in keys:
                continue
            values = fetched.get(key)
            checked = c.check(values)
            if checked is not None:
                yield Outcome(c, key[0], key[1], checked[0], checked[1], checked[2], values)


def periods_in(period_type: str, start: dt.date, end: dt.date) -> list[Period]:
    """The periods of the type lying wholly within [start, end] (DHIS2's rule for a run's periods)."""
    return [p for p in periods_between(period_type, start, end) if p.start >= start and p.end <= end]


@dataclass
class ScopeResult:
    """What evaluate_scope found: every evaluated outcome (violated or not), per-rule problems, counts."""

    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rules: list[CompiledRule] = field(default_factory=list)
    values_read: int = 0

    @property
    def violations(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.violated]


def evaluate_scope(
    rules: Iterable[ValidationRule],
    *,
    units: Q | None,
    scope: Q | None,
    periods: Collection[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    unit_ids: Collection[int] | None = None,
    keys: Collection[Key] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ScopeResult:
    """Evaluate the rules over the units matching `units` (a condition on DataValue) within `scope`, for the
    periods listed or lying within [start, end]: one fetch per period type, then pure evaluation."""
    compiled, problems = compile_rules(rules)
    result = ScopeResult(problems=problems, rules=compiled)
    by_type: dict[str, list[CompiledRule]] = defaultdict(list)
    for c in compiled:
        by_type[c.rule.period_type].append(c)
    total = len(by_type) + len(compiled)
    done = 0
    for period_type, group in sorted(by_type.items()):
        codes = set().union(*(c.element_codes for c in group))
        if periods is not None:
            wanted: Collection[str] | None = [p for p in periods if _type_of(p) == period_type]
            fetched = fetch(codes, period_type=period_type, periods=wanted, units=units, unit_ids=unit_ids, scope=scope)
        else:
            fetched = fetch(
                codes, period_type=period_type, start=start, end=end, units=units, unit_ids=unit_ids, scope=scope
            )
        result.values_read += fetched.rows
        done += 1
        if progress:
            progress(done, total)
        for c in group:
            result.outcomes.extend(evaluate_fetched([c], fetched, keys))
            done += 1
            if progress:
                progress(done, total)
    return result


def _type_of(period_id: str) -> str | None:
    try:
        return parse_period(period_id).period_type
    except InvalidInput:
        return None


# --- what people see --------------------------------------------------------------------------------------


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

        return _REF.sub(name, expression.text).replace("*", "×").strip()


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


def rules_for_data_set(data_set: DataSet, codes: set[str] | None = None) -> list[ValidationRule]:
    """The rules of the data set's period type all of whose elements are in the data set (DHIS2's rule);
    `codes`: the data set's element codes when the caller has them."""
    if codes is None:
        codes = set(data_set.elements.values_list("code", flat=True))
    out = []
    for rule in ValidationRule.objects.filter(period_type=data_set.period_type).order_by("code"):
        try:
            needed = _parse(rule.left).element_codes | _parse(rule.right).element_codes
        except InvalidInput:
            continue
        if needed and needed <= codes:
            out.append(rule)
    return out


def _data_set(ref: DataSet | str) -> DataSet:
    if isinstance(ref, DataSet):
        return ref
    found = DataSet.objects.filter(Q(code=ref) | Q(uid=ref)).first()
    if found is None:
        raise NotFound(_("No data set with code or uid '%(ref)s'") % {"ref": ref}, field="dataSet")
    return found


def _unit(ref: OrgUnit | str, on: dt.date) -> OrgUnit:
    if isinstance(ref, OrgUnit):
        return ref
    if is_valid_uid(ref):
        found = OrgUnit.objects.filter(uid=ref).first()
        if found is not None:
            return found
    return resolve_code(ref, on, field="orgUnit")


def validate_form(user: Any, data_set: DataSet | str, org_unit: OrgUnit | str, period: Period | str) -> list[Violation]:
    """The violations of the data set's rules by the values of one form (unit, period), most important first.
    Not stored. The unit must be in the user's view scope (NotAllowed otherwise). A few queries."""
    require(user, Action.VIEW_DATA)
    ds = _data_set(data_set)
    the_period = period if isinstance(period, Period) else parse_period(period)
    if the_period.period_type != ds.period_type:
        raise InvalidInput(
            _("Period %(period)s is not a %(type)s period of data set %(code)s")
            % {"period": the_period.id, "type": ds.period_type, "code": ds.code},
            field="period",
        )
    unit = _unit(org_unit, the_period.start)
    if not can_view_unit(user, unit):
        raise NotAllowed(_("Org unit %(code)s is outside your view scope") % {"code": unit.code})
    elements = list(ds.elements.all())
    rules = rules_for_data_set(ds, {e.code for e in elements})
    compiled, _problems = compile_rules(rules)
    if not compiled:
        return []
    codes = set().union(*(c.element_codes for c in compiled))
    fetched = fetch(codes, period_type=ds.period_type, periods=[the_period.id], unit_ids=[unit.pk])
    outcomes = list(evaluate_fetched(compiled, fetched))
    return violations_of(
        outcomes,
        compiled,
        labels=Labels(compiled, elements=elements),
        homes={(code, ds.period_type): ds.code for code in codes},  # the values live in this form
        units={unit.pk: unit},
    )


def validate_values(
    user: Any, keys: Iterable[tuple[OrgUnit | int, Period | str]], *, rules: Iterable[ValidationRule] | None = None
) -> list[Violation]:
    """After an import: the violations at the (unit, period) pairs it touched (units as OrgUnit or id,
    periods as Period or id), every rule of each period's type; pairs outside the user's view scope are left
    out. Not stored: ioc.quality.services.validate_and_record(user, keys) stores them on the results page."""
    if user is not None:
        require(user, Action.VIEW_DATA)
    result = evaluate_keys(user, keys, rules=rules)
    return violations_of(result.outcomes, result.rules)


def normalise_keys(keys: Iterable[tuple[OrgUnit | int, Period | str]]) -> set[Key]:
    out: set[Key] = set()
    for unit, period in keys:
        unit_id = unit.pk if isinstance(unit, OrgUnit) else int(unit)
        out.add((unit_id, period.id if isinstance(period, Period) else str(period)))
    return out


def evaluate_keys(
    user: Any, keys: Iterable[tuple[OrgUnit | int, Period | str]], *, rules: Iterable[ValidationRule] | None = None
) -> ScopeResult:
    wanted = normalise_keys(keys)
    if not wanted:
        return ScopeResult()
    period_types = {t for t in (_type_of(p) for _u, p in wanted) if t}
    chosen = list(rules) if rules is not None else list(ValidationRule.objects.filter(period_type__in=period_types))
    return evaluate_scope(
        chosen,
        units=None,
        scope=None if user is None else visible_q(user, "org_unit__"),
        periods=sorted({p for _u, p in wanted}),
        unit_ids=sorted({u for u, _p in wanted}),
        keys=wanted,
    )


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
        c = compiled.get(r.rule_id) or CompiledRule(r.rule, _parse("0"), _parse("0"))
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

"""Validation rules compiled once and evaluated set-based over stored values: which (unit, period) pairs
break which rule. The rule semantics (missing values, period types, each unit's own values) are described in
ioc.quality.validation."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Q
from django.utils.translation import gettext as _

from ioc.core.errors import InvalidInput
from ioc.core.periods import Period, parse_period, periods_between
from ioc.metadata.expressions import Expression, Reference, parse
from ioc.metadata.models import ValidationRule
from ioc.quality.evaluate import DEFAULT_STRATEGY, Fetched, Key, MissingValueStrategy, Values, compare, evaluate
from ioc.quality.evaluate import fetch_values as fetch

IMPORTANCE_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}

REFERENCE = re.compile(r"#\{([A-Za-z0-9_\-]+)(?:\.([A-Za-z0-9_\-]+))?\}")


@lru_cache(maxsize=2048)
def parse_expression(text: str) -> Expression:
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
            compiled.append(CompiledRule(rule, parse_expression(rule.left), parse_expression(rule.right)))
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
            dict.fromkeys(m.group(1) for m in REFERENCE.finditer(compiled.left.text + " " + compiled.right.text))
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
            wanted: Collection[str] | None = [p for p in periods if type_of_period(p) == period_type]
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


def type_of_period(period_id: str) -> str | None:
    try:
        return parse_period(period_id).period_type
    except InvalidInput:
        return None


# --- what people see --------------------------------------------------------------------------------------

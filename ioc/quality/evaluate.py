"""Evaluating expressions (validation rule sides, later indicators) over values fetched set-based.

Two halves, usable apart:

* `evaluate(expression, values, strategy)` — pure: the value of a parsed expression
  (ioc.metadata.expressions) over a {Reference: value} mapping, with DHIS2's missing-value strategies;
* `fetch_values(...)` — a few queries: for a set of units × periods, the values of the referenced elements as
  one {Reference: value} mapping per (unit id, period id): `#{DE}` the element's total over its option combos,
  `#{DE.COC}` one combo's value.

Missing values (DHIS2's `missingValueStrategy`, per expression):

    SKIP_IF_ALL_VALUES_MISSING (the default, as in DHIS2): no value for any reference → no result (None);
        otherwise the missing references count as 0.
    SKIP_IF_ANY_VALUE_MISSING: any reference without a value → no result.
    NEVER_SKIP: missing references count as 0, always a result.

A reference to an element's total (`#{DE}`) has a value when any of its option combos has one. Division by zero
and overflow give None whatever the strategy (the tree of ioc.metadata.expressions evaluates each node so);
a validation rule with a side that is None is not evaluated (not a violation).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.db.models import Q

from ioc.datavalues.models import DataValue
from ioc.metadata.expressions import Expression, Reference
from ioc.metadata.models import CategoryOptionCombo, DataElement

# (org unit id, period id)
Key = tuple[int, str]
Values = dict[Reference, float]


class MissingValueStrategy(StrEnum):
    SKIP_IF_ANY_VALUE_MISSING = "SKIP_IF_ANY_VALUE_MISSING"
    SKIP_IF_ALL_VALUES_MISSING = "SKIP_IF_ALL_VALUES_MISSING"
    NEVER_SKIP = "NEVER_SKIP"


DEFAULT_STRATEGY = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING


def _present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def evaluate(
    expression: Expression,
    values: Mapping[Reference, float | None],
    strategy: MissingValueStrategy | str = DEFAULT_STRATEGY,
    *,
    refs: Collection[Reference] | None = None,
) -> float | None:
    """The value of `expression` over `values`, or None: skipped under the missing-value `strategy`, or
    undefined (division by zero, overflow). `refs`: the expression's references, when the caller keeps them
    (evaluating one expression many times)."""
    if not isinstance(strategy, MissingValueStrategy):
        strategy = MissingValueStrategy(strategy)
    if refs is None:
        refs = expression.references
    complete: dict[Reference, float | None] = {}
    found = 0
    for ref in refs:
        value = values.get(ref)
        if _present(value):
            found += 1
            complete[ref] = value
        else:
            complete[ref] = 0.0
    if strategy == MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING and found < len(refs):
        return None
    if strategy == MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING and refs and not found:
        return None
    result = expression.tree.evaluate(complete)
    if result is None or not math.isfinite(result):
        return None
    return result


def _tolerance(a: float, b: float) -> float:
    """Floating-point noise (110 × 1.1 is 121.00000000000001): differences this small are equality."""
    return 1e-9 * max(1.0, abs(a), abs(b))


def compare(left: float, operator: str, right: float) -> bool:
    """left `operator` right, with `operator` one of ValidationRule.Operator's values (==, !=, >, >=, <, <=)."""
    close = abs(left - right) <= _tolerance(left, right)
    if operator == "==":
        return close
    if operator == "!=":
        return not close
    if operator == ">":
        return left > right and not close
    if operator == ">=":
        return left > right or close
    if operator == "<":
        return left < right and not close
    if operator == "<=":
        return left < right or close
    raise ValueError(f"unknown operator {operator!r}")


def element_codes(expressions: Iterable[Expression]) -> set[str]:
    codes: set[str] = set()
    for expr in expressions:
        codes |= expr.element_codes
    return codes


class Fetched:
    """The values of one fetch: a {Reference: value} mapping per (unit id, period id), and for each element
    code the keys that have a value of it (so that a rule visits only the units and periods with data)."""

    def __init__(self) -> None:
        self.values: dict[Key, Values] = defaultdict(dict)
        self.keys_of: dict[str, set[Key]] = defaultdict(set)
        self.rows = 0

    def add(self, key: Key, element_code: str, coc_code: str, value: float) -> None:
        self.add_refs(key, element_code, Reference(element_code), Reference(element_code, coc_code), value)

    def add_refs(self, key: Key, element_code: str, total: Reference, one: Reference, value: float) -> None:
        mapping = self.values[key]
        mapping[total] = mapping.get(total, 0.0) + value
        mapping[one] = value
        self.keys_of[element_code].add(key)
        self.rows += 1

    def keys_for(self, codes: Iterable[str]) -> set[Key]:
        """The (unit, period) pairs with a value of any of these elements."""
        out: set[Key] = set()
        for code in codes:
            out |= self.keys_of.get(code, set())
        return out

    def get(self, key: Key) -> Values:
        return self.values.get(key, {})


def fetch_values(
    element_codes: Collection[str],
    *,
    period_type: str,
    periods: Collection[str] | None = None,
    start: Any = None,
    end: Any = None,
    units: Q | None = None,
    unit_ids: Collection[int] | None = None,
    scope: Q | None = None,
) -> Fetched:
    """The stored numeric values (not deleted) of these elements with periods of `period_type`: those in
    `periods`, or lying within [start, end]; of the units matching `units` (a condition on DataValue, e.g.
    subtree_q(root, "org_unit__")) and/or with ids in `unit_ids`; and within `scope` (the user's
    visible_q(user, "org_unit__")). Three queries: elements, option combos, values (streamed)."""
    fetched = Fetched()
    if not element_codes:
        return fetched
    elements = dict(DataElement.objects.filter(code__in=list(element_codes)).values_list("id", "code"))
    if not elements:
        return fetched
    combos = dict(CategoryOptionCombo.objects.filter(combo__data_elements__in=list(elements)).values_list("id", "code"))
    qs = DataValue.objects.filter(
        data_element_id__in=list(elements), period_type=period_type, deleted=False, value_num__isnull=False
    )
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    if start is not None:
        qs = qs.filter(start_date__gte=start)
    if end is not None:
        qs = qs.filter(end_date__lte=end)
    if units is not None:
        qs = qs.filter(units)
    if unit_ids is not None:
        qs = qs.filter(org_unit_id__in=list(unit_ids))
    if scope is not None:
        qs = qs.filter(scope)
    rows = qs.order_by().values_list(
        "data_element_id", "category_option_combo_id", "org_unit_id", "period", "value_num"
    )
    # one Reference object per element and per (element, combo), made once: rows only look them up
    totals = {pk: Reference(code) for pk, code in elements.items()}
    ones: dict[tuple[int, int], Reference] = {}
    for element_id, coc_id, unit_id, period, value in rows.iterator(chunk_size=20_000):
        if value is None:  # excluded by the query; for the type checker
            continue
        one = ones.get((element_id, coc_id))
        if one is None:
            one = ones[(element_id, coc_id)] = Reference(elements[element_id], combos.get(coc_id, str(coc_id)))
        fetched.add_refs((unit_id, period), one.element_code, totals[element_id], one, value)
    return fetched

"""The evaluator: every node type, the three missing-value strategies, division by zero, option-combo
references, comparisons with floating-point noise, and the set-based fetch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from ioc.accounts.scopes import visible_q
from ioc.metadata.expressions import Reference, parse
from ioc.orgunits.selectors import subtree_q
from ioc.quality.evaluate import MissingValueStrategy, compare, evaluate, fetch_values

A, B, C = Reference("A"), Reference("B"), Reference("C")
A_F = Reference("A", "SEX_F")
SKIP_ALL = MissingValueStrategy.SKIP_IF_ALL_VALUES_MISSING
SKIP_ANY = MissingValueStrategy.SKIP_IF_ANY_VALUE_MISSING
NEVER = MissingValueStrategy.NEVER_SKIP


def ev(text: str, values: dict[Reference, float | None], strategy: MissingValueStrategy = SKIP_ALL) -> float | None:
    return evaluate(parse(text), values, strategy)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12.0),  # Number
        ("1.5e2", 150.0),
        ("#{A}", 6.0),  # Ref
        ("-#{A}", -6.0),  # Negate
        ("--#{A}", 6.0),
        ("+#{A}", 6.0),
        ("#{A} + #{B} - 1", 9.0),  # Chain of + and -
        ("#{A} - #{B} - 1", 1.0),  # left-associative
        ("#{A} * #{B} / 4", 6.0),  # Chain of * and /
        ("#{A} / #{B} / 2", 0.75),
        ("#{A} + #{B} * 2", 14.0),  # precedence
        ("(#{A} + #{B}) * 2", 20.0),
        ("max(#{A}, #{B}, 5)", 6.0),  # Call
        ("min(#{A}, #{B}, 5)", 4.0),
        ("max(#{A} - 10, -1)", -1.0),
        ("#{A.SEX_F}", 2.0),  # an option combo's own value
        ("#{A} - #{A.SEX_F}", 4.0),
    ],
)
def test_each_node_type(text, expected):
    assert ev(text, {A: 6.0, B: 4.0, A_F: 2.0}) == pytest.approx(expected)


def test_division_by_zero_and_overflow_give_none_whatever_the_strategy():
    for strategy in MissingValueStrategy:
        assert ev("#{A} / #{B}", {A: 5.0, B: 0.0}, strategy) is None
        assert ev("#{A} / (#{B} - #{B})", {A: 5.0, B: 3.0}, strategy) is None
        assert ev("#{A} * 1e308 * 10", {A: 5.0}, strategy) is None
    # a missing denominator counted as 0 is a division by zero too
    assert ev("#{A} / #{B}", {A: 5.0}, NEVER) is None


def test_skip_if_all_values_missing_is_the_default():
    assert evaluate(parse("#{A} + #{B}"), {}) is None  # nothing at all: skipped
    assert evaluate(parse("#{A} + #{B}"), {A: 3.0}) == 3.0  # B missing counts as 0
    assert evaluate(parse("#{A} + #{B}"), {A: None, B: 2.0}) == 2.0
    assert evaluate(parse("#{A} + #{B}"), {A: float("nan")}) is None  # NaN is missing
    assert evaluate(parse("7"), {}) == 7.0  # no reference: always a value


def test_skip_if_any_value_missing():
    assert ev("#{A} + #{B}", {A: 3.0}, SKIP_ANY) is None
    assert ev("#{A} + #{B}", {A: 3.0, B: 1.0}, SKIP_ANY) == 4.0
    assert ev("#{A} + #{B}", {A: 3.0, B: None}, SKIP_ANY) is None


def test_never_skip():
    assert ev("#{A} + #{B}", {}, NEVER) == 0.0
    assert ev("#{A} + 5", {}, NEVER) == 5.0
    assert ev("#{A} + #{B}", {B: 2.0}, NEVER) == 2.0


def test_strategy_as_text_and_unknown_strategy():
    assert evaluate(parse("#{A}"), {}, "NEVER_SKIP") == 0.0
    with pytest.raises(ValueError):
        evaluate(parse("#{A}"), {}, "SOMETIMES")


@pytest.mark.parametrize(
    ("left", "op", "right", "holds"),
    [
        (1, "==", 1, True),
        (1, "==", 2, False),
        (1, "!=", 2, True),
        (1, "!=", 1, False),
        (2, ">", 1, True),
        (1, ">", 1, False),
        (1, ">=", 1, True),
        (0, ">=", 1, False),
        (1, "<", 2, True),
        (2, "<", 2, False),
        (2, "<=", 2, True),
        (3, "<=", 2, False),
        # floating-point noise is equality: 110 × 1.1 = 121.00000000000001
        (121, "<=", 110 * 1.1, True),
        (110 * 1.1, "<=", 121, True),
        (110 * 1.1, "==", 121, True),
        (110 * 1.1, ">", 121, False),
        (121.0001, "<=", 121, False),
    ],
)
def test_compare(left, op, right, holds):
    assert compare(float(left), op, float(right)) is holds


def test_compare_refuses_an_unknown_operator():
    with pytest.raises(ValueError):
        compare(1.0, "=>", 2.0)


# --- the set-based fetch -----------------------------------------------------------------------------------


def test_fetch_sums_totals_over_option_combos_and_keeps_each_combo(vworld, django_assert_max_num_queries):
    w = vworld
    w.put(w.imm, "c1", "202501", 30, w.male)
    w.put(w.imm, "c1", "202501", 25, w.female)
    w.put(w.u1, "c1", "202501", 50)
    w.put(w.u1, "c2", "202501", 40)
    w.put(w.u1, "c1", "202502", 45)
    w.put(w.u1, "c3", "202501", 99, deleted=True)  # deleted: never read
    w.put(w.pop, "c1", "2025", 1000)  # another period type
    with django_assert_max_num_queries(3):
        fetched = fetch_values({"IMM", "U1", "POP"}, period_type="Monthly", periods=["202501"])
    c1, c2 = w.units["c1"].pk, w.units["c2"].pk
    assert fetched.get((c1, "202501")) == {
        Reference("IMM"): 55.0,
        Reference("IMM", "SEX_M"): 30.0,
        Reference("IMM", "SEX_F"): 25.0,
        Reference("U1"): 50.0,
        Reference("U1", "default"): 50.0,
    }
    assert fetched.get((c2, "202501")) == {Reference("U1"): 40.0, Reference("U1", "default"): 40.0}
    assert set(fetched.values) == {(c1, "202501"), (c2, "202501")}
    assert fetched.keys_for(["IMM"]) == {(c1, "202501")}
    assert fetched.keys_for(["IMM", "U1"]) == {(c1, "202501"), (c2, "202501")}
    assert fetched.rows == 4


def test_fetch_by_dates_units_and_scope(vworld):
    w = vworld
    for unit in ("c1", "c2", "c3"):
        w.put(w.u1, unit, "202501", 10)
        w.put(w.u1, unit, "202503", 10)
    between = fetch_values(
        {"U1"},
        period_type="Monthly",
        start=dt.date.fromisoformat("2025-02-01"),
        end=dt.date.fromisoformat("2025-03-31"),
    )
    assert {k[1] for k in between.values} == {"202503"}
    in_d1 = fetch_values({"U1"}, period_type="Monthly", units=subtree_q(w.units["d1"], "org_unit__"))
    assert {k[0] for k in in_d1.values} == {w.units["c1"].pk, w.units["c2"].pk}
    seen_by_b = fetch_values({"U1"}, period_type="Monthly", scope=visible_q(w.viewer_b, "org_unit__"))
    assert {k[0] for k in seen_by_b.values} == {w.units["c3"].pk}
    nobody = fetch_values({"U1"}, period_type="Monthly", scope=visible_q(w.nobody, "org_unit__"))
    assert not nobody.values
    one = fetch_values({"U1"}, period_type="Monthly", unit_ids=[w.units["c2"].pk], units=Q())
    assert set(one.values) == {(w.units["c2"].pk, "202501"), (w.units["c2"].pk, "202503")}
    assert not fetch_values(set(), period_type="Monthly").values
    assert not fetch_values({"NO_SUCH"}, period_type="Monthly").values

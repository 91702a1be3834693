from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ioc.core.errors import InvalidInput
from ioc.metadata.expressions import Reference, check, parse, validate_references

# ----- a reference evaluator, independent of the parser -------------------------------------------

CODES = ["A", "B_2", "DE-3", "x"]
COCS = [None, "F", "M_1"]


@dataclass(frozen=True)
class Lit:
    value: float


@dataclass(frozen=True)
class RefT:
    element: str
    coc: str | None


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Bin:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Fn:
    name: str
    args: tuple[object, ...]


def ref_eval(node, values):
    """Plain-Python semantics: missing → 0, division by zero → None, None propagates."""
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, RefT):
        v = values.get((node.element, node.coc))
        return 0.0 if v is None else v
    if isinstance(node, Neg):
        v = ref_eval(node.operand, values)
        return None if v is None else -v
    if isinstance(node, Fn):
        vs = [ref_eval(a, values) for a in node.args]
        if any(v is None for v in vs):
            return None
        return max(vs) if node.name == "max" else min(vs)
    a, b = ref_eval(node.left, values), ref_eval(node.right, values)
    if a is None or b is None:
        return None
    if node.op == "/":
        if b == 0:
            return None
        r = a / b
    else:
        r = {"+": a + b, "-": a - b, "*": a * b}[node.op]
    return r if math.isfinite(r) else None


def render(node, rng) -> str:
    """Render with random (redundant) parentheses and spacing; precedence kept by parenthesising children."""
    sp = " " if rng else ""
    if isinstance(node, Lit):
        text = repr(node.value) if not node.value.is_integer() else str(int(node.value))
        return text
    if isinstance(node, RefT):
        return f"#{{{node.element}}}" if node.coc is None else f"#{{{node.element}.{node.coc}}}"
    if isinstance(node, Neg):
        return f"-({render(node.operand, rng)})"
    if isinstance(node, Fn):
        return f"{node.name}(" + f",{sp}".join(render(a, rng) for a in node.args) + ")"
    return f"({render(node.left, rng)}{sp}{node.op}{sp}{render(node.right, rng)})"


numbers = st.one_of(
    st.integers(min_value=0, max_value=10_000).map(float),
    st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False),
).map(Lit)
refs = st.builds(RefT, st.sampled_from(CODES), st.sampled_from(COCS))
trees = st.recursive(
    st.one_of(numbers, refs),
    lambda children: st.one_of(
        st.builds(Neg, children),
        st.builds(Bin, st.sampled_from("+-*/"), children, children),
        st.builds(Fn, st.sampled_from(["max", "min"]), st.lists(children, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=12,
)
value_maps = st.dictionaries(
    st.tuples(st.sampled_from(CODES), st.sampled_from(COCS)),
    st.one_of(st.none(), st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)),
    max_size=8,
)


def leaves(node):
    if isinstance(node, RefT):
        yield node
    elif isinstance(node, Neg):
        yield from leaves(node.operand)
    elif isinstance(node, Bin):
        yield from leaves(node.left)
        yield from leaves(node.right)
    elif isinstance(node, Fn):
        for a in node.args:
            yield from leaves(a)


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(trees, value_maps, st.booleans())
def test_random_trees_parse_back_and_evaluate_like_the_reference(tree, values, spaced):
    text = render(tree, spaced)
    expr = parse(text)
    mapping = {Reference(e, c): v for (e, c), v in values.items()}
    assert close(expr.evaluate(mapping), ref_eval(tree, values))
    assert expr.references == {Reference(r.element, r.coc) for r in leaves(tree)}
    # the canonical form parses to the same tree
    assert parse(expr.canonical()).tree == expr.tree


@settings(max_examples=100, deadline=None)
@given(trees, value_maps)
def test_skip_gives_none_when_any_reference_is_missing(tree, values):
    expr = parse(render(tree, True))
    mapping = {Reference(e, c): v for (e, c), v in values.items()}
    missing = any(mapping.get(r) is None for r in expr.references)
    result = expr.evaluate(mapping, missing="skip")
    if missing:
        assert result is None
    else:
        assert close(result, expr.evaluate(mapping, missing="zero"))


def test_precedence_and_associativity():
    assert parse("1 + 2 * 3").evaluate({}) == 7
    assert parse("(1 + 2) * 3").evaluate({}) == 9
    assert parse("10 - 4 - 3").evaluate({}) == 3
    assert parse("64 / 4 / 2").evaluate({}) == 8
    assert parse("-2 * 3").evaluate({}) == -6
    assert parse("2 - -3").evaluate({}) == 5
    assert parse("+4").evaluate({}) == 4
    assert parse("1e3 + .5").evaluate({}) == 1000.5
    assert parse("max(1, 7, 3) - min(4, 2)").evaluate({}) == 5


def test_references_and_values():
    expr = parse("#{EDU_PUPILS.FEMALE_PRIMARY} / #{EDU_PUPILS} * 100")
    assert expr.references == {Reference("EDU_PUPILS", "FEMALE_PRIMARY"), Reference("EDU_PUPILS")}
    values = {Reference("EDU_PUPILS", "FEMALE_PRIMARY"): 30.0, Reference("EDU_PUPILS"): 60.0}
    assert expr.evaluate(values) == 50
    assert expr.evaluate({Reference("EDU_PUPILS"): 60.0}) == 0
    assert expr.evaluate({Reference("EDU_PUPILS"): 60.0}, missing="skip") is None


def test_division_by_zero_is_none_not_an_error():
    assert parse("1 / 0").evaluate({}) is None
    assert parse("#{A} / #{B}").evaluate({Reference("A"): 5.0}) is None
    assert parse("1 + max(2, 1/0)").evaluate({}) is None


def test_bad_missing_mode():
    with pytest.raises(ValueError):
        parse("1").evaluate({}, missing="nope")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(#{A} + #{B}))", "unexpected ')' at column 14"),
        ("#{A} +", "unexpected end of expression"),
        ("(1 + 2", "unexpected end of expression"),
        ("1 2", "unexpected '2' at column 3"),
        ("1 @ 2", "unexpected '@' at column 3"),
        ("#{A b}", "malformed reference at column 1"),
        ("#{A.B.C}", "malformed reference"),
        ("#{}", "malformed reference"),
        ("max()", "unexpected ')' at column 5"),
        ("abs(1)", "unexpected 'a' at column 1"),
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
        ("1e999", "too large"),
        ("-" * 150 + "1", "nested more than 100 levels"),
        ("max(" * 120 + "1" + ", 2)" * 120, "nested more than 100 levels"),
        ("1+" * 3000 + "1", "longer than"),
        ("__import__('os')", "unexpected '_' at column 1"),
    ],
)
def test_syntax_errors_say_what_and_where(text, message):
    with pytest.raises(InvalidInput) as info:
        parse(text)
    assert message in info.value.message
    assert info.value.errors[0]["field"] == "expression"


def test_long_flat_and_parenthesised_expressions_parse():
    assert parse(" + ".join(["1"] * 1200)).evaluate({}) == 1200
    assert parse("*".join(["2"] * 1000)).evaluate({}) == 2.0**1000
    assert parse("*".join(["2"] * 1100)).evaluate({}) is None  # beyond a float: undefined, not inf
    assert parse("(" * 500 + "7" + ")" * 500).evaluate({}) == 7


def test_no_eval_of_python():
    with pytest.raises(InvalidInput):
        parse("1 if 1 else 2")
    with pytest.raises(InvalidInput):
        parse("2 ** 3")


# ----- references against the database --------------------------------------------------------------


@pytest.mark.django_db
def test_validate_references(sex_combo, make_element):
    make_element("PUPILS", combo=sex_combo)
    make_element("NOTE", value_type="TEXT", aggregation_type="LAST")
    make_element("BEDS")
    assert validate_references(parse("#{PUPILS.FEMALE} + #{BEDS}")).references
    assert check("#{PUPILS} / 2").evaluate({Reference("PUPILS"): 4.0}) == 2

    with pytest.raises(InvalidInput) as info:
        check("#{PUPIL} + #{PUPILS.FEMAL} + #{BEDS.FEMALE} + #{NOTE}")
    message = info.value.message
    assert "unknown data element 'PUPIL'" in message
    assert "unknown category option combo 'FEMAL'" in message
    assert "'FEMALE' is not a disaggregation of data element 'BEDS'" in message
    assert "'NOTE' holds text" in message

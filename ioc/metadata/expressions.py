"""The expression language of indicators and validation rules, DHIS2's syntax, parsed by a grammar.

    #{DE_CODE}            the element's total over all its disaggregations
    #{DE_CODE.COC_CODE}   the element's value for one category option combo
    12  0.5  1e3          numbers
    + - * /  unary -/+    arithmetic, usual precedence, left-associative
    ( … )                 grouping
    max(a, b, …)  min(a, b, …)

Never evaluated by Python's eval: the text is parsed (lark, LALR) into a small tree of dataclasses that
evaluate themselves. Division by zero and missing values give None, not an exception.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, TypeAlias, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ioc.core.errors import InvalidInput

MAX_LENGTH = 5000
MAX_DEPTH = 100

# Sums and products are n-ary chains, so a long flat expression makes a shallow tree; the parser builds
# the tree while it parses (LALR with an embedded transformer), with no recursion over the input.
GRAMMAR = r"""
?start: sum

?sum: product ((PLUS | MINUS) product)*

?product: unary ((STAR | SLASH) unary)*

?unary: atom
    | MINUS unary       -> neg
    | PLUS unary        -> pos

?atom: NUMBER           -> number
    | REF               -> ref
    | FUNC "(" sum ("," sum)* ")" -> call
    | "(" sum ")"

PLUS: "+"
MINUS: "-"
STAR: "*"
SLASH: "/"
FUNC: "max" | "min"
REF: /#\{[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)?\}/
NUMBER: /(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/

%import common.WS
%ignore WS
"""

_TOKEN_NAMES: dict[str, object] = {
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "LPAR": "'('",
    "RPAR": "')'",
    "COMMA": "','",
    "NUMBER": gettext_lazy("a number"),
    "REF": gettext_lazy("a reference #{...}"),
    "FUNC": gettext_lazy("max or min"),
    "$END": gettext_lazy("the end"),
}

Missing: TypeAlias = Literal["zero", "skip"]


@dataclass(frozen=True, order=True)
class Reference:
    """#{element_code} (coc_code None: the element's total) or #{element_code.coc_code}."""

    element_code: str
    coc_code: str | None = None

    def __str__(self) -> str:
        return f"#{{{self.element_code}}}" if self.coc_code is None else f"#{{{self.element_code}.{self.coc_code}}}"


# ----- the tree ---------------------------------------------------------------------------------


class Node:
    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:  # pragma: no cover
        raise NotImplementedError

    def refs(self) -> set[Reference]:  # pragma: no cover
        raise NotImplementedError

    def render(self) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Number(Node):
    value: float

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        return self.value

    def refs(self) -> set[Reference]:
        return set()

    def render(self) -> str:
        return repr(self.value) if not self.value.is_integer() else str(int(self.value))


@dataclass(frozen=True)
class Ref(Node):
    ref: Reference

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        value = values.get(self.ref)
        return None if value is None else float(value)

    def refs(self) -> set[Reference]:
        return {self.ref}

    def render(self) -> str:
        return str(self.ref)


@dataclass(frozen=True)
class Negate(Node):
    operand: Node

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        value = self.operand.evaluate(values)
        return None if value is None else -value

    def refs(self) -> set[Reference]:
        return self.operand.refs()

    def render(self) -> str:
        return f"-({self.operand.render()})"


@dataclass(frozen=True)
class Chain(Node):
    """first op₁ x₁ op₂ x₂ …, left to right: one level of + and -, or of * and /."""

    first: Node
    rest: tuple[tuple[str, Node], ...]

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        result = self.first.evaluate(values)
        for op, node in self.rest:
            b = node.evaluate(values)
            if result is None or b is None:
                return None
            if op == "+":
                result = result + b
            elif op == "-":
                result = result - b
            elif op == "*":
                result = result * b
            elif b == 0:
                return None
            else:
                result = result / b
            if not math.isfinite(result):
                return None
        return result

    def refs(self) -> set[Reference]:
        out = self.first.refs()
        for _op, node in self.rest:
            out |= node.refs()
        return out

    def render(self) -> str:
        return "(" + self.first.render() + "".join(f" {op} {node.render()}" for op, node in self.rest) + ")"


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def evaluate(self, values: Mapping[Reference, float | None]) -> float | None:
        results = [arg.evaluate(values) for arg in self.args]
        if any(r is None for r in results):
            return None
        numbers = [r for r in results if r is not None]
        return max(numbers) if self.func == "max" else min(numbers)

    def refs(self) -> set[Reference]:
        out: set[Reference] = set()
        for arg in self.args:
            out |= arg.refs()
        return out

    def render(self) -> str:
        return f"{self.func}({', '.join(a.render() for a in self.args)})"


def _depth(*nodes: Node) -> int:
    return 1 + max((getattr(n, "_depth", 1) for n in nodes), default=0)


def _deep(node: Node, *children: Node) -> Node:
    depth = _depth(*children)
    if depth > MAX_DEPTH:
        raise InvalidInput(
            _("the expression is nested more than {max} levels deep").format(max=MAX_DEPTH), field="expression"
        )
    object.__setattr__(node, "_depth", depth)
    return node


class _ToTree(Transformer[Token, Node]):
    """Called by the parser at each reduction: builds the tree and checks its depth."""

    @v_args(inline=True)
    def number(self, token: Token) -> Node:
        value = float(token)
        if not math.isfinite(value):
            raise InvalidInput(_("number {number} is too large").format(number=str(token)), field="expression")
        return Number(value)

    @v_args(inline=True)
    def ref(self, token: Token) -> Node:
        inner = str(token)[2:-1]
        element, _sep, coc = inner.partition(".")
        return Ref(Reference(element, coc or None))

    def _chain(self, children: list[Any]) -> Node:
        nodes = children[0::2]
        ops = [str(t) for t in children[1::2]]
        return _deep(Chain(nodes[0], tuple(zip(ops, nodes[1:], strict=True))), *nodes)

    def sum(self, children: list[Any]) -> Node:
        return self._chain(children)

    def product(self, children: list[Any]) -> Node:
        return self._chain(children)

    @v_args(inline=True)
    def neg(self, _minus: Token, operand: Node) -> Node:
        return _deep(Negate(operand), operand)

    @v_args(inline=True)
    def pos(self, _plus: Token, operand: Node) -> Node:
        return operand

    def call(self, children: list[Any]) -> Node:
        func, args = str(children[0]), tuple(children[1:])
        return _deep(Call(func, args), *args)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False, transformer=_ToTree())


# ----- the public API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node

    @property
    def references(self) -> set[Reference]:
        return self.tree.refs()

    @property
    def element_codes(self) -> set[str]:
        return {r.element_code for r in self.references}

    def evaluate(self, values: Mapping[Reference, float | None], missing: Missing = "zero") -> float | None:
        """The value, or None when a division by zero, an overflow or (with missing="skip") a missing value
        makes it undefined. missing="zero": references without a value count as 0."""
        if missing not in ("zero", "skip"):
            raise ValueError(f"missing must be 'zero' or 'skip', not {missing!r}")
        complete: dict[Reference, float | None] = {}
        for ref in self.references:
            value = values.get(ref)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                if missing == "skip":
                    return None
                value = 0.0
            complete[ref] = value
        return self.tree.evaluate(complete)

    def canonical(self) -> str:
        """A fully parenthesised form (for comparisons and debugging)."""
        return self.tree.render()

    def __str__(self) -> str:
        return self.text


def _describe(token: Token | None) -> str:
    if token is None or token.type == "$END":
        return _("end of expression")
    return f"'{token.value}'"


def _expected(names: set[str] | frozenset[str] | None) -> str:
    if not names:
        return ""
    shown = sorted({str(_TOKEN_NAMES.get(n, n)) for n in names})
    return "; " + _("expected {options}").format(options=", ".join(shown))


def _syntax_error(text: str, exc: UnexpectedInput) -> InvalidInput:
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        expected = (
            (getattr(exc, "accepts", None) or exc.expected)
            if isinstance(exc, (UnexpectedEOF, UnexpectedToken))
            else None
        )
        message = _("unexpected end of expression") + _expected(set(expected or ()))
    elif isinstance(exc, UnexpectedToken):
        message = _("unexpected {token} at column {column}").format(
            token=_describe(exc.token), column=exc.column
        ) + _expected(exc.accepts or exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if 0 <= pos < len(text) else "?"
        if char == "#":
            message = _(
                "malformed reference at column {column}: write #{{ELEMENT_CODE}} or #{{ELEMENT_CODE.COC_CODE}}, "
                "codes of letters, digits, '_' and '-'"
            ).format(column=exc.column)
        else:
            message = _("unexpected '{char}' at column {column}").format(char=char, column=exc.column)
    else:  # pragma: no cover - lark raises one of the above
        message = str(exc)
    return InvalidInput(message, field="expression")


def parse(text: str) -> Expression:
    """Parse an expression; InvalidInput says what is wrong and where (column, 1-based)."""
    if not isinstance(text, str):
        raise InvalidInput(_("an expression must be text"), field="expression")
    if not text.strip():
        raise InvalidInput(_("the expression is empty"), field="expression")
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            _("the expression is longer than {max} characters").format(max=MAX_LENGTH), field="expression"
        )
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    return Expression(text, cast(Node, tree))


def validate_references(expr: Expression | str) -> Expression:
    """Check that every reference names an existing numeric data element and, for #{DE.COC}, an option
    combo of that element's category combo. Raises InvalidInput listing every unknown code."""
    from ioc.metadata.models import CategoryOptionCombo, DataElement

    if isinstance(expr, str):
        expr = parse(expr)
    refs = sorted(expr.references)
    if not refs:
        return expr
    elements = {
        e.code: e
        for e in DataElement.objects.filter(code__in={r.element_code for r in refs}).only(
            "id", "code", "value_type", "category_combo_id"
        )
    }
    coc_codes = {r.coc_code for r in refs if r.coc_code is not None}
    cocs = {c.code: c for c in CategoryOptionCombo.objects.filter(code__in=coc_codes).only("id", "code", "combo_id")}
    problems: list[str] = []
    for ref in refs:
        element = elements.get(ref.element_code)
        if element is None:
            problems.append(_("unknown data element '{code}' in {ref}").format(code=ref.element_code, ref=str(ref)))
            continue
        if not element.is_numeric:
            problems.append(
                _("data element '{code}' holds text and cannot be used in an expression").format(code=element.code)
            )
        if ref.coc_code is not None:
            coc = cocs.get(ref.coc_code)
            if coc is None:
                problems.append(
                    _("unknown category option combo '{code}' in {ref}").format(code=ref.coc_code, ref=str(ref))
                )
            elif coc.combo_id != element.category_combo_id:
                problems.append(
                    _("category option combo '{coc}' is not a disaggregation of data element '{code}'").format(
                        coc=ref.coc_code, code=element.code
                    )
                )
    if problems:
        unique = list(dict.fromkeys(problems))
        raise InvalidInput("; ".join(unique), field="expression")
    return expr


def check(text: str) -> Expression:
    """parse() then validate_references(): what the services call."""
    return validate_references(parse(text))

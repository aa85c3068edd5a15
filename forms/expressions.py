"""The one safe expression language of the questionnaires.

The same small language is used for `show_if` conditions, checks across answers
(`used_amount <= grant.amount`), computed values and repayment rules run over every grant.
Questionnaire authors are not programmers and their text is never trusted, so an
expression is read by its own tokenizer and parser — never by Python's eval, exec,
compile or ast — and can only reach the names it is given. It is checked completely when
the questionnaire is loaded (syntax, names, types), so that a mistake is reported to the
author with its position instead of surfacing as an error in front of a respondent, and it
is compiled once into a tree of small Python closures that evaluate in microseconds.

Grammar (EBNF; a name in quotes is written literally)::

    expression  = or_expr ;
    or_expr     = and_expr , { "or" , and_expr } ;
    and_expr    = not_expr , { "and" , not_expr } ;
    not_expr    = "not" , not_expr | comparison ;
    comparison  = sum , [ compare_op , sum ] ;          (* one comparison, no a < b < c *)
    compare_op  = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" , "in" ;
    sum         = product , { ( "+" | "-" ) , product } ;
    product     = unary , { ( "*" | "/" ) , unary } ;
    unary       = "-" , unary | primary ;
    primary     = number | text | "true" | "false" | list | call | name
                | "(" , expression , ")" ;
    call        = function , "(" , expression , ")" ;  (* exactly one argument *)
    function    = "sum" | "count" | "min" | "max" | "answered" | "round" | "abs" ;
    list        = "[" , [ text , { "," , text } , [ "," ] ] , "]" ;
    name        = identifier , [ "." , identifier ] ;
    identifier  = letter , { letter | digit | "_" } ;  (* not a keyword *)
    letter      = "a" | "b" | ... | "z" ;              (* lowercase a–z only *)
    number      = digit , { digit } , [ "." , digit , { digit } ] ;
    text        = "'" , { character - "'" } , "'" | '"' , { character - '"' } , '"' ;
    keyword     = "and" | "or" | "not" | "in" | "true" | "false" ;

Spaces and line breaks between the parts are ignored. Decimal numbers use a dot (`12.5`);
texts have no escapes (use the other quote to write one). Names are the ids of earlier
questions (`used_amount`), known context fields (`grant.amount`, `municipality.name`) and,
inside sum/min/max, fields of a repeating group (`positions.fte`).

Meaning:

* Numbers are exact decimals (`0.1 + 0.2 == 0.3` is true); amounts are numbers.
* `+ - * /` work on numbers; comparisons `< <= > >=` on numbers or dates; `== !=` on two
  values of the same kind (number, text, true/false, date); `x in list` and
  `x not in list` test a text against a list such as `['a', 'b']` or a multiple-choice
  answer (`'outreach' in services`).
* `sum(g.f)`, `min(g.f)`, `max(g.f)` run over the number field f of every row of the
  repeating group g; `count(g)` is its number of rows. `answered(x)` is true when question
  x has an answer; `round(x)` rounds to a whole number, halves away from zero
  (2.5 → 3, −2.5 → −3); `abs(x)` drops the sign.

Unanswered questions (the value None) never trigger anything by accident:

* arithmetic with an unanswered value gives unanswered; so do `round`, `abs` and `-`;
* a comparison or `in` / `not in` involving an unanswered value is false;
* `not` of unanswered is unanswered; `a and b` is false if either is false, otherwise
  unanswered if either is; `a or b` is true if either is true, otherwise unanswered if
  either is — and an unanswered result counts as false (`Expression.is_true`);
* `answered(x)` is the way to test for an answer (an empty text or an empty selection is
  not an answer);
* `sum` skips unanswered fields and is 0 for no rows; `min`/`max` of no values is
  unanswered; `count` counts rows, and a group with no value has no rows;
* division by zero gives unanswered, never an error while a respondent is answering.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from typing import Any, NamedTuple, cast

from forms.messages import DEFAULT_LANGUAGE, Msg, message

MAX_SOURCE_LENGTH = 2000
MAX_NESTING = 25  # parentheses, calls, lists, `not` and unary minus inside each other
MAX_HEIGHT = 100  # levels in the tree of operations, so evaluation never recurses deeply

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
FUNCTIONS = ("sum", "count", "min", "max", "answered", "round", "abs")
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")

Values = Mapping[str, object]
Run = Callable[[Values], Any]


# ---- types ---------------------------------------------------------------------------


class Kind(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"
    TEXT_LIST = "text_list"
    GROUP = "group"


_KIND_LABELS = {
    Kind.NUMBER: Msg.TYPE_NUMBER,
    Kind.TEXT: Msg.TYPE_TEXT,
    Kind.BOOL: Msg.TYPE_BOOL,
    Kind.DATE: Msg.TYPE_DATE,
    Kind.TEXT_LIST: Msg.TYPE_TEXT_LIST,
    Kind.GROUP: Msg.TYPE_GROUP,
}
_SCALAR_KINDS = frozenset({Kind.NUMBER, Kind.TEXT, Kind.BOOL, Kind.DATE})


@dataclass(frozen=True)
class Type:
    """The type of a name or an expression; build groups with `Type.group(...)`."""

    kind: Kind
    fields: tuple[tuple[str, Type], ...] = ()

    @classmethod
    def group(cls, fields: Mapping[str, Type]) -> Type:
        """A repeating group whose rows have these fields (number, text, bool or date)."""
        for name, field_type in fields.items():
            if not valid_name(name) or field_type.kind not in _SCALAR_KINDS:
                raise ValueError(f"group field {name!r}: {field_type} is not allowed")
        return cls(Kind.GROUP, tuple(sorted(fields.items())))

    def field(self, name: str) -> Type | None:
        return dict(self.fields).get(name)

    @property
    def label(self) -> Msg:
        """How messages name the type ("et tall" / "eit tal" / "a number")."""
        return _KIND_LABELS[self.kind]

    def __str__(self) -> str:
        if self.kind is Kind.GROUP:
            inner = ", ".join(f"{name}: {t}" for name, t in self.fields)
            return f"group({inner})"
        return self.kind.value


NUMBER = Type(Kind.NUMBER)
TEXT = Type(Kind.TEXT)
BOOL = Type(Kind.BOOL)
DATE = Type(Kind.DATE)
TEXT_LIST = Type(Kind.TEXT_LIST)

# The context fields every expression may use; the service puts their values in the
# mapping given to `evaluate` under the same dotted names. Add new context fields here.
CONTEXT_NAMES: Mapping[str, Type] = {
    "grant.amount": NUMBER,
    "grant.year": NUMBER,
    "municipality.name": TEXT,
    "municipality.number": TEXT,  # "0301": a code with a leading zero, not a quantity
    "round.year": NUMBER,
    "round.deadline": DATE,
}


def valid_name(name: str) -> bool:
    """Whether an answer id can be used in expressions; the loader checks ids with this."""
    return bool(NAME_PATTERN.fullmatch(name)) and name not in KEYWORDS


# ---- errors --------------------------------------------------------------------------


class ExpressionError(Exception):
    """A mistake in an expression, with the 0-based character offset where it is, so the
    loader can point the questionnaire author at it."""

    def __init__(
        self, code: Msg, params: Mapping[str, object] | None = None, offset: int = 0
    ) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        self.offset = offset
        super().__init__(f"{code.value} at {offset}: {self.text('en')}")

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The message for the author, in their language."""
        return message(self.code, language, **self.params)


# ---- tokens --------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # "number", "text", "name", "keyword", "op" or "end"
    text: str
    offset: int


_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<number>[0-9]+(?:\.[0-9]+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<text>'[^']*'|"[^"]*")
    | (?P<op>==|!=|<=|>=|[<>+\-*/()\[\],])
    """,
    re.VERBOSE,
)
_DECIMAL_COMMA = re.compile(r",[0-9]")


def tokenize(source: str) -> list[Token]:
    """Split an expression into tokens, ending with an "end" token at len(source)."""
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise _bad_character(source, position)
        kind = match.lastgroup or ""
        if kind == "name":
            kind = _check_name(match.group(), position)
        elif kind == "number" and _DECIMAL_COMMA.match(source, match.end()):
            raise ExpressionError(Msg.EXPR_DECIMAL_COMMA, offset=match.end())
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def _bad_character(source: str, position: int) -> ExpressionError:
    char = source[position]
    if char in "'\"":
        return ExpressionError(Msg.EXPR_UNTERMINATED_STRING, {"quote": char}, position)
    if char == "=":
        return ExpressionError(Msg.EXPR_SINGLE_EQUALS, offset=position)
    return ExpressionError(Msg.EXPR_UNEXPECTED_CHARACTER, {"char": char}, position)


def _check_name(text: str, offset: int) -> str:
    """Only lowercase names with at most one dot: nothing like `__class__` gets through."""
    parts = text.split(".")
    part_offset = offset
    for part in parts:
        if not NAME_PATTERN.fullmatch(part):
            raise ExpressionError(Msg.EXPR_INVALID_NAME, {"name": text}, part_offset)
        part_offset += len(part) + 1
    if len(parts) > 2:
        raise ExpressionError(Msg.EXPR_INVALID_NAME, {"name": text}, offset)
    return "keyword" if text in KEYWORDS else "name"


# ---- syntax tree ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class _Node:
    start: int
    end: int
    height: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class _Literal(_Node):
    value: object
    type: Type


@dataclass(frozen=True, slots=True, kw_only=True)
class _List(_Node):
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Name(_Node):
    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Unary(_Node):
    op: str
    operand: _Node


@dataclass(frozen=True, slots=True, kw_only=True)
class _Binary(_Node):
    op: str
    op_offset: int
    left: _Node
    right: _Node


@dataclass(frozen=True, slots=True, kw_only=True)
class _Logic(_Node):
    op: str  # "and" or "or", over two or more operands
    operands: tuple[_Node, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Call(_Node):
    function: str
    arg: _Node


# ---- parser --------------------------------------------------------------------------

_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_CLOSERS = {"(": (")", Msg.EXPR_UNCLOSED_PAREN), "[": ("]", Msg.EXPR_UNCLOSED_LIST)}


class _Parser:
    """Recursive descent, one method per grammar rule; nesting is capped so that no input
    can exhaust Python's stack."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.nesting = 0

    # token helpers
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.position + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.position += 1
        return token

    def at(self, kind: str, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == kind and token.text == text

    def enter(self, token: Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(Msg.EXPR_TOO_DEEP, offset=token.offset)

    def leave(self) -> None:
        self.nesting -= 1

    # grammar rules
    def parse(self) -> _Node:
        if self.peek().kind == "end":
            raise ExpressionError(Msg.EXPR_EMPTY, offset=0)
        node = self.parse_or()
        token = self.peek()
        if token.kind == "end":
            return node
        if token.text in (")", "]"):
            raise ExpressionError(Msg.EXPR_UNMATCHED_CLOSE, {"token": token.text}, token.offset)
        raise _unexpected(token)

    def parse_or(self) -> _Node:
        return self._logic("or", self.parse_and)

    def parse_and(self) -> _Node:
        return self._logic("and", self.parse_not)

    def _logic(self, word: str, operand: Callable[[], _Node]) -> _Node:
        operands = [operand()]
        while self.at("keyword", word):
            self.advance()
            operands.append(operand())
        if len(operands) == 1:
            return operands[0]
        height = max(node.height for node in operands) + 1
        return _Logic(
            op=word,
            operands=tuple(operands),
            start=operands[0].start,
            end=operands[-1].end,
            height=_checked_height(height, operands[0].start),
        )

    def parse_not(self) -> _Node:
        if not self.at("keyword", "not"):
            return self.parse_comparison()
        token = self.advance()
        self.enter(token)
        operand = self.parse_not()
        self.leave()
        return _unary("not", token, operand)

    def parse_comparison(self) -> _Node:
        left = self.parse_sum()
        op = self._comparison_ahead()
        if op is None:
            return left
        op_token = self.advance()
        if op == "not in":
            self.advance()
        right = self.parse_sum()
        if self._comparison_ahead() is not None:
            raise ExpressionError(Msg.EXPR_CHAINED_COMPARISON, offset=self.peek().offset)
        return _binary(op, op_token, left, right)

    def _comparison_ahead(self) -> str | None:
        token = self.peek()
        if token.kind == "op" and token.text in _COMPARISONS:
            return token.text
        if self.at("keyword", "in"):
            return "in"
        if self.at("keyword", "not") and self.at("keyword", "in", ahead=1):
            return "not in"
        return None

    def parse_sum(self) -> _Node:
        return self._chain(("+", "-"), self.parse_product)

    def parse_product(self) -> _Node:
        return self._chain(("*", "/"), self.parse_unary)

    def _chain(self, ops: tuple[str, ...], operand: Callable[[], _Node]) -> _Node:
        left = operand()
        while self.peek().kind == "op" and self.peek().text in ops:
            op_token = self.advance()
            left = _binary(op_token.text, op_token, left, operand())
        return left

    def parse_unary(self) -> _Node:
        if not self.at("op", "-"):
            return self.parse_primary()
        token = self.advance()
        self.enter(token)
        operand = self.parse_unary()
        self.leave()
        return _unary("-", token, operand)

    def parse_primary(self) -> _Node:
        token = self.peek()
        if token.kind in ("number", "text") or token.text in ("true", "false"):
            self.advance()
            return _literal(token)
        if token.kind == "name":
            return self.parse_call() if self.at("op", "(", ahead=1) else self._name()
        if self.at("op", "("):
            return self.parse_parenthesised()
        if self.at("op", "["):
            return self.parse_list()
        if token.kind == "end":
            raise ExpressionError(Msg.EXPR_UNEXPECTED_END, offset=token.offset)
        raise ExpressionError(Msg.EXPR_EXPECTED_VALUE, {"token": token.text}, token.offset)

    def _name(self) -> _Node:
        token = self.advance()
        return _Name(name=token.text, start=token.offset, end=token.offset + len(token.text))

    def parse_parenthesised(self) -> _Node:
        opening = self.advance()
        self.enter(opening)
        inner = self.parse_or()
        closing = self.expect_close(opening)
        self.leave()
        return replace(inner, start=opening.offset, end=closing.offset + 1)

    def parse_call(self) -> _Node:
        name = self.advance()
        if name.text not in FUNCTIONS:
            params = {"name": name.text, "functions": ", ".join(FUNCTIONS)}
            raise ExpressionError(Msg.EXPR_UNKNOWN_FUNCTION, params, name.offset)
        opening = self.advance()
        self.enter(opening)
        if self.at("op", ")"):
            raise _wrong_arguments(name.text, self.peek())
        arg = self.parse_or()
        if self.at("op", ","):
            raise _wrong_arguments(name.text, self.peek())
        closing = self.expect_close(opening)
        self.leave()
        return _Call(
            function=name.text,
            arg=arg,
            start=name.offset,
            end=closing.offset + 1,
            height=_checked_height(arg.height + 1, name.offset),
        )

    def parse_list(self) -> _Node:
        opening = self.advance()
        self.enter(opening)
        items: list[str] = []
        while not self.at("op", "]"):
            items.append(self._list_item(opening))
            if not self.at("op", "]"):
                self._list_separator(opening)
        closing = self.advance()
        self.leave()
        return _List(items=tuple(items), start=opening.offset, end=closing.offset + 1)

    def _list_item(self, opening: Token) -> str:
        token = self.peek()
        if token.kind == "end":
            raise ExpressionError(Msg.EXPR_UNCLOSED_LIST, offset=opening.offset)
        if token.kind != "text":
            raise ExpressionError(Msg.EXPR_LIST_NEEDS_TEXT, {"token": token.text}, token.offset)
        self.advance()
        return token.text[1:-1]

    def _list_separator(self, opening: Token) -> None:
        token = self.peek()
        if token.kind == "end":
            raise ExpressionError(Msg.EXPR_UNCLOSED_LIST, offset=opening.offset)
        if not (token.kind == "op" and token.text == ","):
            raise _unexpected(token)
        self.advance()

    def expect_close(self, opening: Token) -> Token:
        closer, unclosed = _CLOSERS[opening.text]
        token = self.peek()
        if token.kind == "op" and token.text == closer:
            return self.advance()
        if token.kind == "end":
            raise ExpressionError(unclosed, offset=opening.offset)
        raise _unexpected(token)


def _unexpected(token: Token) -> ExpressionError:
    return ExpressionError(Msg.EXPR_UNEXPECTED_TOKEN, {"token": token.text}, token.offset)


def _wrong_arguments(function: str, token: Token) -> ExpressionError:
    return ExpressionError(Msg.EXPR_FUNCTION_ARGUMENTS, {"function": function}, token.offset)


def _checked_height(height: int, offset: int) -> int:
    if height > MAX_HEIGHT:
        raise ExpressionError(Msg.EXPR_TOO_DEEP, offset=offset)
    return height


def _literal(token: Token) -> _Literal:
    end = token.offset + len(token.text)
    if token.kind == "number":
        return _Literal(value=Decimal(token.text), type=NUMBER, start=token.offset, end=end)
    if token.kind == "text":
        return _Literal(value=token.text[1:-1], type=TEXT, start=token.offset, end=end)
    return _Literal(value=token.text == "true", type=BOOL, start=token.offset, end=end)


def _unary(op: str, token: Token, operand: _Node) -> _Unary:
    height = _checked_height(operand.height + 1, token.offset)
    return _Unary(op=op, operand=operand, start=token.offset, end=operand.end, height=height)


def _binary(op: str, token: Token, left: _Node, right: _Node) -> _Binary:
    height = _checked_height(max(left.height, right.height) + 1, token.offset)
    return _Binary(
        op=op,
        op_offset=token.offset,
        left=left,
        right=right,
        start=left.start,
        end=right.end,
        height=height,
    )


# ---- run-time operations -------------------------------------------------------------
# Numbers are Decimals computed in one explicit context, so a caller's decimal settings
# cannot change results and nothing raises: a result that is not finite becomes None.

_CONTEXT = Context(prec=34, rounding=ROUND_HALF_UP, traps=[])
_ZERO = Decimal(0)


def _finite(value: Decimal) -> Decimal | None:
    return value if value.is_finite() else None


def _add(a: Decimal, b: Decimal) -> Decimal | None:
    return _finite(_CONTEXT.add(a, b))


def _subtract(a: Decimal, b: Decimal) -> Decimal | None:
    return _finite(_CONTEXT.subtract(a, b))


def _multiply(a: Decimal, b: Decimal) -> Decimal | None:
    return _finite(_CONTEXT.multiply(a, b))


def _divide(a: Decimal, b: Decimal) -> Decimal | None:
    return None if not b else _finite(_CONTEXT.divide(a, b))


def _negate(a: Decimal) -> Decimal | None:
    return _finite(_CONTEXT.minus(a))


def _round(a: Decimal) -> Decimal:
    return a.to_integral_value(rounding=ROUND_HALF_UP)  # exact at any size, unlike quantize


def _abs(a: Decimal) -> Decimal | None:
    return _finite(a.copy_abs())


_ARITHMETIC = {"+": _add, "-": _subtract, "*": _multiply, "/": _divide}
_ORDERINGS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_EQUALITIES = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b}
_MEMBERSHIP = {"in": lambda a, b: a in b, "not in": lambda a, b: a not in b}


def _as_number(value: object) -> Decimal | None:
    """Answers and context values arrive as Decimal; an int (a year) is accepted too."""
    if value is None or value.__class__ is Decimal:
        return value
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    raise TypeError(f"expected a Decimal number, got {type(value).__name__}: {value!r}")


def _as_bool(value: object) -> bool | None:
    return None if value is None else bool(value)


def _is_answered(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | set | frozenset | dict):
        return bool(value)
    return True


def _const(value: object) -> Run:
    def run(values: Values) -> object:
        return value

    return run


def _getter(name: str, kind: Kind) -> Run:
    if kind is Kind.NUMBER:

        def run_number(values: Values) -> Decimal | None:
            return _as_number(values.get(name))

        return run_number
    if kind is Kind.BOOL:

        def run_bool(values: Values) -> bool | None:
            return _as_bool(values.get(name))

        return run_bool

    def run(values: Values) -> object:
        return values.get(name)

    return run


def _apply1(fn: Callable[[Any], object], operand: Run) -> Run:
    """One-operand operation; unanswered in, unanswered out."""

    def run(values: Values) -> object:
        value = operand(values)
        return None if value is None else fn(value)

    return run


def _apply2(fn: Callable[[Any, Any], object], left: Run, right: Run) -> Run:
    """Arithmetic; unanswered on either side gives unanswered."""

    def run(values: Values) -> object:
        a = left(values)
        if a is None:
            return None
        b = right(values)
        return None if b is None else fn(a, b)

    return run


def _test2(fn: Callable[[Any, Any], bool], left: Run, right: Run) -> Run:
    """Comparison; unanswered on either side is false, so it never triggers a rule."""

    def run(values: Values) -> bool:
        a = left(values)
        if a is None:
            return False
        b = right(values)
        return False if b is None else fn(a, b)

    return run


def _all(operands: tuple[Run, ...]) -> Run:
    def run(values: Values) -> bool | None:
        result: bool | None = True
        for operand in operands:
            value = operand(values)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    return run


def _any(operands: tuple[Run, ...]) -> Run:
    def run(values: Values) -> bool | None:
        result: bool | None = False
        for operand in operands:
            value = operand(values)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    return run


def _field_values(group: str, name: str, values: Values) -> Iterable[Decimal]:
    # A repeating group's value is its list of rows, each a mapping of field names.
    rows = cast("Iterable[Mapping[str, object]]", values.get(group) or ())
    for row in rows:
        value = _as_number(row.get(name))
        if value is not None:
            yield value


def _aggregate(function: str, group: str, name: str) -> Run:
    if function == "sum":

        def run_sum(values: Values) -> Decimal | None:
            total = _ZERO
            for value in _field_values(group, name, values):
                total = _CONTEXT.add(total, value)
            return _finite(total)

        return run_sum
    pick = min if function == "min" else max

    def run_pick(values: Values) -> Decimal | None:
        return pick(_field_values(group, name, values), default=None)

    return run_pick


def _count(group: str) -> Run:
    def run(values: Values) -> Decimal:
        return Decimal(len(values.get(group) or ()))  # type: ignore[arg-type]

    return run


def _answered(name: str) -> Run:
    def run(values: Values) -> bool:
        return _is_answered(values.get(name))

    return run


# ---- type checking and compilation -------------------------------------------------


class _Typed(NamedTuple):
    type: Type
    run: Run


@dataclass
class _Compiler:
    """Checks each node against the name environment and turns it into a closure."""

    source: str
    names: Mapping[str, Type]
    used: set[str] = field(default_factory=set)

    def compile_node(self, node: _Node) -> _Typed:
        return _HANDLERS[type(node)](self, node)

    # helpers for messages
    def snippet(self, node: _Node) -> str:
        return self.source[node.start : node.end]

    def type_error(self, code: Msg, node: _Node, actual: Type, **params: object) -> ExpressionError:
        params = {"operand": self.snippet(node), "actual": actual.label, **params}
        return ExpressionError(code, params, node.start)

    def expect(self, node: _Node, wanted: Type, code: Msg, op: str) -> _Typed:
        typed = self.compile_node(node)
        if typed.type != wanted:
            raise self.type_error(code, node, typed.type, op=op)
        return typed

    # nodes, one method per node class (see _HANDLERS)
    def literal(self, node: _Literal) -> _Typed:
        return _Typed(node.type, _const(node.value))

    def list_(self, node: _List) -> _Typed:
        return _Typed(TEXT_LIST, _const(frozenset(node.items)))

    def name(self, node: _Name) -> _Typed:
        found = self.names.get(node.name)
        if found is not None:
            self.used.add(node.name)
            return _Typed(found, _getter(node.name, found.kind))
        group_field = self.group_field(node)
        if group_field is not None:
            params = {"name": node.name, "group": group_field[0]}
            raise ExpressionError(Msg.EXPR_GROUP_FIELD_OUTSIDE, params, node.start)
        raise self.unknown_name(node)

    def unary(self, node: _Unary) -> _Typed:
        if node.op == "not":
            operand = self.expect(node.operand, BOOL, Msg.EXPR_NEEDS_BOOL, "not")
            return _Typed(BOOL, _apply1(lambda value: not value, operand.run))
        operand = self.expect(node.operand, NUMBER, Msg.EXPR_NEEDS_NUMBER, "-")
        return _Typed(NUMBER, _apply1(_negate, operand.run))

    def logic(self, node: _Logic) -> _Typed:
        runs = tuple(
            self.expect(operand, BOOL, Msg.EXPR_NEEDS_BOOL, node.op).run
            for operand in node.operands
        )
        return _Typed(BOOL, _all(runs) if node.op == "and" else _any(runs))

    def binary(self, node: _Binary) -> _Typed:
        if node.op in _ARITHMETIC:
            left = self.expect(node.left, NUMBER, Msg.EXPR_NEEDS_NUMBER, node.op)
            right = self.expect(node.right, NUMBER, Msg.EXPR_NEEDS_NUMBER, node.op)
            return _Typed(NUMBER, _apply2(_ARITHMETIC[node.op], left.run, right.run))
        if node.op in _MEMBERSHIP:
            left = self.expect(node.left, TEXT, Msg.EXPR_IN_NEEDS_TEXT, node.op)
            right = self.expect(node.right, TEXT_LIST, Msg.EXPR_IN_NEEDS_LIST, node.op)
            return _Typed(BOOL, _test2(_MEMBERSHIP[node.op], left.run, right.run))
        return self.comparison(node)

    def comparison(self, node: _Binary) -> _Typed:
        ordering = node.op in _ORDERINGS
        allowed = {Kind.NUMBER, Kind.DATE} if ordering else _SCALAR_KINDS
        code = Msg.EXPR_CANNOT_ORDER if ordering else Msg.EXPR_CANNOT_COMPARE
        left = self.compile_node(node.left)
        if left.type.kind not in allowed:
            raise self.type_error(code, node.left, left.type, op=node.op)
        right = self.compile_node(node.right)
        if right.type != left.type:
            raise self.type_error(
                Msg.EXPR_COMPARE_MISMATCH, node.right, right.type, left=left.type.label
            )
        test = _ORDERINGS[node.op] if ordering else _EQUALITIES[node.op]
        return _Typed(BOOL, _test2(test, left.run, right.run))

    def call(self, node: _Call) -> _Typed:
        if node.function == "count":
            return self.count(node.arg)
        if node.function == "answered":
            return self.answered(node.arg)
        if node.function in ("sum", "min", "max"):
            return self.aggregate(node.function, node.arg)
        fn = _round if node.function == "round" else _abs
        operand = self.expect(node.arg, NUMBER, Msg.EXPR_NEEDS_NUMBER, f"{node.function}(…)")
        return _Typed(NUMBER, _apply1(fn, operand.run))

    def count(self, arg: _Node) -> _Typed:
        typed = self.compile_node(arg)
        if typed.type.kind is not Kind.GROUP or not isinstance(arg, _Name):
            raise self.type_error(Msg.EXPR_COUNT_NEEDS_GROUP, arg, typed.type)
        return _Typed(NUMBER, _count(arg.name))

    def answered(self, arg: _Node) -> _Typed:
        if not isinstance(arg, _Name):
            params = {"operand": self.snippet(arg)}
            raise ExpressionError(Msg.EXPR_ANSWERED_NEEDS_NAME, params, arg.start)
        self.compile_node(arg)  # reports unknown names and group fields
        return _Typed(BOOL, _answered(arg.name))

    def aggregate(self, function: str, arg: _Node) -> _Typed:
        group_field = self.group_field(arg) if isinstance(arg, _Name) else None
        if group_field is None:
            params = {"function": function, "operand": self.snippet(arg)}
            raise ExpressionError(Msg.EXPR_AGGREGATE_NEEDS_FIELD, params, arg.start)
        group, field_name, field_type = group_field
        if field_type != NUMBER:
            raise self.type_error(Msg.EXPR_NEEDS_NUMBER, arg, field_type, op=f"{function}(…)")
        self.used.add(group)
        return _Typed(NUMBER, _aggregate(function, group, field_name))

    # names
    def group_field(self, node: _Name) -> tuple[str, str, Type] | None:
        """`positions.fte` → ("positions", "fte", type of fte); None if not a group field."""
        group, dot, name = node.name.partition(".")
        group_type = self.names.get(group)
        if not dot or group_type is None or group_type.kind is not Kind.GROUP:
            return None
        field_type = group_type.field(name)
        if field_type is None:
            fields = ", ".join(field_name for field_name, _ in group_type.fields)
            params = {"group": group, "field": name, "fields": fields}
            raise ExpressionError(Msg.EXPR_UNKNOWN_FIELD, params, node.start + len(group) + 1)
        return group, name, field_type

    def unknown_name(self, node: _Name) -> ExpressionError:
        candidates = list(self.names)
        for name, t in self.names.items():
            candidates.extend(f"{name}.{field_name}" for field_name, _ in t.fields)
        close = difflib.get_close_matches(node.name, candidates, n=3, cutoff=0.6)
        if not close:
            return ExpressionError(Msg.EXPR_UNKNOWN_NAME, {"name": node.name}, node.start)
        params = {"name": node.name, "suggestions": ", ".join(close)}
        return ExpressionError(Msg.EXPR_UNKNOWN_NAME_SUGGEST, params, node.start)


_HANDLERS: dict[type[_Node], Callable[[_Compiler, Any], _Typed]] = {
    _Literal: _Compiler.literal,
    _List: _Compiler.list_,
    _Name: _Compiler.name,
    _Unary: _Compiler.unary,
    _Binary: _Compiler.binary,
    _Logic: _Compiler.logic,
    _Call: _Compiler.call,
}


# ---- public API ----------------------------------------------------------------------


class Expression:
    """A checked, compiled expression: compile once at load time, evaluate per answer."""

    __slots__ = ("_run", "names", "source", "type")

    def __init__(self, source: str, type_: Type, names: frozenset[str], run: Run) -> None:
        self.source = source
        self.type = type_
        self.names = names  # answer ids, group ids and context names it reads
        self._run = run

    def evaluate(self, values: Values) -> object:
        """The value for these answers: Decimal, str, bool, date, frozenset, or None
        when it depends on something unanswered."""
        return self._run(values)

    def is_true(self, values: Values) -> bool:
        """For show_if and rules: only a definite true counts; unanswered counts as false."""
        return self._run(values) is True

    def __repr__(self) -> str:
        return f"Expression({self.source!r}, type={self.type})"


def compile_expression(
    source: str, names: Mapping[str, Type], *, expect: Type | None = None
) -> Expression:
    """Parse and type-check `source` against the names visible at its place in the
    questionnaire, and compile it for fast evaluation; ExpressionError says what and where.

    `expect` (for example BOOL for show_if) also checks the type of the result.
    """
    if not isinstance(source, str):
        raise TypeError(f"expected the expression as str, got {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        params: dict[str, object] = {"max": MAX_SOURCE_LENGTH}
        raise ExpressionError(Msg.EXPR_TOO_LONG, params, MAX_SOURCE_LENGTH)
    tree = _Parser(tokenize(source)).parse()
    compiler = _Compiler(source, names)
    typed = compiler.compile_node(tree)
    if expect is not None and typed.type != expect:
        params = {"expected": expect.label, "actual": typed.type.label}
        raise ExpressionError(Msg.EXPR_RESULT_TYPE, params, tree.start)
    return Expression(source, typed.type, frozenset(compiler.used), typed.run)

"""The questionnaire expression language: what authors write in show_if, validation
rules and computed values, what it means for a respondent's answers, and how every
mistake is reported with its place in the text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms import expressions
from forms.expressions import (
    BOOL,
    CONTEXT_NAMES,
    DATE,
    MAX_NESTING,
    NUMBER,
    TEXT,
    TEXT_LIST,
    Expression,
    ExpressionError,
    Kind,
    Type,
    compile_expression,
    tokenize,
    valid_name,
)
from forms.messages import Msg

D = Decimal

POSITIONS = Type.group({"fte": NUMBER, "title": TEXT, "salary_cost": NUMBER})

# What the loader would pass for a question late in a report form: the earlier questions
# and the context fields.
NAMES: dict[str, Type] = {
    **CONTEXT_NAMES,
    "used_amount": NUMBER,
    "planned_amount": NUMBER,
    "reason": TEXT,
    "region": TEXT,
    "has_plan": BOOL,
    "started_on": DATE,
    "services": TEXT_LIST,
    "positions": POSITIONS,
}

ANSWERS: dict[str, object] = {
    "grant.amount": D("250000"),
    "grant.year": 2022,
    "municipality.name": "Hamar",
    "municipality.number": "3403",
    "round.year": 2023,
    "round.deadline": dt.date(2023, 3, 1),
    "used_amount": D("199999.50"),
    "planned_amount": D("250000"),
    "reason": None,
    "region": "innlandet",
    "has_plan": True,
    "started_on": dt.date(2022, 9, 1),
    "services": ["outreach", "low_threshold"],
    "positions": [
        {"fte": D("0.5"), "title": "Koordinator", "salary_cost": D("350000")},
        {"fte": None, "title": "Vakant", "salary_cost": None},
        {"fte": D("1.25"), "title": "Psykolog", "salary_cost": D("900000.50")},
    ],
}


def compile_(source: str, names: dict[str, Type] | None = None) -> Expression:
    return compile_expression(source, NAMES if names is None else names)


def run(source: str, **changes: object) -> object:
    return compile_(source).evaluate({**ANSWERS, **changes})


def refusal(source: str, names: dict[str, Type] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as refused:
        compile_(source, names)
    return refused.value


# ---- numbers, precedence and operators -----------------------------------------------


def test_numbers_are_exact_decimals():
    assert run("0.1 + 0.2 == 0.3") is True
    assert run("0.1 + 0.2") == D("0.3")
    assert run("0.1 + 0.2") == D("0.3") and isinstance(run("1"), Decimal)
    assert run("1 / 3 * 3 == 1") is False  # a third is not exact; nothing pretends it is
    assert run("10 / 4") == D("2.5")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("1 + 2 * 3", D(7)),
        ("(1 + 2) * 3", D(9)),
        ("10 - 4 - 3", D(3)),  # left to right
        ("12 / 4 / 3", D(1)),
        ("2 * 3 + 4 * 5", D(26)),
        ("-2 * 3", D(-6)),
        ("- -2", D(2)),
        ("-(2 + 3) * 2", D(-10)),
        ("2 - -3", D(5)),
        ("1 + 2 > 2", True),  # arithmetic before comparison
        ("not 1 > 2", True),  # comparison before not
        ("true or false and false", True),  # and before or
        ("(true or false) and false", False),
        ("not true or true", True),  # not before and/or
        ("not (true or true)", False),
        ("not not true", True),
        ("1 < 2 and 2 < 3 or false", True),
    ],
)
def test_precedence(source, value):
    assert run(source) == value


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("7 + 5", D(12)),
        ("7 - 5", D(2)),
        ("7 * 5", D(35)),
        ("7 / 5", D("1.4")),
        ("-7", D(-7)),
        ("2 == 2.0", True),
        ("2 != 2", False),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'a' == 'a'", True),
        ("\"a\" != 'a'", False),
        ("true == true", True),
        ("true != false", True),
        ("true and false", False),
        ("true or false", True),
        ("not false", True),
        ("'a' in ['a', 'b']", True),
        ("'c' in ['a', 'b']", False),
        ("'c' not in ['a', 'b']", True),
        ("'a' not in ['a', 'b']", False),
        ("'a' in []", False),
        ("'a' in ['a',]", True),
    ],
)
def test_every_operator(source, value):
    result = run(source)
    assert result == value and type(result) is type(value)


def test_amount_checks_across_answers():
    assert run("used_amount <= grant.amount") is True
    assert run("grant.amount - used_amount") == D("50000.50")
    assert run("used_amount / grant.amount * 100 > 80") is False  # 79.99998 %
    assert run("used_amount > grant.amount", used_amount=D("250000.01")) is True


# ---- functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("sum(positions.fte)", D("1.75")),
        ("sum(positions.salary_cost)", D("1250000.50")),
        ("count(positions)", D(3)),
        ("min(positions.fte)", D("0.5")),
        ("max(positions.fte)", D("1.25")),
        ("answered(reason)", False),
        ("answered(region)", True),
        ("answered(positions)", True),
        ("round(2.5)", D(3)),
        ("round(2.49)", D(2)),
        ("round(-2.5)", D(-3)),
        ("round(used_amount)", D(200000)),
        ("abs(-4.5)", D("4.5")),
        ("abs(planned_amount - used_amount * 2)", D("149999.00")),
    ],
)
def test_every_function(source, value):
    assert run(source) == value


@pytest.mark.parametrize("empty", [None, []])
def test_a_group_without_rows(empty):
    assert run("sum(positions.fte)", positions=empty) == 0
    assert run("count(positions)", positions=empty) == 0
    assert run("min(positions.fte)", positions=empty) is None
    assert run("max(positions.fte)", positions=empty) is None
    assert run("answered(positions)", positions=empty) is False


def test_sum_over_rows_with_every_field_unanswered_is_zero():
    rows = [{"fte": None}, {}]
    assert run("sum(positions.fte)", positions=rows) == 0
    assert run("max(positions.fte)", positions=rows) is None


@pytest.mark.parametrize("unanswered", [None, "", "   ", [], set()])
def test_answered_means_something_was_given(unanswered):
    assert run("answered(reason)", reason=unanswered) is False
    assert run("answered(reason)", reason="Forsinket tilsetting") is True


# ---- context names, multiple choice, dates -------------------------------------------


def test_context_names():
    assert run("grant.year == 2022") is True  # an int from the database is a number too
    assert run("round.year - grant.year") == D(1)
    assert run("municipality.name == 'Hamar'") is True
    assert run("municipality.number in ['3403', '3405']") is True
    assert run("started_on < round.deadline") is True
    assert run("started_on == round.deadline") is False


def test_multiple_choice():
    assert run("'outreach' in services") is True
    assert run("'housing' in services") is False
    assert run("'housing' not in services") is True
    assert run("'outreach' in services", services={"outreach"}) is True
    assert run("region in ['innlandet', 'vestland']") is True
    assert run("region not in ['innlandet', 'vestland']") is False


def test_a_show_if_and_its_dependencies():
    show_if = compile_expression(
        "'other' in services and used_amount < planned_amount", NAMES, expect=BOOL
    )
    assert show_if.type == BOOL
    assert show_if.names == {"services", "used_amount", "planned_amount"}
    assert show_if.is_true({**ANSWERS, "services": ["other"]}) is True
    assert show_if.is_true({**ANSWERS, "services": ["other"], "used_amount": None}) is False


def test_names_lists_groups_context_and_answered_questions():
    expression = compile_("sum(positions.fte) > 0 and not answered(reason) or grant.year > 1")
    assert expression.names == {"positions", "reason", "grant.year"}
    assert compile_("1 + 2").names == frozenset()


def test_expression_knows_its_source_and_type():
    expression = compile_("grant.amount - used_amount")
    assert expression.source == "grant.amount - used_amount"
    assert expression.type == NUMBER
    assert compile_("count(positions)").type == NUMBER
    assert compile_("'a'").type == TEXT
    assert compile_("['a']").type == TEXT_LIST
    assert compile_("started_on").type == DATE
    assert compile_("positions").type.kind is Kind.GROUP


# ---- unanswered questions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("used_amount + 1", None),  # arithmetic with unanswered is unanswered
        ("-used_amount", None),
        ("round(used_amount)", None),
        ("abs(used_amount)", None),
        ("used_amount > 0", False),  # a comparison with unanswered is false...
        ("used_amount <= 0", False),  # ...both ways round, so nothing triggers by accident
        ("used_amount == used_amount", False),
        ("used_amount != 5", False),
        ("used_amount + 1 > 0", False),
        ("reason == 'x'", False),
        ("reason in ['x']", False),
        ("reason not in ['x']", False),
        ("not (used_amount > 0)", True),  # the comparison itself is a definite false
        ("not has_plan", None),  # not of unanswered stays unanswered
        ("has_plan and true", None),
        ("has_plan and false", False),
        ("has_plan or true", True),
        ("has_plan or false", None),
        ("not answered(used_amount)", True),
        ("answered(used_amount)", False),
        ("grant.amount / used_amount", None),
    ],
)
def test_unanswered_semantics(source, value):
    result = run(source, used_amount=None, has_plan=None, reason=None)
    assert result is value if value is None or isinstance(value, bool) else result == value


def test_an_unanswered_result_never_counts_as_true():
    expression = compile_("has_plan and true")
    assert expression.evaluate({"has_plan": None}) is None
    assert expression.is_true({"has_plan": None}) is False
    assert expression.is_true({"has_plan": True}) is True


def test_missing_keys_count_as_unanswered():
    assert compile_("used_amount > 0 or answered(reason)").evaluate({}) is False


def test_division_by_zero_gives_unanswered_not_an_error():
    assert run("used_amount / 0") is None
    assert run("used_amount / (planned_amount - planned_amount)") is None
    assert run("used_amount / 0 > 1") is False


def test_numbers_beyond_any_scale_give_unanswered_rather_than_errors():
    big = "9" * 250
    assert run(" * ".join([big] * 7) + " > 0") is True  # 10^1750 is still a number
    assert run("round(" + "9" * 40 + ".5)") == D("1E+40")
    huge = D("9E+999999")
    assert run("used_amount * used_amount", used_amount=huge) is None
    assert run("used_amount * used_amount > 0", used_amount=huge) is False
    assert run("sum(positions.fte)", positions=[{"fte": huge}, {"fte": huge}]) is None


def test_evaluation_does_not_depend_on_the_callers_decimal_settings():
    import decimal

    with decimal.localcontext() as context:
        context.prec = 3
        context.traps[decimal.Inexact] = True
        assert run("1 / 3 * 3") == D("0.9999999999999999999999999999999999")


# ---- static errors: the right code at the right place --------------------------------


@pytest.mark.parametrize(
    ("source", "code", "offset", "bad"),
    [
        # reading
        ("", Msg.EXPR_EMPTY, 0, ""),
        ("   ", Msg.EXPR_EMPTY, 0, ""),
        ("used_amount > 'abc", Msg.EXPR_UNTERMINATED_STRING, 14, "'abc"),
        ('reason == "abc', Msg.EXPR_UNTERMINATED_STRING, 10, '"abc'),
        ("used_amount > 1,5", Msg.EXPR_DECIMAL_COMMA, 15, ",5"),
        ("reason = 'x'", Msg.EXPR_SINGLE_EQUALS, 7, "="),
        ("used_amount & 1", Msg.EXPR_UNEXPECTED_CHARACTER, 12, "&"),
        ("beløp > 1", Msg.EXPR_UNEXPECTED_CHARACTER, 3, "ø"),
        ("Used_amount > 1", Msg.EXPR_INVALID_NAME, 0, "Used_amount"),
        ("used_amount > 0 AND true", Msg.EXPR_INVALID_NAME, 16, "AND"),
        ("grant.amount.value", Msg.EXPR_INVALID_NAME, 0, "grant.amount.value"),
        # syntax
        ("(used_amount + 1", Msg.EXPR_UNCLOSED_PAREN, 0, "("),
        ("1 + (2 * (3 + 4)", Msg.EXPR_UNCLOSED_PAREN, 4, "("),
        ("sum(positions.fte", Msg.EXPR_UNCLOSED_PAREN, 3, "("),
        ("'a' in ['a', 'b'", Msg.EXPR_UNCLOSED_LIST, 7, "["),
        ("'a' in ['a'", Msg.EXPR_UNCLOSED_LIST, 7, "["),
        ("'a' in [", Msg.EXPR_UNCLOSED_LIST, 7, "["),
        ("used_amount + 1)", Msg.EXPR_UNMATCHED_CLOSE, 15, ")"),
        ("used_amount + ", Msg.EXPR_UNEXPECTED_END, 14, ""),
        ("used_amount >", Msg.EXPR_UNEXPECTED_END, 13, ""),
        ("not", Msg.EXPR_UNEXPECTED_END, 3, ""),
        ("used_amount + * 2", Msg.EXPR_EXPECTED_VALUE, 14, "*"),
        ("(1 + )", Msg.EXPR_EXPECTED_VALUE, 5, ")"),
        ("used_amount > and", Msg.EXPR_EXPECTED_VALUE, 14, "and"),
        ("used_amount 5", Msg.EXPR_UNEXPECTED_TOKEN, 12, "5"),
        ("(used_amount 5)", Msg.EXPR_UNEXPECTED_TOKEN, 13, "5"),
        ("'a' in ['a' 'b']", Msg.EXPR_UNEXPECTED_TOKEN, 12, "'b'"),
        ("0 < used_amount < 10", Msg.EXPR_CHAINED_COMPARISON, 16, "<"),
        ("'a' in ['a', 1]", Msg.EXPR_LIST_NEEDS_TEXT, 13, "1"),
        ("'a' in [reason]", Msg.EXPR_LIST_NEEDS_TEXT, 8, "reason"),
        ("total(positions.fte)", Msg.EXPR_UNKNOWN_FUNCTION, 0, "total"),
        ("len(services) > 1", Msg.EXPR_UNKNOWN_FUNCTION, 0, "len"),
        ("round()", Msg.EXPR_FUNCTION_ARGUMENTS, 6, ")"),
        ("round(used_amount, 2)", Msg.EXPR_FUNCTION_ARGUMENTS, 17, ","),
        # names
        ("later_question > 1", Msg.EXPR_UNKNOWN_NAME, 0, "later_question"),
        ("1 + grant.amuont", Msg.EXPR_UNKNOWN_NAME_SUGGEST, 4, "grant.amuont"),
        ("sum(positions.ftee)", Msg.EXPR_UNKNOWN_FIELD, 14, "ftee"),
        ("positions.fte > 1", Msg.EXPR_GROUP_FIELD_OUTSIDE, 0, "positions.fte"),
        ("count(positions.fte)", Msg.EXPR_GROUP_FIELD_OUTSIDE, 6, "positions.fte"),
        ("answered(positions.fte)", Msg.EXPR_GROUP_FIELD_OUTSIDE, 9, "positions.fte"),
        # types
        ("'a' + 1", Msg.EXPR_NEEDS_NUMBER, 0, "'a'"),
        ("1 + 'a'", Msg.EXPR_NEEDS_NUMBER, 4, "'a'"),
        ("used_amount * reason", Msg.EXPR_NEEDS_NUMBER, 14, "reason"),
        ("-reason", Msg.EXPR_NEEDS_NUMBER, 1, "reason"),
        ("round(reason)", Msg.EXPR_NEEDS_NUMBER, 6, "reason"),
        ("abs(true)", Msg.EXPR_NEEDS_NUMBER, 4, "true"),
        ("sum(positions.title)", Msg.EXPR_NEEDS_NUMBER, 4, "positions.title"),
        ("max(positions.title)", Msg.EXPR_NEEDS_NUMBER, 4, "positions.title"),
        ("used_amount and 3", Msg.EXPR_NEEDS_BOOL, 0, "used_amount"),
        ("has_plan and 3", Msg.EXPR_NEEDS_BOOL, 13, "3"),
        ("has_plan or (1 + 2)", Msg.EXPR_NEEDS_BOOL, 12, "(1 + 2)"),
        ("not reason", Msg.EXPR_NEEDS_BOOL, 4, "reason"),
        ("reason < 'b'", Msg.EXPR_CANNOT_ORDER, 0, "reason"),
        ("has_plan > false", Msg.EXPR_CANNOT_ORDER, 0, "has_plan"),
        ("services == ['a']", Msg.EXPR_CANNOT_COMPARE, 0, "services"),
        ("positions != positions", Msg.EXPR_CANNOT_COMPARE, 0, "positions"),
        ("reason == 5", Msg.EXPR_COMPARE_MISMATCH, 10, "5"),
        ("used_amount > '100'", Msg.EXPR_COMPARE_MISMATCH, 14, "'100'"),
        ("started_on < 2023", Msg.EXPR_COMPARE_MISMATCH, 13, "2023"),
        ("has_plan == 'true'", Msg.EXPR_COMPARE_MISMATCH, 12, "'true'"),
        ("used_amount in ['1']", Msg.EXPR_IN_NEEDS_TEXT, 0, "used_amount"),
        ("'a' in reason", Msg.EXPR_IN_NEEDS_LIST, 7, "reason"),
        ("'a' not in 'abc'", Msg.EXPR_IN_NEEDS_LIST, 11, "'abc'"),
        ("count(used_amount)", Msg.EXPR_COUNT_NEEDS_GROUP, 6, "used_amount"),
        ("count(services)", Msg.EXPR_COUNT_NEEDS_GROUP, 6, "services"),
        ("sum(used_amount)", Msg.EXPR_AGGREGATE_NEEDS_FIELD, 4, "used_amount"),
        ("min(1 + 2)", Msg.EXPR_AGGREGATE_NEEDS_FIELD, 4, "1 + 2"),
        ("sum(positions)", Msg.EXPR_AGGREGATE_NEEDS_FIELD, 4, "positions"),
        ("answered(1 + 2)", Msg.EXPR_ANSWERED_NEEDS_NAME, 9, "1 + 2"),
        ("answered('reason')", Msg.EXPR_ANSWERED_NEEDS_NAME, 9, "'reason'"),
        ("answered(nothing_here)", Msg.EXPR_UNKNOWN_NAME, 9, "nothing_here"),
    ],
)
def test_static_errors_have_a_code_and_point_at_the_bad_part(source, code, offset, bad):
    error = refusal(source)
    assert (error.code, error.offset) == (code, offset)
    assert source.startswith(bad, offset)
    assert error.text("nb") and error.text("nn") and error.text("en")


def test_an_unknown_name_explains_itself_and_suggests_close_names():
    error = refusal("usedamount > 0")
    assert error.text() == (
        "Ukjent navn «usedamount»: det er ikke et spørsmål før dette eller et kjent felt"
        " som grant.amount. Mente du used_amount, planned_amount?"
    )
    assert "Meinte du used_amount, planned_amount?" in error.text("nn")
    assert refusal("sum(positions.fe)").text() == (
        "Gruppen «positions» har ikke feltet «fe». Feltene er: fte, salary_cost, title."
    )


def test_a_later_question_is_unknown_because_the_loader_only_passes_earlier_ones():
    earlier = {"used_amount": NUMBER}
    assert compile_("used_amount > 0", earlier).names == {"used_amount"}
    error = refusal("reason == 'x'", earlier)
    assert error.code is Msg.EXPR_UNKNOWN_NAME and error.params["name"] == "reason"


def test_type_errors_name_the_types_in_the_readers_language():
    error = refusal("'a' + 1")
    assert error.text() == "«+» regner med tall, men «'a'» er en tekst."
    assert error.text("nn") == "«+» reknar med tal, men «'a'» er ein tekst."
    assert error.text("en") == "“+” works on numbers, but “'a'” is a text."
    assert refusal("reason == 5").text() == "Kan ikke sammenligne en tekst med et tall («5»)."


def test_the_loader_can_require_a_condition():
    compile_expression("used_amount > 0", NAMES, expect=BOOL)
    with pytest.raises(ExpressionError) as refused:
        compile_expression("used_amount + 1", NAMES, expect=BOOL)
    assert refused.value.code is Msg.EXPR_RESULT_TYPE
    assert refused.value.text() == "Uttrykket må gi sann/usann (true/false), men gir et tall."


def test_the_error_message_is_readable_in_logs():
    assert str(refusal("(1")).startswith("expr.unclosed_paren at 0: The parenthesis")


# ---- nothing reaches Python ----------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "__class__",
        "grant.__dict__",
        "grant.__class__.__mro__",
        "().__class__",
        "''.__class__",
        "[].__class__",
        "reason.__class__",
        "reason.upper",
        "__import__('os')",
        "eval('1')",
        "exec('1')",
        "open('/etc/passwd')",
        "getattr(grant, 'amount')",
        "lambda: 1",
        "[x for x in services]",
        "reason[0]",
        "reason if true else reason",
        "1 if true else 2",
        "grant['amount']",
        "f'{reason}'",
        "used_amount ** 2",
        "used_amount // 2",
        "used_amount % 2",
        "1; 2",
        "a := 1",
    ],
)
def test_python_is_out_of_reach(source):
    refusal(source)


def test_the_module_never_hands_text_to_python():
    code = Path(expressions.__file__).read_text(encoding="utf-8")
    body = code.split('"""', 2)[2]  # the docstring names what is avoided
    assert not re.search(r"(?<![.\w])(eval|exec|compile|__import__)\(", body)
    assert not re.search(r"^\s*(import ast|from ast )", body, re.MULTILINE)


# ---- the tokenizer and the type API --------------------------------------------------


def test_tokens_carry_their_offsets():
    tokens = tokenize("grant.amount >= 1.5 and 'x' not in services")
    assert [(t.kind, t.text, t.offset) for t in tokens] == [
        ("name", "grant.amount", 0),
        ("op", ">=", 13),
        ("number", "1.5", 16),
        ("keyword", "and", 20),
        ("text", "'x'", 24),
        ("keyword", "not", 28),
        ("keyword", "in", 32),
        ("name", "services", 35),
        ("end", "", 43),
    ]


def test_expressions_may_span_lines_as_in_folded_yaml():
    assert run("used_amount > 0\n  and\tanswered(region)\n") is True


def test_the_loader_checks_answer_ids_with_valid_name():
    assert valid_name("used_amount") and valid_name("q2")
    assert not any(valid_name(n) for n in ["Used", "_x", "2q", "and", "true", "a.b", "", "æ"])


def test_group_types():
    assert POSITIONS.field("fte") == NUMBER and POSITIONS.field("x") is None
    assert Type.group({"b": TEXT, "a": NUMBER}) == Type.group({"a": NUMBER, "b": TEXT})
    assert str(Type.group({"a": NUMBER})) == "group(a: number)"
    with pytest.raises(ValueError):
        Type.group({"rows": POSITIONS})  # no groups inside groups
    with pytest.raises(ValueError):
        Type.group({"Bad": NUMBER})


# ---- robustness ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("(" * 10000, Msg.EXPR_TOO_LONG),
        ("(" * 1000, Msg.EXPR_TOO_DEEP),
        ("(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1), Msg.EXPR_TOO_DEEP),
        ("-" * 1000 + "1", Msg.EXPR_TOO_DEEP),
        ("not " * 400 + "true", Msg.EXPR_TOO_DEEP),
        ("round(" * 300, Msg.EXPR_TOO_DEEP),
        ("1" + " + 1" * 400, Msg.EXPR_TOO_DEEP),
        ("[" * 1000, Msg.EXPR_LIST_NEEDS_TEXT),  # lists hold texts, never lists
    ],
)
def test_deep_or_long_input_is_an_expression_error_not_a_crash(source, code):
    assert refusal(source).code is code


def test_long_flat_conditions_are_fine():
    many = " or ".join(f"region == 'r{i}'" for i in range(100))
    assert run(many) is False
    assert run(many, region="r99") is True


def test_reasonable_nesting_is_fine():
    depth = MAX_NESTING - 1
    assert run("(" * depth + "1" + ")" * depth) == 1
    assert run(" + ".join(["1"] * 90)) == 90


NAMES_AND_OPERATORS = [
    *NAMES,
    "positions.fte",
    "positions.title",
    *("sum(", "count(", "min(", "max(", "answered(", "round(", "abs(", "foo("),
    *("(", ")", "[", "]", ",", "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">="),
    *("and", "or", "not", "in", "true", "false"),
    *("0", "1", "2.5", "0.0", "'a'", '"b"', "'", "=", ".", "__class__", "ø"),
]


@settings(max_examples=400)
@given(st.text(max_size=60))
def test_any_text_compiles_or_raises_an_expression_error(source):
    try:
        assert isinstance(compile_(source), Expression)
    except ExpressionError as error:
        assert 0 <= error.offset <= max(len(source), expressions.MAX_SOURCE_LENGTH)
        assert error.text("nb") and error.text("nn")


NUMBER_ANSWERS = st.none() | st.decimals(allow_nan=False, allow_infinity=False, places=2)
ROWS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={"fte": NUMBER_ANSWERS, "salary_cost": NUMBER_ANSWERS, "title": st.text()},
    ),
    max_size=4,
)
ANSWER_VALUES = {
    Kind.NUMBER: NUMBER_ANSWERS,
    Kind.TEXT: st.none() | st.sampled_from(["", "a", "b", "innlandet"]),
    Kind.BOOL: st.none() | st.booleans(),
    Kind.DATE: st.none() | st.dates(),
    Kind.TEXT_LIST: st.none() | st.lists(st.sampled_from(["a", "b", "outreach"])),
    Kind.GROUP: st.none() | ROWS,
}


@settings(max_examples=600)
@given(
    st.lists(st.sampled_from(NAMES_AND_OPERATORS), max_size=14).map(" ".join),
    st.fixed_dictionaries({name: ANSWER_VALUES[t.kind] for name, t in NAMES.items()}),
)
def test_token_soup_compiles_or_is_refused_and_never_fails_at_answer_time(source, answers):
    try:
        expression = compile_(source)
    except ExpressionError:
        return
    expression.evaluate(answers)
    expression.evaluate({})
    assert expression.names <= {name.partition(".")[0] for name in NAMES} | set(NAMES)


def test_a_typical_rule_evaluates_100_000_times():
    rule = compile_("grant.amount - used_amount > 0 and not answered(reason)")
    answers = dict(ANSWERS)
    flagged = sum(rule.is_true(answers) for _ in range(100_000))
    assert flagged == 100_000

"""From a loaded questionnaire to forms that validate on the server.

`build_form_class` makes one WTForms class per questionnaire section (cached), whose fields
read what a browser posts and turn it into typed answers: Decimal amounts and numbers
(never floats), dates, choice codes, True/False, integers on a scale. `validate_section`
then applies what the questionnaire says about the answers — `show_if`, `required`,
`validation` rules and computed values — in the order the questions come, and returns
the answers of the visible questions with every problem as a message in the reader's
language. Nothing here raises on what a respondent types: a bad value is an error message.

Input names, shared with the templates that render the fields:

* a question: its id (`used_amount`); a multiple choice posts the id once per ticked code;
* a matrix row: `<matrix>-<row code>` (`fidelity-rapid_access`);
* a repeating group's cell: `<group>-<index>-<column>` (`positions-0-fte_percent`), rows
  counted from 0; the number of rows is taken from the posted names.

This module knows nothing of Flask: the web service adds CSRF and the pages.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import wtforms

from forms.expressions import CONTEXT_NAMES
from forms.messages import DEFAULT_LANGUAGE, Msg, message
from forms.model import Question, Questionnaire, Section, Text
from forms.money import (
    NumberError,
    format_amount,
    parse_amount,
    parse_decimal,
    parse_integer,
    parse_percent,
)

DONT_KNOW = "dont_know"
MAX_GROUP_ROWS = 100  # a hard cap whatever the file says, so a post cannot make 10^6 rows
MAX_RAW_LENGTH = 20_000  # longer posted text is cut before it is even looked at
DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 4000}
CHOICE_LIKE = frozenset({"single_choice", "multiple_choice", "yes_no", "scale"})
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_PLACEHOLDER = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
_YES_NO = {"yes": True, "no": False}


class FieldError(Exception):
    """A typed value that cannot be accepted: a message code, rendered per language."""

    def __init__(self, code: Msg, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code.value)

    def text(self, language: str = DEFAULT_LANGUAGE,
             context: Mapping[str, object] | None = None) -> str:
        # A parameter may be a questionnaire text (a choice's label): pick its language.
        params = {key: render_text(value, language, context) if isinstance(value, dict)
                  else value
                  for key, value in self.params.items()}
        return message(self.code, language, **params)


@dataclass
class SectionResult:
    """What one posted page means: typed answers of visible questions and the problems."""

    answers: dict[str, object] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    anchors: dict[str, str] = field(default_factory=dict)  # error key -> the input's id
    # Hidden keys whose condition could not be decided (an answer it reads is invalid or
    # missing): not shown, but their saved answers are kept, never dropped on a guess.
    undecided: set[str] = field(default_factory=set)

    @property
    def known_hidden(self) -> set[str]:
        """Keys hidden by a condition known to be false: only their answers are dropped."""
        return self.hidden - self.undecided

    @property
    def ok(self) -> bool:
        return not self.errors


# ---- texts ------------------------------------------------------------------------------


def format_value(name: str, value: object, language: str = DEFAULT_LANGUAGE) -> str:
    """A context or answer value as a reader expects it: kroner, dd.mm.åååå, plain text."""
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and \
            name.endswith("amount"):
        return format_amount(value, language)
    return str(value)


# What a known placeholder says where the text is shown without that figure (a dashboard
# or an export over many municipalities: rounds.round_context has no grant amount and no
# municipality): a neutral word, so that no `{municipality.name}` is ever shown raw.
NEUTRAL_WORDS: dict[str, dict[str, str]] = {
    "grant.amount": {"nb": "tilskuddet", "nn": "tilskotet", "en": "the grant"},
    "grant.year": {"nb": "tilskuddsåret", "nn": "tilskotsåret", "en": "the grant year"},
    "municipality.name": {"nb": "kommunen", "nn": "kommunen", "en": "the municipality"},
    "municipality.number": {"nb": "kommunenummeret", "nn": "kommunenummeret",
                            "en": "the municipality number"},
    "round.year": {"nb": "rapporteringsåret", "nn": "rapporteringsåret",
                   "en": "the reporting year"},
    "round.deadline": {"nb": "fristen", "nn": "fristen", "en": "the deadline"},
}


def render_text(text: Text | None, language: str,
                context: Mapping[str, object] | None = None) -> str:
    """The text in the reader's language (bokmål when missing) with figures filled in:
    the one function every shown questionnaire text goes through (labels, help, titles,
    options, group columns, matrix rows, scale ends; pages, summary, receipt, PDF,
    dashboard, exports).

    A known placeholder without a value in ``context`` says its NEUTRAL_WORDS; an unknown
    one stays visible rather than failing (the loader names it).
    """
    if not text:
        return ""
    template = text.get(language) or text.get(DEFAULT_LANGUAGE, "")
    figures = context or {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in CONTEXT_NAMES:
            return match.group(0)
        if figures.get(name) is None:
            words = NEUTRAL_WORDS.get(name, {})
            return words.get(language) or words.get(DEFAULT_LANGUAGE) or match.group(0)
        return format_value(name, figures[name], language)

    return _PLACEHOLDER.sub(fill, template)


def prefill_text(question: Question, context: Mapping[str, object]) -> str:
    """What a prefilled input shows before the respondent changes it."""
    value = context.get(question.prefill or "")
    if value is None:
        return ""
    if question.type == "amount" and isinstance(value, Decimal | int):
        # Without "kr": the input holds the number; the label says it is kroner.
        return format_amount(value).removesuffix("\u00a0kr")
    return format_value(question.prefill or "", value)


# ---- reading one typed value ---------------------------------------------------------------


def _option_decimal(question: Question, key: str) -> Decimal | None:
    value = question.options.get(key)
    return None if value is None else Decimal(str(value))


def _check_range(question: Question, value: Decimal | int) -> None:
    low, high = _option_decimal(question, "min"), _option_decimal(question, "max")
    if low is not None and value < low:
        raise FieldError(Msg.FIELD_TOO_SMALL, min=_format_number(question, low, DEFAULT_LANGUAGE))
    if high is not None and value > high:
        raise FieldError(Msg.FIELD_TOO_LARGE, max=_format_number(question, high, DEFAULT_LANGUAGE))


def _number(question: Question, text: str) -> Decimal | int:
    kind = question.type
    try:
        if kind == "amount":
            value: Decimal | int = parse_amount(text)
        elif kind == "integer":
            value = parse_integer(text)
        elif kind == "percent":
            high = _option_decimal(question, "max")
            value = parse_percent(text, allow_over=high is not None and high > 100)
        else:
            value = parse_decimal(text, max_places=int(question.options.get("decimals", 2)))
    except NumberError as error:
        raise FieldError(error.code, **error.params) from None
    _check_range(question, value)
    return value


def parse_date(text: str) -> dt.date | None:
    """dd.mm.åååå (one-digit day and month accepted), or None."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _date(question: Question, text: str) -> dt.date:
    value = parse_date(text)
    if value is None:
        raise FieldError(Msg.DATE_INVALID, text=text[:40])
    low = parse_date(str(question.options.get("min", "")))
    high = parse_date(str(question.options.get("max", "")))
    if low is not None and value < low:
        raise FieldError(Msg.DATE_TOO_EARLY, min=format_value("", low))
    if high is not None and value > high:
        raise FieldError(Msg.DATE_TOO_LATE, max=format_value("", high))
    return value


def _text(question: Question, text: str) -> str:
    limit = int(question.options.get("max_length", DEFAULT_MAX_LENGTH[question.type]))
    text = text.replace("\r\n", "\n").replace("\x00", "")
    if len(text) > limit:
        raise FieldError(Msg.TEXT_TOO_LONG, length=len(text), max=limit)
    return text


def scale_bounds(question: Question) -> tuple[int, int]:
    return int(question.options.get("min", 1)), int(question.options.get("max", 5))


def _scale(question: Question, text: str) -> int | str:
    low, high = scale_bounds(question)
    if text == DONT_KNOW and question.options.get("dont_know"):
        return DONT_KNOW
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise FieldError(Msg.SCALE_INVALID, min=low, max=high)
    return int(text)


def _single_choice(question: Question, text: str) -> str:
    if text not in {choice.code for choice in question.choices}:
        raise FieldError(Msg.CHOICE_UNKNOWN)
    return text


def _yes_no(question: Question, text: str) -> bool:
    if text not in _YES_NO:
        raise FieldError(Msg.CHOICE_UNKNOWN)
    return _YES_NO[text]


_SCALAR_PARSERS: dict[str, Callable[[Question, str], Any]] = {
    "text": _text, "long_text": _text, "integer": _number, "decimal": _number,
    "amount": _number, "percent": _number, "date": _date, "yes_no": _yes_no,
    "single_choice": _single_choice, "scale": _scale, "matrix": _scale,
}


def parse_scalar(question: Question, raw: str) -> object:
    """One typed value, or None when nothing was typed; FieldError when it is wrong."""
    text = raw[:MAX_RAW_LENGTH].strip()
    if not text:
        return None
    return _SCALAR_PARSERS[question.type](question, text)


def parse_multiple(question: Question, raw: Iterable[str]) -> list[str] | None:
    """Ticked codes in the questionnaire's order; "none of these" stands alone."""
    ticked = {code.strip() for code in raw if code.strip()}
    known = {choice.code for choice in question.choices}
    if ticked - known:
        raise FieldError(Msg.CHOICE_UNKNOWN)
    if not ticked:
        return None
    for choice in question.choices:
        if choice.exclusive and choice.code in ticked and len(ticked) > 1:
            raise FieldError(Msg.CHOICE_EXCLUSIVE, choice=choice.label)
    low = question.options.get("min_selected")
    high = question.options.get("max_selected")
    if low is not None and len(ticked) < low:
        raise FieldError(Msg.CHOICE_TOO_FEW, min=low)
    if high is not None and len(ticked) > high:
        raise FieldError(Msg.CHOICE_TOO_MANY, max=high)
    return [choice.code for choice in question.choices if choice.code in ticked]


# ---- what of a post may be kept ------------------------------------------------------------------

MAX_TYPED_LENGTH = 100  # a number or a date is never longer; the project's cap, not a rule


def _typed_limit(question: Question) -> int:
    if question.type in DEFAULT_MAX_LENGTH:
        return int(question.options.get("max_length", DEFAULT_MAX_LENGTH[question.type]))
    return MAX_TYPED_LENGTH


def _known_choice(question: Question, text: str) -> bool:
    try:
        parse_scalar(question, text)
    except FieldError:
        return False
    return True


def storable(question: Question, values: list[str]) -> list[str]:
    """What of one field's posted values a draft keeps: a choice only if it is one of the
    question's codes (an unknown code is shown as an error and dropped), typed text as
    typed but never longer than the question allows, one value unless several may be
    ticked. A wrongly typed number or date is kept, so the respondent can correct it."""
    if question.type == "multiple_choice":
        known = {choice.code for choice in question.choices}
        return [value for value in dict.fromkeys(values) if value.strip() in known]
    if not values:
        return []
    first = values[0]
    if question.type in CHOICE_LIKE or question.type == "matrix":
        return [first] if not first.strip() or _known_choice(question, first) else []
    return [first.replace("\x00", "")[:_typed_limit(question)]]


def answer_fields(section: Section) -> dict[str, Question]:
    """Every field name a post of this page may carry, with the question it answers."""
    fields: dict[str, Question] = {}
    for question in section.questions:
        if not question.answered:
            continue
        if question.type == "matrix":
            fields.update({f"{question.id}-{row.code}": question for row in question.rows})
        elif question.type == "group":
            high = min(int(question.options.get("max_rows", MAX_GROUP_ROWS)), MAX_GROUP_ROWS)
            fields.update({f"{question.id}-{index}-{column.id}": column
                           for index in range(high) for column in question.columns
                           if column.answered})
        else:
            fields[question.id] = question
    return fields


# ---- posted data -------------------------------------------------------------------------------


class FormData:
    """Posted names and values, whatever they came in (a MultiDict or a plain dict).

    WTForms wants `getlist`; tests and callers may pass `{"name": "value"}`.
    """

    def __init__(self, data: Any = None) -> None:
        self._data: dict[str, list[str]] = {}
        if data is None:
            return
        getlist = getattr(data, "getlist", None)
        for key in data:
            values = getlist(key) if getlist else data[key]
            if not isinstance(values, list | tuple):
                values = [values]
            self._data[str(key)] = [str(value) for value in values]

    def __iter__(self) -> Any:
        return iter(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def getlist(self, key: str) -> list[str]:
        return list(self._data.get(key, []))

    def first(self, key: str) -> str:
        values = self._data.get(key)
        return values[0] if values else ""

    def as_dict(self) -> dict[str, list[str]]:
        return {key: list(values) for key, values in self._data.items()}


def row_count(group: Question, data: FormData) -> int:
    """Rows of a group in the posted data: one more than the highest index seen."""
    pattern = re.compile(re.escape(group.id) + r"-(\d{1,4})-")
    indices = [int(m.group(1)) for m in map(pattern.match, data) if m is not None]
    return min(max(indices, default=-1) + 1, MAX_GROUP_ROWS + 1)


def default_rows(group: Question) -> int:
    """Rows shown on a fresh page: the minimum, but always one to start typing in."""
    return max(int(group.options.get("min_rows", 0)), 1)


def remove_row(group: Question, data: FormData, index: int) -> FormData:
    """The posted data without one row of a group; later rows move up one place."""
    pattern = re.compile(re.escape(group.id) + r"-(\d{1,4})-(.+)")
    kept: dict[str, list[str]] = {}
    for key, values in data.as_dict().items():
        match = pattern.fullmatch(key)
        if match is None:
            kept[key] = values
            continue
        row = int(match.group(1))
        if row != index:
            kept[f"{group.id}-{row - (row > index)}-{match.group(2)}"] = values
    return FormData(kept)


# ---- the WTForms classes -----------------------------------------------------------------------


class QuestionField(wtforms.Field):
    """One question's input(s); `data` is the typed answer, `problems` maps keys to errors.

    Rendering is done by Jinja macros from the question model, not by this field.
    """

    def __init__(self, question: Question, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.question = question
        self.problems: dict[str, FieldError] = {}
        self.rows: list[tuple[int, dict[str, object]]] = []

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.data = None
        self.problems = {}
        self.rows = []
        if formdata is None:
            return
        posted = formdata if isinstance(formdata, FormData) else FormData(formdata)
        reader = _READERS.get(self.question.type, _read_scalar)
        self.data = reader(self, posted)

    def _value(self) -> str:
        return ""


def _attempt(field: QuestionField, key: str, parse: Callable[[], object]) -> object:
    try:
        return parse()
    except FieldError as error:
        field.problems[key] = error
        return None


def _read_scalar(field: QuestionField, data: FormData) -> object:
    question = field.question
    return _attempt(field, question.id, lambda: parse_scalar(question, data.first(question.id)))


def _read_multiple(field: QuestionField, data: FormData) -> object:
    question = field.question
    return _attempt(field, question.id,
                    lambda: parse_multiple(question, data.getlist(question.id)[:100]))


def _read_matrix(field: QuestionField, data: FormData) -> object:
    answers: dict[str, object] = {}
    for row in field.question.rows:
        key = f"{field.question.id}-{row.code}"
        value = _attempt(field, key,
                         functools.partial(parse_scalar, field.question, data.first(key)))
        if value is not None:
            answers[row.code] = value
    return answers or None


def _read_group(field: QuestionField, data: FormData) -> object:
    """Rows that have anything typed in them; wholly empty rows are left out."""
    group = field.question
    for index in range(row_count(group, data)):
        row: dict[str, object] = {}
        typed = False
        for column in group.columns:
            if not column.answered:
                continue
            key = f"{group.id}-{index}-{column.id}"
            if column.type == "multiple_choice":
                raw = data.getlist(key)[:100]
                typed = typed or any(value.strip() for value in raw)
                row[column.id] = _attempt(field, key,
                                          functools.partial(parse_multiple, column, raw))
            else:
                raw_text = data.first(key)
                typed = typed or bool(raw_text.strip())
                row[column.id] = _attempt(field, key,
                                          functools.partial(parse_scalar, column, raw_text))
        if typed:
            field.rows.append((index, row))
    return [row for _, row in field.rows]


_READERS: dict[str, Callable[[QuestionField, FormData], object]] = {
    "multiple_choice": _read_multiple, "matrix": _read_matrix, "group": _read_group,
}


def field_name(question_id: str) -> str:
    """The attribute of a question's field; prefixed so an id like `data` cannot clash
    with the Form's own attributes."""
    return f"q_{question_id}"


def find_section(questionnaire: Questionnaire, section_id: str) -> Section:
    for section in questionnaire.sections:
        if section.id == section_id:
            return section
    raise KeyError(section_id)


def build_form_class(questionnaire: Questionnaire, section_id: str) -> type[wtforms.Form]:
    """A Form class for one section, with a field per answered question (cached)."""
    return _form_class(questionnaire.id, questionnaire.version, questionnaire.content_hash,
                       section_id, Carrier(questionnaire))


class Carrier:
    """Carries the questionnaire into the cache without making it part of the key: the
    id, version and content hash already say exactly which file it is."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        self.questionnaire = questionnaire

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Carrier)

    def __hash__(self) -> int:
        return 0


@functools.lru_cache(maxsize=256)
def _form_class(qid: str, version: int, content_hash: str, section_id: str,
                holder: Carrier) -> type[wtforms.Form]:
    section = find_section(holder.questionnaire, section_id)
    attributes: dict[str, Any] = {
        field_name(q.id): QuestionField(q, name=q.id) for q in section.questions if q.answered}
    attributes["section"] = section
    return type(f"Form_{qid}_v{version}_{section_id}", (wtforms.Form,), attributes)


# ---- validating a section --------------------------------------------------------------------


def input_id(question: Question, key: str) -> str:
    """The id of the first input of `key`, which an error summary links to."""
    if question.type == "group" and key == question.id:
        return f"{question.id}-table"
    if question.type == "matrix" and key == question.id:
        return f"{question.id}-{question.rows[0].code}-0" if question.rows else key
    radios = question.type in CHOICE_LIKE and question.options.get("display") != "select"
    return f"{key}-0" if radios or question.type == "matrix" else key


def for_expression(value: object) -> object:
    """Answers as expressions see them: "don't know" on a scale is no number."""
    if value == DONT_KNOW:
        return None
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [{k: for_expression(v) for k, v in row.items()} for row in value]
    return value


@dataclass
class _Run:
    """The state of one validation: known values so far, and where results go."""

    result: SectionResult
    values: dict[str, object]
    context: Mapping[str, object]
    language: str
    answer_ids: frozenset[str]

    def error(self, question: Question, key: str, text: str) -> None:
        self.result.errors.setdefault(key, []).append(text)
        self.result.anchors.setdefault(key, input_id(question, key))


def _is_empty(value: object) -> bool:
    return value is None or value == [] or value == {}


def _rules_can_run(question: Question, rule: Any, values: Mapping[str, object],
                   answer_ids: frozenset[str]) -> bool:
    # A rule comparing with another unanswered question would always fail ("no answer"
    # compares false); the respondent is asked for that answer where it is, not here.
    return all(values.get(name) is not None for name in rule.names
               if name in answer_ids and name != question.id)


def _check_answer(run: _Run, question: Question, key: str, value: object,
                  values: dict[str, object], problem: FieldError | None) -> object:
    """Required and validation rules for one visible answered value; returns the value."""
    if problem is not None:
        run.error(question, key, problem.text(run.language, run.context))
        return None
    if _is_empty(value):
        if question.required:
            run.error(question, key, message(Msg.FIELD_REQUIRED, run.language))
        return None
    values[question.id] = for_expression(value)
    for check in question.validation:
        if _rules_can_run(question, check.rule, values, run.answer_ids) and \
                not check.rule.is_true(values):
            run.error(question, key, render_text(check.message, run.language, run.context))
    return value


def _visible(question: Question, values: Mapping[str, object]) -> bool:
    return question.show_if is None or question.show_if.is_true(values)


def _undecidable(condition: Any, values: Mapping[str, object], known_hidden: set[str]) -> bool:
    # A comparison with an unanswered value is false (forms.expressions), so "not true"
    # is only known when every answer the condition reads is there and valid; one that a
    # condition elsewhere is known to hide counts as there (it has no answer, for sure).
    return condition is not None and any(
        values.get(name) is None and name not in known_hidden for name in condition.names)


def _hide(run: _Run, question: Question, key: str, values: Mapping[str, object]) -> None:
    """Marks `key` hidden; undecided too when an answer its condition reads is missing."""
    run.result.hidden.add(key)
    if _undecidable(question.show_if, values, run.result.known_hidden):
        run.result.undecided.add(key)


def _check_matrix(run: _Run, question: Question, field: QuestionField) -> object:
    for key, problem in field.problems.items():
        run.error(question, key, problem.text(run.language, run.context))
    answers = field.data or {}
    if question.required and not field.problems:
        for row in question.rows:
            if row.code not in answers:
                key = f"{question.id}-{row.code}"
                run.error(question, key, message(Msg.FIELD_REQUIRED, run.language))
    return None if field.problems else field.data


def _check_row(run: _Run, group: Question, field: QuestionField, index: int,
               row: dict[str, object]) -> dict[str, object]:
    values = dict(run.values)  # a column sees the answers before it and its row's columns
    kept: dict[str, object] = {}
    for column in group.columns:
        key = f"{group.id}-{index}-{column.id}"
        values[column.id] = None
        if column.type == "info":
            continue
        if not _visible(column, values):
            _hide(run, column, key, values)  # the cell is hidden, like a question
            continue
        if column.type == "computed":
            kept[column.id] = values[column.id] = _evaluate(column, values)
            continue
        kept[column.id] = _check_answer(run, column, key, row.get(column.id), values,
                                        field.problems.get(key))
    return kept


def _check_group(run: _Run, group: Question, field: QuestionField) -> list[dict[str, object]]:
    rows = [_check_row(run, group, field, index, row) for index, row in field.rows]
    low = int(group.options.get("min_rows", 0))
    high = min(int(group.options.get("max_rows", MAX_GROUP_ROWS)), MAX_GROUP_ROWS)
    if group.required and not rows:
        run.error(group, group.id, message(Msg.FIELD_REQUIRED, run.language))
    elif len(rows) < low:
        run.error(group, group.id, message(Msg.GROUP_TOO_FEW, run.language, min=low))
    if len(rows) > high:
        run.error(group, group.id, message(Msg.GROUP_TOO_MANY, run.language, max=high))
    return rows


def _evaluate(question: Question, values: Mapping[str, object]) -> object:
    return None if question.expression is None else question.expression.evaluate(values)


def _question_field(form: wtforms.Form, question: Question) -> QuestionField:
    field = form[field_name(question.id)]
    assert isinstance(field, QuestionField)  # build_form_class makes one per question
    return field


def _check_question(run: _Run, question: Question, form: wtforms.Form) -> None:
    if not _visible(question, run.values):
        _hide(run, question, question.id, run.values)
        run.values[question.id] = None  # a hidden answer is no answer, for later conditions
        return
    if question.type == "info":
        return
    if question.type == "computed":
        value = _evaluate(question, run.values)
    elif question.type == "group":
        value = _check_group(run, question, _question_field(form, question))
    elif question.type == "matrix":
        value = _check_matrix(run, question, _question_field(form, question))
    else:
        field = _question_field(form, question)
        value = _check_answer(run, question, question.id, field.data, run.values,
                              field.problems.get(question.id))
    run.result.answers[question.id] = value
    run.values[question.id] = for_expression(value)


def validate_section(questionnaire: Questionnaire, section_id: str, formdata: Any,
                     context: Mapping[str, object], previous_answers: Mapping[str, object],
                     language: str = DEFAULT_LANGUAGE) -> SectionResult:
    """Typed answers of the section's visible questions, and every problem, in order.

    `previous_answers` are the answers of earlier sections; `context` holds the
    municipality's figures (`grant.amount`, ...). Answers to hidden questions are dropped.
    """
    section = find_section(questionnaire, section_id)
    form = build_form_class(questionnaire, section_id)(FormData(formdata), meta={"csrf": False})
    values: dict[str, object] = {k: for_expression(v) for k, v in previous_answers.items()}
    values.update(context)
    answer_ids = frozenset(q.id for q in questionnaire.questions())
    run = _Run(SectionResult(), values, context, language, answer_ids)
    if not section_visible(section, context, previous_answers):
        run.result.hidden.update(q.id for q in section.questions)
        if _undecidable(section.show_if, values, set()):
            run.result.undecided.update(q.id for q in section.questions)
        return run.result
    for question in section.questions:
        _check_question(run, question, form)
    return run.result


def section_visible(section: Section, context: Mapping[str, object],
                    previous_answers: Mapping[str, object]) -> bool:
    """Whether a page is shown at all, given the answers of the pages before it."""
    if section.show_if is None:
        return True
    values: dict[str, object] = {k: for_expression(v) for k, v in previous_answers.items()}
    values.update(context)
    return bool(section.show_if.is_true(values))


def hidden_keys(questionnaire: Questionnaire, section_id: str, formdata: Any,
                context: Mapping[str, object],
                previous_answers: Mapping[str, object]) -> list[str]:
    """What these answers hide on the page: question ids, and the `<group>-<row>-<column>`
    keys of cells whose column condition is false in that row (for conditions.js)."""
    return sorted(validate_section(questionnaire, section_id, formdata, context,
                                   previous_answers).hidden)


def visible_questions(questionnaire: Questionnaire, section_id: str, formdata: Any,
                      context: Mapping[str, object],
                      previous_answers: Mapping[str, object]) -> set[str]:
    """Ids of the section's questions shown for these answers.

    A condition reads the typed answers before it, and a wrongly typed answer counts as
    none, so visibility is decided by the same run as validation: one evaluator, one
    place, and the page that updates itself while typing agrees with the posted page.
    """
    section = find_section(questionnaire, section_id)
    hidden = validate_section(questionnaire, section_id, formdata, context,
                              previous_answers).hidden
    return {q.id for q in section.questions} - hidden


def depends_on_page(question: Question, section: Section) -> bool:
    """Whether a condition reads answers on its own page (so it is decided by a post)."""
    if question.show_if is None:
        return False
    return bool(question.show_if.names & {q.id for q in section.questions})


# ---- showing answers -------------------------------------------------------------------------


Context = Mapping[str, object] | None  # the figures texts are rendered with (render_text)


def _choice_label(question: Question, code: object, language: str,
                  context: Context = None) -> str:
    for choice in (*question.choices, *question.rows):
        if choice.code == code:
            return render_text(choice.label, language, context)
    return str(code)


def _is_year(question: Question) -> bool:
    """A whole-number question asking for a year (``funded_from_year``): 2018, never 2 018."""
    return question.type == "integer" and (question.id == "year" or question.id.endswith("_year"))


def _format_scale(question: Question, value: int, language: str,
                  context: Context = None) -> str | None:
    """A scale point with the words the questionnaire gives it: "5 – I svært stor grad", or a
    point between the ends placed on the scale, never a bare "4"; None without words."""
    low, high = scale_bounds(question)
    ends = {low: question.options.get("min_label"), high: question.options.get("max_label")}
    if ends.get(value):
        return f"{value} – {render_text(ends[value], language, context)}"
    if question.type == "matrix" or not (ends[low] and ends[high]) or not low < value < high:
        return None
    return message(Msg.FORM_SCALE_POINT, language, value=value, low=low, high=high,
                   low_label=render_text(ends[low], language, context),
                   high_label=render_text(ends[high], language, context))


def _format_number(question: Question, value: Decimal | int, language: str,
                   context: Context = None) -> str:
    kind = question.options.get("format") if question.type == "computed" else question.type
    if kind == "amount":
        return format_amount(value, language)
    worded = _format_scale(question, value, language, context) \
        if isinstance(value, int) and kind in ("scale", "matrix") else None
    if worded is not None:
        return worded
    if isinstance(value, int) and _is_year(question):
        return str(value)
    # An int has no places to show ("f" would add six); a Decimal shows the ones it has.
    shown = f"{value:,}" if isinstance(value, int) else f"{value:,f}"
    text = shown.replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0%" if kind == "percent" else text


def _format_list(question: Question, value: list[Any], language: str,
                 context: Context = None) -> str:
    if question.type != "group":
        return ", ".join(_choice_label(question, code, language, context) for code in value)
    rows = []
    for row in value:
        cells = [f"{render_text(c.label, language, context)}: "
                 f"{format_answer(c, row.get(c.id), language, context)}"
                 for c in question.columns if c.id in row]
        rows.append("; ".join(cells))
    return " | ".join(rows) if rows else "–"


def format_answer(question: Question, value: object, language: str = DEFAULT_LANGUAGE,
                  context: Context = None) -> str:
    """An answer as a reader sees it: kroner, dd.mm.åååå, choice labels, Ja/Nei; the
    questionnaire's texts in it (choices, group columns) rendered with ``context``."""
    if value is None:
        return "–"
    if value == DONT_KNOW:
        return message(Msg.FORM_DONT_KNOW, language)
    if isinstance(value, bool):
        return message(Msg.FORM_YES if value else Msg.FORM_NO, language)
    if isinstance(value, Decimal | int):
        return _format_number(question, value, language, context)
    if isinstance(value, dt.date):
        return format_value("", value)
    if isinstance(value, list):
        return _format_list(question, value, language, context)
    if isinstance(value, dict):
        return "; ".join(f"{_choice_label(question, code, language, context)}: "
                         f"{format_answer(question, point, language, context)}"
                         for code, point in value.items())
    if question.type == "single_choice":
        return _choice_label(question, value, language, context)
    return str(value)


def choice_options(question: Question, language: str = DEFAULT_LANGUAGE,
                   context: Context = None) -> list[tuple[str, str]]:
    """The (posted value, label) pairs of a choice, yes/no, scale or matrix question."""
    if question.type == "yes_no":
        return [("yes", message(Msg.FORM_YES, language)), ("no", message(Msg.FORM_NO, language))]
    if question.type not in ("scale", "matrix"):
        return [(c.code, render_text(c.label, language, context)) for c in question.choices]
    low, high = scale_bounds(question)
    ends = {low: question.options.get("min_label"), high: question.options.get("max_label")}
    pairs = []
    for point in range(low, high + 1):
        label = str(point)
        if ends.get(point):
            label = f"{point} – {render_text(ends[point], language, context)}"
        pairs.append((str(point), label))
    if question.options.get("dont_know"):
        pairs.append((DONT_KNOW, message(Msg.FORM_DONT_KNOW, language)))
    return pairs

"""Questionnaire YAML → checked model, with every problem located as FILE:LINE:COLUMN.

Stages, each small: parse the YAML (ruamel keeps positions), read the file's keys, read
each section and question while building the names an expression may use (only the
questions before it, and the context), then check across versions of one questionnaire.
Problems are collected, not raised one by one: an author fixes them all in one round.
Before YAML reads a text, forms/source.py screens it (size, encoding, control characters,
nesting, anchors and tags) and explains YAML's syntax errors as what to do.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from forms import expressions as ex
from forms import source as src
from forms.messages import Msg, message
from forms.model import (
    APPLICATION_ROLES,
    COLUMN_ROLES,
    COMMON_KEYS,
    NOT_ANSWERED,
    REQUIRED_APPLICATION_ROLES,
    REQUIRED_COLUMN_ROLES,
    ROLES,
    TYPE_KEYS,
    Choice,
    Question,
    Questionnaire,
    Section,
    Text,
    Validation,
)

CONTEXT_NAMES = tuple(ex.CONTEXT_NAMES)
ID = re.compile(r"[a-z][a-z0-9_]*")
SLUG = re.compile(r"[a-z][a-z0-9-]*")
# `nynorsk_not_required`: the reason a form is in bokmål only (forms/check.py, README).
FILE_KEYS = frozenset({"id", "version", "scheme", "title", "intro", "sections",
                       "nynorsk_not_required"})
SECTION_KEYS = frozenset({"id", "title", "intro", "show_if", "questions", "application"})
CHOICE_KEYS = frozenset({"code", "label", "exclusive"})
VALIDATION_KEYS = frozenset({"rule", "message"})
LANGUAGES = ("nb", "nn", "en")
ROLE_TYPES = frozenset({"amount", "integer", "decimal"})  # and a computed number


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 1-based, as editors count
    column: int  # 1-based
    code: Msg
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str = "nb") -> str:
        text = message(self.code, language, **self.params)
        return f"{self.file}:{self.line}:{self.column}: {text}"


@dataclass
class LoadResult:
    questionnaires: list[Questionnaire] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What `check` prints but does not fail on (role_warnings); the service starts.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def yaml_parser() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    return yaml


class Reader:
    """Reads one file; collects problems instead of stopping at the first."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.ids: dict[str, int] = {}  # question id → line of first use
        self.roles: dict[str, int] = {}  # role → line of the question declaring it
        self.later: dict[str, int] = {}  # every question id of the file → its line (0-based)

    # -- positions and problems ----------------------------------------------------------

    def problem(self, at: tuple[int, int], msg: Msg, **params: Any) -> None:
        self.problems.append(Problem(self.path, at[0] + 1, at[1] + 1, msg, params))

    @staticmethod
    def _at(node: CommentedMap | CommentedSeq, kind: str, where: str | int) -> tuple[int, int]:
        """The position of a key, a value or an item; the node's own where ruamel has none."""
        try:
            return getattr(node.lc, kind)(where)
        except (KeyError, AttributeError, TypeError, IndexError):
            return node.lc.line, node.lc.col

    def key_at(self, node: CommentedMap, key: str) -> tuple[int, int]:
        return self._at(node, "key", key)

    def value_at(self, node: CommentedMap, key: str) -> tuple[int, int]:
        return self._at(node, "value", key)

    def item_at(self, seq: CommentedSeq, index: int) -> tuple[int, int]:
        return self._at(seq, "item", index)

    def mapping(self, node: Any, at: tuple[int, int], what: str) -> CommentedMap | None:
        if isinstance(node, CommentedMap):
            return node
        self.problem(at, Msg.Q_NOT_MAPPING, what=what)
        return None

    def sequence(self, node: Any, at: tuple[int, int], what: str) -> CommentedSeq | None:
        if isinstance(node, CommentedSeq):
            return node
        self.problem(at, Msg.Q_NOT_LIST, what=what)
        return None

    def known_keys(self, node: CommentedMap, allowed: Iterable[str], where: str) -> None:
        allowed = set(allowed)
        for key in node:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=3, cutoff=0.6)
                self.problem(self.key_at(node, key),
                             Msg.Q_UNKNOWN_KEY_SUGGEST if close else Msg.Q_UNKNOWN_KEY,
                             key=key, where=where, allowed=", ".join(sorted(allowed)),
                             **({"suggestions": ", ".join(close)} if close else {}))

    def require(self, node: CommentedMap, keys: Iterable[str], where: str) -> bool:
        missing = [k for k in keys if k not in node]
        for key in missing:
            self.problem((node.lc.line, node.lc.col), Msg.Q_MISSING_KEY, key=key, where=where)
        return not missing

    # -- values ------------------------------------------------------------------------

    def text(self, node: CommentedMap, key: str, *, required: bool = False) -> Text | None:
        """A text in several languages, or a plain string meaning bokmål."""
        if key not in node:
            if required:
                self.problem((node.lc.line, node.lc.col), Msg.Q_MISSING_KEY, key=key,
                             where=str(node.get("id", "")))
            return None
        value = node[key]
        at = self.value_at(node, key)
        if isinstance(value, str):
            return {"nb": str(value)}
        texts = self.mapping(value, at, key)
        if texts is None:
            return None
        for language in texts:
            if language not in LANGUAGES and texts[language] is None:
                # `{nb: Barn, unge og voksne}`: the part after a comma became a key
                self.problem(self.key_at(texts, language), Msg.Q_TEXT_COMMA, text=language)
            elif language not in LANGUAGES:
                self.problem(self.key_at(texts, language), Msg.Q_UNKNOWN_LANGUAGE,
                             language=language)
        if not isinstance(texts.get("nb"), str) or not texts["nb"].strip():
            self.problem(at, Msg.Q_MISSING_NB, key=key)
            return None
        return {lang: str(texts[lang]) for lang in LANGUAGES if isinstance(texts.get(lang), str)}

    def identifier(self, node: CommentedMap, key: str, pattern: re.Pattern[str]) -> str | None:
        value = node.get(key)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.problem(self.value_at(node, key), Msg.Q_BAD_ID, key=key, value=str(value))
            return None
        return str(value)

    def number_option(self, node: CommentedMap, key: str) -> Any:
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(self.value_at(node, key), Msg.Q_NOT_NUMBER, key=key)
            return None
        return value

    def boolean(self, node: CommentedMap, key: str) -> bool:
        value = node.get(key, False)
        if not isinstance(value, bool):
            self.problem(self.value_at(node, key), Msg.Q_NOT_BOOL, key=key)
            return False
        return value

    def expression(self, node: CommentedMap, key: str, names: Mapping[str, Any],
                   expect: Any = None) -> Any:
        source = node[key]
        line, column = self.value_at(node, key)
        if isinstance(source, bool | int | float):
            source = str(source).lower()
        if not isinstance(source, str):
            self.problem((line, column), Msg.Q_NOT_EXPRESSION, key=key)
            return None
        quoted = isinstance(source, DoubleQuotedScalarString | SingleQuotedScalarString)
        try:
            return ex.compile_expression(str(source), names, expect=expect)
        except ex.ExpressionError as error:
            code, params = self._later_question(error, line)
            # On a one-line value the offset lands on the very character.
            self.problems.append(Problem(self.path, line + 1,
                                         column + 1 + int(quoted) + (error.offset or 0),
                                         code, params))
            return None

    def _later_question(self, error: ex.ExpressionError, line: int) -> tuple[Msg, Any]:
        """An unknown name that is a question further down: say so, not "unknown"."""
        name = str(error.params.get("name", ""))
        if error.code in (Msg.EXPR_UNKNOWN_NAME, Msg.EXPR_UNKNOWN_NAME_SUGGEST) and \
                self.later.get(name, -1) > line:
            return Msg.Q_LATER_QUESTION, {"name": name, "line": self.later[name] + 1}
        return error.code, error.params

    # -- choices and validation --------------------------------------------------------

    def choices(self, node: CommentedMap, key: str) -> tuple[Choice, ...]:
        seq = self.sequence(node[key], self.value_at(node, key), key)
        if seq is None:
            return ()
        found: list[Choice] = []
        codes: dict[str, int] = {}
        for index, item in enumerate(seq):
            entry = self.mapping(item, self.item_at(seq, index), key)
            if entry is None or not self.require(entry, ("code", "label"), key):
                continue
            self.known_keys(entry, CHOICE_KEYS, key)
            code = self.identifier(entry, "code", ID)
            label = self.text(entry, "label")
            if code in codes:
                self.problem(self.value_at(entry, "code"), Msg.Q_DUPLICATE_CODE, choice=code,
                             line=codes[code])
                continue
            if code and label:
                codes[code] = entry.lc.line + 1
                found.append(Choice(code, label, self.boolean(entry, "exclusive")))
        if not found:
            self.problem(self.value_at(node, key), Msg.Q_NO_CHOICES, key=key)
        return tuple(found)

    def validations(self, node: CommentedMap, names: Mapping[str, Any]) -> tuple[Validation, ...]:
        seq = self.sequence(node["validation"], self.value_at(node, "validation"), "validation")
        if seq is None:
            return ()
        found = []
        for index, item in enumerate(seq):
            entry = self.mapping(item, self.item_at(seq, index), "validation")
            if entry is None or not self.require(entry, VALIDATION_KEYS, "validation"):
                continue
            self.known_keys(entry, VALIDATION_KEYS, "validation")
            rule = self.expression(entry, "rule", names)
            text = self.text(entry, "message")
            if rule is not None and rule.type != ex.BOOL:
                self.problem(self.value_at(entry, "rule"), Msg.Q_NOT_CONDITION, key="rule")
            elif rule is not None and text:
                found.append(Validation(rule, text))
        return tuple(found)

    # -- questions -----------------------------------------------------------------------

    def question(self, node: CommentedMap, names: dict[str, Any], *,
                 in_group: bool = False) -> Question | None:
        if not self.require(node, ("id", "type", "label"), "question"):
            return None
        qid = self.identifier(node, "id", ID)
        qtype = node["type"]
        if qtype not in TYPE_KEYS or (in_group and qtype in ("group", "matrix")):
            self.problem(self.value_at(node, "type"), Msg.Q_UNKNOWN_TYPE, type=str(qtype),
                         types=", ".join(t for t in TYPE_KEYS
                                         if not in_group or t not in ("group", "matrix")))
            return None
        self.known_keys(node, (COMMON_KEYS | TYPE_KEYS[qtype]) - NOT_ANSWERED.get(qtype, set()),
                        f"{qtype} {qid}")
        if qid is None:
            return None
        label = self.text(node, "label")
        show_if = self.condition(node, names)
        parts = self.type_parts(node, qtype, names)
        own = dict(names)
        own[qid] = expression_type(qtype, parts)
        validation = self.validations(node, own) if "validation" in node else ()
        prefill = self.prefill(node)
        role = self.role(node, qtype, parts, in_group=in_group)
        if label is None:
            return None
        options = {k: node[k] for k in TYPE_KEYS[qtype] - {"choices", "rows", "questions",
                                                           "expression"} if k in node}
        for key in ("min_label", "max_label", "add_label"):
            if key in node:
                options[key] = self.text(node, key)
        return Question(
            id=qid, type=qtype, label=label, line=node.lc.line + 1, column=node.lc.col + 1,
            help=self.text(node, "help"), required=self.boolean(node, "required"),
            show_if=show_if, validation=validation, prefill=prefill, options=options,
            role=role, **parts)

    def condition(self, node: CommentedMap, names: Mapping[str, Any]) -> Any:
        if "show_if" not in node:
            return None
        condition = self.expression(node, "show_if", names)
        if condition is not None and condition.type != ex.BOOL:
            self.problem(self.value_at(node, "show_if"), Msg.Q_NOT_CONDITION, key="show_if")
            return None
        return condition

    def prefill(self, node: CommentedMap) -> str | None:
        if "prefill" not in node:
            return None
        value = node["prefill"]
        if value not in CONTEXT_NAMES:
            self.problem(self.value_at(node, "prefill"), Msg.Q_BAD_PREFILL, value=str(value),
                         names=", ".join(CONTEXT_NAMES))
            return None
        return str(value)

    def role(self, node: CommentedMap, qtype: str, parts: Mapping[str, Any], *,
             in_group: bool) -> str | None:
        """`role:` (model.ROLES): a known role, once per file, on a top-level number."""
        if "role" not in node:
            return None
        value, at = node["role"], self.value_at(node, "role")
        if in_group and isinstance(value, str) and value in COLUMN_ROLES:
            return self.typed_role(value, qtype, COLUMN_ROLES[value], at)
        if not isinstance(value, str) or value not in ROLES:
            self.problem(at, Msg.Q_UNKNOWN_ROLE, value=str(value),
                         roles=", ".join([*ROLES, *COLUMN_ROLES]))
            return None
        if value in APPLICATION_ROLES and not in_group:
            role = self.typed_role(value, qtype, APPLICATION_ROLES[value], at)
            if role is not None and value in self.roles:
                self.problem(at, Msg.Q_DUPLICATE_ROLE, role=value, line=self.roles[value])
                return None
            if role is not None:
                self.roles[value] = node.lc.line + 1
            return role
        expression = parts.get("expression")
        numeric = qtype in ROLE_TYPES or (qtype == "computed" and expression is not None
                                          and expression.type == ex.NUMBER)
        if in_group or not numeric:
            self.problem(at, Msg.Q_ROLE_IN_GROUP if in_group else Msg.Q_ROLE_TYPE, role=value,
                         type=str(qtype))
            return None
        if value in self.roles:
            self.problem(at, Msg.Q_DUPLICATE_ROLE, role=value, line=self.roles[value])
            return None
        self.roles[value] = node.lc.line + 1
        return str(value)

    def typed_role(self, role: str, qtype: str, types: frozenset[str],
                   at: tuple[int, int]) -> str | None:
        """An application or column role (issue 16) on a question of a type it allows."""
        if qtype not in types:
            self.problem(at, Msg.Q_APPLICATION_ROLE_TYPE, role=role, type=str(qtype),
                         types=", ".join(sorted(types)))
            return None
        return role

    def application_roles(self, section: Section, at: tuple[int, int]) -> None:
        """A page's application roles stand on `application: true` pages only, and such a
        page has the roles the service reads (model.REQUIRED_APPLICATION_ROLES; a positions
        group, where there is one, with its REQUIRED_COLUMN_ROLES), each role in one group
        at most once."""
        roles = {q.role: q for q in section.questions if q.role in APPLICATION_ROLES}
        if not section.application:
            for question in roles.values():
                self.problem((question.line - 1, question.column - 1),
                             Msg.Q_APPLICATION_ROLE_OUTSIDE, role=str(question.role),
                             section=section.id)
            return
        for role in REQUIRED_APPLICATION_ROLES:
            if role not in roles:
                self.problem(at, Msg.Q_APPLICATION_ROLE_MISSING, role=role,
                             section=section.id)
        group = roles.get("applied_positions")
        if group is not None:
            self.positions_columns(group)

    def positions_columns(self, group: Question) -> None:
        """The `applied_positions` group's columns: each needed role, none twice."""
        for role in REQUIRED_COLUMN_ROLES:
            if group.column_with_role(role) is None:
                self.problem((group.line - 1, group.column - 1), Msg.Q_COLUMN_ROLE_MISSING,
                             role=role, id=group.id)
        first: dict[str, int] = {}
        for column in group.columns:
            if column.role is None:
                continue
            if column.role in first:
                self.problem((column.line - 1, column.column - 1), Msg.Q_DUPLICATE_ROLE,
                             role=column.role, line=first[column.role])
            first.setdefault(column.role, column.line)

    def column_roles_outside(self, question: Question) -> None:
        """Column roles say which column of `applied_positions` is which: elsewhere they
        would be read by nobody, so they are refused."""
        if question.type != "group" or question.role == "applied_positions":
            return
        for column in question.columns:
            if column.role in COLUMN_ROLES:
                self.problem((column.line - 1, column.column - 1),
                             Msg.Q_COLUMN_ROLE_OUTSIDE, role=str(column.role), id=question.id)

    def type_parts(self, node: CommentedMap, qtype: str,
                   names: Mapping[str, Any]) -> dict[str, Any]:
        for key in ("min", "max", "max_length", "decimals", "min_rows", "max_rows",
                    "min_selected", "max_selected"):
            if key in node and qtype != "date":
                self.number_option(node, key)
        if qtype in ("single_choice", "multiple_choice"):
            return {"choices": self.required_choices(node, "choices")}
        if qtype == "matrix":
            return {"rows": self.required_choices(node, "rows")}
        if qtype == "group":
            return {"columns": self.group_columns(node, names)}
        if qtype == "computed":
            if "expression" not in node:
                self._missing(node, "expression")
                return {"expression": None}
            return {"expression": self.expression(node, "expression", names)}
        return {}

    def required_choices(self, node: CommentedMap, key: str) -> tuple[Choice, ...] | None:
        if key not in node:
            self._missing(node, key)
            return None
        return self.choices(node, key)

    def _missing(self, node: CommentedMap, key: str) -> None:
        self.problem((node.lc.line, node.lc.col), Msg.Q_MISSING_KEY, key=key,
                     where=str(node.get("id", "")))

    def group_columns(self, node: CommentedMap, names: Mapping[str, Any]) -> tuple[Question, ...]:
        if "questions" not in node:
            self._missing(node, "questions")
            return ()
        seq = self.sequence(node["questions"], self.value_at(node, "questions"), "questions")
        if seq is None:
            return ()
        columns: list[Question] = []
        local = dict(names)  # a column may refer to the columns before it in the same row
        seen: set[str] = set()
        for index, item in enumerate(seq):
            entry = self.mapping(item, self.item_at(seq, index), "questions")
            if entry is None:
                continue
            column = self.question(entry, local, in_group=True)
            if column is None:
                continue
            if column.id in seen:
                self.problem(self.value_at(entry, "id"), Msg.Q_DUPLICATE_ID, id=column.id,
                             line=next(c.line for c in columns if c.id == column.id))
                continue
            seen.add(column.id)
            local[column.id] = expression_type(column.type, {})
            columns.append(column)
        return tuple(columns)

    # -- sections and the file -----------------------------------------------------------

    def sections(self, root: CommentedMap) -> tuple[Section, ...]:
        seq = self.sequence(root["sections"], self.value_at(root, "sections"), "sections")
        if seq is None:
            return ()
        names: dict[str, Any] = {name: _CONTEXT_TYPES[name] for name in CONTEXT_NAMES}
        found: list[Section] = []
        section_ids: set[str] = set()
        for index, item in enumerate(seq):
            node = self.mapping(item, self.item_at(seq, index), "sections")
            if node is None or not self.require(node, ("id", "title", "questions"), "section"):
                continue
            self.known_keys(node, SECTION_KEYS, "section")
            sid = self.identifier(node, "id", ID)
            if sid in section_ids:
                self.problem(self.value_at(node, "id"), Msg.Q_DUPLICATE_SECTION, id=sid)
            section_ids.add(sid or "")
            show_if = self.condition(node, names)
            questions = self.section_questions(node, names)
            title = self.text(node, "title")
            application = self.boolean(node, "application")
            if sid and title:
                section = Section(sid, title, questions, node.lc.line + 1,
                                  self.text(node, "intro"), show_if, application)
                self.application_roles(section, self.key_at(node, "id"))
                for question in questions:
                    self.column_roles_outside(question)
                found.append(section)
        return tuple(found)

    def section_questions(self, node: CommentedMap, names: dict[str, Any]) -> tuple[Question, ...]:
        seq = self.sequence(node["questions"], self.value_at(node, "questions"), "questions")
        if seq is None:
            return ()
        found = []
        for index, item in enumerate(seq):
            entry = self.mapping(item, self.item_at(seq, index), "questions")
            if entry is None:
                continue
            question = self.question(entry, names)
            if question is None:
                continue
            if question.id in self.ids or question.id in names:
                self.problem(self.value_at(entry, "id"), Msg.Q_DUPLICATE_ID, id=question.id,
                             line=self.ids.get(question.id, 0))
                continue
            self.ids[question.id] = question.line
            if question.answered or question.type == "computed":
                names[question.id] = expression_type(
                    question.type, {"columns": question.columns,
                                    "expression": question.expression})
            found.append(question)
        return tuple(found)

    def root(self, text: str, what: str) -> CommentedMap | None:
        """The file's top-level mapping, or None with the YAML problem located."""
        root = self.parse(text)
        if root is None and self.problems:
            return None
        return self.mapping(root, (0, 0), what)

    def parse(self, text: str) -> Any:
        """The text as YAML once it has passed the screen (forms/source.py), or None
        with each problem located and explained."""
        refused = src.screen(text)  # size, control characters, anchors and tags
        for line, column, code, params in refused:
            self.problem((line, column), code, **params)
        if refused:
            return None
        try:
            return yaml_parser().load(text)
        except YAMLError as error:
            line, column, code, params = src.explain(error, text)
            self.problem((line, column), code, **params)
            return None
        except RecursionError:  # the screen limits nesting; never a traceback regardless
            self.problem((0, 0), Msg.Q_TOO_DEEP, max=src.MAX_DEPTH)
            return None

    def quoted_text(self, node: CommentedMap, key: str) -> None:
        """A value such as a chapter/post or a kommunenummer must be written as a text:
        unquoted, `0621.21` would be read as the number 621.21."""
        if key not in node:
            return
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        line, column = self.value_at(node, key)
        self.problem((line, column), Msg.Q_QUOTE_NUMBER, key=key,
                     value=self.raw_value(line, column) or str(value), read=str(value))

    def raw_value(self, line: int, column: int) -> str:
        """The value as written at a position (before YAML read it), for messages."""
        rows = getattr(self, "source_lines", [])
        if line >= len(rows):
            return ""
        return rows[line][column:].split(" #")[0].strip().rstrip(",}]")

    def question_lines(self, root: CommentedMap) -> dict[str, int]:
        """Every top-level question id of the file and its line, to tell a name that
        comes later from an unknown one."""
        found: dict[str, int] = {}
        for section in root.get("sections") or ():
            if not isinstance(section, CommentedMap):
                continue
            for question in section.get("questions") or ():
                if isinstance(question, CommentedMap) and isinstance(question.get("id"), str):
                    found.setdefault(question["id"], question.lc.line)
        return found

    def read(self, text: str) -> Questionnaire | None:
        root = self.root(text, "questionnaire")
        if root is None:
            return None
        self.known_keys(root, FILE_KEYS, "questionnaire")  # `tittle`: did you mean title?
        if not self.require(root, ("id", "version", "scheme", "title", "sections"),
                            "questionnaire"):
            return None
        self.source_lines = text.splitlines()
        self.quoted_text(root, "scheme")
        if isinstance(root.get("sections"), CommentedSeq):
            self.later = self.question_lines(root)
        qid = self.identifier(root, "id", SLUG)
        version = root["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.problem(self.value_at(root, "version"), Msg.Q_BAD_VERSION)
        title = self.text(root, "title")
        intro = self.text(root, "intro")
        sections = self.sections(root)
        if self.problems or qid is None or title is None:
            return None
        return Questionnaire(
            id=qid, version=version, scheme=str(root["scheme"]), title=title,
            sections=sections, source=self.path, intro=intro,
            content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest())


def load_text(text: str, path: str) -> tuple[Questionnaire | None, list[Problem]]:
    reader = Reader(path)
    questionnaire = reader.read(text)
    return questionnaire, reader.problems


def load_files(paths: Iterable[Path]) -> LoadResult:
    """Load and check files, then check versions of one questionnaire against each other."""
    result = LoadResult()
    for path in sorted(paths):
        text, refused = read_source(path)
        questionnaire, problems = load_text(text, str(path)) if text is not None else \
            (None, refused)
        result.problems.extend(problems)
        if questionnaire is not None:
            result.questionnaires.append(questionnaire)
    result.problems.extend(_check_versions(result.questionnaires))
    for questionnaire in result.questionnaires:
        result.warnings.extend(role_warnings(questionnaire))
    return result


def read_source(path: Path) -> tuple[str | None, list[Problem]]:
    """A file's text, or why it cannot be read as one (too large, binary, not UTF-8)."""
    size = path.stat().st_size
    if size > src.MAX_BYTES:  # not read at all
        return None, [Problem(str(path), 1, 1, Msg.Q_TOO_LARGE,
                              {"size": src.size_text(size), "max": src.size_text(src.MAX_BYTES)})]
    text, refused = src.decode(path.read_bytes())
    return text, [Problem(str(path), line + 1, column + 1, code, params)
                  for line, column, code, params in refused]


def load_directory(directory: Path) -> LoadResult:
    return load_files(directory.glob("*.yaml"))


def role_warnings(questionnaire: Questionnaire) -> list[Problem]:
    """A questionnaire that asks for amounts reports on the grant's economy: without the
    roles the economy report reads, its columns stay empty. Warned, not refused: a scheme
    that reports no money (no top-level amount) needs none (our choice, README "Roles")."""
    amounts = [q for q in questionnaire.questions() if q.type == "amount"]
    if not amounts:
        return []
    first = amounts[0]
    missing = [role for role in ("amount_used",) if questionnaire.question_with_role(role)
               is None]
    if questionnaire.question_with_role("amount_unused") is None and \
            questionnaire.question_with_role("amount_received") is None:
        missing.append("amount_unused")
    return [Problem(questionnaire.source, first.line, first.column, Msg.Q_ROLE_MISSING,
                    {"id": questionnaire.id, "role": role,
                     "column": ROLE_COLUMNS[role]}) for role in missing]


# The economy report's column each role fills (exports.economy.ECONOMY_COLUMNS).
ROLE_COLUMNS = {"amount_used": "Rapportert brukt", "amount_unused": "Ubrukt"}


def _check_versions(questionnaires: list[Questionnaire]) -> list[Problem]:
    """A question id keeps its type across versions; one file per id and version."""
    problems: list[Problem] = []
    by_id: dict[str, list[Questionnaire]] = {}
    for q in questionnaires:
        by_id.setdefault(q.id, []).append(q)
    for versions in by_id.values():
        versions.sort(key=lambda q: q.version)
        for earlier, later in itertools.pairwise(versions):
            if earlier.version == later.version:
                problems.append(Problem(later.source, 1, 1, Msg.Q_DUPLICATE_VERSION,
                                        {"id": later.id, "version": later.version,
                                         "other": earlier.source}))
                continue
            types = {q.id: q.type for q in earlier.questions()}
            for question in later.questions():
                if question.id in types and types[question.id] != question.type:
                    problems.append(Problem(
                        later.source, question.line, question.column, Msg.Q_TYPE_CHANGED,
                        {"id": question.id, "old": types[question.id], "new": question.type,
                         "version": earlier.version}))
    return problems


_CONTEXT_TYPES = ex.CONTEXT_NAMES
_SCALAR_TYPES = {
    "integer": ex.NUMBER, "decimal": ex.NUMBER, "amount": ex.NUMBER, "percent": ex.NUMBER,
    "scale": ex.NUMBER, "text": ex.TEXT, "long_text": ex.TEXT, "single_choice": ex.TEXT,
    "yes_no": ex.BOOL, "date": ex.DATE, "multiple_choice": ex.TEXT_LIST,
}


def expression_type(qtype: str, parts: Mapping[str, Any]) -> Any:
    """The type an answer of this question has inside expressions (None: not usable)."""
    if qtype in _SCALAR_TYPES:
        return _SCALAR_TYPES[qtype]
    if qtype == "group":
        return ex.Type.group({c.id: _SCALAR_TYPES[c.type] for c in parts.get("columns", ())
                              if c.type in _SCALAR_TYPES})
    if qtype == "computed" and parts.get("expression") is not None:
        return parts["expression"].type
    return None


def check_version_history(questionnaires: list[Questionnaire]) -> list[Problem]:
    """The checks across versions of one questionnaire (types kept, one text per version),
    for a version about to be published next to the published ones."""
    return _check_versions(questionnaires)

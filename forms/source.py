"""The text of a definition file before it is read as YAML: refused when it is not safe or
not text, and YAML's own errors turned into what an author should do.

Every definition the service reads (questionnaires, repayment rules, scheme entries) may
come from an upload, so it is screened first: at most `MAX_BYTES`, UTF-8, no control
characters, and none of the YAML features a form never needs but an attacker can use —
anchors and aliases (`&a`, `*a`: the "billion laughs" bomb), and tags (`!!python/object`).
The screen reads YAML events only, which never expand an alias, so a bomb is refused in
the time it takes to read its text.

Functions here return `(line, column, Msg, params)` with 0-based positions, as ruamel
counts; `forms.loader` turns them into located `Problem`s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    NodeEvent,
)

from forms.messages import Msg

MAX_BYTES = 1_000_000  # 1 MB: the largest shipped questionnaire is under 30 kB
# C0 controls but tab, line feed and carriage return; DEL; C1 controls; the bidirectional
# overrides that can make a text read differently from what it is; non-characters.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                     "\ufffe\uffff]")
MAX_DEPTH = 40  # levels of nesting; the shipped questionnaires use 10
MAX_SCREEN_PROBLEMS = 20  # a binary file would otherwise give one problem per byte

Found = tuple[int, int, Msg, dict[str, Any]]


def position(text: str, offset: int) -> tuple[int, int]:
    """0-based line and column of a character offset."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def decode(data: bytes) -> tuple[str | None, list[Found]]:
    """The text of an uploaded or stored file, or why it is not UTF-8 text."""
    if len(data) > MAX_BYTES:
        return None, [(0, 0, Msg.Q_TOO_LARGE, {"size": size_text(len(data)),
                                                "max": size_text(MAX_BYTES)})]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 2:
        return None, [(0, 0, Msg.Q_BINARY, {})]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start)
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1)
        return None, [(line, column, Msg.Q_NOT_UTF8, {"byte": f"{data[error.start]:02X}"})]


def size_text(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB".replace(".", ",")


def screen(text: str) -> list[Found]:
    """What makes a text unsafe or unreadable, before it is loaded (empty: load it)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return [(0, 0, Msg.Q_TOO_LARGE, {"size": size_text(size), "max": size_text(MAX_BYTES)})]
    return _controls(text) or _too_deep(text) or _unsafe_yaml(text)


def _too_deep(text: str) -> list[Found]:
    """Brackets nested deeper than any definition needs: YAML reads them slowly (the time
    grows with the square of the depth) and a few hundred exhaust the stack. Counted on
    the characters, before YAML reads anything; quoted texts aside."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "{[":
            depth += 1
            if depth > MAX_DEPTH:
                line, column = position(text, match.start())
                return [(line, column, Msg.Q_TOO_DEEP, {"max": MAX_DEPTH})]
        elif match.group() in "}]":
            depth = max(depth - 1, 0)
    return []


_BRACKETS = re.compile(r"'[^'\n]*'|\"(?:[^\"\\\n]|\\.)*\"|[{}\[\]]")


def _controls(text: str) -> list[Found]:
    found: list[Found] = []
    for match in CONTROL.finditer(text):
        line, column = position(text, match.start())
        if match.group() == "\x00":
            return [(line, column, Msg.Q_BINARY, {})]
        found.append((line, column, Msg.Q_CONTROL_CHARACTER,
                      {"character": f"U+{ord(match.group()):04X}"}))
        if len(found) >= MAX_SCREEN_PROBLEMS:
            break
    return found


def _unsafe_yaml(text: str) -> list[Found]:
    """Anchors, aliases and tags, read from the YAML events (which never expand)."""
    found: list[Found] = []
    depth = 0
    try:
        for event in _events(text):
            mark = event.start_mark
            depth += isinstance(event, CollectionStartEvent) - isinstance(event,
                                                                          CollectionEndEvent)
            if depth > MAX_DEPTH:  # block nesting (indentation), as deep as brackets
                return [*found, (mark.line, mark.column, Msg.Q_TOO_DEEP, {"max": MAX_DEPTH})]
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
                # the first is enough: a bomb has thousands
                return [*found, (mark.line, mark.column, Msg.Q_YAML_ANCHOR,
                                 {"name": str(event.anchor)})]
            tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
            if tag:
                tag = str(tag).replace("tag:yaml.org,2002:", "!!")
                found.append((mark.line, mark.column, Msg.Q_YAML_TAG, {"tag": tag}))
            if len(found) >= MAX_SCREEN_PROBLEMS:
                break
    except YAMLError:
        pass  # a syntax error: the loader reports it, explained
    return found


def _events(text: str) -> Iterator[Any]:
    yield from YAML(typ="rt").parse(text)


# -- YAML syntax errors, explained -------------------------------------------------------

_KEY = re.compile(r"^(\s*)(-\s+)?([^\s#'\"{}\[\],][^:#]*?):(\s|$)")


def explain(error: YAMLError, text: str) -> Found:
    """A YAML syntax error as what to do about it, at the line it is found on."""
    if not isinstance(error, MarkedYAMLError):
        return 0, 0, Msg.Q_YAML, {"problem": str(error).splitlines()[0]}
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    problem = str(error.problem or error.context or "").strip()
    lines = text.splitlines()
    row = lines[line] if line < len(lines) else ""
    indent = len(row) - len(row.lstrip(" "))
    if "'\\t'" in problem or "\t" in row[: max(indent + 1, column + 1)]:
        return line, row.find("\t") if "\t" in row else column, Msg.Q_YAML_TAB, {}
    if isinstance(error, DuplicateKeyError):
        return _duplicate(error, lines, line, column, problem)
    if "while scanning a quoted scalar" in str(error.context or "") and error.context_mark:
        start = error.context_mark
        return start.line, start.column, Msg.Q_YAML_UNCLOSED_QUOTE, {}
    if problem.startswith("mapping values are not allowed"):
        match = _KEY.match(row)
        if match and column <= match.end(3):  # the line's own key: indented too far
            return _indentation(lines, line, line, column)
        return line, column, Msg.Q_YAML_COMMA, {}
    if problem.startswith(("expected ',' or '}'", "expected ',' or ']'")):
        return _flow(error, lines, line, column)
    if "expected <block end>" in problem or "expected <block mapping start>" in problem:
        if column <= indent:  # the line starts in the wrong column
            return _indentation(lines, line, line, column)
        return line, column, Msg.Q_YAML_COMMA, {}
    return line, column, Msg.Q_YAML, {"problem": problem}


def _flow(error: MarkedYAMLError, lines: list[str], line: int, column: int) -> Found:
    """A one-line `{…}` that does not parse: never closed, or a text in it needs quotes."""
    start = error.context_mark
    if start and start.line < line and not _closed(lines[start.line][start.column:]):
        # `title: {nb: Bruk, nn: Bruk` and the next line: the brace was never closed
        bracket = lines[start.line][start.column]
        return start.line, start.column, Msg.Q_YAML_UNCLOSED_BRACKET, {
            "bracket": bracket, "closing": "}" if bracket == "{" else "]"}
    # `{nb: Merk: dette}`, `{nb: Brukt i {grant.year}}`: a one-line text needs quotes
    return line, column, Msg.Q_YAML_COMMA, {}


def _closed(flow: str) -> bool:
    """Whether a one-line `{…}` or `[…]` closes on its line (quotes aside)."""
    depth = 0
    for character in re.sub(r"'[^']*'|\"[^\"]*\"", "", flow):
        depth += character in "{["
        depth -= character in "}]"
    return depth <= 0


def _duplicate(error: MarkedYAMLError, lines: list[str], line: int, column: int,
               problem: str) -> Found:
    if 'with value "None"' in problem:  # `{nb: For alle, alle}`: a comma made a key
        return line, column, Msg.Q_YAML_COMMA, {}
    match = re.search(r'duplicate key "([^"]*)"', problem)
    key = match.group(1) if match else ""
    start = error.context_mark.line if error.context_mark else 0
    same = re.compile(r"^\s*(?:-\s+)?" + re.escape(key) + r"\s*:")
    first = next((number + 1 for number in range(start, line) if same.match(lines[number])),
                 start + 1)
    return line, column, Msg.Q_YAML_DUPLICATE_KEY, {"key": key, "line": first}


def _indentation(lines: list[str], line: int, at: int, column: int) -> Found:
    """Which key a wrongly indented line should start under, from the keys above it."""
    row = lines[line]
    indent = len(row) - len(row.lstrip(" "))
    dash = row.lstrip(" ").startswith("- ")
    open_keys: list[tuple[int, str, int, bool]] = []  # (column, key, line, is a list item)
    for number, above in enumerate(lines[:line]):
        match = _KEY.match(above)
        if not above.strip() or above.lstrip().startswith("#") or match is None:
            continue
        start = len(match.group(1))
        key_column = start + len(match.group(2) or "")
        while open_keys and open_keys[-1][0] >= start:
            open_keys.pop()
        if match.group(2):
            open_keys.append((start, "- " + match.group(3).strip(), number, True))
        open_keys.append((key_column, match.group(3).strip(), number, False))
    candidates = [k for k in open_keys if k[3] == dash] or open_keys
    if not candidates:
        return at, column, Msg.Q_YAML_INDENT_GENERAL, {}
    target = min(candidates, key=lambda k: (abs(k[0] - indent), -k[0]))
    parents = [k for k in open_keys if k[0] < target[0] and not k[3]]
    params = {"key": target[1] + ":", "line": target[2] + 1, "column": target[0] + 1}
    if parents:
        return at, column, Msg.Q_YAML_INDENT_UNDER, {**params, "parent": parents[-1][1] + ":"}
    return at, column, Msg.Q_YAML_INDENT, params

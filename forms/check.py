"""`check` beyond one file's own rules: every text in bokmål and nynorsk, and the
questionnaires, scheme entries and repayment rules checked against each other.

Nynorsk: state forms are offered in bokmål and nynorsk at once (språklova § 14), so a
text without `nn` is an error. A questionnaire (or a scheme entry) that is only in bokmål
says so at the top with its reason, `nynorsk_not_required: <the reason>`, visible to
every reader of the file; the scheme's rules file follows its questionnaire.

Across files:
- a questionnaire with no scheme entry: an error (no round can be made for it);
- a scheme entry with no questionnaire: an error (its rounds would have no form);
- a scheme without a rules file: a warning (a scheme may claim nothing back; but then no
  report is ever flagged, which the author should know).

Pure functions on texts, usable without an app: the command line runs them on files, the
authors' workspace on what is typed in the browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from forms.loader import Problem, Reader, load_text
from forms.messages import Msg
from forms.model import Questionnaire
from forms.rules import RuleSet, load_rules_text

EXEMPTION_KEY = "nynorsk_not_required"
# Keys whose value is a text shown to people (questionnaires, rules, scheme entries).
TEXT_KEYS = frozenset({"title", "intro", "label", "help", "message", "min_label",
                       "max_label", "add_label", "explanation", "name", "legal_basis"})


def missing_nynorsk(node: Any, path: str, *, exempt: bool = False) -> list[Problem]:
    """A problem at every text without a nynorsk version (none when `exempt`)."""
    if exempt:
        return []
    found: list[Problem] = []
    _walk(node, path, found)
    return found


def _walk(node: Any, path: str, found: list[Problem]) -> None:
    if isinstance(node, CommentedSeq):
        for item in node:
            _walk(item, path, found)
        return
    if not isinstance(node, CommentedMap):
        return
    for key, value in node.items():
        if key not in TEXT_KEYS:
            _walk(value, path, found)
            continue
        if isinstance(value, str):  # one line: bokmål only
            at = node.lc.value(key)
        elif isinstance(value, CommentedMap) and "nb" in value and not (
                isinstance(value.get("nn"), str) and value["nn"].strip()):
            at = value.lc.key("nn") if "nn" in value else node.lc.key(key)
        else:
            continue
        found.append(Problem(path, at[0] + 1, at[1] + 1, Msg.Q_MISSING_NN, {"key": key}))


def exemption(node: Any, path: str) -> tuple[bool, list[Problem]]:
    """Whether a file (or entry) opts out of nynorsk, and a problem when it does so
    without a reason."""
    if not isinstance(node, CommentedMap) or EXEMPTION_KEY not in node:
        return False, []
    reason = node[EXEMPTION_KEY]
    if isinstance(reason, str) and reason.strip():
        return True, []
    line, column = node.lc.value(EXEMPTION_KEY)
    return False, [Problem(path, line + 1, column + 1, Msg.Q_NYNORSK_REASON, {})]


def _parsed(text: str, path: str) -> Any:
    """The YAML of a text that has loaded (None when it did not parse: already reported)."""
    reader = Reader(path)
    data = reader.parse(text)
    return None if reader.problems else data


@dataclass
class Checked:
    """One questionnaire text checked: the model when sound, its problems, and whether it
    opts out of nynorsk (its rules file then may too)."""

    questionnaire: Questionnaire | None
    problems: list[Problem] = field(default_factory=list)
    nynorsk_exempt: bool = False


def check_questionnaire_text(text: str, name: str) -> Checked:
    """A questionnaire text: everything the loader checks, and every text in nynorsk."""
    questionnaire, problems = load_text(text, name)
    exempt, nynorsk = nynorsk_problems(text, name) if not _unreadable(problems) else \
        (False, [])
    problems = sorted(problems + nynorsk, key=lambda p: (p.line, p.column))
    return Checked(questionnaire if not problems else None, problems, exempt)


def nynorsk_problems(text: str, name: str, *, exempt: bool = False
                     ) -> tuple[bool, list[Problem]]:
    """Whether a readable text is exempt from nynorsk (its own `nynorsk_not_required`, or
    `exempt` from its questionnaire) and every text of it without nynorsk otherwise."""
    root = _parsed(text, name)
    own, refused = exemption(root, name)
    return own or exempt, refused + missing_nynorsk(root, name, exempt=own or exempt)


def _unreadable(problems: Iterable[Problem]) -> bool:
    return any(p.code in SOURCE_CODES for p in problems)


SOURCE_CODES = frozenset(
    {Msg.Q_YAML, Msg.Q_TOO_LARGE, Msg.Q_TOO_DEEP, Msg.Q_BINARY, Msg.Q_NOT_UTF8,
     Msg.Q_CONTROL_CHARACTER}
    | {code for code in Msg if code.value.startswith("q.yaml_")})  # the text is unreadable


def check_rules_text(text: str, name: str, answers: Mapping[str, Mapping[str, Any]],
                     exempt_schemes: Iterable[str] = ()) -> tuple[RuleSet | None,
                                                                   list[Problem]]:
    """A rules text against the answers of its questionnaires (forms.rules.answer_names);
    its texts need nynorsk unless its questionnaire is exempt."""
    rule_set, problems = load_rules_text(text, name, answers)
    if not _unreadable(problems):
        root = _parsed(text, name)
        scheme = str(root.get("scheme")) if isinstance(root, CommentedMap) else ""
        problems = problems + missing_nynorsk(root, name,
                                              exempt=scheme in set(exempt_schemes))
    problems.sort(key=lambda p: (p.line, p.column))
    return (rule_set if not problems else None), problems


@dataclass(frozen=True)
class EntryRef:
    """What the cross-file check needs of a scheme entry (forms.schemes_check)."""

    slug: str
    questionnaire: str
    line: int


def cross_check(questionnaires: Iterable[Questionnaire], entries: Iterable[EntryRef],
                rule_schemes: Iterable[str], schemes_path: str
                ) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) of the files together: every questionnaire has a scheme entry,
    every entry a questionnaire, and (a warning) every scheme its rules."""
    entries = list(entries)
    forms: dict[str, Questionnaire] = {}
    for questionnaire in questionnaires:
        forms.setdefault(questionnaire.id, questionnaire)
    used = {entry.questionnaire for entry in entries}
    ruled = set(rule_schemes)
    problems = [Problem(q.source, 1, 1, Msg.X_NO_SCHEME_ENTRY,
                        {"id": q.id, "schemes": schemes_path})
                for q in forms.values() if q.id not in used]
    warnings: list[Problem] = []
    for entry in entries:
        if entry.questionnaire not in forms:
            problems.append(Problem(schemes_path, entry.line, 1, Msg.X_NO_QUESTIONNAIRE,
                                    {"slug": entry.slug, "questionnaire": entry.questionnaire}))
        elif entry.questionnaire not in ruled:
            warnings.append(Problem(schemes_path, entry.line, 1, Msg.X_NO_RULES,
                                    {"slug": entry.slug, "questionnaire": entry.questionnaire}))
    return problems, warnings

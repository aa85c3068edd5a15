"""Scheme entries (`questionnaires/schemes/schemes.yaml`) checked key by key, each problem
at its line and column, as the questionnaires are.

What the service relies on: `slug` names the scheme on the command line and is the id of
its questionnaire (unless `questionnaire` names another); `chapter_post` is a text such as
"762.60" (unquoted, YAML would read `0621.21` as the number 621.21); `administration` is
who runs the scheme (survey_app.models.Administration: the database refuses any other
value); `name` is a text in bokmål and nynorsk; `rules` are the call's limits
(survey_app/services/scheme_rules.py reads them, with the same checks as here).

Pure: `check_schemes_text(text, name)` takes the file's text, or one entry's (a mapping)
as the authors' workspace edits it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from forms.check import EXEMPTION_KEY, exemption, missing_nynorsk
from forms.loader import SLUG, Problem, Reader
from forms.messages import Msg
from forms.model import Questionnaire, Text

ADMINISTRATIONS = ("national", "offices")  # = survey_app.models.Administration
ENTRY_KEYS = frozenset({"slug", "chapter_post", "administration", "name", "questionnaire",
                        "legal_basis", "rules", "economy_workbook", "applications",
                        "transitional", "accounts", EXEMPTION_KEY})
REQUIRED_KEYS = ("slug", "chapter_post", "administration", "name")
RULES_KEYS = frozenset({"first_year", "last_year", "recipients_of_year",
                        "continuing_positions_only", "position_rates"})
CHAPTER_POST = re.compile(r"\d{3,4}\.\d{2}")
TRACK_KEYS = ("1", "2", "3", "4", "any")
# `economy_workbook` (issue 16, item 4): the page whose amount/integer questions an Excel
# economy report fills (survey_app/services/economy_workbook.py).
ECONOMY_WORKBOOK_KEYS = frozenset({"section"})
# `applications` (issue 16, item 2): `without_grant: true` lets a municipality without a
# grant in the scheme apply in the questionnaire's application pages alone
# (survey_app/services/applications.py).
APPLICATIONS_KEYS = frozenset({"without_grant"})
WORKBOOK_TYPES = ("amount", "integer")  # the question types a workbook row can hold
# `accounts` (issue 16, item 5; read by survey_app/services/accounts.py): which grant years'
# reports need the accounts, as what, and the auditor's attestation with its threshold.
ACCOUNTS_KEYS = frozenset({"years", "by", "attestation"})
ACCOUNTS_BY = ("economy_workbook", "file")
ATTESTATION_KEYS = frozenset({"years", "from_amount"})


@dataclass(frozen=True)
class SchemeEntry:
    slug: str
    questionnaire: str  # the questionnaire id: `questionnaire`, or the slug
    chapter_post: str
    administration: str
    name: Text
    line: int  # 1-based line of the entry
    nynorsk_exempt: bool = False
    economy_section: str | None = None  # `economy_workbook: {section: ...}`, if declared


@dataclass
class SchemesResult:
    entries: list[SchemeEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _SchemeReader(Reader):
    def one_of(self, node: CommentedMap, key: str, allowed: tuple[str, ...],
               listed: Any) -> str | None:
        value = node.get(key)
        if value not in allowed:
            self.problem(self.value_at(node, key), Msg.R_NOT_ONE_OF, key=key,
                         value=str(value), allowed=listed)
            return None
        return str(value)

    def chapter_post(self, node: CommentedMap) -> str | None:
        value = node.get("chapter_post")
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.quoted_text(node, "chapter_post")
            return None
        if not isinstance(value, str) or (value and not CHAPTER_POST.fullmatch(value)):
            self.problem(self.value_at(node, "chapter_post"), Msg.S_CHAPTER_POST,
                         value=str(value))
            return None
        return value

    def year(self, node: CommentedMap, key: str) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
            self.problem(self.value_at(node, key), Msg.S_NOT_YEAR, key=key, value=str(value))
            return None
        return value

    def scheme_rules(self, node: CommentedMap) -> None:
        """The checks of survey_app.services.scheme_rules.parse_rules, each located."""
        rules = self.mapping(node["rules"], self.value_at(node, "rules"), "rules")
        if rules is None:
            return
        self.known_keys(rules, RULES_KEYS, f"rules ({node.get('slug')})")
        first, last = self.year(rules, "first_year"), self.year(rules, "last_year")
        recipients = self.year(rules, "recipients_of_year")
        if first and last and first > last:
            self.problem(self.value_at(rules, "first_year"), Msg.S_FIRST_AFTER_LAST,
                         first=first, last=last)
        if "continuing_positions_only" in rules and \
                self.boolean(rules, "continuing_positions_only") and recipients is None:
            self.problem(self.key_at(rules, "continuing_positions_only"),
                         Msg.S_CONTINUING_NEEDS_RECIPIENTS)
        if rules.get("position_rates") is None:
            return
        rates = self.mapping(rules["position_rates"], self.value_at(rules, "position_rates"),
                             "position_rates")
        for year, table in (rates or {}).items():
            at = self.key_at(rates, year)  # type: ignore[arg-type]
            if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
                self.problem(at, Msg.S_NOT_YEAR, key="position_rates", value=str(year))
                continue
            if (first and year < first) or (last and year > last):
                self.problem(at, Msg.S_RATE_YEAR_OUTSIDE, year=year)
            self.rate_table(rates, year, table)  # type: ignore[arg-type]

    def rate_table(self, rates: CommentedMap, year: int, table: Any) -> None:
        table = self.mapping(table, self.value_at(rates, year), f"position_rates {year}")  # type: ignore[arg-type]
        if table is None:
            return
        if not table:
            self.problem(self.value_at(rates, year), Msg.Q_NOT_MAPPING,  # type: ignore[arg-type]
                         what=f"position_rates {year}")
        for key, amount in table.items():
            if str(key).strip().lower() not in TRACK_KEYS:
                self.problem(self.key_at(table, key), Msg.R_NOT_ONE_OF, key="position_rates",
                             value=str(key), allowed=", ".join(TRACK_KEYS))
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                self.problem(self.value_at(table, key), Msg.S_NOT_KRONER, value=str(amount))
        if "any" in table and len(table) > 1:
            self.problem(self.key_at(table, "any"), Msg.S_RATE_ANY_ALONE)

    def entry(self, node: CommentedMap) -> SchemeEntry | None:
        before = len(self.problems)
        where = f"scheme {node.get('slug', '')}".strip()
        self.known_keys(node, ENTRY_KEYS, where)  # first: `administraton`, did you mean…
        if not self.require(node, REQUIRED_KEYS, where):
            return None
        slug = self.identifier(node, "slug", SLUG)
        chapter_post = self.chapter_post(node)
        administration = self.one_of(node, "administration", ADMINISTRATIONS,
                                     Msg.S_ADMINISTRATIONS)
        questionnaire = self.identifier(node, "questionnaire", SLUG) \
            if "questionnaire" in node else slug
        name = self.text(node, "name")
        if "legal_basis" in node:
            self.text(node, "legal_basis")
        if "rules" in node:
            self.scheme_rules(node)
        economy = self.economy_workbook(node) if "economy_workbook" in node else None
        if "accounts" in node:
            self.accounts(node)
        if "applications" in node:
            self.applications(node)
        if "transitional" in node:  # the frame's transitional cap counts its decisions
            self.boolean(node, "transitional")
        exempt, refused = exemption(node, self.path)
        self.problems.extend(refused)
        self.problems.extend(missing_nynorsk(node, self.path, exempt=exempt))
        if len(self.problems) > before or None in (slug, chapter_post, administration,
                                                   questionnaire, name):
            return None
        return SchemeEntry(str(slug), str(questionnaire), str(chapter_post),
                           str(administration), name or {}, node.lc.line + 1, exempt,
                           economy)

    def economy_workbook(self, node: CommentedMap) -> str | None:
        """`economy_workbook: {section: <page id>}`: its shape here; that the page exists
        and has amount/integer questions is `economy_workbook_problems` (it needs the
        questionnaire)."""
        found = self.mapping(node["economy_workbook"], self.value_at(node, "economy_workbook"),
                             "economy_workbook")
        if found is None:
            return None
        self.known_keys(found, ECONOMY_WORKBOOK_KEYS, f"economy_workbook ({node.get('slug')})")
        if not self.require(found, ("section",), "economy_workbook"):
            return None
        return self.identifier(found, "section", SLUG)

    def applications(self, node: CommentedMap) -> None:
        """`applications: {without_grant: true|false}`: its shape."""
        found = self.mapping(node["applications"], self.value_at(node, "applications"),
                             "applications")
        if found is not None:
            self.known_keys(found, APPLICATIONS_KEYS, f"applications ({node.get('slug')})")
            if "without_grant" in found:
                self.boolean(found, "without_grant")

    def years(self, node: CommentedMap, key: str) -> None:
        """A non-empty list of grant years."""
        value = node.get(key)
        if not isinstance(value, CommentedSeq) or not value:
            self.problem(self.value_at(node, key), Msg.S_NOT_YEAR, key=key, value=str(value))
            return
        for index, year in enumerate(value):
            if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
                self.problem(self.item_at(value, index), Msg.S_NOT_YEAR, key=key,
                             value=str(year))

    def accounts(self, node: CommentedMap) -> None:
        """The checks of survey_app.services.accounts.parse_rule, each located."""
        found = self.mapping(node["accounts"], self.value_at(node, "accounts"), "accounts")
        if found is None:
            return
        self.known_keys(found, ACCOUNTS_KEYS, f"accounts ({node.get('slug')})")
        if not self.require(found, ("years", "by"), "accounts"):
            return
        self.years(found, "years")
        by = self.one_of(found, "by", ACCOUNTS_BY, ", ".join(ACCOUNTS_BY))
        if by == "economy_workbook" and "economy_workbook" not in node:
            self.problem(self.value_at(found, "by"), Msg.S_ACCOUNTS_NEED_WORKBOOK)
        if "attestation" not in found:
            return
        attestation = self.mapping(found["attestation"], self.value_at(found, "attestation"),
                                   "attestation")
        if attestation is None:
            return
        self.known_keys(attestation, ATTESTATION_KEYS, "attestation")
        if not self.require(attestation, ("years", "from_amount"), "attestation"):
            return
        self.years(attestation, "years")
        amount = attestation.get("from_amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            self.problem(self.value_at(attestation, "from_amount"), Msg.S_NOT_KRONER,
                         value=str(amount))

    def read_schemes(self, text: str) -> list[SchemeEntry]:
        self.source_lines = text.splitlines()
        root = self.root_node(text)
        if root is None:
            return []
        if isinstance(root, CommentedMap):  # one entry, as the workspace edits it
            found = self.entry(root)
            return [found] if found else []
        entries: list[SchemeEntry] = []
        lines: dict[str, int] = {}
        for index, item in enumerate(root):
            node = self.mapping(item, self.item_at(root, index), "scheme")
            if node is None:
                continue
            slug = node.get("slug")
            if isinstance(slug, str) and slug in lines:
                self.problem(self.value_at(node, "slug"), Msg.S_DUPLICATE_SLUG, slug=slug,
                             line=lines[slug])
            elif isinstance(slug, str):
                lines[slug] = node.lc.line + 1
            found = self.entry(node)
            if found is not None:
                entries.append(found)
        return entries

    def root_node(self, text: str) -> CommentedMap | CommentedSeq | None:
        """The file's list of entries (or one entry), located problems otherwise."""
        data = self.parse(text)  # screens the text, explains YAML errors
        if isinstance(data, CommentedMap | CommentedSeq):
            return data
        if not self.problems:
            self.problem((0, 0), Msg.S_NOT_LIST)
        return None


def economy_workbook_problems(entry: SchemeEntry, questionnaire: Questionnaire,
                              file: str) -> list[Problem]:
    """The entry's `economy_workbook` against its questionnaire: the page exists and has
    amount or integer questions (the workbook's input rows)."""
    section_id = entry.economy_section
    if section_id is None:
        return []
    section = next((s for s in questionnaire.sections if s.id == section_id), None)
    if section is None:
        return [Problem(file, entry.line, 1, Msg.S_WORKBOOK_NO_SECTION,
                        {"section": section_id, "id": questionnaire.id})]
    if not any(q.type in WORKBOOK_TYPES for q in section.questions):
        return [Problem(file, entry.line, 1, Msg.S_WORKBOOK_NO_NUMBERS,
                        {"section": section_id, "id": questionnaire.id})]
    return []


def check_schemes_text(text: str, name: str) -> SchemesResult:
    """Every scheme entry of a schemes file's text (or one entry's), and its problems."""
    reader = _SchemeReader(name)
    entries = reader.read_schemes(text)
    return SchemesResult(entries, reader.problems)

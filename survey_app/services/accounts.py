"""The accounts a report must carry where the scheme requires them (issue 16, item 5).

Seed 001 (001_ee5cc4ae63bd1fb8.txt) says for 765.60: "Rapportering for 2021: Krav om
regnskap, innen 01.04.2022" and "Regnskapsfrist er 01.04.2022". What counts as the
accounts, for which grant years, and when an auditor's attestation goes with them, is the
scheme's configuration (``accounts`` in questionnaires/schemes/schemes.yaml, checked by
forms/schemes_check.py), never written here:

    accounts:
      years: [2021]            # the grant years whose reports need the accounts
      by: economy_workbook     # the uploaded Excel economy report, or `file`: an attachment
      attestation: {years: [2021], from_amount: 1000000}  # optional

A report that lacks what its grant requires cannot be submitted; the summary says what is
missing. Pure rules (``AccountsRule.requirements``) over the files of the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from survey_app.models import Grant, ResponseFile
from survey_app.models import Response as ReportResponse
from survey_app.questionnaires import scheme_entries

BY_WORKBOOK, BY_FILE = "economy_workbook", "file"
# The ResponseFile.question_id of each kind of attachment (section_id: ATTACHMENTS).
ATTACHMENTS = "attachments"
ACCOUNTS_FILE, ATTESTATION_FILE = "accounts", "auditor_attestation"


@dataclass(frozen=True)
class Attestation:
    years: frozenset[int]
    from_amount: int  # kroner: a grant of this or more needs the auditor's attestation


@dataclass(frozen=True)
class AccountsRule:
    years: frozenset[int]
    by: str  # BY_WORKBOOK or BY_FILE
    attestation: Attestation | None = None

    def requirements(self, year: int, amount: int) -> list[str]:
        """What a report of this grant year and amount must carry: BY_WORKBOOK,
        ACCOUNTS_FILE and/or ATTESTATION_FILE."""
        needed: list[str] = []
        if year in self.years:
            needed.append(BY_WORKBOOK if self.by == BY_WORKBOOK else ACCOUNTS_FILE)
        if self.attestation is not None and year in self.attestation.years and \
                amount >= self.attestation.from_amount:
            needed.append(ATTESTATION_FILE)
        return needed


def parse_rule(entry: Mapping[str, Any]) -> AccountsRule | None:
    """A scheme entry's ``accounts``, as the checker let it through; None without one."""
    config = entry.get("accounts")
    if not isinstance(config, Mapping):
        return None
    attestation = config.get("attestation")
    return AccountsRule(
        frozenset(int(y) for y in config.get("years") or ()), str(config.get("by")),
        Attestation(frozenset(int(y) for y in attestation.get("years") or ()),
                    int(attestation["from_amount"]))
        if isinstance(attestation, Mapping) else None)


def rule_of(slug: str) -> AccountsRule | None:
    entry = next((e for e in scheme_entries() if e.get("slug") == slug), None)
    return parse_rule(entry) if entry else None


def satisfied(needed: str, files: Iterable[ResponseFile], workbook_section: str | None) -> bool:
    """Whether the report's files include what one requirement asks for."""
    if needed == BY_WORKBOOK:
        return any(f.section_id == workbook_section for f in files)
    return any(f.section_id == ATTACHMENTS and f.question_id == needed for f in files)


@dataclass(frozen=True)
class Requirement:
    kind: str  # BY_WORKBOOK, ACCOUNTS_FILE or ATTESTATION_FILE
    met: bool


def requirements_of(grant: Grant, response: ReportResponse | None) -> list[Requirement]:
    """Each thing the grant's report must carry as accounts, and whether it does."""
    from survey_app.services.economy_workbook import declared_section, files_of

    slug = grant.round.scheme.slug
    rule = rule_of(slug)
    if rule is None:
        return []
    files = files_of(response)
    return [Requirement(kind, satisfied(kind, files, declared_section(slug)))
            for kind in rule.requirements(grant.round.year, grant.amount)]


def missing(grant: Grant, response: ReportResponse | None) -> list[str]:
    """What the report still lacks of its accounts (empty: it may be submitted)."""
    return [r.kind for r in requirements_of(grant, response) if not r.met]

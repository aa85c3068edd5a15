"""Publishing a scheme's questionnaire, scheme entry and rules (issue 15).

Authors write the three texts in the browser (survey_app.authoring) or ship them as files
(`questionnaires/`, published with `flask --app wsgi questionnaires publish`). Both paths
check the three together, against what is already served, and insert immutable rows
(survey_app.models.definitions). Every server serves a new row from its next request.

A questionnaire version that is published never changes: the same `id` and `version` with
another text is refused ("a correction is a new version"), so answers given to a version keep
showing and exporting with that version.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from ruamel.yaml import YAML

from forms.check import Checked, check_questionnaire_text, check_rules_text
from forms.loader import LoadResult, Problem, check_version_history, role_warnings
from forms.messages import Msg
from forms.model import Questionnaire
from forms.rules import RuleSet, answer_names
from forms.schemes_check import SchemeEntry, check_schemes_text, economy_workbook_problems
from survey_app import audit
from survey_app.extensions import db
from survey_app.models import AuthorDraft, DefinitionKind, PublishedDefinition, User
from survey_app.models.users import utcnow
from survey_app.questionnaires import all_questionnaires, forget_served
from survey_app.services import letter_config

# The names the three texts have in messages ("skjema.yaml:12:5: ..."), as an author
# would save them.
PART_NAMES = {"questionnaire": "skjema.yaml", "scheme": "ordning.yaml", "rules": "regler.yaml"}
PARTS = tuple(PART_NAMES)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class BundleCheck:
    """The three texts checked together: what they define and every problem, by part."""

    questionnaire: Questionnaire | None = None
    scheme: SchemeEntry | None = None
    rules: RuleSet | None = None
    problems: dict[str, list[Problem]] = field(
        default_factory=lambda: {part: [] for part in PARTS})
    # What does not stop publishing but an author should know (as `check` warns).
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    @property
    def count(self) -> int:
        return sum(len(found) for found in self.problems.values())

    @property
    def slug(self) -> str | None:
        return self.scheme.slug if self.scheme else None


@functools.lru_cache(maxsize=32)
def checked_questionnaire(text: str) -> Checked:
    """A questionnaire text checked on its own (a pure function of the text, kept for the
    draft's next page: ruamel reads a 30 kB form in about a tenth of a second, a check
    reads it several times)."""
    return check_questionnaire_text(text, PART_NAMES["questionnaire"])


def _version_line(text: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("version:"):
            return number, 1
    return 1, 1


def _check_scheme(result: BundleCheck, scheme_text: str) -> None:
    """The scheme entry: one, sound, naming the draft's questionnaire, with letter texts."""
    questionnaire = result.questionnaire
    schemes = check_schemes_text(scheme_text, PART_NAMES["scheme"])
    result.problems["scheme"] += schemes.problems
    if schemes.ok and len(schemes.entries) != 1:
        result.problems["scheme"].append(Problem(PART_NAMES["scheme"], 1, 1,
                                                 Msg.PUBLISH_ONE_SCHEME_ENTRY,
                                                 {"count": len(schemes.entries)}))
    elif schemes.ok:
        result.scheme = schemes.entries[0]
        if result.scheme.slug not in letter_config.current().schemes:
            # Legal texts are configuration with their source, never typed in a form.
            result.warnings.append(Problem(PART_NAMES["scheme"], result.scheme.line, 1,
                                           Msg.PUBLISH_NO_LETTER_TEXTS,
                                           {"slug": result.scheme.slug}))
    if result.scheme is not None and questionnaire is not None \
            and result.scheme.questionnaire != questionnaire.id:
        result.problems["scheme"].append(Problem(
            PART_NAMES["scheme"], result.scheme.line, 1, Msg.PUBLISH_SCHEME_OTHER_QUESTIONNAIRE,
            {"wanted": result.scheme.questionnaire, "id": questionnaire.id}))
    if result.scheme is not None and questionnaire is not None:
        result.problems["scheme"] += economy_workbook_problems(
            result.scheme, questionnaire, PART_NAMES["scheme"])


def check_bundle(questionnaire_text: str, scheme_text: str, rules_text: str) -> BundleCheck:
    """Check a questionnaire, its scheme entry and its rules as they would be served: each
    as `questionnaires check` does (nynorsk included), the version against the published
    ones, and the three against each other."""
    result = BundleCheck()
    names = PART_NAMES
    checked = checked_questionnaire(questionnaire_text)
    result.problems["questionnaire"] += checked.problems
    questionnaire = checked.questionnaire
    served = all_questionnaires()
    if questionnaire is not None:
        earlier = [q for q in served if q.id == questionnaire.id]
        same = next((q for q in earlier if q.version == questionnaire.version), None)
        if same is not None and same.content_hash != questionnaire.content_hash:
            line, column = _version_line(questionnaire_text)
            result.problems["questionnaire"].append(Problem(
                names["questionnaire"], line, column, Msg.PUBLISH_VERSION_TAKEN,
                {"id": questionnaire.id, "version": questionnaire.version,
                 "next": max(q.version for q in earlier) + 1}))
        else:
            others = [q for q in earlier if q.version != questionnaire.version]
            result.problems["questionnaire"] += [
                p for p in check_version_history([*others, questionnaire])
                if p.file == names["questionnaire"]]
        result.questionnaire = questionnaire
        result.warnings += role_warnings(questionnaire)
    _check_scheme(result, scheme_text)
    if not rules_text.strip():  # a scheme may have no repayment rules, as `check` warns
        if result.scheme is not None:
            result.warnings.append(Problem(
                PART_NAMES["rules"], 1, 1, Msg.X_NO_RULES,
                {"slug": result.scheme.slug, "questionnaire": result.scheme.questionnaire}))
        return result
    if questionnaire is None:
        return result  # rules read a sound questionnaire: its problems are named first
    others = [q for q in served if (q.id, q.version) != (questionnaire.id, questionnaire.version)]
    exempt = [questionnaire.id] if checked.nynorsk_exempt else []
    rule_set, problems = check_rules_text(
        rules_text, names["rules"], answer_names([*others, questionnaire]), exempt)
    result.problems["rules"] += problems
    if rule_set is not None and rule_set.scheme != questionnaire.id:
        result.problems["rules"].append(Problem(
            names["rules"], 1, 1, Msg.PUBLISH_RULES_OTHER_QUESTIONNAIRE,
            {"scheme": rule_set.scheme, "id": questionnaire.id}))
    result.rules = rule_set
    return result


def _latest(kind: str, key: str) -> PublishedDefinition | None:
    return db.session.scalar(
        sa.select(PublishedDefinition)
        .where(PublishedDefinition.kind == kind, PublishedDefinition.key == key)
        .order_by(PublishedDefinition.version.desc()).limit(1))


def _insert(kind: str, key: str, text: str, actor: str, source: str,
            version: int | None = None) -> PublishedDefinition | None:
    """A new row unless the newest of `(kind, key)` has this very text (None then)."""
    latest = _latest(kind, key) if version is None else db.session.scalar(
        sa.select(PublishedDefinition).where(PublishedDefinition.kind == kind,
                                             PublishedDefinition.key == key,
                                             PublishedDefinition.version == version))
    if latest is not None and latest.content_hash == sha256(text):
        return None
    row = PublishedDefinition(
        kind=kind, key=key, text=text, content_hash=sha256(text), published_by=actor,
        source=source, version=version if version is not None else
        (latest.version + 1 if latest else 1))
    db.session.add(row)
    return row


class PublishRefused(Exception):
    """The texts have problems (``check``), or someone published the same version first."""

    def __init__(self, check: BundleCheck) -> None:
        self.check = check
        super().__init__(f"{check.count} problem(s)")


def publish_draft(draft: AuthorDraft, user: User) -> list[PublishedDefinition]:
    """Publish a draft's three texts (checked again here); the caller commits."""
    check = check_bundle(draft.questionnaire_text, draft.scheme_text, draft.rules_text)
    if not check.ok or check.questionnaire is None or check.slug is None:
        raise PublishRefused(check)
    questionnaire = check.questionnaire
    rows = [row for row in (
        _insert(DefinitionKind.QUESTIONNAIRE, questionnaire.id, draft.questionnaire_text,
                user.email, "workspace", version=questionnaire.version),
        _insert(DefinitionKind.SCHEME, check.slug, draft.scheme_text, user.email, "workspace"),
        _insert(DefinitionKind.RULES, questionnaire.id, draft.rules_text, user.email,
                "workspace") if draft.rules_text.strip() else None,
    ) if row is not None]
    db.session.flush()  # a second author's publication of the same version fails here
    draft.published_at = utcnow()
    for row in rows:
        audit.record("definition.published", "published_definition", row.id, actor=user,
                     after={"kind": row.kind, "key": row.key, "version": row.version,
                            "sha256": row.content_hash, "draft": draft.id})
    forget_served()
    from survey_app.services.rounds import sync_schemes  # rounds reads what is served
    sync_schemes()
    return rows


@dataclass
class SeedReport:
    published: list[str] = field(default_factory=list)
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # a version published with other text


def dump_entry(entry: dict[str, Any]) -> str:
    """A scheme entry as the YAML text of one entry (as published from the seed)."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.dump(entry, out)
    return out.getvalue()


def publish_seed(directory: Path, seed: LoadResult, actor: str = "seed") -> SeedReport:
    """Record the shipped files as published rows (`questionnaires publish`, `demo seed`):
    every questionnaire version not yet in the database, every rules file and scheme entry
    whose text changed. A shipped version whose text differs from the published one is a
    conflict, named and left alone. The caller commits."""
    report = SeedReport()
    for questionnaire in seed.questionnaires:
        text = Path(questionnaire.source).read_text("utf-8")
        existing = db.session.scalar(sa.select(PublishedDefinition).where(
            PublishedDefinition.kind == DefinitionKind.QUESTIONNAIRE,
            PublishedDefinition.key == questionnaire.id,
            PublishedDefinition.version == questionnaire.version))
        if existing is not None:
            if existing.content_hash == sha256(text):
                report.unchanged += 1
            else:
                report.conflicts.append(f"{Path(questionnaire.source).name}: version "
                                        f"{questionnaire.version} is published with other text")
            continue
        _insert(DefinitionKind.QUESTIONNAIRE, questionnaire.id, text, actor, "seed",
                version=questionnaire.version)
        report.published.append(f"{questionnaire.id} v{questionnaire.version}")
    shipped = [(DefinitionKind.RULES, path.stem, path.read_text("utf-8"))
               for path in sorted((directory / "rules").glob("*.yaml"))]
    shipped += [(DefinitionKind.SCHEME, entry["slug"], dump_entry(entry))
                for entry in scheme_entries_of(directory)]
    for kind, key, text in shipped:
        latest = _latest(kind, key)
        if latest is not None and latest.source != "seed" and latest.content_hash != sha256(text):
            # An author changed it in the browser since: the shipped file does not undo that.
            report.conflicts.append(f"{kind} {key}: version {latest.version} was published "
                                    f"by {latest.published_by}; the shipped file is left out")
        elif _insert(kind, key, text, actor, "seed"):
            report.published.append(f"{kind} {key}")
        else:
            report.unchanged += 1
    db.session.flush()
    forget_served()
    return report


def scheme_entries_of(directory: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = YAML(typ="safe").load(
        (directory / "schemes" / "schemes.yaml").read_text("utf-8")) or []
    return entries


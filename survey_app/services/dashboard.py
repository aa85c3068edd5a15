"""The goal-attainment dashboard of a round: what the reports say, within a reviewer's scope.

Only the latest submission of each grant counts (a report corrected after a return counts
with its corrected answers), and only grants to municipalities in the reviewer's scope
(tracking.scoped_municipalities): an office reviewer never sees nor counts other offices.
Filters narrow that further by county, office and size band (population); the status
filter (on time or late) picks the reports whose answers are summarised and leaves the
response rates alone, since a rate of only the late reports would mean nothing.

Figures are exact: totals are Decimal, means, medians and shares are Fractions, rounded
half up only when shown. Free-text answers are only counted, never shown: they may hold
personal or health data about people in small municipalities (domain.md, "Language and
access"). A round costs a few queries whatever its size: tracking's handful, plus one for
the latest submissions.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

import sqlalchemy as sa

from forms.answers import answers_from_json
from forms.builder import choice_options, render_text
from forms.expressions import Kind
from forms.model import Question, Questionnaire
from forms.money import format_amount
from survey_app.extensions import db
from survey_app.formatting import OSLO
from survey_app.models import Grant, Municipality, Response, Round, Submission, User
from survey_app.services import tracking
from survey_app.services.responses import latest_questionnaire, questionnaire_version
from survey_app.services.rounds import round_context
from survey_app.services.tracking import GrantState, RateTable, format_percent

NBSP = "\u00a0"
LAVTERSKEL = "lavterskel-psykisk-helse"  # seed 000's questionnaire: the goal summary
NUMBER_TYPES = frozenset({"integer", "decimal", "amount", "percent"})
COUNTED_TYPES = frozenset({"text", "long_text", "date", "group"})
Context = Mapping[str, object] | None  # the figures questionnaire texts are shown with


# ---- filters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeBand:
    key: str
    low: int  # inhabitants, inclusive
    high: int | None  # exclusive; None: no upper bound


SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand("under-5000", 0, 5_000),
    SizeBand("5000-20000", 5_000, 20_000),
    SizeBand("20000-100000", 20_000, 100_000),
    SizeBand("over-100000", 100_000, None),
)
STATUSES = ("submitted", "late")  # on time, late (by the first submission, as tracking)


@dataclass(frozen=True)
class Filters:
    county: str = ""  # county number
    office: str = ""  # office slug
    size: str = ""  # SizeBand.key
    status: str = ""  # one of STATUSES

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Unknown values are dropped rather than refused: a stale bookmark shows all."""
        size = args.get("size", "")
        status = args.get("status", "")
        return cls(county=args.get("county", "").strip(), office=args.get("office", "").strip(),
                   size=size if size in {b.key for b in SIZE_BANDS} else "",
                   status=status if status in STATUSES else "")

    def query(self, **changes: str) -> dict[str, str]:
        """The filters as URL arguments, with ``changes``: for links that keep them."""
        values = {"county": self.county, "office": self.office, "size": self.size,
                  "status": self.status, **changes}
        return {key: value for key, value in values.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.county or self.office or self.size or self.status)

    def admits(self, municipality: Municipality) -> bool:
        return ((not self.county or municipality.county_number == self.county)
                and (not self.office or municipality.office == self.office)
                and (not self.size or in_band(municipality.population, self.size)))

    def admits_report(self, state: GrantState) -> bool:
        if self.status == "submitted":
            return not state.late
        return state.late if self.status == "late" else True


def in_band(population: int | None, key: str) -> bool:
    """A municipality without a known population is in no band."""
    band = next((b for b in SIZE_BANDS if b.key == key), None)
    if band is None or population is None:
        return False
    return band.low <= population and (band.high is None or population < band.high)


# ---- the reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One grant's latest submission, its answers typed by the version they were given in."""

    number: str
    questionnaire: Questionnaire
    answers: Mapping[str, object]


def latest_submissions(round_: Round,
                       numbers: Iterable[str]) -> dict[str, tuple[str, int, dict[str, Any]]]:
    """kommunenummer -> (questionnaire id, version, stored answers) of the latest submission
    of each of these municipalities' grants in the round: one query, which reads no answers
    from outside the reviewer's selection."""
    latest = (sa.select(Submission.response_id, sa.func.max(Submission.number).label("n"))
              .group_by(Submission.response_id).subquery())
    rows = db.session.execute(
        sa.select(Grant.municipality_number, Submission.questionnaire_id,
                  Submission.questionnaire_version, Submission.answers)
        .join(Response, Response.grant_id == Grant.id)
        .join(Submission, Submission.response_id == Response.id)
        .join(latest, sa.and_(latest.c.response_id == Submission.response_id,
                              latest.c.n == Submission.number))
        .where(Grant.round_id == round_.id,
               Grant.municipality_number.in_(sorted(set(numbers)))))
    return {number: (qid, version, answers) for number, qid, version, answers in rows}


def typed_reports(states: Iterable[GrantState],
                  stored: Mapping[str, tuple[str, int, dict[str, Any]]]) -> list[Report]:
    reports = []
    for state in states:
        if not state.reported or state.number not in stored:
            continue
        qid, version, answers = stored[state.number]
        questionnaire = questionnaire_version(qid, version)
        reports.append(Report(state.number, questionnaire,
                              answers_from_json(questionnaire, answers)))
    return reports


# ---- numbers and how they are shown ---------------------------------------------------------


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Exactly rounded half up (away from zero), never through a binary float."""
    scaled = abs(value) * 10**places
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def format_number(value: Fraction | Decimal | int, places: int = 0) -> str:
    """``1234.5`` → ``1 234,5`` (no-break space, decimal comma), with exactly ``places``."""
    rounded = round_half_up(Fraction(value), places)
    return f"{rounded:,f}".replace(",", NBSP).replace(".", ",").replace("-", "\u2212")


def show(value: Fraction | Decimal | int | None, kind: str) -> str:
    """A total, mean or median of a question as Norwegian readers expect it: amounts in
    kroner to the øre (forms.money), means of counts with one decimal."""
    if value is None:
        return "–"
    if kind == "amount":
        return format_amount(round_half_up(Fraction(value), 2))
    if kind == "percent":
        return f"{format_number(value, 1)}{NBSP}%"
    places = 0 if Fraction(value).denominator == 1 else (1 if kind in ("integer", "scale")
                                                        else 2)
    return format_number(value, places)


def share(count: int, of: int) -> Fraction | None:
    """``count`` as a percentage of ``of``, exactly; None when there is nothing to share."""
    return Fraction(100 * count, of) if of else None


def median(values: Sequence[Fraction]) -> Fraction | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


# ---- per question ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    code: str
    label: str
    count: int
    share: Fraction | None  # of the respondents who answered the question

    @property
    def percent(self) -> str:
        return format_percent(self.share) if self.share is not None else "–"

    @property
    def bar(self) -> float:
        """The bar's length on a 0–100 scale: drawing only, the figures stay exact."""
        return float(self.share) if self.share is not None else 0.0


@dataclass(frozen=True)
class ChoiceSummary:
    id: str
    label: str
    respondents: int
    options: list[Option]
    multiple: bool = False
    kind: str = "choice"


@dataclass(frozen=True)
class NumberSummary:
    id: str
    label: str
    format: str  # integer, decimal, amount or percent
    n: int
    total: Decimal
    mean: Fraction | None
    median: Fraction | None
    kind: str = "number"


@dataclass(frozen=True)
class ScaleSummary:
    id: str
    label: str
    respondents: int
    options: list[Option]  # each point of the scale, then "don't know" if offered
    mean: Fraction | None  # of the points given, "don't know" left out
    rated: int  # respondents who gave a point
    kind: str = "scale"


@dataclass(frozen=True)
class MatrixRow:
    label: str
    counts: list[int]  # per column of MatrixSummary.columns
    mean: Fraction | None


@dataclass(frozen=True)
class MatrixSummary:
    id: str
    label: str
    respondents: int
    columns: list[str]
    rows: list[MatrixRow]
    kind: str = "matrix"


@dataclass(frozen=True)
class CountSummary:
    """Text, dates and repeating groups: how many answered (and a group's rows), no more."""

    id: str
    label: str
    answered: int
    rows: int | None = None
    kind: str = "count"


Summary = ChoiceSummary | NumberSummary | ScaleSummary | MatrixSummary | CountSummary


def _options(question: Question, counts: Counter[str], respondents: int,
             language: str, context: Context = None) -> list[Option]:
    """The questionnaire's options in order, then any code it no longer has (an older
    version's), shown by its code so that no answer is silently dropped."""
    pairs = choice_options(question, language, context)
    known = {code for code, _ in pairs}
    pairs += [(code, code) for code in sorted(counts) if code not in known]
    return [Option(code, label, counts[code], share(counts[code], respondents))
            for code, label in pairs]


def _code(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def summarise_choice(question: Question, values: list[object], language: str,
                     context: Context = None) -> ChoiceSummary:
    multiple = question.type == "multiple_choice"
    ticked = [v if isinstance(v, list) else [v] for v in values]
    counts = Counter(_code(code) for codes in ticked for code in set(codes))
    return ChoiceSummary(question.id, render_text(question.label, language, context),
                         len(values), _options(question, counts, len(values), language,
                                               context), multiple)


def number_format(question: Question) -> str:
    return question.options.get("format", "decimal") if question.type == "computed" \
        else question.type


def summarise_number(question: Question, values: list[object], language: str,
                     context: Context = None) -> NumberSummary:
    numbers = [Fraction(v) for v in values if isinstance(v, int | Decimal)]
    total = sum((Decimal(v) for v in values if isinstance(v, int | Decimal)), Decimal(0))
    return NumberSummary(question.id, render_text(question.label, language, context),
                         number_format(question), len(numbers), total, mean(numbers),
                         median(numbers))


def summarise_scale(question: Question, values: list[object], language: str,
                    context: Context = None) -> ScaleSummary:
    counts = Counter(str(v) for v in values)
    points = [Fraction(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]
    return ScaleSummary(question.id, render_text(question.label, language, context),
                        len(values), _options(question, counts, len(values), language,
                                              context), mean(points), len(points))


def summarise_matrix(question: Question, values: list[object], language: str,
                     context: Context = None) -> MatrixSummary:
    columns = choice_options(question, language, context)
    answered = [v for v in values if isinstance(v, dict)]
    rows = []
    for row in question.rows:
        given = [a[row.code] for a in answered if a.get(row.code) is not None]
        counts = Counter(str(v) for v in given)
        points = [Fraction(v) for v in given if isinstance(v, int) and not isinstance(v, bool)]
        rows.append(MatrixRow(render_text(row.label, language, context),
                              [counts[code] for code, _ in columns], mean(points)))
    return MatrixSummary(question.id, render_text(question.label, language, context),
                         len(answered), [label for _, label in columns], rows)


def summarise_count(question: Question, values: list[object], language: str,
                    context: Context = None) -> CountSummary:
    rows = sum(len(v) for v in values if isinstance(v, list)) \
        if question.type == "group" else None
    return CountSummary(question.id, render_text(question.label, language, context),
                        len(values), rows)


Summariser = Callable[[Question, list[object], str, Context], Summary]
SUMMARISERS: dict[str, Summariser] = {
    "single_choice": summarise_choice, "yes_no": summarise_choice,
    "multiple_choice": summarise_choice, "scale": summarise_scale, "matrix": summarise_matrix,
    **{kind: summarise_number for kind in NUMBER_TYPES},
    **{kind: summarise_count for kind in COUNTED_TYPES},
}


def summariser(question: Question) -> Summariser | None:
    """How a question is summarised; None for info texts and computed non-numbers."""
    if question.type == "computed":
        numeric = question.expression is not None and \
            question.expression.type.kind is Kind.NUMBER
        return summarise_number if numeric else None
    return SUMMARISERS.get(question.type)


def answers_to(question_id: str, reports: Iterable[Report]) -> list[object]:
    """The answers given (a hidden or skipped question is no answer, nor is an empty list)."""
    return [value for r in reports
            if (value := r.answers.get(question_id)) is not None and value != []]


def summarise(question: Question, reports: Sequence[Report], language: str,
              context: Context = None) -> Summary | None:
    how = summariser(question)
    return None if how is None else how(question, answers_to(question.id, reports), language,
                                        context)


# ---- the questions of a round, over its questionnaire versions --------------------------------


@dataclass(frozen=True)
class SectionSummary:
    title: str
    questions: list[Summary]


def round_questionnaires(round_: Round, reports: Sequence[Report]) -> list[Questionnaire]:
    """The versions the reports were given in, newest first; the latest when none are."""
    found = {(r.questionnaire.id, r.questionnaire.version): r.questionnaire for r in reports}
    if not found:
        return [latest_questionnaire(round_.scheme.questionnaire_id)]
    return [found[key] for key in sorted(found, key=lambda k: k[1], reverse=True)]


def by_section(questionnaires: Sequence[Questionnaire], reports: Sequence[Report],
               language: str, context: Context = None) -> list[SectionSummary]:
    """Every question once, in the newest version's order; a question only older versions
    had comes after, in its own section, so that no answer is left out."""
    seen: set[str] = set()
    sections: list[SectionSummary] = []
    for questionnaire in questionnaires:
        for section in questionnaire.sections:
            fresh = [q for q in section.questions if q.id not in seen]
            seen.update(q.id for q in fresh)
            summaries = [s for q in fresh
                         if (s := summarise(q, reports, language, context)) is not None]
            if summaries:
                sections.append(SectionSummary(render_text(section.title, language, context),
                                               summaries))
    return sections


# ---- seed 000's three topics ----------------------------------------------------------------


@dataclass(frozen=True)
class UsersReached:
    group: str  # children, youth or adults
    label: str
    served: int  # municipalities that ticked the group
    with_count: int  # ... and gave a number
    unknown: int  # ... and did not know it
    total: int  # the numbers given, added up

    @property
    def bar(self) -> float:
        return float(self.total)


@dataclass(frozen=True)
class GoalSummary:
    reports: int
    services: ChoiceSummary
    users: list[UsersReached]
    groups_unknown: int  # "don't know" who used the services
    capacity: ScaleSummary
    competence: ScaleSummary

    @property
    def most_users(self) -> int:
        return max((u.total for u in self.users), default=0)


GROUPS = ("children", "youth", "adults")


def _ticked(report: Report, question_id: str) -> Collection[str]:
    """The codes ticked in a multiple-choice answer; none when it was not answered."""
    return cast("Collection[str]", report.answers.get(question_id) or [])


def users_reached(question: Question, reports: Sequence[Report],
                  language: str, context: Context = None) -> list[UsersReached]:
    labels = dict(choice_options(question, language, context))
    rows = []
    for group in GROUPS:
        served = [r for r in reports if group in _ticked(r, "target_groups")]
        counts = [c for r in served if isinstance(c := r.answers.get(f"{group}_count"), int)]
        rows.append(UsersReached(group, labels.get(group, group), len(served), len(counts),
                                 len(served) - len(counts), sum(counts)))
    return rows


def goal_summary(questionnaire: Questionnaire, reports: Sequence[Report],
                 language: str, context: Context = None) -> GoalSummary | None:
    """Seed 000 asks which services were strengthened, who used them (numbers where known)
    and how important the grant was for capacity and competence; other schemes get the
    per-question view only."""
    questions = {qid: questionnaire.question(qid) for qid in (
        "services_strengthened", "target_groups", "importance_capacity",
        "importance_competence")}
    if questionnaire.id != LAVTERSKEL or any(q is None for q in questions.values()):
        return None
    q = {qid: question for qid, question in questions.items() if question is not None}
    unknown = sum(1 for r in reports if "unknown" in _ticked(r, "target_groups"))
    return GoalSummary(
        reports=len(reports),
        services=summarise_choice(q["services_strengthened"],
                                  answers_to("services_strengthened", reports), language,
                                  context),
        users=users_reached(q["target_groups"], reports, language, context),
        groups_unknown=unknown,
        capacity=summarise_scale(q["importance_capacity"],
                                 answers_to("importance_capacity", reports), language, context),
        competence=summarise_scale(q["importance_competence"],
                                   answers_to("importance_competence", reports), language,
                                   context))


# ---- response rate over time ----------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    day: dt.date
    reported: int  # first submissions up to and including this day
    new: int  # since the previous point
    share: Fraction | None  # of granted

    @property
    def percent(self) -> str:
        return format_percent(self.share) if self.share is not None else "–"


@dataclass(frozen=True)
class Timeline:
    points: list[Point]
    granted: int
    deadline: dt.date
    step_days: int  # 1: a point a day; 7: a point a week
    later: int = 0  # first submissions after the last point, not drawn (LATE_WINDOW)


def local_day(value: dt.datetime) -> dt.date:
    """A stored UTC time as the Norwegian calendar day it happened on."""
    return value.replace(tzinfo=dt.UTC).astimezone(OSLO).date()


def timeline_days(start: dt.date, end: dt.date, deadline: dt.date) -> tuple[list[dt.date], int]:
    """A day a point for a month or less, else a week; the deadline and the last day are
    always points, so the chart shows where the rate stood at the deadline."""
    step = 1 if (end - start).days <= 31 else 7
    days = {start + dt.timedelta(days=n) for n in range(0, (end - start).days + 1, step)}
    days.update({deadline, end})
    return sorted(days), step


# How far past the reporting period (deadline and grace days) the chart runs to show late
# reports. Our choice: a report sent a year later would squeeze the period into a sliver.
LATE_WINDOW = dt.timedelta(days=31)


def timeline(states: Sequence[GrantState], round_: Round, rates: RateTable) -> Timeline:
    """Cumulative first submissions from the first one (the round's opening while there
    is none: weeks of zeros before anyone reports say nothing) to the end of the reporting
    period, or to the last submission when that came after it, up to LATE_WINDOW later;
    reports after that are counted in `later`, not drawn."""
    submitted = sorted(local_day(s.submitted_at) for s in states
                       if s.reported and s.submitted_at is not None)
    period_end = round_.deadline + dt.timedelta(days=round_.grace_days)
    start = min(submitted[0], round_.deadline) if submitted else round_.opens_on
    end = min(max([period_end, *submitted[-1:]]), period_end + LATE_WINDOW)
    days, step = timeline_days(start, end, round_.deadline)
    granted = rates.overall.granted
    points, before = [], 0
    for day in days:
        reported = bisect.bisect_right(submitted, day)
        points.append(Point(day, reported, reported - before, share(reported, granted)))
        before = reported
    return Timeline(points, granted, round_.deadline, step, later=len(submitted) - before)


# ---- the dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: only what lies within the reviewer's scope."""

    counties: list[tuple[str, str]]  # (number, name)
    offices: list[str]  # slugs


@dataclass(frozen=True)
class Dashboard:
    round: Round
    filters: Filters
    choices: Choices
    states: list[GrantState]  # the grants in scope that pass the filters
    rates: RateTable
    timeline: Timeline
    reports: int  # the reports whose answers are summarised
    goals: GoalSummary | None
    sections: list[SectionSummary] = field(default_factory=list)


def filter_choices(municipalities: Iterable[Municipality]) -> Choices:
    scoped = list(municipalities)
    counties = sorted({(m.county_number, m.county_name) for m in scoped if m.county_number})
    offices = sorted({m.office for m in scoped if m.office})
    return Choices(counties, offices)


def build(round_: Round, user: User, filters: Filters, language: str) -> Dashboard:
    """The dashboard of a round as ``user`` may see it, narrowed by ``filters``."""
    scoped = tracking.scoped_municipalities(round_, user)
    states = tracking.grant_states(round_, [m for m in scoped if filters.admits(m)])
    rates = tracking.response_rates(states)
    chosen = [s for s in states if s.reported and filters.admits_report(s)]
    reports = typed_reports(chosen, latest_submissions(round_, (s.number for s in chosen)))
    questionnaires = round_questionnaires(round_, reports)
    # Over many municipalities: the round's figures, neutral words for the rest.
    context = round_context(round_)
    return Dashboard(
        round=round_, filters=filters, choices=filter_choices(scoped), states=states,
        rates=rates, timeline=timeline(states, round_, rates), reports=len(reports),
        goals=goal_summary(questionnaires[0], reports, language, context),
        sections=by_section(questionnaires, reports, language, context))

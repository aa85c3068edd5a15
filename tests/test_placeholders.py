"""No `{grant.year}` or `{municipality.name}` is ever shown raw (issue 15, item 6): every
shipped questionnaire, answered for a real grant, on its pages, summary, receipt (page and
PDF), the reviewer's case page and draft history, the dashboard, the preview and the
responses export with its code sheet, in bokmål, nynorsk and English."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from forms.answers import answers_hash, answers_to_json, evaluate
from forms.builder import NEUTRAL_WORDS, format_answer, render_text, scale_bounds
from forms.expressions import CONTEXT_NAMES
from forms.loader import load_directory
from forms.model import Question, Section
from survey_app.extensions import db
from survey_app.models import Flag, Grant, ReviewComment, Submission
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.services import flags, responses
from survey_app.services.rounds import grant_context
from tests.conftest import AuthActions
from tests.factories import make_round

PLACEHOLDER = re.compile(r"\{[a-z_]+\.[a-z_]+\}")
SHIPPED = load_directory(DEFAULT_DIRECTORY).questionnaires
YEAR, NUMBER, ACTOR = 2022, "3405", "koord@lillehammer.kommune.no"
# A group column whose label holds `{grant.year}` (the find), as shown for 2022.
SALARY_2022 = {"nb": "Lønnsutgifter i 2022", "nn": "Lønsutgifter i 2022",
               "en": "Salary costs in 2022"}


def typed(question: Question) -> str | list[str] | None:
    """A plausible typed value for one input, as a browser posts it."""
    kind = question.type
    if kind in ("text", "long_text"):
        return "Tekst"
    if kind in ("integer", "decimal"):
        return str(question.options.get("min", 1) or 1)
    if kind == "amount":
        return "1 000"
    if kind == "percent":
        return "50"
    if kind == "date":
        return "01.03.2022"
    if kind == "yes_no":
        return "yes"
    if kind == "single_choice":
        return question.choices[0].code
    if kind == "multiple_choice":
        return [next(c.code for c in question.choices if not c.exclusive)]
    if kind == "scale":
        return str(scale_bounds(question)[1])
    return None  # computed, info


def page(section: Section) -> dict[str, list[str]]:
    """Every input of a page answered; two rows in each repeating group."""
    data: dict[str, list[str]] = {}

    def put(key: str, value: str | list[str] | None) -> None:
        if value is not None:
            data[key] = value if isinstance(value, list) else [value]

    for question in section.questions:
        if question.type == "matrix":
            for row in question.rows:
                put(f"{question.id}-{row.code}", str(scale_bounds(question)[1]))
        elif question.type == "group":
            for index in range(2):
                for column in question.columns:
                    put(f"{question.id}-{index}-{column.id}", typed(column))
        else:
            put(question.id, typed(question))
    return data


def raw_in(text: str) -> list[str]:
    return PLACEHOLDER.findall(text)


@pytest.fixture
def answered(app, users):
    """A 2022 round of every shipped scheme with a grant to 3405, every page saved and a
    submission of what they answer; returns the (slug, questionnaire) pairs."""
    with app.app_context():
        for questionnaire in SHIPPED:
            # A scheme's slug is its questionnaire's id (schemes.yaml).
            round_ = make_round(f"{questionnaire.id}/{YEAR}", amounts={NUMBER: 1_234_567})
            grant = db.session.scalar(sa.select(Grant).where(Grant.round_id == round_.id))
            response = responses.start(grant, ACTOR)
            version = response.version
            for section in questionnaire.sections:
                version = responses.save_page(response.id, section.id, page(section), version,
                                              ACTOR).version
            evaluation = evaluate(questionnaire, responses.page_data(response),
                                  responses.context_of(grant), "nb")
            first = answers_to_json(evaluation.answers)
            used = questionnaire.question_with_role("amount_used").id
            second = {**first, used: "999"}  # a corrected figure: the case page's diff
            for number, stored in ((1, first), (2, second)):
                db.session.add(Submission(
                    response=response, number=number, reference=responses.reference(grant, number),
                    idempotency_key=f"placeholders-{grant.id}-{number}",
                    questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
                    content_hash=questionnaire.content_hash, answers=stored,
                    answers_hash=answers_hash(stored), submitted_by=ACTOR))
            # A reviewer's comment on the used amount, and the rules' flags (the figures
            # they read are named by their questions' labels on the case page).
            db.session.add(ReviewComment(response_id=response.id, submission_number=2,
                                         question_id=used, text="Sjekk beløpet.",
                                         created_by="rev@helsedir.no"))
            response.status = "returned"  # its pages stay open, and it has receipts
            db.session.commit()
            flags.evaluate_grant(grant.id, dt.date(2023, 5, 1), actor="test")
    return [(q.id, q) for q in SHIPPED]


def in_language(client, language: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = language


def fetched(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def pdf_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def workbook_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def every_text(coordinator, reviewer, questionnaire) -> dict[str, str]:
    """What each page, PDF and export of one scheme's round shows, by its address."""
    slug = questionnaire.id
    report = f"/rapporter/{slug}/{YEAR}/{NUMBER}"
    review = f"/gjennomgang/runder/{slug}/{YEAR}"
    texts = {f"{report}/side/{s.id}": fetched(coordinator, f"{report}/side/{s.id}")
             for s in questionnaire.sections}
    for url in (report, f"{report}/oppsummering", f"{report}/kvittering/1"):
        texts[url] = fetched(coordinator, url)  # overview, summary, receipt
    texts[f"{report}/kvittering/1.pdf"] = pdf_text(coordinator, f"{report}/kvittering/1.pdf")
    for url in (review, f"{review}/dashbord", f"{review}/{NUMBER}", f"{review}/{NUMBER}/utkast"):
        texts[url] = fetched(reviewer, url)  # round, dashboard, case, draft history
    texts[f"/eksport/{slug}/{YEAR}/svar.xlsx"] = workbook_text(
        reviewer, f"/eksport/{slug}/{YEAR}/svar.xlsx")
    for s in questionnaire.sections:
        url = f"/skjema/{questionnaire.id}/v{questionnaire.version}/{s.id}"
        texts[url] = fetched(reviewer, url)  # the preview
    for client, url in ((reviewer, "/eksport"), (reviewer, "/skjema"),
                        (coordinator, "/mine-rapporter")):  # lists naming questionnaires
        texts[url] = fetched(client, url)
    return texts


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_no_placeholder_is_shown_raw_anywhere_for_any_shipped_questionnaire(
        app, users, answered, language):
    coordinator, reviewer = app.test_client(), app.test_client()
    AuthActions(coordinator).login(users["coordinator"])
    AuthActions(reviewer).login(users["reviewer_national"])
    in_language(coordinator, language)
    in_language(reviewer, language)
    shown: dict[str, str] = {}
    for _slug, questionnaire in answered:
        shown.update(every_text(coordinator, reviewer, questionnaire))
    found = {url: sorted(set(raw)) for url, text in shown.items() if (raw := raw_in(text))}
    assert found == {}
    filled_in(app, answered, shown, language)


def filled_in(app, answered, shown: dict[str, str], language: str) -> None:
    """The placeholders are filled in with the grant's figures, not merely removed: the
    group column `Lønnsutgifter i {grant.year}` on the summary, receipt, its PDF and the
    code sheet (the round's year), and the municipality's name in the declaration."""
    salary = SALARY_2022[language]
    for slug, questionnaire in answered:
        has_salary = any(c.id == "salary_cost" for q in questionnaire.questions()
                         for c in q.columns)
        report = f"/rapporter/{slug}/{YEAR}/{NUMBER}"
        if has_salary:
            for url in (f"{report}/oppsummering", f"{report}/kvittering/1"):
                assert salary in shown[url].replace("\xa0", " "), (url, salary)
            assert salary in " ".join(shown[f"{report}/kvittering/1.pdf"].split())
            # The code sheet names columns in bokmål and nynorsk whatever the reader's.
            sheet = shown[f"/eksport/{slug}/{YEAR}/svar.xlsx"]
            assert SALARY_2022["nb"] in sheet and SALARY_2022["nn"] in sheet
        assert "Lillehammer" in shown[f"{report}/oppsummering"]
    # The rules' flags stand on the case pages, their figures named by the labels.
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Flag.id))) > 0


def test_one_function_renders_a_text_and_says_a_missing_figure_in_neutral_words():
    text = {"nb": "{municipality.name} fikk {grant.amount} i {grant.year}",
            "nn": "{municipality.name} fekk {grant.amount} i {grant.year}",
            "en": "{municipality.name} received {grant.amount} in {grant.year}"}
    assert render_text(text, "nb", {"grant.year": 2022}) == "kommunen fikk tilskuddet i 2022"
    assert render_text(text, "nn", {"grant.year": 2022}) == "kommunen fekk tilskotet i 2022"
    assert render_text(text, "en", None) == (
        "the municipality received the grant in the grant year")
    assert render_text({"nb": "{unknown.name}"}, "nb", {}) == "{unknown.name}"
    # Every context name has its words in every language.
    assert set(NEUTRAL_WORDS) == set(CONTEXT_NAMES)
    assert all(set(words) == {"nb", "nn", "en"} for words in NEUTRAL_WORDS.values())


def test_an_answer_shows_its_group_columns_with_the_grants_figures(app):
    questionnaire = next(q for q in SHIPPED if q.id == "kommunalt-rusarbeid-ny")
    positions = questionnaire.question("positions")
    with app.app_context():
        grant = make_round(f"kommunalt-rusarbeid-ny/{YEAR}", amounts={NUMBER: 1}).grants[0]
        context = grant_context(grant, responses.municipality_of(grant))
    row = {"position_title": "Rådgiver", "salary_cost": Decimal(500_000)}
    assert "Lønnsutgifter i 2022: 500\xa0000\xa0kr" in format_answer(
        positions, [row], "nb", context)
    assert "Lønnsutgifter i tilskuddsåret" in format_answer(positions, [row], "nb")

"""The repayment claim letter: its facts, the HTML in the municipality's written standard
(templates/letters/claim.<nb|nn>.html) and the same HTML as a PDF.

The letter's language is the claim's (fixed when it was made, from the municipality's
written standard), never the reviewer's UI language. The legal basis is the scheme's
configured text; without it there is no letter (decisions.legal_basis refuses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from fpdf import FPDF
from fpdf.fonts import TextStyle

from forms.answers import answers_from_json
from forms.builder import format_answer, render_text
from forms.model import Questionnaire
from forms.money import format_amount, from_ore
from survey_app.extensions import db
from survey_app.models import Claim, Flag, Grant, Municipality, User
from survey_app.offices import office_name
from survey_app.services import responses
from survey_app.services.decisions import legal_basis
from survey_app.services.receipts import _font, _safe


@dataclass(frozen=True)
class Figure:
    key: str  # the name the rule read: a question id or a grant figure (grant.amount)
    label: str  # the question's label; "" for a grant figure (the template names it)
    value: str  # formatted; "true"/"false" for a yes/no grant figure


@dataclass(frozen=True)
class LetterRule:
    title: str
    text: str
    amount: str  # formatted
    figures: list[Figure]
    submission: str | None  # the reference of the submission the rule read


@dataclass(frozen=True)
class Letter:
    claim: Claim
    grant: Grant
    municipality: Municipality
    language: str  # nb or nn
    scheme_name: str
    legal_basis: str
    rules: list[LetterRule]
    amount: str
    issued: dt.date
    due: dt.date
    contact: str


def find_claim(reference: str) -> Claim | None:
    return db.session.scalar(sa.select(Claim).where(Claim.reference == reference))


def _grant_figure(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if key.endswith(".amount"):
        try:
            return format_amount(Decimal(str(value)))
        except InvalidOperation:
            pass
    return str(value)


def _figure(key: str, value: Any, questionnaire: Questionnaire | None, language: str,
            context: dict[str, object]) -> Figure:
    question = questionnaire.question(key) if questionnaire is not None else None
    if question is None:
        return Figure(key, "", _grant_figure(key, value))
    if value is None:
        return Figure(key, render_text(question.label, language, context), "")
    typed = answers_from_json(questionnaire, {key: value})[key]  # type: ignore[arg-type]
    return Figure(key, render_text(question.label, language, context),
                  format_answer(question, typed, language))


def _rule(flag: Flag, language: str, context: dict[str, object]) -> LetterRule:
    explanation = flag.explanation
    source = explanation.get("questionnaire")
    questionnaire = (responses.questionnaire_version(source["id"], source["version"])
                     if source else None)
    figures = [_figure(k, v, questionnaire, language, context)
               for k, v in (explanation.get("figures") or {}).items()]
    return LetterRule(title=explanation.get("title", {}).get(language, flag.rule_id),
                      text=explanation.get("text", {}).get(language, ""),
                      amount=format_amount(from_ore(flag.amount_ore)), figures=figures,
                      submission=explanation.get("submission"))


def _contact(claim: Claim) -> str:
    author = db.session.scalar(sa.select(User).where(User.email == claim.created_by))
    return office_name(author.office if author is not None else None)


def letter_of(claim: Claim) -> Letter:
    """The letter's facts; DecisionError when the scheme has no legal basis configured."""
    grant = db.session.get(Grant, claim.grant_id)
    assert grant is not None
    municipality = responses.municipality_of(grant)
    assert municipality is not None
    scheme = grant.round.scheme
    context = responses.context_of(grant)
    flags = db.session.scalars(sa.select(Flag).where(Flag.id.in_(claim.flag_ids))
                               .order_by(Flag.rule_id)).all()
    return Letter(
        claim=claim, grant=grant, municipality=municipality, language=claim.language,
        scheme_name=scheme.name(claim.language),
        legal_basis=legal_basis(scheme, claim.language),
        rules=[_rule(f, claim.language, context) for f in flags],
        amount=format_amount(from_ore(claim.amount_ore)), issued=claim.created_at.date(),
        due=claim.due_date, contact=_contact(claim))


def letter_html(letter: Letter) -> str:
    """The letter's body (no page chrome), in its own language."""
    with force_locale(letter.language):
        return render_template(f"letters/claim.{letter.language}.html", letter=letter)


# The PDF's Unicode font has no bold face: terms are plain, headings black and larger.
PDF_STYLES = {
    "dt": TextStyle(t_margin=3, l_margin=0, b_margin=0),
    "h1": TextStyle(font_size_pt=16, t_margin=0, l_margin=0, b_margin=4, color="#000000"),
    "h2": TextStyle(font_size_pt=13, t_margin=5, l_margin=0, b_margin=2, color="#000000"),
    "h3": TextStyle(font_size_pt=11, t_margin=4, l_margin=0, b_margin=1, color="#000000"),
}


def letter_pdf(letter: Letter) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(letter.claim.reference)
    pdf.set_lang(letter.language)
    pdf.add_page()
    font = _font(pdf)
    pdf.set_font(font, size=11)
    pdf.write_html(_safe(letter_html(letter), font), font_family=font,
                   tag_styles=PDF_STYLES)
    return bytes(pdf.output())

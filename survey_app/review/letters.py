"""A claim's letters as HTML (templates/letters/<notice|decision>.<nb|nn>.html) and as
tagged PDF (survey_app.pdf), from the facts of services.claim_letters.

The letter's language is the municipality's written standard on the letter's date, never
the reviewer's UI language; the page around it is in the reviewer's language.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from survey_app.pdf import html_to_pdf
from survey_app.services.claim_letters import DECISION, Letter

TITLES = {
    ("notice", "nb"): "Forhåndsvarsel om krav om tilbakebetaling av tilskudd",
    ("notice", "nn"): "Førehandsvarsel om krav om tilbakebetaling av tilskot",
    ("decision", "nb"): "Vedtak om tilbakebetaling av tilskudd",
    ("decision", "nn"): "Vedtak om tilbakebetaling av tilskot",
}
PAGE_WORDS = {"nb": ("Side", "av"), "nn": ("Side", "av")}


def letter_html(letter: Letter) -> str:
    """The letter's body (no page chrome), in its own language."""
    with force_locale(letter.language):
        return render_template(f"letters/{letter.kind}.{letter.language}.html", letter=letter)


def title_of(letter: Letter) -> str:
    draft = " (utkast)" if letter.draft else ""
    return f"{TITLES[letter.kind, letter.language]} – {letter.claim.reference}{draft}"


def letter_pdf(letter: Letter) -> bytes:
    document = render_template(
        "pdf/document.html", title=title_of(letter), language=letter.language,
        author=letter.sender, reference=letter.claim.reference,
        footer=PAGE_WORDS[letter.language], body=letter_html(letter))
    return html_to_pdf(document)


def filename_of(letter: Letter) -> str:
    kind = "vedtak" if letter.kind == DECISION else "forhandsvarsel"
    return f"{kind}-{letter.claim.reference}.pdf"

"""What coordinators and reviewers read by default is Norwegian prose: no rule id, no rule
expression, no Python `True`/`False` and no English sentence from the catalogue on any page
they open, in bokmål or nynorsk (issue 14 item 4). The rule's machinery may show only under
"Teknisk grunnlag" (a `<details class="technical">`), closed by default."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_app.questionnaires import rules_for
from tests.test_access import (  # noqa: F401  (fixtures)
    EXPECTED_GET,
    mail_samples,
    receipt_samples,
    review_samples,
)

ROOT = Path(__file__).resolve().parent.parent
READERS_BY_DEFAULT = ["coordinator", "reviewer_national", "reviewer_innlandet"]

_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<details class=\"technical[^\"]*\".*?</details>"
                     r"|<title>.*?</title>", re.S)
_TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """The page's text as a reader sees it before opening a disclosure."""
    return " ".join(html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page))).split())


def english_sentences() -> list[str]:
    """Catalogue messages of three words or more whose bokmål differs from the English: any
    of them on an nb/nn page is English that leaked."""
    with (ROOT / "survey_app/translations/nb/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    found = []
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or "%(" in message.id:
            continue
        text = " ".join(message.id.split())
        if len(text.split()) >= 3 and message.string and message.string != message.id:
            found.append(text)
    return found


def rule_words() -> set[str]:
    rule_set = rules_for("lavterskel-psykisk-helse")
    ids = {rule.id for rule in rule_set.rules}
    expressions = {rule.condition.source for rule in rule_set.rules}
    return ids | expressions


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("role", READERS_BY_DEFAULT)
def test_no_page_shows_internals_or_english_by_default(
        app, client, auth, users, lavterskel, mail_samples,  # noqa: F811
        review_samples, receipt_samples, role, language):  # noqa: F811
    auth.login(users[role])
    client.post(f"/sprak/{language}", data={"next": "/"})
    english = english_sentences()
    with app.app_context():
        internals = rule_words()
    checked = 0
    for url, allowed in EXPECTED_GET.items():
        if role not in allowed:
            continue
        answer = client.get(url)
        if answer.status_code != 200 or answer.mimetype != "text/html":
            continue
        checked += 1
        text = visible_text(answer.get_data(as_text=True))
        assert not re.search(r"\b(True|False|None)\b", text), f"{url}: a Python value"
        for word in internals:
            assert not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text), \
                f"{url}: the rule's {word!r}"
        leaked = [sentence for sentence in english if sentence in text]
        assert not leaked, f"{url} in {language}: English {leaked[:3]}"
    assert checked >= 8


def test_the_check_finds_english_and_internals_when_they_are_there(app):
    """The filters above are not blind: an English catalogue sentence and a rule id are
    found in text made to contain them, and the technical disclosure is left out."""
    sentence = english_sentences()[0]
    page = (f"<main><p>{sentence}</p><details class=\"technical ds-details\"><summary>x"
            "</summary><code>unused-funds</code></details></main>")
    text = visible_text(page)
    assert sentence in text and "unused-funds" not in text
    with app.app_context():
        assert "unused-funds" in rule_words()

"""The national reviewer's journey in a real browser: a flag of the deadline job, the report
returned for correction with a comment on a question, the municipality's coordinator
correcting and resubmitting it in another browser, the diff between the two submissions,
a repayment claim and its letter in the municipality's written standard.

The live app is shared with the other browser tests: the case is a nynorsk municipality
with an open unused-funds flag that no other test uses (never 3405 or 1577).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from forms.money import format_amount, from_ore
from survey_app.extensions import db
from survey_app.models import Claim, Flag, FlagStatus, Grant
from survey_app.services import flags, rounds
from survey_app.services.demo import DEMO_USERS
from survey_app.services.register import current_entry
from survey_app.services.users import create_user
from tests.browser.test_pages import BY_ROLE, path_of, sign_in, sign_in_as

ROUND = "lavterskel-psykisk-helse/2022"
ROUND_PATH = "/gjennomgang/runder/lavterskel-psykisk-helse/2022"
REPORT_PATH = "/rapporter/lavterskel-psykisk-helse/2022"
TAKEN = {u for user in DEMO_USERS for u in user.municipalities}  # 3405, 1577: other tests'
COORDINATOR_PASSWORD = "korrigering-2023"
USED_LABEL = "Hvor mye av tilskuddet ble brukt i 2022?"
COMMENT = "Beløpet stemmer ikke med regnskapet. Kontroller brukt beløp."
CLAIM_REASON = "Ubrukte midler kan ikke overføres til neste år."


@dataclass(frozen=True)
class Case:
    number: str
    name: str
    amount: int  # the grant, whole kroner
    unused_ore: int  # what the unused-funds flag proposes before the correction


def ensure_flags(live_app: Flask) -> None:
    """The deadline job, run through the app unless the demo seed has run it already."""
    with live_app.app_context():
        round_ = rounds.find_round(ROUND)
        if not any(flag.rule_id == "unused-funds" for _number, flag in flags.flags_of(round_)):
            flags.compute_round(round_, dt.date(2023, 5, 1))


def choose_case(live_app: Flask) -> Case:
    """A nynorsk municipality whose only flag is an open unused-funds one, on a submitted
    report no reviewer has touched yet."""
    with live_app.app_context():
        round_ = rounds.find_round(ROUND)
        by_number: dict[str, list[Flag]] = {}
        for number, flag in flags.flags_of(round_):
            by_number.setdefault(number, []).append(flag)
        for number, found in sorted(by_number.items()):
            if number in TAKEN or len(found) != 1:
                continue
            flag = found[0]
            municipality = current_entry(number)
            if (flag.rule_id == "unused-funds" and flag.status == FlagStatus.OPEN
                    and flag.amount_ore >= 20_000 and municipality is not None
                    and municipality.written_standard == "nn"):
                grant = db.session.get(Grant, flag.grant_id)
                assert grant is not None
                return Case(number, municipality.display_name, grant.amount, flag.amount_ore)
    raise AssertionError("the demo data has no nynorsk municipality with one unused-funds flag")


def wait_for_flags(live_app: Flask, number: str, unused_ore: int) -> None:
    """The rules run once the receipt has gone to the browser (survey_app.after_response):
    wait, boundedly, until the unused-funds flag has the resubmitted figure."""
    for _ in range(200):
        with live_app.app_context():
            amount = db.session.scalar(sa.select(Flag.amount_ore).join(Grant).where(
                Grant.municipality_number == number, Flag.rule_id == "unused-funds",
                Grant.round_id == rounds.find_round(ROUND).id))
        if amount == unused_ore:
            return
        time.sleep(0.05)
    raise AssertionError(f"the flag of {number} still says {amount}, not {unused_ore}")


def make_coordinator(live_app: Flask, number: str) -> str:
    email = f"koordinator-{number}@journey.kommune.no"
    with live_app.app_context():
        create_user(email, "coordinator", municipalities=[number],
                    password=COORDINATOR_PASSWORD, name=f"Koordinator {number}")
    return email


def assert_error_tied_to(page: Page, field: Locator, field_id: str, message: str) -> None:
    """The refused post: the summary links to the field, whose error it describes."""
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Det er et problem")
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field_id}")
    error = page.locator(f"#{field_id}-error")
    expect(error).to_contain_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{field_id}-error\b"))


def test_flag_return_resubmit_diff_claim_and_letter(
        new_page: Callable[..., Page], live_app: Flask,
        assert_accessible: Callable[[Page], None]) -> None:
    ensure_flags(live_app)
    case = choose_case(live_app)
    case_path = f"{ROUND_PATH}/{case.number}"

    # -- the reviewer finds the flag and returns the report with a comment on a question
    reviewer = new_page()
    sign_in_as(reviewer, BY_ROLE["reviewer"])
    reviewer.goto("/gjennomgang/runder")
    reviewer.get_by_role("link", name=re.compile(r"lavterskeltilbud.* 2022$")).click()
    expect(reviewer).to_have_url(path_of(ROUND_PATH))
    reviewer.get_by_role("link", name="Flagg og foreslåtte tilbakebetalinger i denne runden") \
        .click()
    expect(reviewer).to_have_url(path_of(f"{ROUND_PATH}/flagg"))
    reviewer.get_by_label("Regel").select_option(label="Ubrukte midler")
    reviewer.get_by_role("button", name="Vis", exact=True).click()
    expect(reviewer).to_have_url(re.compile(r"rule=unused-funds"))
    assert_accessible(reviewer)
    # 25 flags a page: the reviewer pages on until the municipality is listed.
    open_case = reviewer.get_by_role("link", name=f"Åpne saken for {case.name}", exact=True)
    for _page in range(20):
        if open_case.count():
            break
        reviewer.get_by_role("link", name="Neste", exact=True).click()
    open_case.click()
    expect(reviewer).to_have_url(path_of(case_path))
    expect(reviewer.get_by_role("heading", level=3, name=re.compile("^Ubrukte midler"))) \
        .to_be_visible()
    assert_accessible(reviewer)  # the case page with its waive, claim and return forms

    reviewer.get_by_label("Spørsmål 1", exact=True).select_option(value="used_amount")
    reviewer.get_by_label("Kommentar til spørsmål 1", exact=True).fill(COMMENT)
    reviewer.get_by_role("button", name="Send rapporten tilbake").click()
    expect(reviewer.get_by_role("main")).to_contain_text(
        "Rapporten er sendt tilbake til kommunen for retting.")
    expect(reviewer.get_by_role("main")).to_contain_text(COMMENT)

    # -- the coordinator sees the comment beside the question, corrects and resubmits
    email = make_coordinator(live_app, case.number)
    coordinator = new_page()
    sign_in(coordinator, email, COORDINATOR_PASSWORD)
    expect(coordinator).to_have_url(path_of("/mine-rapporter"))
    report = f"{REPORT_PATH}/{case.number}"
    coordinator.goto(report)
    notes = coordinator.locator("#review-notes")
    expect(notes).to_contain_text("Rapporten er sendt tilbake for retting")
    notes.get_by_role("link", name=USED_LABEL).click()
    expect(coordinator).to_have_url(re.compile(re.escape(f"{report}/side/economy") + "#"))
    comment = coordinator.locator("#used_amount-review.review-comment")
    expect(comment).to_be_visible()
    expect(comment).to_contain_text("Kommentar fra tilskuddsforvalteren:")
    expect(comment).to_contain_text(COMMENT)
    used = coordinator.get_by_label(USED_LABEL)
    expect(used).to_have_attribute("aria-describedby", re.compile(r"\bused_amount-review\b"))
    assert_accessible(coordinator)
    new_unused = case.unused_ore // 200  # half the unused amount, in whole kroner
    used.fill(str(case.amount - new_unused))
    coordinator.get_by_role("button", name="Lagre og gå videre").click()
    expect(coordinator).to_have_url(re.compile(r"/side/conditions(#.*)?$"))
    coordinator.goto(f"{report}/oppsummering")
    expect(coordinator.get_by_role("heading", name="Kontroller svarene før du sender inn")) \
        .to_be_visible()
    coordinator.get_by_role("button", name="Send inn rapporten").click()
    second = f"2022-{case.number}-LPH-2"
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(f"Kvittering {second}")

    # -- the reviewer sees what changed, is refused without reasons, then claims
    wait_for_flags(live_app, case.number, new_unused * 100)  # judged after the receipt
    reviewer.goto(case_path)
    changes = reviewer.get_by_role("heading", name=f"Endringer fra 2022-{case.number}-LPH-1 "
                                                  f"til {second}")
    expect(changes).to_be_visible()
    diff = reviewer.locator("table.diff")
    row = diff.get_by_role("row").filter(has=reviewer.get_by_role("rowheader", name=USED_LABEL))
    expect(row).to_contain_text(format_amount(case.amount - case.unused_ore // 100))
    expect(row).to_contain_text(format_amount(case.amount - new_unused))

    waive_form = reviewer.get_by_role("form", name=re.compile("^Frafall: Ubrukte midler"))
    waive_form.get_by_role("button", name="Frafall (krev ingenting)").click()  # no reason
    waive_reason = reviewer.get_by_label("Begrunnelse for ikke å kreve tilbakebetaling")
    field_id = waive_reason.get_attribute("id")
    assert field_id is not None and field_id.startswith("waive")
    assert_error_tied_to(reviewer, waive_reason, field_id,
                         "Skriv begrunnelsen for ikke å kreve tilbakebetaling.")

    reviewer.goto(case_path)  # (a refused waive empties the claim form: see the test below)
    claim_form = reviewer.get_by_role("form", name="Krev tilbakebetaling")
    amount = claim_form.get_by_label("Beløp som kreves tilbake (kroner)")
    expect(amount).to_have_value(format_amount(new_unused).removesuffix("\u00a0kr"))
    claim_form.get_by_role("button", name="Krev tilbakebetaling").click()  # no reason
    reason = reviewer.get_by_label("Begrunnelse for kravet")
    assert_error_tied_to(reviewer, reason, "claim-reason",
                         "Skriv begrunnelsen for å kreve tilbakebetaling.")
    expect(reviewer.get_by_role("alert").get_by_role("link")).to_have_count(1)
    assert_accessible(reviewer)  # the case page with its errors
    with live_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Claim.id)).join(Grant).where(
            Grant.municipality_number == case.number)) == 0

    claim_form = reviewer.get_by_role("form", name="Krev tilbakebetaling")
    claim_form.get_by_label("Begrunnelse for kravet").fill(CLAIM_REASON)
    claim_form.get_by_role("button", name="Krev tilbakebetaling").click()
    expect(reviewer).to_have_url(path_of(case_path))
    expect(reviewer.get_by_role("main")).to_contain_text(
        "Forhåndsvarselet er utarbeidet. Les det, og send det så til kommunen.")
    with live_app.app_context():
        claim = db.session.scalars(sa.select(Claim).join(Grant).where(
            Grant.municipality_number == case.number)).one()
        reference, claim_ore = claim.reference, claim.amount_ore
        assert claim.language == "nn"
    assert claim_ore == new_unused * 100

    # -- a claim starts with the advance notice (fvl § 16), in nynorsk, with the amount
    reviewer.get_by_role("link", name=reference, exact=True).click()
    expect(reviewer).to_have_url(path_of(f"/gjennomgang/krav/{reference}"))
    letter = reviewer.locator("article.letter")
    expect(letter).to_have_attribute("lang", "nn")
    expect(letter.get_by_role("heading", level=1)).to_have_text(
        "Førehandsvarsel om krav om tilbakebetaling av tilskot")
    expect(letter).to_contain_text("Mellombels styrking av lågterskeltilbod innan psykisk helse")
    expect(letter).to_contain_text(format_amount(from_ore(claim_ore)))
    expect(letter).to_contain_text("Dette er eit varsel, ikkje eit vedtak.")
    expect(letter).to_contain_text(CLAIM_REASON)
    expect(reviewer.get_by_role("main")).to_contain_text("Nynorsk")
    assert_accessible(reviewer)


def test_a_refused_waive_keeps_the_claim_form_prefilled(
        page: Page, live_app: Flask) -> None:
    """After a waive without a reason the page comes back with its error; the claim form
    beside it must still offer the open flags, checked, and the proposed amount."""
    ensure_flags(live_app)
    with live_app.app_context():
        found = [(number, flag) for number, flag in flags.flags_of(rounds.find_round(ROUND))
                 if flag.rule_id == "not-reported" and flag.status == FlagStatus.OPEN
                 and number not in TAKEN]
        number, flag = found[-1]  # a report never sent: no other test touches it
        proposed = format_amount(from_ore(flag.amount_ore)).removesuffix("\u00a0kr")
    sign_in_as(page, BY_ROLE["reviewer"])
    page.goto(f"{ROUND_PATH}/{number}")
    claim_form = page.get_by_role("form", name="Krev tilbakebetaling")
    expect(claim_form.get_by_label("Beløp som kreves tilbake (kroner)")).to_have_value(proposed)
    page.get_by_role("form", name=re.compile("^Frafall: Ikke rapportert")).get_by_role(
        "button", name="Frafall (krev ingenting)").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Skriv begrunnelsen for ikke å kreve tilbakebetaling.")
    claim_form = page.get_by_role("form", name="Krev tilbakebetaling")
    expect(claim_form.get_by_role("checkbox", name="Ikke rapportert")).to_be_checked()
    expect(claim_form.get_by_label("Beløp som kreves tilbake (kroner)")).to_have_value(proposed)

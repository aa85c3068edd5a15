"""Every krone claimed once (issue 11): a grant's proposed repayment is the money at stake,
the same figure on the case page, in the claim form, in the flags list's total and in the
economy export, however many rules point at the same kroner."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from forms.money import format_amount, from_ore
from survey_app.extensions import db
from survey_app.models import Claim, Flag, Grant, Response, Round, Submission
from survey_app.review import pages
from survey_app.services import decisions, tracking
from survey_app.services.decisions import DecisionError
from tests.conftest import AuthActions
from tests.review.test_decisions import CASE, reviewer_client, user
from tests.test_flags import AFTER_GRACE, report, setup_round

ROUND = "lavterskel-psykisk-helse/2022"
FLAGS = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/flagg"
ECONOMY = "/eksport/lavterskel-psykisk-helse/2022/okonomi.xlsx"
MOVED = {"used_for_mapping": "no", "transferred_to_next_year": "yes",
         "transferred_amount": "40 000"}


def kr(ore: int) -> str:
    return format_amount(from_ore(ore))


def claim_amount(page: str) -> str | None:
    match = re.search(r'<input[^>]*name="claim-amount"[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def proposed_in_export(client, number: str) -> Decimal | None:
    data = client.get(ECONOMY)
    assert data.status_code == 200
    frame = pd.read_excel(io.BytesIO(data.data), sheet_name="Økonomi",
                          dtype={"Kommunenummer": str})
    value = frame.loc[frame["Kommunenummer"] == number, "Foreslått tilbakebetaling"].iloc[0]
    return None if pd.isna(value) else Decimal(str(value))


def round_2022() -> Round:
    return db.session.scalar(sa.select(Round).where(
        Round.year == 2022, Round.scheme.has(slug="lavterskel-psykisk-helse")))


def rows_of(number: str | None = None) -> tuple[Round, list[pages.FlagRow]]:
    round_ = round_2022()
    rows = pages.flag_rows(round_, tracking.round_municipalities(round_))
    return round_, [r for r in rows if number is None or r.municipality.number == number]


@pytest.fixture
def moved_round(app, users, runner):
    """3405 (100 000 kr) used 60 000 in 2022 and moved the other 40 000 to 2023: the
    unused rule and the moved rule both propose 40 000 kr; 3403 (200 000) and 0301
    (5 000 000) never report."""
    reporter = setup_round(app, users)
    report(reporter, "3405", {"received": "100 000", "used_amount": "60 000",
                           "unused_explanation": "Flyttet til 2023."}, MOVED)
    assert runner.invoke(args=["flags", "compute", ROUND, "--today", AFTER_GRACE]).exit_code == 0


def test_unused_money_moved_to_2023_is_proposed_once_everywhere(app, users, moved_round):
    with app.app_context():
        amounts = dict(db.session.execute(
            sa.select(Flag.rule_id, Flag.amount_ore).join(Grant)
            .where(Grant.municipality_number == "3405")).all())
    assert amounts == {"unused-funds": 4_000_000, "contrary-to-conditions-transfer": 4_000_000}
    client = reviewer_client(app, users)
    case = client.get(CASE).get_data(as_text=True)
    assert f"Reglene foreslår at {kr(4_000_000)} av tilskuddet på {kr(10_000_000)}" in case
    assert "De samme pengene som «Ubrukte midler»" in case  # how the parts combine
    assert claim_amount(case) == "40\xa0000"
    listed = client.get(FLAGS).get_data(as_text=True)
    # 40 000 once + the two non-reporters' whole grants, not 40 000 twice
    assert f"4 av 4 flagg i ditt ansvarsområde, {kr(524_000_000)} foreslått" in listed
    with app.app_context():
        assert pages.total_ore(*rows_of("3405")) == 4_000_000
    assert proposed_in_export(client, "3405") == 40_000
    assert proposed_in_export(client, "0301") == 5_000_000  # not reported: the whole grant


def test_claiming_both_flags_claims_the_money_once_and_no_krone_can_be_claimed_twice(
        app, users, moved_round):
    client = reviewer_client(app, users)
    with app.app_context():
        unused, moved = (db.session.scalar(sa.select(Flag).where(Flag.rule_id == rule))
                         for rule in ("unused-funds", "contrary-to-conditions-transfer"))
        # the reviewer claims more than the rules propose on one flag (70 000 of 100 000)
        decisions.claim([unused], 7_000_000, "Dokumentert ubrukt.",
                        user(users["reviewer_national"]))
        case = client.get(CASE).get_data(as_text=True)
        assert claim_amount(case) == ""  # what is left to claim: nothing
        assert f"dekker allerede {kr(7_000_000)}, så kravskjemaet foreslår {kr(0)}" in case
        moved = db.session.get(Flag, moved.id)
        with pytest.raises(DecisionError, match="more than the grant"):
            decisions.claim([moved], 4_000_000, "Overført.", user(users["reviewer_national"]))
        assert db.session.scalar(sa.select(sa.func.count(Claim.id))) == 1
        assert db.session.get(Flag, moved.id).status == "open"


def test_the_demo_round_proposes_each_krone_once_on_every_surface(app, runner, client):
    """In the demo, every grant flagged both for unused money and for money moved to 2023
    is proposed its unused amount once (Kristiansand 4204, 613 997 kr, on the demo as the
    issue found it), on the case page, in the claim form, in the flags total and in the
    economy export; the flags list's total is the export's total."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    AuthActions(client).login("saksbehandler@demo.helsedir.no", "demo-saksbehandler")
    with app.app_context():
        round_, rows = rows_of()
        rules: dict[str, set[str]] = {}
        for row in rows:
            rules.setdefault(row.municipality.number, set()).add(row.flag.rule_id)
        both = sorted(n for n, found in rules.items()
                      if {"unused-funds", "contrary-to-conditions-transfer"} <= found)
        assert both, "the demo has grants flagged for unused and moved money"
        unused = {}
        for number in both:
            answers = db.session.scalars(
                sa.select(Submission).join(Response).join(Grant)
                .where(Grant.round_id == round_.id, Grant.municipality_number == number)
                .order_by(Submission.number.desc())).first().answers
            unused[number] = int(Decimal(str(answers["received"]))
                                 - Decimal(str(answers["used_amount"]))) * 100
            assert pages.total_ore(round_, [r for r in rows if r.municipality.number == number]
                                   ) == unused[number]
        list_total = pages.total_ore(round_, rows)
    data = client.get(ECONOMY).data
    frame = pd.read_excel(io.BytesIO(data), sheet_name="Økonomi", dtype={"Kommunenummer": str})
    assert Decimal(str(frame.iloc[-1]["Foreslått tilbakebetaling"])) * 100 == list_total
    for number in both:
        case = client.get(f"/gjennomgang/runder/lavterskel-psykisk-helse/2022/{number}"
                          ).get_data(as_text=True)
        assert f"Reglene foreslår at {kr(unused[number])} av tilskuddet" in case, number
        assert claim_amount(case) == kr(unused[number]).removesuffix("\xa0kr"), number
        row = frame.loc[frame["Kommunenummer"] == number]
        assert Decimal(str(row["Foreslått tilbakebetaling"].iloc[0])) * 100 == unused[number]
        assert Decimal(str(row["Ubrukt"].iloc[0])) * 100 == unused[number]


def test_a_flag_recorded_before_rules_declared_parts_takes_its_rules_part(
        app, users, moved_round):
    with app.app_context():
        for flag in db.session.scalars(sa.select(Flag)):
            flag.explanation = {k: v for k, v in flag.explanation.items() if k != "reclaims"}
        db.session.commit()
        assert pages.total_ore(*rows_of("3405")) == 4_000_000  # still once, not 80 000
    listed = reviewer_client(app, users).get(FLAGS).get_data(as_text=True)
    assert f"{kr(524_000_000)} foreslått" in listed

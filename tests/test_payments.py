"""Payments both ways, as an operator, a reviewer and an auditor meet them: the round paid
out on its payment date (seed 000: "Tilskuddet utbetales 29. april.2022"), a payment file,
and a repayment claim paid back in part and then in full."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Claim, ClaimPayment, Grant, GrantEvent, Round
from survey_app.services import export_data, payments, rounds
from tests.conftest import at_once
from tests.factories import LAVTERSKEL_2022, make_round

PAID_ON = dt.date(2022, 4, 29)
OPT_OUTS = ("1867", "5054", "3434")  # Bø (Nordland), Indre Fosen, Lom
ECONOMY = "/eksport/lavterskel-psykisk-helse/2022/okonomi.xlsx"
CASE = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405"


def run(runner, *args: str):
    return runner.invoke(args=[str(a) for a in args])


def economy(client, auth, email: str) -> dict[str, dict[str, object]]:
    """The economy sheet as the auditor downloads it, read back with openpyxl: kommunenummer
    -> header -> value, and "Sum" -> the totals row's cached values."""
    auth.login(email)
    response = client.get(ECONOMY)
    auth.logout()
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), data_only=True)["Økonomi"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return {str(row[0]): dict(zip(header, row, strict=True)) for row in rows[1:]}


def paid_events(app) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Grant.municipality_number, GrantEvent.reason).join(Grant)
            .where(GrantEvent.reason.startswith("paid")).order_by(Grant.municipality_number))]


# ---- out: the round paid on its payment date ------------------------------------------------


def seed_round(runner) -> None:
    """Seed 000's round by the CLI: 100 mill. kr by the key population, three opt-outs."""
    created = run(runner, "rounds", "create", LAVTERSKEL_2022, "--opens", "09.01.2023",
                  "--deadline", "2023-04-01", "--opt-out-deadline", "2022-04-22",
                  "--payment-date", "29.04.2022", "--budget", "100 000 000")
    assert created.exit_code == 0, created.output
    allocated = run(runner, "grants", "allocate", LAVTERSKEL_2022, "--total", "100000000",
                    "--key", "population")
    assert allocated.exit_code == 0, allocated.output
    for number in OPT_OUTS:
        assert run(runner, "grants", "opt-out", LAVTERSKEL_2022, number, "--force").exit_code == 0


def test_marking_the_round_paid_on_29_april_2022_makes_utbetalt_true_in_the_economy_report(
        app, runner, client, auth, users):
    seed_round(runner)
    before = economy(client, auth, users["auditor"])
    assert before["Sum"]["Utbetalt"] == 0 and before["3001"]["Utbetalt dato"] is None

    paid = run(runner, "grants", "pay", LAVTERSKEL_2022, "--date", "29.04.2022")
    assert paid.exit_code == 0, paid.output
    assert paid.output == (f"353 grants in {LAVTERSKEL_2022} marked paid on 2022-04-29, "
                           "100000000 kr in total; 0 were paid already.\n")

    after = economy(client, auth, users["auditor"])
    rows = {number: row for number, row in after.items() if number != "Sum"}
    assert len(rows) == 356
    for number, row in rows.items():
        if number in OPT_OUTS:
            assert (row["Tildelt"], row["Utbetalt"], row["Utbetalt dato"]) == (0, 0, None)
        else:
            assert row["Utbetalt"] == row["Tildelt"] > 0, number
            assert row["Utbetalt dato"] == dt.datetime(2022, 4, 29), number
    assert sum(row["Utbetalt"] for row in rows.values()) == 100_000_000
    assert after["Sum"]["Utbetalt"] == 100_000_000  # the SUM formula's stored value
    assert after["3001"]["Kommune"] == "Halden"  # the 2022 numbering, paid as it was


def test_paying_again_changes_nothing_so_the_job_can_run_daily(app, runner):
    seed_round(runner)
    assert run(runner, "grants", "pay", LAVTERSKEL_2022).exit_code == 0  # the round's date
    again = run(runner, "grants", "pay", LAVTERSKEL_2022)
    assert again.exit_code == 0, again.output
    assert again.output == (f"0 grants in {LAVTERSKEL_2022} marked paid on 2022-04-29, "
                            "0 kr in total; 353 were paid already.\n")
    events = paid_events(app)
    assert len(events) == 353 and {reason for _n, reason in events} == {"paid 2022-04-29"}
    with app.app_context():
        audits = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "grants.pay")).all()
        assert len(audits) == 1
        assert (audits[0].after["grants"], audits[0].after["total"]) == (353, 100_000_000)
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3001"))
        assert (grant.status, grant.paid_amount, grant.paid_on) == ("paid", grant.amount,
                                                                     PAID_ON)


def test_two_servers_paying_the_round_at_once_pay_each_grant_once(app, make_app):
    with app.app_context():
        make_round()
    servers = [make_app(), make_app()]

    def pay(server) -> int:
        # (click's runner swaps sys.stdout, so two at once cannot both keep their output)
        return int(server.test_cli_runner().invoke(
            args=["grants", "pay", LAVTERSKEL_2022]).exit_code)

    assert at_once([lambda s=s: pay(s) for s in servers]) == [0, 0]
    assert paid_events(app) == [("0301", "paid 2022-04-29"), ("3405", "paid 2022-04-29")]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "grants.pay")) == 1


def test_a_round_whose_payment_date_has_not_come_is_not_paid_and_a_future_date_is_refused(
        app, runner, client, auth, users):
    today = payments.oslo_today()
    with app.app_context():
        round_ = make_round()
        round_.payment_date = today + dt.timedelta(days=5)
        db.session.commit()
    waiting = run(runner, "grants", "pay", LAVTERSKEL_2022)
    assert waiting.exit_code == 0, waiting.output  # cron-safe: not an error, nothing done
    assert "which has not come: nothing was marked paid" in waiting.output
    future = run(runner, "grants", "pay", LAVTERSKEL_2022, "--date",
                 (today + dt.timedelta(days=1)).isoformat())
    assert future.exit_code == 1 and "is after today" in future.output
    early = run(runner, "grants", "pay", LAVTERSKEL_2022, "--date", "2021-12-31")
    assert early.exit_code == 1 and "before the grant year 2022 began" in early.output
    assert paid_events(app) == []
    assert economy(client, auth, users["auditor"])["Sum"]["Utbetalt"] == 0


def test_a_payment_is_not_shown_before_its_day(app, runner):
    with app.app_context():
        make_round()
    assert run(runner, "grants", "pay", LAVTERSKEL_2022, "--date", "29.04.2022").exit_code == 0
    with app.app_context():
        found = rounds.find_round(LAVTERSKEL_2022)
        scope = export_data.scope_of(found, None)
        on_the_eve = {r[0]: r for r in export_data.economy_rows(found, scope, PAID_ON
                                                                 - dt.timedelta(days=1))}
        on_the_day = {r[0]: r for r in export_data.economy_rows(found, scope, PAID_ON)}
    assert on_the_eve["3405"][5:7] == (0, None)
    assert on_the_day["3405"][5:7] == (1_234_567, PAID_ON)


def test_a_round_without_a_payment_date_needs_the_date(app, runner):
    with app.app_context():
        make_round().payment_date = None
        db.session.commit()
    refused = run(runner, "grants", "pay", LAVTERSKEL_2022)
    assert refused.exit_code == 1 and "has no payment date" in refused.output
    paid = run(runner, "grants", "pay", LAVTERSKEL_2022, "--date", "2022-05-02")
    assert paid.exit_code == 0, paid.output
    with app.app_context():  # the day it was paid becomes the round's payment date
        assert db.session.scalar(sa.select(Round.payment_date)) == dt.date(2022, 5, 2)


# ---- out: a payment file -----------------------------------------------------------------------

GRANTS = {"3405": 1_234_567, "0301": 5_000_000, "3001": 100_000, "5401": 250_000,
          "1867": 70_000}


def file_round(app, runner) -> None:
    """The round with GRANTS, 1867 Bø having declined its grant."""
    with app.app_context():
        make_round(amounts=GRANTS)
        bo = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "1867"))
        bo.amount, bo.status = 0, "opted_out"
        db.session.commit()


def state(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Grant.municipality_number, Grant.amount, Grant.status, Grant.paid_amount,
                      Grant.paid_on).order_by(Grant.municipality_number))]


def test_a_payment_file_with_bad_rows_changes_nothing_and_names_every_line(
        app, runner, tmp_path):
    file_round(app, runner)
    after_opt_out = state(app)
    tomorrow = payments.oslo_today() + dt.timedelta(days=1)
    bad = tmp_path / "utbetalinger.csv"
    bad.write_text("\n".join([
        "kommunenummer;beløp;dato",
        "3405;1 234 567;29.04.2022",  # good
        "3201;100 000;2022-04-29",  # Bærum's 2024 number in a 2022 round
        "9999;1;2022-04-29",
        "0301;4 000 000;2022-04-29",  # not the grant
        "3001;100 000,50;2022-04-29",  # øre
        "3405;1 234 567;29.04.2022",  # again
        f"5401;250 000;{tomorrow.isoformat()}",
        "1867;0;2022-04-29",  # declined
        "3403;10;2022-04-29",  # Hamar has no grant
    ]), "utf-8")
    result = run(runner, "grants", "payments", LAVTERSKEL_2022, bad)
    assert result.exit_code == 1
    problems = result.output.splitlines()
    expected = {
        3: "kommunenummer 3201 (Bærum) is of another year's numbering",
        4: "unknown kommunenummer 9999",
        5: "amount 4000000 kr is not the grant to 0301 (5000000 kr)",
        6: "has øre: grants are whole kroner",
        7: "duplicate of line 2 (kommunenummer 3405)",
        8: "is after today",
        9: "1867 declined its grant",
        10: "3403 Hamar has no grant in lavterskel-psykisk-helse/2022",
    }
    for line, reason in expected.items():
        assert any(p.startswith(f"utbetalinger.csv: line {line}: ") and reason in p
                   for p in problems), (line, result.output)
    assert not any("line 2:" in p for p in problems)
    assert problems[-1] == "8 problem(s); nothing was marked paid."
    assert state(app) == after_opt_out and paid_events(app) == []


def test_a_payment_file_pays_each_grant_once_and_can_be_imported_again(app, runner, tmp_path):
    file_round(app, runner)
    good = tmp_path / "utbetalt.csv"
    good.write_text("kommunenummer;beløp;dato\n3405;1 234 567;29.04.2022\n"
                    "0301;5 000 000;2022-04-29\n5401;250 000;02.05.2022\n", "utf-8")
    first = run(runner, "grants", "payments", LAVTERSKEL_2022, good)
    assert first.exit_code == 0, first.output
    assert first.output == (f"3 grants in {LAVTERSKEL_2022} marked paid, 6484567 kr in total; "
                            "0 rows were recorded already.\n")
    again = run(runner, "grants", "payments", LAVTERSKEL_2022, good)
    assert again.exit_code == 0 and "0 grants" in again.output
    assert "3 rows were recorded already" in again.output
    other_day = tmp_path / "feil.csv"
    other_day.write_text("kommunenummer;beløp;dato\n3405;1 234 567;30.04.2022\n", "utf-8")
    refused = run(runner, "grants", "payments", LAVTERSKEL_2022, other_day)
    assert refused.exit_code == 1
    assert "3405 was paid 1234567 kr on 2022-04-29 already" in refused.output
    paid = {row[0]: row[3:] for row in state(app)}
    assert paid == {"0301": (5_000_000, PAID_ON), "1867": (None, None),
                    "3001": (None, None), "3405": (1_234_567, PAID_ON),
                    "5401": (250_000, dt.date(2022, 5, 2))}
    # The rest of the round afterwards: only the grant not yet paid, on the round's date.
    rest = run(runner, "grants", "pay", LAVTERSKEL_2022)
    assert "1 grants" in rest.output and "3 were paid already" in rest.output
    assert len(paid_events(app)) == 4


# ---- back: a claim paid in part, then in full ----------------------------------------------


def claim_on_lillehammer(app) -> int:
    """A claim of 100 000,50 kr on 3405's grant, made on 15 May 2023 (Norwegian time), its
    decision approved (the claim process itself is tested in tests/review)."""
    with app.app_context():
        round_ = make_round()
        grant = next(g for g in round_.grants if g.municipality_number == "3405")
        claim = Claim(grant_id=grant.id, reference="TB-2022-3405-1", amount_ore=10_000_050,
                      reason="Ubrukte midler.", flag_ids=[], due_date=dt.date(2023, 6, 15),
                      language="nb", created_by="rev@helsedir.no",
                      created_at=dt.datetime(2023, 5, 15, 10), stage="decided")
        db.session.add(claim)
        db.session.commit()
        return claim.id


def pay_back(client, claim_id: int, amount: str, day: str):
    return client.post("/gjennomgang/krav/TB-2022-3405-1/betaling",
                       data={f"payment{claim_id}-amount": amount,
                             f"payment{claim_id}-paid_on": day}, follow_redirects=True)


def claim_payments(app) -> list[tuple[int, dt.date]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(ClaimPayment.amount_ore, ClaimPayment.paid_on).order_by(ClaimPayment.id))]


def test_a_claim_paid_in_part_shows_the_outstanding_amount_everywhere(
        app, client, auth, users):
    claim_id = claim_on_lillehammer(app)
    auth.login(users["reviewer_national"])
    page = client.get(CASE).get_data(as_text=True)
    assert 'value="100\xa0000,50"' in page  # the payment form offers what is outstanding

    part = pay_back(client, claim_id, "40 000", "01.06.2023")
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and "Betalingen ble registrert." in html
    assert "60\xa0000,50\xa0kr utestående" in html  # the claims table's caption
    assert "delvis tilbakebetalt" in html
    flags_page = client.get("/gjennomgang/runder/lavterskel-psykisk-helse/2022/flagg")
    assert ("1 krav i ditt utvalg: 100\xa0000,50\xa0kr krevd, 40\xa0000\xa0kr tilbakebetalt, "
            "60\xa0000,50\xa0kr utestående") in flags_page.get_data(as_text=True)
    auth.logout()
    row = economy(client, auth, users["auditor"])["3405"]
    assert (row["Krevd tilbakebetaling"], row["Tilbakebetalt"], row["Utestående"]) == (
        100_000.5, 40_000, 60_000.5)

    auth.login(users["reviewer_national"])
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "claimed"
    too_much = pay_back(client, claim_id, "70 000", "02.06.2023").get_data(as_text=True)
    assert ("Kravet er på 100\xa0000,50\xa0kr, og 40\xa0000\xa0kr av det er tilbakebetalt, så "
            "60\xa0000,50\xa0kr er utestående: en betaling på 70\xa0000\xa0kr ville vært mer "
            "enn kravet.") in too_much
    future = (payments.oslo_today() + dt.timedelta(days=1)).strftime("%d.%m.%Y")
    assert "kan ikke være fram i tid" in pay_back(client, claim_id, "1", future).get_data(
        as_text=True)
    assert "før kravet ble stilt (15.05.2023)" in pay_back(
        client, claim_id, "1", "14.05.2023").get_data(as_text=True)
    assert claim_payments(app) == [(4_000_000, dt.date(2023, 6, 1))]

    rest = pay_back(client, claim_id, "60 000,50", "03.06.2023").get_data(as_text=True)
    assert "Betalingen ble registrert." in rest
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "paid"
        audit = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "claim.payment").order_by(AuditEvent.id)).all()
        assert [(a.after["amount_ore"], a.after["outstanding_ore"], a.after["status"])
                for a in audit] == [(4_000_000, 6_000_050, "claimed"), (6_000_050, 0, "paid")]
    assert "er allerede tilbakebetalt i sin helhet" in pay_back(
        client, claim_id, "1", "04.06.2023").get_data(as_text=True)
    auth.logout()
    row = economy(client, auth, users["auditor"])["3405"]
    assert (row["Tilbakebetalt"], row["Utestående"]) == (100_000.5, 0)


def test_a_bad_payment_form_is_refused_with_the_field_and_changes_nothing(
        app, client, auth, users):
    claim_id = claim_on_lillehammer(app)
    auth.login(users["reviewer_national"])
    for amount, day, message in (("", "01.06.2023", "Skriv inn beløpet som er tilbakebetalt."),
                                 ("0", "01.06.2023", "må være mer enn 0 kr"),
                                 ("mye", "01.06.2023", "«mye» er ikke et beløp."),
                                 ("100", "31.02.2023", "Skriv datoen som dd.mm.åååå"),
                                 ("100", "", "Skriv inn datoen betalingen kom inn.")):
        answer = client.post("/gjennomgang/krav/TB-2022-3405-1/betaling",
                             data={f"payment{claim_id}-amount": amount,
                                   f"payment{claim_id}-paid_on": day})
        assert answer.status_code == 400, (amount, day)
        html = answer.get_data(as_text=True)
        assert "error-summary" in html and message in html, message
    assert claim_payments(app) == []


def test_a_claim_with_a_payment_cannot_be_cancelled(app, client, auth, users):
    claim_id = claim_on_lillehammer(app)
    auth.login(users["reviewer_national"])
    pay_back(client, claim_id, "1 000", "01.06.2023")
    answer = client.post("/gjennomgang/krav/TB-2022-3405-1/status",
                         data={f"claim{claim_id}-reason": "Feil krav."}, follow_redirects=True)
    assert "1\xa0000\xa0kr er tilbakebetalt på dette kravet" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "claimed"


# ---- words: "Utbetalt" is money out only ------------------------------------------------------


def test_money_out_is_utbetalt_and_money_back_is_tilbakebetalt_in_bokmal_and_nynorsk(
        app, runner, client, auth, users):
    claim_id = claim_on_lillehammer(app)
    assert run(runner, "grants", "pay", LAVTERSKEL_2022).exit_code == 0
    auth.login(users["reviewer_national"])
    pay_back(client, claim_id, "100 000,50", "01.06.2023")
    for language in ("nb", "nn"):
        client.post(f"/sprak/{language}", data={"next": "/"})
        case = client.get(CASE).get_data(as_text=True)
        claims = case[case.index('id="claims"'):]
        assert "Tilbakebetalt" in claims and "Utbetalt" not in claims, language
    auth.logout()
    auth.login(users["admin"])
    for language in ("nb", "nn"):
        client.post(f"/sprak/{language}", data={"next": "/"})
        page = client.get("/admin/runder/lavterskel-psykisk-helse/2022").get_data(as_text=True)
        assert "<th scope=\"col\" class=\"num\">Utbetalt</th>" in page, language
        assert "29.04.2022" in page


# ---- the migration keeps what was paid before it ---------------------------------------------


def test_the_payments_migration_keeps_grants_and_claims_marked_paid_both_ways(empty_database):
    import flask_migrate

    from survey_app import create_app
    from tests.conftest import make_config

    app = create_app(make_config(empty_database))
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="c7a1e5d0a002")
            db.session.execute(sa.text(
                "INSERT INTO schemes (id, slug, chapter_post, name_nb, name_nn, name_en, "
                "administration, questionnaire_id, legal_basis_nb, legal_basis_nn) VALUES "
                "(1, 's', '762.60', 'S', 'S', 'S', 'national', 's', '', '')"))
            db.session.execute(sa.text(
                "INSERT INTO rounds (id, scheme_id, year, opens_on, deadline, grace_days, "
                "created_at) VALUES (1, 1, 2022, '2023-01-09', '2023-04-01', 0, "
                "'2022-01-01 00:00:00')"))
            db.session.execute(sa.text(
                "INSERT INTO grants (id, round_id, municipality_number, amount, status, "
                "created_at, updated_at) VALUES "
                "(1, 1, '3405', 1000, 'reported', '2022-01-01 00:00:00', '2023-03-01 00:00:00'),"
                "(2, 1, '0301', 2000, 'allocated', '2022-01-01 00:00:00', '2022-01-01 00:00:00')"))
            db.session.execute(sa.text(
                "INSERT INTO grant_events (grant_id, at, actor, reason, amount_after, "
                "status_before, status_after) VALUES "
                "(1, '2022-04-29 08:00:00', 'demo', 'paid', 1000, 'allocated', 'paid'),"
                "(1, '2023-03-01 00:00:00', 'demo', 'reported', 1000, 'paid', 'reported')"))
            db.session.execute(sa.text(
                "INSERT INTO claims (id, grant_id, reference, amount_ore, reason, flag_ids, "
                "due_date, language, status, created_at, created_by, updated_at) VALUES "
                "(1, 1, 'K-1', 5050, 'r', '[]', '2023-06-01', 'nb', 'paid', "
                "'2023-05-01 00:00:00', 'x', '2023-05-20 12:00:00')"))
            db.session.commit()
            flask_migrate.upgrade(revision="c7a1e5d0a003")
            grants = db.session.execute(sa.text(
                "SELECT id, paid_amount, paid_on FROM grants ORDER BY id")).all()
            assert [(g[0], g[1], str(g[2]) if g[2] else None) for g in grants] == [
                (1, 1000, "2022-04-29"), (2, None, None)]
            paid = db.session.execute(sa.text(
                "SELECT claim_id, amount_ore, paid_on FROM claim_payments")).all()
            assert [(c[0], c[1], str(c[2])) for c in paid] == [(1, 5050, "2023-05-20")]
            db.session.commit()  # PostgreSQL: the read's lock would block the ALTER TABLE
            flask_migrate.downgrade(revision="c7a1e5d0a002")
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("grants")}
            assert "paid_on" not in columns
            assert db.session.scalar(sa.text("SELECT status FROM grants WHERE id = 1")) == (
                "reported")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_nothing_is_repaid_on_a_claim_before_its_decision_is_approved(app, client, auth, users):
    claim_id = claim_on_lillehammer(app)
    with app.app_context():
        db.session.get(Claim, claim_id).stage = "notice-sent"
        db.session.commit()
    auth.login(users["reviewer_national"])
    page = client.get(CASE).get_data(as_text=True)
    assert f'id="payment{claim_id}-amount"' not in page
    answer = pay_back(client, claim_id, "1 000", "01.06.2023").get_data(as_text=True)
    assert "registreres når vedtaket om å kreve den er godkjent" in answer
    assert claim_payments(app) == []


def test_a_payment_workbook_with_date_cells_is_read_like_the_csv(app, runner, tmp_path):
    file_round(app, runner)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Kommunenummer", "Beløp", "Utbetalingsdato"])
    sheet.append(["3405", 1_234_567, dt.datetime(2022, 4, 29)])  # a date cell, as Excel has
    sheet.append([301, 5_000_000, "29.04.2022"])  # Excel dropped the leading 0
    path = tmp_path / "utbetalt.xlsx"
    workbook.save(path)
    result = run(runner, "grants", "payments", LAVTERSKEL_2022, path)
    assert result.exit_code == 0, result.output
    paid = {row[0]: row[3:] for row in state(app)}
    assert paid["3405"] == (1_234_567, PAID_ON)
    assert paid["0301"] == (5_000_000, PAID_ON)

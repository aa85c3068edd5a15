"""The grant history on the admin's round page reads as sentences in nb/nn, not as the
reason codes the services store (issue 14: no English word on an nb/nn page)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale

from survey_app.extensions import db
from survey_app.grant_words import history_actor, history_reason, known_reason
from survey_app.models import Grant, GrantEvent

ROUND = "lavterskel-psykisk-helse/2022"
PAGE = f"/admin/runder/{ROUND}"


def run(runner, *args: object):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def worked_round(app, runner, tmp_path) -> None:
    """Three grants imported; 3403 declines (forced: the round has no opt-out deadline);
    3405 is paid by a payment file and the rest on a day."""
    run(runner, "rounds", "create", ROUND, "--opens", "2023-01-09", "--deadline", "2023-04-01")
    grants = tmp_path / "tilskudd.csv"
    grants.write_text("kommunenummer;beløp\n3405;100 000\n3403;200 000\n0301;300 000\n",
                      "utf-8")
    run(runner, "grants", "import", ROUND, grants)
    run(runner, "grants", "opt-out", ROUND, "3403", "--force")
    with app.app_context():
        amount = db.session.scalar(sa.select(Grant.amount).where(
            Grant.municipality_number == "3405"))
    paid = tmp_path / "utbetalt.csv"
    paid.write_text(f"kommunenummer;beløp;dato\n3405;{amount};29.04.2022\n", "utf-8")
    run(runner, "grants", "payments", ROUND, paid)
    run(runner, "grants", "pay", ROUND, "--date", "29.04.2022")


def test_the_round_page_tells_the_grant_history_in_bokmal_without_codes(
        app, runner, client, auth, users, tmp_path):
    worked_round(app, runner, tmp_path)
    auth.login(users["admin"])
    page = client.get(PAGE).get_data(as_text=True)
    table = page.split("<tbody>")[-1].split("</tbody>", 1)[0]  # the history is the last table
    assert table.count("Importert fra en tilskuddsliste.") == 3
    forced = "Registrert ved overstyring: runden har ingen frist for å takke nei."
    assert f"3403 takket nei til tilskuddet. {forced}" in table
    assert table.count(f"Fordelt på nytt etter at 3403 takket nei til tilskuddet. {forced}") == 2
    assert "Utbetalt 29.04.2022 (betalingsfil utbetalt.csv)." in table
    assert "Utbetalt 29.04.2022." in table
    assert "Tjenesten, automatisk" in table
    for english in ("opt-out", "imported", "forced", "paid 2022", "system", "allocated",
                    "Technical", "Teknisk grunnlag"):
        assert english not in table, english
    # every reason the services wrote here has its words
    with app.app_context():
        reasons = set(db.session.scalars(sa.select(GrantEvent.reason)))
    assert len(reasons) == 4 and all(known_reason(r) for r in reasons), reasons


def test_in_nynorsk_too_and_an_unknown_reason_only_as_a_technical_detail(
        app, runner, client, auth, users, tmp_path):
    worked_round(app, runner, tmp_path)
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "0301"))
        db.session.add(GrantEvent(grant=grant, actor="ola@helsedir.no",
                                  reason="corrected by hand", amount_before=grant.amount,
                                  amount_after=grant.amount, status_before=grant.status,
                                  status_after=grant.status))
        db.session.commit()
    auth.login(users["admin"])
    with client.session_transaction() as session:
        session["lang"] = "nn"
    page = client.get(PAGE).get_data(as_text=True)
    table = page.split("<tbody>")[-1].split("</tbody>", 1)[0]
    assert '<html lang="nn"' in page
    assert "3403 takka nei til tilskotet." in table and "Importert frå ei tilskotsliste." in table
    assert "Tenesta, automatisk" in table and "ola@helsedir.no" in table
    # the unknown reason: a sentence, the code behind the technical disclosure
    row = table.split("ola@helsedir.no", 1)[0].rsplit("<tr>", 1)[1]
    assert "Anna endring." in row
    assert '<details class="technical ds-details"><summary>Teknisk grunnlag</summary>' \
           '<code>corrected by hand</code></details>' in row
    assert table.count("<details") == 1


def test_each_reason_the_services_write_as_a_sentence(app):
    cases = {
        ("allocated", "3405"): "Tildelt etter fordelingsnøkkelen for runden.",
        ("imported", "3405"): "Importert fra en tilskuddsliste.",
        ("positions", "3405"): "Tildelt for stillinger (per årsverk).",
        ("approved", "3405"): "Rapporten er godkjent.",
        ("opt-out of 3405", "3405"): "3405 takket nei til tilskuddet.",
        ("opt-out of 3405", "0301"): "Fordelt på nytt etter at 3405 takket nei til tilskuddet.",
        ("opt-out of 3405 (forced: after the opt-out deadline 2022-04-22)", "3405"):
            "3405 takket nei til tilskuddet. Registrert ved overstyring etter fristen for å "
            "takke nei, 22.04.2022.",
        ("paid 2022-04-29", "3405"): "Utbetalt 29.04.2022.",
        ("paid 2022-04-29 (utbetalinger.csv)", "3405"):
            "Utbetalt 29.04.2022 (betalingsfil utbetalinger.csv).",
        # cut at 80 characters: the file name lost its end and its closing parenthesis
        (("paid 2022-04-29 (" + "u" * 70)[:80], "3405"):
            f"Utbetalt 29.04.2022 (betalingsfil {'u' * 63}).",
        ("paid 2022-02-30", "3405"): "Utbetalt 2022-02-30.",
        ("something else", "3405"): "Annen endring.",
    }
    with app.test_request_context(), force_locale("nb"):
        for (reason, number), words in cases.items():
            assert history_reason(reason, number) == words, reason
        assert history_actor("system") == history_actor("demo") == "Tjenesten, automatisk"
        assert history_actor("ola@helsedir.no") == "ola@helsedir.no"
    assert not known_reason("something else") and not known_reason("opt-out of Oslo")
    assert all(known_reason(reason) for reason, _ in cases if reason != "something else")

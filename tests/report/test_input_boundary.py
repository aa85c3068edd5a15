"""What a report page keeps of a post: only its answers, never a typo's victims, never
more than the service accepts, and every save on the record."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, PageSave, Response
from tests.report.test_flow import REPORT, save, version_in

ECONOMY = {"received": "1 234 567", "used_amount": "1 000 000",
           "unused_explanation": "Stillingen stod ledig i fire måneder."}


def stored(app, section: str = "economy") -> dict[str, list[str]]:
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        return response.pages[section]["data"]


def test_a_typo_in_an_amount_keeps_the_answers_whose_condition_reads_it(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    typo = save(client, "economy", {**ECONOMY, "used_amount": "abc"}, go="")
    assert typo.status_code == 200
    kept = stored(app)
    assert kept["unused_explanation"] == [ECONOMY["unused_explanation"]]
    assert kept["used_amount"] == ["abc"]  # kept as typed, to be corrected
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    assert ECONOMY["unused_explanation"] in page


def test_an_answer_whose_condition_is_known_false_is_dropped(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    everything_used = {**ECONOMY, "used_amount": "1 234 567"}
    assert save(client, "economy", everything_used).status_code == 302
    assert "unused_explanation" not in stored(app)  # no longer asked: not kept


def test_unknown_fields_and_choice_codes_never_reach_the_database(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    junk = {f"junk{i}": "x" * 100 for i in range(200)}
    answer = save(client, "conditions", {"used_for_mapping": "maybe",
                                         "transferred_to_next_year": "no",
                                         "csrf_token": "x", "email": "a@b", **junk}, go="next")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200  # stays on the page: the unknown code is an error
    assert "Velg et av svaralternativene" in html or 'class="field-error"' in html
    kept = stored(app, "conditions")
    assert kept == {"transferred_to_next_year": ["no"]}


def test_text_is_kept_within_its_questions_length(app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    long_text = "å" * 1600  # the question allows 1 500 characters
    answer = save(client, "economy", {**ECONOMY, "unused_explanation": long_text}, go="")
    assert answer.status_code == 200
    assert long_text in answer.get_data(as_text=True)  # shown back whole, with the error
    assert stored(app)["unused_explanation"] == ["å" * 1500]


def test_a_large_version_does_not_skip_the_conflict_check(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    forged = save(client, "economy", {**ECONOMY, "unused_explanation": "Overskrevet."},
                  version="99999")
    assert forged.status_code == 409
    assert stored(app)["unused_explanation"] == [ECONOMY["unused_explanation"]]


def test_too_large_or_too_many_fields_is_a_413_page_and_changes_nothing(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    before = stored(app)
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    huge = client.post(f"{REPORT}/side/economy", data={
        "version": version_in(page), **ECONOMY, "unused_explanation": "x" * 20_000_000})
    assert huge.status_code == 413
    assert "Det du sendte, er for stort" in huge.get_data(as_text=True)
    many = client.post(f"{REPORT}/side/economy", data={
        "version": version_in(page), **{f"f{i}": "1" for i in range(10_000)}})
    assert many.status_code == 413
    assert stored(app) == before


def test_every_page_save_is_kept_with_its_version_and_on_the_audit_trail(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    assert save(client, "economy", {**ECONOMY, "used_amount": "1 100 000"}).status_code == 302
    assert save(client, "conditions", {"used_for_mapping": "no"}, go="").status_code == 200
    with app.app_context():
        saves = db.session.execute(sa.select(PageSave.section_id, PageSave.version,
                                             PageSave.data, PageSave.saved_by)
                                   .order_by(PageSave.version)).all()
        events = db.session.execute(sa.select(AuditEvent.after).where(
            AuditEvent.action == "response.save-page").order_by(AuditEvent.id)).scalars().all()
    assert [(s, v) for s, v, _, _ in saves] == [("economy", 2), ("economy", 3),
                                                ("conditions", 4)]
    assert saves[0].data["used_amount"] == ["1 000 000"]  # what the draft said then
    assert saves[1].data["used_amount"] == ["1 100 000"]
    assert {s.saved_by for s in saves} == {users["coordinator"]}
    assert events == [{"section": "economy", "version": 2}, {"section": "economy", "version": 3},
                      {"section": "conditions", "version": 4}]


def test_reviewers_and_auditors_see_the_draft_as_it_stood_at_each_save(
        app, client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    assert save(client, "economy", ECONOMY).status_code == 302
    assert save(client, "economy", {**ECONOMY, "used_amount": "1 100 000"}).status_code == 302
    history = "/gjennomgang/runder/lavterskel-psykisk-helse/2022/3405/utkast"
    assert client.get(history).status_code == 404  # not the coordinator's to read
    auth.logout()

    for reader in ("reviewer_national", "auditor"):
        auth.login(users[reader])
        listing = client.get(history).get_data(as_text=True)
        assert "Versjon 2" in listing and "Versjon 3" in listing
        then = client.get(f"{history}?versjon=2").get_data(as_text=True)
        assert "Utkastet ved versjon 2" in then and "1 000 000" in then
        assert "1 100 000" not in then.split('id="draft"')[1]
        assert "1 100 000" in client.get(f"{history}?versjon=3").get_data(as_text=True)
        assert client.get(f"{history}?versjon=٢").status_code == 404
        auth.logout()

"""The questionnaire authors' workspace (issue 15): a new scheme uploaded, checked beside its
lines, published without a restart, served by a second server at once, opened as a round
and answered; a published version never changes; hostile uploads change nothing."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    AuthorDraft,
    Grant,
    PublishedDefinition,
    Response,
    Round,
)
from survey_app.questionnaires import all_questionnaires, rules_for
from tests.conftest import csrf_token_in
from tests.factories import shipped_texts

NEW = "lokal-psykisk-helse"  # the new scheme an author adds


def new_scheme_texts() -> dict[str, str]:
    """The shipped lavterskel scheme under a new id and slug: a scheme no file ships."""
    texts = shipped_texts("lavterskel-psykisk-helse")
    return {part: text.replace("lavterskel-psykisk-helse", NEW) for part, text in texts.items()}


def upload(texts: dict[str, str], title: str = "Lokal psykisk helse") -> dict[str, object]:
    data: dict[str, object] = {"title": title}
    for part, text in texts.items():
        data[f"{part}_file"] = (io.BytesIO(text.encode("utf-8")), f"{part}.yaml")
    return data


def draft_page(client, draft_id: int) -> str:
    return client.get(f"/skjema/arbeidsrom/{draft_id}").get_data(as_text=True)


def version_of(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def save(client, draft_id: int, texts: dict[str, str], action: str = "kontroller"):
    version = version_of(draft_page(client, draft_id))
    return client.post(f"/skjema/arbeidsrom/{draft_id}",
                       data={**texts, "version": version, "handling": action})


def newest_draft(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.max(AuthorDraft.id)))


def drop_first_nn(text: str) -> tuple[str, int]:
    """The text without its first nynorsk line, and that line's number (1-based)."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if re.match(r"\s+nn: ", line))
    return "\n".join(lines[:index] + lines[index + 1:]), index + 1


def test_an_author_publishes_a_new_scheme_an_admin_opens_a_round_and_a_coordinator_answers(
        app, make_app, client, auth, users):
    second = make_app()  # another server on the same database, started before publishing
    with second.app_context():
        assert NEW not in {q.id for q in all_questionnaires()}

    auth.login(users["author"])
    texts = new_scheme_texts()
    broken, line = drop_first_nn(texts["questionnaire"])
    response = client.post("/skjema/arbeidsrom/ny", content_type="multipart/form-data",
                           data=upload({**texts, "questionnaire": broken}))
    assert response.status_code == 303
    draft_id = newest_draft(app)

    # Check: the missing nynorsk is named with its line, beside the line in the source.
    response = save(client, draft_id, {**texts, "questionnaire": broken})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Feil: " in page
    # The summary links to the text whose nynorsk is missing (its key, just above the line
    # removed), and that line of the source is marked with the message beside it.
    named = int(re.search(r'href="#questionnaire-line-(\d+)"', page).group(1))
    assert line - 3 <= named <= line
    assert f'id="questionnaire-line-{named}" value="{named}" class="has-problem"' in page
    assert "nynorsk" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublishedDefinition.id))) == 0

    # Fixed in the text area and checked again: no problems, the publish step opens.
    response = save(client, draft_id, texts)
    assert response.status_code == 200
    checked = response.get_data(as_text=True)
    assert "Fant ingen feil" in checked
    # A warning, not a stop: the new scheme has no letter texts yet (configuration only).
    assert f"Ordningen «{NEW}» har ingen hjemmel eller klagetekst" in checked
    confirm = client.get(f"/skjema/arbeidsrom/{draft_id}/publiser")
    assert confirm.status_code == 200
    assert NEW in confirm.get_data(as_text=True)
    response = client.post(f"/skjema/arbeidsrom/{draft_id}/publiser",
                           data={"version": version_of(confirm.get_data(as_text=True))})
    assert response.status_code == 303

    with app.app_context():
        rows = db.session.scalars(sa.select(PublishedDefinition)).all()
        assert {(r.kind, r.key, r.version) for r in rows} == {
            ("questionnaire", NEW, 1), ("scheme", NEW, 1), ("rules", NEW, 1)}
        assert all(r.published_by == users["author"] and r.source == "workspace" for r in rows)
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "definition.published")).all()
        assert len(events) == 3
    # The other server serves it from its next request, without a restart.
    with second.app_context():
        assert NEW in {q.id for q in all_questionnaires()}
        assert rules_for(NEW) is not None

    # An admin opens a round for it; a coordinator answers.
    auth.logout()
    auth.login(users["admin"])
    response = client.post("/admin/runder", data={
        "scheme": NEW, "year": "2025", "opens_on": "05.01.2026", "deadline": "01.04.2026",
        "grace_days": "14", "opt_out_deadline": "", "payment_date": "",
        "budget": "1 000 000"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        round_ = db.session.scalar(sa.select(Round).where(Round.year == 2025))
        db.session.add(Grant(round=round_, municipality_number="3405", amount=400_000))
        db.session.commit()
    auth.logout()
    auth.login(users["coordinator"])
    page = client.get(f"/rapporter/{NEW}/2025/3405/side/economy")
    assert page.status_code == 200
    response = client.post(f"/rapporter/{NEW}/2025/3405/side/economy",
                           data={"received": "400 000", "used_amount": "300 000",
                                 "version": "0"})
    assert response.status_code in (200, 303)


def test_a_published_version_never_changes_a_correction_is_a_new_version(
        app, client, auth, users, lavterskel, runner):
    from survey_app.services import responses

    assert runner.invoke(args=["questionnaires", "publish"]).exit_code == 0
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        started = responses.start(grant, users["coordinator"])  # answered with version 1
        db.session.commit()
        assert started.questionnaire_version == 1

    auth.login(users["author"])
    texts = shipped_texts("lavterskel-psykisk-helse")
    changed = texts["questionnaire"].replace("Rapportering på tilskudd", "Rapport om tilskudd", 1)
    assert changed != texts["questionnaire"]
    client.post("/skjema/arbeidsrom/ny", content_type="multipart/form-data",
                data=upload({**texts, "questionnaire": changed}, "Retting"))
    draft_id = newest_draft(app)
    response = save(client, draft_id, {**texts, "questionnaire": changed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Versjon 1 av «lavterskel-psykisk-helse» er publisert" in page
    assert "version: 2" in page
    # Publishing is refused too, whatever the page offers.
    refused = client.post(f"/skjema/arbeidsrom/{draft_id}/publiser",
                          data={"version": version_of(page)})
    assert refused.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublishedDefinition.id)).where(
            PublishedDefinition.source == "workspace")) == 0

    corrected = changed.replace("version: 1\n", "version: 2\n", 1)
    assert save(client, draft_id, {**texts, "questionnaire": corrected}).status_code == 200
    page = client.get(f"/skjema/arbeidsrom/{draft_id}/publiser").get_data(as_text=True)
    assert client.post(f"/skjema/arbeidsrom/{draft_id}/publiser",
                       data={"version": version_of(page)}).status_code == 303
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        response = db.session.scalar(sa.select(Response).where(Response.grant_id == grant.id))
        # The started report keeps its version; a new report would get version 2.
        assert responses.questionnaire_of(grant, response).version == 1
        assert responses.questionnaire_of(grant, None).version == 2
        served = {(q.id, q.version): q for q in all_questionnaires()}
        assert served[("lavterskel-psykisk-helse", 1)].title["nb"].startswith("Rapportering")
        assert served[("lavterskel-psykisk-helse", 2)].title["nb"].startswith("Rapport om")


def test_another_authors_save_in_between_is_not_overwritten(app, client, auth, users):
    from tests.factories import UserFactory

    with app.app_context():
        UserFactory(email="skjema2@helsedir.no", role="author")
        db.session.commit()
    auth.login(users["author"])
    texts = new_scheme_texts()
    client.post("/skjema/arbeidsrom/ny", content_type="multipart/form-data",
                data=upload(texts))
    draft_id = newest_draft(app)
    stale = version_of(draft_page(client, draft_id))
    other = app.test_client()
    other.post("/logg-inn", data={"email": "skjema2@helsedir.no",
                                  "password": "correct horse battery"})
    assert save(other, draft_id, {**texts, "rules": ""}, "lagre").status_code == 303
    response = client.post(f"/skjema/arbeidsrom/{draft_id}", data={
        **texts, "questionnaire": texts["questionnaire"] + "\n# mine\n", "version": stale,
        "handling": "lagre"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "# mine" in page, "what the author typed is shown back"
    with app.app_context():
        draft = db.session.get(AuthorDraft, draft_id)
        assert draft.rules_text == "" and "# mine" not in draft.questionnaire_text
        assert draft.updated_by == "skjema2@helsedir.no"


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize("content, expected", [
    (BOMB.encode(), "&"),
    (b"id: x\n!!python/object:os.system [ls]\n", "!!python/object"),
    ("id: x\nversion: 1\n".encode("utf-16"), ""),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ""),
    (b"id: x\ntitle: {nb: \"a\x00b\"}\n", ""),
    (b"id: \xff\xfe bad\n", ""),
])
def test_a_hostile_upload_is_refused_with_a_message_and_nothing_is_published(
        app, client, auth, users, content, expected):
    auth.login(users["author"])
    texts = new_scheme_texts()
    client.post("/skjema/arbeidsrom/ny", content_type="multipart/form-data", data=upload(texts))
    draft_id = newest_draft(app)
    version = version_of(draft_page(client, draft_id))
    response = client.post(f"/skjema/arbeidsrom/{draft_id}", content_type="multipart/form-data",
                           data={"version": version, "handling": "kontroller",
                                 "questionnaire_file": (io.BytesIO(content), "x.yaml")})
    assert response.status_code in (400, 422)
    page = response.get_data(as_text=True)
    assert 'class="error-summary' in page and "Traceback" not in page
    assert expected in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PublishedDefinition.id))) == 0
        kept = db.session.get(AuthorDraft, draft_id).questionnaire_text
    if response.status_code == 400:  # not text at all: refused, the draft as it was
        assert kept == texts["questionnaire"]
    else:  # text, kept in the draft to be fixed, and it cannot be published
        assert client.get(f"/skjema/arbeidsrom/{draft_id}/publiser").status_code == 303


def test_an_upload_over_the_size_limit_gets_the_413_page(app, client, auth, users):
    auth.login(users["author"])
    # The multipart body as a browser sends it (built here, so the test client keeps it in
    # memory): a title and a 10 MB file.
    boundary = "----skjemagrense"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nStor\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"questionnaire_file\"; "
            f"filename=\"stor.yaml\"\r\nContent-Type: text/yaml\r\n\r\n").encode() + \
        b"# " + b"x" * 10_000_000 + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/skjema/arbeidsrom/ny", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Det du sendte, er for stort" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuthorDraft.id))) == 0


def test_a_post_without_a_csrf_token_keeps_nothing(app, make_app, users):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    client.post("/logg-inn", data={"email": users["author"], "password": "correct horse battery",
                                   "csrf_token": csrf_token_in(page)})
    response = client.post("/skjema/arbeidsrom/ny", data={"title": "Forfalsket"})
    assert response.status_code == 400
    with strict.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuthorDraft.id))) == 0


def test_only_authors_reach_the_workspace(client, auth, users):
    for role in ("admin", "reviewer_national", "coordinator"):
        auth.login(users[role])
        assert client.get("/skjema/arbeidsrom").status_code == 404, role
        assert client.post("/skjema/arbeidsrom/ny", data={"title": "x"}).status_code == 404
        auth.logout()


def test_the_seed_is_published_once_and_a_changed_shipped_version_is_named(
        app, runner, tmp_path, make_app, database_url):
    first = runner.invoke(args=["questionnaires", "publish"])
    assert first.exit_code == 0, first.output
    assert "lavterskel-psykisk-helse v1" in first.output
    again = runner.invoke(args=["questionnaires", "publish"])
    assert again.exit_code == 0 and "nothing new" in again.output

    import shutil

    from survey_app.questionnaires import DEFAULT_DIRECTORY
    copy = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_DIRECTORY, copy)
    path = copy / "lavterskel-psykisk-helse.v1.yaml"
    path.write_text(path.read_text("utf-8").replace("Rapportering på", "Rapport om", 1), "utf-8")
    edited = make_app(QUESTIONNAIRES_DIR=str(copy))
    result = edited.test_cli_runner().invoke(args=["questionnaires", "publish"])
    assert result.exit_code == 1
    assert "lavterskel-psykisk-helse.v1.yaml: version 1 is published with other text" in \
        result.output
    with edited.app_context():  # the published text is served, not the edited file
        served = {(q.id, q.version): q for q in all_questionnaires()}
        assert served[("lavterskel-psykisk-helse", 1)].title["nb"].startswith("Rapportering")


def readme_example() -> dict[str, str]:
    """The three YAML blocks of questionnaires/README.md's complete example: the
    questionnaire under "A complete small example", then the scheme entry and the rules."""
    from survey_app.questionnaires import DEFAULT_DIRECTORY

    text = (DEFAULT_DIRECTORY / "README.md").read_text("utf-8")
    example = text[text.index("## A complete small example"):]
    new = text[text.index("### A complete new scheme"):]
    block = re.compile(r"```yaml\n(.*?)```", re.S)
    return {"questionnaire": block.search(example).group(1),
            "scheme": block.findall(new)[0], "rules": block.findall(new)[1]}


def test_the_format_docs_complete_example_checks_and_publishes(app, client, auth, users):
    texts = readme_example()
    assert "id: eksempel-ordning" in texts["questionnaire"]
    auth.login(users["author"])
    client.post("/skjema/arbeidsrom/ny", content_type="multipart/form-data",
                data=upload(texts, "Eksempelordningen"))
    draft_id = newest_draft(app)
    checked = save(client, draft_id, texts)
    assert checked.status_code == 200, re.findall(r"<li><a href=\"#[^>]+>([^<]+)",
                                                 checked.get_data(as_text=True))
    page = client.get(f"/skjema/arbeidsrom/{draft_id}/publiser").get_data(as_text=True)
    assert client.post(f"/skjema/arbeidsrom/{draft_id}/publiser",
                       data={"version": version_of(page)}).status_code == 303
    with app.app_context():
        assert "eksempel-ordning" in {q.id for q in all_questionnaires()}
        assert [r.id for r in rules_for("eksempel-ordning").rules] == [
            "not-reported", "unused-funds"]

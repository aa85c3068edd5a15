"""The Excel economy report round trip (issue 16, item 4): a template down, figures up.

765.60 (seed 003: "Økonomirapportering (excel)"): the coordinator downloads a template
prefilled with the grant, fills in the yellow cells offline and uploads it on the report's
economy page; the figures become that page's answers (a page save), the file is kept by
SHA-256 for the auditor, and every bad file is refused by sheet and cell with nothing
stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Grant,
    PageSave,
    Response,
    ResponseFile,
    Round,
    StoredFile,
    Submission,
)
from tests.conftest import csrf_token_in
from tests.factories import make_coordinator, make_round

SLUG = "langvarige-sammensatte-voksne"
REPORT = f"/rapporter/{SLUG}/2021/3405"
OSLO = f"/rapporter/{SLUG}/2021/0301"
TEMPLATE = f"{REPORT}/okonomirapport.xlsx"
UPLOAD = f"{REPORT}/okonomirapport"
# The economy page's amount questions, in order, are the workbook's rows 13-15 (C: input).
RECEIVED, USED, OWN = "C13", "C14", "C15"

# The rest of a valid 765.60 report (the economy page comes from the workbook).
PAGES: dict[str, dict[str, object]] = {
    "measures": {"project_year": "year_1", "models": ["fact_team"],
                 "developed_with_users": "yes"},
    "cooperation": {"cooperation_partners": ["none"]},
    "costs": {"other_costs": "900 000", "other_costs_description": "Husleie og bil."},
    "results": {"goal_attainment": "3"},
    "declaration": {"declaration_confirmed": "yes", "respondent_name": "Kari Nordmann",
                    "respondent_role": "Kommunalsjef"},
}


@pytest.fixture
def voksne(app) -> None:
    """765.60 adults, 2021: grants to 3405 Lillehammer (800 000 kr), 0301 Oslo and 1577
    Volda (nynorsk); and 2020, where 3405 submitted a report (the template's earlier year)."""
    with app.app_context():
        make_round(f"{SLUG}/2021", {"3405": 800_000, "0301": 900_000, "1577": 300_000})
        earlier = make_round(f"{SLUG}/2020", {"3405": 600_000})
        grant = db.session.scalar(sa.select(Grant).where(Grant.round_id == earlier.id))
        response = Response(grant_id=grant.id, questionnaire_id=SLUG, questionnaire_version=1,
                            content_hash="x", pages={}, started_by="k@x.no", updated_by="k@x.no",
                            status="submitted")
        db.session.add(response)
        db.session.add(Submission(
            response=response, number=1, idempotency_key="earlier-2020-3405",
            reference="2020-3405-LSV-1", questionnaire_id=SLUG, questionnaire_version=1,
            content_hash="x", answers={"received": "600000.00", "used_amount": "550000.00",
                                       "own_financing": "120000.00"},
            answers_hash="x", submitted_by="k@x.no"))
        db.session.commit()


def download(client, url: str = TEMPLATE) -> bytes:
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    return answer.data


def filled(data: bytes, cells: dict[str, object], change=None) -> bytes:
    """The template with cells typed into it, as a person would in a spreadsheet."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["Økonomi"]
    if change is not None:
        change(sheet)
    for at, value in cells.items():
        sheet[at] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, filename: str = "okonomirapport.xlsx", url: str = UPLOAD,
           version: str | None = None):
    if version is None:
        page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
        match = re.search(r'id="workbook-form".*?name="version" value="(\d+)"', page, re.S)
        assert match, "the economy page has the upload form"
        version = match.group(1)
    answer = client.post(url, data={"version": version,
                                    "workbook": (io.BytesIO(data), filename)},
                         content_type="multipart/form-data")
    # The test client spools a body over 500 kB to a temporary file it never closes.
    answer.request.environ["wsgi.input"].close()
    return answer


def stored_nothing(app) -> None:
    with app.app_context():
        for model in (ResponseFile, StoredFile, PageSave):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.in_(("response.save-page", "response.upload-file")))) == 0


def save(client, section: str, answers: dict[str, object]):
    page = client.get(f"{REPORT}/side/{section}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return client.post(f"{REPORT}/side/{section}",
                       data={"csrf_token": csrf_token_in(page), "version": version,
                             "go": "next", **answers})


# ---- the template ----------------------------------------------------------------------


def test_the_template_is_prefilled_locked_validated_and_carries_its_identity(
        app, client, auth, users, voksne):
    auth.login(users["coordinator"])
    page = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    assert f'href="{TEMPLATE}"' in page
    assert 'enctype="multipart/form-data"' in page and f'action="{UPLOAD}"' in page
    book = load_workbook(io.BytesIO(download(client)))
    sheet = book["Økonomi"]
    assert sheet["B3"].value == "3405 Lillehammer"
    assert sheet["B4"].value == "Tilbud til voksne med langvarige og sammensatte tjenestebehov"
    assert (sheet["B5"].value, sheet["B6"].value) == (2021, 800_000)
    assert "2021" in sheet["A8"].value and "Økonomi" in sheet["A8"].value  # instructions
    assert [sheet[f"A{r}"].value for r in (13, 14, 15)] == [
        "Mottatt tilskudd", "Hvor mye av tilskuddet ble brukt i 2021?",
        "Kommunens egenfinansiering av tiltaket i 2021"]
    # This year's input: what the page holds now (the prefilled grant), the rest empty;
    # 2020's submitted figures beside it, read-only.
    assert (sheet[RECEIVED].value, sheet[USED].value, sheet[OWN].value) == (800_000, None, None)
    assert (sheet["C12"].value, sheet["D12"].value) == ("2021", "2020")
    assert (sheet["D13"].value, sheet["D14"].value, sheet["D15"].value) == (
        600_000, 550_000, 120_000)
    assert sheet.protection.sheet
    assert [sheet[c].protection.locked for c in (RECEIVED, USED, OWN)] == [False] * 3
    assert sheet["A13"].protection.locked and sheet["D14"].protection.locked
    validations = sheet.data_validations.dataValidation
    assert {str(v.sqref) for v in validations} == {RECEIVED, USED, OWN}
    assert all(v.type == "whole" and v.formula1 == "0" for v in validations)
    assert book["id"].sheet_state == "veryHidden"
    identity = {row[0]: row[1] for row in book["id"].iter_rows(values_only=True)}
    assert identity["questionnaire"] == SLUG and identity["version"] == "1"
    assert identity["questions"] == "received,used_amount,own_financing"
    assert len(identity["checksum"]) == 64


def test_a_nynorsk_municipality_gets_its_template_in_nynorsk(app, client, auth, voksne):
    with app.app_context():
        make_coordinator("1577", email="koord@volda.kommune.no")
    auth.login("koord@volda.kommune.no")
    sheet = load_workbook(io.BytesIO(download(
        client, f"/rapporter/{SLUG}/2021/1577/okonomirapport.xlsx")))["Økonomi"]
    assert sheet["A5"].value == "Tilskotsår"
    assert sheet["A13"].value == "Motteke tilskot"
    assert sheet["B4"].value == "Tilbod til vaksne med langvarige og samansette tenestebehov"
    assert "Slik fyller du ut: skriv tala" in sheet["A8"].value


@pytest.mark.parametrize("role", ["reviewer_innlandet", "auditor", "auditor_innlandet"])
def test_readers_of_the_case_download_the_template(client, auth, users, voksne, role):
    auth.login(users[role])
    assert load_workbook(io.BytesIO(download(client)))["Økonomi"]["B3"].value == \
        "3405 Lillehammer"


@pytest.mark.parametrize(("role", "url"), [
    ("coordinator", f"{OSLO}/okonomirapport.xlsx"),  # another municipality
    ("auditor_innlandet", f"{OSLO}/okonomirapport.xlsx"),  # outside the office
    ("reviewer_innlandet", f"{OSLO}/okonomirapport.xlsx"),
    ("author", TEMPLATE),
])
def test_outside_the_scope_the_template_is_not_found(client, auth, users, voksne, role, url):
    auth.login(users[role])
    assert client.get(url).status_code == 404


def test_a_scheme_without_a_workbook_has_no_template_and_no_upload_form(
        client, auth, users, lavterskel):
    auth.login(users["coordinator"])
    report = "/rapporter/lavterskel-psykisk-helse/2022/3405"
    assert "workbook-form" not in client.get(f"{report}/side/economy").get_data(as_text=True)
    assert client.get(f"{report}/okonomirapport.xlsx").status_code == 404
    assert client.post(f"{report}/okonomirapport", data={}).status_code == 404


# ---- the round trip --------------------------------------------------------------------


def test_text_in_an_amount_cell_is_named_and_nothing_is_stored_then_the_fix_is_saved(
        app, client, auth, users, voksne):
    """The issue's acceptance: a text in an amount cell names the sheet and cell; fixed
    and uploaded again, the figures are the page's answers, on the summary and in the
    economy export, and the auditor downloads the very file."""
    auth.login(users["coordinator"])
    template = download(client)
    refused = upload(client, filled(template, {USED: "mange penger", OWN: 100_000}))
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Økonomi!C14" in html and 'class="error-summary"' in html
    assert 'id="workbook-form"' in html  # the form again, to upload the corrected file
    stored_nothing(app)

    for section, answers in PAGES.items():
        assert save(client, section, answers).status_code == 302, section
    # The explanation is typed on the page (the workbook has figures only) and kept.
    assert save(client, "economy", {"received": "800 000", "used_amount": "1",
                                    "own_financing": "0",
                                    "unused_explanation": "Ansatt fra mars."}).status_code \
        == 302
    good = filled(template, {USED: 700_000, OWN: "100 000"})
    answer = upload(client, good, filename="Økonomirapport Lillehammer.xlsx")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(f"{REPORT}/side/economy")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'value="700000"' in page or 'value="700 000"' in page

    digest = hashlib.sha256(good).hexdigest()
    with app.app_context():
        response = db.session.scalar(sa.select(Response).join(Grant).join(Round).where(
            Round.year == 2021, Grant.municipality_number == "3405"))
        data = response.pages["economy"]["data"]
        assert data["used_amount"] == ["700000"] and data["own_financing"] == ["100000"]
        assert data["received"] == ["800000"]
        assert data["unused_explanation"] == ["Ansatt fra mars."]  # kept from the page
        save_row = db.session.scalar(sa.select(PageSave).where(
            PageSave.section_id == "economy").order_by(PageSave.version.desc()))
        assert save_row.version == response.version
        file_row = db.session.scalar(sa.select(ResponseFile))
        assert (file_row.sha256, file_row.size) == (digest, len(good))
        assert file_row.response_version == response.version
        assert file_row.filename == "Økonomirapport Lillehammer.xlsx"
        assert db.session.get(StoredFile, digest).data == good
        assert db.session.scalar(sa.select(AuditEvent.actor).where(
            AuditEvent.action == "response.upload-file")) == users["coordinator"]
        file_id = file_row.id

    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert "700\xa0000\xa0kr" in summary and "100\xa0000\xa0kr" in summary
    assert digest in summary.replace("<wbr>", "")  # the hash may break between groups
    key = re.search(r'name="key" value="([^"]+)"', summary).group(1)
    sent = client.post(f"{REPORT}/send", data={"key": key})
    assert sent.status_code == 303, sent.get_data(as_text=True)

    with app.app_context():
        from survey_app.services.export_data import economy_rows, scope_of
        from survey_app.services.rounds import find_round

        round_ = find_round(f"{SLUG}/2021")
        row = next(r for r in economy_rows(round_, scope_of(round_, None)) if r[0] == "3405")
        assert (row[7], row[8]) == (700_000, 100_000)  # used, unused (800 000 - 700 000)

    auth.logout()
    auth.login(users["auditor"])
    case = client.get(f"/gjennomgang/runder/{SLUG}/2021/3405").get_data(as_text=True)
    assert digest in case.replace("<wbr>", "")
    got = client.get(f"{REPORT}/filer/{file_id}")
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == digest
    assert got.headers["X-Content-SHA256"] == digest
    # Another report's address with this file's id: not found.
    assert client.get(f"{OSLO}/filer/{file_id}").status_code == 404


def test_a_stale_version_is_a_conflict_and_stores_nothing(app, client, auth, users, voksne):
    auth.login(users["coordinator"])
    template = download(client)
    assert save(client, "economy", {"received": "800 000", "used_amount": "1"}).status_code \
        in (200, 302)
    answer = upload(client, filled(template, {USED: 5}), version="0")
    assert answer.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResponseFile.id))) == 0
        assert db.session.scalar(sa.select(Response).join(Grant).join(Round).where(
            Round.year == 2021)).pages["economy"]["data"]["used_amount"] == ["1"]


def test_nobody_but_the_reports_coordinator_uploads(app, client, auth, users, voksne):
    template = download_as(client, auth, users["auditor"])
    auth.logout()
    for role in ("auditor", "reviewer_innlandet", "admin"):
        auth.login(users[role])
        assert upload(client, template, version="0").status_code == 404, role
        auth.logout()
    auth.login(users["coordinator"])
    assert upload(client, template, url=f"{OSLO}/okonomirapport", version="0").status_code \
        == 404
    stored_nothing(app)


def download_as(client, auth, email: str) -> bytes:
    auth.login(email)
    return download(client)


def test_an_upload_without_the_csrf_token_is_refused(make_app, voksne, users):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    page = client.get("/logg-inn").get_data(as_text=True)
    client.post("/logg-inn", data={"email": users["coordinator"],
                                   "password": "correct horse battery",
                                   "csrf_token": csrf_token_in(page)})
    economy = client.get(f"{REPORT}/side/economy").get_data(as_text=True)
    assert 'id="workbook-form"' in economy
    answer = client.post(UPLOAD, data={"version": "0",
                                       "workbook": (io.BytesIO(b"PK"), "a.xlsx")},
                         content_type="multipart/form-data")
    assert answer.status_code == 400


# ---- bad input -------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _with_macros(template: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(template))
    members = {n: source.read(n) for n in source.namelist()}
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 macro"
    return _zip(members)


def _identity_changed(template: bytes) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book["id"]
    for row in sheet.iter_rows():
        if row[0].value == "grant":
            row[1].value = "999"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD_FILES = {
    # name: (make the upload from the template, its file name, what the message names)
    "not xlsx": (lambda t: "kommune;beløp\n3405;100\n".encode(), "rapport.csv", "(.xlsx)"),
    "old xls": (lambda t: b"\xd0\xcf\x11\xe0" + b"\0" * 600, "rapport.xls", "(.xlsx)"),
    "xlsm by name": (lambda t: t, "rapport.xlsm", "(.xlsm)"),
    "macros inside": (_with_macros, "rapport.xlsx", "(.xlsm)"),
    "empty": (lambda t: b"", "rapport.xlsx", "Filen er tom"),
    "a zip, not a workbook": (lambda t: _zip({"a.txt": b"hei"}), "rapport.xlsx",
                              "malen du lastet ned"),
    "over the size cap": (lambda t: b"PK\x03\x04" + b"x" * (600 * 1024), "rapport.xlsx",
                          "512 kB"),
    "zip bomb": (lambda t: _zip({"xl/worksheets/sheet1.xml": b"\0" * (30 * 1024 * 1024)}),
                 "rapport.xlsx", "pakkes ut"),
    "identity changed": (_identity_changed, "rapport.xlsx", "skjulte identiteten"),
    "formula in an input cell": (lambda t: filled(t, {USED: "=C13-100000"}), "r.xlsx",
                                 "Økonomi!C14"),
    "row added": (lambda t: filled(t, {}, lambda s: s.insert_rows(14)), "r.xlsx",
                  "Økonomi!A14"),
    "row deleted": (lambda t: filled(t, {}, lambda s: s.delete_rows(14)), "r.xlsx",
                    "Økonomi!A14"),
    "row added below": (lambda t: filled(t, {"A17": "Ekstra", "C17": 5}), "r.xlsx",
                        "Økonomi!A17"),
    "label changed": (lambda t: filled(t, {"A14": "Noe annet"}), "r.xlsx", "Økonomi!A14"),
    "a fraction": (lambda t: filled(t, {USED: 12.5}), "r.xlsx", "Økonomi!C14"),
    "negative": (lambda t: filled(t, {OWN: -5}), "r.xlsx", "Økonomi!C15"),
    "Unicode digits": (lambda t: filled(t, {USED: "١٢٣"}), "r.xlsx", "Økonomi!C14"),
    "huge": (lambda t: filled(t, {USED: 10**15}), "r.xlsx", "Økonomi!C14"),
    "a date": (lambda t: filled(t, {USED: __import__("datetime").date(2021, 5, 17)}),
               "r.xlsx", "Økonomi!C14"),
    "a truth value": (lambda t: filled(t, {USED: True}), "r.xlsx", "Økonomi!C14"),
    "letters in a number": (lambda t: filled(t, {USED: "12 3x"}), "r.xlsx", "Økonomi!C14"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_upload_is_refused_plainly_and_nothing_is_stored(
        app, client, auth, users, voksne, case):
    make, filename, named = BAD_FILES[case]
    auth.login(users["coordinator"])
    answer = upload(client, make(download(client)), filename=filename)
    assert answer.status_code == 400, case
    html = answer.get_data(as_text=True)
    assert named in html, (case, re.findall(r"<li>(.*?)</li>", html))
    stored_nothing(app)


def test_another_municipalitys_or_years_template_is_recognised(app, client, auth, users,
                                                                voksne):
    auth.login(users["reviewer_national"])
    oslo = download(client, f"{OSLO}/okonomirapport.xlsx")
    auth.logout()
    auth.login(users["coordinator"])
    answer = upload(client, filled(oslo, {USED: 1}))
    assert answer.status_code == 400
    assert "0301 Oslo" in answer.get_data(as_text=True)
    with app.app_context():  # 3405's own template for 2020, made by the service
        from survey_app.services import economy_workbook as workbook
        from survey_app.services import responses

        grant = responses.find_grant(SLUG, 2020, "3405")
        municipality = responses.municipality_of(grant)
        questionnaire = responses.latest_questionnaire(SLUG)
        section = workbook.workbook_section(grant, questionnaire)
        earlier = workbook.build_template(grant, municipality, questionnaire, section, {}, [],
                                          app.config["SECRET_KEY"])
    answer = upload(client, earlier)
    assert answer.status_code == 400
    assert "2020" in answer.get_data(as_text=True)
    stored_nothing(app)


def test_a_template_made_under_a_rotated_key_is_still_read(make_app, app, voksne, users):
    """SECRET_KEY_FALLBACKS: a key rotation does not void the templates out there."""
    old = make_app(SECRET_KEY="old-secret-key")
    with old.test_client() as client:
        client.post("/logg-inn", data={"email": users["coordinator"],
                                       "password": "correct horse battery"})
        template = download(client)
    new = make_app(SECRET_KEY="new-secret-key", SECRET_KEY_FALLBACKS=["old-secret-key"])
    with new.test_client() as client:
        client.post("/logg-inn", data={"email": users["coordinator"],
                                       "password": "correct horse battery"})
        assert upload(client, filled(template, {USED: 5})).status_code == 303


# ---- the scheme entry's check ----------------------------------------------------------


@pytest.mark.parametrize(("entry", "code"), [
    ("economy_workbook: {section: nowhere}", "s.workbook_no_section"),
    ("economy_workbook: {section: declaration}", "s.workbook_no_numbers"),
    ("economy_workbook: economy", "q.not_mapping"),
    ("economy_workbook: {section: economy, sheet: x}", None),  # unknown key: named
])
def test_the_scheme_entry_check_knows_the_economy_workbook(app, entry, code):
    from survey_app.services.publishing import check_bundle
    from tests.factories import shipped_texts

    with app.app_context():
        texts = shipped_texts(SLUG)
        scheme = re.sub(r"(?m)^  economy_workbook: .*$", "  " + entry, texts["scheme"])
        result = check_bundle(texts["questionnaire"], scheme, texts["rules"])
        codes = [p.code.value for p in result.problems["scheme"]]
        assert codes, entry
        if code is not None:
            assert code in codes, codes
        shipped = check_bundle(texts["questionnaire"], texts["scheme"], texts["rules"])
        assert not shipped.problems["scheme"]


# ---- the accounts (item 5) -------------------------------------------------------------


def fill_valid_report(client) -> None:
    for section, answers in PAGES.items():
        assert save(client, section, answers).status_code == 302, section
    assert save(client, "economy", {"received": "800 000", "used_amount": "800 000",
                                    "own_financing": "0"}).status_code == 302


def test_a_2021_report_is_not_submitted_until_the_workbook_is_uploaded(
        app, client, auth, users, voksne):
    """Seed 001: "Rapportering for 2021: Krav om regnskap": by the scheme's `accounts`, the
    accounts of a 2021 grant are the uploaded economy workbook."""
    auth.login(users["coordinator"])
    fill_valid_report(client)
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert 'id="accounts-economy_workbook"' in summary
    assert 'class="submit-form"' not in summary  # no submit button while it is missing
    assert 'href="/rapporter/langvarige-sammensatte-voksne/2021/3405/side/economy#' in summary
    key = "a-key-long-enough-to-be-valid"
    refused = client.post(f"{REPORT}/send", data={"key": key})
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Submission.id)).where(
            Submission.reference.like("2021-%"))) == 0

    assert upload(client, filled(download(client), {USED: 800_000, OWN: 0})).status_code \
        == 303
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert 'class="submit-form"' in summary
    assert client.post(f"{REPORT}/send", data={"key": key}).status_code == 303


def test_a_later_year_and_a_small_grant_need_no_attestation(app, client, auth, users, voksne):
    from survey_app.services import accounts, responses

    with app.app_context():
        make_round(f"{SLUG}/2022", {"3405": 2_000_000})
        assert accounts.requirements_of(responses.find_grant(SLUG, 2022, "3405"), None) == []
        small = accounts.requirements_of(responses.find_grant(SLUG, 2021, "3405"), None)
        assert [r.kind for r in small] == ["economy_workbook"]
    auth.login(users["coordinator"])
    # An attestation the grant does not need cannot be uploaded.
    answer = client.post(f"{REPORT}/vedlegg/revisorattestasjon",
                         data={"attachment": (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 404
    assert client.post(f"/rapporter/{SLUG}/2022/3405/vedlegg/regnskap",
                       data={}).status_code == 404


def test_a_large_2021_grant_needs_the_auditors_attestation(app, client, auth, users, voksne):
    """The threshold is the scheme's configuration (1 000 000 kr by the project's choice;
    seed 004: "Revisorattestasjon tas bort" from 2022)."""
    with app.app_context():
        grant = db.session.scalar(sa.select(Grant).join(Round).where(
            Round.year == 2021, Grant.municipality_number == "3405"))
        grant.amount = 1_000_000
        db.session.commit()
    auth.login(users["coordinator"])
    fill_valid_report(client)
    assert upload(client, filled(download(client), {RECEIVED: 1_000_000, USED: 800_000,
                                                     OWN: 0})).status_code == 303
    assert save(client, "economy", {"received": "1 000 000", "used_amount": "900 000",
                                    "own_financing": "0",
                                    "unused_explanation": "Ansatt sent."}).status_code == 302
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert 'id="accounts-auditor_attestation"' in summary
    assert 'class="submit-form"' not in summary
    attach = f"{REPORT}/vedlegg/revisorattestasjon"
    assert f'action="{attach}"' in summary

    for bad, name in ((b"just text", "a.txt"), (b"%PDF-" + b"x" * (950 * 1024), "big.pdf"),
                      (b"", "empty.pdf")):
        answer = client.post(attach, data={"attachment": (io.BytesIO(bad), name)},
                             content_type="multipart/form-data")
        answer.request.environ["wsgi.input"].close()
        assert answer.status_code in (400, 413), name
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResponseFile.id)).where(
            ResponseFile.section_id == "attachments")) == 0

    pdf = b"%PDF-1.4\n% attestasjon\n"
    answer = client.post(attach, data={"attachment": (io.BytesIO(pdf), "Attestasjon.pdf")},
                         content_type="multipart/form-data")
    assert answer.status_code == 303
    summary = client.get(f"{REPORT}/oppsummering").get_data(as_text=True)
    assert 'class="submit-form"' in summary
    assert hashlib.sha256(pdf).hexdigest()[:16] in summary
    with app.app_context():
        row = db.session.scalar(sa.select(ResponseFile).where(
            ResponseFile.question_id == "auditor_attestation"))
        assert (row.content_type, row.size) == ("application/pdf", len(pdf))


@pytest.mark.parametrize(("accounts", "code"), [
    ("accounts: {years: [2021], by: paper}", "r.not_one_of"),
    ("accounts: {years: 2021, by: file}", "s.not_year"),
    ("accounts: {years: [2021], by: file, attestation: {years: [2021], from_amount: -1}}",
     "s.not_kroner"),
    ("accounts: {years: [2021], by: file, attestation: {years: [2021]}}", "q.missing_key"),
])
def test_the_scheme_entry_check_knows_the_accounts(app, accounts, code):
    from survey_app.services.publishing import check_bundle
    from tests.factories import shipped_texts

    with app.app_context():
        texts = shipped_texts(SLUG)
        scheme = re.sub(r"(?ms)^  accounts:\n(    .*?\n)+", "  " + accounts + "\n",
                        texts["scheme"])
        assert accounts in scheme
        result = check_bundle(texts["questionnaire"], scheme, texts["rules"])
        assert code in [p.code.value for p in result.problems["scheme"]]


def test_accounts_by_the_workbook_need_the_workbook_declared(app):
    from forms.schemes_check import check_schemes_text
    from tests.factories import shipped_texts

    scheme = re.sub(r"(?m)^  economy_workbook: .*\n", "", shipped_texts(SLUG)["scheme"])
    result = check_schemes_text(scheme, "schemes.yaml")
    assert [p.code.value for p in result.problems] == ["s.accounts_need_workbook"]


def test_questionnaires_check_names_a_workbook_page_that_is_not_there(runner, tmp_path):
    import shutil

    from tests.factories import QUESTIONNAIRES

    folder = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, folder)
    schemes = folder / "schemes" / "schemes.yaml"
    schemes.write_text(schemes.read_text("utf-8").replace(
        "economy_workbook: {section: economy}", "economy_workbook: {section: nowhere}", 1),
        "utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(folder)])
    assert result.exit_code != 0
    assert "har ingen side «nowhere»" in result.output

"""The municipalities' post boxes (issue 16, item 1): `municipalities postboxes import FILE`
and `list`, the demo's fake post boxes, and the outbox page's attachments.

Runs on SQLite and PostgreSQL (the `app` fixture: an empty schema and the shipped
register, both numberings).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AuditEvent,
    Grant,
    MailAttachment,
    Mailbox,
    Municipality,
    OutboxMail,
    StoredFile,
)
from survey_app.services import decision_letters, postboxes, rounds
from survey_app.services.demo import demo_postbox
from tests.conftest import at_once

HEADER = "kommunenummer;e-post"


def write(tmp_path: Path, text: str | bytes, name: str = "postmottak.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


def run_import(runner, path: Path):
    return runner.invoke(args=["municipalities", "postboxes", "import", str(path)])


def state(app) -> tuple[list[tuple[str, str]], int]:
    """Every post box and the number of audit events."""
    with app.app_context():
        boxes = [(b.number, b.email) for b in
                 db.session.scalars(sa.select(Mailbox).order_by(Mailbox.number))]
        return boxes, db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


def imports(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == postboxes.ACTION).order_by(AuditEvent.id)))


# ---- a good file -----------------------------------------------------------------------


def test_a_good_file_sets_the_post_boxes_with_one_audit_event(app, runner, tmp_path):
    # Excel's "CSV UTF-8": a BOM and CRLF line ends; a blank line is skipped.
    text = ("\ufeff" + HEADER + "\r\n3405;Postmottak@Lillehammer.Kommune.no\r\n"
            "1577; postmottak@volda.kommune.no \r\n\r\n3001;postmottak@halden.kommune.no\r\n")
    result = run_import(runner, write(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert result.output == "3 new, 0 changed, 0 unchanged post boxes.\n"
    boxes, _ = state(app)
    # 3001 Halden is of the 2020–2023 numbering: a 2022 letter goes to its post box.
    assert boxes == [("1577", "postmottak@volda.kommune.no"),
                     ("3001", "postmottak@halden.kommune.no"),
                     ("3405", "postmottak@lillehammer.kommune.no")]
    [event] = imports(app)
    assert event.actor == "system" and event.object_type == "mailboxes"
    assert event.object_id.endswith("postmottak.csv") and event.before is None
    assert event.after["post_boxes"]["3405"] == "postmottak@lillehammer.kommune.no"
    assert (event.after["new"], event.after["changed"], event.after["unchanged"]) == (3, 0, 0)
    listed = runner.invoke(args=["municipalities", "postboxes", "list"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == [HEADER, "1577;postmottak@volda.kommune.no",
                                          "3001;postmottak@halden.kommune.no",
                                          "3405;postmottak@lillehammer.kommune.no"]


def test_a_comma_separated_file_and_a_dropped_leading_zero(app, runner, tmp_path):
    result = run_import(runner, write(tmp_path, "kommunenummer,e-post\n"
                                                "301,postmottak@oslo.kommune.no\n"))
    assert result.exit_code == 0, result.output
    assert state(app)[0] == [("0301", "postmottak@oslo.kommune.no")]


def test_a_second_import_updates_what_it_lists_and_leaves_the_rest(app, runner, tmp_path):
    first = write(tmp_path, f"{HEADER}\n3405;a@lillehammer.kommune.no\n"
                            "1577;postmottak@volda.kommune.no\n0301;postmottak@oslo.kommune.no\n")
    assert run_import(runner, first).exit_code == 0
    second = write(tmp_path, f"{HEADER}\n3405;postmottak@lillehammer.kommune.no\n"
                             "1577;postmottak@volda.kommune.no\n4601;post@bergen.kommune.no\n",
                   "second.csv")
    result = run_import(runner, second)
    assert result.exit_code == 0, result.output
    assert result.output == "1 new, 1 changed, 1 unchanged post boxes.\n"
    boxes, events = state(app)
    assert boxes == [("0301", "postmottak@oslo.kommune.no"),  # not listed: unchanged
                     ("1577", "postmottak@volda.kommune.no"),
                     ("3405", "postmottak@lillehammer.kommune.no"),
                     ("4601", "post@bergen.kommune.no")]
    last = imports(app)[-1]
    assert last.before == {"3405": "a@lillehammer.kommune.no"}
    assert last.after["post_boxes"] == {"3405": "postmottak@lillehammer.kommune.no",
                                        "4601": "post@bergen.kommune.no"}
    # The same file again changes nothing, and records nothing.
    again = run_import(runner, second)
    assert again.exit_code == 0
    assert again.output == "0 new, 0 changed, 3 unchanged post boxes.\n"
    assert state(app) == (boxes, events)


# ---- bad rows: every one named, nothing changed ---------------------------------------------


BAD_ROWS = [
    ("34a5;post@k.kommune.no", "kommunenummer '34a5' must be four digits (0-9)"),
    ("٣٤٠٥;post@k.kommune.no", "kommunenummer '٣٤٠٥' must be four digits (0-9)"),
    ("３４０５;post@k.kommune.no", "must be four digits"),
    ("34055;post@k.kommune.no", "kommunenummer '34055' must be four digits (0-9)"),
    (";post@k.kommune.no", "kommunenummer '' must be four digits"),
    ("9999;post@k.kommune.no", "kommunenummer 9999 is not a municipality in the register"),
    ("1577;postmottak.volda.kommune.no", "is not a plausible e-mail address"),
    ("1577;postmottak@volda", "is not a plausible e-mail address"),
    ("1577;post mottak@volda.kommune.no", "is not a plausible e-mail address"),
    ("1577;a@b@volda.kommune.no", "is not a plausible e-mail address"),
    ("1577;postmottak@-volda.kommune.no", "is not a plausible e-mail address"),
    ("1577;<postmottak@volda.kommune.no>", "is not a plausible e-mail address"),
    ("1577;", "the e-mail address is empty"),
    ("1577;postmottak@bø.kommune.no", "characters outside ASCII; write an internationalised"),
    ('1577;"postmottak@volda.kommune.no\r\nBcc: x@evil.example"',
     "the e-mail address contains a carriage return (CR) (U+000D)"),
    ('1577;"postmottak@volda.kommune.no\nBcc: x@evil.example"',
     "the e-mail address contains a line break (LF) (U+000A)"),
    ("1577;postmottak@volda.kommune.no\tx", "the e-mail address contains a tab (U+0009)"),
    ("1577;" + "p" * 60 + "@" + "k" * 63 + "." + "k" * 63 + "." + "k" * 63 + ".no",
     "the e-mail address is 255 characters long, more than 254"),
    ("1577;" + "p" * 65 + "@volda.kommune.no", "is not a plausible e-mail address"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_a_bad_row_is_named_with_its_line_and_nothing_changes(app, runner, tmp_path, row,
                                                              reason):
    assert run_import(runner, write(tmp_path, f"{HEADER}\n0301;old@oslo.kommune.no\n",
                                    "before.csv")).exit_code == 0
    before = state(app)
    path = write(tmp_path, f"{HEADER}\n3405;postmottak@lillehammer.kommune.no\n{row}\n"
                           "0301;postmottak@oslo.kommune.no\n")
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert f"{path}: line 3: " in result.output and reason in result.output, result.output
    assert "nothing was imported" in result.output
    assert state(app) == before  # the good rows around it are not imported either


def test_every_bad_row_is_named_and_a_duplicate_points_to_its_first_line(app, runner,
                                                                         tmp_path):
    path = write(tmp_path, f"{HEADER}\n3405;postmottak@lillehammer.kommune.no\n"
                           "9999;x@y.no\n3405;other@lillehammer.kommune.no\n1577;nope\n")
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert [line.removeprefix(f"{path}: ") for line in result.output.splitlines()] == [
        "line 3: kommunenummer 9999 is not a municipality in the register (flask --app "
        "wsgi municipalities list --year YYYY lists them)",
        "line 4: duplicate of line 2 (kommunenummer 3405)",
        "line 5: 'nope' is not a plausible e-mail address (name@domain.no)",
        "3 problem(s); nothing was imported."]
    assert state(app)[0] == [] and not imports(app)


@pytest.mark.parametrize(("content", "reason"), [
    ("kommunenummer\te-post\n3405\tpost@lillehammer.kommune.no\n",
     "line 1: the header lacks kommunenummer, e-post (expected kommunenummer;e-post); "
     "separate the columns with ;"),
    ("kommunenummer|e-post\n3405|post@lillehammer.kommune.no\n", "the header lacks"),
    ("kommunenummer;navn\n3405;Lillehammer\n", "line 1: the header lacks e-post"),
    ("kommunenummer,e-post,navn\n3405,post@lillehammer.kommune.no,Lillehammer\n",
     "column 'navn' is not one this import reads"),
    (f"{HEADER}\n3405;post@lillehammer.kommune.no;x\n", "a value has no column"),
    (f"{HEADER}\n", "The file has no data rows below the header."),
    (f"{HEADER}\n3405;post\x00@lillehammer.kommune.no\n", "line 2: contains a NUL byte"),
    (f"{HEADER}\n3405;post\x85@lillehammer.kommune.no\n", "line 2: contains a control"),
    (f'{HEADER}\n3405;"post@lillehammer.kommune.no\n', "check the quotes"),
    ("\ufeffkommunenummer;e-post\n3405;post@lillehammer.kommune.no\n".encode("utf-16"),
     "The file is UTF-16 text"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(app, runner, tmp_path, content, reason):
    result = run_import(runner, write(tmp_path, content))
    assert result.exit_code == 1
    assert reason in result.output and "nothing was imported" in result.output, result.output
    assert state(app)[0] == [] and not imports(app)


def test_the_size_and_row_caps(app, runner, tmp_path):
    rows = postboxes.LIMITS.max_rows + 1
    many = write(tmp_path, HEADER + "\n" + "3405;postmottak@lillehammer.kommune.no\n" * rows)
    result = run_import(runner, many)
    assert result.exit_code == 1
    assert (f"The file has more than {postboxes.LIMITS.max_rows} rows below the header, the "
            "most an import takes; split it.") in result.output
    big = write(tmp_path, HEADER + "\n" + "#" * postboxes.LIMITS.max_bytes, "big.csv")
    result = run_import(runner, big)
    assert result.exit_code == 1
    assert "The file is larger than 1 MB, the most an import takes" in result.output
    assert state(app)[0] == [] and not imports(app)


def test_a_missing_file_is_refused_by_the_command(app, runner, tmp_path):
    result = run_import(runner, tmp_path / "none.csv")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_an_empty_register_is_named(app, tmp_path):
    with app.app_context():
        db.session.execute(sa.delete(Municipality))
        db.session.commit()
        result = postboxes.import_postboxes(f"{HEADER}\n3405;p@lillehammer.kommune.no\n",
                                            "p.csv")
        assert result.errors == ["the municipality register is empty; run `flask --app wsgi "
                                 "municipalities import` first"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailbox)) == 0


def test_two_imports_at_the_same_moment_leave_one_consistent_state(app):
    """Two admins importing overlapping files at once (two servers): each import is whole
    or refused whole, never half of one and half of the other."""
    files = [f"{HEADER}\n3405;a@lillehammer.kommune.no\n1577;a@volda.kommune.no\n",
             f"{HEADER}\n1577;b@volda.kommune.no\n3405;b@lillehammer.kommune.no\n"]

    def job(text: str):
        def run() -> postboxes.ImportResult:
            with app.app_context():
                return postboxes.import_postboxes(text, "p.csv")
        return run

    results = at_once([job(text) for text in files])
    done = [r for r in results if not r.errors]
    assert done, [r.errors for r in results]
    for refused in (r for r in results if r.errors):
        assert refused.errors == ["another import changed the post boxes at the same time; "
                                  "nothing was imported, run the command again"]
    boxes = dict(state(app)[0])
    assert boxes["3405"][0] == boxes["1577"][0]  # both from the same file
    assert len(imports(app)) == len(done)


@pytest.mark.parametrize(("text", "stored"), [
    ("postmottak@lillehammer.kommune.no", "postmottak@lillehammer.kommune.no"),
    ("Post.Mottak+vedtak@XN--B-5GA.kommune.no", "post.mottak+vedtak@xn--b-5ga.kommune.no"),
    ("o'brien@k.example", "o'brien@k.example"),
])
def test_plausible_addresses(text, stored):
    assert postboxes.check_email(text) == (stored, None)


# ---- the demo ----------------------------------------------------------------------------


def test_the_demo_gives_every_municipality_a_fake_post_box_and_every_letter_one(app, runner):
    with app.app_context():
        db.session.add(Mailbox(number="3405", email="postmottak@lillehammer.kommune.no"))
        db.session.commit()
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    with app.app_context():
        numbers = set(db.session.scalars(sa.select(Municipality.number)))
        boxes = dict(db.session.execute(sa.select(Mailbox.number, Mailbox.email)).all())
        assert f"Post boxes: {len(numbers) - 1} added." in seeded.output
        assert set(boxes) == numbers  # both numberings: 3001 (2022) and 3101 (2024)
        assert boxes["3405"] == "postmottak@lillehammer.kommune.no"  # left as it was
        assert boxes["1577"] == demo_postbox("1577") == "postmottak@k1577.kommune.example"
        assert all(e.endswith(".kommune.example") for n, e in boxes.items() if n != "3405")
        # Every grant of the demo's 2022 round has a post box (the letters themselves are
        # made with a cheap PDF maker here; the acceptance run makes the real ones).
        round_ = rounds.find_round("lavterskel-psykisk-helse/2022")
        assert db.session.scalar(sa.select(sa.func.count(Grant.id))
                                 .where(Grant.round_id == round_.id)) == 356
        summary = decision_letters.queue_decisions(
            round_, today=dt.date(2022, 3, 25), to_pdf=lambda html: html.encode(), workers=1)
        # The demo round is seeded after its opt-out deadline: three declined (no letter).
        assert (summary.queued, summary.opted_out, summary.no_postbox) == (353, 3, [])
        recipients = set(db.session.scalars(sa.select(OutboxMail.to)))
        assert "postmottak@k1577.kommune.example" in recipients and len(recipients) == 353
    again = runner.invoke(args=["demo", "seed"])
    assert "Post boxes: 0 added." in again.output


# ---- the outbox page ----------------------------------------------------------------------


def test_the_outbox_page_lists_a_mails_attachments(app, client, auth, users):
    with app.app_context():
        mail = OutboxMail(to="postmottak@k3405.kommune.example", subject="Vedtak",
                          body="Se vedlegg.", kind="grant-decision")
        plain = OutboxMail(to="postmottak@k3405.kommune.example", subject="Kvittering",
                           body="Takk.", kind="receipt")
        db.session.add_all([mail, plain,
                            StoredFile(sha256="a" * 64, content_type="application/pdf",
                                       size=123_456, data=b"%PDF"),
                            StoredFile(sha256="b" * 64, content_type="application/pdf",
                                       size=900, data=b"x")])
        db.session.flush()
        db.session.add_all([
            MailAttachment(outbox_id=mail.id, position=1, filename="tildeling.pdf",
                           sha256="b" * 64),
            MailAttachment(outbox_id=mail.id, position=0, filename="vedtaksbrev-3405.pdf",
                           sha256="a" * 64)])
        db.session.commit()
        mail_id, plain_id = mail.id, plain.id
    auth.login(users["admin"])
    page = client.get(f"/admin/utboks/{mail_id}").get_data(as_text=True)
    first, second = page.index("vedtaksbrev-3405.pdf"), page.index("tildeling.pdf")
    assert first < second  # in the mail's order
    assert "<td class=\"num\">123,5</td>" in page and "<td class=\"num\">0,9</td>" in page
    assert "vedtaksbrev" not in client.get(f"/admin/utboks/{plain_id}").get_data(as_text=True)
    assert "<caption>" not in client.get(f"/admin/utboks/{plain_id}").get_data(as_text=True)

"""Grant decision letters (vedtaksbrev, seed 000) from the round's data, queued to every
municipality's post box through the outbox: ``flask --app wsgi letters decisions SLUG/YEAR``.

The words are the scheme's configuration (`decision` in questionnaires/schemes/letters.yaml,
services.letter_config); the figures are the round's and the grant's: the amount, the sum
of the round's grants, the opt-out deadline, the payment date and the reporting deadline.
A scheme without decision texts, or a round without a date its texts name, is refused
with what is missing, before anything is written. The language is the municipality's
written standard on the letter's day (decisions.letter_language: Volda writes nynorsk).

Each mail carries the letter as a tagged PDF and the round's allocation list as PDF and
xlsx (the same two files for every letter of a language, stored once by their SHA-256).

Idempotent and safe to run on several servers at once: a letter is claimed by its
`GrantLetter` row (unique per grant and kind), inserted in the same transaction as its
outbox mail, its files and its audit event; of two runs only one can commit a grant's
letter, and the other counts it as already queued. A grant that has opted out gets no
letter; a municipality without a registered post box gets none either and is named, so
the next run (after registering it) sends the rest.

The PDFs are the slow part (about a quarter of a second each): they are made in worker
processes, one per CPU, while this process writes the rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from exports.safety import WORKBOOK_OPTIONS
from exports.xlsx import KRONER_FORMAT
from survey_app import audit
from survey_app.extensions import db
from survey_app.formatting import date as format_date
from survey_app.formatting import kroner
from survey_app.mail import queue_mail
from survey_app.models import (
    GrantLetter,
    GrantStatus,
    LetterKind,
    MailAttachment,
    Mailbox,
    Round,
    StoredFile,
)
from survey_app.models.rounds import Grant
from survey_app.pdf import html_to_pdf
from survey_app.services import letter_config, register
from survey_app.services.authority import signer
from survey_app.services.decisions import letter_language, oslo_today
from survey_app.services.grants import Numbering, grants_of

KIND = LetterKind.DECISION
PDF, XLSX = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLI_ACTOR = "kommandolinje"

# The letter's and the list's fixed words (data labels of the documents, not UI strings).
LABELS = {
    "nb": {"date": "Dato", "number": "Kommunenummer", "municipality": "Kommune",
           "amount": "Tildelt", "total": "Sum", "list": "Tildeling per kommune",
           "attachments": "Vedlegg", "page": ("Side", "av")},
    "nn": {"date": "Dato", "number": "Kommunenummer", "municipality": "Kommune",
           "amount": "Tildelt", "total": "Sum", "list": "Tildeling per kommune",
           "attachments": "Vedlegg", "page": ("Side", "av")},
}
# What a round must hold for a placeholder its texts name (the others are always there).
ROUND_DATES = {"opt_out_deadline": ("opt_out_deadline", "the opt-out deadline",
                                    "--opt-out-deadline"),
               "payment_date": ("payment_date", "the payment date", "--payment-date")}


class DecisionLetterError(Exception):
    """The round's decision letters cannot be written; the message says what is missing."""


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[str | tuple[str, ...], ...]  # a paragraph, or a list of bullet points


@dataclass(frozen=True)
class DecisionLetter:
    grant: Grant
    number: str
    municipality: str  # "Lillehammer kommune"
    language: str
    date: dt.date
    sender: str
    sender_address: tuple[str, ...]
    sender_email: str
    recipient_email: str
    title: str
    sections: tuple[Section, ...]
    closing: str
    signatures: tuple[tuple[str, str], ...]  # name, title
    approved: str
    attachments: tuple[str, ...]  # file names
    labels: Mapping[str, object]


@dataclass
class Summary:
    queued: int = 0
    already: int = 0  # queued before (this run or another)
    opted_out: int = 0
    no_postbox: list[str] = field(default_factory=list)  # kommunenummer

    def line(self) -> str:
        text = f"queued {self.queued}, already queued {self.already}"
        if self.opted_out:
            text += f", opted out (no letter) {self.opted_out}"
        if self.no_postbox:
            text += f", no post box registered {len(self.no_postbox)}"
        return text


# ---- the texts and the figures ----------------------------------------------------------


def _names(texts: letter_config.DecisionTexts) -> set[str]:
    everything: list[str] = [*texts.title.values()]
    for section in texts.sections:
        for blocks in section.blocks.values():
            for block in blocks:
                everything.extend([block] if isinstance(block, str) else block)
    return {name for text in everything
            for _, name, _, _ in string.Formatter().parse(text) if name}


def texts_for(round_: Round) -> letter_config.DecisionTexts:
    """The scheme's decision texts, if the round holds every date they name; else
    DecisionLetterError saying what is missing."""
    try:
        texts = letter_config.decision_texts(round_.scheme.slug)
    except letter_config.LetterConfigError as error:
        raise DecisionLetterError(f"{round_.key}: no decision letters: {error}") from error
    missing = [(label, option) for name, (attribute, label, option) in ROUND_DATES.items()
               if name in _names(texts) and getattr(round_, attribute) is None]
    if missing:
        raise DecisionLetterError(
            f"{round_.key}: the decision letter names "
            + " and ".join(label for label, _ in missing)
            + ", which the round does not have (set when the round is created: "
            + ", ".join(option for _, option in missing) + ")")
    return texts


def figures(grant: Grant, language: str, total: int, name: str) -> dict[str, str]:
    round_ = grant.round
    return {
        "scheme": round_.scheme.name(language), "chapter_post": round_.scheme.chapter_post,
        "year": str(round_.year), "next_year": str(round_.year + 1),
        "municipality": f"{name} kommune", "amount": kroner(grant.amount),
        "total": kroner(total), "opt_out_deadline": format_date(round_.opt_out_deadline),
        "payment_date": format_date(round_.payment_date),
        "report_deadline": format_date(round_.deadline),
        "appeal": letter_config.scheme_texts(round_.scheme.slug).appeal[language],
    }


def _fill(text: str, values: dict[str, str]) -> str:
    return text.format(**values)


def letter_of(grant: Grant, texts: letter_config.DecisionTexts, total: int,
              today: dt.date, recipient_email: str = "") -> DecisionLetter:
    language = letter_language(grant, today)
    entry = register.entry_of_grant(grant) or register.current_entry(grant.municipality_number)
    name = entry.display_name if entry is not None else grant.municipality_number
    values = figures(grant, language, total, name)
    authority = letter_config.authority_of(grant)
    sections = tuple(
        Section(_fill(s.heading[language], values),
                tuple(_fill(b, values) if isinstance(b, str)
                      else tuple(_fill(i, values) for i in b) for b in s.blocks[language]))
        for s in texts.sections)
    round_ = grant.round
    return DecisionLetter(
        grant=grant, number=grant.municipality_number, municipality=values["municipality"],
        language=language, date=today, sender=signer(grant, language),
        sender_address=authority.address, sender_email=authority.email,
        recipient_email=recipient_email, title=_fill(texts.title[language], values),
        sections=sections, closing=texts.closing[language],
        signatures=tuple((s.name, s.title[language]) for s in texts.signatures),
        approved=texts.approved[language],
        attachments=(allocation_filename(round_, "pdf"), allocation_filename(round_, "xlsx")),
        labels=LABELS[language])


def letter_filename(letter: DecisionLetter) -> str:
    round_ = letter.grant.round
    return f"vedtaksbrev-{round_.scheme.slug}-{round_.year}-{letter.number}.pdf"


def allocation_filename(round_: Round, extension: str) -> str:
    return f"tildeling-{round_.scheme.slug}-{round_.year}.{extension}"


def _document(title: str, language: str, author: str, reference: str, body: str) -> str:
    return render_template("pdf/document.html", title=title, language=language,
                           author=author, reference=reference,
                           footer=LABELS[language]["page"], body=body)


def letter_html(letter: DecisionLetter) -> str:
    """The whole printable document (survey_app.pdf), in the letter's language."""
    with force_locale(letter.language):
        body = render_template("letters/grant_decision.html", letter=letter)
        return _document(letter.title, letter.language, letter.sender,
                         f"{letter.grant.round.key}/{letter.number}", body)


def letter_pdf(letter: DecisionLetter) -> bytes:
    return html_to_pdf(letter_html(letter))


# ---- the allocation list ----------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    number: str
    name: str
    amount: int


def allocation_rows(round_: Round, grants: Sequence[Grant] | None = None) -> list[Allocation]:
    """Every grant of the round that stands (not opted out), by kommunenummer."""
    names = Numbering.for_year(round_.year).names
    return [Allocation(g.municipality_number, names.get(g.municipality_number, ""), g.amount)
            for g in (grants if grants is not None else grants_of(round_))
            if g.status != GrantStatus.OPTED_OUT]


def allocation_html(round_: Round, rows: Sequence[Allocation], language: str,
                    author: str) -> str:
    labels = LABELS[language]
    title = f"{labels['list']} – {round_.scheme.name(language)} {round_.year}"
    with force_locale(language):
        body = render_template("letters/allocation_list.html", title=title, rows=rows,
                               labels=labels, total=sum(r.amount for r in rows))
        return _document(title, language, author, round_.key, body)


def allocation_xlsx(round_: Round, rows: Sequence[Allocation], language: str,
                    created: dt.datetime) -> bytes:
    """The list as a workbook; the same rows and `created` give the same bytes."""
    import xlsxwriter

    labels = LABELS[language]
    target = io.BytesIO()
    workbook = xlsxwriter.Workbook(target, dict(WORKBOOK_OPTIONS))
    workbook.set_properties({"created": created, "title": f"{labels['list']} "
                             f"{round_.scheme.name(language)} {round_.year}"})
    sheet = workbook.add_worksheet("Tildeling")
    bold, money = workbook.add_format({"bold": True}), workbook.add_format(
        {"num_format": KRONER_FORMAT})
    bold_money = workbook.add_format({"bold": True, "num_format": KRONER_FORMAT})
    for col, header in enumerate((labels["number"], labels["municipality"], labels["amount"])):
        sheet.write_string(0, col, str(header), bold)
    for row, allocation in enumerate(rows, 1):
        sheet.write_string(row, 0, allocation.number)
        sheet.write_string(row, 1, allocation.name)
        sheet.write_number(row, 2, allocation.amount, money)
    last = len(rows) + 1
    sheet.write_string(last, 1, str(labels["total"]), bold)
    sheet.write_formula(last, 2, f"=SUM(C2:C{last})", bold_money,
                        sum(r.amount for r in rows))
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 2, 18)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return target.getvalue()


# ---- queuing ----------------------------------------------------------------------------


def _store(data: bytes, content_type: str) -> str:
    """The file's SHA-256, its row inserted unless it is there (another run's too)."""
    digest = hashlib.sha256(data).hexdigest()
    insert = (postgresql_insert if db.session.get_bind().dialect.name == "postgresql"
              else sqlite_insert)(StoredFile).values(
        sha256=digest, content_type=content_type, size=len(data), data=data,
        created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    db.session.execute(insert.on_conflict_do_nothing(index_elements=["sha256"]))
    return digest


def _mail(letter: DecisionLetter) -> tuple[str, str]:
    with force_locale(letter.language):
        text = render_template(f"mail/grant_decision.{letter.language}.txt", letter=letter,
                               files=(letter_filename(letter), *letter.attachments))
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def _pdfs(htmls: Iterable[str], to_pdf: Callable[[str], bytes], count: int,
          workers: int | None) -> Iterator[bytes]:
    """The PDFs in order; in worker processes when there are several to make."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers <= 1 or count < 4:
        yield from map(to_pdf, htmls)
        return
    # fork: a worker starts with WeasyPrint loaded (spawn imports the service again, some
    # 3 s a worker). A worker only turns HTML into bytes; it never touches the database
    # connections it inherits, and it ends with os._exit, so nothing closes them. The
    # command is single-threaded (a fork of a threaded process could inherit a held lock).
    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        yield from pool.map(to_pdf, htmls, chunksize=4)


def queue_decisions(round_: Round, *, today: dt.date | None = None,
                    only: Sequence[str] = (), to_pdf: Callable[[str], bytes] = html_to_pdf,
                    workers: int | None = None, actor: str = CLI_ACTOR) -> Summary:
    """Queue the decision letter of every grant of the round not queued yet (only the
    kommunenummer in `only`, when given); commits each letter on its own."""
    today = today or oslo_today()
    texts = texts_for(round_)
    all_grants = grants_of(round_)
    unknown = sorted(set(only) - {g.municipality_number for g in all_grants})
    if unknown:
        raise DecisionLetterError(f"{round_.key} has no grant to {', '.join(unknown)}")
    total = sum(g.amount for g in all_grants)
    summary = Summary()
    done = set(db.session.scalars(sa.select(GrantLetter.grant_id).join(Grant).where(
        Grant.round_id == round_.id, GrantLetter.kind == KIND)))
    boxes = {number: email for number, email in
             db.session.execute(sa.select(Mailbox.number, Mailbox.email))}
    todo: list[DecisionLetter] = []
    for grant in all_grants:
        if only and grant.municipality_number not in only:
            continue
        if grant.status == GrantStatus.OPTED_OUT:
            summary.opted_out += 1
        elif grant.id in done:
            summary.already += 1
        elif grant.municipality_number not in boxes:
            summary.no_postbox.append(grant.municipality_number)
        else:
            todo.append(letter_of(grant, texts, total, today,
                                  boxes[grant.municipality_number].strip()))
    if not todo:
        return summary
    # The allocation lists go first, so their longer PDFs are made while the letters are.
    rows = allocation_rows(round_, all_grants)
    languages = sorted({letter.language for letter in todo})
    htmls = [*(allocation_html(round_, rows, lang, signer(todo[0].grant, lang))
               for lang in languages), *(letter_html(letter) for letter in todo)]
    pdfs = _pdfs(htmls, to_pdf, len(htmls), workers)
    created = dt.datetime.combine(today, dt.time())
    lists = {lang: (_store(next(pdfs), PDF),
                    _store(allocation_xlsx(round_, rows, lang, created), XLSX))
             for lang in languages}
    db.session.commit()
    for letter, pdf in zip(todo, pdfs, strict=True):
        if _queue_one(letter, pdf, lists[letter.language], actor):
            summary.queued += 1
        else:
            summary.already += 1
    return summary


def _queue_one(letter: DecisionLetter, pdf: bytes, lists: tuple[str, str],
               actor: str) -> bool:
    """One letter, its mail, files and audit event in one transaction; False when its
    claim is taken (another run queued it a moment ago)."""
    grant = letter.grant
    digest = hashlib.sha256(pdf).hexdigest()
    claim = GrantLetter(grant_id=grant.id, kind=KIND, language=letter.language,
                        amount=grant.amount, to=letter.recipient_email, sha256=digest,
                        created_by=actor)
    db.session.add(claim)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    _store(pdf, PDF)
    subject, body = _mail(letter)
    mail = queue_mail(letter.recipient_email, subject, body, kind="grant-decision",
                      grant_id=grant.id)
    db.session.flush()
    names = (letter_filename(letter), *letter.attachments)
    for position, (name, sha) in enumerate(zip(names, (digest, *lists), strict=True)):
        db.session.add(MailAttachment(outbox_id=mail.id, position=position, filename=name,
                                      sha256=sha))
    claim.outbox_id = mail.id
    audit.record("letter.decision.queue", "grant", f"{grant.round.key}/{letter.number}",
                 after={"to": letter.recipient_email, "language": letter.language,
                        "amount": grant.amount, "letter_sha256": digest,
                        "allocation_pdf_sha256": lists[0],
                        "allocation_xlsx_sha256": lists[1], "by": actor})
    try:
        db.session.commit()
    except IntegrityError:  # the claim's insert lost a race at commit (SQLite defers it)
        db.session.rollback()
        return False
    return True

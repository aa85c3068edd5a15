"""The outbox: every mail the service sent, will send or, in development, would have sent;
an admin can send a given-up mail again (once the address or the server is fixed)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from survey_app import audit
from survey_app.access import Action, requires
from survey_app.admin.views import PAGE_SIZE, bp
from survey_app.extensions import db
from survey_app.listing import DESC, Listing, choice_arg
from survey_app.mail import mail_counts, send_again
from survey_app.models import (
    Grant,
    MailAttachment,
    MailState,
    Municipality,
    OutboxMail,
    Round,
    StoredFile,
)
from survey_app.offices import office_name
from survey_app.services import register

STATES = (MailState.FAILED, MailState.QUEUED, MailState.SENT, MailState.STORED)
# What a mail is for (its `kind`), in words; a kind not named here is shown as written.
KIND_LABELS = {
    "invitation": _l("Invitation"), "reminder": _l("Reminder"), "receipt": _l("Receipt"),
    "password-reset": _l("Password reset"), "claim-notice": _l("Advance notice of a claim"),
    "claim-decision": _l("Decision on a claim"), "test": _l("Test"),
}
# The columns the outbox sorts by (listing.Listing); newest first unless asked.
SORTS = {"created": OutboxMail.created_at, "recipient": OutboxMail.to,
         "status": OutboxMail.state}


def kind_words(kind: str) -> str:
    words = KIND_LABELS.get(kind)
    return str(words) if words is not None else kind


@bp.route("/admin/utboks")
@requires(Action.ADMIN)
def outbox() -> str:
    args = request.args
    listing = Listing.from_args(args, list(SORTS), "created", DESC, per_page=PAGE_SIZE)
    # Finding the few mails that were given up among thousands sent is the point of it.
    kinds = db.session.scalars(sa.select(OutboxMail.kind).distinct()).all()
    places = _recipient_municipalities()
    counties = {m.county_number: m.county_name for m in places.values()}
    offices = {m.office for m in places.values() if m.office}
    state, state_ok = choice_arg(args, "tilstand", STATES)
    kind, kind_ok = choice_arg(args, "kind", kinds)
    county, county_ok = choice_arg(args, "county", counties)
    office, office_ok = choice_arg(args, "office", offices)
    search = (args.get("q") or "").strip()
    query = sa.select(OutboxMail)
    if state:
        query = query.where(OutboxMail.state == state)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    if county or office:
        ids = sorted(grant_id for grant_id, m in places.items()
                     if (not county or m.county_number == county)
                     and (not office or m.office == office))
        query = query.where(OutboxMail.grant_id.in_(ids) if ids else sa.false())
    if search:
        query = query.where(sa.func.lower(OutboxMail.to).contains(search.lower(),
                                                                   autoescape=True))
    page = listing.paged(query, SORTS, tiebreak=(OutboxMail.id.desc(),))
    ignored = [(name, label) for name, label, ok in (
        ("tilstand", _("State"), state_ok), ("kind", _("Kind"), kind_ok),
        ("county", _("County"), county_ok), ("office", _("County governor"), office_ok))
        if not ok]
    return render_template(
        "admin/outbox.html", page=page, chosen=state, kind=kind, county=county,
        office=office, search=search, counts=mail_counts(), ignored=ignored,
        kinds=sorted(((k, kind_words(k)) for k in kinds), key=lambda c: c[1].casefold()),
        counties=sorted(counties.items()),
        offices=[(o, office_name(o, None, str(get_locale()))) for o in sorted(offices)],
        places={m.grant_id: places.get(m.grant_id) for (m,) in page.items if m.grant_id},
        kind_words=kind_words)


def _recipient_municipalities() -> dict[int, Municipality]:
    """The municipality of each grant a mail of the outbox concerns (by grant id), as the
    register had it on 1 January of the grant's year."""
    grants = db.session.execute(
        sa.select(Grant.id, Grant.municipality_number, Round.year).join(Round)
        .where(Grant.id.in_(sa.select(OutboxMail.grant_id).where(
            OutboxMail.grant_id.is_not(None)).distinct()))).all()
    registers: dict[int, dict[str, Municipality]] = {}
    found: dict[int, Municipality] = {}
    for grant_id, number, year in grants:
        if year not in registers:
            registers[year] = {m.number: m for m in
                               register.municipalities_for_year(year).municipalities}
        entry = registers[year].get(number)
        if entry is not None:
            found[grant_id] = entry
    return found


@bp.route("/admin/utboks/<int:mail_id>")
@requires(Action.ADMIN)
def outbox_mail(mail_id: int) -> str:
    mail = _mail(mail_id)
    return render_template("admin/outbox_mail.html", mail=mail,
                           attachments=_attachments(mail))


def _attachments(mail: OutboxMail) -> list[tuple[str, str]]:
    """Each file the mail carries, in its order: the name the recipient sees and its size
    in kB (1 000 bytes, one decimal). Only the sizes are read, not the files' bytes."""
    rows = db.session.execute(
        sa.select(MailAttachment.filename, StoredFile.size).join(StoredFile)
        .where(MailAttachment.outbox_id == mail.id)
        .order_by(MailAttachment.position, MailAttachment.id))
    return [(name, format_decimal(size / 1000, format="#,##0.0")) for name, size in rows]


@bp.route("/admin/utboks/<int:mail_id>/send-igjen", methods=["POST"])
@requires(Action.ADMIN)
def outbox_send_again(mail_id: int) -> Response:
    mail = _mail(mail_id)
    if mail.state not in (MailState.FAILED, MailState.SENT):  # SENT: another admin was first
        flash(_("Only a mail that was given up can be sent again."), "error")
        return redirect(url_for("admin.outbox_mail", mail_id=mail.id))
    before = {"state": mail.state, "attempts": mail.attempts}
    audit.record("mail.send_again", "outbox", mail.id, before=before)
    db.session.commit()  # the request is on record even if the attempt fails
    if send_again(mail):
        flash(_("The mail was sent."), "success")
    else:
        flash(_("The mail could not be sent: %(error)s", error=mail.last_error or mail.state),
              "error")
    return redirect(url_for("admin.outbox_mail", mail_id=mail.id))


def _mail(mail_id: int) -> OutboxMail:
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    return mail

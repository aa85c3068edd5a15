"""Inviting municipalities to report, reminding those who have not, and using the links.

Who is told about a grant: the municipality's post box (``Mailbox``) and every active
coordinator assigned to its kommunenummer. Each gets a personal link
``<base>/invitasjon/<token>``; the token is ``secrets.token_urlsafe(32)`` and only its
SHA-256 is stored. A link is single-purpose: it lets its recipient choose a password once.
It lives until the round's grace period ends (or today, if later) plus
``INVITATION_DAYS`` (default 30) days.

Every mail is claimed before it goes out by inserting a ``Reminder`` row for
(recipient, step) and committing; the unique constraint lets only one of several servers
running the same cron job win. Step 0 is the invitation itself; the reminder steps are
in ``REMINDER_STEPS``. A failed send deletes its claim, so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from forms.money import format_amount
from survey_app import audit
from survey_app.extensions import db
from survey_app.mail import MailError, send_mail
from survey_app.models import (
    Grant,
    GrantStatus,
    Invitation,
    Mailbox,
    Recipient,
    Reminder,
    Response,
    ResponseStatus,
    Role,
    Round,
    Submission,
    User,
    UserMunicipality,
)
from survey_app.services.authority import signer
from survey_app.services.register import entry_of_grant

INVITATION_STEP = 0
# Reminder steps: (step, first day it is due, counted from the deadline). Only the latest
# due step is sent, and each step at most once per recipient:
#   1 = from 14 days before the deadline, 2 = from 3 days before, 3 = overdue (the day
#   after the deadline and later).
REMINDER_STEPS: tuple[tuple[int, int], ...] = ((1, -14), (2, -3), (3, 1))
LINK_PATH = "/invitasjon/"


@dataclass
class Summary:
    """What one run did; ``failures`` names each mail that could not be sent."""

    sent: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"sent {self.sent}, skipped {self.skipped}, failed {self.failed}"


@dataclass(frozen=True)
class LinkCheck:
    """The state of an invitation link: valid, expired, used or unknown."""

    state: str
    invitation: Invitation | None = None
    user: User | None = None

    @property
    def has_password(self) -> bool:
        return bool(self.user and self.user.password_hash)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Recipients ------------------------------------------------------------------------


def _wanted_recipients(number: str) -> dict[str, tuple[str, str, int | None]]:
    """email -> (name, kind, user id) for a kommunenummer; a coordinator beats the box."""
    wanted: dict[str, tuple[str, str, int | None]] = {}
    mailbox = db.session.get(Mailbox, number)
    if mailbox is not None:
        email = mailbox.email.strip().lower()
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        wanted[email] = ("", "postbox", user_id)
    coordinators = db.session.scalars(
        sa.select(User).join(UserMunicipality).where(
            UserMunicipality.number == number, User.role == Role.COORDINATOR,
            User.active.is_(True)).order_by(User.email))
    for user in coordinators:
        wanted[user.email] = (user.name, "coordinator", user.id)
    return wanted


def sync_recipients(grant: Grant) -> list[Recipient]:
    """Create or update the grant's Recipient rows; returns those to be told now."""
    try:
        return _sync_recipients(grant)
    except IntegrityError:  # another server added the same recipient a moment ago
        db.session.rollback()
        return _sync_recipients(grant)


def _sync_recipients(grant: Grant) -> list[Recipient]:
    existing = {r.email: r for r in db.session.scalars(
        sa.select(Recipient).where(Recipient.grant_id == grant.id))}
    current = []
    for email, (name, kind, user_id) in _wanted_recipients(grant.municipality_number).items():
        recipient = existing.get(email)
        if recipient is None:
            recipient = Recipient(grant_id=grant.id, email=email)
            db.session.add(recipient)
        recipient.name, recipient.kind, recipient.user_id = name, kind, user_id
        current.append(recipient)
    db.session.commit()
    return current


# Links -------------------------------------------------------------------------------


def link_expiry(round_: Round, now: dt.datetime) -> dt.datetime:
    """The first moment the link no longer works: the end of its last valid day."""
    days = current_app.config.get("INVITATION_DAYS", 30)
    last_day = max(round_.grace_ends, now.date()) + dt.timedelta(days=days)
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())


def _new_link(recipient: Recipient, round_: Round, now: dt.datetime) -> tuple[str, Invitation]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(recipient_id=recipient.id, token_hash=hash_token(token),
                            created_at=now, expires_at=link_expiry(round_, now))
    db.session.add(invitation)
    return token, invitation


def _has_valid_link(recipient: Recipient, now: dt.datetime) -> bool:
    return db.session.scalar(sa.select(Invitation.id).where(
        Invitation.recipient_id == recipient.id, Invitation.used_at.is_(None),
        Invitation.expires_at > now).limit(1)) is not None


def _has_password(recipient: Recipient) -> bool:
    if recipient.user_id is None:
        return False
    return bool(db.session.scalar(sa.select(User.password_hash).where(
        User.id == recipient.user_id)))


# Claims and mail ---------------------------------------------------------------------


def _claimed_ids(recipients: list[Recipient], step: int) -> set[int]:
    ids = [r.id for r in recipients]
    return set(db.session.scalars(sa.select(Reminder.recipient_id).where(
        Reminder.recipient_id.in_(ids), Reminder.step == step)))


def _claim(recipient_id: int, step: int, now: dt.datetime) -> int | None:
    """Insert and commit the claim; None when another run holds it already."""
    claim = Reminder(recipient_id=recipient_id, step=step, claimed_at=now)
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return claim.id


def _language(grant: Grant) -> str:
    municipality = entry_of_grant(grant)  # its målform in the grant year
    return "nn" if municipality is not None and municipality.written_standard == "nn" else "nb"


def compose(template: str, grant: Grant, recipient: Recipient, *, base_url: str,
            link: str | None, step: int = INVITATION_STEP) -> tuple[str, str]:
    """(subject, body) from `mail/<template>.<nb|nn>.txt`; its first line is the subject."""
    language = _language(grant)
    municipality = entry_of_grant(grant)
    round_ = grant.round
    text = current_app.jinja_env.get_template(f"mail/{template}.{language}.txt").render(
        municipality=municipality.display_name if municipality else grant.municipality_number,
        scheme=round_.scheme.name(language), year=round_.year,
        amount=format_amount(grant.amount, language),
        deadline=round_.deadline.strftime("%d.%m.%Y"), link=link, step=step,
        login_url=base_url.rstrip("/") + "/logg-inn", postbox=recipient.kind == "postbox",
        signer=signer(grant, language))
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


@dataclass(frozen=True)
class _Job:
    template: str
    step: int
    base_url: str
    now: dt.datetime


def _send_one(job: _Job, grant: Grant, recipient: Recipient) -> None:
    """Compose and send with a fresh link when needed; the caller commits or rolls back."""
    link, invitation = None, None
    if job.step == INVITATION_STEP or not (
            _has_valid_link(recipient, job.now) or _has_password(recipient)):
        token, invitation = _new_link(recipient, grant.round, job.now)
        link = job.base_url.rstrip("/") + LINK_PATH + token
    subject, body = compose(job.template, grant, recipient, base_url=job.base_url,
                            link=link, step=job.step)
    send_mail(recipient.email, subject, body, kind=job.template, grant_id=grant.id)
    if invitation is not None:
        invitation.sent_at = job.now


def _deliver(job: _Job, grant: Grant, recipient: Recipient, summary: Summary) -> None:
    claim_id = _claim(recipient.id, job.step, job.now)
    if claim_id is None:
        summary.skipped += 1
        return
    try:
        _send_one(job, grant, recipient)
    except MailError as error:
        db.session.rollback()
        db.session.execute(sa.delete(Reminder).where(Reminder.id == claim_id))
        db.session.commit()
        summary.failed += 1
        summary.failures.append(f"{recipient.email} ({grant.municipality_number}): {error}")
        return
    db.session.execute(sa.update(Reminder).where(Reminder.id == claim_id)
                       .values(sent_at=job.now))
    db.session.commit()
    summary.sent += 1


def _run(job: _Job, grants: list[Grant], summary: Summary,
         user_id: int | None = None) -> Summary:
    """Each recipient of these grants (only `user_id`'s, if given) told once."""
    for grant in grants:
        recipients = [r for r in sync_recipients(grant)
                      if user_id is None or r.user_id == user_id]
        claimed = _claimed_ids(recipients, job.step)
        for recipient in recipients:
            if recipient.id in claimed:
                summary.skipped += 1
            else:
                _deliver(job, grant, recipient, summary)
    return summary


def _active_grants(round_: Round) -> list[Grant]:
    return list(db.session.scalars(sa.select(Grant).where(
        Grant.round_id == round_.id, Grant.status != GrantStatus.OPTED_OUT)
        .order_by(Grant.municipality_number)))


def send_invitations(round_: Round, base_url: str, now: dt.datetime) -> Summary:
    """Invite every recipient of every grant not opted out, once each."""
    return _run(_Job("invitation", INVITATION_STEP, base_url, now), _active_grants(round_),
                Summary())


def invite_coordinator(user: User, base_url: str, now: dt.datetime) -> Summary:
    """Invite one coordinator (an account an admin has just made) to the grants of their
    municipalities in every round open for reporting now, as `send_invitations` would:
    once each, nobody else of the grant told again."""
    grants = db.session.scalars(sa.select(Grant).join(Round).where(
        Grant.municipality_number.in_(sorted(user.municipality_numbers)),
        Grant.status != GrantStatus.OPTED_OUT, Round.opens_on <= now.date())
        .order_by(Grant.round_id, Grant.municipality_number)).all()
    return _run(_Job("invitation", INVITATION_STEP, base_url, now),
                [g for g in grants if now.date() <= g.round.grace_ends], Summary(), user.id)


def due_step(round_: Round, today: dt.date) -> int | None:
    """The latest reminder step due on ``today``, or None before the first."""
    due = [step for step, offset in REMINDER_STEPS
           if today >= round_.deadline + dt.timedelta(days=offset)]
    return due[-1] if due else None


def submitted_grant_ids(round_: Round) -> set[int]:
    return set(db.session.scalars(
        sa.select(Response.grant_id).join(Grant, Grant.id == Response.grant_id).where(
            Grant.round_id == round_.id, Response.status == ResponseStatus.SUBMITTED,
            sa.exists().where(Submission.response_id == Response.id))))


def send_reminders(round_: Round, base_url: str, now: dt.datetime) -> Summary:
    """Remind the recipients of grants not yet reported, at most once per step."""
    step = due_step(round_, now.date())
    grants = _active_grants(round_)
    if step is None or not round_.is_open(now.date()):
        return Summary(skipped=len(grants))
    done = submitted_grant_ids(round_)
    summary = Summary(skipped=sum(1 for g in grants if g.id in done))
    return _run(_Job("reminder", step, base_url, now),
                [g for g in grants if g.id not in done], summary)


# Using a link ------------------------------------------------------------------------


def use_invitation(token: str, now: dt.datetime) -> LinkCheck:
    """Look the link up by its hash; a valid one is marked opened (not yet used)."""
    check = _state_of(db.session.scalar(
        sa.select(Invitation).where(Invitation.token_hash == hash_token(token))), now)
    if check.state != "valid":
        return check
    invitation = check.invitation
    assert invitation is not None
    if invitation.opened_at is None:
        invitation.opened_at = now
    # Every opening is on the record: a link opened again, or from elsewhere, shows.
    audit.record("invitation.opened", "invitation", invitation.id,
                 after={"grant": invitation.recipient.grant_id})
    db.session.commit()
    return check


def check_again(invitation_id: int, now: dt.datetime) -> LinkCheck:
    """A link this browser opened a moment ago (its id kept in the session while the
    invitee signs in at a provider), checked again as `use_invitation` does."""
    return _state_of(db.session.get(Invitation, invitation_id), now)


def _state_of(invitation: Invitation | None, now: dt.datetime) -> LinkCheck:
    if invitation is None:
        return LinkCheck("unknown")
    user = _link_user(invitation.recipient)
    if user is not None and not user.active:
        return LinkCheck("unknown")
    if invitation.used_at is not None:
        return LinkCheck("used", invitation, user)
    if invitation.expires_at <= now:
        return LinkCheck("expired", invitation, user)
    return LinkCheck("valid", invitation, user)


def _link_user(recipient: Recipient) -> User | None:
    if recipient.user_id is not None:
        return db.session.get(User, recipient.user_id)
    return db.session.scalar(sa.select(User).where(User.email == recipient.email))


def _grant_number(recipient: Recipient) -> str:
    return db.session.execute(sa.select(Grant.municipality_number).where(
        Grant.id == recipient.grant_id)).scalar_one()


def mark_used(check: LinkCheck, now: dt.datetime) -> None:
    """Spend a link without a password change (its account has a password already)."""
    assert check.invitation is not None
    check.invitation.used_at = now
    audit.record("invitation.used", "invitation", check.invitation.id,
                 after={"password_set": False})
    db.session.commit()


class InvitationTaken(Exception):
    """The link was spent by another request a moment ago (two browsers at once)."""


def accept_invitation(check: LinkCheck, password: str, now: dt.datetime) -> User:
    """Set the password through a valid link, spending it, and return the account.

    A post box (postmottak) has no account of its own: on first use of its link a
    coordinator account is created for the post box address and the grant's municipality,
    so whoever the municipality lets read that box can report.
    """
    _spend(check, now)
    user = _account_of(check)
    user.set_password(password)
    _record_use(check, user, {"password_set": True})
    db.session.commit()
    return user


def accept_with_identity(check: LinkCheck, now: dt.datetime,
                         bind: Callable[[User], object], how: dict[str, str]) -> User:
    """Spend a valid link by binding the identity the invitee signed in with (`bind`
    is called with the account, made for a post box as in `accept_invitation`): the link
    becomes the personal account of whoever claimed it, on the record with `how`."""
    _spend(check, now)
    user = _account_of(check)
    bind(user)
    _record_use(check, user, {"password_set": False, **how})
    db.session.commit()
    return user


def _spend(check: LinkCheck, now: dt.datetime) -> None:
    """Marks the link used, unless another request did first (then InvitationTaken): one
    statement, so that of two claims at once exactly one goes on (the other waits for the
    row, then finds it used)."""
    invitation = check.invitation
    assert check.state == "valid" and invitation is not None and not check.has_password
    spent = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id,
                                    Invitation.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise InvitationTaken(invitation.id)
    invitation.used_at = now


def _account_of(check: LinkCheck) -> User:
    invitation = check.invitation
    assert invitation is not None
    user = check.user
    if user is None:
        recipient = invitation.recipient
        user = User(email=recipient.email, name=recipient.name, role=Role.COORDINATOR)
        user.municipalities = [UserMunicipality(number=_grant_number(recipient))]
        db.session.add(user)
        db.session.flush()
        audit.record("user.create", "user", user.id, actor=user, after={
            "email": user.email, "role": user.role, "via": "invitation",
            "municipalities": sorted(user.municipality_numbers)})
    return user


def _record_use(check: LinkCheck, user: User, after: dict[str, object]) -> None:
    invitation = check.invitation
    assert invitation is not None
    invitation.recipient.user_id = user.id
    audit.record("invitation.used", "invitation", invitation.id, actor=user, after=after)


def language_of(invitation: Invitation) -> str:
    """The written standard the invitation was sent in (its municipality's)."""
    grant = db.session.get(Grant, invitation.recipient.grant_id)
    assert grant is not None
    return _language(grant)

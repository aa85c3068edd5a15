"""Which audit events a reader of the log may see: an office's auditor (or reviewer) only
those of the office, in the query itself so nothing of another office is ever loaded.

An event names its object by `object_type` and `object_id` (survey_app.audit.record). For
a reader scoped to one Statsforvalter office (issue 13: "an office auditor's audit log ...
limited to that office's municipalities") an event is shown when its object is

- a municipality of the office, or a grant, response, claim, flag, invitation or mail of
  one of its municipalities;
- an account of the office (its reviewers and auditors, the coordinators of its
  municipalities) or the reader's own, including that account's sign-in events;
- a round or the register, which concern every office alike, unless another office's
  staff did it (an Oslo reviewer's export download is Oslo's business).

Anything else (a refused page's address, which may name any municipality, and object types
added later) is for national readers only: what is shown is listed, never what is hidden,
so a new kind of event is not shown to an office by omission. These lists are our choice;
the issue names the objects, not these rules.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from survey_app.access import SCOPED_ROLES, national_scope, regional_office
from survey_app.models import (
    AuditEvent,
    Claim,
    Flag,
    Grant,
    Invitation,
    Municipality,
    OutboxMail,
    Recipient,
    Response,
    Role,
    User,
    UserMunicipality,
)
from survey_app.offices import NATIONAL

SHARED_OBJECTS = ("round", "register")  # concern every office alike
ACCOUNT_OBJECTS = ("user", "sign-in")  # object_id: the account's id


def _text(column: Any) -> Any:
    """An integer id as the text `object_id` holds (`str(id)`, audit.record)."""
    return sa.cast(column, sa.String)


def _office_accounts(office: str, numbers: Any, reader_id: int | None) -> Any:
    """The ids of the office's accounts, and the reader's own."""
    coordinators = sa.select(UserMunicipality.user_id).where(UserMunicipality.number.in_(numbers))
    return sa.select(_text(User.id)).where(sa.or_(
        sa.and_(User.role.in_(SCOPED_ROLES), User.office == office),
        sa.and_(User.role == Role.COORDINATOR, User.id.in_(coordinators)),
        User.id == reader_id))


def _other_offices_staff(office: str) -> Any:
    return sa.select(User.id).where(User.role.in_(SCOPED_ROLES),
                                    User.office.not_in((office, NATIONAL)))


def _office_objects(office: str, reader_id: int | None) -> dict[str, Any]:
    """Each object type an office reader may see, with the condition on its `object_id`."""
    numbers = sa.select(Municipality.number).where(Municipality.office == office)
    grants = sa.select(Grant.id).where(Grant.municipality_number.in_(numbers))
    object_id = AuditEvent.object_id
    # A grant's opt-out names it by round and kommunenummer, "slug/year/NNNN".
    opted_out = sa.and_(object_id.like("%/%"), sa.func.substr(
        object_id, sa.func.length(object_id) - 3).in_(numbers))
    accounts = object_id.in_(_office_accounts(office, numbers, reader_id))
    return {
        "municipality": object_id.in_(numbers),
        "grant": sa.or_(object_id.in_(sa.select(_text(Grant.id)).where(
            Grant.municipality_number.in_(numbers))), opted_out),
        "response": object_id.in_(
            sa.select(_text(Response.id)).where(Response.grant_id.in_(grants))),
        "claim": object_id.in_(sa.select(Claim.reference).where(Claim.grant_id.in_(grants))),
        "flag": object_id.in_(sa.select(_text(Flag.id)).where(Flag.grant_id.in_(grants))),
        "invitation": object_id.in_(
            sa.select(_text(Invitation.id)).join(Recipient,
                                                 Invitation.recipient_id == Recipient.id)
            .where(Recipient.grant_id.in_(grants))),
        "outbox": object_id.in_(
            sa.select(_text(OutboxMail.id)).where(OutboxMail.grant_id.in_(grants))),
        **{kind: accounts for kind in ACCOUNT_OBJECTS},
        **{kind: sa.or_(AuditEvent.actor_id.is_(None),
                        AuditEvent.actor_id.not_in(_other_offices_staff(office)))
           for kind in SHARED_OBJECTS},
    }


def visible_to(reader: Any) -> sa.ColumnElement[bool]:
    """The condition on AuditEvent for what `reader` may see of the log: all of it with
    national scope, an office's events with an office's, nothing without a scope."""
    if national_scope(reader):
        return sa.true()
    office = regional_office(reader)
    if office is None:
        return sa.false()
    return sa.or_(*(sa.and_(AuditEvent.object_type == kind, condition)
                    for kind, condition in _office_objects(office, reader.id).items()))

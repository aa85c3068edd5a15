"""Server-side sessions on the service's own database, which the service can end.

The browser's cookie holds only a random session id (Flask-Session 0.8); the data is a row
of `sessions`, shared by every server. A signed-in session also has a `user_sessions`
record (who, since when, last seen, from where): the user loader signs nobody in without
it, so ending a session (sign-out, expiry, deactivation, an admin's "end all sessions")
is deleting its rows, and an old cookie replayed afterwards opens only the sign-in page.

Flask-Session's SQLAlchemy backend is used with two things of its own replaced:
- its set-up, which declares a model on our `db` for every app made (the second app of a
  test run fails with "Table 'sessions' is already defined", pallets-eco/flask-session
  #245) and creates the table itself, with no setting to stop it in 0.8 (the option is
  only proposed, #239): here the table is a model of ours made by the migrations;
- its storage calls, which commit the request's database session as it stands: a page
  that failed half-way (abort, a refused form) must not have its unsaved work committed
  by the session write, so that write first drops what the request left uncommitted,
  as the end of the request would anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, Request, current_app, g, has_app_context, request, session
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.sqlalchemy import SqlAlchemySessionInterface
from itsdangerous import want_bytes
from sqlalchemy import orm as so
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from survey_app.extensions import db
from survey_app.models import ServerSession, User, UserSession
from survey_app.models.sessions import USER_AGENT_LENGTH
from survey_app.models.users import utcnow
from survey_app.questionnaires import PUBLISHED_STAMP, forget_stamp, remember_stamp

_STORE = cast(sa.Table, ServerSession.__table__)
_RECORDS = cast(sa.Table, UserSession.__table__)


class DatabaseSessionInterface(SqlAlchemySessionInterface):
    """Flask-Session's SQLAlchemy backend on the `sessions` table the migrations made."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.client = db
        self.sql_session_model = ServerSession
        # Not SqlAlchemySessionInterface.__init__: it declares its own model and creates
        # the table (see the module's docstring). Signing the id is off: it is 32 random
        # bytes, and Flask-Session 0.8 deprecates signing it.
        ServerSideSessionInterface.__init__(
            self, app, key_prefix=config["SESSION_KEY_PREFIX"], use_signer=False,
            permanent=config["SESSION_PERMANENT"], sid_length=config["SESSION_ID_LENGTH"],
            serialization_format=config["SESSION_SERIALIZATION_FORMAT"],
            cleanup_n_requests=config["SESSION_CLEANUP_N_REQUESTS"])

    def open_session(self, app: Flask, request: Request) -> ServerSideSession:
        # What an earlier request left in `g` is not this one's (a test may keep one app
        # context over several requests).
        g.pop(_PREFETCHED, None)
        forget_stamp()
        # A stylesheet or script needs no session: no query for each of a page's files.
        static = app.static_url_path
        if static and request.path.startswith(static + "/"):
            return self.session_class(sid=self._generate_sid(self.sid_length),
                                      permanent=self.permanent)
        return cast(ServerSideSession, super().open_session(app, request))

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        # One round trip for what every request needs first: the session's row, its
        # sign-in record with the user (what the user loader would read next) and the
        # published questionnaires' stamp (questionnaires.current).
        sid = store_id[len(self.key_prefix):]
        row = db.session.execute(_READ_SESSION, {"store_id": store_id, "sid": sid}
                                 ).unique().first()
        if row is None:
            return None
        if row.expiry <= utcnow():
            db.session.execute(sa.delete(_STORE).where(_STORE.c.session_id == store_id))
            db.session.commit()
            return None
        remember_stamp(row.published_count, row.published_newest, row.published_when)
        if row.User is not None:
            setattr(g, _PREFETCHED, (sid, row.User, row.UserSession))
        return cast(dict[str, Any], self.serializer.decode(want_bytes(row.data)))

    def _upsert_session(self, session_lifetime: dt.timedelta, session: ServerSideSession,
                        store_id: str) -> None:
        values = {"data": self.serializer.encode(session),
                  "expiry": utcnow() + session_lifetime}
        db.session.rollback()  # what the request left uncommitted is not ours to commit
        replaced = getattr(session, REPLACED, None)
        renamed = replaced is not None and cast(sa.CursorResult[Any], db.session.execute(
            sa.update(_STORE).where(_STORE.c.session_id == replaced)
            .values(session_id=store_id, **values))).rowcount
        if not renamed:
            # One statement whether the row exists or not (both databases have ON CONFLICT).
            insert = (postgresql_insert if db.session.get_bind().dialect.name == "postgresql"
                      else sqlite_insert)(_STORE).values(session_id=store_id, **values)
            db.session.execute(insert.on_conflict_do_update(
                index_elements=[_STORE.c.session_id], set_=values))
        db.session.commit()

    def _delete_session(self, store_id: str) -> None:
        db.session.rollback()  # as in _upsert_session
        db.session.execute(sa.delete(_STORE).where(_STORE.c.session_id == store_id))
        db.session.commit()

    def _delete_expired_sessions(self) -> None:
        """`flask --app wsgi session_cleanup` (from cron): expired sessions, the records
        of sign-ins that can no longer be used, and sign-in tries too old to count."""
        from survey_app.auth import throttle  # imports this module's callers

        now = utcnow()
        db.session.execute(sa.delete(_STORE).where(_STORE.c.expiry <= now))
        db.session.execute(sa.delete(_RECORDS).where(_stale(now)))
        throttle.forget_old(now)
        db.session.commit()

    def regenerate(self, session: ServerSideSession) -> None:
        """A new id for this browser's session, its data kept: the old id stops working
        when the session is saved at the end of the request, its row renamed in one
        statement (no delete and insert). Until then the old id signs nobody in: the
        sign-in's record is under the new id (record_sign_in), and forget_sign_in has
        deleted the old one's."""
        if getattr(session, REPLACED, None) is None:
            setattr(session, REPLACED, self._get_store_id(session.sid))
        session.sid = self._generate_sid(self.sid_length)
        session.modified = True

    def save_session(self, app: Flask, session: ServerSideSession, response: Any) -> None:
        replaced = getattr(session, REPLACED, None)
        if replaced is not None and not session:  # emptied (a sign-out): nothing to rename
            self._delete_session(replaced)
        super().save_session(app, session, response)


# The store id a regenerated session had, renamed when it is saved (regenerate).
REPLACED = "replaced_store_id"


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface(app)


def current_sid() -> str | None:
    """The id of this request's session (what the browser's cookie holds)."""
    sid = getattr(session, "sid", None)
    return sid if isinstance(sid, str) else None


def renew_id() -> None:
    """This browser's session gets a new id (sign-in, sign-out): no fixation, no replay."""
    interface = cast(DatabaseSessionInterface, current_app.session_interface)
    interface.regenerate(cast(ServerSideSession, session))


def record_sign_in(user: User, via: str) -> None:
    """The record of the sign-in starting in this session (committed with the sign-in)."""
    sid = current_sid()
    assert sid is not None  # a request's session always has an id
    agent = request.user_agent.string or ""
    db.session.add(UserSession(session_id=sid, user_id=user.id, via=via[:40],
                               client=(request.remote_addr or "")[:64],
                               user_agent=agent[:USER_AGENT_LENGTH]))


def forget_sign_in() -> None:
    """This session signs nobody in any more (its data stays: a kept post, the language)."""
    sid = current_sid()
    if sid is not None:
        db.session.execute(sa.delete(_RECORDS).where(_RECORDS.c.session_id == sid))


def signed_in_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of this session's sign-in record, if the account
    is active. With the user come its municipalities, in the same query."""
    sid = current_sid()
    if sid is None or not user_id.isdigit():
        return None
    prefetched = g.pop(_PREFETCHED, None)
    if prefetched is not None:
        read_for, user, record = prefetched
        # Read with the session's row, under the same conditions as the query below; used
        # only while nothing has been committed or rolled back since (which expires it).
        if read_for == sid and user.id == int(user_id) and _fresh(user) and _fresh(record):
            g.user_session = record
            return cast(User, user)
    row = db.session.execute(_SIGNED_IN_USER, {"user_id": int(user_id), "sid": sid}
                             ).unique().first()
    if row is None:
        return None
    g.user_session = row.UserSession
    return row.User


def _fresh(instance: object) -> bool:
    """In this request's database session and not expired by a commit or rollback."""
    state = sa.inspect(instance)
    return state.persistent and not state.expired_attributes


# Built once: the statements of every request (constructing a statement costs about as
# much as running it here). The session's row comes with the sign-in record of the session
# and its active user (the conditions of _SIGNED_IN_USER: a record without an active user
# gives neither) and with the published questionnaires' stamp, in one round trip.
_READ_SESSION = (
    sa.select(_STORE.c.data, _STORE.c.expiry, User, UserSession, *PUBLISHED_STAMP.c)
    .select_from(_STORE)
    .outerjoin(PUBLISHED_STAMP, sa.true())
    .outerjoin(UserSession, UserSession.session_id == sa.bindparam("sid"))
    .outerjoin(User, sa.and_(User.id == UserSession.user_id, User.active))
    .where(_STORE.c.session_id == sa.bindparam("store_id"))
    .options(joinedload(User.municipalities)))
# In `g`: (session id, user, sign-in record) read with the session's row, for the loader.
_PREFETCHED = "_signed_in_prefetch"
_SIGNED_IN_USER = (
    sa.select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
    .where(User.id == sa.bindparam("user_id", type_=sa.Integer), User.active,
           UserSession.session_id == sa.bindparam("sid"))
    .options(joinedload(User.municipalities)))


def current_record() -> UserSession:
    """The sign-in record of the signed-in user's session (loaded with the user)."""
    return cast(UserSession, g.user_session)


def _limits() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (dt.timedelta(seconds=config["SIGN_IN_IDLE_SECONDS"]),
            dt.timedelta(seconds=config["SIGN_IN_MAX_SECONDS"]))


def _stale(now: dt.datetime) -> sa.ColumnElement[bool]:
    idle, lifetime = _limits()
    return sa.or_(_RECORDS.c.last_seen < now - idle, _RECORDS.c.created_at < now - lifetime)


def alive() -> sa.ColumnElement[bool]:
    """Which sign-in records still sign somebody in (neither idle nor too old)."""
    return sa.not_(_stale(utcnow()))


def end(session_ids: Collection[str], connection: sa.Connection | None = None) -> None:
    """Ends these sessions: their data and their sign-in records are deleted, in the
    caller's transaction."""
    if not session_ids:
        return
    prefix = current_app.config["SESSION_KEY_PREFIX"]
    run = connection.execute if connection is not None else db.session.execute
    run(sa.delete(_STORE).where(_STORE.c.session_id.in_([prefix + s for s in session_ids])))
    run(sa.delete(_RECORDS).where(_RECORDS.c.session_id.in_(list(session_ids))))


def end_all(user_id: int) -> int:
    """Ends every session of this user; how many were still signed in."""
    records = db.session.execute(sa.select(
        _RECORDS.c.session_id, alive().label("alive")).where(
        _RECORDS.c.user_id == user_id)).all()
    end([r.session_id for r in records])
    return sum(1 for r in records if r.alive)


# A change to these ends every session of the account, whichever code makes it: a
# deactivated account, another role (which may need a stronger sign-in, OIDC_ASSURANCE),
# a new password (whoever knew the old one is out).
ENDS_SESSIONS = ("active", "role", "password_hash")


@sa.event.listens_for(db.session, "after_flush")
def _end_sessions_on_account_change(flushed: so.Session, _context: Any) -> None:
    changed = [user.id for user in flushed.dirty if isinstance(user, User) and any(
        so.attributes.get_history(user, key).has_changes() for key in ENDS_SESSIONS)]
    if not changed or not has_app_context():
        return
    # A sign-in made in the same transaction (a new password, then signed in) stays.
    starting = {r.session_id for r in flushed.new if isinstance(r, UserSession)}
    connection = flushed.connection()
    ids = connection.execute(sa.select(_RECORDS.c.session_id).where(
        _RECORDS.c.user_id.in_(changed))).scalars().all()
    end([sid for sid in ids if sid not in starting], connection)

"""One way to write on the latest state of a row, on SQLite and PostgreSQL alike.

On PostgreSQL the row is locked with SELECT ... FOR UPDATE and read fresh by the same
statement; on SQLite, which has no row locks, an UPDATE that changes nothing takes the
write lock. Either lock is held to the end of the transaction. Two servers writing the
same report or grant at once are thus serialised by the database, and SQLite never has
to upgrade a read snapshot into a write (which fails at once instead of waiting for the
busy timeout).
"""

from __future__ import annotations

import functools
from typing import TypeVar

import sqlalchemy as sa

from survey_app.extensions import db

Row = TypeVar("Row", bound=db.Model)  # type: ignore[name-defined]


def _postgresql() -> bool:
    return bool(db.session.get_bind().dialect.name == "postgresql")


def lock(model: type[Row], row_id: int) -> Row | None:
    """Lock the row within the current transaction and return it as it is now (its
    columns read by the locking statement, its relationships on first use)."""
    found = db.session.scalar(_lock_statement(model, _postgresql()),  # type: ignore[arg-type]
                              {"row_id": row_id})
    if found is not None:
        # A collection read before the lock (a report's submissions) may be stale now.
        state = sa.inspect(found)
        loaded = [r.key for r in state.mapper.relationships if r.key not in state.unloaded]
        if loaded:
            db.session.expire(found, loaded)
    return found


@functools.cache
def _lock_statement(model: type[Row], postgresql: bool) -> sa.Executable:
    """The statement that locks and reads one row of `model` (`row_id`), built once per
    model: it runs on every save and submit."""
    key = model.__table__.c.id
    row_id = sa.bindparam("row_id", type_=sa.Integer)
    if postgresql:
        # One round trip, and no new row version: the no-op UPDATE would write one (and
        # touch an `onupdate` column such as grants.updated_at). `of` keeps the lock on
        # this table when the model eager-loads others (a grant joins its round).
        return (sa.select(model).where(key == row_id).with_for_update(of=model)
                .execution_options(populate_existing=True))
    # The no-op UPDATE takes the write lock and RETURNING reads the row in the same
    # statement (SQLite 3.35+).
    return (sa.update(model).where(key == row_id).values(id=key).returning(model)
            .execution_options(populate_existing=True, synchronize_session=False))


def locked(model: type[Row], row_id: int) -> Row:
    """End the request's read transaction, then `lock` the row in a fresh one (everything
    read afterwards is read afresh: the commit expires the whole session)."""
    db.session.commit()
    found = lock(model, row_id)
    assert found is not None, f"{model.__name__} {row_id} vanished"
    return found


def locked_row(model: type[Row], row_id: int) -> Row:
    """`lock` for a write that needs only the locked row fresh, not the rest of what the
    request read (the signed-in user, the grant, the municipality): a report's page save
    and submit.

    On PostgreSQL the request's transaction goes on: under READ COMMITTED the lock waits
    for a concurrent writer of the row and then reads it as committed. SQLite must end its
    read transaction before the write lock can be waited for; it is ended without
    expiring what the session holds, as PostgreSQL keeps it. Expiring it (as `locked`
    does) made every object the request had read load again while holding SQLite's one
    write lock, which every other writer waits for.
    """
    if not _postgresql():
        commit_keeping_objects()
    found = lock(model, row_id)
    assert found is not None, f"{model.__name__} {row_id} vanished"
    return found


def commit_keeping_objects() -> None:
    """Commit without expiring what the session holds: what the request read stays usable
    without loading it again (as under PostgreSQL's READ COMMITTED it would be as fresh)."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire

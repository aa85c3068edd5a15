"""One way to write on the latest state of a row, on SQLite and PostgreSQL alike.

An UPDATE that changes nothing takes the row lock on PostgreSQL and the write lock on
SQLite, and holds it to the end of the transaction; the row is then read fresh. Two
servers writing the same report or grant at once are thus serialised by the database,
and SQLite never has to upgrade a read snapshot into a write (which fails at once
instead of waiting for the busy timeout).
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa

from survey_app.extensions import db

Row = TypeVar("Row", bound=db.Model)  # type: ignore[name-defined]


def lock(model: type[Row], row_id: int) -> Row | None:
    """Lock the row within the current transaction and return it as it is now."""
    key = model.__table__.c.id
    db.session.execute(sa.update(model).where(key == row_id).values(id=key))
    return db.session.get(model, row_id, populate_existing=True)


def locked(model: type[Row], row_id: int) -> Row:
    """End the request's read transaction, then `lock` the row in a fresh one."""
    db.session.commit()
    found = lock(model, row_id)
    assert found is not None, f"{model.__name__} {row_id} vanished"
    return found

"""Factories for test data (factory_boy, bound to the app's session)."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from survey_app.extensions import db
from survey_app.models import User, UserMunicipality

PASSWORD = "correct horse battery"


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    email = factory.Sequence(lambda n: f"user{n}@example.no")
    role = "coordinator"
    office = None

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)

    @factory.post_generation
    def numbers(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        self.municipalities = [UserMunicipality(number=n) for n in extracted or []]
        if create:
            db.session.commit()


def make_users() -> dict[str, User]:
    """The cast of the access tests: a coordinator in 3405 Lillehammer (Innlandet), a
    national and an Innlandet reviewer, an auditor and an admin."""
    return {
        "coordinator": UserFactory(email="koord@lillehammer.kommune.no", numbers=["3405"]),
        "reviewer_national": UserFactory(email="rev@helsedir.no", role="reviewer"),
        "reviewer_innlandet": UserFactory(email="rev@sfin.no", role="reviewer",
                                          office="innlandet"),
        "auditor": UserFactory(email="revisor@riksrevisjonen.no", role="auditor"),
        "admin": UserFactory(email="admin@helsedir.no", role="admin"),
    }

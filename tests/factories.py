"""Factories for test data (factory_boy, bound to the app's session)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import factory
from factory.alchemy import SQLAlchemyModelFactory

from survey_app.extensions import db
from survey_app.models import AuthorDraft, Grant, Round, User, UserMunicipality
from survey_app.offices import NATIONAL
from survey_app.services import rounds

PASSWORD = "correct horse battery"


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"

    email = factory.Sequence(lambda n: f"user{n}@example.no")
    role = "coordinator"
    # A reviewer or auditor has a scope said outright (create_user requires it): national
    # unless the test gives an office. An empty office would mean no scope at all.
    office = factory.LazyAttribute(
        lambda u: NATIONAL if u.role in ("reviewer", "auditor") else None)

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
    national and an Innlandet reviewer, a national and an Innlandet auditor, an admin and a
    questionnaire author.
    National scope is said outright (`national`), as create_user requires."""
    return {
        "coordinator": UserFactory(email="koord@lillehammer.kommune.no", numbers=["3405"]),
        "reviewer_national": UserFactory(email="rev@helsedir.no", role="reviewer",
                                         office=NATIONAL),
        "reviewer_innlandet": UserFactory(email="rev@sfin.no", role="reviewer",
                                          office="innlandet"),
        "auditor": UserFactory(email="revisor@riksrevisjonen.no", role="auditor",
                               office=NATIONAL),
        "auditor_innlandet": UserFactory(email="revisor@sfin.no", role="auditor",
                                         office="innlandet"),
        "admin": UserFactory(email="admin@helsedir.no", role="admin"),
        "author": UserFactory(email="skjema@helsedir.no", role="author"),
    }


REPORTER = "rapportor@kommune.no"


def make_coordinator(*numbers: str, email: str = REPORTER) -> User:
    """A coordinator for several municipalities, for the tests that fill in the reports of
    more than one: only a coordinator fills in and submits a report, never an admin."""
    return UserFactory(email=email, numbers=list(numbers))


LAVTERSKEL_2022 = "lavterskel-psykisk-helse/2022"


def make_round(key: str = LAVTERSKEL_2022, amounts: dict[str, int] | None = None,
               deadline: dt.date = dt.date(2023, 4, 1), grace_days: int = 14) -> Round:
    """A round with grants (kommunenummer -> kroner), by default lavterskel 2022 with
    grants to 3405 Lillehammer (Innlandet) and 0301 Oslo (outside Innlandet), as in the
    letter: opt-out by 22 April 2022, paid 29 April 2022, report due 1 April 2023."""
    rounds.sync_schemes()
    created = rounds.create_round(key, rounds.RoundDates(
        opens_on=dt.date(2023, 1, 9), deadline=deadline, grace_days=grace_days,
        opt_out_deadline=dt.date(2022, 4, 22), payment_date=dt.date(2022, 4, 29)),
        budget=100_000_000)
    for number, amount in (amounts or {"3405": 1_234_567, "0301": 5_000_000}).items():
        db.session.add(Grant(round=created, municipality_number=number, amount=amount))
    db.session.commit()
    return created


QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"


def shipped_texts(slug: str) -> dict[str, str]:
    """The shipped questionnaire, scheme entry and rules of a scheme, as an author would
    paste them into the workspace (the scheme entry as a one-item list from schemes.yaml)."""
    entries = (QUESTIONNAIRES / "schemes" / "schemes.yaml").read_text("utf-8")
    blocks = re.split(r"(?m)^(?=- slug: )", entries)
    entry = next(b for b in blocks if b.startswith(f"- slug: {slug}\n"))
    return {"questionnaire": (QUESTIONNAIRES / f"{slug}.v1.yaml").read_text("utf-8"),
            "scheme": entry.rstrip("\n") + "\n",
            "rules": (QUESTIONNAIRES / "rules" / f"{slug}.yaml").read_text("utf-8")}


def shipped_draft(slug: str, title: str = "Lavterskel") -> AuthorDraft:
    texts = shipped_texts(slug)
    draft = AuthorDraft(title=title, questionnaire_text=texts["questionnaire"],
                        scheme_text=texts["scheme"], rules_text=texts["rules"],
                        created_by="skjema@helsedir.no", updated_by="skjema@helsedir.no")
    db.session.add(draft)
    db.session.flush()
    return draft

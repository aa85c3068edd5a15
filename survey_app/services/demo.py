"""Demo data for a development checkout: the register, one user per role, and rounds.

Idempotent: what exists is left exactly as it is, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import AuthorDraft, Mailbox, Municipality, User
from survey_app.offices import NATIONAL
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.services import register
from survey_app.services.demo_rounds import seed_rounds
from survey_app.services.publishing import dump_entry, publish_seed, scheme_entries_of
from survey_app.services.users import create_user


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str
    role: str
    description: str
    municipalities: tuple[str, ...] = ()
    office: str | None = None  # a reviewer's or auditor's scope: NATIONAL or an office
    approves_decisions: bool = False  # approves repayment decisions another reviewer drafted


DEMO_USERS = (
    DemoUser("koordinator@demo.kommune.no", "demo-koordinator", "coordinator",
             "coordinator for 3405 Lillehammer and 1577 Volda", ("3405", "1577")),
    DemoUser("saksbehandler@demo.helsedir.no", "demo-saksbehandler", "reviewer",
             "national reviewer (Helsedirektoratet)", office=NATIONAL),
    DemoUser("saksbehandler@demo.statsforvalteren.no", "demo-statsforvalter", "reviewer",
             "reviewer at Statsforvalteren i Innlandet", office="innlandet"),
    DemoUser("revisor@demo.revisjon.no", "demo-revisor", "auditor", "national auditor",
             office=NATIONAL),
    DemoUser("admin@demo.helsedir.no", "demo-administrator", "admin", "administrator"),
    DemoUser("direktor@demo.helsedir.no", "demo-direktor", "reviewer",
             "national reviewer who approves decisions (Helsedirektoratet)",
             office=NATIONAL, approves_decisions=True),
    DemoUser("skjema@demo.helsedir.no", "demo-skjemaforfatter", "author",
             "questionnaire author (Helsedirektoratet)"),
)


@dataclass
class SeedReport:
    municipalities_added: int
    users_added: list[str]
    rounds_added: list[str]
    postboxes_added: int = 0


EXAMPLE_DRAFT = "Eksempel: lavterskel-psykisk-helse"
EXAMPLE_SCHEME = "lavterskel-psykisk-helse"


def _example_draft(directory: Path) -> None:
    """A draft for the demo author to open: the shipped lavterskel scheme's three texts, as
    published (so it checks without problems and publishing it changes nothing)."""
    if db.session.scalar(sa.select(AuthorDraft.id).where(AuthorDraft.title == EXAMPLE_DRAFT)):
        return
    entry = next((e for e in scheme_entries_of(directory) if e["slug"] == EXAMPLE_SCHEME), None)
    form = directory / f"{EXAMPLE_SCHEME}.v1.yaml"
    if entry is None or not form.is_file():  # a folder without the shipped scheme
        return
    rules = directory / "rules" / f"{EXAMPLE_SCHEME}.yaml"
    db.session.add(AuthorDraft(
        title=EXAMPLE_DRAFT, questionnaire_text=form.read_text("utf-8"),
        scheme_text=dump_entry(entry),
        rules_text=rules.read_text("utf-8") if rules.is_file() else "",
        created_by="demo", updated_by="demo"))


def demo_postbox(number: str) -> str:
    """A municipality's demo post box. Clearly fake: `.example` is reserved by RFC 2606 and
    never resolves, so a demo letter cannot reach a real municipality's postmottak."""
    return f"postmottak@k{number}.kommune.example"


def _postboxes() -> int:
    """A demo post box for every number of the register (either numbering, so the 2022
    round's letters find 3001 Halden's); a registered one is left as it is."""
    have = set(db.session.scalars(sa.select(Mailbox.number)))
    numbers = sorted(set(db.session.scalars(sa.select(Municipality.number).distinct())) - have)
    db.session.add_all(Mailbox(number=n, email=demo_postbox(n)) for n in numbers)
    return len(numbers)


def seed() -> SeedReport:
    result = register.import_register(
        register.SHIPPED_REGISTER.read_text("utf-8"), source="shipped register")
    if result.errors:
        raise RuntimeError("the shipped register does not import: " + "; ".join(result.errors))
    added = []
    for demo in DEMO_USERS:
        if db.session.scalar(sa.select(User.id).where(User.email == demo.email)):
            continue
        user, _generated = create_user(demo.email, demo.role,
                                       municipalities=demo.municipalities, office=demo.office,
                                       password=demo.password, name=demo.description,
                                       # printed in the README, for development only
                                       check_strength=False)
        user.approves_decisions = demo.approves_decisions
        added.append(demo.email)
    directory = Path(current_app.config.get("QUESTIONNAIRES_DIR") or DEFAULT_DIRECTORY)
    publish_seed(directory, current_app.extensions["questionnaires"])
    _example_draft(directory)
    boxes = _postboxes()
    db.session.commit()
    return SeedReport(result.added, added, seed_rounds(dt.date.today()).created, boxes)

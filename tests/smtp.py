"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), and its inbox.

Use it with ``from tests.smtp import smtp_server  # noqa: F401`` in a test module.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest

from tests.conftest import missing


@dataclass
class Inbox:
    """What the server received, in order; thread-safe, as the server runs in its own."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def config(self) -> dict[str, object]:
        """Settings that make the app deliver to this server."""
        return {"MAIL_BACKEND": "smtp", "SMTP_HOST": self.host, "SMTP_PORT": self.port,
                "SMTP_STARTTLS": False, "MAIL_FROM": "Tilskudd <ikke-svar@helsedir.test>"}


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.inbox.lock:
            self.inbox.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing("aiosmtpd", "pip install -e '.[dev]'")
    inbox = Inbox("127.0.0.1", _free_port())
    controller = Controller(_Handler(inbox), hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


# The cast of the mail tests --------------------------------------------------------------

BASE_URL = "https://rapport.example.no"
LINK = re.compile(re.escape(BASE_URL) + r"/invitasjon/([A-Za-z0-9_\-]+)")
LILLEHAMMER_POSTBOX = "postmottak@lillehammer.kommune.no"
KLEPP_COORDINATOR = "koordinator@klepp.kommune.no"  # no password yet
OSLO_COORDINATOR = "koord@oslo.kommune.no"  # has a password


def add_mail_cast() -> None:
    """On top of the `lavterskel` round (3405 Lillehammer, 0301 Oslo): a grant to 1120
    Klepp, which writes nynorsk; Lillehammer's post box; a Klepp coordinator who has no
    password yet and an Oslo coordinator who has one. One recipient per grant."""
    from survey_app.extensions import db
    from survey_app.models import Grant, Mailbox, User, UserMunicipality
    from survey_app.services.rounds import find_round
    from tests.factories import LAVTERSKEL_2022, UserFactory

    db.session.add(Grant(round=find_round(LAVTERSKEL_2022), municipality_number="1120",
                         amount=250_000))
    db.session.add(Mailbox(number="3405", email=LILLEHAMMER_POSTBOX))
    db.session.add(User(email=KLEPP_COORDINATOR, role="coordinator",
                        municipalities=[UserMunicipality(number="1120")]))
    db.session.commit()
    UserFactory(email=OSLO_COORDINATOR, numbers=["0301"])


def link_in(message: EmailMessage) -> str:
    """The path of the personal link in a mail."""
    match = LINK.search(message.get_content())
    assert match, "the mail has no personal link"
    return "/invitasjon/" + match.group(1)

"""Deadline day, simulated: a seeded database, gunicorn on loopback and coordinators
driving it over HTTP, then the database checked for lost, duplicated or half-written
submissions.

Shared by `bench/deadline_day.py` (357 coordinators, figures) and `tests/load/`
(smaller, asserted). Nothing here is timed against a goal; timings are only recorded.

Each simulated coordinator signs in, loads and saves three pages (services, users,
importance) through the web, opens the summary and submits. The other three pages
(economy, conditions, declaration) are seeded beforehand through the service layer
(`responses.start` + `responses.save_page`, the functions the page view calls), so
that the submit is valid while the load is the issue's "three pages and a submit".
Some coordinators double-click: the same key posted twice at once.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from forms.answers import answers_hash, answers_to_json, evaluate
from forms.builder import FormData
from survey_app import create_app
from survey_app.config import finalise
from survey_app.extensions import db
from survey_app.models import AuditEvent, Submission
from survey_app.services import register, responses
from survey_app.services.users import create_user
from tests.factories import PASSWORD, make_round
from tests.report.test_flow import PAGES

REPO = Path(__file__).resolve().parents[2]
SLUG, YEAR = "lavterskel-psykisk-helse", 2022
HTTP_SECTIONS = ("services", "users", "importance")
SEEDED_SECTIONS = ("economy", "conditions", "declaration")
# Production refuses a weak key (config._check_secret_keys): 32 random bytes, fixed here.
SECRET_KEY = "5f0c1e9a7b3d42c6a8e4f1b0d9c7a3e25b6f8d1c4a7e0b3f9d2c5a8e1b4f7a0c"
HASH_METHOD = "pbkdf2:sha256:1000"  # cheap: the load is on the service, not on scrypt

# A complete, valid lavterskel report: the pages of tests/report/test_flow.py (economy's
# amounts are the grant's own, see answers_of).
_ANSWERS = PAGES


@dataclass(frozen=True)
class Coordinator:
    email: str
    number: str
    amount: int

    @property
    def report(self) -> str:
        return f"/rapporter/{SLUG}/{YEAR}/{self.number}"


def answers_of(section: str, amount: int) -> dict[str, object]:
    if section == "economy":
        return {"received": str(amount), "used_amount": str(amount)}
    return dict(_ANSWERS[section])


# ---- the database ---------------------------------------------------------------------------


def make_app(database_url: str) -> Flask:
    """The app in-process, for seeding and checking (never serves the load)."""
    return create_app({"APP_ENV": "testing", "SECRET_KEY": SECRET_KEY,
                       "DATABASE_URL": database_url, "PASSWORD_HASH_METHOD": HASH_METHOD})


@contextmanager
def app_context(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def prepare_database(database_url: str, count: int,
                     seeded: Iterable[str] = SEEDED_SECTIONS) -> list[Coordinator]:
    """Migrates an empty database, loads the register and makes the round with `count`
    grants and coordinators (password tests.factories.PASSWORD); returns the cast."""
    with app_context(database_url):
        flask_migrate.upgrade()
        result = register.import_register(register.SHIPPED_REGISTER.read_text("utf-8"),
                                          source="load test")
        assert not result.errors, result.errors
        cast = _make_cast(count)
        _seed_pages(cast, tuple(seeded))
    return cast


def _make_cast(count: int) -> list[Coordinator]:
    # The municipalities of the round's year: a grant is made to the municipality as it
    # was on 1 January of the grant year (356 in 2022; 357 only from the 2024 reform).
    numbers = sorted(m.number for m in register.register_for_year(YEAR))
    if count > len(numbers):
        raise ValueError(f"the register has {len(numbers)} municipalities in {YEAR}, "
                         f"not {count}")
    cast = [Coordinator(f"koord{n}@kommune{n}.no", n, 1_000_000 + 1_000 * i)
            for i, n in enumerate(numbers[:count])]
    make_round(amounts={c.number: c.amount for c in cast},
               deadline=dt.date.today() + dt.timedelta(days=30))
    for coordinator in cast:
        create_user(coordinator.email, "coordinator", municipalities=[coordinator.number],
                    password=PASSWORD)
    return cast


def _seed_pages(cast: list[Coordinator], sections: tuple[str, ...]) -> None:
    if not sections:
        return
    for coordinator in cast:
        grant = responses.find_grant(SLUG, YEAR, coordinator.number)
        assert grant is not None
        response = responses.start(grant, coordinator.email)
        for section in sections:
            data = FormData(answers_of(section, coordinator.amount)).as_dict()
            saved = responses.save_page(response.id, section, data, response.version,
                                        coordinator.email)
            assert saved.conflict is None


# ---- gunicorn -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """gunicorn serving `wsgi:app` on 127.0.0.1, in its own process group."""

    database_url: str
    workdir: Path
    workers: int = 4
    # Sync workers, as the README's production command: one FIFO accept queue for all
    # workers. gthread (threads > 1) queues per worker, which made the tails twice as long.
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    access_log: bool = False  # gunicorn's own time per request, for `service_times`

    @property
    def log_path(self) -> Path:
        return self.workdir / f"gunicorn-{self.starts}.log"

    def _access_path(self, start: int) -> Path:
        return self.workdir / f"access-{start}.log"

    def command(self) -> list[str]:
        worker = ["--worker-class", "gthread", "--threads", str(self.threads)] \
            if self.threads > 1 else ["--worker-class", "sync"]
        access = ["--access-logfile", str(self._access_path(self.starts)),
                  "--access-logformat", "%(m)s %(U)s %(s)s %(M)s"] if self.access_log else []
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), *worker, "--timeout", "60",
                "--graceful-timeout", "5", "--backlog", "1024", *access, "wsgi:app"]

    def service_times(self) -> Timings:
        """Per step, the time gunicorn spent on each request (from the request read to the
        response written): the service's own share of what the client waited."""
        times = Timings()
        for start in range(1, self.starts + 1):
            path = self._access_path(start)
            for line in path.read_text("utf-8").splitlines() if path.exists() else []:
                method, url, _status, milliseconds = line.split()
                times.add(step_of(method, url), int(milliseconds) / 1000)
        return times

    def environment(self) -> dict[str, str]:
        instance = self.workdir / "instance"
        instance.mkdir(exist_ok=True)
        return {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": SECRET_KEY,
                "APP_ENV": "production", "MAIL_BACKEND": "outbox",
                # The coordinators sign in with passwords (production: providers only).
                "PASSWORD_SIGN_IN": "all",
                "INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1"}

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=REPO, env=self.environment(), stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n"
                                   f"{self.log()[-3000:]}")
            if self._answers() and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn not ready in {timeout:.0f} s:\n{self.log()[-3000:]}")

    def _answers(self) -> bool:
        try:
            return fetch(self.port, "GET", "/logg-inn", timeout=5).status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children_of(self.process.pid)

    def kill_all(self) -> None:
        """kill -9 the master and every worker at once (a power cut of the service)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stops gunicorn and its workers, gently then by force; safe to call twice."""
        if self.process is None:
            return
        try:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=15)
            _kill_group(self.process.pid)  # workers orphaned by a killed master
        finally:
            self.process = None

    def log(self) -> str:
        texts = [(self.workdir / f"gunicorn-{n}.log") for n in range(1, self.starts + 1)]
        return "".join(p.read_text("utf-8", "replace") for p in texts if p.exists())


def server_errors(log: str, killed: bool = False) -> list[str]:
    """Tracebacks and lock errors the service logged (a 500 is logged with its traceback).
    After a kill the master's own "[ERROR] Worker ... was sent SIGKILL" is expected."""
    marks = ("Traceback", "database is locked") if killed else \
        ("Traceback", "database is locked", "[ERROR]", "[CRITICAL]")
    return [f"server log: {line}" for line in log.splitlines()
            if any(mark in line for mark in marks)]


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ")"
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


# ---- HTTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    body: str
    cookies: list[str]


def fetch(port: int, method: str, path: str, form: dict[str, object] | None = None,
          cookie: str = "", timeout: float = 60) -> Answer:
    """One request on its own connection (no keep-alive races with the server)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close", "Accept-Language": "nb"}
        body = None
        if cookie:
            headers["Cookie"] = cookie
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        text = reply.read().decode("utf-8", "replace")
        return Answer(reply.status, reply.getheader("Location") or "", text,
                      reply.headers.get_all("Set-Cookie") or [])
    finally:
        connection.close()


def step_of(method: str, path: str) -> str:
    """The journey's name for a request (as `Browser.call` records it)."""
    if path == "/logg-inn":
        return "sign-in" if method == "POST" else "sign-in page"
    if "/side/" in path:
        return "page save" if method == "POST" else "page load"
    for ending, step in (("/oppsummering", "summary"), ("/send", "submit")):
        if path.endswith(ending):
            return step
    return "receipt" if "/kvittering/" in path else path


class Timings:
    """Seconds per step, from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.steps: dict[str, list[float]] = defaultdict(list)

    def add(self, step: str, seconds: float) -> None:
        with self._lock:
            self.steps[step].append(seconds)


class UnexpectedAnswer(Exception):
    """The service answered, but not as a working service would."""


class Browser:
    """One coordinator's browser: its own cookie jar, one request at a time (except
    the double click). The Secure flag is ignored: production cookies over loopback."""

    def __init__(self, port: int, timings: Timings) -> None:
        self.port, self.timings = port, timings
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()

    def _cookie_header(self) -> str:
        with self._lock:
            return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _keep(self, set_cookies: list[str]) -> None:
        with self._lock:
            for line in set_cookies:
                name, _, value = line.split(";", 1)[0].partition("=")
                if value and "expires=thu, 01 jan 1970" not in line.lower():
                    self.cookies[name.strip()] = value.strip()
                else:
                    self.cookies.pop(name.strip(), None)

    def call(self, step: str, method: str, path: str, expect: int,
             form: dict[str, object] | None = None) -> Answer:
        started = time.perf_counter()
        answer = fetch(self.port, method, path, form, self._cookie_header())
        self.timings.add(step, time.perf_counter() - started)
        self._keep(answer.cookies)
        if answer.status != expect:
            raise UnexpectedAnswer(f"{step}: {method} {path} answered {answer.status}, "
                                   f"expected {expect}: {answer.body[:300]!r}")
        return answer


def hidden_value(page: str, name: str) -> str:
    marker = f'name="{name}"'
    at = page.find(marker)
    if at < 0:
        raise UnexpectedAnswer(f"the page has no {name} field")
    start = page.index('value="', at) + len('value="')
    return page[start:page.index('"', start)]


# ---- the coordinator ------------------------------------------------------------------------


@dataclass
class Journey:
    """What happened to one coordinator; `acknowledged` holds each 303's receipt address."""

    coordinator: Coordinator
    browser: Browser
    double_click: bool = False
    key: str = ""
    csrf: str = ""
    acknowledged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.key) and not self.problems


def sign_in(journey: Journey) -> None:
    browser = journey.browser
    form = browser.call("sign-in page", "GET", "/logg-inn", 200).body
    answer = browser.call("sign-in", "POST", "/logg-inn", 302, {
        "email": journey.coordinator.email, "password": PASSWORD,
        "csrf_token": hidden_value(form, "csrf_token")})
    if "/logg-inn" in answer.location:
        raise UnexpectedAnswer(f"sign-in refused: back to {answer.location}")


def save_pages(journey: Journey, sections: Iterable[str]) -> None:
    coordinator, browser = journey.coordinator, journey.browser
    for section in sections:
        path = f"{coordinator.report}/side/{section}"
        page = browser.call("page load", "GET", path, 200).body
        answer = browser.call("page save", "POST", path, 302, {
            **answers_of(section, coordinator.amount), "go": "next",
            "version": hidden_value(page, "version"),
            "csrf_token": hidden_value(page, "csrf_token")})
        if "/side/" + section in answer.location:
            raise UnexpectedAnswer(f"{section} not accepted: {answer.location}")


def open_summary(journey: Journey) -> None:
    page = journey.browser.call("summary", "GET", f"{journey.coordinator.report}/oppsummering",
                                200).body
    journey.key = hidden_value(page, "key")
    journey.csrf = hidden_value(page, "csrf_token")


def prepare(journey: Journey, sections: Iterable[str] = HTTP_SECTIONS) -> Journey:
    """Everything up to the submit button; problems are recorded, not raised."""
    return _guarded(journey, lambda: (sign_in(journey), save_pages(journey, sections),
                                      open_summary(journey)))


def _post_send(journey: Journey) -> None:
    answer = journey.browser.call("submit", "POST", f"{journey.coordinator.report}/send", 303,
                                  {"key": journey.key, "csrf_token": journey.csrf})
    journey.acknowledged.append(answer.location)


def submit(journey: Journey) -> Journey:
    """Posts the summary's key (twice at once for a double click); each 303 is kept."""
    if not journey.ready:
        return journey
    if not journey.double_click:
        return _guarded(journey, lambda: _post_send(journey))
    clicks = [threading.Thread(target=_guarded, args=(journey, lambda: _post_send(journey)))
              for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    if len(set(journey.acknowledged)) > 1:
        journey.problems.append(f"double click got two receipts: {journey.acknowledged}")
    return journey


def open_receipt(journey: Journey) -> Journey:
    if journey.acknowledged and not journey.problems:
        _guarded(journey, lambda: journey.browser.call("receipt", "GET",
                                                       journey.acknowledged[0], 200))
    return journey


def _guarded(journey: Journey, action: Callable[[], object]) -> Journey:
    try:
        action()
    except UnexpectedAnswer as error:
        journey.problems.append(f"{journey.coordinator.number}: {error}")
    except (OSError, http.client.HTTPException) as error:
        # refused, reset, closed, or cut off in the middle of an answer: the server went
        # away; such a request is not acknowledged, and the replay settles it
        journey.interrupted.append(f"{journey.coordinator.number}: {error!r}")
    return journey


def journeys(cast: list[Coordinator], port: int, timings: Timings,
             double_click_every: int = 10) -> list[Journey]:
    """One journey per coordinator; every n-th double-clicks submit (0: nobody)."""
    return [Journey(c, Browser(port, timings),
                    double_click=bool(double_click_every) and i % double_click_every == 0)
            for i, c in enumerate(cast)]


def whole_day(journey: Journey) -> Journey:
    prepare(journey)
    submit(journey)
    return open_receipt(journey)


def run_all(action: Callable[[Journey], Journey], items: list[Journey],
            concurrency: int) -> list[Journey]:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(action, items))


# ---- checking the database afterwards -------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One grant's report as the database holds it."""

    number: str
    status: str | None
    grant_status: str
    complete: bool
    submissions: list[tuple[int, str, str, bool]]  # id, key, answers hash, hash of answers ok


def expected_hashes(cast: list[Coordinator]) -> dict[str, str]:
    """The answers hash each coordinator's submit must store (needs an app context)."""
    hashes = {}
    for coordinator in cast:
        grant = responses.find_grant(SLUG, YEAR, coordinator.number)
        assert grant is not None
        pages = {s: FormData(answers_of(s, coordinator.amount)).as_dict()
                 for s in (*HTTP_SECTIONS, *SEEDED_SECTIONS)}
        evaluation = evaluate(responses.questionnaire_of(grant, None), pages,
                              responses.context_of(grant))
        hashes[coordinator.number] = answers_hash(answers_to_json(evaluation.answers))
    return hashes


def stored_reports(cast: list[Coordinator]) -> dict[str, Stored]:
    found = {}
    for coordinator in cast:
        grant = responses.find_grant(SLUG, YEAR, coordinator.number)
        assert grant is not None
        response = responses.response_of(grant)
        complete = response is not None and responses.evaluation_of(grant, response, "nb").ok
        submissions = [(s.id, s.idempotency_key, s.answers_hash,
                        s.answers_hash == answers_hash(s.answers))
                       for s in (response.submissions if response else [])]
        found[coordinator.number] = Stored(coordinator.number,
                                           response.status if response else None,
                                           str(grant.status), complete, submissions)
    return found


def problems_in(stored: Stored, expected_hash: str, acknowledged_key: str | None,
                must_be_submitted: bool) -> list[str]:
    """What is wrong with one grant's stored report, in words."""
    n, problems = stored.number, []
    if len(stored.submissions) > 1:
        problems.append(f"{n}: duplicated: {len(stored.submissions)} submissions")
    if (acknowledged_key or must_be_submitted) and not stored.submissions:
        problems.append(f"{n}: lost: acknowledged/required submit has no submission")
    for _, key, stored_hash, hash_ok in stored.submissions:
        if acknowledged_key is not None and key != acknowledged_key:
            problems.append(f"{n}: submission key {key} is not the acknowledged one")
        if not hash_ok or stored_hash != expected_hash:
            problems.append(f"{n}: half-written: answers do not match what was sent")
    if bool(stored.submissions) != (stored.status == "submitted"):
        problems.append(f"{n}: response status {stored.status} with "
                        f"{len(stored.submissions)} submission(s)")
    if stored.submissions and (not stored.complete or stored.grant_status != "reported"):
        problems.append(f"{n}: submitted but pages complete={stored.complete}, "
                        f"grant {stored.grant_status}")
    return problems


def check_database(database_url: str, cast: list[Coordinator],
                   acknowledged: dict[str, str], must_be_submitted: bool) -> list[str]:
    """Lost, duplicated or half-written reports, and the audit trail's count; `acknowledged`
    is kommunenummer -> the key whose submit got a 303."""
    with app_context(database_url):
        hashes = expected_hashes(cast)
        problems = [p for number, stored in stored_reports(cast).items()
                    for p in problems_in(stored, hashes[number], acknowledged.get(number),
                                         must_be_submitted)]
        submissions = db.session.scalar(sa.select(sa.func.count(Submission.id)))
        audited = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "response.submit"))
        if submissions != audited:
            problems.append(f"{submissions} submissions but {audited} submit audit events")
    return problems + integrity_problems(database_url)


def submission_rows(database_url: str) -> set[tuple[Any, ...]]:
    """Every submission as (id, response, number, key, answers hash): to compare snapshots."""
    with app_context(database_url):
        return {tuple(row) for row in db.session.execute(sa.select(
            Submission.id, Submission.response_id, Submission.number,
            Submission.idempotency_key, Submission.answers_hash))}


# ---- integrity ------------------------------------------------------------------------------

_INVARIANTS = {
    "duplicate idempotency keys": "SELECT idempotency_key FROM submissions "
                                  "GROUP BY idempotency_key HAVING count(*) > 1",
    "two responses for one grant": "SELECT grant_id FROM responses "
                                   "GROUP BY grant_id HAVING count(*) > 1",
    "submission without response": "SELECT s.id FROM submissions s "
                                   "LEFT JOIN responses r ON r.id = s.response_id "
                                   "WHERE r.id IS NULL",
    "response without grant": "SELECT r.id FROM responses r "
                              "LEFT JOIN grants g ON g.id = r.grant_id WHERE g.id IS NULL",
}


def integrity_problems(database_url: str) -> list[str]:
    """The database's own check (SQLite integrity_check and foreign_key_check; PostgreSQL
    amcheck on every B-tree index) and the unique and foreign-key invariants by query."""
    engine = sa.create_engine(make_app_url(database_url))
    try:
        with engine.connect() as connection:
            problems = [f"{name}: {rows}" for name, query in _INVARIANTS.items()
                        if (rows := connection.execute(sa.text(query)).all())]
            if engine.dialect.name == "sqlite":
                return problems + _sqlite_checks(connection)
            return problems + _postgres_checks(connection)
    finally:
        engine.dispose()


def make_app_url(database_url: str) -> str:
    config: dict[str, Any] = {"APP_ENV": "testing", "SECRET_KEY": SECRET_KEY,
                              "DATABASE_URL": database_url}
    finalise(config)
    return str(config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_checks(connection: sa.Connection) -> list[str]:
    integrity = [row[0] for row in connection.execute(sa.text("PRAGMA integrity_check"))]
    foreign = connection.execute(sa.text("PRAGMA foreign_key_check")).all()
    return ([f"integrity_check: {integrity}"] if integrity != ["ok"] else []) + \
        ([f"foreign_key_check: {foreign}"] if foreign else [])


def _postgres_checks(connection: sa.Connection) -> list[str]:
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS amcheck"))
    indexes = connection.execute(sa.text(
        "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE a.amname = 'btree' AND n.nspname = 'public'")).all()
    for oid, _name in indexes:  # raises on a corrupt index
        connection.execute(sa.text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
    connection.commit()
    return [] if indexes else ["amcheck found no indexes to check"]


# ---- figures --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0..1)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def figures(timings: Timings) -> list[tuple[str, int, float, float, float]]:
    """(step, requests, p50 ms, p95 ms, p99 ms) per step, in the order of the journey."""
    order = ["sign-in page", "sign-in", "page load", "page save", "summary", "submit",
             "receipt"]
    steps = sorted(timings.steps, key=lambda s: order.index(s) if s in order else 99)
    return [(step, len(values), *(1000 * percentile(values, q) for q in (0.5, 0.95, 0.99)))
            for step in steps if (values := timings.steps[step])]

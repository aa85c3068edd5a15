"""The hostile-route walk against gunicorn, with faulthandler on, looking for dead workers.

    .venv/bin/python scripts/hostile_gunicorn.py                  # SQLite file in a temp dir
    .venv/bin/python scripts/hostile_gunicorn.py --db postgresql  # a throwaway PostgreSQL

Seeds the demo data (plus a claim and mails, as tests/test_hostile_routes.py does), finds
the valid addresses and forms in-process, starts `gunicorn -w 2 wsgi:app` (sync workers)
with PYTHONFAULTHANDLER=1, signs in every demo role over HTTP and sends every hostile
value of the test to every path argument, query filter and form field, for every role,
`--rounds` times. Then reads the log: a worker killed by a signal ("was sent SIGSEGV",
"Fatal Python error", "Segmentation fault"), a traceback, a 5xx answer or a changed
worker pid is reported; exit 1 if any.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate

from survey_app.extensions import db
from survey_app.services import demo
from tests import test_hostile_routes as walk
from tests.conftest import csrf_token_in
from tests.load import harness

# SIGTERM is the walk's own stop at the end, not a crash.
CRASH = re.compile(r"SIGSEGV|SIGBUS|SIGABRT|SIGKILL|Fatal Python error|Segmentation fault|"
                   r"exited with code|Traceback")


class Http:
    """One role's browser over raw HTTP: paths are sent exactly as built (%FF stays %FF)."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}  # type: ignore[var-annotated]
        self.token = ""
        self.location = ""

    def send(self, method: str, path: str, query: str = "", body: str = "") -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Connection": "close", "Accept-Language": "nb",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path + (f"?{query}" if query else ""),
                               body=body.encode("ascii") if method == "POST" else None,
                               headers=headers)
            reply = connection.getresponse()
            self.location = reply.getheader("Location") or ""
            text = reply.read().decode("utf-8", "replace")
            for line in reply.headers.get_all("Set-Cookie") or []:
                name, _, value = line.split(";", 1)[0].partition("=")
                if value and "expires=thu, 01 jan 1970" not in line.lower():
                    self.cookies[name.strip()] = value.strip()
                else:
                    self.cookies.pop(name.strip(), None)
            return reply.status, text
        finally:
            connection.close()

    def sign_in(self, role: str) -> None:
        self.cookies.clear()
        _, page = self.send("GET", "/logg-inn")
        if role != "anonymous":
            account = walk.DEMO_ACCOUNT[role]
            body = walk._query([("email", walk.encode(account.email)),
                                ("password", walk.encode(account.password)),
                                ("csrf_token", walk.encode(csrf_token_in(page)))])
            status, _ = self.send("POST", "/logg-inn", body=body)
            assert status == 302, f"{role} could not sign in: {status}"
            status, page, path = 302, "", "/"
            while status == 302:  # the start page sends each role to its own
                status, page = self.send("GET", path)
                path = self.location or "/"
        self.token = csrf_token_in(page)


class GunicornWith(harness.Server):
    """The load harness's gunicorn, with extra command-line options (to compare runs)."""

    extra: list[str] = []

    def command(self) -> list[str]:
        command = super().command()
        return [*command[:-1], *self.extra, command[-1]]


def requests_for(site: walk.Site, value: str, role_token: str, only: set[str]) -> Iterator[
        tuple[str, str, str, str]]:
    """(method, path, query, body) of the three sweeps for one hostile value."""
    token = walk.encode(role_token)
    for rule in walk.RULES:
        if only and rule.endpoint not in only:
            continue
        base = dict((site.valid_args.get(rule.endpoint) or [{}])[0])
        base.update({n: sorted(site.arg_pool.get(n, {"1"}))[0]
                     for n in rule.arguments if n not in base})
        method = "GET" if "GET" in rule.methods else "POST"
        for name in sorted(rule.arguments):
            yield method, walk._path(rule, {**base, name: value}), "", walk._query(
                [("csrf_token", token)])
        if "GET" in rule.methods:
            names = sorted(site.query_names.get(rule.endpoint, set())
                           | set(walk.HOSTILE_QUERY_NAMES))
            yield "GET", walk._path(rule, base), walk._query([(n, value) for n in names]), ""
        if "POST" in rule.methods and rule.endpoint not in walk.SESSION_ENDPOINTS:
            names = sorted({n for n, _ in site.fields.get(rule.endpoint, [])}) or ["reason"]
            yield "POST", walk._path(rule, base), "", walk._query([("csrf_token", token)] + [
                (n, token if n.endswith("csrf_token") else value) for n in names])


def prepare(url: str, workdir: Path) -> walk.Site:
    app = harness.make_app(url)
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()  # as the test does: the models, even mid-way to a migration
        else:
            flask_migrate.upgrade()
        demo.seed()
        start = walk._seed_extras()
    site = walk.Site(app, {}, {}, {}, {}, {}, {})
    for role in walk.ROLES:
        site.sign_in(role)
        walk._crawl(site, role, start)
    with app.app_context():
        db.engine.dispose()
    return site


def walk_all(site: walk.Site, port: int, args: argparse.Namespace) -> tuple[int, list[str]]:
    """Sends every request of the sweeps as every role; (requests answered, problems)."""
    problems: list[str] = []
    sent = 0
    browsers = {role: Http(port) for role in walk.ROLES}
    for role, browser in browsers.items():
        browser.sign_in(role)
    values = walk.HOSTILE if args.all else walk.SWEEP
    for _ in range(args.rounds):
        for value in values:
            for role, browser in browsers.items():
                for method, path, query, body in requests_for(site, value, browser.token,
                                                              set(args.only)):
                    try:
                        status, _ = browser.send(method, path, query, body)
                    except (OSError, http.client.HTTPException) as error:
                        problems.append(f"{role} {method} {path}: no answer: {error}")
                        continue
                    sent += 1
                    if status >= 500:
                        problems.append(f"{role} {method} {path}?{query[:200]} -> {status}")
    return sent, problems


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp, \
            harness_database(args.db, Path(tmp)) as url:
        site = prepare(url, Path(tmp))
        server = GunicornWith(url, Path(tmp), workers=2, threads=1)
        server.extra = args.gunicorn_arg
        os.environ["PYTHONFAULTHANDLER"] = "1"  # a dying worker prints its Python stack
        started = time.perf_counter()
        with harness.serving(server):
            pids = server.worker_pids()
            sent, problems = walk_all(site, server.port, args)
            if server.worker_pids() != pids:
                problems.append(f"worker pids changed: {pids} -> {server.worker_pids()}")
        log = server.log()
    seconds = time.perf_counter() - started
    lines = log.splitlines()
    problems += [f"log: {line}" for line in lines if CRASH.search(line)]
    for at, line in enumerate(lines):  # faulthandler's stack of the dying worker
        if "Fatal Python error" in line or "Traceback" in line:
            print("\n".join(lines[max(at - 3, 0):at + 60]))
    values = len(walk.HOSTILE if args.all else walk.SWEEP)
    print(f"== hostile walk under gunicorn -w 2 (sync) {' '.join(args.gunicorn_arg)} on "
          f"{args.db}: {sent} requests in {seconds:.0f} s, {values} hostile values × "
          f"{len(walk.ROLES)} roles × {args.rounds} rounds")
    print(f"problems: {len(problems)}")
    for problem in problems[:40]:
        print(f"  {problem}")
    return 1 if problems else 0


def harness_database(kind: str, workdir: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from deadline_day import database

    return database(kind, workdir)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", action="append", default=[],
                        help="only this endpoint (e.g. preview.section); may repeat")
    parser.add_argument("--gunicorn-arg", action="append", default=[],
                        help="passed to gunicorn, e.g. --gunicorn-arg=--no-control-socket")
    parser.add_argument("--all", action="store_true",
                        help="every hostile value of the test, not one of each kind")
    sys.exit(run(parser.parse_args()))

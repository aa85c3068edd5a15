"""Submit throughput against gunicorn: our page save and submit vs a bare Flask route.

`.venv/bin/python bench/run.py submit` (or `.venv/bin/python bench/submit.py`). One run,
one machine, the same gunicorn settings (`tests/load/harness.py`'s `Server`: 4 sync
workers as in the README's production command, loopback, `APP_ENV=production`) and the
same client (the harness's `Browser`/`fetch`: one connection per request, a cookie jar
per coordinator):

* **ours** — a database prepared by the harness (migrations, the register, the
  lavterskel round, one coordinator per grant) with five of the six pages seeded through
  the service layer. Untimed: every coordinator signs in and loads the services page for
  its `version` and CSRF token. Timed: `COUNT` page-save POSTs (services, → 302), one per
  report; untimed: every coordinator opens the summary for its one-time key; timed:
  `COUNT` submit POSTs (`/send`, → 303), each a fresh report, so each is a real
  submission (evaluation, the submission row, audit event, receipt mail to the outbox).
* **bare** — `bench/bare_app.py` (one route returning "ok") served by the same gunicorn
  command; the same POST body as the page save. Ours runs in `ROUNDS` chunks, each
  between two rounds of the bare route (`BARE_ROUNDS` times a chunk's requests), and
  each side's rounds are merged: the shared machine's speed drifts by a factor of two
  within a minute, and interleaving makes the drift weigh on both alike.

The ratio is ours/bare time per request at `CONCURRENCY` clients (wall clock per request,
i.e. the inverse of the throughputs); p50/p95 latencies are printed beside. Goal for the
submit (issue 12): at most 15× the bare route.
`BENCH_SUBMIT_N` (reports, default 150, at most 356) and `BENCH_SUBMIT_CLIENTS` (default
16) shrink or widen it; `BENCH_SUBMIT_DB=postgresql` runs ours on a throwaway PostgreSQL
(tests/pgserver.py) instead of a SQLite file. The default run takes about 30–45 s.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH), str(BENCH.parent)) if p not in sys.path]

import sqlalchemy as sa  # noqa: E402
from render import Result  # noqa: E402

from survey_app.extensions import db  # noqa: E402
from survey_app.models import Submission  # noqa: E402
from tests.load import harness  # noqa: E402

COUNT = int(os.environ.get("BENCH_SUBMIT_N", "150"))
DATABASE = os.environ.get("BENCH_SUBMIT_DB", "sqlite")
CONCURRENCY = int(os.environ.get("BENCH_SUBMIT_CLIENTS", "16"))
BARE_ROUNDS = 8  # the bare route is fast: more requests for a steadier figure
ROUNDS = 5  # ours in this many chunks, each between two rounds of the bare route
SECTION = "services"
SEEDED = tuple(s for s in (*harness.HTTP_SECTIONS, *harness.SEEDED_SECTIONS) if s != SECTION)


# ---- driving many requests ------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """`count` requests by `concurrency` clients: wall clock and per-request latencies."""

    name: str
    count: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def ms(self, share: float) -> float:
        return 1000 * harness.percentile(self.latencies, share)

    def line(self) -> str:
        return (f"{self.name}: {self.per_second:.1f} req/s ({self.count} in "
                f"{self.seconds:.1f} s), p50 {self.ms(0.5):.0f} ms, p95 {self.ms(0.95):.0f} ms")


def drive(name: str, tasks: list[Callable[[], object]], concurrency: int) -> Phase:
    """Runs every task on a pool of `concurrency` threads; a task that raises (an
    unexpected status) fails the benchmark rather than being counted."""

    def timed(task: Callable[[], object]) -> float:
        started = time.perf_counter()
        task()
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        started = time.perf_counter()
        latencies = list(pool.map(timed, tasks))
        seconds = time.perf_counter() - started
    return Phase(name, len(tasks), seconds, latencies)


def untimed(tasks: list[Callable[[], object]], concurrency: int) -> None:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda task: task(), tasks))


def merged(name: str, *phases: Phase) -> Phase:
    """Several rounds of the same requests as one phase."""
    return Phase(name, sum(p.count for p in phases), sum(p.seconds for p in phases),
                 [latency for p in phases for latency in p.latencies])


def abba(a: tuple[str, list[Callable[[], object]]], b: tuple[str, list[Callable[[], object]]],
         concurrency: int) -> tuple[Phase, Phase]:
    """A's first half, B's first half, B's second half, A's second half: a drift in the
    machine's other load weighs on both alike. Returns (A, B) merged."""
    (name_a, tasks_a), (name_b, tasks_b) = a, b
    half_a, half_b = len(tasks_a) // 2, len(tasks_b) // 2
    a1 = drive(name_a, tasks_a[:half_a], concurrency)
    b1 = drive(name_b, tasks_b[:half_b], concurrency)
    b2 = drive(name_b, tasks_b[half_b:], concurrency)
    a2 = drive(name_a, tasks_a[half_a:], concurrency)
    return merged(name_a, a1, a2), merged(name_b, b1, b2)


def ratio_result(name: str, ours: Phase, floor: Phase, goal: float | None = None) -> Result:
    """ours/floor time per request (= floor/ours throughput)."""
    return Result(name, floor.per_second / ours.per_second, goal,
                  f"ours {ours.per_second:.1f} req/s (p50 {ours.ms(0.5):.0f} ms, "
                  f"p95 {ours.ms(0.95):.0f} ms) vs {floor.per_second:.1f} req/s "
                  f"(p50 {floor.ms(0.5):.0f} ms, p95 {floor.ms(0.95):.0f} ms)")


# ---- the servers ----------------------------------------------------------------------------


class BareServer(harness.Server):
    """The harness's gunicorn command and settings, serving `bench/bare_app.py`."""

    def command(self) -> list[str]:
        return [*super().command()[:-1], "bench.bare_app:app"]


# ---- ours -----------------------------------------------------------------------------------


@dataclass
class Client:
    """One coordinator with its report's services form, ready to post."""

    journey: harness.Journey
    form: dict[str, object]


def signed_in(coordinator: harness.Coordinator, port: int) -> Client:
    journey = harness.Journey(coordinator, harness.Browser(port, harness.Timings()))
    harness.sign_in(journey)
    page = journey.browser.call("page load", "GET", f"{coordinator.report}/side/{SECTION}",
                                200).body
    form = {**harness.answers_of(SECTION, coordinator.amount), "go": "next",
            "version": harness.hidden_value(page, "version"),
            "csrf_token": harness.hidden_value(page, "csrf_token")}
    return Client(journey, form)


def save(client: Client) -> None:
    report = client.journey.coordinator.report
    answer = client.journey.browser.call("page save", "POST", f"{report}/side/{SECTION}", 302,
                                         client.form)
    if f"/side/{SECTION}" in answer.location:
        raise harness.UnexpectedAnswer(f"{SECTION} not accepted: {answer.location}")


def send(client: Client) -> None:
    journey = client.journey
    journey.browser.call("submit", "POST", f"{journey.coordinator.report}/send", 303,
                         {"key": journey.key, "csrf_token": journey.csrf})


def bare_post(port: int, form: dict[str, object]) -> Callable[[], object]:
    browser = harness.Browser(port, harness.Timings())
    return lambda: browser.call("bare", "POST", "/rapporter/bare/side/services", 200, form)


def interleaved(name: str, tasks: list[Callable[[], object]],
                bare_tasks: list[Callable[[], object]]) -> tuple[Phase, Phase]:
    """Ours in ROUNDS chunks, each between two rounds of the bare route: the machine is
    shared and its speed drifts by a factor of two within a minute, which then weighs on
    both alike. Returns (ours, bare), each merged over its rounds."""
    size = -(-len(tasks) // ROUNDS)
    ours, bare = [], [drive("bare Flask route", bare_tasks, CONCURRENCY)]
    for start in range(0, len(tasks), size):
        ours.append(drive(name, tasks[start:start + size], CONCURRENCY))
        bare.append(drive("bare Flask route", bare_tasks, CONCURRENCY))
    return merged(name, *ours), merged("bare Flask route", *bare)


def measure(cast: list[harness.Coordinator], ours: int, bare: int) -> dict[str, Phase]:
    clients = [signed_in(c, ours) for c in cast]
    # A bare round takes about as many requests as a chunk of ours, times BARE_ROUNDS: it
    # is fast, and a round shorter than a few hundred requests is mostly ramp-up.
    per_round = BARE_ROUNDS * -(-len(clients) // ROUNDS)
    bare_tasks = [bare_post(bare, clients[i % len(clients)].form) for i in range(per_round)]
    phases: dict[str, Phase] = {}
    phases["save"], phases["bare (save)"] = interleaved(
        "page save POST", [lambda c=c: save(c) for c in clients], bare_tasks)
    untimed([lambda c=c: harness.open_summary(c.journey) for c in clients], CONCURRENCY)
    phases["submit"], phases["bare (submit)"] = interleaved(
        "submit POST /send", [lambda c=c: send(c) for c in clients], bare_tasks)
    return phases


def check(database_url: str, server: harness.Server, count: int) -> None:
    """Every submit stored once and nothing logged as an error: else the figures lie."""
    problems = harness.server_errors(server.log())
    with harness.app_context(database_url):
        stored = db.session.scalar(sa.select(sa.func.count(Submission.id)))
    if stored != count:
        problems.append(f"{stored} submissions stored for {count} submits")
    if problems:
        raise RuntimeError("submit benchmark invalid:\n" + "\n".join(problems[:20]))


@contextmanager
def database(workdir: Path) -> Iterator[str]:
    if DATABASE == "sqlite":
        yield f"sqlite:///{workdir / 'submit.db'}"
        return
    from tests.pgserver import PostgresServer

    server = PostgresServer.start()
    try:
        yield server.create_database("bench_submit")
    finally:
        server.stop()


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as tmp:
        workdir = Path(tmp)
        (workdir / "bare").mkdir()
        with database(workdir) as url:
            cast = harness.prepare_database(url, COUNT, seeded=SEEDED)
            ours, bare = harness.Server(url, workdir), BareServer(url, workdir / "bare")
            with harness.serving(ours), harness.serving(bare):
                phases = measure(cast, ours.port, bare.port)
            check(url, ours, len(cast))
    for phase in phases.values():
        print(phase.line())
    return [ratio_result(f"submit: page save vs bare Flask ({DATABASE}, {CONCURRENCY} clients)",
                         phases["save"], phases["bare (save)"]),
            ratio_result(f"submit: submit POST vs bare Flask ({DATABASE}, {CONCURRENCY} clients)",
                         phases["submit"], phases["bare (submit)"], goal=15.0)]


if __name__ == "__main__":
    for result in run():
        print(f"{result.name}: {result.ratio:.2f}×  {result.detail}")

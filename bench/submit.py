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

`BENCH_SUBMIT_BEFORE=/path/to/another/checkout` measures that tree ("before", e.g. the
last commit exported with `git archive`) beside this one in the same run: a database
and a gunicorn each, the same cast, every round of the bare route followed by a chunk
of each tree's requests (their order alternating), so a change is compared with what it
replaces under the same load and against the same floor.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
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
BEFORE = os.environ.get("BENCH_SUBMIT_BEFORE")  # another checkout to measure beside this one
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


@dataclass
class TreeServer(harness.Server):
    """The harness's gunicorn command and settings, serving another checkout's `wsgi:app`
    (gunicorn's --chdir puts that tree first on the workers' path)."""

    tree: str = ""

    def command(self) -> list[str]:
        return [*super().command()[:-1], "--chdir", self.tree, "wsgi:app"]


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


def interleaved(variants: dict[str, list[Callable[[], object]]],
                bare_tasks: list[Callable[[], object]]) -> dict[str, Phase]:
    """Ours in ROUNDS chunks, each between two rounds of the bare route: the machine is
    shared and its speed drifts by a factor of two within a minute, which then weighs on
    both alike. With two trees (`BENCH_SUBMIT_BEFORE`), a chunk of each follows every bare
    round, the first of them alternating. Returns each variant and the bare route
    ("bare"), each merged over its rounds."""
    size = -(-len(next(iter(variants.values()))) // ROUNDS)
    done: dict[str, list[Phase]] = {name: [] for name in variants}
    bare = [drive("bare Flask route", bare_tasks, CONCURRENCY)]
    names = list(variants)
    for number, start in enumerate(range(0, len(variants[names[0]]), size)):
        for name in names if number % 2 == 0 else names[::-1]:
            done[name].append(drive(name, variants[name][start:start + size], CONCURRENCY))
        bare.append(drive("bare Flask route", bare_tasks, CONCURRENCY))
    return {**{name: merged(name, *phases) for name, phases in done.items()},
            "bare": merged("bare Flask route", *bare)}


def measure(cast: list[harness.Coordinator], trees: dict[str, int],
            bare: int) -> dict[str, Phase]:
    """`trees`: the port serving each tree ("" this one, "before" BENCH_SUBMIT_BEFORE)."""
    clients = {tree: [signed_in(c, port) for c in cast] for tree, port in trees.items()}
    first = next(iter(clients.values()))
    # A bare round takes about as many requests as a chunk of ours, times BARE_ROUNDS: it
    # is fast, and a round shorter than a few hundred requests is mostly ramp-up.
    per_round = BARE_ROUNDS * -(-len(first) // ROUNDS)
    bare_tasks = [bare_post(bare, first[i % len(first)].form) for i in range(per_round)]
    phases: dict[str, Phase] = {}
    saves = interleaved({_named("page save POST", tree): [lambda c=c: save(c) for c in cs]
                         for tree, cs in clients.items()}, bare_tasks)
    for tree in clients:
        phases[_named("save", tree)] = saves[_named("page save POST", tree)]
    phases["bare (save)"] = saves["bare"]
    for cs in clients.values():
        untimed([lambda c=c: harness.open_summary(c.journey) for c in cs], CONCURRENCY)
    sends = interleaved({_named("submit POST /send", tree): [lambda c=c: send(c) for c in cs]
                         for tree, cs in clients.items()}, bare_tasks)
    for tree in clients:
        phases[_named("submit", tree)] = sends[_named("submit POST /send", tree)]
    phases["bare (submit)"] = sends["bare"]
    return phases


def _named(name: str, tree: str) -> str:
    return f"{name} ({tree})" if tree else name


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
def databases(workdir: Path, names: list[str]) -> Iterator[list[str]]:
    """One fresh database per tree measured."""
    if DATABASE == "sqlite":
        yield [f"sqlite:///{workdir / f'submit{name}.db'}" for name in names]
        return
    from tests.pgserver import PostgresServer

    server = PostgresServer.start()
    try:
        yield [server.create_database(f"bench_submit{name}") for name in names]
    finally:
        server.stop()


def run() -> list[Result]:
    trees = ["", "before"] if BEFORE else [""]
    with tempfile.TemporaryDirectory(prefix="bench-submit-") as tmp:
        workdir = Path(tmp)
        (workdir / "bare").mkdir()
        with databases(workdir, trees) as urls:
            servers: dict[str, harness.Server] = {}
            cast: list[harness.Coordinator] = []
            for tree, url in zip(trees, urls, strict=True):
                cast = harness.prepare_database(url, COUNT, seeded=SEEDED)
                (workdir / (tree or "ours")).mkdir()
                servers[tree] = (TreeServer(url, workdir / tree, tree=str(BEFORE)) if tree
                                 else harness.Server(url, workdir / "ours"))
            bare = BareServer(urls[0], workdir / "bare")
            with ExitStack() as stack:
                for server in (*servers.values(), bare):
                    stack.enter_context(harness.serving(server))
                phases = measure(cast, {t: s.port for t, s in servers.items()}, bare.port)
            for tree, url in zip(trees, urls, strict=True):
                check(url, servers[tree], len(cast))
    for phase in phases.values():
        print(phase.line())
    results = []
    for tree in trees:
        where = f"{DATABASE}, {CONCURRENCY} clients" + (f", {tree}" if tree else "")
        results += [ratio_result(f"submit: page save vs bare Flask ({where})",
                                 phases[_named("save", tree)], phases["bare (save)"]),
                    ratio_result(f"submit: submit POST vs bare Flask ({where})",
                                 phases[_named("submit", tree)], phases["bare (submit)"],
                                 goal=15.0)]
    return results


if __name__ == "__main__":
    for result in run():
        print(f"{result.name}: {result.ratio:.2f}×  {result.detail}")

"""Deadline day: 356 coordinators save three pages and submit at once, against gunicorn.

    .venv/bin/python bench/deadline_day.py                  # SQLite file in a temp dir
    .venv/bin/python bench/deadline_day.py --db postgresql  # a throwaway PostgreSQL

Sets up a fresh database (migrations, the shipped register, the lavterskel 2022 round
with one grant and one coordinator per municipality, the last three pages seeded through
the service layer), starts gunicorn on a free loopback port, runs every coordinator's
journey (sign in, load and save three pages, summary, submit — every tenth a double
click —, receipt) with a bounded pool, then checks the database: no lost, duplicated or
half-written submission, the integrity check passes. Prints p50/p95/p99 per step and
exits 1 on any error. The machinery is `tests/load/harness.py`, shared with the tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.load import harness


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--coordinators", type=int, default=356,
                        help="one per municipality of the 2022 round (at most 356)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (gthread); 1 means sync workers, as the "
                             "README's production command")
    parser.add_argument("--concurrency", type=int, default=48,
                        help="coordinators in flight at once")
    parser.add_argument("--double-click-every", type=int, default=10)
    return parser.parse_args(argv)


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'deadline.db'}"
        return
    from tests.pgserver import PostgresServer

    server = PostgresServer.start()
    try:
        yield server.create_database("deadline_day")
    finally:
        server.stop()


def report(args: argparse.Namespace, timings: harness.Timings, served: harness.Timings,
           seconds: dict[str, float], journeys: list[harness.Journey],
           problems: list[str]) -> None:
    print(f"\n== deadline day on {args.db}: {args.coordinators} coordinators, "
          f"{args.workers} workers × {args.threads} threads, {args.concurrency} at once")
    print(f"setup {seconds['setup']:.1f} s, load {seconds['load']:.1f} s, "
          f"check {seconds['check']:.1f} s")
    print("what the coordinators waited (client), and gunicorn's own time per request (server):")
    print(f"{'step':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'server p50':>12}{'p99':>6}")
    own = {step: (p50, p99) for step, _, p50, _, p99 in harness.figures(served)}
    for step, count, p50, p95, p99 in harness.figures(timings):
        server_p50, server_p99 = own.get(step, (0.0, 0.0))
        print(f"{step:<14}{count:>9}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}"
              f"{server_p50:>12.0f}{server_p99:>6.0f}")
    requests = sum(len(v) for v in timings.steps.values())
    submitted = sum(1 for j in journeys if j.acknowledged)
    print(f"total: {requests} requests, {requests / seconds['load']:.0f} requests/s, "
          f"{submitted} submits acknowledged, "
          f"{sum(j.double_click for j in journeys)} double clicks")
    print(f"errors: {len(problems)}")
    for problem in problems[:30]:
        print(f"  {problem}")


def run(args: argparse.Namespace) -> int:
    seconds: dict[str, float] = {}
    timings = harness.Timings()
    with tempfile.TemporaryDirectory(prefix="deadline-day-") as tmp, \
            database(args.db, Path(tmp)) as url:
        started = time.perf_counter()
        cast = harness.prepare_database(url, args.coordinators)
        seconds["setup"] = time.perf_counter() - started
        server = harness.Server(url, Path(tmp), workers=args.workers, threads=args.threads,
                                access_log=True)
        with harness.serving(server):
            started = time.perf_counter()
            journeys = harness.run_all(
                harness.whole_day,
                harness.journeys(cast, server.port, timings, args.double_click_every),
                args.concurrency)
            seconds["load"] = time.perf_counter() - started
        problems = [p for j in journeys for p in j.problems + j.interrupted]
        problems += harness.server_errors(server.log())
        served = server.service_times()
        started = time.perf_counter()
        acknowledged = {j.coordinator.number: j.key for j in journeys if j.acknowledged}
        problems += harness.check_database(url, cast, acknowledged, must_be_submitted=True)
        seconds["check"] = time.perf_counter() - started
    report(args, timings, served, seconds, journeys, problems)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(run(arguments(sys.argv[1:])))

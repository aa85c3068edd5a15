"""kill -9 in the middle of submits: every acknowledged submit survives whole, nothing is
half-written, replaying the same posts creates nothing new, the database is intact.

Forty coordinators get as far as the summary; then all forty press submit at once
(every fifth twice), and once five receipts have come back either the whole of gunicorn
(master and workers) or one worker is killed with SIGKILL. The service comes back (a
restart, or the master's new worker), the database is checked, and every submit is
posted again with its key — twice — as a browser retrying would.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.load import harness

COORDINATORS = 40
KILL_AFTER_RECEIPTS = 5


class Killer(threading.Thread):
    """Runs `kill` once enough submits have been acknowledged; keeps what went wrong
    for the test to raise (an exception in a thread would only be a warning)."""

    def __init__(self, journeys: list[harness.Journey], kill: Callable[[], None]) -> None:
        super().__init__()
        self.journeys, self.kill = journeys, kill
        self.error: BaseException | None = None
        self.receipts_before_kill = 0

    def run(self) -> None:
        try:
            until = time.monotonic() + 60
            while time.monotonic() < until and self._receipts() < KILL_AFTER_RECEIPTS:
                time.sleep(0.002)
            self.receipts_before_kill = self._receipts()
            self.kill()
        except BaseException as error:  # handed to the test thread
            self.error = error

    def _receipts(self) -> int:
        return sum(bool(j.acknowledged) for j in self.journeys)


def kill_one_worker(server: harness.Server) -> None:
    """kill -9 the worker holding the most sockets: a gthread worker accepts connections
    eagerly and queues them, so one worker may hold every open submit while the other idles;
    killing an idle worker would interrupt nothing and prove nothing."""
    os.kill(max(server.worker_pids(), key=open_sockets), signal.SIGKILL)


def open_sockets(pid: int) -> int:
    """Sockets a process holds (listener, accepted clients, database connections)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:  # closed while we looked
            continue
    return count


def replay(journeys: list[harness.Journey]) -> dict[str, str]:
    """Posts every summary's key once more (no double clicks); kommunenummer -> receipt."""
    for journey in journeys:
        journey.acknowledged, journey.interrupted, journey.double_click = [], [], False
    harness.run_all(harness.submit, journeys, concurrency=10)
    problems = [p for j in journeys for p in j.problems + j.interrupted]
    assert problems == []
    return {j.coordinator.number: j.acknowledged[0] for j in journeys}


@pytest.mark.parametrize("victim", ["gunicorn", "worker"])
def test_a_kill_in_the_middle_of_submits_loses_nothing_acknowledged_and_halves_nothing(
        empty_database: str, tmp_path: Path, victim: str) -> None:
    cast = harness.prepare_database(empty_database, COORDINATORS)
    server = harness.Server(empty_database, tmp_path, workers=2, threads=4)
    try:
        server.start()
        journeys = harness.journeys(cast, server.port, harness.Timings(), double_click_every=5)
        harness.run_all(harness.prepare, journeys, concurrency=10)
        assert all(j.ready for j in journeys), [j.problems for j in journeys]

        kill = server.kill_all if victim == "gunicorn" else (lambda: kill_one_worker(server))
        killer = Killer(journeys, kill)
        killer.start()
        harness.run_all(harness.submit, journeys, concurrency=COORDINATORS)
        killer.join()
        if killer.error is not None:
            raise killer.error
        assert [p for j in journeys for p in j.problems] == []  # no 5xx, no wrong answer
        receipts = {j.coordinator.number: j.acknowledged[0] for j in journeys if j.acknowledged}
        keys = {number: next(j.key for j in journeys if j.coordinator.number == number)
                for number in receipts}
        assert len(receipts) >= KILL_AFTER_RECEIPTS
        assert any(j.interrupted for j in journeys), \
            f"the kill came after every submit ({killer.receipts_before_kill} receipts)"

        if victim == "gunicorn":
            server.start()  # the same port, database and secret key: sessions still valid
        else:
            server.wait_ready(60)  # the master has replaced the worker
        # Every acknowledged submit is there, whole; nothing is half-written.
        assert harness.check_database(empty_database, cast, keys, must_be_submitted=False) == []
        before = harness.submission_rows(empty_database)

        # A browser retrying: the same posts with the same keys.
        again = replay(journeys)
        assert {n: again[n] for n in receipts} == receipts  # the same receipts as before
        after = harness.submission_rows(empty_database)
        assert before <= after  # acknowledged rows untouched
        # New rows only for submits that never committed; now every grant has exactly one.
        all_keys = {j.coordinator.number: j.key for j in journeys}
        assert harness.check_database(empty_database, cast, all_keys,
                                      must_be_submitted=True) == []
        assert replay(journeys) == again
        assert harness.submission_rows(empty_database) == after  # nothing new
        assert harness.server_errors(server.log(), killed=True) == []
    finally:
        server.stop()

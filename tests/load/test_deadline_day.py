"""Deadline day in small: 40 coordinators at once against gunicorn with two sync workers
(the README's production command; tests/load/test_faults.py runs gthread), each saving
three pages and submitting (every fifth with a double click). Nothing is lost, nothing
is duplicated, nothing fails. Timings are recorded, never asserted."""

from __future__ import annotations

from pathlib import Path

from tests.load import harness

COORDINATORS = 40


def test_forty_coordinators_submitting_at_once_lose_and_duplicate_nothing(
        empty_database: str, tmp_path: Path) -> None:
    cast = harness.prepare_database(empty_database, COORDINATORS)
    server = harness.Server(empty_database, tmp_path, workers=2, access_log=True)
    waited = harness.Timings()
    with harness.serving(server):
        journeys = harness.run_all(
            harness.whole_day,
            harness.journeys(cast, server.port, waited, double_click_every=5),
            concurrency=20)

    assert [p for j in journeys for p in j.problems + j.interrupted] == []
    assert all(j.acknowledged for j in journeys)  # every coordinator got a receipt
    assert sum(len(j.acknowledged) == 2 for j in journeys) == COORDINATORS // 5
    assert harness.server_errors(server.log()) == []
    # gunicorn's own time was recorded for every request the coordinators timed (the
    # benchmark prints both); the sign-in page also answered the readiness probes.
    served = server.service_times().steps
    for step in ("sign-in", "page load", "page save", "summary", "submit", "receipt"):
        assert len(served[step]) == len(waited.steps[step]), step
    assert len(served["sign-in page"]) >= len(waited.steps["sign-in page"])
    acknowledged = {j.coordinator.number: j.key for j in journeys}
    assert harness.check_database(empty_database, cast, acknowledged,
                                  must_be_submitted=True) == []

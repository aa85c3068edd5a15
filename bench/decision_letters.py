"""Grant decision letters: queuing the round's letters against rendering one letter × N.

Side by side in one run, on a fresh SQLite database with the shipped register and
`lavterskel-psykisk-helse/2022` allocated by population (356 grants, a post box each):

* **A — the service**: `services.decision_letters.queue_decisions` for N grants (the first
  N by kommunenummer): the letters' HTML, their PDFs (in worker processes, one per CPU),
  the allocation list as PDF and xlsx, the outbox rows, attachments and audit events,
  one commit per letter.
* **B — the floor**: the one letter for 3405 Lillehammer made into a PDF N times in this
  process, one after another (WeasyPrint's cost alone, no database).

Goal (issue 16): A under 60 s for 356 letters on the 2-core machine; the ratio A/B is
printed (below 1 means the workers win back more than the database work costs).
`python bench/decision_letters.py 20` for a quick run; the default N is the round's 356.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH.parent),) if p not in sys.path]

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Grant, Mailbox  # noqa: E402
from survey_app.pdf import html_to_pdf  # noqa: E402
from survey_app.services import decision_letters, grants, register, rounds  # noqa: E402
from survey_app.services.decisions import oslo_today  # noqa: E402

KEY = "lavterskel-psykisk-helse/2022"
GOAL_SECONDS = 60.0  # for the whole round (356)


def _setup(folder: Path) -> Flask:
    app = create_app({"TESTING": True, "APP_ENV": "testing", "SECRET_KEY": "bench-secret",
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                      "MAIL_BACKEND": "outbox"})
    with app.app_context():
        db.create_all()
        register.import_register(register.SHIPPED_REGISTER.read_text("utf-8"), source="bench")
        rounds.sync_schemes()
        round_ = rounds.create_round(KEY, rounds.RoundDates(
            opens_on=dt.date(2023, 1, 9), deadline=dt.date(2023, 4, 1), grace_days=14,
            opt_out_deadline=dt.date(2022, 4, 22), payment_date=dt.date(2022, 4, 29)),
            budget=100_000_000)
        db.session.commit()
        grants.allocate(round_, 100_000_000, grants.population_key(round_.year))
        numbers = db.session.scalars(sa.select(Grant.municipality_number)).all()
        db.session.add_all(Mailbox(number=n, email=f"postmottak@k{n}.kommune.no")
                           for n in numbers)
        db.session.commit()
    return app


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = _setup(Path(tmp))
        with app.app_context():
            round_ = rounds.find_round(KEY)
            numbers = sorted(db.session.scalars(sa.select(Grant.municipality_number)))[:n]
            one = decision_letters.letter_of(
                next(g for g in grants.grants_of(round_) if g.municipality_number == "3405"),
                decision_letters.texts_for(round_), 100_000_000,
                oslo_today(), "postmottak@k3405.kommune.no")
            html = decision_letters.letter_html(one)
            html_to_pdf(html)  # warm the fonts once, for B as for A's workers
            start = time.perf_counter()
            summary = decision_letters.queue_decisions(round_, only=numbers)
            a = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(len(numbers)):
                html_to_pdf(html)
            b = time.perf_counter() - start
    print(f"decision letters, N = {len(numbers)} ({summary.line()})")
    print(f"  A queue the round's letters : {a:7.2f} s  ({a / len(numbers) * 1000:6.1f} ms each)")
    print(f"  B render one letter × N     : {b:7.2f} s  ({b / len(numbers) * 1000:6.1f} ms each)")
    verdict = (f"{'within' if a < GOAL_SECONDS else 'OVER'} the goal of {GOAL_SECONDS:.0f} s"
               if len(numbers) == 356 else f"the goal, {GOAL_SECONDS:.0f} s, is for N = 356")
    print(f"  A/B = {a / b:.2f}; {verdict} (A includes the two allocation lists' PDFs, "
          "several pages each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 356)

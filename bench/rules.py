"""Repayment rules over a round: all rules of the lavterskel scheme applied to 357 and to
100 000 synthetic grants, as the per-1 000-grant cost at both sizes (linear: ratio ≈ 1),
and the whole deadline job (`flags compute`) on a SQLite round of 357 grants.

Run alone: `.venv/bin/python bench/run.py rules` (BENCH_RULES_LARGE=20000 for a quick run).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import tempfile
import time
from decimal import Decimal

from render import Result

from forms.loader import load_directory
from forms.rules import load_rules
from survey_app.questionnaires import DEFAULT_DIRECTORY
from survey_app.rules.repayment import evaluate

SMALL, LARGE = 357, int(os.environ.get("BENCH_RULES_LARGE", "100000"))
PHASES = ("on_submit", "after_deadline")


def synthetic_facts(count: int) -> list[dict[str, object]]:
    chance = random.Random(357)  # noqa: S311 - benchmark data
    facts = []
    for _ in range(count):
        amount = Decimal(chance.randint(50_000, 2_000_000))
        submitted = chance.random() < 0.9
        facts.append({
            "grant.amount": amount, "grant.year": 2022, "report.submitted": submitted,
            "report.late": False, "grant.position_percent": Decimal(0),
            "received": amount if submitted else None,
            "used_amount": (amount * Decimal(chance.choice(["1", "0.8", "0.95"]))
                            if submitted else None),
            "used_for_mapping": submitted and chance.random() < 0.05,
            "mapping_amount": Decimal(10_000),
            "transferred_to_next_year": submitted and chance.random() < 0.05,
            "transferred_amount": Decimal(5_000)})
    return facts


def per_thousand(rule_set, facts: list[dict[str, object]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()  # collected before, not during: the same for both sizes
        try:
            started = time.perf_counter()
            for values in facts:
                evaluate(rule_set, values, PHASES)
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best / len(facts) * 1000


def job_seconds() -> tuple[float, float]:
    """`flags compute` on the demo round: the first run (raising) and a repeat (none)."""
    import sqlalchemy as sa

    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import Flag, FlagEvent
    from survey_app.services import demo, flags, rounds

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"APP_ENV": "testing", "SECRET_KEY": "bench",
                          "DATABASE_URL": f"sqlite:///{folder}/bench.db"})
        with app.app_context():
            db.create_all()
            demo.seed()
            # The demo has run the job already: start from a round without flags.
            db.session.execute(sa.delete(FlagEvent))
            db.session.execute(sa.delete(Flag))
            db.session.commit()
            round_ = rounds.find_round("lavterskel-psykisk-helse/2022")
            times = []
            for _ in range(2):
                started = time.perf_counter()
                flags.compute_round(round_, dt.date(2023, 5, 1))
                times.append(time.perf_counter() - started)
            db.engine.dispose()
    return times[0], times[1]


def run() -> list[Result]:
    questionnaires = load_directory(DEFAULT_DIRECTORY).questionnaires
    rule_set = load_rules(DEFAULT_DIRECTORY / "rules", questionnaires).for_scheme(
        "lavterskel-psykisk-helse")
    small = per_thousand(rule_set, synthetic_facts(SMALL), repeat=20)
    large = per_thousand(rule_set, synthetic_facts(LARGE), repeat=3)
    first, repeat = job_seconds()
    print(f"rules: {small * 1000:.1f} ms per 1 000 grants at {SMALL}, "
          f"{large * 1000:.1f} ms per 1 000 at {LARGE}; a round of {SMALL}: "
          f"{small * SMALL / 1000 * 1000:.1f} ms")
    print(f"flags compute (SQLite, {SMALL} grants): first run {first:.2f} s, "
          f"repeat {repeat:.2f} s")
    return [
        Result(f"rule evaluation per 1 000 grants, {LARGE} vs {SMALL}", large / small, 1.5,
               f"{small * 1000:.1f} → {large * 1000:.1f} ms per 1 000 (linear: ≈1×)"),
        Result(f"rules for a round of {SMALL} vs the 0.2 s budget",
               small * SMALL / 1000 / 0.2, 1.0,
               f"{small * SMALL:.1f} ms of 200 ms"),
        Result(f"flags compute repeat vs first run ({SMALL} grants, SQLite)",
               repeat / first, None, f"{repeat:.2f} s vs {first:.2f} s (repeat writes nothing)"),
    ]

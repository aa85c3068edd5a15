"""The rounds and grants commands, as an administrator runs them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Grant, GrantEvent, Round

LAVTERSKEL = "lavterskel-psykisk-helse/2022"


def run(runner, *args: str):
    return runner.invoke(args=[str(a) for a in args])


def create_lavterskel(runner) -> None:
    result = run(runner, "rounds", "create", LAVTERSKEL, "--opens", "09.01.2023",
                 "--deadline", "2023-04-01", "--grace-days", "14",
                 "--opt-out-deadline", "2022-04-22", "--payment-date", "29.04.2022",
                 "--budget", "100 000 000")
    assert result.exit_code == 0, result.output


def grant_lines(runner, key: str = LAVTERSKEL) -> list[str]:
    result = run(runner, "grants", "list", key)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def amounts(lines: list[str]) -> dict[str, int]:
    return {line.split(";")[0]: int(line.split(";")[2]) for line in lines}


def test_an_admin_creates_a_round_and_lists_it(app, runner):
    create_lavterskel(runner)
    assert run(runner, "rounds", "list").output == f"{LAVTERSKEL};2023-04-01;0;0\n"
    with app.app_context():
        created = db.session.scalar(sa.select(Round))
        assert (created.grace_days, created.budget) == (14, 100_000_000)
        assert db.session.scalar(sa.select(AuditEvent.action)
                                 .where(AuditEvent.object_id == LAVTERSKEL)) == "round.create"


def test_a_round_with_a_bad_date_or_an_unknown_scheme_is_refused(app, runner):
    bad_date = run(runner, "rounds", "create", LAVTERSKEL, "--opens", "31.02.2023",
                   "--deadline", "2023-04-01")
    assert bad_date.exit_code == 2 and "is not a date" in bad_date.output
    unknown = run(runner, "rounds", "create", "nope/2022", "--opens", "2023-01-09",
                  "--deadline", "2023-04-01")
    assert unknown.exit_code == 1 and "There is no scheme 'nope'" in unknown.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Round.id))) == 0


def test_lavterskel_2022_is_allocated_by_population_and_survives_three_opt_outs(app, runner):
    # The shipped register is the 2024 numbering (357 municipalities); 2022 has none
    # loaded, so the nearest numbering, 2024's, is used for the 2022 round.
    create_lavterskel(runner)
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100000000")
    assert result.output == (
        "357 grants allocated in lavterskel-psykisk-helse/2022 by population, "
        "100000000 kr in total.\n")
    before = amounts(grant_lines(runner))
    assert len(before) == 357 and sum(before.values()) == 100_000_000

    for number in ("3405", "0301", "1804"):
        result = run(runner, "grants", "opt-out", LAVTERSKEL, number, "--force")
        assert result.exit_code == 0, result.output
    lines = grant_lines(runner)
    after = amounts(lines)
    assert sum(after.values()) == 100_000_000
    declined = [line for line in lines if line.endswith(";opted_out")]
    assert declined == ["0301;Oslo;0;opted_out", "1804;Bodø;0;opted_out",
                        "3405;Lillehammer;0;opted_out"]
    remaining = {n: a for n, a in after.items() if n not in ("3405", "0301", "1804")}
    assert len(remaining) == 354 and sum(remaining.values()) == 100_000_000
    assert all(remaining[n] >= before[n] for n in remaining)

    with app.app_context():
        oslo = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "0301"))
        history = [(e.reason, e.amount_before, e.amount_after) for e in oslo.events]
        assert history[0] == ("allocated", None, before["0301"])
        assert history[1][0].startswith("opt-out of 3405")
        assert history[-1][0].startswith("opt-out of 0301")
        assert history[-1][2] == 0 and history[-1][1] > before["0301"]
        bergen = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "4601"))
        assert bergen.events[0].amount_after == before["4601"]
        assert len(bergen.events) == 4  # allocated, then changed by each opt-out


def test_an_opt_out_after_the_deadline_needs_force_and_says_so(app, runner):
    create_lavterskel(runner)
    run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100 000 000")
    refused = run(runner, "grants", "opt-out", LAVTERSKEL, "3405")
    assert refused.exit_code == 1
    assert "after the opt-out deadline 2022-04-22" in refused.output
    assert "--force" in refused.output
    assert run(runner, "grants", "opt-out", LAVTERSKEL, "3405", "--force").exit_code == 0
    with app.app_context():
        reasons = db.session.scalars(sa.select(GrantEvent.reason).distinct()).all()
    assert "opt-out of 3405 (forced: after the opt-out deadline 2022-04-22)" in reasons


def test_allocating_twice_is_refused_with_the_way_forward(app, runner):
    create_lavterskel(runner)
    run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000")
    again = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000")
    assert again.exit_code == 1
    assert "already has 357 grants" in again.output and "grants opt-out" in again.output


def test_allocation_by_a_key_file_stores_the_weights(app, runner, tmp_path: Path):
    create_lavterskel(runner)
    key = tmp_path / "key.csv"
    key.write_text("kommunenummer;weight\n3405;1\n0301;2,5\n4601;0,5\n", "utf-8")
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1 000 001", "--key", key)
    assert result.exit_code == 0, result.output
    assert grant_lines(runner) == ["0301;Oslo;625001;allocated",
                                   "3405;Lillehammer;250000;allocated",
                                   "4601;Bergen;125000;allocated"]
    with app.app_context():
        assert db.session.scalar(sa.select(Grant.weight).where(
            Grant.municipality_number == "0301")) == "2.5"


def test_a_bad_key_file_names_each_line(app, runner, tmp_path: Path):
    create_lavterskel(runner)
    key = tmp_path / "key.csv"
    key.write_text("kommunenummer;weight\n3405;x\n9999;1\n3405;2\n", "utf-8")
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key", key)
    assert result.exit_code == 1
    assert "key.csv: line 2: weight 'x' is not a number" in result.output
    assert "key.csv: line 3: unknown kommunenummer 9999" in result.output
    assert "key.csv: line 4: duplicate of line 2 (kommunenummer 3405)" in result.output
    assert grant_lines(runner) == []


def test_grants_list_prints_exactly_number_name_amount_status(runner, lavterskel):
    assert run(runner, "grants", "list", lavterskel).output == (
        "0301;Oslo;5000000;allocated\n3405;Lillehammer;1234567;allocated\n")
    assert run(runner, "rounds", "list").output == f"{lavterskel};2023-04-01;2;6234567\n"


def test_an_unknown_round_says_what_exists(runner, lavterskel):
    result = run(runner, "grants", "list", "lavterskel-psykisk-helse/2021")
    assert result.exit_code == 1
    assert "Rounds of lavterskel-psykisk-helse: 2022" in result.output

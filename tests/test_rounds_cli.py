"""The rounds and grants commands, as an administrator runs them."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AllocationKey, AuditEvent, Grant, GrantEvent, Municipality, Round
from survey_app.services import register

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


def test_an_allocation_without_a_key_is_refused_saying_which_keys_there_are(app, runner):
    create_lavterskel(runner)
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100000000")
    assert result.exit_code == 1
    assert "say which key: --key FILE" in result.output
    assert "--key population" in result.output and "There is no default key" in result.output
    assert grant_lines(runner) == []


def test_lavterskel_2022_by_the_key_population_uses_the_2022_register_and_three_opt_outs(
        app, runner):
    create_lavterskel(runner)
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100000000",
                 "--key", "population")
    assert result.output == (
        "356 grants allocated in lavterskel-psykisk-helse/2022 by the key population "
        "(register 2022), 100000000 kr in total.\n")
    lines = grant_lines(runner)
    before = amounts(lines)
    assert len(before) == 356 and sum(before.values()) == 100_000_000
    assert "3001" in before and "1507" in before and "5401" in before
    assert "1580" not in before and "3101" not in before
    assert any(line.startswith("3001;Halden;") for line in lines)

    for number in ("3405", "0301", "1804"):
        result = run(runner, "grants", "opt-out", LAVTERSKEL, number, "--force")
        assert result.exit_code == 0, result.output
        assert "by the key population" in result.output
    lines = grant_lines(runner)
    after = amounts(lines)
    assert sum(after.values()) == 100_000_000
    declined = [line for line in lines if line.endswith(";opted_out")]
    assert declined == ["0301;Oslo;0;opted_out", "1804;Bodø;0;opted_out",
                        "3405;Lillehammer;0;opted_out"]
    remaining = {n: a for n, a in after.items() if n not in ("3405", "0301", "1804")}
    assert len(remaining) == 353 and sum(remaining.values()) == 100_000_000
    assert all(remaining[n] >= before[n] for n in remaining)

    with app.app_context():
        key = db.session.scalar(sa.select(AllocationKey))
        assert (key.name, key.kind, key.register_year, key.entries) == (
            "population", "population", 2022, 356)
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
    run(runner, "grants", "allocate", LAVTERSKEL, "--total", "100 000 000", "--key",
        "population")
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
    run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key", "population")
    again = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key",
                "population")
    assert again.exit_code == 1
    assert "already has 356 grants" in again.output and "grants opt-out" in again.output


def register_2022(app) -> dict[str, int]:
    """kommunenummer → inhabitants of the 356 municipalities of the 2022 register."""
    with app.app_context():
        return {m.number: m.population for m in register.register_for_year(2022)}


def seed_list(app) -> dict[str, int]:
    """A Directorate-style allocation list for 2022: 356 whole-krone amounts summing to
    seed 000's 100 000 000 (floor of the proportional share, the rest to Oslo)."""
    population = register_2022(app)
    total = sum(population.values())
    listed = {n: 100_000_000 * p // total for n, p in population.items()}
    listed["0301"] += 100_000_000 - sum(listed.values())
    return listed


def write_key(tmp_path: Path, name: str, header: str, rows: dict[str, object]) -> Path:
    path = tmp_path / name
    path.write_text(header + "\n" + "".join(f"{n};{v}\n" for n, v in rows.items()), "utf-8")
    return path


def test_allocation_by_a_key_file_covering_2022_stores_the_key_and_the_weights(
        app, runner, tmp_path: Path):
    create_lavterskel(runner)
    weights: dict[str, object] = dict.fromkeys(register_2022(app), 0)
    weights.update({"3405": 1, "0301": "2,5", "4601": "0,5"})
    key = write_key(tmp_path, "helsenokkel-2022.csv", "kommunenummer;weight", weights)
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1 000 001", "--key", key,
                 "--name", "helsenøkkelen 2022")
    assert result.exit_code == 0, result.output
    assert "by the key helsenøkkelen 2022 (helsenokkel-2022.csv)" in result.output
    assert grant_lines(runner) == ["0301;Oslo;625001;allocated",
                                   "3405;Lillehammer;250000;allocated",
                                   "4601;Bergen;125000;allocated"]
    with app.app_context():
        assert db.session.scalar(sa.select(Grant.weight).where(
            Grant.municipality_number == "0301")) == "2.5"
        key_row = db.session.scalar(sa.select(AllocationKey))
        assert (key_row.name, key_row.kind, key_row.entries) == (
            "helsenøkkelen 2022", "weights", 356)


def test_a_key_that_does_not_cover_the_round_is_refused_and_changes_nothing(
        app, runner, tmp_path: Path):
    create_lavterskel(runner)
    weights: dict[str, object] = dict.fromkeys(register_2022(app), 1)
    del weights["3001"], weights["5401"]
    key = write_key(tmp_path, "key.csv", "kommunenummer;weight", weights)
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key", key)
    assert result.exit_code == 1
    assert ("key.csv: the key does not cover every municipality of 2022: 2 missing "
            "(3001 Halden, 5401 Tromsø); give each of them a weight (0 for none)") in (
                result.output)
    assert grant_lines(runner) == []


def test_a_bad_key_file_names_each_line(app, runner, tmp_path: Path):
    create_lavterskel(runner)
    key = tmp_path / "key.csv"
    key.write_text("kommunenummer;weight\n3405;x\n9999;1\n3405;2\n3101;4\n", "utf-8")
    result = run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key", key)
    assert result.exit_code == 1
    assert "key.csv: line 2: weight 'x' is not a number" in result.output
    assert "key.csv: line 3: unknown kommunenummer 9999" in result.output
    assert "key.csv: line 4: duplicate of line 2 (kommunenummer 3405)" in result.output
    assert ("key.csv: line 5: kommunenummer 3101 (Halden) is of another year's numbering, "
            "not valid on 1 January 2022 (valid from 2024-01-01 onwards); in 2022 the "
            "number is 3001 Halden") in result.output
    assert grant_lines(runner) == []


def test_the_directorates_2022_list_is_the_key_and_three_opt_outs_keep_100_million(
        app, runner, tmp_path: Path):
    create_lavterskel(runner)
    listed = seed_list(app)
    path = write_key(tmp_path, "list.csv", "kommunenummer;beløp", listed)
    result = run(runner, "grants", "import", LAVTERSKEL, path)
    assert result.exit_code == 0, result.output
    assert result.output == ("356 grants imported into lavterskel-psykisk-helse/2022, "
                             "100000000 kr in total (the register of 1 January 2022).\n")
    assert amounts(grant_lines(runner)) == listed
    declined = ("3001", "1507", "4601")
    for number in declined:
        result = run(runner, "grants", "opt-out", LAVTERSKEL, number, "--force")
        assert result.exit_code == 0, result.output
        assert "by the key list.csv" in result.output
    after = amounts(grant_lines(runner))
    assert sum(after.values()) == 100_000_000
    assert all(after[n] == 0 for n in declined)
    # Redistributed by the list itself: each share within a krone of its exact share.
    rest = {n: a for n, a in listed.items() if n not in declined}
    for number, amount in rest.items():
        exact = Fraction(100_000_000 * amount, sum(rest.values()))
        assert abs(after[number] - exact) < 1 and after[number] >= listed[number]
    with app.app_context():
        key = db.session.scalar(sa.select(AllocationKey))
        assert (key.name, key.kind, key.entries) == ("list.csv", "list", 356)
        halden = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3001"))
        first = halden.events[0]
        assert (first.amount_before, first.amount_after) == (None, listed["3001"])
        assert halden.events[-1].amount_after == 0 and len(halden.events) == 2


def test_a_2022_list_with_another_years_numbers_decimals_or_duplicates_changes_nothing(
        app, runner, tmp_path: Path):
    create_lavterskel(runner)
    path = tmp_path / "list.csv"
    path.write_text("kommunenummer;beløp\n3001;1000\n1580;2000\n5501;10\n3405;12,50\n"
                    "3001;5\n", "utf-8")
    result = run(runner, "grants", "import", LAVTERSKEL, path)
    assert result.exit_code == 1
    out = result.output.splitlines()
    assert out[0] == ("list.csv: line 3: kommunenummer 1580 (Haram) is of another year's "
                      "numbering, not valid on 1 January 2022 (valid from 2024-01-01 onwards); "
                      "in 2022 the number is 1507 Ålesund")
    assert out[1].startswith("list.csv: line 4: kommunenummer 5501 (Tromsø) is of another")
    assert out[2] == "list.csv: line 5: amount '12,50' has øre: grants are whole kroner"
    assert out[3] == "list.csv: line 6: duplicate of line 2 (kommunenummer 3001)"
    assert out[4] == "4 problem(s); nothing was imported."
    assert grant_lines(runner) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AllocationKey.id))) == 0


def test_a_round_allocated_by_a_key_refuses_a_list_import(app, runner, tmp_path: Path):
    create_lavterskel(runner)
    run(runner, "grants", "allocate", LAVTERSKEL, "--total", "1000", "--key", "population")
    path = write_key(tmp_path, "list.csv", "kommunenummer;beløp", {"3405": 10})
    result = run(runner, "grants", "import", LAVTERSKEL, path)
    assert result.exit_code == 1
    assert "was allocated by the key population" in result.output


def test_a_year_without_a_register_refuses_allocation_and_import(app, runner, tmp_path: Path):
    create_lavterskel(runner)
    with app.app_context():
        db.session.execute(sa.delete(Municipality).where(
            Municipality.valid_to == dt.date(2024, 1, 1)))
        db.session.commit()
    path = write_key(tmp_path, "list.csv", "kommunenummer;beløp", {"3405": 10})
    for args in (("allocate", LAVTERSKEL, "--total", "1000", "--key", "population"),
                 ("import", LAVTERSKEL, path)):
        result = run(runner, "grants", *args)
        assert result.exit_code == 1
        assert ("No municipality register is valid on 1 January 2022 (the register covers "
                "2024–)") in result.output
    assert grant_lines(runner) == []


def test_grants_list_prints_exactly_number_name_amount_status(runner, lavterskel):
    assert run(runner, "grants", "list", lavterskel).output == (
        "0301;Oslo;5000000;allocated\n3405;Lillehammer;1234567;allocated\n")
    assert run(runner, "rounds", "list").output == f"{lavterskel};2023-04-01;2;6234567\n"


def test_an_unknown_round_says_what_exists(runner, lavterskel):
    result = run(runner, "grants", "list", "lavterskel-psykisk-helse/2021")
    assert result.exit_code == 1
    assert "Rounds of lavterskel-psykisk-helse: 2022" in result.output

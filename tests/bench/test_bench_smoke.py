"""Quick checks that the HTTP benchmarks' fixed parts still fit the service (no timing,
no server, no peer venv): the 30-question questionnaire of `bench/peer.py` loads and
accepts the answers the benchmark posts, and `bench/bare_app.py` answers any path; and
`bench/money.py` runs once, small, on SQLite."""

from __future__ import annotations

from bench import bare_app, money, peer
from forms.builder import validate_section
from forms.loader import load_text


def test_the_peer_benchmark_questionnaire_loads_and_accepts_its_answers():
    questionnaire, problems = load_text(peer.questionnaire_yaml(), f"{peer.SLUG}.v1.yaml")
    assert problems == []
    assert questionnaire is not None
    assert len(list(questionnaire.questions())) == len(peer.QUESTIONS) == 30
    result = validate_section(questionnaire, peer.SECTION, peer.our_answers(), {}, {})
    assert result.errors == {}
    assert len(result.answers) == 30


def test_the_bare_app_answers_any_path_and_method():
    client = bare_app.app.test_client()
    assert client.get("/").get_data(as_text=True) == "ok"
    assert client.post("/rapporter/x/side/y", data={"a": "b"}).status_code == 200


def test_the_money_benchmark_runs_once_on_sqlite_and_prints_each_step(capsys):
    # One repetition on a SQLite file: allocation, three opt-outs and the economy report of
    # the 357 municipalities of 2024 still run through the service (no timing asserted).
    times = money.measure("sqlite", repeat=1)
    found = money.results("sqlite", times)
    printed = capsys.readouterr().out
    assert [len(times[step]) for step in money.STEPS] == [1, 1, 1]
    assert len(times["floor"]) == 3
    assert [r.name for r in found] == [
        f"money {step}, 357 municipalities (sqlite) vs SELECT" for step in money.STEPS]
    for step in money.STEPS:
        assert f"  {step} " in printed

"""A peer: the same 30-question survey in django-survey-and-report, rendered and submitted
against gunicorn in the same run as ours.

`.venv/bin/python bench/run.py peer` (or `.venv/bin/python bench/peer.py`). The peer lives
in its own venv, `.bench-peer/venv` (`BENCH_PEER_VENV` to move it), made on first use
with `pip install django-survey-and-report==1.5.0 'Django>=5.2,<5.3' gunicorn`.

* **peer** — a Django project written to a temp dir (startproject's apps and middleware
  without the admin, plus `survey`; SQLite in WAL mode with a 30 s busy timeout, like
  ours), migrated, and one published survey, "all in one page", anonymous answers
  allowed, with 30 required questions made through its models: 3 each of short-text,
  text, integer, float, date, radio (3 choices), select, select-multiple, radio yes/no
  and radio 1–5. Render: GET `/survey/<id>/` (→ 200). Submit: POST of a complete answer,
  `question_<pk>` fields and the CSRF token (→ 302 to its confirmation): each POST
  stores a new response with 30 answers.
* **ours** — the same 30 questions in one page of a questionnaire YAML in a temp
  `QUESTIONNAIRES_DIR` (3 each of text, long_text, integer, decimal, date,
  single_choice, single_choice shown as a select, multiple_choice, yes_no and scale; the
  posted values are `tests/forms/test_large_questionnaire.py`'s `SAMPLES`), a round with
  `SUBMITS` grants, one coordinator for all of them. Render: GET of a report's page
  (→ 200). Submit: the page save POST (→ 302) then `/send` with a fresh key (→ 303),
  each on a fresh report, so each is a real submission; the unit is the pair, timed
  together (the summary GET that hands out the key in a browser is not included).

Both served by the harness's gunicorn command and settings (`tests/load/harness.py`: 4
gthread workers × 4 threads on loopback; ours with `APP_ENV=production`, the peer with
`DEBUG=False`), driven by the same client (`harness.Browser`: one connection per request,
a cookie jar per client) with `CONCURRENCY` clients; signing in and fetching CSRF tokens
are untimed. Each measure runs in halves, peer–ours–ours–peer, so that a drift in the
machine's other load weighs on both alike. Ratios are ours/peer time per request (the
inverse of the throughputs); goal ≤ 1.0 on both. `BENCH_PEER_RENDERS` (default 300),
`BENCH_PEER_SUBMITS` (default 150, at most 357) and `BENCH_PEER_CLIENTS` (default 16)
size it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(BENCH), str(BENCH.parent)) if p not in sys.path]

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from render import Result  # noqa: E402
from submit import Phase, abba, ratio_result  # noqa: E402

from survey_app import create_app  # noqa: E402
from survey_app.extensions import db  # noqa: E402
from survey_app.models import Municipality, Submission  # noqa: E402
from survey_app.services import register, rounds  # noqa: E402
from survey_app.services.users import create_user  # noqa: E402
from tests.factories import PASSWORD, make_round  # noqa: E402
from tests.forms.test_large_questionnaire import SAMPLES  # noqa: E402
from tests.load import harness  # noqa: E402

REPO = BENCH.parent
VENV = Path(os.environ.get("BENCH_PEER_VENV", REPO / ".bench-peer" / "venv"))
PEER_REQUIREMENTS = ["django-survey-and-report==1.5.0", "Django>=5.2,<5.3", "gunicorn"]
RENDERS = int(os.environ.get("BENCH_PEER_RENDERS", "300"))
SUBMITS = int(os.environ.get("BENCH_PEER_SUBMITS", "150"))
CONCURRENCY = int(os.environ.get("BENCH_PEER_CLIENTS", "16"))
SLUG, YEAR, SECTION = "bench-tretti", 2022, "sporsmal"
COORDINATOR = "koordinator@bench.no"
PEER_CHOICES = "Valg a,Valg b,Valg c"

# Ten comparable pairs, three of each: (our type, our extra YAML, peer type, peer
# choices, the peer's posted value). Ours post SAMPLES[type][1].
PAIRS: list[tuple[str, str, str, str, object]] = [
    ("text", "", "short-text", "", "Et kort svar"),
    ("long_text", "", "text", "", "Første linje\r\nAndre linje"),
    ("integer", "", "integer", "", "1200"),
    ("decimal", "", "float", "", "2.5"),
    ("date", "", "date", "", "2022-02-01"),
    ("single_choice", "", "radio", PEER_CHOICES, "valg-b"),
    ("single_choice", "        display: select\n", "select", PEER_CHOICES, "valg-b"),
    ("multiple_choice", "", "select-multiple", PEER_CHOICES, ["valg-a", "valg-c"]),
    ("yes_no", "", "radio", "Ja,Nei", "ja"),
    ("scale", "", "radio", "1,2,3,4,5", "4"),
]
QUESTIONS = [PAIRS[n % len(PAIRS)] for n in range(30)]


# ---- the peer's venv and project ------------------------------------------------------------


def peer_python() -> Path:
    """The peer venv's python, made on first use; raises with pip's output on failure."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import django, gunicorn, importlib.metadata as m; "
             "m.version('django-survey-and-report')"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    steps = [[sys.executable, "-m", "venv", str(VENV)],
             [str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS], probe]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"peer venv: `{' '.join(step)}` exited {done.returncode}:\n"
                               f"{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return python


SETTINGS = '''"""django-survey-and-report benchmark project (written by bench/peer.py)."""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bench-peer-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "django.contrib.messages",
                  "django.contrib.staticfiles", "survey"]
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware",
              "django.contrib.sessions.middleware.SessionMiddleware",
              "django.middleware.common.CommonMiddleware",
              "django.middleware.csrf.CsrfViewMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware",
              "django.middleware.clickjacking.XFrameOptionsMiddleware"]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [],
              "APP_DIRS": True, "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "peer.db",
                         "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                                     "init_command": "PRAGMA journal_mode=WAL;"}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LANGUAGE_CODE = "en"
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
'''

URLS = '''from django.urls import include, path

urlpatterns = [path("survey/", include("survey.urls"))]
'''

WSGI = '''import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_settings")
application = get_wsgi_application()
'''

SETUP = '''"""Migrates and makes the survey; prints its id and the question pks as JSON."""
import datetime as dt
import json
import sys

import django

django.setup()
from django.core.management import call_command  # noqa: E402

from survey.models import Question, Survey  # noqa: E402

call_command("migrate", verbosity=0)
survey = Survey.objects.create(
    name="Thirty questions", description="The bench/peer.py survey", is_published=True,
    need_logged_user=False, editable_answers=True, display_method=Survey.ALL_IN_ONE_PAGE,
    expire_date=dt.date.today() + dt.timedelta(days=365))
pks = [Question.objects.create(survey=survey, text=f"Question {n}", order=n, required=True,
                               type=kind, choices=choices or None).pk
       for n, (kind, choices) in enumerate(json.loads(sys.argv[1]), start=1)]
print(json.dumps({"survey": survey.pk, "questions": pks}))
'''


@dataclass(frozen=True)
class PeerSurvey:
    path: str
    answers: dict[str, object]


def build_peer(python: Path, project: Path) -> PeerSurvey:
    """Writes, migrates and fills the Django project; returns the survey's address and a
    complete answer (without the CSRF token)."""
    project.mkdir()
    for name, text in (("peer_settings.py", SETTINGS), ("peer_urls.py", URLS),
                       ("peer_wsgi.py", WSGI), ("peer_setup.py", SETUP)):
        (project / name).write_text(text, "utf-8")
    spec = json.dumps([[kind, choices] for _, _, kind, choices, _ in QUESTIONS])
    done = subprocess.run([str(python), "peer_setup.py", spec], cwd=project, text=True,
                          capture_output=True, env={**os.environ, **peer_environment()})
    if done.returncode != 0:
        raise RuntimeError(f"peer setup failed ({done.returncode}):\n{done.stderr[-3000:]}")
    made = json.loads(done.stdout.strip().splitlines()[-1])
    answers = {f"question_{pk}": value
               for pk, (*_, value) in zip(made["questions"], QUESTIONS, strict=True)}
    return PeerSurvey(f"/survey/{made['survey']}/", answers)


def peer_environment() -> dict[str, str]:
    return {"DJANGO_SETTINGS_MODULE": "peer_settings", "PYTHONPATH": ""}


@dataclass
class PeerServer(harness.Server):
    """The harness's gunicorn command and settings, from the peer venv, serving Django."""

    python: Path = Path()
    project: Path = Path()
    probe: str = "/"

    def command(self) -> list[str]:
        _, *options, _ = super().command()
        return [str(self.python), *options, "--chdir", str(self.project), "peer_wsgi:application"]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), **peer_environment()}

    def _answers(self) -> bool:
        try:
            return harness.fetch(self.port, "GET", self.probe, timeout=5).status == 200
        except OSError:
            return False


# ---- ours -----------------------------------------------------------------------------------


SCHEMES = f"""- slug: {SLUG}
  chapter_post: "762.60"
  administration: national
  name: {{nb: Tretti spørsmål, nn: Tretti spørsmål, en: Thirty questions}}
"""


def questionnaire_yaml() -> str:
    text = (f'id: {SLUG}\nversion: 1\nscheme: "762.60"\n'
            "title: {nb: Tretti spørsmål, nn: Tretti spørsmål}\nsections:\n"
            f"  - id: {SECTION}\n    title: {{nb: Spørsmål, nn: Spørsmål}}\n    questions:\n")
    for n, (kind, extra, *_) in enumerate(QUESTIONS, start=1):
        text += (f"      - id: q{n:02d}\n        type: {kind}\n"
                 f"        label: {{nb: Spørsmål {n}, nn: Spørsmål {n}}}\n"
                 f"        required: true\n{SAMPLES[kind][0]}{extra}")
    return text


def our_answers() -> dict[str, object]:
    return {f"q{n:02d}": SAMPLES[kind][1] for n, (kind, *_) in enumerate(QUESTIONS, start=1)}


def write_questionnaires(directory: Path) -> Path:
    (directory / "schemes").mkdir(parents=True)
    (directory / "schemes" / "schemes.yaml").write_text(SCHEMES, "utf-8")
    (directory / f"{SLUG}.v1.yaml").write_text(questionnaire_yaml(), "utf-8")
    return directory


@contextmanager
def our_app(database_url: str, questionnaires: Path) -> Iterator[None]:
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": harness.SECRET_KEY,
                      "DATABASE_URL": database_url, "QUESTIONNAIRES_DIR": str(questionnaires),
                      "PASSWORD_HASH_METHOD": harness.HASH_METHOD})
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def prepare_ours(database_url: str, questionnaires: Path, count: int) -> list[str]:
    """Migrations, the register, the round with `count` grants and their coordinator;
    returns the municipality numbers."""
    with our_app(database_url, questionnaires):
        flask_migrate.upgrade()
        imported = register.import_register(register.SHIPPED_REGISTER.read_text("utf-8"),
                                            source="peer benchmark")
        assert not imported.errors, imported.errors
        rounds.sync_schemes()
        numbers = sorted(set(db.session.scalars(
            sa.select(Municipality.number).where(Municipality.valid_to.is_(None)))))[:count]
        make_round(f"{SLUG}/{YEAR}", amounts=dict.fromkeys(numbers, 1_000_000),
                   deadline=dt.date.today() + dt.timedelta(days=30))
        create_user(COORDINATOR, "coordinator", municipalities=numbers, password=PASSWORD)
        db.session.commit()
    return numbers


@dataclass
class OurServer(harness.Server):
    questionnaires: Path = Path()

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "QUESTIONNAIRES_DIR": str(self.questionnaires)}


# ---- the clients ----------------------------------------------------------------------------


@dataclass
class Client:
    browser: harness.Browser
    csrf: str


def our_client(port: int, number: str) -> Client:
    browser = harness.Browser(port, harness.Timings())
    login = browser.call("sign-in page", "GET", "/logg-inn", 200).body
    browser.call("sign-in", "POST", "/logg-inn", 302, {
        "email": COORDINATOR, "password": PASSWORD,
        "csrf_token": harness.hidden_value(login, "csrf_token")})
    page = browser.call("page", "GET", report(number), 200).body
    if harness.hidden_value(page, "version") != "0":
        raise harness.UnexpectedAnswer(f"report {number} is not fresh")
    return Client(browser, harness.hidden_value(page, "csrf_token"))


def peer_client(port: int, survey: PeerSurvey) -> Client:
    browser = harness.Browser(port, harness.Timings())
    page = browser.call("survey", "GET", survey.path, 200).body
    return Client(browser, harness.hidden_value(page, "csrfmiddlewaretoken"))


def report(number: str) -> str:
    return f"/rapporter/{SLUG}/{YEAR}/{number}/side/{SECTION}"


def our_submit(client: Client, number: str) -> None:
    page = report(number)
    saved = client.browser.call("save", "POST", page, 302, {
        **our_answers(), "version": "0", "go": "next", "csrf_token": client.csrf})
    if page in saved.location:
        raise harness.UnexpectedAnswer(f"save of {number} not accepted: {saved.location}")
    client.browser.call("send", "POST", page.replace(f"side/{SECTION}", "send"), 303,
                        {"key": secrets.token_urlsafe(24), "csrf_token": client.csrf})


def peer_submit(client: Client, survey: PeerSurvey) -> None:
    client.browser.call("submit", "POST", survey.path, 302,
                        {**survey.answers, "csrfmiddlewaretoken": client.csrf})


def tasks(count: int, clients: list[Client],
          action: Callable[[Client, int], object]) -> list[Callable[[], object]]:
    """`count` calls of `action(client, i)`, the clients taken in turn."""
    return [lambda i=i: action(clients[i % len(clients)], i) for i in range(count)]


def same_size(mine: Client, theirs: Client, numbers: list[str], survey: PeerSurvey) -> None:
    """Both pages show the 30 questions (the like-for-like check before timing)."""
    our_page = mine.browser.call("page", "GET", report(numbers[0]), 200).body
    peer_page = theirs.browser.call("survey", "GET", survey.path, 200).body
    ours_seen = set(re.findall(r'data-question="(q\d\d)"', our_page))
    peer_seen = set(re.findall(r'name="(question_\d+)"', peer_page))
    if len(ours_seen) != len(QUESTIONS) or peer_seen != set(survey.answers):
        raise RuntimeError(f"pages differ: ours shows {len(ours_seen)} questions, "
                           f"the peer {len(peer_seen)}")


def measure(numbers: list[str], ours: int, peer: int, survey: PeerSurvey) -> dict[str, Phase]:
    mine = [our_client(ours, numbers[i]) for i in range(CONCURRENCY)]
    theirs = [peer_client(peer, survey) for _ in range(CONCURRENCY)]
    same_size(mine[0], theirs[0], numbers, survey)
    render = abba(("peer render (GET survey)", tasks(
        RENDERS, theirs, lambda c, _: c.browser.call("get", "GET", survey.path, 200))),
        ("our render (GET report page)", tasks(RENDERS, mine, lambda c, i: c.browser.call(
            "get", "GET", report(numbers[i % len(numbers)]), 200))), CONCURRENCY)
    submit = abba(("peer submit (POST answer)", tasks(
        len(numbers), theirs, lambda c, _: peer_submit(c, survey))),
        ("our submit (save + send)", tasks(
            len(numbers), mine, lambda c, i: our_submit(c, numbers[i]))), CONCURRENCY)
    return {"peer render": render[0], "our render": render[1],
            "peer submit": submit[0], "our submit": submit[1]}


# ---- the run --------------------------------------------------------------------------------


def peer_stored(project: Path) -> tuple[int, int]:
    """(responses, answers) in the peer's database."""
    with sqlite3.connect(project / "peer.db") as connection:
        return (connection.execute("SELECT count(*) FROM survey_response").fetchone()[0],
                connection.execute("SELECT count(*) FROM survey_answer").fetchone()[0])


def check(ours: harness.Server, peer: PeerServer, url: str, questionnaires: Path,
          count: int) -> None:
    """Every submit stored, on both sides, and nothing logged as an error."""
    problems = harness.server_errors(ours.log()) + harness.server_errors(peer.log())
    with our_app(url, questionnaires):
        stored = db.session.scalar(sa.select(sa.func.count(Submission.id)))
    if stored != count:
        problems.append(f"{stored} submissions stored for {count} submits")
    responses, answers = peer_stored(peer.project)
    if (responses, answers) != (count, count * len(QUESTIONS)):
        problems.append(f"the peer stored {responses} responses, {answers} answers "
                        f"for {count} submits")
    if problems:
        raise RuntimeError("peer benchmark invalid:\n" + "\n".join(problems[:20]))


def run() -> list[Result]:
    python = peer_python()
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        workdir = Path(tmp)
        survey = build_peer(python, workdir / "project")
        questionnaires = write_questionnaires(workdir / "questionnaires")
        url = f"sqlite:///{workdir / 'ours.db'}"
        numbers = prepare_ours(url, questionnaires, SUBMITS)
        (workdir / "peer").mkdir()
        ours = OurServer(url, workdir, questionnaires=questionnaires)
        peer = PeerServer(url, workdir / "peer", python=python, project=workdir / "project",
                          probe=survey.path)
        with harness.serving(ours), harness.serving(peer):
            phases = measure(numbers, ours.port, peer.port, survey)
        check(ours, peer, url, questionnaires, len(numbers))
    for phase in phases.values():
        print(phase.line())
    return [ratio_result(f"peer: render, ours/django-survey ({CONCURRENCY} clients)",
                         phases["our render"], phases["peer render"], goal=1.0),
            ratio_result(f"peer: submit, ours/django-survey ({CONCURRENCY} clients)",
                         phases["our submit"], phases["peer submit"], goal=1.0)]


if __name__ == "__main__":
    for result in run():
        print(f"{result.name}: {result.ratio:.2f}×  [{result.status}]  {result.detail}")

"""Hostile input on every route, for every role, on both databases: never a server error.

The walk takes every URL rule of the app (``app.url_map``) and every method it accepts,
and sends it paths, query strings and form bodies built from hostile values: NUL and other
control characters, bytes that are not UTF-8, integers beyond 2³¹ and 2⁶³, negative
numbers, Unicode digits, CR/LF, very long strings, impossible dates. Posts carry the
session's valid CSRF token, so they reach the view rather than stopping at the token
check. The database holds the demo data (rounds, grants, drafts, submitted reports,
flags) plus a claim and a mail, so valid parts of an address lead to real pages and the
hostile part is met where it matters.

What a user relies on: whatever is typed into an address or a form, the answer is a
page (a 4xx with a message, a redirect, or the page itself), never a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, current_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from survey_app import create_app
from survey_app.extensions import db
from survey_app.services import demo
from tests.conftest import BACKENDS, _empty_all_tables, csrf_token_in, make_config

# ---- hostile values ---------------------------------------------------------------------------

# Text values; each is percent-encoded as UTF-8 when it goes into a request.
HOSTILE_TEXT = (
    "\x00", "a\x00b", "3405\x00", "\x01", "\x08", "\x1b[2J", "\x7f", "\x9b",
    "\r\n", "\n", "\r", "x\r\nSet-Cookie: evil=1", "\t",
    "٢٠٢٢", "３４０５", "²", "2022٢", "34٠٥", "١",
    "-1", "0", "00", "-0", "+1", "1.5", "1e309", "NaN", "inf", "0x10",
    str(2**31), str(2**31 - 1), str(2**32), str(2**63), str(2**63 - 1), str(2**64),
    str(10**30), str(-(2**63) - 1), "9" * 400,
    "9999-12-31", "0001-01-01", "2022-02-30", "10000-01-01", "-2022-01-01", "2022-13-01",
    "x" * 5000, "å" * 3000, "\u202e", "\ufeff", "\U0001f4a9", "' OR '1'='1", "../../../etc",
    "%", "%00", "//evil.example", "\\\\evil.example", "/\r\n/evil.example", "javascript:x",
)
# Already percent-encoded: bytes that are not UTF-8 (lone continuation, overlong NUL, a
# surrogate, a truncated sequence), an encoded NUL, CR/LF and slash.
HOSTILE_RAW = ("%FF", "%C0%80", "%ED%A0%80", "%E2%82", "%80abc", "%00", "%0D%0A", "%2F", "%25",
               "a%FFb", "%F4%90%80%80")

HOSTILE_QUERY_NAMES = ("page", "to", "from", "year", "next", "email", "office", "county",
                       "state", "status", "size", "tilstand", "actor", "action",
                       "object_type", "object_id", "q", "lang", "flag", "kind")


def encode(text: str) -> str:
    return quote(text.encode("utf-8"), safe="")


HOSTILE = tuple(encode(v) for v in HOSTILE_TEXT) + HOSTILE_RAW
# One of each kind, for the sweeps that send each value to every argument, filter and form
# field (the Hypothesis walk draws from all of them, and from arbitrary text and bytes).
SWEEP = (*(encode(v) for v in (
    "a\x00b", "\x1b[2J", "\x9b", "x\r\nSet-Cookie: evil=1", "٢٠٢٢", "３４０５", "-1",
    str(2**31), str(2**63), str(10**30), "9999-12-31", "x" * 5000)),
    "%FF", "%C0%80", "%ED%A0%80", "%2F")
hostile_value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40).map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.binary(max_size=12).map(lambda b: quote(b, safe="")),
)

ROLES = ("anonymous", "coordinator", "reviewer", "reviewer_innlandet", "auditor", "admin",
         "author")
DEMO_ACCOUNT = {
    "coordinator": demo.DEMO_USERS[0], "reviewer": demo.DEMO_USERS[1],
    "reviewer_innlandet": demo.DEMO_USERS[2], "auditor": demo.DEMO_USERS[3],
    "admin": demo.DEMO_USERS[4],
    "author": next(user for user in demo.DEMO_USERS if user.role == "author"),
}
# Requests that end a session (signing out, or in as someone else): the role signs in again.
SESSION_ENDPOINTS = {"auth.logout", "auth.login", "auth.invitation"}


# ---- what a crawl of the real pages finds ------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _Page(HTMLParser):
    """Links and forms (with their fields' names and default values) of one page."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.links: list[str] = []
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "a" and attr.get("href", "").startswith("/"):
            self.links.append(attr["href"])
        elif tag == "form":
            action = attr.get("action", "")  # "" and "#flags" post back to the page
            self.forms.append(Form(action if action.startswith("/") else self.base,
                                   (attr.get("method") or "get").upper()))
        elif tag in ("input", "select", "textarea", "button") and self.forms and attr.get("name"):
            self.forms[-1].fields.append((attr["name"], attr.get("value", "")))


@dataclass
class Site:
    """The app, one signed-in client per role, and what the crawl found per endpoint."""

    app: Flask
    clients: dict[str, FlaskClient]
    tokens: dict[str, str]
    valid_args: dict[str, list[dict[str, str]]]  # endpoint -> encoded path arguments seen
    fields: dict[str, list[tuple[str, str]]]  # endpoint -> form fields seen posting to it
    query_names: dict[str, set[str]]  # endpoint -> names of GET forms' fields
    arg_pool: dict[str, set[str]]  # argument name -> encoded values seen, any endpoint

    def sign_in(self, role: str) -> None:
        client = self.app.test_client()
        self.clients[role] = client
        page = client.get("/logg-inn").get_data(as_text=True)
        if role != "anonymous":
            account = DEMO_ACCOUNT[role]
            answer = client.post("/logg-inn", data={
                "email": account.email, "password": account.password,
                "csrf_token": csrf_token_in(page)})
            assert answer.status_code == 302, f"{role} could not sign in"
            page = client.get("/", follow_redirects=True).get_data(as_text=True)
        self.tokens[role] = csrf_token_in(page)


def _encoded_args(rule: Rule, values: dict[str, object]) -> dict[str, str]:
    safe = {name: "/" if type(conv).__name__ == "PathConverter" else ""
            for name, conv in rule._converters.items()}
    return {k: quote(str(v), safe=safe.get(k, "")) for k, v in values.items()}


def _crawl(site: Site, role: str, start: list[str], limit_per_endpoint: int = 3) -> None:
    """Follows the links a role sees from the start pages, recording valid path arguments
    and the forms of each endpoint (a few pages per endpoint are enough)."""
    adapter = site.app.url_map.bind("localhost")
    client = site.clients[role]
    queue, seen = list(start), set()
    per_endpoint: dict[str, int] = {}
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            rule, args = adapter.match(urlsplit(path).path, method="GET", return_rule=True)
        except HTTPException:  # a link to a POST-only route, or outside the app
            continue
        if per_endpoint.get(rule.endpoint, 0) >= limit_per_endpoint:
            continue
        per_endpoint[rule.endpoint] = per_endpoint.get(rule.endpoint, 0) + 1
        answer = client.get(path)
        answer.get_data()
        answer.close()  # a file (static, export) is read and closed, not left open
        if answer.status_code != 200:
            continue
        _record_args(site, rule, args)
        if answer.mimetype != "text/html":
            continue
        parser = _Page(path)
        parser.feed(answer.get_data(as_text=True))
        queue.extend(parser.links)
        for form in parser.forms:
            _record_form(site, adapter, form)


def _record_args(site: Site, rule: Rule, args: dict[str, object]) -> None:
    encoded = _encoded_args(rule, args)
    if encoded and encoded not in site.valid_args.setdefault(rule.endpoint, []):
        site.valid_args[rule.endpoint].append(encoded)
    for name, value in encoded.items():
        site.arg_pool.setdefault(name, set()).add(value)


def _record_form(site: Site, adapter: object, form: Form) -> None:
    try:
        rule, args = adapter.match(urlsplit(form.action).path,  # type: ignore[attr-defined]
                                   method=form.method, return_rule=True)
    except HTTPException:
        return
    _record_args(site, rule, args)
    names = [(n, v) for n, v in form.fields if n != "csrf_token"]
    if form.method == "GET":
        site.query_names.setdefault(rule.endpoint, set()).update(n for n, _ in names)
    else:
        known = site.fields.setdefault(rule.endpoint, [])
        known.extend(f for f in names if f not in known)


def _seed_extras() -> list[str]:
    """A claim (for the claim letter routes) and mails in the outbox (one given up, for
    its send-again form); returns the pages to start the crawl from, among them the case
    pages with open flags (their forms are the review's posts) and a receipt."""
    from flask import url_for

    from survey_app import mail
    from survey_app.models import (
        Flag,
        FlagStatus,
        Grant,
        MailState,
        Response,
        Submission,
        User,
    )
    from survey_app.services import decisions

    reviewer = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNT[
        "reviewer"].email))
    flags = db.session.scalars(sa.select(Flag).where(Flag.status == FlagStatus.OPEN)
                               .order_by(Flag.id)).all()
    assert reviewer is not None and len(flags) > 3
    claim = decisions.claim([flags[0]], 100, "Ubrukt tilskudd.", reviewer)
    mail.queue_mail("postmottak@lillehammer.kommune.no", "Påminnelse", "Hei", kind="reminder")
    mail.queue_mail("feil@lillehammer.kommune.no", "Påminnelse", "Hei",
                    kind="reminder").state = MailState.FAILED
    db.session.commit()
    start = ["/", "/mine-rapporter", "/gjennomgang/runder", "/admin/runder", "/logg",
             "/admin/utboks", "/eksport", "/skjema"]
    with current_app.test_request_context():
        for grant in [db.session.get(Grant, f.grant_id) for f in flags[:4]]:
            assert grant is not None
            start.append(url_for("review.case", slug=grant.round.scheme.slug,
                                 year=grant.round.year, number=grant.municipality_number))
        start.append(url_for("review.claim_letter", reference=claim.reference))
        start.append(url_for("static", filename="css/app.css"))
        # a receipt of the demo coordinator's (only a coordinator opens a report)
        submission = db.session.scalar(
            sa.select(Submission).join(Response).join(Grant, Response.grant_id == Grant.id)
            .where(Grant.municipality_number.in_(DEMO_ACCOUNT["coordinator"].municipalities))
            .order_by(Submission.id))
        assert submission is not None
        grant = db.session.get(Grant, submission.response.grant_id)
        assert grant is not None
        start.append(url_for("report.receipt", slug=grant.round.scheme.slug,
                             year=grant.round.year, number=grant.municipality_number, n=1))
        start.extend(_application_and_file_pages(submission.response_id))
    return start


def _application_and_file_pages(response_id: int) -> list[str]:
    """Issue 16's pages: an office's frame and an application to decide, and a file
    uploaded into the coordinator's report (its economy page links the workbook)."""
    import datetime as dt

    from flask import url_for

    from survey_app.models import (
        Application,
        Grant,
        Response,
        ResponseFile,
        Round,
        Scheme,
        StoredFile,
    )
    from survey_app.services import application_decisions

    scheme = db.session.scalar(sa.select(Scheme).where(
        Scheme.slug == "kommunalt-rusarbeid-overgang"))
    assert scheme is not None
    application_decisions.set_frame("765.62", 2025, "innlandet", 1_000_000, None, None,
                                    actor_email="test")
    application = Application(
        scheme_id=scheme.id, year=2025, municipality_number="3405", office="innlandet",
        questionnaire_id=scheme.slug, questionnaire_version=1, status="submitted",
        applied_amount=330_000, submitted_at=dt.datetime(2024, 1, 30, 9),
        positions=[{"title": "Ruskonsulent", "percent": 100, "funded_from_year": 2021}])
    db.session.add(application)
    data = b"%PDF-1.4 hostile routes"
    sha = __import__("hashlib").sha256(data).hexdigest()
    db.session.add(StoredFile(sha256=sha, content_type="application/pdf", size=len(data),
                              data=data))
    db.session.flush()  # the file's row before the row that points to it
    uploaded = ResponseFile(response_id=response_id, section_id="economy",
                                question_id="accounts", filename="regnskap.pdf", sha256=sha,
                                content_type="application/pdf", size=len(data),
                                uploaded_by="test")
    db.session.add(uploaded)
    db.session.commit()
    # The economy workbook of the coordinator's 765.60 grant.
    grant = db.session.scalar(
        sa.select(Grant).join(Round).join(Scheme)
        .where(Grant.municipality_number.in_(DEMO_ACCOUNT["coordinator"].municipalities),
               Scheme.slug.like("langvarige-sammensatte-%")).order_by(Grant.id).limit(1))
    assert grant is not None
    where = {"slug": grant.round.scheme.slug, "year": grant.round.year,
             "number": grant.municipality_number}
    filed = db.session.get(Grant, db.session.get(Response, response_id).grant_id)
    assert filed is not None
    return [url_for("report_files.download", slug=filed.round.scheme.slug,
                    year=filed.round.year, number=filed.municipality_number,
                    file_id=uploaded.id),
            url_for("review.applications_home"),
            url_for("review.frames", chapter_post="765.62", year=2025),
            url_for("review.application_list", chapter_post="765.62", year=2025),
            url_for("review.application_decision", application_id=application.id),
            url_for("report.page", section_id="economy", **where),
            url_for("report_workbook.template", **where)]


@pytest.fixture(scope="module", params=BACKENDS)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Site]:
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    # The walk sends hundreds of hostile sign-ins from one client, and the sign-in throttle
    # (tests/test_throttle.py) would then hold back the walk's own sign-ins as a role,
    # depending on how many failures the random draws made: the walk looks for server
    # errors, so its limit is out of its way.
    app = create_app(make_config(url, WTF_CSRF_ENABLED=True, LOGIN_MAX_FAILURES=100_000))
    with app.app_context():
        if request.param == "sqlite":
            db.create_all()
        demo.seed()
        start = _seed_extras()
    made = Site(app, {}, {}, {}, {}, {}, {})
    for role in ROLES:
        made.sign_in(role)
    for role in ROLES:
        _crawl(made, role, start)
    # Sign-in through an OpenID Connect provider: no provider is configured here, so its
    # two routes answer 404 to everything; tests/test_oidc_signin.py sends them hostile
    # answers with a real provider. Their argument is a provider's name.
    made.arg_pool.setdefault("name", set()).add("kommune")
    # An attachment's kind: its upload form is on the summary of a report whose scheme
    # requires accounts that year (765.60 for 2021), which the demo has none of.
    made.arg_pool.setdefault("kind", set()).add("regnskap")
    yield made
    with app.app_context():
        if request.param == "postgresql":
            _empty_all_tables()
        db.engine.dispose()


# ---- building a hostile request -----------------------------------------------------------------


def _rules() -> list[Rule]:
    app = create_app(make_config("sqlite://"))
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


RULES = _rules()
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _path(rule: Rule, args: dict[str, str]) -> str:
    return ARGUMENT.sub(lambda m: args[m.group(1)], rule.rule)


def _query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(name)}={value}" for name, value in pairs)


@st.composite
def hostile_request(draw: st.DrawFn, site: Site, rule: Rule
                    ) -> tuple[str, str, str, str, str]:
    """(role, method, path, query string, urlencoded body) for one rule."""
    role = draw(st.sampled_from(ROLES))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    bases = site.valid_args.get(rule.endpoint) or [{}]
    base = dict(draw(st.sampled_from(bases)))
    for name in rule.arguments:
        pool = sorted(site.arg_pool.get(name, set())) or ["1"]
        choice = draw(st.sampled_from(("valid", "pool", "hostile")))
        if choice == "hostile" or name not in base:
            base[name] = draw(hostile_value) if choice == "hostile" else draw(
                st.sampled_from(pool))
        elif choice == "pool":
            base[name] = draw(st.sampled_from(pool))
    names = sorted(site.query_names.get(rule.endpoint, set()) | set(HOSTILE_QUERY_NAMES))
    query = draw(st.lists(st.tuples(st.sampled_from(names), hostile_value), max_size=4))
    fields = site.fields.get(rule.endpoint, []) if method == "POST" else []
    body = []
    for name, default in fields:
        kind = draw(st.sampled_from(("default", "hostile", "absent")))
        if name.endswith("csrf_token"):  # a prefixed form's token: the role's own
            body.append((name, encode(site.tokens[role])))
        elif kind != "absent":
            body.append((name, encode(default) if kind == "default" else draw(hostile_value)))
    body += draw(st.lists(st.tuples(st.sampled_from(names), hostile_value), max_size=2))
    if method == "POST" and draw(st.booleans()):
        body.append(("csrf_token", encode(site.tokens[role])))
    elif method == "POST":
        body.insert(0, ("csrf_token", encode(site.tokens[role])))
    return role, method, _path(rule, base), _query(query), _query(body)


def send(site: Site, role: str, method: str, path: str, query: str, body: str) -> TestResponse:
    answer = site.clients[role].open(
        path, method=method, query_string=query, data=body.encode("ascii"),
        content_type="application/x-www-form-urlencoded" if method == "POST" else None)
    answer.get_data()
    answer.close()
    endpoint = site.app.url_map.bind("localhost").match  # resolve after, as the app did
    try:
        matched = endpoint(path, method=method)[0]
    except HTTPException:
        matched = ""
    if matched in SESSION_ENDPOINTS:
        site.sign_in(role)
    return answer


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.endpoint}")
@settings(max_examples=15, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_route_answers_hostile_input_with_a_server_error(
        site: Site, rule: Rule, data: st.DataObject) -> None:
    role, method, path, query, body = data.draw(hostile_request(site, rule))
    note(f"{role}: {method} {path}?{query}\n  body: {body[:500]}")
    answer = send(site, role, method, path, query, body)
    assert answer.status_code < 500, answer.get_data(as_text=True)[:2000]


def test_every_rule_with_arguments_was_reached_with_valid_ones(site: Site) -> None:
    """The walk means something only if valid parts of an address lead to real pages:
    every page was found with valid arguments, and every argument of a post-only route
    has valid values seen elsewhere."""
    # An invitation's or a password reset's token is known only to its mail; a claim's
    # pre-notice exists only once a reviewer has sent one (not in the demo data): those get
    # valid values of their arguments from other pages (a claim's reference) and hostile ones.
    not_in_demo = {"auth.invitation", "passwords.reset", "review.notice_pdf", "oidc.start",
                   "oidc.callback"}
    missing = [r.endpoint for r in RULES if r.arguments and "GET" in r.methods
               and r.endpoint not in not_in_demo and r.endpoint not in site.valid_args]
    assert missing == []
    assert [r.endpoint for r in RULES if any(a not in site.arg_pool for a in r.arguments)
            and r.endpoint not in ("auth.invitation", "oidc.from_invitation",
                                   "passwords.reset")] == []
    # The review's and the admin's posts were found on their pages, with their fields.
    assert {"review.claim", "review.waive", "review.approve", "review.return_report",
            "review.claim_status", "admin.outbox_send_again", "report.page",
            "admin.round_page"} <= site.valid_args.keys()


@pytest.mark.parametrize("value", SWEEP, ids=lambda v: v[:24])
def test_every_argument_of_every_rule_refuses_each_hostile_value(site: Site, value: str
                                                                 ) -> None:
    """Each listed hostile value in each path argument, the rest valid, for each role."""
    failures = []
    for rule in RULES:
        for name in sorted(rule.arguments):
            base = dict((site.valid_args.get(rule.endpoint) or [{}])[0])
            base.update({n: sorted(site.arg_pool.get(n, {"1"}))[0]
                         for n in rule.arguments if n not in base})
            base[name] = value
            method = "GET" if "GET" in rule.methods else "POST"
            for role in ROLES:
                body = _query([("csrf_token", encode(site.tokens[role]))])
                answer = send(site, role, method, _path(rule, base), "", body)
                if answer.status_code >= 500:
                    failures.append(f"{role} {method} {_path(rule, base)}")
    assert failures == []


# ---- named cases from the issue -----------------------------------------------------------------


@pytest.mark.parametrize("value", SWEEP, ids=lambda v: v[:24])
def test_every_query_filter_refuses_each_hostile_value(site: Site, value: str) -> None:
    """Each hostile value in each query parameter of the pages that read them (the walk
    sends hostile query strings to every page)."""
    failures = []
    for rule in RULES:
        if rule.endpoint not in site.query_names and rule.endpoint != "auth.login":
            continue
        base = dict((site.valid_args.get(rule.endpoint) or [{}])[0])
        base.update({n: sorted(site.arg_pool.get(n, {"1"}))[0]
                     for n in rule.arguments if n not in base})
        names = sorted(site.query_names.get(rule.endpoint, set()) | set(HOSTILE_QUERY_NAMES))
        query = _query([(name, value) for name in names])
        for role in ROLES:
            answer = send(site, role, "GET", _path(rule, base), query, "")
            if answer.status_code >= 500:
                failures.append(f"{role} GET {_path(rule, base)}?{query}")
    assert failures == []


@pytest.mark.parametrize("value", SWEEP, ids=lambda v: v[:24])
def test_every_form_refuses_each_hostile_value(site: Site, value: str) -> None:
    """Each hostile value in every field of each form, with the session's CSRF token."""
    failures = []
    for rule in RULES:
        if "POST" not in rule.methods or rule.endpoint in SESSION_ENDPOINTS:
            continue
        base = dict((site.valid_args.get(rule.endpoint) or [{}])[0])
        base.update({n: sorted(site.arg_pool.get(n, {"1"}))[0]
                     for n in rule.arguments if n not in base})
        names = sorted({n for n, _ in site.fields.get(rule.endpoint, [])}) or ["reason"]
        for role in ROLES:
            token = encode(site.tokens[role])
            body = _query([("csrf_token", token)] + [
                (name, token if name.endswith("csrf_token") else value) for name in names])
            answer = send(site, role, "POST", _path(rule, base), "", body)
            if answer.status_code >= 500:
                failures.append(f"{role} POST {_path(rule, base)} {body[:300]}")
    assert failures == []


# ---- named cases from the issue, on the usual per-test app --------------------------------------


REPORT_2022 = "/rapporter/lavterskel-psykisk-helse/{year}/3405"


def test_a_null_character_in_the_sign_in_address_is_refused_with_a_message_and_kept_nowhere(
        app: Flask, client: FlaskClient, users: dict[str, str]) -> None:
    from survey_app.models import AuditEvent, LoginAttempt

    def counts() -> tuple[int | None, int | None]:
        with app.app_context():
            return (db.session.scalar(sa.select(sa.func.count(LoginAttempt.id))),
                    db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))

    before = counts()
    answer = client.post("/logg-inn", data={"email": users["coordinator"] + "\x00",
                                            "password": "correct horse battery"})
    assert answer.status_code == 400
    assert "Adressen eller skjemaet kunne ikke leses" in answer.get_data(as_text=True)
    assert counts() == before


def test_a_cr_lf_in_next_never_reaches_the_redirect(client: FlaskClient, users: dict[str, str]
                                                     ) -> None:
    # In the address it is refused at the door, before any sign-in happens ...
    answer = client.post("/logg-inn?next=/mine-rapporter%0D%0ASet-Cookie:%20evil=1",
                         data={"email": users["coordinator"], "password": "correct horse battery"})
    assert answer.status_code == 400
    assert "evil" not in str(answer.headers)
    # ... and in a form (where a line break is text) it is not a place to go back to.
    answer = client.post("/logg-inn?next=/mine-rapporter",
                         data={"email": users["coordinator"], "password": "correct horse battery"})
    assert answer.headers["Location"] == "/mine-rapporter"
    answer = client.post("/sprak/nn", data={"next": "/mine-rapporter\r\nSet-Cookie: evil=1"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/" and "evil" not in str(answer.headers)


@pytest.mark.parametrize("year", ["٢٠٢٢", "۲۰۲۲", "２０２２", "02022", str(2**31), str(2**63),
                                  str(10**30)])
def test_a_year_is_one_address_and_beyond_the_database_is_no_address(
        client: FlaskClient, auth: object, users: dict[str, str], lavterskel: str,
        year: str) -> None:
    auth.login(users["coordinator"])  # type: ignore[attr-defined]
    assert client.get(REPORT_2022.format(year="2022")).status_code == 200
    assert client.get(REPORT_2022.format(year=quote(year))).status_code == 404


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01", "to=2022-02-30",
                                   "from=%D9%A2%D9%A0%D9%A2%D9%A2-01-01", "to=20221231"])
def test_an_unreadable_date_in_the_audit_log_filter_is_said_and_not_used(
        client: FlaskClient, auth: object, users: dict[str, str], query: str) -> None:
    auth.login(users["admin"])  # type: ignore[attr-defined]
    answer = client.get(f"/logg?{query}")
    assert answer.status_code == 200
    assert "En dato kunne ikke leses" in answer.get_data(as_text=True)
    assert "En dato kunne ikke leses" not in client.get("/logg?to=2022-12-31").get_data(
        as_text=True)


@pytest.mark.parametrize("page", [str(2**31), str(2**63), str(10**30), "-5", "٢", "1_0"])
def test_any_page_number_gives_a_page(client: FlaskClient, auth: object,
                                      users: dict[str, str], page: str) -> None:
    auth.login(users["admin"])  # type: ignore[attr-defined]
    for path in ("/logg", "/admin/utboks"):
        assert client.get(f"{path}?page={quote(page)}").status_code == 200


@pytest.mark.parametrize("commits", [False, True])
def test_the_error_page_says_truthfully_whether_anything_was_kept(
        make_app: object, commits: bool) -> None:
    """After the rollback only what was committed before the error is kept; the page says
    which of the two happened."""
    from survey_app import audit

    app = make_app(TESTING=False)  # type: ignore[operator]

    @app.route("/broken")
    def broken() -> str:
        if commits:
            audit.record("test.before-error", "test", 1)
            db.session.commit()
        raise RuntimeError("a bug after the input was read")

    with app.app_context():
        db.create_all()  # the file of a SQLite test; PostgreSQL's schema is there already
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    answer = client.get("/broken")
    assert answer.status_code == 500
    text = answer.get_data(as_text=True)
    said_kept = "Part of what you sent may have been saved" in text
    said_nothing = "Nothing of what you sent was saved" in text
    assert (said_kept, said_nothing) == (commits, not commits)
    assert "lost" not in text

"""The filters of the lists reviewers and admins page through (issue 14, item 3): the round
page's grants, the outbox, the audit log, round tracking and the flags. Each filter is a
GET form whose values are the page's URL: it narrows the rows, keeps the sort, is kept by
the pager, and a value typed into the URL by hand is said, never a server error."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Grant, GrantStatus

ROUND_PAGE = "/admin/runder/lavterskel-psykisk-helse/2022"
TRACKING = "/gjennomgang/runder/lavterskel-psykisk-helse/2022"
FLAGS = f"{TRACKING}/flagg"
# kommunenummer -> kroner: two in Innlandet (34), Oslo (03), Bergen (46), Volda (15)
AMOUNTS = {"3405": 1_234_567, "3403": 400_000, "0301": 5_000_000, "4601": 2_500_000,
           "1577": 150_000}


def body_of(page: str) -> str:
    return page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def numbers_of(page: str) -> list[str]:
    """The kommunenummer of each row of the round page's grant table, in order."""
    return re.findall(r'<th scope="row">(\d{4})</th>', body_of(page.split('id="grants"')[1]))


def pager_links(page: str) -> list[dict[str, list[str]]]:
    nav = page.split('class="ds-pagination pager"', 1)[1].split("</nav>", 1)[0]
    return [parse_qs(urlsplit(html.unescape(h)).query) for h in re.findall(r'href="([^"]+)"', nav)]


@pytest.fixture
def grants_round(app) -> str:
    from tests.factories import make_round

    with app.app_context():
        created = make_round(amounts=AMOUNTS)
        db.session.execute(sa.update(Grant).where(Grant.municipality_number == "1577")
                           .values(status=GrantStatus.OPTED_OUT))
        db.session.commit()
        return created.key


@pytest.fixture
def admin(client, auth, users):
    auth.login(users["admin"])
    return client


# ---- the round page's grants -----------------------------------------------------------------


@pytest.mark.parametrize(("query", "expected"), [
    ({"county": "34"}, ["3403", "3405"]),
    ({"office": "vestland"}, ["4601"]),
    ({"status": "opted_out"}, ["1577"]),
    ({"min_amount": "1 000 000"}, ["0301", "3405", "4601"]),
    ({"min_amount": "400 000", "max_amount": "kr 2 500 000"}, ["3403", "3405", "4601"]),
    ({"q": "berg"}, ["4601"]),
    ({"q": "03"}, ["0301"]),
    ({"county": "34", "max_amount": "500000"}, ["3403"]),
    ({"county": "46", "status": "opted_out"}, []),
])
def test_the_round_pages_filter_narrows_the_grants(grants_round, admin, query, expected):
    answer = admin.get(ROUND_PAGE, query_string=query)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert numbers_of(page) == expected
    if not expected:
        assert "Ingen tilskudd samsvarer med filteret." in page
    else:
        assert f"{len(expected)} av 5 tilskudd" in page
    for name, value in query.items():  # the form shows what was chosen
        assert (f'<option value="{value}" selected>' in page
                or f'name="{name}" type="search" value="{value}"' in page
                or f'name="{name}" inputmode="decimal" value="{value}"' in page), name
    assert 'href="/admin/runder/lavterskel-psykisk-helse/2022#grants">Nullstill</a>' in page


def test_the_round_page_sorts_by_name_amount_and_status(grants_round, admin):
    by_name = admin.get(ROUND_PAGE, query_string={"sorter": "municipality"}).get_data(
        as_text=True)
    assert numbers_of(by_name) == ["4601", "3403", "3405", "0301", "1577"]  # Bergen … Volda
    by_amount = admin.get(ROUND_PAGE, query_string={
        "sorter": "amount", "retning": "desc", "county": "34"}).get_data(as_text=True)
    assert numbers_of(by_amount) == ["3405", "3403"]
    # the filter form keeps the sort, and the column links keep the filter
    assert '<input type="hidden" name="sorter" value="amount">' in by_amount
    assert '<input type="hidden" name="retning" value="desc">' in by_amount
    [by_name_link] = [parse_qs(urlsplit(html.unescape(h)).query) for h in re.findall(
        r'class="ds-link sort-link" href="([^"]+)"', by_amount) if "sorter=municipality" in h]
    assert by_name_link == {"county": ["34"], "sorter": ["municipality"], "retning": ["asc"]}
    by_status = admin.get(ROUND_PAGE, query_string={"sorter": "status"}).get_data(as_text=True)
    assert numbers_of(by_status)[0] == "1577"  # "Takket nei" before "Tildelt"


def test_paging_the_round_page_keeps_the_filter(app, admin):
    from tests.review.test_work_queue import big_round

    big_round(app)  # 44 grants of 100 000 + i kroner
    first = admin.get(ROUND_PAGE, query_string={"min_amount": "100 005", "sorter": "amount"}
                      ).get_data(as_text=True)
    assert "39 av 44 tilskudd" in first and "Side 1 av 2" in first
    links = pager_links(first)
    assert links and all(link["min_amount"] == ["100 005"] and link["sorter"] == ["amount"]
                         for link in links)
    second = admin.get(ROUND_PAGE, query_string={"min_amount": "100 005", "sorter": "amount",
                                                 "side": "2"}).get_data(as_text=True)
    amounts = [int(re.sub(r"\D", "", a)) for a in re.findall(
        r'<td class="num">([^<]+)</td>', body_of(second.split('id="grants"')[1]))[::2]]
    assert len(amounts) == 14 and min(amounts) >= 100_030


@pytest.mark.parametrize("query", [
    "county=%3Cscript%3E", "status=betalt", "office=atlantis", "min_amount=%D9%A1%D9%A2",
    "max_amount=" + "9" * 40, "min_amount=-5", "side=" + "9" * 30, "sorter=%27%3B--",
    "retning=sideways", "q=" + "%C3%A6" * 500, "county=34&county=03", "min_amount=1e9",
])
def test_no_value_in_the_round_pages_url_is_a_server_error(grants_round, admin, query):
    answer = admin.get(f"{ROUND_PAGE}?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    if query.startswith(("county=%3C", "status=", "office=", "min_amount", "max_amount")):
        assert "Det er et problem" in page and "<title>Feil:" in page
        assert "<script>" not in page


def test_a_nul_in_a_filter_is_refused_not_a_server_error(grants_round, admin):
    for path in (ROUND_PAGE, "/admin/utboks", "/logg"):
        assert admin.get(f"{path}?q=a%00b").status_code == 400


# ---- the outbox --------------------------------------------------------------------------------


@pytest.fixture
def mails(app, grants_round) -> None:
    from survey_app.mail import send_mail

    with app.app_context():
        ids = {n: i for n, i in db.session.execute(sa.select(Grant.municipality_number, Grant.id))}
        send_mail("postmottak@lillehammer.kommune.no", "Kvittering", "T", kind="receipt",
                  grant_id=ids["3405"])
        send_mail("postmottak@hamar.kommune.no", "Invitasjon", "T", kind="invitation",
                  grant_id=ids["3403"])
        send_mail("postmottak@oslo.kommune.no", "Kvittering", "T", kind="receipt",
                  grant_id=ids["0301"])
        send_mail("glemt@example.no", "Lenke", "T", kind="password-reset")
        db.session.commit()


def recipients_of(page: str) -> list[str]:
    return re.findall(r"<td>([^<@]+@[^<]+)</td>", body_of(page))


@pytest.mark.parametrize(("query", "expected"), [
    ({"county": "34"}, {"postmottak@lillehammer.kommune.no", "postmottak@hamar.kommune.no"}),
    ({"office": "oslo-og-viken"}, {"postmottak@oslo.kommune.no"}),
    ({"kind": "receipt"}, {"postmottak@lillehammer.kommune.no", "postmottak@oslo.kommune.no"}),
    ({"kind": "receipt", "county": "34"}, {"postmottak@lillehammer.kommune.no"}),
    ({"q": "HAMAR"}, {"postmottak@hamar.kommune.no"}),
    ({"kind": "password-reset", "office": "innlandet"}, set()),
])
def test_the_outbox_filter_narrows_the_mails(mails, admin, query, expected):
    page = admin.get("/admin/utboks", query_string=query).get_data(as_text=True)
    assert set(recipients_of(page)) == expected
    if not expected:
        assert "Ingen e-post samsvarer med filteret." in page
    assert 'href="/admin/utboks">Nullstill</a>' in page


def test_the_outbox_shows_the_municipality_and_the_kind_in_words(mails, admin):
    page = admin.get("/admin/utboks").get_data(as_text=True)
    assert "3405 Lillehammer" in page and "<td>Nytt passord</td>" in page
    assert "<td>password-reset</td>" not in page


def test_the_outbox_sorts_by_recipient_and_state(mails, admin):
    page = admin.get("/admin/utboks", query_string={"sorter": "recipient"}).get_data(
        as_text=True)
    assert recipients_of(page) == sorted(recipients_of(page))
    newest = admin.get("/admin/utboks").get_data(as_text=True)
    assert recipients_of(newest)[0] == "glemt@example.no"  # the newest first by default
    backwards = admin.get("/admin/utboks", query_string={
        "sorter": "recipient", "retning": "desc"}).get_data(as_text=True)
    assert recipients_of(backwards) == sorted(recipients_of(page), reverse=True)


def test_paging_the_outbox_keeps_the_filter(app, admin):
    from survey_app.mail import send_mail

    with app.app_context():
        for i in range(103):
            send_mail(f"m{i:03}@example.no", "Påminning", "T", kind="reminder")
        send_mail("annen@example.no", "Kvittering", "T", kind="receipt")
        db.session.commit()
    first = admin.get("/admin/utboks", query_string={"kind": "reminder", "sorter": "recipient"}
                      ).get_data(as_text=True)
    assert "103 e-poster" in first and "Side 1 av 2" in first
    assert all(link["kind"] == ["reminder"] and link["sorter"] == ["recipient"]
               for link in pager_links(first))
    second = admin.get("/admin/utboks", query_string={
        "kind": "reminder", "sorter": "recipient", "side": "2"}).get_data(as_text=True)
    assert recipients_of(second) == ["m100@example.no", "m101@example.no", "m102@example.no"]


@pytest.mark.parametrize("query", ["kind=%3Cscript%3E", "county=99", "office=atlantis",
                                   "tilstand=lost", "sorter=to%3B", "side=%D9%A2"])
def test_an_unknown_code_in_the_outboxs_url_is_said_and_not_used(mails, admin, query):
    answer = admin.get(f"/admin/utboks?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert len(recipients_of(page)) == 4  # the filter value is not used
    if not query.startswith(("sorter", "side")):
        assert "filteret bruker den ikke" in page and "<script>" not in page


# ---- the audit log ---------------------------------------------------------------------------


@pytest.fixture
def events(app, users) -> None:
    from survey_app import audit
    from survey_app.models import User

    with app.app_context():
        people = {u.email: u for u in db.session.scalars(sa.select(User))}
        for i in range(60):
            audit.record("flag.waive", "flag", i, actor=people[users["reviewer_national"]])
            audit.record("report.approve", "response", i, actor=people[users["admin"]])
        db.session.commit()


def log_rows(page: str) -> list[tuple[str, str, str]]:
    return [tuple(html.unescape(r).split("|", 2))  # type: ignore[misc]
            for r in re.findall(r'<tr data-record="([^"]*)"', body_of(page))]


def test_the_audit_log_filters_by_object_type_and_keeps_it_when_paging(events, admin):
    first = admin.get("/logg", query_string={"object_type": "flag"}).get_data(as_text=True)
    assert "60 hendelser" in first
    assert {action for _who, action, _what in log_rows(first)} == {"flag.waive"}
    assert '<option value="flag" selected>Flagg</option>' in first
    both = admin.get("/logg", query_string={"action": "report.approve"}).get_data(as_text=True)
    assert {obj.split()[0] for _w, _a, obj in log_rows(both)} == {"response"}
    assert len(log_rows(both)) == 60
    many = admin.get("/logg", query_string={"actor": "rev@helsedir.no", "sorter": "time",
                                            "retning": "asc"}).get_data(as_text=True)
    assert "Side 1 av 1" not in many and len(log_rows(many)) == 60


def test_the_audit_log_pages_100_at_a_time_and_the_pager_keeps_the_filter(events, admin):
    first = admin.get("/logg", query_string={"from": "2000-01-01", "sorter": "actor"}
                      ).get_data(as_text=True)
    assert "Side 1 av 2" in first
    assert all(link["from"] == ["2000-01-01"] and link["sorter"] == ["actor"]
               for link in pager_links(first))
    second = admin.get("/logg", query_string={"from": "2000-01-01", "sorter": "actor",
                                              "side": "2"}).get_data(as_text=True)
    shown = log_rows(first) + log_rows(second)
    assert [who for who, _a, _o in shown] == sorted(who for who, _a, _o in shown)


def test_the_audit_log_sorts_by_the_event_in_words(events, admin):
    page = admin.get("/logg", query_string={"sorter": "action"}).get_data(as_text=True)
    words = re.findall(r"</td>\s*<td>([^<]+)</td><td>", body_of(page))
    assert words and words == sorted(words, key=str.casefold)
    assert 'aria-sort="ascending"' in page


@pytest.mark.parametrize("query", ["action=drop.table", "object_type=%3Cb%3E",
                                   "sorter=at%20desc", "side=" + "9" * 40])
def test_an_unknown_code_in_the_logs_url_is_said_and_not_used(events, admin, query):
    answer = admin.get(f"/logg?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    if query.startswith(("action", "object_type")):
        assert "filteret bruker den ikke" in page and "<b>" not in page
        assert "<title>Feil:" in page
        assert len(log_rows(page)) == 100  # the rest of the filter still applies: none


# ---- round tracking and the flags: the amount range ------------------------------------------


def test_round_tracking_filters_by_amount(grants_round, client, auth, users):
    auth.login(users["reviewer_national"])
    page = client.get(TRACKING, query_string={"min_amount": "1 000 000",
                                              "max_amount": "3 000 000"}).get_data(as_text=True)
    rows = body_of(page.split('id="grants"', 1)[1])
    assert "3405" in rows and "4601" in rows
    assert "0301" not in rows and "3403" not in rows
    bad = client.get(TRACKING, query_string={"max_amount": "mange"})
    assert bad.status_code == 200 and 'aria-describedby="max_amount-error"' in bad.get_data(
        as_text=True)


def test_the_flag_list_filters_by_a_highest_amount_and_keeps_it_when_paging(app, client, auth,
                                                                            users):
    from tests.review.test_work_queue import amounts_of, big_round

    big_round(app)  # 132 flags of 100, 200 … 13 200 kroner
    auth.login(users["reviewer_national"])
    first = client.get(FLAGS, query_string={"max_amount": "5 000"}).get_data(as_text=True)
    assert "50 av 132 flagg" in first and "Side 1 av 2" in first
    assert all(link["max_amount"] == ["5 000"] for link in pager_links(first))
    second = client.get(FLAGS, query_string={"max_amount": "5 000", "side": 2}).get_data(
        as_text=True)
    assert max(amounts_of(first) + amounts_of(second)) == 5_000
    assert len(amounts_of(first) + amounts_of(second)) == 50


@pytest.mark.parametrize("query", ["state=nonsense", "county=99", "office=atlantis",
                                   "max_amount=%EF%BC%91"])
def test_an_unknown_value_in_round_trackings_url_is_said_and_not_used(grants_round, client,
                                                                      auth, users, query):
    auth.login(users["reviewer_national"])
    answer = client.get(f"{TRACKING}?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Det er et problem" in page
    rows = body_of(page.split('id="grants"', 1)[1])
    assert all(number in rows for number in AMOUNTS)  # every grant: nothing was filtered

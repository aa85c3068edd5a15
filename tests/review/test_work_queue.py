"""Reviewer lists that scale (issue 14): the flag list and the round tracking page page 25
rows at a time, sort by a column and keep the filter in the URL; hostile query strings
never give a server error."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Flag, Grant
from survey_app.services.register import register_for_year
from tests.factories import make_round
from tests.review.test_decisions import reviewer_client

ROUND = "/gjennomgang/runder/lavterskel-psykisk-helse/2022"
FLAGS = f"{ROUND}/flagg"
RULES = ("unused-funds", "not-reported", "position-cut")


def rows_of(page: str) -> list[str]:
    """The municipality names of the table's rows, in order."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)<', body)


def amounts_of(page: str) -> list[int]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(re.sub(r"\D", "", a)) for a in re.findall(r'<td class="num">([^<]+)</td>', body)]


def big_round(app) -> dict[str, str]:
    """44 grants (eight in Innlandet) with three flags each: 132 flags, amounts all
    different; kommunenummer -> name."""
    with app.app_context():
        register = register_for_year(2022)
        innlandet = [m for m in register if m.county_number == "34"][:8]
        others = [m for m in register if m.county_number not in ("34", "")][:36]
        chosen = innlandet + others
        round_ = make_round(amounts={m.number: 100_000 + i for i, m in enumerate(chosen)})
        grants = db.session.scalars(sa.select(Grant).where(Grant.round_id == round_.id)
                                    .order_by(Grant.municipality_number)).all()
        for g_index, grant in enumerate(grants):
            for r_index, rule in enumerate(RULES):
                db.session.add(Flag(
                    grant_id=grant.id, rule_id=rule, severity="warning",
                    status="open" if r_index else "waived",
                    amount_ore=(g_index * 3 + r_index + 1) * 100_00,
                    explanation={"title": {"nb": f"Regel {rule}", "nn": f"Regel {rule}"}}))
        db.session.commit()
        return {m.number: m.display_name for m in chosen}


def test_the_flag_list_pages_through_132_flags_25_at_a_time(app, users):
    big_round(app)
    client = reviewer_client(app, users)
    first = client.get(FLAGS).get_data(as_text=True)
    assert "132 av 132 flagg" in first
    assert len(rows_of(first)) == 25
    assert "Side 1 av 6" in first and 'rel="next"' in first and 'rel="prev"' not in first
    last = client.get(FLAGS, query_string={"side": "6"}).get_data(as_text=True)
    assert len(rows_of(last)) == 7 and "Side 6 av 6" in last and 'rel="next"' not in last
    # every flag once over the six pages
    seen = [(name, amount) for side in range(1, 7)
            for page in [client.get(FLAGS, query_string={"side": side}).get_data(as_text=True)]
            for name, amount in zip(rows_of(page), amounts_of(page), strict=True)]
    assert len(set(seen)) == 132


def test_sorting_by_amount_descending_puts_the_largest_first_and_links_toggle(app, users):
    big_round(app)
    client = reviewer_client(app, users)
    page = client.get(FLAGS, query_string={"sorter": "amount", "retning": "desc"}
                      ).get_data(as_text=True)
    amounts = amounts_of(page)
    assert amounts[0] == 132 * 100 and amounts == sorted(amounts, reverse=True)
    assert 'aria-sort="descending"' in page
    assert page.count("aria-sort=") == 1
    # the sorted column's header link turns the direction round; the pager keeps the sort
    assert "sorter=amount&amp;retning=asc" in page
    assert re.search(r'href="[^"]*sorter=amount[^"]*side=2|href="[^"]*side=2[^"]*sorter=amount',
                     page)
    ascending = client.get(FLAGS, query_string={"sorter": "amount", "retning": "asc"}
                           ).get_data(as_text=True)
    assert amounts_of(ascending)[0] == 100 and 'aria-sort="ascending"' in ascending


def test_the_filter_is_in_the_url_and_the_pager_keeps_it(app, users):
    big_round(app)
    client = reviewer_client(app, users)
    page = client.get(FLAGS, query_string={"status": "open"}).get_data(as_text=True)
    assert "88 av 132 flagg" in page and "Side 1 av 4" in page
    assert re.search(r'href="[^"]*status=open[^"]*side=2|href="[^"]*side=2[^"]*status=open', page)
    innlandet = client.get(FLAGS, query_string={"county": "34"}).get_data(as_text=True)
    assert "24 av 132 flagg" in innlandet
    # the form is a GET form that carries the sort along
    assert '<form method="get"' in page and 'name="sorter"' in page


def test_a_regional_reviewer_pages_only_through_their_office_and_has_no_office_filter(
        app, users):
    names = big_round(app)
    client = reviewer_client(app, users, "reviewer_innlandet")
    page = client.get(FLAGS).get_data(as_text=True)
    assert "24 av 24 flagg" in page and "Side" not in page.split("</table>", 1)[1][:400]
    shown = set(rows_of(page))
    assert shown <= {n for k, n in names.items() if k.startswith("34")}
    assert 'name="office"' not in page


@pytest.mark.parametrize("query", [
    {"side": "99999999999999999999"}, {"side": "٢"}, {"side": "-1"}, {"side": "2\x00"},
    {"side": "１"}, {"sorter": "x"}, {"sorter": "amount\x00"}, {"retning": "sideways"},
    {"sorter": "amount", "retning": "desc", "side": "9" * 400}, {"county": "\x00"},
    {"status": "٢"}, {"office": "x" * 5000},
])
def test_hostile_query_strings_give_a_page_never_a_server_error(app, users, query):
    big_round(app)
    client = reviewer_client(app, users)
    for url in (FLAGS, ROUND):
        response = client.get(url, query_string=query)
        assert response.status_code in (200, 400, 404), (url, query)


def test_a_page_beyond_the_last_is_the_last_and_an_unreadable_one_the_first(app, users):
    big_round(app)
    client = reviewer_client(app, users)
    huge = client.get(FLAGS, query_string={"side": "99999999999999999999"}).get_data(as_text=True)
    assert "Side 6 av 6" in huge and len(rows_of(huge)) == 7
    arabic = client.get(FLAGS, query_string={"side": "٢"}).get_data(as_text=True)
    assert "Side 1 av 6" in arabic
    unknown = client.get(FLAGS, query_string={"sorter": "x"}).get_data(as_text=True)
    assert 'aria-sort="ascending"' in unknown and len(rows_of(unknown)) == 25


def test_the_round_tracking_page_pages_sorts_and_filters_its_grants(app, users):
    big_round(app)
    client = reviewer_client(app, users)

    def grants(query: dict[str, str] | None = None) -> str:
        """The grant list of the page (below the response-rate tables)."""
        return client.get(ROUND, query_string=query).get_data(as_text=True).split(
            'id="grants"', 1)[1]

    page = grants()
    assert "Side 1 av 2" in page and len(rows_of(page)) == 25
    second = grants({"side": "2"})
    assert len(rows_of(second)) == 19
    by_amount = grants({"sorter": "amount", "retning": "desc"})
    amounts = amounts_of(by_amount)
    assert amounts == sorted(amounts, reverse=True) and amounts[0] == 100_043
    innlandet = grants({"county": "34"})
    assert len(rows_of(innlandet)) == 8 and "Side 1 av" not in innlandet


# ---- the start page as a work queue ------------------------------------------------------------

def test_a_regional_reviewer_sees_their_offices_submitted_cases_first_and_no_other(
        app, users):
    from tests.review.test_decisions import UNUSED
    from tests.test_flags import report, setup_round

    reporter = setup_round(app, users)
    report(reporter, "3405", UNUSED)
    report(reporter, "0301", UNUSED)
    innlandet = reviewer_client(app, users, "reviewer_innlandet").get("/gjennomgang")
    page = innlandet.get_data(as_text=True)
    assert innlandet.status_code == 200
    queue = page.split('id="work-queue"', 1)[1]
    assert "Sendt inn, ikke gjennomgått" in queue
    assert "3405 Lillehammer" in queue and "Oslo" not in queue
    # the queue comes before the list of municipalities
    assert page.index('id="work-queue"') < page.index('class="county"')
    national = reviewer_client(app, users).get("/gjennomgang").get_data(as_text=True)
    assert "3405 Lillehammer" in national and "0301 Oslo" in national


def test_the_work_queue_costs_a_fixed_number_of_statements_per_round(app, users):
    from sqlalchemy import event

    from survey_app.models import User
    from survey_app.review.queue import work_queue

    big_round(app)
    with app.test_request_context():
        user = db.session.scalar(sa.select(User).where(User.email == users["reviewer_national"]))
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            work_queue(user, dt.date(2023, 6, 1))
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
    assert len(statements) <= 12, statements  # one round of 44 grants


def test_a_drafted_decision_waits_in_the_queue_of_an_approver_not_of_its_drafter(
        app, users, lavterskel):
    from survey_app.models import Claim, ClaimStage, User
    from survey_app.review.queue import work_queue

    with app.test_request_context():
        grant = db.session.scalar(sa.select(Grant).where(Grant.municipality_number == "3405"))
        national = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_national"]))
        db.session.add(Claim(grant_id=grant.id, reference="TB-2022-3405-9", amount_ore=100_000,
                             reason="Ubrukte midler.", flag_ids=[], due_date=dt.date(2023, 6, 1),
                             language="nb", created_by=national.email,
                             stage=ClaimStage.DECISION_DRAFT, decision_drafted_by=national.email))
        db.session.commit()

        def waiting(user: User) -> int:
            return sum(q.awaiting_approval.count for q in work_queue(user, dt.date(2023, 7, 1)))

        assert waiting(national) == 0  # not an approver
        national.approves_decisions = True
        assert waiting(national) == 0  # an approver, but it is their own draft
        other = db.session.scalar(sa.select(User).where(
            User.email == users["reviewer_innlandet"]))
        other.approves_decisions = True
        assert waiting(other) == 1


def test_a_query_argument_named_like_a_part_of_the_path_is_dropped_from_the_links(app, users):
    big_round(app)
    client = reviewer_client(app, users)
    page = client.get(ROUND, query_string={"year": "1999", "slug": "x", "side": "2"})
    assert page.status_code == 200
    links = re.findall(r'href="([^"]*(?:side|sorter)=[^"]*)"', page.get_data(as_text=True))
    assert links and not [link for link in links if "year=1999" in link]


def queue_group(page: str, heading: str) -> str:
    """The list under one heading of the work queue ('' when the group is not shown)."""
    queue = page.split('id="work-queue"', 1)[1].split('class="county"', 1)[0]
    if f"<h4>{heading} " not in queue:
        return ""
    return queue.split(f"<h4>{heading} ", 1)[1].split("</ul>", 1)[0]


def test_a_returned_and_resubmitted_report_waits_in_its_own_group_until_reviewed(
        app, users):
    from tests.review.test_decisions import CASE, UNUSED
    from tests.test_flags import report, setup_round

    again, plain = "Sendt inn på nytt etter retur", "Sendt inn, ikke gjennomgått"
    reporter = setup_round(app, users)
    report(reporter, "3405", UNUSED)
    report(reporter, "3403", {"received": "200 000", "used_amount": "200 000"})
    reviewer = reviewer_client(app, users, "reviewer_innlandet")
    first = reviewer.get("/gjennomgang").get_data(as_text=True)
    assert "3405 Lillehammer" in queue_group(first, plain) and not queue_group(first, again)

    returned = reviewer.post(f"{CASE}/retur", data={"return-general": "Se over økonomien."})
    assert returned.status_code == 303
    page = reviewer.get("/gjennomgang").get_data(as_text=True)
    assert "3405" not in queue_group(page, plain) and not queue_group(page, again)

    # the municipality corrects the report (all money used: the flag resolves) and sends it
    report(reporter, "3405", {"received": "100 000", "used_amount": "100 000"})
    page = reviewer.get("/gjennomgang").get_data(as_text=True)
    group = queue_group(page, again)
    assert "3405 Lillehammer" in group and "3403" not in group
    assert '<span class="ds-tag" data-color="warning">1</span>' in group
    # listed once: not in the plain submitted group too, which still has 3403
    assert "3405" not in queue_group(page, plain) and "3403 Hamar" in queue_group(page, plain)
    assert page.index(again) < page.index(plain)
    with app.app_context():
        from survey_app.models import Response, Submission
        assert db.session.scalar(sa.select(sa.func.max(Submission.number))) == 2
        assert db.session.scalar(sa.select(Response.status).join(Grant).where(
            Grant.municipality_number == "3405")) == "submitted"
    # in nynorsk too
    nynorsk = reviewer_client(app, users, "reviewer_innlandet")
    with nynorsk.session_transaction() as session:
        session["lang"] = "nn"
    nn = nynorsk.get("/gjennomgang").get_data(as_text=True)
    assert '<html lang="nn"' in nn and "3405 Lillehammer" in queue_group(nn, again)
    assert "Submitted again" not in nn

    approved = reviewer.post(f"{CASE}/godkjenn")
    assert approved.status_code == 303
    page = reviewer.get("/gjennomgang").get_data(as_text=True)
    assert not queue_group(page, again) and "3405" not in queue_group(page, plain)

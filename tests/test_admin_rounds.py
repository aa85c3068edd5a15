"""The round pages of the administration: list, create, change, grants and history."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, Round

NEW_ROUND = {"scheme": "lavterskel-psykisk-helse", "year": "2023", "opens_on": "08.01.2024",
             "deadline": "2024-04-01", "grace_days": "14", "opt_out_deadline": "",
             "payment_date": "", "budget": "kr 100 000 000"}


def round_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Round.id)))


def test_an_admin_sees_the_rounds_with_grants_and_total(client, auth, users, lavterskel):
    auth.login(users["admin"])
    home = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/runder"' in home
    page = client.get("/admin/runder").get_data(as_text=True)
    assert "Midlertidig styrking av lavterskeltilbud innen psykisk helse" in page
    assert "01.04.2023" in page
    assert "6\u00a0234\u00a0567\u00a0kr" in page
    assert '<th scope="col">' in page and "<caption>" in page


def test_an_admin_creates_a_round_through_the_form(app, client, auth, users):
    auth.login(users["admin"])
    response = client.post("/admin/runder", data=NEW_ROUND)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/runder/lavterskel-psykisk-helse/2023")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "lavterskel-psykisk-helse/2023" in page and "100\u00a0000\u00a0000\u00a0kr" in page
    with app.app_context():
        created = db.session.scalar(sa.select(Round))
        assert (created.year, created.grace_days, created.budget) == (2023, 14, 100_000_000)
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "round.create"))
        assert (event.actor, event.object_id) == (users["admin"], "lavterskel-psykisk-helse/2023")


def test_a_bad_date_gives_a_field_error_and_creates_nothing(app, client, auth, users):
    auth.login(users["admin"])
    response = client.post("/admin/runder", data={**NEW_ROUND, "deadline": "31.02.2024"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="error-summary"' in page and 'href="#deadline"' in page
    assert re.search(r'<p class="field-error" id="deadline-error">', page)
    field = re.search(r'<input[^>]*id="deadline"[^>]*>', page).group(0)
    assert 'aria-describedby="deadline-hint deadline-error"' in field
    assert 'aria-invalid="true"' in field and 'value="31.02.2024"' in field
    assert round_count(app) == 0


def test_a_round_that_exists_already_is_refused_on_the_year(app, client, auth, users,
                                                            lavterskel):
    auth.login(users["admin"])
    response = client.post("/admin/runder", data={**NEW_ROUND, "year": "2022"})
    assert response.status_code == 400
    assert 'id="year-error"' in response.get_data(as_text=True)
    assert round_count(app) == 1


def test_an_admin_changes_the_dates_and_the_change_is_audited(app, client, auth, users,
                                                              lavterskel):
    auth.login(users["admin"])
    url = "/admin/runder/lavterskel-psykisk-helse/2022"
    page = client.get(url).get_data(as_text=True)
    assert "3405" in page and "Lillehammer" in page and "1\u00a0234\u00a0567\u00a0kr" in page
    response = client.post(url, data={"opens_on": "09.01.2023", "deadline": "15.04.2023",
                                      "grace_days": "7", "opt_out_deadline": "22.04.2022",
                                      "payment_date": "29.04.2022", "budget": "100 000 000"})
    assert response.status_code == 302
    with app.app_context():
        changed = db.session.scalar(sa.select(Round))
        assert (changed.deadline.isoformat(), changed.grace_days) == ("2023-04-15", 7)
        event = db.session.scalar(sa.select(AuditEvent).where(
            AuditEvent.action == "round.update"))
        assert event.before["deadline"] == "2023-04-01"
        assert event.after["deadline"] == "2023-04-15"
    bad = client.post(url, data={"opens_on": "09.01.2023", "deadline": "01.01.2023",
                                 "grace_days": "7"})
    assert bad.status_code == 400 and 'id="deadline-error"' in bad.get_data(as_text=True)


def test_the_round_page_shows_the_grant_history(app, client, auth, users, runner):
    runner.invoke(args=["rounds", "create", "lavterskel-psykisk-helse/2022", "--opens",
                        "2023-01-09", "--deadline", "2023-04-01"])
    runner.invoke(args=["grants", "allocate", "lavterskel-psykisk-helse/2022",
                        "--total", "100 000 000", "--key", "population"])
    runner.invoke(args=["grants", "opt-out", "lavterskel-psykisk-helse/2022", "3405",
                        "--force"])
    auth.login(users["admin"])
    page = client.get("/admin/runder/lavterskel-psykisk-helse/2022").get_data(as_text=True)
    assert "356" in page and "100\u00a0000\u00a0000\u00a0kr" in page  # 2022's register
    assert ("Fordelt på nytt etter at 3405 takket nei til tilskuddet. Registrert ved "
            "overstyring: runden har ingen frist for å takke nei.") in page
    # 356 allocations and the changes the opt-out made: the newest hundred are shown.
    assert re.search(r"De nyeste 100 av [\d\xa0]+ endringene", page)


def test_an_unknown_round_is_404(client, auth, users):
    auth.login(users["admin"])
    assert client.get("/admin/runder/lavterskel-psykisk-helse/1999").status_code == 404


def test_a_year_that_is_not_a_number_gets_one_message(app, client, auth, users):
    auth.login(users["admin"])
    response = client.post("/admin/runder", data={**NEW_ROUND, "year": "tjuetjuetre"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('href="#year"') == 1 and "Skriv et helt tall" in page
    assert round_count(app) == 0


def test_the_rounds_grants_page_25_at_a_time_and_sort_by_amount(app, client, auth, users):
    """44 grants: two pages; the largest amount first when sorted by amount, descending."""
    import re

    from tests.review.test_work_queue import big_round

    names = big_round(app)
    auth.login(users["admin"])
    url = "/admin/runder/lavterskel-psykisk-helse/2022"
    first = client.get(url).get_data(as_text=True)
    body = first.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert len(re.findall(r"<tr>", body)) == 25
    assert "Side 1 av 2" in first
    second = client.get(url, query_string={"side": "2"}).get_data(as_text=True)
    assert len(re.findall(r"<tr>", second.split("<tbody>", 1)[1].split("</tbody>")[0])) == 19
    by_amount = client.get(url, query_string={"sorter": "amount", "retning": "desc"})
    rows = by_amount.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>")[0]
    largest = max(names, key=lambda n: list(names).index(n))  # amounts grow in that order
    assert re.search(r'<th scope="row">(\d{4})</th>', rows).group(1) == largest
    assert 'aria-sort="descending"' in by_amount.get_data(as_text=True)

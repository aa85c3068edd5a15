"""`users create`: roles with their scopes, validated, hashed and audited."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEvent, User


def user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_a_coordinator_for_two_municipalities_with_a_password_from_stdin(runner, ctx):
    result = runner.invoke(args=[
        "users", "create", "Kari@Hamar.kommune.no", "--role", "coordinator",
        "--municipality", "3403", "--municipality", "3405", "--password-stdin"],
        input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    created = user("kari@hamar.kommune.no")
    assert created.municipality_numbers == {"3403", "3405"}
    assert created.check_password("a long enough secret")
    assert "a long enough secret" not in (created.password_hash or "")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.after["municipalities"] == ["3403", "3405"]


def test_create_an_office_reviewer_by_area_name_and_get_a_generated_password(runner, ctx):
    result = runner.invoke(args=["users", "create", "ola@sf.no", "--role", "reviewer",
                                 "--office", "Statsforvalteren i Innlandet"])
    assert result.exit_code == 0, result.output
    assert "Password (shown once):" in result.output
    password = result.output.rsplit(":", 1)[1].strip()
    assert user("ola@sf.no").office == "innlandet"
    assert user("ola@sf.no").check_password(password)


def test_a_national_reviewer_and_auditor_are_national_by_saying_so(runner, ctx):
    for email, role in (("kari@helsedir.no", "reviewer"), ("per@riksrevisjonen.no", "auditor")):
        result = runner.invoke(args=["users", "create", email, "--role", role,
                                     "--office", "national"])
        assert result.exit_code == 0, result.output
        assert user(email).office == "national"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.create")
                              .order_by(AuditEvent.id.desc()))
    assert event.after["office"] == "national"


def test_a_reviewer_or_auditor_without_a_scope_is_refused_never_national_by_omission(
        runner, ctx):
    for role in ("reviewer", "auditor"):
        for office in ([], ["--office", ""], ["--office", "  "]):
            result = runner.invoke(args=["users", "create", "x@y.no", "--role", role, *office])
            assert result.exit_code == 1, (role, office)
            assert f"a {role} needs a scope: --office national or an office" in result.output
            assert "innlandet" in result.output  # the offices to choose from are listed
    assert user("x@y.no") is None


def test_an_account_without_a_scope_sees_no_municipality(client, auth, users, app):
    """An account made before scopes were explicit, or by hand, with no office: nothing,
    where it used to be everything."""
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == users["reviewer_national"])
                           .values(office=None))
        db.session.commit()
    auth.login(users["reviewer_national"])
    page = client.get("/gjennomgang").get_data(as_text=True)
    assert "0 kommuner" in page and "har ikke noe ansvarsområde" in page
    assert client.get("/kommuner/3405").status_code == 404
    assert client.get("/kommuner/0301").status_code == 404


def test_bad_requests_are_refused_with_a_reason_and_create_nothing(runner, ctx):
    cases = [
        (["x@y.no", "--role", "coordinator"], "needs at least one --municipality"),
        (["x@y.no", "--role", "coordinator", "--municipality", "9999"], "unknown kommunenummer"),
        (["x@y.no", "--role", "reviewer", "--office", "Atlantis"], "unknown office"),
        (["x@y.no", "--role", "admin", "--office", "Innlandet"], "only reviewers and auditors"),
        (["x@y.no", "--role", "reviewer", "--municipality", "3405"], "only coordinators"),
        (["not-an-address", "--role", "admin"], "is not an e-mail address"),
    ]
    for args, reason in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code == 1, args
        assert reason in result.output, (args, result.output)
    short = runner.invoke(args=["users", "create", "x@y.no", "--role", "admin",
                                "--password-stdin"], input="short\n")
    assert "at least 12 characters" in short.output
    assert user("x@y.no") is None
    runner.invoke(args=["users", "create", "x@y.no", "--role", "admin"])
    again = runner.invoke(args=["users", "create", "X@y.no", "--role", "admin"])
    assert again.exit_code == 1 and "exists already" in again.output


def test_only_a_reviewer_is_made_an_approver_of_decisions(runner, ctx, users):
    """Only reviewers decide (issue 13): an admin or an auditor is refused, as on the page."""
    for email in (users["admin"], users["auditor"]):
        result = runner.invoke(args=["users", "approver", email])
        assert result.exit_code == 1
        assert "only a reviewer can approve decisions" in result.output
        assert not user(email).approves_decisions
    result = runner.invoke(args=["users", "approver", users["reviewer_innlandet"]])
    assert result.exit_code == 0 and "may now approve decisions" in result.output
    assert user(users["reviewer_innlandet"]).approves_decisions

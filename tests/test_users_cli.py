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
    assert "at least 10 characters" in short.output
    assert user("x@y.no") is None
    runner.invoke(args=["users", "create", "x@y.no", "--role", "admin"])
    again = runner.invoke(args=["users", "create", "X@y.no", "--role", "admin"])
    assert again.exit_code == 1 and "exists already" in again.output

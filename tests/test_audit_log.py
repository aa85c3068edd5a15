"""The audit log: written with each change, readable and filterable by admins and auditors."""

from __future__ import annotations


def test_auditor_filters_the_log_by_event_and_actor(client, auth, users, runner):
    runner.invoke(args=["users", "create", "ny@helsedir.no", "--role", "admin"])
    auth.login(users["coordinator"])
    client.get("/kommuner/0301")  # refused, and recorded
    auth.logout()
    auth.login(users["auditor"])
    everything = client.get("/logg").get_data(as_text=True)
    for action in ("user.create", "access.denied", "user.sign-in", "register.import"):
        assert action in everything
    denied = client.get("/logg", query_string={"action": "access.denied"}).get_data(as_text=True)
    assert users["coordinator"] in denied and "municipality 0301" in denied
    assert "user.create" not in denied.split("<tbody>")[1]
    mine = client.get("/logg", query_string={"actor": users["auditor"]}).get_data(as_text=True)
    assert "user.sign-in" in mine.split("<tbody>")[1]
    assert "access.denied" not in mine.split("<tbody>")[1]
    future = client.get("/logg", query_string={"from": "2999-01-01"}).get_data(as_text=True)
    assert "Ingen hendelser samsvarer med filteret." in future


def test_the_new_users_record_shows_what_was_created(client, auth, users, runner):
    runner.invoke(args=["users", "create", "ny@sf.no", "--role", "reviewer",
                        "--office", "Vestland"])
    auth.login(users["admin"])
    page = client.get("/logg", query_string={"action": "user.create"}).get_data(as_text=True)
    assert "ny@sf.no" in page and "vestland" in page and "system" in page

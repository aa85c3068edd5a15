"""Whatever is typed into a report page, the server answers with a page, never an error,
and what was typed is kept exactly as typed."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.extensions import db
from survey_app.models import Response
from tests.report.test_flow import REPORT, version_in

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=60)
FIELDS = ("received", "used_amount", "unused_explanation", "used_for_mapping",
          "mapping_amount", "transferred_to_next_year", "services_strengthened")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.fixed_dictionaries({name: TEXT for name in FIELDS}),
       section=st.sampled_from(["economy", "conditions", "services"]))
def test_arbitrary_text_in_any_field_is_saved_as_typed_and_never_a_server_error(
        app, client, auth, users, lavterskel, values, section):
    auth.login(users["coordinator"])  # examples share the app: load the page's version
    version = version_in(client.get(f"{REPORT}/side/{section}").get_data(as_text=True))
    answer = client.post(f"{REPORT}/side/{section}", data={"version": version, **values})
    assert answer.status_code in (200, 302), answer.status_code
    with app.app_context():
        response = db.session.scalar(sa.select(Response))
        stored = response.pages[section]["data"] if response else {}
    for name, value in stored.items():
        assert value == [values[name]] or value == [values[name].replace("\r\n", "\n")]

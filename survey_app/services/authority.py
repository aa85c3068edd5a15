"""Who administers a grant, and so signs its invitations, reminders and letters.

The schemes file says who runs each scheme (`administration` in
questionnaires/schemes/schemes.yaml): Helsedirektoratet for a national scheme, or the
Statsforvalter office of each municipality for a scheme run by the offices. A mail about
a grant of 765.62 to Lillehammer is signed "Statsforvalteren i Innlandet", never
"Helsedirektoratet", which does not run that scheme.
"""

from __future__ import annotations

from survey_app.models import Administration, Grant
from survey_app.offices import DIRECTORATE, office_name
from survey_app.services import register


def signer(grant: Grant, language: str) -> str:
    """The authority that signs for the grant, by its official name in the grant year and
    in ``language`` ("Statsforvaltaren i Vestland" in nynorsk)."""
    round_ = grant.round
    if round_.scheme.administration != Administration.OFFICES:
        return DIRECTORATE
    # The grant was checked against the register of its year when it was made; should that
    # register have been removed since, the newest entry of the number has the same
    # office (no municipality changed office in the reforms of 2020 and 2024), and the
    # office's name is still the one of the grant year.
    entry = register.entry_of_grant(grant) or register.current_entry(grant.municipality_number)
    return office_name(entry.office if entry else None, round_.year, language)

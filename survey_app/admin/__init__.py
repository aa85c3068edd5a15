"""Administration: accounts, the audit log, rounds and grants."""

from survey_app.admin import (
    outbox,  # noqa: F401  (adds the outbox pages to the blueprint)
    rounds,  # noqa: F401  (adds the round pages to the blueprint)
    users,  # noqa: F401  (adds the account pages to the blueprint)
)

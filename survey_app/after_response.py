"""Work that follows a request but that nobody should wait for: run once the response has
gone to the browser.

The WSGI server closes the response after sending it (gunicorn, and werkzeug's
`Response.close()` in tests); the job runs then, in the same worker, in a copy of the
request's context (the signed-in user and the client's address for the audit log, a
fresh database session). Only for work that another path makes good if it never runs —
a worker that dies in between loses nothing a cron job would not redo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import copy_current_request_context
from werkzeug.wrappers import Response as WerkzeugResponse

log = logging.getLogger(__name__)


def after_response(response: WerkzeugResponse, job: Callable[[], object], what: str) -> None:
    """Run `job` when `response` is closed; a failure is logged (`what` names the job)."""

    @copy_current_request_context
    def run() -> None:
        try:
            job()
        except Exception:  # after the response nobody can be told; the cron job redoes it
            log.exception("%s after the response failed", what)

    response.call_on_close(run)

"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import sys

from survey_app import create_app
from survey_app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line, no traceback: the operator knows what to set
    sys.stderr.write(f"survey_app: {error}\n")
    # 4 is gunicorn's "application failed to load": the master stops instead of
    # restarting workers forever.
    raise SystemExit(4) from None

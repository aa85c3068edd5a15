"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import sys

from survey_app import create_app
from survey_app.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line, no traceback: the operator knows what to set
    sys.stderr.write(f"survey_app: {error}\n")
    raise SystemExit(1) from None

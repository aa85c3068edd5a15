"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi ...``."""

import gc
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

# What the app keeps for its lifetime (questionnaires, rules, the register's caches,
# translations) is loaded by now. Moving it out of the collector's generations spares
# every full collection from walking it again; without this a full collection in a busy
# worker cost about 3 ms per submit (bench/submit.py, docs/benchmarks.md).
gc.freeze()

# Two commands for a newcomer: `make run` (a running service with demo data) and
# `make test` (the whole suite). Everything else here is what they are made of.

VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3

.PHONY: run test install install-dev translations system-test-deps lint serve bench design screenshots

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

# Exactly the locked versions, each checked against its hash (scripts/lock.sh makes the
# lock files from pyproject.toml); then the project itself, which adds nothing more.
$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml requirements.lock
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.lock
	$(VENV)/bin/pip install --quiet --no-deps -e '.[dev]'
	@touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled message catalogues (.mo) are build products, made from the .po files.
translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel compile --use-fuzzy -d survey_app/translations 2>&1 | grep -v '^compiling' || true

# A development checkout's settings: a random secret key, never committed.
instance/config.py:
	@mkdir -p instance
	@$(PYTHON) -c "import secrets; print('APP_ENV = \"development\"'); print(f'SECRET_KEY = \"{secrets.token_hex(32)}\"')" > $@
	@echo "Wrote $@ (development settings)."

run: install instance/config.py
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C stops)."
	$(FLASK) run --host 127.0.0.1 --port 5000

# Chromium and the PostgreSQL server binaries for the browser and PostgreSQL tests.
system-test-deps:
	@bash scripts/test-system-deps.sh

# Style and static types; mypy reads what to check from [tool.mypy] in pyproject.toml.
lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install-dev system-test-deps lint
	$(VENV)/bin/pytest

# Rendering benchmarks, reported as ratios against a floor measured in the same run.
bench: $(VENV)/.installed-dev translations
	$(PY) bench/run.py

# Designsystemet's CSS, vendored into survey_app/static/vendor/designsystemet (needs Node and
# npm; only after changing the pinned version in design/package.json). run/test do not need it.
design:
	bash scripts/build-design.sh

# A screenshot of every page type (nb and nn at 375 px, nb at 1 280 px) in screenshots/,
# with an index.html to look at them all; needs the browser from system-test-deps.
screenshots: $(VENV)/.installed-dev translations system-test-deps
	$(PY) scripts/screenshots.py screenshots

# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(PY) -m flask --app wsgi
STAMP := $(VENV)/.installed-stamp
# `make run PORT=8080 HOST=0.0.0.0` (RUN_PORT is the older name of PORT). The address links and
# the demo's "Sign in at" use is BASE_URL: this one, unless COORDINATOR_BASE_URL names another.
RUN_PORT ?= 5000
PORT ?= $(RUN_PORT)
HOST ?= 127.0.0.1
RUN_ADDRESS ?= $(or $(COORDINATOR_BASE_URL),http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT))
RUN_FLASK := COORDINATOR_BASE_URL=$(RUN_ADDRESS) $(FLASK)

.PHONY: install run serve test test-browser test-postgres ci lint format migrate-check bench clean \
	babel-extract babel-update babel-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Creates the venv, migrates, loads the demo network into an empty database (once), prints the
# demo logins, serves. A job worker (queue: instance/jobs.sqlite, no server) runs next to the dev
# server and stops with it.
run: install
	$(RUN_FLASK) db upgrade
	$(RUN_FLASK) demo --if-empty
	$(RUN_FLASK) worker --workers 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_FLASK) run --host $(HOST) --port $(PORT)

# The production server (gunicorn.conf.py: workers, timeouts, access log) on 127.0.0.1:8000.
serve: install
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

test: install js-deps
	$(PY) -m pytest -m "not browser" -n auto --dist loadfile

# ical.js reads every feed in tests/feeds: installed (pinned by tests/js/package-lock.json) when
# npm is here and it is missing. Without it the ical.js checks skip, and fail under CI=true.
.PHONY: js-deps
js-deps:
	@if [ ! -d tests/js/node_modules/ical.js ] && command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund --silent; \
	fi

# pytest exits 5 when it collects nothing: that is not a failure of the browser stage.
test-browser: install
	@$(PY) -m pytest -m browser tests/browser; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no browser tests collected"; exit 0; fi; exit $$rc

LINTED := coordinator tests bench gunicorn.conf.py wsgi.py

lint: install
	$(PY) -m ruff check $(LINTED)
	$(PY) -m ruff format --check $(LINTED)

format: install
	$(PY) -m ruff format $(LINTED)

ci:
	bash .ci/run

# Translations: extract marked strings, merge them into each catalog, compile the .mo files.
BABEL := $(VENV)/bin/pybabel
TRANSLATIONS := coordinator/translations
babel-extract: install
	$(BABEL) extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --no-wrap --project coordinator .

babel-update: babel-extract
	$(BABEL) update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete --no-fuzzy-matching --no-wrap

babel-compile: install
	$(BABEL) compile -d $(TRANSLATIONS) --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

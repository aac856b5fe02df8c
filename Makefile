# Newsroom: `make run` sets everything up and serves the site; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run setup install test lint format audit bench loadtest serve worker clean

# The background worker (pictures, notification mail printed to the console) runs beside the dev server and stops with it.
run: setup  ## Set up (venv, install, migrate, import fixtures, demo accounts) and serve on 127.0.0.1:8000, with a job worker
	@$(PY) manage.py jobs_worker -v 0 & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT)

setup: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_seeds fixtures
	$(PY) manage.py create_demo_accounts

install: $(INSTALLED)

$(INSTALLED): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Newsroom needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1). Try: make PYTHON=python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

test: install  ## Check models against migrations, then run the whole suite
	$(PY) manage.py makemigrations --check --dry-run --settings=newsroom.settings.test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

audit: install  ## requirements.txt against PyPI's advisories (pip-audit's data; see .ci/audit_requirements.py)
	$(PY) .ci/audit_requirements.py --strict

bench: install  ## Benchmarks: import and site (SQLite); prints ratios measured in one run (docs/PERFORMANCE.md)
	$(PY) bench/run.py --site
	$(PY) bench/peer.py  # Newsroom against the Wagtail peer on the same 10,000 files (docs/PERFORMANCE.md)
	$(PY) bench/pictures.py  # renditions/s against bare Pillow; bytes a 390 px phone downloads (docs/PERFORMANCE.md)
	$(PY) bench/simulate.py  # a day of Zipf traffic, an import every 10 min, an edit a minute: cache hit rate, no stale page

loadtest: install  ## gunicorn (production settings) on 127.0.0.1 under wrk, 30 s per page type, about 3 minutes
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
	$(PY) bench/load.py

SECRET_FILE := var/secret_key

$(SECRET_FILE):
	@mkdir -p var
	@umask 077; $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

# Production settings behind a TLS-terminating proxy: no HTTPS redirect here.
serve: export DJANGO_SETTINGS_MODULE = newsroom.settings.production
serve: export DJANGO_SECURE_SSL_REDIRECT ?= false
serve: install $(SECRET_FILE)  ## Production mode: migrate, collectstatic, gunicorn on 127.0.0.1:8000
	@mkdir -p var
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}" $(PY) manage.py migrate --noinput
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}" $(PY) manage.py collectstatic --noinput -v 0
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}" $(VENV)/bin/gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi

# The job worker of `make serve`, a process of its own (README "Background jobs": a systemd unit; run
# one or more on each machine, all against the one PostgreSQL).
worker: export DJANGO_SETTINGS_MODULE = newsroom.settings.production
worker: install $(SECRET_FILE)  ## Production mode: a background job worker (pictures, notification mail)
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_FILE))}" $(PY) manage.py jobs_worker

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts

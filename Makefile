# Two commands for a new user: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

WORKERS ?= 2
# `make test` runs the tests on this many processes (pytest-xdist): `auto` is one
# per core; TEST_WORKERS=0 runs them one at a time in this process.
TEST_WORKERS ?= auto

.PHONY: run serve test lint format migrations-check messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_reports
	$(BIN)/python manage.py ensure_local_admin
	@echo ""
	@echo "  Log in at http://$(HOST):$(PORT)/admin/  (Ctrl-C stops the server)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production: gunicorn, static files by WhiteNoise. Set the environment first
# (README.md, "Running it for a county"): DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL.
serve: $(VENV)/.installed-run
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input -v 0
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

# Debian's Chromium, fonts and pdftotext for the browser and PDF tests: installed
# when missing and possible (root), else those tests are skipped (scripts/system_packages.sh).
test: $(VENV)/.installed-dev
	@scripts/system_packages.sh
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemigrations --check --dry-run

# Needs GNU gettext (msgfmt); the compiled .mo files are committed. Kazakh is
# translated in Cyrillic (locale/kk); scripts/kk_arabic_po.py writes the Arabic
# script (locale/kk_Arab) from it and compiles both (docs/glossary.md).
# The djangojs domain is what the field app's script writes (static/field/field.js).
messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages --locale zh_Hans --locale kk --locale kk_Arab \
		--no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "tests/*"
	$(BIN)/python manage.py makemessages --domain djangojs --locale zh_Hans --locale kk \
		--locale kk_Arab --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "tests/*"
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore ".venv/*"
	$(BIN)/python scripts/kk_arabic_po.py

clean:
	rm -rf $(VENV) var

# schemathesis over /api/schema/ against a live server on a throwaway SQLite
# database (see README.md, "Fuzzing the API"). About 3 minutes; not part of `make test`.
.PHONY: fuzz
fuzz: $(VENV)/.installed-dev
	bash scripts/fuzz.sh

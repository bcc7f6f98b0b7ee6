# The two commands a newcomer needs: `make run` and `make test`. Everything else is for us.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Installed from the hashed locks: `make run` needs only the runtime set, the tests and tools
# need the dev set (the runtime set plus pytest, Playwright, ruff, ...). One stamp each, so a
# `make run` never pulls in the test tools and a changed lock reinstalls on the next command.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
PIP := $(BIN)/python -m pip install --disable-pip-version-check --require-hashes
# Regenerating the locks (`make lock`): pip-compile from pip-tools (in the dev set), with every
# transitive version and its hashes, nothing of this machine's own package sources in the files.
# `make lock LOCK_ARGS=--upgrade` moves the unpinned ones to their newest releases.
LOCK_ARGS ?=
PIP_COMPILE := $(BIN)/pip-compile --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links --no-emit-index-url --no-emit-trusted-host $(LOCK_ARGS)
HOST ?= 127.0.0.1
PORT ?= 8000
# Where `make backup` writes (FILE= names the file instead).
BACKUP_DIR ?= backups

# The settings fail closed (DEBUG off, SECRET_KEY required). The local commands ask for the
# friendly defaults explicitly: DEBUG on, and so a local-only key, unless the environment sets
# DEBUG itself. `make serve`, `backup` and `restore` take the environment as it is.
run migrations-check seed regrade benchmark benchmark-scale bench-startup: export DEBUG ?= 1

.PHONY: run serve backup restore loadtest test install install-runtime lint fmt migrations-check \
	lock seed regrade benchmark benchmark-scale bench-startup screenshots clean

$(BIN)/python:
	@echo "== Creating the virtual environment $(VENV) with $(PYTHON) (once)"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "This project needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)."; \
		echo "Point PYTHON at one: make run PYTHON=python3.12"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "Could not create $(VENV): Python's venv module is missing (on Debian or Ubuntu:"; \
		echo "apt-get install python3-venv)."; exit 1; }

$(RUNTIME_STAMP): requirements.lock | $(BIN)/python
	@echo "== Installing the app's packages from requirements.lock into $(VENV)"
	@echo "   (the first time takes under a minute: about 125 MB, Django and a few libraries)"
	$(PIP) -r requirements.lock
	@touch $@

$(DEV_STAMP): requirements-dev.lock | $(BIN)/python
	@echo "== Installing the app's packages and the test tools from requirements-dev.lock into $(VENV)"
	@echo "   (the first time takes a minute or two: also pytest, Playwright, ruff, mypy)"
	$(PIP) -r requirements-dev.lock
	@touch $@

# For us and CI: everything, tests and tools included.
install: $(DEV_STAMP)

install-runtime: $(RUNTIME_STAMP)

lock: $(DEV_STAMP)
	@echo "== Locking requirements.txt into requirements.lock"
	$(PIP_COMPILE) --output-file=requirements.lock requirements.txt
	@echo "== Locking requirements-dev.txt into requirements-dev.lock (runtime versions as locked)"
	$(PIP_COMPILE) --constraint=requirements.lock --output-file=requirements-dev.lock \
		requirements-dev.txt

run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed --if-empty
	$(BIN)/python manage.py setup_roles
	@echo ""
	@echo "  Evidence tracker on http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/ -- make an account first with"
	@echo "      DEBUG=1 $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production serving (docs/deploy.md): migrations, the static files collected with hashed and
# compressed names, then gunicorn with whitenoise. Needs SECRET_KEY (and ALLOWED_HOSTS etc.).
serve: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_roles
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config config/gunicorn.py config.wsgi

# A consistent copy of the database: pg_dump's custom format on PostgreSQL, SQLite's backup API
# on SQLite. `make restore FILE=...` puts one back (replacing what is there).
backup: $(RUNTIME_STAMP)
	$(BIN)/python manage.py backup_db $(if $(FILE),--output $(FILE),--directory $(BACKUP_DIR))

restore: $(RUNTIME_STAMP)
	@test -n "$(FILE)" || { echo "Say which backup: make restore FILE=backups/..."; exit 1; }
	$(BIN)/python manage.py restore_db --noinput $(FILE)

# Load and a PostgreSQL restart against a running `make serve` (loopback only): tools/loadtest.py.
loadtest: $(RUNTIME_STAMP)
	$(BIN)/python tools/loadtest.py $(LOADTEST_ARGS)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(DEV_STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

seed: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed

regrade: $(RUNTIME_STAMP)
	$(BIN)/python manage.py regrade

benchmark: $(RUNTIME_STAMP)
	$(BIN)/python manage.py benchmark_pages

# Every public page against a floor view at the scale the database holds (docs/performance.md):
# fill a database first, e.g. `manage.py generate_synthetic --claims 100000 --studies 30000
# --links-per-claim 3` on an empty DATABASE_URL. BENCH_ARGS="--runs 7 --datasette URL".
benchmark-scale: $(RUNTIME_STAMP)
	$(BIN)/python tools/benchmark_scale.py $(BENCH_ARGS)

# How long a command takes to start (`manage.py check`, the median of several runs).
bench-startup: $(RUNTIME_STAMP)
	$(BIN)/python tools/bench_startup.py

# Full-page screenshots of the main pages, taken by the browser tests, for the README.
screenshots: $(DEV_STAMP)
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

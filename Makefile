# The two commands a newcomer needs: `make run` and `make test`. Everything else is for us.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint fmt migrations-check seed regrade benchmark screenshots clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed --if-empty
	$(BIN)/python manage.py setup_roles
	@echo ""
	@echo "  Evidence tracker on http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/ -- make an account first with"
	@echo "      $(BIN)/python manage.py createsuperuser"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

seed: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_seed

regrade: $(STAMP)
	$(BIN)/python manage.py regrade

benchmark: $(STAMP)
	$(BIN)/python manage.py benchmark_pages

# Full-page screenshots of the main pages, taken by the browser tests, for the README.
screenshots: $(STAMP)
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/browser -q

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

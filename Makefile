# Parley's two everyday commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format services

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.test-installed: requirements/base.txt requirements/test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/test.txt
	touch $@ $(VENV)/.base-installed

# ESLint, pinned by package-lock.json (node and npm: scripts/services.sh, which `make test` runs first).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## Set up and run Parley on SQLite with the in-memory channel layer, on http://$(HOST):$(PORT)/
run: $(VENV)/.base-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Parley: http://$(HOST):$(PORT)/  (admin: /admin/, API docs: /api/docs/, health: /health)"
	$(BIN)/python -m config.daphne -b $(HOST) -p $(PORT) config.asgi:application

services:
	scripts/services.sh

## Set up and run the whole test suite against real PostgreSQL and Redis
# The dependency audit runs `pip-audit -r requirements/base.txt --progress-spinner off`; it
# warns instead of failing when pip-audit's vulnerability service is unreachable (docs/security.md).
# The JS unit tests are named by a shell glob: node 21+ no longer searches a directory argument.
test: $(VENV)/.test-installed services node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	npx eslint .
	node --test tests/js/*.test.js
	$(BIN)/python scripts/dependency_audit.py requirements/base.txt
	$(BIN)/pytest $(PYTEST_ARGS)

lint: node_modules/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	npx eslint .

format:
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

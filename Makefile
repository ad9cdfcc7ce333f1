# minyi task runner. `make` alone lists the targets.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export MINYI_DATA_DIR ?= $(CURDIR)/data

.DEFAULT_GOAL := check

check: lint test ## Lint and run the whole suite (the default target)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/minyi: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: $(BIN)/minyi
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/minyi ## Create the virtual environment and install minyi

demo: install ## Install, migrate, load demo data (prints staff logins once) and serve on HOST:PORT with a worker
	$(BIN)/minyi migrate
	$(BIN)/minyi demo-data
	$(BIN)/minyi serve --host $(HOST) --port $(PORT)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

chromium: ## Install Debian's chromium (and CJK fonts) for the browser tests, when missing
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

AXE := $(VENV)/node/node_modules/axe-core/axe.min.js

axe: $(AXE) ## Install axe-core from npm (the accessibility check of the browser tests), and Debian's npm when missing

$(AXE):
	@if ! command -v npm >/dev/null 2>&1; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; \
	fi
	npm install --silent --no-audit --no-fund --prefix $(VENV)/node 'axe-core@^4.10'

nginx: ## Install Debian's nginx for the production-layout test (tests/deploy), when missing
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx; \
	fi

test: $(VENV)/.dev chromium axe ## Install the development dependencies and run the whole suite
	$(BIN)/python -m pytest

fast: $(VENV)/.dev ## The inner loop: the suite without the browser and the live-server tests (no chromium, no PostgreSQL)
	$(BIN)/python -m pytest -q -m "not e2e and not reliability"

test-postgres: $(VENV)/.dev nginx ## Run the database, workflow, web, reliability and production-layout tests on a throwaway PostgreSQL server
	$(BIN)/pip install --quiet 'psycopg[binary]>=3.1' 'peewee>=3.17'  # peewee: the job queue on PostgreSQL
	scripts/with_postgres.sh $(BIN)/python -m pytest -q -p no:cacheprovider tests/workflow tests/messages tests/web \
	  tests/hot tests/accounts tests/departments tests/stats tests/notifications tests/ingest tests/reliability \
	  tests/core tests/privacy tests/replies tests/watches tests/dashboard tests/reports tests/jobs tests/deploy \
	  tests/entry tests/collect tests/interviews tests/knowledge tests/suggestions tests/callbacks tests/scorecard \
	  tests/jurisdictions

lint: $(VENV)/.dev ## Lint (ruff), check the formatting (ruff format) and type-check (mypy)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

bench: $(VENV)/.dev ## Run the benchmarks (prints ours, the baseline and the ratio)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

.PHONY: check help install demo chromium axe nginx test fast test-postgres lint bench

# Two commands on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export DAGSTER_DISABLE_TELEMETRY = 1
export GX_ANALYTICS_ENABLED = false

.PHONY: run test dev bench venv bytecode clean-outputs instance instance-postgres

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The package's bytecode, written once: Python writes none where PYTHONDONTWRITEBYTECODE is set (as
# on the machines this was measured on), so every `lei` process and every test's subprocess compiled
# the package's 166 modules from source again (0.4 s of CPU each). Up to date, this takes 0.1 s.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q lei_pipeline lei_pipeline_tests

# dagster.yaml (telemetry off, queued runs one wave at a time) and the instance, created once under a lock.
instance: $(STAMP) bytecode
	$(BIN)/python -m lei_pipeline.defs.instance

# `lei run` writes dagster.yaml and creates the instance itself, under the same lock (a separate
# `instance` step here started Python and Dagster once more: 3.6 s of every `make run`).
run: bytecode
	$(BIN)/lei run

test: $(STAMP) bytecode
	$(BIN)/python -m lei_pipeline_tests.support.system_deps
	$(BIN)/pytest -n 2 -p no:cacheprovider

# One Dagster instance in PostgreSQL for `make dev`, `lei run` and every run (DAGSTER_PG_URL must be set).
instance-postgres:
	@test -n "$$DAGSTER_PG_URL" || { echo "set DAGSTER_PG_URL=postgresql+psycopg2://USER:PASSWORD@HOST:5432/DB first" >&2; exit 2; }
	mkdir -p $(DAGSTER_HOME)
	cp deploy/dagster.postgres.yaml $(DAGSTER_HOME)/dagster.yaml

dev: instance
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1

bench: $(STAMP) bytecode
	$(BIN)/python -m lei_pipeline_tests.benchmarks

clean-outputs:
	rm -rf data/published data/catalog.sqlite $(DAGSTER_HOME)

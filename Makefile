# Stonechat: `make run` starts the server on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run setup test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/stonechat serve

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup  # needs wrk (apt-get install -y wrk) and mosquitto; results: docs/benchmarks.md
	$(BIN)/python bench/rest_bench.py
	$(BIN)/python bench/mqtt_bench.py

clean:
	rm -rf $(VENV) build *.egg-info test-output .pytest_cache .mypy_cache .ruff_cache

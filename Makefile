# Stonechat: `make run` starts the server on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The web UI (ui/, TypeScript + Vite) is built into the Python package. It is rebuilt when
# the lock file or any UI source changes; SKIP_UI=1 skips it (the server then shows a page
# saying the UI was not built). Needs Node.js 20+ and npm.
UI_DIST := src/stonechat/web/dist/index.html
UI_DEPS := ui/node_modules/.installed
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) \
	$(wildcard ui/index.html ui/package.json ui/vite.config.ts ui/tsconfig*.json)

.PHONY: run setup ui test lint typecheck bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
ifneq ($(wildcard ui/package.json),)
ifndef SKIP_UI
setup: $(UI_DIST)
endif
endif

ui: $(UI_DIST)

$(UI_DEPS): ui/package-lock.json
	@command -v npm >/dev/null || { echo "make: the web UI needs Node.js 20+ and npm" \
		"(apt-get install -y nodejs npm, or https://nodejs.org); or run make SKIP_UI=1" >&2; exit 1; }
	cd ui && npm ci --no-audit --no-fund
	touch $@

$(UI_DIST): $(UI_DEPS) $(UI_SOURCES)
	cd ui && npm run build
	touch $@

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
	rm -rf src/stonechat/web/dist ui/node_modules

# Stonechat: `make run` starts the server on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Python dependencies are locked in uv.lock (every version, with hashes); make setup installs
# exactly that with uv, itself pinned with hashes in uv-bootstrap.txt and kept in .tools/.
# `make lock` updates the lock after a change to pyproject.toml; `make upgrade` moves every
# package to the newest version pyproject.toml allows. See docs/development.md.
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

# The web UI (ui/, TypeScript + Vite) is built into the Python package. It is rebuilt when
# the lock file or any UI source changes; SKIP_UI=1 skips it (the server then shows a page
# saying the UI was not built). Needs Node.js 20+ and npm.
UI_DIST := src/stonechat/web/dist/index.html
UI_DEPS := ui/node_modules/.installed
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) \
	$(wildcard ui/index.html ui/package.json ui/vite.config.ts ui/tsconfig*.json)

.PHONY: run setup ui test lint typecheck bench clean lock upgrade

$(UV): uv-bootstrap.txt
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --no-deps --require-hashes -r uv-bootstrap.txt
	touch $(UV)

$(STAMP): pyproject.toml uv.lock $(UV)
	@$(UV) lock --check --offline --quiet 2>/dev/null || { echo "make: uv.lock does not" \
		"match pyproject.toml. Run 'make lock' to update it (and commit uv.lock)." >&2; exit 1; }
	$(UV) sync --locked --extra dev --quiet --compile-bytecode
	touch $(STAMP)

lock: $(UV)  # after editing pyproject.toml: re-resolve what changed, keep every other pin
	$(UV) lock

upgrade: $(UV)  # every package to the newest version pyproject.toml allows; run make test after
	$(UV) lock --upgrade

# Bytecode ahead of time: where PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile
# every module it imports, in every process (~2 s for each server or command started).
setup: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 src >/dev/null
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
	rm -rf $(VENV) $(TOOLS) build *.egg-info test-output .pytest_cache .mypy_cache .ruff_cache
	rm -rf src/stonechat/web/dist ui/node_modules

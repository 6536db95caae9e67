# Parley — the two commands: `make dev` (run everything locally) and `make test` (every test).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_FLAGS := --quiet --disable-pip-version-check
export PIP_NO_WARN_SCRIPT_LOCATION := 1

.PHONY: dev test lock contract install install-run system-deps frontend lint unit integration e2e bench load capacity chaos clean

dev: install-run frontend ## Start the whole stack on 127.0.0.1:8080 (installs what running needs)
	$(PY) -m services.devstack

# The browser and chaos tests and the integration tests mostly wait: they run beside the rest
# (tests/side_by_side.py), which keeps both cores busy; `PYTEST_ARGS` go to all three parts.
test: install system-deps frontend lint ## Install everything and run every test
	cd frontend && npm test --silent
	$(PY) -m tests.side_by_side $(PYTEST_ARGS)

install-run: $(VENV)/.installed-run frontend/node_modules/.installed
install: $(VENV)/.installed frontend/node_modules/.installed

# Running: the services and the embedded AWS, exactly the versions in the lock (hashes
# checked; nothing else is resolved). `make lock` writes the locks from pyproject.toml.
PIP_LOCKED := $(PY) -m pip install $(PIP_FLAGS) --require-hashes --no-deps
$(VENV)/.installed-run: pyproject.toml requirements/run.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP_LOCKED) -r requirements/run.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install $(PIP_FLAGS) --no-deps --no-build-isolation -e . 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import services, moto, aioboto3"
	touch $@

# Testing adds the test and infra toolchain (pytest, playwright, mypy, stubs, pulumi-aws)
# and the load generator's plotting, from the test lock.
$(VENV)/.installed: $(VENV)/.installed-run requirements/test.txt
	$(PIP_LOCKED) -r requirements/test.txt 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip check
	$(PY) -c "import services, moto, aioboto3, pulumi_aws, pulumi_random, playwright"
	touch $@

# Re-lock after changing pyproject.toml: keeps every locked version the new bounds allow.
# `make lock UPGRADE=1` takes the newest versions allowed instead; then run `make test`.
UV_COMPILE = $(VENV)/bin/uv pip compile --generate-hashes --python-version 3.11 --universal --quiet --no-header
lock: install ## Write requirements/*.txt (the locks) from pyproject.toml
	$(UV_COMPILE) pyproject.toml requirements/build.in --extra local --extra dev --extra infra --extra load -c requirements/test.txt $(if $(UPGRADE),--upgrade) -o requirements/test.txt
	$(UV_COMPILE) pyproject.toml requirements/build.in --extra local -c requirements/test.txt -o requirements/run.txt
	$(UV_COMPILE) pyproject.toml requirements/build.in -c requirements/test.txt -o requirements/image.txt
	$(PY) -m tests.locks --write

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend: frontend/node_modules/.installed ## Build the SPA into frontend/dist
	cd frontend && npm run build --silent

# Headless Chromium, coturn and a CJK font (the Japanese screenshots) for the browser tests
# (Debian packages; needs root or sudo).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v turnserver >/dev/null || missing="$$missing coturn"; \
	fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The SPA's API types from the server's own models: the OpenAPI document the gateway serves and
# the pushed messages' JSON Schema, then TypeScript from both (frontend/src/api/generated/).
contract: install frontend/node_modules/.installed ## Regenerate the SPA's API types after changing a model
	$(PY) -m tests.contract --write
	cd frontend && npm run contract --silent

lint: install frontend/node_modules/.installed
	cd frontend && npm run lint --silent
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy services infra
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

unit: install
	$(PY) -m pytest -q tests/unit

integration: install
	$(PY) -m pytest -q tests/integration

e2e: install system-deps frontend
	$(PY) -m pytest -q tests/e2e

bench: install ## Print the benchmarks' figures
	$(PY) -m pytest -q tests/load -m benchmark -s

# The matching path under load: the stack started as `make dev` does, on free ports, then
# 24 people at 5 joins/s for 60 s; prints the figures, checks the books, stops the stack.
LOAD_ARGS ?= --people 24 --joins-per-s 5 --seconds 60 --plot build/load.png --json build/load.json
load: install ## Load the local stack and check its books (LOAD_ARGS to change the run)
	$(PY) -m services.loadgen.local $(LOAD_ARGS)

# A day of a million and of ten million people, simulated against the real pairing core:
# hot partitions, queues, tasks, media nodes, waits and cost (docs/capacity.md). ~2.5 min CPU.
CAPACITY_ARGS ?= --people 1000000:day 10000000:peak --out build/capacity.md
capacity: install ## Simulate a day at 1 M and 10 M people; print what breaks first
	$(PY) -m services.capacity $(CAPACITY_ARGS)

# Nothing stuck under fire: the local stack with services killed, messages duplicated and
# poison in every inbox, then an invariant check over the tables and the run's raw facts for the
# referee (tests/referee/; both media modes are part of `make test`). `CHAOS_ARGS="--media-mode
# livekit"` runs production's media mode against the LiveKit stand-in.
CHAOS_ARGS ?= --json build/chaos.json --facts build/chaos-facts.json
chaos: install ## One chaos run; prints kills survived, duplicates, conversations, repairs
	$(PY) -m services.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist .mypy_cache .ruff_cache .pytest_cache

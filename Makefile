# GPUC — two commands on a fresh machine:
#   make up     run the marketplace locally
#   make test   install everything and run every test
SHELL := /bin/bash
PY := .venv/bin/python
BIN := $(CURDIR)/node_modules/.bin
export PATH := $(BIN):$(CURDIR)/.venv/bin:$(PATH)


.PHONY: up test install install-system install-node install-python install-slither artifacts \
        test-contracts test-python lint slither gas clean container-image

up: install
	.venv/bin/gpuc up

test: install lint test-contracts slither test-python

install: install-system install-node install-python matcher/dashboard/static/vendor/.built

# The dashboard's front-end packages, vendored from node_modules (no CDN).
matcher/dashboard/static/vendor/.built: package-lock.json scripts/build_dashboard.py | install-node install-python
	$(PY) scripts/build_dashboard.py
	touch $@

# Java runs ergo-appkit (the ErgoScript compiler); Chromium renders the dashboard in the
# browser tests. Both from Debian's packages when the machine lacks them.
install-system:
	@command -v java >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }
	@test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@# Container tasks: podman with runc (crun refuses hybrid cgroup hosts). podman reads the
	@# project's containers.conf through CONTAINERS_CONF (protocol/containers/engine.py sets it).
	@{ command -v podman >/dev/null && command -v runc >/dev/null; } || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc; }

# The Python + numpy test image, built offline from Debian's packages (tests build it too).
container-image: install-python install-system
	CONTAINERS_CONF=$(CURDIR)/protocol/containers/containers.conf $(PY) -c \
	  "from protocol.containers.engine import require_engine; \
	   from protocol.containers.image import ensure_python_image as e; print(e(require_engine()))"

install-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

install-python: .venv/.installed
.venv/.installed: pyproject.toml requirements.lock
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip==25.3
	# The lock is the whole resolved tree (pip freeze), so no resolver runs on CI.
	.venv/bin/pip install -q --no-deps -r requirements.lock
	.venv/bin/pip install -q --no-deps -e .
	touch $@

# slither wants web3 < 8, so it lives in a virtual environment of its own.
install-slither: .venv-slither/.installed
.venv-slither/.installed: requirements-slither.lock
	test -x .venv-slither/bin/python || python3 -m venv .venv-slither
	.venv-slither/bin/pip install -q --upgrade pip==25.3
	.venv-slither/bin/pip install -q --no-deps -r requirements-slither.lock
	touch $@

# ABI + bytecode for the Python SDK, from one script.
artifacts: install
	$(PY) scripts/build_artifacts.py

test-contracts: install
	$(PY) scripts/build_artifacts.py --check
	forge test

slither: install install-slither
	$(PY) scripts/run_slither.py

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

# PostgreSQL runs for the matcher's storage tests on a throwaway loopback cluster.
test-python: install
	@set -e; eval "$$(scripts/ci/postgres.sh start)"; \
	trap 'scripts/ci/postgres.sh stop "$$GPUC_PG_DIR"' EXIT; \
	.venv/bin/pytest

gas: install
	$(PY) scripts/bench/gas.py

clean:
	rm -rf build .venv .venv-slither node_modules

# GPUC — two commands on a fresh machine:
#   make up     run the marketplace locally
#   make test   install everything and run every test
SHELL := /bin/bash
PY := .venv/bin/python
BIN := $(CURDIR)/node_modules/.bin
export PATH := $(BIN):$(CURDIR)/.venv/bin:$(PATH)

.PHONY: up test install install-node install-python install-slither artifacts \
        test-contracts test-python lint slither gas clean

up: install
	.venv/bin/gpuc up

test: install lint test-contracts slither test-python

install: install-node install-python

install-node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

install-python: .venv/.installed
.venv/.installed: pyproject.toml requirements.lock
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip==25.3
	.venv/bin/pip install -q -r requirements.lock
	.venv/bin/pip install -q --no-deps -e .
	touch $@

# slither wants web3 < 8, so it lives in a virtual environment of its own.
install-slither: .venv-slither/.installed
.venv-slither/.installed: requirements-slither.lock
	test -x .venv-slither/bin/python || python3 -m venv .venv-slither
	.venv-slither/bin/pip install -q --upgrade pip==25.3
	.venv-slither/bin/pip install -q -r requirements-slither.lock
	touch $@

# ABI + bytecode for the Python SDK, from one script.
artifacts: install
	$(PY) scripts/build_artifacts.py

test-contracts: install
	forge test

slither: install install-slither
	$(PY) scripts/run_slither.py

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

test-python: install
	.venv/bin/pytest

gas: install
	$(PY) scripts/bench/gas.py

clean:
	rm -rf build .venv .venv-slither node_modules

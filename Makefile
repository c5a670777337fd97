# The two commands in the README: `make run` and `make test`. Both do every set-up step, and both can be run again
# and again: each step is skipped when its inputs have not changed (stamp files) or checks before it acts.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
ASSETMAP := $(VENV)/bin/assetmap
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

.PHONY: run test lint bench setup system-deps db

run: setup ## set everything up, load the demo town into an empty database, serve on http://$(HOST):$(PORT)
	$(ASSETMAP) demo load --if-empty
	$(ASSETMAP) serve

test: setup lint ## set everything up, lint, then run the whole test suite (unit, PostGIS, browser)
	scripts/system-deps test
	$(PY) -m pytest

lint: $(VENV)/.installed ## ruff's checks, configured in pyproject.toml
	$(VENV)/bin/ruff check .

bench: setup ## benchmarks beside their anchors in the same run: a table of ratios, bench/results.json
	scripts/system-deps bench
	$(PY) -m bench

setup: system-deps $(VENV)/.installed node_modules/.installed db

system-deps:
	scripts/system-deps base

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

db: $(VENV)/.installed
	$(ASSETMAP) db up
	$(ASSETMAP) db migrate

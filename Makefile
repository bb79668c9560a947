# Two commands for a fresh machine with Python 3.13 and make: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python 3.13 that really runs: python3.13 on the PATH (a pyenv shim may exist without the version
# being active), pyenv's 3.13.x, then ~/.pyenv/versions/3.13*.
PYTHON313 ?= $(shell for c in "$$(command -v python3.13 2>/dev/null)" "$$(pyenv prefix 3.13.0 2>/dev/null)/bin/python" $$(ls -d ~/.pyenv/versions/3.13*/bin/python3.13 2>/dev/null); do [ -n "$$c" ] && [ -x "$$c" ] && "$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1 && { echo "$$c"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_LIB := $(PY) -m pytest -p no:homeassistant
PYTEST_HA := $(PY) -m pytest
# The library's tests mostly wait on sockets and simulated latency: more workers than cores still pays.
PYTEST_WORKERS ?= 4
# The web UI of Home Assistant 2025.4.4 (its `frontend` integration pins this); `make run` and the e2e test need it.
HA_FRONTEND := home-assistant-frontend==20250411.0

.PHONY: help venv test lint typecheck ha-static-check test-lib test-cli test-export test-ha test-e2e run bench dist clean

help:
	@echo "make run    Home Assistant with the integration against a simulated Envoy (http://localhost:8123, demo/demo)"
	@echo "            PROFILE=name | REPLAY=capture-dir | ENVOY_HOST=ip ENVOY_TOKEN=... ; HA_PORT, SIM_PORT"
	@echo "make test   ruff, mypy --strict and the whole test suite (test-lib, test-cli, test-export, test-ha, test-e2e)"
	@echo "make bench  device-load benchmark: iqgateway vs pyenphase against the simulator"
	@echo "make dist   the release: one wheel and one sdist in dist/ (library dependencies only), twine-checked"

$(STAMP): pyproject.toml setup.py requirements-ha.txt Makefile
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it or set PYTHON313=/path/to/python3.13"; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-ha.txt $(HA_FRONTEND) -e '.[dev,export]'
	@touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests custom_components bench scripts

# scripts/ is checked on its own: its modules import each other as top-level modules (run.py is a script).
typecheck: $(STAMP)
	$(VENV)/bin/mypy
	MYPYPATH=scripts $(VENV)/bin/mypy scripts

# pytest exits 5 when it collected nothing: an empty selection must not pass silently.
define run_pytest
	$(1) $(2); rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests in $(2)"; exit 1; fi; exit $$rc
endef

# Without coverage: its data from the xdist workers' subprocesses does not always combine.
test-lib: $(STAMP)
	@$(call run_pytest,$(PYTEST_LIB) -q -n $(PYTEST_WORKERS),tests/lib tests/simulator tests/scripts)

test-cli: $(STAMP)
	@$(call run_pytest,$(PYTEST_LIB) -q --cov --cov-report=,tests/cli)

# The fleet export against a real mosquitto and promtool (Debian mosquitto, prometheus; skipped without them).
test-export: $(STAMP)
	@$(call run_pytest,$(PYTEST_LIB) -q --cov --cov-append --cov-report=,tests/export)

test-ha: $(STAMP)
	@$(call run_pytest,$(PYTEST_HA) -q --cov --cov-append --cov-report=term:skip-covered,tests/ha)

# The `make run` stack for real (simulator + Home Assistant + headless Chromium), on free ports.
test-e2e: $(STAMP)
	@$(call run_pytest,$(PYTEST_LIB) -q,tests/e2e)

# The integration's Home Assistant imports and calls held against the newest Home Assistant wheel (its code never
# runs; downloaded once into .cache/ha-wheel). Skips with one line when the wheel cannot be downloaded.
HA_STATIC_VERSION := 2026.11.0
ha-static-check: $(STAMP)
	$(PY) scripts/ha_static_check.py --version $(HA_STATIC_VERSION) --cache .cache/ha-wheel custom_components/enphase_envoy

test: lint typecheck ha-static-check test-lib test-cli test-export test-ha test-e2e

# PROFILE=name, REPLAY=capture-dir, or ENVOY_HOST=ip with ENVOY_TOKEN / ENVOY_USERNAME+ENVOY_PASSWORD;
# HA_PORT (8123), SIM_PORT (8443). State lives in .run/ (delete it to start over).
run: $(STAMP)
	$(PY) scripts/run.py

# The benchmark has its own venv (pyenphase is never installed in the project's); never part of `make test`.
bench:
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it or set PYTHON313=/path/to/python3.13"; exit 1; }
	@test -x bench/.venv/bin/python || $(PYTHON313) -m venv bench/.venv
	@if [ ! -f bench/.venv/.installed ] || [ pyproject.toml -nt bench/.venv/.installed ] \
		|| [ bench/requirements.txt -nt bench/.venv/.installed ]; then \
		bench/.venv/bin/python -m pip install -q -e '.[export]' -r bench/requirements.txt \
		&& touch bench/.venv/.installed; fi
	@bench/.venv/bin/python bench/run.py $(BENCH_ARGS)

# A release as the publish workflow builds it: IQGATEWAY_RELEASE=1 keeps the command line's and the simulator's
# dependencies behind their extras (setup.py). Its own small venv: no Home Assistant needed to build.
DIST_VENV := .venv-dist
dist:
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it or set PYTHON313=/path/to/python3.13"; exit 1; }
	@test -x $(DIST_VENV)/bin/python || $(PYTHON313) -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install -q --upgrade build twine
	rm -rf dist build src/iqgateway.egg-info
	IQGATEWAY_RELEASE=1 $(DIST_VENV)/bin/python -m build --outdir dist .
	$(DIST_VENV)/bin/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) $(DIST_VENV) dist build .mypy_cache .ruff_cache .coverage .run

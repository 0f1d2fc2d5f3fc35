# jupyter-smcost: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
IDLE_TIMEOUT_MINUTES ?= 60
DEMO_PORT ?= 8888
EMULATOR_PORT ?= 5555
# The oldest JupyterLab the wheel supports (README.md, Install); `make oldest-lab-check` keeps it true.
OLDEST_JUPYTERLAB ?= 4.0.13

# The SageMaker Distribution 4.4.1 replica (tests/replica/smd.py) runs Python 3.12, as the
# image does: its lock is compiled with, and its environment made from, a 3.12 interpreter.
# Default: python3.12 on PATH if it runs, else pyenv's newest 3.12; or REPLICA_PYTHON=/path.
REPLICA_PYTHON ?= $(shell for p in python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	2>/dev/null | sort -rV); do $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' \
	2>/dev/null && { command -v $$p; break; }; done)
export REPLICA_PYTHON
REPLICA_LOCK_VENV := .replica/lock-venv

# Never download a browser: the UI tests drive Debian's Chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PATH := $(BIN):$(PATH)

FRONTEND_SOURCES := $(wildcard src/*.ts src/*/*.ts src/*.tsx style/*.css style/*.js schema/*.json) \
	package.json tsconfig.json

.PHONY: demo test install build lint typecheck pytest test-fast jest ui-test wheel-check oldest-lab-check \
	bench chromium clean lock replica-test ui-replica-test

## demo: JupyterLab + jupyter-smcost in a simulated Studio space (IDLE_TIMEOUT_MINUTES=2 to watch a shutdown)
demo: build
	$(BIN)/python scripts/demo.py --timeout-minutes $(IDLE_TIMEOUT_MINUTES) \
		--port $(DEMO_PORT) --emulator-port $(EMULATOR_PORT)

## test: every test: ruff, mypy, pytest, jest, the wheel (also beside the oldest supported
## JupyterLab), Galata in Debian's Chromium, the SageMaker Distribution replica in it
test: lint typecheck pytest jest wheel-check oldest-lab-check ui-test ui-replica-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The Python side is locked as yarn.lock locks the JS one: requirements/*.txt (pip-tools,
# with hashes) pin every package, pip itself included; `make lock` moves them forward.
LOCKS := requirements/dev.txt requirements/wheel.txt requirements/oldest-lab.txt \
	requirements/smd-4.4.1.txt requirements/smd-4.4.1-sdk.txt
PIP_COMPILE := $(BIN)/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --upgrade

EMULATOR := packages/smcost-emulator

# The Python package (editable), its test tools, the AWS emulator (editable, its own package:
# never in the wheel) and the JS dependencies.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(EMULATOR)/pyproject.toml package.json yarn.lock \
		requirements/dev.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/jlpm install
	$(BIN)/pip install --quiet --no-build-isolation --no-deps -e .
	$(BIN)/pip install --quiet --no-build-isolation --no-deps -e $(EMULATOR)
	$(BIN)/jupyter labextension develop --overwrite .
	$(BIN)/jupyter server extension enable --sys-prefix jupyter_smcost
	$(BIN)/jupyter server extension disable --sys-prefix jupyter_server_ydoc
	touch $@

install: $(VENV)/.installed

# The labextension (development build), rebuilt when the frontend changes.
$(VENV)/.built: $(VENV)/.installed $(FRONTEND_SOURCES)
	$(BIN)/jlpm build
	touch $@

build: $(VENV)/.built

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/jlpm lint:check

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest

## test-fast: the pure tier alone (marker unit: no server, no emulator, no process), seconds
test-fast: install
	$(BIN)/python -m pytest -q -m unit

# The SageMaker Distribution 4.4.1 replica tier alone (CONTRIBUTING.md); `make pytest`
# runs it too. Needs root and Python 3.12 (REPLICA_PYTHON); skipped, with why, without them.
replica-test: install
	$(BIN)/python -m pytest -m replica

jest: install
	$(BIN)/jlpm test

# A wheel built from scratch carries the prebuilt labextension and the server config,
# and installs and shows as enabled in a clean venv with no Node involved.
wheel-check: install
	rm -rf dist .wheel-venv
	# Without the development build in the way, the wheel gets `jlpm build:prod`.
	rm -rf jupyter_smcost/labextension
	$(BIN)/python -m build --wheel --no-isolation --outdir dist .
	$(PYTHON) -m venv .wheel-venv
	.wheel-venv/bin/pip install --quiet --require-hashes -r requirements/wheel.txt
	.wheel-venv/bin/pip install --quiet --no-deps dist/*.whl
	.wheel-venv/bin/pip check
	.wheel-venv/bin/jupyter server extension list 2>&1 | tee .wheel-venv/server.txt
	grep -Eq "jupyter_smcost.*enabled" .wheel-venv/server.txt
	grep -Eq "jupyter_smcost.*OK" .wheel-venv/server.txt
	.wheel-venv/bin/jupyter labextension list 2>&1 | tee .wheel-venv/lab.txt
	grep -Eq "jupyter-smcost.*enabled.*OK" .wheel-venv/lab.txt
	# Listed to a file first: `grep -q` stops reading early, and pipefail would then see unzip's
	# SIGPIPE (exit 141) as a failure.
	unzip -l dist/*.whl > .wheel-venv/contents.txt
	grep -q "share/jupyter/labextensions/jupyter-smcost/static/" .wheel-venv/contents.txt
	grep -q "etc/jupyter/jupyter_server_config.d/jupyter_smcost.json" .wheel-venv/contents.txt
	# `jupyter smcost deploy` reads its templates from the wheel.
	grep -q "jupyter_smcost/admin/fleet-audit.yaml" .wheel-venv/contents.txt
	grep -q "jupyter_smcost/admin/inventory.yaml" .wheel-venv/contents.txt
	# The emulator is a test and demo tool of its own (packages/smcost-emulator), never
	# shipped: no path of it in the wheel, no requirement of moto, nothing to import.
	! grep -iq "emulator" .wheel-venv/contents.txt
	unzip -p dist/*.whl "*.dist-info/METADATA" > .wheel-venv/METADATA
	! grep -iq "^Requires-Dist: moto" .wheel-venv/METADATA
	! .wheel-venv/bin/python -c "import smcost_emulator" 2>/dev/null
	rm -rf .wheel-venv

# The same wheel beside the oldest JupyterLab it supports: `jupyter labextension list` shows
# it enabled and OK, never "not compatible" (the @jupyterlab/* ranges in package.json and
# jupyterlab.sharedPackages decide that).
oldest-lab-check: wheel-check
	rm -rf .wheel-venv
	$(PYTHON) -m venv .wheel-venv
	.wheel-venv/bin/pip install --quiet --require-hashes -r requirements/oldest-lab.txt
	.wheel-venv/bin/pip install --quiet --no-deps dist/*.whl
	.wheel-venv/bin/pip check
	.wheel-venv/bin/jupyter labextension list 2>&1 | sed 's/\x1b\[[0-9;]*m//g' \
		| tee .wheel-venv/lab.txt
	grep -q "JupyterLab v$(OLDEST_JUPYTERLAB)$$" .wheel-venv/lab.txt
	grep -Eq "^\s*jupyter-smcost v[^ ]+ enabled OK \(python, jupyter_smcost\)$$" .wheel-venv/lab.txt
	! grep -Eq "not compatible|incompatible|jupyter-smcost.* X" .wheel-venv/lab.txt
	rm -rf .wheel-venv

chromium:
	@if ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "The UI tests need Debian's Chromium: sudo apt-get install chromium"; exit 1; \
		fi; \
	fi

ui-test: build chromium
	cd ui-tests && $(BIN)/jlpm install && $(BIN)/jlpm playwright test

# The SageMaker Distribution 4.4.1 replica's JupyterLab (tests/replica/serve.py: our wheel
# installed by the lifecycle script, a demo Studio space from the emulator) in Chromium:
# our UI beside Studio's extensions, and Studio's `api/idle` following typing and standing
# still for 5 min (about 7 min in all). Skipped, with why, without root or Python 3.12.
ui-replica-test: build chromium
	cd ui-tests && $(BIN)/jlpm install
	if reason=$$($(BIN)/python -m tests.replica.serve --check); then \
		cd ui-tests && SMCOST_DEV_PYTHON=$(BIN)/python \
			$(BIN)/jlpm playwright test --config playwright.replica.config.js; \
	else \
		status=$$?; [ $$status = 3 ] || exit $$status; \
		echo "ui-replica-test: skipped: $$reason"; \
	fi

## bench: prints the benchmark figures (not a test)
bench: install
	# The bundle size is measured on what the wheel ships: the production build.
	$(BIN)/jlpm build:prod
	$(BIN)/python scripts/bench.py

## lock: move the Python locks (requirements/*.txt) to what PyPI serves today; then `make test`
lock: $(BIN)/python
	$(BIN)/pip install --quiet pip-tools
	$(PIP_COMPILE) --extra test --extra dev -o requirements/dev.txt \
		pyproject.toml $(EMULATOR)/pyproject.toml requirements/build.in
	$(PIP_COMPILE) -o requirements/wheel.txt pyproject.toml requirements/wheel.in
	sed -i 's/^jupyterlab==.*/jupyterlab==$(OLDEST_JUPYTERLAB)/' requirements/oldest-lab.in
	$(PIP_COMPILE) -o requirements/oldest-lab.txt pyproject.toml requirements/oldest-lab.in
	# The replica's lock needs Python 3.12 (the image's): pip-tools in a throwaway 3.12 venv.
	@test -n "$(REPLICA_PYTHON)" || { echo "make lock: no Python 3.12 for" \
		"requirements/smd-4.4.1.txt; set REPLICA_PYTHON=/path/to/python3.12"; exit 1; }
	rm -rf $(REPLICA_LOCK_VENV)
	$(REPLICA_PYTHON) -m venv $(REPLICA_LOCK_VENV)
	$(REPLICA_LOCK_VENV)/bin/pip install --quiet pip-tools
	$(subst $(BIN)/pip-compile,$(REPLICA_LOCK_VENV)/bin/pip-compile,$(PIP_COMPILE)) \
		-o requirements/smd-4.4.1.txt pyproject.toml requirements/smd-4.4.1.in
	# Its SageMaker Python SDK layer, constrained to that lock (tests/replica/smd.py).
	$(subst $(BIN)/pip-compile,$(REPLICA_LOCK_VENV)/bin/pip-compile,$(PIP_COMPILE)) \
		-o requirements/smd-4.4.1-sdk.txt requirements/smd-4.4.1-sdk.in
	rm -rf $(REPLICA_LOCK_VENV)

clean:
	rm -rf $(VENV) .wheel-venv dist node_modules ui-tests/node_modules lib \
		jupyter_smcost/labextension jupyter_smcost/_version.py tsconfig.tsbuildinfo .demo \
		.replica

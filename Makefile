# The two commands a newcomer needs: `make run` and `make test`.
# The interpreter of the virtualenv: the distribution's own (/usr/bin/python3) when it is 3.11 or newer and can
# make a virtualenv, else the first python3 on the PATH; `make PYTHON=...` chooses another. Distributions build
# CPython with profile-guided and link-time optimisation, as the official Docker image the Dockerfile uses is built;
# a version manager's default build (pyenv's) is not, and runs the portal 15-25 % slower (docs/benchmarks.md).
PYTHON ?= $(shell /usr/bin/python3 -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' \
	>/dev/null 2>&1 && echo /usr/bin/python3 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup assets messages clean-data

$(STAMP): requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json

messages: $(STAMP)
	$(BIN)/python -m sellercenter.translations

setup: $(STAMP) assets messages

run: setup
	$(BIN)/python -m sellercenter.embedded run

test: setup
	$(BIN)/ruff check .
	SELLERCENTER_TESTING=1 $(BIN)/mypy .
	SELLERCENTER_TESTING=1 $(BIN)/python -m sellercenter.embedded exec -- $(BIN)/pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	SELLERCENTER_TESTING=1 $(BIN)/mypy .

clean-data:
	rm -rf .data

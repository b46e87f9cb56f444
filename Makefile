# mailcheck — developer tasks. Two commands do all the set-up:
#   make demo   run mailcheck against the project's own mail lab
#   make test   run the test suite (installs what it needs first)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LAB    := $(PYTHON) fixtures/lab/lab.py
# `make lab-up` keeps its lab here, so `make lab-down` can find it.
LAB_STATE ?= /tmp/mailcheck-lab

.PHONY: install lab-install test test-fast lint fmt docs demo lab-up lab-down lab-env bench clean image

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python tests/schemas/fetch_junit_xsd.py
	touch $@

# Debian packages of the mail lab (Postfix, Dovecot, Knot, rspamd; Exim and Courier unpacked
# into /var/cache/mailcheck-lab for the second family); a no-op when present.
# Needs root; on a developer machine without them the lab tests are skipped (never under CI).
lab-install:
	@$(LAB) install || echo "make: the mail lab could not be installed; lab tests will be skipped"
	@# The docs tests check the example systemd units with systemd-analyze.
	@command -v systemd-analyze >/dev/null || apt-get install -y -qq --no-install-recommends systemd \
		|| echo "make: systemd-analyze is missing; the docs tests will fail"
	@# The Kubernetes CronJob's push step is run with curl (tests/docs/test_kubernetes.py).
	@command -v curl >/dev/null || apt-get install -y -qq --no-install-recommends curl \
		|| echo "make: curl is missing; the docs tests will fail"

test: install lab-install
	$(BIN)/pytest

# Everything that needs no mail lab (unit, CLI, hostile servers on loopback): no root, seconds.
test-fast: install
	$(BIN)/pytest -m "not lab"

lint: install
	$(BIN)/ruff check src tests bench fixtures/lab
	$(BIN)/ruff format --check src tests bench fixtures/lab
	$(BIN)/mypy src tests bench fixtures/lab/lab.py

fmt: install
	$(BIN)/ruff format src tests bench fixtures/lab
	$(BIN)/ruff check --fix src tests bench fixtures/lab

# The generated parts of docs/ (profile keys, the cause catalogue); a test fails when stale.
docs: install
	$(BIN)/python -m mailcheck.docgen docs

demo: install
	@$(LAB) install
	@PATH="$(CURDIR)/$(BIN):$$PATH" bash fixtures/lab/demo.sh

# FAMILY=exim-courier make lab-up: Exim 4 + Courier IMAP instead of Postfix + Dovecot.
FAMILY ?= postfix-dovecot

lab-up: install
	@$(LAB) install
	@$(LAB) up --state $(LAB_STATE) --family $(FAMILY)

lab-down:
	@$(LAB) down --state $(LAB_STATE)

lab-env:
	@$(LAB) env --state $(LAB_STATE)

bench: install
	@$(LAB) install
	$(BIN)/python bench/run.py --write BENCHMARKS.md

# The container image (Containerfile; docs/deploy.md): podman where there is one, else docker.
# Not part of `make test`: it pulls the Python base image, which CI cannot reach.
CONTAINER_ENGINE ?= $(shell command -v podman >/dev/null 2>&1 && echo podman || echo docker)
IMAGE ?= mailcheck:latest

image:
	$(CONTAINER_ENGINE) build -f Containerfile -t $(IMAGE) .

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache src/*.egg-info

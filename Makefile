# dockerd.exposure — every target does its own set-up and is cheap to rerun.
#   make demo      create a local lab, expose it, check it, audit it
#   make test      lint, unit tests and every Molecule scenario
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
VENV        := .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed-$(shell sha256sum requirements/test.txt | cut -c1-12)
COLLECTIONS := $(CURDIR)/.cache/collections
LINK        := $(COLLECTIONS)/ansible_collections/dockerd/exposure
SCENARIOS   := $(shell ls -d molecule/*/molecule.yml 2>/dev/null | cut -d/ -f2)
SCENARIO    ?=
SUITE       ?= bookworm
# The platform matrix: these scenarios run a second time on Debian 13 (docker.io 26): what
# dockerd and systemd do on the host, where the Docker version decides the behaviour
# (`dockerd --validate` from 23 on in rollback and preflight, the listeners in tcp). fleet's
# batches and rescue run on the controller and are the same on either release;
# MATRIX_SCENARIOS="default tls fleet" adds it back.
MATRIX_SUITE     ?= trixie
MATRIX_SCENARIOS ?= $(filter default tls rollback preflight tcp,$(SCENARIOS))
LAB_HOSTS   ?= 3
# make test runs the scenarios in this many parallel lanes (tools/run-scenarios.sh).
MOLECULE_JOBS ?= 2

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR ?= false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv engine image image-cold lint unit ee molecule molecule-matrix molecule-all test lab demo lab-destroy bench clean

help:
	@echo "make demo | test | lint | unit | ee | image-cold | molecule [SCENARIO=name] | molecule-matrix [SCENARIO=name] | molecule-all [MOLECULE_JOBS=n] | lab [LAB_HOSTS=n] | lab-destroy | bench | clean"

$(STAMP): requirements/test.txt
	@echo "[venv] Installing pinned Python requirements into $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/test.txt
	@rm -f $(VENV)/.installed-* && touch $@

$(LINK):
	@mkdir -p $(dir $@) && ln -sfn ../../../.. $@

venv: $(STAMP) $(LINK)

engine:
	@tools/ensure-docker-engine.sh

image: engine
	@tools/build-target-image.sh $(SUITE) >/dev/null
	@tools/build-test-client-image.sh $(SUITE) >/dev/null

# The cold path a new machine takes: the target image from nothing (a throwaway tag, removed
# again), whatever the image cache holds.
image-cold: engine
	@echo "[image] building the target image from nothing (throwaway tag)"
	@tools/build-target-image.sh --throwaway $(SUITE)

lint: venv
	@echo "[lint] shellcheck tools/ and .ci/"
	@$(BIN)/shellcheck $(wildcard tools/*.sh tools/*/*.sh) .ci/run
	@echo "[lint] yamllint"
	@$(BIN)/yamllint --strict .
	@echo "[lint] ansible-lint (production profile)"
	@$(BIN)/ansible-lint --offline -q

unit: venv
	@echo "[unit] pytest tests/unit"
	@$(BIN)/pytest -q tests/unit

molecule: venv image
	@set -e; for s in $(or $(SCENARIO),$(SCENARIOS)); do \
	  echo "[molecule] scenario $$s"; \
	  $(BIN)/molecule test -s $$s; \
	done

# The execution environment's build context (execution-environment.yml), from the collection
# tarball; `ansible-builder build` on it needs a registry, `create` does not. The tarball is
# then installed and used by FQCN as a user would (its module runs against this engine).
ee: venv engine
	@echo "[ee] ansible-galaxy collection build + ansible-builder create"
	@mkdir -p .cache/ee && rm -f .cache/ee/*.tar.gz
	@$(BIN)/ansible-galaxy collection build --force --output-path .cache/ee >/dev/null
	@mv .cache/ee/dockerd-exposure-*.tar.gz .cache/ee/dockerd-exposure.tar.gz
	@$(BIN)/ansible-builder create -f execution-environment.yml --context .cache/ee/context --output-filename Containerfile >/dev/null
	@grep -q 'ansible-galaxy collection install --no-deps /tmp/dockerd-exposure.tar.gz' .cache/ee/context/Containerfile
	@test -s .cache/ee/context/_build/collections/dockerd-exposure.tar.gz
	@echo "[ee] build context ready: .cache/ee/context/Containerfile"
	@VENV_BIN=$(BIN) tools/check-installed-collection.sh .cache/ee/dockerd-exposure.tar.gz

# The same scenarios on the other Debian release: MOLECULE_IMAGE replaces the image of every
# platform (molecule/shared/create.yml).
molecule-matrix: venv engine
	@tools/build-target-image.sh $(MATRIX_SUITE) >/dev/null
	@set -e; for s in $(or $(SCENARIO),$(MATRIX_SCENARIOS)); do \
	  echo "[molecule] scenario $$s on $(MATRIX_SUITE)"; \
	  MOLECULE_IMAGE=dockerd-exposure/target:$(MATRIX_SUITE) $(BIN)/molecule test -s $$s; \
	done

# Every scenario and the matrix, in MOLECULE_JOBS parallel lanes (make test).
molecule-all: venv image
	@tools/build-target-image.sh $(MATRIX_SUITE) >/dev/null
	@tools/run-scenarios.sh -j $(MOLECULE_JOBS) $(SCENARIOS) $(addsuffix @$(MATRIX_SUITE),$(MATRIX_SCENARIOS))

test: lint unit ee image-cold molecule-all
	@echo "[test] lint, unit tests, Molecule scenarios ($(SCENARIOS)) and the $(MATRIX_SUITE) matrix ($(MATRIX_SCENARIOS)) passed"

lab: venv image
	@$(BIN)/ansible-playbook playbooks/lab.yml -e dockerd_lab_hosts=$(LAB_HOSTS)

demo: lab
	@$(BIN)/ansible-playbook -i lab/inventory.yml playbooks/expose.yml
	@$(BIN)/ansible-playbook -i lab/inventory.yml playbooks/audit.yml
	@echo "[demo] lab/inventory.yml exposed, checked and audited; reports in reports/ (latest.md, latest.json, latest.html)"

lab-destroy: venv
	@$(BIN)/ansible-playbook playbooks/lab.yml -e dockerd_lab_state=absent

# Measurements on a lab of its own (replaces `make lab`, removed at the end); not in `make test`.
# Knobs: BENCH_PARTS="compare scale" BENCH_HOSTS=3 BENCH_SIZES="1 8" BENCH_FORKS=8 BENCH_BUDGET=2400
# (docs/benchmark.md); the quick run: BENCH_HOSTS=3 BENCH_PARTS=compare make bench.
bench: venv image
	@$(BIN)/python tools/bench/bench.py

clean: lab-destroy
	rm -rf $(VENV) .cache lab results reports

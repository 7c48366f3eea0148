# dockerd.exposure — every target does its own set-up and is cheap to rerun.
#   make demo      create a local lab, expose it, print the summary
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
LAB_HOSTS   ?= 2

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR ?= false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: help venv engine image lint unit molecule test lab demo lab-destroy clean

help:
	@echo "make demo | test | lint | unit | molecule [SCENARIO=name] | lab [LAB_HOSTS=n] | lab-destroy | clean"

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

lint: venv
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

test: lint unit molecule
	@echo "[test] lint, unit tests and Molecule scenarios ($(or $(SCENARIO),$(SCENARIOS))) passed"

lab: venv image
	@$(BIN)/ansible-playbook playbooks/lab.yml -e dockerd_lab_hosts=$(LAB_HOSTS)

demo: lab
	@$(BIN)/ansible-playbook -i lab/inventory.yml playbooks/expose.yml

lab-destroy: venv
	@$(BIN)/ansible-playbook playbooks/lab.yml -e dockerd_lab_state=absent

clean: lab-destroy
	rm -rf $(VENV) .cache lab results reports

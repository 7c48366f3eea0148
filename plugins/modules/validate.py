#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
# The work is done by the action plugin of the same name (plugins/action/validate.py), with
# the rules in plugins/module_utils/_validate.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: validate
short_description: Check a daemon host's inputs and state before any change, in one call
version_added: 0.2.0
author: dockerd.exposure developers
description:
  - Checks the host's C(dockerd_*) variables (the roles' defaults filled in) against the
    argument specs of the roles' C(validate) entry points, then the cross-field rules, the
    host's state (read once with M(dockerd.exposure.exposure_info)) and the CA files on the
    controller; fails the host with every problem found, each a sentence that names the
    variable, the value and the fix (see docs/validation.md).
  - The validation play of C(playbooks/expose.yml) and C(playbooks/rotate.yml) is this one task,
    and each role's C(tasks/validate.yml) calls it for its own part.
  - Never changes the host; the result is the same in check mode.
options:
  checks:
    description:
      - Which parts to check, in this order. C(rollout) is the rollout knobs
        (C(dockerd_rollout_batch), C(dockerd_rollout_max_fail_percentage)).
      - By default C(rollout), C(daemon), C(tls), and C(ssh) when C(ssh) is in C(dockerd_expose).
    type: list
    elements: str
    choices: [rollout, daemon, tls, ssh]
  plan:
    description:
      - Also return the host's plan, decided from the same read (what
        M(dockerd.exposure.exposure_plan) returns) without a second call on the host.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Only reads.
  diff_mode:
    support: none
    description: Nothing is written.
  platform:
    platforms: [posix]
    description: The host side is M(dockerd.exposure.exposure_info).
notes:
  - Needs root on the host (C(become=true)), as M(dockerd.exposure.exposure_info) does.
  - The account Ansible logs in as is read without become (C(id -un)) for the ssh checks.
"""

EXAMPLES = r"""
---
- name: Validate every daemon host before any host is touched
  hosts: docker_daemons
  gather_facts: false
  become: true
  any_errors_fatal: true
  tasks:
    - name: Check the inputs and the hosts (read-only), and decide what changes
      dockerd.exposure.validate:
        plan: true
      register: validation

- name: Check only the TLS inputs
  hosts: docker_daemons
  tasks:
    - name: Check the TLS settings (read-only)
      dockerd.exposure.validate:
        checks: [tls]
"""

RETURN = r"""
problems:
  description: Every problem found; empty when the host may be touched (the task fails otherwise).
  returned: always
  type: list
  elements: str
  sample: ["dockerd_health_timeout=0 is not a positive number of seconds; use one such as 30."]
state:
  description: What M(dockerd.exposure.exposure_info) returned for the host.
  returned: success
  type: dict
plan:
  description: The host's plan, as M(dockerd.exposure.exposure_plan) returns it.
  returned: success, when O(plan=true)
  type: dict
ansible_facts:
  description: C(getent_passwd) and C(getent_group) as ansible.builtin.getent sets them, and the distribution.
  returned: success
  type: dict
"""

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
# The work is done by the action plugin of the same name (plugins/action/exposure_plan.py):
# the host is read by dockerd.exposure.exposure_info, the plan is decided on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exposure_plan
short_description: Read a daemon host once and decide on the controller what its rollout changes
version_added: 0.2.0
author: dockerd.exposure developers
description:
  - Runs M(dockerd.exposure.exposure_info) on the host once (units, drop-ins, daemon.json,
    listeners, the managed files' checksums, the socket group, the host's addresses), then
    decides on the controller, with the host's C(dockerd_*) variables (the roles' defaults
    filled in), what the roles would change there.
  - The plan lists every difference in RV(changes); an empty list means the host is converged,
    and C(playbooks/expose.yml) then runs none of the role tasks on it.
  - Never changes the host; the result is the same in check mode.
options: {}
attributes:
  check_mode:
    support: full
    description: Only reads; check mode returns the same plan.
  diff_mode:
    support: none
    description: Nothing is written.
  platform:
    platforms: [posix]
    description: The host side is M(dockerd.exposure.exposure_info).
notes:
  - Needs root on the host (C(become=true)), as M(dockerd.exposure.exposure_info) does.
"""

EXAMPLES = r"""
---
- name: Decide what the rollout changes on this host
  dockerd.exposure.exposure_plan:
  become: true
  register: plan

- name: Show it
  ansible.builtin.debug:
    var: plan.changes
"""

RETURN = r"""
changes:
  description: What the roles would change on the host, one sentence each; empty when converged.
  returned: always
  type: list
  elements: str
  sample: ["/etc/systemd/system/docker.socket.d/50-dockerd-exposure.conf changes"]
converged:
  description: True when RV(changes) is empty.
  returned: always
  type: bool
daemon:
  description: The daemon role's part of the plan.
  returned: always
  type: dict
  contains:
    files:
      description: Path to the content the daemon role writes there (null for a file it removes).
      type: dict
    daemon_json:
      description: The daemon.json keys to set (C(set)) and to remove (C(remove)).
      type: dict
    changes:
      description: The differences in the daemon role's part.
      type: list
      elements: str
state:
  description: What M(dockerd.exposure.exposure_info) returned for the host.
  returned: always
  type: dict
"""

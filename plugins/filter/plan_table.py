# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_table
short_description: The fleet's rollout plan as one table, one line per daemon host
version_added: 0.2.0
author: dockerd.exposure developers
description:
  - Takes the results of M(dockerd.exposure.exposure_plan) per host and prints, per host, the
    batch it falls in, what happens to each endpoint (C(opens), C(closes), C(stays), C(off);
    C(changes) for ssh accounts), whether dockerd restarts, and every change.
options:
  _input:
    description: Host name to its M(dockerd.exposure.exposure_plan) result.
    type: dict
    required: true
  hosts:
    description: The daemon hosts in play order (batches are cut from it as C(serial) does).
    type: list
    elements: str
    required: true
  batch:
    description: "The rollout batch size (C(dockerd_rollout_batch)): a number, a percentage or a list."
    type: raw
"""

EXAMPLES = r"""
---
- name: Show the plan of the whole fleet
  ansible.builtin.debug:
    msg: "{{ dict(ansible_play_hosts_all | zip(ansible_play_hosts_all | map('extract', hostvars, 'plan')))
             | dockerd.exposure.plan_table(hosts=ansible_play_hosts_all, batch=dockerd_rollout_batch | default(none)) }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: The table's lines, a header first.
  type: list
  elements: str
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._plan import fleet_table


def plan_table(plans, hosts, batch=None):
    return fleet_table(dict(plans or {}), list(hosts or []), batch)


class FilterModule(object):
    def filters(self):
        return {"plan_table": plan_table}

# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: unit_exec_start
short_description: The ExecStart a systemd unit file or drop-in sets, as argv
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Reads the text of a unit file or drop-in and returns the argv of its last C(ExecStart=)
    in the C([Service]) section, the way M(dockerd.exposure.exposure_info) reads
    RV(service.packaged_exec_start) (continuation lines joined, comments skipped,
    variables such as C($DOCKER_OPTS) kept as written).
  - Returns null when the text sets no C(ExecStart=) at all, and an empty list when the last
    one is the reset C(ExecStart=) alone.
options:
  _input:
    description: The text of the unit file or drop-in.
    type: str
    required: true
"""

EXAMPLES = r"""
---
- name: Show the ExecStart an operator's drop-in sets
  ansible.builtin.debug:
    msg: "{{ '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375\n'
             | dockerd.exposure.unit_exec_start }}"
  # -> ['/usr/sbin/dockerd', '-H', 'fd://', '-H', 'tcp://0.0.0.0:2375']
"""

RETURN = r"""
_value:
  description: The argv of the last ExecStart=, [] for a reset alone, null when there is none.
  type: list
  elements: str
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_parse import parse_unit_exec_start


def unit_exec_start(text):
    return parse_unit_exec_start(text)


class FilterModule(object):
    def filters(self):
        return {"unit_exec_start": unit_exec_start}

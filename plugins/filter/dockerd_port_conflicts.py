# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: dockerd_port_conflicts
short_description: Other processes on the ports dockerd's endpoints are about to listen on
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Takes the lines of C(ss -H -l -t -n -p) and the ports a restart makes listen, and returns
    one sentence per listener that would keep one of them from binding (same port, an
    overlapping address (a wildcard takes every address) and a process that is not one of
    the allowed owners, or that ss cannot name).
options:
  _input:
    description: The output lines of C(ss -H -l -t -n -p).
    type: list
    elements: str
    required: true
  wants:
    description: The ports to check, each a dict with C(port), C(address), C(variable) (the
      role variable that sets the port) and C(unit) (the unit that listens).
    type: list
    elements: dict
    required: true
  allowed:
    description: Process names (as ss prints them) that may hold the ports.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
---
- name: Show who holds port 2376
  ansible.builtin.debug:
    msg: >-
      {{ ss.stdout_lines | dockerd.exposure.dockerd_port_conflicts(
           [{'port': 2376, 'address': '0.0.0.0', 'variable': 'dockerd_tls_port', 'unit': 'docker.socket'}],
           ['dockerd', 'systemd']) }}
"""

RETURN = r"""
_value:
  description: One sentence per conflicting listener, in the order of I(wants), then of the lines.
  type: list
  elements: str
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_parse import (
    addresses_overlap,
    parse_ss_listeners,
)


def dockerd_port_conflicts(lines, wants, allowed):
    listeners = parse_ss_listeners(lines)
    found = []
    for want in wants or []:
        for have in listeners:
            if have["port"] != int(want["port"]) or not addresses_overlap(have["address"], want["address"]):
                continue
            foreign = [(name, pid) for name, pid in have["processes"] if name not in allowed]
            if have["processes"] and not foreign:
                continue
            who = (", ".join("%s (pid %d)" % proc for proc in foreign)
                   if foreign else "a process ss cannot name")
            found.append(
                "port %s (%s) is taken on %s:%s by %s, so %s could not listen on %s:%s; stop that process"
                " or set another %s." % (want["port"], want["variable"], have["local"], have["port"], who,
                                         want["unit"], want["address"], want["port"], want["variable"]))
    return found


class FilterModule(object):
    def filters(self):
        return {"dockerd_port_conflicts": dockerd_port_conflicts}

# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: dockerd_flag_clashes
short_description: The daemon.json keys a dockerd command line also sets as flags
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Takes a dockerd command line (an ExecStart value, shell-quoted words) and the content of
    daemon.json, and returns the daemon.json keys that the command line also sets as flags,
    in the order of the flags. dockerd refuses to start with such a pair ("the following
    directives are specified both as a flag and in the configuration file").
  - Uses the same flag table as M(dockerd.exposure.exposure_info); C(-H) is C(hosts),
    C(--label) is C(labels), C(--default-address-pool) is C(default-address-pools) and so on;
    C(runtimes) never clashes (dockerd merges it with C(--add-runtime)).
options:
  _input:
    description: The dockerd command line.
    type: str
    required: true
  content:
    description: The daemon.json content (a dict); anything else clashes with nothing.
    type: raw
    required: true
"""

EXAMPLES = r"""
---
- name: Show what dockerd would refuse
  ansible.builtin.debug:
    msg: "{{ '/usr/sbin/dockerd -H fd:// --label a=b' | dockerd.exposure.dockerd_flag_clashes({'hosts': [], 'labels': []}) }}"
  # -> ['hosts', 'labels']
"""

RETURN = r"""
_value:
  description: The clashing daemon.json keys.
  type: list
  elements: str
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._dockerd_flags import command_line_clashes


def dockerd_flag_clashes(command_line, content):
    return command_line_clashes(command_line, content)


class FilterModule(object):
    def filters(self):
        return {"dockerd_flag_clashes": dockerd_flag_clashes}

# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: dockerd_exec_start
short_description: Rewrite docker.service's ExecStart so every listener comes from docker.socket
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Takes the argv of the packaged ExecStart of docker.service (as reported by
    M(dockerd.exposure.exposure_info) in RV(service.packaged_exec_start)), removes every
    C(-H)/C(--host) argument and puts the given hosts (default C(fd://)) right after the
    dockerd path. Everything else (C(--containerd=...), C($DOCKER_OPTS)) is kept.
options:
  _input:
    description: The packaged ExecStart as a list of words.
    type: list
    elements: str
    required: true
  dockerd_path:
    description: Path of dockerd on the host; defaults to the first word of the input.
    type: str
  hosts:
    description: The listeners to pass as C(-H).
    type: list
    elements: str
    default: ["fd://"]
"""

EXAMPLES = r"""
---
- name: Render the ExecStart line for the drop-in
  ansible.builtin.debug:
    msg: "{{ ['/usr/sbin/dockerd', '-H', 'fd://', '$DOCKER_OPTS'] | dockerd.exposure.dockerd_exec_start }}"
  # -> /usr/sbin/dockerd -H fd:// $DOCKER_OPTS
"""

RETURN = r"""
_value:
  description: The ExecStart value, words quoted for systemd.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.dockerd.exposure.plugins.module_utils._cmdline import exec_start


def dockerd_exec_start(packaged_argv, dockerd_path=None, hosts=None):
    try:
        return exec_start(list(packaged_argv or []), dockerd_path, tuple(hosts or ("fd://",)))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"dockerd_exec_start": dockerd_exec_start}

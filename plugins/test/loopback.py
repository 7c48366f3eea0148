# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: loopback
short_description: Whether an address only reaches the host itself
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - True for C(localhost), 127.0.0.0/8, C(::1) and IPv4-mapped loopback (C(::ffff:127.0.0.1)),
    with or without brackets. The same rule M(dockerd.exposure.exposure_info) uses to tell
    plain TCP on loopback from plain TCP on a public address.
options:
  _input:
    description: An address or host name.
    type: str
    required: true
"""

EXAMPLES = r"""
---
- name: Refuse plain TCP on a public address
  ansible.builtin.assert:
    that: dockerd_tcp_address is dockerd.exposure.loopback
"""

RETURN = r"""
_value:
  description: Whether the address is a loopback address.
  type: bool
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import is_loopback


class TestModule(object):
    def tests(self):
        return {"loopback": lambda address: is_loopback(str(address))}

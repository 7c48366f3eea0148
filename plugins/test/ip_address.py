# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: ip_address
short_description: Whether a value is one IPv4 or IPv6 address
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - True for one address (C(192.0.2.7), C(2001:db8::7), C(::ffff:192.0.2.7)), the form a
    certificate's IP subject alternative name holds.
  - False for host names, networks, brackets, blanks around the value and IPv6 zones
    (C(fe80::1%eth0)), which no certificate can hold.
  - The same rule as M(dockerd.exposure.ip_network) (Python's C(ipaddress)).
options:
  _input:
    description: The value to check.
    type: str
    required: true
  prefix:
    description: A prefix (any case) that may precede the address, such as C(IP:).
    type: str
"""

EXAMPLES = r"""
---
- name: List the names that are addresses
  ansible.builtin.debug:
    msg: "{{ ['docker.example.com', '192.0.2.7', 'IP:2001:db8::7'] | select('dockerd.exposure.ip_address', prefix='IP:') | list }}"
"""

RETURN = r"""
_value:
  description: Whether the value is one address.
  type: bool
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._ip import is_ip_address


class TestModule(object):
    def tests(self):
        return {"ip_address": is_ip_address}

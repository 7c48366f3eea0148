# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: ip_network
short_description: Whether a value is one IPv4 or IPv6 address or network
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - True for an address (C(192.0.2.7), C(2001:db8::7)) or a network in CIDR notation
    (C(192.0.2.0/24), C(2001:db8::/32)) without host bits set, the forms nftables accepts in
    the allowed-source sets of the daemon role's firewall.
  - False for host names, ranges, brackets, IPv6 zones (C(fe80::1%eth0)) and networks with host
    bits set (C(192.0.2.7/24)).
  - The same rule as M(dockerd.exposure.ip_address).
  - Uses Python's C(ipaddress), so the collection needs no C(ansible.utils) or C(netaddr).
options:
  _input:
    description: The value to check.
    type: str
    required: true
"""

EXAMPLES = r"""
---
- name: List the entries that are not networks
  ansible.builtin.debug:
    msg: "{{ dockerd_tcp_allowed_sources | reject('dockerd.exposure.ip_network') | list }}"
"""

RETURN = r"""
_value:
  description: Whether the value is an address or a network without host bits.
  type: bool
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._ip import is_ip_network


class TestModule(object):
    def tests(self):
        return {"ip_network": is_ip_network}

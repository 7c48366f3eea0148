# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""The one rule for IP addresses and networks in role variables (Python's ipaddress).

An address or network is a string without surrounding blanks, IPv4 in dotted quads without
leading zeros, or IPv6 in any RFC 4291 form (upper or lower case, with an IPv4 tail). An
IPv6 zone (fe80::1%eth0) is refused everywhere: a certificate cannot hold one and an
nftables set cannot match one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress


def _plain(value):
    return isinstance(value, str) and value and value == value.strip() and "%" not in value


def is_ip_address(value, prefix=None):
    """One address, IPv4 or IPv6. ``prefix`` (such as ``IP:``, any case) may precede it."""
    if prefix and isinstance(value, str) and value[:len(prefix)].lower() == prefix.lower():
        value = value[len(prefix):]
    if not _plain(value):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def is_ip_network(value):
    """An address or a CIDR network without host bits set, IPv4 or IPv6."""
    if not _plain(value):
        return False
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return True

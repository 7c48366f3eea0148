# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: endpoints
short_description: How each endpoint of a daemon host is listened on, dialled and checked
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Takes a daemon host's variables (for example C(hostvars[host])) and returns, per mode
    (V(unix), V(tcp), V(tls), V(ssh)), the C(ListenStream=) form it listens on, the URL
    clients dial from elsewhere, the URL dialled on the host itself, where its check runs
    (V(host) or V(controller)) and what that check expects.
  - A variable that is missing, null or empty takes the daemon roles' default, so that plays
    which do not see those defaults dial what the roles configured.
  - IPv6 addresses are put in brackets, and a wildcard listener (V(0.0.0.0), V(::)) is dialled
    on the host through loopback of the same family.
options:
  _input:
    description: The host's variables (dockerd_expose, dockerd_endpoint_host, ansible_host, dockerd_tcp_address, ...).
    type: dict
    required: true
  inventory_hostname:
    description: The host's inventory name, dialled when neither dockerd_endpoint_host nor ansible_host is set.
    type: str
  filtered_ports:
    description: Ports the host's firewall filters now; their endpoints are checked on the host.
    type: list
    elements: int
    default: []
  pki_dir:
    description: The controller's PKI directory when dockerd_tls_pki_dir is not set.
    type: str
  ssh_user:
    description: The account that dials ssh (default dockerd_check_ssh_user, else the first present dockerd_ssh_users account, else root).
    type: str
  ssh_host_keys:
    description: The host keys (C(TYPE BASE64)) the ssh check trusts, added to its options.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
---
- name: Show where the TLS endpoint of each daemon is dialled
  ansible.builtin.debug:
    msg: "{{ (hostvars[item] | dockerd.exposure.endpoints(inventory_hostname=item)).endpoints.tls.url }}"
  loop: "{{ groups['docker_daemons'] }}"
"""

RETURN = r"""
_value:
  description:
    - C(host) and C(dial_host) (the address clients dial, bare and bracketed), C(modes),
      C(endpoints) (per mode - enabled, listen, url, host_url, check_url, check_on, expect,
      row; tcp and tls - address, port, host_dial, firewalled; tls - pki_dir, bundle; ssh - user, port,
      accounts), C(wildcard_loopback) and C(checks) (one per summary row - row, mode, on and args,
      the options of M(dockerd.exposure.endpoint_check) with a name).
  type: dict
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._endpoints import endpoint_plan


def endpoints(hostvars, inventory_hostname=None, filtered_ports=None, pki_dir=None, ssh_user=None,
              ssh_host_keys=None):
    return endpoint_plan(hostvars, inventory_hostname=inventory_hostname,
                         filtered_ports=filtered_ports or (), pki_dir=pki_dir, ssh_user=ssh_user,
                         ssh_host_keys=ssh_host_keys or ())


class FilterModule(object):
    def filters(self):
        return {"endpoints": endpoints}

# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Connection options shared by the modules of dockerd.exposure that talk to dockerd.

The matching argument spec is CONNECTION_ARGUMENT_SPEC in module_utils/_endpoint.py.
Names follow community.docker where they overlap; defaults differ where a check must be
strict (validate_certs, use_ssh_client).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The Docker daemon endpoint, as a URL.
      - V(unix:///PATH) for a local socket, for example V(unix:///var/run/docker.sock).
      - V(tcp://HOST[:PORT]) for plain TCP or, with O(tls), mutual TLS. The port defaults to
        2376 with TLS and 2375 without. IPv6 addresses go in brackets, V(tcp://[2001:db8::1]:2376).
      - V(ssh://[USER@]HOST[:PORT]) for docker over ssh (the remote user runs
        C(docker system dial-stdio)). User and port may come from ssh config instead.
      - Unlike community.docker there is no default and no E(DOCKER_HOST) fallback, so a
        task always says which endpoint it means.
    type: str
    required: true
  tls:
    description:
      - Speak TLS to a V(tcp://) endpoint.
      - Implied when O(ca_path) or O(client_cert) is given.
      - Not valid for V(unix://) and V(ssh://) endpoints.
    type: bool
    default: false
  ca_path:
    description:
      - PEM file with the CA that signed the daemon's server certificate (the daemon's
        C(tlscacert) in most setups).
      - It is the only CA trusted for the server. E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE)
        in the environment are ignored, because Python C(requests) would otherwise let them
        replace this CA.
      - Required when O(tls) is in effect and O(validate_certs=true).
    type: path
    aliases:
      - tls_ca_cert
  client_cert:
    description:
      - PEM file with the client certificate to present to a daemon that runs with
        C(tlsverify).
      - Requires O(client_key).
    type: path
  client_key:
    description:
      - PEM file with the private key of O(client_cert). It is read locally and never sent.
      - Requires O(client_cert).
    type: path
  validate_certs:
    description:
      - Verify the server certificate against O(ca_path) and the dialled name (or
        O(tls_hostname)), as C(docker --tlsverify) does.
      - Set V(false) only to inspect a daemon whose certificate you do not trust yet; the
        connection is then encrypted but not authenticated.
      - Only used when O(tls) is in effect.
    type: bool
    default: true
    aliases:
      - tls_verify
  tls_hostname:
    description:
      - The name the server certificate must be valid for, when it differs from the host in
        O(docker_host), for example when dialling an address through a published port or a
        load balancer.
      - Sent as the TLS server name (SNI) too.
      - Defaults to the host part of O(docker_host).
    type: str
  timeout:
    description:
      - Seconds to wait for a connection and for each answer (Docker API call, probe, ssh
        C(ConnectTimeout)).
    type: float
    default: 10
  use_ssh_client:
    description:
      - For V(ssh://) endpoints, run the system C(ssh) client, so that ssh config,
        C(ControlMaster)/C(ControlPersist), ssh-agent and C(known_hosts) apply as they do
        for the C(docker) CLI.
      - The client runs with C(BatchMode=yes) (it never prompts) and C(ConnectTimeout) set
        from O(timeout); its error output is read to explain failures.
      - V(false) uses paramiko instead, which reads only part of ssh config and only
        C(~/.ssh/known_hosts), and whose connection setup is not bounded by O(timeout).
    type: bool
    default: true
requirements:
  - Docker SDK for Python 7.x with ssh support (C(docker[ssh]), which brings paramiko; the
    SDK refuses V(ssh://) without it even when O(use_ssh_client=true))
  - cryptography (certificate details and the O(probes=foreign_ca) probe)
  - The C(ssh) client on the PATH, for V(ssh://) with O(use_ssh_client=true)
notes:
  - The connection options are read from the task only; E(DOCKER_HOST), E(DOCKER_TLS_VERIFY)
    and E(DOCKER_CERT_PATH) are not consulted.
"""

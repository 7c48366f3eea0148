# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

"""How each endpoint of a daemon host is listened on and dialled: the one place that decides.

Pure functions of a host's variables (a mapping such as ``hostvars[host]``); the daemon role
(ListenStream=, its health checks), the client role (contexts, env files), the tls role (env
files) and the endpoint checks of expose.yml, rotate.yml and audit.yml all read
``endpoint_plan()`` through the filter ``dockerd.exposure.endpoints``.

A variable that is missing, None or empty takes the daemon roles' default (DEFAULTS), so that
plays outside the daemon role (which do not see role defaults) dial what the role configured.
"""

from __future__ import annotations

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import is_loopback

# The daemon roles' defaults of the variables the plan reads (roles/daemon, roles/tls,
# roles/ssh defaults/main.yml); only used when a play does not see those roles' defaults.
DEFAULTS = {
    "dockerd_expose": ["unix"],
    "dockerd_socket_path": "/run/docker.sock",
    "dockerd_tcp_address": "127.0.0.1",
    "dockerd_tcp_port": 2375,
    "dockerd_tls_address": "0.0.0.0",
    "dockerd_tls_port": 2376,
    "dockerd_tls_dir": "/etc/docker/tls",
    "dockerd_tls_clients": [{"name": "admin"}],
    "dockerd_ssh_port": 22,
    "dockerd_ssh_users": [],
}

# A wildcard listener is dialled on the host through loopback of the same family.
WILDCARD_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}

MODES = ("unix", "tcp", "tls", "ssh")


def bracket(address):
    """An address as it goes before ':port' in a URL or ListenStream=: IPv6 in brackets."""
    text = str(address)
    if ":" in text and not text.startswith("["):
        return "[%s]" % text
    return text


def host_port(address, port):
    """'address:port' with IPv6 bracketed (the ListenStream= form)."""
    return "%s:%d" % (bracket(address), int(port))


def local_address(address):
    """The address a check on the host dials for a listener on `address` (unbracketed)."""
    text = str(address).strip("[]")
    return WILDCARD_LOOPBACK.get(text, text)


def _get(hostvars, name, default=None):
    """hostvars[name], or the default when missing, None or empty."""
    try:
        value = hostvars.get(name)
    except Exception:  # pylint: disable=broad-except  # an undefined variable
        value = None
    if value is None or (isinstance(value, (str, list, dict)) and len(value) == 0):
        return DEFAULTS.get(name) if default is None else default
    return value


def present_ssh_accounts(users):
    """The names of dockerd_ssh_users entries that are present (no state, or state=present)."""
    names = []
    for user in users or []:
        if not isinstance(user, dict) or "name" not in user:
            continue
        if user.get("state", "present") == "present":
            names.append(str(user["name"]))
    return names


def ssh_url(user, host, port):
    """ssh://[user@]host[:port], IPv6 bracketed, the port left out when it is 22."""
    userinfo = ("%s@" % user) if user else ""
    suffix = (":%d" % int(port)) if int(port) != 22 else ""
    return "ssh://%s%s%s" % (userinfo, bracket(host), suffix)


def endpoint_plan(hostvars, inventory_hostname=None, filtered_ports=(), pki_dir=None,
                  ssh_user=None, ssh_host_keys=()):
    """The endpoints of one daemon host: how each is listened on and dialled, and checked.

    hostvars: the host's variables (dockerd_expose, dockerd_endpoint_host, ansible_host,
      dockerd_socket_path, dockerd_tcp_*/dockerd_tls_* address and port, dockerd_tls_dir,
      dockerd_tls_pki_dir, dockerd_tls_clients, dockerd_ssh_port, dockerd_ssh_users,
      dockerd_check_ssh_user, dockerd_check_ssh_identity_file).
    inventory_hostname: the host's inventory name (the last fallback of the dialled host).
    filtered_ports: ports the host's firewall filters now (exposure_info's firewall.ports):
      such a port may turn the controller away, so its endpoint is checked on the host.
    pki_dir: the controller's PKI directory when dockerd_tls_pki_dir is not set.
    ssh_user: the account that dials ssh (default: dockerd_check_ssh_user, else the first
      present dockerd_ssh_users account, else root).
    ssh_host_keys: the host keys ('TYPE BASE64') the ssh check trusts, read on the host.

    Returns {'host', 'dial_host', 'modes', 'endpoints': {mode: {...}}, 'checks': [...]}.
    Each endpoint: enabled, listen (ListenStream= form, or the socket path), url (what
    clients dial from elsewhere), host_url (what is dialled on the host itself; tcp and tls:
    host_dial, its bracketed address), check_on
    ('host' or 'controller'), expect ('reachable', 'refused' or 'unauthorized'), row (the
    summary's mode column). checks: one per summary row, in order, each {'row', 'mode',
    'on', 'args'} with args the endpoint_check options of that check (with its name).
    """
    modes = [str(m) for m in _get(hostvars, "dockerd_expose")]
    name = inventory_hostname or _get(hostvars, "inventory_hostname", "")
    host = str(_get(hostvars, "dockerd_endpoint_host", _get(hostvars, "ansible_host", name)))
    dial = bracket(host)
    filtered = set(int(p) for p in filtered_ports or ())

    socket_path = str(_get(hostvars, "dockerd_socket_path"))
    unix_url = "unix://" + socket_path
    unix = {
        "mode": "unix", "enabled": "unix" in modes, "row": "unix", "listen": socket_path,
        "url": unix_url, "host_url": unix_url, "check_url": unix_url, "check_on": "host",
        "expect": "reachable",
    }

    tcp_address = str(_get(hostvars, "dockerd_tcp_address"))
    tcp_port = int(_get(hostvars, "dockerd_tcp_port"))
    tcp_on = "tcp" in modes
    tcp_loopback = is_loopback(tcp_address)
    tcp_firewalled = tcp_on and tcp_port in filtered
    tcp_host_url = "tcp://" + host_port(local_address(tcp_address), tcp_port)
    tcp_public_url = "tcp://" + host_port(host, tcp_port)
    # Loopback only or filtered: dialled on the host through loopback; off: the public
    # address is dialled on the host, where no firewall can hide a listener that is left.
    if tcp_loopback or tcp_firewalled:
        tcp_check_url, tcp_on_host = tcp_host_url, True
    else:
        tcp_check_url, tcp_on_host = tcp_public_url, not tcp_on
    tcp = {
        "mode": "tcp", "enabled": tcp_on, "row": "tcp" if tcp_on else "tcp (off)",
        "address": tcp_address, "port": tcp_port, "loopback": tcp_loopback,
        "firewalled": tcp_firewalled, "listen": host_port(tcp_address, tcp_port),
        "host_dial": bracket(local_address(tcp_address)),
        # Clients elsewhere cannot reach a loopback listener.
        "url": None if tcp_loopback else tcp_public_url, "host_url": tcp_host_url,
        "check_url": tcp_check_url, "check_on": "host" if tcp_on_host else "controller",
        "expect": "reachable" if tcp_on else "refused",
    }

    tls_address = str(_get(hostvars, "dockerd_tls_address"))
    tls_port = int(_get(hostvars, "dockerd_tls_port"))
    tls_on = "tls" in modes
    tls_firewalled = tls_on and tls_port in filtered
    tls_host_url = "tcp://" + host_port(local_address(tls_address), tls_port)
    tls_url = "tcp://" + host_port(host, tls_port)
    pki = str(_get(hostvars, "dockerd_tls_pki_dir", pki_dir or "pki"))
    clients = _get(hostvars, "dockerd_tls_clients")
    bundle = "%s/clients/%s" % (pki, clients[0]["name"])
    if not tls_on:
        # Off: its port must be closed on the host (loopback: no firewall in the way).
        tls_check_url, tls_check_on, tls_expect = "tcp://" + host_port("127.0.0.1", tls_port), "host", "refused"
    elif tls_firewalled:
        # The client keys stay on the controller: the host proves what it can without one.
        tls_check_url, tls_check_on, tls_expect = tls_host_url, "host", "unauthorized"
    else:
        tls_check_url, tls_check_on, tls_expect = tls_url, "controller", "reachable"
    tls = {
        "mode": "tls", "enabled": tls_on, "row": "tls" if tls_on else "tls (off)",
        "address": tls_address, "port": tls_port, "firewalled": tls_firewalled,
        "listen": host_port(tls_address, tls_port), "url": tls_url, "host_url": tls_host_url,
        "host_dial": bracket(local_address(tls_address)),
        "check_url": tls_check_url, "check_on": tls_check_on, "expect": tls_expect,
        "pki_dir": pki, "bundle": bundle,
    }

    ssh_port = int(_get(hostvars, "dockerd_ssh_port"))
    accounts = present_ssh_accounts(_get(hostvars, "dockerd_ssh_users"))
    user = str(ssh_user or _get(hostvars, "dockerd_check_ssh_user", accounts[0] if accounts else "root"))
    ssh = {
        "mode": "ssh", "enabled": "ssh" in modes, "row": "ssh", "port": ssh_port,
        "accounts": accounts, "user": user, "listen": None,  # sshd's own business
        "url": ssh_url(user, host, ssh_port), "host_url": None,
        "check_url": ssh_url(user, host, ssh_port), "check_on": "controller",
        "expect": "reachable",
    }
    endpoints = {"unix": unix, "tcp": tcp, "tls": tls, "ssh": ssh}
    return {
        "host": host, "dial_host": dial, "modes": modes, "endpoints": endpoints,
        "wildcard_loopback": dict(WILDCARD_LOOPBACK),
        "checks": endpoint_checks(endpoints, hostvars, ssh_host_keys),
    }


def endpoint_checks(endpoints, hostvars, ssh_host_keys=()):
    """The summary's rows, in order, with the endpoint_check options of each."""
    checks = []
    for mode in MODES:
        ep = endpoints[mode]
        if mode == "ssh" and not ep["enabled"]:
            continue
        args = {"name": mode, "docker_host": ep["check_url"]}
        if ep["expect"] != "reachable":
            args["expect"] = ep["expect"]
        if mode == "tls" and ep["enabled"]:
            if ep["check_on"] == "controller":
                args.update(ca_path=ep["bundle"] + "/ca.pem", client_cert=ep["bundle"] + "/cert.pem",
                            client_key=ep["bundle"] + "/key.pem",
                            probes=["no_client_cert", "foreign_ca", "plain_http"])
            else:
                args.update(ca_path=str(_get(hostvars, "dockerd_tls_dir")) + "/ca.pem",
                            probes=["plain_http"])
        if mode == "ssh":
            identity = _get(hostvars, "dockerd_check_ssh_identity_file", "")
            if identity:
                args["ssh_identity_file"] = str(identity)
            if ssh_host_keys:
                args["ssh_host_keys"] = [str(key) for key in ssh_host_keys]
        checks.append({"row": ep["row"], "mode": mode, "on": ep["check_on"], "args": args})
    return checks

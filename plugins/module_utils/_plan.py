# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""The daemon host's plan, decided once on the controller.

Pure functions: they take a host's variables (``dockerd_*``, already templated) and what
M(dockerd.exposure.exposure_info) observed on the host, and return what the host should look
like (the files the daemon role writes, with their content; the daemon.json keys) and the
list of differences with what it looks like now. An empty list means the host is converged:
the rollout then runs none of the role tasks on it (one gather call instead of ~200 tasks).

The daemon role writes exactly the content computed here, so the rule is written once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import ipaddress
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ansible_collections.dockerd.exposure.plugins.module_utils._cmdline import exec_start
from ansible_collections.dockerd.exposure.plugins.module_utils._endpoints import host_port
from ansible_collections.dockerd.exposure.plugins.module_utils._ip import is_ip_address

SOCKET_DROPIN = "/etc/systemd/system/docker.socket.d/50-dockerd-exposure.conf"
SERVICE_DROPIN = "/etc/systemd/system/docker.service.d/50-dockerd-exposure.conf"
DAEMON_JSON = "/etc/docker/daemon.json"
TCP_SOCKET_UNIT = "/etc/systemd/system/dockerd-exposure-tcp.socket"
TCP_SERVICE_UNIT = "/etc/systemd/system/dockerd-exposure-tcp.service"
TCP_SOCKET_NAME = "dockerd-exposure-tcp.socket"
FIREWALL_DIR = "/etc/dockerd-exposure"
FIREWALL_FILE = FIREWALL_DIR + "/firewall.nft"
FIREWALL_UNIT = "/etc/systemd/system/dockerd-exposure-firewall.service"
FIREWALL_UNIT_NAME = "dockerd-exposure-firewall.service"
FIREWALL_TABLE = "dockerd_exposure"
NFT = "/usr/sbin/nft"
TLS_OWNED_KEYS = ("tls", "tlsverify", "tlscacert", "tlscert", "tlskey")
MANAGED = "# Ansible managed\n"

# What the gather call must read for the plan (exposure_info's files/units/groups options).
GATHER_FILES = [SOCKET_DROPIN, SERVICE_DROPIN, TCP_SOCKET_UNIT, TCP_SERVICE_UNIT, FIREWALL_DIR,
                FIREWALL_FILE, FIREWALL_UNIT, NFT]
GATHER_UNITS = [TCP_SOCKET_NAME, "dockerd-exposure-tcp.service", FIREWALL_UNIT_NAME]


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def listen_address(address, port):
    """ListenStream= form (IPv6 in brackets): the endpoints' one rule."""
    return host_port(address, int(port))


def modes(v):
    return list(v.get("dockerd_expose") or ["unix"])


def socket_shared(v):
    """The socket is shared with a group only when a mode needs it (unix users, ssh users)."""
    return "unix" in modes(v) or "ssh" in modes(v)


def socket_group(v):
    return v["dockerd_socket_group"] if socket_shared(v) else "root"


def socket_mode(v):
    return str(v["dockerd_socket_mode"]) if socket_shared(v) else "0600"


def tls_keys(v):
    tls_dir = v["dockerd_tls_dir"]
    return {"tlsverify": True, "tlscacert": tls_dir + "/ca.pem", "tlscert": tls_dir + "/server-cert.pem",
            "tlskey": tls_dir + "/server-key.pem"}


def firewall_ports(v):
    """One entry per exposed TCP/TLS port that has an allowed-source list."""
    ports = []
    for mode in ("tcp", "tls"):
        sources = list(v.get("dockerd_%s_allowed_sources" % mode) or [])
        if mode in modes(v) and sources:
            ports.append({"name": mode, "port": int(v["dockerd_%s_port" % mode]), "sources": sources})
    return ports


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def socket_dropin(v):
    lines = [
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): every listener dockerd serves is held by systemd and",
        "# handed over as -H fd://, so requests wait in the backlog while dockerd restarts.",
        "# With TLS on, dockerd wraps the TCP listeners it is handed in TLS; the unix one stays plain.",
        "[Socket]",
        "ListenStream=",
        "ListenStream=%s" % v["dockerd_socket_path"],
    ]
    if "tls" in modes(v):
        lines.append("ListenStream=%s" % listen_address(v["dockerd_tls_address"], v["dockerd_tls_port"]))
    lines += ["SocketMode=%s" % socket_mode(v), "SocketUser=%s" % v["dockerd_socket_user"],
              "SocketGroup=%s" % socket_group(v)]
    return "\n".join(lines) + "\n"


def service_exec_start(state):
    """The drop-in's ExecStart: the packaged command line with -H fd:// as its only listener."""
    service = state.get("service") or {}
    return exec_start(list(service.get("packaged_exec_start") or []), state.get("dockerd_path"), ("fd://",))


def service_dropin(state):
    return "\n".join([
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): the packaged command line with its listeners replaced by",
        '# -H fd:// (docker.socket); listeners never go into daemon.json "hosts", which would clash.',
        "[Service]",
        "ExecStart=",
        "ExecStart=%s" % service_exec_start(state),
    ]) + "\n"


def tcp_socket_unit(v):
    listen = listen_address(v["dockerd_tcp_address"], v["dockerd_tcp_port"])
    return "\n".join([
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): plain TCP endpoint of dockerd. No encryption, no",
        "# authentication: whoever reaches %s is root on this host." % listen,
        "[Unit]",
        "Description=Plain TCP endpoint for the Docker API (dockerd.exposure)",
        "PartOf=docker.socket",
        "",
        "[Socket]",
        "ListenStream=%s" % listen,
        "NoDelay=true",
        "",
        "[Install]",
        "WantedBy=sockets.target",
    ]) + "\n"


def tcp_service_unit(v):
    return "\n".join([
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): forwards the plain TCP endpoint to dockerd's unix socket.",
        "# dockerd itself cannot serve plain TCP next to TLS (it wraps every TCP listener in TLS),",
        "# and forwarding keeps this endpoint out of dockerd restarts: clients wait, not fail.",
        "[Unit]",
        "Description=Plain TCP endpoint for the Docker API (dockerd.exposure)",
        "Requires=dockerd-exposure-tcp.socket docker.socket",
        "After=dockerd-exposure-tcp.socket docker.socket",
        "",
        "[Service]",
        "ExecStart=/lib/systemd/systemd-socket-proxyd %s" % v["dockerd_socket_path"],
        "PrivateTmp=true",
    ]) + "\n"


def firewall_rules(v):
    ports = firewall_ports(v)
    lines = [
        "#!/usr/sbin/nft -f",
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): who may reach dockerd's TCP and TLS ports.",
        "# Only this table is replaced, in one transaction: the empty declaration lets the delete",
        "# succeed on the first load, and Docker's own tables (ip filter, ip nat, ...) are not touched.",
        "table inet %s {}" % FIREWALL_TABLE,
        "delete table inet %s" % FIREWALL_TABLE,
        "",
        "table inet %s {" % FIREWALL_TABLE,
    ]
    for entry in ports:
        sources = [str(s) for s in entry["sources"]]
        for family, chosen in (("ipv4", _unique([s for s in sources if ":" not in s])),
                               ("ipv6", _unique([s for s in sources if ":" in s]))):
            lines += [
                "\t# %s (port %d), %s" % (entry["name"], entry["port"], family),
                "\tset %s_%s {" % (entry["name"], family),
                "\t\ttype %s_addr" % family,
                "\t\tflags interval",
                "\t\tauto-merge",
            ]
            if chosen:
                lines.append("\t\telements = { %s }" % ", ".join(chosen))
            lines += ["\t}", ""]
    lines += [
        "\tchain input {",
        "\t\ttype filter hook input priority filter; policy accept;",
        '\t\tiif "lo" accept',
    ]
    for entry in ports:
        lines += [
            "\t\ttcp dport %d ip saddr @%s_ipv4 accept" % (entry["port"], entry["name"]),
            "\t\ttcp dport %d ip6 saddr @%s_ipv6 accept" % (entry["port"], entry["name"]),
            "\t\ttcp dport %d reject with tcp reset" % entry["port"],
        ]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def firewall_unit():
    return "\n".join([
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role daemon): loads the allowed sources of dockerd's TCP and TLS ports",
        "# (%s) before the ports open. Not nftables.service: its" % FIREWALL_FILE,
        "# /etc/nftables.conf starts with `flush ruleset`, which would wipe Docker's rules.",
        "[Unit]",
        "Description=Allowed sources of dockerd's TCP and TLS ports (dockerd.exposure)",
        "DefaultDependencies=no",
        "Wants=network-pre.target",
        "Before=network-pre.target shutdown.target docker.socket docker.service dockerd-exposure-tcp.socket",
        "Conflicts=shutdown.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/usr/sbin/nft -f %s" % FIREWALL_FILE,
        "# The file replaces the table in one transaction: a reload never leaves the ports open.",
        "ExecReload=/usr/sbin/nft -f %s" % FIREWALL_FILE,
        "ExecStop=-/usr/sbin/nft delete table inet %s" % FIREWALL_TABLE,
        "",
        "[Install]",
        "WantedBy=sysinit.target",
    ]) + "\n"


def daemon_files(v, state):
    """{path: content} the daemon role writes; None for a file it removes."""
    tcp = "tcp" in modes(v)
    firewall = bool(firewall_ports(v))
    return {
        SOCKET_DROPIN: socket_dropin(v),
        SERVICE_DROPIN: service_dropin(state),
        TCP_SOCKET_UNIT: tcp_socket_unit(v) if tcp else None,
        TCP_SERVICE_UNIT: tcp_service_unit(v) if tcp else None,
        FIREWALL_FILE: firewall_rules(v) if firewall else None,
        FIREWALL_UNIT: firewall_unit() if firewall else None,
    }


def daemon_json_keys(v):
    """(keys to set, keys to remove) in daemon.json."""
    wanted = {"live-restore": bool(v["dockerd_live_restore"])}
    if "tls" in modes(v):
        wanted.update(tls_keys(v))
        return wanted, []
    return wanted, list(TLS_OWNED_KEYS)


def _file_changes(path, content, observed):
    """Why a managed file differs from what the role writes ([] when it does not)."""
    seen = observed.get(path) or {}
    if content is None:
        return ["%s is removed" % path] if seen.get("exists") else []
    if not seen.get("exists"):
        return ["%s is created" % path]
    changes = []
    if seen.get("sha256") != sha256(content):
        changes.append("%s changes" % path)
    if (seen.get("owner"), seen.get("group"), seen.get("mode")) != ("root", "root", "0644"):
        changes.append("%s gets root:root 0644" % path)
    return changes


def _unit(state, name):
    return (state.get("units") or {}).get(name) or {}


def daemon_changes(v, state):
    """What the daemon role would change on this host; [] when it is converged."""
    changes = []
    observed = state.get("files") or {}
    for path, content in daemon_files(v, state).items():
        changes += _file_changes(path, content, observed)

    json_state = state.get("daemon_json") or {}
    current = json_state.get("content") or {}
    wanted, removed = daemon_json_keys(v)
    for key, value in sorted(wanted.items()):
        if key not in current or current[key] != value:
            changes.append("daemon.json %s becomes %s" % (key, value))
    for key in removed:
        if key in current:
            changes.append("daemon.json %s is removed" % key)

    if "tls" in modes(v):
        for key, path in sorted(tls_keys(v).items()):
            if key != "tlsverify" and not (observed.get(path) or {}).get("exists"):
                changes.append("the TLS file %s is missing" % path)

    pending = state.get("pending") or {}
    if pending.get("service") or pending.get("socket"):
        changes.append("dockerd runs an older configuration than on disk")
    service = state.get("service") or {}
    socket = state.get("socket") or {}
    if service.get("active_state") not in ("active", "reloading") or socket.get("active_state") != "active":
        changes.append("dockerd is not running (docker.service %s, docker.socket %s)"
                       % (service.get("active_state"), socket.get("active_state")))

    tcp_unit = _unit(state, TCP_SOCKET_NAME)
    if "tcp" in modes(v):
        listen = "%s (Stream)" % listen_address(v["dockerd_tcp_address"], v["dockerd_tcp_port"])
        if tcp_unit.get("active_state") != "active" or tcp_unit.get("need_daemon_reload") \
                or listen not in (tcp_unit.get("listen") or []):
            changes.append("the plain TCP socket does not listen on %s" % listen)
    elif tcp_unit.get("active_state") == "active":
        changes.append("the plain TCP socket is closed")

    fw_unit = _unit(state, FIREWALL_UNIT_NAME)
    loaded = bool((state.get("firewall") or {}).get("loaded"))
    if firewall_ports(v):
        if not (observed.get(NFT) or {}).get("exists"):
            changes.append("nftables is installed")
        if not loaded or fw_unit.get("active_state") != "active" or fw_unit.get("unit_file_state") != "enabled" \
                or fw_unit.get("need_daemon_reload"):
            changes.append("the firewall is loaded and enabled")
    else:
        if loaded:
            changes.append("the firewall table is deleted")
        if (observed.get(FIREWALL_DIR) or {}).get("exists"):
            changes.append("%s is removed" % FIREWALL_DIR)
        if fw_unit.get("unit_file_state") not in (None, "", "not-found") or fw_unit.get("active_state") == "active":
            changes.append("the firewall unit is stopped and disabled")

    group = socket_group(v)
    groups = state.get("groups") or {}
    group_state = groups.get(group) or {}
    if v["dockerd_socket_group_create"] and not group_state.get("exists"):
        changes.append("group %s is created" % group)
    if socket_shared(v):
        members = set(group_state.get("members") or [])
        missing = [m for m in v.get("dockerd_socket_group_members") or [] if m not in members]
        if missing:
            changes.append("%s join group %s" % (", ".join(missing), group))
        if v.get("dockerd_socket_group_members_exclusive"):
            allowed = set(v.get("dockerd_socket_group_members") or []) | set(ssh_user_names(v))
            extra = sorted(members - allowed)
            if extra:
                changes.append("%s leave group %s" % (", ".join(extra), group))
    return changes


def ssh_user_names(v):
    """Names of the present docker-over-ssh users (members of the socket group too)."""
    if "ssh" not in modes(v):
        return []
    return [u["name"] for u in v.get("dockerd_ssh_users") or [] if u.get("state", "present") == "present"]


def gather_args(v):
    """exposure_info's arguments for the plan: the managed files, units, group, addresses."""
    files, reads = list(GATHER_FILES), []
    if "tls" in modes(v):
        keys = tls_keys(v)
        files += [keys["tlscacert"], keys["tlskey"]]
        reads.append(keys["tlscert"])
    ssh_files, users = ssh_gather(v)
    groups = _unique([socket_group(v)] + ([v.get("dockerd_socket_group", "docker")] if users else []))
    return {"files": files + ssh_files, "read_files": reads, "units": list(GATHER_UNITS), "groups": groups,
            "users": users, "addresses": tls_wanted(v)}


# ------------------------------------------------------------------------------ tls
# The server certificate names every address and name of the host: lower case, unique, sorted,
# so that the order in which addresses are listed never reissues a certificate.
DNS_NAME_RE = re.compile(r"(?i)^(?![0-9.]+$)(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                         r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
LINK_LOCAL_RE = re.compile(r"(?i)^fe[89ab][0-9a-f]:")
SAN_PREFIX_RE = re.compile(r"(?i)^(IP|DNS):")


def is_ip(text):
    """An IPv4 or IPv6 address a certificate can hold: the collection's one IP rule."""
    return is_ip_address(str(text))


def server_sans(v, addresses):
    """Subject alternative names of a daemon host's server certificate ("IP:..." / "DNS:...")."""
    host = v.get("inventory_hostname")
    names = [str(n) for n in (host, v.get("ansible_host") or host, v.get("dockerd_endpoint_host") or host,
                              (addresses or {}).get("fqdn") or host, "localhost")]
    ips = [n for n in names if is_ip(n)] + list((addresses or {}).get("ipv4") or []) \
        + [a for a in (addresses or {}).get("ipv6") or [] if not LINK_LOCAL_RE.match(a)] + ["127.0.0.1"]
    dns = [n for n in names if not is_ip(n) and DNS_NAME_RE.match(n)]
    for extra in (str(e).strip() for e in v.get("dockerd_tls_extra_sans") or []):
        prefix = SAN_PREFIX_RE.match(extra)
        if prefix:
            (ips if prefix.group(1).upper() == "IP" else dns).append(extra[len(prefix.group(0)):])
        else:
            (ips if is_ip(extra) else dns).append(extra)
    return sorted(["IP:" + a for a in _unique(a.lower() for a in ips)]
                  + ["DNS:" + n for n in _unique(n.lower() for n in dns)])


def _san_key(san):
    """A SAN in a form that compares equal however the address was written."""
    kind, _sep, value = san.partition(":")
    if kind == "IP" and is_ip(value):
        return "IP:" + str(ipaddress.ip_address(value))
    return kind + ":" + value.lower()


def tls_wanted(v):
    return "tls" in modes(v) and bool(v.get("dockerd_tls_manage", True))


def tls_changes(v, state, controller):
    """What the tls role would change for this host ([] when converged).

    controller: what the action plugin read on the controller (see tls_controller_paths):
    {"files": {path: text or None}, "modes": {path: "0600"}, "now": datetime}. A certificate
    is parsed with cryptography, on the controller.
    """
    if not tls_wanted(v):
        return []
    if v.get("dockerd_tls_ca_rollover", "none") != "none":
        return ["the CA rollover phase %s runs" % v["dockerd_tls_ca_rollover"]]
    if v.get("dockerd_tls_force_renewal"):
        return ["the certificates are renewed (dockerd_tls_force_renewal)"]
    paths = tls_controller_paths(v)
    files = controller["files"]
    ca_text = files.get(paths["ca_cert"])
    if ca_text is None or controller["exists"].get(paths["ca_key"]) is not True:
        return ["the CA %s is created" % paths["ca_cert"]]
    now = controller["now"]
    renew = datetime.timedelta(days=int(v.get("dockerd_tls_renew_days", 30)))
    changes = []
    try:
        ca = x509.load_pem_x509_certificate(ca_text.encode("ascii"))
    except ValueError:
        return ["the CA certificate %s is unreadable and is replaced" % paths["ca_cert"]]
    if not paths["provided"] and _not_after(ca) - now < renew:
        changes.append("the CA certificate is renewed")
    bundle = trust_bundle(v, files)

    for name, bundle_dir in paths["clients"]:
        changes += _cert_changes("client %s" % name, files.get(bundle_dir + "/cert.pem"), ca, v, now, renew)
        if controller["exists"].get(bundle_dir + "/key.pem") is not True:
            changes.append("the key of client %s is created" % name)
        if files.get(bundle_dir + "/ca.pem") != bundle:
            changes.append("the CA bundle of client %s is written" % name)
        if controller["exists"].get("%s/%s.env" % (bundle_dir, v["inventory_hostname"])) is not True:
            changes.append("the environment file of client %s for this host is written" % name)

    observed = state.get("files") or {}
    keys = tls_keys(v)
    key_state = observed.get(keys["tlskey"]) or {}
    if not key_state.get("exists"):
        changes.append("the server key %s is created" % keys["tlskey"])
    elif (key_state.get("owner"), key_state.get("group"), key_state.get("mode")) != ("root", "root", "0400"):
        changes.append("the server key gets root:root 0400")
    cert_state = observed.get(keys["tlscert"]) or {}
    changes += _cert_changes("the server certificate", cert_state.get("content"), ca, v, now, renew,
                             sans=server_sans(v, state.get("addresses")))
    ca_state = observed.get(keys["tlscacert"]) or {}
    if ca_state.get("sha256") != sha256(bundle):
        changes.append("the trusted CAs %s are written" % keys["tlscacert"])
    for path_state, path in ((cert_state, keys["tlscert"]), (ca_state, keys["tlscacert"])):
        if path_state.get("exists") and (path_state.get("owner"), path_state.get("group"),
                                         path_state.get("mode")) != ("root", "root", "0444"):
            changes.append("%s gets root:root 0444" % path)
    return changes


def _not_after(cert):
    try:
        return cert.not_valid_after_utc
    except AttributeError:  # cryptography < 42
        return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def _cert_changes(what, pem, ca, v, now, renew, sans=None):
    """Why a certificate would be reissued: missing, unreadable, not from the CA, key type, expiry, SANs."""
    if pem is None:
        return ["%s is issued" % what]
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return ["%s is unreadable and is reissued" % what]
    if cert.issuer != ca.subject or not _signed_by(cert, ca):
        return ["%s is reissued by the current CA" % what]
    key = cert.public_key()
    if v.get("dockerd_tls_key_type", "ecdsa") == "rsa":
        right_type = isinstance(key, rsa.RSAPublicKey) and key.key_size == int(v.get("dockerd_tls_rsa_bits", 3072))
    else:
        right_type = isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    if not right_type:
        return ["%s is reissued for a %s key" % (what, v.get("dockerd_tls_key_type", "ecdsa"))]
    if _not_after(cert) - now < renew:
        return ["%s is renewed (it expires %s)" % (what, _not_after(cert).date().isoformat())]
    if sans is not None:
        try:
            names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            names = []
        found = sorted(set(["IP:" + str(n.value) for n in names if isinstance(n, x509.IPAddress)]
                           + ["DNS:" + n.value.lower() for n in names if isinstance(n, x509.DNSName)]))
        wanted = sorted(set(_san_key(s) for s in sans))
        if found != wanted:
            return ["%s is reissued for the names %s" % (what, ", ".join(sans))]
    return []


def _signed_by(cert, ca):
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def tls_controller_paths(v):
    """The controller files the tls role keeps, as the plan reads them."""
    pki = v["dockerd_tls_pki_dir"]
    provided = bool(v.get("dockerd_tls_ca_cert")) and bool(v.get("dockerd_tls_ca_key"))
    clients = [(c["name"], "%s/clients/%s" % (pki, c["name"])) for c in v.get("dockerd_tls_clients") or []]
    return {
        "provided": provided,
        "ca_cert": v["dockerd_tls_ca_cert"] if provided else pki + "/ca/ca.pem",
        "ca_key": v["dockerd_tls_ca_key"] if provided else pki + "/ca/ca-key.pem",
        "next_ca": pki + "/ca-next/ca.pem",
        "previous_ca": pki + "/ca-previous/ca.pem",
        "clients": clients,
    }


def tls_controller_reads(v):
    """(paths whose text the plan reads, paths whose existence it checks) on the controller."""
    if not tls_wanted(v):
        return [], []
    paths = tls_controller_paths(v)
    reads = [paths["ca_cert"], paths["next_ca"], paths["previous_ca"]]
    exists = [paths["ca_key"]]
    for _name, bundle_dir in paths["clients"]:
        reads += [bundle_dir + "/cert.pem", bundle_dir + "/ca.pem"]
        exists += [bundle_dir + "/key.pem", "%s/%s.env" % (bundle_dir, v["inventory_hostname"])]
    return reads, exists


def trust_bundle(v, files):
    """What every daemon and client trusts: the signing CA, plus the CA being introduced or retired."""
    paths = tls_controller_paths(v)
    chosen = [paths["ca_cert"]]
    if not paths["provided"]:
        chosen += [p for p in (paths["next_ca"], paths["previous_ca"]) if files.get(p) is not None]
    return "\n".join((files.get(p) or "").rstrip() for p in chosen) + "\n"


# ------------------------------------------------------------------------------ ssh
SSHD_DROPIN = "/etc/ssh/sshd_config.d/50-dockerd-exposure.conf"
SSH_SHELL = "/bin/bash"
# The PATH Debian's sshd gives a session: docker must be found there.
SSH_SESSION_PATH = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/games")
SSH_KEY_RE = re.compile(r"(?:^|\s)((?:ssh|ecdsa|sk)-\S+)\s+([A-Za-z0-9+/]+=*)")


def ssh_users(v):
    """dockerd_ssh_users with the documented defaults filled in."""
    users = []
    for entry in v.get("dockerd_ssh_users") or []:
        user = {"authorized_keys": [], "state": "present", "exclusive": True}
        user.update(entry)
        users.append(user)
    return users


def sshd_dropin(v, group):
    """The sshd drop-in for the present docker-over-ssh accounts (None: no account, no file)."""
    names = [u["name"] for u in ssh_users(v) if u["state"] == "present"]
    if not names:
        return None
    lines = [
        MANAGED.rstrip("\n"),
        "# dockerd.exposure (role ssh): the accounts below reach dockerd over ssh",
        "# (docker -H ssh://USER@HOST). The docker CLI runs `ssh -T USER@HOST -- docker system dial-stdio`:",
        "# one command, no terminal, no forwarding. These users are in the socket group %s," % group,
        "# which is root-equivalent, so they log in with their listed keys only.",
        "# Included at the top of /etc/ssh/sshd_config: a global line here wins over the main file.",
    ]
    if v.get("dockerd_ssh_max_startups") is not None:
        lines += ["# Without ControlMaster every docker API call is a new ssh connection.",
                  "MaxStartups %s" % v["dockerd_ssh_max_startups"]]
    lines += [
        "",
        "Match User %s" % ",".join(names),
        "    # Public keys only, and only those in ~/.ssh/authorized_keys (the file the role manages).",
        "    AuthenticationMethods publickey",
        "    PubkeyAuthentication yes",
        "    PasswordAuthentication no",
        "    KbdInteractiveAuthentication no",
        "    AuthorizedKeysFile .ssh/authorized_keys",
        "    AuthorizedKeysCommand none",
        "    # dial-stdio needs none of these.",
        "    DisableForwarding yes",
        "    AllowTcpForwarding no",
        "    AllowStreamLocalForwarding no",
        "    AllowAgentForwarding no",
        "    X11Forwarding no",
        "    PermitTunnel no",
    ]
    if v.get("dockerd_ssh_max_sessions") is not None:
        lines += ["    # One ControlMaster connection carries at most this many docker calls at a time.",
                  "    MaxSessions %s" % v["dockerd_ssh_max_sessions"]]
    return "\n".join(lines) + "\n"


def key_blobs(text):
    """The (type, base64) pairs of the OpenSSH public keys in a text."""
    return set(m.groups() for m in (SSH_KEY_RE.search(line) for line in (text or "").splitlines()) if m)


def ssh_changes(v, state):
    """What the ssh role would change on this host ([] when converged)."""
    if "ssh" not in modes(v):
        return []
    group = v.get("dockerd_socket_group", "docker")
    members = set(((state.get("groups") or {}).get(group) or {}).get("members") or [])
    accounts = state.get("users") or {}
    changes = _file_changes(SSHD_DROPIN, sshd_dropin(v, group), state.get("files") or {})
    present = [u for u in ssh_users(v) if u["state"] == "present"]
    if present and v.get("dockerd_ssh_manage_cli", True) and not any(
            ((state.get("files") or {}).get(d + "/docker") or {}).get("exists") for d in SSH_SESSION_PATH):
        changes.append("the docker CLI is installed")
    for user in ssh_users(v):
        name = user["name"]
        account = accounts.get(name) or {}
        if user["state"] == "absent":
            if account.get("exists") and (v.get("dockerd_ssh_remove_accounts") or name in members
                                          or account.get("authorized_keys") is not None):
                changes.append("the docker-over-ssh access of %s is removed" % name)
            continue
        if not account.get("exists"):
            changes.append("account %s is created" % name)
            continue
        if account.get("shell") != SSH_SHELL:
            changes.append("account %s gets the shell %s" % (name, SSH_SHELL))
        if name not in members:
            changes.append("%s joins group %s" % (name, group))
        wanted = key_blobs("\n".join(user["authorized_keys"]))
        found = key_blobs(account.get("authorized_keys"))
        if not wanted <= found or (str(user["exclusive"]).lower() in ("true", "yes", "1") and found != wanted):
            changes.append("the authorized keys of %s are written" % name)
    return changes


def ssh_gather(v):
    """(files, users) exposure_info reads for the ssh part."""
    if "ssh" not in modes(v):
        return [], []
    return [SSHD_DROPIN] + [d + "/docker" for d in SSH_SESSION_PATH], [u["name"] for u in ssh_users(v)]


# ------------------------------------------------------------------------- summary
MODES = ("unix", "tcp", "tls", "ssh")


def restarts(v, state, daemon, tls):
    """Whether the rollout restarts dockerd: what dockerd reads at start changes, or it is down."""
    files = state.get("files") or {}
    for path in (SOCKET_DROPIN, SERVICE_DROPIN):
        if _file_changes(path, daemon["files"][path], files):
            return True
    reasons = [c for c in daemon["changes"] if c.startswith(("daemon.json ", "dockerd ", "the TLS file "))]
    return bool(reasons) or bool(tls["changes"])


def endpoints(v, state, ssh_changed):
    """Per mode: opens, closes, stays (or changes, for ssh accounts), or off."""
    now = set(state.get("modes") or [])
    if (state.get("files") or {}).get(SSHD_DROPIN, {}).get("exists"):
        now.add("ssh")
    result = {}
    for mode in MODES:
        wanted = mode in modes(v)
        if mode == "ssh" and wanted and ssh_changed and mode in now:
            result[mode] = "changes"
        elif wanted:
            result[mode] = "stays" if mode in now else "opens"
        else:
            result[mode] = "closes" if mode in now else "off"
    return result


def batches(hosts, batch):
    """The hosts of each batch, as Ansible's serial makes them (number, percentage or list)."""
    sizes = batch if isinstance(batch, list) else [batch if batch is not None else "100%"]
    result, index, step = [], 0, 0
    while index < len(hosts):
        size = str(sizes[min(step, len(sizes) - 1)]).strip()
        count = int(len(hosts) * float(size[:-1]) / 100) if size.endswith("%") else int(size)
        count = max(1, count)
        result.append(hosts[index:index + count])
        index += count
        step += 1
    return result


def fleet_table(plans, hosts, batch):
    """The fleet's plan as one table: per host its batch, endpoints, restart and changes."""
    rows = ["%-20s %-5s %-8s %-8s %-8s %-8s %-8s %s" % ("HOST", "BATCH", "UNIX", "TCP", "TLS", "SSH", "RESTART", "CHANGES")]
    for number, members in enumerate(batches(list(hosts), batch), start=1):
        for host in members:
            summary = (plans.get(host) or {}).get("summary")
            if not summary:
                rows.append("%-20s %-5s %s" % (host, number, "no plan (the host could not be read)"))
                continue
            ends = summary["endpoints"]
            changes = [_short(c) for c in summary["changes"]] or ["none (converged)"]
            rows.append("%-20s %-5s %-8s %-8s %-8s %-8s %-8s %s" % (
                host, number, ends["unix"], ends["tcp"], ends["tls"], ends["ssh"],
                "yes" if summary["restart"] else "no", changes[0]))
            rows += ["%-70s %s" % ("", change) for change in changes[1:]]
    return rows


def _short(change):
    """A change as the table shows it: the well-known directories left out."""
    for prefix in ("/etc/systemd/system/", "/etc/docker/"):
        change = change.replace(prefix, "")
    return change


def host_plan(v, state, controller):
    """The whole plan of one daemon host."""
    wanted, removed = daemon_json_keys(v)
    daemon = {"files": daemon_files(v, state), "daemon_json": {"set": wanted, "remove": removed},
              "validate": {FIREWALL_FILE: "%s --check --file %%s" % NFT},
              "remove_dirs": [] if firewall_ports(v) else [FIREWALL_DIR],
              "firewall_ports": firewall_ports(v),
              "exec_start": service_exec_start(state), "changes": daemon_changes(v, state)}
    tls = {"changes": tls_changes(v, state, controller),
           "sans": server_sans(v, state.get("addresses")) if tls_wanted(v) else []}
    ssh = {"changes": ssh_changes(v, state),
           "sshd_dropin": sshd_dropin(v, v.get("dockerd_socket_group", "docker"))}
    changes = daemon["changes"] + tls["changes"] + ssh["changes"]
    summary = {"endpoints": endpoints(v, state, bool(ssh["changes"])), "restart": restarts(v, state, daemon, tls),
               "changes": changes}
    return {"daemon": daemon, "tls": tls, "ssh": ssh, "changes": changes, "converged": not changes,
            "summary": summary}

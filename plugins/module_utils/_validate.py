# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

"""The validation of a daemon host, decided once on the controller (dockerd.exposure.validate).

Pure functions: each takes the host's variables (v: every dockerd_* with the roles' defaults
filled in, inventory_hostname), what exposure_info observed on the host (state), what the
controller read (controller) and returns the list of problems, each a message that names the
variable, the value and the fix. An empty list: the host may be touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.dockerd.exposure.plugins.module_utils import _plan as plan
from ansible_collections.dockerd.exposure.plugins.module_utils._plan import _unique
from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import is_loopback
from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_parse import parse_unit_exec_start

try:
    from ansible_collections.dockerd.exposure.plugins.test.ip_network import is_ip_network
except ImportError:  # pragma: no cover - the collection is always importable on the controller
    is_ip_network = None

NOTHING_CHANGED = "Nothing was changed."
CHECKS = ("rollout", "daemon", "tls", "ssh")


def to_json(value):
    """What Jinja's to_json prints."""
    return json.dumps(value)


def jinja_int(value, default=0):
    """Jinja's int filter: a number, or the default when the value is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default


def ansible_bool(value):
    """Ansible's bool filter."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "on", "1", "true", "y", "t")


def _is_list(value):
    return isinstance(value, (list, tuple))


# ------------------------------------------------------------------------------ rollout knobs
BATCH_RE = re.compile(r"^([1-9][0-9]*|([1-9][0-9]?|100)%)$")
MAX_FAIL_RE = re.compile(r"^([0-9]|[1-9][0-9]|100)$")


def _jinja_str(value):
    """Jinja's string filter (True -> 'True', None -> 'None')."""
    return str(value)


def rollout_problems(v):
    """dockerd_rollout_batch becomes the next play's serial: Ansible cannot read a bad one there."""
    problems = []
    if "dockerd_rollout_batch" in v:
        batch = v["dockerd_rollout_batch"]
        items = list(batch) if _is_list(batch) else [batch]
        if not items or any(not BATCH_RE.match(_jinja_str(i)) for i in items):
            problems.append(
                "dockerd_rollout_batch=%s is not a batch size; give a number of hosts such as 2, a percentage of the "
                "hosts such as 25%%, or a list of them such as [1, \"25%%\", \"100%%\"], on the command line: "
                "-e dockerd_rollout_batch=2." % to_json(batch))
    if "dockerd_rollout_max_fail_percentage" in v:
        value = v["dockerd_rollout_max_fail_percentage"]
        if not MAX_FAIL_RE.match(_jinja_str(value)):
            problems.append(
                "dockerd_rollout_max_fail_percentage=%s is not a whole percentage from 0 to 100; give the share of "
                "hosts that may fail before no new host starts, such as 0 (stop at the first failure) or 25: "
                "-e dockerd_rollout_max_fail_percentage=25." % to_json(value))
    if problems:
        return [" ".join(problems) + " " + NOTHING_CHANGED]
    return []


# ------------------------------------------------------------------------------ daemon
SOCKET_PATH_RE = re.compile(r"^/[^\s]+$")
SOCKET_MODE_RE = re.compile(r"^0?[0-7]{3}$")


def daemon_variable_problems(v):
    """The daemon role's variables, all bad ones in one message."""
    expose = list(v.get("dockerd_expose") or [])
    bad = []
    if len(expose) != len(_unique(expose)):
        bad.append("dockerd_expose=%s names a mode more than once; list each mode once, such as [unix, tls]."
                   % to_json(expose))
    path = v.get("dockerd_socket_path")
    if not SOCKET_PATH_RE.match(str(path)):
        bad.append("dockerd_socket_path=%s is not an absolute path without spaces; use one such as /run/docker.sock."
                   % to_json(path))
    mode = v.get("dockerd_socket_mode")
    if not SOCKET_MODE_RE.match(str(mode)) or int(str(mode), 8) % 8 != 0:
        bad.append("dockerd_socket_mode=%s is not an octal mode that grants others nothing; use a quoted mode such "
                   "as \"0660\" (root and the socket group only)." % to_json(mode))
    if jinja_int(v.get("dockerd_health_timeout")) < 1:
        bad.append("dockerd_health_timeout=%s is not a positive number of seconds; use one such as 30."
                   % to_json(v.get("dockerd_health_timeout")))
    for mode_name, usual in (("tcp", 2375), ("tls", 2376)):
        port = v.get("dockerd_%s_port" % mode_name)
        if not 1 <= jinja_int(port) <= 65535:
            bad.append("dockerd_%s_port=%s is out of range 1-65535; use the port clients will dial, usually %d."
                       % (mode_name, to_json(port), usual))
    if "tcp" in expose and "tls" in expose and jinja_int(v.get("dockerd_tcp_port")) == jinja_int(v.get("dockerd_tls_port")):
        bad.append("dockerd_tcp_port and dockerd_tls_port are both %s, but tcp and tls need a port each; use 2375 for "
                   "tcp and 2376 for tls." % v.get("dockerd_tls_port"))
    if bad:
        return ["The daemon role's variables are not usable: %s %s" % (" ".join(bad), NOTHING_CHANGED)]
    return []


def source_problems(v):
    """The allowed sources of the TCP and TLS ports: addresses or networks, no names."""
    problems = []
    for variable in ("dockerd_tcp_allowed_sources", "dockerd_tls_allowed_sources"):
        bad = [s for s in v.get(variable) or [] if not is_ip_network(s)]
        if bad:
            problems.append(
                "%s has entries that are not an IPv4 or IPv6 address or network: %s. Write each as an address "
                "(192.0.2.7, 2001:db8::7) or a CIDR network without host bits (192.0.2.0/24, not 192.0.2.7/24; "
                "2001:db8::/32); host names are not allowed, because the firewall matches packets by address."
                % (variable, to_json(bad)))
    return problems


def _file(state, path):
    return ((state or {}).get("files") or {}).get(path) or {}


def nft_present(state):
    return bool(_file(state, plan.NFT).get("exists"))


def daemon_host_problems(v, state):
    """What the host must offer before the daemon role may change it."""
    host = v.get("inventory_hostname")
    problems = []
    if plan.firewall_ports(v) and not nft_present(state) and not ansible_bool(v.get("dockerd_manage_packages")):
        problems.append(
            "dockerd_tcp_allowed_sources / dockerd_tls_allowed_sources need nftables, but /usr/sbin/nft is missing "
            "on %s and dockerd_manage_packages is false; install the nftables package there (apt-get install "
            "nftables), set dockerd_manage_packages to true, or empty both lists. %s" % (host, NOTHING_CHANGED))
    if "tcp" in plan.modes(v) and not is_loopback(str(v.get("dockerd_tcp_address"))) \
            and not ansible_bool(v.get("dockerd_tcp_insecure_allow_public")):
        problems.append(
            "dockerd_tcp_address=%s would serve dockerd's API in plain TCP, without encryption or authentication, to "
            "everyone who reaches %s: that is root on the host for them. Use tls instead (dockerd_expose: [tls]), "
            "keep tcp on 127.0.0.1, or, if you really mean it, set dockerd_tcp_insecure_allow_public: true."
            % (v.get("dockerd_tcp_address"), host))
    service = state.get("service") or {}
    if not service.get("fragment_path") or not service.get("packaged_exec_start"):
        problems.append("docker.service was not found on %s; install the Docker engine first (Debian: apt-get "
                        "install docker.io) and rerun." % host)
    # An operator's drop-in with ExecStart= (what `systemctl edit docker.service` makes) and the
    # role's own one replace each other, the file that sorts last winning.
    for path, text in sorted((state.get("service_drop_ins") or {}).items()):
        if path == plan.SERVICE_DROPIN:
            continue
        words = parse_unit_exec_start(text or "")
        if words is not None:
            problems.append(
                "%s on %s sets the ExecStart of docker.service (\"ExecStart=%s\"). It and the role's %s replace each "
                "other's ExecStart (the file that sorts last wins): dockerd would keep these listeners and the role's "
                "sockets could not take their ports, or these options would be dropped. Move the options other than "
                "-H into /etc/docker/daemon.json (or DOCKER_OPTS in /etc/default/docker), list the endpoints in "
                "dockerd_expose, remove the ExecStart lines from %s, run systemctl daemon-reload and rerun. %s"
                % (path, host, " ".join(words), plan.SERVICE_DROPIN, path, NOTHING_CHANGED))
    daemon_json = state.get("daemon_json") or {}
    if daemon_json.get("exists") and not daemon_json.get("valid"):
        problems.append("%s on %s is not a JSON object (%s); dockerd would not start with it either. Fix or remove it "
                        "by hand, then rerun. %s" % (daemon_json.get("path"), host, daemon_json.get("error"),
                                                     NOTHING_CHANGED))
    content = daemon_json.get("content") or {}
    if isinstance(content, dict) and "hosts" in content:
        problems.append(
            "%s on %s sets \"hosts\": %s, which clashes with the -H fd:// that socket activation needs (dockerd would "
            "stop with \"the following directives are specified both as a flag and in the configuration file: "
            "hosts\"). Remove the \"hosts\" key and list the endpoints in dockerd_expose instead. %s"
            % (daemon_json.get("path"), host, to_json(content["hosts"]), NOTHING_CHANGED))
    groups = state.get("getent_group") or {}
    passwd = state.get("getent_passwd") or {}
    if not ansible_bool(v.get("dockerd_socket_group_create")) and plan.socket_group(v) not in groups:
        problems.append("dockerd_socket_group=%s does not exist on %s and dockerd_socket_group_create is false; "
                        "create the group first or set dockerd_socket_group_create: true."
                        % (v.get("dockerd_socket_group"), host))
    missing = [m for m in _unique(v.get("dockerd_socket_group_members") or []) if m not in passwd]
    if missing:
        problems.append("dockerd_socket_group_members names %s, who has no account on %s; create the account first "
                        "(docker-over-ssh users come from dockerd_ssh_users) or drop it from the list."
                        % (", ".join(str(m) for m in missing), host))
    return problems


def daemon_problems(v, state):
    return daemon_variable_problems(v) + source_problems(v) + daemon_host_problems(v, state)


# ------------------------------------------------------------------------------ tls
# Client names become directory names: no path characters, no leading dot.
CLIENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
ROLLOVER_PHASES = ("none", "introduce", "switch", "finish")


def is_san(text):
    """A subject alternative name as dockerd_tls_extra_sans takes it: a DNS name or an IP address,
    optionally prefixed DNS: or IP: (the plan's one rule for names and addresses)."""
    prefix = plan.SAN_PREFIX_RE.match(text)
    if prefix:
        rest = text[len(prefix.group(0)):]
        return plan.is_ip(rest) if prefix.group(1).upper() == "IP" else bool(plan.DNS_NAME_RE.match(rest))
    return plan.is_ip(text) or bool(plan.DNS_NAME_RE.match(text))


def tls_paths(v):
    """Controller paths of the CA in use and of a rollover's CAs."""
    provided = v.get("dockerd_tls_ca_cert") is not None and v.get("dockerd_tls_ca_key") is not None
    pki = v.get("dockerd_tls_pki_dir")
    return {
        "provided": provided,
        "ca_cert": v["dockerd_tls_ca_cert"] if provided else "%s/ca/ca.pem" % pki,
        "ca_key": v["dockerd_tls_ca_key"] if provided else "%s/ca/ca-key.pem" % pki,
        "next": "%s/ca-next" % pki,
        "previous": "%s/ca-previous" % pki,
        "clients": "%s/clients" % pki,
    }


def tls_variable_problems(v):
    host = v.get("inventory_hostname")
    problems = []
    key_type, bits = v.get("dockerd_tls_key_type"), v.get("dockerd_tls_rsa_bits")
    if key_type not in ("ecdsa", "rsa") or (key_type == "rsa" and jinja_int(bits) not in (2048, 3072, 4096)):
        problems.append("dockerd_tls_key_type is '%s' with dockerd_tls_rsa_bits %s; use ecdsa (P-256, the default) or "
                        "rsa with dockerd_tls_rsa_bits 2048, 3072 or 4096." % (key_type, bits))
    renew, validity, ca_validity = (v.get("dockerd_tls_renew_days"), v.get("dockerd_tls_validity_days"),
                                    v.get("dockerd_tls_ca_validity_days"))
    if jinja_int(renew) < 0 or jinja_int(validity) <= jinja_int(renew) or jinja_int(ca_validity) <= jinja_int(renew):
        problems.append(
            "dockerd_tls_renew_days (%s) must be at least 0 and smaller than dockerd_tls_validity_days (%s) and "
            "dockerd_tls_ca_validity_days (%s), or every run would reissue the certificates; lower "
            "dockerd_tls_renew_days or raise the validity." % (renew, validity, ca_validity))
    pki, tls_dir = v.get("dockerd_tls_pki_dir"), v.get("dockerd_tls_dir")
    if not str(pki).startswith("/") or not str(tls_dir).startswith("/"):
        problems.append("dockerd_tls_pki_dir ('%s') and dockerd_tls_dir ('%s') must be absolute paths (the first on "
                        "the controller, the second on the daemon host); write them starting with /." % (pki, tls_dir))
    clients = list(v.get("dockerd_tls_clients") or [])
    not_mappings = [c for c in clients if not isinstance(c, dict)]
    nameless = [c for c in clients if isinstance(c, dict) and "name" not in c]
    if not_mappings or nameless:
        problems.append("dockerd_tls_clients must be a list of mappings such as [{name: alice}, {name: ci, "
                        "validity_days: 30}]; these entries are not: %s." % (not_mappings + nameless,))
    else:
        names = [str(c["name"]) for c in clients]
        bad_names = [n for n in names if not CLIENT_NAME_RE.match(n)]
        if bad_names or len(_unique(names)) != len(names):
            problems.append(
                "dockerd_tls_clients names %s %s; give each client a unique name of letters, digits, dots, dashes and "
                "underscores that starts with a letter or digit, such as alice or ci-runner."
                % (bad_names if bad_names else names,
                   "are not usable as directory names under " + tls_paths(v)["clients"] if bad_names
                   else "contain a duplicate"))
        short = [str(c["name"]) for c in clients if c.get("validity_days") is not None
                 and jinja_int(c["validity_days"]) <= jinja_int(renew)]
        if short:
            problems.append("dockerd_tls_clients %s have validity_days not above dockerd_tls_renew_days (%s), so every "
                            "run would reissue them; raise their validity_days or lower dockerd_tls_renew_days."
                            % (" ".join(short), renew))
    bad_sans = [s for s in (str(e).strip() for e in v.get("dockerd_tls_extra_sans") or []) if not is_san(s)]
    if bad_sans:
        problems.append(
            "dockerd_tls_extra_sans of %s has %s, neither a DNS name nor an IP address; write a host name such as "
            "docker.example.com or an address such as 192.0.2.10 or 2001:db8::10, optionally prefixed DNS: or IP:."
            % (host, ", ".join(to_json(s) for s in bad_sans)))
    if (v.get("dockerd_tls_ca_cert") is None) != (v.get("dockerd_tls_ca_key") is None):
        problems.append(
            "dockerd_tls_ca_cert is %s and dockerd_tls_ca_key is %s; give both (the controller paths of your CA "
            "certificate and its private key) or neither (the role then generates a CA in %s/ca)."
            % (to_json(v.get("dockerd_tls_ca_cert")), to_json(v.get("dockerd_tls_ca_key")), pki))
    return problems


def tls_controller_problems(v, controller):
    """The CA on the controller: the operator's files, their pair, the rollover phase.

    controller: {"isreg": {path: bool}, "exists": {path: bool}, "ca": {"basic_constraints_ca": bool,
    "fingerprint": str, "expired": bool, "not_after": str} or None, "ca_key": {"fingerprint": str} or
    {"error": str} or None}.
    """
    paths = tls_paths(v)
    exists = controller.get("exists") or {}
    isreg = controller.get("isreg") or {}
    problems = []
    ca_files = [paths["ca_cert"], paths["ca_key"]]
    if paths["provided"] and not all(isreg.get(p) for p in ca_files):
        problems.append("The CA files %s given in dockerd_tls_ca_cert / dockerd_tls_ca_key are not regular files "
                        "on the controller; fix the paths or unset both variables to let the role generate a CA."
                        % "".join(p + " " for p in ca_files if not isreg.get(p)))
    has_ca = all(exists.get(p) for p in ca_files)
    ca, key = controller.get("ca"), controller.get("ca_key")
    if has_ca and key is not None and ca is not None:
        if key.get("error") is not None or key.get("fingerprint") is None:
            problems.append("The CA private key %s cannot be read (%s); set dockerd_tls_ca_key_passphrase to the key's "
                            "passphrase (none for an unencrypted key)." % (paths["ca_key"], key.get("error")
                                                                           or "no reason given"))
        elif not ca.get("basic_constraints_ca") or ca.get("fingerprint") != key.get("fingerprint") or ca.get("expired"):
            problems.append("%s is not usable with %s: it must carry basicConstraints CA:TRUE, match the private key "
                            "and not be expired (not after %s); give the matching pair of files."
                            % (paths["ca_cert"], paths["ca_key"], ca.get("not_after")))
    rollover = v.get("dockerd_tls_ca_rollover")
    if rollover not in ROLLOVER_PHASES or (rollover != "none" and paths["provided"]):
        problems.append(
            "dockerd_tls_ca_rollover is '%s'%s; use none, introduce, switch or finish, and only with the CA the role "
            "generated: to replace your own CA, give its successor in dockerd_tls_ca_cert and dockerd_tls_ca_key."
            % (rollover, " with an operator-provided CA (dockerd_tls_ca_cert)"
               if rollover in ("introduce", "switch", "finish") else ""))
    if not paths["provided"]:
        has_next = bool(exists.get(paths["next"] + "/ca.pem"))
        has_previous = bool(exists.get(paths["previous"] + "/ca.pem"))
        rules = [
            (has_next and not has_ca and rollover != "switch",
             "a switch was interrupted (%s exists, %s does not): run the switch phase again to complete it"
             % (paths["next"], paths["ca_cert"])),
            (rollover == "introduce" and not has_ca,
             "there is no CA yet in %s to roll over; run playbooks/expose.yml first" % paths["ca_cert"].rsplit("/", 1)[0]),
            (rollover == "introduce" and has_previous,
             "the previous rollover is not finished (%s exists): run the finish phase first" % paths["previous"]),
            (rollover == "switch" and not (has_next or has_previous),
             "no new CA has been introduced (%s is missing): run the introduce phase first, and give clients time to "
             "pick up the new ca.pem" % paths["next"]),
            (rollover == "finish" and has_next,
             "the new CA in %s does not sign yet; run the switch phase first" % paths["next"]),
        ]
        broken = [text for bad, text in rules if bad]
        if broken:
            problems.append("dockerd_tls_ca_rollover=%s cannot run: %s." % (rollover, broken[0]))
    return problems


def tls_warnings(v, controller):
    """An operator's CA the role cannot renew, expiring within the renewal window."""
    paths = tls_paths(v)
    ca = controller.get("ca")
    if paths["provided"] and ca and ca.get("expires_within_renewal"):
        return ["WARNING: the CA certificate %s expires at %s, within dockerd_tls_renew_days (%s); the role cannot "
                "renew a CA it did not make: replace it, and every certificate is reissued on the next run."
                % (paths["ca_cert"], ca.get("not_after"), v.get("dockerd_tls_renew_days"))]
    return []


def tls_problems(v, controller):
    return tls_variable_problems(v) + tls_controller_problems(v, controller)


# ------------------------------------------------------------------------------ ssh
# POSIX account names as Debian's useradd accepts them, without the trailing $ of Samba machine
# accounts; no commas or wildcards, so the names are safe in "Match User".
SSH_NAME_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# One OpenSSH public key line: TYPE BASE64 [COMMENT]. The base64 blob starts with its own type
# (uint32 length + name), so each type's blob has a fixed prefix; the rest must be whole base64
# groups. An ed25519 blob is always 51 bytes (68 characters).
SSH_KEY_BLOB_PREFIXES = (
    ("ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5"),
    ("ecdsa-sha2-nistp256", "AAAAE2VjZHNhLXNoYTItbmlzdHAy"),
    ("ecdsa-sha2-nistp384", "AAAAE2VjZHNhLXNoYTItbmlzdHAz"),
    ("ecdsa-sha2-nistp521", "AAAAE2VjZHNhLXNoYTItbmlzdHA1"),
    ("ssh-rsa", "AAAAB3NzaC1y"),
    ("sk-ssh-ed25519@openssh.com", "AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t"),
    ("sk-ecdsa-sha2-nistp256@openssh.com", "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5j"),
)
_B64_ED25519 = r"[A-Za-z0-9+/]{48}"
_B64_REST = r"(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?"
SSH_KEY_LINE_RE = re.compile(r"^(?:%s)(?:[ \t]+[^\r\n]*)?$" % "|".join(
    re.escape(t) + r"[ \t]+" + p + (_B64_ED25519 if t == "ssh-ed25519" else _B64_REST)
    for t, p in SSH_KEY_BLOB_PREFIXES))
SSH_UID_MIN = 1000
SSH_MAIN_CONFIG = "/etc/ssh/sshd_config"
SSHD = "/usr/sbin/sshd"
SSH_INCLUDE_RE = re.compile(r"^\s*(?i:include)\s+(/etc/ssh/)?sshd_config\.d/\*(\.conf)?\s*$")
SSH_MATCH_RE = re.compile(r"^\s*(?i:match)\s")
MAX_STARTUPS_RE = re.compile(r"^[1-9][0-9]*(:[0-9]{1,3}:[1-9][0-9]*)?$")
MAX_SESSIONS_RE = re.compile(r"^[1-9][0-9]*$")
CURRENT_KEY_RE = re.compile(r"(?:^|\s)(?:ssh|ecdsa|sk)-\S+\s+([A-Za-z0-9+/]+=*)")
# The docker CLI package per Debian major release (trixie split it out of docker.io).
SSH_CLI_PACKAGES = {"12": "docker.io", "13": "docker-cli"}


def ssh_cli_package(v, distribution):
    """The package that provides the docker CLI here ('' when none is known)."""
    if v.get("dockerd_ssh_cli_package"):
        return v["dockerd_ssh_cli_package"]
    distribution = distribution or {}
    if distribution.get("distribution") == "Debian":
        return SSH_CLI_PACKAGES.get(str(distribution.get("distribution_major_version") or ""), "")
    return ""


def ssh_cli_found(state):
    return any(_file(state, d + "/docker").get("exists") for d in plan.SSH_SESSION_PATH)


def ssh_variable_problems(v):
    """dockerd_ssh_users and the sshd limits; [] or the first broken shape, which stops the rest."""
    users = v.get("dockerd_ssh_users")
    if not _is_list(users) or any(not isinstance(u, dict) or "name" not in u for u in users):
        return ["dockerd_ssh_users must be a list of mappings such as [{name: alice, authorized_keys: "
                "['ssh-ed25519 AAAA... alice@laptop']}]; it is %s." % to_json(users)], False
    problems = []
    for user in users:
        name = user["name"]
        if not isinstance(name, str) or not SSH_NAME_RE.match(name) or name == "root":
            problems.append(
                "dockerd_ssh_users names '%s', which is not usable as a docker-over-ssh account: give a POSIX account "
                "name of lower-case letters, digits, '_' and '-' that starts with a letter or '_', at most 32 "
                "characters, and not root, such as alice or ci-deploy. %s" % (name, NOTHING_CHANGED))
    names = [u["name"] for u in users]
    duplicates = [n for n in _unique(names) if names.count(n) > 1]
    if duplicates:
        problems.append("dockerd_ssh_users lists %s more than once; keep one entry per account, with all of its keys "
                        "in authorized_keys. %s" % (", ".join(str(n) for n in duplicates), NOTHING_CHANGED))
    key_types = ", ".join(t for t, _p in SSH_KEY_BLOB_PREFIXES)
    for user in plan.ssh_users(v):
        keys = user["authorized_keys"]
        if user["state"] not in ("present", "absent") \
                or str(user["exclusive"]).lower() not in ("true", "false", "yes", "no") \
                or not _is_list(keys) or (user["state"] != "absent" and len(keys) == 0):
            count = len(keys) if hasattr(keys, "__len__") and hasattr(keys, "__getitem__") else "no list of"
            problems.append(
                "dockerd_ssh_users entry %s has state=%s, exclusive=%s and %s authorized keys: state must be present "
                "or absent, exclusive true or false, authorized_keys a list, and a present user needs at least one "
                "key (it could not log in otherwise); add the user's public key, e.g. the content of "
                "~/.ssh/id_ed25519.pub, or set state: absent." % (user["name"], user["state"], user["exclusive"],
                                                                  count))
        if not _is_list(keys):
            continue
        bad = [k for k in (str(k).strip() for k in keys) if not SSH_KEY_LINE_RE.match(k)]
        if bad:
            first = bad[0]
            shown = "(a private key, not shown)" if "PRIVATE KEY" in first \
                else "'" + first[:40] + ("..." if len(first) > 40 else "") + "'"
            problems.append(
                "dockerd_ssh_users entry %s has %d authorized key(s) that are not an OpenSSH public key line, the "
                "first being %s. Give each key as one line TYPE BASE64 [COMMENT], exactly as in the user's "
                "~/.ssh/id_ed25519.pub, with TYPE one of %s and the base64 body complete; convert other formats with "
                "ssh-keygen -i -f KEY (RFC 4716, PEM) or ssh-keygen -y -f PRIVATE_KEY, and leave key options out. %s"
                % (user["name"], len(bad), shown, key_types, NOTHING_CHANGED))
    startups, sessions = v.get("dockerd_ssh_max_startups"), v.get("dockerd_ssh_max_sessions")
    if (startups is not None and not MAX_STARTUPS_RE.match(str(startups))) \
            or (sessions is not None and not MAX_SESSIONS_RE.match(str(sessions))):
        problems.append("dockerd_ssh_max_startups=%s must be null, a number or start:rate:full such as \"30:30:100\", "
                        "and dockerd_ssh_max_sessions=%s null or a positive number such as 20." % (startups, sessions))
    return problems, True


def login_lockout_problems(v, state, login):
    """The account Ansible logs in as must keep its way in.

    login: {"name": str, "over_ssh": bool, "key_file": str, "key_blob": str, "password_var": str or None}.
    """
    host = v.get("inventory_hostname")
    name = login.get("name") or ""
    entry = next((u for u in plan.ssh_users(v) if u["name"] == name), None)
    if entry is not None and entry["state"] == "absent":
        return ["dockerd_ssh_users marks %s absent, but %s is the account Ansible logs in to %s as: the run would "
                "delete its authorized_keys and end its processes, Ansible's own connection among them, and lock "
                "Ansible out. Revoke it in a run that logs in as another sudo account (ansible_user), or drop that "
                "entry. %s" % (name, name, host, NOTHING_CHANGED)]
    if entry is None or entry["state"] != "present" or not login.get("over_ssh"):
        return []
    blob, password = login.get("key_blob") or "", login.get("password_var")
    listed = [(str(k).strip().split() + ["", ""])[1] for k in entry["authorized_keys"]]
    exclusive = ansible_bool(entry["exclusive"])
    if blob:
        if blob in listed or not exclusive:
            return []
        why = ("with exclusive: true and authorized_keys that do not include the key Ansible logs in with (%s.pub): "
               "the run would remove it from ~%s/.ssh/authorized_keys and lock Ansible out. Add the content of %s.pub "
               "to that entry's authorized_keys, or set exclusive: false for it."
               % (login.get("key_file"), name, login.get("key_file")))
    elif password is not None:
        why = ("and Ansible logs in with a password (%s) while the role makes the listed accounts key-only: the next "
               "login would be refused. Log in with a key (ansible_ssh_private_key_file) that is in that entry's "
               "authorized_keys, or drop the entry." % password)
    else:
        current = []
        if exclusive and name in (state.get("getent_passwd") or {}):
            text = (((state.get("users") or {}).get(name) or {}).get("authorized_keys")) or ""
            current = [m.group(1) for m in (CURRENT_KEY_RE.search(line) for line in text.splitlines()) if m]
        removed = set(current) - set(listed)
        if not removed:
            return []
        why = ("with exclusive: true, which would remove %d of the keys now in ~%s/.ssh/authorized_keys, and the key "
               "Ansible logs in with is not known on the controller (no ansible_ssh_private_key_file with a .pub file "
               "next to it), so it may be one of them. Add the keys to keep to that entry's authorized_keys, set "
               "exclusive: false for it, or set ansible_ssh_private_key_file to the key Ansible logs in with (its "
               ".pub next to it)." % (len(removed), name))
    return ["dockerd_ssh_users lists %s, the account Ansible logs in to %s as, %s %s" % (name, host, why,
                                                                                      NOTHING_CHANGED)]


def ssh_host_problems(v, state, login, distribution):
    host = v.get("inventory_hostname")
    passwd = state.get("getent_passwd") or {}
    groups = state.get("getent_group") or {}
    present = [u for u in plan.ssh_users(v) if u["state"] == "present"]
    problems = []
    for user in present:
        entry = passwd.get(user["name"])
        if entry is not None:
            uid = jinja_int(entry[1])
            if uid < SSH_UID_MIN or uid == 65534:
                problems.append(
                    "dockerd_ssh_users names %s, an existing system account on %s (UID %s): the role would change its "
                    "shell, lock its password and give it the socket group. Pick a dedicated account name instead. %s"
                    % (user["name"], host, entry[1], NOTHING_CHANGED))
    problems += login_lockout_problems(v, state, login)
    group = v.get("dockerd_socket_group", "docker")
    if present and group not in groups and not ansible_bool(v.get("dockerd_socket_group_create", True)):
        problems.append(
            "The socket group %s (dockerd_socket_group) does not exist on %s, so docker-over-ssh users could not reach "
            "dockerd's socket. Run dockerd.exposure.daemon first (it creates the group unless "
            "dockerd_socket_group_create is false) or install the Docker engine, then rerun. %s"
            % (group, host, NOTHING_CHANGED))
    if not _file(state, SSHD).get("exists"):
        problems.append("/usr/sbin/sshd is not installed on %s; install openssh-server (apt-get install "
                        "openssh-server), then rerun. %s" % (host, NOTHING_CHANGED))
    main = _file(state, SSH_MAIN_CONFIG)
    if main.get("exists"):
        lines = (main.get("content") or "").split("\n")
        include = next((i for i, line in enumerate(lines) if SSH_INCLUDE_RE.search(line)), None)
        first_match = next((i for i, line in enumerate(lines) if SSH_MATCH_RE.search(line)), None)
        if include is None or (first_match is not None and include >= first_match):
            where = ("does not include /etc/ssh/sshd_config.d/*.conf" if include is None
                     else "includes /etc/ssh/sshd_config.d/*.conf only after a Match block (line %d)" % (first_match + 1))
            problems.append(
                "%s on %s %s, so the docker-over-ssh settings in %s would not apply. Put the line \"Include "
                "/etc/ssh/sshd_config.d/*.conf\" at the top of %s (Debian's default), check it with sshd -t, then "
                "rerun. %s" % (SSH_MAIN_CONFIG, host, where, plan.SSHD_DROPIN, SSH_MAIN_CONFIG, NOTHING_CHANGED))
    elif _file(state, SSHD).get("exists"):
        problems.append("%s on %s cannot be read; sshd needs it. Reinstall openssh-server, then rerun. %s"
                        % (SSH_MAIN_CONFIG, host, NOTHING_CHANGED))
    manage_cli = ansible_bool(v.get("dockerd_ssh_manage_cli", True))
    if present and not ssh_cli_found(state) and not (manage_cli and ssh_cli_package(v, distribution)):
        distribution = distribution or {}
        why = ("dockerd_ssh_manage_cli is false" if not manage_cli
               else "No package is known for %s %s" % (distribution.get("distribution") or "this system",
                                                      distribution.get("distribution_major_version") or ""))
        problems.append(
            "docker is not on the PATH ssh sessions get on %s (%s), and docker over ssh runs `docker system "
            "dial-stdio` there. %s: install the docker CLI (Debian 12: docker.io, Debian 13: docker-cli), or set "
            "dockerd_ssh_manage_cli: true and dockerd_ssh_cli_package to the package that provides /usr/bin/docker. %s"
            % (host, ":".join(plan.SSH_SESSION_PATH), why, NOTHING_CHANGED))
    return problems


def ssh_problems(v, state, login, distribution):
    problems, usable = ssh_variable_problems(v)
    if not usable:
        return problems
    return problems + ssh_host_problems(v, state, login, distribution)


# ------------------------------------------------------------------------------ gather
def gather_args(v):
    """exposure_info's arguments: the plan's, plus what validation reads (the other drop-ins of
    docker.service, the account databases, sshd, the distribution)."""
    args = plan.gather_args(v)
    args["files"] = _unique(list(args["files"]) + [plan.NFT, SSHD] + [d + "/docker" for d in plan.SSH_SESSION_PATH])
    args["read_files"] = _unique(list(args["read_files"]) + [SSH_MAIN_CONFIG])
    args["validation"] = True
    return args


def problems(v, state, controller, login, distribution, checks):
    """Every problem of the host for the checks asked (rollout, daemon, tls, ssh), in that order."""
    found = []
    if "rollout" in checks:
        found += rollout_problems(v)
    if "daemon" in checks:
        found += daemon_problems(v, state)
    if "tls" in checks:
        found += tls_problems(v, controller)
    if "ssh" in checks:
        found += ssh_problems(v, state, login, distribution)
    return found


def default_checks(v):
    """What the validation play of expose.yml checks: ssh only where ssh is exposed."""
    return ["rollout", "daemon", "tls"] + (["ssh"] if "ssh" in plan.modes(v) else [])

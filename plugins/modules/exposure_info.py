#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: exposure_info
short_description: Report how the Docker daemon on a host is exposed right now
version_added: 0.1.0
description:
  - Reads, without changing anything, how dockerd on the target host can be reached, and
    classifies what it finds into a list of findings with a severity.
  - Sources are C(systemctl show docker.service) and C(systemctl show docker.socket)
    (effective ExecStart, drop-ins, ListenStream, socket owner and mode), the packaged unit
    file, the daemon configuration file (C(/etc/docker/daemon.json) or the one named by
    C(--config-file)), the service's environment files (C($DOCKER_OPTS)), the unix sockets
    on disk and in C(/proc/net/unix), and the TCP sockets in LISTEN state in
    C(/proc/net/tcp) and C(/proc/net/tcp6), mapped to their processes through
    C(/proc/PID/fd).
  - Works with Debian's C(docker.io) (C(/usr/sbin/dockerd)) and Docker's own packages
    (C(/usr/bin/dockerd)); the binary path is read from the unit, never assumed.
  - On hosts without systemd (or without C(docker.service)) the service and socket facts
    are null; the module does not fail for that.
  - Needs root (C(become=true)) to map listening sockets to dockerd; without it the module
    fails rather than report a host as closed that is not.
author:
  - dockerd.exposure developers
options:
  cert_warning_days:
    description:
      - A server certificate that expires within this many days gives the finding
        C(cert_expiring) (medium); an expired one gives C(cert_expired) (critical).
    type: int
    default: 30
  files:
    description:
      - Paths whose state is returned in RV(files) (exists, owner, group, mode, sha256), so that
        a caller can compare the files it manages with what it would write, in this one call.
      - The content is never returned for these; see O(read_files).
    type: list
    elements: path
    default: []
  read_files:
    description:
      - Paths of public text files (certificates) whose content is returned in RV(files) as well.
        Never list a private key.
    type: list
    elements: path
    default: []
  units:
    description:
      - Further systemd units whose state is returned in RV(units).
    type: list
    elements: str
    default: []
  groups:
    description:
      - Groups whose existence and members are returned in RV(groups).
    type: list
    elements: str
    default: []
  users:
    description:
      - Accounts whose existence, login shell and C(~/.ssh/authorized_keys) (public keys) are
        returned in RV(users).
    type: list
    elements: str
    default: []
  addresses:
    description:
      - Return the host's fully qualified name and its IPv4 and IPv6 addresses in RV(addresses)
        (what a server certificate names).
    type: bool
    default: false
  validation:
    description:
      - Also return what the validation of dockerd.exposure reads before any change, in this one
        call - RV(service_drop_ins), RV(getent_passwd), RV(getent_group) and RV(distribution).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode returns the same facts.
  diff_mode:
    support: none
  platform:
    platforms: [posix]
    description: Linux hosts with C(/proc); systemd is optional.
notes:
  - The certificate expiry is read with the Python C(cryptography) library when the target
    has it, else with the C(openssl) command when that exists, else it is null.
  - C(tcp_listeners) lists every LISTEN socket dockerd holds (including swarm ports such as
    2377 and 7946) and those systemd (PID 1) holds on docker.socket's ports; C(modes) and the
    TCP findings count only the API ports (the C(-H)/C(hosts) TCP ports and docker.socket's
    TCP ports).
  - "Measured on Debian 12 with docker.io 20.10: C(--tls) alone and C(\"tls\": true) alone
    make dockerd demand client certificates (verification on); only an explicit
    C(--tlsverify=false) or C(\"tlsverify\": false) turns it off."
seealso:
  - module: dockerd.exposure.endpoint_check
  - module: dockerd.exposure.daemon_json
"""

EXAMPLES = r"""
---
- name: Read how dockerd is exposed
  dockerd.exposure.exposure_info:
  become: true
  register: exposure

- name: Fail on critical findings
  ansible.builtin.assert:
    that:
      - exposure.findings | selectattr('severity', 'equalto', 'critical') | list | length == 0
    fail_msg: "{{ exposure.findings | map(attribute='message') | join(' ') }}"

- name: Check that only the unix socket is served
  ansible.builtin.assert:
    that:
      - exposure.modes == ['unix']

- name: Warn three months before the server certificate expires
  dockerd.exposure.exposure_info:
    cert_warning_days: 90
  become: true
"""

RETURN = r"""
dockerd_path:
  description: Path of dockerd, from the packaged unit's ExecStart, else from PATH; null when not found.
  returned: always
  type: str
  sample: /usr/sbin/dockerd
docker_version:
  description: Version printed by C(dockerd --version); null when dockerd is missing.
  returned: always
  type: str
  sample: 20.10.24+dfsg1
service:
  description: State of docker.service; every value is null (lists empty) without systemd or without the unit.
  returned: always
  type: dict
  contains:
    active_state:
      description: ActiveState (active, inactive, failed, activating ...).
      type: str
      returned: always
      sample: active
    sub_state:
      description: SubState (running, dead, failed ...).
      type: str
      returned: always
      sample: running
    main_pid:
      description: PID of the running dockerd, 0 when it is not running.
      type: int
      returned: always
      sample: 62
    fragment_path:
      description: The unit file systemd loaded.
      type: str
      returned: always
      sample: /lib/systemd/system/docker.service
    drop_in_paths:
      description: Drop-in files that apply to the unit.
      type: list
      elements: str
      returned: always
      sample: [/etc/systemd/system/docker.service.d/tls.conf]
    exec_start:
      description: The effective ExecStart commands (after drop-ins) as argv lists, variables as written.
      type: list
      elements: list
      returned: always
      sample: [[/usr/sbin/dockerd, -H, "fd://", --containerd=/run/containerd/containerd.sock, $DOCKER_OPTS]]
    packaged_exec_start:
      description: argv of the last ExecStart= in the unit file itself, before drop-ins; null when the file cannot be read.
      type: list
      elements: str
      returned: always
      sample: [/usr/sbin/dockerd, -H, "fd://", --containerd=/run/containerd/containerd.sock, $DOCKER_OPTS]
    n_restarts:
      description: How often systemd restarted the service automatically.
      type: int
      returned: always
      sample: 0
    invocation_id:
      description: systemd's ID of the current (or last) run.
      type: str
      returned: always
      sample: efaa345e308f452caff2b720abc258f0
    exec_main_start_timestamp:
      description: When the main process started, as systemctl prints it.
      type: str
      returned: always
      sample: Sat 2026-11-28 07:39:28 UTC
socket:
  description: State of docker.socket; every value is null (lists empty) without systemd or without the unit.
  returned: always
  type: dict
  contains:
    active_state:
      description: ActiveState of docker.socket.
      type: str
      returned: always
      sample: active
    fragment_path:
      description: The unit file systemd loaded.
      type: str
      returned: always
      sample: /lib/systemd/system/docker.socket
    drop_in_paths:
      description: Drop-in files that apply to the unit.
      type: list
      elements: str
      returned: always
      sample: [/etc/systemd/system/docker.socket.d/tcp.conf]
    listen:
      description: What the socket unit listens on.
      type: list
      elements: dict
      returned: always
      sample: [{type: Stream, address: /run/docker.sock}, {type: Stream, address: "0.0.0.0:2375"}]
    socket_mode:
      description: SocketMode= of the unix sockets.
      type: str
      returned: always
      sample: "0660"
    socket_user:
      description: SocketUser=.
      type: str
      returned: always
      sample: root
    socket_group:
      description: SocketGroup=.
      type: str
      returned: always
      sample: docker
daemon_json:
  description: The daemon configuration file.
  returned: always
  type: dict
  contains:
    path:
      description: Path read (C(--config-file) when ExecStart names one).
      type: str
      returned: always
      sample: /etc/docker/daemon.json
    exists:
      description: Whether the file exists.
      type: bool
      returned: always
      sample: true
    valid:
      description: Whether it holds a JSON object dockerd can load.
      type: bool
      returned: always
      sample: true
    content:
      description: The parsed object, null when missing or invalid.
      type: dict
      returned: always
      sample: {storage-driver: vfs}
    error:
      description: Why the file is invalid, else null.
      type: str
      returned: always
      sample: null
unix_sockets:
  description:
    - Each unix socket of docker.socket and each C(unix://) host of ExecStart or daemon.json
      (C(/var/run/docker.sock) when no host is configured at all).
    - C(listening) tells whether the kernel lists the path as a listening socket
      (C(/proc/net/unix)); a socket file can outlive its listener.
  returned: always
  type: list
  elements: dict
  sample:
    - {path: /run/docker.sock, exists: true, owner: root, group: docker, mode: "0660", world_accessible: false, listening: true}
tcp_listeners:
  description: TCP sockets in LISTEN state held by dockerd, or by systemd (PID 1) on one of docker.socket's ports.
  returned: always
  type: list
  elements: dict
  sample:
    - {address: 0.0.0.0, port: 2375, family: ipv4, pid: 191, process: dockerd}
hosts:
  description: The effective -H/--host values (ExecStart after $VAR expansion, then daemon.json C(hosts)).
  returned: always
  type: list
  elements: str
  sample: ["fd://"]
firewall:
  description:
    - The allowed sources of the TCP and TLS ports, as the daemon role's nftables table
      (C(table inet dockerd_exposure)) filters them right now (C(nft -j list table)).
  returned: always
  type: dict
  contains:
    loaded:
      description: Whether the table is loaded; false when it is not, or nft is not installed.
      type: bool
      returned: always
    loopback_allowed:
      description: Whether the table lets loopback through (null when not loaded).
      type: bool
      returned: always
    ports:
      description: Each filtered port with the addresses and networks allowed to reach it.
      type: list
      elements: dict
      returned: always
  sample: {loaded: true, loopback_allowed: true, ports: [{port: 2375, allowed_sources: ["10.0.0.0/8"]}]}
tls:
  description: TLS settings dockerd ends up with, from flags, daemon.json and environment.
  returned: always
  type: dict
  contains:
    enabled:
      description: Whether dockerd wraps its TCP listeners in TLS (C(--tlsverify) implies it).
      type: bool
      returned: always
      sample: true
    verify:
      description: Whether dockerd demands client certificates signed by C(cacert).
      type: bool
      returned: always
      sample: true
    cacert:
      description: CA file for client verification (default C($DOCKER_CERT_PATH/ca.pem) or C(/root/.docker/ca.pem) when TLS is on).
      type: str
      returned: always
      sample: /etc/docker/tls/ca.pem
    cert:
      description: Server certificate file.
      type: str
      returned: always
      sample: /etc/docker/tls/server.pem
    key:
      description: Server key file.
      type: str
      returned: always
      sample: /etc/docker/tls/server-key.pem
    cert_not_after:
      description: Expiry of the server certificate (ISO 8601, UTC), null when unknown.
      type: str
      returned: always
      sample: "2026-12-08T08:42:05+00:00"
    cert_days_left:
      description: Whole days until expiry (negative once expired), null when unknown.
      type: int
      returned: always
      sample: 10
pending:
  description:
    - Whether docker.service or docker.socket runs with an older configuration than the files
      on disk (unit file, drop-ins, daemon.json, TLS files), for example after a run that wrote
      them was stopped before its restart.
  returned: always
  type: dict
  sample: {"service": true, "socket": false, "daemon_reload": false, "newer_files": ["/etc/docker/daemon.json"]}
  contains:
    service:
      description: docker.service must restart to use the files on disk.
      type: bool
      returned: always
      sample: false
    socket:
      description: docker.socket must be recreated to use its files on disk.
      type: bool
      returned: always
      sample: false
    daemon_reload:
      description: systemd has not reloaded a changed unit file yet (NeedDaemonReload).
      type: bool
      returned: always
      sample: false
    newer_files:
      description: Files modified after the unit last started.
      type: list
      elements: str
      returned: always
      sample: []
files:
  description:
    - Per path of O(files) and O(read_files), its state; C(content) only for O(read_files).
  returned: always
  type: dict
  sample: {"/etc/docker/daemon.json": {"exists": true, "owner": "root", "group": "root", "mode": "0644",
           "sha256": "9f86d0...", "directory": false}}
units:
  description: Per unit of O(units), its state as systemd reports it.
  returned: always
  type: dict
  sample: {"dockerd-exposure-tcp.socket": {"load_state": "loaded", "active_state": "active",
           "unit_file_state": "enabled", "need_daemon_reload": false, "listen": ["127.0.0.1:2375 (Stream)"]}}
groups:
  description: Per group of O(groups), whether it exists and its listed members.
  returned: always
  type: dict
  sample: {"docker": {"exists": true, "members": ["alice"]}}
users:
  description: Per account of O(users), whether it exists, its shell, home and authorized keys (null when no file).
  returned: always
  type: dict
  sample: {"alice": {"exists": true, "shell": "/bin/bash", "home": "/home/alice",
           "authorized_keys": "ssh-ed25519 AAAAC3Nza... alice@laptop\n"}}
addresses:
  description: With O(addresses), the host's FQDN and addresses (loopback left out); else null.
  returned: always
  type: dict
  sample: {"fqdn": "host1.example.org", "ipv4": ["192.0.2.7"], "ipv6": ["2001:db8::7"]}
service_drop_ins:
  description:
    - With O(validation), the content of each drop-in of docker.service (RV(service.drop_in_paths)); else null.
  returned: always
  type: dict
  sample: {"/etc/systemd/system/docker.service.d/override.conf": "[Service]\nExecStart=\n..."}
getent_passwd:
  description:
    - With O(validation), the account database as ansible.builtin.getent returns it (name to the
      fields after it - password, UID, GID, GECOS, home, shell); else null.
  returned: always
  type: dict
  sample: {"alice": ["x", "1000", "1000", "", "/home/alice", "/bin/bash"]}
getent_group:
  description:
    - With O(validation), the group database as ansible.builtin.getent returns it (name to
      password, GID, comma-separated members); else null.
  returned: always
  type: dict
  sample: {"docker": ["x", "998", "alice,bob"]}
distribution:
  description:
    - With O(validation), the distribution as the setup module names it (read from /etc/os-release); else null.
  returned: always
  type: dict
  sample: {"distribution": "Debian", "distribution_major_version": "12"}
modes:
  description: Sorted subset of C(tcp), C(tls), C(unix) the host serves now.
  returned: always
  type: list
  elements: str
  sample: [unix]
findings:
  description:
    - What is wrong or risky, sorted critical first. IDs are hosts_clash, flag_clash,
      daemon_json_invalid, unit_bad_setting, service_inactive, socket_inactive,
      socket_world_accessible, plain_tcp_public, plain_tcp_loopback, tls_without_verify,
      tls_file_missing, cert_expiring, cert_expired, config_pending.
    - A stock host (unix socket only, 0660 root:docker) has none.
  returned: always
  type: list
  elements: dict
  sample:
    - id: plain_tcp_public
      severity: critical
      message: "dockerd serves its API without TLS on 0.0.0.0:2375: anyone who reaches that address gets root on this host."
      fix: "Remove the plain TCP listener ..."
"""

import datetime
import grp
import hashlib
import os
import pwd
import socket as socketlib
import stat
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dockerd.exposure.plugins.module_utils import _exposure_parse as parse
from ansible_collections.dockerd.exposure.plugins.module_utils import _exposure_findings as findings
from ansible_collections.dockerd.exposure.plugins.module_utils import _firewall as firewall

SERVICE_UNIT = "docker.service"
SOCKET_UNIT = "docker.socket"
# The daemon role serves plain TCP through this socket unit (systemd-socket-proxyd in front
# of the unix socket), since dockerd wraps every TCP listener it serves in TLS once TLS is on.
PROXY_SOCKET_UNIT = "dockerd-exposure-tcp.socket"
PROXY_PROPERTIES = ("LoadState", "ActiveState", "Listen")
DOCKERD_DIRS = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]


class ReadError(Exception):
    """A file the module needs exists but cannot be read (usually: not root)."""

    def __init__(self, path, error):
        super(ReadError, self).__init__(path, error)
        self.path = path
        self.error = error


# ---------------------------------------------------------------- host access
# Every read of the host goes through these few functions, so that the unit test can
# replace them with captured samples.


def read_bytes(path):
    """Content of a file, None when it does not exist; ReadError for anything else."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) in (2, 20):  # ENOENT, ENOTDIR
            return None
        raise ReadError(path, exc)


def read_text(path):
    data = read_bytes(path)
    if data is None:
        return None
    return data.decode("utf-8", "replace")


def stat_path(path):
    """Owner, group, mode of a path (following symlinks), None when missing."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno in (2, 20):
            return None
        raise ReadError(path, exc)
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return {"mode": stat.S_IMODE(st.st_mode), "owner": owner, "group": group,
            "is_socket": stat.S_ISSOCK(st.st_mode)}


def real_path(path):
    return os.path.realpath(path)


def systemd_booted():
    # sd_booted(): systemd is PID 1 when this directory exists.
    return os.path.isdir("/run/systemd/system")


def process_names():
    """{pid: comm} of all processes."""
    names = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % entry) as handle:
                names[int(entry)] = handle.read().strip()
        except (IOError, OSError):
            continue  # gone, or not ours to read
    return names


def socket_inodes(pid):
    """Socket inodes among a process's open files; ReadError when not allowed to look."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(fd_dir)
    except OSError as exc:
        if exc.errno == 2:
            return inodes
        raise ReadError(fd_dir, exc)
    for fd in fds:
        try:
            inode = parse.parse_socket_inode(os.readlink("%s/%s" % (fd_dir, fd)))
        except OSError:
            continue
        if inode is not None:
            inodes.add(inode)
    return inodes


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


# ---------------------------------------------------------------- gathering


def _systemctl_show(module, systemctl, unit, properties):
    cmd = [systemctl, "show", unit, "--no-pager"] + ["--property=%s" % p for p in properties]
    rc, out, err = module.run_command(cmd, environ_update={"LC_ALL": "C", "SYSTEMD_PAGER": ""})
    if rc != 0:
        module.fail_json(
            msg="'%s' failed with rc=%d: %s; check that systemd answers on this host "
                "(systemctl is-system-running)." % (" ".join(cmd[:3]), rc, (err or out).strip()),
            rc=rc, stdout=out, stderr=err)
    return parse.parse_systemctl_show(out)


def _empty_service():
    return {"active_state": None, "sub_state": None, "main_pid": None, "fragment_path": None,
            "drop_in_paths": [], "exec_start": [], "packaged_exec_start": None,
            "n_restarts": None, "invocation_id": None, "exec_main_start_timestamp": None}


def _empty_socket():
    return {"active_state": None, "fragment_path": None, "drop_in_paths": [], "listen": [],
            "socket_mode": None, "socket_user": None, "socket_group": None}


def _service_facts(props):
    facts = _empty_service()
    if parse.show_str(props, "LoadState") in (None, "not-found"):
        return facts
    facts.update({
        "active_state": parse.show_str(props, "ActiveState"),
        "sub_state": parse.show_str(props, "SubState"),
        "main_pid": parse.show_int(props, "MainPID"),
        "fragment_path": parse.show_str(props, "FragmentPath"),
        "drop_in_paths": parse.split_paths(parse.show_value(props, "DropInPaths")),
        "exec_start": parse.parse_exec_start(props.get("ExecStart")),
        "n_restarts": parse.show_int(props, "NRestarts"),
        "invocation_id": parse.show_str(props, "InvocationID"),
        "exec_main_start_timestamp": parse.show_str(props, "ExecMainStartTimestamp"),
    })
    return facts


def _socket_facts(props):
    facts = _empty_socket()
    if parse.show_str(props, "LoadState") in (None, "not-found"):
        return facts
    facts.update({
        "active_state": parse.show_str(props, "ActiveState"),
        "fragment_path": parse.show_str(props, "FragmentPath"),
        "drop_in_paths": parse.split_paths(parse.show_value(props, "DropInPaths")),
        "listen": parse.parse_listen(props.get("Listen")),
        "socket_mode": parse.show_str(props, "SocketMode"),
        "socket_user": parse.show_str(props, "SocketUser"),
        "socket_group": parse.show_str(props, "SocketGroup"),
    })
    return facts


def _service_environment(props):
    env = {}
    for path, _ignore_errors in parse.parse_environment_files(props.get("EnvironmentFiles")):
        text = read_text(path)
        if text is not None:
            env.update(parse.parse_env_file(text))
    env.update(parse.parse_environment(parse.show_value(props, "Environment")))
    return env


def _cert_not_after(module, path):
    """Expiry of a PEM certificate: cryptography if importable, else openssl, else None."""
    data = read_bytes(path)
    if data is None:
        return None
    try:
        from cryptography import x509
    except ImportError:
        x509 = None
    if x509 is not None:
        try:
            cert = x509.load_pem_x509_certificate(data)
        except (ValueError, TypeError):
            return None
        not_after = getattr(cert, "not_valid_after_utc", None)
        if not_after is None:
            not_after = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
        return not_after
    openssl = module.get_bin_path("openssl")
    if not openssl:
        return None
    rc, out, _err = module.run_command([openssl, "x509", "-noout", "-enddate", "-in", path],
                                       environ_update={"LC_ALL": "C"})
    if rc != 0:
        return None
    return parse.parse_openssl_enddate(out)


def _unix_sockets(socket_facts, hosts, argv_known, tls_enabled, listening_paths):
    candidates = [e["address"] for e in socket_facts["listen"] if parse.listen_is_unix(e)]
    for host in hosts:
        parsed = parse.parse_host(host)
        if parsed["scheme"] == "unix":
            candidates.append(parsed["path"])
    if argv_known and not hosts and not tls_enabled:
        candidates.append(parse.DEFAULT_UNIX_SOCKET)
    listening = None
    if listening_paths is not None:
        listening = set(real_path(p) for p in listening_paths)
    result, seen = [], set()
    for path in candidates:
        resolved = real_path(path)
        if resolved in seen:
            continue
        seen.add(resolved)
        info = stat_path(path)
        item = {"path": path, "exists": info is not None, "owner": None, "group": None,
                "mode": None, "world_accessible": False,
                "listening": None if listening is None else resolved in listening}
        if info is not None:
            item.update({"owner": info["owner"], "group": info["group"],
                         "mode": "%04o" % info["mode"],
                         "world_accessible": bool(info["mode"] & 0o006)})
        result.append(item)
    return result


def _tcp_listeners(socket_ports, main_pid, proxy_ports=()):
    sockets = parse.parse_proc_net_tcp(read_text("/proc/net/tcp") or "", "ipv4")
    sockets += parse.parse_proc_net_tcp(read_text("/proc/net/tcp6") or "", "ipv6")
    if not sockets:
        return []
    names = process_names()
    owners = {}  # inode -> (pid, comm), dockerd preferred over systemd
    pids = [pid for pid, comm in names.items() if comm == "dockerd"]
    if main_pid and main_pid not in pids:
        pids.append(main_pid)
    for pid in sorted(pids):
        for inode in socket_inodes(pid):
            owners.setdefault(inode, (pid, names.get(pid, "dockerd")))
    systemd_inodes = socket_inodes(1) if (socket_ports or proxy_ports) else set()
    result = []
    for sock in sockets:
        owner = owners.get(sock["inode"])
        proxied = False
        if owner is None and sock["inode"] in systemd_inodes:
            if sock["port"] in socket_ports:
                owner = (1, names.get(1, "systemd"))
            elif sock["port"] in proxy_ports:
                owner, proxied = (1, names.get(1, "systemd")), True
        if owner is None:
            continue
        result.append({"address": sock["address"], "port": sock["port"],
                       "family": sock["family"], "pid": owner[0], "process": owner[1],
                       "plain_proxy": proxied})
    return result


def _running_dockerd_argv():
    """argv of a running dockerd (for hosts without systemd), None when there is none."""
    for pid, comm in sorted(process_names().items()):
        if comm == "dockerd":
            raw = read_bytes("/proc/%d/cmdline" % pid)
            if raw:
                return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]
    return None


def _mtime(path):
    if not path:
        return None
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def _pending(service_props, socket_props, service, socket, daemon_json, tls):
    """Which units run with an older configuration than the files on disk."""
    now_epoch, now_mono = time.time(), time.monotonic()
    service_started = parse.monotonic_to_epoch(
        parse.show_int(service_props, "ActiveEnterTimestampMonotonic"), now_epoch, now_mono)
    socket_started = parse.monotonic_to_epoch(
        parse.show_int(socket_props, "ActiveEnterTimestampMonotonic"), now_epoch, now_mono)
    service_files = [service["fragment_path"]] + list(service["drop_in_paths"]) + [daemon_json["path"]]
    if tls.get("enabled"):
        service_files += [tls.get("cacert"), tls.get("cert"), tls.get("key")]
    socket_files = [socket["fragment_path"]] + list(socket["drop_in_paths"])
    newer_service = parse.files_newer_than({p: _mtime(p) for p in service_files if p}, service_started)
    newer_socket = parse.files_newer_than({p: _mtime(p) for p in socket_files if p}, socket_started)
    reload_needed = "yes" in (parse.show_str(service_props, "NeedDaemonReload"),
                              parse.show_str(socket_props, "NeedDaemonReload"))
    return {
        "service": bool(newer_service) or reload_needed,
        "socket": bool(newer_socket),
        "daemon_reload": reload_needed,
        "newer_files": sorted(set(newer_service) | set(newer_socket)),
    }


def _firewall_facts(module):
    nft = module.get_bin_path("nft", opt_dirs=["/usr/sbin", "/sbin"])
    if not nft:
        return firewall.no_firewall()
    rc, out, _err = module.run_command([nft, "-j", "list", "table", firewall.FIREWALL_FAMILY, firewall.FIREWALL_TABLE],
                                       environ_update={"LC_ALL": "C"})
    if rc != 0:
        return firewall.no_firewall()
    return firewall.parse_firewall(out)


def gather(module):
    warn_days = module.params["cert_warning_days"]
    systemctl = module.get_bin_path("systemctl")
    use_systemd = bool(systemctl) and systemd_booted()

    service_props, socket_props, proxy_props = {}, {}, {}
    if use_systemd:
        service_props = _systemctl_show(module, systemctl, SERVICE_UNIT, parse.SERVICE_PROPERTIES)
        socket_props = _systemctl_show(module, systemctl, SOCKET_UNIT, parse.SOCKET_PROPERTIES)
        proxy_props = _systemctl_show(module, systemctl, PROXY_SOCKET_UNIT, PROXY_PROPERTIES)
    proxy_ports = []
    if parse.show_str(proxy_props, "LoadState") not in (None, "not-found"):
        proxy_ports = parse.socket_tcp_ports(parse.parse_listen(proxy_props.get("Listen")))
    service = _service_facts(service_props)
    socket = _socket_facts(socket_props)

    if service["fragment_path"]:
        text = read_text(service["fragment_path"])
        if text is not None:
            service["packaged_exec_start"] = parse.parse_unit_exec_start(text)

    dockerd_path = None
    packaged = service["packaged_exec_start"] or []
    if packaged and packaged[0].startswith("/"):
        dockerd_path = packaged[0]
    if not dockerd_path:
        dockerd_path = module.get_bin_path("dockerd", opt_dirs=DOCKERD_DIRS)

    docker_version = None
    if dockerd_path:
        rc, out, err = module.run_command([dockerd_path, "--version"], environ_update={"LC_ALL": "C"})
        if rc == 0:
            docker_version = parse.parse_dockerd_version(out or err)
    docker_major = parse.version_major(docker_version)

    env = _service_environment(service_props) if service["exec_start"] else {}
    argv = parse.expand_argv(service["exec_start"][-1], env) if service["exec_start"] else None
    if argv is None and not use_systemd:
        argv = _running_dockerd_argv()
    args = parse.parse_dockerd_args(argv or [])

    json_path = args["config_file"] or parse.DEFAULT_DAEMON_JSON
    daemon_json = {"path": json_path, "exists": False, "valid": False, "content": None,
                   "error": None}
    try:
        json_text = read_text(json_path)
    except ReadError as exc:
        if getattr(exc.error, "errno", None) != 21:  # EISDIR
            raise
        daemon_json.update({"exists": True, "error": "%s is a directory, not a file." % json_path})
    else:
        if json_text is not None:
            daemon_json["exists"] = True
            daemon_json.update(parse.parse_daemon_json(json_text, docker_major))
    content = daemon_json["content"]

    hosts = list(args["hosts"]) + parse.daemon_json_hosts(content)

    tls = parse.resolve_tls(args, content, env)
    tls.update({"cert_not_after": None, "cert_days_left": None})
    missing_tls_files = []
    if tls["enabled"]:
        if tls["cert"]:
            not_after = _cert_not_after(module, tls["cert"])
            if not_after is not None:
                tls["cert_not_after"] = not_after.isoformat()
                tls["cert_days_left"] = findings.cert_days_left(not_after, utcnow())
        wanted = [("server certificate", tls["cert"]), ("server key", tls["key"])]
        if tls["verify"]:
            wanted.insert(0, ("CA certificate", tls["cacert"]))
        for what, path in wanted:
            if path and stat_path(path) is None:
                missing_tls_files.append((what, path))

    listening_text = read_text("/proc/net/unix")
    listening_paths = parse.parse_proc_net_unix_listening(listening_text) \
        if listening_text is not None else None
    unix_sockets = _unix_sockets(socket, hosts, argv is not None, tls["enabled"], listening_paths)

    socket_ports = parse.socket_tcp_ports(socket["listen"])
    tcp_listeners = _tcp_listeners(socket_ports, service["main_pid"], proxy_ports)
    api_ports = parse.api_tcp_ports(hosts, socket_ports, tls["enabled"]) \
        if (argv is not None or socket_ports) else None

    facts = {
        "dockerd_path": dockerd_path,
        "docker_version": docker_version,
        "service": service,
        "socket": socket,
        "daemon_json": daemon_json,
        "unix_sockets": unix_sockets,
        "tcp_listeners": tcp_listeners,
        "hosts": hosts,
        "tls": tls,
        "firewall": _firewall_facts(module),
    }
    facts["pending"] = _pending(service_props, socket_props, service, socket, daemon_json, tls)
    facts["modes"] = findings.compute_modes(unix_sockets, tcp_listeners, tls, api_ports)
    facts["findings"] = findings.classify(facts, {
        "systemd": use_systemd,
        "service_load_state": parse.show_str(service_props, "LoadState"),
        "service_result": parse.show_str(service_props, "Result"),
        "socket_load_state": parse.show_str(socket_props, "LoadState"),
        "socket_result": parse.show_str(socket_props, "Result"),
        "argv_hosts": args["hosts"],
        "flag_clashes": parse.flag_clashes(args["flags"], content),
        "api_ports": api_ports,
        "missing_tls_files": missing_tls_files,
        "cert_warning_days": warn_days,
    })
    return facts


UNIT_PROPERTIES = ("LoadState", "ActiveState", "UnitFileState", "NeedDaemonReload", "Listen")


def _file_state(path, with_content):
    """exists/owner/group/mode/sha256 of a managed file (content only for public files)."""
    st = stat_path(path)
    if st is None:
        return {"exists": False}
    state = {"exists": True, "owner": st["owner"], "group": st["group"], "mode": "%04o" % st["mode"],
             "directory": os.path.isdir(path)}
    if not state["directory"]:
        data = read_bytes(path) or b""
        state["sha256"] = hashlib.sha256(data).hexdigest()
        if with_content:
            state["content"] = data.decode("utf-8", "replace")
    return state


def _units_state(module, names):
    systemctl = module.get_bin_path("systemctl")
    result = {}
    for name in names:
        props = _systemctl_show(module, systemctl, name, UNIT_PROPERTIES) if systemctl else {}
        result[name] = {
            "load_state": parse.show_str(props, "LoadState"),
            "active_state": parse.show_str(props, "ActiveState"),
            "unit_file_state": parse.show_str(props, "UnitFileState") or None,
            "need_daemon_reload": parse.show_str(props, "NeedDaemonReload") == "yes",
            "listen": [value for value in props.get("Listen", []) if value],
        }
    return result


def _groups_state(names):
    result = {}
    for name in names:
        try:
            entry = grp.getgrnam(name)
        except KeyError:
            result[name] = {"exists": False, "members": []}
        else:
            result[name] = {"exists": True, "members": sorted(entry.gr_mem)}
    return result


def _users_state(names):
    result = {}
    for name in names:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            result[name] = {"exists": False}
            continue
        result[name] = {"exists": True, "shell": entry.pw_shell, "home": entry.pw_dir,
                        "authorized_keys": read_text(os.path.join(entry.pw_dir, ".ssh", "authorized_keys"))}
    return result


def _addresses(module):
    """What the setup module's network facts give for a certificate: FQDN, non-loopback addresses."""
    ipv4, ipv6 = [], []
    ip = module.get_bin_path("ip", opt_dirs=["/usr/sbin", "/sbin"])
    if ip:
        rc, out, _err = module.run_command([ip, "-o", "addr", "show"], environ_update={"LC_ALL": "C"})
        if rc == 0:
            for line in out.splitlines():
                words = line.split()
                for family, found in (("inet", ipv4), ("inet6", ipv6)):
                    if family in words:
                        address = words[words.index(family) + 1].split("/")[0]
                        if address not in found and not address.startswith("127.") and address != "::1":
                            found.append(address)
    return {"fqdn": socketlib.getfqdn(), "ipv4": ipv4, "ipv6": ipv6}


def _getent_passwd():
    return dict((e.pw_name, [e.pw_passwd, str(e.pw_uid), str(e.pw_gid), e.pw_gecos, e.pw_dir,
                             e.pw_shell]) for e in pwd.getpwall())


def _getent_group():
    return dict((e.gr_name, [e.gr_passwd, str(e.gr_gid), ",".join(e.gr_mem)]) for e in grp.getgrall())


# The names the setup module gives the distributions whose os-release ID differs in case only.
DISTRIBUTION_NAMES = {"debian": "Debian", "ubuntu": "Ubuntu", "centos": "CentOS", "fedora": "Fedora"}


def _distribution():
    """ID and VERSION_ID of /etc/os-release, named as the setup module does (Debian, 12)."""
    values = {}
    for line in (read_text("/etc/os-release") or "").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"').strip("'")
    ident = values.get("ID", "")
    return {"distribution": DISTRIBUTION_NAMES.get(ident, ident.capitalize()) or None,
            "distribution_major_version": values.get("VERSION_ID", "").split(".")[0] or None}


def gather_validation(module, facts):
    """What validation reads besides the plan: the other drop-ins, accounts, distribution."""
    if not module.params["validation"]:
        for key in ("service_drop_ins", "getent_passwd", "getent_group", "distribution"):
            facts[key] = None
        return facts
    facts["service_drop_ins"] = dict((path, read_text(path)) for path in (facts.get("service") or {}).get("drop_in_paths") or [])
    facts["getent_passwd"] = _getent_passwd()
    facts["getent_group"] = _getent_group()
    facts["distribution"] = _distribution()
    return facts


def gather_extra(module, facts):
    params = module.params
    reads = set(params["read_files"])
    facts["files"] = {path: _file_state(path, path in reads) for path in list(params["files"]) + list(params["read_files"])}
    facts["units"] = _units_state(module, params["units"])
    facts["groups"] = _groups_state(params["groups"])
    facts["users"] = _users_state(params["users"])
    facts["addresses"] = _addresses(module) if params["addresses"] else None
    return facts


def main():
    module = AnsibleModule(
        argument_spec={
            "cert_warning_days": {"type": "int", "default": 30},
            "files": {"type": "list", "elements": "path", "default": []},
            "read_files": {"type": "list", "elements": "path", "default": []},
            "units": {"type": "list", "elements": "str", "default": []},
            "groups": {"type": "list", "elements": "str", "default": []},
            "users": {"type": "list", "elements": "str", "default": []},
            "addresses": {"type": "bool", "default": False},
            "validation": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    if module.params["cert_warning_days"] < 0:
        module.fail_json(msg="cert_warning_days %d is negative; give the number of days before "
                             "expiry that should raise cert_expiring, e.g. 30."
                             % module.params["cert_warning_days"])
    try:
        facts = gather_validation(module, gather_extra(module, gather(module)))
    except ReadError as exc:
        module.fail_json(
            msg="exposure_info could not read %s (%s); run it as root (become: true) so that it "
                "can see dockerd's sockets and configuration." % (exc.path, to_native(exc.error)))
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()

# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Pure parsers for what exposure_info reads on a Docker host.

Nothing in here touches the file system or runs a command: every function takes text
(the output of ``systemctl show``, a unit file, ``/proc/net/tcp``, daemon.json ...) and
returns plain data, so that the unit tests can feed them real samples captured from hosts
(tests/unit/samples/exposure/).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import json
import re
import shlex

# dockerd flags: one parser and one clash table for every caller.
from ansible_collections.dockerd.exposure.plugins.module_utils._dockerd_flags import (  # noqa: F401
    clashes as flag_clashes,
    parse_args as parse_dockerd_args,
    parse_go_bool,
)

# Properties exposure_info asks systemd for. The order does not matter: systemctl prints
# properties in its own order, not in the order they were asked for.
SERVICE_PROPERTIES = (
    "LoadState", "ActiveState", "SubState", "Result", "MainPID", "FragmentPath",
    "DropInPaths", "ExecStart", "NRestarts", "InvocationID", "ExecMainStartTimestamp",
    "Environment", "EnvironmentFiles", "ActiveEnterTimestampMonotonic", "NeedDaemonReload",
)
SOCKET_PROPERTIES = (
    "LoadState", "ActiveState", "SubState", "Result", "FragmentPath", "DropInPaths",
    "Listen", "SocketMode", "SocketUser", "SocketGroup", "ActiveEnterTimestampMonotonic",
    "NeedDaemonReload",
)

DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"
DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
# dockerd reads the TLS files from $DOCKER_CERT_PATH, else from ~/.docker of the user
# it runs as (root): "could not read CA certificate "/root/.docker/ca.pem"" when
# --tls is given without --tlscacert (measured, docker.io 20.10).
DEFAULT_CERT_DIR = "/root/.docker"

# /proc/net/tcp state column: 0A is TCP_LISTEN.
TCP_LISTEN = "0A"
# /proc/net/unix Flags column: __SO_ACCEPTCON, set on listening sockets.
UNIX_ACCEPTCON = 0x10000

# ---------------------------------------------------------------- systemctl show


def parse_systemctl_show(text):
    """Parse ``systemctl show`` output into {property: [value, ...]}.

    Array properties (ExecStart, Listen, EnvironmentFiles) come as one line per entry,
    all with the same key, so every value is kept in order.
    """
    props = {}
    for line in (text or "").splitlines():
        if "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if not key:
            continue
        props.setdefault(key, []).append(value)
    return props


def show_value(props, key):
    """The single value of a property, or None when systemctl printed no such line."""
    values = props.get(key)
    if not values:
        return None
    return values[-1]


def show_str(props, key):
    """Like show_value, with an empty value turned into None."""
    value = show_value(props, key)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def show_int(props, key):
    value = show_str(props, key)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def split_paths(value):
    """DropInPaths and similar space-separated path lists."""
    if not value:
        return []
    return value.split()


_EXEC_ARGV_RE = re.compile(r"\bargv\[\]=(.*?) ; (?:ignore_errors|flags)=")
_EXEC_PATH_RE = re.compile(r"^\{\s*path=(.*?) ; ")


def parse_exec_command(value):
    """Parse one ExecStart value of ``systemctl show`` into an argv list.

    The value looks like ``{ path=/usr/sbin/dockerd ; argv[]=/usr/sbin/dockerd -H fd://
    $DOCKER_OPTS ; ignore_errors=no ; start_time=[...] ; ... }`` (``flags=`` instead of
    ``ignore_errors=`` for the ExecStartEx form). systemd joins argv with single spaces and
    no quoting, so the argv is split on whitespace; variables like ``$DOCKER_OPTS`` stay as
    written. Returns None when the value is not an exec entry.
    """
    value = (value or "").strip()
    if not value.startswith("{"):
        return None
    match = _EXEC_ARGV_RE.search(value)
    if match:
        return match.group(1).split()
    match = _EXEC_PATH_RE.search(value)
    if match:
        return [match.group(1)]
    return None


def parse_exec_start(values):
    """All ExecStart entries (one per ``ExecStart=`` line) as a list of argv lists."""
    result = []
    for value in values or []:
        argv = parse_exec_command(value)
        if argv:
            result.append(argv)
    return result


_LISTEN_RE = re.compile(r"^(?P<address>.+?) \((?P<type>[A-Za-z]+)\)$")


def parse_listen(values):
    """``Listen=/run/docker.sock (Stream)`` lines into [{type, address}, ...]."""
    result = []
    for value in values or []:
        value = value.strip()
        if not value:
            continue
        match = _LISTEN_RE.match(value)
        if match:
            result.append({"type": match.group("type"), "address": match.group("address")})
        else:
            result.append({"type": None, "address": value})
    return result


def listen_is_unix(entry):
    address = entry.get("address") or ""
    return entry.get("type") == "Stream" and address.startswith("/")


def listen_port(address):
    """Port of a TCP listen address: ``0.0.0.0:2376``, ``[::]:2375``, ``2375``."""
    if not address or address.startswith("/") or address.startswith("@"):
        return None
    port = address.rsplit(":", 1)[-1]
    try:
        port = int(port)
    except ValueError:
        return None
    if 0 < port < 65536:
        return port
    return None


def socket_tcp_ports(listen):
    """Ports of docker.socket's TCP ListenStream= entries."""
    ports = []
    for entry in listen or []:
        if entry.get("type") != "Stream":
            continue
        port = listen_port(entry.get("address"))
        if port is not None and port not in ports:
            ports.append(port)
    return ports


_ENV_FILE_RE = re.compile(r"^(?P<path>.+?)(?: \(ignore_errors=(?P<ignore>yes|no)\))?$")


def parse_environment_files(values):
    """``EnvironmentFiles=/etc/default/docker (ignore_errors=yes)`` into [(path, ignore)]."""
    result = []
    for value in values or []:
        value = value.strip()
        if not value:
            continue
        match = _ENV_FILE_RE.match(value)
        result.append((match.group("path"), match.group("ignore") == "yes"))
    return result


def _split_words(text):
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError:
        return text.split()


def parse_environment(value):
    """The ``Environment=`` property (``A=1 "B=two words"``) into a dict."""
    env = {}
    for word in _split_words(value or ""):
        if "=" in word:
            key, val = word.split("=", 1)
            env[key] = val
    return env


def parse_env_file(text):
    """A systemd EnvironmentFile= (``KEY=value``, ``KEY="quoted value"``, # comments)."""
    env = {}
    lines = (text or "").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        while line.endswith("\\") and index < len(lines):
            line = line[:-1] + lines[index].strip()
            index += 1
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip()
        if key.startswith("export "):
            key = key[len("export "):].strip()
        words = _split_words(value.strip())
        env[key] = " ".join(words) if words else ""
    return env


_BRACED_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BARE_VAR_RE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def expand_argv(argv, env):
    """Expand variables in an ExecStart argv the way systemd does.

    ``$FOO`` as a word of its own becomes the value split at whitespace (zero or more
    words, none when unset); ``${FOO}`` anywhere becomes the value as it is. Anything
    else stays.
    """
    result = []
    for word in argv or []:
        bare = _BARE_VAR_RE.match(word)
        if bare:
            result.extend((env.get(bare.group(1)) or "").split())
            continue
        result.append(_BRACED_VAR_RE.sub(lambda m: env.get(m.group(1), ""), word))
    return result


# ---------------------------------------------------------------- unit files

_EXEC_PREFIX_CHARS = "-@:+!"


def strip_exec_prefix(argv):
    """Drop systemd's special prefixes (``-``, ``@``, ``:``, ``+``, ``!``, ``!!``)."""
    if not argv:
        return argv
    first = argv[0]
    prefix = ""
    while first and first[0] in _EXEC_PREFIX_CHARS:
        prefix += first[0]
        first = first[1:]
    if not prefix:
        return list(argv)
    rest = list(argv[1:])
    if not first:
        # A lone prefix ("- /usr/bin/x") is not valid systemd syntax; keep the rest.
        return rest
    if "@" in prefix and rest:
        # "@/usr/bin/x name args": the second word is argv[0], not an argument.
        rest = rest[1:]
    return [first] + rest


def parse_unit_exec_start(text):
    """The argv of the last ``ExecStart=`` in the [Service] section of a unit file.

    An empty ``ExecStart=`` resets the list, as systemd does. Returns None when the file
    has no ExecStart= at all, [] when the last one is a reset. Variables such as
    ``$DOCKER_OPTS`` are kept as written.
    """
    section = None
    last = None
    lines = (text or "").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        while line.endswith("\\") and index < len(lines):
            line = line[:-1] + " " + lines[index].strip()
            index += 1
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section != "Service" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key.strip() != "ExecStart":
            continue
        value = value.strip()
        last = strip_exec_prefix(_split_words(value)) if value else []
    return last


# ---------------------------------------------------------------- daemon.json


def parse_daemon_json(text, docker_major=None):
    """Parse daemon.json text into {valid, content, error}.

    dockerd wants a JSON object. An empty file is refused by docker.io 20.10 with
    "unable to configure the Docker daemon with file ...: EOF" (measured) and accepted
    from Docker 23 on, so docker_major decides; unknown versions get the strict reading.
    """
    if text is None:
        return {"valid": False, "content": None, "error": "daemon.json could not be read."}
    if text.startswith(u"\ufeff"):
        return {"valid": False, "content": None,
                "error": "daemon.json starts with a UTF-8 byte order mark, which dockerd does not accept."}
    if text.strip() == "":
        if docker_major is not None and docker_major >= 23:
            return {"valid": True, "content": {}, "error": None}
        return {"valid": False, "content": None,
                "error": "daemon.json is empty; dockerd 20.10 refuses an empty file with \"EOF\"."}
    try:
        content = json.loads(text)
    except ValueError as exc:
        return {"valid": False, "content": None, "error": "daemon.json is not valid JSON (%s)." % exc}
    if not isinstance(content, dict):
        return {"valid": False, "content": None,
                "error": "daemon.json holds a JSON %s, but dockerd needs a JSON object ({...})."
                % _json_type(content)}
    return {"valid": True, "content": content, "error": None}


def _json_type(value):
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null"


def daemon_json_hosts(content):
    """The ``hosts`` list of daemon.json content (a single string counts as one host)."""
    if not isinstance(content, dict) or "hosts" not in content:
        return []
    hosts = content["hosts"]
    if isinstance(hosts, str):
        return [hosts]
    if isinstance(hosts, list):
        return [h for h in hosts if isinstance(h, str)]
    return []


# ---------------------------------------------------------------- flags and daemon.json


def _json_bool(content, key):
    if not isinstance(content, dict) or key not in content:
        return None
    value = content[key]
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return parse_go_bool(value)
    return None


def _json_str(content, key):
    if not isinstance(content, dict):
        return None
    value = content.get(key)
    return value if isinstance(value, str) and value else None


def resolve_tls(args, content, env=None):
    """The TLS settings dockerd ends up with, from parsed flags, daemon.json and env.

    Follows dockerd: ``--tlsverify`` (any value) and a ``tlsverify`` key turn TLS on;
    TLS on without an explicit tlsverify means verification on (``--tls`` alone and
    ``"tls": true`` alone both demanded a client certificate on docker.io 20.10, measured);
    ``DOCKER_TLS_VERIFY`` in the service environment turns verification on. File paths
    default to $DOCKER_CERT_PATH or /root/.docker when TLS is on.
    Returns {enabled, verify, cacert, cert, key}.
    """
    env = env or {}
    tls = args.get("tls")
    verify = args.get("tlsverify")
    if verify is None and env.get("DOCKER_TLS_VERIFY"):
        verify = True
    json_tls = _json_bool(content, "tls")
    json_verify = _json_bool(content, "tlsverify")
    if json_tls is not None:
        tls = json_tls
    if json_verify is not None:
        verify = json_verify
    explicit_verify = args.get("tlsverify") is not None or (
        isinstance(content, dict) and "tlsverify" in content)
    enabled = bool(tls) or explicit_verify or bool(verify)
    if enabled and verify is None:
        verify = True
    verify = bool(verify) if enabled else False

    cert_dir = env.get("DOCKER_CERT_PATH") or DEFAULT_CERT_DIR
    paths = {}
    for key, default in (("tlscacert", "ca.pem"), ("tlscert", "cert.pem"), ("tlskey", "key.pem")):
        value = args.get(key) or _json_str(content, key)
        if value is None and enabled:
            value = cert_dir.rstrip("/") + "/" + default
        paths[key] = value
    return {"enabled": enabled, "verify": verify, "cacert": paths["tlscacert"],
            "cert": paths["tlscert"], "key": paths["tlskey"]}


def parse_host(host):
    """Split a dockerd -H value into {scheme, address, port, path}.

    ``unix:///run/docker.sock`` -> scheme unix, path; ``tcp://0.0.0.0:2375`` -> tcp,
    address, port; a bare ``HOST:PORT`` is tcp, as dockerd reads it; ``fd://`` -> fd.
    A tcp host without a port gets None (dockerd picks 2375, or 2376 with TLS).
    """
    host = (host or "").strip()
    if "://" in host:
        scheme, rest = host.split("://", 1)
    elif host:
        scheme, rest = "tcp", host
    else:
        scheme, rest = "unix", ""
    scheme = scheme.lower()
    result = {"scheme": scheme, "address": None, "port": None, "path": None}
    if scheme == "unix":
        result["path"] = rest or DEFAULT_UNIX_SOCKET
    elif scheme == "tcp":
        rest = rest.split("/", 1)[0]
        if rest.startswith("["):
            address, _sep, port = rest[1:].partition("]")
            port = port.lstrip(":")
        elif rest.count(":") == 1:
            address, port = rest.split(":", 1)
        else:
            address, port = rest, ""
        result["address"] = address or None
        try:
            result["port"] = int(port) if port else None
        except ValueError:
            result["port"] = None
    elif scheme == "fd":
        result["address"] = rest or None
    else:
        result["address"] = rest or None
    return result


def api_tcp_ports(hosts, socket_ports, tls_enabled):
    """Ports on which dockerd serves its API over TCP, from -H/hosts and docker.socket.

    Other ports dockerd may hold (swarm 2377/7946, metrics-addr) are not the API.
    """
    ports = list(socket_ports or [])
    for host in hosts or []:
        parsed = parse_host(host)
        if parsed["scheme"] != "tcp":
            continue
        port = parsed["port"] or (2376 if tls_enabled else 2375)
        if port not in ports:
            ports.append(port)
    if not hosts and tls_enabled and 2376 not in ports:
        # With TLS and no host at all, dockerd falls back to tcp://localhost:2376.
        ports.append(2376)
    return ports


# ---------------------------------------------------------------- dockerd --version

_VERSION_RE = re.compile(r"[Vv]ersion\s+v?([0-9][^\s,]*)")


def parse_dockerd_version(text):
    """``Docker version 20.10.24+dfsg1, build 5d6db84`` -> ``20.10.24+dfsg1``."""
    match = _VERSION_RE.search(text or "")
    return match.group(1) if match else None


def version_major(version):
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- /proc/net


def decode_proc_address(hex_address, byteorder="little"):
    """A /proc/net/tcp{,6} address (``0100007F`` / 32 hex digits) as an ip_address.

    The kernel prints each 32-bit word in host byte order, so on little-endian hosts
    the bytes of every word are reversed.
    """
    raw = bytes(bytearray.fromhex(hex_address))
    if byteorder == "little":
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(raw)


def format_ip(ip):
    """IPv4-mapped IPv6 addresses as ``::ffff:127.0.0.1``, others as Python prints them."""
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return "::ffff:%s" % ip.ipv4_mapped
    return str(ip)


def parse_proc_net_tcp(text, family, byteorder="little", listen_only=True):
    """Parse /proc/net/tcp (family ipv4) or /proc/net/tcp6 (ipv6).

    Returns [{address, port, family, inode, state}] for LISTEN sockets (all sockets
    with listen_only=False).
    """
    result = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or ":" not in fields[1]:
            continue
        state = fields[3].upper()
        if listen_only and state != TCP_LISTEN:
            continue
        hex_address, hex_port = fields[1].split(":", 1)
        try:
            ip = decode_proc_address(hex_address, byteorder)
            port = int(hex_port, 16)
            inode = int(fields[9])
        except ValueError:
            continue
        result.append({"address": format_ip(ip), "port": port, "family": family,
                       "inode": inode, "state": state})
    return result


def parse_proc_net_unix_listening(text):
    """Paths of listening unix sockets in /proc/net/unix (abstract ones left out)."""
    paths = []
    for line in (text or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            flags = int(fields[3], 16)
        except ValueError:
            continue
        path = " ".join(fields[7:])
        if flags & UNIX_ACCEPTCON and path.startswith("/") and path not in paths:
            paths.append(path)
    return paths


_SS_LOCAL_RE = re.compile(r"^\S+\s+\S+\s+\S+\s+(\S+):(\d+)\s")
_SS_PROCESS_RE = re.compile(r'\("([^"]*)",pid=(\d+)')


def parse_ss_listeners(lines):
    """``ss -H -l -t -n -p`` lines into [{local, address, port, processes: [(name, pid)]}].

    ``local`` is the address as ss prints it (``[::]``, ``*``, ``127.0.0.1``, ``[fe80::1]%eth0``),
    ``address`` the same without brackets and zone. ``processes`` is empty when ss cannot
    name the owner (another network namespace, or no root).
    """
    result = []
    for line in lines or []:
        match = _SS_LOCAL_RE.search(line)
        if not match:
            continue
        address = re.sub(r"%.*$", "", match.group(1))
        address = re.sub(r"^\[(.*)\]$", r"\1", address)
        result.append({"local": match.group(1), "address": address, "port": int(match.group(2)),
                       "processes": [(name, int(pid)) for name, pid in _SS_PROCESS_RE.findall(line)]})
    return result


def addresses_overlap(have, want):
    """Whether a listener on ``have`` keeps a new one on ``want`` (same port) from binding.

    A wildcard (``*``, ``::``) takes every address; ``0.0.0.0`` every IPv4 address.
    """
    return (have == want or have in ("*", "::") or want in ("*", "::")
            or (have == "0.0.0.0" and ":" not in want) or (want == "0.0.0.0" and ":" not in have))


def parse_socket_inode(link):
    """``socket:[55166]`` (a /proc/PID/fd link) -> 55166, anything else -> None."""
    match = re.match(r"^socket:\[(\d+)\]$", link or "")
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- certificates

_MONTHS = {m: i + 1 for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))}
_ENDDATE_RE = re.compile(
    r"notAfter=(?P<mon>[A-Z][a-z]{2})\s+(?P<day>\d{1,2})\s+(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})"
    r"(?:\.\d+)?\s+(?P<year>\d{4})\s+GMT")


def parse_openssl_enddate(text):
    """``notAfter=Dec  8 08:42:05 2026 GMT`` (openssl x509 -enddate) -> aware datetime."""
    match = _ENDDATE_RE.search(text or "")
    if not match or match.group("mon") not in _MONTHS:
        return None
    return datetime.datetime(
        int(match.group("year")), _MONTHS[match.group("mon")], int(match.group("day")),
        int(match.group("h")), int(match.group("m")), int(match.group("s")),
        tzinfo=datetime.timezone.utc)


def files_newer_than(mtimes, started_at):
    """Paths whose modification time (epoch seconds) is later than ``started_at``.

    ``mtimes`` maps path -> mtime (None for a missing file, which is skipped). Used to tell
    that a unit runs with an older configuration than the files on disk, e.g. after a run
    that wrote them was stopped before its restart.
    """
    if started_at is None:
        return []
    return sorted(path for path, mtime in mtimes.items() if mtime is not None and mtime > started_at)


def monotonic_to_epoch(monotonic_usec, now_epoch, now_monotonic):
    """Turn systemd's *TimestampMonotonic (µs since boot) into epoch seconds; None for 0/None."""
    if not monotonic_usec:
        return None
    return now_epoch - (now_monotonic - monotonic_usec / 1e6)

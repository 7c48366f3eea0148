# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""dockerd's command-line flags: the one parser and the one flag/daemon.json clash table.

dockerd refuses to start when a directive is given both as a flag and in daemon.json
("the following directives are specified both as a flag and in the configuration file").
It compares a flag's long name with the daemon.json key of the same name, except for the
"named options", whose key differs from the flag (``--label`` -> ``labels``), and except for
``runtimes``, which it merges with ``--add-runtime`` instead of refusing. Measured on
docker.io 20.10.24 (Debian 12) and 26.1.5 (Debian 13), see tests/unit/.../test_dockerd_flags.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shlex

# Flags whose daemon.json key differs from the flag name (dockerd "named options"). Any
# other long flag clashes with the daemon.json key of the same name.
NAMED_OPTION_KEYS = {
    "host": "hosts",
    "label": "labels",
    "storage-opt": "storage-opts",
    "insecure-registry": "insecure-registries",
    "registry-mirror": "registry-mirrors",
    "exec-opt": "exec-opts",
    "log-opt": "log-opts",
    "dns-opt": "dns-opts",
    "default-ulimit": "default-ulimits",
    "authorization-plugin": "authorization-plugins",
    "default-address-pool": "default-address-pools",
    "node-generic-resource": "node-generic-resources",
    "cdi-spec-dir": "cdi-spec-dirs",
    "cluster-store-opt": "cluster-store-opts",
    "add-runtime": "runtimes",
}
# daemon.json keys dockerd accepts next to their flag (no "specified both" error).
NO_CLASH_KEYS = frozenset(["runtimes"])
# One-letter flags of dockerd and the long name they stand for.
SHORT_FLAGS = {
    "H": "host", "D": "debug", "G": "group", "l": "log-level", "s": "storage-driver",
    "b": "bridge", "p": "pidfile", "g": "graph",
}
# One-letter flags that take a value (-Hvalue, -H value).
SHORT_VALUE_FLAGS = frozenset(["H", "G", "l", "s", "b", "p", "g"])
# Flags that never take a separate value (Go booleans: only --flag or --flag=value).
BOOL_FLAGS = frozenset([
    "tls", "tlsverify", "debug", "D", "experimental", "live-restore", "icc", "ip-forward",
    "ip-masq", "iptables", "ip6tables", "ipv6", "userland-proxy", "selinux-enabled",
    "no-new-privileges", "init", "raw-logs", "validate", "version", "v", "help",
    "rootless", "disable-legacy-registry", "userns-remap-disabled",
])
# Flags known to take a value: the next word is theirs even when it starts with "-".
VALUE_FLAGS = frozenset(["host"])


def daemon_json_key(name):
    """The daemon.json key of a flag's long name (``label`` -> ``labels``)."""
    return NAMED_OPTION_KEYS.get(name, name)


def tokens(argv):
    """Walk ``argv[1:]`` and yield (name, value, words) per flag or other word.

    ``name`` is the flag's long name (None for a word that is not a flag), ``value`` its
    value (None for a boolean given bare, "" for a value flag given last), ``words`` the
    words of argv it used, as written. Accepts ``--flag value``, ``--flag=value``,
    ``-H value``, ``-H=value`` and ``-Hvalue``; after ``--`` every word is positional.
    """
    args = list(argv or [])[1:]
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg == "--":
            for word in args[index - 1:]:
                yield None, None, [word]
            return
        name = value = None
        if arg.startswith("--"):
            name = arg[2:]
            if "=" in name:
                name, value = name.split("=", 1)
        elif arg.startswith("-") and len(arg) > 1:
            short = arg[1]
            name = SHORT_FLAGS.get(short, short)
            rest = arg[2:]
            if rest.startswith("="):
                value = rest[1:]
            elif rest and short in SHORT_VALUE_FLAGS:
                value = rest
            # else: a cluster of boolean shorthands such as -D; nothing we need.
        if not name:
            yield None, None, [arg]
            continue
        words = [arg]
        if value is None and name not in BOOL_FLAGS:
            # A following word that looks like a flag is not taken as the value of a flag
            # this table does not know: that keeps a boolean such as --cri-containerd from
            # hiding the next -H.
            if index < len(args) and (name in VALUE_FLAGS or not args[index].startswith("-")):
                value = args[index]
                words.append(value)
                index += 1
            else:
                value = ""
        yield name, value, words


def split_hosts(argv):
    """Return (hosts, rest): the -H/--host values of ``argv[1:]`` and every other word."""
    hosts, rest = [], []
    for name, value, words in tokens(argv):
        if name == "host":
            hosts.append(value)
        else:
            rest.extend(words)
    return hosts, rest


def parse_args(argv):
    """Extract what matters for exposure from a dockerd argv (binary first).

    Returns {hosts, tls, tlsverify, tlscacert, tlscert, tlskey, config_file, flags}:
    hosts in order; tls/tlsverify None when not given, else the boolean; the file flags
    None when not given; flags is the list of daemon.json keys the flags given correspond
    to (for dockerd's "specified both as a flag and in the configuration file" check).
    """
    result = {"hosts": [], "tls": None, "tlsverify": None, "tlscacert": None,
              "tlscert": None, "tlskey": None, "config_file": None, "flags": []}
    for name, value, _words in tokens(argv):
        if name is None:
            continue
        key = daemon_json_key(name)
        if key not in result["flags"]:
            result["flags"].append(key)
        if name in ("tls", "tlsverify"):
            result[name] = True if value is None else parse_go_bool(value)
        elif name == "host":
            result["hosts"].append(value)
        elif name in ("tlscacert", "tlscert", "tlskey"):
            result[name] = value
        elif name == "config-file":
            result["config_file"] = value
    return result


def parse_go_bool(value):
    """Go's strconv.ParseBool, as dockerd's boolean flags use it; None when invalid."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


def clashes(flag_keys, content):
    """daemon.json keys of ``content`` also given as flags (dockerd refuses to start)."""
    if not isinstance(content, dict):
        return []
    return [key for key in flag_keys if key in content and key not in NO_CLASH_KEYS]


def command_line_clashes(command_line, content):
    """clashes() for an ExecStart command line given as text (shell-quoted words)."""
    try:
        argv = shlex.split(command_line or "")
    except ValueError:
        argv = (command_line or "").split()
    return clashes(parse_args(argv)["flags"], content)

# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""dockerd command lines: which listeners a unit's ExecStart gives, and how to rewrite it.

The daemon role keeps the packaged ExecStart (the host's real dockerd path, Debian's
$DOCKER_OPTS, Docker's --containerd=...) and only replaces its listeners, so that every
listener comes from docker.socket and `hosts` never clashes with daemon.json.
"""

from __future__ import annotations

import shlex

_HOST_FLAGS = ("-H", "--host")


def split_hosts(argv):
    """Return (hosts, rest): the -H/--host values of ``argv[1:]`` and every other argument."""
    hosts, rest = [], []
    args = list(argv[1:])
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _HOST_FLAGS:
            if i + 1 < len(args):
                hosts.append(args[i + 1])
            i += 2
            continue
        matched = False
        for flag in _HOST_FLAGS:
            if arg.startswith(flag + "="):
                hosts.append(arg[len(flag) + 1:])
                matched = True
            elif flag == "-H" and arg.startswith("-H") and len(arg) > 2 and not arg.startswith("--"):
                hosts.append(arg[2:])
                matched = True
            if matched:
                break
        if not matched:
            rest.append(arg)
        i += 1
    return hosts, rest


def exec_start(packaged_argv, dockerd_path=None, hosts=("fd://",)):
    """Render an ExecStart value: the packaged command line with its listeners replaced.

    ``packaged_argv`` is the argv of the unit file's own ExecStart (variables such as
    $DOCKER_OPTS are kept for systemd to expand); ``dockerd_path`` overrides argv[0].
    """
    if not packaged_argv:
        raise ValueError("the packaged ExecStart of docker.service is empty; is docker installed?")
    _, rest = split_hosts(packaged_argv)
    path = dockerd_path or packaged_argv[0]
    words = [path]
    for host in hosts:
        words += ["-H", host]
    words += rest
    return " ".join(_quote(w) for w in words)


def _quote(word):
    # systemd expands $VAR and ${VAR} itself: keep them bare so it still does.
    if word.startswith("$") and " " not in word:
        return word
    return shlex.quote(word)

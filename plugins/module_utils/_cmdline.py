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

# The one -H parser, shared with exposure_info.
from ansible_collections.dockerd.exposure.plugins.module_utils._dockerd_flags import split_hosts

__all__ = ["exec_start", "split_hosts"]


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

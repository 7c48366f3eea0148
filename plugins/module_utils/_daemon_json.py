# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""Pure logic for /etc/docker/daemon.json: parse, merge owned keys, render.

dockerd reads daemon.json as one JSON object. We only ever touch the keys a task names,
so keys written by the operator or another tool survive every run.
"""

from __future__ import annotations

import json

from ansible_collections.dockerd.exposure.plugins.module_utils._dockerd_flags import daemon_json_key

# The keys of the flags every docker.service ExecStart the daemon role writes carries
# (-H fd://): set in daemon.json too, dockerd refuses to start with "the following
# directives are specified both as a flag and in the configuration file".
FLAG_CLASHES = (daemon_json_key("host"),)


class DaemonJsonError(ValueError):
    """daemon.json exists but cannot be used as dockerd's configuration."""


def parse(text, path="/etc/docker/daemon.json"):
    """Return the configuration object held in ``text`` ({} for an empty file)."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DaemonJsonError(
            "%s is not valid JSON (%s); fix or remove the file by hand, dockerd would not "
            "start with it either." % (path, exc)
        )
    if not isinstance(data, dict):
        raise DaemonJsonError(
            "%s holds a JSON %s, not an object; dockerd needs an object such as "
            '{"live-restore": true}.' % (path, type(data).__name__)
        )
    return data


def merge(current, set_keys=None, remove_keys=None):
    """Return a new dict: ``current`` with ``set_keys`` applied and ``remove_keys`` gone."""
    result = dict(current)
    for key, value in (set_keys or {}).items():
        result[key] = value
    for key in remove_keys or ():
        result.pop(key, None)
    return result


def render(data):
    """Render the way dockerd's docs show it: two-space indent, keys sorted, final newline."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def changed_keys(before, after):
    """Sorted names of the keys whose presence or value differs."""
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k, _MISSING) != after.get(k, _MISSING))


_MISSING = object()

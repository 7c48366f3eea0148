#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: daemon_files
short_description: Write a daemon host's managed files and daemon.json keys in one call
version_added: 0.2.0
description:
  - Writes every file the daemon role manages (the docker.socket and docker.service drop-ins,
    the plain TCP units, the firewall rules and unit) with the content the plan computed, removes
    those the plan drops, and sets and removes the daemon.json keys the role owns, keeping the
    others, in one module call.
  - Files are written atomically (a temporary file in the same directory, then a rename), owned
    by root:root with mode 0644; a file whose content and mode already match is not touched.
  - Reports which paths changed and, with C(--diff), the difference of each.
author:
  - dockerd.exposure developers
options:
  files:
    description:
      - Path to the content to write there; a null content removes the file.
    type: dict
    required: true
  validate:
    description:
      - Path to a command that must accept the new content before it goes in place; C(%s) is
        the temporary file (for example C(nft --check --file %s)).
    type: dict
    default: {}
  remove_dirs:
    description: Directories removed with what they hold (the firewall's own directory).
    type: list
    elements: path
    default: []
  daemon_json:
    description: The daemon.json keys to set (C(set)) and to remove (C(remove)); C(path) defaults to /etc/docker/daemon.json.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    description: Reports what would change, and the diff, without writing.
  diff_mode:
    support: full
    description: One diff per changed file, daemon.json included.
  platform:
    platforms: [posix]
    description: Linux daemon hosts.
seealso:
  - module: dockerd.exposure.daemon_json
  - module: dockerd.exposure.exposure_plan
"""

EXAMPLES = r"""
---
- name: Write what the plan computed
  dockerd.exposure.daemon_files:
    files: "{{ plan.daemon.files }}"
    validate:
      /etc/dockerd-exposure/firewall.nft: nft --check --file %s
    daemon_json: "{{ plan.daemon.daemon_json }}"
  become: true
"""

RETURN = r"""
changed_paths:
  description: The paths written or removed (daemon.json included), sorted.
  returned: always
  type: list
  elements: str
  sample: ["/etc/docker/daemon.json", "/etc/systemd/system/docker.socket.d/50-dockerd-exposure.conf"]
changed_keys:
  description: The daemon.json keys whose presence or value changed.
  returned: always
  type: list
  elements: str
  sample: ["live-restore"]
"""

import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.dockerd.exposure.plugins.module_utils._daemon_json import (
    DaemonJsonError,
    changed_keys,
    merge,
    parse,
    render,
)

MODE = 0o644


def _read(path):
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except (IOError, OSError) as exc:
        if getattr(exc, "errno", None) == 2:
            return None
        raise


def _owned_right(path):
    st = os.stat(path)
    return st.st_uid == 0 and st.st_gid == 0 and (st.st_mode & 0o7777) == MODE


def _write(module, path, content, validate):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    with os.fdopen(fd, "wb") as handle:
        handle.write(to_bytes(content))
    if validate:
        rc, out, err = module.run_command(validate % tmp)
        if rc != 0:
            os.unlink(tmp)
            module.fail_json(msg="The new %s was refused by '%s' (rc %d): %s. Nothing was written."
                             % (path, validate, rc, (err or out).strip()))
    os.chmod(tmp, MODE)
    os.chown(tmp, 0, 0)
    module.atomic_move(tmp, path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="dict", required=True),
            validate=dict(type="dict", default={}),
            remove_dirs=dict(type="list", elements="path", default=[]),
            daemon_json=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    params = module.params
    changed, diffs = [], []
    for path in sorted(params["files"]):
        content = params["files"][path]
        before = _read(path)
        if content is None:
            if before is not None:
                changed.append(path)
                diffs.append(dict(before_header=path, after_header=path, before=before, after=""))
                if not module.check_mode:
                    os.unlink(path)
            continue
        if before == content and _owned_right(path):
            continue
        changed.append(path)
        diffs.append(dict(before_header=path, after_header=path, before=before or "", after=content))
        if not module.check_mode:
            _write(module, path, content, params["validate"].get(path))

    for directory in params["remove_dirs"]:
        if os.path.isdir(directory):
            changed.append(directory)
            diffs.append(dict(before_header=directory, after_header=directory,
                              before={"path": directory, "state": "directory"},
                              after={"path": directory, "state": "absent"}))
            if not module.check_mode:
                shutil.rmtree(directory)

    keys = []
    wanted = params["daemon_json"]
    if wanted:
        path = wanted.get("path") or "/etc/docker/daemon.json"
        before_text = _read(path) or ""
        try:
            before = parse(before_text, path)
        except DaemonJsonError as exc:
            module.fail_json(msg=to_native(exc))
        after = merge(before, wanted.get("set") or {}, wanted.get("remove") or [])
        keys = changed_keys(before, after)
        if keys:
            changed.append(path)
            diffs.append(dict(before_header=path, after_header=path, before=before_text, after=render(after)))
            if not module.check_mode:
                _write(module, path, render(after), None)

    result = dict(changed=bool(changed), changed_paths=sorted(changed), changed_keys=keys)
    if module._diff and diffs:
        result["diff"] = diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()

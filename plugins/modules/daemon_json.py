#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_json
short_description: Set or remove keys in the Docker daemon's daemon.json, keeping the others
description:
  - Reads C(/etc/docker/daemon.json) (or O(path)), sets the keys in O(set), removes the keys
    in O(remove) and writes the file back atomically when anything differs.
  - Keys that the task does not name are kept as they are, so settings written by the
    operator or by another tool (for example C(storage-driver)) survive.
  - The file is rendered with two-space indentation and sorted keys; a file that only
    differs in formatting is rewritten only when a key changes.
  - A file that exists but is not a JSON object fails the task without writing anything.
version_added: 0.1.0
author: dockerd.exposure developers
options:
  path:
    description: Path of the daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  set:
    description: Keys to set, with their values (any JSON value).
    type: dict
    default: {}
  remove:
    description: Keys to remove when present.
    type: list
    elements: str
    default: []
  validate:
    description:
      - Command run on the candidate file before it replaces the old one; V(%s) stands for the
        candidate's path. With Docker 23 and later use V(dockerd --validate --config-file %s).
      - When the command fails the file is left untouched and the task fails with its output.
    type: str
  mode:
    description: File mode of the written file.
    type: raw
    default: "0644"
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - >-
    Do not put C(hosts) here while docker.service starts dockerd with C(-H fd://). dockerd then
    refuses to start with "the following directives are specified both as a flag and in the
    configuration file: hosts". The module refuses to set it and says so.
"""

EXAMPLES = r"""
---
- name: Keep containers running while dockerd restarts
  dockerd.exposure.daemon_json:
    set:
      live-restore: true

- name: Drop a hosts key that clashes with socket activation
  dockerd.exposure.daemon_json:
    remove: [hosts]

- name: Set TLS keys, validated by dockerd itself (Docker >= 23)
  dockerd.exposure.daemon_json:
    set:
      tlsverify: true
      tlscacert: /etc/docker/tls/ca.pem
      tlscert: /etc/docker/tls/server-cert.pem
      tlskey: /etc/docker/tls/server-key.pem
    validate: dockerd --validate --config-file %s
"""

RETURN = r"""
config:
  description: The configuration object after the task (as it would be in check mode).
  returned: success
  type: dict
  sample: {"live-restore": true, "storage-driver": "vfs"}
changed_keys:
  description: Names of the keys that were added, changed or removed.
  returned: success
  type: list
  elements: str
  sample: ["live-restore"]
diff:
  description: The file before and after, for C(--diff).
  returned: when changed and diff mode is on
  type: dict
  sample: {"before": "{}\n", "after": "{\n  \"live-restore\": true\n}\n"}
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dockerd.exposure.plugins.module_utils._daemon_json import (
    FLAG_CLASHES,
    DaemonJsonError,
    changed_keys,
    merge,
    parse,
    render,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", default="/etc/docker/daemon.json"),
            set=dict(type="dict", default={}),
            remove=dict(type="list", elements="str", default=[]),
            validate=dict(type="str"),
            mode=dict(type="raw", default="0644"),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    set_keys = module.params["set"]
    remove_keys = module.params["remove"]

    clash = sorted(set(set_keys) & set(FLAG_CLASHES))
    if clash:
        module.fail_json(
            msg="set names %s, which dockerd refuses when docker.service passes -H fd://; "
            "configure listeners with the daemon role's dockerd_expose instead." % ", ".join(clash)
        )
    both = sorted(set(set_keys) & set(remove_keys))
    if both:
        module.fail_json(msg="%s is both in set and in remove; name each key once." % ", ".join(both))

    before_text = ""
    if os.path.exists(path):
        with open(path, "rb") as handle:
            before_text = to_native(handle.read())
    try:
        before = parse(before_text, path)
    except DaemonJsonError as exc:
        module.fail_json(msg=to_native(exc))

    after = merge(before, set_keys, remove_keys)
    keys = changed_keys(before, after)
    after_text = render(after)
    result = dict(changed=bool(keys), config=after, changed_keys=keys)
    if keys and module._diff:
        result["diff"] = dict(before=before_text, after=after_text, before_header=path, after_header=path)

    if keys and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix=".daemon.json.", dir=directory)
        with os.fdopen(fd, "w") as handle:
            handle.write(after_text)
        if module.params["validate"]:
            rc, out, err = module.run_command(module.params["validate"] % tmp, use_unsafe_shell=False)
            if rc != 0:
                os.unlink(tmp)
                module.fail_json(
                    msg="The new %s was refused by '%s' (rc %d): %s. Nothing was written."
                    % (path, module.params["validate"], rc, (err or out).strip()),
                    config=after,
                )
        module.set_mode_if_different(tmp, module.params["mode"], False)
        module.atomic_move(tmp, path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: docker_context
short_description: Create, update and remove a Docker CLI context
version_added: 0.1.0
description:
  - Manages one Docker CLI context (C(docker context create/update/rm)) in a
    E(DOCKER_CONFIG) directory, so that C(docker --context NAME ...) reaches a daemon over
    C(unix://), C(tcp://) (optionally with TLS) or C(ssh://).
  - Writes go through the real C(docker) CLI; the current state is read with
    C(docker context inspect NAME) and by comparing the TLS copies the CLI keeps under
    C(DOCKER_CONFIG/contexts/tls/SHA256_OF_NAME/docker/) with the source files, so a
    renewed certificate or key at the same path is picked up on the next run.
  - The endpoint is declarative. O(docker_host), O(ca_path), O(client_cert),
    O(client_key) and O(skip_tls_verify) together describe it; TLS material that is not
    given is removed from an existing context.
  - Runs on the host that uses the context (a client host); TLS files are read there.
author:
  - dockerd.exposure developers
options:
  name:
    description:
      - Name of the context, as used with C(docker --context NAME) and C(docker context use NAME).
      - Docker allows names matching C(^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$); C(default) is
        reserved by the CLI and cannot be managed.
    type: str
    required: true
  state:
    description:
      - V(present) creates the context or brings it in line with the options.
      - V(absent) removes it (C(docker context rm -f)). Removing the current context makes
        the CLI fall back to C(default).
    type: str
    choices: [present, absent]
    default: present
  docker_host:
    description:
      - Docker endpoint of the context, for example V(unix:///var/run/docker.sock),
        V(tcp://docker1.example.org:2376) or V(ssh://deploy@docker1.example.org).
      - Stored exactly as given; the CLI does not normalise it.
      - Required when O(state=present).
    type: str
  description:
    description:
      - Free-text description shown by C(docker context ls).
      - When omitted, an existing description is left as it is.
      - An empty string removes the description. The CLI cannot do that with
        C(docker context update) (it ignores an empty description, in 20.10 and 28.x
        alike), so the module then exports the context to a temporary backup, removes it
        and creates it again, restores the backup if the creation fails, and makes the
        context current again if it was.
    type: str
  ca_path:
    description:
      - CA certificate that the daemon's server certificate must chain to (C(ca=) of
        C(--docker)). A file on the host where the module runs.
      - The CLI copies it into the context; the module compares the copy with this file
        on every run.
    type: path
  client_cert:
    description:
      - Client certificate presented to the daemon for mutual TLS (C(cert=) of C(--docker)).
        A file on the host where the module runs.
      - Must be given together with O(client_key).
    type: path
  client_key:
    description:
      - Private key of O(client_cert) (C(key=) of C(--docker)). A file on the host where the
        module runs.
      - The key contents are never returned; diffs and return values show a sha256
        fingerprint. The stored copy is kept at mode 0600 (the CLI writes it so; a wider
        mode found later is narrowed and reported as a change).
    type: path
  skip_tls_verify:
    description:
      - Do not verify the daemon's certificate (C(skip-tls-verify=true)). Only for labs.
    type: bool
    default: false
  docker_cli:
    description:
      - Path of the C(docker) CLI binary.
      - Defaults to the first C(docker) on E(PATH). Debian 12 ships it in C(docker.io),
        Debian 13 in C(docker-cli).
    type: path
  user:
    description:
      - The account whose contexts these are. The docker CLI runs as this account, so
        everything it writes is that account's own, and O(docker_config) defaults to its
        C(~/.docker).
      - When it is not the account running the module, the module must run as root
        (C(become=true)); it then starts the CLI with C(setpriv) (util-linux) under the
        account's user, group and supplementary groups, with E(HOME) set to its home. This
        needs no C(become_user), so neither the C(acl) package nor pipelining.
      - Defaults to the account running the module.
    type: str
  docker_config:
    description:
      - The E(DOCKER_CONFIG) directory holding the contexts.
      - Defaults to C(~/.docker) of O(user), else of the account running the module.
      - E(DOCKER_CONTEXT) and E(DOCKER_HOST) are removed from the environment of the CLI
        calls, so that a stale setting cannot break them (docker 20.10 refuses every
        C(docker context) command when E(DOCKER_CONTEXT) names a missing context, and
        treats an empty E(DOCKER_CONTEXT) as set).
    type: path
notes:
  - Tested with the docker CLI 20.10 (Debian 12 C(docker.io)) and 28.x. Both copy TLS files
    into the context with mode 0600, replace the whole endpoint on
    C(docker context update --docker), and differ in C(docker context rm -f) of a missing
    context (exit 0 on 28.x, 1 on 20.10); the module only removes contexts that exist.
  - C(ssh://) contexts need a working C(ssh) login (known host key, key or agent) and
    C(docker) on the remote user's E(PATH); this module does not connect to the endpoint.
    Use M(dockerd.exposure.endpoint_check) to prove it answers.
seealso:
  - module: dockerd.exposure.endpoint_check
  - name: Docker contexts
    description: The Docker CLI documentation on contexts.
    link: https://docs.docker.com/engine/manage-resources/contexts/
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
"""

EXAMPLES = r"""
---
- name: Give the local daemon a named context
  dockerd.exposure.docker_context:
    name: local
    docker_host: unix:///var/run/docker.sock
    description: Local dockerd over the unix socket

- name: Reach docker1 over mutual TLS with the bundle issued by dockerd.exposure.tls
  dockerd.exposure.docker_context:
    name: docker1-tls
    docker_host: tcp://docker1.example.org:2376
    description: docker1 over TLS
    ca_path: /home/deploy/.docker/docker1/ca.pem
    client_cert: /home/deploy/.docker/docker1/cert.pem
    client_key: /home/deploy/.docker/docker1/key.pem
    user: deploy  # written by the docker CLI running as deploy
  become: true

- name: Reach docker1 over ssh
  dockerd.exposure.docker_context:
    name: docker1-ssh
    docker_host: ssh://deploy@docker1.example.org

- name: Use the docker CLI from Debian 12 and a separate config directory
  dockerd.exposure.docker_context:
    name: ci
    docker_host: unix:///run/docker.sock
    docker_cli: /usr/bin/docker
    docker_config: /srv/ci/.docker

- name: Remove a context
  dockerd.exposure.docker_context:
    name: docker1-tls
    state: absent
"""

RETURN = r"""
context:
  description:
    - The context after the run, as read back with C(docker context inspect); in check
      mode, as predicted. Empty when the context does not exist.
    - TLS material appears only as file names and sha256 fingerprints of the stored copies.
  returned: always
  type: dict
  sample:
    name: docker1-tls
    description: docker1 over TLS
    docker_host: tcp://docker1.example.org:2376
    skip_tls_verify: false
    tls_material: [ca.pem, cert.pem, key.pem]
    tls_fingerprints:
      ca: "sha256:5b1c0e0f9a52f4b1d3e0a7c4e6f1b2a3c4d5e6f708192a3b4c5d6e7f8091a2b3"
      cert: "sha256:0d2b8e3f6a7c9e1d2f3a4b5c6d7e8f9012a3b4c5d6e7f8091a2b3c4d5e6f7081"
      key: "sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"
    key_mode: "0600"
    current: false
    metadata_path: /home/deploy/.docker/contexts/meta/c41059822da6f146654d3dc906fa443059527b83c28959b169785b7223a4d88b
    tls_path: /home/deploy/.docker/contexts/tls/c41059822da6f146654d3dc906fa443059527b83c28959b169785b7223a4d88b
commands:
  description:
    - The C(docker context) argv lists the module ran, in order, or in check mode would run.
    - Narrowing the mode of a stored key file is done without the CLI and is not listed.
  returned: always
  type: list
  elements: list
  sample:
    - [/usr/local/bin/docker, context, update, docker1-tls, --description, docker1 over TLS]
diff:
  description:
    - The context before and after, with TLS material shown as sha256 fingerprints only.
  returned: always
  type: dict
  contains:
    before:
      description: State before the run (C(state=absent) when the context did not exist).
      type: dict
      returned: always
    after:
      description: State after the run, or the predicted state in check mode.
      type: dict
      returned: always
  sample:
    before:
      state: present
      name: local
      description: old text
      docker_host: unix:///var/run/docker.sock
      skip_tls_verify: false
      tls: {ca: null, cert: null, key: null}
      key_mode: null
    after:
      state: present
      name: local
      description: Local dockerd over the unix socket
      docker_host: unix:///var/run/docker.sock
      skip_tls_verify: false
      tls: {ca: null, cert: null, key: null}
      key_mode: null
"""

import os
import pwd
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.dockerd.exposure.plugins.module_utils._docker_context import (
    KEY_MODE,
    TLS_FILES,
    TLS_KINDS,
    TLS_OPTIONS,
    ContextError,
    commands_for,
    context_view,
    current_context_name,
    current_state,
    desired_state,
    docker_host_error,
    endpoint_differences,
    import_argv,
    inspected_paths,
    mode_too_wide,
    name_error,
    parse_inspect,
    plan,
    stored_tls_file,
    stored_tls_names,
    tls_warnings,
    use_argv,
)


class _Cli(object):
    """Runs the docker CLI against one DOCKER_CONFIG and records what it ran."""

    def __init__(self, module, binary, docker_config, account=None):
        """account: the pwd entry to run the CLI as (the module runs as root), or None."""
        self.module = module
        self.binary = binary
        self.account = account
        # A stale DOCKER_CONTEXT breaks every `docker context` command of docker 20.10, and an
        # empty one still counts as set there (os.LookupEnv): `rm -f` of the current context
        # then leaves currentContext dangling. So both variables are removed, not blanked.
        for variable in ("DOCKER_CONTEXT", "DOCKER_HOST"):
            os.environ.pop(variable, None)
        self.environ = {"DOCKER_CONFIG": docker_config}
        self.prefix = []
        self.cwd = None
        if account is not None:
            self.prefix = as_account_argv(_find_setpriv(module), account.pw_name)
            self.environ.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)
            self.cwd = "/"  # the module's own working directory may be closed to the account
        self.ran = []

    def _run(self, argv):
        return self.module.run_command(self.prefix + argv, environ_update=self.environ, cwd=self.cwd)

    def read(self, argv):
        return self._run(argv)

    def write(self, argv, what):
        self.ran.append(argv)
        rc, out, err = self._run(argv)
        if rc != 0:
            raise ContextError(
                "%s failed with exit code %s: %s" % (what, rc, (err or out).strip())
            )
        return out

    def narrow_key_mode(self, path):
        """chmod 0600 the stored key, as the account: root never changes a file it is shown."""
        if self.account is None:
            os.chmod(path, KEY_MODE)
            return
        rc, out, err = self.module.run_command(self.prefix + ["chmod", "%o" % KEY_MODE, path], cwd=self.cwd)
        if rc != 0:
            raise ContextError("chmod %o %s as %s failed with exit code %s: %s"
                               % (KEY_MODE, path, self.account.pw_name, rc, (err or out).strip()))


def _find_setpriv(module):
    found = module.get_bin_path("setpriv")
    if not found:
        module.fail_json(
            msg="setpriv was not found on the host where the module runs, and the docker CLI must "
                "run as user '%s'; install util-linux, or run the module as that account."
                % module.params["user"]
        )
    return found


def _account(module):
    """The pwd entry the CLI must switch to, or None when it runs as the module's account."""
    user = module.params["user"]
    if not user:
        return None
    try:
        account = pwd.getpwnam(user)
    except KeyError:
        module.fail_json(msg="user '%s' has no account on the host where the module runs; create "
                             "the account first, or name an existing one." % user)
    euid = os.geteuid()
    if account.pw_uid == euid:
        return None
    if euid != 0:
        module.fail_json(
            msg="user '%s' is not the account running the module (%s), which is not root either, so "
                "the docker CLI cannot run as '%s'; run the module as root (become: true) or as '%s'."
                % (user, pwd.getpwuid(euid).pw_name, user, user)
        )
    return account


def _find_cli(module):
    path = module.params["docker_cli"]
    if path:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            module.fail_json(
                msg="docker_cli '%s' is not an executable file on the host where the module "
                    "runs; point it at the docker binary (e.g. /usr/bin/docker) or omit it to "
                    "use the docker found on PATH." % path
            )
        return path
    found = module.get_bin_path("docker")
    if not found:
        module.fail_json(
            msg="The docker CLI was not found on the PATH of the host where the module runs; "
                "install the package docker.io (Debian 12) or docker-cli (Debian 13), or set "
                "docker_cli to the path of the docker binary."
        )
    return found


def _default_docker_config(user):
    entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    return os.path.join(entry.pw_dir, ".docker")


def _read_file(module, what, path, fix):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        module.fail_json(msg="%s '%s' cannot be read on the host where the module runs (%s); %s"
                             % (what, path, to_native(exc.strerror or exc), fix))


_SOURCE_FIX = "TLS files must exist on that host, not only on the controller: copy them there first."
_STORED_FIX = ("run the module as root with user set to the account that owns docker_config, or "
               "remove the context with state=absent and create it again.")


def _read_current(module, cli, name, docker_config):
    """Inspect the context and read its stored TLS copies; returns (state, paths)."""
    rc, out, err = cli.read([cli.binary, "context", "inspect", name])
    try:
        inspected = parse_inspect(rc, out, err)
    except ContextError as exc:
        module.fail_json(msg="%s; check docker_config '%s' and docker_cli '%s'."
                         % (to_native(exc), docker_config, cli.binary))
    paths = inspected_paths(inspected, docker_config, name)
    stored = dict((kind, None) for kind in TLS_KINDS)
    key_mode = None
    if inspected is not None:
        names = stored_tls_names(inspected)
        for kind in TLS_KINDS:
            if TLS_FILES[kind] in names:
                path = stored_tls_file(paths["tls_path"], kind)
                stored[kind] = _read_file(module, "The stored copy of " + TLS_OPTIONS[kind], path,
                                          _STORED_FIX)
                if kind == "key":
                    key_mode = os.stat(path).st_mode
    return current_state(name, inspected, stored, key_mode), paths


def _is_current(docker_config, name):
    try:
        with open(os.path.join(docker_config, "config.json")) as handle:
            return current_context_name(handle.read()) == name
    except (IOError, OSError):
        return False


def as_account_argv(setpriv, user):
    """The argv prefix that runs a command as ``user``: its uid, gid and supplementary groups."""
    return [setpriv, "--reuid=" + user, "--regid=" + user, "--init-groups", "--"]


def _recreate(cli, commands, name, backup, was_current):
    """export, rm -f, create[, use]: on a failed create, import the backup again."""
    export, remove, create = commands[:3]
    cli.write(export, "docker context export")
    cli.write(remove, "docker context rm")
    try:
        cli.write(create, "docker context create")
    except ContextError as exc:
        try:
            cli.write(import_argv(cli.binary, name, backup), "docker context import")
            if was_current:
                cli.write(use_argv(cli.binary, name), "docker context use")
        except ContextError as restore_exc:
            raise ContextError("%s; restoring the previous context also failed (%s), so it is "
                               "gone: rerun once the cause is fixed to create it" % (exc, restore_exc))
        raise ContextError("%s; the previous context was restored from its export" % exc)
    for argv in commands[3:]:
        cli.write(argv, "docker context use")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            docker_host=dict(type="str"),
            description=dict(type="str"),
            ca_path=dict(type="path"),
            client_cert=dict(type="path"),
            # A path, not key material: the key contents are only hashed, never returned.
            client_key=dict(type="path", no_log=False),
            skip_tls_verify=dict(type="bool", default=False),
            docker_cli=dict(type="path"),
            user=dict(type="str"),
            docker_config=dict(type="path"),
        ),
        required_if=[("state", "present", ["docker_host"])],
        required_together=[("client_cert", "client_key")],
        supports_check_mode=True,
    )
    p = module.params
    name = p["name"]

    error = name_error(name)
    if error:
        module.fail_json(msg=error)
    if p["state"] == "present":
        error = docker_host_error(p["docker_host"])
        if error:
            module.fail_json(msg=error)

    account = _account(module)
    docker_config = os.path.abspath(p["docker_config"] or _default_docker_config(p["user"]))
    cli = _Cli(module, _find_cli(module), docker_config, account)

    tls_paths = {}
    source_tls = dict((kind, None) for kind in TLS_KINDS)
    if p["state"] == "present":
        for kind in TLS_KINDS:
            value = p[TLS_OPTIONS[kind]]
            if value:
                tls_paths[kind] = os.path.abspath(value)
                source_tls[kind] = _read_file(module, TLS_OPTIONS[kind], tls_paths[kind], _SOURCE_FIX)
        for warning in tls_warnings(p["docker_host"], tls_paths, p["skip_tls_verify"]):
            module.warn(warning)

    before, paths = _read_current(module, cli, name, docker_config)
    was_current = _is_current(docker_config, name)

    if p["state"] == "absent":
        desired = {"state": "absent", "name": name}
    else:
        desired = desired_state(name, p["docker_host"], p["description"],
                                p["skip_tls_verify"], source_tls, before)
    the_plan = plan(before, desired)
    changed = the_plan["action"] != "none" or the_plan["fix_key_mode"]
    args = (cli.binary, name, desired.get("description"), p["docker_host"], tls_paths,
            p["skip_tls_verify"])

    if module.check_mode or not changed:
        commands = commands_for(the_plan, *args, is_current=was_current)
        still_current = was_current and the_plan["action"] != "remove"
        module.exit_json(
            changed=changed,
            commands=commands,
            context=context_view(the_plan["after"], paths, still_current),
            diff=dict(before=before, after=the_plan["after"]),
        )

    try:
        if the_plan["action"] == "recreate":
            backup_dir = tempfile.mkdtemp(prefix="docker_context-")  # mode 0700
            try:
                if account is not None:  # the export is written by the CLI, as the account
                    os.chown(backup_dir, account.pw_uid, account.pw_gid)
                backup = os.path.join(backup_dir, "backup.tar")
                commands = commands_for(the_plan, *args, is_current=was_current,
                                        backup_path=backup)
                _recreate(cli, commands, name, backup, was_current)
            finally:
                shutil.rmtree(backup_dir, ignore_errors=True)
        else:
            for argv in commands_for(the_plan, *args, is_current=was_current):
                cli.write(argv, "docker context %s" % argv[2])
    except ContextError as exc:
        module.fail_json(msg="%s; fix what the docker CLI reports and run again (commands "
                             "lists what ran)." % to_native(exc), commands=cli.ran)

    after, paths = _read_current(module, cli, name, docker_config)
    if after["state"] == "present" and after["tls"]["key"]:
        key_file = stored_tls_file(paths["tls_path"], "key")
        if mode_too_wide(os.stat(key_file).st_mode):
            try:
                cli.narrow_key_mode(key_file)
            except ContextError as exc:
                module.fail_json(msg="%s; make the stored key %s readable by its owner only."
                                 % (to_native(exc), key_file), commands=cli.ran)
            after, paths = _read_current(module, cli, name, docker_config)

    if desired["state"] != after["state"]:
        differences = ["state"]
    elif desired["state"] == "present":
        differences = endpoint_differences(after, desired)
        if after["description"] != desired["description"]:
            differences.append("description")
    else:
        differences = []
    if differences:
        module.fail_json(
            msg="After running the docker CLI the context '%s' still differs in %s; the CLI "
                "at '%s' did not apply the change: run the commands shown by hand to see why."
                % (name, ", ".join(differences), cli.binary),
            commands=cli.ran, diff=dict(before=before, after=after),
        )

    module.exit_json(
        changed=True,
        commands=cli.ran,
        context=context_view(after, paths, _is_current(docker_config, name)),
        diff=dict(before=before, after=after),
    )


if __name__ == "__main__":
    main()

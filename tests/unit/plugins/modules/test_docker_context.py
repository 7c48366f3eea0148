# -*- coding: utf-8 -*-
# Copyright: dockerd.exposure developers
# MIT License (see LICENSE)
"""Unit tests for the docker_context module's main() paths.

The docker CLI is replaced by FakeDocker, which keeps contexts in a real temporary
DOCKER_CONFIG the way the CLI does (meta.json, TLS copies with mode 0600, config.json
currentContext) and reproduces the behaviour measured with docker 20.10 and 28.x:
`update --docker` replaces the whole endpoint, `update --description ""` is ignored,
`rm -f` of a missing context fails (20.10), `rm -f` of the current context resets it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import csv
import hashlib
import json
import os
import stat

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.warnings import get_warning_messages
from ansible.module_utils.testing import patch_module_args

from ansible_collections.dockerd.exposure.plugins.modules import docker_context

CLI = "/usr/bin/docker"
SETPRIV = "/usr/bin/setpriv"
CA = b"-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"
CERT = b"-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nsecret-key-material\n-----END PRIVATE KEY-----\n"


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def _cid(name):
    return hashlib.sha256(name.encode()).hexdigest()


class FakeDocker(object):
    """Just enough of `docker context` for the module, backed by files in DOCKER_CONFIG."""

    def __init__(self, config, flavour="20.10"):
        self.config = str(config)
        self.flavour = flavour
        self.calls = []
        self.environments = []
        self.ignore_updates = False
        self.account = None  # the pwd entry every call must switch to (setpriv), or None
        self.chmods = []

    # storage ------------------------------------------------------------------------
    def _meta(self, name):
        return os.path.join(self.config, "contexts", "meta", _cid(name), "meta.json")

    def _tls(self, name):
        return os.path.join(self.config, "contexts", "tls", _cid(name))

    def load(self, name):
        try:
            with open(self._meta(name)) as handle:
                return json.load(handle)
        except IOError:
            return None

    def tls_files(self, name):
        directory = os.path.join(self._tls(name), "docker")
        return sorted(os.listdir(directory)) if os.path.isdir(directory) else []

    def _save(self, name, description, endpoint, files):
        os.makedirs(os.path.dirname(self._meta(name)), exist_ok=True)
        meta = {"Name": name, "Metadata": {"Description": description} if description else {},
                "Endpoints": {"docker": endpoint}}
        with open(self._meta(name), "w") as handle:
            json.dump(meta, handle)
        self._write_tls(name, files)

    def _write_tls(self, name, files):
        directory = os.path.join(self._tls(name), "docker")
        if os.path.isdir(directory):
            for entry in os.listdir(directory):
                os.unlink(os.path.join(directory, entry))
        for filename, data in files.items():
            os.makedirs(directory, mode=0o700, exist_ok=True)
            path = os.path.join(directory, filename)
            with open(path, "wb") as handle:
                handle.write(data)
            os.chmod(path, 0o600)

    def _read_tls(self, name):
        directory = os.path.join(self._tls(name), "docker")
        files = {}
        for entry in self.tls_files(name):
            with open(os.path.join(directory, entry), "rb") as handle:
                files[entry] = handle.read()
        return files

    def _remove(self, name):
        os.unlink(self._meta(name))
        os.rmdir(os.path.dirname(self._meta(name)))
        self._write_tls(name, {})
        if self.current() == name:
            self._set_current(None)

    def current(self):
        try:
            with open(os.path.join(self.config, "config.json")) as handle:
                return json.load(handle).get("currentContext")
        except IOError:
            return None

    def _set_current(self, name):
        data = {"auths": {}}
        if name:
            data["currentContext"] = name
        with open(os.path.join(self.config, "config.json"), "w") as handle:
            json.dump(data, handle)

    def _not_found(self, name):
        if self.flavour == "28":
            return 'context "%s": context not found: open %s: no such file or directory\n' % (
                name, self._meta(name))
        return 'context "%s" does not exist\n' % name

    def _parse_endpoint(self, value):
        fields = next(csv.reader([value]))
        options = dict(field.split("=", 1) for field in fields)
        endpoint = {"Host": options.get("host", ""),
                    "SkipTLSVerify": options.get("skip-tls-verify", "false") == "true"}
        files = {}
        for kind in ("ca", "cert", "key"):
            if options.get(kind):
                with open(options[kind], "rb") as handle:
                    files[kind + ".pem"] = handle.read()
        if b"CERTIFICATE" in files.get("key.pem", b"PRIVATE KEY"):
            raise ValueError("unable to create docker endpoint config: invalid docker endpoint "
                             "options: failed to retrieve context tls info: tls: found a "
                             "certificate rather than a key in the PEM for the private key")
        return endpoint, files

    @staticmethod
    def _flags(args):
        flags = {}
        i = 0
        while i < len(args):
            flags[args[i]] = args[i + 1]
            i += 2
        return flags

    # the CLI ------------------------------------------------------------------------
    def __call__(self, module, args, environ_update=None, cwd=None, **kwargs):
        assert isinstance(args, list), "argv lists only, no shell strings"
        if self.account is None:
            assert args[0] != SETPRIV and cwd is None
            assert environ_update == {"DOCKER_CONFIG": self.config}
        else:
            # Every call runs as the account, from a directory it may enter.
            user = self.account.pw_name
            assert args[:5] == [SETPRIV, "--reuid=" + user, "--regid=" + user, "--init-groups", "--"]
            assert cwd == "/"
            args = args[5:]
            if args[0] == "chmod":
                self.chmods.append(list(args))
                os.chmod(args[2], int(args[1], 8))
                return 0, "", ""
            assert environ_update == {"DOCKER_CONFIG": self.config, "HOME": self.account.pw_dir,
                                      "USER": user, "LOGNAME": user}
        assert "DOCKER_CONTEXT" not in os.environ and "DOCKER_HOST" not in os.environ
        self.calls.append(list(args))
        assert args[0] == CLI and args[1] == "context"
        sub = args[2]
        if sub in ("rm", "use"):
            name, rest = args[-1], args[3:-1]
        else:
            name, rest = args[3], args[4:]
        try:
            return getattr(self, "_" + sub)(name, rest)
        except ValueError as exc:
            return 1, "", str(exc) + "\n"

    def _inspect(self, name, rest):
        meta = self.load(name)
        if meta is None:
            return 1, "[]\n", self._not_found(name)
        meta = dict(meta)
        files = self.tls_files(name)
        meta["TLSMaterial"] = {"docker": files} if files else {}
        meta["Storage"] = {"MetadataPath": os.path.dirname(self._meta(name)), "TLSPath": self._tls(name)}
        return 0, json.dumps([meta], indent=4) + "\n", ""

    def _create(self, name, rest):
        if self.load(name) is not None:
            return 1, "", 'context "%s" already exists\n' % name
        flags = self._flags(rest)
        endpoint, files = self._parse_endpoint(flags["--docker"])
        self._save(name, flags.get("--description", ""), endpoint, files)
        return 0, name + "\n", 'Successfully created context "%s"\n' % name

    def _update(self, name, rest):
        meta = self.load(name)
        if meta is None:
            return 1, "", self._not_found(name)
        if self.ignore_updates:
            return 0, name + "\n", ""
        flags = self._flags(rest)
        description = flags.get("--description") or meta["Metadata"].get("Description", "")
        if "--docker" in flags:
            endpoint, files = self._parse_endpoint(flags["--docker"])
        else:
            endpoint, files = meta["Endpoints"]["docker"], self._read_tls(name)
        self._save(name, description, endpoint, files)
        return 0, name + "\n", 'Successfully updated context "%s"\n' % name

    def _rm(self, name, rest):
        if self.load(name) is None:
            return 1, "", '%s: context "%s" does not exist\n' % (name, name)  # 20.10 with -f
        self._remove(name)
        return 0, name + "\n", ""

    def _export(self, name, rest):
        meta = self.load(name)
        blob = {"meta": meta, "tls": dict((k, base64.b64encode(v).decode())
                                          for k, v in self._read_tls(name).items())}
        with open(rest[0], "w") as handle:
            json.dump(blob, handle)
        return 0, "", 'Written file "%s"\n' % rest[0]

    def _import(self, name, rest):
        with open(rest[0]) as handle:
            blob = json.load(handle)
        meta = blob["meta"]
        self._save(name, meta["Metadata"].get("Description", ""), meta["Endpoints"]["docker"],
                   dict((k, base64.b64decode(v)) for k, v in blob["tls"].items()))
        return 0, name + "\n", 'Successfully imported context "%s"\n' % name

    def _use(self, name, rest):
        self._set_current(name)
        return 0, name + "\n", 'Current context is now "%s"\n' % name

    # helpers for tests ----------------------------------------------------------------
    def writes(self):
        return [c[2] for c in self.calls if c[2] != "inspect"]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Fake CLI, a temp DOCKER_CONFIG and TLS source files; returns a namespace."""
    config = tmp_path / "config"
    pki = tmp_path / "pki"
    pki.mkdir()
    for name, data in (("ca.pem", CA), ("cert.pem", CERT), ("key.pem", KEY)):
        (pki / name).write_bytes(data)
    fake = FakeDocker(config)

    def exit_json(self, **kwargs):
        kwargs.setdefault("changed", False)
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        kwargs["failed"] = True
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, args, **kwargs: fake(self, args, **kwargs))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: SETPRIV if name == "setpriv" else CLI)
    monkeypatch.setattr(docker_context.os.path, "isfile",
                        lambda p: p == CLI or os.path.exists(p) and not os.path.isdir(p))
    real_access = os.access
    monkeypatch.setattr(docker_context.os, "access",
                        lambda p, m: True if p == CLI else real_access(p, m))
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.delenv("DOCKER_HOST", raising=False)

    class Env(object):
        pass

    e = Env()
    e.fake, e.config, e.pki, e.tmp = fake, str(config), pki, tmp_path
    e.tls = {"ca_path": str(pki / "ca.pem"), "client_cert": str(pki / "cert.pem"),
             "client_key": str(pki / "key.pem")}
    return e


def run(env, check_mode=False, diff=False, **params):
    args = {"docker_config": env.config}
    args.update(params)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as caught:
            docker_context.main()
    return caught.value.args[0]


UNIX = dict(name="local", docker_host="unix:///var/run/docker.sock")
TCP = dict(name="tls", docker_host="tcp://127.0.0.1:2376")


# --------------------------------------------------------------------------- input errors

@pytest.mark.parametrize("name", ["a", "-x", "b/c"])
def test_bad_name_fails_naming_it(env, name):
    result = run(env, name=name, docker_host="unix:///var/run/docker.sock")
    assert result["failed"] and ("name '%s'" % name) in result["msg"]
    assert env.fake.calls == []


def test_default_name_is_refused(env):
    result = run(env, name="default", docker_host="unix:///var/run/docker.sock")
    assert result["failed"] and "'default'" in result["msg"]


def test_bad_docker_host_fails(env):
    result = run(env, name="x1", docker_host="http://127.0.0.1:2375")
    assert result["failed"] and "docker_host 'http://127.0.0.1:2375'" in result["msg"]


def test_docker_host_required_when_present(env):
    result = run(env, name="x1")
    assert result["failed"] and "docker_host" in result["msg"]


def test_cert_requires_key(env):
    result = run(env, client_cert=env.tls["client_cert"], **TCP)
    assert result["failed"] and "client_key" in result["msg"]


def test_missing_docker_cli_names_the_packages(env, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", lambda self, name, *a, **k: None)
    result = run(env, **UNIX)
    assert result["failed"]
    assert "docker.io (Debian 12)" in result["msg"] and "docker-cli (Debian 13)" in result["msg"]


def test_docker_cli_not_executable(env):
    result = run(env, docker_cli="/nonexistent/docker", **UNIX)
    assert result["failed"] and "docker_cli '/nonexistent/docker'" in result["msg"]


def test_missing_tls_source_fails_naming_it(env):
    result = run(env, ca_path=str(env.pki / "nope.pem"), **TCP)
    assert result["failed"] and "ca_path '%s'" % (env.pki / "nope.pem") in result["msg"]
    assert "not only on the controller" in result["msg"]
    assert env.fake.writes() == []


def test_inspect_error_fails(env, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, args, **kw: (1, "", "permission denied\n"))
    result = run(env, **UNIX)
    assert result["failed"] and "permission denied" in result["msg"]


def test_tls_on_unix_warns(env):
    result = run(env, ca_path=env.tls["ca_path"], **UNIX)
    assert result["changed"]
    assert any("ca_path" in w and "no effect" in w for w in get_warning_messages())


# --------------------------------------------------------------------------- create / idempotency

def test_create_check_mode_writes_nothing(env):
    result = run(env, check_mode=True, description="d", **UNIX)
    assert result["changed"]
    assert result["commands"] == [[CLI, "context", "create", "local", "--description", "d",
                                   "--docker", "host=unix:///var/run/docker.sock,skip-tls-verify=false"]]
    assert result["context"]["description"] == "d"
    assert result["diff"]["before"] == {"state": "absent", "name": "local"}
    assert env.fake.writes() == []
    assert not os.path.exists(env.config)


def test_create_then_idempotent(env):
    first = run(env, description="d", **UNIX)
    assert first["changed"] and env.fake.writes() == ["create"]
    assert first["context"]["docker_host"] == "unix:///var/run/docker.sock"
    assert first["context"]["metadata_path"].endswith(_cid("local"))
    assert first["diff"]["after"]["description"] == "d"
    env.fake.calls = []
    second = run(env, description="d", **UNIX)
    assert not second["changed"] and second["commands"] == [] and env.fake.writes() == []


def test_create_with_28_not_found_message(env):
    env.fake.flavour = "28"
    result = run(env, **UNIX)
    assert result["changed"] and env.fake.writes() == ["create"]


def test_default_docker_config_is_home_of_effective_user(env, monkeypatch):
    class Pw(object):
        pw_dir = str(env.tmp / "home")

    monkeypatch.setattr(docker_context.pwd, "getpwuid", lambda uid: Pw)
    env.fake.config = str(env.tmp / "home" / ".docker")
    with patch_module_args(dict(UNIX)):
        with pytest.raises(ExitJson) as caught:
            docker_context.main()
    assert caught.value.args[0]["changed"]
    assert os.path.exists(env.tmp / "home" / ".docker" / "contexts")


def test_stale_docker_context_is_removed_from_environment(env, monkeypatch):
    monkeypatch.setenv("DOCKER_CONTEXT", "")
    monkeypatch.setenv("DOCKER_HOST", "tcp://1.2.3.4:1")
    result = run(env, **UNIX)  # FakeDocker asserts both are gone
    assert result["changed"]


# --------------------------------------------------------------------------- description

def test_description_update(env):
    run(env, description="one", **UNIX)
    env.fake.calls = []
    check = run(env, check_mode=True, description="two", **UNIX)
    assert check["changed"] and env.fake.writes() == []
    result = run(env, description="two", **UNIX)
    assert result["commands"] == [[CLI, "context", "update", "local", "--description", "two"]]
    assert env.fake.load("local")["Metadata"]["Description"] == "two"


def test_description_omitted_is_left_alone(env):
    run(env, description="one", **UNIX)
    result = run(env, **UNIX)
    assert not result["changed"] and result["context"]["description"] == "one"


def test_clearing_description_recreates_and_keeps_current(env):
    run(env, description="one", **UNIX)
    env.fake._use("local", [])
    env.fake.calls = []
    result = run(env, description="", **UNIX)
    assert result["changed"]
    assert [c[2] for c in result["commands"]] == ["export", "rm", "create", "use"]
    assert result["commands"][0][-1].endswith("backup.tar")
    assert not os.path.exists(os.path.dirname(result["commands"][0][-1])), "backup dir removed"
    assert env.fake.load("local")["Metadata"] == {}
    assert env.fake.current() == "local"
    assert result["context"]["current"] is True


def test_clearing_description_check_mode(env):
    run(env, description="one", **UNIX)
    env.fake.calls = []
    result = run(env, check_mode=True, description="", **UNIX)
    assert [c[2] for c in result["commands"]] == ["export", "rm", "create"]
    assert result["commands"][0][-1] == "<backup file>"
    assert env.fake.writes() == []


def test_failed_recreate_restores_the_export(env):
    run(env, description="one", **dict(TCP, **env.tls))
    env.fake._use("tls", [])
    before_key = env.fake._read_tls("tls")["key.pem"]
    result = run(env, description="", **dict(TCP, ca_path=env.tls["ca_path"],
                                             client_cert=env.tls["client_cert"],
                                             client_key=env.tls["ca_path"]))
    assert result["failed"]
    assert "rather than a key" in result["msg"] and "restored" in result["msg"]
    assert [c[2] for c in result["commands"]] == ["export", "rm", "create", "import", "use"]
    assert env.fake.load("tls")["Metadata"]["Description"] == "one"
    assert env.fake._read_tls("tls")["key.pem"] == before_key
    assert env.fake.current() == "tls"


# --------------------------------------------------------------------------- TLS

def test_add_tls_material(env):
    run(env, **TCP)
    env.fake.calls = []
    result = run(env, diff=True, **dict(TCP, **env.tls))
    assert result["changed"]
    update = result["commands"][0]
    assert update[:4] == [CLI, "context", "update", "tls"]
    assert update[-1] == "host=tcp://127.0.0.1:2376,ca=%s,cert=%s,key=%s,skip-tls-verify=false" % (
        env.tls["ca_path"], env.tls["client_cert"], env.tls["client_key"])
    assert env.fake.tls_files("tls") == ["ca.pem", "cert.pem", "key.pem"]
    key_fp = "sha256:" + hashlib.sha256(KEY).hexdigest()
    assert result["diff"]["before"]["tls"]["key"] is None
    assert result["diff"]["after"]["tls"]["key"] == key_fp
    assert result["context"]["tls_fingerprints"]["key"] == key_fp
    assert result["context"]["key_mode"] == "0600"
    assert b"secret-key-material" not in json.dumps(result).encode()
    assert not run(env, **dict(TCP, **env.tls))["changed"]


def test_renewed_source_file_is_a_change(env):
    run(env, **dict(TCP, **env.tls))
    (env.pki / "cert.pem").write_bytes(CERT.replace(b"cert", b"renewed"))
    result = run(env, **dict(TCP, **env.tls))
    assert result["changed"] and result["commands"][0][2] == "update"
    assert env.fake._read_tls("tls")["cert.pem"] == (env.pki / "cert.pem").read_bytes()


def test_removing_tls_material(env):
    run(env, **dict(TCP, **env.tls))
    result = run(env, **TCP)
    assert result["changed"]
    assert result["commands"] == [[CLI, "context", "update", "tls", "--docker",
                                   "host=tcp://127.0.0.1:2376,skip-tls-verify=false"]]
    assert env.fake.tls_files("tls") == []
    assert result["context"]["tls_material"] == [] and result["context"]["key_mode"] is None


def test_skip_tls_verify_change(env):
    run(env, **TCP)
    result = run(env, skip_tls_verify=True, **TCP)
    assert result["changed"] and result["commands"][0][-1].endswith("skip-tls-verify=true")
    assert env.fake.load("tls")["Endpoints"]["docker"]["SkipTLSVerify"] is True


def _key_path(env, name):
    return os.path.join(env.fake._tls(name), "docker", "key.pem")


def test_wide_key_mode_is_narrowed(env):
    run(env, **dict(TCP, **env.tls))
    os.chmod(_key_path(env, "tls"), 0o644)
    check = run(env, check_mode=True, **dict(TCP, **env.tls))
    assert check["changed"] and check["commands"] == []
    assert check["diff"]["before"]["key_mode"] == "0644" and check["diff"]["after"]["key_mode"] == "0600"
    assert stat.S_IMODE(os.stat(_key_path(env, "tls")).st_mode) == 0o644
    result = run(env, **dict(TCP, **env.tls))
    assert result["changed"] and result["commands"] == []
    assert stat.S_IMODE(os.stat(_key_path(env, "tls")).st_mode) == 0o600
    assert result["context"]["key_mode"] == "0600"
    assert not run(env, **dict(TCP, **env.tls))["changed"]


def test_narrow_key_mode_is_kept(env):
    run(env, **dict(TCP, **env.tls))
    os.chmod(_key_path(env, "tls"), 0o400)
    result = run(env, **dict(TCP, **env.tls))
    assert not result["changed"] and result["context"]["key_mode"] == "0400"


def test_unreadable_stored_copy_fails(env, monkeypatch):
    run(env, **dict(TCP, **env.tls))
    real_open = open

    def deny(path, *args, **kwargs):
        if str(path).endswith("/docker/key.pem") and str(env.config) in str(path):
            raise IOError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", deny)
    result = run(env, **dict(TCP, **env.tls))
    assert result["failed"] and "The stored copy of client_key" in result["msg"]
    assert "with user set to the account that owns docker_config" in result["msg"]


# --------------------------------------------------------------------------- removal

def test_remove_check_mode_then_remove_then_unchanged(env):
    run(env, **UNIX)
    env.fake.calls = []
    check = run(env, check_mode=True, name="local", state="absent")
    assert check["changed"] and check["commands"] == [[CLI, "context", "rm", "-f", "local"]]
    assert check["context"] == {} and env.fake.writes() == []
    result = run(env, name="local", state="absent")
    assert result["changed"] and result["context"] == {} and env.fake.load("local") is None
    assert result["diff"]["after"] == {"state": "absent", "name": "local"}
    env.fake.calls = []
    again = run(env, name="local", state="absent")
    assert not again["changed"] and again["commands"] == [] and env.fake.writes() == []


def test_remove_ignores_docker_host_and_tls(env):
    result = run(env, name="gone", state="absent", docker_host="http://not-checked",
                 ca_path="/nonexistent")
    assert not result["changed"]


def test_remove_current_context_resets_it(env):
    run(env, **UNIX)
    env.fake._use("local", [])
    run(env, name="local", state="absent")
    assert env.fake.current() is None


# --------------------------------------------------------------------------- CLI trouble

def test_cli_failure_is_reported_with_commands(env):
    result = run(env, **dict(TCP, ca_path=env.tls["ca_path"], client_cert=env.tls["client_cert"],
                             client_key=env.tls["ca_path"]))
    assert result["failed"]
    assert "docker context create failed with exit code 1" in result["msg"]
    assert "rather than a key" in result["msg"]
    assert [c[2] for c in result["commands"]] == ["create"]


def test_unconverged_cli_is_detected(env):
    run(env, description="one", **UNIX)
    env.fake.ignore_updates = True
    result = run(env, description="two", **UNIX)
    assert result["failed"] and "still differs in description" in result["msg"]


def test_failed_restore_says_the_context_is_gone(env, monkeypatch):
    run(env, description="one", **dict(TCP, **env.tls))
    monkeypatch.setattr(env.fake, "_import", lambda name, rest: (1, "", "disk full\n"))
    result = run(env, description="", **dict(TCP, ca_path=env.tls["ca_path"],
                                             client_cert=env.tls["client_cert"],
                                             client_key=env.tls["ca_path"]))
    assert result["failed"]
    assert "restoring the previous context also failed" in result["msg"] and "disk full" in result["msg"]
    assert [c[2] for c in result["commands"]] == ["export", "rm", "create", "import"]


# --------------------------------------------------------------------------- user

class Account(object):
    def __init__(self, name, uid, home):
        self.pw_name, self.pw_uid, self.pw_gid, self.pw_dir = name, uid, uid + 1, home


@pytest.fixture
def alice(env, monkeypatch):
    """The module runs as root (euid 0) for the account alice (uid 4242)."""
    account = Account("alice", 4242, str(env.tmp / "home" / "alice"))
    root = Account("root", 0, "/root")
    monkeypatch.setattr(docker_context.os, "geteuid", lambda: 0)
    monkeypatch.setattr(docker_context.pwd, "getpwuid", lambda uid: {0: root, 4242: account}[uid])

    def getpwnam(name):
        if name not in ("alice", "root"):
            raise KeyError(name)
        return account if name == "alice" else root

    monkeypatch.setattr(docker_context.pwd, "getpwnam", getpwnam)
    env.fake.account = account
    return account


def test_user_runs_every_cli_call_as_that_account(env, alice):
    result = run(env, user="alice", **dict(TCP, **env.tls))  # FakeDocker checks the prefix
    assert result["changed"] and env.fake.writes() == ["create"]
    assert result["commands"] == [[CLI, "context", "create", "tls", "--docker",
                                   "host=tcp://127.0.0.1:2376,ca=%s,cert=%s,key=%s,skip-tls-verify=false"
                                   % (env.tls["ca_path"], env.tls["client_cert"], env.tls["client_key"])]]
    assert not run(env, user="alice", **dict(TCP, **env.tls))["changed"]


def test_user_default_docker_config_is_that_accounts(env, alice):
    env.fake.config = os.path.join(alice.pw_dir, ".docker")
    with patch_module_args(dict(UNIX, user="alice")):
        with pytest.raises(ExitJson) as caught:
            docker_context.main()
    assert caught.value.args[0]["changed"]
    assert os.path.exists(os.path.join(alice.pw_dir, ".docker", "contexts"))


def test_user_that_is_the_running_account_needs_no_switch(env, alice):
    env.fake.account = None
    assert run(env, user="root", **UNIX)["changed"]


def test_user_wide_key_mode_is_narrowed_as_that_account(env, alice):
    run(env, user="alice", **dict(TCP, **env.tls))
    os.chmod(_key_path(env, "tls"), 0o644)
    result = run(env, user="alice", **dict(TCP, **env.tls))
    assert result["changed"] and env.fake.chmods == [["chmod", "600", _key_path(env, "tls")]]
    assert stat.S_IMODE(os.stat(_key_path(env, "tls")).st_mode) == 0o600


def test_user_recreate_gives_the_export_directory_to_that_account(env, alice, monkeypatch):
    chowned = []
    monkeypatch.setattr(docker_context.os, "chown", lambda path, uid, gid: chowned.append((uid, gid)))
    run(env, user="alice", description="old", **UNIX)
    result = run(env, user="alice", description="", **UNIX)
    assert result["changed"] and env.fake.writes() == ["create", "export", "rm", "create"]
    assert chowned == [(4242, 4243)]


def test_unknown_user_fails_naming_it(env, alice):
    result = run(env, user="mallory", **UNIX)
    assert result["failed"] and result["msg"].startswith("user 'mallory' has no account")
    assert env.fake.calls == []


def test_user_needs_root_when_it_is_another_account(env, alice, monkeypatch):
    monkeypatch.setattr(docker_context.os, "geteuid", lambda: 4242)
    result = run(env, user="root", **UNIX)
    assert result["failed"] and "run the module as root (become: true) or as 'root'" in result["msg"]
    assert env.fake.calls == []


def test_user_without_setpriv_fails_naming_util_linux(env, alice, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, *a, **k: None if name == "setpriv" else CLI)
    result = run(env, user="alice", **UNIX)
    assert result["failed"] and "install util-linux" in result["msg"]

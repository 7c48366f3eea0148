# -*- coding: utf-8 -*-
# Copyright: dockerd.exposure developers
# MIT License (see LICENSE)
"""Unit tests for plugins/module_utils/_docker_context.py (pure functions only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _docker_context as dc

# Real `docker context inspect t2` output of docker 28.2.2 (20.10.24 printed the same
# document for this context).
INSPECT_TLS = """[
    {
        "Name": "t2",
        "Metadata": {},
        "Endpoints": {
            "docker": {
                "Host": "tcp://127.0.0.1:2376",
                "SkipTLSVerify": false
            }
        },
        "TLSMaterial": {
            "docker": [
                "ca.pem",
                "cert.pem",
                "key.pem"
            ]
        },
        "Storage": {
            "MetadataPath": "/tmp/ctxexp/cfg/contexts/meta/c44474038d459e40e4714afefa7bf8dae9f9834b22f5e8ec1dd434ecb62b512e",
            "TLSPath": "/tmp/ctxexp/cfg/contexts/tls/c44474038d459e40e4714afefa7bf8dae9f9834b22f5e8ec1dd434ecb62b512e"
        }
    }
]
"""

# Real `docker context inspect t1` output (both versions).
INSPECT_UNIX = """[
    {
        "Name": "t1",
        "Metadata": {
            "Description": "hello"
        },
        "Endpoints": {
            "docker": {
                "Host": "unix:///var/run/docker.sock",
                "SkipTLSVerify": false
            }
        },
        "TLSMaterial": {},
        "Storage": {
            "MetadataPath": "/tmp/ctxexp/cfg/contexts/meta/628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02",
            "TLSPath": "/tmp/ctxexp/cfg/contexts/tls/628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02"
        }
    }
]
"""

# Real stderr of `docker context inspect nonexist` (stdout "[]", exit code 1).
NOT_FOUND_28 = (
    'context "nonexist": context not found: open /tmp/ctxexp/cfg/contexts/meta/'
    "806fa28dc2ea0084c31fdd36efe5853804e8b573bae351792af8775cfd2af744/meta.json: "
    "no such file or directory\n"
)
NOT_FOUND_20 = 'context "nonexist" does not exist\n'

CA = b"-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n"
CERT = b"-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n"
NO_TLS = {"ca": None, "cert": None, "key": None}
ALL_TLS = {"ca": CA, "cert": CERT, "key": KEY}
CLI = "/usr/bin/docker"


def fp(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def present(**overrides):
    state = {
        "state": "present",
        "name": "ctx",
        "description": "",
        "docker_host": "unix:///var/run/docker.sock",
        "skip_tls_verify": False,
        "tls": {"ca": None, "cert": None, "key": None},
        "key_mode": None,
    }
    state.update(overrides)
    return state


def with_tls(**overrides):
    state = present(docker_host="tcp://127.0.0.1:2376",
                    tls={"ca": fp(CA), "cert": fp(CERT), "key": fp(KEY)}, key_mode="0600")
    state.update(overrides)
    return state


# --------------------------------------------------------------------------- validation

@pytest.mark.parametrize("name", ["ab", "a1", "prod-tls", "x.y+z_1", "0default", "Default", "a" * 200])
def test_name_error_accepts_docker_names(name):
    assert dc.name_error(name) is None


@pytest.mark.parametrize("name", ["a", "", "-ab", ".ab", "_ab", "ab/c", "a b", "ab\n", "äb", "ab:c"])
def test_name_error_rejects_and_names_the_value(name):
    msg = dc.name_error(name)
    assert msg is not None
    assert "name '%s' is not a valid Docker context name" % name in msg
    assert dc.NAME_PATTERN in msg


def test_name_error_default_is_reserved():
    msg = dc.name_error("default")
    assert "'default'" in msg and "choose another name" in msg


@pytest.mark.parametrize("host", [
    "unix:///var/run/docker.sock", "unix:///run/docker.sock", "tcp://127.0.0.1:2375",
    "tcp://docker1.example.org:2376", "ssh://deploy@docker1", "ssh://docker1:2222",
])
def test_docker_host_error_accepts(host):
    assert dc.docker_host_error(host) is None


@pytest.mark.parametrize("host", ["http://x", "https://x:2376", "unix://", "tcp://", "", "tcp:/x",
                                  "npipe:////./pipe/docker_engine", "/var/run/docker.sock"])
def test_docker_host_error_rejects_and_names_the_value(host):
    msg = dc.docker_host_error(host)
    assert "docker_host '%s'" % host in msg
    assert "unix:///var/run/docker.sock" in msg


def test_tls_warnings_none_for_tcp():
    assert dc.tls_warnings("tcp://h:2376", {"ca": "/ca.pem"}, True) == []


def test_tls_warnings_for_unix_with_tls_files():
    warnings = dc.tls_warnings("unix:///var/run/docker.sock",
                               {"ca": "/ca.pem", "cert": "/c.pem", "key": "/k.pem"}, False)
    assert len(warnings) == 1
    assert "ca_path, client_cert, client_key" in warnings[0]
    assert "unix:///var/run/docker.sock" in warnings[0]


def test_tls_warnings_for_ssh_with_skip_verify():
    warnings = dc.tls_warnings("ssh://u@h", {}, True)
    assert "skip_tls_verify" in warnings[0]


def test_tls_warnings_none_without_tls():
    assert dc.tls_warnings("ssh://u@h", {}, False) == []


# --------------------------------------------------------------------------- storage

@pytest.mark.parametrize("name,cid", [
    ("t1", "628b49d96dcde97a430dd4f597705899e09a968f793491e4b704cae33a40dc02"),
    ("t2", "c44474038d459e40e4714afefa7bf8dae9f9834b22f5e8ec1dd434ecb62b512e"),
    ("nonexist", "806fa28dc2ea0084c31fdd36efe5853804e8b573bae351792af8775cfd2af744"),
])
def test_context_id_matches_the_cli(name, cid):
    # ids taken from the Storage paths / error messages the real CLI printed
    assert dc.context_id(name) == cid


def test_storage_paths_strip_trailing_slash():
    paths = dc.storage_paths("/home/u/.docker/", "t1")
    assert paths == {
        "metadata_path": "/home/u/.docker/contexts/meta/" + dc.context_id("t1"),
        "tls_path": "/home/u/.docker/contexts/tls/" + dc.context_id("t1"),
    }


def test_stored_tls_file():
    assert dc.stored_tls_file("/c/tls/abc/", "key") == "/c/tls/abc/docker/key.pem"
    assert dc.stored_tls_file("/c/tls/abc", "ca") == "/c/tls/abc/docker/ca.pem"


def test_fingerprint():
    assert dc.fingerprint(None) is None
    assert dc.fingerprint(b"") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert dc.fingerprint(KEY) == fp(KEY)


@pytest.mark.parametrize("mode,text,wide", [
    (0o100600, "0600", False), (0o600, "0600", False), (0o400, "0400", False),
    (0o644, "0644", True), (0o640, "0640", True), (0o604, "0604", True), (0o100777, "0777", True),
])
def test_modes(mode, text, wide):
    assert dc.mode_string(mode) == text
    assert dc.mode_too_wide(mode) is wide


def test_modes_none():
    assert dc.mode_string(None) is None
    assert dc.mode_too_wide(None) is False


@pytest.mark.parametrize("text,current", [
    ('{\n\t"auths": {},\n\t"currentContext": "ab"\n}', "ab"),
    ('{\n\t"auths": {}\n}', None),
    ('{"currentContext": ""}', None),
    ("{bad", None),
    ("[]", None),
    ("", None),
    (None, None),
])
def test_current_context_name(text, current):
    assert dc.current_context_name(text) == current


# --------------------------------------------------------------------------- reading

def test_parse_inspect_tls_sample():
    data = dc.parse_inspect(0, INSPECT_TLS, "")
    assert data["Name"] == "t2"
    assert dc.stored_tls_names(data) == ["ca.pem", "cert.pem", "key.pem"]


def test_parse_inspect_single_object():
    data = dc.parse_inspect(0, json.dumps(json.loads(INSPECT_UNIX)[0]), "")
    assert data["Name"] == "t1"


@pytest.mark.parametrize("stderr", [NOT_FOUND_28, NOT_FOUND_20])
def test_parse_inspect_not_found_both_versions(stderr):
    assert dc.parse_inspect(1, "[]\n", stderr) is None


def test_parse_inspect_empty_list_is_absent():
    assert dc.parse_inspect(0, "[]", "") is None


def test_parse_inspect_other_error_raises():
    with pytest.raises(dc.ContextError, match="exit code 1: permission denied"):
        dc.parse_inspect(1, "", "permission denied\n")


def test_parse_inspect_garbage_raises():
    with pytest.raises(dc.ContextError, match="no JSON"):
        dc.parse_inspect(0, "WARNING: something", "")


def test_parse_inspect_unexpected_document_raises():
    with pytest.raises(dc.ContextError, match="unexpected document"):
        dc.parse_inspect(0, '[{"Foo": 1}]', "")


def test_stored_tls_names_empty():
    assert dc.stored_tls_names(json.loads(INSPECT_UNIX)[0]) == []
    assert dc.stored_tls_names(None) == []
    assert dc.stored_tls_names({"TLSMaterial": None}) == []


def test_inspected_paths_prefers_cli_storage():
    data = json.loads(INSPECT_TLS)[0]
    paths = dc.inspected_paths(data, "/elsewhere", "t2")
    assert paths["tls_path"] == data["Storage"]["TLSPath"]
    assert paths["metadata_path"] == data["Storage"]["MetadataPath"]


def test_inspected_paths_falls_back_to_computed():
    assert dc.inspected_paths(None, "/c", "t2") == dc.storage_paths("/c", "t2")
    assert dc.inspected_paths({"Name": "t2"}, "/c", "t2") == dc.storage_paths("/c", "t2")


def test_current_state_absent():
    assert dc.current_state("x", None, NO_TLS, None) == {"state": "absent", "name": "x"}


def test_current_state_tls_sample():
    state = dc.current_state("t2", json.loads(INSPECT_TLS)[0], ALL_TLS, 0o100600)
    assert state == {
        "state": "present",
        "name": "t2",
        "description": "",
        "docker_host": "tcp://127.0.0.1:2376",
        "skip_tls_verify": False,
        "tls": {"ca": fp(CA), "cert": fp(CERT), "key": fp(KEY)},
        "key_mode": "0600",
    }


def test_current_state_unix_sample():
    state = dc.current_state("t1", json.loads(INSPECT_UNIX)[0], NO_TLS, None)
    assert state["description"] == "hello"
    assert state["tls"] == {"ca": None, "cert": None, "key": None}
    assert state["key_mode"] is None


def test_current_state_20_10_default_metadata():
    # docker 20.10 shows Metadata {"StackOrchestrator": "swarm"} for contexts made without --docker
    data = {"Name": "h7", "Metadata": {"StackOrchestrator": "swarm"},
            "Endpoints": {"docker": {"Host": "unix:///var/run/docker.sock", "SkipTLSVerify": True}}}
    state = dc.current_state("h7", data, NO_TLS, None)
    assert state["description"] == ""
    assert state["skip_tls_verify"] is True


def test_current_state_key_mode_ignored_without_key():
    state = dc.current_state("t2", json.loads(INSPECT_TLS)[0], {"ca": CA}, 0o644)
    assert state["key_mode"] is None


# --------------------------------------------------------------------------- deciding

def test_desired_state_description_none_keeps_current():
    desired = dc.desired_state("ctx", "unix:///var/run/docker.sock", None, False, NO_TLS,
                               present(description="kept"))
    assert desired["description"] == "kept"


def test_desired_state_description_none_on_create_is_empty():
    desired = dc.desired_state("ctx", "unix:///x", None, False, NO_TLS, dc.absent_state("ctx"))
    assert desired["description"] == ""


def test_desired_state_empty_description_clears():
    desired = dc.desired_state("ctx", "unix:///x", "", False, NO_TLS, present(description="old"))
    assert desired["description"] == ""


def test_desired_state_fingerprints_sources():
    desired = dc.desired_state("ctx", "tcp://h:2376", "d", 1, {"ca": CA, "cert": None, "key": None},
                               dc.absent_state("ctx"))
    assert desired["tls"] == {"ca": fp(CA), "cert": None, "key": None}
    assert desired["skip_tls_verify"] is True
    assert KEY not in json.dumps(desired).encode()


def test_endpoint_differences():
    assert dc.endpoint_differences(with_tls(), with_tls()) == []
    other = with_tls(docker_host="tcp://h:2376", skip_tls_verify=True,
                     tls={"ca": fp(CA), "cert": fp(b"new"), "key": None})
    assert dc.endpoint_differences(with_tls(), other) == [
        "docker_host", "skip_tls_verify", "client_cert", "client_key"]


def test_plan_absent_to_absent_is_nothing():
    result = dc.plan(dc.absent_state("ctx"), dc.absent_state("ctx"))
    assert result["action"] == "none" and result["after"] == dc.absent_state("ctx")


def test_plan_remove():
    result = dc.plan(present(), dc.absent_state("ctx"))
    assert result["action"] == "remove"
    assert result["after"] == dc.absent_state("ctx")


def test_plan_create_without_tls():
    desired = present(description="d")
    result = dc.plan(dc.absent_state("ctx"), desired)
    assert result["action"] == "create"
    assert result["update_description"] is True
    assert result["after"]["key_mode"] is None


def test_plan_create_with_key_predicts_0600():
    result = dc.plan(dc.absent_state("ctx"), with_tls(key_mode=None))
    assert result["action"] == "create"
    assert result["after"]["key_mode"] == "0600"


def test_plan_nothing_to_do():
    result = dc.plan(with_tls(), with_tls(key_mode=None))
    assert result["action"] == "none"
    assert result["fix_key_mode"] is False
    assert result["changes"] == []
    assert result["after"]["key_mode"] == "0600"


def test_plan_description_only():
    result = dc.plan(present(description="one"), present(description="two"))
    assert result["action"] == "update"
    assert result["update_description"] is True and result["update_endpoint"] is False
    assert result["changes"] == ["description"]


def test_plan_clearing_description_recreates():
    result = dc.plan(present(description="one"), present(description=""))
    assert result["action"] == "recreate"
    assert result["after"]["description"] == ""


def test_plan_adding_tls_updates_endpoint():
    current = present(docker_host="tcp://127.0.0.1:2376")
    result = dc.plan(current, with_tls(key_mode=None))
    assert result["action"] == "update"
    assert result["update_endpoint"] is True and result["update_description"] is False
    assert result["changes"] == ["ca_path", "client_cert", "client_key"]
    assert result["after"]["key_mode"] == "0600"


def test_plan_removing_tls_updates_endpoint():
    result = dc.plan(with_tls(), present(docker_host="tcp://127.0.0.1:2376"))
    assert result["action"] == "update" and result["update_endpoint"] is True
    assert result["after"]["key_mode"] is None


def test_plan_renewed_cert_is_a_change():
    desired = with_tls(tls={"ca": fp(CA), "cert": fp(b"renewed"), "key": fp(KEY)}, key_mode=None)
    result = dc.plan(with_tls(), desired)
    assert result["action"] == "update" and result["changes"] == ["client_cert"]


def test_plan_wide_key_mode_is_fixed_without_cli():
    result = dc.plan(with_tls(key_mode="0644"), with_tls(key_mode=None))
    assert result["action"] == "none"
    assert result["fix_key_mode"] is True
    assert result["changes"] == ["key_mode"]
    assert result["after"]["key_mode"] == "0600"


def test_plan_narrow_key_mode_is_left_alone():
    result = dc.plan(with_tls(key_mode="0400"), with_tls(key_mode=None))
    assert result["action"] == "none" and result["fix_key_mode"] is False
    assert result["after"]["key_mode"] == "0400"


def test_plan_wide_key_with_endpoint_change_needs_no_chmod():
    desired = with_tls(docker_host="tcp://other:2376", key_mode=None)
    result = dc.plan(with_tls(key_mode="0644"), desired)
    assert result["action"] == "update" and result["fix_key_mode"] is False
    assert result["after"]["key_mode"] == "0600"


def test_plan_recreate_with_endpoint_change():
    current = with_tls(description="old")
    desired = with_tls(description="", skip_tls_verify=True, key_mode=None)
    result = dc.plan(current, desired)
    assert result["action"] == "recreate"
    assert result["changes"] == ["skip_tls_verify", "description"]


def test_plan_does_not_mutate_inputs():
    current = with_tls(key_mode="0644")
    desired = with_tls(key_mode=None)
    dc.plan(current, desired)
    assert current["key_mode"] == "0644" and desired["key_mode"] is None


# --------------------------------------------------------------------------- argv

@pytest.mark.parametrize("value,quoted", [
    ("host=tcp://h:2376", "host=tcp://h:2376"),
    ("ca=/a,b/ca.pem", '"ca=/a,b/ca.pem"'),
    ('ca=/we,ird"dir/ca.pem', '"ca=/we,ird""dir/ca.pem"'),
    ("ca=/new\nline", '"ca=/new\nline"'),
    ("ca=/trailing ", '"ca=/trailing "'),
    ("ca=/in side/ca.pem", "ca=/in side/ca.pem"),
])
def test_csv_field(value, quoted):
    assert dc.csv_field(value) == quoted


def test_endpoint_arg_minimal():
    assert dc.endpoint_arg("unix:///var/run/docker.sock", {}, False) == \
        "host=unix:///var/run/docker.sock,skip-tls-verify=false"


def test_endpoint_arg_full_in_cli_order():
    arg = dc.endpoint_arg("tcp://h:2376", {"key": "/k.pem", "ca": "/ca.pem", "cert": "/c.pem"}, True)
    assert arg == "host=tcp://h:2376,ca=/ca.pem,cert=/c.pem,key=/k.pem,skip-tls-verify=true"


def test_endpoint_arg_quotes_like_the_cli_accepted():
    # `--docker 'host=tcp://127.0.0.1:2376,"ca=/tmp/ctxexp/we,ird""dir/ca.pem"'` worked with both CLIs
    arg = dc.endpoint_arg("tcp://127.0.0.1:2376", {"ca": '/tmp/ctxexp/we,ird"dir/ca.pem'}, False)
    assert arg == 'host=tcp://127.0.0.1:2376,"ca=/tmp/ctxexp/we,ird""dir/ca.pem",skip-tls-verify=false'


def test_create_argv():
    assert dc.create_argv(CLI, "ctx", "a b", "unix:///s", {}, False) == [
        CLI, "context", "create", "ctx", "--description", "a b",
        "--docker", "host=unix:///s,skip-tls-verify=false"]
    assert dc.create_argv(CLI, "ctx", "", "unix:///s", {}, False) == [
        CLI, "context", "create", "ctx", "--docker", "host=unix:///s,skip-tls-verify=false"]
    assert dc.create_argv(CLI, "ctx", None, "unix:///s", {}, False)[4] == "--docker"


def test_update_argv():
    assert dc.update_argv(CLI, "ctx", "d") == [CLI, "context", "update", "ctx", "--description", "d"]
    assert dc.update_argv(CLI, "ctx", None, "host=x") == [CLI, "context", "update", "ctx", "--docker", "host=x"]
    assert dc.update_argv(CLI, "ctx", "d", "host=x") == [
        CLI, "context", "update", "ctx", "--description", "d", "--docker", "host=x"]


def test_small_argvs():
    assert dc.remove_argv(CLI, "c") == [CLI, "context", "rm", "-f", "c"]
    assert dc.export_argv(CLI, "c", "/b.tar") == [CLI, "context", "export", "c", "/b.tar"]
    assert dc.import_argv(CLI, "c", "/b.tar") == [CLI, "context", "import", "c", "/b.tar"]
    assert dc.use_argv(CLI, "c") == [CLI, "context", "use", "c"]


ARGS = (CLI, "ctx", "d", "tcp://h:2376", {"ca": "/ca.pem"}, False)


def test_commands_for_none_and_key_fix_only():
    assert dc.commands_for({"action": "none"}, *ARGS) == []


def test_commands_for_remove():
    assert dc.commands_for({"action": "remove"}, *ARGS) == [[CLI, "context", "rm", "-f", "ctx"]]


def test_commands_for_create():
    assert dc.commands_for({"action": "create"}, *ARGS) == [
        [CLI, "context", "create", "ctx", "--description", "d", "--docker",
         "host=tcp://h:2376,ca=/ca.pem,skip-tls-verify=false"]]


def test_commands_for_update_description_only():
    the_plan = {"action": "update", "update_endpoint": False, "update_description": True}
    assert dc.commands_for(the_plan, *ARGS) == [[CLI, "context", "update", "ctx", "--description", "d"]]


def test_commands_for_update_endpoint_only():
    the_plan = {"action": "update", "update_endpoint": True, "update_description": False}
    assert dc.commands_for(the_plan, *ARGS) == [
        [CLI, "context", "update", "ctx", "--docker", "host=tcp://h:2376,ca=/ca.pem,skip-tls-verify=false"]]


def test_commands_for_recreate():
    args = (CLI, "ctx", "", "unix:///s", {}, False)
    assert dc.commands_for({"action": "recreate"}, *args, backup_path="/t/b.tar") == [
        [CLI, "context", "export", "ctx", "/t/b.tar"],
        [CLI, "context", "rm", "-f", "ctx"],
        [CLI, "context", "create", "ctx", "--docker", "host=unix:///s,skip-tls-verify=false"],
    ]


def test_commands_for_recreate_current_context_is_used_again():
    args = (CLI, "ctx", "", "unix:///s", {}, False)
    commands = dc.commands_for({"action": "recreate"}, *args, is_current=True)
    assert commands[0][-1] == "<backup file>"
    assert commands[-1] == [CLI, "context", "use", "ctx"]


# --------------------------------------------------------------------------- reporting

def test_context_view_absent():
    assert dc.context_view(dc.absent_state("ctx"), dc.storage_paths("/c", "ctx")) == {}


def test_context_view_present():
    paths = dc.storage_paths("/c", "ctx")
    view = dc.context_view(with_tls(tls={"ca": fp(CA), "cert": None, "key": None}, key_mode=None),
                           paths, is_current=True)
    assert view == {
        "name": "ctx",
        "description": "",
        "docker_host": "tcp://127.0.0.1:2376",
        "skip_tls_verify": False,
        "tls_material": ["ca.pem"],
        "tls_fingerprints": {"ca": fp(CA)},
        "key_mode": None,
        "current": True,
        "metadata_path": paths["metadata_path"],
        "tls_path": paths["tls_path"],
    }

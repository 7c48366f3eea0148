# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Unit tests for _exposure_parse, on samples captured from real hosts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _exposure_parse as p

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "exposure")


def sample(directory, name):
    with open(os.path.join(SAMPLES, directory, name)) as handle:
        return handle.read()


def show(directory, unit):
    return p.parse_systemctl_show(sample(directory, "systemctl_show_docker.%s.txt" % unit))


STOCK_ARGV = ["/usr/sbin/dockerd", "-H", "fd://",
              "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS"]


# ---------------------------------------------------------------- systemctl show


def test_parse_systemctl_show_stock_service():
    props = show("debian12_stock", "service")
    assert p.show_str(props, "LoadState") == "loaded"
    assert p.show_str(props, "ActiveState") == "active"
    assert p.show_str(props, "SubState") == "running"
    assert p.show_int(props, "MainPID") == 62
    assert p.show_int(props, "NRestarts") == 0
    assert p.show_str(props, "FragmentPath") == "/lib/systemd/system/docker.service"
    assert p.split_paths(p.show_value(props, "DropInPaths")) == []
    assert p.show_str(props, "InvocationID") == "efaa345e308f452caff2b720abc258f0"
    assert p.show_str(props, "ExecMainStartTimestamp") == "Sat 2026-11-28 07:39:28 UTC"
    assert p.show_str(props, "Environment") is None
    assert len(props["ExecStart"]) == 1


def test_parse_systemctl_show_keeps_repeated_keys():
    props = show("dropin_without_execstart_reset", "service")
    assert len(props["ExecStart"]) == 2
    assert p.show_str(props, "LoadState") == "bad-setting"
    assert p.split_paths(p.show_value(props, "DropInPaths")) == [
        "/etc/systemd/system/docker.service.d/tls.conf"]


def test_parse_systemctl_show_unit_not_found():
    props = show("units_not_found", "service")
    assert p.show_str(props, "LoadState") == "not-found"
    assert "ExecStart" not in props
    assert p.show_str(props, "FragmentPath") is None
    assert p.show_str(props, "InvocationID") is None
    sock = show("units_not_found", "socket")
    assert p.show_str(sock, "SocketMode") == "0666"  # systemd's default, not a real socket
    assert p.parse_listen(sock.get("Listen")) == []


def test_parse_systemctl_show_ignores_junk_lines():
    props = p.parse_systemctl_show("no equals sign\n=value without key\nA=1\nA=2\n")
    assert props == {"A": ["1", "2"]}
    assert p.show_value({}, "A") is None
    assert p.show_int({"MainPID": ["x"]}, "MainPID") is None
    assert p.parse_systemctl_show(None) == {}


def test_parse_exec_start_stock():
    props = show("debian12_stock", "service")
    assert p.parse_exec_start(props["ExecStart"]) == [STOCK_ARGV]


def test_parse_exec_start_two_entries():
    props = show("dropin_without_execstart_reset", "service")
    assert p.parse_exec_start(props["ExecStart"]) == [
        STOCK_ARGV,
        ["/usr/sbin/dockerd", "-H", "fd://", "-H", "tcp://127.0.0.1:2375"],
    ]


def test_parse_exec_start_failed_run_keeps_argv():
    props = show("tls_flag_missing_default_ca", "service")
    assert p.parse_exec_start(props["ExecStart"]) == [[
        "/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock",
        "--tls", "--tlscert", "/etc/docker/tls/server-expired.pem",
        "--tlskey=/etc/docker/tls/server-expired-key.pem"]]


def test_parse_exec_command_ex_form_and_oddities():
    # ExecStartEx= prints flags= where ExecStart= prints ignore_errors= (systemd source).
    ex = ("{ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// ; flags= ; "
          "start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }")
    assert p.parse_exec_command(ex) == ["/usr/bin/dockerd", "-H", "fd://"]
    assert p.parse_exec_command("{ path=/usr/bin/dockerd ; something=else }") == ["/usr/bin/dockerd"]
    assert p.parse_exec_command("") is None
    assert p.parse_exec_command("/usr/bin/dockerd") is None
    assert p.parse_exec_start(["", "garbage"]) == []


def test_parse_listen_samples():
    assert p.parse_listen(show("debian12_stock", "socket")["Listen"]) == [
        {"type": "Stream", "address": "/run/docker.sock"}]
    assert p.parse_listen(show("tcp_public_socket", "socket")["Listen"]) == [
        {"type": "Stream", "address": "/run/docker.sock"},
        {"type": "Stream", "address": "0.0.0.0:2375"}]
    # ListenStream=2375 (a bare port) is shown as the dual-stack [::]:2375
    assert p.parse_listen(show("tcp_dualstack_port_only", "socket")["Listen"])[1] == {
        "type": "Stream", "address": "[::]:2375"}
    assert [e["address"] for e in p.parse_listen(show("socket_failed_bind_ipv6", "socket")["Listen"])] == [
        "/run/docker.sock", "127.0.0.1:2375", "[::1]:2375"]
    assert p.parse_listen(["", "odd value"]) == [{"type": None, "address": "odd value"}]


def test_socket_tcp_ports_and_listen_port():
    listen = p.parse_listen(show("socket_failed_bind_ipv6", "socket")["Listen"])
    assert p.socket_tcp_ports(listen) == [2375]
    assert p.socket_tcp_ports(p.parse_listen(show("debian12_stock", "socket")["Listen"])) == []
    assert p.listen_port("[::]:2375") == 2375
    assert p.listen_port("0.0.0.0:2376") == 2376
    assert p.listen_port("2375") == 2375
    assert p.listen_port("/run/docker.sock") is None
    assert p.listen_port("@abstract") is None
    assert p.listen_port("host:http") is None
    assert p.listen_port("0.0.0.0:0") is None
    assert p.listen_is_unix({"type": "Stream", "address": "/run/docker.sock"})
    assert not p.listen_is_unix({"type": "Stream", "address": "0.0.0.0:2375"})
    assert not p.listen_is_unix({"type": "Datagram", "address": "/run/x.sock"})


def test_parse_environment_files_and_environment():
    props = show("debian12_stock", "service")
    assert p.parse_environment_files(props["EnvironmentFiles"]) == [("/etc/default/docker", True)]
    assert p.parse_environment_files(["/etc/x (ignore_errors=no)", "/etc/y", ""]) == [
        ("/etc/x", False), ("/etc/y", False)]
    assert p.parse_environment("") == {}
    assert p.parse_environment('DOCKER_TLS_VERIFY=1 "OPTS=-H tcp://1.2.3.4:2376 --tlsverify" X') == {
        "DOCKER_TLS_VERIFY": "1", "OPTS": "-H tcp://1.2.3.4:2376 --tlsverify"}


def test_parse_env_file_samples():
    assert p.parse_env_file(sample("debian12_stock", "etc_default_docker")) == {}
    assert p.parse_env_file(sample("tcp_public_docker_opts", "etc_default_docker")) == {
        "DOCKER_OPTS": "-H tcp://0.0.0.0:2375 --tls=false"}
    text = "# c\n; c\nexport A='x y'\nB=one \\\n two\nbad line\nC=\n"
    assert p.parse_env_file(text) == {"A": "x y", "B": "one two", "C": ""}


def test_expand_argv():
    env = {"DOCKER_OPTS": "-H tcp://0.0.0.0:2375 --tls=false", "DIR": "/etc/docker"}
    assert p.expand_argv(STOCK_ARGV, env) == [
        "/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock",
        "-H", "tcp://0.0.0.0:2375", "--tls=false"]
    # unset $VAR as a word disappears; ${VAR} is one word; $VAR inside a word stays
    assert p.expand_argv(STOCK_ARGV, {}) == STOCK_ARGV[:-1]
    assert p.expand_argv(["x", "--config-file=${DIR}/d.json", "a$DIR", "${NOPE}"], env) == [
        "x", "--config-file=/etc/docker/d.json", "a$DIR", ""]


# ---------------------------------------------------------------- unit files


def test_parse_unit_exec_start_debian_unit():
    assert p.parse_unit_exec_start(sample("debian12_stock", "docker.service")) == STOCK_ARGV


def test_parse_unit_exec_start_docker_ce_unit():
    # Shape of the unit Docker's own packages install (docker-ce: /usr/bin/dockerd).
    text = ("[Unit]\nDescription=Docker Application Container Engine\n\n[Service]\nType=notify\n"
            "# the default is not to use systemd for cgroups ...\n"
            "ExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n"
            "ExecReload=/bin/kill -s HUP $MAINPID\n\n[Install]\nWantedBy=multi-user.target\n")
    assert p.parse_unit_exec_start(text) == [
        "/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"]


def test_parse_unit_exec_start_dropins():
    assert p.parse_unit_exec_start(sample("tcp_loopback_cmdline", "dropin_docker.service.d_tls.conf")) == [
        "/usr/sbin/dockerd", "-H", "fd://", "-H", "tcp://127.0.0.1:2375", "--tls=false",
        "--containerd=/run/containerd/containerd.sock"]
    text = sample("tls_verify_false_flags_expired", "dropin_docker.service.d_tls.conf")
    assert p.parse_unit_exec_start(text) == [
        "/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock",
        "--tlsverify=false", "--tlscert=/etc/docker/tls/server-expired.pem",
        "--tlskey", "/etc/docker/tls/server-expired-key.pem"]
    assert p.parse_unit_exec_start("[Service]\nExecStart=/a\nExecStart=\n") == []
    assert p.parse_unit_exec_start(sample("debian12_stock", "docker.socket")) is None


def test_parse_unit_exec_start_syntax():
    text = ("[Unit]\nExecStart=/not/this\n[Service]\n; comment\n"
            "ExecStart=-/usr/bin/dockerd \\\n  -H fd:// \\\n  --label \"a b\"\n"
            "[X-Other]\nExecStart=/nor/this\n")
    assert p.parse_unit_exec_start(text) == ["/usr/bin/dockerd", "-H", "fd://", "--label", "a b"]
    assert p.strip_exec_prefix(["@/usr/bin/dockerd", "dockerd", "-H", "fd://"]) == [
        "/usr/bin/dockerd", "-H", "fd://"]
    assert p.strip_exec_prefix(["!!/usr/bin/dockerd"]) == ["/usr/bin/dockerd"]
    assert p.strip_exec_prefix(["-", "/usr/bin/dockerd"]) == ["/usr/bin/dockerd"]
    assert p.strip_exec_prefix([]) == []


# ---------------------------------------------------------------- daemon.json


def test_parse_daemon_json_samples():
    assert p.parse_daemon_json(sample("debian12_stock", "daemon.json")) == {
        "valid": True, "content": {"storage-driver": "vfs"}, "error": None}
    clash = p.parse_daemon_json(sample("hosts_clash", "daemon.json"))
    assert clash["valid"]
    assert p.daemon_json_hosts(clash["content"]) == ["unix:///run/docker.sock", "tcp://127.0.0.1:2375"]


@pytest.mark.parametrize("text, major, valid, error_part", [
    ("[1, 2]\n", 20, False, "JSON array"),
    ('"x"', 20, False, "JSON string"),
    ("true", None, False, "JSON boolean"),
    ("3", None, False, "JSON number"),
    ("null", None, False, "JSON null"),
    ('{"a": ', 20, False, "not valid JSON"),
    ("", 20, False, "EOF"),
    ("  \n", None, False, "EOF"),
    ("\n", 26, True, None),
    (u'\ufeff{"a": 1}', 26, False, "byte order mark"),
    (None, 20, False, "could not be read"),
])
def test_parse_daemon_json_invalid(text, major, valid, error_part):
    result = p.parse_daemon_json(text, major)
    assert result["valid"] is valid
    if error_part:
        assert error_part in result["error"]
        assert result["content"] is None
    else:
        assert result == {"valid": True, "content": {}, "error": None}


def test_daemon_json_hosts_shapes():
    assert p.daemon_json_hosts(None) == []
    assert p.daemon_json_hosts({}) == []
    assert p.daemon_json_hosts({"hosts": "fd://"}) == ["fd://"]
    assert p.daemon_json_hosts({"hosts": ["a", 3]}) == ["a"]
    assert p.daemon_json_hosts({"hosts": 3}) == []


# ---------------------------------------------------------------- dockerd argv


def test_parse_dockerd_args_stock():
    args = p.parse_dockerd_args(STOCK_ARGV)
    assert args["hosts"] == ["fd://"]
    assert args["tls"] is None and args["tlsverify"] is None
    assert args["flags"] == ["hosts", "containerd"]
    assert args["config_file"] is None


def test_parse_dockerd_args_forms():
    argv = ["dockerd", "-H", "fd://", "-Htcp://127.0.0.1:2375", "-H=unix:///a.sock",
            "--host", "tcp://[::1]:2376", "--host=ssh://x", "--tls", "--tlsverify=false",
            "--tlscacert", "/ca.pem", "--tlscert=/cert.pem", "--tlskey", "/key.pem",
            "--config-file=/etc/docker/alt.json", "-D", "-s", "overlay2", "--label", "a=b",
            "--", "-H", "ignored"]
    args = p.parse_dockerd_args(argv)
    assert args["hosts"] == ["fd://", "tcp://127.0.0.1:2375", "unix:///a.sock",
                             "tcp://[::1]:2376", "ssh://x"]
    assert args["tls"] is True
    assert args["tlsverify"] is False
    assert (args["tlscacert"], args["tlscert"], args["tlskey"]) == ("/ca.pem", "/cert.pem", "/key.pem")
    assert args["config_file"] == "/etc/docker/alt.json"
    assert args["flags"] == ["hosts", "tls", "tlsverify", "tlscacert", "tlscert", "tlskey",
                             "config-file", "debug", "storage-driver", "labels"]


def test_parse_dockerd_args_bool_values_and_edges():
    assert p.parse_dockerd_args(["d", "--tls=false"])["tls"] is False
    assert p.parse_dockerd_args(["d", "--tlsverify=1"])["tlsverify"] is True
    assert p.parse_dockerd_args(["d", "--tlsverify=maybe"])["tlsverify"] is None
    # a boolean flag never swallows the next word
    assert p.parse_dockerd_args(["d", "--tls", "-H", "fd://"])["hosts"] == ["fd://"]
    assert p.parse_dockerd_args(["d", "--tlscert"])["tlscert"] == ""
    # an unknown boolean flag does not swallow the next -H
    assert p.parse_dockerd_args(["d", "--cri-containerd", "-H", "tcp://0.0.0.0:2375"])["hosts"] == [
        "tcp://0.0.0.0:2375"]
    assert p.parse_dockerd_args(["d", "positional", "-", "--"])["hosts"] == []
    assert p.parse_dockerd_args([])["hosts"] == []
    assert p.parse_dockerd_args(None)["flags"] == []


def test_parse_go_bool():
    assert p.parse_go_bool("true") is True
    assert p.parse_go_bool("T") is True
    assert p.parse_go_bool("0") is False
    assert p.parse_go_bool("no") is None


def test_flag_clashes():
    content = p.parse_daemon_json(sample("hosts_clash", "daemon.json"))["content"]
    flags = p.parse_dockerd_args(STOCK_ARGV)["flags"]
    assert p.flag_clashes(flags, content) == ["hosts"]
    # measured: "containerd" in daemon.json next to --containerd= in ExecStart is refused too
    assert p.flag_clashes(flags, {"containerd": "/run/containerd/containerd.sock"}) == ["containerd"]
    assert p.flag_clashes(flags, {"storage-driver": "vfs"}) == []
    assert p.flag_clashes(["runtimes"], {"runtimes": {}}) == []
    assert p.flag_clashes(flags, None) == []


# ---------------------------------------------------------------- TLS resolution

def _tls(argv, content=None, env=None):
    return p.resolve_tls(p.parse_dockerd_args(argv), content, env)


def test_resolve_tls_off():
    assert _tls(STOCK_ARGV, {"storage-driver": "vfs"}) == {
        "enabled": False, "verify": False, "cacert": None, "cert": None, "key": None}
    assert _tls(["d", "--tls=false"])["enabled"] is False


def test_resolve_tls_daemon_json_tlsverify():
    content = p.parse_daemon_json(sample("tls_verify_daemon_json_expiring", "daemon.json"))["content"]
    assert _tls(STOCK_ARGV, content) == {
        "enabled": True, "verify": True, "cacert": "/etc/docker/tls/ca.pem",
        "cert": "/etc/docker/tls/server-expiring.pem", "key": "/etc/docker/tls/server-expiring-key.pem"}


def test_resolve_tls_json_tls_alone_implies_verify():
    # measured: "tls": true without tlsverify demanded a client certificate (20.10)
    content = p.parse_daemon_json(sample("tls_implied_verify_daemon_json", "daemon.json"))["content"]
    assert _tls(STOCK_ARGV, content)["verify"] is True


def test_resolve_tls_json_verify_false():
    content = p.parse_daemon_json(sample("tls_verify_false_daemon_json", "daemon.json"))["content"]
    tls = _tls(STOCK_ARGV, content)
    assert tls["enabled"] is True and tls["verify"] is False
    assert tls["cacert"] == "/root/.docker/ca.pem"  # default; unused without verify


def test_resolve_tls_flags():
    argv = p.parse_exec_start(show("tls_flag_implied_verify_expired", "service")["ExecStart"])[0]
    tls = _tls(argv)
    assert tls == {"enabled": True, "verify": True, "cacert": "/etc/docker/tls/ca.pem",
                   "cert": "/etc/docker/tls/server-expired.pem",
                   "key": "/etc/docker/tls/server-expired-key.pem"}
    argv = p.parse_exec_start(show("tls_verify_false_flags_expired", "service")["ExecStart"])[0]
    tls = _tls(argv)
    assert tls["enabled"] is True and tls["verify"] is False
    # --tlsverify=false still turns TLS on (dockerd: "if they specify --tlsverify at all")
    assert _tls(["d", "--tlsverify=false"])["enabled"] is True


def test_resolve_tls_default_ca_and_env():
    argv = p.parse_exec_start(show("tls_flag_missing_default_ca", "service")["ExecStart"])[0]
    assert _tls(argv)["cacert"] == "/root/.docker/ca.pem"
    tls = _tls(["d"], None, {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/etc/docker/certs/"})
    assert tls == {"enabled": True, "verify": True, "cacert": "/etc/docker/certs/ca.pem",
                   "cert": "/etc/docker/certs/cert.pem", "key": "/etc/docker/certs/key.pem"}
    assert _tls(["d"], {"tls": "true", "tlsverify": "false"})["verify"] is False
    assert _tls(["d"], {"tls": 1})["enabled"] is False


# ---------------------------------------------------------------- hosts


@pytest.mark.parametrize("host, expected", [
    ("fd://", {"scheme": "fd", "address": None, "port": None, "path": None}),
    ("unix:///run/docker.sock", {"scheme": "unix", "address": None, "port": None, "path": "/run/docker.sock"}),
    ("unix://", {"scheme": "unix", "address": None, "port": None, "path": "/var/run/docker.sock"}),
    ("tcp://0.0.0.0:2375", {"scheme": "tcp", "address": "0.0.0.0", "port": 2375, "path": None}),
    ("tcp://[::]:2376/", {"scheme": "tcp", "address": "::", "port": 2376, "path": None}),
    ("tcp://[::1]", {"scheme": "tcp", "address": "::1", "port": None, "path": None}),
    ("tcp://:2375", {"scheme": "tcp", "address": None, "port": 2375, "path": None}),
    ("tcp://host", {"scheme": "tcp", "address": "host", "port": None, "path": None}),
    ("tcp://host:x", {"scheme": "tcp", "address": "host", "port": None, "path": None}),
    ("127.0.0.1:2375", {"scheme": "tcp", "address": "127.0.0.1", "port": 2375, "path": None}),
    ("ssh://me@h", {"scheme": "ssh", "address": "me@h", "port": None, "path": None}),
    ("", {"scheme": "unix", "address": None, "port": None, "path": "/var/run/docker.sock"}),
])
def test_parse_host(host, expected):
    assert p.parse_host(host) == expected


def test_api_tcp_ports():
    assert p.api_tcp_ports(["fd://"], [], False) == []
    assert p.api_tcp_ports(["fd://"], [2375], False) == [2375]
    assert p.api_tcp_ports(["fd://", "tcp://127.0.0.1:2375", "tcp://0.0.0.0"], [2375], False) == [2375]
    assert p.api_tcp_ports(["tcp://0.0.0.0"], [], True) == [2376]
    assert p.api_tcp_ports([], [], True) == [2376]  # dockerd's fallback tcp://localhost:2376
    assert p.api_tcp_ports([], [], False) == []


# ---------------------------------------------------------------- versions


def test_parse_dockerd_version():
    assert p.parse_dockerd_version(sample("debian12_stock", "dockerd_version.txt")) == "20.10.24+dfsg1"
    assert p.parse_dockerd_version("Docker version 26.1.5+dfsg1, build a72d7cd\n") == "26.1.5+dfsg1"
    assert p.parse_dockerd_version("Docker version 27.3.1, build 41ca978") == "27.3.1"
    assert p.parse_dockerd_version("bash: dockerd: command not found") is None
    assert p.version_major("20.10.24+dfsg1") == 20
    assert p.version_major(None) is None


# ---------------------------------------------------------------- /proc/net


@pytest.mark.parametrize("hex_address, byteorder, expected", [
    ("0100007F", "little", "127.0.0.1"),
    ("00000000", "little", "0.0.0.0"),
    ("0B00007F", "little", "127.0.0.11"),
    ("7F000001", "big", "127.0.0.1"),
    ("00000000000000000000000000000000", "little", "::"),
    ("00000000000000000000000001000000", "little", "::1"),
    ("0000000000000000FFFF00000100007F", "little", "::ffff:127.0.0.1"),
    ("0000000000000000FFFF00000B01A8C0", "little", "::ffff:192.168.1.11"),
    ("B80D0120000000000000000001000000", "little", "2001:db8::1"),
])
def test_decode_proc_address(hex_address, byteorder, expected):
    assert p.format_ip(p.decode_proc_address(hex_address, byteorder)) == expected


def test_parse_proc_net_tcp_stock():
    listen = p.parse_proc_net_tcp(sample("debian12_stock", "proc_net_tcp"), "ipv4")
    assert [(s["address"], s["port"], s["inode"]) for s in listen] == [
        ("127.0.0.1", 46303, 55263), ("127.0.0.11", 40867, 54704), ("0.0.0.0", 22, 54157)]
    assert all(s["family"] == "ipv4" and s["state"] == "0A" for s in listen)
    listen6 = p.parse_proc_net_tcp(sample("debian12_stock", "proc_net_tcp6"), "ipv6")
    assert [(s["address"], s["port"]) for s in listen6] == [("::", 22)]


def test_parse_proc_net_tcp_listen_only():
    text = sample("tcp_loopback_cmdline", "proc_net_tcp")
    assert len(p.parse_proc_net_tcp(text, "ipv4")) == 4
    every = p.parse_proc_net_tcp(text, "ipv4", listen_only=False)
    assert len(every) == 7
    assert set(s["state"] for s in every) == {"0A", "06"}  # 06: TIME_WAIT


def test_parse_proc_net_tcp_variants():
    public = p.parse_proc_net_tcp(sample("tcp_public_socket", "proc_net_tcp"), "ipv4")
    assert ("0.0.0.0", 2375, 70184) in [(s["address"], s["port"], s["inode"]) for s in public]
    dual = p.parse_proc_net_tcp(sample("tcp_dualstack_port_only", "proc_net_tcp6"), "ipv6")
    assert ("::", 2375) in [(s["address"], s["port"]) for s in dual]
    # -H tcp://0.0.0.0:2375 on the command line: dockerd (Go) listens on the dual-stack ::
    opts = p.parse_proc_net_tcp(sample("tcp_public_docker_opts", "proc_net_tcp6"), "ipv6")
    assert ("::", 2375, 103772) in [(s["address"], s["port"], s["inode"]) for s in opts]
    assert p.parse_proc_net_tcp("header\nshort line\n 0: zz:0016 00000000:0000 0A a b c d e 1\n",
                                "ipv4") == []


def test_parse_proc_net_unix_listening():
    stock = p.parse_proc_net_unix_listening(sample("debian12_stock", "proc_net_unix"))
    assert "/run/docker.sock" in stock
    assert "/run/containerd/containerd.sock" in stock
    # docker.socket failed: the path stays on disk, but nothing listens on it
    failed = p.parse_proc_net_unix_listening(sample("socket_failed_bind_ipv6", "proc_net_unix"))
    assert "/run/docker.sock" not in failed
    assert p.parse_proc_net_unix_listening("h\nx: 1 2 zz 1 1 1 /p\n") == []


def test_parse_socket_inode():
    assert p.parse_socket_inode("socket:[55166]") == 55166
    assert p.parse_socket_inode("pipe:[53834]") is None
    assert p.parse_socket_inode(None) is None


# ---------------------------------------------------------------- certificates


def test_parse_openssl_enddate():
    text = sample("tls_verify_daemon_json_expiring", "openssl_enddate.txt")
    assert p.parse_openssl_enddate(text) == datetime.datetime(
        2026, 12, 8, 8, 42, 5, tzinfo=datetime.timezone.utc)
    assert p.parse_openssl_enddate("notAfter=Jan 31 23:59:59.5 2030 GMT").month == 1
    assert p.parse_openssl_enddate("notAfter=Foo  8 08:42:05 2026 GMT") is None
    assert p.parse_openssl_enddate("unable to load certificate") is None


def test_files_newer_than_started_unit():
    from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_parse import files_newer_than

    mtimes = {"/etc/docker/daemon.json": 200.0, "/lib/systemd/system/docker.service": 50.0, "/gone": None}
    assert files_newer_than(mtimes, 100.0) == ["/etc/docker/daemon.json"]
    assert files_newer_than(mtimes, 300.0) == []
    assert files_newer_than(mtimes, None) == []


def test_monotonic_to_epoch():
    from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_parse import monotonic_to_epoch

    # Started 10 s after boot; now is 110 s after boot at epoch 1000 -> started at epoch 900.
    assert monotonic_to_epoch(10_000_000, 1000.0, 110.0) == 900.0
    assert monotonic_to_epoch(0, 1000.0, 110.0) is None
    assert monotonic_to_epoch(None, 1000.0, 110.0) is None

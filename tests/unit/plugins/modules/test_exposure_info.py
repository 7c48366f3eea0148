# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Unit tests for the exposure_info module: main() on hosts captured in samples.

Only the module's host access is replaced (run_command, get_bin_path and the few
functions that read files and /proc); everything else runs as on a real host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import glob
import json
import os
import sys

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.dockerd.exposure.plugins.modules import exposure_info as module

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "exposure")
NOW = datetime.datetime(2026, 11, 28, 8, 0, 0, tzinfo=datetime.timezone.utc)

RETURN_KEYS = {"dockerd_path", "docker_version", "service", "socket", "daemon_json",
               "unix_sockets", "tcp_listeners", "hosts", "tls", "modes", "findings"}
SERVICE_KEYS = {"active_state", "sub_state", "main_pid", "fragment_path", "drop_in_paths",
                "exec_start", "packaged_exec_start", "n_restarts", "invocation_id",
                "exec_main_start_timestamp"}
SOCKET_KEYS = {"active_state", "fragment_path", "drop_in_paths", "listen", "socket_mode",
               "socket_user", "socket_group"}
TLS_KEYS = {"enabled", "verify", "cacert", "cert", "key", "cert_not_after", "cert_days_left"}


class ExitJson(Exception):
    pass


class FailJson(Exception):
    pass


def _sample_path(directory, name):
    return os.path.join(SAMPLES, directory, name)


def _read(path):
    with open(path) as handle:
        return handle.read()


class FakeHost:
    """A host as captured in one samples directory."""

    def __init__(self, directory, booted=True, bins=("systemctl",), cmdlines=None,
                 extra_files=None, unreadable=(), rc_systemctl=0,
                 proxy_show="LoadState=not-found\n"):
        self.directory = directory
        self.proxy_show = proxy_show
        self.booted = booted
        self.bins = set(bins)
        self.commands = []
        self.rc_systemctl = rc_systemctl
        self.unreadable = set(unreadable)
        state_path = _sample_path(directory, "host_state.json")
        self.state = json.loads(_read(state_path)) if os.path.exists(state_path) else {
            "stat": {}, "procs": {}}
        self.files = {}
        for name, path in (("proc_net_tcp", "/proc/net/tcp"), ("proc_net_tcp6", "/proc/net/tcp6"),
                           ("proc_net_unix", "/proc/net/unix"),
                           ("daemon.json", "/etc/docker/daemon.json"),
                           ("etc_default_docker", "/etc/default/docker")):
            if os.path.exists(_sample_path(directory, name)):
                self.files[path] = _read(_sample_path(directory, name))
        for unit in ("service", "socket"):
            props = self.show(unit)
            fragment = [line.split("=", 1)[1] for line in props.splitlines()
                        if line.startswith("FragmentPath=")]
            if fragment and fragment[0] and os.path.exists(_sample_path(directory, "docker." + unit)):
                self.files[fragment[0]] = _read(_sample_path(directory, "docker." + unit))
        # TLS material the hosts had: certificates from any sample directory, keys exist.
        for pem in glob.glob(os.path.join(SAMPLES, "*", "*.pem")):
            self.files.setdefault("/etc/docker/tls/" + os.path.basename(pem), _read(pem))
        for name in ("ca-key.pem", "server-expiring-key.pem", "server-expired-key.pem",
                     "server-valid-key.pem"):
            self.files["/etc/docker/tls/" + name] = "(key)"
        for pid, argv in (cmdlines or {}).items():
            self.files["/proc/%d/cmdline" % pid] = "\0".join(argv) + "\0"
        self.files.update(extra_files or {})

    def show(self, unit):
        return _read(_sample_path(self.directory, "systemctl_show_docker.%s.txt" % unit))

    # -- replacements for the module's host access
    def read_bytes(self, path):
        if path in self.unreadable:
            raise module.ReadError(path, OSError(errno.EACCES, "Permission denied"))
        value = self.files.get(path)
        if value is None:
            return None
        if isinstance(value, Exception):
            raise module.ReadError(path, value)
        return value.encode("utf-8")

    def stat_path(self, path):
        info = self.state["stat"].get(path)
        if info is not None:
            return {"mode": int(info["mode"], 8), "owner": info["owner"], "group": info["group"],
                    "is_socket": info["is_socket"]}
        if path in self.files:
            return {"mode": 0o644, "owner": "root", "group": "root", "is_socket": False}
        return None

    @staticmethod
    def real_path(path):
        return "/run/" + path[len("/var/run/"):] if path.startswith("/var/run/") else path

    def process_names(self):
        return {int(pid): info["comm"] for pid, info in self.state["procs"].items()}

    def socket_inodes(self, pid):
        if "/proc/%d/fd" % pid in self.unreadable:
            raise module.ReadError("/proc/%d/fd" % pid, OSError(errno.EACCES, "Permission denied"))
        return set(self.state["procs"].get(str(pid), {}).get("socket_inodes", []))

    def get_bin_path(self, name, required=False, opt_dirs=None):
        if name in self.bins:
            return "/usr/bin/" + name
        return None

    def run_command(self, args, **kwargs):
        self.commands.append(list(args))
        if args[0].endswith("systemctl") and args[1] == "show":
            if self.rc_systemctl:
                return self.rc_systemctl, "", "Failed to connect to bus: No such file or directory\n"
            if args[2] == module.PROXY_SOCKET_UNIT:
                return 0, self.proxy_show, ""
            return 0, self.show(args[2].split(".")[1]), ""
        if args[1:] == ["--version"]:
            return 0, _read(_sample_path(self.directory, "dockerd_version.txt")), ""
        if args[0].endswith("openssl"):
            path = args[-1]
            if path in self.files:
                return 0, _read(_sample_path("tls_verify_daemon_json_expiring", "openssl_enddate.txt")), ""
            return 1, "", "Could not open file\n"
        raise AssertionError("unexpected command %r" % (args,))


def run_module(monkeypatch, host, params=None, check_mode=False):
    for name in ("read_bytes", "stat_path", "real_path", "process_names", "socket_inodes"):
        monkeypatch.setattr(module, name, getattr(host, name))
    monkeypatch.setattr(module, "systemd_booted", lambda: host.booted)
    monkeypatch.setattr(module, "utcnow", lambda: NOW)
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, args, **kw: host.run_command(args, **kw))
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda self, name, required=False, opt_dirs=None: host.get_bin_path(name))

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    args = dict(params or {})
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as info:
            module.main()
    if info.type is FailJson:
        return "failed", info.value.args[0]
    return "ok", info.value.args[0]


def run_ok(monkeypatch, host, **kwargs):
    status, result = run_module(monkeypatch, host, **kwargs)
    assert status == "ok", result
    assert RETURN_KEYS <= set(result)
    assert set(result["service"]) == SERVICE_KEYS
    assert set(result["socket"]) == SOCKET_KEYS
    assert set(result["tls"]) == TLS_KEYS
    assert result["changed"] is False
    return result


def ids(result):
    return [item["id"] for item in result["findings"]]


# ---------------------------------------------------------------- the stock host


def test_stock_debian12(monkeypatch):
    host = FakeHost("debian12_stock")
    result = run_ok(monkeypatch, host)
    assert result["modes"] == ["unix"]
    assert result["findings"] == []
    assert result["dockerd_path"] == "/usr/sbin/dockerd"
    assert result["docker_version"] == "20.10.24+dfsg1"
    stock_argv = ["/usr/sbin/dockerd", "-H", "fd://",
                  "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS"]
    assert result["service"] == {
        "active_state": "active", "sub_state": "running", "main_pid": 62,
        "fragment_path": "/lib/systemd/system/docker.service", "drop_in_paths": [],
        "exec_start": [stock_argv], "packaged_exec_start": stock_argv, "n_restarts": 0,
        "invocation_id": "efaa345e308f452caff2b720abc258f0",
        "exec_main_start_timestamp": "Sat 2026-11-28 07:39:28 UTC"}
    assert result["socket"] == {
        "active_state": "active", "fragment_path": "/lib/systemd/system/docker.socket",
        "drop_in_paths": [], "listen": [{"type": "Stream", "address": "/run/docker.sock"}],
        "socket_mode": "0660", "socket_user": "root", "socket_group": "docker"}
    assert result["daemon_json"] == {"path": "/etc/docker/daemon.json", "exists": True,
                                     "valid": True, "content": {"storage-driver": "vfs"},
                                     "error": None}
    assert result["unix_sockets"] == [{"path": "/run/docker.sock", "exists": True, "owner": "root",
                                       "group": "docker", "mode": "0660",
                                       "world_accessible": False, "listening": True}]
    # 127.0.0.1:46303 (containerd) and 127.0.0.11 (Docker's DNS) are not dockerd's
    assert result["tcp_listeners"] == []
    assert result["hosts"] == ["fd://"]
    assert result["tls"] == {"enabled": False, "verify": False, "cacert": None, "cert": None,
                             "key": None, "cert_not_after": None, "cert_days_left": None}
    assert ["/usr/bin/systemctl", "show", "docker.service", "--no-pager"] == host.commands[0][:4]
    assert "--property=ExecStart" in host.commands[0]
    assert "--property=Listen" in host.commands[1]
    assert host.commands[2][:3] == ["/usr/bin/systemctl", "show", "dockerd-exposure-tcp.socket"]
    assert host.commands[3] == ["/usr/sbin/dockerd", "--version"]


def test_check_mode_gives_the_same_facts(monkeypatch):
    normal = run_ok(monkeypatch, FakeHost("debian12_stock"))
    checked = run_ok(monkeypatch, FakeHost("debian12_stock"), check_mode=True)
    assert checked == normal


# ---------------------------------------------------------------- every captured variant


@pytest.mark.parametrize("directory, modes, finding_ids", [
    ("debian12_stock", ["unix"], []),
    ("tcp_public_socket", ["tcp", "unix"], ["plain_tcp_public"]),
    ("tcp_dualstack_port_only", ["tcp", "unix"], ["plain_tcp_public"]),
    ("tcp_loopback_socket", ["tcp", "unix"], ["plain_tcp_loopback"]),
    ("tcp_loopback_cmdline", ["tcp", "unix"], ["plain_tcp_loopback"]),
    ("tcp_public_docker_opts", ["tcp", "unix"], ["plain_tcp_public"]),
    ("socket_failed_bind_ipv6", [], ["service_inactive", "socket_inactive"]),
    ("hosts_clash", [], ["hosts_clash", "service_inactive", "socket_inactive"]),
    ("socket_mode_0666", ["unix"], ["socket_world_accessible"]),
    ("dropin_without_execstart_reset", ["tcp", "unix"], ["unit_bad_setting", "plain_tcp_loopback"]),
    ("tls_verify_daemon_json_expiring", ["tls", "unix"], ["cert_expiring"]),
    ("tls_implied_verify_daemon_json", ["tls", "unix"], []),
    ("tls_verify_false_daemon_json", ["tls", "unix"], ["tls_without_verify"]),
    ("tls_flag_implied_verify_expired", ["tls", "unix"], ["cert_expired"]),
    ("tls_verify_false_flags_expired", ["tls", "unix"], ["cert_expired", "tls_without_verify"]),
    ("tls_flag_missing_default_ca", [],
     ["cert_expired", "service_inactive", "socket_inactive", "tls_file_missing"]),
])
def test_samples(monkeypatch, directory, modes, finding_ids):
    result = run_ok(monkeypatch, FakeHost(directory))
    assert result["modes"] == modes
    assert ids(result) == finding_ids


def test_tcp_public_socket_details(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tcp_public_socket"))
    assert result["tcp_listeners"] == [{"address": "0.0.0.0", "port": 2375, "family": "ipv4",
                                        "pid": 783, "process": "dockerd", "plain_proxy": False}]
    assert result["socket"]["listen"][1] == {"type": "Stream", "address": "0.0.0.0:2375"}
    assert result["socket"]["drop_in_paths"] == ["/etc/systemd/system/docker.socket.d/tcp.conf"]
    assert "0.0.0.0:2375" in result["findings"][0]["message"]


def test_tcp_dualstack_listener_is_ipv6(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tcp_dualstack_port_only"))
    assert [(i["address"], i["port"], i["family"]) for i in result["tcp_listeners"]] == [
        ("::", 2375, "ipv6")]
    assert "[::]:2375" in result["findings"][0]["message"]


def test_docker_opts_are_expanded(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tcp_public_docker_opts"))
    assert result["hosts"] == ["fd://", "tcp://0.0.0.0:2375"]
    assert result["service"]["exec_start"][0][-1] == "$DOCKER_OPTS"  # reported as written
    assert result["tcp_listeners"][0]["address"] == "::"  # Go listens dual-stack for 0.0.0.0
    assert result["tls"]["enabled"] is False  # --tls=false


def test_listener_held_by_systemd_while_dockerd_is_down(monkeypatch):
    host = FakeHost("tcp_public_socket")
    # dockerd gone: only systemd (PID 1) holds the 0.0.0.0:2375 socket
    host.state["procs"] = {"1": host.state["procs"]["1"]}
    result = run_ok(monkeypatch, host)
    assert result["tcp_listeners"] == [{"address": "0.0.0.0", "port": 2375, "family": "ipv4",
                                        "pid": 1, "process": "systemd", "plain_proxy": False}]
    assert "plain_tcp_public" in ids(result)


def test_systemd_listener_on_other_port_is_ignored(monkeypatch):
    host = FakeHost("debian12_stock")
    # systemd holds sockets of its own; without a TCP ListenStream they are never listed
    host.state["procs"]["1"]["socket_inodes"].append(54157)  # the sshd 0.0.0.0:22 inode
    result = run_ok(monkeypatch, host)
    assert result["tcp_listeners"] == []


def test_hosts_clash_details(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("hosts_clash"))
    assert result["hosts"] == ["fd://", "unix:///run/docker.sock", "tcp://127.0.0.1:2375"]
    assert result["service"]["active_state"] == "failed"
    assert result["service"]["n_restarts"] == 3
    assert result["service"]["main_pid"] == 0
    # /run/docker.sock stays on disk, but nothing listens on it
    assert result["unix_sockets"][0]["exists"] is True
    assert result["unix_sockets"][0]["listening"] is False
    clash = result["findings"][0]
    assert clash["id"] == "hosts_clash" and clash["severity"] == "critical"
    assert "-H fd://" in clash["message"]


def test_socket_failed_leaves_stale_root_socket(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("socket_failed_bind_ipv6"))
    assert result["unix_sockets"] == [{"path": "/run/docker.sock", "exists": True, "owner": "root",
                                       "group": "root", "mode": "0660", "world_accessible": False,
                                       "listening": False}]
    assert "Result=resources" in result["findings"][1]["message"]


def test_socket_mode_0666_details(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("socket_mode_0666"))
    assert result["socket"]["socket_mode"] == "0666"
    assert result["unix_sockets"][0]["mode"] == "0666"
    assert result["unix_sockets"][0]["world_accessible"] is True


def test_dropin_without_reset_details(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("dropin_without_execstart_reset"))
    assert len(result["service"]["exec_start"]) == 2
    assert result["service"]["packaged_exec_start"][0] == "/usr/sbin/dockerd"
    assert result["hosts"] == ["fd://", "tcp://127.0.0.1:2375"]
    assert result["tcp_listeners"] == [{"address": "127.0.0.1", "port": 2375, "family": "ipv4",
                                        "pid": 1208, "process": "dockerd", "plain_proxy": False}]


def test_tls_expiring_details(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tls_verify_daemon_json_expiring"))
    assert result["tls"] == {
        "enabled": True, "verify": True, "cacert": "/etc/docker/tls/ca.pem",
        "cert": "/etc/docker/tls/server-expiring.pem", "key": "/etc/docker/tls/server-expiring-key.pem",
        "cert_not_after": "2026-12-08T08:42:05+00:00", "cert_days_left": 10}
    assert result["tcp_listeners"][0]["port"] == 2376
    assert result["findings"][0]["severity"] == "medium"


def test_tls_expiry_through_openssl_without_cryptography(monkeypatch):
    monkeypatch.setitem(sys.modules, "cryptography", None)  # "import cryptography" fails
    host = FakeHost("tls_verify_daemon_json_expiring", bins=("systemctl", "openssl"))
    result = run_ok(monkeypatch, host)
    assert result["tls"]["cert_not_after"] == "2026-12-08T08:42:05+00:00"
    assert ["/usr/bin/openssl", "x509", "-noout", "-enddate", "-in",
            "/etc/docker/tls/server-expiring.pem"] in host.commands


def test_tls_expiry_unknown_without_cryptography_and_openssl(monkeypatch):
    monkeypatch.setitem(sys.modules, "cryptography", None)
    result = run_ok(monkeypatch, FakeHost("tls_verify_daemon_json_expiring"))
    assert result["tls"]["cert_not_after"] is None
    assert result["tls"]["cert_days_left"] is None
    assert ids(result) == []


def test_cert_warning_days_option(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tls_implied_verify_daemon_json"),
                    params={"cert_warning_days": 365})
    assert ids(result) == ["cert_expiring"]


def test_missing_default_ca(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("tls_flag_missing_default_ca"))
    assert result["tls"]["cacert"] == "/root/.docker/ca.pem"
    missing = [i for i in result["findings"] if i["id"] == "tls_file_missing"]
    assert len(missing) == 1 and "/root/.docker/ca.pem" in missing[0]["message"]


# ---------------------------------------------------------------- hosts without docker/systemd


def test_units_not_found(monkeypatch):
    result = run_ok(monkeypatch, FakeHost("units_not_found"))
    assert all(v in (None, []) for v in result["service"].values())
    assert all(v in (None, []) for v in result["socket"].values())
    assert result["dockerd_path"] is None and result["docker_version"] is None
    assert result["daemon_json"]["exists"] is False
    assert result["modes"] == []
    assert ids(result) == ["service_inactive"]
    assert "not installed" in result["findings"][0]["message"]


def test_without_systemd_reads_the_running_dockerd(monkeypatch):
    argv = ["/usr/bin/dockerd", "-H", "unix:///var/run/docker.sock", "-H", "tcp://0.0.0.0:2375"]
    host = FakeHost("tcp_public_docker_opts", booted=False, bins=("dockerd",),
                    cmdlines={1448: argv})
    result = run_ok(monkeypatch, host)
    assert not any(cmd[0].endswith("systemctl") for cmd in host.commands)
    assert result["service"]["active_state"] is None
    assert result["socket"]["listen"] == []
    assert result["dockerd_path"] == "/usr/bin/dockerd"
    assert result["hosts"] == ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
    assert result["unix_sockets"][0]["path"] == "/var/run/docker.sock"
    assert result["unix_sockets"][0]["listening"] is True  # listed as /run/docker.sock
    assert result["modes"] == ["tcp", "unix"]
    assert ids(result) == ["plain_tcp_public"]


def test_without_systemd_and_without_dockerd(monkeypatch):
    host = FakeHost("units_not_found", booted=False, bins=())
    result = run_ok(monkeypatch, host)
    assert host.commands == []
    assert result["findings"] == [] and result["modes"] == []
    assert result["unix_sockets"] == []


def test_default_socket_when_no_host_is_configured(monkeypatch):
    host = FakeHost("debian12_stock", booted=False, bins=("dockerd",),
                    cmdlines={62: ["/usr/bin/dockerd"]})
    result = run_ok(monkeypatch, host)
    assert result["hosts"] == []
    assert [s["path"] for s in result["unix_sockets"]] == ["/var/run/docker.sock"]
    assert result["modes"] == ["unix"]


# ---------------------------------------------------------------- daemon.json edge cases


def test_daemon_json_invalid(monkeypatch):
    host = FakeHost("debian12_stock", extra_files={"/etc/docker/daemon.json": "[1, 2]\n"})
    result = run_ok(monkeypatch, host)
    assert result["daemon_json"]["valid"] is False
    assert result["daemon_json"]["content"] is None
    assert "JSON array" in result["daemon_json"]["error"]
    assert ids(result) == ["daemon_json_invalid"]


def test_daemon_json_is_a_directory(monkeypatch):
    host = FakeHost("debian12_stock", extra_files={
        "/etc/docker/daemon.json": OSError(errno.EISDIR, "Is a directory")})
    result = run_ok(monkeypatch, host)
    assert result["daemon_json"]["exists"] is True
    assert "is a directory" in result["daemon_json"]["error"]
    assert ids(result) == ["daemon_json_invalid"]


def test_config_file_flag_moves_daemon_json(monkeypatch):
    host = FakeHost("debian12_stock", booted=False, bins=("dockerd",),
                    cmdlines={62: ["/usr/bin/dockerd", "--config-file", "/etc/docker/alt.json"]},
                    extra_files={"/etc/docker/alt.json": '{"hosts": ["unix:///run/docker.sock"]}'})
    result = run_ok(monkeypatch, host)
    assert result["daemon_json"]["path"] == "/etc/docker/alt.json"
    assert result["hosts"] == ["unix:///run/docker.sock"]


def test_containerd_clash(monkeypatch):
    host = FakeHost("debian12_stock", extra_files={
        "/etc/docker/daemon.json": '{"containerd": "/run/containerd/containerd.sock"}'})
    result = run_ok(monkeypatch, host)
    assert ids(result) == ["flag_clash"]


# ---------------------------------------------------------------- failures


def test_fails_without_root(monkeypatch):
    host = FakeHost("tcp_public_socket", unreadable={"/proc/783/fd"})
    status, result = run_module(monkeypatch, host)
    assert status == "failed"
    assert "/proc/783/fd" in result["msg"] and "become: true" in result["msg"]


def test_fails_when_systemctl_fails(monkeypatch):
    status, result = run_module(monkeypatch, FakeHost("debian12_stock", rc_systemctl=1))
    assert status == "failed"
    assert "systemctl show docker.service" in result["msg"]
    assert "Failed to connect to bus" in result["msg"]


def test_fails_on_unreadable_environment_file(monkeypatch):
    host = FakeHost("debian12_stock", unreadable={"/etc/default/docker"})
    status, result = run_module(monkeypatch, host)
    assert status == "failed"
    assert "/etc/default/docker" in result["msg"]


def test_rejects_negative_warning_days(monkeypatch):
    status, result = run_module(monkeypatch, FakeHost("debian12_stock"),
                                params={"cert_warning_days": -1})
    assert status == "failed"
    assert "cert_warning_days -1 is negative" in result["msg"]


# ---------------------------------------------------------------- the real host helpers


def test_host_helpers_on_this_machine(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("x")
    assert module.read_text(str(path)) == "x"
    assert module.read_text(str(tmp_path / "missing")) is None
    with pytest.raises(module.ReadError):
        module.read_bytes(str(tmp_path))  # a directory
    info = module.stat_path(str(path))
    assert info["is_socket"] is False and isinstance(info["mode"], int)
    assert module.stat_path(str(tmp_path / "missing")) is None
    names = module.process_names()
    assert os.getpid() in names
    assert isinstance(module.socket_inodes(os.getpid()), set)
    assert module.socket_inodes(2 ** 22 + 7) == set()  # no such process
    assert module.utcnow().tzinfo is not None

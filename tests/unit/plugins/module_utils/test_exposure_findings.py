# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Unit tests for _exposure_findings: modes and findings from facts.

The facts mirror the captured hosts in tests/unit/samples/exposure/ (the module test
runs the whole chain on those samples; here each rule is tested on its own).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _exposure_findings as f

UTC = datetime.timezone.utc

STOCK_SOCKET = {"path": "/run/docker.sock", "exists": True, "owner": "root", "group": "docker",
                "mode": "0660", "world_accessible": False, "listening": True}

STOCK = {
    "dockerd_path": "/usr/sbin/dockerd",
    "docker_version": "20.10.24+dfsg1",
    "service": {"active_state": "active", "sub_state": "running", "main_pid": 62,
                "fragment_path": "/lib/systemd/system/docker.service", "drop_in_paths": [],
                "exec_start": [["/usr/sbin/dockerd", "-H", "fd://",
                                "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS"]],
                "packaged_exec_start": ["/usr/sbin/dockerd", "-H", "fd://",
                                        "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS"],
                "n_restarts": 0, "invocation_id": "efaa345e308f452caff2b720abc258f0",
                "exec_main_start_timestamp": "Sat 2026-11-28 07:39:28 UTC"},
    "socket": {"active_state": "active", "fragment_path": "/lib/systemd/system/docker.socket",
               "drop_in_paths": [], "listen": [{"type": "Stream", "address": "/run/docker.sock"}],
               "socket_mode": "0660", "socket_user": "root", "socket_group": "docker"},
    "daemon_json": {"path": "/etc/docker/daemon.json", "exists": True, "valid": True,
                    "content": {"storage-driver": "vfs"}, "error": None},
    "unix_sockets": [STOCK_SOCKET],
    "tcp_listeners": [],
    "hosts": ["fd://"],
    "tls": {"enabled": False, "verify": False, "cacert": None, "cert": None, "key": None,
            "cert_not_after": None, "cert_days_left": None},
}
STOCK_CONTEXT = {"systemd": True, "service_load_state": "loaded", "service_result": "success",
                 "socket_load_state": "loaded", "socket_result": "success",
                 "argv_hosts": ["fd://"], "flag_clashes": [], "api_ports": [],
                 "missing_tls_files": [], "cert_warning_days": 30}


def facts(**changes):
    result = copy.deepcopy(STOCK)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key].update(value)
        else:
            result[key] = value
    return result


def context(**changes):
    result = dict(STOCK_CONTEXT)
    result.update(changes)
    return result


def ids(findings):
    return [item["id"] for item in findings]


def listener(address, port, family="ipv4", pid=191, process="dockerd"):
    return {"address": address, "port": port, "family": family, "pid": pid, "process": process}


TLS_ON = {"enabled": True, "verify": True, "cacert": "/etc/docker/tls/ca.pem",
          "cert": "/etc/docker/tls/server.pem", "key": "/etc/docker/tls/server-key.pem",
          "cert_not_after": "2027-06-16T07:42:05+00:00", "cert_days_left": 200}


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize("address, expected", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("::ffff:127.0.0.1", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("::ffff:192.168.1.11", False), ("172.17.0.1", False),
    ("2001:db8::1", False), ("not-an-ip", False), (None, False),
])
def test_is_loopback(address, expected):
    assert f.is_loopback(address) is expected


def test_api_listeners():
    items = [listener("0.0.0.0", 2375), listener("::", 2377, "ipv6"), listener("::", 7946, "ipv6"),
             listener("127.0.0.1", 9323)]
    assert f.api_listeners(items, [2375]) == [items[0]]
    assert f.api_listeners(items, []) == []
    # unknown API ports: all but swarm count
    assert f.api_listeners(items, None) == [items[0], items[3]]


def test_unix_served():
    assert f.unix_served(STOCK_SOCKET)
    assert not f.unix_served(dict(STOCK_SOCKET, listening=False))  # stale file after a failure
    assert f.unix_served(dict(STOCK_SOCKET, listening=None))
    assert not f.unix_served({"exists": False, "listening": None})


def test_compute_modes():
    assert f.compute_modes([STOCK_SOCKET], [], STOCK["tls"], []) == ["unix"]
    assert f.compute_modes([dict(STOCK_SOCKET, listening=False)], [], STOCK["tls"], []) == []
    assert f.compute_modes([STOCK_SOCKET], [listener("0.0.0.0", 2375)], STOCK["tls"], [2375]) == [
        "tcp", "unix"]
    assert f.compute_modes([STOCK_SOCKET], [listener("0.0.0.0", 2376)], TLS_ON, [2376]) == [
        "tls", "unix"]
    # a swarm port is not an API endpoint
    assert f.compute_modes([STOCK_SOCKET], [listener("::", 2377, "ipv6")], STOCK["tls"], []) == ["unix"]
    assert f.compute_modes([], [], None) == []


def test_cert_days_left():
    now = datetime.datetime(2026, 11, 28, 8, 0, 0, tzinfo=UTC)
    assert f.cert_days_left(datetime.datetime(2026, 12, 8, 8, 42, 5, tzinfo=UTC), now) == 10
    assert f.cert_days_left(datetime.datetime(2026, 11, 26, 7, 42, 5, tzinfo=UTC), now) == -3
    assert f.cert_days_left(datetime.datetime(2026, 11, 28, 7, 59, 59, tzinfo=UTC), now) == -1
    assert f.cert_days_left(datetime.datetime(2026, 11, 28, 8, 0, 1, tzinfo=UTC), now) == 0
    assert f.cert_days_left(None, now) is None


def test_format_endpoint():
    assert f.format_endpoint(listener("0.0.0.0", 2375)) == "0.0.0.0:2375"
    assert f.format_endpoint(listener("::", 2375, "ipv6")) == "[::]:2375"


# ---------------------------------------------------------------- classify


def test_stock_host_has_no_findings():
    assert f.classify(facts(), context()) == []
    assert f.classify(facts()) == []  # context optional


def test_hosts_clash():
    daemon_json = {"content": {"storage-driver": "vfs",
                               "hosts": ["unix:///run/docker.sock", "tcp://127.0.0.1:2375"]}}
    found = f.classify(facts(daemon_json=daemon_json), context(flag_clashes=["hosts"]))
    assert ids(found) == ["hosts_clash"]
    item = found[0]
    assert item["severity"] == "critical"
    assert "unix:///run/docker.sock and tcp://127.0.0.1:2375" in item["message"]
    assert "-H fd://" in item["message"]
    assert "specified both as a flag and in the configuration file: hosts" in item["message"]
    assert "ListenStream=" in item["fix"]


def test_other_flag_clash():
    found = f.classify(facts(), context(flag_clashes=["containerd", "debug"]))
    assert ids(found) == ["flag_clash"]
    assert "\"containerd\" and \"debug\"" in found[0]["message"]
    found = f.classify(facts(), context(flag_clashes=["hosts", "containerd"]))
    assert ids(found) == ["flag_clash", "hosts_clash"]


def test_daemon_json_invalid():
    bad = {"exists": True, "valid": False, "content": None,
           "error": "daemon.json holds a JSON array, but dockerd needs a JSON object ({...})."}
    found = f.classify(facts(daemon_json=bad), context())
    assert ids(found) == ["daemon_json_invalid"]
    assert found[0]["severity"] == "high"
    assert "/etc/docker/daemon.json" in found[0]["message"] and "JSON array" in found[0]["message"]
    missing = {"exists": False, "valid": False, "content": None, "error": None}
    assert f.classify(facts(daemon_json=missing), context()) == []


def test_socket_world_accessible():
    sock = dict(STOCK_SOCKET, mode="0666", world_accessible=True)
    found = f.classify(facts(unix_sockets=[sock]), context())
    assert ids(found) == ["socket_world_accessible"]
    assert found[0]["severity"] == "critical"
    assert "/run/docker.sock has mode 0666 (root:docker)" in found[0]["message"]
    assert "SocketMode=0660" in found[0]["fix"]


@pytest.mark.parametrize("address, family", [("0.0.0.0", "ipv4"), ("::", "ipv6"),
                                             ("172.17.0.1", "ipv4")])
def test_plain_tcp_public(address, family):
    found = f.classify(facts(tcp_listeners=[listener(address, 2375, family)]),
                       context(api_ports=[2375]))
    assert ids(found) == ["plain_tcp_public"]
    assert found[0]["severity"] == "critical"
    assert ":2375" in found[0]["message"]


def test_plain_tcp_loopback_and_public_together():
    items = [listener("127.0.0.1", 2375), listener("0.0.0.0", 2380)]
    found = f.classify(facts(tcp_listeners=items), context(api_ports=[2375, 2380]))
    assert ids(found) == ["plain_tcp_public", "plain_tcp_loopback"]
    assert found[1]["severity"] == "low"
    assert "127.0.0.1:2375" in found[1]["message"]
    assert "0.0.0.0:2380" in found[0]["message"]


def test_plain_tcp_held_by_systemd_while_dockerd_is_down():
    items = [listener("0.0.0.0", 2375, pid=1, process="systemd")]
    found = f.classify(facts(tcp_listeners=items), context(api_ports=[2375]))
    assert "plain_tcp_public" in ids(found)


def test_swarm_ports_are_not_plain_tcp():
    items = [listener("::", 2377, "ipv6"), listener("::", 7946, "ipv6")]
    assert f.classify(facts(tcp_listeners=items), context(api_ports=[])) == []


def test_tls_listener_is_fine():
    found = f.classify(facts(tls=TLS_ON, tcp_listeners=[listener("0.0.0.0", 2376)]),
                       context(api_ports=[2376]))
    assert found == []


def test_tls_without_verify():
    tls = dict(TLS_ON, verify=False)
    found = f.classify(facts(tls=tls, tcp_listeners=[listener("0.0.0.0", 2376)]),
                       context(api_ports=[2376]))
    assert ids(found) == ["tls_without_verify"]
    assert found[0]["severity"] == "high"
    assert "0.0.0.0:2376" in found[0]["message"]
    # configured tcp host but dockerd down: still reported
    found = f.classify(facts(tls=tls, hosts=["fd://", "tcp://0.0.0.0:2376"]), context())
    assert ids(found) == ["tls_without_verify"]
    # TLS on without any TCP endpoint: nothing to say
    assert f.classify(facts(tls=tls), context()) == []


def test_tls_file_missing():
    found = f.classify(facts(tls=TLS_ON),
                       context(missing_tls_files=[("CA certificate", "/root/.docker/ca.pem")]))
    assert ids(found) == ["tls_file_missing"]
    assert "/root/.docker/ca.pem" in found[0]["message"]
    # TLS off: missing files do not matter
    assert f.classify(facts(), context(missing_tls_files=[("CA certificate", "/x")])) == []


@pytest.mark.parametrize("days, expected", [
    (200, []), (31, []), (30, ["cert_expiring"]), (10, ["cert_expiring"]), (1, ["cert_expiring"]),
    (0, ["cert_expiring"]), (-1, ["cert_expired"]), (-3, ["cert_expired"]),
])
def test_cert_expiry(days, expected):
    tls = dict(TLS_ON, cert_days_left=days, cert_not_after="2026-12-08T08:42:05+00:00")
    found = f.classify(facts(tls=tls), context())
    assert ids(found) == expected
    if expected == ["cert_expiring"]:
        assert found[0]["severity"] == "medium"
        assert "/etc/docker/tls/server.pem expires on 2026-12-08T08:42:05+00:00" in found[0]["message"]
    if expected == ["cert_expired"]:
        assert found[0]["severity"] == "critical"


def test_cert_warning_days_is_configurable():
    tls = dict(TLS_ON, cert_days_left=60)
    assert ids(f.classify(facts(tls=tls), context(cert_warning_days=90))) == ["cert_expiring"]
    # unknown expiry: no finding
    assert f.classify(facts(tls=dict(TLS_ON, cert_days_left=None, cert_not_after=None)), context()) == []


def test_service_inactive_after_failures():
    service = {"active_state": "failed", "sub_state": "failed", "main_pid": 0, "n_restarts": 3}
    socket = {"active_state": "failed"}
    found = f.classify(facts(service=service, socket=socket),
                       context(service_result="exit-code", socket_result="service-start-limit-hit"))
    assert ids(found) == ["service_inactive", "socket_inactive"]
    assert "ActiveState=failed, SubState=failed, Result=exit-code" in found[0]["message"]
    assert "reset-failed" in found[0]["fix"]
    assert "Result=service-start-limit-hit" in found[1]["message"]
    assert "/run/docker.sock" in found[1]["message"]
    assert found[1]["severity"] == "high"


def test_service_stopped_socket_active_and_inactive_socket_severity():
    found = f.classify(facts(service={"active_state": "inactive", "sub_state": "dead"}), context())
    assert ids(found) == ["service_inactive"]
    assert "Result" not in found[0]["message"]
    found = f.classify(facts(socket={"active_state": "inactive"}), context())
    assert ids(found) == ["socket_inactive"]
    assert found[0]["severity"] == "medium"


def test_service_not_installed_and_no_systemd():
    empty_service = {k: None for k in STOCK["service"]}
    found = f.classify(facts(service=empty_service), context(service_load_state="not-found",
                                                             socket_load_state="not-found"))
    assert ids(found) == ["service_inactive"]
    assert "not installed" in found[0]["message"]
    assert f.classify(facts(service=empty_service, socket={"active_state": None}),
                      context(systemd=False, service_load_state=None)) == []


def test_unit_bad_setting():
    service = {"drop_in_paths": ["/etc/systemd/system/docker.service.d/tls.conf"],
               "exec_start": [["/usr/sbin/dockerd", "-H", "fd://"],
                              ["/usr/sbin/dockerd", "-H", "fd://", "-H", "tcp://127.0.0.1:2375"]]}
    found = f.classify(facts(service=service), context(service_load_state="bad-setting"))
    assert ids(found) == ["unit_bad_setting"]
    assert "2 ExecStart= commands" in found[0]["message"]
    assert "/etc/systemd/system/docker.service.d/tls.conf" in found[0]["fix"]
    found = f.classify(facts(), context(service_load_state="bad-setting"))
    assert "ExecStart= commands" not in found[0]["message"]
    assert "/lib/systemd/system/docker.service" in found[0]["fix"]


def test_findings_shape_and_order():
    sock = dict(STOCK_SOCKET, mode="0666", world_accessible=True)
    tls = dict(TLS_ON, verify=False, cert_days_left=5)
    found = f.classify(
        facts(unix_sockets=[sock], tls=tls, tcp_listeners=[listener("0.0.0.0", 2376)],
              service={"active_state": "inactive", "sub_state": "dead"}),
        context(api_ports=[2376]))
    assert ids(found) == ["socket_world_accessible", "service_inactive", "tls_without_verify",
                          "cert_expiring"]
    ranks = [f.SEVERITIES.index(item["severity"]) for item in found]
    assert ranks == sorted(ranks, reverse=True)
    for item in found:
        assert set(item) == {"id", "severity", "message", "fix"}
        assert item["severity"] in f.SEVERITIES
        assert item["message"].endswith(".") and item["fix"].endswith(".")


def test_config_pending_is_a_medium_finding_naming_the_files():
    from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import classify

    facts = {"pending": {"service": True, "socket": False, "daemon_reload": False,
                         "newer_files": ["/etc/docker/daemon.json"]}}
    found = [f for f in classify(facts, {"systemd": False}) if f["id"] == "config_pending"]
    assert len(found) == 1
    assert found[0]["severity"] == "medium"
    assert "/etc/docker/daemon.json" in found[0]["message"]
    assert not [f for f in classify({"pending": {"service": False, "socket": False}}, {"systemd": False})
                if f["id"] == "config_pending"]


def test_plain_tcp_proxy_counts_as_tcp_even_next_to_tls():
    from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import classify, compute_modes

    proxy = {"address": "127.0.0.1", "port": 2375, "family": "ipv4", "pid": 1, "process": "systemd",
             "plain_proxy": True}
    tls_listener = {"address": "0.0.0.0", "port": 2376, "family": "ipv4", "pid": 1, "process": "systemd",
                    "plain_proxy": False}
    tls = {"enabled": True, "verify": True}
    assert compute_modes([], [proxy, tls_listener], tls, api_ports=[2376]) == ["tcp", "tls"]
    ids = [f["id"] for f in classify({"tcp_listeners": [proxy, tls_listener], "tls": tls},
                                     {"systemd": False, "api_ports": [2376]})]
    assert ids == ["plain_tcp_loopback"]
    public = dict(proxy, address="0.0.0.0")
    ids = [f["id"] for f in classify({"tcp_listeners": [public], "tls": {}}, {"systemd": False, "api_ports": []})]
    assert ids == ["plain_tcp_public"]

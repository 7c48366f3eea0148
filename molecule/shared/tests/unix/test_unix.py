"""unix mode: the socket, who may use it, and that nothing else listens."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from closed_ports import DOCKERD_TCP_PORTS, assert_refused, assert_unix_socket_answers, daemon_addresses  # noqa: E402
from conftest import ping_command, run_as  # noqa: E402


def test_socket_is_0660_root_and_the_socket_group(host, hostvars):
    socket = host.file(hostvars.get("dockerd_socket_path", "/run/docker.sock"))
    assert socket.is_socket
    assert socket.user == "root"
    assert socket.group == hostvars.get("dockerd_socket_group", "docker")
    assert socket.mode == 0o660


def test_root_reaches_dockerd_with_the_cli(host):
    result = host.run("docker version --format '{{.Server.Version}}'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()


def test_group_member_reaches_dockerd_with_the_cli(host, hostvars):
    group = hostvars.get("dockerd_socket_group", "docker")
    assert group in host.user("member").groups
    result = run_as(host, "member", "docker version --format '{{.Server.Version}}'")
    assert result.rc == 0, result.stderr


def test_outsider_is_refused_with_permission_denied(host):
    result = run_as(host, "outsider", "docker version --format '{{.Server.Version}}'")
    assert result.rc != 0
    assert "permission denied" in result.stderr.lower()


def test_plain_http_ping_as_member(host, hostvars):
    # A second client besides the CLI: raw HTTP over the socket, with python3's standard library.
    socket = "unix://" + hostvars.get("dockerd_socket_path", "/run/docker.sock")
    result = run_as(host, "member", ping_command(socket))
    assert result.rc == 0, result.stderr
    assert result.stdout == "OK"


def test_plain_http_ping_as_outsider_is_refused(host, hostvars):
    socket = "unix://" + hostvars.get("dockerd_socket_path", "/run/docker.sock")
    result = run_as(host, "outsider", ping_command(socket))
    assert (result.rc, result.stderr.strip()) == (1, "PermissionError: [Errno 13] Permission denied")


@pytest.mark.parametrize("port", DOCKERD_TCP_PORTS)
def test_tcp_and_tls_ports_refuse_the_clients_the_socket_serves(host, hostvars, port):
    assert_unix_socket_answers(host, hostvars.get("dockerd_socket_path", "/run/docker.sock"))
    for address in daemon_addresses(host):
        assert_refused(host, address, port)


def test_exposure_info_reports_unix_only_and_no_finding(exposure):
    assert exposure["modes"] == ["unix"]
    assert exposure["findings"] == []


def test_dockerd_was_started_once_by_the_rollout_and_not_by_the_rerun(host):
    # Boot start + the first converge's restart; the idempotence run must not restart.
    starts = host.run("journalctl -b -u docker.service --no-pager -o cat | grep -c '^Started docker.service'")
    assert starts.stdout.strip() == "2", host.run("journalctl -b -u docker.service --no-pager -o short").stdout


def test_operator_keys_in_daemon_json_survive(host):
    config = host.file("/etc/docker/daemon.json").content_string
    assert '"storage-driver": "vfs"' in config
    assert '"live-restore": true' in config

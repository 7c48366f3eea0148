"""tcp mode: plain TCP on loopback by default, public only with the insecure opt-in."""

import os
import sys

import docker
import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import PING_REFUSED, container_ip, daemon_ping, managed_checksums, run_expose  # noqa: E402

testinfra_hosts = ["dx-tcp-loopback", "dx-tcp-public"]


def _client_host(request):
    inventory = request.config.getoption("ansible_inventory")
    return testinfra.get_host("ansible://dx-tcp-client", ansible_inventory=inventory)


def test_tcp_answers_inside_the_host_with_the_cli(host):
    result = host.run("docker -H tcp://127.0.0.1:2375 version --format '{{.Server.Version}}'")
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()


def test_tcp_answers_a_plain_http_ping_inside_the_host(host):
    result = daemon_ping(host, "tcp://127.0.0.1:2375")
    assert result.rc == 0, result.stderr
    assert result.stdout == "OK"


def test_loopback_tcp_is_not_reachable_from_the_client(host, request):
    client = _client_host(request)
    name = host.backend.get_hostname()
    result = client.run("curl -sS -m 5 http://%s:2375/_ping" % name)
    if name == "dx-tcp-loopback":
        assert result.rc == 7, result.stderr  # curl: failed to connect
        assert "Failed to connect to %s port 2375" % name in result.stderr
    else:
        assert result.rc == 0, result.stderr
        assert result.stdout == "OK"


def test_public_tcp_with_opt_in_serves_the_docker_cli_on_the_client(host, request):
    name = host.backend.get_hostname()
    if name != "dx-tcp-public":
        pytest.skip("only the opted-in host listens publicly")
    client = _client_host(request)
    result = client.run("DOCKER_HOST=tcp://%s:2375 docker info --format '{{.ServerVersion}}'" % name)
    assert result.rc == 0, result.stderr


def test_controller_sdk_sees_the_public_host_and_not_the_loopback_one(host):
    name = host.backend.get_hostname()
    url = "tcp://%s:2375" % container_ip(name)
    if name == "dx-tcp-public":
        assert docker.DockerClient(base_url=url, timeout=5).ping() is True
    else:
        with pytest.raises(docker.errors.DockerException, match="Connection refused"):
            docker.DockerClient(base_url=url, timeout=5)


def test_tcp_listener_is_held_by_systemd_not_dockerd(host):
    listening = host.run("ss -Hltnp 'sport = :2375'").stdout
    assert "systemd" in listening
    assert "dockerd" not in listening


def test_tls_port_is_closed(host):
    result = daemon_ping(host, "tcp://127.0.0.1:2376")
    assert (result.rc, result.stderr.strip()) == (1, PING_REFUSED)
    cli = host.run("docker -H tcp://127.0.0.1:2376 version --format '{{.Server.Version}}'")
    assert cli.rc == 1
    assert cli.stderr.strip() == "Cannot connect to the Docker daemon at tcp://127.0.0.1:2376. Is the docker daemon running?"


def test_exposure_info_reports_tcp_and_the_risk(host, exposure):
    assert exposure["modes"] == ["tcp", "unix"]
    ids = {f["id"] for f in exposure["findings"]}
    if host.backend.get_hostname() == "dx-tcp-public":
        assert "plain_tcp_public" in ids
    else:
        assert ids == {"plain_tcp_loopback"}


def test_public_address_without_opt_in_fails_before_the_host_changes(host):
    if host.backend.get_hostname() != "dx-tcp-loopback":
        pytest.skip("one host is enough")
    before = managed_checksums(host)
    result = run_expose("dx-tcp-loopback", {"dockerd_tcp_address": "0.0.0.0"})
    output = " ".join(result.stdout.split())
    assert result.returncode != 0
    assert "dockerd_tcp_address=0.0.0.0 would serve" in output
    assert "dockerd_tcp_insecure_allow_public: true" in output
    assert managed_checksums(host) == before
    assert host.socket("tcp://127.0.0.1:2375").is_listening


def test_turning_tcp_off_closes_the_port_without_restarting_dockerd(host):
    if host.backend.get_hostname() != "dx-tcp-loopback":
        pytest.skip("one host is enough")
    pid_before = host.run("systemctl show -p MainPID --value docker.service").stdout.strip()
    result = run_expose("dx-tcp-loopback", {"dockerd_expose": ["unix"]})
    assert result.returncode == 0, result.stdout[-3000:]
    assert not host.socket("tcp://127.0.0.1:2375").is_listening
    closed = daemon_ping(host, "tcp://127.0.0.1:2375")
    assert (closed.rc, closed.stderr.strip()) == (1, PING_REFUSED)
    assert host.run("systemctl show -p MainPID --value docker.service").stdout.strip() == pid_before


def test_client_role_made_a_context_only_for_the_public_endpoint(host, request):
    client = _client_host(request)
    name = host.backend.get_hostname()
    contexts = client.run("docker context ls --format '{{.Name}}'").stdout.split()
    if name == "dx-tcp-public":
        assert "dx-tcp-public-tcp" in contexts
        result = client.run("docker --context dx-tcp-public-tcp version --format '{{.Server.Version}}'")
        assert result.rc == 0, result.stderr
    else:
        assert "dx-tcp-loopback-tcp" not in contexts

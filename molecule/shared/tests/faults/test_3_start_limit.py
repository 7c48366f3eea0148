"""docker.service past its start limit (StartLimitBurst=3 per 60 s): restarted by hand until
systemd refuses with "start-limit-hit" and docker.socket fails with it, so no dockerd answers.
expose.yml brings it back, with a configuration change and without any change (a run never
leaves a host without a working daemon); a further run changes nothing. The change
(live-restore off) stays: nothing after this file reads dx-faults-3."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fleet_state import (INVOCATION, PING_REFUSED, assert_rerun_changes_nothing, assert_serves_as_configured,
                         daemon_ping, expose, get_host, managed_checksums)  # noqa: E402

NAME = "dx-faults-3"
testinfra_hosts = [NAME]


def _exhaust_start_limit(host):
    """Restart docker.service until systemd refuses; returns systemctl's message."""
    for _ in range(12):
        restart = host.run("systemctl restart docker.service")
        if host.check_output("systemctl show -p Result --value docker.service") == "start-limit-hit":
            break
    assert host.check_output("systemctl show -p Result --value docker.service") == "start-limit-hit"
    assert host.run("systemctl is-active docker.service").stdout.strip() == "failed"
    assert host.run("systemctl is-active docker.socket").stdout.strip() == "failed"
    # The socket file stays (no RemoveOnStop), with nobody listening on it.
    unix = daemon_ping(host)
    assert (unix.rc, unix.stderr.strip()) == (1, PING_REFUSED)
    # One more try is refused at once: the counter is only reset by reset-failed.
    assert host.run("systemctl start docker.service").rc != 0
    return restart.stderr


@pytest.fixture(scope="module")
def node():
    return get_host(NAME)


CHANGE = {"dockerd_live_restore": False}


def test_a_run_with_a_change_brings_dockerd_back_on_the_new_configuration(node):
    message = _exhaust_start_limit(node)
    assert "docker.service" in message, message
    result = expose(CHANGE, limit=NAME)
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads(node.file("/etc/docker/daemon.json").content_string)["live-restore"] is False
    assert node.check_output("docker info --format '{{.LiveRestoreEnabled}}'") == "false"
    assert_serves_as_configured(node, NAME)


def test_a_run_without_any_change_brings_dockerd_back(node):
    _exhaust_start_limit(node)
    changed_files = managed_checksums(node)
    result = expose(CHANGE, limit=NAME)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "docker.service is failed (failed), docker.socket is failed; starting dockerd again." in " ".join(result.stdout.split())
    assert managed_checksums(node) == changed_files
    assert_serves_as_configured(node, NAME)


def test_a_further_run_changes_nothing(node):
    invocation = node.check_output(INVOCATION)
    assert_rerun_changes_nothing({NAME: node}, CHANGE, limit=NAME)
    assert node.check_output(INVOCATION) == invocation


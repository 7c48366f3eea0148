"""Shared fixtures and helpers for the Molecule verifiers (testinfra over `docker exec`)."""

import json
import os
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Files the daemon role manages; a refused run must leave all of them as they were.
MANAGED_FILES = (
    "/etc/systemd/system/docker.socket.d/50-dockerd-exposure.conf",
    "/etc/systemd/system/docker.service.d/50-dockerd-exposure.conf",
    "/etc/docker/daemon.json",
    "/etc/systemd/system/dockerd-exposure-tcp.socket",
    "/etc/systemd/system/dockerd-exposure-tcp.service",
    "/etc/dockerd-exposure/firewall.nft",
    "/etc/systemd/system/dockerd-exposure-firewall.service",
)


@pytest.fixture
def hostvars(host):
    """The host's inventory variables as Molecule wrote them."""
    return host.ansible.get_variables()


@pytest.fixture
def exposure(host):
    """What dockerd.exposure.exposure_info reports on the host right now."""
    result = host.ansible("dockerd.exposure.exposure_info", check=False)
    assert not result.get("failed"), result
    return result


def run_as(host, user, command):
    """Run a shell command as another account, the way that user would (login groups)."""
    return host.run("runuser -u %s -- sh -c %s" % (user, json.dumps(command)))


def container_ip(name):
    """The address of a container on the project's network, as the controller dials it."""
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert out, "container %s has no address" % name
    return out[0]


def managed_checksums(host):
    """sha256 of every managed file on the host (None when absent)."""
    sums = {}
    for path in MANAGED_FILES:
        f = host.file(path)
        sums[path] = f.sha256sum if f.exists else None
    return sums


def run_expose(limit, extra_vars, *args):
    """Run the main job against one Molecule instance, as an operator would."""
    cmd = [
        "ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
        os.path.join(REPO, "playbooks", "expose.yml"), "-l", limit,
        "-e", json.dumps(extra_vars),
    ] + list(args)
    # ansible-core prints the [ERROR] sentence on stderr: keep both streams in stdout.
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))

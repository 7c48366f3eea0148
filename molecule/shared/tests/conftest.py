"""Shared fixtures for the Molecule verifiers (testinfra over `docker exec`)."""

import json

import pytest


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

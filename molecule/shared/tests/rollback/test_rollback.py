"""rollback: a rollout whose dockerd does not come back leaves the host on its previous,
working configuration and fails with a message that says what happened."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import managed_checksums, run_expose  # noqa: E402

BROKEN = {"dockerd_expose": ["unix", "tls"], "dockerd_tls_manage": False, "dockerd_tls_dir": "/etc/docker/broken-tls"}


def test_failed_start_is_rolled_back(host):
    before = managed_checksums(host)
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0

    result = run_expose(host.backend.get_hostname(), BROKEN)
    output = " ".join(result.stdout.split())

    assert result.returncode != 0
    assert "dockerd did not come back on" in output
    assert "Error reading X509 key pair" in output
    assert "The previous drop-ins and daemon.json were restored and dockerd answers again" in output
    # The host is exactly as before and dockerd answers on it.
    assert managed_checksums(host) == before
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0
    assert not host.socket("tcp://0.0.0.0:2376").is_listening
    # What dockerd said when it refused the broken material is in the journal.
    journal = host.run("journalctl -u docker.service --no-pager -o cat").stdout
    assert "Error reading X509 key pair" in journal, journal[-2000:]


def test_rerun_with_the_good_configuration_changes_nothing(host):
    result = run_expose(host.backend.get_hostname(), {"dockerd_expose": ["unix"]})
    assert result.returncode == 0, result.stdout[-3000:]
    recap = [line for line in result.stdout.splitlines() if line.startswith(host.backend.get_hostname() + " ")]
    assert recap and "changed=0" in recap[-1], recap

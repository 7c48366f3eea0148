"""rollback: a rollout that reissues the TLS material (a new PKI directory, so a new CA) and
then does not come back restores the previous CA, server certificate and key with the
drop-ins and daemon.json, so the clients of the old CA still get in and those of the new one
do not.

What keeps dockerd from coming back is a socket owner that does not exist on the host: no
check before the restart looks at it (`dockerd --validate` does not read docker.socket), so
the run reaches the restart on every Docker version, and docker.socket fails to start."""

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import MANAGED_FILES, managed_checksums, run_expose, tls_ping  # noqa: E402

TLS_FILES = ("/etc/docker/tls/ca.pem", "/etc/docker/tls/server-cert.pem", "/etc/docker/tls/server-key.pem")
GHOST = "dx-no-such-user"


def _pki(name):
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], name)


def _tls(pki, **extra):
    return dict({"dockerd_expose": ["unix", "tls"], "dockerd_tls_pki_dir": _pki(pki)}, **extra)


@pytest.fixture(scope="module")
def before(host):
    """The host on tls with the material of a first PKI; afterwards back on the scenario's
    unix-only configuration, which test_rollback.py reruns expecting no change."""
    name = host.backend.get_hostname()
    result = run_expose(name, _tls("pki-before"))
    assert result.returncode == 0, result.stdout[-3000:]
    yield {"sums": managed_checksums(host, MANAGED_FILES + TLS_FILES)}
    back = run_expose(name, {"dockerd_expose": ["unix"]})
    assert back.returncode == 0, back.stdout[-3000:]


@pytest.fixture(scope="module")
def failed_run(host, before):
    """The second run: a new PKI directory and a socket owner dockerd cannot start with."""
    result = run_expose(host.backend.get_hostname(), _tls("pki-after", dockerd_socket_user=GHOST))
    return result.stdout


def test_the_run_fails_and_says_dockerd_did_not_come_back(host, failed_run):
    name = host.backend.get_hostname()
    output = " ".join(failed_run.split())
    # systemd's own words for the socket it could not set up, as its journal has them.
    reason = "docker.socket: Failed to resolve user %s: No such process" % GHOST
    journal = host.check_output("journalctl -u docker.socket --no-pager -o cat")
    assert reason in journal.splitlines(), journal[-2000:]
    assert ("dockerd did not come back on %s with the new configuration (%s). "
            "The previous drop-ins and daemon.json were restored and dockerd answers again; "
            "see 'journalctl -u docker.service' there." % (name, reason)) in output, output[-3000:]


def test_the_new_tls_files_were_written_and_put_back(host, failed_run):
    # The run wrote the new CA and certificate (so "as before" below is not for want of a write),
    restored = re.findall(r"^changed: \[[^]]+\] => \(item=(/etc/docker/tls/[^)]+)\)$",
                          failed_run.split("TASK [dockerd.exposure.daemon : Put the previous managed files back]")[-1],
                          re.MULTILINE)
    assert {"/etc/docker/tls/ca.pem", "/etc/docker/tls/server-cert.pem"} <= set(restored), failed_run[-3000:]


def test_every_managed_file_and_tls_file_is_as_before(host, before, failed_run):
    assert managed_checksums(host, MANAGED_FILES + TLS_FILES) == before["sums"]


def test_the_old_client_bundle_still_gets_in(host, failed_run):
    ping = tls_ping(host.backend.get_hostname(), pki="pki-before")
    assert (ping.returncode, ping.stdout, ping.stderr) == (0, "OK", "")


def test_the_new_client_bundle_is_refused(host, failed_run):
    ping = tls_ping(host.backend.get_hostname(), pki="pki-after")
    assert (ping.returncode, ping.stderr.splitlines()[0]) == (
        60, "curl: (60) SSL certificate problem: unable to get local issuer certificate"), ping

"""rollback: a rollout whose dockerd does not come back leaves the host on its previous,
working configuration and fails with a message that says what happened.

The case that reaches the restart is a server key on the secp256k1 curve with a certificate
from the right CA: openssl, and so the checks before the restart, accept it, but Go has no
secp256k1, so dockerd 20.10 stops at start ("Error reading X509 key pair ... unsupported
elliptic curve"). Docker >= 23 already refuses it in `dockerd --validate`, before the restart.
Files that are not PEM at all are caught before the restart on every version."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import exec_start, managed_checksums, run_expose  # noqa: E402

K1 = {"dockerd_expose": ["unix", "tls"], "dockerd_tls_manage": False, "dockerd_tls_dir": "/etc/docker/test-tls/k1"}
BROKEN = {"dockerd_expose": ["unix", "tls"], "dockerd_tls_manage": False, "dockerd_tls_dir": "/etc/docker/broken-tls"}


def _docker_major(host):
    return int(host.check_output("docker version --format '{{.Server.Version}}'").split(".")[0])


def _main_pid(host):
    return host.check_output("systemctl show docker.service --property=MainPID --value")


def test_failed_start_is_rolled_back(host):
    before = managed_checksums(host)
    major = _docker_major(host)
    pid = _main_pid(host)

    result = run_expose(host.backend.get_hostname(), K1)
    output = " ".join(result.stdout.split())

    assert result.returncode != 0
    assert "Error reading X509 key pair" in output, output[-3000:]
    if major >= 23:
        # Only dockerd itself knows Go has no secp256k1: the one problem is its own refusal.
        assert ('1 problem(s): dockerd --validate refused the configuration: invalid TLS configuration: Error reading '
                'X509 key pair (cert: "{0}/server-cert.pem", key: "{0}/server-key.pem"): x509: unsupported elliptic '
                'curve. Make sure the key is not encrypted. (checked: {1} --validate --config-file '
                '/etc/docker/daemon.json).'.format(K1["dockerd_tls_dir"], exec_start(host))) in output, output[-3000:]
        assert "dockerd was not restarted on" in output
        assert _main_pid(host) == pid
    else:
        # Docker 20.10 has no --validate (it would refuse the flag itself: "unknown flag:
        # --validate"), so the preflight does not run it and the bad key reaches the restart.
        assert "--validate" not in output
        assert "dockerd did not come back on" in output
        assert "The previous drop-ins and daemon.json were restored and dockerd answers again" in output
        # What dockerd said when it refused the key is in the journal.
        journal = host.run("journalctl -u docker.service --no-pager -o cat").stdout
        assert "Error reading X509 key pair" in journal, journal[-2000:]
        assert "unsupported elliptic curve" in journal, journal[-2000:]
    # The host is exactly as before and dockerd answers on it.
    assert managed_checksums(host) == before
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0
    assert not host.socket("tcp://0.0.0.0:2376").is_listening


def test_files_that_are_not_pem_are_refused_before_the_restart(host):
    before = managed_checksums(host)
    pid = _main_pid(host)

    result = run_expose(host.backend.get_hostname(), BROKEN)
    output = " ".join(result.stdout.split())

    assert result.returncode != 0
    assert "dockerd was not restarted on" in output, output[-3000:]
    assert "the server certificate /etc/docker/broken-tls/server-cert.pem cannot be read as a PEM certificate" in output
    assert "the server key /etc/docker/broken-tls/server-key.pem cannot be read as an unencrypted PEM private key" in output
    assert managed_checksums(host) == before
    assert _main_pid(host) == pid


def test_rerun_with_the_good_configuration_changes_nothing(host):
    result = run_expose(host.backend.get_hostname(), {"dockerd_expose": ["unix"]})
    assert result.returncode == 0, result.stdout[-3000:]
    recap = [line for line in result.stdout.splitlines() if line.startswith(host.backend.get_hostname() + " ")]
    assert recap and "changed=0" in recap[-1], recap

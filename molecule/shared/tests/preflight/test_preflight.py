"""preflight: a configuration dockerd would not start with is refused after the files are
written and before dockerd is restarted; the previous files are put back and the running
dockerd is never touched (same MainPID, same start time)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import managed_checksums, run_expose  # noqa: E402

TLS = "/etc/docker/test-tls"
SQUATTER = "dx-preflight-squatter"


def _tls_vars(name):
    return {"dockerd_expose": ["unix", "tls"], "dockerd_tls_manage": False, "dockerd_tls_dir": "%s/%s" % (TLS, name)}


def _dockerd_state(host):
    """What changes when docker.service restarts (and what a reload changes)."""
    out = host.check_output(
        "systemctl show docker.service docker.socket --property=MainPID,ActiveEnterTimestamp,InvocationID")
    return out


def _files(host, tls_dir):
    sums = managed_checksums(host)
    for name in ("ca.pem", "server-cert.pem", "server-key.pem"):
        path = "%s/%s" % (tls_dir, name)
        sums[path] = host.file(path).sha256sum
    return sums


def _refused(host, extra_vars):
    """Run the main job with a configuration the preflight must refuse; check that nothing
    on the host changed and return the run's output on one line."""
    tls_dir = extra_vars["dockerd_tls_dir"]
    before_files, before_state = _files(host, tls_dir), _dockerd_state(host)

    result = run_expose(host.backend.get_hostname(), extra_vars)
    output = " ".join(result.stdout.split())

    assert result.returncode != 0, output[-3000:]
    assert "dockerd was not restarted on %s" % host.backend.get_hostname() in output, output[-3000:]
    assert "dockerd was not restarted and still runs its previous configuration" in output
    # The run never got to the restart, so nothing was rolled back by restarting.
    assert "dockerd did not come back on" not in output
    assert _files(host, tls_dir) == before_files
    assert _dockerd_state(host) == before_state
    # systemd and exposure_info see nothing pending: the rerun does not restart for nothing.
    assert host.run("systemctl show docker.service docker.socket --property=NeedDaemonReload").stdout.split() == [
        "NeedDaemonReload=no", "NeedDaemonReload=no"]
    info = host.ansible("dockerd.exposure.exposure_info", check=False)
    assert info["pending"] == {"daemon_reload": False, "newer_files": [], "service": False, "socket": False}, info["pending"]
    assert info["modes"] == ["unix"]
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0
    return output


def test_key_that_does_not_match_the_certificate_is_refused_before_the_restart(host):
    output = _refused(host, _tls_vars("mismatch"))
    assert ("the server key %s/mismatch/server-key.pem does not belong to the server certificate "
            "%s/mismatch/server-cert.pem (their public keys differ)" % (TLS, TLS)) in output
    assert "Install the key the certificate was issued for" in output
    assert not host.socket("tcp://0.0.0.0:2376").is_listening


def test_port_held_by_another_process_is_refused_before_the_restart(host):
    host.run("systemctl stop %s; systemctl reset-failed %s" % (SQUATTER, SQUATTER))
    started = host.run("systemd-run --unit=%s python3 -m http.server --bind 0.0.0.0 2376" % SQUATTER)
    assert started.rc == 0, started.stderr
    try:
        pid = None
        for _ in range(50):
            pid = host.run("systemctl show %s --property=MainPID --value" % SQUATTER).stdout.strip()
            if host.socket("tcp://0.0.0.0:2376").is_listening:
                break
            host.run("sleep 0.2")
        output = _refused(host, _tls_vars("good"))
        assert ("port 2376 (dockerd_tls_port) is taken on 0.0.0.0:2376 by python3 (pid %s), so docker.socket could "
                "not listen on 0.0.0.0:2376; stop that process or set another dockerd_tls_port." % pid) in output
        # The good material passes every other check.
        assert "1 problem(s)" in output
    finally:
        host.run("systemctl stop %s" % SQUATTER)

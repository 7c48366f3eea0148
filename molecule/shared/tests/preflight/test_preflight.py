"""preflight: a configuration dockerd would not start with is refused after the files are
written and before dockerd is restarted; the previous files are put back and the running
dockerd is never touched (same MainPID, same start time)."""

import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import PING_REFUSED, daemon_ping, exec_start, managed_checksums, run_expose, tls_ping  # noqa: E402

TLS = "/etc/docker/test-tls"
SQUATTER = "dx-preflight-squatter"
DAEMON_JSON = "/etc/docker/daemon.json"
CONTAINERD = "/run/containerd/containerd.sock"


def _tls_vars(name):
    return {"dockerd_expose": ["unix", "tls"], "dockerd_tls_manage": False, "dockerd_tls_dir": "%s/%s" % (TLS, name)}


def _docker_major(host):
    return int(host.check_output("docker version --format '{{.Server.Version}}'").split(".")[0])


def _write_keeping_mtime(host, path, content):
    """Write a file as an operator's editor would, but with its previous modification time, so
    the running dockerd does not look as if it had a newer file to load."""
    host.run_expect([0], "python3 -c %s" % shlex.quote(
        "import os, sys; st = os.stat(sys.argv[1]); open(sys.argv[1], 'w').write(sys.argv[2]); "
        "os.utime(sys.argv[1], ns=(st.st_atime_ns, st.st_mtime_ns))") + " %s %s" % (
        shlex.quote(path), shlex.quote(content)))


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


def test_certificate_from_another_ca_is_refused_before_the_restart(host):
    # openssl itself, as a client of this material would, finds no issuer in that CA file.
    verify = host.run("openssl verify -CAfile %s/foreign/ca.pem %s/foreign/server-cert.pem" % (TLS, TLS))
    assert verify.rc == 2, verify
    assert "error 20 at 0 depth lookup: unable to get local issuer certificate" in verify.stdout + verify.stderr, verify
    output = _refused(host, _tls_vars("foreign"))
    assert ("1 problem(s): the server certificate {0}/foreign/server-cert.pem does not chain to the CA file "
            "{0}/foreign/ca.pem (openssl verify: error 20 at 0 depth lookup: unable to get local issuer certificate); "
            "clients trusting that CA would refuse the daemon. Install the CA that signed the certificate, or issue "
            "the certificate from this CA. The previous drop-ins".format(TLS)) in output, output[-3000:]
    assert not host.socket("tcp://0.0.0.0:2376").is_listening


def test_daemon_json_key_that_is_also_a_flag_is_refused_before_the_restart(host):
    """Debian's ExecStart passes --containerd=...; the same key in daemon.json stops dockerd.
    Docker 20.10 gets the static check only, Docker >= 23 `dockerd --validate` as well."""
    original = host.file(DAEMON_JSON).content_string
    clash = original.rstrip()[:-1].rstrip() + ',\n  "containerd": "%s"\n}\n' % CONTAINERD
    _write_keeping_mtime(host, DAEMON_JSON, clash)
    try:
        output = _refused(host, _tls_vars("good"))
    finally:
        _write_keeping_mtime(host, DAEMON_JSON, original)
    flags = exec_start(host)
    static = ('/etc/docker/daemon.json sets "containerd", which the new docker.service ExecStart (%s) also sets '
              'as a flag; dockerd would stop with "the following directives are specified both as a flag and in the '
              'configuration file: containerd". Remove "containerd" from daemon.json.' % flags)
    assert "--containerd=%s" % CONTAINERD in flags, flags
    if _docker_major(host) >= 23:
        assert ("2 problem(s): %s dockerd --validate refused the configuration: unable to configure the Docker daemon "
                "with file /etc/docker/daemon.json: the following directives are specified both as a flag and in the "
                "configuration file: containerd: (from flag: {0}, from file: {0}) (checked: " % static).format(
                    CONTAINERD) in output, output[-3000:]
    else:
        assert "1 problem(s): %s The previous drop-ins" % static in output, output[-3000:]
        assert "--validate" not in output


def test_port_held_by_another_process_is_refused_before_the_restart(host):
    host.run("systemctl stop %s; systemctl reset-failed %s" % (SQUATTER, SQUATTER))
    # The squatter answers GET /_ping with a word of its own, so a client can tell it from dockerd.
    host.run_expect([0], "mkdir -p /run/%s && echo squatter > /run/%s/_ping" % (SQUATTER, SQUATTER))
    started = host.run("systemd-run --unit=%s python3 -m http.server --directory /run/%s --bind 0.0.0.0 2376"
                       % (SQUATTER, SQUATTER))
    assert started.rc == 0, started.stderr
    try:
        pid = host.check_output("systemctl show %s --property=MainPID --value" % SQUATTER)
        ping = None
        for _ in range(50):
            ping = daemon_ping(host, "tcp://127.0.0.1:2376")
            if ping.rc == 0:
                break
            host.run("sleep 0.2")
        # It really holds the port: a client gets its answer, and ss names it.
        assert (ping.rc, ping.stdout) == (0, "squatter\n"), ping
        listening = host.check_output("ss -Hltnp 'sport = :2376'")
        assert 'users:(("python3",pid=%s,' % pid in listening, listening
        output = _refused(host, _tls_vars("good"))
        assert ("1 problem(s): port 2376 (dockerd_tls_port) is taken on 0.0.0.0:2376 by python3 (pid %s), so "
                "docker.socket could not listen on 0.0.0.0:2376; stop that process or set another dockerd_tls_port. "
                "The previous drop-ins" % pid) in output, output[-3000:]
    finally:
        host.run("systemctl stop %s" % SQUATTER)
    assert daemon_ping(host, "tcp://127.0.0.1:2376").stderr.strip() == PING_REFUSED


def _controller_bundle(host, pki, ca):
    """A client bundle on the controller, under the scenario's ephemeral directory, with the
    good client certificate and the CA file a client would trust (the run's end-of-run TLS
    check reads {pki}/clients/admin)."""
    bundle = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], pki, "clients", "admin")
    os.makedirs(bundle, exist_ok=True)
    for name, source in (("ca.pem", ca), ("cert.pem", "%s/good-client/cert.pem" % TLS),
                         ("key.pem", "%s/good-client/key.pem" % TLS)):
        with open(os.path.join(bundle, name), "w") as handle:
            handle.write(host.check_output("cat %s" % source) + "\n")
    return os.path.dirname(os.path.dirname(bundle))


def test_the_same_rollout_with_good_material_a_free_port_and_no_clash_converges(host):
    """The negative twin of every refusal above: the good CA, key and certificate, daemon.json
    without the clashing key, the port free again. Then back to the scenario's unix rollout,
    which the refusals above start from."""
    name = host.backend.get_hostname()
    pki = _controller_bundle(host, "pki-good", "%s/good/ca.pem" % TLS)
    _controller_bundle(host, "pki-foreign", "%s/foreign/ca.pem" % TLS)
    result = run_expose(name, dict(_tls_vars("good"), dockerd_tls_pki_dir=pki))
    try:
        assert result.returncode == 0, result.stdout[-3000:]
        # curl trusts the daemon with the good CA, and not with the foreign one.
        good = tls_ping(name, pki="pki-good")
        assert (good.returncode, good.stdout, good.stderr) == (0, "OK", ""), good
        foreign = tls_ping(name, pki="pki-foreign")
        assert (foreign.returncode, foreign.stderr.splitlines()[0]) == (
            60, "curl: (60) SSL certificate problem: unable to get local issuer certificate"), foreign
    finally:
        back = run_expose(name, {"dockerd_expose": ["unix"]})
    assert back.returncode == 0, back.stdout[-3000:]

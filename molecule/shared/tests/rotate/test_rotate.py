"""rotate: certificate renewal now, then a CA rollover in three phases (introduce, switch,
finish), each run from the controller exactly as an operator runs playbooks/rotate.yml and
checked with real clients from the controller: curl (OpenSSL) and the docker CLI (Go).

The tests run in file order and build on each other: renewal, a phase out of order, then
introduce, switch and finish, each run twice (the rerun must change nothing and not restart
dockerd).
"""

import datetime
import os
import re
import shutil
import subprocess
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import REPO, container_ip  # noqa: E402

testinfra_hosts = ["dx-rotate-daemon"]
DAEMON = "dx-rotate-daemon"
HOST_TLS = "/etc/docker/tls"
# Copies of client material the tests keep between phases (module state, file order).
STATE = {}


def _pki(*parts):
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "pki", *parts)


def _keep(name, src=None):
    """A copy of the admin bundle as it is now, under a name, outside the PKI."""
    dst = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "kept", name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src or _pki("clients", "admin"), dst)
    return dst


def run_rotate(*args):
    """ansible-playbook playbooks/rotate.yml, no limit (the summary runs in the check play);
    returns (rc, output, changed on the daemon)."""
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
           os.path.join(REPO, "playbooks", "rotate.yml")] + list(args)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))
    recap = re.search(r"^%s\s+:.*changed=(\d+)" % re.escape(DAEMON), proc.stdout, re.M)
    return proc.returncode, proc.stdout, int(recap.group(1)) if recap else None


def _clean_env():
    # CURL_CA_BUNDLE / REQUESTS_CA_BUNDLE would let the environment pick the trusted CA.
    return {k: v for k, v in os.environ.items() if k not in ("CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "DOCKER_HOST",
                                                             "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY")}


def curl_ping(bundle, ca=None):
    """GET /_ping over mutual TLS with curl (OpenSSL): (rc, body, stderr)."""
    proc = subprocess.run(
        ["curl", "-sS", "-m", "10", "--cacert", ca or os.path.join(bundle, "ca.pem"),
         "--cert", os.path.join(bundle, "cert.pem"), "--key", os.path.join(bundle, "key.pem"),
         "https://%s:2376/_ping" % container_ip(DAEMON)],
        capture_output=True, text=True, env=_clean_env())
    return proc.returncode, proc.stdout, proc.stderr


def cli_version(bundle):
    """docker --tlsverify version with a bundle as DOCKER_CERT_PATH (Go's TLS stack)."""
    proc = subprocess.run(
        ["docker", "--tlsverify", "-H", "tcp://%s:2376" % container_ip(DAEMON), "version", "--format",
         "{{.Server.Version}}"],
        capture_output=True, text=True, env=dict(_clean_env(), DOCKER_CERT_PATH=bundle))
    return proc.returncode, proc.stdout.strip(), proc.stderr


def assert_gets_in(bundle, ca=None):
    rc, body, err = curl_ping(bundle, ca)
    assert (rc, body) == (0, "OK"), err
    if ca is None:
        rc, version, err = cli_version(bundle)
        assert rc == 0 and version, err


def certs_in(pem_text):
    return x509.load_pem_x509_certificates(pem_text.encode())


def cert_file(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def signed_by(cert, ca):
    """Whether ca's key made cert's signature. Both CAs of a rollover carry the same subject,
    so a certificate of the other CA fails on its signature alone (InvalidSignature); any
    other error (issuer name, key type) is a broken premise and fails the test."""
    try:
        cert.verify_directly_issued_by(ca)
        return True
    except InvalidSignature:
        return False


def docker_starts(host):
    out = host.run("journalctl -b -u docker.service --no-pager -o cat | grep -c '^Started docker.service'")
    return int(out.stdout.strip() or 0)


def issue_client(ca_dir, out_dir, name="probe"):
    """A client bundle signed by the CA in ca_dir, made here with that CA's key (test only)."""
    with open(os.path.join(ca_dir, "ca-key.pem"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    ca = cert_file(os.path.join(ca_dir, "ca.pem"))
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(out_dir, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    shutil.copy(_pki("clients", "admin", "ca.pem"), os.path.join(out_dir, "ca.pem"))
    return out_dir


def assert_no_ca_key_on_host(host):
    assert host.run("find / -xdev -name 'ca-key.pem' 2>/dev/null").stdout.strip() == ""
    found = host.run("grep -rlE 'BEGIN (EC |RSA |ENCRYPTED )?PRIVATE KEY' /etc /root /var/lib /tmp 2>/dev/null "
                     "| grep -v '^/etc/ssh/' | grep -v '%s/server-key.pem' || true" % HOST_TLS)
    assert found.stdout.strip() == ""


def run_phase_twice(host, phase):
    """Run one phase, then its rerun; the rerun changes nothing and does not restart dockerd."""
    before = docker_starts(host)
    rc, out, changed = run_rotate("-e", "dockerd_tls_ca_rollover=%s" % phase)
    assert rc == 0, out[-4000:]
    assert changed and changed > 0, out[-4000:]
    assert "Every endpoint of %s behaved as configured." % DAEMON in out
    after_first = docker_starts(host)
    assert after_first == before + 1, "dockerd should restart exactly once for %s" % phase
    rc, out, changed = run_rotate("-e", "dockerd_tls_ca_rollover=%s" % phase)
    assert rc == 0, out[-4000:]
    assert changed == 0, out[-6000:]
    assert docker_starts(host) == after_first, "the rerun of %s restarted dockerd" % phase


# -- renewal now ----------------------------------------------------------------------------

def test_renewal_reissues_server_and_client_certificates_and_restarts_once(host):
    server_before = certs_in(host.file(HOST_TLS + "/server-cert.pem").content_string)[0]
    client_before = cert_file(_pki("clients", "admin", "cert.pem"))
    key_before = host.file(HOST_TLS + "/server-key.pem").sha256sum
    starts = docker_starts(host)

    rc, out, changed = run_rotate()
    assert rc == 0, out[-4000:]
    assert "Every endpoint of %s behaved as configured." % DAEMON in out

    server_after = certs_in(host.file(HOST_TLS + "/server-cert.pem").content_string)[0]
    client_after = cert_file(_pki("clients", "admin", "cert.pem"))
    assert server_after.serial_number != server_before.serial_number
    assert server_after.not_valid_before_utc > server_before.not_valid_before_utc
    assert client_after.serial_number != client_before.serial_number
    # Certificates are renewed, keys kept.
    assert host.file(HOST_TLS + "/server-key.pem").sha256sum == key_before
    assert docker_starts(host) == starts + 1
    assert_gets_in(_pki("clients", "admin"))


# -- a phase out of order -------------------------------------------------------------------

def test_switch_before_introduce_fails_before_anything_is_written(host):
    sums = host.run("sha256sum %s/*.pem" % HOST_TLS).stdout
    rc, out, _ = run_rotate("-e", "dockerd_tls_ca_rollover=switch")
    assert rc != 0
    assert "run the introduce phase first" in out
    assert host.run("sha256sum %s/*.pem" % HOST_TLS).stdout == sums
    assert not os.path.exists(_pki("ca-previous"))


# -- rollover -------------------------------------------------------------------------------

def test_introduce_adds_a_second_trusted_ca_without_breaking_any_client(host):
    STATE["pre"] = _keep("pre-rollover")           # what a client holds before the rollover
    STATE["old_ca"] = cert_file(_pki("ca", "ca.pem"))
    STATE["server_serial"] = certs_in(host.file(HOST_TLS + "/server-cert.pem").content_string)[0].serial_number

    run_phase_twice(host, "introduce")

    new_ca = cert_file(_pki("ca-next", "ca.pem"))
    STATE["new_ca"] = new_ca
    assert new_ca.public_key() != STATE["old_ca"].public_key()
    assert os.stat(_pki("ca-next", "ca-key.pem")).st_mode & 0o777 == 0o600
    # The daemon and the client bundle trust both; nothing was reissued.
    trusted = certs_in(host.file(HOST_TLS + "/ca.pem").content_string)
    assert [c.fingerprint(hashes.SHA256()) for c in trusted] == [
        STATE["old_ca"].fingerprint(hashes.SHA256()), new_ca.fingerprint(hashes.SHA256())]
    assert len(certs_in(open(_pki("clients", "admin", "ca.pem")).read())) == 2
    assert certs_in(host.file(HOST_TLS + "/server-cert.pem").content_string)[0].serial_number == STATE["server_serial"]
    assert host.file(HOST_TLS + "/ca.pem").mode == 0o444


def test_after_introduce_the_old_bundle_still_gets_in(host):
    assert_gets_in(STATE["pre"])
    # The bundle as clients pick it up during the overlap: the old certificate, both CAs.
    STATE["overlap"] = _keep("overlap")
    assert signed_by(cert_file(STATE["overlap"] + "/cert.pem"), STATE["old_ca"])
    assert_gets_in(STATE["overlap"])


def test_after_introduce_a_new_ca_client_certificate_gets_in_too(host):
    probe = issue_client(_pki("ca-next"), os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "kept", "new-ca"))
    assert_gets_in(probe)


def test_switch_reissues_everything_with_the_new_ca(host):
    run_phase_twice(host, "switch")

    assert not os.path.exists(_pki("ca-next"))
    assert cert_file(_pki("ca", "ca.pem")) == STATE["new_ca"]
    assert cert_file(_pki("ca-previous", "ca.pem")) == STATE["old_ca"]
    server = certs_in(host.file(HOST_TLS + "/server-cert.pem").content_string)[0]
    assert signed_by(server, STATE["new_ca"]) and not signed_by(server, STATE["old_ca"])
    assert signed_by(cert_file(_pki("clients", "admin", "cert.pem")), STATE["new_ca"])
    assert len(certs_in(host.file(HOST_TLS + "/ca.pem").content_string)) == 2


def test_after_switch_an_old_ca_client_certificate_still_gets_in(host):
    # The overlap bundle: old-CA certificate, ca.pem with both CAs.
    assert_gets_in(STATE["overlap"])
    # The pre-rollover certificate and key too, once its holder has the overlap ca.pem.
    assert_gets_in(STATE["pre"], ca=os.path.join(STATE["overlap"], "ca.pem"))


def test_after_switch_a_ca_pem_from_before_the_rollover_no_longer_verifies_the_server(host):
    # Why clients must pick up their ca.pem between introduce and switch (docs/rotation.md).
    rc, body, err = curl_ping(STATE["pre"])
    assert rc != 0 and body != "OK"
    assert "certificate" in err.lower(), err


def test_after_switch_the_new_bundle_gets_in(host):
    assert_gets_in(_pki("clients", "admin"))


def test_finish_archives_the_old_ca_and_the_daemon_trusts_only_the_new_one(host):
    run_phase_twice(host, "finish")

    assert not os.path.exists(_pki("ca-previous"))
    archived = [os.path.join(_pki("ca-archive"), d) for d in os.listdir(_pki("ca-archive"))]
    assert len(archived) == 1
    assert cert_file(os.path.join(archived[0], "ca.pem")) == STATE["old_ca"]
    assert os.stat(os.path.join(archived[0], "ca-key.pem")).st_mode & 0o777 == 0o400
    assert os.stat(_pki("ca-archive")).st_mode & 0o777 == 0o700
    trusted = certs_in(host.file(HOST_TLS + "/ca.pem").content_string)
    assert trusted == [STATE["new_ca"]]
    assert certs_in(open(_pki("clients", "admin", "ca.pem")).read()) == [STATE["new_ca"]]


def test_after_finish_the_old_client_certificate_is_refused_by_the_daemon(host):
    # The overlap bundle's ca.pem still trusts the new CA, so the handshake fails on the
    # daemon's side: it refuses the old-CA certificate with a TLS alert.
    rc, body, err = curl_ping(STATE["overlap"])
    assert rc != 0 and body != "OK"
    assert "alert" in err.lower(), err
    rc, _, err = cli_version(STATE["overlap"])
    assert rc != 0


def test_after_finish_the_new_bundle_gets_in(host):
    assert_gets_in(_pki("clients", "admin"))


def test_no_ca_private_key_ever_reached_the_daemon_host(host):
    assert_no_ca_key_on_host(host)
    key = host.file(HOST_TLS + "/server-key.pem")
    assert key.user == "root" and key.mode == 0o400


def test_controller_keys_are_private():
    for path in (_pki("ca", "ca-key.pem"), _pki("clients", "admin", "key.pem")):
        assert os.stat(path).st_mode & 0o777 == 0o600, path


def test_expose_after_the_rollover_changes_nothing_and_keeps_the_single_ca(host):
    # The rollover state lives in the PKI directory: the main job afterwards has nothing to do.
    proc = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], os.path.join(REPO, "playbooks", "expose.yml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"^%s\s+:.*changed=0\s" % re.escape(DAEMON), proc.stdout, re.M), proc.stdout[-4000:]
    assert certs_in(host.file(HOST_TLS + "/ca.pem").content_string) == [STATE["new_ca"]]

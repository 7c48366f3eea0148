"""tls: the inputs an operator may give instead of the defaults (README, tls role): their own
CA (dockerd_tls_ca_cert / dockerd_tls_ca_key) whose key is encrypted
(dockerd_tls_ca_key_passphrase), RSA keys (dockerd_tls_key_type: rsa, 3072 bits by default)
and a TLS port other than 2376 (dockerd_tls_port: 2377), proven with openssl and curl from the
controller against what the daemon really serves."""

import os
import re
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import container_ip, run_expose  # noqa: E402

testinfra_hosts = ["dx-tls-daemon"]
DAEMON = "dx-tls-daemon"
PORT = 2377


def _eph(*parts):
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], *parts)


def _bundle(name="admin"):
    return _eph("pki", "clients", name)


def _env():
    # CURL_CA_BUNDLE / SSL_CERT_FILE would let the environment choose the trusted CA.
    return {k: v for k, v in os.environ.items() if k not in ("CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}


def _s_client(cafile, port=PORT):
    """openssl s_client with the admin bundle's client certificate, trusting only cafile."""
    return subprocess.run(
        ["openssl", "s_client", "-connect", "%s:%d" % (container_ip(DAEMON), port), "-CAfile", cafile,
         "-cert", _bundle() + "/cert.pem", "-key", _bundle() + "/key.pem", "-verify_return_error", "-showcerts"],
        input="", capture_output=True, text=True, env=_env(), timeout=60)


@pytest.fixture(scope="module")
def served_cert():
    """The certificate the daemon serves on the TLS port, as openssl received it."""
    result = _s_client(_eph("operator-ca", "ca.pem"))
    pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", result.stdout, re.S)
    assert pem, result.stdout + result.stderr
    return pem.group(0)


# -- the operator's CA signs the daemon's certificate

def test_served_certificate_verifies_against_the_operators_ca():
    result = _s_client(_eph("operator-ca", "ca.pem"))
    assert "Verify return code: 0 (ok)" in result.stdout, result.stdout + result.stderr


def test_served_certificate_does_not_verify_against_another_ca(tmp_path):
    # The twin: a CA of the same name and key type, but not the operator's.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-days", "1",
                    "-subj", "/CN=Operator Test Root CA", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(tmp_path / "ca.pem")], check=True, capture_output=True)
    result = _s_client(str(tmp_path / "ca.pem"))
    assert "Verify return code: 0 (ok)" not in result.stdout
    assert "verify error:num=20:unable to get local issuer certificate" in result.stderr, result.stderr


def test_served_certificate_is_issued_by_the_operators_ca_key(served_cert):
    # openssl's own check of the signature with the operator CA's public key.
    with open(_eph("served.pem"), "w") as f:
        f.write(served_cert)
    result = subprocess.run(["openssl", "verify", "-CAfile", _eph("operator-ca", "ca.pem"), _eph("served.pem")],
                            capture_output=True, text=True, env=_env())
    assert (result.returncode, result.stdout.strip()) == (0, _eph("served.pem") + ": OK"), result.stderr


# -- RSA keys, 3072 bits

def _key_text(pem):
    return subprocess.run(["openssl", "x509", "-noout", "-text"], input=pem, capture_output=True, text=True,
                          check=True).stdout


def test_served_certificate_carries_an_rsa_3072_key(served_cert):
    text = _key_text(served_cert)
    assert "Public Key Algorithm: rsaEncryption" in text and "Public-Key: (3072 bit)" in text, text


def test_client_bundle_key_is_rsa_3072():
    result = subprocess.run(["openssl", "pkey", "-in", _bundle() + "/key.pem", "-noout", "-text"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("Private-Key: (3072 bit, 2 primes)"), result.stdout[:80]
    text = _key_text(open(_bundle() + "/cert.pem").read())
    assert "Public Key Algorithm: rsaEncryption" in text and "Public-Key: (3072 bit)" in text, text


# -- the passphrase opens the operator's key, which stays encrypted and is never copied

def test_operators_key_is_still_encrypted_and_opens_only_with_the_passphrase(hostvars):
    data = open(_eph("operator-ca", "ca-key.pem"), "rb").read()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError, match="^Password was not given but private key is encrypted$"):
        serialization.load_pem_private_key(data, password=None)
    with pytest.raises(ValueError, match="^Incorrect password, could not decrypt key$"):
        serialization.load_pem_private_key(data, password=b"wrong")
    key = serialization.load_pem_private_key(data, password=hostvars["dockerd_tls_ca_key_passphrase"].encode())
    ca = x509.load_pem_x509_certificate(open(_eph("operator-ca", "ca.pem"), "rb").read())
    assert key.public_key().public_numbers() == ca.public_key().public_numbers()


def test_no_generated_ca_and_no_open_copy_of_the_key_in_the_pki_directory():
    assert not os.path.exists(_eph("pki", "ca", "ca-key.pem"))
    found = subprocess.run(["grep", "-rl", "-e", "BEGIN PRIVATE KEY", "-e", "BEGIN RSA PRIVATE KEY",
                            "-e", "BEGIN ENCRYPTED PRIVATE KEY", _eph("pki")], capture_output=True, text=True)
    # Only the client keys (one per bundle), none of them the CA's.
    assert sorted(found.stdout.split()) == sorted([_bundle("admin") + "/key.pem", _bundle("ci") + "/key.pem"])


def test_a_wrong_passphrase_stops_the_run_before_anything_changes(host):
    before = host.check_output("sha256sum /etc/docker/tls/*.pem /etc/docker/daemon.json")
    result = run_expose(DAEMON, {"dockerd_tls_ca_key_passphrase": "not the passphrase"})
    assert result.returncode == 2, result.stdout[-3000:]
    expected = ("The CA private key %s cannot be read (Wrong passphrase provided for private key, or private key "
                "cannot be parsed: Incorrect password, could not decrypt key); set "
                "dockerd_tls_ca_key_passphrase to the key's passphrase (none for an unencrypted key)."
                % _eph("operator-ca", "ca-key.pem"))
    assert expected in re.sub(r"\s+", " ", result.stdout), result.stdout[-3000:]
    assert host.check_output("sha256sum /etc/docker/tls/*.pem /etc/docker/daemon.json") == before


# -- the TLS endpoint answers on dockerd_tls_port only

def _curl(port):
    return subprocess.run(
        ["curl", "-sS", "-m", "5", "--cacert", _bundle() + "/ca.pem", "--cert", _bundle() + "/cert.pem",
         "--key", _bundle() + "/key.pem", "https://%s:%d/_ping" % (container_ip(DAEMON), port)],
        capture_output=True, text=True, env=_env())


def test_tls_answers_on_the_configured_port():
    result = _curl(PORT)
    assert (result.returncode, result.stdout) == (0, "OK"), result.stderr


def test_default_tls_port_is_refused():
    result = _curl(2376)
    assert result.returncode == 7, result.stderr
    assert re.fullmatch(r"curl: \(7\) Failed to connect to %s port 2376 after \d+ ms: Couldn't connect to server\n"
                        % re.escape(container_ip(DAEMON)), result.stderr), result.stderr

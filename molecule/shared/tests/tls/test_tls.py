"""tls mode: mutual TLS, checked with real clients from a second container and from the
controller; every positive check has its negative twin. The scenario gives the operator's own
CA (key encrypted with a passphrase), RSA keys and port 2377 (test_tls_operator_inputs.py)."""

import os
import re
import shlex
import ssl
import subprocess
import sys

import docker
import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import container_ip, daemon_ping  # noqa: E402

testinfra_hosts = ["dx-tls-daemon"]
DAEMON = "dx-tls-daemon"
BUNDLE_ON_CLIENT = "/root/tls-bundle"
PORT = 2377  # dockerd_tls_port in molecule/tls/molecule.yml


def _pki():
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "pki")


def _operator_ca(name):
    """A file of the operator's CA (made by prepare_operator_ca.yml) on the controller."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "operator-ca", name)


def _operator_ca_key(host):
    from cryptography.hazmat.primitives import serialization

    passphrase = host.ansible.get_variables()["dockerd_tls_ca_key_passphrase"]
    with open(_operator_ca("ca-key.pem"), "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=passphrase.encode())


def _bundle(name="admin"):
    return os.path.join(_pki(), "clients", name)


@pytest.fixture(scope="module")
def client(request):
    """The client container, holding a copy of the controller's admin bundle."""
    host = testinfra.get_host("ansible://dx-tls-client", ansible_inventory=request.config.getoption("ansible_inventory"))
    host.run("rm -rf %s && mkdir -p -m 0700 %s" % (BUNDLE_ON_CLIENT, BUNDLE_ON_CLIENT))
    for name in ("ca.pem", "cert.pem", "key.pem"):
        subprocess.run(["docker", "cp", os.path.join(_bundle(), name), "dx-tls-client:%s/%s" % (BUNDLE_ON_CLIENT, name)],
                       check=True)
    return host


def _cli(client, args, cert_path=BUNDLE_ON_CLIENT):
    return client.run("DOCKER_CERT_PATH=%s docker %s" % (cert_path, args))


# -- positive: the Docker docs' own commands, from the client container

def test_cli_with_client_cert_over_hostname(client):
    result = _cli(client, "--tlsverify -H %s:%d info --format '{{.ServerVersion}}'" % (DAEMON, PORT))
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()


def test_cli_with_client_cert_over_ip(client):
    result = _cli(client, "--tlsverify -H %s:%d version --format '{{.Server.Version}}'" % (container_ip(DAEMON), PORT))
    assert result.rc == 0, result.stderr


def test_env_file_from_the_tls_role_works_verbatim(client):
    env = open(os.path.join(_bundle(), "%s.env" % DAEMON)).read()
    assert "DOCKER_TLS_VERIFY=1" in env
    host_line = [line for line in env.splitlines() if line.startswith("DOCKER_HOST=")][0]
    result = client.run("DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=%s %s docker ps" % (BUNDLE_ON_CLIENT, host_line))
    assert result.rc == 0, result.stderr


def test_python_sdk_on_the_client(client):
    code = (
        "import docker; tls = docker.tls.TLSConfig(client_cert=('{b}/cert.pem', '{b}/key.pem'), "
        "ca_cert='{b}/ca.pem', verify=True); "
        "print(docker.DockerClient(base_url='tcp://{d}:{p}', tls=tls).ping())"
    ).format(b=BUNDLE_ON_CLIENT, d=DAEMON, p=PORT)
    result = client.run("python3 -c %s" % shlex.quote(code))
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == "True"


def _sdk_client(bundle):
    """A Docker SDK client that trusts only the daemon's CA.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on this machine) replace the CA
    it was given, so they are kept out of the way while the client talks.
    """
    tls = docker.tls.TLSConfig(client_cert=(bundle + "/cert.pem", bundle + "/key.pem"),
                               ca_cert=bundle + "/ca.pem", verify=True)
    saved = {k: os.environ.pop(k) for k in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if k in os.environ}
    try:
        client = docker.DockerClient(base_url="tcp://%s:%d" % (container_ip(DAEMON), PORT), tls=tls, timeout=10)
        return client.ping(), client.version()["Version"]
    finally:
        os.environ.update(saved)


def test_controller_sdk_with_the_admin_bundle():
    pong, version = _sdk_client(_bundle())
    assert pong is True and version


def test_second_client_identity_works_too():
    pong, _ = _sdk_client(_bundle("ci"))
    assert pong is True


# -- negative twins
#
# curl and Python pin TLS 1.2 to be refused: there the daemon judges the client certificate
# inside the handshake, so the client always reads its alert. With TLS 1.3 it judges it after
# the client has finished its side, and the client may be writing its request when the daemon
# closes: curl then says (56) with the alert, or (55) "Send failure: Connection reset by peer"
# (both seen from the client container), which no exact assertion can cover.
#
# Which alert the daemon sends depends on the Go it was built with: Go 1.19 (Docker 20.10,
# Debian 12) answers "bad certificate" to every refusal; Go 1.24 (Docker 26.1, Debian 13) names
# the reason: "unknown ca", "certificate expired", and in TLS 1.3 "certificate required" for a
# missing certificate (all seen). The line is drawn at Go 1.21; only 1.19 and 1.24 run here.
# OpenSSL's version is part of curl's message ("OpenSSL/3.0.20: error:..."): matched by pattern.
CURL_ALERT = r"curl: \(35\) OpenSSL/3\.[0-9.]+: error:%s:SSL routines::%s\n"
ALERTS = {  # refusal -> {reason named (new Go)?: (OpenSSL error code, OpenSSL reason text)}
    "no certificate": {False: ("0A000412", "sslv3 alert bad certificate"),
                       True: ("0A000412", "sslv3 alert bad certificate")},
    "unknown ca": {False: ("0A000412", "sslv3 alert bad certificate"),
                   True: ("0A000418", "tlsv1 alert unknown ca")},
    "expired": {False: ("0A000412", "sslv3 alert bad certificate"),
                True: ("0A000415", "sslv3 alert certificate expired")},
}
# The docker CLI (20.10, TLS 1.3) without a certificate. It words "bad certificate" itself; the
# other alert comes as Go's HTTP client reports it, sometimes after "readLoopPeekFailLocked: "
# (3 in 10 seen), the point of Go's HTTP client at which the alert arrived.
CLI_NO_CERT = {
    False: r'the server probably has client authentication \(--tlsverify\) enabled; check your TLS client '
           r'certification settings: Get "https://%s:%d/v1\.24/version": remote error: tls: bad certificate',
    True: r'error during connect: Get "https://%s:%d/v1\.24/version": (readLoopPeekFailLocked: )?'
          r'remote error: tls: certificate required',
}


@pytest.fixture(scope="module")
def named(request):
    """Whether the daemon under test names the reason of a refusal in its alert (see ALERTS)."""
    host = testinfra.get_host("ansible://" + DAEMON, ansible_inventory=request.config.getoption("ansible_inventory"))
    go = host.check_output("docker version --format '{{.Server.GoVersion}}'")
    return tuple(int(n) for n in re.match(r"go(\d+)\.(\d+)", go).groups()) >= (1, 21)


def _curl_refused(named, refusal):
    code, text = ALERTS[refusal][named]
    return CURL_ALERT % (code, re.escape(text))


def _curl_tls12(client, cert_args=""):
    return client.run("curl -sS -m 5 --tls-max 1.2 --cacert %s/ca.pem %s https://%s:%d/_ping"
                      % (BUNDLE_ON_CLIENT, cert_args, DAEMON, PORT))


def test_no_client_cert_is_refused(client, named):
    result = _curl_tls12(client)
    assert (result.rc, result.stdout) == (35, ""), result.stderr
    assert re.fullmatch(_curl_refused(named, "no certificate"), result.stderr), result.stderr


def test_same_curl_with_the_client_cert_gets_in(client):
    # The twin: the same TLS 1.2 curl, with the bundle's certificate.
    result = _curl_tls12(client, "--cert %s/cert.pem --key %s/key.pem" % (BUNDLE_ON_CLIENT, BUNDLE_ON_CLIENT))
    assert (result.rc, result.stdout) == (0, "OK"), result.stderr


def test_cli_without_client_cert_is_refused(client, named):
    # The CLI has no TLS version switch (TLS 1.3); without a certificate the daemon refuses at
    # once, before the CLI writes its request (20/20 alerts seen, no reset).
    client.run("mkdir -p /root/ca-only && cp %s/ca.pem /root/ca-only/" % BUNDLE_ON_CLIENT)
    result = _cli(client, "--tlsverify -H %s:%d version --format '{{.Server.Version}}'" % (DAEMON, PORT),
                  cert_path="/root/ca-only")
    assert (result.rc, result.stdout.strip()) == (1, ""), result.stderr
    assert re.fullmatch(CLI_NO_CERT[named] % (DAEMON, PORT), result.stderr.strip()), result.stderr


def test_cert_from_another_ca_is_refused(client, named):
    make = (
        "cd /root && rm -rf foreign && mkdir foreign && cd foreign && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=foreign-ca "
        "-keyout ca-key.pem -out ca.pem 2>/dev/null && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=mallory -keyout key.pem -out req.pem 2>/dev/null && "
        "printf 'extendedKeyUsage=clientAuth\\n' > ext && "
        "openssl x509 -req -in req.pem -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 1 -extfile ext -out cert.pem 2>/dev/null"
    )
    assert client.run(make).rc == 0
    result = _curl_tls12(client, "--cert /root/foreign/cert.pem --key /root/foreign/key.pem")
    assert (result.rc, result.stdout) == (35, ""), result.stderr
    assert re.fullmatch(_curl_refused(named, "unknown ca"), result.stderr), result.stderr


def test_plain_http_to_the_tls_port_gets_no_api(client):
    result = client.run("curl -sS -m 5 -w '%%{http_code}' http://%s:%d/_ping" % (DAEMON, PORT))
    assert (result.rc, result.stdout) == (0, "Client sent an HTTP request to an HTTPS server.\n400"), result.stderr


def _controller_tls12(bundle=None):
    """GET /_ping in a TLS 1.2 connection from the controller with Python's ssl, trusting the
    admin bundle's CA, with the client certificate of bundle (none without)."""
    import socket

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(_bundle() + "/ca.pem")
    if bundle:
        context.load_cert_chain(bundle + "/cert.pem", bundle + "/key.pem")
    context.check_hostname = False
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection((container_ip(DAEMON), PORT), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=DAEMON) as tls:
            tls.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            return tls.recv(4096).decode()


def test_controller_tls_without_client_cert_is_refused():
    with pytest.raises(ssl.SSLError) as refused:
        _controller_tls12()
    assert (refused.value.library, refused.value.reason) == ("SSL", "SSLV3_ALERT_BAD_CERTIFICATE"), refused.value
    assert str(refused.value).startswith("[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate ("), \
        refused.value


def test_controller_tls_with_client_cert_gets_in():
    # The twin: the same handshake with the admin certificate.
    answer = _controller_tls12(_bundle())
    assert answer.startswith("HTTP/1.1 200 OK") and answer.endswith("\r\n\r\nOK"), answer


def test_plain_tcp_port_is_closed(client):
    result = client.run("curl -sS -m 5 http://%s:2375/_ping" % DAEMON)
    assert result.rc == 7, result.stderr


# -- the daemon host

def test_unix_socket_still_serves_plain_http_locally(host):
    result = daemon_ping(host)
    assert result.rc == 0 and result.stdout == "OK", result.stderr


def test_key_files_owner_and_mode(host):
    key = host.file("/etc/docker/tls/server-key.pem")
    assert key.user == "root" and key.mode == 0o400
    for name in ("ca.pem", "server-cert.pem"):
        f = host.file("/etc/docker/tls/" + name)
        assert f.user == "root" and f.mode == 0o444


def test_ca_private_key_is_not_on_the_daemon_host(host):
    found = host.run("grep -rlE 'BEGIN (EC |RSA |ENCRYPTED )?PRIVATE KEY' /etc /root /var/lib 2>/dev/null "
                     "| grep -v '^/etc/ssh/' | grep -v '/etc/docker/tls/server-key.pem' || true")
    assert found.stdout.strip() == ""
    assert host.run("find / -xdev -name 'ca-key.pem' 2>/dev/null").stdout.strip() == ""


def test_server_certificate_names_every_way_to_dial_it(host):
    text = host.run("openssl x509 -in /etc/docker/tls/server-cert.pem -noout -ext subjectAltName,extendedKeyUsage").stdout
    assert "DNS:%s" % DAEMON in text
    assert "IP Address:%s" % container_ip(DAEMON) in text
    assert "DNS:localhost" in text and "IP Address:127.0.0.1" in text
    assert "TLS Web Server Authentication" in text


def test_endpoint_check_passes_with_its_probes(host):
    import json

    result = subprocess.run(
        ["ansible", "localhost", "-m", "dockerd.exposure.endpoint_check", "-o", "-a", json.dumps({
            "docker_host": "tcp://%s:%d" % (container_ip(DAEMON), PORT),
            "ca_path": _bundle() + "/ca.pem", "client_cert": _bundle() + "/cert.pem",
            "client_key": _bundle() + "/key.pem", "probes": ["no_client_cert", "foreign_ca", "plain_http"]})],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"passed": true' in result.stdout


def test_exposure_info_reports_tls_and_unix(exposure):
    assert exposure["modes"] == ["tls", "unix"]
    assert exposure["findings"] == []
    assert exposure["tls"]["verify"] is True


def test_dockerd_was_started_once_by_the_rollout_and_not_by_the_rerun(host):
    # Boot start + the first converge's one restart; the idempotence run must not restart.
    starts = host.run("journalctl -b -u docker.service --no-pager -o cat | grep -c '^Started docker.service'")
    assert starts.stdout.strip() == "2"


def test_docker_context_made_by_the_client_role(client):
    result = client.run("docker --context %s-tls version --format '{{.Server.Version}}'" % DAEMON)
    assert result.rc == 0, result.stderr
    key = client.file("/root/.docker/dockerd-exposure/tls/admin/key.pem")
    assert key.mode == 0o600


# -- security probes (issue 6): expired client certificate, old TLS versions, the CA key

def _issue_client_cert(ca_key, directory, not_valid_after):
    """A client certificate signed by the scenario's real CA, valid until not_valid_after."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    with open(_operator_ca("ca.pem"), "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "probe")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_valid_after - datetime.timedelta(days=30))
        .not_valid_after(not_valid_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(os.open(os.path.join(directory, "key.pem"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(directory, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(_operator_ca("ca.pem"), "rb") as src, open(os.path.join(directory, "ca.pem"), "wb") as dst:
        dst.write(src.read())
    return directory


def test_expired_client_cert_from_the_real_ca_is_refused(host, named, tmp_path):
    # Python's ssl, TLS 1.2 (see the negative twins above). Not curl: it reports a "certificate
    # expired" alert as its own "(60) SSL certificate verification failed".
    import datetime

    now = datetime.datetime.now(datetime.timezone.utc)
    bundle = _issue_client_cert(_operator_ca_key(host), str(tmp_path / "expired"), now - datetime.timedelta(days=1))
    with pytest.raises(ssl.SSLError) as refused:
        _controller_tls12(bundle)
    text = ALERTS["expired"][named][1]
    reason = text.upper().replace(" ", "_")
    assert (refused.value.library, refused.value.reason) == ("SSL", reason), refused.value
    assert str(refused.value).startswith("[SSL: %s] %s (" % (reason, text)), refused.value


def test_same_client_cert_but_valid_is_accepted(host, client, tmp_path):
    # The twin: the same construction with a date in the future works, with the same probe
    # and with the docker CLI, so the refusal above is the expiry and nothing else.
    import datetime

    now = datetime.datetime.now(datetime.timezone.utc)
    bundle = _issue_client_cert(_operator_ca_key(host), str(tmp_path / "valid"), now + datetime.timedelta(days=1))
    answer = _controller_tls12(bundle)
    assert answer.startswith("HTTP/1.1 200 OK") and answer.endswith("\r\n\r\nOK"), answer
    target = "/root/probe-valid"
    client.run("rm -rf %s && mkdir -m 0700 %s" % (target, target))
    for f in ("ca.pem", "cert.pem", "key.pem"):
        subprocess.run(["docker", "cp", os.path.join(bundle, f), "dx-tls-client:%s/%s" % (target, f)], check=True)
    result = _cli(client, "--tlsverify -H %s:%d version --format '{{.Server.Version}}'" % (DAEMON, PORT),
                  cert_path=target)
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()


def _handshake(version):
    """A TLS handshake at exactly one protocol version, from the controller, with the admin
    client certificate; returns (negotiated version, /_ping answer) or raises ssl.SSLError."""
    import socket
    import warnings

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(_bundle() + "/ca.pem")
    context.load_cert_chain(_bundle() + "/cert.pem", _bundle() + "/key.pem")
    context.check_hostname = False
    # Level 0 lets this OpenSSL offer TLS 1.0/1.1 at all, so a refusal is the daemon's.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
    with socket.create_connection((container_ip(DAEMON), PORT), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=DAEMON) as tls:
            tls.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
            return tls.version(), tls.recv(4096).decode()


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1_1"])
def test_old_tls_versions_are_refused_by_the_daemon(version):
    with pytest.raises(ssl.SSLError) as refused:
        _handshake(version)
    print("%s: %s" % (version, refused.value))
    # The daemon's alert, not a local "no protocols available": the offer was really sent.
    assert "PROTOCOL_VERSION" in str(refused.value) or "protocol version" in str(refused.value), refused.value


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_tls_12_and_13_handshakes_work_with_the_same_probe(version):
    negotiated, answer = _handshake(version)
    assert negotiated == version.replace("_", ".")
    assert answer.startswith("HTTP/1.1 200") and answer.endswith("OK"), answer


def _private_keys_on_the_daemon_host(host):
    """Every PEM private key anywhere on the daemon host, read back to the controller (no CA
    key material is ever sent to the host for the search)."""
    # -I: a program that merely contains the words (ssh-keygen, libcrypto) is no PEM key file;
    # binary key files are covered by the DER comparison below.
    found = host.run("grep -rlZI --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev -e 'PRIVATE KEY-----' / "
                     "2>/dev/null | xargs -0r -n1 sh -c 'printf \"%s\\0\" \"$0\"; cat \"$0\"; printf \"\\0\\0\"'")
    keys = {}
    for chunk in found.stdout_bytes.decode("utf-8", "replace").split("\0\0"):
        if "\0" in chunk:
            path, text = chunk.split("\0", 1)
            keys[path.strip()] = text
    return keys


def _same_private_key(pem_text, public_key):
    """Whether a PEM blob holds (among its blocks) the private key of public_key."""
    import re

    from cryptography.hazmat.primitives import serialization

    for block in re.findall(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", pem_text, re.S):
        try:
            key = serialization.load_pem_private_key(block.encode(), password=None)
        except (ValueError, TypeError):
            continue
        if key.public_key().public_numbers() == public_key.public_numbers():
            return True
    return False


def test_no_file_on_the_daemon_host_holds_the_ca_private_key(host):
    from cryptography.hazmat.primitives import serialization

    ca_key = _operator_ca_key(host)
    keys = _private_keys_on_the_daemon_host(host)
    # The twin: the same search finds the server key and recognises it by content, as the
    # private key of the server certificate's public key.
    assert "/etc/docker/tls/server-key.pem" in keys, sorted(keys)
    server = [path for path, text in keys.items() if _same_private_key(text, _server_public_key(host))]
    assert server == ["/etc/docker/tls/server-key.pem"], server
    holding = [path for path, text in keys.items() if _same_private_key(text, ca_key.public_key())]
    assert holding == [], "the CA private key is on the daemon host in %s" % holding
    # DER (no PEM header): any file of exactly the DER sizes is compared by hash.
    import hashlib

    ders = [ca_key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption())
            for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL)]
    sizes = " -o ".join("-size %dc" % len(der) for der in ders)
    sums = host.run("find / \\( -path /proc -o -path /sys -o -path /dev \\) -prune -o -type f \\( %s \\) "
                    "-exec sha256sum {} + 2>/dev/null" % sizes).stdout.split()
    assert not set(hashlib.sha256(der).hexdigest() for der in ders) & set(sums[0::2])


def _server_public_key(host):
    from cryptography import x509

    text = host.check_output("cat /etc/docker/tls/server-cert.pem")
    return x509.load_pem_x509_certificate(text.encode()).public_key()

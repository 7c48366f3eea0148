# -*- coding: utf-8 -*-
"""Unit tests for module_utils/_endpoint.py (pure decisions of endpoint_check).

The error texts below were captured from real failures against dockerd 20.10 (Debian 12)
with the Docker SDK 7.2 / requests 2.34 / urllib3 2.x / OpenSSH 9.2 / paramiko 5.1 during
tests/integration/endpoint_check/run.sh; classification must keep working on exactly these.
"""

from datetime import datetime, timedelta, timezone

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _endpoint as ep

# --- real error texts (exception_text() of the SDK error, plus ssh stderr) --------------
MISSING_SOCKET = (
    "ConnectionError: ('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))"
    " <- ProtocolError: ('Connection aborted.', FileNotFoundError(2, 'No such file or "
    "directory')) <- FileNotFoundError: [Errno 2] No such file or directory")
SOCKET_EACCES = (
    "ConnectionError: ('Connection aborted.', PermissionError(13, 'Permission denied')) <- "
    "ProtocolError: ('Connection aborted.', PermissionError(13, 'Permission denied')) <- "
    "PermissionError: [Errno 13] Permission denied")
NOT_A_SOCKET = (
    "ConnectionError: ('Connection aborted.', ConnectionRefusedError(111, 'Connection refused'))"
    " <- ConnectionRefusedError: [Errno 111] Connection refused")
NO_CLIENT_CERT = (
    "SSLError: HTTPSConnectionPool(host='172.21.0.2', port=2376): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(SSLError(1, '[SSL: SSLV3_ALERT_BAD_CERTIFICATE] "
    "sslv3 alert bad certificate (_ssl.c:2580)'))) <- SSLError: [SSL: "
    "SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate (_ssl.c:2580)")
CLIENT_CERT_EOF = (
    "SSLError: HTTPSConnectionPool(host='172.22.0.2', port=2376): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(SSLEOFError(8, 'EOF occurred in violation of "
    "protocol (_ssl.c:2427)'))) <- SSLEOFError: EOF occurred in violation of protocol "
    "(_ssl.c:2427)")
UNKNOWN_SERVER_CA = (
    "SSLError: HTTPSConnectionPool(host='172.21.0.2', port=2376): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(SSLCertVerificationError(1, '[SSL: "
    "CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
    "certificate (_ssl.c:1006)'))) <- SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED]"
    " certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)")
IP_MISMATCH = (
    "SSLError: HTTPSConnectionPool(host='127.0.0.2', port=23761): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(SSLCertVerificationError(1, \"[SSL: "
    "CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is "
    "not valid for '127.0.0.2'. (_ssl.c:1006)\")))")
NAME_MISMATCH = (
    "SSLError: HTTPSConnectionPool(host='172.22.0.2', port=2376): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(CertificateError(\"hostname 'ec-tls.example' doesn't "
    "match either of 'ec-tls', 'localhost', '172.22.0.2', '127.0.0.1'\")))")
PLAIN_TO_TLS_PORT = (
    "HTTPAnswerError: HTTP 400 Bad Request: Client sent an HTTP request to an HTTPS server.")
PLAIN_TO_TLS_PORT_SDK = (
    "APIError: 400 Client Error for http://172.21.0.2:2376/v1.24/_ping: Bad Request (\"Client "
    "sent an HTTP request to an HTTPS server.\")")
TLS_TO_PLAIN_PORT = (
    "SSLError: HTTPSConnectionPool(host='172.21.0.3', port=2375): Max retries exceeded with "
    "url: /v1.24/_ping (Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong "
    "version number (_ssl.c:1006)')))")
TCP_REFUSED = (
    "ConnectionError: HTTPConnectionPool(host='172.21.0.3', port=2376): Max retries exceeded "
    "with url: /v1.24/_ping (Caused by NewConnectionError(\"HTTPConnection(host='172.21.0.3', "
    "port=2376): Failed to establish a new connection: [Errno 111] Connection refused\")) <- "
    "ConnectionRefusedError: [Errno 111] Connection refused")
TCP_TIMEOUT = (
    "ConnectTimeout: HTTPConnectionPool(host='172.21.0.250', port=2375): Max retries exceeded "
    "with url: /v1.24/_ping (Caused by ConnectTimeoutError(<HTTPConnection(host='172.21.0.250',"
    " port=2375) at 0x7fadda78ca90>, 'Connection to 172.21.0.250 timed out. (connect "
    "timeout=3)')) <- TimeoutError: timed out")
DNS_FAILURE = (
    "ConnectionError: HTTPSConnectionPool(host='no-such-host.invalid', port=2376): Max retries "
    "exceeded with url: /v1.24/_ping (Caused by NameResolutionError(\"HTTPSConnection(host="
    "'no-such-host.invalid', port=2376): Failed to resolve 'no-such-host.invalid' ([Errno -2] "
    "Name or service not known)\")) <- gaierror: [Errno -2] Name or service not known")
SSH_PREFIX = ("ConnectionError: ('Connection aborted.', RemoteDisconnected('Remote end closed "
              "connection without response'))\n")
SSH_HOST_KEY = SSH_PREFIX + (
    "No ED25519 host key is known for ec-plain-nokey and you have requested strict checking.\n"
    "Host key verification failed.")
SSH_HOST_KEY_PARAMIKO = "SSHException: Server '172.22.0.3' not found in known_hosts"
SSH_AUTH = SSH_PREFIX + "nobody@172.22.0.3: Permission denied (publickey,password)."
SSH_SOCKET_EACCES = SSH_PREFIX + (
    "failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: "
    "permission denied")
SSH_NO_CLI = SSH_PREFIX + "bash: docker: command not found"
SSH_REFUSED = SSH_PREFIX + "ssh: connect to host 172.22.0.3 port 2222: Connection refused"
SSH_TIMEOUT = SSH_PREFIX + "ssh: connect to host 172.22.0.250 port 22: Connection timed out"
SSH_DNS = SSH_PREFIX + "ssh: Could not resolve hostname no-such-host.invalid: Name or service not known"

SANS = ['DNS:ec-tls', 'DNS:localhost', 'IP:172.22.0.2', 'IP:127.0.0.1']


def settings(docker_host, **params):
    values = dict(docker_host=docker_host, expect='reachable', probes=[], tls=False,
                  validate_certs=True, timeout=10.0, use_ssh_client=True)
    values.update(params)
    return ep.resolve_settings(values)


TLS = dict(ca_path='/pki/ca.pem', client_cert='/pki/cert.pem', client_key='/pki/key.pem')


# --- parse_docker_host -------------------------------------------------------------------

@pytest.mark.parametrize('value, tls, expected', [
    ('unix:///var/run/docker.sock', False,
     ep.Endpoint('unix:///var/run/docker.sock', 'unix', None, None, '/var/run/docker.sock', None)),
    ('tcp://10.0.0.5:2376', True, ep.Endpoint('tcp://10.0.0.5:2376', 'tcp', '10.0.0.5', 2376, None, None)),
    ('tcp://docker1', True, ep.Endpoint('tcp://docker1:2376', 'tcp', 'docker1', 2376, None, None)),
    ('tcp://docker1', False, ep.Endpoint('tcp://docker1:2375', 'tcp', 'docker1', 2375, None, None)),
    ('TCP://docker1:2375/', False, ep.Endpoint('tcp://docker1:2375', 'tcp', 'docker1', 2375, None, None)),
    ('tcp://[2001:db8::1]:2376', True,
     ep.Endpoint('tcp://[2001:db8::1]:2376', 'tcp', '2001:db8::1', 2376, None, None)),
    ('ssh://deploy@docker1', False, ep.Endpoint('ssh://deploy@docker1', 'ssh', 'docker1', None, None, 'deploy')),
    ('ssh://deploy@docker1:2222', False,
     ep.Endpoint('ssh://deploy@docker1:2222', 'ssh', 'docker1', 2222, None, 'deploy')),
    ('ssh://docker1', False, ep.Endpoint('ssh://docker1', 'ssh', 'docker1', None, None, None)),
])
def test_parse_docker_host_valid(value, tls, expected):
    assert ep.parse_docker_host(value, tls=tls) == expected


@pytest.mark.parametrize('value, needle', [
    ('', 'docker_host is empty'),
    ('/var/run/docker.sock', 'unix:///var/run/docker.sock'),
    ('10.0.0.5:2376', 'tcp://10.0.0.5:2376'),
    ('unix://var/run/docker.sock', 'unix:///var/run/docker.sock'),
    ('unix:///var/run/', 'names a directory'),
    ('https://10.0.0.5:2376', 'write tcp://10.0.0.5:2376 and set tls: true'),
    ('fd://', 'systemd socket-activation'),
    ('npipe:////./pipe/docker_engine', "unsupported scheme 'npipe'"),
    ('tcp://10.0.0.5:70000', "port '70000', which is not in 1-65535"),
    ('tcp://10.0.0.5:', "ends with ':' but no port"),
    ('tcp://10.0.0.5:2376/v1.41', "has the path '/v1.41'"),
    ('tcp://', 'has no host'),
    ('tcp://2001:db8::1', 'put it in brackets'),
    ('tcp://root@10.0.0.5:2376', 'carries a user name'),
    ('ssh://deploy:secret@docker1', 'carries a password'),
    ('ssh://[2001:db8::1]', 'IPv6'),
    ('ssh://@docker1', 'empty user'),
])
def test_parse_docker_host_invalid(value, needle):
    with pytest.raises(ep.EndpointError) as err:
        ep.parse_docker_host(value)
    assert needle in str(err.value)
    assert str(err.value).endswith('.')


# --- resolve_settings ---------------------------------------------------------------------

def test_tls_is_implied_by_tls_files():
    s = settings('tcp://docker1', **TLS)
    assert s.tls is True
    assert s.endpoint.port == 2376
    assert ep.tls_server_name(s) == 'docker1'


def test_tls_hostname_is_the_server_name():
    assert ep.tls_server_name(settings('tcp://10.0.0.5:2376', tls_hostname='docker1', **TLS)) == 'docker1'


@pytest.mark.parametrize('host, params, needle', [
    ('unix:///var/run/docker.sock', dict(ca_path='/ca.pem'), 'never speaks TLS, but ca_path was given'),
    ('ssh://deploy@docker1', dict(tls=True, validate_certs=False), 'never speaks TLS, but tls was given'),
    ('tcp://docker1:2375', dict(probes=['plain_http']), 'probes (plain_http) only apply to a TLS endpoint'),
    ('tcp://docker1:2376', dict(tls=True), 'validate_certs is true but no ca_path'),
    ('tcp://docker1:2376', dict(timeout=0), 'timeout 0 is not a positive number'),
])
def test_resolve_settings_rejects_contradictions(host, params, needle):
    with pytest.raises(ep.EndpointError) as err:
        settings(host, **params)
    assert needle in str(err.value)


def test_tls_without_validation_needs_no_ca():
    s = settings('tcp://docker1:2376', tls=True, validate_certs=False, probes=['no_client_cert'])
    assert s.tls and not s.validate_certs and s.probes == ['no_client_cert']


# --- SAN matching and certificates -------------------------------------------------------

@pytest.mark.parametrize('name, sans, expected', [
    ('ec-tls', SANS, True),
    ('EC-TLS.', SANS, True),
    ('localhost', SANS, True),
    ('172.22.0.2', SANS, True),
    ('127.0.0.2', SANS, False),
    ('ec-tls.example', SANS, False),
    ('node1.example.org', ['DNS:*.example.org'], True),
    ('a.node1.example.org', ['DNS:*.example.org'], False),
    ('example.org', ['DNS:*.example.org'], False),
    ('10.0.0.5', ['DNS:10.0.0.5'], False),          # an address needs an IP SAN
    ('docker1', ['IP:10.0.0.5'], False),
    ('2001:db8::1', ['IP:2001:db8:0:0:0:0:0:1'], True),
    ('[2001:db8::1]', ['IP:2001:db8::1'], True),
    ('', SANS, False),
    ('docker1', [], False),
])
def test_san_matches(name, sans, expected):
    assert ep.san_matches(name, sans) is expected


def _certificate(now, sans=True):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Example'),
                                 x509.NameAttribute(NameOID.COMMON_NAME, 'docker1')]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'dockerd.exposure CA')]))
        .public_key(key.public_key()).serial_number(7)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=10, hours=1)))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.DNSName('docker1'), x509.IPAddress(ipaddress.ip_address('10.0.0.5'))]),
            critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_describe_certificate():
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    info = ep.describe_certificate(_certificate(now), now)
    assert info == dict(subject='CN=docker1, O=Example', issuer='CN=dockerd.exposure CA',
                        sans=['DNS:docker1', 'IP:10.0.0.5'], not_after='2026-12-08T13:00:00Z',
                        days_left=10)
    expired = ep.describe_certificate(_certificate(now), now + timedelta(days=12))
    assert expired['days_left'] == -2


def test_describe_certificate_without_sans():
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert ep.describe_certificate(_certificate(now, sans=False), now)['sans'] == []


def test_describe_decoded_certificate_matches_describe_certificate():
    """The ssl module's dict of a verified peer (what SSLSocket.getpeercert() returns for
    the certificate above) summarises to the same as the DER through cryptography."""
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    decoded = {
        'subject': ((('organizationName', 'Example'),), (('commonName', 'docker1'),)),
        'issuer': ((('commonName', 'dockerd.exposure CA'),),),
        'version': 3, 'serialNumber': '07',
        'notBefore': 'Nov 27 12:00:00 2026 GMT', 'notAfter': 'Dec  8 13:00:00 2026 GMT',
        'subjectAltName': (('DNS', 'docker1'), ('IP Address', '10.0.0.5'),
                           ('IP Address', '2001:DB8:0:0:0:0:0:1\n')),
    }
    info = ep.describe_decoded_certificate(decoded, now)
    expected = ep.describe_certificate(_certificate(now), now)
    expected['sans'].append('IP:2001:db8::1')
    assert info == expected
    assert ep.describe_decoded_certificate(dict(decoded, subjectAltName=()),
                                           now + timedelta(days=12))['days_left'] == -2


# --- exception helpers -------------------------------------------------------------------

def test_exception_text_and_root_error_follow_the_chain():
    try:
        try:
            raise ConnectionRefusedError(111, 'Connection refused')
        except OSError as inner:
            raise RuntimeError('Max retries exceeded') from inner
    except RuntimeError as outer:
        exc = outer
    assert ep.exception_text(exc) == ('RuntimeError: Max retries exceeded <- '
                                      'ConnectionRefusedError: [Errno 111] Connection refused')
    assert ep.root_error(exc) == '[Errno 111] Connection refused'
    assert ep.root_error(None) == ''


# --- classify_failure --------------------------------------------------------------------

def test_missing_socket_is_refused():
    f = ep.classify_failure(settings('unix:///var/run/nope.sock'), MISSING_SOCKET)
    assert (f.outcome, f.reason) == ('refused', 'no_socket')
    assert '/var/run/nope.sock does not exist' in f.msg


def test_socket_permission_names_socket_group_and_fix():
    facts = dict(user='alice', user_groups=['alice'], group_members=[],
                 socket=dict(path='/var/run/docker.sock', owner='root', group='docker', mode='0660'))
    f = ep.classify_failure(settings('unix:///var/run/docker.sock'), SOCKET_EACCES, facts)
    assert (f.outcome, f.reason) == ('unauthorized', 'permission_denied')
    assert f.msg == ('alice may not use /var/run/docker.sock (owner root, group docker, mode '
                     '0660); add alice to group docker (usermod -aG docker alice, then start a new '
                     'login session) or run the check as root (become: true).')


def test_socket_permission_member_without_new_session():
    facts = dict(user='alice', user_groups=['alice'], group_members=['alice'],
                 socket=dict(path='/var/run/docker.sock', owner='root', group='docker', mode='0660'))
    f = ep.classify_failure(settings('unix:///var/run/docker.sock'), SOCKET_EACCES, facts)
    assert 'is listed in group docker but this process does not carry that group yet' in f.msg


def test_socket_permission_mode_without_group_write():
    facts = dict(user='alice', socket=dict(path='/run/docker.sock', owner='root', group='docker',
                                           mode='0600'))
    f = ep.classify_failure(settings('unix:///run/docker.sock'), SOCKET_EACCES, facts)
    assert 'set SocketMode=0660' in f.msg


def test_socket_permission_without_stat():
    f = ep.classify_failure(settings('unix:///srv/d/docker.sock'), SOCKET_EACCES, dict(user='bob'))
    assert f.msg.startswith('bob may not reach /srv/d/docker.sock')


def test_socket_without_listener():
    f = ep.classify_failure(settings('unix:///etc/hostname'), NOT_A_SOCKET)
    assert (f.outcome, f.reason) == ('refused', 'connection_refused')


def test_no_client_cert():
    s = settings('tcp://172.21.0.2:2376', ca_path='/pki/ca.pem')
    f = ep.classify_failure(s, NO_CLIENT_CERT, dict(sans=SANS))
    assert (f.outcome, f.reason) == ('unauthorized', 'no_client_cert')
    assert 'no client certificate was presented (TLS alert: bad certificate)' in f.msg


def test_client_cert_rejected_by_alert():
    f = ep.classify_failure(settings('tcp://172.21.0.2:2376', **TLS), NO_CLIENT_CERT)
    assert (f.outcome, f.reason) == ('unauthorized', 'client_cert_rejected')
    assert 'refused the client certificate /pki/cert.pem (TLS alert: bad certificate)' in f.msg


def test_client_cert_rejected_by_eof_after_handshake():
    s = settings('tcp://172.22.0.2:2376', **TLS)
    f = ep.classify_failure(s, CLIENT_CERT_EOF, dict(sans=SANS))
    assert (f.outcome, f.reason) == ('unauthorized', 'client_cert_rejected')
    # Without a completed handshake the same EOF proves nothing about the certificate.
    f = ep.classify_failure(s, CLIENT_CERT_EOF, {})
    assert (f.outcome, f.reason) == ('error', 'tls_handshake_closed')


def test_ip_outside_sans():
    s = settings('tcp://127.0.0.2:23761', **TLS)
    f = ep.classify_failure(s, IP_MISMATCH, dict(sans=SANS))
    assert (f.outcome, f.reason) == ('error', 'san_mismatch')
    assert f.msg == ("The certificate of tcp://127.0.0.2:23761 is valid for DNS:ec-tls, "
                     "DNS:localhost, IP:172.22.0.2, IP:127.0.0.1, not for '127.0.0.2'; add it to "
                     "dockerd_tls_extra_sans or dial a listed name.")


def test_brief_example_sentence():
    s = settings('tcp://10.0.0.5:2376', **TLS)
    assert ep.san_mismatch_sentence(s, ['DNS:host1', 'IP:172.18.0.2']) == (
        "The certificate of tcp://10.0.0.5:2376 is valid for DNS:host1, IP:172.18.0.2, not for "
        "'10.0.0.5'; add it to dockerd_tls_extra_sans or dial a listed name.")


def test_tls_hostname_outside_sans():
    s = settings('tcp://172.22.0.2:2376', tls_hostname='ec-tls.example', **TLS)
    f = ep.classify_failure(s, NAME_MISMATCH, dict(sans=SANS))
    assert f.reason == 'san_mismatch'
    assert "not for 'ec-tls.example' (tls_hostname)" in f.msg


def test_san_mismatch_without_certificate_details():
    f = ep.classify_failure(settings('tcp://127.0.0.2:23761', **TLS), IP_MISMATCH)
    assert "does not list it, not for '127.0.0.2'" in f.msg


def test_untrusted_server_certificate():
    s = settings('tcp://172.21.0.2:2376', **TLS)
    f = ep.classify_failure(s, UNKNOWN_SERVER_CA, dict(sans=SANS, issuer='CN=ec-test-ca'))
    assert (f.outcome, f.reason) == ('error', 'server_cert_untrusted')
    assert '(issuer CN=ec-test-ca) is not signed by the CA in ca_path (/pki/ca.pem)' in f.msg
    # 172.21.0.2 is not in SANS either: the sentence names that next problem as well.
    assert "Next, it would fail on the name: The certificate of tcp://172.21.0.2:2376" in f.msg
    f = ep.classify_failure(settings('tcp://172.22.0.2:2376', **TLS), UNKNOWN_SERVER_CA,
                            dict(sans=SANS))
    assert 'Next' not in f.msg


def test_expired_server_certificate():
    text = ("SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: certificate has expired (_ssl.c:1006)")
    f = ep.classify_failure(settings('tcp://docker1:2376', **TLS), text,
                            dict(sans=['DNS:docker1'], not_after='2026-01-01T00:00:00Z'))
    assert f.reason == 'server_cert_expired'
    assert 'expired on 2026-01-01T00:00:00Z' in f.msg


@pytest.mark.parametrize('text', [PLAIN_TO_TLS_PORT, PLAIN_TO_TLS_PORT_SDK])
def test_tls_port_dialled_in_plain_http(text):
    f = ep.classify_failure(settings('tcp://172.21.0.2:2376'), text)
    assert (f.outcome, f.reason) == ('error', 'tls_port_without_tls')
    assert 'speaks TLS, but it was dialled in plain HTTP' in f.msg


def test_plain_port_dialled_with_tls():
    f = ep.classify_failure(settings('tcp://172.21.0.3:2375', **TLS), TLS_TO_PLAIN_PORT)
    assert (f.outcome, f.reason) == ('error', 'plain_port_with_tls')
    assert 'answered in plain text, not TLS' in f.msg


def test_tcp_refused_names_host_and_port():
    f = ep.classify_failure(settings('tcp://172.21.0.3:2376'), TCP_REFUSED)
    assert (f.outcome, f.reason) == ('refused', 'connection_refused')
    assert f.msg.startswith('Connection to 172.21.0.3 port 2376 was refused')


def test_tcp_timeout_names_host_port_and_seconds():
    f = ep.classify_failure(settings('tcp://172.21.0.250:2375', timeout=3), TCP_TIMEOUT)
    assert (f.outcome, f.reason) == ('refused', 'timeout')
    assert f.msg.startswith('172.21.0.250 port 2375 did not answer within 3 s')


def test_read_timeout_is_an_error():
    text = "ReadTimeout: HTTPConnectionPool(host='h', port=2375): Read timed out. (read timeout=10)"
    assert ep.classify_failure(settings('tcp://h:2375'), text).reason == 'read_timeout'


def test_name_resolution():
    f = ep.classify_failure(settings('tcp://no-such-host.invalid:2376', **TLS), DNS_FAILURE)
    assert (f.outcome, f.reason) == ('error', 'name_resolution')
    assert "'no-such-host.invalid'" in f.msg


def test_api_denied_by_authz_plugin():
    f = ep.classify_failure(settings('tcp://h:2376', **TLS), 'HTTPAnswerError: HTTP 403 Forbidden: authz')
    assert (f.outcome, f.reason) == ('unauthorized', 'api_denied')


def test_unknown_error_keeps_the_detail():
    f = ep.classify_failure(settings('tcp://h:2375'), 'ValueError: something odd')
    assert (f.outcome, f.reason) == ('error', 'unknown')
    assert f.msg == 'Could not talk to dockerd at tcp://h:2375: ValueError: something odd'


@pytest.mark.parametrize('host, text, outcome, reason, needle', [
    ('ssh://ecops@ec-plain-nokey', SSH_HOST_KEY, 'error', 'ssh_host_key',
     'ssh refused to talk to ec-plain-nokey (Host key verification failed): its host key is not '
     'in known_hosts'),
    ('ssh://ecops@172.22.0.3', SSH_HOST_KEY_PARAMIKO, 'error', 'ssh_host_key',
     "(Host key verification failed: Server '172.22.0.3' not found in known_hosts): its host key "
     'is not in known_hosts'),
    ('ssh://nobody@172.22.0.3', SSH_AUTH, 'unauthorized', 'ssh_auth',
     '172.22.0.3 refused the ssh login of nobody (nobody@172.22.0.3: Permission denied'),
    ('ssh://nodock@172.22.0.3', SSH_SOCKET_EACCES, 'unauthorized', 'ssh_socket_permission',
     'nodock may not use the Docker socket there'),
    ('ssh://ecops@172.22.0.3', SSH_NO_CLI, 'error', 'ssh_no_docker_cli',
     'has no docker CLI on the PATH'),
    ('ssh://ecops@172.22.0.3:2222', SSH_REFUSED, 'refused', 'connection_refused',
     'ssh connection to 172.22.0.3 port 2222 was refused'),
    ('ssh://ecops@172.22.0.250', SSH_TIMEOUT, 'refused', 'timeout',
     'ssh to 172.22.0.250 port 22 did not connect within 10 s'),
    ('ssh://ecops@no-such-host.invalid', SSH_DNS, 'error', 'name_resolution',
     "The ssh host 'no-such-host.invalid'"),
    ('ssh://ecops@h', "DockerException: Install paramiko package to enable ssh:// support",
     'error', 'missing_paramiko', 'install docker[ssh]'),
    ('ssh://ecops@h', SSH_PREFIX + 'kex_exchange_identification: read: Connection reset by peer',
     'error', 'ssh_failed', 'ssh to h failed: kex_exchange_identification'),
])
def test_ssh_classification(host, text, outcome, reason, needle):
    f = ep.classify_failure(settings(host), text)
    assert (f.outcome, f.reason) == (outcome, reason)
    assert needle in f.msg


def test_changed_host_key():
    text = SSH_PREFIX + '@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.'
    assert 'changed since it was recorded' in ep.classify_failure(settings('ssh://h'), text).msg


# --- probes -------------------------------------------------------------------------------

REAL_PING_OK = (b'HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nCache-Control: no-cache, no-store, '
                b'must-revalidate\r\nDocker-Experimental: false\r\nOstype: linux\r\nPragma: no-cache'
                b'\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2\r\nContent-Type: '
                b'text/plain; charset=utf-8\r\nConnection: close\r\n\r\nOK')
REAL_PLAIN_TO_TLS = b'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n'


def test_parse_http_response():
    assert ep.parse_http_response(REAL_PING_OK) == (200, 'OK', 'OK')
    assert ep.parse_http_response(REAL_PLAIN_TO_TLS) == (
        400, 'Bad Request', 'Client sent an HTTP request to an HTTPS server.')
    assert ep.parse_http_response(b'') is None
    assert ep.parse_http_response(b'\x15\x03\x03\x00\x02\x02\x2a') is None


@pytest.mark.parametrize('name, observation, outcome, needle', [
    ('no_client_cert', dict(stage='http', error='[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad '
                            'certificate (_ssl.c:2580)', response=None), 'refused',
     'the daemon rejected a TLS client without a certificate with the TLS alert "bad certificate"'),
    ('foreign_ca', dict(stage='http', error='EOF occurred in violation of protocol (_ssl.c:2427)',
                        response=None), 'refused', 'closed the connection'),
    ('plain_http', dict(stage='http', error=None, response=REAL_PLAIN_TO_TLS), 'refused',
     'dockerd answered HTTP 400 Bad Request "Client sent an HTTP request to an HTTPS server." '
     '(no API access)'),
    ('plain_http', dict(stage='connect', error='[Errno 111] Connection refused'), 'refused',
     'no connection: [Errno 111] Connection refused'),
    ('no_client_cert', dict(stage='http', error=None, response=b''), 'refused',
     'without an HTTP answer'),
    ('no_client_cert', dict(stage='http', error=None, response=REAL_PING_OK), 'accepted',
     'was answered HTTP 200 OK "OK"'),
    ('plain_http', dict(stage='http', error=None, response=REAL_PING_OK), 'accepted', 'plain HTTP'),
    ('foreign_ca', dict(stage='http', error=None, response=b'HTTP/1.1 403 Forbidden\r\n\r\n'),
     'refused', 'answered HTTP 403 Forbidden'),
])
def test_evaluate_probe(name, observation, outcome, needle):
    result = ep.evaluate_probe(name, observation)
    assert result['outcome'] == outcome
    assert needle in result['detail']


def test_probe_failure_sentence_names_the_fix():
    s = settings('tcp://docker1:2376', **TLS)
    msg = ep.probe_failure_sentence(s.endpoint, 'no_client_cert', dict(outcome='accepted', detail='x'))
    assert msg.startswith('Probe no_client_cert was accepted by tcp://docker1:2376 (x);')
    assert '"tlsverify": true' in msg


# --- expectation ------------------------------------------------------------------------

REFUSED = ep.Failure('refused', 'connection_refused', 'Connection to h port 2375 was refused.')
DENIED = ep.Failure('unauthorized', 'no_client_cert', 'No client certificate.')
ERROR = ep.Failure('error', 'san_mismatch', 'The certificate of tcp://h:2376 is valid for ...')


@pytest.mark.parametrize('expect, outcome, failure, expected', [
    ('reachable', 'reachable', None, None),
    ('refused', 'refused', REFUSED, None),
    ('unauthorized', 'unauthorized', DENIED, None),
    ('reachable', 'refused', REFUSED, REFUSED.msg),
    ('reachable', 'error', ERROR, ERROR.msg),
    ('refused', 'error', ERROR, ERROR.msg),
    ('refused', 'reachable', None, 'answered (Docker 20.10.24) but should refuse connections'),
    ('unauthorized', 'reachable', None, 'let this client in (Docker 20.10.24) but should deny it'),
    ('refused', 'unauthorized', DENIED, 'accepted the connection and then denied access'),
    ('unauthorized', 'refused', REFUSED, 'no connection could be made'),
])
def test_expectation_failure(expect, outcome, failure, expected):
    endpoint = ep.parse_docker_host('tcp://h:2375')
    msg = ep.expectation_failure(endpoint, expect, outcome, failure, '20.10.24')
    if expected is None:
        assert msg is None
    else:
        assert expected in msg


def test_success_sentences():
    endpoint = ep.parse_docker_host('tcp://h:2375')
    assert ep.success_sentence(endpoint, 'reachable', '20.10.24', '1.41', 2.345) == (
        'tcp://h:2375 answers: Docker 20.10.24, API 1.41, ping 2.3 ms.')
    assert ep.success_sentence(endpoint, 'refused', failure=REFUSED) == (
        'tcp://h:2375 refuses connections, as expected: Connection to h port 2375 was refused.')
    assert 'denies this client, as expected' in ep.success_sentence(endpoint, 'unauthorized',
                                                                    failure=DENIED)


def test_argument_spec_matches_doc_fragment():
    import yaml
    from ansible_collections.dockerd.exposure.plugins.doc_fragments._connection import ModuleDocFragment

    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert set(options) == set(ep.CONNECTION_ARGUMENT_SPEC)
    for name, spec in ep.CONNECTION_ARGUMENT_SPEC.items():
        doc = options[name]
        assert doc['type'] == spec['type'], name
        assert doc.get('default') == spec.get('default'), name
        assert bool(doc.get('required')) == bool(spec.get('required')), name
        assert doc.get('aliases', []) == spec.get('aliases', []), name

# -*- coding: utf-8 -*-
"""Unit tests for the endpoint_check module: its I/O helpers and main() paths.

main() runs against small in-process stand-ins for dockerd: an HTTP server on a unix socket
and a mutual-TLS HTTP server on 127.0.0.1 with a PKI made by the cryptography library. The
real daemons are covered by tests/integration/endpoint_check/.
"""

import ipaddress
import json
import os
import socket
import socketserver
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ansible.module_utils.testing import patch_module_args
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ansible_collections.dockerd.exposure.plugins.module_utils._endpoint import EndpointError
from ansible_collections.dockerd.exposure.plugins.modules import endpoint_check as mod

VERSION = {'Version': '20.10.24+dfsg1', 'ApiVersion': '1.41', 'Os': 'linux'}


# --- stand-ins for dockerd ----------------------------------------------------------------

class FakeDockerd(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        if self.path == '/_ping':
            status, body, ctype = 200, b'OK', 'text/plain; charset=utf-8'
        elif self.path == '/version':
            status, body, ctype = 200, json.dumps(VERSION).encode(), 'application/json'
        else:
            status, body, ctype = 404, b'{"message":"page not found"}', 'application/json'
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Api-Version', '1.41')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet
        pass

    def address_string(self):
        return 'unix'


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class QuietTLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # handshake failures are expected
        pass


@pytest.fixture
def unix_dockerd(tmp_path):
    path = str(tmp_path / 'docker.sock')
    server = UnixHTTPServer(path, FakeDockerd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield path
    server.shutdown()
    server.server_close()


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(directory, cn):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=90))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    path = os.path.join(directory, '%s.pem' % cn)
    with open(path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert, key, path


def _leaf(directory, name, ca, usage, sans=None):
    ca_cert, ca_key, _path = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=90))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   ca_key.public_key()), critical=False))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    cert_path = os.path.join(directory, '%s.pem' % name)
    key_path = os.path.join(directory, '%s-key.pem' % name)
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    return cert_path, key_path


@pytest.fixture(scope='module')
def pki(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp('pki'))
    ca = _ca(directory, 'daemon-ca')
    other = _ca(directory, 'other-ca')
    server = _leaf(directory, 'server', ca, ExtendedKeyUsageOID.SERVER_AUTH,
                   [x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    client = _leaf(directory, 'client', ca, ExtendedKeyUsageOID.CLIENT_AUTH)
    stranger = _leaf(directory, 'stranger', other, ExtendedKeyUsageOID.CLIENT_AUTH)
    return dict(ca=ca[2], other_ca=other[2], server=server, client=client, stranger=stranger)


@pytest.fixture(scope='module')
def tls_dockerd(pki):
    """A mutual-TLS HTTP server like dockerd with tlsverify: server cert for IP 127.0.0.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*pki['server'])
    context.load_verify_locations(pki['ca'])
    context.verify_mode = ssl.CERT_REQUIRED
    server = QuietTLSServer(('127.0.0.1', 0), FakeDockerd)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def run_main(capsys, args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            mod.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result['rc'] = exit_info.value.code
    return result


def _free_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture(autouse=True)
def keep_environ():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


# --- helpers ----------------------------------------------------------------------------------

def test_neutralise_ca_environment():
    environ = {'REQUESTS_CA_BUNDLE': '/a', 'CURL_CA_BUNDLE': '/b', 'PATH': '/bin'}
    assert mod.neutralise_ca_environment(environ) == {'REQUESTS_CA_BUNDLE': '/a', 'CURL_CA_BUNDLE': '/b'}
    assert environ == {'PATH': '/bin'}


def _settings(**params):
    from ansible_collections.dockerd.exposure.plugins.module_utils._endpoint import resolve_settings
    values = dict(expect='reachable', probes=[], tls=False, validate_certs=True, timeout=5.0,
                  use_ssh_client=True)
    values.update(params)
    return resolve_settings(values)


def test_client_trusts_only_ca_path_whatever_the_environment(pki, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', pki['other_ca'])
    monkeypatch.setenv('CURL_CA_BUNDLE', pki['other_ca'])
    client = mod.build_client(_settings(docker_host='tcp://127.0.0.1:2376', ca_path=pki['ca'],
                                        client_cert=pki['client'][0], client_key=pki['client'][1]))
    assert client.trust_env is False
    assert client.verify == pki['ca']
    assert client.cert == pki['client']
    merged = client.merge_environment_settings(client.base_url + '/_ping', {}, None, None, None)
    assert merged['verify'] == pki['ca']
    assert client.base_url == 'https://127.0.0.1:2376'


def test_client_without_validation(pki):
    client = mod.build_client(_settings(docker_host='tcp://127.0.0.1:2376', validate_certs=False,
                                        client_cert=pki['client'][0], client_key=pki['client'][1]))
    assert client.verify is False


def test_tls_hostname_mounts_a_server_name_adapter(pki):
    client = mod.build_client(_settings(docker_host='tcp://127.0.0.1:2376', ca_path=pki['ca'],
                                        tls_hostname='docker1'))
    adapter = client.get_adapter('https://127.0.0.1:2376/_ping')
    assert isinstance(adapter, mod.ServerNameAdapter)
    assert adapter.poolmanager.connection_pool_kw['assert_hostname'] == 'docker1'
    assert adapter.poolmanager.connection_pool_kw['server_hostname'] == 'docker1'


def test_ssh_client_wrapper(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', '/usr/bin:/bin')
    monkeypatch.setattr(mod.shutil, 'which', lambda name: '/usr/bin/ssh')
    with mod.ssh_client_wrapper(2.5, str(tmp_path)) as stderr_path:
        assert os.environ['PATH'] == '%s:/usr/bin:/bin' % tmp_path
        script = (tmp_path / 'ssh').read_text()
        assert os.access(str(tmp_path / 'ssh'), os.X_OK)
    assert os.environ['PATH'] == '/usr/bin:/bin'
    assert script == ('#!/bin/sh\nexec /usr/bin/ssh -o BatchMode=yes -o ConnectTimeout=3 "$@" '
                      '2>>%s\n' % stderr_path)


def test_ssh_client_wrapper_without_ssh(tmp_path, monkeypatch):
    monkeypatch.setattr(mod.shutil, 'which', lambda name: None)
    with pytest.raises(EndpointError) as err:
        with mod.ssh_client_wrapper(10, str(tmp_path)):
            pass
    assert 'no ssh client on the PATH' in str(err.value)


def test_ssh_wrapper_stderr_reaches_the_message(tmp_path, monkeypatch):
    """A fake ssh that fails like OpenSSH does: its stderr ends up in msg and error."""
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    fake = bindir / 'ssh'
    fake.write_text('#!/bin/sh\necho "Host key verification failed." >&2\nexit 255\n')
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', '%s:%s' % (bindir, os.environ.get('PATH', '')))
    settings = _settings(docker_host='ssh://deploy@docker1', timeout=5.0)
    failure, info = mod.attempt(settings, {}, str(tmp_path))
    assert failure.reason == 'ssh_host_key'
    assert 'Host key verification failed' in failure.msg
    assert 'ssh: Host key verification failed.' in info['error']


def test_unix_socket_facts(unix_dockerd):
    os.chmod(unix_dockerd, 0o660)
    facts = mod.unix_socket_facts(unix_dockerd)
    assert facts['socket']['mode'] == '0660'
    assert facts['socket']['path'] == unix_dockerd
    assert facts['user']
    assert 'group_members' in facts
    assert 'socket' not in mod.unix_socket_facts(unix_dockerd + '.missing')


# --- main(): unix -------------------------------------------------------------------------

def test_main_unix_reachable(capsys, unix_dockerd):
    result = run_main(capsys, dict(docker_host='unix://' + unix_dockerd))
    assert result['rc'] == 0
    assert result['changed'] is False
    assert result['reachable'] is True
    assert result['outcome'] == 'reachable'
    assert (result['server_version'], result['api_version'], result['os']) == (
        '20.10.24+dfsg1', '1.41', 'linux')
    assert isinstance(result['latency_ms'], float)
    assert result['msg'].startswith('unix://%s answers: Docker 20.10.24+dfsg1, API 1.41' % unix_dockerd)
    assert 'peer_certificate' not in result and 'probes' not in result


def test_main_unix_check_mode(capsys, unix_dockerd):
    result = run_main(capsys, dict(docker_host='unix://' + unix_dockerd), check_mode=True)
    assert result['rc'] == 0 and result['reachable'] is True and result['changed'] is False


def test_main_missing_socket_expected_refused(capsys, tmp_path):
    path = str(tmp_path / 'nope.sock')
    result = run_main(capsys, dict(docker_host='unix://' + path, expect='refused'))
    assert result['rc'] == 0
    assert (result['outcome'], result['reason'], result['reachable']) == ('refused', 'no_socket', False)
    assert 'refuses connections, as expected' in result['msg']


def test_main_missing_socket_fails(capsys, tmp_path):
    path = str(tmp_path / 'nope.sock')
    result = run_main(capsys, dict(docker_host='unix://' + path))
    assert result['rc'] == 1 and result['failed'] is True
    assert '%s does not exist' % path in result['msg']
    assert result['error'] == '[Errno 2] No such file or directory'


def test_main_reachable_but_expected_refused(capsys, unix_dockerd):
    result = run_main(capsys, dict(docker_host='unix://' + unix_dockerd, expect='refused'))
    assert result['failed'] is True
    assert 'but should refuse connections' in result['msg']


# --- main(): parameter errors ------------------------------------------------------------

@pytest.mark.parametrize('args, needle', [
    (dict(docker_host='tcp://127.0.0.1:2375', probes=['plain_http']), 'only apply to a TLS endpoint'),
    (dict(docker_host='tcp://127.0.0.1:2376', client_cert='/c.pem'),
     'parameters are required together: client_cert, client_key'),
    (dict(docker_host='tcp://127.0.0.1:2376', ca_path='/nonexistent/ca.pem'),
     'ca_path /nonexistent/ca.pem does not exist or is not a file'),
    (dict(docker_host='127.0.0.1:2376'), "has no scheme; write it as a URL such as tcp://127.0.0.1:2376"),
    (dict(docker_host='tcp://127.0.0.1:2376', probes=['port_scan'], ca_path='/x'), 'value of probes must be one or more of'),
])
def test_main_parameter_errors(capsys, args, needle):
    result = run_main(capsys, args)
    assert result['failed'] is True
    assert needle in result['msg']


# --- main(): TLS against the mutual-TLS stand-in -----------------------------------------

@pytest.fixture(params=['sdk', 'stdlib'])
def transport(request, monkeypatch):
    """Run a TLS test through the Docker SDK (the controller) and through the standard
    library (a daemon host without the SDK): both must classify alike."""
    if request.param == 'stdlib':
        monkeypatch.setattr(mod, 'DOCKER_IMPORT_ERROR', 'ImportError: No module named docker')
    return request.param


def _tls_args(pki, port, **extra):
    args = dict(docker_host='tcp://127.0.0.1:%d' % port, ca_path=pki['ca'],
                client_cert=pki['client'][0], client_key=pki['client'][1], timeout=5)
    args.update(extra)
    return args


def test_main_tls_reachable_with_probes(capsys, pki, tls_dockerd, transport):
    result = run_main(capsys, _tls_args(pki, tls_dockerd,
                                        probes=['no_client_cert', 'foreign_ca', 'plain_http']))
    assert result['rc'] == 0, result['msg']
    assert result['outcome'] == 'reachable'
    cert = result['peer_certificate']
    assert cert['subject'] == 'CN=server' and cert['issuer'] == 'CN=daemon-ca'
    assert cert['sans'] == ['IP:127.0.0.1'] and 88 <= cert['days_left'] <= 90
    assert set(result['probes']) == {'no_client_cert', 'foreign_ca', 'plain_http'}
    assert all(p['outcome'] == 'refused' for p in result['probes'].values()), result['probes']
    assert result['msg'].endswith('Probes refused: no_client_cert, foreign_ca, plain_http.')


def test_main_tls_environment_cannot_replace_ca_path(capsys, pki, tls_dockerd, monkeypatch):
    # The machine's bundle in the environment does not hide the daemon CA given as ca_path ...
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', pki['other_ca'])
    monkeypatch.setenv('CURL_CA_BUNDLE', pki['other_ca'])
    result = run_main(capsys, _tls_args(pki, tls_dockerd))
    assert result['rc'] == 0, result['msg']
    assert 'REQUESTS_CA_BUNDLE' not in os.environ  # removed for the module process


def test_main_tls_environment_cannot_widen_trust(capsys, pki, tls_dockerd, transport, monkeypatch):
    # ... and the daemon CA in the environment does not make a wrong ca_path pass.
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', pki['ca'])
    monkeypatch.setenv('CURL_CA_BUNDLE', pki['ca'])
    result = run_main(capsys, _tls_args(pki, tls_dockerd, ca_path=pki['other_ca']))
    assert result['failed'] is True
    assert (result['outcome'], result['reason']) == ('error', 'server_cert_untrusted')
    assert 'is not signed by the CA in ca_path (%s)' % pki['other_ca'] in result['msg']


def test_main_tls_without_client_cert(capsys, pki, tls_dockerd, transport):
    args = dict(docker_host='tcp://127.0.0.1:%d' % tls_dockerd, ca_path=pki['ca'], timeout=5)
    result = run_main(capsys, dict(args, expect='unauthorized'))
    assert result['rc'] == 0, result['msg']
    assert (result['outcome'], result['reason']) == ('unauthorized', 'no_client_cert')
    result = run_main(capsys, args)
    assert result['failed'] is True
    assert 'no client certificate was presented' in result['msg']


def test_main_tls_foreign_client_cert(capsys, pki, tls_dockerd, transport):
    result = run_main(capsys, _tls_args(pki, tls_dockerd, client_cert=pki['stranger'][0],
                                        client_key=pki['stranger'][1], expect='unauthorized'))
    assert result['rc'] == 0, result['msg']
    assert result['reason'] == 'client_cert_rejected'


def test_main_tls_name_outside_sans(capsys, pki, tls_dockerd, transport):
    result = run_main(capsys, _tls_args(pki, tls_dockerd, tls_hostname='docker1.example'))
    assert result['failed'] is True
    assert result['reason'] == 'san_mismatch'
    assert result['msg'] == (
        "The certificate of tcp://127.0.0.1:%d is valid for IP:127.0.0.1, not for "
        "'docker1.example' (tls_hostname); add it to dockerd_tls_extra_sans or dial a listed name."
        % tls_dockerd)


def test_main_tls_port_in_plain_http(capsys, tls_dockerd, transport):
    # The stand-in drops plain HTTP (dockerd answers 400; see the integration test).
    result = run_main(capsys, dict(docker_host='tcp://127.0.0.1:%d' % tls_dockerd, timeout=5))
    assert result['failed'] is True
    assert result['outcome'] == 'error'


def test_main_tls_to_plain_listener(capsys, pki, transport):
    server = ThreadingHTTPServer(('127.0.0.1', 0), FakeDockerd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        plain = run_main(capsys, dict(docker_host='tcp://127.0.0.1:%d' % port))
        assert plain['rc'] == 0 and plain['outcome'] == 'reachable'
        result = run_main(capsys, _tls_args(pki, port))
    finally:
        server.shutdown()
        server.server_close()
    assert result['failed'] is True
    assert result['reason'] == 'plain_port_with_tls'
    assert 'peer_certificate' in result and result['peer_certificate'] is None


def test_main_tcp_refused(capsys):
    port = _free_port()
    result = run_main(capsys, dict(docker_host='tcp://127.0.0.1:%d' % port, expect='refused'))
    assert result['rc'] == 0
    assert result['reason'] == 'connection_refused'
    assert 'Connection to 127.0.0.1 port %d was refused' % port in result['msg']


def test_main_probes_on_closed_tls_port(capsys, pki):
    port = _free_port()
    result = run_main(capsys, _tls_args(pki, port, expect='refused', probes=['no_client_cert']))
    assert result['rc'] == 0
    assert result['probes']['no_client_cert']['outcome'] == 'refused'
    assert 'no connection' in result['probes']['no_client_cert']['detail']


def test_main_silent_listener(capsys):
    # The kernel completes the TCP handshake for a listening socket that never answers.
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    try:
        port = listener.getsockname()[1]
        result = run_main(capsys, dict(docker_host='tcp://127.0.0.1:%d' % port, timeout=0.5))
    finally:
        listener.close()
    assert result['failed'] is True
    assert (result['outcome'], result['reason']) == ('error', 'read_timeout')
    assert 'accepted the connection but sent no answer within 0.5 s' in result['msg']


def test_ssh_options_pin_the_host_keys_and_identity(tmp_path):
    options = mod.ssh_options(str(tmp_path), '/keys/alice',
                              ['ssh-ed25519 AAAAC3Nza root@daemon', 'ssh-rsa AAAAB3'])
    assert options[:4] == ['-i', '/keys/alice', '-o', 'IdentitiesOnly=yes']
    assert 'StrictHostKeyChecking=yes' in options
    assert 'GlobalKnownHostsFile=/dev/null' in options
    assert 'HostKeyAlias=%s' % mod.SSH_HOST_KEY_ALIAS in options
    # The comment of a .pub line is dropped; one line per key, under the alias.
    assert (tmp_path / 'known_hosts').read_text() == (
        '%s ssh-ed25519 AAAAC3Nza\n%s ssh-rsa AAAAB3\n' % ((mod.SSH_HOST_KEY_ALIAS,) * 2))


def test_ssh_options_empty_without_ssh_settings(tmp_path):
    assert mod.ssh_options(str(tmp_path)) == []
    assert not (tmp_path / 'known_hosts').exists()


def test_ssh_client_wrapper_passes_extra_options(tmp_path, monkeypatch):
    monkeypatch.setattr(mod.shutil, 'which', lambda name: '/usr/bin/ssh')
    with mod.ssh_client_wrapper(2, str(tmp_path), ['-i', '/k ey']):
        script = (tmp_path / 'ssh').read_text()
    assert "-o ConnectTimeout=2 -i '/k ey' \"$@\"" in script


@pytest.mark.parametrize('params, words', [
    (dict(docker_host='tcp://127.0.0.1:2375', ssh_identity_file='/k'), 'only apply to ssh://'),
    (dict(docker_host='ssh://a@b', ssh_host_keys=['ssh-ed25519 AAA'], use_ssh_client=False),
     'use_ssh_client is false'),
    (dict(docker_host='ssh://a@b', ssh_host_keys=['AAAAC3Nza']), 'not a public key line'),
])
def test_ssh_settings_are_checked(params, words):
    with pytest.raises(EndpointError) as err:
        _settings(**params)
    assert words in str(err.value)


# --- what needs which library ----------------------------------------------------------------

@pytest.mark.parametrize('docker_host, params, expected', [
    ('unix:///run/docker.sock', {}, False),
    ('tcp://127.0.0.1:2375', {}, False),
    ('tcp://127.0.0.1:2376', dict(tls=True, validate_certs=False), True),
    ('ssh://deploy@docker1', {}, True),
])
def test_uses_docker_sdk(docker_host, params, expected, monkeypatch):
    assert mod.uses_docker_sdk(_settings(docker_host=docker_host, **params)) is expected
    monkeypatch.setattr(mod, 'DOCKER_IMPORT_ERROR', 'ImportError')
    # Without the SDK, TLS falls back to the standard library; ssh cannot.
    assert mod.uses_docker_sdk(_settings(docker_host=docker_host, **params)) is (
        docker_host.startswith('ssh://'))


def test_main_ssh_without_the_sdk_names_the_package_and_the_controller(capsys, monkeypatch):
    monkeypatch.setattr(mod, 'DOCKER_IMPORT_ERROR', 'ImportError: No module named docker')
    result = run_main(capsys, dict(docker_host='ssh://deploy@docker1'))
    assert result['failed'] is True and result['passed'] is False
    assert 'docker[ssh] (Docker SDK for Python 7.x)' in result['msg']
    assert 'checked from the controller (delegate_to: localhost)' in result['msg']


def test_main_foreign_ca_without_cryptography_names_the_package(capsys, pki, tls_dockerd,
                                                                monkeypatch):
    monkeypatch.setattr(mod, 'CRYPTOGRAPHY_IMPORT_ERROR', 'ImportError: cryptography')
    result = run_main(capsys, _tls_args(pki, tls_dockerd, probes=['foreign_ca']))
    assert result['failed'] is True
    assert 'Failed to import the required Python library (cryptography)' in result['msg']
    assert 'install python3-cryptography or drop that probe' in result['msg']


def test_main_tls_without_cryptography_describes_a_verified_certificate(
        capsys, pki, tls_dockerd, transport, monkeypatch):
    with_lib = run_main(capsys, _tls_args(pki, tls_dockerd))['peer_certificate']
    monkeypatch.setattr(mod, 'CRYPTOGRAPHY_IMPORT_ERROR', 'ImportError: cryptography')
    result = run_main(capsys, _tls_args(pki, tls_dockerd, probes=['no_client_cert', 'plain_http']))
    assert result['rc'] == 0, result['msg']
    assert result['peer_certificate'] == with_lib
    # The check of the playbooks on a firewalled TLS host: CA only, client turned away.
    denied = run_main(capsys, dict(docker_host='tcp://127.0.0.1:%d' % tls_dockerd,
                                   ca_path=pki['ca'], expect='unauthorized', timeout=5,
                                   probes=['plain_http']))
    assert denied['rc'] == 0, denied['msg']
    assert denied['reason'] == 'no_client_cert'
    assert denied['peer_certificate']['sans'] == ['IP:127.0.0.1']
    # An unverifiable certificate cannot be described without cryptography.
    untrusted = run_main(capsys, _tls_args(pki, tls_dockerd, ca_path=pki['other_ca']))
    assert untrusted['reason'] == 'server_cert_untrusted'
    assert untrusted['peer_certificate'] is None


BLOCK_LIBRARIES = r'''
import json, sys
BLOCKED = ('docker', 'requests', 'urllib3', 'cryptography', 'paramiko')

class Block(object):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError('%s is not installed on this host' % name)
        return None

sys.meta_path.insert(0, Block())
from ansible.module_utils.testing import patch_module_args
from ansible_collections.dockerd.exposure.plugins.modules import endpoint_check as mod
assert mod.DOCKER_IMPORT_ERROR and mod.CRYPTOGRAPHY_IMPORT_ERROR
leaked = sorted(name for name in sys.modules if name.split('.')[0] in BLOCKED)
assert not leaked, leaked
with patch_module_args(json.loads(sys.argv[1])):
    mod.main()
'''


def run_without_libraries(args):
    """Run main() in a Python that cannot import the Docker SDK, requests or cryptography:
    a stock Debian host."""
    import pathlib
    import subprocess
    import sys
    import ansible_collections
    # The directory that holds ansible_collections/dockerd/exposure, as pytest found it.
    root = str(pathlib.Path(list(ansible_collections.__path__)[0]).parent)
    env = dict(os.environ, PYTHONPATH=root)
    proc = subprocess.run([sys.executable, '-c', BLOCK_LIBRARIES, json.dumps(args)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout, proc.stderr
    result = json.loads(proc.stdout)
    result['rc'] = proc.returncode
    return result


def test_stock_host_checks_need_only_the_standard_library(unix_dockerd, pki, tls_dockerd):
    unix = run_without_libraries(dict(docker_host='unix://' + unix_dockerd))
    assert unix['rc'] == 0, unix['msg']
    assert (unix['outcome'], unix['server_version']) == ('reachable', '20.10.24+dfsg1')
    refused = run_without_libraries(dict(docker_host='tcp://127.0.0.1:%d' % _free_port(),
                                         expect='refused'))
    assert refused['rc'] == 0, refused['msg']
    assert refused['reason'] == 'connection_refused'
    tls = run_without_libraries(dict(docker_host='tcp://127.0.0.1:%d' % tls_dockerd,
                                     ca_path=pki['ca'], expect='unauthorized', timeout=5,
                                     probes=['plain_http']))
    assert tls['rc'] == 0, tls['msg']
    assert tls['reason'] == 'no_client_cert' and tls['probes']['plain_http']['outcome'] == 'refused'
    ssh = run_without_libraries(dict(docker_host='ssh://deploy@docker1'))
    assert ssh['rc'] == 1
    assert 'docker[ssh] (Docker SDK for Python 7.x)' in ssh['msg']


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to drop to another user')
def test_main_unix_permission_denied_names_the_socket_group(capsys):
    """A user outside the socket's group (nobody, in a forked child) is denied by the kernel."""
    import tempfile
    directory = tempfile.mkdtemp(prefix='dockerd-exposure-test-')
    os.chmod(directory, 0o755)
    path = os.path.join(directory, 'docker.sock')
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    os.chmod(path, 0o660)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 3
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            import sys
            sys.stdout = os.fdopen(write_end, 'w')
            with patch_module_args(dict(docker_host='unix://' + path, expect='unauthorized')):
                mod.main()
        except SystemExit as exc:
            code = exc.code or 0
        finally:
            try:
                sys.stdout.flush()
            finally:
                os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end) as handle:
        out = handle.read()
    _pid, status = os.waitpid(pid, 0)
    listener.close()
    os.remove(path)
    os.rmdir(directory)
    result = json.loads(out)
    assert os.waitstatus_to_exitcode(status) == 0, result['msg']
    assert (result['outcome'], result['reason']) == ('unauthorized', 'permission_denied')
    user = mod._name_of(mod.pwd.getpwuid, 65534)
    assert ('%s may not use %s (owner root, group root, mode 0660); add %s to group root '
            '(usermod -aG root %s' % (user, path, user, user)) in result['msg'], result['msg']


# --- main(): several endpoints in one call (endpoints) -------------------------------------

def test_main_batch_reports_each_endpoint_by_name(capsys, unix_dockerd, tmp_path):
    missing = 'unix://' + str(tmp_path / 'nope.sock')
    result = run_main(capsys, dict(endpoints=[
        dict(name='unix', docker_host='unix://' + unix_dockerd),
        dict(name='gone', docker_host=missing, expect='refused')]))
    assert result['rc'] == 0 and result['passed'] is True
    assert sorted(result['checks']) == ['gone', 'unix']
    assert result['checks']['unix']['outcome'] == 'reachable'
    assert result['checks']['unix']['endpoint'] == 'unix://' + unix_dockerd
    assert (result['checks']['gone']['outcome'], result['checks']['gone']['reason']) == ('refused', 'no_socket')
    assert result['checks']['gone']['passed'] is True
    assert result['msg'] == '2 endpoint(s) behaved as expected: unix, gone.'


def test_main_batch_fails_with_the_failing_names_and_keeps_the_others(capsys, unix_dockerd, tmp_path):
    missing = 'unix://' + str(tmp_path / 'nope.sock')
    result = run_main(capsys, dict(endpoints=[
        dict(name='unix', docker_host='unix://' + unix_dockerd, expect='refused'),
        dict(name='gone', docker_host=missing, expect='refused')]))
    assert result['rc'] == 1 and result['passed'] is False
    assert result['msg'] == 'unix: ' + result['checks']['unix']['msg']
    assert result['checks']['unix']['passed'] is False
    assert result['checks']['gone']['passed'] is True


def test_main_batch_parameter_error_stays_with_its_entry(capsys, unix_dockerd):
    result = run_main(capsys, dict(endpoints=[
        dict(name='unix', docker_host='unix://' + unix_dockerd),
        dict(name='bad', docker_host='unix:///x.sock', probes=['plain_http'])]))
    assert result['rc'] == 1
    assert result['checks']['unix']['passed'] is True
    assert result['checks']['bad']['msg'].startswith('probes (plain_http) only apply to a TLS endpoint')
    assert result['msg'] == 'bad: ' + result['checks']['bad']['msg']


def test_main_batch_entries_inherit_the_top_level_options(capsys, tmp_path):
    result = run_main(capsys, dict(expect='refused', endpoints=[
        dict(name='gone', docker_host='unix://' + str(tmp_path / 'nope.sock'))]))
    assert result['rc'] == 0 and result['checks']['gone']['outcome'] == 'refused'


def test_main_batch_reads_ssh_host_keys(capsys, tmp_path):
    key = tmp_path / 'ssh_host_ed25519_key.pub'
    key.write_text('ssh-ed25519 AAAAC3Nza root@host1\n')
    result = run_main(capsys, dict(endpoints=[], read_ssh_host_keys=[str(key), str(tmp_path / 'none.pub')]))
    assert result['rc'] == 0 and result['checks'] == {}
    assert result['ssh_host_keys'] == ['ssh-ed25519 AAAAC3Nza']
    assert result['msg'] == 'No endpoint to check.'


@pytest.mark.parametrize('args, needle', [
    (dict(), 'Give the endpoint to check as docker_host, or several as endpoints'),
    (dict(docker_host='unix:///x.sock', endpoints=[]), 'mutually exclusive: docker_host|endpoints'),
    (dict(endpoints=[dict(name='a', docker_host='unix:///x'), dict(name='a', docker_host='unix:///y')]),
     'endpoints names a more than once; give each entry its own name.'),
])
def test_main_batch_parameter_errors(capsys, args, needle):
    result = run_main(capsys, args)
    assert result['rc'] == 1 and needle in result['msg']


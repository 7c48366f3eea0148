# -*- coding: utf-8 -*-
"""Unit tests for _docker_http, the standard-library Docker API client, against real small
HTTP servers on a unix socket, on loopback TCP and on loopback TLS (no mocks)."""

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
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.dockerd.exposure.plugins.module_utils import _docker_http as docker_http

VERSION = {'Version': '20.10.24+dfsg1', 'ApiVersion': '1.41', 'Os': 'linux'}


class Dockerd(BaseHTTPRequestHandler):
    """Answers like dockerd; counts connections and remembers the requests it saw."""

    protocol_version = 'HTTP/1.1'
    close_after_answer = False
    ping_status = 200
    seen = []

    def setup(self):
        super(Dockerd, self).setup()
        self.server.connections += 1

    def do_GET(self):
        self.seen.append((self.path, self.headers.get('Host'), self.headers.get('User-Agent')))
        if self.path == '/_ping':
            status, body = self.ping_status, b'OK' if self.ping_status == 200 else b'denied'
        elif self.path == '/version':
            status, body = 200, json.dumps(VERSION).encode()
        else:
            status, body = 404, b'{"message":"page not found"}'
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        if self.close_after_answer:
            self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

    def address_string(self):
        return 'test'


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    connections = 0


class TCPServer(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0

    def handle_error(self, request, client_address):  # failed handshakes are the point
        pass


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def handler():
    class Handler(Dockerd):
        seen = []
    return Handler


@pytest.fixture
def unix_server(tmp_path, handler):
    server = _serve(UnixServer(str(tmp_path / 'docker.sock'), handler))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tcp_server(handler):
    server = _serve(TCPServer(('127.0.0.1', 0), handler))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope='module')
def server_cert(tmp_path_factory):
    """A self-signed server certificate for IP:127.0.0.1 and DNS:docker1 (its own CA)."""
    directory = tmp_path_factory.mktemp('tls')
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'docker1')])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName('docker1'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = str(directory / 'cert.pem'), str(directory / 'key.pem')
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(server_cert, handler):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*server_cert)
    server = TCPServer(('127.0.0.1', 0), handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    _serve(server)
    yield server
    server.shutdown()
    server.server_close()


def test_ping_and_version_over_a_unix_socket_share_one_connection(unix_server, handler):
    conn = docker_http.connection(5, path=unix_server.server_address)
    try:
        latency = docker_http.ping(conn)
        version = docker_http.version(conn)
    finally:
        conn.close()
    assert 0 < latency < 5000
    assert version == VERSION
    assert unix_server.connections == 1
    assert handler.seen == [('/_ping', 'localhost', docker_http.USER_AGENT),
                            ('/version', 'localhost', docker_http.USER_AGENT)]


def test_a_server_that_closes_after_each_answer_gets_a_new_connection(unix_server, handler):
    handler.close_after_answer = True
    conn = docker_http.connection(5, path=unix_server.server_address)
    try:
        docker_http.ping(conn)
        assert conn.sock is None
        assert docker_http.version(conn) == VERSION
    finally:
        conn.close()
    assert unix_server.connections == 2


def test_ping_over_tcp_sends_host_and_port(tcp_server, handler):
    port = tcp_server.server_address[1]
    conn = docker_http.connection(5, host='127.0.0.1', port=port)
    try:
        docker_http.ping(conn)
    finally:
        conn.close()
    assert handler.seen == [('/_ping', '127.0.0.1:%d' % port, docker_http.USER_AGENT)]


def test_ping_that_is_not_ok_names_the_answer(tcp_server, handler):
    handler.ping_status = 403
    conn = docker_http.connection(5, host='127.0.0.1', port=tcp_server.server_address[1])
    with pytest.raises(docker_http.HTTPAnswerError) as err:
        docker_http.ping(conn)
    conn.close()
    assert str(err.value) == 'HTTP 403 Forbidden: denied'


def test_missing_socket(tmp_path):
    conn = docker_http.connection(5, path=str(tmp_path / 'nope.sock'))
    with pytest.raises(FileNotFoundError):
        docker_http.ping(conn)


def test_socket_without_listener_is_refused(tmp_path):
    path = str(tmp_path / 'stale.sock')
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a stopped dockerd leaves
    with pytest.raises(ConnectionRefusedError):
        docker_http.ping(docker_http.connection(5, path=path))


def test_closed_port_is_refused():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    with pytest.raises(ConnectionRefusedError):
        docker_http.ping(docker_http.connection(5, host='127.0.0.1', port=port))


def test_silent_listener_is_a_read_timeout_not_a_connect_timeout():
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)
    try:
        conn = docker_http.connection(0.3, host='127.0.0.1', port=listener.getsockname()[1])
        with pytest.raises(docker_http.ReadTimeout) as err:
            docker_http.ping(conn)
        conn.close()
    finally:
        listener.close()
    assert str(err.value).startswith('Read timed out: no answer to GET /_ping within 0.3 s')


def test_tls_verified_against_ca_path(tls_server, server_cert):
    context = docker_http.tls_context(ca_path=server_cert[0])
    conn = docker_http.connection(5, host='127.0.0.1', port=tls_server.server_address[1],
                                  context=context)
    try:
        assert docker_http.version(conn) == VERSION
        assert conn.sock.version() in ('TLSv1.2', 'TLSv1.3')
    finally:
        conn.close()


def test_tls_hostname_replaces_the_dialled_name(tls_server, server_cert):
    port = tls_server.server_address[1]
    good = docker_http.connection(5, host='127.0.0.1', port=port, server_hostname='docker1',
                                  context=docker_http.tls_context(ca_path=server_cert[0]))
    docker_http.ping(good)
    good.close()
    bad = docker_http.connection(5, host='127.0.0.1', port=port, server_hostname='docker2',
                                 context=docker_http.tls_context(ca_path=server_cert[0]))
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        docker_http.ping(bad)
    assert 'mismatch' in str(err.value) and 'docker2' in str(err.value)


def test_tls_without_ca_path_verifies_nothing(tls_server):
    conn = docker_http.connection(5, host='127.0.0.1', port=tls_server.server_address[1],
                                  context=docker_http.tls_context())
    docker_http.ping(conn)
    conn.close()


def test_tls_context_trusts_only_ca_path(tls_server):
    # ca_path holds the public CAs of the machine but not ours: verification fails.
    bundle = '/etc/ssl/certs/ca-certificates.crt'
    if not os.path.isfile(bundle):
        pytest.skip('no system CA bundle at %s' % bundle)
    conn = docker_http.connection(5, host='127.0.0.1', port=tls_server.server_address[1],
                                  context=docker_http.tls_context(ca_path=bundle))
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        docker_http.ping(conn)
    assert 'CERTIFICATE_VERIFY_FAILED' in str(err.value)

# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Raw socket probes against a TLS dockerd endpoint, below the Docker SDK.

These functions only observe; _endpoint.evaluate_probe decides what an observation means.
Probe contexts never verify the server: a probe asks "does the daemon let this client in?",
which must not depend on whether the server certificate suits the dialled name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import socket
import ssl
import tempfile
from datetime import datetime, timedelta, timezone

MAX_RESPONSE_BYTES = 65536
FOREIGN_CA_NAME = 'dockerd.exposure foreign-CA probe'


def _client_context(client_cert=None, client_key=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(client_cert, client_key)
    return context


def fetch_peer_certificate(host, port, timeout, server_hostname=None, client_cert=None,
                           client_key=None):
    """The server certificate (DER bytes), read without verifying it.

    The client certificate is presented when given, because a TLS 1.2 server that requires
    one aborts the handshake before the client sees the server certificate.
    """
    context = _client_context(client_cert, client_key)
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        tls = context.wrap_socket(raw, server_hostname=server_hostname or host)
        try:
            return tls.getpeercert(binary_form=True)
        finally:
            tls.close()
    finally:
        raw.close()


def fetch_verified_certificate(host, port, timeout, ca_path, server_hostname=None,
                               client_cert=None, client_key=None):
    """The server certificate as the ssl module decodes it (a dict), after verifying it
    against ca_path and the name; for hosts without cryptography, which cannot decode an
    unverified one. Raises ssl.SSLError when verification fails."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=ca_path)
    if client_cert:
        context.load_cert_chain(client_cert, client_key)
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        tls = context.wrap_socket(raw, server_hostname=server_hostname or host)
        try:
            return tls.getpeercert()
        finally:
            tls.close()
    finally:
        raw.close()


def _ping_request(host, port):
    host_header = '[%s]' % host if ':' in host else host
    return ('GET /_ping HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: dockerd.exposure-probe\r\n'
            'Connection: close\r\n\r\n' % (host_header, port)).encode('ascii')


def http_ping(host, port, timeout, context=None, server_hostname=None):
    """Send GET /_ping (over TLS when context is given) and record what happens.

    Returns dict(stage=connect|tls|http, error=text or None, response=bytes or None,
    tls_version=str or None). An error after part of a response arrived is dropped: the
    answer is what counts.
    """
    observation = dict(stage='connect', error=None, response=None, tls_version=None)
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        observation['error'] = str(exc) or type(exc).__name__
        return observation
    sock = raw
    chunks = []
    try:
        if context is not None:
            observation['stage'] = 'tls'
            sock = context.wrap_socket(raw, server_hostname=server_hostname or host)
            observation['tls_version'] = sock.version()
        observation['stage'] = 'http'
        sock.sendall(_ping_request(host, port))
        total = 0
        while total < MAX_RESPONSE_BYTES:
            data = sock.recv(4096)
            if not data:
                break
            chunks.append(data)
            total += len(data)
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        if not chunks:
            observation['error'] = str(exc) or type(exc).__name__
    finally:
        sock.close()
        if sock is not raw:
            raw.close()
    if chunks:
        observation['response'] = b''.join(chunks)
    return observation


def _write_private(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(data)


def make_foreign_client(directory, now=None):
    """Make a throwaway CA and a client certificate it signs; write them 0600 into directory.

    Returns (cert_path, key_path); the certificate file holds the client certificate and
    the CA, so the daemon sees the whole (foreign) chain. Keys exist only in memory and in
    these files, which the caller deletes.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = now or datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, FOREIGN_CA_NAME)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                    FOREIGN_CA_NAME + ' client')]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256()))
    cert_path = os.path.join(directory, 'foreign-client.pem')
    key_path = os.path.join(directory, 'foreign-client-key.pem')
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM) +
                   ca_cert.public_bytes(serialization.Encoding.PEM))
    _write_private(key_path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


def run_probe(name, host, port, timeout, server_hostname=None):
    """Run one negative probe (no_client_cert, foreign_ca, plain_http) and return its
    observation (see http_ping)."""
    if name == 'plain_http':
        return http_ping(host, port, timeout)
    if name == 'no_client_cert':
        return http_ping(host, port, timeout, _client_context(), server_hostname)
    if name == 'foreign_ca':
        directory = tempfile.mkdtemp(prefix='dockerd-exposure-probe-')
        try:
            cert_path, key_path = make_foreign_client(directory)
            context = _client_context(cert_path, key_path)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return http_ping(host, port, timeout, context, server_hostname)
    raise ValueError('unknown probe %r' % (name,))

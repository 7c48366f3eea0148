# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""A minimal Docker API client on Python's standard library alone.

Enough for dockerd.exposure.endpoint_check to ask one daemon C(GET /_ping) and
C(GET /version) over a unix socket, plain TCP or TLS, on hosts that have no Docker SDK
(Debian's docker.io does not bring python3-docker). Errors are left as the socket and ssl
modules raise them, so _endpoint.classify_failure reads the same texts it reads from the
SDK; only a timeout after the connection is up becomes ReadTimeout, because "no connection"
and "connected, no answer" are different outcomes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import socket
import ssl
import time
from collections import namedtuple

USER_AGENT = 'dockerd.exposure-endpoint-check'
# /_ping and /version answer in well under a kilobyte; a peer that sends more is not dockerd.
MAX_BODY_BYTES = 1024 * 1024

Response = namedtuple('Response', 'status reason body')


class ReadTimeout(OSError):
    """The connection is up, but no (complete) answer came within the timeout."""


class HTTPAnswerError(Exception):
    """GET /_ping got an HTTP answer other than 200 OK."""


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over an AF_UNIX stream socket (dockerd's local socket)."""

    def __init__(self, path, timeout):
        # The Host header is required by HTTP/1.1 and ignored by dockerd on its socket.
        super(UnixHTTPConnection, self).__init__('localhost', timeout=timeout)
        self.socket_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class TLSHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over TLS with a given context, verifying the server for server_hostname
    (tls_hostname) instead of the dialled address when one is given."""

    def __init__(self, host, port, timeout, context, server_hostname=None):
        super(TLSHTTPConnection, self).__init__(host, port, timeout=timeout)
        self.context = context
        self.server_hostname = server_hostname or host

    def connect(self):
        super(TLSHTTPConnection, self).connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.server_hostname)


def tls_context(ca_path=None, client_cert=None, client_key=None):
    """A client context that trusts only ca_path and checks the name, or, without ca_path,
    verifies nothing (validate_certs=false). Never loads the system's CA store."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_path:
        context.load_verify_locations(cafile=ca_path)
    else:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if client_cert:
        context.load_cert_chain(client_cert, client_key)
    return context


def connection(timeout, path=None, host=None, port=None, context=None, server_hostname=None):
    """A not yet connected HTTP connection to a unix socket (path) or to host:port, over
    TLS when context is given."""
    if path is not None:
        return UnixHTTPConnection(path, timeout)
    if context is not None:
        return TLSHTTPConnection(host, port, timeout, context, server_hostname)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def get(conn, path):
    """GET path on conn (connecting first when needed) and read the whole answer.

    Connection errors propagate as the socket and ssl modules raise them; a timeout once
    connected raises ReadTimeout.
    """
    if conn.sock is None:
        conn.connect()
    try:
        conn.request('GET', path, headers={'User-Agent': USER_AGENT})
        response = conn.getresponse()
        body = response.read(MAX_BODY_BYTES + 1)
    except socket.timeout as exc:
        raise ReadTimeout('Read timed out: no answer to GET %s within %g s'
                          % (path, conn.timeout)) from exc
    if len(body) > MAX_BODY_BYTES:
        conn.close()
        raise HTTPAnswerError('GET %s sent more than %d bytes; that is not dockerd.'
                              % (path, MAX_BODY_BYTES))
    if response.will_close:
        conn.close()
    return Response(response.status, response.reason, body)


def ping(conn):
    """GET /_ping (unversioned, as the docker CLI does); returns milliseconds, connection
    setup included when conn is not connected yet."""
    start = time.monotonic()
    response = get(conn, '/_ping')
    elapsed = (time.monotonic() - start) * 1000.0
    body = response.body.decode('utf-8', 'replace').strip()
    if response.status != 200 or body != 'OK':
        raise HTTPAnswerError('HTTP %d %s: %s' % (response.status, response.reason, body))
    return elapsed


def version(conn):
    """GET /version (unversioned) as a dict."""
    response = get(conn, '/version')
    if response.status != 200:
        raise HTTPAnswerError('HTTP %d %s: %s' % (
            response.status, response.reason, response.body.decode('utf-8', 'replace').strip()))
    return json.loads(response.body.decode('utf-8'))

# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Pure decisions behind dockerd.exposure.endpoint_check.

Everything here takes plain values and returns plain values: parsing and validating a
docker_host URL, turning low-level error texts into one sentence an operator can act on,
matching a name against a certificate's subjectAltNames, describing a certificate, and
judging TLS probe observations and the final outcome against the expectation.
The I/O lives in the module, in _docker_http (the standard-library client) and in
_tls_probe (raw sockets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
import ssl
from collections import namedtuple
from datetime import datetime, timezone

OUTCOMES = ('reachable', 'refused', 'unauthorized', 'error')
EXPECTATIONS = ('reachable', 'refused', 'unauthorized')
PROBES = ('no_client_cert', 'foreign_ca', 'plain_http')
DEFAULT_TCP_PORT = 2375
DEFAULT_TLS_PORT = 2376
DEFAULT_SSH_PORT = 22

# The connection options every module of this collection that talks to dockerd shares.
# Documented in plugins/doc_fragments/_connection.py; keep both in sync.
CONNECTION_ARGUMENT_SPEC = dict(
    docker_host=dict(type='str', required=True),
    ca_path=dict(type='path', aliases=['tls_ca_cert']),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    tls=dict(type='bool', default=False),
    validate_certs=dict(type='bool', default=True, aliases=['tls_verify']),
    tls_hostname=dict(type='str'),
    timeout=dict(type='float', default=10.0),
    use_ssh_client=dict(type='bool', default=True),
)
CONNECTION_REQUIRED_TOGETHER = [('client_cert', 'client_key')]


class EndpointError(ValueError):
    """A parameter problem, worded as a sentence with the bad value and the fix."""


Endpoint = namedtuple('Endpoint', 'url scheme host port path user')
"""A parsed docker_host.

url: the normalised URL handed to the Docker SDK (tcp:// gets its default port).
scheme: unix, tcp or ssh. host/port: dial address (port None for unix; for ssh only when
given). path: socket path (unix only). user: ssh user or None.
"""

Settings = namedtuple(
    'Settings',
    'endpoint tls validate_certs ca_path client_cert client_key tls_hostname timeout '
    'use_ssh_client expect probes ssh_identity_file ssh_host_keys')

Failure = namedtuple('Failure', 'outcome reason msg')
"""A classified failure: outcome (refused|unauthorized|error), a short machine-readable
reason and the sentence for the operator."""


def _host_port_hint(value):
    return 'tcp://%s' % value


def parse_docker_host(value, tls=False):
    """Parse unix://PATH, tcp://HOST[:PORT] or ssh://[USER@]HOST[:PORT] into an Endpoint.

    Raises EndpointError with a sentence that names the bad value and the fix.
    """
    if value is None or not str(value).strip():
        raise EndpointError(
            'docker_host is empty; give the endpoint to check, e.g. unix:///var/run/docker.sock, '
            'tcp://HOST:2376 or ssh://USER@HOST.')
    value = str(value).strip()
    if '://' not in value:
        if value.startswith('/'):
            hint = 'unix://%s' % value
        else:
            hint = _host_port_hint(value)
        raise EndpointError(
            "docker_host '%s' has no scheme; write it as a URL such as %s." % (value, hint))
    scheme, rest = value.split('://', 1)
    scheme = scheme.lower()
    if scheme == 'unix':
        return _parse_unix(value, rest)
    if scheme == 'tcp':
        return _parse_tcp(value, rest, tls)
    if scheme == 'ssh':
        return _parse_ssh(value, rest)
    if scheme in ('http', 'https'):
        raise EndpointError(
            "docker_host '%s' uses %s://; write tcp://%s and set tls: %s (with ca_path, "
            "client_cert and client_key for a TLS daemon)."
            % (value, scheme, rest.rstrip('/'), 'true' if scheme == 'https' else 'false'))
    if scheme == 'fd':
        raise EndpointError(
            "docker_host '%s' is a systemd socket-activation address that only dockerd itself "
            "can use; check the socket it stands for, e.g. unix:///var/run/docker.sock." % value)
    raise EndpointError(
        "docker_host '%s' has the unsupported scheme '%s'; use unix://, tcp:// or ssh://."
        % (value, scheme))


def _parse_unix(value, rest):
    if not rest.startswith('/'):
        raise EndpointError(
            "docker_host '%s' names a relative socket path; write an absolute one with three "
            "slashes, e.g. unix:///%s." % (value, rest.lstrip('/') or 'var/run/docker.sock'))
    if rest == '/' or rest.endswith('/'):
        raise EndpointError(
            "docker_host '%s' names a directory, not a socket; give the socket file, e.g. "
            "unix:///var/run/docker.sock." % value)
    return Endpoint(url='unix://%s' % rest, scheme='unix', host=None, port=None,
                    path=rest, user=None)


def _split_host_port(value, rest, default_port, example):
    """Split HOST[:PORT] (IPv6 in brackets) and validate the port."""
    if not rest:
        raise EndpointError(
            "docker_host '%s' has no host; write it as %s." % (value, example))
    if rest.startswith('['):
        end = rest.find(']')
        if end < 0:
            raise EndpointError(
                "docker_host '%s' opens an IPv6 bracket without closing it; write it as "
                "tcp://[2001:db8::1]:2376." % value)
        host = rest[1:end]
        tail = rest[end + 1:]
        if tail and not tail.startswith(':'):
            raise EndpointError(
                "docker_host '%s' has text after the IPv6 address; write it as "
                "tcp://[2001:db8::1]:2376." % value)
        port_text = tail[1:] if tail else ''
    else:
        if rest.count(':') > 1:
            raise EndpointError(
                "docker_host '%s' looks like a bare IPv6 address; put it in brackets, e.g. "
                "tcp://[%s]:2376." % (value, rest))
        host, _sep, port_text = rest.partition(':')
        if _sep and not port_text:
            raise EndpointError(
                "docker_host '%s' ends with ':' but no port; add the port, e.g. %s."
                % (value, example))
    if not host:
        raise EndpointError(
            "docker_host '%s' has no host; write it as %s." % (value, example))
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise EndpointError(
            "docker_host '%s' has the port '%s', which is not in 1-65535; use the port the "
            "daemon listens on (2375 plain TCP, 2376 TLS, 22 ssh)." % (value, port_text))
    return host, int(port_text)


def _parse_tcp(value, rest, tls):
    if '@' in rest:
        raise EndpointError(
            "docker_host '%s' carries a user name, which tcp:// does not use; use ssh://USER@HOST "
            "for docker over ssh, or drop the user." % value)
    hostport, _slash, path = rest.partition('/')
    if path:
        raise EndpointError(
            "docker_host '%s' has the path '/%s'; a tcp:// endpoint is only HOST:PORT, e.g. "
            "tcp://%s." % (value, path, hostport or 'HOST:2376'))
    default_port = DEFAULT_TLS_PORT if tls else DEFAULT_TCP_PORT
    host, port = _split_host_port(value, hostport, default_port, 'tcp://HOST:2376')
    url_host = '[%s]' % host if ':' in host else host
    return Endpoint(url='tcp://%s:%d' % (url_host, port), scheme='tcp', host=host, port=port,
                    path=None, user=None)


def _parse_ssh(value, rest):
    userhost, _slash, path = rest.partition('/')
    if path:
        raise EndpointError(
            "docker_host '%s' has the path '/%s'; an ssh:// endpoint is only USER@HOST[:PORT]."
            % (value, path))
    user = None
    if '@' in userhost:
        user, _at, userhost = userhost.rpartition('@')
        if ':' in user:
            raise EndpointError(
                "docker_host '%s' carries a password; use key authentication (ssh-agent or "
                "IdentityFile in ssh config) and write ssh://USER@HOST." % value)
        if not user:
            raise EndpointError(
                "docker_host '%s' has an empty user before '@'; write ssh://USER@HOST or leave "
                "the user to ssh config." % value)
    if userhost.startswith('[') or userhost.count(':') > 1:
        raise EndpointError(
            "docker_host '%s' uses an IPv6 address, which the Docker SDK cannot dial over ssh; "
            "add a Host alias with that HostName to ssh config and use ssh://USER@ALIAS." % value)
    host, port = _split_host_port(value, userhost, None, 'ssh://USER@HOST')
    return Endpoint(url=value, scheme='ssh', host=host, port=port, path=None, user=user)


def resolve_settings(params):
    """Validate the module parameters together and return Settings.

    Raises EndpointError with an operator sentence on contradictions that argument_spec
    cannot express.
    """
    tls_implied = bool(params.get('ca_path') or params.get('client_cert'))
    tls = bool(params.get('tls')) or tls_implied
    endpoint = parse_docker_host(params.get('docker_host'), tls=tls)
    probes = list(params.get('probes') or [])
    if tls and endpoint.scheme != 'tcp':
        given = [name for name in ('ca_path', 'client_cert', 'client_key') if params.get(name)]
        why = ', '.join(given) if given else 'tls'
        raise EndpointError(
            "%s is a %s:// endpoint, which never speaks TLS, but %s was given; drop the TLS "
            "options or check the daemon's tcp://HOST:2376 endpoint instead."
            % (endpoint.url, endpoint.scheme, why))
    if probes and not tls:
        raise EndpointError(
            "probes (%s) only apply to a TLS endpoint, and %s is checked without TLS; set tls: "
            "true with ca_path, client_cert and client_key, or remove probes."
            % (', '.join(probes), endpoint.url))
    timeout = params.get('timeout')
    if timeout is None or timeout <= 0:
        raise EndpointError(
            'timeout %s is not a positive number of seconds; use e.g. 10.' % (timeout,))
    validate_certs = bool(params.get('validate_certs'))
    if tls and validate_certs and not params.get('ca_path'):
        raise EndpointError(
            "validate_certs is true but no ca_path is given for %s; give the CA that signed the "
            "daemon's certificate as ca_path (only that CA is trusted), or set validate_certs: "
            "false to skip verifying the server." % endpoint.url)
    ssh_identity_file = params.get('ssh_identity_file')
    ssh_host_keys = [key.strip() for key in params.get('ssh_host_keys') or [] if key and key.strip()]
    if (ssh_identity_file or ssh_host_keys) and endpoint.scheme != 'ssh':
        raise EndpointError(
            "ssh_identity_file and ssh_host_keys only apply to ssh:// endpoints, and %s is a "
            "%s:// endpoint; remove them." % (endpoint.url, endpoint.scheme))
    if (ssh_identity_file or ssh_host_keys) and not params.get('use_ssh_client', True):
        raise EndpointError(
            "ssh_identity_file and ssh_host_keys are options of the system ssh client, but "
            "use_ssh_client is false; set use_ssh_client: true or remove them.")
    for key in ssh_host_keys:
        if len(key.split()) < 2:
            raise EndpointError(
                "ssh_host_keys entry %r is not a public key line; give 'TYPE BASE64' as in "
                "/etc/ssh/ssh_host_ed25519_key.pub." % key)
    return Settings(
        endpoint=endpoint, tls=tls, validate_certs=validate_certs,
        ca_path=params.get('ca_path'), client_cert=params.get('client_cert'),
        client_key=params.get('client_key'), tls_hostname=params.get('tls_hostname'),
        timeout=float(timeout), use_ssh_client=bool(params.get('use_ssh_client', True)),
        expect=params.get('expect') or 'reachable', probes=probes,
        ssh_identity_file=ssh_identity_file, ssh_host_keys=ssh_host_keys)


def tls_server_name(settings):
    """The name the server certificate must be valid for."""
    return settings.tls_hostname or settings.endpoint.host


# ---------------------------------------------------------------------------------------
# Certificates


def _is_ip(value):
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _dns_match(pattern, name):
    pattern = pattern.lower().rstrip('.')
    name = name.lower().rstrip('.')
    if pattern == name:
        return True
    # RFC 6125: a wildcard only as the whole left-most label, matching exactly one label.
    if pattern.startswith('*.') and '*' not in pattern[2:]:
        head, _dot, tail = name.partition('.')
        return bool(head) and tail == pattern[2:] and not _is_ip(name)
    return False


def san_matches(name, sans):
    """True when the dialled name or address is covered by one of the SANs.

    sans: strings like 'DNS:host1' and 'IP:172.18.0.2' (the form describe_certificate
    returns). An IP address only matches IP entries, a name only DNS entries; the CN is
    never consulted (as in Go and in Python's ssl).
    """
    if not name:
        return False
    name = name.strip('[]')
    if _is_ip(name):
        wanted = ipaddress.ip_address(name)
        for san in sans:
            kind, _sep, val = san.partition(':')
            if kind == 'IP':
                try:
                    if ipaddress.ip_address(val) == wanted:
                        return True
                except ValueError:
                    continue
        return False
    return any(san.partition(':')[0] == 'DNS' and _dns_match(san.partition(':')[2], name)
               for san in sans)


def _name_to_text(name):
    """An x509.Name as 'CN=ec-tls, O=Example' (most specific first, like openssl -nameopt)."""
    parts = []
    for attribute in name:
        key = getattr(attribute.oid, '_name', None) or attribute.oid.dotted_string
        short = {'commonName': 'CN', 'organizationName': 'O', 'organizationalUnitName': 'OU',
                 'countryName': 'C', 'stateOrProvinceName': 'ST', 'localityName': 'L'}
        parts.append('%s=%s' % (short.get(key, key), attribute.value))
    return ', '.join(reversed(parts)) if parts else ''


def describe_certificate(der, now):
    """Summarise a DER certificate: subject, issuer, sans, not_after (ISO), days_left.

    now: an aware UTC datetime. Needs the cryptography library.
    """
    from cryptography import x509

    cert = x509.load_der_x509_certificate(der)
    sans = []
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        ext = None
    if ext is not None:
        sans.extend('DNS:%s' % v for v in ext.get_values_for_type(x509.DNSName))
        sans.extend('IP:%s' % v for v in ext.get_values_for_type(x509.IPAddress))
    not_after = getattr(cert, 'not_valid_after_utc', None)
    if not_after is None:  # cryptography < 42
        not_after = cert.not_valid_after.replace(tzinfo=timezone.utc)
    seconds_left = (not_after - now).total_seconds()
    return dict(
        subject=_name_to_text(cert.subject),
        issuer=_name_to_text(cert.issuer),
        sans=sans,
        not_after=not_after.strftime('%Y-%m-%dT%H:%M:%SZ'),
        days_left=int(seconds_left // 86400),
    )


_SSL_NAME_KEYS = {'commonName': 'CN', 'organizationName': 'O', 'organizationalUnitName': 'OU',
                  'countryName': 'C', 'stateOrProvinceName': 'ST', 'localityName': 'L'}


def describe_decoded_certificate(peercert, now):
    """The same summary as describe_certificate, from the dict the ssl module returns for a
    verified peer (SSLSocket.getpeercert()), for hosts without cryptography.

    now: an aware UTC datetime.
    """
    def name(rdns):
        parts = ['%s=%s' % (_SSL_NAME_KEYS.get(key, key), value)
                 for rdn in rdns for key, value in rdn]
        return ', '.join(reversed(parts))

    entries = peercert.get('subjectAltName') or ()
    sans = ['DNS:%s' % value for kind, value in entries if kind == 'DNS']
    sans += ['IP:%s' % ipaddress.ip_address(value.strip())
             for kind, value in entries if kind == 'IP Address']
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(peercert['notAfter']),
                                       timezone.utc)
    return dict(
        subject=name(peercert.get('subject') or ()),
        issuer=name(peercert.get('issuer') or ()),
        sans=sans,
        not_after=not_after.strftime('%Y-%m-%dT%H:%M:%SZ'),
        days_left=int((not_after - now).total_seconds() // 86400),
    )


# ---------------------------------------------------------------------------------------
# Error classification

def exception_text(exc):
    """All messages of an exception chain, outermost first, as one searchable text."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append('%s: %s' % (type(exc).__name__, exc))
        exc = exc.__cause__ or exc.__context__
    return ' <- '.join(parts)


def root_error(exc):
    """The innermost message of an exception chain (the one closest to the socket)."""
    seen = set()
    last = exc
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        last = exc
        exc = exc.__cause__ or exc.__context__
    return '%s' % (last,) if last is not None else ''


_TLS_ALERT_RE = re.compile(r'(?:SSLV3|TLSV1(?:3)?)_ALERT_([A-Z_]+)')


def _tls_alert(text):
    match = _TLS_ALERT_RE.search(text)
    if not match:
        return None
    return match.group(1).lower().replace('_', ' ')


def _where(endpoint):
    if endpoint.scheme == 'unix':
        return endpoint.path
    if endpoint.scheme == 'ssh':
        return '%s port %s' % (endpoint.host, endpoint.port or DEFAULT_SSH_PORT)
    return '%s port %s' % (endpoint.host, endpoint.port)


def classify_failure(settings, text, facts=None):
    """Turn the text of a failed attempt into a Failure(outcome, reason, msg).

    settings: Settings. text: exception_text() of the error, plus (ssh) the ssh client's
    stderr. facts: optional dict with what main() could find out:
      sans (list), issuer (str), not_after (str): the server certificate, when fetched;
      socket: {path, owner, group, mode} of a unix socket; user: the effective user name;
      user_groups: group names of this process; group_members: members of the socket group.
    """
    facts = facts or {}
    endpoint = settings.endpoint
    if endpoint.scheme == 'unix':
        return _classify_unix(settings, text, facts)
    if endpoint.scheme == 'ssh':
        return _classify_ssh(settings, text, facts)
    return _classify_tcp(settings, text, facts)


def _generic(settings, text):
    detail = text.strip().splitlines()[-1] if text.strip() else 'no detail'
    return Failure('error', 'unknown', 'Could not talk to dockerd at %s: %s'
                   % (settings.endpoint.url, detail))


def _classify_unix(settings, text, facts):
    endpoint = settings.endpoint
    path = endpoint.path
    if 'FileNotFoundError' in text or 'No such file or directory' in text:
        return Failure('refused', 'no_socket', (
            'Nothing listens on %s: %s does not exist. Start dockerd there (systemctl start '
            'docker.socket docker.service) or check the socket dockerd really uses '
            '(ListenStream= in docker.socket, -H in its ExecStart).' % (endpoint.url, path)))
    if 'PermissionError' in text or 'Permission denied' in text or 'EACCES' in text:
        return Failure('unauthorized', 'permission_denied', _socket_permission_sentence(
            endpoint, facts))
    if 'ConnectionRefusedError' in text or 'Connection refused' in text:
        return Failure('refused', 'connection_refused', (
            '%s exists but nothing accepts connections on it: dockerd is stopped and '
            'docker.socket does not hold it. Start it (systemctl start docker.socket '
            'docker.service).' % path))
    if 'timed out' in text or 'Timeout' in text:
        return Failure('error', 'timeout', (
            'dockerd at %s accepted the connection but did not answer within %s s; it is '
            'hung or overloaded (journalctl -u docker.service).'
            % (endpoint.url, _seconds(settings.timeout))))
    return _generic(settings, text)


def _seconds(value):
    return ('%g' % value) if value is not None else '?'


def _socket_permission_sentence(endpoint, facts):
    user = facts.get('user') or 'this user'
    sock = facts.get('socket')
    if not sock:
        return ('%s may not reach %s (permission denied, and its directory cannot be read '
                'either); run the check as root (become: true) or as a member of the socket '
                'group.' % (user, endpoint.path))
    group = sock.get('group')
    mode = sock.get('mode')
    desc = '%s (owner %s, group %s, mode %s)' % (endpoint.path, sock.get('owner'), group, mode)
    if mode and len(mode) >= 3 and int(mode[-2], 8) & 2 == 0:
        return ('%s may not use %s: the mode gives its group no write access, so only %s can '
                'connect; set SocketMode=0660 and SocketGroup=docker in a docker.socket '
                'drop-in (dockerd.exposure.daemon does this).' % (user, desc, sock.get('owner')))
    if user in (facts.get('group_members') or []) and group not in (facts.get('user_groups') or []):
        return ('%s may not use %s: %s is listed in group %s but this process does not carry '
                'that group yet; start a new login session (or reset the ssh connection: '
                'meta: reset_connection) and rerun.' % (user, desc, user, group))
    return ('%s may not use %s; add %s to group %s (usermod -aG %s %s, then start a new login '
            'session) or run the check as root (become: true).'
            % (user, desc, user, group, group, user))


def _classify_tcp(settings, text, facts):
    endpoint = settings.endpoint
    url = endpoint.url
    where = _where(endpoint)
    if 'Client sent an HTTP request to an HTTPS server' in text:
        return Failure('error', 'tls_port_without_tls', (
            '%s speaks TLS, but it was dialled in plain HTTP (dockerd answered: Client sent an '
            'HTTP request to an HTTPS server.); set tls: true and give ca_path, client_cert '
            'and client_key.' % url))
    if 'WRONG_VERSION_NUMBER' in text or 'wrong version number' in text or \
            'record layer failure' in text:
        return Failure('error', 'plain_port_with_tls', (
            '%s answered in plain text, not TLS: it is a plain TCP listener (no encryption, no '
            'authentication); dial the TLS port (usually 2376) or check it with tls: false.'
            % url))
    if settings.tls and ('mismatch' in text or "doesn't match" in text):
        return Failure('error', 'san_mismatch', san_mismatch_sentence(settings, facts.get('sans')))
    if 'certificate has expired' in text:
        return Failure('error', 'server_cert_expired', (
            'The certificate of %s expired%s; renew it (playbooks/rotate.yml) and restart '
            'dockerd.' % (url, ' on %s' % facts['not_after'] if facts.get('not_after') else '')))
    if 'CERTIFICATE_VERIFY_FAILED' in text or 'certificate verify failed' in text:
        issuer = facts.get('issuer')
        msg = ('The certificate of %s%s is not signed by the CA in ca_path (%s); give the CA '
               "that signed the daemon's certificate (tlscacert on the daemon) as ca_path."
               % (url, ' (issuer %s)' % issuer if issuer else '', settings.ca_path))
        sans = facts.get('sans')
        if sans is not None and not san_matches(tls_server_name(settings), sans):
            # Verification stops at the first problem; name the next one too.
            msg += ' Next, it would fail on the name: ' + san_mismatch_sentence(settings, sans)
        return Failure('error', 'server_cert_untrusted', msg)
    alert = _tls_alert(text)
    if alert in ('bad certificate', 'certificate required', 'unknown ca', 'certificate unknown',
                 'handshake failure', 'access denied', 'certificate expired',
                 'unsupported certificate', 'decrypt error'):
        return _client_denied(settings, 'TLS alert: %s' % alert)
    eof = any(marker in text for marker in (
        'EOF occurred in violation of protocol', 'UNEXPECTED_EOF', 'Connection reset by peer',
        'ConnectionResetError'))
    if settings.tls and eof and facts.get('sans') is not None:
        # The handshake completed when the certificate was read, so this is a TLS listener
        # that dropped us afterwards: with TLS 1.3 that is how dockerd (Go) turns away a
        # client certificate it cannot verify, often without an alert.
        return _client_denied(settings, 'the daemon closed the connection right after the '
                                        'TLS handshake')
    status = re.search(r'\bHTTP (401|403)\b|\b(401|403) Client Error', text)
    if status:
        return Failure('unauthorized', 'api_denied', (
            'dockerd at %s answered HTTP %s: an authorization plugin or proxy denies this '
            'client.' % (url, status.group(1) or status.group(2))))
    if 'Connection refused' in text or 'ConnectionRefusedError' in text:
        return Failure('refused', 'connection_refused', (
            'Connection to %s was refused: nothing listens there (dockerd down, listening on '
            'another address or port, or a firewall rejects it).' % where))
    if 'NameResolutionError' in text or 'Name or service not known' in text or \
            'Temporary failure in name resolution' in text or 'gaierror' in text:
        return Failure('error', 'name_resolution', (
            "The name '%s' in %s does not resolve; dial an address or fix DNS or /etc/hosts."
            % (endpoint.host, url)))
    if 'No route to host' in text or 'Network is unreachable' in text:
        return Failure('refused', 'unreachable', (
            'There is no route to %s (host down or network unreachable).' % where))
    if 'ConnectTimeout' in text or 'Connect timeout' in text or \
            ('timed out' in text and 'Read timed out' not in text):
        return Failure('refused', 'timeout', (
            '%s did not answer within %s s (host down, wrong address, or a firewall drops the '
            'packets).' % (where, _seconds(settings.timeout))))
    if 'Read timed out' in text:
        return Failure('error', 'read_timeout', (
            '%s accepted the connection but sent no answer within %s s; it is not dockerd or '
            'dockerd is hung.' % (where, _seconds(settings.timeout))))
    if settings.tls and ('EOF occurred in violation of protocol' in text or
                         'UNEXPECTED_EOF' in text or 'Connection reset' in text):
        return Failure('error', 'tls_handshake_closed', (
            '%s closed the connection during the TLS handshake; it may not be a TLS listener, '
            'or it rejects this client (check the daemon log: journalctl -u docker.service).'
            % url))
    return _generic(settings, text)


def _client_denied(settings, how):
    url = settings.endpoint.url
    if not settings.client_cert:
        return Failure('unauthorized', 'no_client_cert', (
            'The daemon at %s refused the connection because no client certificate was '
            "presented (%s); give client_cert and client_key issued by the daemon's CA."
            % (url, how)))
    return Failure('unauthorized', 'client_cert_rejected', (
        'The daemon at %s refused the client certificate %s (%s): it is not signed by the CA '
        'the daemon trusts (tlscacert), has expired, or is not made for client '
        "authentication; issue one from the daemon's CA (dockerd.exposure.tls)."
        % (url, settings.client_cert, how)))


def san_mismatch_sentence(settings, sans):
    """The sentence for a certificate that does not cover the dialled name."""
    name = tls_server_name(settings)
    via = ' (tls_hostname)' if settings.tls_hostname else ''
    if sans:
        valid = 'is valid for %s' % ', '.join(sans)
    elif sans is not None:
        valid = 'has no subjectAltName at all'
    else:
        valid = 'does not list it'
    return ("The certificate of %s %s, not for '%s'%s; add it to dockerd_tls_extra_sans or dial "
            "a listed name." % (settings.endpoint.url, valid, name, via))


def _classify_ssh(settings, text, facts):
    endpoint = settings.endpoint
    url = endpoint.url
    host = endpoint.host
    user = endpoint.user or 'the ssh config user'
    where = _where(endpoint)
    lower = text.lower()
    if 'host key verification failed' in lower or 'not found in known_hosts' in lower or \
            'remote host identification has changed' in lower:
        changed = 'remote host identification has changed' in lower
        paramiko = _first_line_with(text, ('not found in known_hosts',))
        if paramiko:  # paramiko words it differently; keep its text after the usual phrase
            paramiko = paramiko.split(': ', 1)[-1]
        return Failure('error', 'ssh_host_key', (
            "ssh refused to talk to %s (Host key verification failed%s): its host key %s. "
            "Check the key's fingerprint and add it (ssh-keyscan %s >> ~/.ssh/known_hosts, or "
            'the dockerd.exposure.client role), then rerun.'
            % (host, ': %s' % paramiko if paramiko else '',
               'changed since it was recorded in known_hosts' if changed
               else 'is not in known_hosts', host)))
    if 'could not resolve hostname' in lower or 'name or service not known' in lower or \
            'gaierror' in lower:
        return Failure('error', 'name_resolution', (
            "The ssh host '%s' in %s does not resolve; use an address, a Host alias from ssh "
            'config, or fix DNS.' % (host, url)))
    if 'permission denied (' in lower or 'authentication failed' in lower or \
            'no authentication methods available' in lower:
        return Failure('unauthorized', 'ssh_auth', (
            "%s refused the ssh login of %s (%s); put this client's public key in the user's "
            'authorized_keys (dockerd.exposure.ssh) and make the private key available '
            '(ssh-agent or IdentityFile in ssh config).'
            % (host, user, _first_line_with(text, ('Permission denied', 'Authentication failed'))
               or 'authentication failed')))
    if 'docker: command not found' in lower or 'docker: not found' in lower or \
            ("exec: \"docker\"" in lower):
        return Failure('error', 'ssh_no_docker_cli', (
            'ssh to %s works, but %s has no docker CLI on the PATH to run `docker system '
            'dial-stdio`; install the docker CLI there (docker.io / docker-ce-cli) or fix the '
            "user's PATH." % (host, user)))
    if 'raw stream connection' in lower or 'dial unix' in lower or \
            'cannot connect to the docker daemon' in lower:
        if 'permission denied' in lower:
            return Failure('unauthorized', 'ssh_socket_permission', (
                'ssh to %s works, but %s may not use the Docker socket there (%s); add %s to '
                'the socket group (usermod -aG docker %s on %s) and rerun.'
                % (host, user, _first_line_with(text, ('dial unix', 'permission denied'))
                   or 'permission denied', user, user, host)))
        return Failure('refused', 'ssh_daemon_down', (
            'ssh to %s works, but no dockerd answers on its socket (%s); start docker.socket '
            'and docker.service there.'
            % (host, _first_line_with(text, ('dial unix', 'Cannot connect')) or 'no daemon')))
    if 'install paramiko' in lower:
        return Failure('error', 'missing_paramiko', (
            'The Docker SDK refuses ssh:// without paramiko, even with use_ssh_client: true; '
            'install docker[ssh] (or paramiko) next to it.'))
    if 'connection refused' in lower or 'unable to connect to port' in lower:
        return Failure('refused', 'connection_refused', (
            'ssh connection to %s was refused: no sshd listens there.' % where))
    if 'no route to host' in lower or 'network is unreachable' in lower:
        return Failure('refused', 'unreachable', 'There is no route to %s.' % where)
    if 'timed out' in lower:
        return Failure('refused', 'timeout', (
            'ssh to %s did not connect within %s s (host down, wrong address, or a firewall '
            'drops the packets).' % (where, _seconds(settings.timeout))))
    stderr_line = _first_line_with(text, ('ssh:', 'kex_exchange', 'Connection closed'))
    if stderr_line:
        return Failure('error', 'ssh_failed', 'ssh to %s failed: %s' % (host, stderr_line))
    return _generic(settings, text)


def _first_line_with(text, needles):
    for line in text.splitlines():
        for needle in needles:
            if needle.lower() in line.lower():
                return line.strip()
    return None


# ---------------------------------------------------------------------------------------
# Probes

HTTPS_SERVER_ANSWER = 'Client sent an HTTP request to an HTTPS server'


def parse_http_response(data):
    """Parse raw bytes of an HTTP/1.x response into (status, reason, body) or None."""
    if not data:
        return None
    try:
        text = data.decode('iso-8859-1')
    except Exception:  # pragma: no cover - iso-8859-1 decodes any byte
        return None
    head, _sep, body = text.partition('\r\n\r\n')
    status_line = head.split('\r\n', 1)[0]
    match = re.match(r'HTTP/\d(?:\.\d)?\s+(\d{3})\s*(.*)$', status_line)
    if not match:
        return None
    return int(match.group(1)), match.group(2).strip(), body.strip()


_PROBE_WHAT = {
    'no_client_cert': 'a TLS client without a certificate',
    'foreign_ca': 'a client certificate from an unrelated, freshly made CA',
    'plain_http': 'plain HTTP without TLS',
}


def evaluate_probe(name, observation):
    """Judge one probe observation: {'outcome': refused|accepted, 'detail': sentence}.

    observation: dict from _tls_probe.run_probe: stage (connect|tls|http), error (text or
    None), response (raw bytes or None), tls_version.
    Every probe is a negative check; only an HTTP 2xx/3xx answer to GET /_ping counts as
    accepted.
    """
    what = _PROBE_WHAT.get(name, name)
    error = observation.get('error')
    stage = observation.get('stage')
    if error:
        alert = _tls_alert(error)
        if alert:
            detail = 'the daemon rejected %s with the TLS alert "%s"' % (what, alert)
        elif stage == 'connect':
            detail = 'no connection: %s' % error
        else:
            detail = 'the daemon closed the connection for %s (%s)' % (what, error)
        return dict(outcome='refused', detail=detail)
    parsed = parse_http_response(observation.get('response') or b'')
    if parsed is None:
        return dict(outcome='refused',
                    detail='the daemon closed the connection for %s without an HTTP answer' % what)
    status, reason, body = parsed
    answer = 'HTTP %d %s' % (status, reason)
    if HTTPS_SERVER_ANSWER in body:
        return dict(outcome='refused', detail='%s: dockerd answered %s "%s" (no API access)'
                    % (what, answer, body.strip()))
    if 200 <= status < 400:
        return dict(outcome='accepted', detail='GET /_ping with %s was answered %s%s'
                    % (what, answer, ' "%s"' % body[:40] if body else ''))
    return dict(outcome='refused', detail='GET /_ping with %s was answered %s' % (what, answer))


_PROBE_FIX = {
    'no_client_cert': 'dockerd serves clients without a certificate: set "tlsverify": true (not '
                      'only "tls") in daemon.json.',
    'foreign_ca': 'dockerd trusts client certificates from a CA that is not yours: tlscacert '
                  'must hold only the CA that signs your client certificates, not a public '
                  'bundle.',
    'plain_http': 'the port serves the API without TLS: the listener is not TLS-wrapped '
                  '(tlsverify/tlscert missing, or a second plain listener on the same port).',
}


def probe_failure_sentence(endpoint, name, result):
    return 'Probe %s was accepted by %s (%s); %s' % (
        name, endpoint.url, result.get('detail'), _PROBE_FIX.get(name, 'it must be refused.'))


# ---------------------------------------------------------------------------------------
# Outcome


def success_sentence(endpoint, outcome, server_version=None, api_version=None,
                     latency_ms=None, failure=None):
    if outcome == 'reachable':
        return '%s answers: Docker %s, API %s, ping %.1f ms.' % (
            endpoint.url, server_version or '?', api_version or '?', latency_ms or 0.0)
    if outcome == 'refused':
        return '%s refuses connections, as expected: %s' % (
            endpoint.url, failure.msg if failure else 'no connection')
    return '%s denies this client, as expected: %s' % (
        endpoint.url, failure.msg if failure else 'access denied')


def expectation_failure(endpoint, expect, outcome, failure=None, server_version=None):
    """None when outcome meets expect, else the sentence explaining the difference."""
    if outcome == expect:
        return None
    if outcome == 'error' or expect == 'reachable':
        return failure.msg if failure else '%s is not reachable.' % endpoint.url
    if outcome == 'reachable':
        if expect == 'refused':
            return ('%s answered (Docker %s) but should refuse connections; close that listener '
                    '(remove it from ListenStream/-H) or firewall the port.'
                    % (endpoint.url, server_version or '?'))
        return ('%s let this client in (Docker %s) but should deny it; check tlsverify and '
                'tlscacert on the daemon (or the socket group for unix://).'
                % (endpoint.url, server_version or '?'))
    if expect == 'refused':  # outcome unauthorized
        return ('%s accepted the connection and then denied access (%s); it was expected to '
                'refuse connections altogether, so the listener is still open.'
                % (endpoint.url, failure.msg if failure else 'unauthorized'))
    # expect unauthorized, outcome refused
    return ('%s was expected to answer and deny this client, but no connection could be made: '
            '%s' % (endpoint.url, failure.msg if failure else 'refused'))

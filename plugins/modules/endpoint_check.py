#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: endpoint_check
short_description: Check that a Docker daemon endpoint answers, or refuses, as expected
version_added: 0.1.0
description:
  - Connects to one Docker daemon endpoint (V(unix://), V(tcp://), V(tcp://) with mutual TLS,
    V(ssh://)) the way a client would, and reports whether it answers, the daemon's version
    and the time of one ping. V(unix://) and plain V(tcp://) are spoken with Python's standard
    library (C(GET /_ping) and C(GET /version) over HTTP/1.1), V(ssh://) with the Docker SDK
    for Python, and TLS with the Docker SDK when it is installed and the standard library's
    C(ssl) otherwise.
  - Compares the outcome with O(expect), so that closed doors can be checked as well as open
    ones, and fails with one sentence that says what is wrong and how to fix it (certificate
    names, the socket group, plain HTTP on a TLS port, unknown ssh host keys, ...).
  - For TLS endpoints, reports the server certificate and optionally runs negative
    O(probes) on raw connections (no client certificate, a client certificate from a foreign
    CA, plain HTTP); each of them must be refused by the daemon.
  - With O(endpoints), checks several endpoints in one call and returns RV(checks) per name,
    so that a playbook makes one call per place it dials from (the daemon host, the controller).
  - "Read-only. Checks of V(unix://) and loopback V(tcp://) run on the daemon host itself;
    remote, TLS-with-client-certificate and V(ssh://) checks usually run on the controller
    (C(delegate_to: localhost))."
requirements:
  - "V(unix://) and V(tcp://) without TLS: Python's standard library only, so they run on a
    stock daemon host (Debian's docker.io brings no python3-docker)."
  - "V(tcp://) with TLS: Python's standard library (C(ssl)) at least. The Docker SDK for Python
    7.x is used when it is installed. The cryptography library, when installed, describes
    RV(peer_certificate) even when verification fails (without it, only a certificate that
    O(ca_path) verifies is described); it is required for the V(foreign_ca) probe. The
    dockerd.exposure.tls role installs python3-cryptography on TLS daemon hosts unless
    C(dockerd_tls_manage_dependencies=false)."
  - "V(ssh://): the Docker SDK for Python 7.x with ssh support (C(docker[ssh])), and the
    C(ssh) client for O(use_ssh_client=true). These checks run from the controller; the
    module fails with the package name when the SDK is missing."
author:
  - dockerd.exposure developers
extends_documentation_fragment:
  - dockerd.exposure._connection
attributes:
  check_mode:
    support: full
    description: The module never changes anything; check mode runs the same checks.
  diff_mode:
    support: none
options:
  docker_host:
    description:
      - The Docker daemon endpoint, as a URL (see the other forms below).
      - V(unix:///PATH) for a local socket, for example V(unix:///var/run/docker.sock).
      - V(tcp://HOST[:PORT]) for plain TCP or, with O(tls), mutual TLS. The port defaults to
        2376 with TLS and 2375 without. IPv6 addresses go in brackets, V(tcp://[2001:db8::1]:2376).
      - V(ssh://[USER@]HOST[:PORT]) for docker over ssh (the remote user runs
        C(docker system dial-stdio)). User and port may come from ssh config instead.
      - There is no default and no E(DOCKER_HOST) fallback, so a task always says which
        endpoint it means.
      - Exactly one of O(docker_host) and O(endpoints) is required.
    type: str
  endpoints:
    description:
      - Several endpoints to check in one call, each with a O(endpoints[].name) and the options
        of one check; an option an entry leaves out takes the module's top-level value.
      - The task fails when any of them does not behave as its O(endpoints[].expect) says; every
        entry is still checked and reported in RV(checks).
      - Mutually exclusive with O(docker_host).
    type: list
    elements: dict
    suboptions:
      name:
        description: The key of this check in RV(checks); unique.
        type: str
        required: true
      docker_host:
        description: The endpoint, as O(docker_host).
        type: str
        required: true
      expect:
        description: As O(expect).
        type: str
        choices: [reachable, refused, unauthorized]
      probes:
        description: As O(probes).
        type: list
        elements: str
        choices: [no_client_cert, foreign_ca, plain_http]
      tls:
        description: As O(tls).
        type: bool
      ca_path:
        description: As O(ca_path).
        type: path
        aliases: [tls_ca_cert]
      client_cert:
        description: As O(client_cert).
        type: path
      client_key:
        description: As O(client_key).
        type: path
      validate_certs:
        description: As O(validate_certs).
        type: bool
        aliases: [tls_verify]
      tls_hostname:
        description: As O(tls_hostname).
        type: str
      timeout:
        description: As O(timeout).
        type: float
      use_ssh_client:
        description: As O(use_ssh_client).
        type: bool
      ssh_identity_file:
        description: As O(ssh_identity_file).
        type: path
      ssh_host_keys:
        description: As O(ssh_host_keys).
        type: list
        elements: str
  read_ssh_host_keys:
    description:
      - Public ssh host key files to read on the host the module runs on, returned as
        RV(ssh_host_keys) (C(TYPE BASE64)), for an ssh check from the controller that trusts
        that host's own key. Missing files are skipped.
      - Only with O(endpoints).
    type: list
    elements: path
    default: []
  expect:
    description:
      - What the endpoint must do.
      - V(reachable) - C(GET /_ping) answers C(OK).
      - V(refused) - no connection can be made (connection refused, no socket file, no
        route, or no answer within O(timeout)).
      - V(unauthorized) - a connection is made, and the daemon (or the socket, or sshd)
        denies this client, for example a TLS daemon dialled without a client certificate,
        or a user outside the socket group.
    type: str
    choices: [reachable, refused, unauthorized]
    default: reachable
  probes:
    description:
      - Negative TLS checks to run in addition, each with a raw C(GET /_ping) on its own
        connection.
        The module fails when the daemon accepts any of them.
      - V(no_client_cert) - TLS without a client certificate.
      - V(foreign_ca) - TLS with a client certificate signed by a CA made on the spot
        (cryptography, in memory and in 0600 temporary files that are deleted right after).
      - V(plain_http) - plain HTTP to the TLS port. dockerd answers
        C(400 Client sent an HTTP request to an HTTPS server), which counts as refused.
      - Only valid when O(tls) is in effect.
    type: list
    elements: str
    choices: [no_client_cert, foreign_ca, plain_http]
    default: []
  ssh_identity_file:
    description:
      - For V(ssh://) endpoints, the private key file the ssh client logs in with (ssh C(-i),
        with C(IdentitiesOnly=yes)), instead of ssh-agent and the keys of ssh config.
      - Needs O(use_ssh_client=true).
    type: path
  ssh_host_keys:
    description:
      - For V(ssh://) endpoints, the public host keys the daemon host must present, each as
        C(TYPE BASE64) like a line of C(/etc/ssh/ssh_host_ed25519_key.pub).
      - When given, only these keys are trusted (a private C(known_hosts) for this check,
        C(StrictHostKeyChecking=yes)); C(~/.ssh/known_hosts) is not read or written.
      - Needs O(use_ssh_client=true).
    type: list
    elements: str
    default: []
notes:
  - O(expect=refused) and O(expect=unauthorized) pass only on exactly that outcome; an
    endpoint that answers, or fails for another reason (a certificate that does not cover
    the dialled name, for example), fails the task.
  - RV(latency_ms) is the wall time of one C(GET /_ping) including connection setup (TCP
    and TLS handshake, or starting ssh), the price a one-shot client such as the C(docker)
    CLI pays per call. Over ssh without C(ControlMaster) this is dominated by the ssh login;
    with O(use_ssh_client=false) paramiko logs in before the ping, so only a new channel and
    C(docker system dial-stdio) are counted.
seealso:
  - name: Protect the Docker daemon socket
    description: Docker's guide to TLS for dockerd.
    link: https://docs.docker.com/engine/security/protect-access/
  - module: community.docker.docker_host_info
"""

EXAMPLES = r"""
---
- name: Check the local socket answers
  dockerd.exposure.endpoint_check:
    docker_host: unix:///var/run/docker.sock

- name: Check the TLS endpoint with the client certificate, and that strangers are turned away
  dockerd.exposure.endpoint_check:
    docker_host: "tcp://{{ ansible_host }}:2376"
    ca_path: "{{ playbook_dir }}/pki/ca.pem"
    client_cert: "{{ playbook_dir }}/pki/clients/ops/cert.pem"
    client_key: "{{ playbook_dir }}/pki/clients/ops/key.pem"
    probes: [no_client_cert, foreign_ca, plain_http]
  delegate_to: localhost

- name: Check that the daemon denies a client without a certificate
  dockerd.exposure.endpoint_check:
    docker_host: "tcp://{{ ansible_host }}:2376"
    ca_path: "{{ playbook_dir }}/pki/ca.pem"
    expect: unauthorized
  delegate_to: localhost

- name: Check that plain TCP is closed from the outside
  dockerd.exposure.endpoint_check:
    docker_host: "tcp://{{ ansible_host }}:2375"
    expect: refused
    timeout: 3
  delegate_to: localhost

- name: Dial an address that is not in the certificate, verifying against a listed name
  dockerd.exposure.endpoint_check:
    docker_host: tcp://127.0.0.1:23760
    tls_hostname: docker1.example.org
    ca_path: pki/ca.pem
    client_cert: pki/cert.pem
    client_key: pki/key.pem
  delegate_to: localhost

- name: Check docker over ssh with a given key, trusting only the host's own host key
  dockerd.exposure.endpoint_check:
    docker_host: ssh://deploy@docker1.example.org
    ssh_identity_file: ~/.ssh/deploy_ed25519
    ssh_host_keys:
      - "{{ (host_key_read.content | b64decode).split()[:2] | join(' ') }}"
  delegate_to: localhost

- name: Check docker over ssh with the user's ssh config and agent
  dockerd.exposure.endpoint_check:
    docker_host: ssh://deploy@docker1.example.org
  delegate_to: localhost
  register: ssh_check

- name: Show the latency
  ansible.builtin.debug:
    msg: "{{ ssh_check.endpoint }}: {{ ssh_check.latency_ms }} ms"

- name: Check every local endpoint in one call, and read the ssh host key for the next check
  dockerd.exposure.endpoint_check:
    endpoints:
      - name: unix
        docker_host: unix:///run/docker.sock
      - name: tcp
        docker_host: tcp://127.0.0.1:2375
        expect: refused
    read_ssh_host_keys: [/etc/ssh/ssh_host_ed25519_key.pub]
  register: local_checks
  failed_when: false

- name: Show each result
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.value.msg }}"
  loop: "{{ local_checks.checks | dict2items }}"
"""

RETURN = r"""
checks:
  description:
    - With O(endpoints), the result of each entry by its name, each with the keys a single
      check returns (RV(endpoint), RV(passed), RV(outcome), RV(msg), ...).
  returned: when O(endpoints) is given
  type: dict
  sample:
    unix:
      endpoint: unix:///run/docker.sock
      passed: true
      reachable: true
      outcome: reachable
      msg: "unix:///run/docker.sock answers: Docker 20.10.24+dfsg1, API 1.41, in 1.2 ms."
ssh_host_keys:
  description: The keys of O(read_ssh_host_keys) that could be read, as C(TYPE BASE64).
  returned: when O(endpoints) is given
  type: list
  elements: str
  sample: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOv1]
endpoint:
  description: The endpoint that was checked, as given in O(docker_host).
  returned: when O(docker_host) is given
  type: str
  sample: tcp://10.0.0.5:2376
passed:
  description:
    - Whether the endpoint behaved as O(expect) says and every probe was refused; the task
      fails when this is false. Lets a playbook that collects results with
      C(failed_when=false) still tell good from bad.
  returned: always
  type: bool
  sample: true
reachable:
  description: Whether C(GET /_ping) answered C(OK).
  returned: when O(docker_host) is given
  type: bool
  sample: true
outcome:
  description:
    - V(reachable), V(refused) (no connection), V(unauthorized) (connected, client denied)
      or V(error) (anything else, for example a certificate that does not cover the
      dialled name, or TLS spoken to a plain port).
  returned: when O(docker_host) is given
  type: str
  sample: reachable
reason:
  description:
    - A short, stable code for the outcome when it is not V(reachable), for example
      V(connection_refused), V(no_socket), V(timeout), V(permission_denied),
      V(no_client_cert), V(client_cert_rejected), V(san_mismatch), V(server_cert_untrusted),
      V(tls_port_without_tls), V(plain_port_with_tls), V(ssh_host_key), V(ssh_auth).
  returned: when the endpoint did not answer
  type: str
  sample: san_mismatch
error:
  description: The low-level error the outcome was derived from (plus the ssh client's error output).
  returned: when the endpoint did not answer
  type: str
  sample: "[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate (_ssl.c:2580)"
server_version:
  description: The daemon's version (C(Version) of C(GET /version)).
  returned: when reachable
  type: str
  sample: 20.10.24+dfsg1
api_version:
  description: The daemon's highest API version.
  returned: when reachable
  type: str
  sample: "1.41"
os:
  description: The daemon's operating system (C(Os) of C(GET /version)).
  returned: when reachable
  type: str
  sample: linux
latency_ms:
  description: Wall time of one C(GET /_ping) in milliseconds, connection setup included.
  returned: when reachable
  type: float
  sample: 3.42
peer_certificate:
  description: The server certificate, read without verifying it (so it is also there when verification fails).
  returned: when TLS is in effect and a TLS handshake took place
  type: dict
  contains:
    subject:
      description: Subject distinguished name.
      type: str
      sample: CN=docker1
    issuer:
      description: Issuer distinguished name.
      type: str
      sample: CN=dockerd.exposure CA
    sans:
      description: subjectAltNames, as C(DNS:name) and C(IP:address).
      type: list
      elements: str
      sample: [DNS:docker1, DNS:localhost, IP:10.0.0.5, IP:127.0.0.1]
    not_after:
      description: End of validity, ISO 8601 in UTC.
      type: str
      sample: "2027-11-28T07:41:00Z"
    days_left:
      description: Whole days until O(peer_certificate.not_after); negative when expired.
      type: int
      sample: 364
  sample:
    subject: CN=docker1
    issuer: CN=dockerd.exposure CA
    sans: [DNS:docker1, IP:10.0.0.5]
    not_after: "2027-11-28T07:41:00Z"
    days_left: 364
probes:
  description:
    - One entry per requested probe. V(refused) is the good result.
  returned: when O(probes) is not empty
  type: dict
  sample:
    no_client_cert:
      outcome: refused
      detail: the daemon rejected a TLS client without a certificate with the TLS alert "bad certificate"
    plain_http:
      outcome: refused
      detail: 'plain HTTP without TLS: dockerd answered HTTP 400 Bad Request "Client sent an HTTP request to an HTTPS server." (no API access)'
msg:
  description: One sentence on the result; on failure, what is wrong and how to fix it.
  returned: always
  type: str
  sample: "The certificate of tcp://10.0.0.5:2376 is valid for DNS:host1, IP:172.18.0.2, not for '10.0.0.5'; add it to dockerd_tls_extra_sans or dial a listed name."
"""

import contextlib
import grp
import math
import os
import pwd
import shlex
import shutil
import stat
import tempfile
import time
import traceback
import warnings
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dockerd.exposure.plugins.module_utils import _docker_http as docker_http
from ansible_collections.dockerd.exposure.plugins.module_utils._docker_http import HTTPAnswerError
from ansible_collections.dockerd.exposure.plugins.module_utils._endpoint import (
    CONNECTION_ARGUMENT_SPEC,
    CONNECTION_REQUIRED_TOGETHER,
    EXPECTATIONS,
    PROBES,
    EndpointError,
    classify_failure,
    describe_certificate,
    describe_decoded_certificate,
    evaluate_probe,
    exception_text,
    expectation_failure,
    probe_failure_sentence,
    resolve_settings,
    root_error,
    success_sentence,
    tls_server_name,
)
from ansible_collections.dockerd.exposure.plugins.module_utils._tls_probe import (
    fetch_peer_certificate,
    fetch_verified_certificate,
    run_probe,
)

# The Docker SDK is needed for ssh:// only (and used for TLS when present); unix:// and
# plain tcp:// checks run on daemon hosts, which have only Python's standard library.
DOCKER_IMPORT_ERROR = None
try:
    import docker
    import requests.adapters
    from docker.constants import MINIMUM_DOCKER_API_VERSION
    from docker.tls import TLSConfig
except ImportError:  # pragma: no cover - reported by main() when a check needs it
    DOCKER_IMPORT_ERROR = traceback.format_exc()
    requests = None

CRYPTOGRAPHY_IMPORT_ERROR = None
try:
    import cryptography  # noqa: F401  pylint: disable=unused-import
except ImportError:  # pragma: no cover - reported by main() when a check needs it
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

# Environment variables with which Python requests replaces the CA it was given.
CA_OVERRIDE_VARIABLES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')
EXPIRY_WARNING_DAYS = 30


def neutralise_ca_environment(environ=None):
    """Remove the variables that let requests replace ca_path; return what was removed.

    Only this module's process is affected. The client also gets trust_env=False, so
    either measure alone keeps the environment from widening the trust.
    """
    environ = os.environ if environ is None else environ
    return dict((name, environ.pop(name)) for name in CA_OVERRIDE_VARIABLES if name in environ)


if requests is not None:
    class ServerNameAdapter(requests.adapters.HTTPAdapter):
        """HTTPS adapter that verifies the certificate against (and sends SNI for) a fixed
        name instead of the dialled host: tls_hostname."""

        def __init__(self, server_name, **kwargs):
            self._server_name = server_name
            super(ServerNameAdapter, self).__init__(**kwargs)

        def init_poolmanager(self, *args, **kwargs):
            kwargs['assert_hostname'] = self._server_name
            kwargs['server_hostname'] = self._server_name
            return super(ServerNameAdapter, self).init_poolmanager(*args, **kwargs)


def build_client(settings):
    """A Docker SDK APIClient for the settings; trusts only ca_path."""
    kwargs = dict(base_url=settings.endpoint.url, version=MINIMUM_DOCKER_API_VERSION,
                  timeout=settings.timeout)
    if settings.tls:
        client_cert = (settings.client_cert, settings.client_key) if settings.client_cert else None
        if settings.validate_certs:
            kwargs['tls'] = TLSConfig(client_cert=client_cert, ca_cert=settings.ca_path,
                                      verify=True)
        else:
            kwargs['tls'] = TLSConfig(client_cert=client_cert, verify=False)
    if settings.endpoint.scheme == 'ssh':
        kwargs['use_ssh_client'] = settings.use_ssh_client
    client = docker.APIClient(**kwargs)
    # requests would take REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE over client.verify, and
    # proxies and .netrc from the environment: a check dials the endpoint itself.
    client.trust_env = False
    if settings.tls and settings.validate_certs and settings.tls_hostname:
        client.mount('https://', ServerNameAdapter(settings.tls_hostname))
    return client


def ping(client):
    """GET /_ping through the SDK (unversioned, as the docker CLI does); returns milliseconds."""
    start = time.monotonic()
    response = client.get(client.base_url + '/_ping', timeout=client.timeout)
    elapsed = (time.monotonic() - start) * 1000.0
    body = response.text.strip()
    if response.status_code != 200 or body != 'OK':
        raise HTTPAnswerError('HTTP %d %s: %s' % (response.status_code, response.reason, body))
    return elapsed


# The name the private known_hosts of ssh_host_keys lists (ssh HostKeyAlias), so the entry
# matches whatever host and port the endpoint dials.
SSH_HOST_KEY_ALIAS = 'dockerd-exposure-endpoint'


def ssh_options(workdir, identity_file=None, host_keys=None):
    """The extra ssh arguments for ssh_identity_file and ssh_host_keys."""
    options = []
    if identity_file:
        options += ['-i', os.path.expanduser(identity_file), '-o', 'IdentitiesOnly=yes']
    if host_keys:
        known_hosts = os.path.join(workdir, 'known_hosts')
        with open(known_hosts, 'w') as handle:
            for key in host_keys:
                handle.write('%s %s\n' % (SSH_HOST_KEY_ALIAS, ' '.join(key.split()[:2])))
        options += ['-o', 'HostKeyAlias=%s' % SSH_HOST_KEY_ALIAS,
                    '-o', 'UserKnownHostsFile=%s' % known_hosts,
                    '-o', 'GlobalKnownHostsFile=/dev/null',
                    '-o', 'StrictHostKeyChecking=yes']
    return options


@contextlib.contextmanager
def ssh_client_wrapper(timeout, workdir, extra_options=()):
    """Put an `ssh` in front of the PATH that runs the real one with BatchMode=yes, a
    ConnectTimeout and extra_options, and appends its stderr to a file; yields that file's
    path.

    The Docker SDK runs `ssh ... docker system dial-stdio` from the PATH and lets its error
    output go to our stderr, where nobody reads it; this keeps it for the message.
    """
    real_ssh = shutil.which('ssh')
    if real_ssh is None:
        raise EndpointError(
            'use_ssh_client is true but there is no ssh client on the PATH (%s); install '
            'openssh-client or set use_ssh_client: false to use paramiko.'
            % os.environ.get('PATH', ''))
    stderr_path = os.path.join(workdir, 'ssh.stderr')
    wrapper = os.path.join(workdir, 'ssh')
    with open(wrapper, 'w') as handle:
        handle.write('#!/bin/sh\nexec %s -o BatchMode=yes -o ConnectTimeout=%d%s "$@" 2>>%s\n'
                     % (shlex.quote(real_ssh), max(1, int(math.ceil(timeout))),
                        ''.join(' ' + shlex.quote(option) for option in extra_options),
                        shlex.quote(stderr_path)))
    os.chmod(wrapper, stat.S_IRWXU)
    old_path = os.environ.get('PATH')
    os.environ['PATH'] = workdir + os.pathsep + (old_path or os.defpath)
    try:
        yield stderr_path
    finally:
        if old_path is None:
            os.environ.pop('PATH', None)
        else:
            os.environ['PATH'] = old_path


def _read_text(path):
    try:
        with open(path, 'r', errors='replace') as handle:
            return handle.read()
    except (IOError, OSError):
        return ''


def _name_of(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def unix_socket_facts(path):
    """Who we are and who owns the socket, for a permission-denied sentence."""
    gids = set(os.getgroups()) | set([os.getegid()])
    facts = dict(user=_name_of(pwd.getpwuid, os.geteuid()),
                 user_groups=sorted(_name_of(grp.getgrgid, gid) for gid in gids))
    try:
        info = os.stat(path)
    except OSError:
        return facts
    facts['socket'] = dict(path=path, owner=_name_of(pwd.getpwuid, info.st_uid),
                           group=_name_of(grp.getgrgid, info.st_gid),
                           mode='%04o' % stat.S_IMODE(info.st_mode))
    try:
        facts['group_members'] = list(grp.getgrgid(info.st_gid).gr_mem)
    except KeyError:
        facts['group_members'] = []
    return facts


def read_peer_certificate(settings):
    """The server certificate summary, or None when no TLS handshake succeeds.

    With cryptography the certificate is read without verifying it, so it is there when
    verification fails too; without it, only a certificate that ca_path verifies can be
    described (by the ssl module).
    """
    endpoint = settings.endpoint
    try:
        if CRYPTOGRAPHY_IMPORT_ERROR is None:
            der = fetch_peer_certificate(endpoint.host, endpoint.port, settings.timeout,
                                         server_hostname=tls_server_name(settings),
                                         client_cert=settings.client_cert,
                                         client_key=settings.client_key)
            return describe_certificate(der, datetime.now(timezone.utc)) if der else None
        if not (settings.validate_certs and settings.ca_path):
            return None
        decoded = fetch_verified_certificate(endpoint.host, endpoint.port, settings.timeout,
                                             settings.ca_path,
                                             server_hostname=tls_server_name(settings),
                                             client_cert=settings.client_cert,
                                             client_key=settings.client_key)
    except Exception:  # the attempt itself explains connection problems
        return None
    return describe_decoded_certificate(decoded, datetime.now(timezone.utc)) if decoded else None


def uses_docker_sdk(settings):
    """Whether this check goes through the Docker SDK: always for ssh://, for TLS when the
    SDK is installed (on the controller), never for unix:// and plain tcp://."""
    if settings.endpoint.scheme == 'ssh':
        return True
    return settings.tls and DOCKER_IMPORT_ERROR is None


def open_connection(settings):
    """A standard-library connection (see _docker_http) for a unix:// or tcp:// check."""
    endpoint = settings.endpoint
    if endpoint.scheme == 'unix':
        return docker_http.connection(settings.timeout, path=endpoint.path)
    context = None
    if settings.tls:
        context = docker_http.tls_context(settings.ca_path if settings.validate_certs else None,
                                          settings.client_cert, settings.client_key)
    return docker_http.connection(settings.timeout, host=endpoint.host, port=endpoint.port,
                                  context=context, server_hostname=settings.tls_hostname)


def ping_and_version(ping_once, read_version):
    """Ping, then read the version; a failed version read after a good ping is only noted."""
    info = dict(latency_ms=round(ping_once(), 2))
    try:
        version = read_version()
    except Exception as exc:  # the ping counts; report what is missing
        info['version_error'] = root_error(exc)
        version = {}
    info.update(server_version=version.get('Version'), api_version=version.get('ApiVersion'),
                os=version.get('Os'))
    return info


def attempt(settings, facts, workdir):
    """Ping and read the version, through the SDK or the standard library.

    Returns (None, info) when reachable, else (Failure, {'error': text}).
    """
    stderr_path = None
    with contextlib.ExitStack() as stack:
        try:
            if settings.endpoint.scheme == 'ssh' and settings.use_ssh_client:
                extra = ssh_options(workdir, settings.ssh_identity_file, settings.ssh_host_keys)
                stderr_path = stack.enter_context(
                    ssh_client_wrapper(settings.timeout, workdir, extra))
            if uses_docker_sdk(settings):
                client = build_client(settings)
                stack.callback(client.close)
                info = ping_and_version(lambda: ping(client),
                                        lambda: client.version(api_version=False))
            else:
                conn = open_connection(settings)
                stack.callback(conn.close)
                info = ping_and_version(lambda: docker_http.ping(conn),
                                        lambda: docker_http.version(conn))
            return None, info
        except EndpointError:
            raise
        except Exception as exc:
            text = exception_text(exc)
            error = root_error(exc)
            ssh_stderr = _read_text(stderr_path).strip() if stderr_path else ''
            if ssh_stderr:
                text = '%s\n%s' % (text, ssh_stderr)
                error = '%s; ssh: %s' % (error, ' | '.join(ssh_stderr.splitlines()))
            failure = classify_failure(settings, text, facts)
            return failure, dict(error=error)


def check_files(params):
    """Sentence for a missing TLS file, or None."""
    for name, what in (('ca_path', "the daemon's CA certificate"),
                       ('client_cert', 'the client certificate'),
                       ('client_key', "the client certificate's key")):
        path = params.get(name)
        if path and not os.path.isfile(path):
            return ('%s %s does not exist or is not a file; give the path of %s (PEM).'
                    % (name, path, what))
        if path and not os.access(path, os.R_OK):
            return ('%s %s cannot be read by this user; fix its permissions or run the check '
                    'as its owner.' % (name, path))
    return None


def run(module, settings, docker_host):
    """All I/O of a check; returns (result dict, failure sentences)."""
    endpoint = settings.endpoint
    neutralise_ca_environment()
    result = dict(changed=False, endpoint=docker_host, reachable=False,
                  outcome=None, server_version=None, api_version=None, os=None,
                  latency_ms=None)
    facts = {}
    if endpoint.scheme == 'unix':
        facts.update(unix_socket_facts(endpoint.path))
    if settings.tls:
        cert = read_peer_certificate(settings)
        result['peer_certificate'] = cert
        if cert:
            facts.update(sans=cert['sans'], issuer=cert['issuer'], not_after=cert['not_after'])
            if cert['days_left'] < EXPIRY_WARNING_DAYS:
                module.warn('The certificate of %s %s on %s; renew it (playbooks/rotate.yml).' % (
                    endpoint.url, 'expired' if cert['days_left'] < 0 else 'expires',
                    cert['not_after']))
        if not settings.validate_certs:
            module.warn('validate_certs is false: the certificate of %s was not verified, so '
                        'this check does not prove whom it talked to.' % endpoint.url)

    workdir = tempfile.mkdtemp(prefix='dockerd-endpoint-check-')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # InsecureRequestWarning with validate_certs=false
            failure, info = attempt(settings, facts, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    if failure is None:
        result.update(reachable=True, outcome='reachable', latency_ms=info['latency_ms'],
                      server_version=info['server_version'], api_version=info['api_version'],
                      os=info['os'])
        if info.get('version_error'):
            module.warn('GET /version failed after a good ping: %s' % info['version_error'])
    else:
        result.update(outcome=failure.outcome, reason=failure.reason, error=info['error'])

    problems = []
    message = expectation_failure(endpoint, settings.expect, result['outcome'], failure,
                                  result['server_version'])
    if message:
        problems.append(message)

    if settings.probes:
        result['probes'] = {}
        for name in settings.probes:
            observation = run_probe(name, endpoint.host, endpoint.port, settings.timeout,
                                    server_hostname=tls_server_name(settings))
            verdict = evaluate_probe(name, observation)
            result['probes'][name] = verdict
            if verdict['outcome'] != 'refused':
                problems.append(probe_failure_sentence(endpoint, name, verdict))

    if problems:
        result['msg'] = ' '.join(problems)
    else:
        result['msg'] = success_sentence(endpoint, result['outcome'], result['server_version'],
                                         result['api_version'], result['latency_ms'], failure)
        if settings.probes:
            result['msg'] += ' Probes refused: %s.' % ', '.join(settings.probes)
    return result, problems


def check_one(module, params):
    """One endpoint: (result, failure sentences, extra fail_json keys)."""
    endpoint = params['docker_host']
    try:
        settings = resolve_settings(params)
    except EndpointError as exc:
        return dict(msg=str(exc), endpoint=endpoint, passed=False), [str(exc)], {}
    # unix:// and plain tcp:// run on daemon hosts, which have neither library; only the
    # checks that need one ask for it.
    if DOCKER_IMPORT_ERROR and settings.endpoint.scheme == 'ssh':
        msg = missing_required_lib(
            'docker[ssh] (Docker SDK for Python 7.x)',
            reason='for ssh:// endpoints, which are checked from the controller '
                   '(delegate_to: localhost) with docker[ssh] installed there')
        return (dict(msg=msg, endpoint=endpoint, passed=False), [msg],
                dict(exception=DOCKER_IMPORT_ERROR))
    if CRYPTOGRAPHY_IMPORT_ERROR and 'foreign_ca' in settings.probes:
        msg = missing_required_lib(
            'cryptography', reason='for the foreign_ca probe, which makes a CA on the spot; '
            'install python3-cryptography or drop that probe')
        return (dict(msg=msg, endpoint=endpoint, passed=False), [msg],
                dict(exception=CRYPTOGRAPHY_IMPORT_ERROR))
    missing = check_files(params)
    if missing:
        return dict(msg=missing, endpoint=endpoint, passed=False), [missing], {}
    try:
        result, problems = run(module, settings, endpoint)
    except EndpointError as exc:
        return dict(msg=str(exc), endpoint=endpoint, passed=False), [str(exc)], {}
    result['passed'] = not problems
    return result, problems, {}


def read_host_keys(paths):
    """'TYPE BASE64' of each readable ssh host key file (comment dropped); others are skipped."""
    keys = []
    for path in paths or []:
        try:
            fields = _read_text(path).split()
        except (IOError, OSError):
            continue
        if len(fields) >= 2:
            keys.append('%s %s' % (fields[0], fields[1]))
    return keys


def batch_params(params, entry):
    """The options of one entry of endpoints: its own, else the module's top-level ones."""
    merged = dict((key, value) for key, value in params.items() if key not in BATCH_ONLY)
    merged.update((key, value) for key, value in entry.items() if value is not None)
    return merged


BATCH_ONLY = ('endpoints', 'read_ssh_host_keys')


def main():
    connection = dict(CONNECTION_ARGUMENT_SPEC)
    # Either one endpoint (docker_host) or several (endpoints).
    connection['docker_host'] = dict(CONNECTION_ARGUMENT_SPEC['docker_host'], required=False)
    entry_spec = dict(
        name=dict(type='str', required=True),
        expect=dict(type='str', choices=list(EXPECTATIONS)),
        probes=dict(type='list', elements='str', choices=list(PROBES)),
        ssh_identity_file=dict(type='path'),
        ssh_host_keys=dict(type='list', elements='str', no_log=False),
    )
    for key, spec in CONNECTION_ARGUMENT_SPEC.items():
        entry_spec[key] = dict((k, v) for k, v in spec.items() if k != 'default')
    entry_spec['docker_host']['required'] = True
    argument_spec = dict(
        expect=dict(type='str', default='reachable', choices=list(EXPECTATIONS)),
        probes=dict(type='list', elements='str', default=[], choices=list(PROBES)),
        ssh_identity_file=dict(type='path'),
        ssh_host_keys=dict(type='list', elements='str', default=[], no_log=False),
        endpoints=dict(type='list', elements='dict', options=entry_spec,
                       required_together=CONNECTION_REQUIRED_TOGETHER),
        read_ssh_host_keys=dict(type='list', elements='path', default=[]),
    )
    argument_spec.update(connection)
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_together=CONNECTION_REQUIRED_TOGETHER,
        mutually_exclusive=[('docker_host', 'endpoints')],
        supports_check_mode=True,
    )
    params = module.params
    if params['endpoints'] is None and params['docker_host'] is None:
        module.fail_json(msg='Give the endpoint to check as docker_host, or several as endpoints '
                             '(a list of {name, docker_host, ...}).', passed=False)
    if params['endpoints'] is None:
        result, problems, extra = check_one(module, batch_params(params, {}))
        if problems:
            result.update(extra)
            module.fail_json(**result)
        module.exit_json(**result)

    names = [entry['name'] for entry in params['endpoints']]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        module.fail_json(msg='endpoints names %s more than once; give each entry its own name.'
                             % ', '.join(twice), passed=False)
    results = {}
    failing = []
    for entry in params['endpoints']:
        result, problems, dummy = check_one(module, batch_params(params, entry))
        results[entry['name']] = result
        if problems:
            failing.append('%s: %s' % (entry['name'], result['msg']))
    answer = dict(changed=False, checks=results, passed=not failing,
                  ssh_host_keys=read_host_keys(params['read_ssh_host_keys']))
    if failing:
        module.fail_json(msg=' '.join(failing), **answer)
    answer['msg'] = ('%d endpoint(s) behaved as expected: %s.' % (len(names), ', '.join(names))
                     if names else 'No endpoint to check.')
    module.exit_json(**answer)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Raw Docker SDK ping latency for `make bench`, the reference next to endpoint_check.

Runs where the module's check runs (on the lab host for unix and loopback tcp, on the
controller for tls and ssh) and prints one JSON object: the milliseconds of
`DockerClient(...).ping()` for --calls calls, each with a new client (connection set-up
included, as endpoint_check and the docker CLI pay it) and with one client reused.

  sdk_ping.py --url unix:///run/docker.sock --calls 20
  sdk_ping.py --url tcp://10.0.0.5:2376 --ca ca.pem --cert cert.pem --key key.pem
  sdk_ping.py --url ssh://ops@10.0.0.5 --ssh-option=-i --ssh-option=KEY ...
"""
import argparse
import json
import os
import shlex
import shutil
import stat
import sys
import tempfile
import time

import docker
from docker.tls import TLSConfig

# The API version endpoint_check pins (no /version round trip before the ping).
try:
    from docker.constants import MINIMUM_DOCKER_API_VERSION as API_VERSION
except ImportError:
    API_VERSION = '1.24'


def ssh_wrapper(options):
    """A directory whose `ssh` runs the real one with BatchMode and the given options; the
    SDK (use_ssh_client=True) runs `ssh` from the PATH. A ControlMaster wrapper already on
    the PATH is the one found as the real ssh, so it stays in the chain."""
    real = shutil.which('ssh')
    if real is None:
        sys.exit('no ssh on the PATH')
    workdir = tempfile.mkdtemp(prefix='dx-bench-ssh-')
    path = os.path.join(workdir, 'ssh')
    with open(path, 'w') as handle:
        handle.write('#!/bin/sh\nexec %s -o BatchMode=yes %s "$@"\n'
                     % (shlex.quote(real), ' '.join(shlex.quote(o) for o in options)))
    os.chmod(path, stat.S_IRWXU)
    os.environ['PATH'] = workdir + os.pathsep + os.environ.get('PATH', os.defpath)
    return workdir


def make_client(args):
    kwargs = dict(base_url=args.url, version=API_VERSION, timeout=args.timeout)
    if args.ca:
        kwargs['tls'] = TLSConfig(client_cert=(args.cert, args.key), ca_cert=args.ca,
                                  verify=True)
    if args.url.startswith('ssh://'):
        kwargs['use_ssh_client'] = True
    client = docker.DockerClient(**kwargs)
    # As endpoint_check does: no CA bundle or proxy from the environment.
    client.api.trust_env = False
    return client


def timed_ping(client):
    start = time.monotonic()
    if client.ping() is not True:
        raise RuntimeError('ping did not answer OK')
    return (time.monotonic() - start) * 1000.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--url', required=True)
    parser.add_argument('--calls', type=int, default=20)
    parser.add_argument('--timeout', type=int, default=10)
    parser.add_argument('--ca')
    parser.add_argument('--cert')
    parser.add_argument('--key')
    parser.add_argument('--ssh-option', action='append', default=[],
                        help='an extra argument for ssh (repeat)')
    args = parser.parse_args(argv)
    if args.url.startswith('ssh://'):
        ssh_wrapper(args.ssh_option)

    fresh = []
    for _ in range(args.calls):
        client = make_client(args)
        try:
            fresh.append(round(timed_ping(client), 2))
        finally:
            client.close()
    reused = []
    client = make_client(args)
    try:
        for _ in range(args.calls):
            reused.append(round(timed_ping(client), 2))
    finally:
        client.close()
    json.dump(dict(sdk_version=docker.__version__, api_version=API_VERSION,
                   fresh_ms=fresh, reused_ms=reused), sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Run dockerd.exposure.endpoint_check against the daemons run.sh prepared.

    .venv/bin/python tests/integration/endpoint_check/check.py ENV_JSON [--only SUBSTRING]

ENV_JSON is written by run.sh (addresses, PKI directory, ssh user home). Every case runs
the module exactly as Ansible would without AnsiballZ (a JSON args file as argv[1]), as
root or, for the non-root cases, as a local user: the runner imports everything as root
(the interpreter lives under /root, which other users cannot read) and then drops to the
user's uid, gid and groups before main() runs, so the kernel checks the socket and ssh
uses that user's ~/.ssh. Prints each case with the module's msg, then latency medians
(20 module runs per mode), and exits 1 if any case did not behave as asserted.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

RUNNER = r'''
import grp, json, os, pwd, sys
user, args_path = sys.argv[1], sys.argv[2]
import ansible_collections.dockerd.exposure.plugins.modules.endpoint_check as module
# Lazily imported modules, loaded while the interpreter's files are still readable.
import encodings.idna, syslog, selectors, subprocess, signal, queue, http.client  # noqa
import docker.transport.sshconn, docker.transport.unixconn, paramiko  # noqa
import cryptography.x509, cryptography.hazmat.primitives.asymmetric.ec  # noqa
import cryptography.hazmat.primitives.serialization, cryptography.x509.oid  # noqa
import ansible.module_utils.common.text.converters, ansible.module_utils.common.warnings  # noqa
import ansible.module_utils.common.parameters, ansible.module_utils.common.validation  # noqa
import ansible.module_utils.common.arg_spec, ansible.module_utils.errors  # noqa
import datetime, ipaddress, shlex, tempfile, shutil, math, stat, uuid, locale  # noqa
if user != 'root':
    pw = pwd.getpwnam(user)
    os.setgroups(os.getgrouplist(user, pw.pw_gid))
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    os.environ.update(HOME=pw.pw_dir, USER=user, LOGNAME=user)
    os.chdir('/')
sys.argv = [module.__file__, args_path]
module.main()
'''


class Runner:
    def __init__(self, env):
        self.env = env
        self.root = env['root']
        self.python = os.path.join(self.root, '.venv', 'bin', 'python')
        self.tmp = tempfile.mkdtemp(prefix='args-', dir=env['work'])
        os.chmod(self.tmp, 0o755)
        self.count = 0

    def run(self, args, user='root', check_mode=False, extra_env=None):
        self.count += 1
        path = os.path.join(self.tmp, 'args-%d.json' % self.count)
        params = dict(args)
        params['_ansible_check_mode'] = check_mode
        with open(path, 'w') as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': params}, handle)
        os.chmod(path, 0o644)
        environ = dict(os.environ)
        environ['PYTHONPATH'] = os.path.join(self.root, '.cache', 'collections')
        environ.update(extra_env or {})
        proc = subprocess.run([self.python, '-c', RUNNER, user, path], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120,
                              check=False)
        out = proc.stdout.decode('utf-8', 'replace')
        try:
            return json.loads(out[out.index('{'):])
        except ValueError:
            return dict(failed=True, msg='module printed no JSON (rc %d): %s %s' % (
                proc.returncode, out[-2000:], proc.stderr.decode('utf-8', 'replace')[-2000:]))


def main():
    env = json.load(open(sys.argv[1]))
    only = sys.argv[sys.argv.index('--only') + 1] if '--only' in sys.argv else None
    runner = Runner(env)
    pki = env['pki']
    tls_ip = env['tls_ip']
    plain_ip = env['plain_ip']
    tls_files = dict(ca_path='%s/ca.pem' % pki, client_cert='%s/cert.pem' % pki,
                     client_key='%s/key.pem' % pki)
    sans = 'DNS:ec-tls, DNS:localhost, IP:%s, IP:127.0.0.1' % tls_ip
    unused_ip = tls_ip.rsplit('.', 1)[0] + '.250'

    # name, args, user, expectations (failed, outcome, reason, msg substrings), options
    cases = [
        ('unix: host engine answers', dict(docker_host='unix:///var/run/docker.sock'), 'root',
         dict(failed=False, outcome='reachable')),
        ('unix: check mode runs the same check',
         dict(docker_host='unix:///var/run/docker.sock'), 'root',
         dict(failed=False, outcome='reachable', changed=False), dict(check_mode=True)),
        ('unix: missing socket is refused (expect refused)',
         dict(docker_host='unix:///var/run/ec-missing.sock', expect='refused'), 'root',
         dict(failed=False, outcome='refused', reason='no_socket')),
        ('unix: missing socket fails expect reachable',
         dict(docker_host='unix:///var/run/ec-missing.sock'), 'root',
         dict(failed=True, outcome='refused', msg=['/var/run/ec-missing.sock does not exist'])),
        ('unix: non-root user outside group docker',
         dict(docker_host='unix:///var/run/docker.sock'), 'ec-nosock',
         dict(failed=True, outcome='unauthorized', reason='permission_denied',
              msg=['ec-nosock may not use /var/run/docker.sock (owner root, group docker, '
                   'mode 0660)', 'add ec-nosock to group docker'])),
        ('unix: non-root user, expect unauthorized',
         dict(docker_host='unix:///var/run/docker.sock', expect='unauthorized'), 'ec-nosock',
         dict(failed=False, outcome='unauthorized')),

        ('tls: client cert via container IP, all probes refused',
         dict(docker_host='tcp://%s:2376' % tls_ip,
              probes=['no_client_cert', 'foreign_ca', 'plain_http'], **tls_files), 'root',
         dict(failed=False, outcome='reachable',
              probes_refused=['no_client_cert', 'foreign_ca', 'plain_http'])),
        ('tls: via published port and the SAN localhost',
         dict(docker_host='tcp://localhost:23760', **tls_files), 'root',
         dict(failed=False, outcome='reachable')),
        ('tls: address outside the SANs, tls_hostname names a SAN',
         dict(docker_host='tcp://127.0.0.2:23761', tls_hostname='localhost', **tls_files), 'root',
         dict(failed=False, outcome='reachable')),
        ('tls: address outside the SANs',
         dict(docker_host='tcp://127.0.0.2:23761', **tls_files), 'root',
         dict(failed=True, outcome='error', reason='san_mismatch',
              msg=["The certificate of tcp://127.0.0.2:23761 is valid for %s, not for "
                   "'127.0.0.2'; add it to dockerd_tls_extra_sans or dial a listed name." % sans])),
        ('tls: tls_hostname outside the SANs',
         dict(docker_host='tcp://%s:2376' % tls_ip, tls_hostname='ec-tls.example', **tls_files),
         'root',
         dict(failed=True, reason='san_mismatch', msg=["not for 'ec-tls.example' (tls_hostname)"])),
        ('tls: validate_certs false skips the name check',
         dict(docker_host='tcp://127.0.0.2:23761', validate_certs=False,
              client_cert=tls_files['client_cert'], client_key=tls_files['client_key']), 'root',
         dict(failed=False, outcome='reachable', warning='validate_certs is false')),
        ('tls: no client certificate, expect unauthorized',
         dict(docker_host='tcp://%s:2376' % tls_ip, ca_path=tls_files['ca_path'],
              expect='unauthorized'), 'root',
         dict(failed=False, outcome='unauthorized', reason='no_client_cert')),
        ('tls: no client certificate, expect reachable',
         dict(docker_host='tcp://%s:2376' % tls_ip, ca_path=tls_files['ca_path']), 'root',
         dict(failed=True, outcome='unauthorized',
              msg=['refused the connection because no client certificate was presented'])),
        ('tls: client certificate from a foreign CA',
         dict(docker_host='tcp://%s:2376' % tls_ip, ca_path=tls_files['ca_path'],
              client_cert='%s/other-cert.pem' % pki, client_key='%s/other-key.pem' % pki),
         'root',
         dict(failed=True, outcome='unauthorized', reason='client_cert_rejected',
              msg=['refused the client certificate'])),
        ('tls: ca_path is not the daemon CA',
         dict(docker_host='tcp://%s:2376' % tls_ip, ca_path='%s/other-ca.pem' % pki,
              client_cert=tls_files['client_cert'], client_key=tls_files['client_key']), 'root',
         dict(failed=True, outcome='error', reason='server_cert_untrusted',
              msg=['is not signed by the CA in ca_path'])),
        ('tls: REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE naming the daemon CA do not widen the trust',
         dict(docker_host='tcp://%s:2376' % tls_ip, ca_path='%s/other-ca.pem' % pki,
              client_cert=tls_files['client_cert'], client_key=tls_files['client_key']), 'root',
         dict(failed=True, outcome='error', reason='server_cert_untrusted'),
         dict(extra_env=dict(REQUESTS_CA_BUNDLE=tls_files['ca_path'],
                             CURL_CA_BUNDLE=tls_files['ca_path']))),
        ('tls: the machine-wide REQUESTS_CA_BUNDLE does not replace ca_path',
         dict(docker_host='tcp://%s:2376' % tls_ip, **tls_files), 'root',
         dict(failed=False, outcome='reachable'),
         dict(extra_env=dict(REQUESTS_CA_BUNDLE='/etc/ssl/certs/ca-certificates.crt',
                             CURL_CA_BUNDLE='/etc/ssl/certs/ca-certificates.crt'))),
        ('tls: TLS port dialled in plain HTTP',
         dict(docker_host='tcp://%s:2376' % tls_ip), 'root',
         dict(failed=True, outcome='error', reason='tls_port_without_tls',
              msg=['speaks TLS, but it was dialled in plain HTTP'])),
        ('tls: plain TCP port dialled with TLS',
         dict(docker_host='tcp://%s:2375' % plain_ip, **tls_files), 'root',
         dict(failed=True, outcome='error', reason='plain_port_with_tls',
              msg=['answered in plain text, not TLS'])),
        ('tls: probes on a plain endpoint are refused as a parameter error',
         dict(docker_host='tcp://%s:2375' % plain_ip, probes=['plain_http']), 'root',
         dict(failed=True, msg=['only apply to a TLS endpoint'])),

        ('tcp: plain TCP answers', dict(docker_host='tcp://%s:2375' % plain_ip), 'root',
         dict(failed=False, outcome='reachable')),
        ('tcp: closed port, expect refused',
         dict(docker_host='tcp://%s:2376' % plain_ip, expect='refused'), 'root',
         dict(failed=False, outcome='refused', reason='connection_refused')),
        ('tcp: closed port, expect reachable',
         dict(docker_host='tcp://%s:2376' % plain_ip), 'root',
         dict(failed=True, outcome='refused',
              msg=['Connection to %s port 2376 was refused' % plain_ip])),
        ('tcp: open port, expect refused',
         dict(docker_host='tcp://%s:2375' % plain_ip, expect='refused'), 'root',
         dict(failed=True, outcome='reachable', msg=['but should refuse connections'])),
        ('tcp: silent address times out',
         dict(docker_host='tcp://%s:2375' % unused_ip, timeout=2), 'root',
         dict(failed=True, outcome='refused', reason='timeout',
              msg=['%s port 2375 did not answer within 2 s' % unused_ip])),

        ('ssh: user in group docker, by address',
         dict(docker_host='ssh://ecops@%s' % plain_ip), 'ec-sshop',
         dict(failed=False, outcome='reachable')),
        ('ssh: by ssh config alias with ControlMaster',
         dict(docker_host='ssh://ecops@ec-plain-cm'), 'ec-sshop',
         dict(failed=False, outcome='reachable')),
        ('ssh: paramiko (use_ssh_client false)',
         dict(docker_host='ssh://ecops@%s' % plain_ip, use_ssh_client=False), 'ec-sshop',
         dict(failed=False, outcome='reachable')),
        ('ssh: unknown host key',
         dict(docker_host='ssh://ecops@ec-plain-nokey'), 'ec-sshop',
         dict(failed=True, outcome='error', reason='ssh_host_key',
              msg=['Host key verification failed'])),
        ('ssh: unknown host key (paramiko)',
         dict(docker_host='ssh://ecops@%s' % plain_ip, use_ssh_client=False), 'ec-nosock',
         dict(failed=True, reason='ssh_host_key', msg=['Host key verification failed'])),
        ('ssh: login refused',
         dict(docker_host='ssh://nobody@%s' % plain_ip), 'ec-sshop',
         dict(failed=True, outcome='unauthorized', reason='ssh_auth',
              msg=['refused the ssh login of nobody'])),
        ('ssh: user outside group docker on the daemon host',
         dict(docker_host='ssh://nodock@%s' % plain_ip), 'ec-sshop',
         dict(failed=True, outcome='unauthorized', reason='ssh_socket_permission',
              msg=['nodock may not use the Docker socket there'])),
        ('ssh: no sshd on that port',
         dict(docker_host='ssh://ecops@%s:2222' % plain_ip), 'ec-sshop',
         dict(failed=True, outcome='refused', reason='connection_refused',
              msg=['ssh connection to %s port 2222 was refused' % plain_ip])),
    ]

    bad = 0
    for case in cases:
        name, args, user, want = case[:4]
        opts = case[4] if len(case) > 4 else {}
        if only and only not in name:
            continue
        result = runner.run(args, user=user, **opts)
        problems = []
        if bool(result.get('failed')) != want['failed']:
            problems.append('failed=%s' % result.get('failed'))
        for key in ('outcome', 'reason', 'changed'):
            if key in want and result.get(key) != want[key]:
                problems.append('%s=%r (wanted %r)' % (key, result.get(key), want[key]))
        for text in want.get('msg', []):
            if text not in (result.get('msg') or ''):
                problems.append('msg lacks %r' % text)
        for probe in want.get('probes_refused', []):
            outcome = (result.get('probes') or {}).get(probe, {}).get('outcome')
            if outcome != 'refused':
                problems.append('probe %s: %s' % (probe, outcome))
        warnings = [w if isinstance(w, str) else (w.get('event') or {}).get('msg', str(w))
                    for w in result.get('warnings', [])]  # ansible-core 2.19: structured
        if 'warning' in want and not any(want['warning'] in w for w in warnings):
            problems.append('no warning %r' % want['warning'])
        bad += bool(problems)
        print('%s %s [%s]' % ('FAIL' if problems else 'ok  ', name, user))
        print('     outcome=%s reason=%s failed=%s latency_ms=%s' % (
            result.get('outcome'), result.get('reason'), bool(result.get('failed')),
            result.get('latency_ms')))
        print('     msg: %s' % result.get('msg'))
        if result.get('error'):
            print('     error: %s' % result.get('error'))
        for probe, verdict in sorted((result.get('probes') or {}).items()):
            print('     probe %s: %s - %s' % (probe, verdict['outcome'], verdict['detail']))
        if result.get('peer_certificate'):
            print('     peer: %s' % json.dumps(result['peer_certificate'], sort_keys=True))
        for problem in problems:
            print('     PROBLEM: %s' % problem)

    if '--no-latency' not in sys.argv and not only:
        print('\nlatency_ms, median of 20 pings (one module run each; connection setup included):')
        modes = [
            ('unix', dict(docker_host='unix:///var/run/docker.sock'), 'root'),
            ('tcp', dict(docker_host='tcp://%s:2375' % plain_ip), 'root'),
            ('tls', dict(docker_host='tcp://%s:2376' % tls_ip, **tls_files), 'root'),
            ('ssh (ssh client)', dict(docker_host='ssh://ecops@%s' % plain_ip), 'ec-sshop'),
            ('ssh (ssh client, ControlMaster)', dict(docker_host='ssh://ecops@ec-plain-cm'),
             'ec-sshop'),
            ('ssh (paramiko)', dict(docker_host='ssh://ecops@%s' % plain_ip,
                                    use_ssh_client=False), 'ec-sshop'),
        ]
        for label, args, user in modes:
            values = []
            for _ in range(20):
                result = runner.run(args, user=user)
                if result.get('failed'):
                    print('FAIL latency run %s: %s' % (label, result.get('msg')))
                    bad += 1
                    break
                values.append(result['latency_ms'])
            if values:
                print('  %-34s median %8.2f  min %8.2f  max %8.2f' % (
                    label, statistics.median(values), min(values), max(values)))

    print('\n%d case(s) failed' % bad if bad else '\nall cases passed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())

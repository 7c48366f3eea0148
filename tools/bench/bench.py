#!/usr/bin/env python3
"""`make bench`: measure dockerd.exposure on the local lab, within a time budget.

Parts (BENCH_PARTS, default "compare scale"):

compare  on BENCH_HOSTS fresh lab hosts (stock Debian with docker.io, reached over ssh as
         the lab's sudo account, as playbooks/lab.yml sets them up), in this order:
         `ansible -m setup`; the minimal hand-written play (tools/bench/peer.yml: daemon.json,
         an ExecStart drop-in, a restart handler) first run, rerun, rerun with pipelining;
         the hosts put back as they were; playbooks/expose.yml first run, rerun, rerun with
         pipelining; then, over docker exec (community.docker.docker, same account and
         sudo), `ansible -m setup` and the main job's rerun without and with pipelining.
         Every run is counted per host by tools/bench/callback_plugins/bench_count.py:
         task headers, task results, tasks that ran a module on the host, module calls on
         the host and on the controller, commands and file puts over the connection.
scale    playbooks/expose.yml first run and rerun on fresh labs of each BENCH_SIZES host
         count (default "1 8"), forks at least the host count, for the N hosts / 1 host ratio.
availability, latency
         the older parts, on a lab of their own (one host with every mode, one for the peer
         approach): GET /_ping every few ms while dockerd restarts (tools/bench/prober.py),
         a container across the restart, endpoint_check latency vs. a raw SDK ping.

Prints the figures and, at the end, the issue's ratios as a table; writes
results/bench-<timestamp>.json, results/bench-latest.json and results/bench-<timestamp>.log
(the output of every command). It replaces the lab (make lab) with its own and removes it at
the end unless BENCH_KEEP_LAB=1. Wall-clock figures depend on the machine's load, which is
printed with every run.

Knobs (environment): BENCH_PARTS="compare scale", BENCH_HOSTS=3, BENCH_SIZES="1 8",
BENCH_FORKS=8, BENCH_MODES="" (empty: the lab's per-host mode mixes; else the modes every
host is given), BENCH_DOCKER_EXEC=1, BENCH_BUDGET=2400 (seconds; a part that would start
after it is skipped and listed), BENCH_CALLS=20, BENCH_INTERVAL_MS=15, BENCH_KEEP_LAB=0.
"""
import collections
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'tools', 'bench')
INVENTORY = os.path.join(ROOT, 'lab', 'inventory.yml')
# Same directory as the lab's inventory, so inventory_dir is the same for both.
DOCKER_INVENTORY = os.path.join(ROOT, 'lab', 'inventory-docker-exec.yml')
PREFIX = 'dx-lab-'
REMOTE = '/tmp/dx-bench'
PARTS = ('compare', 'scale', 'availability', 'latency')

RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')

# What the minimal play writes, saved before it runs and put back after it (the main job
# must start from the same stock hosts).
SNAPSHOT = ('cd / && ls -d etc/docker etc/systemd/system/docker.service.d > /tmp/dx-bench-orig.list'
            ' 2>/dev/null; tar -cf /tmp/dx-bench-orig.tar -T /tmp/dx-bench-orig.list')
RESTORE = ('cd / && rm -rf etc/docker etc/systemd/system/docker.service.d && tar -xpf /tmp/dx-bench-orig.tar'
           ' && systemctl daemon-reload && systemctl stop docker.service docker.socket'
           # dockerd with -H unix:// removed the socket file docker.socket had made: start both anew.
           ' && { systemctl reset-failed docker.service docker.socket; systemctl start docker.socket docker.service; }'
           ' && for i in $(seq 60); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done; docker info')


class OutOfBudget(Exception):
    """The next part would start after the budget."""


def count(log_path, hosts):
    """Per host figures of one run from bench_count's JSON lines."""
    headers, per = 0, collections.OrderedDict((h, collections.Counter()) for h in hosts)
    results, modules_on_host = {}, collections.defaultdict(set)
    module_names = collections.defaultdict(collections.Counter)
    if os.path.exists(log_path):
        with open(log_path) as handle:
            for line in handle:
                e = json.loads(line)
                if e['kind'] == 'header':
                    headers += 1
                    continue
                host = e.get('host')
                if host not in per:
                    continue
                c = per[host]
                if e['kind'] == 'result':
                    results[(host, e['task'])] = e
                    c['tasks'] += 1
                    c[e['status']] += 1
                    c['changed'] += e['changed']
                elif e['kind'] == 'module':
                    where = 'remote' if e['remote'] else 'controller'
                    c['module_' + where] += 1
                    if e['remote']:
                        modules_on_host[host].add(e['task'])
                        module_names[host]['%s (%s)' % (e['task_name'], e['module'])] += 1
                elif e['remote']:
                    c[e['kind']] += 1
    out = collections.OrderedDict()
    for host, c in per.items():
        on_host = sum(1 for (h, task), r in results.items() if h == host and task in modules_on_host[host])
        out[host] = dict(
            tasks=c['tasks'], ok=c['ok'], changed=c['changed'], skipped=c['skipped'],
            failed=c['failed'] + c['unreachable'], tasks_module_on_host=on_host,
            tasks_controller_only=c['tasks'] - c['skipped'] - on_host,
            module_calls_remote=c['module_remote'], module_calls_controller=c['module_controller'],
            remote_commands=c['exec'], remote_puts=c['put'],
            round_trips=c['exec'] + c['put'], modules=dict(module_names[host].most_common()))
    return headers, out


class Bench(object):
    def __init__(self):
        env = os.environ
        self.parts = env.get('BENCH_PARTS', 'compare scale').replace(',', ' ').split()
        self.hosts = int(env.get('BENCH_HOSTS', '3'))
        self.sizes = sorted(set(int(s) for s in env.get('BENCH_SIZES', '1 8').split()))
        self.forks = int(env.get('BENCH_FORKS', '8'))
        self.calls = int(env.get('BENCH_CALLS', '20'))
        self.budget = float(env.get('BENCH_BUDGET', '2400'))
        self.interval_ms = float(env.get('BENCH_INTERVAL_MS', '15'))
        self.modes = env.get('BENCH_MODES', '').replace(',', ' ').split()
        self.docker_exec = env.get('BENCH_DOCKER_EXEC', '1') == '1'
        self.keep_lab = env.get('BENCH_KEEP_LAB', '0') == '1'
        unknown = [p for p in self.parts if p not in PARTS]
        if unknown or not self.parts:
            sys.exit('BENCH_PARTS=%r: give some of %s, e.g. BENCH_PARTS="compare scale".'
                     % (env.get('BENCH_PARTS'), ' '.join(PARTS)))
        if not 1 <= self.hosts <= 16:
            sys.exit('BENCH_HOSTS=%r: give a host count from 1 to 16, e.g. 3.' % env.get('BENCH_HOSTS'))
        if not self.sizes or min(self.sizes) < 1 or max(self.sizes) > 16:
            sys.exit('BENCH_SIZES=%r: give host counts from 1 to 16, e.g. BENCH_SIZES="1 8".'
                     % env.get('BENCH_SIZES'))
        if self.forks < 1 or self.calls < 1:
            sys.exit('BENCH_FORKS=%r, BENCH_CALLS=%r: give positive numbers.'
                     % (env.get('BENCH_FORKS'), env.get('BENCH_CALLS')))
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
        self.results_dir = os.path.join(ROOT, 'results')
        self.work = os.path.join(ROOT, '.cache', 'bench', self.stamp)
        os.makedirs(self.results_dir, exist_ok=True)
        os.makedirs(self.work, exist_ok=True)
        self.log_path = os.path.join(self.results_dir, 'bench-%s.log' % self.stamp)
        self.log = open(self.log_path, 'w')
        self.start = time.monotonic()
        self.deadline = self.start + self.budget
        self.pki = None
        self.counter = 0
        self.result = dict(started=self.stamp, settings=dict(
            parts=self.parts, hosts=self.hosts, sizes=self.sizes, forks=self.forks,
            calls=self.calls, budget_s=self.budget, interval_ms=self.interval_ms,
            modes=self.modes or 'lab mixes', docker_exec=self.docker_exec),
            runs=[], scale=[], skipped=[], errors=[])

    # -- helpers -------------------------------------------------------------------------
    def say(self, text):
        line = '[bench %6.0fs] %s' % (time.monotonic() - self.start, text)
        print(line, flush=True)
        self.log.write(line + '\n')
        self.log.flush()

    def remaining(self):
        return self.deadline - time.monotonic()

    def need(self, seconds, what):
        """Raise OutOfBudget unless `seconds` are left for `what`."""
        if self.remaining() < seconds:
            raise OutOfBudget('%s (needs ~%ds, %ds left)' % (what, seconds, max(0, self.remaining())))

    def run(self, argv, timeout=600, check=True, env=None):
        """Run a command, its output to the log; returns (seconds, rc, output)."""
        timeout = max(10, min(timeout, self.remaining() + 120))
        self.log.write('\n$ %s\n' % ' '.join(argv))
        self.log.flush()
        began = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout,
                                  env=dict(os.environ, ANSIBLE_NOCOLOR='1', **(env or {})))
            output, rc = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            output, rc = (exc.stdout or '') + '\n[bench] timed out after %ds' % timeout, 124
        seconds = time.monotonic() - began
        self.log.write(output)
        self.log.write('[rc=%d, %.2fs]\n' % (rc, seconds))
        self.log.flush()
        if check and rc != 0:
            tail = '\n'.join(output.strip().splitlines()[-15:])
            raise RuntimeError('%s failed (rc=%d) after %.1fs:\n%s'
                               % (' '.join(argv[:4]), rc, seconds, tail))
        return seconds, rc, output

    def on_host(self, host, command, check=True):
        return self.run(['docker', 'exec', host, 'sh', '-c', command], timeout=180,
                        check=check)[2].strip()

    def measure(self, label, what, argv, hosts, connection='ssh', pipelining=False, timeout=1500):
        """One counted, timed run; its row goes to result['runs'] and is printed at once."""
        self.counter += 1
        log = os.path.join(self.work, 'count-%02d.jsonl' % self.counter)
        env = dict(ANSIBLE_CALLBACK_PLUGINS=os.path.join(BENCH, 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='bench_count', ANSIBLE_LOAD_CALLBACK_PLUGINS='1',
                   BENCH_COUNT_LOG=log, ANSIBLE_PIPELINING='True' if pipelining else 'False')
        load = os.getloadavg()[0]
        seconds, _, output = self.run(argv, timeout=timeout, env=env)
        headers, per_host = count(log, hosts)
        changed = sum(int(m.group(3)) for m in map(RECAP.match, output.splitlines())
                      if m and m.group(1) in hosts)
        row = dict(label=label, what=what, connection=connection, pipelining=pipelining,
                   hosts=len(hosts), seconds=round(seconds, 2), changed=changed, headers=headers,
                   load1_before=round(load, 2), load1_after=round(os.getloadavg()[0], 2),
                   per_host=per_host, count_log=os.path.relpath(log, ROOT))
        self.result['runs'].append(row)
        self.say('%-34s %7.1fs  changed %3d  headers %4d  per host: tasks %s, module calls on host %s, '
                 'round trips %s  (load %.1f)'
                 % (label, seconds, changed, headers, slashed(per_host, 'tasks'),
                    slashed(per_host, 'module_calls_remote'), slashed(per_host, 'round_trips'), load))
        return row

    def playbook_argv(self, playbook, hosts, inventory=INVENTORY, extra=(), forks=None):
        argv = ['ansible-playbook', '-i', inventory, playbook, '-e', '@' + self.vars_file,
                '--limit', ','.join(hosts), '-f', str(forks or max(self.forks, len(hosts)))]
        for item in extra:
            argv += ['-e', item]
        return argv

    def setup_argv(self, hosts, inventory=INVENTORY):
        return ['ansible', '-i', inventory, 'docker_daemons', '--limit', ','.join(hosts),
                '-f', str(max(self.forks, len(hosts))), '-m', 'ansible.builtin.setup']

    def lab(self, hosts):
        self.run(['ansible-playbook', os.path.join('playbooks', 'lab.yml'),
                  '-e', 'dockerd_lab_state=absent'], timeout=300)
        if os.path.exists(DOCKER_INVENTORY):
            os.remove(DOCKER_INVENTORY)
        if hosts:
            self.run(['ansible-playbook', os.path.join('playbooks', 'lab.yml'),
                      '-e', 'dockerd_lab_hosts=%d' % hosts], timeout=900)

    def use_pki(self, name, modes=None):
        """A fresh PKI directory for the bench's hosts (the lab's own lab/pki is left alone)."""
        self.pki = os.path.join(self.work, 'pki-%s' % name)
        self.vars_file = os.path.join(self.work, 'vars-%s.json' % name)
        settings = dict(dockerd_tls_pki_dir=self.pki)
        if modes or self.modes:
            settings['dockerd_expose'] = modes or self.modes
        with open(self.vars_file, 'w') as handle:
            json.dump(settings, handle)

    def docker_exec_inventory(self, hosts):
        """The lab's inventory with community.docker.docker instead of ssh: same hosts, same
        account (docker exec -u deploy) and sudo, ansible_host kept for the endpoints."""
        with open(INVENTORY) as handle:
            inventory = yaml.safe_load(handle)
        group = inventory['all']['children']['docker_daemons']
        for key in [k for k in group['vars'] if k.startswith('ansible_ssh_')]:
            del group['vars'][key]
        group['vars']['ansible_connection'] = 'community.docker.docker'
        for name in hosts:
            group['hosts'][name]['ansible_docker_host'] = name
        with open(DOCKER_INVENTORY, 'w') as handle:
            handle.write('# Written by tools/bench/bench.py from inventory.yml: docker exec instead of ssh.\n')
            yaml.safe_dump(inventory, handle, default_flow_style=False, sort_keys=False)
        return DOCKER_INVENTORY

    def main_pid(self, host):
        return self.on_host(host, 'systemctl show -p MainPID --value docker.service')

    # -- facts ---------------------------------------------------------------------------
    def machine(self):
        def read(cmd):
            try:
                return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      universal_newlines=True, timeout=30).stdout.strip()
            except (OSError, subprocess.TimeoutExpired):
                return None
        mem_kib = 0
        with open('/proc/meminfo') as handle:
            for line in handle:
                if line.startswith('MemTotal:'):
                    mem_kib = int(line.split()[1])
        cpu = None
        with open('/proc/cpuinfo') as handle:
            for line in handle:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
        dirty = read(['git', 'status', '--porcelain', '--untracked-files=no'])
        return dict(
            nproc=os.cpu_count(), cpu=cpu, ram_gib=round(mem_kib / 1048576.0, 1),
            kernel=platform.release(), python=platform.python_version(),
            docker=read(['docker', 'version', '--format', '{{.Server.Version}}']),
            ansible=(read(['ansible', '--version']) or '').splitlines()[0:1],
            git_commit=read(['git', 'rev-parse', 'HEAD']), git_dirty=bool(dirty),
            load_start=list(os.getloadavg()), other_containers_start=self.other_containers())

    def other_containers(self):
        """Running containers that are not the bench's lab (other sessions' Molecule hosts)."""
        try:
            out = subprocess.run(['docker', 'ps', '-q', '--filter', 'status=running'], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, universal_newlines=True, timeout=30).stdout.split()
            ours = subprocess.run(['docker', 'ps', '-q', '--filter', 'label=dockerd-exposure.role=lab'],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  universal_newlines=True, timeout=30).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            return None
        return len(set(out) - set(ours))

    # -- compare ---------------------------------------------------------------------------
    def compare(self):
        """The issue's comparison on BENCH_HOSTS fresh hosts, everything in one run."""
        n = self.hosts
        self.need(600, 'compare on %d host(s)' % n)
        self.say('compare on %d host(s): new lab' % n)
        self.lab(n)
        hosts = ['%s%d' % (PREFIX, i) for i in range(1, n + 1)]
        self.use_pki('compare-%d' % n)
        peer = os.path.join(BENCH, 'peer.yml')
        peer_extra = ['bench_hosts=docker_daemons', 'bench_peer_pki=%s' % os.path.join(self.work, 'peer-pki')]
        expose = os.path.join('playbooks', 'expose.yml')
        self.measure('setup (ssh)', 'setup', self.setup_argv(hosts), hosts)
        for host in hosts:
            self.on_host(host, SNAPSHOT)
        self.measure('minimal play first run (ssh)', 'minimal_first',
                     self.playbook_argv(peer, hosts, extra=peer_extra), hosts)
        self.measure('minimal play rerun (ssh)', 'minimal_rerun',
                     self.playbook_argv(peer, hosts, extra=peer_extra), hosts)
        self.measure('minimal play rerun (ssh, pipelining)', 'minimal_rerun',
                     self.playbook_argv(peer, hosts, extra=peer_extra), hosts, pipelining=True)
        self.say('putting the hosts back as they were before the minimal play')
        for host in hosts:
            self.on_host(host, RESTORE)
        self.measure('expose.yml first run (ssh)', 'first', self.playbook_argv(expose, hosts), hosts)
        self.measure('expose.yml rerun (ssh)', 'rerun', self.playbook_argv(expose, hosts), hosts)
        self.measure('expose.yml rerun (ssh, pipelining)', 'rerun', self.playbook_argv(expose, hosts),
                     hosts, pipelining=True)
        if self.docker_exec:
            self.need(300, 'compare over docker exec')
            inventory = self.docker_exec_inventory(hosts)
            self.measure('setup (docker exec)', 'setup', self.setup_argv(hosts, inventory), hosts,
                         connection='docker exec')
            self.measure('expose.yml rerun (docker exec)', 'rerun',
                         self.playbook_argv(expose, hosts, inventory), hosts, connection='docker exec')
            self.measure('expose.yml rerun (docker exec, pipelining)', 'rerun',
                         self.playbook_argv(expose, hosts, inventory), hosts, connection='docker exec',
                         pipelining=True)

    # -- scale -----------------------------------------------------------------------------
    def scale(self):
        """expose.yml first run and rerun per lab size, forks at least the host count."""
        for n in self.sizes:
            forks = max(self.forks, n)
            reuse = [r for r in self.result['runs'] if r['hosts'] == n and r['connection'] == 'ssh'
                     and not r['pipelining'] and r['what'] in ('first', 'rerun')]
            if n == self.hosts and len(reuse) == 2 and forks == max(self.forks, self.hosts):
                row = dict(hosts=n, forks=forks, from_compare=True)
            else:
                self.need(240 + 60 * n, 'scale on %d host(s)' % n)
                self.say('scale %d host(s), forks %d: new lab' % (n, forks))
                self.lab(n)
                hosts = ['%s%d' % (PREFIX, i) for i in range(1, n + 1)]
                self.use_pki('scale-%d' % n)
                expose = os.path.join('playbooks', 'expose.yml')
                reuse = [self.measure('scale %d: expose.yml first run' % n, 'first',
                                      self.playbook_argv(expose, hosts, forks=forks), hosts),
                         self.measure('scale %d: expose.yml rerun' % n, 'rerun',
                                      self.playbook_argv(expose, hosts, forks=forks), hosts)]
                row = dict(hosts=n, forks=forks, from_compare=False)
            for r in reuse:
                row['%s_s' % r['what']] = r['seconds']
                row['%s_changed' % r['what']] = r['changed']
                row['%s_load1' % r['what']] = r['load1_before']
                row['%s_max_module_calls_per_host' % r['what']] = max(
                    h['module_calls_remote'] for h in r['per_host'].values())
            self.result['scale'].append(row)

    # -- availability and latency: a lab of their own ----------------------------------------
    def extras(self):
        ours, peer = '%s1' % PREFIX, '%s2' % PREFIX
        self.need(600, 'availability/latency lab')
        self.say('availability/latency: new lab of 2 hosts, every mode on %s' % ours)
        self.lab(2)
        self.use_pki('extras', modes=['unix', 'tcp', 'tls', 'ssh'])
        self.run(self.playbook_argv(os.path.join('playbooks', 'expose.yml'), [ours]), timeout=1500)
        for name in ('availability', 'latency'):
            if name not in self.parts:
                continue
            try:
                self.availability(ours, peer) if name == 'availability' else self.latency(ours)
            except (OutOfBudget, RuntimeError) as exc:
                self.note(exc, name)

# -- 2. availability -------------------------------------------------------------------
    def stage(self, host):
        """Copy the prober and the admin client bundle to the host."""
        self.on_host(host, 'rm -rf %s && mkdir -p -m 0700 %s' % (REMOTE, REMOTE))
        self.run(['docker', 'cp', os.path.join(BENCH, 'prober.py'), '%s:%s/prober.py' % (host, REMOTE)])
        for name in ('ca.pem', 'cert.pem', 'key.pem'):
            self.run(['docker', 'cp', os.path.join(self.pki, 'clients', 'admin', name),
                      '%s:%s/%s' % (host, REMOTE, name)])
        self.on_host(host, 'chmod 0600 %s/key.pem' % REMOTE)

    def probe(self, label, host, action, lead=2.0, tail=2.0):
        """Run the prober on `host` from `lead` seconds before `action()` to `tail` after."""
        self.need(120, 'availability: %s' % label)
        # docker.service allows 3 starts a minute; the bench restarts on purpose, often.
        self.on_host(host, 'systemctl reset-failed docker.service docker.socket')
        stop = '%s/stop-%d' % (REMOTE, int(time.time() * 1000))
        pid_before = self.main_pid(host)
        prober = subprocess.Popen(
            ['docker', 'exec', host, 'python3', REMOTE + '/prober.py', '--unix', '/run/docker.sock',
             '--tls', '127.0.0.1:2376', '--ca', REMOTE + '/ca.pem', '--cert', REMOTE + '/cert.pem',
             '--key', REMOTE + '/key.pem', '--interval-ms', str(self.interval_ms),
             '--stop-file', stop, '--max-seconds', str(max(60, int(self.remaining())))],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        try:
            time.sleep(lead)
            if prober.poll() is not None:
                raise RuntimeError('prober on %s ended before the action: %s'
                                   % (host, prober.stderr.read().strip()))
            action_s = action()
            time.sleep(tail)
        finally:
            self.on_host(host, 'touch %s' % stop, check=False)
            out, err = prober.communicate(timeout=60)
        if prober.returncode != 0:
            raise RuntimeError('prober on %s failed: %s' % (host, err.strip()))
        row = dict(label=label, host=host, action_s=round(action_s, 2),
                   dockerd_pid_before=pid_before, dockerd_pid_after=self.main_pid(host))
        row['dockerd_restarted'] = row['dockerd_pid_before'] != row['dockerd_pid_after']
        row.update(json.loads(out))
        self.result['availability'].append(row)
        self.say('availability %s: %s' % (label, ', '.join(
            '%s %d/%d failed, gap %.0f ms' % (name, e['failed'], e['requests'], e['longest_gap_ms'])
            for name, e in row['endpoints'].items())))
        return action_s

    def availability(self, ours, peer):
        """Prober runs on our host (rotate.yml, then a plain restart) and on the peer host;
        the rotate.yml run also carries a container across its restart (part 3)."""
        self.stage(ours)
        label = 'dockerd.exposure: rotate.yml (renewal, restart)'
        self.containers(label, ours, lambda: self.probe(
            label, ours, lambda: self.run(self.playbook_argv(os.path.join('playbooks', 'rotate.yml'), [ours]),
                                     timeout=900)[0]))
        self.probe('dockerd.exposure: systemctl restart docker', ours,
                   lambda: self.run(['docker', 'exec', ours, 'systemctl', 'restart', 'docker'])[0])
        self.need(180, 'peer host set-up')
        self.say('peer approach on %s: -H flags on ExecStart' % peer)
        # The lab's CA (the prober's client certificate is the lab's admin), no live-restore.
        self.run(self.playbook_argv(os.path.join(BENCH, 'peer.yml'), [peer], extra=[
            'bench_hosts=%s' % peer, 'bench_peer_pki=%s' % os.path.join(self.work, 'peer-pki-availability'),
            'bench_peer_ca_dir=%s' % os.path.join(self.pki, 'ca'), '{"bench_peer_daemon_json": {}}']),
            timeout=600)
        self.stage(peer)
        self.probe('peer: -H on ExecStart, systemctl restart docker', peer,
                   lambda: self.run(['docker', 'exec', peer, 'systemctl', 'restart', 'docker'])[0])
        # Apart from the probe: without live-restore dockerd stops the container first, which
        # would lengthen the peer's restart in the availability figures.
        self.containers('peer: systemctl restart docker', peer,
                        lambda: self.run(['docker', 'exec', peer, 'systemctl', 'restart', 'docker'])[0])

    # -- 3. containers ---------------------------------------------------------------------
    KEEPER = ('docker image inspect dockerd-exposure/keeper >/dev/null 2>&1 || '
              '(cd / && tar -ch usr/bin/sleep $(ldd /usr/bin/sleep | grep -o "/[^ ]*") 2>/dev/null'
              ' | docker import - dockerd-exposure/keeper >/dev/null); '
              'docker rm -f bench-keeper >/dev/null 2>&1; '
              'docker run -d --name bench-keeper --network none dockerd-exposure/keeper /usr/bin/sleep infinity')

    def keeper_state(self, host):
        out = self.on_host(host, "docker inspect -f '{{.Id}} {{.State.Status}} {{.State.StartedAt}} "
                                 "{{.State.Pid}}' bench-keeper", check=False)
        parts = out.split()
        if len(parts) != 4:
            return dict(error=out)
        return dict(id=parts[0][:12], status=parts[1], started_at=parts[2], pid=int(parts[3]))

    def containers(self, label, host, action):
        self.need(150, 'containers: %s' % label)
        self.on_host(host, 'systemctl reset-failed docker.service docker.socket')
        self.on_host(host, self.KEEPER)
        before, pid_before = self.keeper_state(host), self.main_pid(host)
        action_s = action()
        after, pid_after = self.keeper_state(host), self.main_pid(host)
        survived = (after.get('status') == 'running' and
                    all(before.get(k) == after.get(k) for k in ('id', 'started_at', 'pid')))
        row = dict(label=label, host=host, action_s=round(action_s, 2), before=before, after=after,
                   dockerd_restarted=pid_before != pid_after, survived=survived)
        self.result['containers'].append(row)
        self.say('containers %s: dockerd restarted %s, container survived %s'
                 % (label, row['dockerd_restarted'], survived))

    # -- 4. latency ------------------------------------------------------------------------
    def latency(self, host):
        self.need(60 + 8 * self.calls, 'latency')
        cm_dir = os.path.join(self.work, 'ssh-controlmaster')
        os.makedirs(cm_dir, exist_ok=True)
        # ssh with ControlMaster for endpoint_check and the SDK, which both run `ssh` from the PATH.
        with open(os.path.join(cm_dir, 'ssh'), 'w') as handle:
            handle.write('#!/bin/sh\nexec %s -o ControlMaster=auto -o ControlPath=/tmp/dx-bench-cm-%%C '
                         '-o ControlPersist=30 "$@"\n' % shutil.which('ssh'))
        os.chmod(os.path.join(cm_dir, 'ssh'), 0o700)
        out = os.path.join(self.work, 'latency.json')
        self.run(['ansible-playbook', '-i', INVENTORY, os.path.join(BENCH, 'latency.yml'),
                  '-e', '@' + self.vars_file, '-e', 'bench_host=%s' % host, '-e', 'bench_out=%s' % out,
                  '-e', 'bench_cm_dir=%s' % cm_dir, '-e', 'bench_calls=%d' % self.calls], timeout=900)
        with open(out) as handle:
            raw = json.load(handle)
        rows = []
        for mode in ('unix', 'tcp', 'tls', 'ssh', 'ssh+cm'):
            item = raw[mode]
            rows.append(dict(mode=mode, measured_from=item['from'], sdk_version=item['sdk']['sdk_version'],
                             module=summary(item['module_ms']), sdk_fresh=summary(item['sdk']['fresh_ms']),
                             sdk_reused=summary(item['sdk']['reused_ms'])))
        self.result['latency'] = rows
        self.say('latency: ' + ', '.join('%s %.1f ms' % (r['mode'], r['module']['median']) for r in rows))

    # -- the whole run ---------------------------------------------------------------------
    def execute(self):
        self.say('parts %s, budget %.0f s (BENCH_BUDGET; a part that would start after it is skipped), '
                 'compare on %d hosts, sizes %s, forks >= %d, modes %s'
                 % (' '.join(self.parts), self.budget, self.hosts, self.sizes, self.forks,
                    ' '.join(self.modes) or "the lab's mixes"))
        self.result['machine'] = self.machine()
        self.say('load average %s, %s other running containers'
                 % ('/'.join('%.2f' % x for x in self.result['machine']['load_start']),
                    self.result['machine']['other_containers_start']))
        for key in ('availability', 'containers'):
            self.result[key] = []
        for name, part in (('compare', self.compare), ('scale', self.scale), ('extras', self.extras)):
            if name in self.parts or (name == 'extras' and {'availability', 'latency'} & set(self.parts)):
                try:
                    part()
                except (OutOfBudget, RuntimeError) as exc:
                    self.note(exc, name)
        self.result['machine']['load_end'] = list(os.getloadavg())
        self.result['machine']['other_containers_end'] = self.other_containers()
        self.result['elapsed_s'] = round(time.monotonic() - self.start, 1)
        if not self.keep_lab:
            self.say('removing the lab')
            self.lab(0)
        return self.write()

    def note(self, exc, part):
        kind = 'skipped' if isinstance(exc, OutOfBudget) else 'errors'
        self.result[kind].append('%s: %s' % (part, exc))
        self.say('%s %s: %s' % (part, kind.upper().rstrip('S'), exc))

    def write(self):
        self.result['targets'] = targets(self.result)
        text = table(self.result)
        print('\n' + text)
        self.result['table'] = text
        path = os.path.join(self.results_dir, 'bench-%s.json' % self.stamp)
        with open(path, 'w') as handle:
            json.dump(self.result, handle, indent=2, sort_keys=True)
            handle.write('\n')
        shutil.copyfile(path, os.path.join(self.results_dir, 'bench-latest.json'))
        print('\n[bench] %s (and bench-latest.json); playbook output in %s; per-run counts in %s'
              % (os.path.relpath(path, ROOT), os.path.relpath(self.log_path, ROOT),
                 os.path.relpath(self.work, ROOT)))
        return 1 if self.result['errors'] else 0


def summary(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return dict(n=0, median=None, p90=None)
    return dict(n=len(values), median=round(statistics.median(values), 1),
                p90=round(values[max(0, int(math.ceil(0.9 * len(values))) - 1)], 1),
                min=round(values[0], 1), max=round(values[-1], 1))


def slashed(per_host, key):
    """One figure per host, in host order: '12/12/14'."""
    return '/'.join(str(h[key]) for h in per_host.values())


def targets(result):
    """The issue's ratios from this run's figures: (what, measured, limit) rows."""
    runs = result.get('runs', [])

    def find(label):
        return next((r for r in runs if r['label'] == label), None)

    rows = []

    def ratio(what, top, bottom, limit):
        if top and bottom and bottom['seconds']:
            rows.append(dict(target=what, measured=round(top['seconds'] / bottom['seconds'], 2),
                             limit=limit, detail='%.1f s / %.1f s' % (top['seconds'], bottom['seconds'])))

    rerun, first = find('expose.yml rerun (ssh)'), find('expose.yml first run (ssh)')
    ratio('rerun / minimal play rerun', rerun, find('minimal play rerun (ssh)'), 1.0)
    ratio('rerun / minimal play rerun, both pipelining', find('expose.yml rerun (ssh, pipelining)'),
          find('minimal play rerun (ssh, pipelining)'), 1.0)
    ratio('rerun / ansible -m setup', rerun, find('setup (ssh)'), 5.0)
    ratio('rerun / ansible -m setup, docker exec', find('expose.yml rerun (docker exec)'),
          find('setup (docker exec)'), 5.0)
    if rerun:
        calls = [h['module_calls_remote'] for h in rerun['per_host'].values()]
        rows.append(dict(target='rerun: remote module calls per host (most)', measured=max(calls),
                         limit=15, detail='per host ' + slashed(rerun['per_host'], 'module_calls_remote')))
    ratio('first run / minimal play first run', first, find('minimal play first run (ssh)'), 2.5)
    scale = sorted(result.get('scale', []), key=lambda r: r['hosts'])
    if len(scale) >= 2:
        small, big = scale[0], scale[-1]
        for what in ('first', 'rerun'):
            if small.get(what + '_s') and big.get(what + '_s'):
                rows.append(dict(
                    target='%d hosts / %d host, %s (forks %d)' % (big['hosts'], small['hosts'],
                                                               'first run' if what == 'first' else 'rerun',
                                                               big['forks']),
                    measured=round(big[what + '_s'] / small[what + '_s'], 2), limit=1.5,
                    detail='%.1f s / %.1f s' % (big[what + '_s'], small[what + '_s'])))
    for row in rows:
        row['met'] = row['measured'] <= row['limit']
    return rows


def table(result):
    """The printed report (also stored in the JSON)."""
    m = result['machine']
    lines = ['dockerd.exposure bench %s - %d cores, %.1f GiB, kernel %s, docker %s, %s, commit %s%s'
             % (result['started'], m['nproc'], m['ram_gib'], m['kernel'], m['docker'],
                ' '.join(m['ansible']), (m['git_commit'] or '?')[:10], '+dirty' if m['git_dirty'] else ''),
             'load average (1/5/15 min) at start %s, at end %s; other running containers %s at start, %s '
             'at end; elapsed %ss of a %ss budget'
             % ('/'.join('%.2f' % x for x in m['load_start']),
                '/'.join('%.2f' % x for x in m.get('load_end', [])), m.get('other_containers_start'),
                m.get('other_containers_end'), result.get('elapsed_s'), int(result['settings']['budget_s'])),
             '']
    runs = result.get('runs', [])
    if runs:
        lines += ['1. Runs, in the order they ran (seconds; per-host figures are host 1/host 2/...; '
                  'tasks = task results, on host = tasks that ran a module on the host, calls = module '
                  'calls on the host, ctrl = module calls on the controller, trips = commands + file '
                  'puts over the connection)',
                  '| run | hosts | load | seconds | changed | headers | tasks | skipped | on host | calls | ctrl | trips |',
                  '|-----|------:|-----:|--------:|--------:|--------:|-------|---------|---------|-------|------|-------|']
        for r in runs:
            p = r['per_host']
            lines.append('| %s | %d | %.1f | %.1f | %d | %d | %s | %s | %s | %s | %s | %s |'
                         % (r['label'], r['hosts'], r['load1_before'], r['seconds'], r['changed'],
                            r['headers'], slashed(p, 'tasks'), slashed(p, 'skipped'),
                            slashed(p, 'tasks_module_on_host'), slashed(p, 'module_calls_remote'),
                            slashed(p, 'module_calls_controller'), slashed(p, 'round_trips')))
        lines.append('')
    if result.get('scale'):
        lines += ['2. Scale: playbooks/expose.yml on fresh labs over ssh',
                  '| hosts | forks | load | first run | changed | rerun | changed | rerun calls/host (most) |',
                  '|------:|------:|-----:|----------:|--------:|------:|--------:|------------------------:|']
        for r in sorted(result['scale'], key=lambda r: r['hosts']):
            lines.append('| %d | %d | %s | %s | %s | %s | %s | %s |'
                         % (r['hosts'], r['forks'], r.get('first_load1'), r.get('first_s'),
                            r.get('first_changed'), r.get('rerun_s'), r.get('rerun_changed'),
                            r.get('rerun_max_module_calls_per_host')))
        lines.append('')
    if result.get('availability'):
        lines += ['3. Availability while dockerd restarts: GET /_ping every %.0f ms, new connection each'
                  % result['settings']['interval_ms'],
                  '| approach | action s | restarted | unix req | unix failed | unix gap ms | tls req | tls failed | tls gap ms |',
                  '|----------|---------:|:---------:|---------:|------------:|------------:|--------:|-----------:|-----------:|']
        for r in result['availability']:
            u, t = r['endpoints'].get('unix', {}), r['endpoints'].get('tls', {})
            lines.append('| %s | %.1f | %s | %s | %s | %s | %s | %s | %s |'
                         % (r['label'], r['action_s'], 'yes' if r['dockerd_restarted'] else 'NO',
                            u.get('requests'), u.get('failed'), u.get('longest_gap_ms'),
                            t.get('requests'), t.get('failed'), t.get('longest_gap_ms')))
        lines.append('')
    if result.get('containers'):
        lines += ['4. A running container across a dockerd restart',
                  '| action | dockerd restarted | before (id, StartedAt, pid) | after (status, StartedAt, pid) | survived |',
                  '|--------|:-----------------:|------------------------------|--------------------------------|:--------:|']
        for r in result['containers']:
            b, a = r['before'], r['after']
            lines.append('| %s | %s | %s %s %s | %s %s %s | %s |'
                         % (r['label'], 'yes' if r['dockerd_restarted'] else 'NO', b.get('id'),
                            b.get('started_at'), b.get('pid'), a.get('status'), a.get('started_at'),
                            a.get('pid'), 'yes' if r['survived'] else 'no'))
        lines.append('')
    if result.get('latency'):
        lines += ['5. endpoint_check latency_ms vs. raw Docker SDK ping, ms (median / p90 of %d calls)'
                  % result['settings']['calls'],
                  '| mode | from | endpoint_check | SDK, new client | SDK, reused client |',
                  '|------|------|---------------:|----------------:|-------------------:|']
        for r in result['latency']:
            lines.append('| %s | %s (SDK %s) | %s / %s | %s / %s | %s / %s |'
                         % (r['mode'], r['measured_from'], r['sdk_version'],
                            r['module']['median'], r['module']['p90'], r['sdk_fresh']['median'],
                            r['sdk_fresh']['p90'], r['sdk_reused']['median'], r['sdk_reused']['p90']))
        lines.append('')
    if result.get('targets'):
        lines += ["Issue 13's targets, from this run (ratios of wall times on the same hosts; no test asserts them)",
                  '| target | measured | limit | met | figures |',
                  '|--------|---------:|------:|:---:|---------|']
        for r in result['targets']:
            lines.append('| %s | %s | %s | %s | %s |' % (r['target'], r['measured'], r['limit'],
                                                         'yes' if r['met'] else 'NO', r['detail']))
        lines.append('')
    for kind in ('skipped', 'errors'):
        for item in result[kind]:
            lines.append('%s: %s' % (kind.upper(), item))
    return '\n'.join(lines).rstrip()


if __name__ == '__main__':
    sys.exit(Bench().execute())

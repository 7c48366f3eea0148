#!/usr/bin/env python3
"""`make bench`: measure dockerd.exposure on the local lab, within a time budget.

1. rollout: wall time of playbooks/expose.yml on 1, 2, 4, 8 fresh lab hosts (first run and
   no-change rerun) next to `ansible -m ping` and `-m setup` on the same hosts, as ratios;
2. availability: tools/bench/prober.py on a lab host calls GET /_ping on the unix socket and
   the TLS port every few ms while dockerd restarts (rotate.yml renewing the certificates,
   a plain `systemctl restart docker`), and the same on a host configured the common peer
   way (listeners as -H flags on ExecStart, tools/bench/peer.yml);
3. containers: a long-running container before and after a rollout that restarts dockerd
   (and, for contrast, after a plain restart of the peer host);
4. latency: endpoint_check's latency_ms per mode next to a raw Docker SDK ping
   (tools/bench/latency.yml, tools/bench/sdk_ping.py).

Prints a table, writes results/bench-<timestamp>.json and results/bench-latest.json (and the
playbook output to results/bench-<timestamp>.log). It replaces the lab (make lab) with its
own and removes it at the end unless BENCH_KEEP_LAB=1.

Knobs (environment): BENCH_SIZES="1 2 4 8", BENCH_CALLS=20, BENCH_BUDGET=1500 (seconds; a
part that would start after it is skipped and marked so), BENCH_INTERVAL_MS=15,
BENCH_MODES="unix tcp tls ssh" (the modes every bench host is given), BENCH_KEEP_LAB=0.
"""
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

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'tools', 'bench')
INVENTORY = os.path.join(ROOT, 'lab', 'inventory.yml')
PREFIX = 'dx-lab-'
REMOTE = '/tmp/dx-bench'

RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)')


class OutOfBudget(Exception):
    """The next part would start after the budget."""


class Bench(object):
    def __init__(self):
        env = os.environ
        self.sizes = [int(s) for s in env.get('BENCH_SIZES', '1 2 4 8').split()]
        self.calls = int(env.get('BENCH_CALLS', '20'))
        self.budget = float(env.get('BENCH_BUDGET', '1500'))
        self.interval_ms = float(env.get('BENCH_INTERVAL_MS', '15'))
        self.modes = env.get('BENCH_MODES', 'unix tcp tls ssh').replace(',', ' ').split()
        self.keep_lab = env.get('BENCH_KEEP_LAB', '0') == '1'
        if not self.sizes or min(self.sizes) < 1 or max(self.sizes) > 15:
            sys.exit('BENCH_SIZES=%r: give host counts from 1 to 15 (the lab holds 16 hosts, '
                     'one is kept for the peer approach), e.g. BENCH_SIZES="1 2 4 8".'
                     % env.get('BENCH_SIZES'))
        if self.calls < 1:
            sys.exit('BENCH_CALLS=%r: give a positive number of calls, e.g. 20.' % self.calls)
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
        self.result = dict(started=self.stamp, settings=dict(
            sizes=self.sizes, calls=self.calls, budget_s=self.budget,
            interval_ms=self.interval_ms, modes=self.modes), skipped=[], errors=[])

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

    def run(self, argv, timeout=600, check=True, quiet=False):
        """Run a command, its output to the log; returns (seconds, rc, output)."""
        timeout = max(10, min(timeout, self.remaining() + 120))
        self.log.write('\n$ %s\n' % ' '.join(argv))
        self.log.flush()
        began = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, universal_newlines=True,
                                  timeout=timeout, env=dict(os.environ, ANSIBLE_NOCOLOR='1'))
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
        return self.run(['docker', 'exec', host, 'sh', '-c', command], timeout=120,
                        check=check)[2].strip()

    def playbook(self, playbook, limit=None, extra=(), timeout=900):
        argv = ['ansible-playbook', '-i', INVENTORY, playbook, '-e', '@' + self.vars_file]
        for item in extra:
            argv += ['-e', item]
        if limit:
            argv += ['--limit', limit]
        seconds, _, output = self.run(argv, timeout=timeout)
        changed = sum(int(m.group(3)) for m in map(RECAP.match, output.splitlines())
                      if m and m.group(1).startswith(PREFIX))
        return round(seconds, 2), changed

    def lab(self, hosts):
        self.run(['ansible-playbook', os.path.join('playbooks', 'lab.yml'),
                  '-e', 'dockerd_lab_state=absent'], timeout=300)
        if hosts:
            self.run(['ansible-playbook', os.path.join('playbooks', 'lab.yml'),
                      '-e', 'dockerd_lab_hosts=%d' % hosts], timeout=900)

    def use_pki(self, name):
        """A fresh PKI directory for the bench's hosts (the lab's own lab/pki is left alone)."""
        self.pki = os.path.join(self.work, 'pki-%s' % name)
        self.vars_file = os.path.join(self.work, 'vars-%s.json' % name)
        with open(self.vars_file, 'w') as handle:
            json.dump(dict(dockerd_expose=self.modes, dockerd_tls_pki_dir=self.pki), handle)

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
            load_start=list(os.getloadavg()))

    # -- 1. rollout ------------------------------------------------------------------------
    def rollout_round(self, n, peer=False):
        """Baseline, first run and rerun of expose.yml on a new lab of n hosts (+1 for the peer)."""
        began = time.monotonic()
        self.say('rollout %d host(s): new lab' % n)
        self.lab(n + 1 if peer else n)
        self.use_pki('rollout-%d' % n)
        limit = ','.join('%s%d' % (PREFIX, i) for i in range(1, n + 1))
        row = dict(hosts=n, limit=limit, load_before=list(os.getloadavg()))
        base = ['ansible', '-i', INVENTORY, 'docker_daemons', '--limit', limit]
        row['ping_s'] = round(self.run(base + ['-m', 'ansible.builtin.ping'])[0], 2)
        row['setup_s'] = round(self.run(base + ['-m', 'ansible.builtin.setup'])[0], 2)
        self.say('rollout %d host(s): ping %.1fs, setup %.1fs; first run' % (n, row['ping_s'], row['setup_s']))
        row['first_s'], row['first_changed'] = self.playbook('playbooks/expose.yml', limit)
        self.say('rollout %d host(s): first run %.1fs (%d changed); rerun'
                 % (n, row['first_s'], row['first_changed']))
        row['rerun_s'], row['rerun_changed'] = self.playbook('playbooks/expose.yml', limit)
        for key in ('first', 'rerun'):
            row['%s_per_ping' % key] = round(row['%s_s' % key] / row['ping_s'], 1)
            row['%s_per_setup' % key] = round(row['%s_s' % key] / row['setup_s'], 1)
        row['load_after'] = list(os.getloadavg())
        row['round_s'] = round(time.monotonic() - began, 1)
        self.result['rollout'].append(row)
        self.result['rollout'].sort(key=lambda r: r['hosts'])
        self.say('rollout %d host(s): rerun %.1fs (%d changed)' % (n, row['rerun_s'], row['rerun_changed']))
        return row['round_s']

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
            label, ours, lambda: self.playbook('playbooks/rotate.yml', ours)[0]))
        self.probe('dockerd.exposure: systemctl restart docker', ours,
                   lambda: self.run(['docker', 'exec', ours, 'systemctl', 'restart', 'docker'])[0])
        self.need(180, 'peer host set-up')
        self.say('peer approach on %s: -H flags on ExecStart' % peer)
        self.run(['ansible-playbook', '-i', INVENTORY, os.path.join(BENCH, 'peer.yml'),
                  '-e', 'bench_host=%s' % peer, '-e', '@' + self.vars_file], timeout=600)
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
        self.say('budget %.0f s (BENCH_BUDGET), sizes %s, %d calls, probe every %.0f ms, modes %s; '
                 'a part that would start after it is skipped' % (self.budget, self.sizes, self.calls,
                                                   self.interval_ms, self.modes))
        self.result['machine'] = self.machine()
        for key in ('rollout', 'availability', 'containers'):
            self.result[key] = []
        sizes = sorted(set(self.sizes))
        first, peer = '%s1' % PREFIX, '%s%d' % (PREFIX, sizes[0] + 1)
        # The smallest lab first, with one more host kept for the peer approach; the other
        # parts run on it, then the bigger labs as long as the budget lasts.
        try:
            self.need(300, 'rollout on %d host(s)' % sizes[0])
            per_host = self.rollout_round(sizes[0], peer=True) / sizes[0]
        except (OutOfBudget, RuntimeError) as exc:
            self.note(exc, 'rollout %d' % sizes[0])
            sizes, per_host = [], None
        if sizes:
            for name, part in (('availability+containers', lambda: self.availability(first, peer)),
                               ('latency', lambda: self.latency(first))):
                try:
                    part()
                except (OutOfBudget, RuntimeError) as exc:
                    self.note(exc, name)
        for n in sizes[1:]:
            try:
                # Hosts run in parallel (forks), so a round grows slower than its host count.
                self.need(per_host * max(1.0, n * 0.6), 'rollout on %d hosts' % n)
                self.rollout_round(n)
            except (OutOfBudget, RuntimeError) as exc:
                self.note(exc, 'rollout %d' % n)
        self.result['machine']['load_end'] = list(os.getloadavg())
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
        text = table(self.result)
        print('\n' + text)
        self.result['table'] = text
        path = os.path.join(self.results_dir, 'bench-%s.json' % self.stamp)
        with open(path, 'w') as handle:
            json.dump(self.result, handle, indent=2, sort_keys=True)
            handle.write('\n')
        shutil.copyfile(path, os.path.join(self.results_dir, 'bench-latest.json'))
        print('\n[bench] %s (and bench-latest.json); playbook output in %s'
              % (os.path.relpath(path, ROOT), os.path.relpath(self.log_path, ROOT)))
        return 1 if self.result['errors'] else 0


def summary(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return dict(n=0, median=None, p90=None)
    return dict(n=len(values), median=round(statistics.median(values), 1),
                p90=round(values[max(0, int(math.ceil(0.9 * len(values))) - 1)], 1),
                min=round(values[0], 1), max=round(values[-1], 1))


def table(result):
    """The printed report (also stored in the JSON)."""
    m = result['machine']
    lines = ['dockerd.exposure bench %s - %d cores, %.1f GiB, kernel %s, docker %s, commit %s%s'
             % (result['started'], m['nproc'], m['ram_gib'], m['kernel'], m['docker'],
                (m['git_commit'] or '?')[:10], '+dirty' if m['git_dirty'] else ''),
             'load average (1/5/15 min) at start %s, at end %s; elapsed %ss of a %ss budget'
             % ('/'.join('%.2f' % x for x in m['load_start']),
                '/'.join('%.2f' % x for x in m.get('load_end', [])), result.get('elapsed_s'),
                int(result['settings']['budget_s'])), '']
    if result.get('rollout'):
        lines += ['1. Rollout of playbooks/expose.yml (modes %s), seconds; ratios to the baseline'
                  % ','.join(result['settings']['modes']),
                  '| hosts | ping | setup | first run | changed | rerun | changed | first/ping | first/setup | rerun/ping | rerun/setup |',
                  '|------:|-----:|------:|----------:|--------:|------:|--------:|-----------:|------------:|-----------:|------------:|']
        for r in result['rollout']:
            lines.append('| %d | %.1f | %.1f | %.1f | %d | %.1f | %d | %.1f | %.1f | %.1f | %.1f |'
                         % (r['hosts'], r['ping_s'], r['setup_s'], r['first_s'], r['first_changed'],
                            r['rerun_s'], r['rerun_changed'], r['first_per_ping'], r['first_per_setup'],
                            r['rerun_per_ping'], r['rerun_per_setup']))
        lines.append('')
    if result.get('availability'):
        lines += ['2. Availability while dockerd restarts: GET /_ping every %.0f ms, new connection each'
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
        lines += ['3. A running container across a dockerd restart',
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
        lines += ['4. endpoint_check latency_ms vs. raw Docker SDK ping, ms (median / p90 of %d calls)'
                  % result['settings']['calls'],
                  '| mode | from | endpoint_check | SDK, new client | SDK, reused client |',
                  '|------|------|---------------:|----------------:|-------------------:|']
        for r in result['latency']:
            lines.append('| %s | %s (SDK %s) | %s / %s | %s / %s | %s / %s |'
                         % (r['mode'], r['measured_from'], r['sdk_version'],
                            r['module']['median'], r['module']['p90'], r['sdk_fresh']['median'],
                            r['sdk_fresh']['p90'], r['sdk_reused']['median'], r['sdk_reused']['p90']))
        lines.append('')
    for kind in ('skipped', 'errors'):
        for item in result[kind]:
            lines.append('%s: %s' % (kind.upper(), item))
    return '\n'.join(lines).rstrip()


if __name__ == '__main__':
    sys.exit(Bench().execute())

"""What the fault tests share: running expose.yml (to the end or in the background), and the
end state every fault must leave: dockerd answering on each configured endpoint (and only
there), the managed files as they were, and a rerun that changes and restarts nothing."""

import json
import os
import re
import shlex
import subprocess
import sys

import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import PING_REFUSED, REPO, container_ip, daemon_ping, managed_checksums, tls_ping  # noqa: E402,F401

DAEMONS = ["dx-faults-1", "dx-faults-2", "dx-faults-3"]
# The inventory's modes (molecule/faults/molecule.yml).
MODES = {"dx-faults-1": {"unix", "tls"}, "dx-faults-2": {"unix"}, "dx-faults-3": {"unix", "tcp"}}
# The fleet is rolled out one host at a time; 50: the next host starts after one has failed.
ROLLOUT = {"dockerd_rollout_batch": 1, "dockerd_rollout_max_fail_percentage": 50}
INVOCATION = "systemctl show -p InvocationID --value docker.service"
# systemd's "Started <unit>" journal message (sd-messages.h SD_MESSAGE_UNIT_STARTED): one per
# start of docker.service, whether by a restart or by a stop and a start.
UNIT_STARTED = "39f53479d3a045ac8e11786248231fbf"


def get_host(name):
    """The host over `docker exec` directly: a tenth of the time of an ad-hoc ansible call, which
    matters while the test polls a host during a run."""
    return testinfra.get_host("docker://" + name)


def ansible_host(request, name):
    """The host through Ansible, for host.ansible(...) (modules of this collection)."""
    return testinfra.get_host("ansible://" + name, ansible_inventory=request.config.getoption("ansible_inventory"))


def expose_cmd(extra_vars=None, limit=None, serial=True):
    """serial=False: all hosts at once (cheaper, for runs that only have to converge)."""
    extra = dict(ROLLOUT if serial else {}, **(extra_vars or {}))
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
           os.path.join(REPO, "playbooks", "expose.yml"), "-e", json.dumps(extra)]
    return cmd + (["-l", limit] if limit else [])


def expose_env():
    return dict(os.environ, ANSIBLE_FORCE_COLOR="0")


def expose(extra_vars=None, limit=None, serial=True):
    """expose.yml as an operator runs it; stdout and stderr together."""
    return subprocess.run(expose_cmd(extra_vars, limit, serial), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=expose_env())


def log_path(name):
    """A log file of this scenario's own (pytest's shared temporary folders are pruned by other
    pytest runs on the same machine)."""
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "faults-%s.log" % name)


def read_text(path):
    with open(path) as f:
        return f.read()


def expose_background(extra_vars=None, limit=None, log=None):
    """expose.yml in its own process group (so the test can kill it whole, as a terminal would)."""
    return subprocess.Popen(expose_cmd(extra_vars, limit), stdout=log, stderr=subprocess.STDOUT, text=True,
                            env=expose_env(), start_new_session=True)


def journal_mark(host):
    """The journal's cursor now: what is logged after it is what happened from here on."""
    out = host.check_output("journalctl --show-cursor -n 0 --no-pager")
    return out.rsplit("-- cursor: ", 1)[1].strip()


def dockerd_starts_since(host, mark):
    """How many times systemd started docker.service after the mark, and its messages. The
    journal is filtered here: journalctl (systemd 252) with --after-cursor and a match skips
    the first matching entry."""
    out = host.check_output("journalctl --no-pager -o json --after-cursor=%s" % shlex.quote(mark))
    entries = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    starts = ["%s %s" % (e["__MONOTONIC_TIMESTAMP"], e.get("MESSAGE")) for e in entries
              if e.get("MESSAGE_ID") == UNIT_STARTED and e.get("UNIT") == "docker.service"]
    return len(starts), starts


def recap(out):
    """PLAY RECAP counters per host: {host: {'ok': n, 'changed': n, ...}}."""
    rows = {}
    for m in re.finditer(r"^(dx-faults-\d)\s*:\s*(.*)$", out, re.M):
        rows[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return rows


def assert_serves_as_configured(host, name, modes=None):
    """dockerd is active and answers on every endpoint of the host's modes, and the others are closed."""
    modes = MODES[name] if modes is None else modes
    assert host.run("systemctl is-active docker.service docker.socket").stdout.split() == ["active", "active"]
    unix = daemon_ping(host)
    assert unix.rc == 0 and unix.stdout == "OK", unix.stderr
    assert host.run("docker version --format '{{.Server.Version}}'").rc == 0
    tls = tls_ping(name)
    tcp = daemon_ping(host, "tcp://127.0.0.1:2375")
    if "tls" in modes:
        assert tls.stdout == "OK", tls.stderr
    else:
        assert tls.returncode != 0 and not host.socket("tcp://0.0.0.0:2376").is_listening
    if "tcp" in modes:
        assert tcp.stdout == "OK", tcp.stderr
    else:
        assert (tcp.rc, tcp.stderr.strip()) == (1, PING_REFUSED)


def assert_rerun_changes_nothing(hosts, extra_vars=None, limit=None):
    """A rerun reports changed=0 everywhere and restarts no dockerd."""
    before = {name: h.check_output(INVOCATION) for name, h in hosts.items()}
    result = expose(extra_vars, limit, serial=False)
    assert result.returncode == 0, result.stdout[-3000:]
    counters = recap(result.stdout)
    assert set(counters) >= set(hosts), result.stdout[-2000:]
    assert {n: counters[n]["changed"] for n in hosts} == {n: 0 for n in hosts}, result.stdout[-4000:]
    assert {name: h.check_output(INVOCATION) for name, h in hosts.items()} == before
    return result

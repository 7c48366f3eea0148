"""fleet: three daemons rolled out one at a time (serial 1). One is broken mid-rollout: the
others finish, the broken one is rolled back and serves its previous configuration, the
summary names it, and the keeper containers on every host keep running throughout."""

import json
import os
import re
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import PING_REFUSED, REPO, container_ip, daemon_ping, managed_checksums, tls_ping  # noqa: E402

testinfra_hosts = ["dx-fleet-1", "dx-fleet-2", "dx-fleet-3"]
DAEMONS = testinfra_hosts
BROKEN = "dx-fleet-2"
KEEPER = "docker inspect -f '{{.State.StartedAt}} {{.State.Pid}}' keeper"
# Which dockerd runs: a restart changes its MainPID and the unit's InvocationID.
DOCKERD = "systemctl show -p MainPID -p InvocationID docker.service"


def _host(request, name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=request.config.getoption("ansible_inventory"))


def _expose(extra_vars):
    """expose.yml over the whole fleet, as an operator runs it."""
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
           os.path.join(REPO, "playbooks", "expose.yml"), "-e", json.dumps(extra_vars)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))


def test_keeper_survived_converge_and_idempotence(host):
    """Converge restarted dockerd (live-restore and, on dx-fleet-3, TLS came in) after the keeper
    started; the keeper still has its first start time and PID."""
    before = host.file("/etc/dockerd-exposure-keeper-started").content_string.strip()
    assert host.check_output(KEEPER).strip() == before
    keeper_started = int(host.check_output("stat -c %Y /etc/dockerd-exposure-keeper-started"))
    dockerd_started = int(host.check_output("date -d \"$(systemctl show -p ActiveEnterTimestamp --value docker.service)\" +%s"))
    assert dockerd_started >= keeper_started, "dockerd was not restarted after the keeper started; the check proves nothing"


@pytest.fixture(scope="module")
def broken_rollout(request):
    """Roll tls and tcp out to every daemon, with dx-fleet-2 given a TLS address that is not on
    it (docker.socket cannot bind it): a health failure only the restart reveals."""
    hosts = {name: _host(request, name) for name in DAEMONS}
    before = {name: dict(keeper=h.check_output(KEEPER).strip(), files=managed_checksums(h),
                         dockerd=h.check_output(DOCKERD).strip(),
                         tcp=daemon_ping(h, "tcp://127.0.0.1:2375")) for name, h in hosts.items()}
    result = _expose({
        "dockerd_rollout_batch": 1,
        "dockerd_rollout_max_fail_percentage": 50,
        "dockerd_expose": ["unix", "tcp", "tls"],
        "dockerd_tls_address": "{{ '10.255.255.1' if inventory_hostname == '%s' else '0.0.0.0' }}" % BROKEN,
    })
    after = {name: dict(keeper=h.check_output(KEEPER).strip(), files=managed_checksums(h),
                        dockerd=h.check_output(DOCKERD).strip()) for name, h in hosts.items()}
    return dict(result=result, before=before, after=after, hosts=hosts)


def test_the_run_fails_and_names_the_broken_host(broken_rollout):
    out = broken_rollout["result"].stdout
    assert broken_rollout["result"].returncode != 0, out[-3000:]
    assert "dockerd did not come back on %s" % BROKEN in out, out[-3000:]
    rows = [line for line in out.splitlines() if re.search(r"\b%s\b.*NOT RUN" % BROKEN, line)]
    assert rows, out[-3000:]
    assert "NOT RUN - dockerd did not come back on %s" % BROKEN in " ".join(out.split())


def test_serial_one_host_per_batch_in_order(broken_rollout):
    """serial 1: in the rollout play the hosts' task results come in three runs, one host
    after the other (all at once would interleave them), and the host after the broken one
    still ran (dockerd_rollout_max_fail_percentage 50)."""
    out = broken_rollout["result"].stdout
    rollout = out.split("PLAY [Expose dockerd on the daemon hosts, batch by batch]", 1)[1]
    rollout = rollout.split("PLAY [Give the client hosts", 1)[0]
    seen = re.findall(r"^(?:ok|changed|skipping|fatal|included): \[(dx-fleet-\d)", rollout, re.M)
    runs = [name for i, name in enumerate(seen) if i == 0 or seen[i - 1] != name]
    assert runs == ["dx-fleet-1", "dx-fleet-2", "dx-fleet-3"], runs
    recap = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(dx-fleet-\d)\s*:.*failed=(\d+)", out, re.M)}
    # dx-fleet-2 is rescued during the rollout and failed at the end, after the summary.
    assert recap == {"dx-fleet-1": 0, "dx-fleet-2": 1, "dx-fleet-3": 0}, out[-2000:]


@pytest.mark.parametrize("name", ["dx-fleet-1", "dx-fleet-3"])
def test_the_other_hosts_finished(broken_rollout, name):
    assert broken_rollout["after"][name]["files"] != broken_rollout["before"][name]["files"]
    ping = tls_ping(name)
    assert ping.stdout == "OK", ping.stderr
    tcp = daemon_ping(broken_rollout["hosts"][name], "tcp://127.0.0.1:2375")
    assert tcp.rc == 0 and tcp.stdout == "OK", tcp.stderr


def test_the_broken_host_serves_its_previous_configuration(broken_rollout):
    host = broken_rollout["hosts"][BROKEN]
    assert broken_rollout["after"][BROKEN]["files"] == broken_rollout["before"][BROKEN]["files"]
    for endpoint in ("unix:///run/docker.sock", "tcp://127.0.0.1:2375"):
        ping = daemon_ping(host, endpoint)
        assert ping.rc == 0 and ping.stdout == "OK", (endpoint, ping.stderr)
    assert tls_ping(BROKEN).returncode != 0
    assert not host.socket("tcp://0.0.0.0:2376").is_listening


@pytest.mark.parametrize("name", DAEMONS)
def test_containers_kept_running_through_the_rollout(broken_rollout, name):
    """live-restore: the keeper has the same start time and PID before and after."""
    state = broken_rollout
    assert state["after"][name]["keeper"] == state["before"][name]["keeper"]


@pytest.mark.parametrize("name", ["dx-fleet-1", "dx-fleet-2"])
def test_dockerd_restarted_where_its_configuration_changed(broken_rollout, name):
    """dx-fleet-1 gained TLS; dx-fleet-2 restarted twice (the failed start and the rollback):
    the keeper check above is only worth something across a restart."""
    state = broken_rollout
    assert state["after"][name]["dockerd"] != state["before"][name]["dockerd"]


def test_adding_tcp_does_not_restart_dockerd(broken_rollout):
    """dx-fleet-3 (unix, tls) only gains plain tcp: a systemd socket and proxy in front of the
    unix socket, so the same dockerd (MainPID, InvocationID) serves the new endpoint."""
    state, name = broken_rollout, "dx-fleet-3"
    before = state["before"][name]["tcp"]
    assert (before.rc, before.stderr.strip()) == (1, PING_REFUSED), "tcp was already open on %s: nothing was added" % name
    assert state["after"][name]["dockerd"] == state["before"][name]["dockerd"], "adding tcp restarted dockerd"
    tcp = daemon_ping(state["hosts"][name], "tcp://127.0.0.1:2375")
    assert tcp.rc == 0 and tcp.stdout == "OK", tcp.stderr


def test_a_batch_size_from_the_inventory_is_refused_before_any_change(request, tmp_path):
    """serial cannot read inventory variables: a batch size set there would be ignored
    silently, so the run stops before the first host changes and says to use -e."""
    extra_inventory = tmp_path / "batch.yml"
    extra_inventory.write_text("docker_daemons:\n  vars:\n    dockerd_rollout_batch: 1\n")
    hosts = {name: _host(request, name) for name in DAEMONS}
    before = {name: managed_checksums(h) for name, h in hosts.items()}
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-i", str(extra_inventory),
           os.path.join(REPO, "playbooks", "expose.yml"), "-e", json.dumps({"dockerd_expose": ["unix", "tcp"]})]
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))
    assert result.returncode != 0
    assert "dockerd_rollout_batch=1 asks for batches of 1 host(s), but this batch holds 3" in result.stdout, result.stdout[-3000:]
    assert "-e dockerd_rollout_batch=1" in result.stdout
    assert {name: managed_checksums(h) for name, h in hosts.items()} == before

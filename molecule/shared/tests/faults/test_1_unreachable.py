"""A host unreachable mid-rollout: with serial 1 over three hosts, dx-faults-2 is paused (docker
exec, Ansible's connection to it, then fails) after the validation play, once dx-faults-1's
dockerd has restarted and before dx-faults-2's batch. The rollout's reachability probe notes
it, the other hosts complete, the summary marks it UNREACHABLE and the run fails; once it is
back, a rerun converges and a further one changes nothing. (A host lost during its own rollout:
docs/faults.md.)"""

import os
import re
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fleet_state import (DAEMONS, INVOCATION, assert_rerun_changes_nothing, assert_serves_as_configured,
                         expose, expose_background, get_host, log_path, managed_checksums, read_text, recap)  # noqa: E402

testinfra_hosts = ["dx-faults-1"]
GONE = "dx-faults-2"


@pytest.fixture(scope="module")
def hosts():
    return {name: get_host(name) for name in DAEMONS}


def _state(hosts):
    return {name: dict(invocation=h.check_output(INVOCATION), files=managed_checksums(h)) for name, h in hosts.items()}


def _run_and_pause(hosts, restarted, log):
    """expose.yml over the fleet in the background, serial 1; pause dx-faults-2 once the dockerd
    of `restarted` has restarted. Returns (return code, log so far when paused or None)."""
    watched = hosts[restarted].check_output(INVOCATION)
    paused_at = None
    with open(log, "w") as out:
        proc = expose_background(log=out)
        try:
            deadline = time.monotonic() + 1800
            while time.monotonic() < deadline and proc.poll() is None:
                if hosts[restarted].check_output(INVOCATION) != watched:
                    subprocess.run(["docker", "pause", GONE], check=True, capture_output=True)
                    paused_at = read_text(log)
                    break
                time.sleep(0.3)
            proc.wait(timeout=1800)
        finally:
            if proc.poll() is None:
                proc.kill()
            subprocess.run(["docker", "unpause", GONE], capture_output=True)
    return proc.returncode, paused_at


@pytest.fixture(scope="module")
def rollout(hosts):
    """Every host has a restart to do (daemon.json newer than dockerd: exposure_info's pending);
    dx-faults-2 is paused as soon as dx-faults-1's dockerd has restarted."""
    for name in DAEMONS:
        hosts[name].check_output("touch /etc/docker/daemon.json")
    before = _state(hosts)
    log = log_path("unreachable")
    rc, paused_at = _run_and_pause(hosts, "dx-faults-1", log)
    return dict(result=read_text(log), rc=rc, paused_at=paused_at, before=before, after=_state(hosts))


def test_the_host_was_paused_after_validation_and_before_its_batch(rollout):
    assert rollout["paused_at"] is not None, "dx-faults-1's dockerd never restarted: " + rollout["result"][-3000:]
    rollout_log = rollout["paused_at"].split("PLAY [Expose dockerd on the daemon hosts, batch by batch]", 1)
    assert len(rollout_log) == 2, "paused before the rollout play"
    assert "[%s]" % GONE not in rollout_log[1], "dx-faults-2's batch had already begun"


def test_the_run_fails_and_the_summary_marks_the_host_unreachable(rollout):
    out = rollout["result"]
    assert rollout["rc"] != 0, out[-3000:]
    assert re.search(r"\b%s\s+-\s+-\s+UNREACHABLE\s+-\s+unreachable:\s" % GONE, out), out[-4000:]
    for name in ("dx-faults-1", "dx-faults-3"):
        assert re.search(r"\b%s\s+unix\s+unix:///run/docker.sock\s+ok\b" % name, out), out[-4000:]
    counters = recap(out)
    assert counters[GONE]["failed"] == 1 and counters["dx-faults-1"]["failed"] == 0, out[-2000:]
    assert counters["dx-faults-3"]["failed"] == 0


@pytest.mark.parametrize("name", ["dx-faults-1", "dx-faults-3"])
def test_the_other_hosts_completed(rollout, hosts, name):
    assert rollout["after"][name]["invocation"] != rollout["before"][name]["invocation"]
    assert rollout["after"][name]["files"] == rollout["before"][name]["files"]
    assert_serves_as_configured(hosts[name], name)


def test_the_unreachable_host_was_not_touched(rollout, hosts):
    assert rollout["after"][GONE] == rollout["before"][GONE]
    assert_serves_as_configured(hosts[GONE], GONE)


def test_a_rerun_converges_once_the_host_is_back(rollout, hosts):
    result = expose(serial=False)
    assert result.returncode == 0, result.stdout[-3000:]
    # The restart the paused host missed happens now; the others have nothing left to do.
    assert hosts[GONE].check_output(INVOCATION) != rollout["after"][GONE]["invocation"]
    counters = recap(result.stdout)
    assert counters["dx-faults-1"]["changed"] == 0 and counters["dx-faults-3"]["changed"] == 0, result.stdout[-3000:]
    for name, h in hosts.items():
        assert managed_checksums(h) == rollout["before"][name]["files"]
        assert_serves_as_configured(h, name)


def test_a_further_run_changes_nothing(rollout, hosts):
    assert_rerun_changes_nothing(hosts)

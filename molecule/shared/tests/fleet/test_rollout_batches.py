"""fleet: the rollout knobs as the README promises them, read from what the run really does.
- dockerd_rollout_max_fail_percentage left at its default (0): once a host has failed, no host
  of a later batch starts; the summary shows those as `NOT RUN - not started` and nothing
  changes on them (its twin, 50 letting the next host start, is in test_fleet.py).
- dockerd_rollout_batch as a list with a percentage in it, [1, "67%"]: batches of 1 host, then
  67% of the 3 hosts (2); as a percentage alone, "67%": 2 hosts, then the last one.
The batches are read from the run's output: Ansible prints the play's banner once per batch."""

import os
import re
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import managed_checksums, run_expose  # noqa: E402

DAEMONS = ["dx-fleet-1", "dx-fleet-2", "dx-fleet-3"]
BROKEN = "dx-fleet-1"
ROLLOUT_PLAY = "PLAY [Expose dockerd on the daemon hosts, batch by batch]"
DOCKERD = "systemctl show -p MainPID -p InvocationID docker.service"
NOT_STARTED = ("NOT RUN - not started: 1 of 3 host(s) failed before it (%s), more than "
               "dockerd_rollout_max_fail_percentage=0 allows." % BROKEN)


def _host(request, name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=request.config.getoption("ansible_inventory"))


def _state(hosts):
    return {name: dict(files=managed_checksums(h), dockerd=h.check_output(DOCKERD).strip()) for name, h in hosts.items()}


def batches(out):
    """The hosts of each batch of the rollout play, in order, from the task lines under each
    of its banners."""
    sections = out.split(ROLLOUT_PLAY)[1:]
    assert sections, out[-3000:]
    sections[-1] = sections[-1].split("\nPLAY [", 1)[0]
    found = []
    for section in sections:
        hosts = re.findall(r"^(?:ok|changed|skipping|fatal|included): \[(dx-fleet-\d)[\] ]", section, re.M)
        found.append(sorted(set(hosts)))
    return found


@pytest.fixture(scope="module")
def stopped_rollout(request):
    """tls on every daemon, batches [1, "67%"], no failure budget given: dx-fleet-1, alone in
    the first batch, gets a TLS address that is not on it (dockerd does not come back and is
    rolled back). The client play is left out (--limit): it is not what is tested here."""
    hosts = {name: _host(request, name) for name in DAEMONS}
    before = _state(hosts)
    result = run_expose("docker_daemons", {
        "dockerd_rollout_batch": [1, "67%"],
        "dockerd_expose": ["unix", "tcp", "tls"],
        "dockerd_tls_address": "{{ '10.255.255.1' if inventory_hostname == '%s' else '0.0.0.0' }}" % BROKEN,
    })
    return dict(result=result, before=before, after=_state(hosts))


def test_a_list_batch_size_makes_its_batches(stopped_rollout):
    out = stopped_rollout["result"].stdout
    assert batches(out) == [["dx-fleet-1"], ["dx-fleet-2", "dx-fleet-3"]], out[-3000:]


def test_the_default_budget_starts_no_host_after_the_first_failure(stopped_rollout):
    out = stopped_rollout["result"].stdout
    flat = " ".join(out.split())
    assert stopped_rollout["result"].returncode != 0, out[-3000:]
    for name in ("dx-fleet-2", "dx-fleet-3"):
        assert "%s - - %s" % (name, NOT_STARTED) in flat, out[-3000:]
        assert stopped_rollout["after"][name] == stopped_rollout["before"][name], "%s was changed or restarted" % name
    # The failed host itself is rolled back, not "not started".
    assert "%s - - NOT RUN - dockerd did not come back on %s" % (BROKEN, BROKEN) in flat, out[-3000:]
    recap = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(dx-fleet-\d)\s*:.*failed=(\d+)", out, re.M)}
    assert recap == dict.fromkeys(DAEMONS, 1), out[-2000:]


def test_a_percentage_batch_size_makes_its_batches(request):
    """"67%" of 3 hosts: 2, then the last one. In check mode: it only has to show its batches."""
    result = run_expose("docker_daemons", {"dockerd_rollout_batch": "67%"}, "--check")
    assert result.returncode == 0, result.stdout[-3000:]
    assert batches(result.stdout) == [["dx-fleet-1", "dx-fleet-2"], ["dx-fleet-3"]], result.stdout[-3000:]

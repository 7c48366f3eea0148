"""checkmode: `expose.yml --check --diff` on fresh stock hosts (never touched by the collection)
exits 0, changes nothing (files, accounts, the running dockerd, the controller's PKI), says
that the endpoint checks were not run, and names every managed file the first run then writes,
with the daemon.json keys it sets. The first run changes exactly those; a rerun changes nothing."""

import hashlib
import json
import os
import subprocess
import sys
from collections import defaultdict

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import HOST_FILES, REPO, managed_checksums  # noqa: E402

DAEMONS = ["dx-check-1", "dx-check-2", "dx-check-3"]
SUMMARY_TASK = "Summarise each daemon host's endpoints and their checks"
DOCKERD = "systemctl show -p MainPID -p InvocationID docker.service"
# The user module names no file: a new account is a change of these.
ACCOUNT_FILES = {"/etc/passwd", "/etc/group"}
SERVER_KEY = "/etc/docker/tls/server-key.pem"


def _expose(*args):
    """expose.yml on every daemon, as an operator runs it, with Ansible's JSON callback."""
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
           os.path.join(REPO, "playbooks", "expose.yml")] + list(args)
    run = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"))
    try:
        report = json.loads(run.stdout)
    except ValueError:
        pytest.fail("no JSON from ansible-playbook (rc %s): %s %s" % (run.returncode, run.stdout[-2000:], run.stderr[-2000:]))
    return run.returncode, report, run.stderr


def _results(report):
    """(host, task name, result) for every result on a host, loop items one by one."""
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                for item in result.get("results") or [result]:
                    yield host, task["task"]["name"], item


def _changed_tasks(report):
    """Per host: {(task, item label)} of its changes (those delegated to the controller too)."""
    tasks = defaultdict(set)
    for host, name, item in _results(report):
        if item.get("changed"):
            tasks[host].add((name.split(" : ")[-1], str(item.get("_ansible_item_label", ""))))
    return tasks


def _written_files(report):
    """Per host: the managed files a run says it writes on the host: the dest/path of each
    changed module, the paths dockerd.exposure.daemon_files reports, the file a check-mode
    report names as its item, the account files."""
    files = defaultdict(set)
    for host, _, item in _results(report):
        if not item.get("changed"):
            continue
        args = (item.get("invocation") or {}).get("module_args") or {}
        named = {args.get("dest"), args.get("path"), item.get("_ansible_item_label")} | set(item.get("changed_paths") or [])
        if "create_home" in args:
            named |= ACCOUNT_FILES
        files[host] |= named & set(HOST_FILES)
    return files


def _daemon_json_keys(report):
    """Per host: the daemon.json keys the run sets or removes (dockerd.exposure.daemon_files)."""
    keys = {}
    for host, name, item in _results(report):
        if name.endswith("Write the drop-ins, the TCP and firewall units and the daemon.json keys") and "changed_keys" in item:
            keys[host] = sorted(item["changed_keys"])
    return keys


def _summary(report):
    for _, name, item in _results(report):
        if name == SUMMARY_TASK and "msg" in item:
            return item["msg"]
    pytest.fail("no summary in the run")


def _pki():
    """sha256 of every file of the controller's PKI (none before the first run of a clean scenario)."""
    pki, sums = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "pki"), {}
    for root, _, names in os.walk(pki):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                sums[os.path.relpath(os.path.join(root, name), pki)] = hashlib.sha256(f.read()).hexdigest()
    return sums


def _state(hosts):
    return {name: dict(files=managed_checksums(h, HOST_FILES), dockerd=h.check_output(DOCKERD))
            for name, h in hosts.items()}


@pytest.fixture(scope="module")
def runs(request):
    """Check mode on the fresh hosts, then the first run, then a rerun, with the host state
    (managed files, dockerd's MainPID and InvocationID) around each."""
    hosts = {name: testinfra.get_host("ansible://" + name, ansible_inventory=request.config.getoption("ansible_inventory"))
             for name in DAEMONS}
    fresh = dict(_state(hosts), pki=_pki())
    check = _expose("--check", "--diff")
    after_check = dict(_state(hosts), pki=_pki())
    first = _expose()
    after_first = _state(hosts)
    second = _expose()
    return dict(fresh=fresh, check=check, after_check=after_check, first=first, after_first=after_first, second=second)


def test_hosts_are_fresh(runs):
    """Proves the scenario starts from stock hosts: nothing of the collection's is there."""
    for name, state in runs["fresh"].items():
        if name == "pki":
            continue
        ours = {f: s for f, s in state["files"].items() if s and f not in ("/etc/passwd", "/etc/group", "/etc/docker/daemon.json")}
        assert ours == {}, (name, ours)


def test_check_mode_succeeds_and_changes_nothing(runs):
    rc, report, stderr = runs["check"]
    assert rc == 0, (json.dumps(report["stats"]), stderr[-3000:])
    assert runs["after_check"] == runs["fresh"]


def test_check_mode_says_the_endpoint_checks_were_not_run(runs):
    summary = _summary(runs["check"][1])
    print("check mode on the fresh hosts:", *summary, sep="\n")
    rows = summary[1:]
    assert len(rows) == 10, summary  # unix, tcp, tls per host, ssh on dx-check-2
    for row in rows:
        assert " skipped " in row and "not run (check mode): " in row, row
    for name in DAEMONS:
        assert any(row.startswith(name) for row in rows), (name, summary)


def test_the_first_run_writes_what_check_mode_predicted(runs):
    _, check, _ = runs["check"]
    rc, first, stderr = runs["first"]
    assert rc == 0, (json.dumps(first["stats"]), "\n".join(_summary(first)), stderr[-3000:])
    predicted, named = _written_files(check), _written_files(first)
    for name in DAEMONS:
        before, after = runs["fresh"][name]["files"], runs["after_first"][name]["files"]
        written = {f for f in HOST_FILES if before[f] != after[f]}
        print(name, "writes", sorted(written))
        assert written, name
        assert predicted[name] == written, (name, sorted(predicted[name] ^ written))
        # The first run's server key result is no_log: it cannot name its file.
        assert written - named[name] <= {SERVER_KEY} and named[name] <= written, (name, sorted(named[name] ^ written))
    assert _daemon_json_keys(check) == _daemon_json_keys(first)
    assert set(_daemon_json_keys(first)) == set(DAEMONS)


def test_check_mode_predicts_no_change_the_first_run_does_not_make(runs):
    """Every change check mode shows on a host (its own reports of what it cannot simulate
    aside) is a change the first run makes."""
    check, first = _changed_tasks(runs["check"][1]), _changed_tasks(runs["first"][1])
    for name in DAEMONS:
        phantom = {t for t in check[name] - first[name] if not t[0].startswith("Report ")}
        assert phantom == set(), (name, sorted(phantom))


def test_the_endpoints_answer_after_the_first_run(runs):
    rows = _summary(runs["first"][1])[1:]
    print("first run:", *rows, sep="\n")
    assert rows and all(" ok " in row for row in rows), rows


def test_a_second_run_changes_nothing_and_check_mode_then_runs_every_check(runs):
    rc, second, stderr = runs["second"]
    assert rc == 0, stderr[-3000:]
    assert {name: second["stats"][name]["changed"] for name in DAEMONS} == dict.fromkeys(DAEMONS, 0)
    rc, check, stderr = _expose("--check", "--diff")
    assert rc == 0, stderr[-3000:]
    assert {name: check["stats"][name]["changed"] for name in DAEMONS} == dict.fromkeys(DAEMONS, 0)
    rows = _summary(check)[1:]
    assert rows and all(" ok " in row and "not run" not in row for row in rows), rows

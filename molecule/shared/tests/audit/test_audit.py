"""playbooks/audit.yml against the converged audit scenario: a clean fleet passes the gate,
the reports list every host with its real endpoints, a finding made by hand fails the gate
(and passes with dockerd_audit_fail_severity=none), and no audit run changes a host."""

import json
import os
import re
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import REPO, container_ip, managed_checksums  # noqa: E402

# The module runs the playbook itself; testinfra's per-host parametrisation is not needed.
testinfra_hosts = ["dx-audit-1"]
TLS_HOST = "dx-audit-1"   # dockerd_expose: [unix, tls]
TCP_HOST = "dx-audit-2"   # dockerd_expose: [unix, tcp] (loopback)
HOSTS = (TLS_HOST, TCP_HOST)
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", re.M)


def run_audit(report_dir, **extra_vars):
    """Run the audit against the whole scenario, as an operator (or a CI job) would."""
    extra_vars = dict(extra_vars, dockerd_audit_report_dir=str(report_dir))
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
           os.path.join(REPO, "playbooks", "audit.yml"), "-e", json.dumps(extra_vars)]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))


def _changed(output):
    return {host: int(changed) for host, changed in RECAP.findall(output)}


@pytest.fixture(scope="module")
def inventory(request):
    return request.config.getoption("ansible_inventory")


@pytest.fixture(scope="module")
def hosts(inventory):
    return {name: testinfra.get_host("ansible://" + name, ansible_inventory=inventory) for name in HOSTS}


@pytest.fixture(scope="module")
def checksums_before(hosts):
    return {name: managed_checksums(h) for name, h in hosts.items()}


@pytest.fixture(scope="module")
def clean(tmp_path_factory, checksums_before):
    report_dir = tmp_path_factory.mktemp("audit-clean")
    result = run_audit(report_dir)
    return result, report_dir


@pytest.fixture(scope="module")
def report(clean):
    with open(os.path.join(str(clean[1]), "latest.json")) as handle:
        return json.load(handle)


def _host(report, name):
    return [h for h in report["hosts"] if h["host"] == name][0]


def _endpoints(report, name):
    return {e["mode"]: e for e in _host(report, name)["endpoints"]}


# -- a clean converge passes with the default gate (high)

def test_clean_audit_exits_0_and_changes_nothing(clean):
    result = clean[0]
    assert result.returncode == 0, result.stdout[-4000:]
    assert "No finding at or above severity high" in result.stdout
    assert _changed(result.stdout) == {TLS_HOST: 0, TCP_HOST: 0}, result.stdout[-2000:]


def test_reports_are_written_with_their_latest_copies(clean):
    names = sorted(os.listdir(str(clean[1])))
    assert {"latest.json", "latest.md", "latest.html"} <= set(names)
    for ext in ("json", "md", "html"):
        assert len([n for n in names if re.match(r"^audit-\d{8}T\d{6}Z\.%s$" % ext, n)]) == 1, names


def test_json_report_lists_both_hosts_with_modes_and_listeners(report):
    assert sorted(h["host"] for h in report["hosts"]) == sorted(HOSTS)
    assert _host(report, TLS_HOST)["modes_expected"] == ["unix", "tls"]
    assert _host(report, TLS_HOST)["modes_served"] == ["tls", "unix"]
    assert _host(report, TCP_HOST)["modes_served"] == ["tcp", "unix"]
    assert [s["path"] for s in _host(report, TLS_HOST)["listeners"]["unix"]] == ["/run/docker.sock"]
    assert 2376 in [t["port"] for t in _host(report, TLS_HOST)["listeners"]["tcp"]]
    assert report["summary"] == dict(report["summary"], hosts=2, endpoints=6, endpoints_failed=0, gate="passed")


def test_json_report_has_the_real_endpoints_and_results(report):
    tls = _endpoints(report, TLS_HOST)
    assert tls["tls"]["endpoint"] == "tcp://%s:2376" % container_ip(TLS_HOST)
    assert tls["tls"]["result"] == "ok" and tls["tls"]["outcome"] == "reachable"
    assert tls["tls"]["latency_ms"] > 0
    assert {p: v["outcome"] for p, v in tls["tls"]["probes"].items()} == {
        "no_client_cert": "refused", "foreign_ca": "refused", "plain_http": "refused"}
    assert tls["tcp (off)"]["outcome"] == "refused" and tls["tcp (off)"]["result"] == "ok"
    assert tls["unix"]["endpoint"] == "unix:///run/docker.sock" and tls["unix"]["result"] == "ok"
    tcp = _endpoints(report, TCP_HOST)
    assert tcp["tcp"]["endpoint"] == "tcp://127.0.0.1:2375"
    assert tcp["tcp"]["result"] == "ok" and tcp["tcp"]["latency_ms"] > 0
    assert tcp["tls (off)"]["outcome"] == "refused"


def test_json_report_findings_are_exposure_infos(report):
    assert _host(report, TLS_HOST)["findings"] == []
    findings = _host(report, TCP_HOST)["findings"]
    assert [(f["id"], f["severity"], f["source"]) for f in findings] == [
        ("plain_tcp_loopback", "low", "exposure_info")]
    assert report["summary"]["findings"]["low"] == 1


def test_markdown_table_has_a_row_per_host_and_mode(clean):
    with open(os.path.join(str(clean[1]), "latest.md")) as handle:
        text = handle.read()
    rows = [line for line in text.splitlines() if line.startswith("| dx-audit-")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    assert [(c[0], c[1]) for c in cells] == [
        (TLS_HOST, "unix"), (TLS_HOST, "tcp (off)"), (TLS_HOST, "tls"),
        (TCP_HOST, "unix"), (TCP_HOST, "tcp"), (TCP_HOST, "tls (off)")]
    assert all(c[3].startswith("ok (") for c in cells), rows
    assert cells[3][5] == "plain_tcp_loopback (low)"
    assert "### low (1)" in text
    # The same table is in the run output.
    assert "| %s | tls | `tcp://%s:2376` | ok (reachable) |" % (TLS_HOST, container_ip(TLS_HOST)) in clean[0].stdout


# -- negative twin: a world-writable socket made by hand fails the gate

def _socket_stat(host):
    """The socket as the host has it, read with stat(1) and ss(8), not through the collection."""
    mode, owner, group = host.check_output("stat -L -c '%a %U %G' /run/docker.sock").split()
    listening = "/run/docker.sock" in host.check_output("ss -xlnH").split()
    return {"path": "/run/docker.sock", "exists": True, "owner": owner, "group": group,
            "mode": "%04o" % int(mode, 8), "world_accessible": bool(int(mode, 8) & 0o006), "listening": listening}


@pytest.fixture(scope="module")
def world_socket(hosts, tmp_path_factory, clean):
    host = hosts[TLS_HOST]
    converged = _socket_stat(host)["mode"]
    assert host.run("chmod 0666 /run/docker.sock").rc == 0
    try:
        during = _socket_stat(host)
        gated = run_audit(tmp_path_factory.mktemp("audit-gated"))
        ungated_dir = tmp_path_factory.mktemp("audit-ungated")
        ungated = run_audit(ungated_dir, dockerd_audit_fail_severity="none")
    finally:
        host.run("chmod %s /run/docker.sock" % converged)
    return gated, ungated, ungated_dir, during


def test_finding_fails_the_gate_naming_host_and_finding(world_socket):
    gated = world_socket[0]
    assert gated.returncode != 0, gated.stdout[-3000:]
    assert "Audit gate failed: 1 finding(s) at or above severity high" in gated.stdout
    assert "%s: [critical] socket_world_accessible: The Docker socket /run/docker.sock has mode 0666" % TLS_HOST \
        in gated.stdout, gated.stdout[-3000:]
    assert _changed(gated.stdout)[TLS_HOST] == 0


def test_gate_none_reports_the_finding_and_exits_0(world_socket):
    ungated, report_dir = world_socket[1], world_socket[2]
    assert ungated.returncode == 0, ungated.stdout[-3000:]
    with open(os.path.join(str(report_dir), "latest.json")) as handle:
        report = json.load(handle)
    assert [f["id"] for f in _host(report, TLS_HOST)["findings"]] == ["socket_world_accessible"]
    assert report["summary"]["gate"] == "passed" and report["fail_severity"] == "none"
    with open(os.path.join(str(report_dir), "latest.md")) as handle:
        assert "### critical (1)" in handle.read()


def test_bad_gate_is_refused_before_any_host_is_read(tmp_path):
    result = run_audit(tmp_path, dockerd_audit_fail_severity="severe")
    assert result.returncode != 0
    assert "dockerd_audit_fail_severity" in result.stdout and "critical" in result.stdout, result.stdout[-2000:]
    assert "Read how the host is exposed now" not in result.stdout
    assert os.listdir(str(tmp_path)) == []


def test_reports_show_the_socket_as_the_host_has_it(hosts, report, world_socket):
    """What the audit says of the socket is what stat(1) says on the host: converged, and
    while it was world-writable."""
    assert _host(report, TLS_HOST)["listeners"]["unix"] == [_socket_stat(hosts[TLS_HOST])]
    with open(os.path.join(str(world_socket[2]), "latest.json")) as handle:
        ungated = json.load(handle)
    assert _host(ungated, TLS_HOST)["listeners"]["unix"] == [world_socket[3]]


# -- nothing the roles manage changed

def test_audit_runs_leave_every_managed_file_unchanged(hosts, checksums_before, world_socket):
    assert {name: managed_checksums(h) for name, h in hosts.items()} == checksums_before

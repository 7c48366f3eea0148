"""The report of playbooks/audit.yml and its severity gate, built by the dockerd_audit_report
filter over hand-made host results, and its templates rendered with Ansible's own templar
(no host, no playbook run)."""

import json
import os
import subprocess
import sys

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TEMPLATES = os.path.join(REPO, "playbooks", "templates")
SEVERITIES = ["info", "low", "medium", "high", "critical"]


def _audit_play():
    with open(os.path.join(REPO, "playbooks", "audit.yml")) as handle:
        plays = yaml.safe_load(handle)
    assert len(plays) == 1, "one play, so that --limit cannot skip the report and the gate"
    return plays[0]


def _tasks(tasks):
    """Every task, blocks flattened."""
    for task in tasks:
        yield task
        for key in ("block", "rescue", "always"):
            for sub in _tasks(task.get(key) or []):
                yield sub


# Ansible's controller-side templating runs in a child process: importing it here would change
# how module warnings are collected for the module unit tests that run after these.
_TEMPLATE = r"""
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

job = json.load(sys.stdin)
init_plugin_loader([job["collections"]])  # the collection's filters

variables = {k: trust_as_template(v) if k in job["lazy"] and isinstance(v, str) else v
             for k, v in job["variables"].items()}
templar = Templar(loader=DataLoader(), variables=variables).copy_with_new_env(searchpath=[job["searchpath"]])
json.dump(templar.template(trust_as_template(job["source"])), sys.stdout)
"""


def _template(source, variables, lazy=()):
    """Render source with Ansible's templar; variables named in lazy are templates themselves."""
    job = {"source": source, "variables": variables, "lazy": list(lazy), "searchpath": TEMPLATES,
           "collections": os.path.join(REPO, ".cache", "collections")}
    result = subprocess.run([sys.executable, "-c", _TEMPLATE], input=json.dumps(job),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def _render(name, variables):
    with open(os.path.join(TEMPLATES, name)) as handle:
        return _template(handle.read(), variables)


def _check(endpoint, passed=True, outcome="reachable", latency=2.5, **extra):
    return dict(extra, endpoint=endpoint, passed=passed, outcome=outcome,
                latency_ms=latency if outcome == "reachable" else None, msg="%s: %s" % (endpoint, outcome))


def _finding(fid, severity):
    return {"id": fid, "severity": severity, "message": "%s | message." % fid, "fix": "Fix %s." % fid}


HOSTVARS = {
    "clean": {
        "dockerd_expose": ["unix", "tls"],
        "__dockerd_exposure_after": {"modes": ["tls", "unix"], "findings": [], "docker_version": "20.10.24",
                                     "unix_sockets": [{"path": "/run/docker.sock", "mode": "0660"}],
                                     "tcp_listeners": [{"address": "0.0.0.0", "port": 2376}]},
        "__dockerd_results": [
            {"mode": "unix", "check": _check("unix:///run/docker.sock")},
            {"mode": "tcp (off)", "check": _check("tcp://127.0.0.1:2375", outcome="refused")},
            {"mode": "tls", "check": _check("tcp://10.0.0.5:2376", probes={"no_client_cert": {"outcome": "refused"}})},
        ],
    },
    "broken": {
        "dockerd_expose": ["unix", "tcp"],
        "__dockerd_exposure_after": {"modes": ["unix"], "findings": [_finding("plain_tcp_public", "critical"),
                                                                     _finding("cert_expiring", "medium")]},
        "__dockerd_results": [
            {"mode": "unix", "check": _check("unix:///run/docker.sock")},
            {"mode": "tcp", "check": _check("tcp://10.0.0.6:2375", passed=False, outcome="refused",
                                            reason="connection_refused")},
        ],
    },
    "gone": {"dockerd_expose": ["unix"]},
    # ignore_unreachable: the shared checks ran and registered unreachable results.
    "away": {
        "__dockerd_exposure_after": {"unreachable": True, "msg": "Failed to connect to the host via ssh."},
        "__dockerd_results": [{"mode": "unix", "check": {"unreachable": True, "msg": "Failed to connect."}}],
    },
}


HOSTS = ["clean", "broken", "gone", "away"]


def _build(gate="high"):
    from ansible_collections.dockerd.exposure.plugins.filter.dockerd_audit_report import FilterModule

    build = FilterModule().filters()["dockerd_audit_report"]
    # A round trip through JSON, as the report is written and as the templates get it.
    return json.loads(json.dumps(build(HOSTS, HOSTVARS, "2026-11-28T10:00:00Z", gate)))


@pytest.fixture
def variables():
    return {"hostvars": HOSTVARS}


@pytest.fixture
def report():
    return _build()["report"]


def _host(report, name):
    return [h for h in report["hosts"] if h["host"] == name][0]


def test_report_and_gate_run_once_on_the_controller_in_the_audited_play():
    play = _audit_play()
    assert play["hosts"] == "docker_daemons"
    report = [t for t in play["tasks"] if t["name"].startswith("Write the reports and check the gate")][0]
    assert report["run_once"] is True and report["delegate_to"] == "localhost"
    assert report["block"][-1]["ansible.builtin.assert"]["that"] == "__dockerd_audit_offending | length == 0"


def test_the_play_validates_its_severity_choices_in_the_modules_order():
    from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import SEVERITIES as ORDER

    play = _audit_play()
    spec = play["vars"]["__dockerd_audit_spec"]
    assert _template(spec["dockerd_audit_fail_severity"]["choices"], {}) == ["none"] + list(ORDER)
    assert _build()["report"]["severities"] == list(ORDER)
    assert spec["dockerd_audit_fail_severity"]["default"] == "high"


def test_report_lists_every_host_with_endpoints_and_latency(report):
    assert [h["host"] for h in report["hosts"]] == ["clean", "broken", "gone", "away"]
    clean = _host(report, "clean")
    assert [(e["mode"], e["expect"], e["result"], e["latency_ms"]) for e in clean["endpoints"]] == [
        ("unix", "reachable", "ok", 2.5), ("tcp (off)", "refused", "ok", None), ("tls", "reachable", "ok", 2.5)]
    assert clean["endpoints"][2]["probes"] == {"no_client_cert": {"outcome": "refused"}}
    assert clean["findings"] == [] and clean["audited"] is True
    assert clean["listeners"]["tcp"] == [{"address": "0.0.0.0", "port": 2376}]
    assert report["summary"] == {"hosts": 4, "endpoints": 5, "endpoints_failed": 1, "findings_total": 6,
                                 "findings": {"critical": 1, "high": 3, "medium": 2, "low": 0, "info": 0},
                                 "gate": "failed", "offending": 4}


def test_audit_adds_its_own_findings_sorted_by_severity(report):
    broken = _host(report, "broken")
    assert [(f["id"], f["severity"], f["source"]) for f in broken["findings"]] == [
        ("plain_tcp_public", "critical", "exposure_info"),
        ("endpoint_failed", "high", "audit"),
        ("cert_expiring", "medium", "exposure_info"),
        ("modes_differ", "medium", "audit"),
    ]
    assert broken["findings"][3]["message"] == "The host serves unix while dockerd_expose asks for tcp, unix."
    assert broken["findings"][1]["line"].startswith("broken: [high] endpoint_failed: tcp endpoint tcp://10.0.0.6:2375")
    gone = _host(report, "gone")
    assert gone["audited"] is False and gone["endpoints"] == []
    assert [(f["id"], f["severity"]) for f in gone["findings"]] == [("not_audited", "high")]
    assert gone["findings"][0]["message"] == ("The audit could not read this host: its checks did not run "
                                              "(see the run output).")
    away = _host(report, "away")
    assert away["audited"] is False and away["endpoints"] == []
    assert [f["line"] for f in away["findings"]] == [
        "away: [high] not_audited: The audit could not read this host: Failed to connect to the host via ssh."]


@pytest.mark.parametrize("gate,expected", [
    ("none", []),
    ("critical", ["broken/plain_tcp_public"]),
    ("high", ["broken/plain_tcp_public", "broken/endpoint_failed", "gone/not_audited", "away/not_audited"]),
    ("info", ["broken/plain_tcp_public", "broken/endpoint_failed", "broken/cert_expiring",
              "broken/modes_differ", "gone/not_audited", "away/not_audited"]),
])
def test_gate_selects_findings_at_or_above_the_severity_across_hosts(gate, expected):
    built = _build(gate)
    assert ["%s/%s" % (f["host"], f["id"]) for f in built["offending"]] == expected
    assert built["report"]["summary"]["offending"] == len(expected)
    assert built["report"]["summary"]["gate"] == ("failed" if expected else "passed")
    assert built["report"]["fail_severity"] == gate


def test_markdown_table_has_a_row_per_host_and_mode(variables, report):
    report["summary"].update(gate="failed", offending=3)
    md = _render("audit_report.md.j2", dict(variables, __dockerd_audit=report))
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith("| host ")]
    assert rows[0] == "| clean | unix | `unix:///run/docker.sock` | ok (reachable) | 2.5 ms | none |"
    assert rows[1] == "| clean | tcp (off) | `tcp://127.0.0.1:2375` | ok (refused) | - |  |"
    assert rows[4] == "| broken | tcp | `tcp://10.0.0.6:2375` | **FAILED** (refused, connection_refused) | - |  |"
    assert rows[5] == "| gone | - | - | **NOT AUDITED** | - | not_audited (high) |"
    assert rows[6] == "| away | - | - | **NOT AUDITED** | - | not_audited (high) |"
    assert rows[3].endswith("| plain_tcp_public (critical), endpoint_failed (high), cert_expiring (medium), "
                            "modes_differ (medium) |")
    assert "findings: 1 critical, 3 high, 2 medium, 0 low, 0 info." in md
    assert "Gate (dockerd_audit_fail_severity=high): **failed** (3 finding(s) at or above high)." in md
    headings = [line for line in md.splitlines() if line.startswith("### ")]
    assert headings == ["### critical (1)", "### high (3)", "### medium (2)"]
    assert "- **broken** `plain_tcp_public`: plain_tcp_public | message.\n  Fix: Fix plain_tcp_public." in md


def test_html_report_escapes_and_marks_severities(variables, report):
    report["summary"].update(gate="failed", offending=3)
    html = _render("audit_report.html.j2", dict(variables, __dockerd_audit=report))
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert "<td>broken</td><td>tcp</td><td><code>tcp://10.0.0.6:2375</code></td>" in html
    assert '<span class="sev critical">plain_tcp_public</span>' in html
    assert "<td>gone</td><td>-</td><td>-</td><td class=\"failed\">NOT AUDITED</td>" in html
    assert "plain_tcp_public | message." in html and "<script" not in html

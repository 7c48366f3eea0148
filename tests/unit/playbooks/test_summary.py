"""The summary table of expose.yml and rotate.yml (playbooks/templates/summary.txt.j2), rendered
with Ansible's templar over hand-made host results: a host the rollout could not reach is told
apart from one that failed."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from test_audit_report import _render  # noqa: E402

UNIX_OK = {"mode": "unix", "check": {"endpoint": "unix:///run/docker.sock", "passed": True, "latency_ms": 2.5}}


def _rows(hostvars):
    text = _render("summary.txt.j2", {"__dockerd_summary_hosts": list(hostvars), "hostvars": hostvars})
    return {line.split()[0]: line for line in text.splitlines()[1:] if line.strip()}


def test_an_unreachable_host_is_marked_unreachable():
    rows = _rows({
        "gone": {"__dockerd_rollout_failure": "unreachable: nothing was changed on it; Ansible said: Failed to create temporary directory."},
        "fine": {"__dockerd_results": [UNIX_OK]},
    })
    assert re.match(r"gone\s+-\s+-\s+UNREACHABLE\s+-\s+unreachable: nothing was changed on it; Ansible said: Failed to create temporary directory\.$", rows["gone"])
    assert re.match(r"fine\s+unix\s+unix:///run/docker.sock\s+ok\s+2.5 ms\s+none$", rows["fine"])


def test_a_failed_host_is_not_run_not_unreachable():
    rows = _rows({"broken": {"__dockerd_rollout_failure": "dockerd did not come back on broken"},
                  "silent": {}})
    assert re.match(r"broken\s+-\s+-\s+NOT RUN\s+-\s+dockerd did not come back on broken$", rows["broken"])
    assert "UNREACHABLE" not in rows["broken"]
    assert re.match(r"silent\s+-\s+-\s+NOT RUN\s+-\s+failed before the checks or unreachable", rows["silent"])


def test_a_check_not_run_in_check_mode_says_why():
    not_run = {"skipped": True, "endpoint": "tcp://192.0.2.7:2376", "not_run": "not run (check mode): dockerd would restart"}
    rows = _rows({"fresh": {"__dockerd_results": [dict(UNIX_OK), {"mode": "tls", "check": not_run}]}})
    assert re.match(r"fresh\s+unix\s+unix:///run/docker.sock\s+ok\s+2.5 ms\s+none$", rows["fresh"])
    assert re.match(r"\s+tls\s+tcp://192.0.2.7:2376\s+skipped\s+-\s+not run \(check mode\): dockerd would restart$", rows["tls"])

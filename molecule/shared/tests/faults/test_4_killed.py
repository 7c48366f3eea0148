"""ansible-playbook killed (SIGKILL, its whole process group) after it wrote the new daemon.json
and before it restarted dockerd: dockerd still runs the old configuration. The rerun sees the
files already in place, and restarts all the same (exposure_info: files newer than dockerd),
ending on the new configuration; a further run changes nothing. Last of the fault tests: it
leaves dx-faults-2 on the new configuration."""

import json
import os
import signal
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fleet_state import (INVOCATION, ansible_host, assert_rerun_changes_nothing, assert_serves_as_configured, expose,
                         expose_background, get_host, log_path, managed_checksums,
                         read_text)  # noqa: E402

NAME = "dx-faults-2"
testinfra_hosts = [NAME]
# The change the killed run was making: TLS added to a unix-only host.
WANTED = {"dockerd_expose": ["unix", "tls"]}


def _daemon_json(host):
    f = host.file("/etc/docker/daemon.json")
    return json.loads(f.content_string) if f.exists else {}


# Ansible's modules run on the host as AnsiballZ_<module>.py; /proc, as a stock host has no
# procps. "Ansiball[Z]_" in the pattern keeps this shell from matching its own command line.
MODULES_RUNNING = ("for p in /proc/[0-9]*; do c=$( { tr '\\0' ' ' < $p/cmdline; } 2>/dev/null); "
                   "case $c in *Ansiball[Z]_*) echo \"${p#/proc/} $c\";; esac; done")


def _modules_running(host):
    """The Ansible modules running on the host now, one "PID command line" per line."""
    return host.check_output(MODULES_RUNNING).strip()


@pytest.fixture(scope="module")
def node():
    return get_host(NAME)


@pytest.fixture(scope="module")
def killed(node):
    before = dict(invocation=node.check_output(INVOCATION))
    assert "tlsverify" not in _daemon_json(node)
    log = log_path("killed")
    seen = False
    with open(log, "w") as out:
        proc = expose_background(WANTED, limit=NAME, log=out)
        try:
            deadline = time.monotonic() + 1800
            while time.monotonic() < deadline and proc.poll() is None:
                if "tlsverify" in node.run("cat /etc/docker/daemon.json").stdout:
                    os.killpg(proc.pid, signal.SIGKILL)
                    seen = True
                    break
                time.sleep(0.1)
        finally:
            if proc.poll() is None and not seen:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
    # Killing ansible-playbook (and its docker exec clients) does not stop a module already
    # running on the host: it finishes on its own. Read the host once none is left.
    left = _modules_running(node)
    deadline = time.monotonic() + 120
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _modules_running(node)
    assert not left, "a module of the killed run still runs on %s after 120 s:\n%s" % (NAME, left)
    return dict(before=before, seen=seen, rc=proc.returncode, log=read_text(log),
                invocation=node.check_output(INVOCATION), files=managed_checksums(node))


def test_the_kill_landed_between_writing_and_restarting(killed, node, request):
    assert killed["seen"], "daemon.json never got the TLS keys: " + killed["log"][-3000:]
    assert killed["rc"] == -signal.SIGKILL
    assert "PLAY RECAP" not in killed["log"]
    # dockerd was not restarted: it still runs without TLS although daemon.json asks for it.
    assert killed["invocation"] == killed["before"]["invocation"]
    assert _daemon_json(node)["tlsverify"] is True
    assert not node.socket("tcp://0.0.0.0:2376").is_listening
    info = ansible_host(request, NAME).ansible("dockerd.exposure.exposure_info", check=False)
    assert info["pending"]["service"] is True and "/etc/docker/daemon.json" in info["pending"]["newer_files"], info["pending"]


def test_the_rerun_restarts_and_serves_the_new_configuration(killed, node):
    result = expose(WANTED, limit=NAME)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "dockerd runs an older configuration than on disk" in " ".join(result.stdout.split()), result.stdout[-3000:]
    assert node.check_output(INVOCATION) != killed["invocation"]
    # The killed run had written every file already: the rerun only restarted.
    assert managed_checksums(node) == killed["files"]
    assert_serves_as_configured(node, NAME, {"unix", "tls"})


def test_a_further_run_changes_nothing(killed, node):
    assert_rerun_changes_nothing({NAME: node}, WANTED, limit=NAME)


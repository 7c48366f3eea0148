"""A server certificate inside its renewal window is renewed on the next run: after converge,
dx-faults-1's certificate has 365 days left; a run with dockerd_tls_renew_days 400 (and
dockerd_tls_validity_days 800, which validation requires to be larger) finds it inside the
window and reissues it. dockerd serves the new one (read with openssl s_client from the
controller), clients still connect, and a further run with the same settings does not renew
again (800 days left, outside a 400-day window)."""

import datetime
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from fleet_state import (INVOCATION, assert_rerun_changes_nothing, assert_serves_as_configured, container_ip,
                         dockerd_starts_since, expose, get_host, journal_mark, managed_checksums)  # noqa: E402

NAME = "dx-faults-1"
testinfra_hosts = [NAME]
WINDOW = {"dockerd_tls_renew_days": 400, "dockerd_tls_validity_days": 800}


def _served(name):
    """(serial, notAfter) of the certificate dockerd presents on its TLS port."""
    bundle = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "pki", "clients", "admin")
    hello = subprocess.run(
        ["openssl", "s_client", "-connect", "%s:2376" % container_ip(name), "-CAfile", bundle + "/ca.pem",
         "-cert", bundle + "/cert.pem", "-key", bundle + "/key.pem", "-verify_return_error"],
        input="", capture_output=True, text=True, timeout=30)
    assert "BEGIN CERTIFICATE" in hello.stdout, hello.stderr[-2000:]
    cert = subprocess.run(["openssl", "x509", "-noout", "-serial", "-enddate"], input=hello.stdout,
                          capture_output=True, text=True, check=True).stdout
    fields = dict(line.split("=", 1) for line in cert.splitlines())
    return fields["serial"], datetime.datetime.strptime(fields["notAfter"], "%b %d %H:%M:%S %Y %Z")


def _on_disk(host):
    out = host.check_output("openssl x509 -noout -serial -in /etc/docker/tls/server-cert.pem")
    return out.split("=", 1)[1]


def _days_left(not_after):
    return (not_after - datetime.datetime.utcnow()).total_seconds() / 86400


@pytest.fixture(scope="module")
def node():
    return get_host(NAME)


@pytest.fixture(scope="module")
def renewed(node):
    before = dict(served=_served(NAME), files=managed_checksums(node), invocation=node.check_output(INVOCATION),
                  mark=journal_mark(node))
    assert 364 < _days_left(before["served"][1]) <= 365
    result = expose(WINDOW, limit=NAME)
    assert result.returncode == 0, result.stdout[-3000:]
    serial, not_after = _served(NAME)
    return dict(before=before, result=result, serial=serial, not_after=not_after,
                starts=dockerd_starts_since(node, before["mark"]))


def test_the_run_renews_it_and_dockerd_serves_the_new_one(renewed, node):
    assert renewed["serial"] != renewed["before"]["served"][0]
    assert _on_disk(node) == renewed["serial"]
    assert 799 < _days_left(renewed["not_after"]) <= 800
    # One restart brought the new certificate in: one start of docker.service in the journal
    # during the run, and the dockerd running now is a new one.
    count, lines = renewed["starts"]
    assert count == 1, "docker.service was started %d times during the renewal run:\n%s" % (count, "\n".join(lines))
    assert node.check_output(INVOCATION) != renewed["before"]["invocation"]


def test_clients_still_connect(renewed, node):
    assert managed_checksums(node) == renewed["before"]["files"]
    assert_serves_as_configured(node, NAME)
    # The check play's own TLS check (client certificate, negative probes) passed too.
    assert re.search(r"\btls\s+tcp://%s:2376\s+ok\b" % re.escape(container_ip(NAME)), renewed["result"].stdout), renewed["result"].stdout[-3000:]


def test_a_further_run_does_not_renew_again(renewed, node):
    mark = journal_mark(node)
    assert_rerun_changes_nothing({NAME: node}, WINDOW, limit=NAME)
    # The twin of the count above: no start of docker.service during this run.
    assert dockerd_starts_since(node, mark) == (0, [])
    assert _served(NAME)[0] == renewed["serial"]
    assert _on_disk(node) == renewed["serial"]

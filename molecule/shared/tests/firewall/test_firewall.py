"""Allowed sources on the tcp and tls ports: our own nftables table on the daemon host,
checked from a client that is allowed, one that is not, the controller and loopback; Docker's
own rules stay as they are, and a firewall-only change never restarts dockerd."""

import json
import os
import shlex
import socket
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import container_ip, daemon_ping, run_expose  # noqa: E402

testinfra_hosts = ["dx-fw-daemon"]
DAEMON = "dx-fw-daemon"
BUNDLE = "/root/.docker/dockerd-exposure/tls/admin"
TABLE = "inet dockerd_exposure"


def _client(request, name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=request.config.getoption("ansible_inventory"))


@pytest.fixture(scope="module")
def allowed(request):
    return _client(request, "dx-fw-allowed")


@pytest.fixture(scope="module")
def denied(request):
    return _client(request, "dx-fw-denied")


def _tcp_ping(client, address=DAEMON):
    return client.run("curl -sS -m 5 http://%s:2375/_ping" % address)


def _tls_cli(client):
    return client.run("DOCKER_CERT_PATH=%s docker --tlsverify -H %s:2376 version --format '{{.Server.Version}}'"
                      % (BUNDLE, DAEMON))


def _tls_curl(client):
    return client.run("curl -sS -m 5 --cacert {b}/ca.pem --cert {b}/cert.pem --key {b}/key.pem "
                      "https://{d}:2376/_ping".format(b=BUNDLE, d=DAEMON))


def _controller_connect(port):
    """A plain TCP connect from the controller; returns None when it connects, else the error."""
    try:
        with socket.create_connection((container_ip(DAEMON), port), timeout=5):
            return None
    except OSError as error:
        return error


def _docker_rules(host):
    """The whole ruleset without our table: Docker's (iptables-nft) tables and anything else."""
    ruleset = json.loads(host.check_output("nft -j list ruleset"))["nftables"]
    ours = [item for item in ruleset
            if item.get("table", {}).get("name") == "dockerd_exposure"
            or any(item.get(kind, {}).get("table") == "dockerd_exposure" for kind in ("chain", "set", "rule"))]
    return [item for item in ruleset if item not in ours and "metainfo" not in item], ours


def _strip_handles(items):
    """Rules as written: without handles and without packet/byte counters, which traffic moves."""
    text = json.dumps(items, sort_keys=True)
    return json.loads(text, object_hook=lambda d: {k: v for k, v in d.items()
                                                   if k not in ("handle", "packets", "bytes")})


def _invocation(host):
    return host.check_output("systemctl show -p InvocationID --value docker.service")


# -- the allowed client: both ports work

def test_allowed_client_reaches_plain_tcp(allowed):
    assert _tcp_ping(allowed).stdout == "OK"
    result = allowed.run("docker -H tcp://%s:2375 version --format '{{.Server.Version}}'" % DAEMON)
    assert result.rc == 0 and result.stdout.strip(), result.stderr


def test_allowed_client_reaches_tls_with_the_cli_and_curl(allowed):
    result = _tls_cli(allowed)
    assert result.rc == 0 and result.stdout.strip(), result.stderr
    assert _tls_curl(allowed).stdout == "OK"


# -- the negative twins: the denied client and the controller are turned away

def test_denied_client_is_refused_on_plain_tcp(denied):
    result = _tcp_ping(denied)
    print("denied client, tcp:", result.stderr.strip())
    # curl 7 at once (a TCP reset), not 28 (a timeout): refused, not dropped.
    assert result.rc == 7 and "Couldn't connect to server" in result.stderr, result.stderr
    cli = denied.run("docker -H tcp://%s:2375 version" % DAEMON)
    print("denied client, docker CLI tcp:", cli.stderr.strip())
    assert cli.rc != 0 and "Cannot connect to the Docker daemon" in cli.stderr, cli.stderr


def test_denied_client_is_refused_on_tls_although_it_holds_a_valid_bundle(denied):
    # Same bundle as the allowed client (the client role gave it one): only the source differs.
    assert denied.file(BUNDLE + "/key.pem").exists
    result = _tls_curl(denied)
    print("denied client, tls:", result.stderr.strip())
    assert result.rc == 7 and "Couldn't connect to server" in result.stderr, result.stderr
    cli = _tls_cli(denied)
    print("denied client, docker CLI tls:", cli.stderr.strip())
    assert cli.rc != 0 and "Cannot connect to the Docker daemon" in cli.stderr, cli.stderr


@pytest.mark.parametrize("port", [2375, 2376])
def test_controller_is_not_in_the_list_and_is_refused(port):
    error = _controller_connect(port)
    print("controller, port %d: %r" % (port, error))
    assert isinstance(error, ConnectionRefusedError), error


# -- loopback on the daemon host is always allowed

def test_loopback_on_the_daemon_host_reaches_both_ports(host):
    # The host dialling its own network address goes through lo too.
    for address in ("127.0.0.1", container_ip(DAEMON)):
        ping = daemon_ping(host, "tcp://%s:2375" % address)
        assert ping.rc == 0 and ping.stdout == "OK", (address, ping.stderr)
    handshake = host.run("openssl s_client -connect 127.0.0.1:2376 -CAfile /etc/docker/tls/ca.pem </dev/null 2>&1")
    assert "Verify return code: 0 (ok)" in handshake.stdout, handshake.stdout


# -- what is on the host

def test_our_table_lists_the_allowed_sources(host):
    table = host.check_output("nft list table %s" % TABLE)
    print(table)
    allowed_ip = container_ip("dx-fw-allowed")
    assert "tcp dport 2375 reject with tcp reset" in table
    assert "tcp dport 2376 reject with tcp reset" in table
    assert 'iif "lo" accept' in table
    assert table.count(allowed_ip) == 2  # once in the tcp set, once in the tls set
    assert "2001:db8::/32" in table and "192.0.2.0/24" in table and "2001:db8:1::7" in table


def test_the_unit_loads_the_file_not_nftables_service(host):
    unit = host.service("dockerd-exposure-firewall.service")
    assert unit.is_enabled and unit.is_running
    assert not host.service("nftables.service").is_running
    rules = host.file("/etc/dockerd-exposure/firewall.nft")
    assert rules.user == "root" and rules.mode == 0o644
    assert "flush ruleset" not in rules.content_string


# -- at boot the table is loaded before either port listens

FIREWALL_UNIT = "dockerd-exposure-firewall.service"
SOCKETS = ("docker.socket", "dockerd-exposure-tcp.socket")
# Connects to both ports from the denied client until its stdin closes (at most 120 s), then
# prints how many connects were made and how many were refused, per port.
_PROBE = """
import json, select, socket, sys, time
counts = {p: {"connected": 0, "refused": 0, "other": 0} for p in (2375, 2376)}
print("probing", flush=True)
end = time.monotonic() + 120
while time.monotonic() < end and not select.select([sys.stdin], [], [], 0.02)[0]:
    for port in counts:
        try:
            socket.create_connection((sys.argv[1], port), timeout=2).close()
            counts[port]["connected"] += 1
        except ConnectionRefusedError:
            counts[port]["refused"] += 1
        except OSError:
            counts[port]["other"] += 1
print(json.dumps(counts))
"""


BOOT_TARGET = "dx-fw-boot.target"
BOOT_TARGET_FILE = "/run/systemd/system/" + BOOT_TARGET


def _enabled_at_boot(host):
    """The firewall unit, the sockets and docker.service, as far as the boot targets want them.
    (Starting an active target again does not start what it wants: hence a target of our own.)"""
    wanted = host.check_output("systemctl show -p Wants --value sysinit.target sockets.target multi-user.target")
    return [unit for unit in (FIREWALL_UNIT,) + SOCKETS + ("docker.service",) if unit in wanted.split()]


def _monotonic(host, unit, prop):
    return int(host.check_output("systemctl show -p %s --value %s" % (prop, unit)))


def test_a_reboot_loads_the_table_before_the_ports_listen(host, allowed, denied):
    """Everything stopped as on a powered-off host (table deleted, no listener), then the boot
    transaction started again; the denied client dials both ports all along."""
    probe = subprocess.Popen(["docker", "exec", "-i", "dx-fw-denied", "python3", "-c", _PROBE, container_ip(DAEMON)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert probe.stdout.readline() == "probing\n"
        host.check_output("systemctl stop docker.service dockerd-exposure-tcp.service %s %s"
                          % (" ".join(SOCKETS), FIREWALL_UNIT))
        down = host.run("nft list table %s" % TABLE)
        assert down.rc != 0 and "No such file or directory" in down.stderr, down.stderr
        assert host.check_output("ss -ltnH '( sport = :2375 or sport = :2376 )'") == ""
        # One transaction, as at boot: systemd orders its jobs by the units' own Before=/After=.
        # Which of them it holds is what the boot targets want (what is enabled) on the host.
        host.check_output("printf '[Unit]\\nWants=%s\\n' > %s && systemctl daemon-reload && systemctl start %s"
                          % (" ".join(_enabled_at_boot(host)), BOOT_TARGET_FILE, BOOT_TARGET))
        # Right after the start: the allowed client is served on both ports, the denied one refused.
        assert _tcp_ping(allowed).stdout == "OK"
        assert _tls_curl(allowed).stdout == "OK"
        refused = _tcp_ping(denied)
        assert refused.rc == 7 and "Couldn't connect to server" in refused.stderr, (refused.stdout, refused.stderr)
    finally:
        counts, _ = probe.communicate("stop\n", timeout=30)
        # Whatever failed above, the next tests get a running host.
        host.run("rm -f %s; systemctl daemon-reload; systemctl start %s %s docker.service"
                 % (BOOT_TARGET_FILE, FIREWALL_UNIT, " ".join(SOCKETS)))
    print("denied client during the reboot:", counts)
    counts = json.loads(counts)
    assert [counts[p]["connected"] for p in ("2375", "2376")] == [0, 0], counts
    assert counts["2375"]["refused"] > 0 and counts["2376"]["refused"] > 0, counts
    # systemd's own record of that transaction: the rules were loaded (the oneshot finished)
    # before either socket unit began to bind.
    loaded = _monotonic(host, FIREWALL_UNIT, "ActiveEnterTimestampMonotonic")
    for unit in SOCKETS:
        assert 0 < loaded <= _monotonic(host, unit, "InactiveExitTimestampMonotonic"), unit


def test_docker_rules_are_there_to_compare(host):
    docker_rules, ours = _docker_rules(host)
    names = {(c["chain"]["family"], c["chain"]["table"], c["chain"]["name"]) for c in docker_rules if "chain" in c}
    assert ("ip", "filter", "DOCKER") in names and ("ip", "nat", "DOCKER") in names, sorted(names)
    assert ours, "our table is not loaded"


PUBLISHED = "published by the inner dockerd"


@pytest.fixture(scope="module")
def published_port(host):
    """A container of the inner dockerd with a published port: busybox httpd answering PUBLISHED.
    The image is the test client's static busybox, imported on the daemon host (which has no
    tools of its own to spare, and no registry to pull from)."""
    busybox = subprocess.run(["docker", "cp", "dx-fw-allowed:/bin/busybox", "-"], check=True, capture_output=True)
    imported = subprocess.run(["docker", "exec", "-i", DAEMON, "docker", "import", "-", "dx-fw/busybox"],
                              input=busybox.stdout, capture_output=True)
    assert imported.returncode == 0, imported.stderr
    host.run("docker rm -f dx-fw-published >/dev/null 2>&1")
    serve = ("/busybox mkdir -p /www && echo -n '%s' > /www/index.html && exec /busybox httpd -f -p 8080 -h /www"
             % PUBLISHED)
    yield host.run("docker run -d --name dx-fw-published -p 8080:8080 dx-fw/busybox /busybox sh -c %s"
                   % shlex.quote(serve))
    host.run("docker rm -f dx-fw-published")


class Docker26GivesNoVeth(Exception):
    """Docker 26 inside these containers cannot set up a container's veth (see
    molecule/shared/prepare_keeper_containers.yml)."""


DOCKER26_VETH = "failed to disable IPv6 on container's interface eth0"


def test_a_published_port_of_the_inner_dockerd_still_works_for_everyone(published_port, denied, host, request):
    if int(host.check_output("docker version --format '{{.Server.Version}}'").split(".")[0]) >= 26:
        # Known limit, strict: this very error xfails; any other failure, or a success, fails.
        request.applymarker(pytest.mark.xfail(raises=Docker26GivesNoVeth, strict=True, reason=DOCKER26_VETH))
        if published_port.rc != 0 and DOCKER26_VETH in published_port.stderr:
            raise Docker26GivesNoVeth(published_port.stderr.strip())
    assert published_port.rc == 0, "the inner dockerd could not start a container with a published port: %s" \
        % published_port.stderr.strip()
    # DNAT + forward (Docker's rules) is not our input chain: even the denied client gets in.
    served = denied.run("curl -sS -m 5 --retry 5 --retry-connrefused http://%s:8080/" % DAEMON)
    assert served.rc == 0 and served.stdout == PUBLISHED, served.stderr
    # The twin: a port nobody published is refused.
    closed = denied.run("curl -sS -m 5 http://%s:8081/" % DAEMON)
    assert closed.rc == 7 and "Couldn't connect to server" in closed.stderr, closed.stderr


def test_bad_source_fails_before_any_change(host):
    before = host.check_output("sha256sum /etc/dockerd-exposure/firewall.nft")
    result = run_expose(DAEMON, {"dockerd_tcp_allowed_sources": ["10.0.0.5/8", "docker.example.org"]})
    print(result.stdout[-1500:])
    assert result.returncode != 0
    assert "dockerd_tcp_allowed_sources has entries that are not an IPv4 or IPv6 address or network" in result.stdout
    assert '["10.0.0.5/8", "docker.example.org"]' in result.stdout
    assert host.check_output("sha256sum /etc/dockerd-exposure/firewall.nft") == before


def test_exposure_info_reports_the_firewall(exposure):
    assert exposure["modes"] == ["tcp", "tls", "unix"]
    allowed_ip = container_ip("dx-fw-allowed")
    assert exposure["firewall"] == {
        "loaded": True,
        "loopback_allowed": True,
        "ports": [
            {"port": 2375, "allowed_sources": [allowed_ip, "2001:db8::/32"]},
            {"port": 2376, "allowed_sources": [allowed_ip, "192.0.2.0/24", "2001:db8:1::7"]},
        ],
    }


def test_firewall_off_then_changed_leaves_docker_rules_and_dockerd_alone(host, allowed, denied):
    # Runs last: it leaves the TLS list changed (Molecule destroys the host next).
    invocation = _invocation(host)
    docker_rules_on, _ = _docker_rules(host)
    off = {"dockerd_tcp_allowed_sources": [], "dockerd_tls_allowed_sources": []}

    # --check --diff predicts the removal and changes nothing.
    check = run_expose(DAEMON, off, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    # The fleet's plan names the removals (one line per change).
    for change in ("the firewall table is deleted", "/etc/dockerd-exposure is removed",
                   "the firewall unit is stopped and disabled"):
        assert change in check.stdout, check.stdout[-3000:]
    assert host.run("nft list table %s" % TABLE).rc == 0

    # Off: the table, its unit and its file go; everyone reaches the ports again.
    result = run_expose(DAEMON, off)
    assert result.returncode == 0, result.stdout[-3000:]
    gone = host.run("nft list table %s" % TABLE)
    print("after removal:", gone.stderr.strip())
    assert gone.rc != 0 and "No such file or directory" in gone.stderr, gone.stderr
    assert not host.file("/etc/dockerd-exposure").exists
    assert not host.file("/etc/systemd/system/dockerd-exposure-firewall.service").exists
    assert _tcp_ping(denied).stdout == "OK"
    assert _controller_connect(2376) is None
    docker_rules_off, ours = _docker_rules(host)
    assert ours == []
    assert _strip_handles(docker_rules_off) == _strip_handles(docker_rules_on)

    # On again with another TLS list: the allowed client keeps plain TCP and loses TLS.
    result = run_expose(DAEMON, {"dockerd_tls_allowed_sources": ["192.0.2.0/24"]})
    assert result.returncode == 0, result.stdout[-3000:]
    assert _tcp_ping(allowed).stdout == "OK"
    assert _tls_curl(allowed).rc == 7
    assert _tcp_ping(denied).rc == 7
    assert isinstance(_controller_connect(2376), ConnectionRefusedError)
    docker_rules_again, ours = _docker_rules(host)
    assert ours
    assert _strip_handles(docker_rules_again) == _strip_handles(docker_rules_on)

    # None of these changes restarted dockerd.
    assert _invocation(host) == invocation

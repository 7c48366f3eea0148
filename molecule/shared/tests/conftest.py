"""Shared fixtures and helpers for the Molecule verifiers (testinfra over `docker exec`)."""

import json
import os
import shlex
import subprocess

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Files the daemon role manages; a refused run must leave all of them as they were.
MANAGED_FILES = (
    "/etc/systemd/system/docker.socket.d/50-dockerd-exposure.conf",
    "/etc/systemd/system/docker.service.d/50-dockerd-exposure.conf",
    "/etc/docker/daemon.json",
    "/etc/systemd/system/dockerd-exposure-tcp.socket",
    "/etc/systemd/system/dockerd-exposure-tcp.service",
    "/etc/dockerd-exposure/firewall.nft",
    "/etc/systemd/system/dockerd-exposure-firewall.service",
)
# What else a run may write on a daemon host: the tls role's server material, the ssh role's
# sshd drop-in, and the accounts and groups (socket group, docker-over-ssh users). Checked
# where a run must change nothing at all (bad input).
HOST_FILES = MANAGED_FILES + (
    "/etc/docker/tls/ca.pem",
    "/etc/docker/tls/server-cert.pem",
    "/etc/docker/tls/server-key.pem",
    "/etc/ssh/sshd_config.d/50-dockerd-exposure.conf",
    "/etc/passwd",
    "/etc/group",
)


@pytest.fixture
def hostvars(host):
    """The host's inventory variables as Molecule wrote them."""
    return host.ansible.get_variables()


@pytest.fixture
def exposure(host):
    """What dockerd.exposure.exposure_info reports on the host right now."""
    result = host.ansible("dockerd.exposure.exposure_info", check=False)
    assert not result.get("failed"), result
    return result


def run_as(host, user, command):
    """Run a shell command as another account, the way that user would (login groups)."""
    return host.run("runuser -u %s -- sh -c %s" % (user, shlex.quote(command)))


# GET /_ping with python3's standard library, run on a daemon host: a stock host has no curl
# and no Docker SDK, and test tools belong on the test clients, not on the host under test.
_PING = """
import http.client, socket, sys
url = sys.argv[1]
try:
    if url.startswith("unix://"):
        conn = http.client.HTTPConnection("localhost", timeout=5)
        conn.sock = socket.socket(socket.AF_UNIX)
        conn.sock.settimeout(5)
        conn.sock.connect(url[len("unix://"):])
    else:
        conn = http.client.HTTPConnection(url[len("tcp://"):], timeout=5)
    conn.request("GET", "/_ping")
    answer = conn.getresponse()
    body = answer.read().decode()
except (OSError, http.client.HTTPException) as error:
    sys.exit("%s: %s" % (type(error).__name__, error))
sys.stdout.write(body)
sys.exit(0 if answer.status == 200 else "HTTP %d" % answer.status)
"""
# What ping_command prints on stderr (rc 1) when nothing listens.
PING_REFUSED = "ConnectionRefusedError: [Errno 111] Connection refused"


def ping_command(docker_host):
    """A shell command for GET /_ping on docker_host (unix:///path or tcp://address:port): rc 0
    and the body on stdout for a 200, else rc 1 and one line on stderr ("HTTP 404", or the
    connection error as "ConnectionRefusedError: [Errno 111] Connection refused")."""
    return "python3 -c %s %s" % (shlex.quote(_PING), shlex.quote(docker_host))


def daemon_ping(host, docker_host="unix:///run/docker.sock"):
    """GET /_ping on the daemon host itself (see ping_command)."""
    return host.run(ping_command(docker_host))


def container_ip(name):
    """The address of a container on the project's network, as the controller dials it."""
    out = subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert out, "container %s has no address" % name
    return out[0]


def tls_ping(name, bundle="admin", pki="pki"):
    """/_ping over mutual TLS from the controller with a client bundle of the scenario's PKI
    (or of another PKI directory under the scenario's ephemeral directory), with curl, so the
    result carries curl's exit code and message."""
    bundle = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], pki, "clients", bundle)
    return subprocess.run(
        ["curl", "-sS", "--max-time", "5", "--cacert", bundle + "/ca.pem", "--cert", bundle + "/cert.pem",
         "--key", bundle + "/key.pem", "https://%s:2376/_ping" % container_ip(name)],
        capture_output=True, text=True)


def exec_start(host):
    """dockerd's command line as docker.service has it now (the packaged ExecStart, or the
    scenario's drop-in: the packaged one with its listeners replaced by -H fd://)."""
    shown = host.check_output("systemctl show docker.service --property=ExecStart --value")
    return shown.split("argv[]=", 1)[1].split(" ;", 1)[0]


def managed_checksums(host, paths=MANAGED_FILES):
    """sha256 of every managed file (or of paths) on the host (None when absent), in one call."""
    out = host.check_output(
        'for f in %s; do if [ -e "$f" ]; then sha256sum "$f"; else echo "- $f"; fi; done'
        % " ".join(shlex.quote(p) for p in paths))
    sums = dict.fromkeys(paths)
    for line in out.splitlines():
        digest, path = line.split(None, 1)
        sums[path] = None if digest == "-" else digest
    return sums


def run_expose(limit, extra_vars, *args):
    """Run the main job against one Molecule instance, as an operator would."""
    cmd = [
        "ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
        os.path.join(REPO, "playbooks", "expose.yml"), "-l", limit,
        "-e", json.dumps(extra_vars),
    ] + list(args)
    # ansible-core prints the [ERROR] sentence on stderr: keep both streams in stdout.
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR="0"))

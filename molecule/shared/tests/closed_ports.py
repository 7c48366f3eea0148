"""Ports that must not serve dockerd's API, probed on the daemon host with real clients.

Looking for "dockerd" in `ss` misses a listener held by systemd (plain TCP is served by
dockerd-exposure-tcp.socket, and a docker.socket drop-in could hold any port), and
exposure_info reports what the product thinks it configured. Here the docker CLI and
python3's standard library dial the port, each first shown to work against the unix socket,
so a refusal is the port's and not a broken client's.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from conftest import PING_REFUSED, container_ip, daemon_ping  # noqa: E402

# The ports of the tcp and tls modes (their defaults).
DOCKERD_TCP_PORTS = (2375, 2376)
CLI_VERSION = "docker -H %s version --format '{{.Server.Version}}'"
CLI_REFUSED = "Cannot connect to the Docker daemon at %s. Is the docker daemon running?"


def daemon_addresses(host):
    """Where a client on the host dials a TCP port: loopback and the container's own address."""
    return ("127.0.0.1", container_ip(host.backend.get_hostname()))


def assert_unix_socket_answers(host, socket="/run/docker.sock"):
    """Both clients get dockerd's answer over the unix socket (the twin of a refusal below)."""
    url = "unix://" + socket
    cli = host.run(CLI_VERSION % url)
    assert cli.rc == 0 and cli.stdout.strip(), cli.stderr
    ping = daemon_ping(host, url)
    assert (ping.rc, ping.stdout) == (0, "OK"), ping.stderr


def assert_refused(host, address, port):
    """Both clients are refused at tcp://address:port with their exact messages."""
    url = "tcp://%s:%d" % (address, port)
    cli = host.run(CLI_VERSION % url)
    assert (cli.rc, cli.stderr.strip()) == (1, CLI_REFUSED % url), \
        "docker CLI at %s: rc=%d %s%s" % (url, cli.rc, cli.stdout, cli.stderr)
    ping = daemon_ping(host, url)
    assert (ping.rc, ping.stderr.strip()) == (1, PING_REFUSED), \
        "GET /_ping at %s: rc=%d %s%s" % (url, ping.rc, ping.stdout, ping.stderr)

"""Migration: a host whose operator put `-H tcp://0.0.0.0:2375 --label dx.operator-flag=kept`
into a full copy of docker.service (molecule/shared/prepare_tcp_operator.yml, which also saw
dockerd answer on the public port) is taken over: the public port closes, only the managed
loopback listener serves, the operator's other options stay, and the packaged files are
left as the package installed them."""

import os
import re
import sys

import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from closed_ports import CLI_VERSION, assert_refused  # noqa: E402
from conftest import container_ip, daemon_ping  # noqa: E402

OPERATOR = "dx-tcp-loopback"
testinfra_hosts = [OPERATOR]


def _other_host(request, name):
    inventory = request.config.getoption("ansible_inventory")
    return testinfra.get_host("ansible://" + name, ansible_inventory=inventory)


def _labels(host):
    result = host.run("docker info --format '{{json .Labels}}'")
    assert result.rc == 0, result.stderr
    return result.stdout.strip()


def test_the_operator_unit_copy_is_still_what_systemd_loads(host):
    # Without it the tests below would prove nothing about a migration.
    fragment = host.run("systemctl show -p FragmentPath --value docker.service").stdout.strip()
    assert fragment == "/etc/systemd/system/docker.service"


def test_public_port_is_closed_and_only_the_managed_loopback_listener_serves(host):
    address = container_ip(OPERATOR)
    assert_refused(host, address, 2375)
    cli = host.run(CLI_VERSION % "tcp://127.0.0.1:2375")
    assert cli.rc == 0 and cli.stdout.strip(), cli.stderr
    ping = daemon_ping(host, "tcp://127.0.0.1:2375")
    assert (ping.rc, ping.stdout) == (0, "OK"), ping.stderr
    # One listener on 2375, the collection's socket unit on loopback; dockerd holds none.
    listeners = host.run("ss -Hltnp 'sport = :2375'").stdout.splitlines()
    assert [line.split()[3] for line in listeners] == ["127.0.0.1:2375"], listeners
    assert all('("systemd",pid=1,' in line for line in listeners), listeners
    assert host.run("systemctl is-active dockerd-exposure-tcp.socket").stdout.strip() == "active"


def test_public_port_refuses_the_test_client(request):
    client = _other_host(request, "dx-tcp-client")
    address = container_ip(OPERATOR)
    refused = client.run("curl -sS -m 5 http://%s:2375/_ping" % address)
    assert refused.rc == 7, refused.stderr
    assert re.fullmatch(r"curl: \(7\) Failed to connect to %s port 2375 after \d+ ms: Couldn't connect to server"
                        % re.escape(address), refused.stderr.strip()), refused.stderr
    # The twin: the same client reaches the public host's managed listener.
    served = client.run("curl -sS -m 5 http://%s:2375/_ping" % container_ip("dx-tcp-public"))
    assert (served.rc, served.stdout) == (0, "OK"), served.stderr


def test_the_operators_other_options_are_kept(host, request):
    assert _labels(host) == '["dx.operator-flag=kept"]'
    # The twin: a host without the operator's copy runs without that label.
    assert _labels(_other_host(request, "dx-tcp-public")) == "[]"


def test_the_packaged_files_are_as_the_package_installed_them(host):
    # dpkg 1.21 exits 0 either way: what it prints is the verdict.
    result = host.run("dpkg --verify docker.io")
    assert (result.rc, result.stdout, result.stderr) == (0, "", "")
    # The twin: dpkg does see an edit of the packaged unit (put back at once; systemd loads
    # the operator's copy, so the packaged file is not in use on this host).
    # The unit as the package lists it: /lib/... on Debian 12, /usr/lib/... on Debian 13 (merged
    # /usr), and dpkg names it by that path.
    packaged_unit = host.check_output("dpkg -L docker.io | grep '/systemd/system/docker.service$'")
    backup = "/root/docker.service.dx-test"
    assert host.run("cp -p %s %s && echo '# edited' >> %s" % (packaged_unit, backup, packaged_unit)).rc == 0
    try:
        edited = host.run("dpkg --verify docker.io")
    finally:
        assert host.run("mv %s %s" % (backup, packaged_unit)).rc == 0
    assert edited.stdout == "??5??????   %s\n" % packaged_unit
    assert host.run("dpkg --verify docker.io").stdout == ""

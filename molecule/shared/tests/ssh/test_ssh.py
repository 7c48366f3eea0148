"""ssh mode: docker over ssh with real clients from a second container; strict host key
checking stays on, and every way in that is not a listed key is refused."""

import os
import re
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import run_expose  # noqa: E402

testinfra_hosts = ["dx-ssh-daemon"]
DAEMON = "dx-ssh-daemon"
KNOWN_HOSTS = "/root/.ssh/known_hosts.d/dockerd-exposure"


@pytest.fixture(scope="module")
def client(request):
    """The client container, set up by the client role (ssh alias, known_hosts, contexts)."""
    inventory = request.config.getoption("ansible_inventory")
    return testinfra.get_host("ansible://dx-ssh-client", ansible_inventory=inventory)


def test_known_hosts_hold_the_daemons_real_host_key(host, client):
    real = host.file("/etc/ssh/ssh_host_ed25519_key.pub").content_string.split()[1]
    assert real in client.file(KNOWN_HOSTS).content_string


def test_docker_context_over_ssh(client):
    result = client.run("docker --context %s-ssh info --format '{{.Name}}'" % DAEMON)
    assert result.rc == 0, result.stderr
    assert result.stdout.strip() == DAEMON


def test_env_file_over_ssh(client):
    result = client.run("set -a; . /root/.docker/dockerd-exposure/env/%s-ssh.env; set +a; docker ps" % DAEMON)
    assert result.rc == 0, result.stderr


def test_docker_cli_over_ssh_url(client):
    result = client.run("docker -H ssh://alice@%s version --format '{{.Server.Version}}'" % DAEMON)
    assert result.rc == 0, result.stderr
    assert result.stdout.strip()


def test_docker_host_env_over_ssh(client):
    result = client.run("DOCKER_HOST=ssh://alice@%s docker ps" % DAEMON)
    assert result.rc == 0, result.stderr


def test_unlisted_user_is_refused(client):
    result = client.run("docker -H ssh://mallory@%s -l error version" % DAEMON)
    assert result.rc != 0
    assert "Permission denied" in result.stderr


def test_listed_user_with_an_unlisted_key_is_refused(client):
    result = client.run("ssh -o IdentityFile=/root/.ssh/mallory -o IdentitiesOnly=yes -F /dev/null "
                        "-o UserKnownHostsFile=%s -o BatchMode=yes alice@%s true" % (KNOWN_HOSTS, DAEMON))
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


def test_password_authentication_is_refused(client):
    result = client.run("ssh -F /dev/null -o UserKnownHostsFile=%s -o BatchMode=yes "
                        "-o PreferredAuthentications=password -o PubkeyAuthentication=no alice@%s true"
                        % (KNOWN_HOSTS, DAEMON))
    assert result.rc == 255
    assert "Permission denied (publickey)" in result.stderr


def test_unknown_host_key_is_refused(client):
    client.run(": > /root/.ssh/known_hosts.empty")
    result = client.run("ssh -F /dev/null -o IdentityFile=/root/.ssh/alice -o StrictHostKeyChecking=yes "
                        "-o UserKnownHostsFile=/root/.ssh/known_hosts.empty -o BatchMode=yes alice@%s true" % DAEMON)
    assert result.rc == 255
    assert "Host key verification failed" in result.stderr


def test_sshd_configuration_is_valid_and_key_only_for_listed_users(host):
    assert host.run("sshd -t").rc == 0
    effective = host.run("sshd -T -C user=alice,host=x,addr=127.0.0.1").stdout
    assert "passwordauthentication no" in effective
    assert "authenticationmethods publickey" in effective


def test_listed_user_is_in_the_socket_group(host):
    assert "docker" in host.user("alice").groups


def _summary_rows(output):
    """The summary's ssh rows, e.g. 'ssh  ssh://alice@172.x  ok  612.0 ms' (the YAML callback
    may wrap a row, so whitespace includes line breaks)."""
    return re.findall(r"\sssh\s+ssh://\S+\s+\S+\s+[0-9.]+\s+ms|\sssh\s+ssh://\S+\s+\S+", output)


def test_summary_checks_ssh_from_the_controller():
    result = run_expose(DAEMON, {})
    assert result.returncode == 0, result.stdout[-3000:]
    rows = _summary_rows(result.stdout)
    assert len(rows) == 1 and re.search(r"ssh://alice@[0-9.]+\s+ok\s+[0-9.]+\s+ms", rows[0]), rows


def test_summary_fails_the_ssh_row_for_an_unlisted_key():
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    result = run_expose(DAEMON, {"dockerd_check_ssh_identity_file": os.path.join(ephemeral, "ssh", "mallory")})
    assert result.returncode != 0
    rows = _summary_rows(result.stdout)
    assert len(rows) == 1 and "FAILED" in rows[0], rows
    assert "Permission denied (publickey)" in result.stdout


def test_removed_key_no_longer_gets_in(host, client):
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    mallory_key = open(os.path.join(ephemeral, "ssh", "mallory.pub")).read().strip()
    alice_key = open(os.path.join(ephemeral, "ssh", "alice.pub")).read().strip()
    # The controller's ssh check logs in with the key that is listed now.
    rotated = {"dockerd_ssh_users": [{"name": "alice", "authorized_keys": [mallory_key]}],
               "dockerd_check_ssh_identity_file": os.path.join(ephemeral, "ssh", "mallory")}
    result = run_expose(DAEMON, rotated)
    assert result.returncode == 0, result.stdout[-3000:]
    try:
        refused = client.run("docker -H ssh://alice@%s version" % DAEMON)
        assert refused.rc != 0
        assert "Permission denied" in refused.stderr
    finally:
        restored = run_expose(DAEMON, {"dockerd_ssh_users": [{"name": "alice", "authorized_keys": [alice_key]}]})
        assert restored.returncode == 0, restored.stdout[-3000:]
    assert client.run("docker -H ssh://alice@%s version" % DAEMON).rc == 0

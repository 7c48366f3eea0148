"""ssh mode: docker over ssh with real clients from a second container; strict host key
checking stays on, and every way in that is not a listed key is refused."""

import os
import re
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from closed_ports import DOCKERD_TCP_PORTS, assert_refused, assert_unix_socket_answers, daemon_addresses  # noqa: E402
from conftest import HOST_FILES, container_ip, managed_checksums, run_expose  # noqa: E402

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


def _client_ssh(client, options):
    """Plain ssh from the client container to the daemon's address (the name its known_hosts
    entry has). testinfra's ssh backend takes an exit status of 255 for its own connection
    failing, so ssh's status comes back on stdout."""
    result = client.run("ssh -F /dev/null -o BatchMode=yes %s alice@%s true; echo \"ssh-exit=$?\""
                        % (options, container_ip(DAEMON)))
    return int(re.search(r"ssh-exit=([0-9]+)", result.stdout).group(1)), result.stderr


def test_listed_user_with_an_unlisted_key_is_refused(client):
    rc, stderr = _client_ssh(client, "-o IdentityFile=/root/.ssh/mallory -o IdentitiesOnly=yes "
                                     "-o UserKnownHostsFile=%s" % KNOWN_HOSTS)
    assert rc == 255
    assert "Permission denied (publickey)" in stderr


def test_password_authentication_is_refused(client):
    rc, stderr = _client_ssh(client, "-o UserKnownHostsFile=%s -o PreferredAuthentications=password "
                                     "-o PubkeyAuthentication=no" % KNOWN_HOSTS)
    assert rc == 255
    assert "Permission denied (publickey)" in stderr


def test_unknown_host_key_is_refused(client):
    client.run(": > /root/.ssh/known_hosts.empty")
    rc, stderr = _client_ssh(client, "-o IdentityFile=/root/.ssh/alice -o StrictHostKeyChecking=yes "
                                     "-o UserKnownHostsFile=/root/.ssh/known_hosts.empty")
    assert rc == 255
    assert "Host key verification failed" in stderr


def test_sshd_configuration_is_valid_and_key_only_for_listed_users(host):
    assert host.run("sshd -t").rc == 0
    effective = host.run("sshd -T -C user=alice,host=x,addr=127.0.0.1").stdout
    assert "passwordauthentication no" in effective
    assert "authenticationmethods publickey" in effective


def test_listed_user_is_in_the_socket_group(host):
    assert "docker" in host.user("alice").groups


@pytest.mark.parametrize("port", DOCKERD_TCP_PORTS)
def test_ssh_mode_opens_no_tcp_port(host, port):
    # docker over ssh reaches the unix socket through sshd; dockerd serves no TCP port for it.
    assert_unix_socket_answers(host)
    for address in daemon_addresses(host):
        assert_refused(host, address, port)


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


def _login_entry():
    """deploy's entry of the inventory: a list given with -e replaces the inventory's whole list."""
    key = open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "access", "deploy_ed25519.pub")).read().strip()
    return {"name": "deploy", "authorized_keys": [key]}


def test_removed_key_no_longer_gets_in(host, client):
    ephemeral = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
    mallory_key = open(os.path.join(ephemeral, "ssh", "mallory.pub")).read().strip()
    alice_key = open(os.path.join(ephemeral, "ssh", "alice.pub")).read().strip()
    # The controller's ssh check logs in with the key that is listed now.
    rotated = {"dockerd_ssh_users": [{"name": "alice", "authorized_keys": [mallory_key]}, _login_entry()],
               "dockerd_check_ssh_identity_file": os.path.join(ephemeral, "ssh", "mallory")}
    result = run_expose(DAEMON, rotated)
    assert result.returncode == 0, result.stdout[-3000:]
    try:
        refused = client.run("docker -H ssh://alice@%s version" % DAEMON)
        assert refused.rc != 0
        assert "Permission denied" in refused.stderr
    finally:
        restored = run_expose(DAEMON, {"dockerd_ssh_users": [{"name": "alice", "authorized_keys": [alice_key]},
                                                             _login_entry()]})
        assert restored.returncode == 0, restored.stdout[-3000:]
    assert client.run("docker -H ssh://alice@%s version" % DAEMON).rc == 0


# deploy is the account Ansible logs in as (molecule/shared/create.yml) and, in this scenario,
# also one of dockerd_ssh_users: the role rewrites sshd's rules and deploy's keys while Ansible
# is connected as deploy. The checks below log in afresh, as the next run of Ansible will.
LOGIN = "deploy"
DROPIN = "/etc/ssh/sshd_config.d/50-dockerd-exposure.conf"


def _access(name):
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "access", name)


def _ssh_options():
    """A new connection (no ControlMaster), deploy's key only, the recorded host keys only."""
    return ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ControlPath=none",
            "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + _access("known_hosts"),
            "-i", _access("deploy_ed25519")]


def _login_with_sudo():
    """A fresh ssh login as deploy from the controller that becomes root, as Ansible does."""
    return subprocess.run(["ssh"] + _ssh_options() + ["%s@%s" % (LOGIN, container_ip(DAEMON)), "sudo -n id -u"],
                          capture_output=True, text=True, timeout=60)


def _docker_as_login(tmp_path, *args):
    """The docker CLI on the controller over ssh://deploy@ADDR. It runs `ssh` from the PATH,
    so an `ssh` in front of it adds the options (the controller's own ssh config stays as it is)."""
    wrapper = tmp_path / "ssh"
    wrapper.write_text("#!/bin/sh\nexec /usr/bin/ssh %s \"$@\"\n" % " ".join(_ssh_options()))
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY")}
    env["PATH"] = "%s:%s" % (tmp_path, os.environ["PATH"])
    return subprocess.run(["docker", "-H", "ssh://%s@%s" % (LOGIN, container_ip(DAEMON))] + list(args),
                          capture_output=True, text=True, timeout=120, env=env)


def _assert_ansible_gets_in():
    login = _login_with_sudo()
    assert login.returncode == 0 and login.stdout.strip() == "0", login.stderr


def _sshd_reloads(host):
    return int(host.run("journalctl -u ssh -o cat | grep -c '^Reloaded ' || true").stdout.strip() or 0)


def test_login_account_is_a_docker_over_ssh_user_and_still_gets_in(host, tmp_path):
    assert "docker" in host.user(LOGIN).groups
    effective = host.run("sshd -T -C user=%s,host=x,addr=127.0.0.1" % LOGIN).stdout
    assert "authenticationmethods publickey" in effective and "disableforwarding yes" in effective
    _assert_ansible_gets_in()
    version = _docker_as_login(tmp_path, "version", "--format", "{{.Server.Version}}")
    assert version.returncode == 0 and version.stdout.strip(), version.stderr


def test_login_account_listed_without_its_key_is_refused_before_any_change(host):
    alice_key = open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ssh", "alice.pub")).read().strip()
    keys = "/home/%s/.ssh/authorized_keys" % LOGIN
    before = managed_checksums(host, HOST_FILES + (keys,))
    result = run_expose(DAEMON, {"dockerd_ssh_users": [{"name": LOGIN, "authorized_keys": [alice_key]}]})
    assert result.returncode != 0
    text = " ".join(result.stdout.split())
    assert "dockerd_ssh_users lists deploy, the account Ansible logs in to %s as" % DAEMON in text, result.stdout[-3000:]
    assert "lock Ansible out" in text and "deploy_ed25519.pub" in text and "exclusive: false" in text
    assert managed_checksums(host, HOST_FILES + (keys,)) == before
    _assert_ansible_gets_in()


def test_login_account_marked_absent_is_refused_before_any_change(host):
    before = managed_checksums(host, HOST_FILES)
    result = run_expose(DAEMON, {"dockerd_ssh_users": [{"name": LOGIN, "state": "absent"}]})
    assert result.returncode != 0
    assert "dockerd_ssh_users marks deploy absent" in " ".join(result.stdout.split()), result.stdout[-3000:]
    assert managed_checksums(host, HOST_FILES) == before
    _assert_ansible_gets_in()


def test_drop_in_refused_by_sshd_stays_out_then_the_good_input_converges(host, tmp_path):
    # The role checks the shape of MaxStartups (start:rate:full); sshd -t also checks that start
    # is not above full, and refuses this one with its own message.
    before = host.file(DROPIN).content_string
    reloads = _sshd_reloads(host)
    # The login account's password is left alone (its sudo may need it): give it one to see.
    password = "$6$dx$" + "x" * 86
    host.run("usermod -p '%s' %s" % (password, LOGIN))
    try:
        refused = run_expose(DAEMON, {"dockerd_ssh_max_startups": "30:30:10"})
        assert refused.returncode != 0
        text = " ".join(refused.stdout.split())
        assert ("sshd -t refused the docker-over-ssh drop-in for %s: %s (new) line" % (DAEMON, DROPIN)) in text, \
            refused.stdout[-3000:]
        assert "Invalid MaxStartups spec" in text and "was left as it was and sshd was not reloaded" in text
        assert host.file(DROPIN).content_string == before
        assert "MaxStartups" not in host.run("ls /etc/ssh/sshd_config.d/ && cat /etc/ssh/sshd_config.d/*").stdout
        assert _sshd_reloads(host) == reloads
        assert host.run("sshd -t").rc == 0
        _assert_ansible_gets_in()

        good = run_expose(DAEMON, {})
        assert good.returncode == 0, good.stdout[-3000:]
        assert host.file(DROPIN).content_string == before
        assert host.run("getent shadow %s" % LOGIN).stdout.split(":")[1] == password
        _assert_ansible_gets_in()
        assert _docker_as_login(tmp_path, "ps").returncode == 0
    finally:
        host.run("usermod -p '!' %s" % LOGIN)

"""badinput: every bad input is refused by the validation play of playbooks/expose.yml,
before any host changes (same files, same running dockerd), with a message that names the
variable, the bad value and the fix. The host was converged with a good unix + tls setup."""

import os
import shlex
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from conftest import HOST_FILES, REPO, managed_checksums, run_expose  # noqa: E402

HOST = "dx-badinput"
DAEMON_JSON = "/etc/docker/daemon.json"
SAVED_JSON = "/root/daemon.json.badinput"
# A well-formed public key (made with ssh-keygen, its private half thrown away).
GOOD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIECxV3d1LkB1R1njJaqEzj7w1/4vd/LrZqB0qTBpkewM alice@laptop"
SSH = ["unix", "tls", "ssh"]

# (id, extra vars, daemon.json to put on the host first or None, substrings of the message)
CASES = [
    ("unknown mode", {"dockerd_expose": ["unix", "ftp"]}, None,
     ["value of dockerd_expose must be one or more of: unix, tcp, tls, ssh. Got no match for: ftp"]),
    ("mode listed twice", {"dockerd_expose": ["unix", "tls", "unix"]}, None,
     ['dockerd_expose=["unix", "tls", "unix"] names a mode more than once; list each mode once']),
    ("tcp port 0", {"dockerd_expose": ["unix", "tcp"], "dockerd_tcp_port": 0}, None,
     ["dockerd_tcp_port=0 is out of range 1-65535; use the port clients will dial, usually 2375."]),
    ("tls port 70000", {"dockerd_tls_port": 70000}, None,
     ["dockerd_tls_port=70000 is out of range 1-65535; use the port clients will dial, usually 2376."]),
    ("port not a number", {"dockerd_tls_port": "twentythree"}, None,
     ["argument 'dockerd_tls_port' is of type str and we were unable to convert to int",
      "'twentythree'\" cannot be converted to an int",
      # The fix: the variable's description, printed with the spec.
      "Port of the TLS endpoint (1-65535)"]),
    ("tcp on 0.0.0.0 without opt-in", {"dockerd_expose": ["unix", "tcp"], "dockerd_tcp_address": "0.0.0.0"}, None,
     ["dockerd_tcp_address=0.0.0.0 would serve dockerd's API in plain TCP",
      "set dockerd_tcp_insecure_allow_public: true"]),
    ("same port for tcp and tls", {"dockerd_expose": ["unix", "tcp", "tls"], "dockerd_tcp_port": 2376}, None,
     ["dockerd_tcp_port and dockerd_tls_port are both 2376, but tcp and tls need a port each; "
      "use 2375 for tcp and 2376 for tls."]),
    ("tls CA certificate without its key", {"dockerd_tls_ca_cert": "/nonexistent/ca.pem"}, None,
     ['dockerd_tls_ca_cert is "/nonexistent/ca.pem" and dockerd_tls_ca_key is null; give both']),
    ("tls CA files that do not exist",
     {"dockerd_tls_ca_cert": "/nonexistent/ca.pem", "dockerd_tls_ca_key": "/nonexistent/ca-key.pem"}, None,
     ["The CA files /nonexistent/ca.pem /nonexistent/ca-key.pem given in dockerd_tls_ca_cert / dockerd_tls_ca_key "
      "are not regular files on the controller; fix the paths or unset both variables"]),
    ("SAN neither DNS name nor IP", {"dockerd_tls_extra_sans": ["docker.example.com", "not a name!"]}, None,
     ['dockerd_tls_extra_sans of dx-badinput has "not a name!", neither a DNS name nor an IP address; '
      "write a host name such as docker.example.com"]),
    ("relative socket path", {"dockerd_socket_path": "run/docker.sock"}, None,
     ['dockerd_socket_path="run/docker.sock" is not an absolute path without spaces; use one such as /run/docker.sock.']),
    ("socket mode for others", {"dockerd_socket_mode": "0666"}, None,
     ['dockerd_socket_mode="0666" is not an octal mode that grants others nothing; use a quoted mode such as "0660"']),
    ("socket group missing, creation off",
     {"dockerd_socket_group": "nosuchgroup", "dockerd_socket_group_create": False}, None,
     ["dockerd_socket_group=nosuchgroup does not exist on dx-badinput and dockerd_socket_group_create is false; "
      "create the group first or set dockerd_socket_group_create: true."]),
    ("socket group member without account", {"dockerd_socket_group_members": ["nosuchuser"]}, None,
     ["dockerd_socket_group_members names nosuchuser, who has no account on dx-badinput; create the account first"]),
    ("health timeout 0", {"dockerd_health_timeout": 0}, None,
     ["dockerd_health_timeout=0 is not a positive number of seconds; use one such as 30."]),
    ("ssh user without key", {"dockerd_expose": SSH, "dockerd_ssh_users": [{"name": "alice"}]}, None,
     ["dockerd_ssh_users entry alice has state=present", "and 0 authorized keys",
      "add the user's public key, e.g. the content of ~/.ssh/id_ed25519.pub"]),
    ("malformed public key",
     {"dockerd_expose": SSH, "dockerd_ssh_users": [{"name": "alice", "authorized_keys": ["ssh-ed25519 notbase64!! alice@x"]}]},
     None,
     ["dockerd_ssh_users entry alice has 1 authorized key(s) that are not an OpenSSH public key line, "
      "the first being 'ssh-ed25519 notbase64!! alice@x'", "exactly as in the user's ~/.ssh/id_ed25519.pub"]),
    ("invalid ssh user name",
     {"dockerd_expose": SSH, "dockerd_ssh_users": [{"name": "Bad User", "authorized_keys": [GOOD_KEY]}]}, None,
     ["dockerd_ssh_users names 'Bad User', which is not usable as a docker-over-ssh account: "
      "give a POSIX account name"]),
    ("daemon.json not JSON", {}, '{"live-restore": true,\n',
     ["/etc/docker/daemon.json on dx-badinput is not a JSON object", "Fix or remove it by hand, then rerun."]),
    ("daemon.json with hosts", {}, '{"hosts": ["tcp://0.0.0.0:2375"], "live-restore": true}\n',
     ['/etc/docker/daemon.json on dx-badinput sets "hosts": ["tcp://0.0.0.0:2375"]',
      'Remove the "hosts" key and list the endpoints in dockerd_expose instead.']),
    ("client name with path characters", {"dockerd_tls_clients": [{"name": "admin"}, {"name": "../evil"}]}, None,
     ["dockerd_tls_clients names ['../evil'] are not usable as directory names",
      "give each client a unique name of letters, digits, dots, dashes and underscores"]),
    ("tls validity days negative", {"dockerd_tls_validity_days": -5}, None,
     ["smaller than dockerd_tls_validity_days (-5)", "lower dockerd_tls_renew_days or raise the validity."]),
    ("tls key type unknown", {"dockerd_tls_key_type": "dsa"}, None,
     ["value of dockerd_tls_key_type must be one of: ecdsa, rsa, got: dsa"]),
    ("rollout batch 0", {"dockerd_rollout_batch": 0}, None,
     ["dockerd_rollout_batch=0 is not a batch size; give a number of hosts such as 2, a percentage of the hosts "
      "such as 25%", "-e dockerd_rollout_batch=2."]),
    ("rollout batch nonsense", {"dockerd_rollout_batch": "lots"}, None,
     ['dockerd_rollout_batch="lots" is not a batch size']),
    ("max fail percentage 150", {"dockerd_rollout_max_fail_percentage": 150}, None,
     ["dockerd_rollout_max_fail_percentage=150 is not a whole percentage from 0 to 100",
      "-e dockerd_rollout_max_fail_percentage=25."]),
]


def _dockerd_state(host):
    """What a restart of docker.service or docker.socket changes."""
    return host.check_output("systemctl show docker.service docker.socket --property=MainPID,InvocationID")


@pytest.fixture
def daemon_json(host):
    """Put a daemon.json on the host for one case; put the converged one back afterwards,
    with its mode and modification time (dockerd read it at its start and never again)."""
    saved = []

    def install(content):
        host.check_output("cp -a %s %s" % (DAEMON_JSON, SAVED_JSON))
        saved.append(SAVED_JSON)
        host.check_output("printf '%%s' %s > %s" % (shlex.quote(content), DAEMON_JSON))

    yield install
    if saved:
        host.check_output("cp -a %s %s && rm -f %s" % (SAVED_JSON, DAEMON_JSON, SAVED_JSON))


@pytest.mark.parametrize("extra_vars, content, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_before_any_change(host, daemon_json, extra_vars, content, expected):
    if content is not None:
        daemon_json(content)
    files, state = managed_checksums(host, HOST_FILES), _dockerd_state(host)

    result = run_expose(HOST, extra_vars)
    output = " ".join(result.stdout.split())

    assert result.returncode != 0, output[-3000:]
    # It stopped in the validation play: the rollout play never started, no task changed anything.
    assert "PLAY [Expose dockerd on the daemon hosts, batch by batch]" not in output, output[-3000:]
    assert "changed=0" in output and "failed=1" in output, output[-3000:]
    for text in expected:
        assert text in output, output[-3000:]
    assert managed_checksums(host, HOST_FILES) == files
    assert _dockerd_state(host) == state


OVERRIDE = "/etc/systemd/system/docker.service.d/override.conf"
OPERATOR_EXEC_START = "/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 $DOCKER_OPTS"
# The case that needs host state of its own (its test function is at the end of this file).
OVERRIDE_TEXTS = [
    '%s on %s sets the ExecStart of docker.service ("ExecStart=%s")' % (OVERRIDE, HOST, OPERATOR_EXEC_START),
    "Move the options other than -H into /etc/docker/daemon.json (or DOCKER_OPTS in /etc/default/docker), "
    "list the endpoints in dockerd_expose, remove the ExecStart lines from %s" % OVERRIDE,
]


def _documented_cases():
    """(case, message excerpt) of each row of the bad-input table in docs/validation.md."""
    with open(os.path.join(REPO, "docs", "validation.md")) as handle:
        lines = handle.read().split("\n## Bad input, refused before any change\n", 1)[1].splitlines()
    start = lines.index("| case | variable | message (excerpt) |") + 2  # past the header and its rule
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows.append((cells[0], " | ".join(cells[2:])))
    return rows


def test_every_documented_case_is_in_the_matrix_with_its_message():
    """docs/validation.md promises each case of its table is refused with that message: each
    row must be exactly one case here whose asserted texts are all in the row, and each case
    here a row (a case added on one side only, or a message reworded on one, fails)."""
    rows = _documented_cases()
    assert len(rows) >= 20, rows
    cases = [(c[0], c[3]) for c in CASES] + [("operator drop-in with ExecStart", OVERRIDE_TEXTS)]
    matches = {row: [case for case, texts in cases if all(text in row[1] for text in texts)] for row in rows}
    assert {row: ids for row, ids in matches.items() if len(ids) != 1} == {}
    documented = [ids[0] for ids in matches.values()]
    assert sorted(set(documented)) == sorted(documented), "a case answers two rows"
    assert [case for case, _texts in cases if case not in documented] == [], "cases with no row in the table"


def test_the_good_configuration_passes_and_changes_nothing(host):
    """The negative twin: the converged inputs go through validation and the whole run."""
    files, state = managed_checksums(host, HOST_FILES), _dockerd_state(host)
    result = run_expose(HOST, {})
    output = " ".join(result.stdout.split())
    assert result.returncode == 0, output[-3000:]
    assert "PLAY [Expose dockerd on the daemon hosts, batch by batch]" in output
    assert "changed=0" in output and "failed=0" in output, output[-3000:]
    assert managed_checksums(host, HOST_FILES) == files
    assert _dockerd_state(host) == state



def test_operator_drop_in_with_exec_start_is_refused_before_any_change(host):
    """What `systemctl edit docker.service` makes: override.conf sorts after the role's
    50-dockerd-exposure.conf, so its ExecStart would win and keep dockerd on *:2375."""
    host.check_output("printf '[Service]\\nExecStart=\\nExecStart=%s\\n' > %s && systemctl daemon-reload"
                      % (OPERATOR_EXEC_START, OVERRIDE))
    try:
        files, state = managed_checksums(host, HOST_FILES), _dockerd_state(host)
        result = run_expose(HOST, {})
        output = " ".join(result.stdout.split())
        assert result.returncode != 0, output[-3000:]
        assert "PLAY [Expose dockerd on the daemon hosts, batch by batch]" not in output, output[-3000:]
        for text in OVERRIDE_TEXTS:
            assert text in output, output[-3000:]
        assert managed_checksums(host, HOST_FILES) == files
        assert _dockerd_state(host) == state
    finally:
        # The twin is test_the_good_configuration_passes_and_changes_nothing: no such drop-in.
        host.check_output("rm -f %s && systemctl daemon-reload" % OVERRIDE)

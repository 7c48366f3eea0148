"""The validation rules (plugins/module_utils/_validate.py) on hand-made host variables and states;
the messages are the ones docs/validation.md documents and the badinput scenario asserts."""

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _validate as validate

HOST = "dx-badinput"
GOOD_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIECxV3d1LkB1R1njJaqEzj7w1/4vd/LrZqB0qTBpkewM alice@laptop"
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" + "b" * 42 + " alice@ci"
PACKAGED = ["/usr/sbin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]


def host_vars(**overrides):
    v = {
        "inventory_hostname": HOST, "dockerd_expose": ["unix", "tls"], "dockerd_socket_path": "/run/docker.sock",
        "dockerd_socket_mode": "0660", "dockerd_socket_group": "docker", "dockerd_socket_group_create": True,
        "dockerd_socket_group_members": [], "dockerd_health_timeout": 30, "dockerd_tcp_port": 2375,
        "dockerd_tls_port": 2376, "dockerd_tcp_address": "127.0.0.1", "dockerd_tcp_insecure_allow_public": False,
        "dockerd_tcp_allowed_sources": [], "dockerd_tls_allowed_sources": [], "dockerd_manage_packages": True,
        "dockerd_tls_key_type": "ecdsa", "dockerd_tls_rsa_bits": 4096, "dockerd_tls_renew_days": 30,
        "dockerd_tls_validity_days": 365, "dockerd_tls_ca_validity_days": 3650, "dockerd_tls_pki_dir": "/pki",
        "dockerd_tls_dir": "/etc/docker/tls", "dockerd_tls_clients": [{"name": "admin"}],
        "dockerd_tls_extra_sans": [], "dockerd_tls_ca_cert": None, "dockerd_tls_ca_key": None,
        "dockerd_tls_ca_rollover": "none", "dockerd_ssh_users": [], "dockerd_ssh_max_startups": None,
        "dockerd_ssh_max_sessions": None, "dockerd_ssh_manage_cli": True, "dockerd_ssh_cli_package": "",
    }
    v.update(overrides)
    return v


def host_state(**overrides):
    state = {
        "service": {"fragment_path": "/lib/systemd/system/docker.service", "packaged_exec_start": PACKAGED},
        "service_drop_ins": {},
        "daemon_json": {"path": "/etc/docker/daemon.json", "exists": True, "valid": True, "content": {}},
        "getent_passwd": {"root": ["x", "0", "0", "root", "/root", "/bin/bash"],
                          "alice": ["x", "1000", "1000", "", "/home/alice", "/bin/bash"],
                          "daemon": ["x", "1", "1", "", "/usr/sbin", "/usr/sbin/nologin"]},
        "getent_group": {"docker": ["x", "998", ""]},
        "files": {"/usr/sbin/nft": {"exists": True}, "/usr/sbin/sshd": {"exists": True},
                  "/usr/bin/docker": {"exists": True},
                  "/etc/ssh/sshd_config": {"exists": True, "content": "Include /etc/ssh/sshd_config.d/*.conf\n"}},
        "users": {},
    }
    state.update(overrides)
    return state


CONTROLLER = {"exists": {}, "isreg": {}, "ca": None, "ca_key": None}
LOGIN = {"name": "root", "over_ssh": False, "key_file": "", "key_blob": "", "password_var": None}
DEBIAN = {"distribution": "Debian", "distribution_major_version": "12"}


def problems(v=None, state=None, controller=None, login=None, checks=None):
    v = v or host_vars()
    return validate.problems(v, state or host_state(), controller or CONTROLLER, login or LOGIN, DEBIAN,
                             checks or ["rollout", "daemon", "tls", "ssh"])


# -- the good configuration passes (the twin of every case below)

def test_a_good_configuration_has_no_problem():
    assert problems() == []


def test_a_good_ssh_configuration_has_no_problem():
    v = host_vars(dockerd_expose=["unix", "ssh"], dockerd_ssh_users=[{"name": "bob", "authorized_keys": [GOOD_KEY]}])
    assert problems(v) == []


# -- rollout knobs

@pytest.mark.parametrize("batch", [2, "25%", "100%", [1, "25%", "100%"]])
def test_batch_sizes_ansible_reads(batch):
    assert validate.rollout_problems(host_vars(dockerd_rollout_batch=batch)) == []


@pytest.mark.parametrize("batch, shown", [(0, "0"), ("lots", '"lots"'), ([], "[]"), ("101%", '"101%"')])
def test_batch_sizes_ansible_cannot_read(batch, shown):
    assert validate.rollout_problems(host_vars(dockerd_rollout_batch=batch)) == [
        "dockerd_rollout_batch=%s is not a batch size; give a number of hosts such as 2, a percentage of the hosts "
        "such as 25%%, or a list of them such as [1, \"25%%\", \"100%%\"], on the command line: "
        "-e dockerd_rollout_batch=2. Nothing was changed." % shown]


def test_max_fail_percentage():
    assert validate.rollout_problems(host_vars(dockerd_rollout_max_fail_percentage=25)) == []
    assert validate.rollout_problems(host_vars(dockerd_rollout_max_fail_percentage=150)) == [
        "dockerd_rollout_max_fail_percentage=150 is not a whole percentage from 0 to 100; give the share of hosts "
        "that may fail before no new host starts, such as 0 (stop at the first failure) or 25: "
        "-e dockerd_rollout_max_fail_percentage=25. Nothing was changed."]


# -- daemon variables: every bad one in one message

def test_daemon_variables_all_in_one_message():
    v = host_vars(dockerd_expose=["unix", "tcp", "tls", "unix"], dockerd_socket_path="run/docker.sock",
                  dockerd_socket_mode="0666", dockerd_health_timeout=0, dockerd_tcp_port=2376)
    assert validate.daemon_variable_problems(v) == [
        "The daemon role's variables are not usable: "
        'dockerd_expose=["unix", "tcp", "tls", "unix"] names a mode more than once; list each mode once, such as '
        '[unix, tls]. dockerd_socket_path="run/docker.sock" is not an absolute path without spaces; use one such as '
        '/run/docker.sock. dockerd_socket_mode="0666" is not an octal mode that grants others nothing; use a quoted '
        'mode such as "0660" (root and the socket group only). dockerd_health_timeout=0 is not a positive number of '
        "seconds; use one such as 30. dockerd_tcp_port and dockerd_tls_port are both 2376, but tcp and tls need a "
        "port each; use 2375 for tcp and 2376 for tls. Nothing was changed."]


@pytest.mark.parametrize("port, bad", [(0, True), (70000, True), (1, False), (65535, False)])
def test_port_range(port, bad):
    found = validate.daemon_variable_problems(host_vars(dockerd_tls_port=port))
    message = "dockerd_tls_port=%d is out of range 1-65535; use the port clients will dial, usually 2376." % port
    assert (message in " ".join(found)) is bad


@pytest.mark.parametrize("mode, bad", [("0660", False), ("660", False), ("0600", False), ("0666", True),
                                       ("0661", True), ("rw", True), (432, True)])
def test_socket_mode_grants_others_nothing(mode, bad):
    assert bool(validate.daemon_variable_problems(host_vars(dockerd_socket_mode=mode))) is bad


def test_allowed_sources_are_addresses_or_networks():
    v = host_vars(dockerd_tls_allowed_sources=["192.0.2.0/24", "192.0.2.7/24", "example.com"])
    assert validate.source_problems(v) == [
        'dockerd_tls_allowed_sources has entries that are not an IPv4 or IPv6 address or network: '
        '["192.0.2.7/24", "example.com"]. Write each as an address (192.0.2.7, 2001:db8::7) or a CIDR network '
        "without host bits (192.0.2.0/24, not 192.0.2.7/24; 2001:db8::/32); host names are not allowed, because the "
        "firewall matches packets by address."]
    assert validate.source_problems(host_vars(dockerd_tls_allowed_sources=["192.0.2.0/24", "2001:db8::7"])) == []


def test_nft_needed_for_allowed_sources():
    v = host_vars(dockerd_tls_allowed_sources=["192.0.2.0/24"], dockerd_manage_packages=False)
    state = host_state(files={"/usr/sbin/nft": {"exists": False}})
    assert validate.daemon_host_problems(v, state) == [
        "dockerd_tcp_allowed_sources / dockerd_tls_allowed_sources need nftables, but /usr/sbin/nft is missing on "
        "dx-badinput and dockerd_manage_packages is false; install the nftables package there (apt-get install "
        "nftables), set dockerd_manage_packages to true, or empty both lists. Nothing was changed."]
    assert validate.daemon_host_problems(host_vars(dockerd_tls_allowed_sources=["192.0.2.0/24"]), state) == []


@pytest.mark.parametrize("address, allow, bad", [("0.0.0.0", False, True), ("0.0.0.0", True, False),
                                                 ("127.0.0.1", False, False), ("::1", False, False)])
def test_plain_tcp_on_a_public_address_needs_the_opt_in(address, allow, bad):
    v = host_vars(dockerd_expose=["unix", "tcp"], dockerd_tcp_address=address, dockerd_tcp_insecure_allow_public=allow)
    found = " ".join(validate.daemon_host_problems(v, host_state()))
    assert ("dockerd_tcp_address=%s would serve dockerd's API in plain TCP" % address in found) is bad


def test_docker_service_missing():
    state = host_state(service={"fragment_path": None, "packaged_exec_start": None})
    assert validate.daemon_host_problems(host_vars(), state) == [
        "docker.service was not found on dx-badinput; install the Docker engine first (Debian: apt-get install "
        "docker.io) and rerun."]


def test_an_operator_drop_in_with_exec_start_is_refused():
    override = "/etc/systemd/system/docker.service.d/override.conf"
    state = host_state(service_drop_ins={
        override: "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 $DOCKER_OPTS\n",
        "/etc/systemd/system/docker.service.d/50-dockerd-exposure.conf": "[Service]\nExecStart=\nExecStart=/x\n",
        "/etc/systemd/system/docker.service.d/http-proxy.conf": "[Service]\nEnvironment=HTTP_PROXY=x\n"})
    found = validate.daemon_host_problems(host_vars(), state)
    assert found == [
        '%s on dx-badinput sets the ExecStart of docker.service ("ExecStart=/usr/sbin/dockerd -H fd:// -H '
        'tcp://0.0.0.0:2375 $DOCKER_OPTS"). It and the role\'s /etc/systemd/system/docker.service.d/'
        "50-dockerd-exposure.conf replace each other's ExecStart (the file that sorts last wins): dockerd would keep "
        "these listeners and the role's sockets could not take their ports, or these options would be dropped. Move "
        "the options other than -H into /etc/docker/daemon.json (or DOCKER_OPTS in /etc/default/docker), list the "
        "endpoints in dockerd_expose, remove the ExecStart lines from %s, run systemctl daemon-reload and rerun. "
        "Nothing was changed." % (override, override)]


def test_daemon_json_not_an_object_and_with_hosts():
    bad = host_state(daemon_json={"path": "/etc/docker/daemon.json", "exists": True, "valid": False,
                                  "error": "Expecting value: line 2 column 1 (char 22)", "content": None})
    assert validate.daemon_host_problems(host_vars(), bad) == [
        "/etc/docker/daemon.json on dx-badinput is not a JSON object (Expecting value: line 2 column 1 (char 22)); "
        "dockerd would not start with it either. Fix or remove it by hand, then rerun. Nothing was changed."]
    hosts = host_state(daemon_json={"path": "/etc/docker/daemon.json", "exists": True, "valid": True,
                                    "content": {"hosts": ["tcp://0.0.0.0:2375"], "live-restore": True}})
    assert validate.daemon_host_problems(host_vars(), hosts) == [
        '/etc/docker/daemon.json on dx-badinput sets "hosts": ["tcp://0.0.0.0:2375"], which clashes with the -H '
        'fd:// that socket activation needs (dockerd would stop with "the following directives are specified both '
        'as a flag and in the configuration file: hosts"). Remove the "hosts" key and list the endpoints in '
        "dockerd_expose instead. Nothing was changed."]


def test_socket_group_and_members():
    v = host_vars(dockerd_socket_group="nosuchgroup", dockerd_socket_group_create=False,
                  dockerd_socket_group_members=["alice", "nosuchuser"])
    assert validate.daemon_host_problems(v, host_state()) == [
        "dockerd_socket_group=nosuchgroup does not exist on dx-badinput and dockerd_socket_group_create is false; "
        "create the group first or set dockerd_socket_group_create: true.",
        "dockerd_socket_group_members names nosuchuser, who has no account on dx-badinput; create the account first "
        "(docker-over-ssh users come from dockerd_ssh_users) or drop it from the list."]
    assert validate.daemon_host_problems(host_vars(dockerd_socket_group_create=False,
                                                   dockerd_socket_group_members=["alice"]), host_state()) == []


# -- tls

def test_tls_variables():
    v = host_vars(dockerd_tls_key_type="rsa", dockerd_tls_rsa_bits=1024, dockerd_tls_validity_days=-5,
                  dockerd_tls_dir="etc/tls", dockerd_tls_clients=[{"name": "admin"}, {"name": "../evil"}],
                  dockerd_tls_extra_sans=["docker.example.com", "IP:192.0.2.1", "dns:a.example", "not a name!",
                                          "fe80::1%eth0"],
                  dockerd_tls_ca_cert="/nonexistent/ca.pem")
    assert validate.tls_variable_problems(v) == [
        "dockerd_tls_key_type is 'rsa' with dockerd_tls_rsa_bits 1024; use ecdsa (P-256, the default) or rsa with "
        "dockerd_tls_rsa_bits 2048, 3072 or 4096.",
        "dockerd_tls_renew_days (30) must be at least 0 and smaller than dockerd_tls_validity_days (-5) and "
        "dockerd_tls_ca_validity_days (3650), or every run would reissue the certificates; lower "
        "dockerd_tls_renew_days or raise the validity.",
        "dockerd_tls_pki_dir ('/pki') and dockerd_tls_dir ('etc/tls') must be absolute paths (the first on the "
        "controller, the second on the daemon host); write them starting with /.",
        "dockerd_tls_clients names ['../evil'] are not usable as directory names under /pki/clients; give each "
        "client a unique name of letters, digits, dots, dashes and underscores that starts with a letter or digit, "
        "such as alice or ci-runner.",
        'dockerd_tls_extra_sans of dx-badinput has "not a name!", "fe80::1%eth0", neither a DNS name nor an IP '
        "address; write a host name such as docker.example.com or an address such as 192.0.2.10 or 2001:db8::10, "
        "optionally prefixed DNS: or IP:.",
        'dockerd_tls_ca_cert is "/nonexistent/ca.pem" and dockerd_tls_ca_key is null; give both (the controller '
        "paths of your CA certificate and its private key) or neither (the role then generates a CA in /pki/ca)."]


def test_tls_clients_shape_duplicates_and_lifetimes():
    assert validate.tls_variable_problems(host_vars(dockerd_tls_clients=["alice", {"validity_days": 3}])) == [
        "dockerd_tls_clients must be a list of mappings such as [{name: alice}, {name: ci, validity_days: 30}]; "
        "these entries are not: ['alice', {'validity_days': 3}]."]
    assert validate.tls_variable_problems(host_vars(dockerd_tls_clients=[
        {"name": "a"}, {"name": "a", "validity_days": 10}])) == [
        "dockerd_tls_clients names ['a', 'a'] contain a duplicate; give each client a unique name of letters, "
        "digits, dots, dashes and underscores that starts with a letter or digit, such as alice or ci-runner.",
        "dockerd_tls_clients a have validity_days not above dockerd_tls_renew_days (30), so every run would "
        "reissue them; raise their validity_days or lower dockerd_tls_renew_days."]


def test_operator_ca_files_must_exist():
    v = host_vars(dockerd_tls_ca_cert="/nonexistent/ca.pem", dockerd_tls_ca_key="/nonexistent/ca-key.pem")
    assert validate.tls_controller_problems(v, CONTROLLER) == [
        "The CA files /nonexistent/ca.pem /nonexistent/ca-key.pem  given in dockerd_tls_ca_cert / dockerd_tls_ca_key "
        "are not regular files on the controller; fix the paths or unset both variables to let the role generate a "
        "CA."]
    present = {"exists": {"/nonexistent/ca.pem": True, "/nonexistent/ca-key.pem": True},
               "isreg": {"/nonexistent/ca.pem": True, "/nonexistent/ca-key.pem": True},
               "ca": {"basic_constraints_ca": True, "fingerprint": b"k", "expired": False, "not_after": "x"},
               "ca_key": {"fingerprint": b"k"}}
    assert validate.tls_controller_problems(v, present) == []


def test_operator_ca_key_passphrase_and_pair():
    v = host_vars(dockerd_tls_ca_cert="/o/ca.pem", dockerd_tls_ca_key="/o/ca-key.pem")
    files = {"/o/ca.pem": True, "/o/ca-key.pem": True}
    ca = {"basic_constraints_ca": True, "fingerprint": b"k", "expired": False, "not_after": "20300101000000Z"}
    wrong = {"exists": files, "isreg": files, "ca": ca, "ca_key": {
        "error": "Wrong passphrase provided for private key, or private key cannot be parsed: Incorrect password, "
                 "could not decrypt key"}}
    assert validate.tls_controller_problems(v, wrong) == [
        "The CA private key /o/ca-key.pem cannot be read (Wrong passphrase provided for private key, or private key "
        "cannot be parsed: Incorrect password, could not decrypt key); set dockerd_tls_ca_key_passphrase to the "
        "key's passphrase (none for an unencrypted key)."]
    other = {"exists": files, "isreg": files, "ca": ca, "ca_key": {"fingerprint": b"other"}}
    assert validate.tls_controller_problems(v, other) == [
        "/o/ca.pem is not usable with /o/ca-key.pem: it must carry basicConstraints CA:TRUE, match the private key "
        "and not be expired (not after 20300101000000Z); give the matching pair of files."]


@pytest.mark.parametrize("phase, exists, message", [
    ("introduce", {}, "there is no CA yet in /pki/ca to roll over; run playbooks/expose.yml first"),
    ("switch", {"/pki/ca/ca.pem": True, "/pki/ca/ca-key.pem": True},
     "no new CA has been introduced (/pki/ca-next is missing): run the introduce phase first, and give clients time "
     "to pick up the new ca.pem"),
    ("finish", {"/pki/ca/ca.pem": True, "/pki/ca/ca-key.pem": True, "/pki/ca-next/ca.pem": True},
     "the new CA in /pki/ca-next does not sign yet; run the switch phase first"),
    ("none", {"/pki/ca-next/ca.pem": True},
     "a switch was interrupted (/pki/ca-next exists, /pki/ca/ca.pem does not): run the switch phase again to "
     "complete it"),
    ("introduce", {"/pki/ca/ca.pem": True, "/pki/ca/ca-key.pem": True, "/pki/ca-previous/ca.pem": True},
     "the previous rollover is not finished (/pki/ca-previous exists): run the finish phase first"),
])
def test_rollover_phase_follows_the_previous_one(phase, exists, message):
    controller = dict(CONTROLLER, exists=exists)
    assert validate.tls_controller_problems(host_vars(dockerd_tls_ca_rollover=phase), controller) == [
        "dockerd_tls_ca_rollover=%s cannot run: %s." % (phase, message)]


def test_rollover_phase_in_order_passes():
    ca = {"/pki/ca/ca.pem": True, "/pki/ca/ca-key.pem": True}
    assert validate.tls_controller_problems(host_vars(dockerd_tls_ca_rollover="introduce"),
                                            dict(CONTROLLER, exists=ca)) == []


def test_rollover_not_with_an_operator_ca():
    v = host_vars(dockerd_tls_ca_cert="/o/ca.pem", dockerd_tls_ca_key="/o/k.pem", dockerd_tls_ca_rollover="switch")
    files = {"/o/ca.pem": True, "/o/k.pem": True}
    found = validate.tls_controller_problems(v, dict(CONTROLLER, exists=files, isreg=files))
    assert found == [
        "dockerd_tls_ca_rollover is 'switch' with an operator-provided CA (dockerd_tls_ca_cert); use none, introduce, "
        "switch or finish, and only with the CA the role generated: to replace your own CA, give its successor in "
        "dockerd_tls_ca_cert and dockerd_tls_ca_key."]


# -- ssh

def ssh_vars(users, **overrides):
    return host_vars(dockerd_expose=["unix", "ssh"], dockerd_ssh_users=users, **overrides)


def test_ssh_users_must_be_mappings_with_names():
    found, usable = validate.ssh_variable_problems(ssh_vars([{"authorized_keys": []}]))
    assert (found, usable) == (["dockerd_ssh_users must be a list of mappings such as [{name: alice, "
                                "authorized_keys: ['ssh-ed25519 AAAA... alice@laptop']}]; it is "
                                '[{"authorized_keys": []}].'], False)


def test_ssh_user_entries():
    users = [{"name": "Bad User", "authorized_keys": [GOOD_KEY]}, {"name": "alice"},
             {"name": "bob", "authorized_keys": ["ssh-ed25519 notbase64!! alice@x"]},
             {"name": "bob", "authorized_keys": [GOOD_KEY]},
             {"name": "carol", "authorized_keys": ["-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA"]}]
    found, usable = validate.ssh_variable_problems(ssh_vars(users, dockerd_ssh_max_sessions=0))
    assert usable
    types = ("ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, "
             "sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com")
    fix = ("Give each key as one line TYPE BASE64 [COMMENT], exactly as in the user's ~/.ssh/id_ed25519.pub, with "
           "TYPE one of %s and the base64 body complete; convert other formats with ssh-keygen -i -f KEY (RFC 4716, "
           "PEM) or ssh-keygen -y -f PRIVATE_KEY, and leave key options out. Nothing was changed." % types)
    assert found == [
        "dockerd_ssh_users names 'Bad User', which is not usable as a docker-over-ssh account: give a POSIX account "
        "name of lower-case letters, digits, '_' and '-' that starts with a letter or '_', at most 32 characters, and "
        "not root, such as alice or ci-deploy. Nothing was changed.",
        "dockerd_ssh_users lists bob more than once; keep one entry per account, with all of its keys in "
        "authorized_keys. Nothing was changed.",
        "dockerd_ssh_users entry alice has state=present, exclusive=True and 0 authorized keys: state must be present "
        "or absent, exclusive true or false, authorized_keys a list, and a present user needs at least one key (it "
        "could not log in otherwise); add the user's public key, e.g. the content of ~/.ssh/id_ed25519.pub, or set "
        "state: absent.",
        "dockerd_ssh_users entry bob has 1 authorized key(s) that are not an OpenSSH public key line, the first being "
        "'ssh-ed25519 notbase64!! alice@x'. " + fix,
        "dockerd_ssh_users entry carol has 1 authorized key(s) that are not an OpenSSH public key line, the first "
        "being (a private key, not shown). " + fix,
        'dockerd_ssh_max_startups=None must be null, a number or start:rate:full such as "30:30:100", and '
        "dockerd_ssh_max_sessions=0 null or a positive number such as 20."]


def test_ssh_system_account_group_sshd_and_cli():
    v = ssh_vars([{"name": "daemon", "authorized_keys": [GOOD_KEY]}], dockerd_socket_group_create=False,
                 dockerd_ssh_manage_cli=False)
    state = host_state(getent_group={}, files={"/etc/ssh/sshd_config": {
        "exists": True, "content": "Port 22\nMatch User x\n  X11Forwarding no\nInclude sshd_config.d/*.conf\n"}})
    assert validate.ssh_host_problems(v, state, LOGIN, DEBIAN) == [
        "dockerd_ssh_users names daemon, an existing system account on dx-badinput (UID 1): the role would change "
        "its shell, lock its password and give it the socket group. Pick a dedicated account name instead. Nothing "
        "was changed.",
        "The socket group docker (dockerd_socket_group) does not exist on dx-badinput, so docker-over-ssh users "
        "could not reach dockerd's socket. Run dockerd.exposure.daemon first (it creates the group unless "
        "dockerd_socket_group_create is false) or install the Docker engine, then rerun. Nothing was changed.",
        "/usr/sbin/sshd is not installed on dx-badinput; install openssh-server (apt-get install openssh-server), "
        "then rerun. Nothing was changed.",
        "/etc/ssh/sshd_config on dx-badinput includes /etc/ssh/sshd_config.d/*.conf only after a Match block (line 2), "
        "so the docker-over-ssh settings in /etc/ssh/sshd_config.d/50-dockerd-exposure.conf would not apply. Put the "
        'line "Include /etc/ssh/sshd_config.d/*.conf" at the top of /etc/ssh/sshd_config (Debian\'s default), check '
        "it with sshd -t, then rerun. Nothing was changed.",
        "docker is not on the PATH ssh sessions get on dx-badinput (/usr/local/bin:/usr/bin:/bin:/usr/games), and "
        "docker over ssh runs `docker system dial-stdio` there. dockerd_ssh_manage_cli is false: install the docker "
        "CLI (Debian 12: docker.io, Debian 13: docker-cli), or set dockerd_ssh_manage_cli: true and "
        "dockerd_ssh_cli_package to the package that provides /usr/bin/docker. Nothing was changed."]


def test_ssh_cli_package_per_release():
    v = ssh_vars([{"name": "bob", "authorized_keys": [GOOD_KEY]}])
    state = host_state(files=dict(host_state()["files"], **{"/usr/bin/docker": {"exists": False}}))
    assert validate.ssh_host_problems(v, state, LOGIN, DEBIAN) == []
    found = validate.ssh_host_problems(v, state, LOGIN, {"distribution": "Debian",
                                                         "distribution_major_version": "11"})
    assert len(found) == 1 and "No package is known for Debian 11: install the docker CLI" in found[0]


LOGIN_ALICE = {"name": "alice", "over_ssh": True, "key_file": "/home/me/.ssh/id_ed25519", "key_blob": "",
               "password_var": None}


def test_login_account_marked_absent():
    v = ssh_vars([{"name": "alice", "state": "absent"}])
    assert validate.login_lockout_problems(v, host_state(), LOGIN_ALICE) == [
        "dockerd_ssh_users marks alice absent, but alice is the account Ansible logs in to dx-badinput as: the run "
        "would delete its authorized_keys and end its processes, Ansible's own connection among them, and lock "
        "Ansible out. Revoke it in a run that logs in as another sudo account (ansible_user), or drop that entry. "
        "Nothing was changed."]


def test_login_key_not_listed_with_exclusive():
    v = ssh_vars([{"name": "alice", "authorized_keys": [OTHER_KEY]}])
    login = dict(LOGIN_ALICE, key_blob=GOOD_KEY.split()[1])
    assert validate.login_lockout_problems(v, host_state(), login) == [
        "dockerd_ssh_users lists alice, the account Ansible logs in to dx-badinput as, with exclusive: true and "
        "authorized_keys that do not include the key Ansible logs in with (/home/me/.ssh/id_ed25519.pub): the run "
        "would remove it from ~alice/.ssh/authorized_keys and lock Ansible out. Add the content of "
        "/home/me/.ssh/id_ed25519.pub to that entry's authorized_keys, or set exclusive: false for it. Nothing was "
        "changed."]
    # The twins: the key listed, or exclusive off, or not over ssh.
    assert validate.login_lockout_problems(ssh_vars([{"name": "alice", "authorized_keys": [GOOD_KEY]}]),
                                           host_state(), login) == []
    assert validate.login_lockout_problems(ssh_vars([{"name": "alice", "authorized_keys": [OTHER_KEY],
                                                      "exclusive": False}]), host_state(), login) == []
    assert validate.login_lockout_problems(v, host_state(), dict(login, over_ssh=False)) == []


def test_login_with_a_password():
    v = ssh_vars([{"name": "alice", "authorized_keys": [GOOD_KEY]}])
    assert validate.login_lockout_problems(v, host_state(), dict(LOGIN_ALICE, password_var="ansible_password")) == [
        "dockerd_ssh_users lists alice, the account Ansible logs in to dx-badinput as, and Ansible logs in with a "
        "password (ansible_password) while the role makes the listed accounts key-only: the next login would be "
        "refused. Log in with a key (ansible_ssh_private_key_file) that is in that entry's authorized_keys, or drop "
        "the entry. Nothing was changed."]


def test_login_key_unknown_and_keys_would_be_removed():
    v = ssh_vars([{"name": "alice", "authorized_keys": [GOOD_KEY]}])
    state = host_state(users={"alice": {"exists": True, "authorized_keys": GOOD_KEY + "\n" + OTHER_KEY + "\n"}})
    assert validate.login_lockout_problems(v, state, LOGIN_ALICE) == [
        "dockerd_ssh_users lists alice, the account Ansible logs in to dx-badinput as, with exclusive: true, which "
        "would remove 1 of the keys now in ~alice/.ssh/authorized_keys, and the key Ansible logs in with is not known "
        "on the controller (no ansible_ssh_private_key_file with a .pub file next to it), so it may be one of them. "
        "Add the keys to keep to that entry's authorized_keys, set exclusive: false for it, or set "
        "ansible_ssh_private_key_file to the key Ansible logs in with (its .pub next to it). Nothing was changed."]
    same = host_state(users={"alice": {"exists": True, "authorized_keys": GOOD_KEY + "\n"}})
    assert validate.login_lockout_problems(v, same, LOGIN_ALICE) == []


# -- which checks run

def test_default_checks_add_ssh_only_where_it_is_exposed():
    assert validate.default_checks(host_vars()) == ["rollout", "daemon", "tls"]
    assert validate.default_checks(ssh_vars([])) == ["rollout", "daemon", "tls", "ssh"]


def test_gather_args_read_what_validation_needs():
    args = validate.gather_args(host_vars())
    assert args["validation"] is True
    assert {"/usr/sbin/nft", "/usr/sbin/sshd", "/usr/bin/docker"} <= set(args["files"])
    assert "/etc/ssh/sshd_config" in args["read_files"]

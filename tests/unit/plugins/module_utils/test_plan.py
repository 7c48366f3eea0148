"""The plan's decisions, on hand-made host states (the behaviour is proven in Molecule)."""

import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.dockerd.exposure.plugins.module_utils import _plan as plan

NOW = datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc)
PACKAGED = ["/usr/sbin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA" + "a" * 42 + " alice@laptop"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" + "b" * 42 + " alice@ci"


def host_vars(**overrides):
    v = {
        "inventory_hostname": "d1", "ansible_host": "192.0.2.7", "dockerd_endpoint_host": "192.0.2.7",
        "dockerd_expose": ["unix"], "dockerd_socket_path": "/run/docker.sock", "dockerd_socket_mode": "0660",
        "dockerd_socket_user": "root", "dockerd_socket_group": "docker", "dockerd_socket_group_create": True,
        "dockerd_socket_group_members": [], "dockerd_socket_group_members_exclusive": False,
        "dockerd_live_restore": True, "dockerd_tcp_address": "127.0.0.1", "dockerd_tcp_port": 2375,
        "dockerd_tcp_allowed_sources": [], "dockerd_tls_address": "0.0.0.0", "dockerd_tls_port": 2376,
        "dockerd_tls_allowed_sources": [], "dockerd_tls_dir": "/etc/docker/tls", "dockerd_tls_manage": True,
        "dockerd_tls_pki_dir": "/pki", "dockerd_tls_ca_cert": None, "dockerd_tls_ca_key": None,
        "dockerd_tls_key_type": "ecdsa", "dockerd_tls_renew_days": 30, "dockerd_tls_extra_sans": [],
        "dockerd_tls_clients": [{"name": "admin"}], "dockerd_tls_force_renewal": False,
        "dockerd_tls_ca_rollover": "none", "dockerd_ssh_users": [],
    }
    v.update(overrides)
    return v


def file_state(content, mode="0644", owner="root", group="root"):
    return {"exists": True, "owner": owner, "group": group, "mode": mode, "directory": False,
            "sha256": hashlib.sha256(content.encode()).hexdigest(), "content": content}


def converged_state(v):
    """A host exactly as the daemon role leaves it."""
    state = {"service": {"packaged_exec_start": PACKAGED, "active_state": "active"},
             "socket": {"active_state": "active"}, "dockerd_path": "/usr/sbin/dockerd",
             "pending": {"service": False, "socket": False}, "firewall": {"loaded": False},
             "groups": {"docker": {"exists": True, "members": []}}, "units": {}, "files": {}}
    for path, content in plan.daemon_files(v, state).items():
        if content is not None:
            state["files"][path] = file_state(content)
    wanted, _removed = plan.daemon_json_keys(v)
    state["daemon_json"] = {"content": dict(wanted, debug=True)}
    return state


def test_a_host_as_the_role_leaves_it_is_converged():
    v = host_vars()
    assert plan.daemon_changes(v, converged_state(v)) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda s: s["files"].pop(plan.SOCKET_DROPIN), plan.SOCKET_DROPIN + " is created"),
    (lambda s: s["files"][plan.SERVICE_DROPIN].update(sha256="0"), plan.SERVICE_DROPIN + " changes"),
    (lambda s: s["files"][plan.SOCKET_DROPIN].update(mode="0666"), plan.SOCKET_DROPIN + " gets root:root 0644"),
    (lambda s: s["daemon_json"]["content"].update({"live-restore": False}), "daemon.json live-restore becomes True"),
    (lambda s: s["daemon_json"]["content"].update(tlsverify=True), "daemon.json tlsverify is removed"),
    (lambda s: s["pending"].update(socket=True), "dockerd runs an older configuration than on disk"),
    (lambda s: s["service"].update(active_state="failed"), "dockerd is not running (docker.service failed, docker.socket active)"),
    (lambda s: s["groups"]["docker"].update(exists=False), "group docker is created"),
    (lambda s: s["units"].update({plan.TCP_SOCKET_NAME: {"active_state": "active"}}), "the plain TCP socket is closed"),
    (lambda s: s["firewall"].update(loaded=True), "the firewall table is deleted"),
])
def test_each_difference_is_named(mutate, expected):
    v = host_vars()
    state = converged_state(v)
    mutate(state)
    assert plan.daemon_changes(v, state) == [expected]


def test_ipv6_listeners_are_bracketed_and_tls_adds_a_listener():
    content = plan.socket_dropin(host_vars(dockerd_expose=["unix", "tls"], dockerd_tls_address="::"))
    assert "ListenStream=[::]:2376\n" in content
    assert "ListenStream=0.0.0.0" not in plan.socket_dropin(host_vars())


def test_tcp_needs_its_socket_listening_where_configured():
    v = host_vars(dockerd_expose=["unix", "tcp"])
    state = converged_state(v)
    assert plan.daemon_changes(v, state) == ["the plain TCP socket does not listen on 127.0.0.1:2375 (Stream)"]
    state["units"][plan.TCP_SOCKET_NAME] = {"active_state": "active", "listen": ["127.0.0.1:2375 (Stream)"]}
    assert plan.daemon_changes(v, state) == []


def test_socket_group_members_exclusive_spares_ssh_users():
    v = host_vars(dockerd_expose=["unix", "ssh"], dockerd_socket_group_members=["bob"],
                  dockerd_socket_group_members_exclusive=True, dockerd_ssh_users=[{"name": "alice"}])
    state = converged_state(v)
    state["groups"]["docker"]["members"] = ["alice", "bob", "mallory"]
    assert plan.daemon_changes(v, state) == ["mallory leave group docker"]


def test_server_sans_are_sorted_lower_case_and_skip_link_local():
    v = host_vars(dockerd_tls_extra_sans=["IP:10.0.0.1", "Docker.Example.org", "2001:DB8::1", "DNS:10.0.0.2"])
    sans = plan.server_sans(v, {"fqdn": "d1.example.org", "ipv4": ["192.0.2.7"], "ipv6": ["fe80::1", "2001:db8::7"]})
    assert sans == sorted(["IP:192.0.2.7", "IP:2001:db8::7", "IP:127.0.0.1", "IP:10.0.0.1", "IP:2001:db8::1",
                           "DNS:d1", "DNS:d1.example.org", "DNS:localhost", "DNS:docker.example.org",
                           "DNS:10.0.0.2"])


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject, issuer, issuer_key, key, days, sans=None):
    builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(hours=1)).not_valid_after(NOW + datetime.timedelta(days=days)))
    if sans:
        import ipaddress
        names = [x509.IPAddress(ipaddress.ip_address(s[3:])) if s.startswith("IP:") else x509.DNSName(s[4:])
                 for s in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode()


def tls_world(days=365, sans=None, ca_name="dockerd.exposure CA"):
    v = host_vars(dockerd_expose=["unix", "tls"])
    addresses = {"fqdn": "d1", "ipv4": ["192.0.2.7"], "ipv6": []}
    ca_key = _key()
    ca = _cert(ca_name, ca_name, ca_key, ca_key, 3650)
    server = _cert("d1", ca_name, ca_key, _key(), days, sans if sans is not None else plan.server_sans(v, addresses))
    client = _cert("admin", ca_name, ca_key, _key(), 365)
    bundle = ca.rstrip() + "\n"
    controller = {"now": NOW, "files": {"/pki/ca/ca.pem": ca, "/pki/ca-next/ca.pem": None,
                                        "/pki/ca-previous/ca.pem": None, "/pki/clients/admin/cert.pem": client,
                                        "/pki/clients/admin/ca.pem": bundle},
                  "exists": {"/pki/ca/ca-key.pem": True, "/pki/clients/admin/key.pem": True,
                             "/pki/clients/admin/d1.env": True}}
    state = {"addresses": addresses, "files": {
        "/etc/docker/tls/ca.pem": file_state(bundle, mode="0444"),
        "/etc/docker/tls/server-cert.pem": file_state(server, mode="0444"),
        "/etc/docker/tls/server-key.pem": file_state("", mode="0400")}}
    return v, state, controller


def test_tls_material_as_the_role_leaves_it_is_converged():
    v, state, controller = tls_world()
    assert plan.tls_changes(v, state, controller) == []


def test_a_server_certificate_in_its_renewal_window_is_renewed():
    v, state, controller = tls_world(days=10)
    assert plan.tls_changes(v, state, controller) == ["the server certificate is renewed (it expires 2026-12-15)"]


def test_a_server_certificate_missing_an_address_is_reissued():
    v, state, controller = tls_world(sans=["DNS:d1", "IP:127.0.0.1"])
    assert [c.split(" for the names")[0] for c in plan.tls_changes(v, state, controller)] == [
        "the server certificate is reissued"]


def test_a_server_certificate_from_another_ca_is_reissued():
    v, state, controller = tls_world()
    _v, other, _c = tls_world(ca_name="dockerd.exposure CA")  # same name, another key
    state["files"]["/etc/docker/tls/server-cert.pem"] = other["files"]["/etc/docker/tls/server-cert.pem"]
    assert plan.tls_changes(v, state, controller) == ["the server certificate is reissued by the current CA"]


def test_missing_controller_material_is_named():
    v, state, controller = tls_world()
    controller["exists"]["/pki/clients/admin/d1.env"] = False
    controller["files"]["/pki/clients/admin/ca.pem"] = "old\n"
    assert plan.tls_changes(v, state, controller) == [
        "the CA bundle of client admin is written", "the environment file of client admin for this host is written"]
    controller["exists"]["/pki/ca/ca-key.pem"] = False
    assert plan.tls_changes(v, state, controller) == ["the CA /pki/ca/ca.pem is created"]


def ssh_state(v, keys, members=("alice",), shell="/bin/bash"):
    return {"groups": {"docker": {"exists": True, "members": list(members)}},
            "users": {"alice": {"exists": True, "shell": shell, "authorized_keys": "\n".join(keys) + "\n"}},
            "files": {plan.SSHD_DROPIN: file_state(plan.sshd_dropin(v, "docker")),
                      "/usr/bin/docker": {"exists": True}}}


def test_ssh_accounts_as_the_role_leaves_them_are_converged():
    v = host_vars(dockerd_expose=["unix", "ssh"], dockerd_ssh_users=[{"name": "alice", "authorized_keys": [KEY_A]}])
    assert plan.ssh_changes(v, ssh_state(v, [KEY_A])) == []


def test_ssh_differences_are_named():
    v = host_vars(dockerd_expose=["unix", "ssh"], dockerd_ssh_users=[{"name": "alice", "authorized_keys": [KEY_A]}])
    assert plan.ssh_changes(v, ssh_state(v, [KEY_A, KEY_B])) == ["the authorized keys of alice are written"]
    assert plan.ssh_changes(v, ssh_state(v, [KEY_A], members=())) == ["alice joins group docker"]
    state = ssh_state(v, [KEY_A])
    state["files"]["/usr/bin/docker"] = {"exists": False}
    assert plan.ssh_changes(v, state) == ["the docker CLI is installed"]
    shared = host_vars(dockerd_expose=["unix", "ssh"],
                       dockerd_ssh_users=[{"name": "alice", "authorized_keys": [KEY_A], "exclusive": False}])
    assert plan.ssh_changes(shared, ssh_state(shared, [KEY_A, KEY_B])) == []


@pytest.mark.parametrize("batch, sizes", [
    (None, [5]), (2, [2, 2, 1]), ("40%", [2, 2, 1]), ("10%", [1, 1, 1, 1, 1]), ([1, "50%"], [1, 2, 2]),
])
def test_batches_are_cut_as_serial_cuts_them(batch, sizes):
    assert [len(b) for b in plan.batches(["h1", "h2", "h3", "h4", "h5"], batch)] == sizes


def test_the_fleet_table_shows_batch_endpoints_restart_and_changes():
    v = host_vars(dockerd_expose=["unix", "tcp"])
    state = converged_state(v)
    state["modes"] = ["unix"]
    decided = plan.host_plan(v, state, {"files": {}, "exists": {}, "now": NOW})
    rows = plan.fleet_table({"d1": decided}, ["d1", "d2"], 1)
    assert rows[1].split()[:7] == ["d1", "1", "stays", "opens", "off", "off", "no"]
    assert rows[1].endswith(" the plain TCP socket does not listen on 127.0.0.1:2375 (Stream)")
    assert rows[2].split()[:2] == ["d2", "2"] and "no plan" in rows[2]
    state["files"].pop(plan.TCP_SOCKET_UNIT)
    rows = plan.fleet_table({"d1": plan.host_plan(v, state, {"files": {}, "exists": {}, "now": NOW})}, ["d1"], None)
    assert rows[1].endswith(" dockerd-exposure-tcp.socket is created")
    assert rows[2] == " " * 71 + "the plain TCP socket does not listen on 127.0.0.1:2375 (Stream)"

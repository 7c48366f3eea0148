from ansible_collections.dockerd.exposure.plugins.filter.dockerd_port_conflicts import FilterModule

port_conflicts = FilterModule().filters()["dockerd_port_conflicts"]
ALLOWED = ["dockerd", "systemd", "systemd-socket-", "systemd-socket-proxyd"]
TLS = {"variable": "dockerd_tls_port", "port": 2376, "address": "0.0.0.0", "unit": "docker.socket"}
TCP6 = {"variable": "dockerd_tcp_port", "port": 2375, "address": "::1", "unit": "dockerd-exposure-tcp.socket"}
# ss -H -l -t -n -p on a Debian 12 host (ss 6.1).
SS = [
    'LISTEN 0      5            0.0.0.0:2376       0.0.0.0:*    users:(("python3",pid=812,fd=3))',
    'LISTEN 0      4096               *:2375             *:*    users:(("systemd",pid=1,fd=52))',
    'LISTEN 0      128        127.0.0.1:22         0.0.0.0:*    users:(("sshd",pid=90,fd=3),("sshd",pid=91,fd=3))',
    'LISTEN 0      128            [::]:2376            [::]:*',
]


def test_a_foreign_process_and_an_unnamed_one_are_reported_in_words():
    assert port_conflicts(SS, [TLS], ALLOWED) == [
        "port 2376 (dockerd_tls_port) is taken on 0.0.0.0:2376 by python3 (pid 812), so docker.socket could not"
        " listen on 0.0.0.0:2376; stop that process or set another dockerd_tls_port.",
        "port 2376 (dockerd_tls_port) is taken on [::]:2376 by a process ss cannot name, so docker.socket could not"
        " listen on 0.0.0.0:2376; stop that process or set another dockerd_tls_port.",
    ]


def test_allowed_owners_other_ports_and_disjoint_addresses_pass():
    assert port_conflicts(SS[1:2], [TCP6], ALLOWED) == []
    assert port_conflicts(SS[2:3], [dict(TLS, port=22, address="10.0.0.1")], ALLOWED) == []
    assert port_conflicts(SS[2:3], [dict(TLS, port=22, address="::1")], ALLOWED) == []
    assert port_conflicts(SS[2:3], [dict(TLS, port=22, address="127.0.0.1")], ALLOWED) != []
    assert port_conflicts([], [TLS], ALLOWED) == []

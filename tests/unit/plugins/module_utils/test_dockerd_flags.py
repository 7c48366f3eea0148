"""The flag/daemon.json clash table against what dockerd answered.

Each row was measured on docker.io 20.10.24 (Debian 12) and 26.1.5 (Debian 13): daemon.json
holding the key, dockerd started with the flag; "clash" means dockerd stopped with "the
following directives are specified both as a flag and in the configuration file: KEY".
"""

import pytest

from ansible_collections.dockerd.exposure.plugins.module_utils import _dockerd_flags as f

MEASURED = [
    # (flag words, daemon.json key, dockerd refused)
    (["-H", "unix:///y.sock"], "hosts", True),
    (["--add-runtime", "r2=/bin/false"], "runtimes", False),
    (["--default-address-pool", "base=10.20.0.0/16,size=24"], "default-address-pools", True),
    (["--label", "c=d"], "labels", True),
    (["--insecure-registry", "q:5000"], "insecure-registries", True),
    (["--registry-mirror", "https://n.example"], "registry-mirrors", True),
    (["--storage-opt", "a=b"], "storage-opts", True),
    (["--log-opt", "max-file=2"], "log-opts", True),
    (["--exec-opt", "native.cgroupdriver=cgroupfs"], "exec-opts", True),
    (["--dns-opt", "ndots:2"], "dns-opts", True),
    (["--default-ulimit", "nproc=10:10"], "default-ulimits", True),
    (["--authorization-plugin", "q"], "authorization-plugins", True),
    (["--node-generic-resource", "gpu=2"], "node-generic-resources", True),
    (["--cdi-spec-dir", "/y"], "cdi-spec-dirs", True),  # 26.1; 20.10 has no such flag
    (["--cluster-store-opt", "c=d"], "cluster-store-opts", True),  # 20.10; gone in 26.1
    (["--containerd", "/run/y.sock"], "containerd", True),
    (["-D"], "debug", True),
    (["--debug"], "debug", True),
    (["-l", "debug"], "log-level", True),
    (["-G", "docker"], "group", True),
    (["-p", "/y.pid"], "pidfile", True),
    (["-s", "vfs"], "storage-driver", True),
    (["-b", "none"], "bridge", True),
    (["--tls=false"], "tls", True),
    (["--live-restore"], "live-restore", True),
    (["--data-root", "/var/lib/y"], "data-root", True),
    (["-g", "/var/lib/y"], "graph", True),  # 20.10
    (["-g", "/var/lib/y"], "data-root", False),  # 20.10: -g is graph, not data-root
    (["--debug"], "features", False),
]


@pytest.mark.parametrize("flags, key, refused", MEASURED, ids=[" ".join(m[0]) + " " + m[1] for m in MEASURED])
def test_clash_table_matches_dockerd(flags, key, refused):
    argv = ["/usr/sbin/dockerd"] + flags
    assert f.clashes(f.parse_args(argv)["flags"], {key: "x"}) == ([key] if refused else [])


def test_command_line_clashes_keeps_flag_order_and_quoting():
    line = "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --label 'a b' $DOCKER_OPTS"
    content = {"labels": [], "hosts": [], "containerd": "x", "runtimes": {}, "live-restore": True}
    assert f.command_line_clashes(line, content) == ["hosts", "containerd", "labels"]
    assert f.command_line_clashes(line, {"live-restore": True}) == []
    assert f.command_line_clashes(line, None) == []


def test_split_hosts_and_parse_args_agree():
    argv = ["dockerd", "-H", "fd://", "--cri-containerd", "-Htcp://0.0.0.0:2375", "--host=unix:///x",
            "--label", "a", "$DOCKER_OPTS", "--", "-H", "x"]
    hosts, rest = f.split_hosts(argv)
    assert hosts == f.parse_args(argv)["hosts"] == ["fd://", "tcp://0.0.0.0:2375", "unix:///x"]
    assert rest == ["--cri-containerd", "--label", "a", "$DOCKER_OPTS", "--", "-H", "x"]


def test_host_takes_the_next_word_as_dockerd_does():
    # pflag gives a value flag the next word whatever it looks like.
    assert f.split_hosts(["d", "-H", "--tls"]) == (["--tls"], [])
    assert f.split_hosts(["d", "-H"]) == ([""], [])

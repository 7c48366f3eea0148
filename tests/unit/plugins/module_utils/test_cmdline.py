from ansible_collections.dockerd.exposure.plugins.module_utils._cmdline import exec_start, split_hosts

DEBIAN_12 = ["/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock", "$DOCKER_OPTS"]
DOCKER_CE = ["/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"]


def test_split_hosts_in_every_spelling():
    argv = ["dockerd", "-H", "fd://", "--host=tcp://0.0.0.0:2375", "-Hunix:///x.sock", "--host", "tcp://[::1]:1", "--debug"]
    assert split_hosts(argv) == (["fd://", "tcp://0.0.0.0:2375", "unix:///x.sock", "tcp://[::1]:1"], ["--debug"])


def test_debian_unit_keeps_its_options_and_variables():
    assert exec_start(DEBIAN_12) == (
        "/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS"
    )


def test_docker_ce_path_is_kept():
    assert exec_start(DOCKER_CE).startswith("/usr/bin/dockerd -H fd:// ")


def test_peer_listeners_on_execstart_are_replaced_by_socket_activation():
    peer = ["/usr/bin/dockerd", "-H", "tcp://0.0.0.0:2376", "--tlsverify", "-H", "unix:///var/run/docker.sock"]
    assert exec_start(peer) == "/usr/bin/dockerd -H fd:// --tlsverify"


def test_explicit_path_and_hosts():
    assert exec_start(DEBIAN_12[:1], "/opt/bin/dockerd", ("fd://", "tcp://127.0.0.1:2375")) == (
        "/opt/bin/dockerd -H fd:// -H tcp://127.0.0.1:2375"
    )


def test_words_with_spaces_are_quoted():
    assert exec_start(["/usr/bin/dockerd", "--label", "a b"]) == "/usr/bin/dockerd -H fd:// --label 'a b'"


def test_empty_argv_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="packaged ExecStart"):
        exec_start([])

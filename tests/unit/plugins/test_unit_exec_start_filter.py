from ansible_collections.dockerd.exposure.plugins.filter.unit_exec_start import FilterModule

unit_exec_start = FilterModule().filters()["unit_exec_start"]


def test_an_override_that_replaces_execstart():
    text = "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// \\\n  -H tcp://0.0.0.0:2375 $DOCKER_OPTS\n"
    assert unit_exec_start(text) == ["/usr/sbin/dockerd", "-H", "fd://", "-H", "tcp://0.0.0.0:2375", "$DOCKER_OPTS"]


def test_a_reset_alone_and_no_execstart():
    assert unit_exec_start("[Service]\nExecStart=\n") == []
    assert unit_exec_start("[Service]\nLimitNOFILE=1048576\n# ExecStart=/usr/sbin/dockerd\n") is None
    assert unit_exec_start("[Unit]\nExecStart=/usr/sbin/dockerd\n") is None

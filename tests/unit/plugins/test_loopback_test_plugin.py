from ansible_collections.dockerd.exposure.plugins.test.loopback import TestModule as LoopbackPlugin

loopback = LoopbackPlugin().tests()["loopback"]


def test_loopback_addresses():
    for address in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost"):
        assert loopback(address), address


def test_public_and_wildcard_addresses():
    for address in ("0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "docker.example.org", ""):
        assert not loopback(address), address

from ansible_collections.dockerd.exposure.plugins.test.ip_network import TestModule as IpNetworkPlugin

ip_network = IpNetworkPlugin().tests()["ip_network"]


def test_addresses_and_networks_are_accepted():
    for value in ("192.0.2.7", "192.0.2.0/24", "0.0.0.0/0", "10.0.0.0/8", "2001:db8::7", "2001:db8::/32",
                  "::/0", "::1", "172.18.0.3/32", "fd00::/8"):
        assert ip_network(value), value


def test_anything_else_is_refused():
    for value in ("192.0.2.7/24", "2001:db8::7/32", "10.0.0.0/33", "300.1.1.1", "docker.example.org",
                  "[::1]", "10.0.0.1-10.0.0.9", "", " 10.0.0.1", "10.0.0.1 ", "10.0.0.0/8,", None, 42, ["10.0.0.1"]):
        assert not ip_network(value), value

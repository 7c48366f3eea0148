"""The one IP rule: the ip_address test (certificate SANs) and ip_network (firewall sources)."""

from ansible_collections.dockerd.exposure.plugins.test.ip_address import TestModule as IpAddressPlugin
from ansible_collections.dockerd.exposure.plugins.test.ip_network import TestModule as IpNetworkPlugin

ip_address = IpAddressPlugin().tests()["ip_address"]
ip_network = IpNetworkPlugin().tests()["ip_network"]

ADDRESSES = ("192.0.2.7", "0.0.0.0", "255.255.255.255", "2001:db8::7", "2001:DB8::7", "::", "::1",
             "1:2:3:4:5:6:7:8", "::ffff:192.0.2.7", "1:2:3:4:5:6:192.0.2.7", "64:ff9b::192.0.2.7")
NOT_ADDRESSES = ("192.0.2.0/24", "300.1.1.1", "01.2.3.4", "1.2.3", "docker.example.org", "[::1]", "fe80::1%eth0",
                 "1:2:3:4:5:6:7:8:9", "::ffff:300.1.1.1", "", " 10.0.0.1", "10.0.0.1 ", None, 42)


def test_addresses_are_accepted_by_both():
    for value in ADDRESSES:
        assert ip_address(value), value
        assert ip_network(value), value


def test_anything_else_is_no_address():
    for value in NOT_ADDRESSES:
        assert not ip_address(value), value


def test_a_zone_is_refused_by_both():
    # A certificate cannot hold fe80::1%eth0 and an nftables set cannot match it.
    assert not ip_address("fe80::1%eth0")
    assert not ip_network("fe80::1%eth0")
    assert not ip_network("fe80::%eth0/64")


def test_the_prefix_is_optional_and_of_any_case():
    assert ip_address("IP:192.0.2.7", prefix="IP:")
    assert ip_address("ip:2001:db8::7", prefix="IP:")
    assert ip_address("192.0.2.7", prefix="IP:")
    assert not ip_address("IP:192.0.2.7")
    assert not ip_address("DNS:192.0.2.7", prefix="IP:")
    assert not ip_address("IP:docker.example.org", prefix="IP:")

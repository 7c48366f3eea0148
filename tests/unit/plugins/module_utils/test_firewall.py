import json
import os

from ansible_collections.dockerd.exposure.plugins.module_utils._firewall import no_firewall, parse_firewall

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "samples", "firewall", "nft_list_table.json")


def test_real_table_from_the_firewall_scenario():
    # Captured with `nft -j list table inet dockerd_exposure` on dx-fw-daemon (nftables 1.0.6).
    with open(SAMPLE) as f:
        facts = parse_firewall(f.read())
    assert facts == {
        "loaded": True,
        "loopback_allowed": True,
        "ports": [
            {"port": 2375, "allowed_sources": ["172.19.0.8", "2001:db8::/32"]},
            {"port": 2376, "allowed_sources": ["172.19.0.8", "192.0.2.0/24", "2001:db8:1::7"]},
        ],
    }


def test_a_port_with_an_accept_rule_but_no_reject_is_not_filtered():
    text = json.dumps({"nftables": [
        {"set": {"name": "s", "elem": [{"range": ["10.0.0.1", "10.0.0.9"]}]}},
        {"rule": {"expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                      "right": 2375}},
                           {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}},
                                      "right": "@s"}}, {"accept": None}]}},
        {"rule": {"expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                      "right": 2376}}, {"drop": None}]}},
    ]})
    facts = parse_firewall(text)
    assert facts["loopback_allowed"] is False
    assert facts["ports"] == [{"port": 2376, "allowed_sources": []}]


def test_no_table():
    assert no_firewall() == {"loaded": False, "loopback_allowed": None, "ports": []}

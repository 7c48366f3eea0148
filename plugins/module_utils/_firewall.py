# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)
"""The daemon role's nftables table (table inet dockerd_exposure), read back from `nft -j`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

FIREWALL_FAMILY = "inet"
FIREWALL_TABLE = "dockerd_exposure"


def _element(elem):
    """One set element of `nft -j` as text: an address, a CIDR network or a range."""
    if isinstance(elem, dict):
        if "prefix" in elem:
            return "%s/%s" % (elem["prefix"]["addr"], elem["prefix"]["len"])
        if "range" in elem:
            return "%s-%s" % tuple(elem["range"])
        if "elem" in elem:
            return _element(elem["elem"]["val"])
    return str(elem)


def _match(expr, protocol, field):
    match = expr.get("match") or {}
    payload = (match.get("left") or {}).get("payload") or {}
    if payload.get("protocol") == protocol and payload.get("field") == field and match.get("op") == "==":
        return match.get("right")
    return None


def parse_firewall(nft_json_text):
    """{loaded, loopback_allowed, ports: [{port, allowed_sources}]} from `nft -j list table ...`.

    A port counts as filtered when a rule rejects or drops it; its allowed sources are the
    elements of the sets that an accept rule for the same port refers to.
    """
    items = json.loads(nft_json_text).get("nftables", [])
    sets = {}
    rules = []
    for item in items:
        if "set" in item:
            sets[item["set"]["name"]] = [_element(e) for e in item["set"].get("elem", [])]
        elif "rule" in item:
            rules.append(item["rule"].get("expr", []))
    allowed, filtered, loopback = {}, [], False
    for expr in rules:
        verdicts = [e for e in expr if any(k in e for k in ("accept", "reject", "drop"))]
        if not verdicts:
            continue
        verdict = [k for k in ("accept", "reject", "drop") if k in verdicts[-1]][0]
        port = None
        sources = None
        for e in expr:
            port = _match(e, "tcp", "dport") if port is None else port
            for protocol in ("ip", "ip6"):
                right = _match(e, protocol, "saddr")
                if isinstance(right, str) and right.startswith("@"):
                    sources = sets.get(right[1:], [])
            left = (e.get("match") or {}).get("left") or {}
            if (left.get("meta") or {}).get("key") in ("iif", "iifname") and e["match"].get("right") == "lo":
                loopback = loopback or verdict == "accept"
        if port is None:
            continue
        if verdict == "accept" and sources is not None:
            allowed.setdefault(port, []).extend(sources)
        elif verdict in ("reject", "drop"):
            filtered.append(port)
    return {
        "loaded": True,
        "loopback_allowed": loopback,
        "ports": [{"port": port, "allowed_sources": allowed.get(port, [])} for port in sorted(set(filtered))],
    }


def no_firewall():
    return {"loaded": False, "loopback_allowed": None, "ports": []}

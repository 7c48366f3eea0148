# -*- coding: utf-8 -*-
# Copyright (c) dockerd.exposure developers
# MIT License (see LICENSE)
"""Pure classification of a host's dockerd exposure into modes and findings.

exposure_info gathers the facts (see _exposure_parse); the functions here decide what
they mean. No I/O: the unit tests call them with facts built from real samples.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

SEVERITIES = ("info", "low", "medium", "high", "critical")
_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

# Ports dockerd holds for swarm mode; never the API.
SWARM_PORTS = (2377, 7946)


def is_loopback(address):
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.0.0.1)."""
    text = (address or "").strip("[]")
    if text.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def is_api_listener(listener, api_ports):
    """Whether a TCP listener is dockerd's API (not a swarm or metrics port).

    api_ports None means the configured API ports are unknown: then every listener but
    the swarm ports counts, so that an unknown listener is reported rather than hidden.
    """
    if listener.get("plain_proxy"):
        return False
    if api_ports is None:
        return listener.get("port") not in SWARM_PORTS
    return listener.get("port") in api_ports


def proxy_listeners(tcp_listeners):
    """Plain TCP endpoints served by a proxy in front of the unix socket (never TLS)."""
    return [item for item in tcp_listeners or [] if item.get("plain_proxy")]


def api_listeners(tcp_listeners, api_ports):
    return [item for item in tcp_listeners or [] if is_api_listener(item, api_ports)]


def unix_served(sock):
    """A unix socket counts as served when the kernel lists it as listening.

    A path can outlive its listener: after docker.socket failed, /run/docker.sock stayed
    on disk (owned root:root) with nothing listening (measured). When the listening
    state is unknown (None), an existing socket file counts.
    """
    if sock.get("listening") is None:
        return bool(sock.get("exists"))
    return bool(sock.get("listening"))


def compute_modes(unix_sockets, tcp_listeners, tls, api_ports=None):
    """Sorted subset of [tcp, tls, unix] that the host serves right now."""
    modes = set()
    if any(unix_served(sock) for sock in unix_sockets or []):
        modes.add("unix")
    if api_listeners(tcp_listeners, api_ports):
        modes.add("tls" if (tls or {}).get("enabled") else "tcp")
    if proxy_listeners(tcp_listeners):
        modes.add("tcp")
    return sorted(modes)


def cert_days_left(not_after, now):
    """Whole days from now until not_after (negative once expired), or None."""
    if not_after is None or now is None:
        return None
    seconds = (not_after - now).total_seconds()
    return int(seconds // 86400)


def format_endpoint(listener):
    address = listener.get("address") or ""
    if ":" in address:
        address = "[%s]" % address
    return "%s:%s" % (address, listener.get("port"))


def _finding(fid, severity, message, fix):
    return {"id": fid, "severity": severity, "message": message, "fix": fix}


def _join(items):
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def classify(facts, context=None):
    """Turn the facts exposure_info returns into a list of findings.

    facts: the module's result keys (service, socket, daemon_json, unix_sockets,
    tcp_listeners, hosts, tls, exec_start argv via service).
    context (all optional):
      systemd: False when systemd is not there (no service findings then);
      service_load_state / service_result / socket_load_state / socket_result: from systemctl;
      argv_hosts: -H values of the effective ExecStart (after $VAR expansion);
      flag_clashes: daemon.json keys also given as flags (see _exposure_parse.flag_clashes);
      api_ports: TCP ports of the API (None: unknown);
      missing_tls_files: [(what, path)] of TLS files dockerd needs but that do not exist;
      cert_warning_days: days before expiry that count as expiring (default 30).
    Findings come sorted by severity (critical first), then id.
    """
    context = context or {}
    findings = []
    service = facts.get("service") or {}
    socket = facts.get("socket") or {}
    daemon_json = facts.get("daemon_json") or {}
    tls = facts.get("tls") or {}
    json_path = daemon_json.get("path") or "daemon.json"

    # -- daemon.json and the unit contradicting each other
    clashes = list(context.get("flag_clashes") or [])
    if "hosts" in clashes:
        content = daemon_json.get("content") or {}
        findings.append(_finding(
            "hosts_clash", "critical",
            "%s sets \"hosts\" (%s) while docker.service starts dockerd with %s; dockerd refuses "
            "to start: \"the following directives are specified both as a flag and in the "
            "configuration file: hosts\"."
            % (json_path, _join(str(h) for h in _as_list(content.get("hosts"))) or "[]",
               _join("-H %s" % h for h in context.get("argv_hosts") or []) or "-H"),
            "Keep the listeners in one place: remove \"hosts\" from %s and add the endpoints as "
            "ListenStream= lines in a docker.socket drop-in (or as -H in a docker.service "
            "drop-in that resets ExecStart=)." % json_path))
        clashes.remove("hosts")
    if clashes:
        findings.append(_finding(
            "flag_clash", "critical",
            "%s sets %s, which docker.service also passes as command-line flag%s; dockerd refuses "
            "to start: \"the following directives are specified both as a flag and in the "
            "configuration file\"." % (json_path, _join("\"%s\"" % k for k in clashes),
                                        "s" if len(clashes) > 1 else ""),
            "Set each of %s in one place only: remove the key from %s or the flag from ExecStart."
            % (_join("\"%s\"" % k for k in clashes), json_path)))

    if daemon_json.get("exists") and not daemon_json.get("valid"):
        findings.append(_finding(
            "daemon_json_invalid", "high",
            "%s is not a JSON object dockerd can load: %s"
            % (json_path, daemon_json.get("error") or "unknown error."),
            "Rewrite %s as one JSON object ({\"key\": value, ...}) and check it with "
            "\"python3 -m json.tool %s\" before restarting dockerd." % (json_path, json_path)))

    # -- systemd units
    if context.get("systemd", True):
        load_state = context.get("service_load_state")
        if load_state == "bad-setting":
            exec_start = service.get("exec_start") or []
            reason = ""
            if len(exec_start) > 1:
                reason = (" It has %d ExecStart= commands; a drop-in that replaces the command "
                          "must first reset it with an empty \"ExecStart=\" line." % len(exec_start))
            where = _join(service.get("drop_in_paths") or []) or service.get("fragment_path") \
                or "docker.service"
            findings.append(_finding(
                "unit_bad_setting", "high",
                "docker.service has a bad unit file setting (LoadState=bad-setting), so systemd "
                "will not start or restart it; the dockerd running now (if any) keeps its old "
                "settings.%s" % reason,
                "Fix %s (\"systemctl cat docker.service\" shows the merged unit), then run "
                "\"systemctl daemon-reload\"." % where))
        active = service.get("active_state")
        if load_state == "not-found":
            findings.append(_finding(
                "service_inactive", "high",
                "docker.service is not installed on this host (systemctl reports LoadState=not-found).",
                "Install Docker (the docker.io or docker-ce package) or point the play at the "
                "right host."))
        elif active is not None and active != "active":
            result = context.get("service_result")
            detail = " (ActiveState=%s, SubState=%s%s)" % (
                active, service.get("sub_state"),
                ", Result=%s" % result if result and result != "success" else "")
            findings.append(_finding(
                "service_inactive", "high",
                "docker.service is not running%s." % detail,
                "Read \"journalctl -u docker.service\" for dockerd's last error, fix it, then run "
                "\"systemctl reset-failed docker.service docker.socket\" and \"systemctl start "
                "docker.service\" (StartLimitBurst=3 per 60 s blocks further starts until "
                "reset-failed)."))
        socket_state = socket.get("active_state")
        if (context.get("socket_load_state") == "loaded" and socket_state is not None
                and socket_state != "active"):
            result = context.get("socket_result")
            findings.append(_finding(
                "socket_inactive", "high" if socket_state == "failed" else "medium",
                "docker.socket is not listening (ActiveState=%s%s), so clients of %s are refused."
                % (socket_state, ", Result=%s" % result if result and result != "success" else "",
                   _join(e.get("address") for e in socket.get("listen") or []) or "its sockets"),
                "Read \"journalctl -u docker.socket\" (an address it cannot bind, or docker.service "
                "failing), fix it, then run \"systemctl reset-failed docker.service docker.socket\" "
                "and \"systemctl start docker.socket docker.service\"."))

    # -- unix sockets
    for sock in facts.get("unix_sockets") or []:
        if sock.get("world_accessible"):
            findings.append(_finding(
                "socket_world_accessible", "critical",
                "The Docker socket %s has mode %s (%s:%s): every local user can drive dockerd "
                "and so become root." % (sock.get("path"), sock.get("mode"), sock.get("owner"),
                                         sock.get("group")),
                "Set SocketMode=0660, SocketUser=root and SocketGroup=docker in a docker.socket "
                "drop-in (remove any chmod of the socket), then restart docker.socket with "
                "docker.service stopped."))

    # -- TCP
    listeners = api_listeners(facts.get("tcp_listeners"), context.get("api_ports"))
    plain = proxy_listeners(facts.get("tcp_listeners")) + ([] if tls.get("enabled") else listeners)
    if plain:
        public = [item for item in plain if not is_loopback(item.get("address"))]
        local = [item for item in plain if is_loopback(item.get("address"))]
        if public:
            findings.append(_finding(
                "plain_tcp_public", "critical",
                "dockerd serves its API without TLS on %s: anyone who reaches %s gets root on "
                "this host." % (_join(format_endpoint(i) for i in public),
                                "that address" if len(public) == 1 else "these addresses"),
                "Remove the plain TCP listener (ListenStream= in the docker.socket drop-in or -H "
                "tcp:// in ExecStart/DOCKER_OPTS) and expose dockerd with mutual TLS on 2376 "
                "(dockerd_expose: [tls]) or over ssh instead."))
        if local:
            findings.append(_finding(
                "plain_tcp_loopback", "low",
                "dockerd serves its API without TLS on %s: every local user and every local "
                "process can drive dockerd through it and become root."
                % _join(format_endpoint(i) for i in local),
                "Drop the TCP listener if nothing needs it, or move to TLS with client "
                "certificates; the unix socket already serves local clients of the docker group."))

    tcp_configured = bool(listeners) or any(
        str(h).startswith("tcp://") for h in facts.get("hosts") or [])
    if tls.get("enabled") and not tls.get("verify") and tcp_configured:
        findings.append(_finding(
            "tls_without_verify", "high",
            "dockerd uses TLS%s without client verification (tlsverify is false): the traffic is "
            "encrypted, but any client that reaches the port gets root on this host."
            % (" on %s" % _join(format_endpoint(i) for i in listeners) if listeners else ""),
            "Enable client verification: drop \"--tlsverify=false\" / \"tlsverify\": false and "
            "give --tlscacert (daemon.json \"tlscacert\") the CA that signs the client certificates."))

    if tls.get("enabled"):
        for what, path in context.get("missing_tls_files") or []:
            findings.append(_finding(
                "tls_file_missing", "high",
                "TLS is on but the %s %s does not exist; dockerd fails to start with it "
                "(\"could not read CA certificate\" / \"could not load X509 key pair\")."
                % (what, path),
                "Install the file at %s (the tls role writes ca.pem, server cert and key) or point "
                "the matching --tlscacert/--tlscert/--tlskey (daemon.json key) at it." % path))

        days = tls.get("cert_days_left")
        warn_days = context.get("cert_warning_days", 30)
        if days is not None and tls.get("cert_not_after"):
            if days < 0:
                findings.append(_finding(
                    "cert_expired", "critical",
                    "The server certificate %s expired on %s; TLS clients that verify it refuse "
                    "to connect." % (tls.get("cert"), tls.get("cert_not_after")),
                    "Renew the server certificate (playbooks/rotate.yml) and restart dockerd."))
            elif days <= warn_days:
                findings.append(_finding(
                    "cert_expiring", "medium",
                    "The server certificate %s expires on %s, in %d day%s." % (
                        tls.get("cert"), tls.get("cert_not_after"), days, "" if days == 1 else "s"),
                    "Renew the server certificate before then (playbooks/rotate.yml) and restart "
                    "dockerd."))

    pending = facts.get("pending") or {}
    if pending.get("service") or pending.get("socket"):
        changed = pending.get("newer_files") or []
        findings.append(_finding(
            "config_pending", "medium",
            "dockerd runs with an older configuration than the one on disk (%s); the change "
            "takes effect only at the next restart." % (
                ("changed since it started: " + _join(changed)) if changed
                else "systemd has not reloaded the changed unit files"),
            "Rerun the playbook (it restarts dockerd once and checks it), or by hand: "
            "systemctl daemon-reload, then restart docker.socket and docker.service."))

    findings.sort(key=lambda f: (-_RANK[f["severity"]], f["id"]))
    return findings


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


# ---------------------------------------------------------------- audit report
# playbooks/audit.yml: exposure_info's findings plus the audit's own, per host and for the
# whole run, and the gate (dockerd_audit_fail_severity). docs/audit.md describes the format.

GATE_NONE = "none"
SERVED_MODES = ("tcp", "tls", "unix")
_NOT_AUDITED_FIX = ("Make the host reachable (ansible HOST -m ping) and readable as root (become), "
                    "then rerun playbooks/audit.yml.")
_ENDPOINT_FAILED_FIX = ("Rerun playbooks/expose.yml for this host (it restores the configured endpoints and "
                        "checks them), or fix what the message names.")
_MODES_DIFFER_FIX = "Rerun playbooks/expose.yml for this host, or change dockerd_expose to what it should serve."


def failing_severities(gate):
    """The severities that fail the run: the gate and every one above it (none for "none")."""
    if gate == GATE_NONE:
        return []
    return list(SEVERITIES[_RANK[gate]:])


def _truncate(text, length=400, end="...", leeway=5):
    # Jinja's truncate(400), as the report has always cut a host's error.
    if len(text) <= length + leeway:
        return text
    return text[:length - len(end)].rsplit(" ", 1)[0] + end


def audit_endpoint(row):
    """One endpoint row of tasks/endpoint_checks.yml ({mode, check}) as the report shows it."""
    check = row.get("check") or {}
    if check.get("skipped"):
        result = "skipped"
    else:
        result = "ok" if check.get("passed") else "FAILED"
    endpoint = {
        "mode": row["mode"], "endpoint": check.get("endpoint"),
        "expect": "refused" if row["mode"].endswith("(off)") else "reachable",
        "result": result, "outcome": check.get("outcome"), "reason": check.get("reason"),
        "latency_ms": check.get("latency_ms"), "server_version": check.get("server_version"),
        "api_version": check.get("api_version"), "msg": check.get("msg"),
    }
    for key in ("probes", "peer_certificate"):
        if key in check:
            endpoint[key] = check[key]
    return endpoint


def audit_host(host, expected, info, results, address):
    """One host of the report: its state, endpoints and findings (the audit's and exposure_info's).

    expected: dockerd_expose; info: exposure_info's result ({} when it did not run);
    results: the endpoint rows, None when the checks did not run.
    """
    info = info or {}
    audited = results is not None and "findings" in info
    found = []
    endpoints = []
    if not audited:
        reason = info.get("msg", "its checks did not run (see the run output).")
        found.append({"id": "not_audited", "severity": "high", "source": "audit",
                      "message": "The audit could not read this host: %s" % _truncate(("%s" % reason).strip()),
                      "fix": _NOT_AUDITED_FIX})
    for row in (results or []) if audited else []:
        endpoint = audit_endpoint(row)
        endpoints.append(endpoint)
        if endpoint["result"] == "FAILED":
            check = row.get("check") or {}
            found.append({"id": "endpoint_failed", "severity": "high", "source": "audit",
                          "message": "%s endpoint %s: %s" % (row["mode"], check.get("endpoint", "-"),
                                                             check.get("msg", "no result")),
                          "fix": _ENDPOINT_FAILED_FIX})
    expected_served = sorted(m for i, m in enumerate(expected) if m in SERVED_MODES and m not in expected[:i])
    if "modes" in info and expected_served != sorted(info["modes"]):
        found.append({"id": "modes_differ", "severity": "medium", "source": "audit",
                      "message": "The host serves %s while dockerd_expose asks for %s." % (
                          ", ".join(info["modes"]) or "nothing", ", ".join(expected_served) or "nothing"),
                      "fix": _MODES_DIFFER_FIX})
    found += [dict(f, source="exposure_info") for f in info.get("findings") or []]
    findings = []
    for severity in reversed(SEVERITIES):
        for f in sorted((f for f in found if f.get("severity") == severity), key=lambda f: f["id"]):
            findings.append(dict(f, host=host, line="%s: [%s] %s: %s" % (host, f["severity"], f["id"], f["message"])))
    service, socket = info.get("service"), info.get("socket")
    return {
        "host": host,
        "address": address,
        "audited": audited,
        "modes_expected": expected,
        "modes_served": info.get("modes"),
        "docker_version": info.get("docker_version"),
        "listeners": {"unix": info.get("unix_sockets", []), "tcp": info.get("tcp_listeners", []),
                      "hosts": info.get("hosts", [])},
        "drop_ins": {"docker.service": service.get("drop_in_paths", []) if service is not None else [],
                     "docker.socket": socket.get("drop_in_paths", []) if socket is not None else []},
        "service": {"active_state": service.get("active_state"), "exec_start": service.get("exec_start", [])}
        if service is not None else None,
        "socket": {"active_state": socket.get("active_state"), "listen": socket.get("listen", []),
                   "socket_mode": socket.get("socket_mode"), "socket_user": socket.get("socket_user"),
                   "socket_group": socket.get("socket_group")} if socket is not None else None,
        "daemon_json": info.get("daemon_json"),
        "tls": info.get("tls"),
        "pending": info.get("pending"),
        "endpoints": endpoints,
        "findings": findings,
    }


def audit_report(hosts, generated, gate):
    """The whole report from audit_host()'s hosts, and the findings that fail the gate.

    Returns (report, offending); report["summary"] says whether the gate passed.
    """
    counts = dict((sev, 0) for sev in reversed(SEVERITIES))
    for host in hosts:
        for f in host["findings"]:
            counts[f["severity"]] += 1
    failing = failing_severities(gate)
    offending = [f for host in hosts for f in host["findings"] if f["severity"] in failing]
    report = {
        "generated": generated,
        "fail_severity": gate,
        "severities": list(SEVERITIES),
        "summary": {
            "hosts": len(hosts),
            "endpoints": sum(len(h["endpoints"]) for h in hosts),
            "endpoints_failed": sum(1 for h in hosts for e in h["endpoints"] if e["result"] == "FAILED"),
            "findings": counts,
            "findings_total": sum(counts.values()),
            "gate": "failed" if offending else "passed",
            "offending": len(offending),
        },
        "hosts": hosts,
    }
    return report, offending

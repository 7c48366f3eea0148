# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: dockerd_audit_report
short_description: The audit report of playbooks/audit.yml, built from every host's checks
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Takes the audited host names and reads, for each, C(dockerd_expose), the exposure_info result
    C(__dockerd_exposure_after) and the endpoint rows C(__dockerd_results) that
    C(playbooks/tasks/endpoint_checks.yml) leaves, from I(hostvars).
  - Returns C(report) (the document of docs/audit.md, with the findings of exposure_info and the
    audit's own C(not_audited), C(endpoint_failed) and C(modes_differ), sorted by severity) and
    C(offending) (the findings at or above the gate severity, across hosts).
options:
  _input:
    description: The host names, in the order of the report.
    type: list
    elements: str
    required: true
  hostvars:
    description: C(hostvars).
    type: raw
    required: true
  generated:
    description: The time of the run, as the report shows it.
    type: str
    required: true
  gate:
    description: C(dockerd_audit_fail_severity).
    type: str
    required: true
"""

EXAMPLES = r"""
---
- name: Build the report
  ansible.builtin.set_fact:
    audit: "{{ ansible_play_hosts_all | dockerd.exposure.dockerd_audit_report(hostvars, now(utc=true) | string, 'high') }}"
"""

RETURN = r"""
_value:
  description: "C(report): the report; C(offending): the findings that fail the gate."
  type: dict
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import audit_host, audit_report

_MISSING = object()


def _var(hostvars, host, name, default):
    # Read only the variables the report needs: templating a host's other variables could fail.
    try:
        value = hostvars[host][name]
    except KeyError:
        return default
    return default if value is _MISSING else value


def dockerd_audit_report(hosts, hostvars, generated, gate):
    audited = []
    for host in hosts or []:
        address = _var(hostvars, host, "dockerd_endpoint_host", _MISSING)
        if address is _MISSING:
            address = _var(hostvars, host, "ansible_host", host)
        audited.append(audit_host(
            host,
            expected=list(_var(hostvars, host, "dockerd_expose", ["unix"])),
            info=dict(_var(hostvars, host, "__dockerd_exposure_after", {})),
            results=_var(hostvars, host, "__dockerd_results", None),
            address=address,
        ))
    report, offending = audit_report(audited, generated, gate)
    return {"report": report, "offending": offending}


class FilterModule(object):
    def filters(self):
        return {"dockerd_audit_report": dockerd_audit_report}

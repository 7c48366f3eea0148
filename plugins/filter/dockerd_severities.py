# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
name: dockerd_severities
short_description: The severities of findings, lowest first, after the given values
version_added: 0.1.0
author: dockerd.exposure developers
description:
  - Returns the input list followed by the severities M(dockerd.exposure.exposure_info) gives its
    findings, lowest first (C(info), C(low), C(medium), C(high), C(critical)), the one list the
    audit's gate choices, report and module share.
options:
  _input:
    description: Values to put first, such as C(['none']).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
---
- name: The choices of dockerd_audit_fail_severity
  ansible.builtin.debug:
    msg: "{{ ['none'] | dockerd.exposure.dockerd_severities }}"
  # -> ['none', 'info', 'low', 'medium', 'high', 'critical']
"""

RETURN = r"""
_value:
  description: The input, then the severities.
  type: list
  elements: str
"""

from ansible_collections.dockerd.exposure.plugins.module_utils._exposure_findings import SEVERITIES


def dockerd_severities(first):
    return list(first or []) + list(SEVERITIES)


class FilterModule(object):
    def filters(self):
        return {"dockerd_severities": dockerd_severities}

# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The documentation is in plugins/modules/exposure_plan.py.

import datetime
import os

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.parsing.dataloader import DataLoader

from ansible_collections.dockerd.exposure.plugins.module_utils import _plan as plan

ROLES = ("daemon", "tls", "ssh")
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def _role_defaults():
    """The roles' defaults/main.yml, untemplated (templated per host below)."""
    loader = DataLoader()
    defaults = {}
    for role in ROLES:
        path = os.path.join(ROLES_DIR, role, "defaults", "main.yml")
        if os.path.exists(path):
            try:
                # ansible-core 2.19 templates only trusted strings: a role's defaults are.
                defaults.update(loader.load_from_file(path, trusted_as_template=True) or {})
            except TypeError:  # ansible-core < 2.19 has no trust and templates every string
                defaults.update(loader.load_from_file(path) or {})
    return defaults


def read_controller(v):
    """The controller files the plan compares (CA, client bundles): text of public ones, existence of keys."""
    reads, exists = plan.tls_controller_reads(v)
    files = {}
    for path in reads:
        try:
            with open(os.path.expanduser(path)) as handle:
                files[path] = handle.read()
        except (IOError, OSError):
            files[path] = None
    return {"files": files, "exists": dict((p, os.path.isfile(os.path.expanduser(p))) for p in exists),
            "now": datetime.datetime.now(datetime.timezone.utc)}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset()

    def _host_vars(self, task_vars):
        """Every dockerd_* variable of the host, the roles' defaults filled in, templated."""
        raw = dict((k, v) for k, v in _role_defaults().items())
        raw.update(dict((k, v) for k, v in task_vars.items() if k.startswith("dockerd_")))
        names = ["inventory_hostname", "ansible_host"]
        templar = self._templar.copy_with_new_env(available_variables=dict(task_vars, **raw))
        values = {}
        for key, value in raw.items():
            values[key] = templar.template(value)
        for key in names:
            if key in task_vars:
                values[key] = templar.template(task_vars[key])
        return values

    def _read_host(self, v, args, task_vars):
        """One exposure_info call with args: its answer, or its failed result."""
        if not isinstance(v.get("dockerd_expose"), list) or any(not isinstance(m, string_types)
                                                               for m in v["dockerd_expose"]):
            raise AnsibleActionFail("dockerd_expose=%r is not a list of modes" % (v.get("dockerd_expose"),))
        state = self._execute_module(module_name="dockerd.exposure.exposure_info", module_args=args,
                                     task_vars=task_vars)
        for key in ("invocation", "_ansible_no_log", "changed"):
            state.pop(key, None)
        return state

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        try:
            v = self._host_vars(task_vars)
        except AnsibleError as exc:
            # A variable that reads the host (a lookup) fails when the host is gone: a failed
            # result, not an error, so that the rollout's reachability probe can note the host.
            result.update(failed=True, msg="the host's variables could not be templated: %s" % exc)
            return result
        state = self._read_host(v, plan.gather_args(v), task_vars)
        if state.get("failed"):
            result.update(state)
            return result
        decided = plan.host_plan(v, state, read_controller(v))
        result.update(decided)
        result["state"] = state
        result["changed"] = False
        return result

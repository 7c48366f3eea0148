# -*- coding: utf-8 -*-
# Copyright (c) 2026 dockerd.exposure developers
# MIT License (see LICENSE)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The documentation is in plugins/modules/validate.py. The rules are in
# plugins/module_utils/_validate.py; this plugin only reads (one exposure_info call on the
# host, the CA files on the controller) and reports.

import datetime
import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader

from ansible_collections.dockerd.exposure.plugins.action.exposure_plan import ActionModule as PlanAction
from ansible_collections.dockerd.exposure.plugins.action.exposure_plan import ROLES_DIR
from ansible_collections.dockerd.exposure.plugins.action.exposure_plan import read_controller as read_plan_controller
from ansible_collections.dockerd.exposure.plugins.module_utils import _plan as plan
from ansible_collections.dockerd.exposure.plugins.module_utils import _validate as validate

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.exceptions import UnsupportedAlgorithm
except ImportError:  # pragma: no cover - community.crypto needs it on the controller anyway
    x509 = None

TIMESTAMP_FORMAT = "%Y%m%d%H%M%SZ"


def _argument_spec(role):
    """The options of a role's validate entry point (what include_role checks)."""
    path = os.path.join(ROLES_DIR, role, "meta", "argument_specs.yml")
    if not os.path.exists(path):
        return {}
    specs = (DataLoader().load_from_file(path) or {}).get("argument_specs") or {}
    return ((specs.get("validate") or specs.get("main") or {}).get("options")) or {}


def argument_errors(role, values):
    """(error messages, spec) of the role's argument spec against the host's values."""
    spec = _argument_spec(role)
    provided = dict((k, values[k]) for k in spec if k in values)
    result = ArgumentSpecValidator(spec).validate(provided, validate_role_argument_spec=True)
    return list(result.error_messages), spec


def _read_key(path, passphrase):
    """({"fingerprint": public key DER} or {"error": community.crypto's words})."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        key = serialization.load_pem_private_key(data, None if not passphrase else passphrase.encode("utf-8"))
    except UnsupportedAlgorithm as exc:
        return {"error": "Unsupported private key type: %s" % exc}
    except TypeError:
        return {"error": "Wrong or empty passphrase provided for private key"}
    except ValueError as exc:
        return {"error": "Wrong passphrase provided for private key, or private key cannot be parsed: %s" % exc}
    return {"fingerprint": key.public_key().public_bytes(serialization.Encoding.DER,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)}


def _read_ca(path, renew_days, now):
    with open(path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    not_after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return {"basic_constraints_ca": is_ca,
            "fingerprint": cert.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo),
            "expired": not_after < now, "not_after": not_after.strftime(TIMESTAMP_FORMAT),
            "expires_within_renewal": not_after < now + datetime.timedelta(days=renew_days)}


def read_controller(v):
    """The CA files on the controller: existence, and the CA's certificate and key when both exist."""
    paths = validate.tls_paths(v)
    files = [paths["ca_cert"], paths["ca_key"], paths["next"] + "/ca.pem", paths["previous"] + "/ca.pem"]
    expanded = dict((p, os.path.expanduser(str(p))) for p in files)
    controller = {"exists": dict((p, os.path.exists(expanded[p])) for p in files),
                  "isreg": dict((p, os.path.isfile(expanded[p])) for p in files), "ca": None, "ca_key": None}
    if controller["exists"][paths["ca_cert"]] and controller["exists"][paths["ca_key"]] and x509 is not None:
        now = datetime.datetime.now(datetime.timezone.utc)
        try:
            controller["ca"] = _read_ca(expanded[paths["ca_cert"]], validate.jinja_int(v.get("dockerd_tls_renew_days")),
                                        now)
        except (ValueError, IOError, OSError) as exc:
            controller["ca"] = {"basic_constraints_ca": False, "fingerprint": None, "expired": False,
                                "not_after": "unreadable: %s" % exc}
        try:
            controller["ca_key"] = _read_key(expanded[paths["ca_key"]], v.get("dockerd_tls_ca_key_passphrase"))
        except (IOError, OSError) as exc:
            controller["ca_key"] = {"error": str(exc)}
    return controller


def _stat_results(controller, paths):
    """The CA files' existence, shaped as a looped ansible.builtin.stat result (the tls role reads it)."""
    return {"results": [{"item": p, "stat": {"exists": controller["exists"].get(p, False),
                                             "isreg": controller["isreg"].get(p, False)}} for p in paths]}


class ActionModule(PlanAction):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("checks", "plan"))

    def _login(self, task_vars):
        """The account Ansible logs in as (without become) and the key it logs in with."""
        out = self._low_level_execute_command('id -un; echo "${SSH_CONNECTION:-}"', sudoable=False)
        lines = (out.get("stdout") or "").splitlines() + ["", ""]
        key_file = ""
        for name in ("ansible_ssh_private_key_file", "ansible_private_key_file"):
            if task_vars.get(name):
                key_file = self._templar.template(task_vars[name])
                break
        if not key_file and C.DEFAULT_PRIVATE_KEY_FILE:
            key_file = C.DEFAULT_PRIVATE_KEY_FILE
        key_file = os.path.expanduser(key_file) if key_file else ""
        blob = ""
        if key_file and os.path.isfile(key_file + ".pub"):
            with open(key_file + ".pub") as handle:
                blob = (handle.read().split() + ["", ""])[1]
        password = ("ansible_password" if "ansible_password" in task_vars
                    else ("ansible_ssh_pass" if "ansible_ssh_pass" in task_vars else None))
        return {"name": lines[0].strip(), "over_ssh": bool(lines[1].strip()), "key_file": key_file,
                "key_blob": blob, "password_var": password, "stdout_lines": lines[:2]}

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(PlanAction, self).run(tmp, task_vars)
        v = self._host_vars(task_vars)
        checks = self._task.args.get("checks")
        if checks is None:
            checks = validate.default_checks(v)
        if not isinstance(checks, list) or any(c not in validate.CHECKS for c in checks):
            raise AnsibleActionFail("checks=%r is not a list of %s" % (checks, ", ".join(validate.CHECKS)))

        # The rollout knobs first: Ansible reads them as the next play's serial.
        knobs = validate.rollout_problems(v) if "rollout" in checks else []
        if knobs:
            result.update(failed=True, msg="\n".join(knobs), problems=knobs)
            return result
        # Then the types, as include_role checks a role's entry point.
        for role in ("daemon", "tls", "ssh"):
            if role not in checks:
                continue
            errors, spec = argument_errors(role, v)
            if errors:
                result.update(failed=True, msg="Validation of arguments failed:\n%s" % "\n".join(errors),
                              argument_errors=errors, argument_spec_data=spec,
                              validate_args_context={"type": "role", "name": "dockerd.exposure." + role,
                                                     "argument_spec_name": "validate"})
                return result
        state = self._read_host(v, validate.gather_args(v), task_vars)
        if state.get("failed"):
            result.update(state)
            return result
        controller = read_controller(v)
        login = self._login(task_vars) if "ssh" in checks else {"stdout_lines": []}
        problems = validate.problems(v, state, controller, login, state.get("distribution"), checks)
        if problems:
            result.update(failed=True, msg="\n".join(problems), problems=problems)
            return result
        paths = validate.tls_paths(v)
        distribution = state.get("distribution") or {}
        warnings = validate.tls_warnings(v, controller) if "tls" in checks else []
        if warnings:
            result["warnings"] = warnings
        if self._task.args.get("plan"):
            # The same read makes the plan (what exposure_plan returns): one call per host.
            decided = plan.host_plan(v, state, read_plan_controller(v))
            decided.update(state=state, changed=False)
            result["plan"] = decided
        result.update(
            changed=False, problems=[], checks=checks,
            # What the roles read later (registered as __dockerd_validation).
            state=state,
            nft={"stat": {"exists": validate.nft_present(state)}},
            ssh_login={"stdout_lines": login["stdout_lines"]},
            ssh_cli_probe={"rc": 0 if validate.ssh_cli_found(state) else 1},
            tls_ca_stat=_stat_results(controller, [paths["ca_cert"], paths["ca_key"]]),
            tls_rollover_stat=_stat_results(controller, [paths["next"] + "/ca.pem", paths["previous"] + "/ca.pem"]),
            ansible_facts=dict(
                (key, value) for key, value in (
                    ("getent_passwd", state.get("getent_passwd")), ("getent_group", state.get("getent_group")),
                    ("distribution", distribution.get("distribution")),
                    ("distribution_major_version", distribution.get("distribution_major_version")))
                if value is not None and (key.startswith("getent") or key not in (task_vars.get("ansible_facts") or {}))),
        )
        return result

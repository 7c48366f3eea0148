"""Static checks of certificate rotation: playbooks/rotate.yml and the tls role's CA rollover."""

import json
import os

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TLS = os.path.join(REPO, "roles", "tls")
# Actions that run on the controller whatever delegate_to says (no module is sent to a host).
CONTROLLER_ONLY = {"ansible.builtin.assert", "ansible.builtin.debug", "ansible.builtin.set_fact",
                   "ansible.builtin.fail", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks"}


def _load(*parts):
    with open(os.path.join(*parts)) as f:
        return yaml.safe_load(f)


def _tasks(tasks, delegate=None):
    """Every task with the delegate_to it inherits from its blocks."""
    for task in tasks or []:
        here = task.get("delegate_to", delegate)
        if "block" in task:
            for key in ("block", "rescue", "always"):
                yield from _tasks(task.get(key), here)
        else:
            yield task, here


def _action(task):
    return next(k for k in task if "." in k and k.count(".") == 2)


def test_rollover_choices_match_the_validation():
    spec = _load(TLS, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]["dockerd_tls_ca_rollover"]
    assert spec["choices"] == ["none", "introduce", "switch", "finish"]
    assert spec["default"] == "none"
    from ansible_collections.dockerd.exposure.plugins.module_utils import _validate
    assert list(_validate.ROLLOVER_PHASES) == spec["choices"]


def test_every_task_touching_a_ca_key_runs_on_the_controller():
    checked = 0
    for name in sorted(os.listdir(os.path.join(TLS, "tasks"))):
        for task, delegate in _tasks(_load(TLS, "tasks", name)):
            action = _action(task)
            text = json.dumps(task[action])
            if action in CONTROLLER_ONLY or not any(k in text for k in ("ca-key", "ca_key", "_ca_dir", "previous_ca")):
                continue
            checked += 1
            assert delegate == "localhost", "%s: %r may run on a daemon host" % (name, task["name"])
    assert checked >= 8


def test_every_task_writing_a_private_key_hides_its_output():
    for name in sorted(os.listdir(os.path.join(TLS, "tasks"))):
        for task, _ in _tasks(_load(TLS, "tasks", name)):
            if _action(task) == "community.crypto.openssl_privatekey":
                assert task.get("no_log") is True, "%s: %r" % (name, task["name"])
                assert task[_action(task)]["mode"] in ("0600", "0400")


def test_rotate_rolls_out_like_expose():
    rotate = _load(REPO, "playbooks", "rotate.yml")
    expose = _load(REPO, "playbooks", "expose.yml")
    rollout = [p for p in rotate if "serial" in p]
    assert len(rollout) == 1
    assert rollout[0]["serial"] == [p for p in expose if "serial" in p][0]["serial"]
    assert rollout[0]["vars"]["__dockerd_rollout_ssh"] is False
    for book in (rotate, expose):
        imports = [t["ansible.builtin.import_tasks"] for p in book for t in p.get("pre_tasks", []) + p.get("tasks", [])
                   if "ansible.builtin.import_tasks" in t]
        assert imports == ["tasks/batch_size.yml", "tasks/rollout.yml", "tasks/endpoint_checks.yml", "tasks/summary.yml"]
        # The rollout knobs are checked in the validation play, before serial reads them.
        validation = [t for t in book[0]["tasks"] if "dockerd.exposure.validate" in t]
        assert len(validation) == 1 and "rollout" in (validation[0]["dockerd.exposure.validate"] or {}).get(
            "checks", ["rollout"])

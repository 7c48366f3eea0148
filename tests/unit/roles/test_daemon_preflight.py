"""The daemon role's checks before a restart: preflight.yml only reads, and restart.yml runs it
before the restart. What the checks print and what a rollback restores is proven on real
hosts by the Molecule preflight and rollback scenarios."""

import os

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TASKS = os.path.join(ROOT, "roles", "daemon", "tasks")


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return handle.read()


def test_preflight_only_reads():
    """Every task of preflight.yml is a read: no module that writes, every command unchanged."""
    tasks = yaml.safe_load(_read("roles", "daemon", "tasks", "preflight.yml"))
    readers = {"dockerd.exposure.exposure_info", "ansible.builtin.set_fact", "ansible.builtin.command",
               "ansible.builtin.fail"}
    for task in tasks:
        module = next(key for key in task if "." in key)
        assert module in readers, task["name"]
        if module == "ansible.builtin.command":
            assert task.get("changed_when") is False, task["name"]
            assert task.get("check_mode") is False, task["name"]


def test_restart_checks_before_it_restarts():
    tasks = yaml.safe_load(_read("roles", "daemon", "tasks", "restart.yml"))
    names = [t["name"] for t in tasks]
    assert names.index("Check the new configuration before dockerd is restarted") < names.index(
        "Restart dockerd, rolling back when it does not answer")
    rescue = tasks[0]["rescue"][0]
    assert rescue["ansible.builtin.include_tasks"] == "rollback.yml"
    assert rescue["vars"]["__dockerd_rollback_restart"] is False

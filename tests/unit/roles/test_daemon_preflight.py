"""The daemon role's checks before a restart: every message preflight.yml and rollback.yml
can print is documented, word for word, in docs/validation.md, and the snapshot the
rollback restores covers the TLS material when tls is on."""

import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TASKS = os.path.join(ROOT, "roles", "daemon", "tasks")


def _read(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return handle.read()


def _words(text):
    """Text as one line of words, without YAML folding, Jinja quoting or Markdown wrapping."""
    return " ".join(text.replace("' ~ '", "").replace("'\n", " ").split())


# Fixed parts of each message, as the templates have them and the docs quote them.
MESSAGES = [
    "does not belong to the server certificate",
    "(their public keys differ); dockerd would stop with \"Error reading X509 key pair\".",
    "cannot be read as a PEM certificate",
    "cannot be read as an unencrypted PEM private key",
    "does not chain to the CA file",
    "clients trusting that CA would refuse the daemon.",
    "could not listen on",
    "stop that process",
    "dockerd --validate refused the configuration:",
    "also sets as a flag;",
    "the new configuration failed the checks before the restart.",
    "dockerd was not restarted and still runs its previous configuration.",
]


@pytest.mark.parametrize("fragment", MESSAGES)
def test_message_is_printed_and_documented(fragment):
    tasks = _words(_read("roles", "daemon", "tasks", "preflight.yml") + _read("roles", "daemon", "tasks", "rollback.yml"))
    docs = _words(_read("docs", "validation.md"))
    assert fragment in tasks, fragment
    assert fragment in docs, fragment


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


def test_rollback_restores_tls_material_and_hides_the_key():
    variables = _read("roles", "daemon", "vars", "main.yml")
    assert re.search(r"__dockerd_managed_files:.*__dockerd_tls_material if 'tls' in dockerd_expose", " ".join(
        variables.split()))
    rollback = yaml.safe_load(_read("roles", "daemon", "tasks", "rollback.yml"))
    restore = next(t for t in rollback if t["name"] == "Put the previous managed files back")
    assert "tlskey" in restore["no_log"]
    assert "item.item.stat.mode" in restore["ansible.builtin.copy"]["mode"]

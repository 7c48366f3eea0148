"""Every public role variable is declared once, with the same default, and documented.

Keeps defaults/main.yml, meta/argument_specs.yml and the README in step.
"""

import os
import re

import pytest
import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROLES = sorted(d for d in os.listdir(os.path.join(REPO, "roles"))
               if os.path.exists(os.path.join(REPO, "roles", d, "meta", "argument_specs.yml")))


def _load(*parts):
    with open(os.path.join(REPO, *parts)) as handle:
        return yaml.safe_load(handle) or {}


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_argument_specs_agree(role):
    defaults = _load("roles", role, "defaults", "main.yml")
    options = _load("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    missing = sorted(set(defaults) - set(options))
    assert not missing, "%s: defaults without an argument spec: %s" % (role, missing)
    for name, spec in options.items():
        assert name.startswith("dockerd_"), "%s: %s lacks the dockerd_ prefix" % (role, name)
        assert spec.get("description"), "%s: %s has no description" % (role, name)
        if name in defaults and "{{" not in str(defaults[name]) and "default" in spec:
            assert spec["default"] == defaults[name], "%s: %s default differs" % (role, name)


def test_readme_variable_tables_match_the_argument_specs():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, os.path.join(REPO, "tools", "readme_variables.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

#!/usr/bin/env python3
"""Render the README's variable tables from the roles' meta/argument_specs.yml.

    tools/readme_variables.py          # rewrite the section between the markers
    tools/readme_variables.py --check  # exit 1 when README.md is out of date

The argument specs are the one source of truth; tests/unit/test_role_interfaces.py fails
when the README drifts from them.
"""

import json
import os
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
START, END = "<!-- variables:start -->", "<!-- variables:end -->"


def roles():
    base = os.path.join(REPO, "roles")
    return sorted(d for d in os.listdir(base) if os.path.exists(os.path.join(base, d, "meta", "argument_specs.yml")))


def _default(spec):
    if "default" not in spec:
        return "*(computed)*" if not spec.get("required") else "*(required)*"
    return "`%s`" % json.dumps(spec["default"])


def _description(spec):
    text = spec.get("description") or ""
    if isinstance(text, list):
        text = " ".join(text)
    return " ".join(text.split()).replace("|", "\\|")


def render():
    lines = []
    for role in roles():
        with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")) as handle:
            main = yaml.safe_load(handle)["argument_specs"]["main"]
        lines += ["", "### dockerd.exposure.%s" % role, "", main.get("short_description", "").strip(), "",
                  "| variable | default | description |", "|---|---|---|"]
        for name, spec in main.get("options", {}).items():
            lines.append("| `%s` | %s | %s |" % (name, _default(spec), _description(spec)))
    return "\n".join(lines).strip() + "\n"


def main():
    path = os.path.join(REPO, "README.md")
    text = open(path).read()
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + START + "\n" + render() + END + tail
    if "--check" in sys.argv[1:]:
        if new != text:
            print("README.md's variable tables are out of date: run tools/readme_variables.py", file=sys.stderr)
            return 1
        return 0
    with open(path, "w") as handle:
        handle.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())

# -*- coding: utf-8 -*-
# Copyright: dockerd.exposure developers
# MIT License (see LICENSE)
"""Pure helpers for the docker_context module.

Nothing here touches the file system or runs a process: the module reads the current
context (``docker context inspect`` plus the stored TLS copies), these functions turn it
and the module parameters into normalised states, decide what has to change and build
the ``docker context`` argv lists that do it.

A *state* is a plain dict used both for comparison and as the ``diff`` shown to users::

    {"state": "present", "name": "prod", "description": "...",
     "docker_host": "tcp://h:2376", "skip_tls_verify": False,
     "tls": {"ca": "sha256:...", "cert": "sha256:...", "key": None},
     "key_mode": "0600"}

TLS material is represented only by a sha256 fingerprint of the file contents, so a
state can be shown in a diff without disclosing a private key.

Docker CLI behaviour this module relies on (measured with docker 20.10.24 from Debian
and docker 28.2.2):

- ``docker context update NAME --docker host=...`` replaces the whole docker endpoint:
  TLS files not named again are deleted, so ``update`` can clear TLS material.
- ``docker context update NAME --description ""`` leaves the old description in place
  (both versions), so clearing a description needs ``rm -f`` + ``create``.
- ``docker context rm -f MISSING`` exits 0 on 28.x but 1 on 20.10.
- ``docker context rm -f CURRENT`` resets ``currentContext`` in config.json.
- The CLI stores the host string verbatim and the TLS copies with mode 0600.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

NAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_.+-]+$"
NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.+-]+")
RESERVED_NAMES = ("default",)
HOST_SCHEMES = ("unix://", "tcp://", "ssh://")

# Option name -> endpoint field of `--docker` and file stored in the context's TLS dir.
TLS_KINDS = ("ca", "cert", "key")
TLS_FILES = {"ca": "ca.pem", "cert": "cert.pem", "key": "key.pem"}
TLS_OPTIONS = {"ca": "ca_path", "cert": "client_cert", "key": "client_key"}

KEY_MODE = 0o600

# How the two CLI generations report a missing context on stderr:
#   20.10: context "x" does not exist
#   28.x:  context "x": context not found: open .../meta.json: no such file or directory
_NOT_FOUND_RE = re.compile(r"does not exist|context not found")


class ContextError(Exception):
    """The docker CLI answered in a way this module cannot use."""


# --------------------------------------------------------------------------- validation

def name_error(name):
    """Return a sentence explaining why ``name`` cannot be used, or None."""
    if name in RESERVED_NAMES:
        return (
            "name '%s' is the Docker CLI's built-in context (it follows DOCKER_HOST) and "
            "cannot be created, changed or removed; choose another name, e.g. 'local'." % name
        )
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        return (
            "name '%s' is not a valid Docker context name: Docker requires %s (two or more "
            "characters, starting with a letter or digit, then letters, digits, '_', '.', "
            "'+' or '-'); choose a name such as 'prod-tls'." % (name, NAME_PATTERN)
        )
    return None


def docker_host_error(docker_host):
    """Return a sentence explaining why ``docker_host`` is unusable, or None."""
    for scheme in HOST_SCHEMES:
        if docker_host.startswith(scheme) and len(docker_host) > len(scheme):
            return None
    return (
        "docker_host '%s' is not a Docker endpoint this module supports; use "
        "unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]." % docker_host
    )


def tls_warnings(docker_host, tls_paths, skip_tls_verify):
    """Warnings for TLS settings that the endpoint's scheme will never use."""
    warnings = []
    given = [TLS_OPTIONS[k] for k in TLS_KINDS if tls_paths.get(k)]
    if skip_tls_verify:
        given.append("skip_tls_verify")
    if given and not docker_host.startswith("tcp://"):
        warnings.append(
            "%s set for docker_host '%s': the docker CLI only uses TLS settings for tcp:// "
            "endpoints, so they are stored but have no effect." % (", ".join(given), docker_host)
        )
    return warnings


# --------------------------------------------------------------------------- storage

def context_id(name):
    """Directory name the CLI uses for a context: the sha256 of its name."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def storage_paths(docker_config, name):
    """Where the CLI keeps a context's metadata and its TLS copies."""
    cid = context_id(name)
    base = docker_config.rstrip("/")
    return {
        "metadata_path": "%s/contexts/meta/%s" % (base, cid),
        "tls_path": "%s/contexts/tls/%s" % (base, cid),
    }


def stored_tls_file(tls_path, kind):
    """Path of the stored copy of one kind of TLS material."""
    return "%s/docker/%s" % (tls_path.rstrip("/"), TLS_FILES[kind])


def fingerprint(data):
    """sha256 fingerprint of file contents (bytes), or None when there is no file."""
    if data is None:
        return None
    return "sha256:" + hashlib.sha256(data).hexdigest()


def mode_string(mode):
    """'0600' for a st_mode (or permission bits); None stays None."""
    if mode is None:
        return None
    return "%04o" % (mode & 0o7777)


def mode_too_wide(mode):
    """True when group or others have any access: wider than 0600."""
    return mode is not None and bool(mode & 0o077)


def current_context_name(config_text):
    """``currentContext`` from the text of DOCKER_CONFIG/config.json, or None."""
    if not config_text:
        return None
    try:
        data = json.loads(config_text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return data.get("currentContext") or None


# --------------------------------------------------------------------------- reading

def parse_inspect(rc, stdout, stderr):
    """Parse ``docker context inspect NAME``.

    Returns the context dict, or None when the context does not exist. Raises
    ContextError for any other failure or unexpected output.
    """
    if rc != 0:
        if _NOT_FOUND_RE.search(stderr or ""):
            return None
        raise ContextError(
            "docker context inspect failed with exit code %s: %s"
            % (rc, (stderr or stdout or "").strip())
        )
    try:
        data = json.loads(stdout)
    except ValueError:
        raise ContextError("docker context inspect printed no JSON: %r" % (stdout[:200],))
    if isinstance(data, list):
        if not data:
            return None
        data = data[0]
    if not isinstance(data, dict) or "Name" not in data:
        raise ContextError("docker context inspect printed an unexpected document: %r"
                           % (stdout[:200],))
    return data


def stored_tls_names(inspected):
    """File names the CLI lists as stored TLS material for the docker endpoint."""
    material = (inspected or {}).get("TLSMaterial") or {}
    return list(material.get("docker") or [])


def inspected_paths(inspected, docker_config, name):
    """Storage paths from the inspect output (both CLI versions print them), else computed."""
    paths = storage_paths(docker_config, name)
    storage = (inspected or {}).get("Storage") or {}
    if storage.get("MetadataPath"):
        paths["metadata_path"] = storage["MetadataPath"]
    if storage.get("TLSPath"):
        paths["tls_path"] = storage["TLSPath"]
    return paths


def absent_state(name):
    return {"state": "absent", "name": name}


def current_state(name, inspected, stored_tls, key_mode):
    """Normalise what exists.

    inspected: parse_inspect() result or None; stored_tls: kind -> bytes or None (contents
    of the stored copies); key_mode: st_mode of the stored key.pem or None.
    """
    if inspected is None:
        return absent_state(name)
    endpoint = ((inspected.get("Endpoints") or {}).get("docker")) or {}
    metadata = inspected.get("Metadata") or {}
    tls = dict((kind, fingerprint(stored_tls.get(kind))) for kind in TLS_KINDS)
    return {
        "state": "present",
        "name": inspected.get("Name", name),
        "description": metadata.get("Description") or "",
        "docker_host": endpoint.get("Host") or "",
        "skip_tls_verify": bool(endpoint.get("SkipTLSVerify", False)),
        "tls": tls,
        "key_mode": mode_string(key_mode) if tls["key"] else None,
    }


# --------------------------------------------------------------------------- deciding

def desired_state(name, docker_host, description, skip_tls_verify, source_tls, current):
    """What the context should look like; ``key_mode`` is filled in by plan().

    description None means "leave it as it is" (nothing when the context is created);
    an empty string means "no description". source_tls: kind -> bytes or None.
    """
    if description is None:
        description = current.get("description", "") if current.get("state") == "present" else ""
    return {
        "state": "present",
        "name": name,
        "description": description,
        "docker_host": docker_host,
        "skip_tls_verify": bool(skip_tls_verify),
        "tls": dict((kind, fingerprint(source_tls.get(kind))) for kind in TLS_KINDS),
        "key_mode": None,
    }


def endpoint_differences(current, desired):
    """Names of the endpoint fields that differ (the ones `--docker` rewrites)."""
    fields = []
    for field in ("docker_host", "skip_tls_verify"):
        if current.get(field) != desired.get(field):
            fields.append(field)
    for kind in TLS_KINDS:
        if (current.get("tls") or {}).get(kind) != (desired.get("tls") or {}).get(kind):
            fields.append(TLS_OPTIONS[kind])
    return fields


def plan(current, desired):
    """Decide what to do to get from ``current`` to ``desired``.

    Returns a dict:
      action: 'none' | 'create' | 'update' | 'recreate' | 'remove'
      update_endpoint / update_description / fix_key_mode: bool
      changes: names of the options that differ
      after: the predicted state afterwards
    """
    result = {
        "action": "none",
        "update_endpoint": False,
        "update_description": False,
        "fix_key_mode": False,
        "changes": [],
        "after": current,
    }
    if desired["state"] == "absent":
        if current["state"] == "present":
            result.update(action="remove", changes=["state"], after=absent_state(desired["name"]))
        return result

    after = dict(desired)
    after["tls"] = dict(desired["tls"])
    fresh_key_mode = mode_string(KEY_MODE) if desired["tls"]["key"] else None

    if current["state"] == "absent":
        after["key_mode"] = fresh_key_mode
        result.update(action="create", update_endpoint=True,
                      update_description=bool(desired["description"]),
                      changes=["state"], after=after)
        return result

    changes = endpoint_differences(current, desired)
    update_endpoint = bool(changes)
    update_description = current["description"] != desired["description"]
    if update_description:
        changes.append("description")

    if update_description and desired["description"] == "":
        # `docker context update --description ""` keeps the old text (20.10 and 28.x).
        action = "recreate"
    elif update_endpoint or update_description:
        action = "update"
    else:
        action = "none"

    fix_key_mode = False
    if action == "recreate" or update_endpoint:
        after["key_mode"] = fresh_key_mode  # the CLI writes fresh copies with 0600
    elif desired["tls"]["key"] and mode_too_wide(_mode_bits(current.get("key_mode"))):
        after["key_mode"] = mode_string(KEY_MODE)
        fix_key_mode = True
        changes.append("key_mode")
    else:
        after["key_mode"] = current.get("key_mode") if desired["tls"]["key"] else None

    result.update(action=action, update_endpoint=update_endpoint,
                  update_description=update_description, fix_key_mode=fix_key_mode,
                  changes=changes, after=after)
    return result


def _mode_bits(mode_str):
    if mode_str is None:
        return None
    return int(mode_str, 8)


# --------------------------------------------------------------------------- argv

def csv_field(value):
    """Quote one field the way Go's encoding/csv (which parses `--docker`) expects."""
    if any(ch in value for ch in ',"\r\n') or value != value.strip():
        return '"%s"' % value.replace('"', '""')
    return value


def endpoint_arg(docker_host, tls_paths, skip_tls_verify):
    """The value of `--docker`: every field, so `update` leaves nothing stale behind."""
    fields = ["host=" + docker_host]
    for kind in TLS_KINDS:
        if tls_paths.get(kind):
            fields.append("%s=%s" % (kind, tls_paths[kind]))
    fields.append("skip-tls-verify=" + ("true" if skip_tls_verify else "false"))
    return ",".join(csv_field(f) for f in fields)


def create_argv(cli, name, description, docker_host, tls_paths, skip_tls_verify):
    argv = [cli, "context", "create", name]
    if description:
        argv += ["--description", description]
    argv += ["--docker", endpoint_arg(docker_host, tls_paths, skip_tls_verify)]
    return argv


def update_argv(cli, name, description=None, endpoint=None):
    """`docker context update`; description / endpoint (an endpoint_arg()) when they change."""
    argv = [cli, "context", "update", name]
    if description:
        argv += ["--description", description]
    if endpoint is not None:
        argv += ["--docker", endpoint]
    return argv


def remove_argv(cli, name):
    return [cli, "context", "rm", "-f", name]


def export_argv(cli, name, path):
    return [cli, "context", "export", name, path]


def import_argv(cli, name, path):
    return [cli, "context", "import", name, path]


def use_argv(cli, name):
    return [cli, "context", "use", name]


def commands_for(the_plan, cli, name, description, docker_host, tls_paths, skip_tls_verify,
                 is_current=False, backup_path="<backup file>"):
    """argv lists that carry out a plan, in order (the chmod of fix_key_mode is not a command)."""
    action = the_plan["action"]
    if action == "remove":
        return [remove_argv(cli, name)]
    if action == "create":
        return [create_argv(cli, name, description, docker_host, tls_paths, skip_tls_verify)]
    if action == "update":
        endpoint = None
        if the_plan["update_endpoint"]:
            endpoint = endpoint_arg(docker_host, tls_paths, skip_tls_verify)
        desc = description if the_plan["update_description"] else None
        return [update_argv(cli, name, desc, endpoint)]
    if action == "recreate":
        commands = [
            export_argv(cli, name, backup_path),
            remove_argv(cli, name),
            create_argv(cli, name, description, docker_host, tls_paths, skip_tls_verify),
        ]
        if is_current:
            commands.append(use_argv(cli, name))
        return commands
    return []


# --------------------------------------------------------------------------- reporting

def context_view(state, paths, is_current=False):
    """The `context` return value: a state plus where the CLI stores it; {} when absent."""
    if state.get("state") != "present":
        return {}
    tls = state.get("tls") or {}
    return {
        "name": state["name"],
        "description": state.get("description", ""),
        "docker_host": state.get("docker_host", ""),
        "skip_tls_verify": bool(state.get("skip_tls_verify")),
        "tls_material": [TLS_FILES[k] for k in TLS_KINDS if tls.get(k)],
        "tls_fingerprints": dict((k, tls[k]) for k in TLS_KINDS if tls.get(k)),
        "key_mode": state.get("key_mode"),
        "current": bool(is_current),
        "metadata_path": paths["metadata_path"],
        "tls_path": paths["tls_path"],
    }

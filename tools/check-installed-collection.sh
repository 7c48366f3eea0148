#!/usr/bin/env bash
# Use the built collection the way a user who installed it does: install the tarball with
# ansible-galaxy into an empty directory, then reach its content only by FQCN, from outside the
# repository. A playbook, role, module or module_utils file left out of the tarball (galaxy.yml's
# build_ignore) fails here, not on a user's machine.
#
#   tools/check-installed-collection.sh TARBALL
set -euo pipefail

tarball="$(realpath "$1")"
bin="$(realpath "${VENV_BIN:-.venv/bin}")"
dest="$(mktemp -d)"
trap 'rm -rf "$dest"' EXIT

# Only the installed copy (and the collections that the ansible package bundles, such as
# community.crypto): not the repository's link, not ~/.ansible/collections (where ansible-galaxy
# would otherwise find a copy and install nothing).
export ANSIBLE_COLLECTIONS_PATH="$dest"
cd "$dest"
"$bin/ansible-galaxy" collection install --no-deps -p "$dest" "$tarball" >/dev/null
installed="$("$bin/ansible-galaxy" collection list dockerd.exposure --format json)"
grep -q "\"$dest/ansible_collections\"" <<<"$installed" \
  || { echo "dockerd.exposure does not resolve to the installed tarball: $installed" >&2; exit 1; }

# The playbooks have no hosts here (no inventory): the syntax check still resolves every
# import, role, module and action they name.
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
for playbook in expose audit rotate; do
  out="$("$bin/ansible-playbook" "dockerd.exposure.$playbook" --syntax-check 2>&1)" \
    || { printf '%s\n' "$out" >&2; exit 1; }
  echo "[installed] ansible-playbook dockerd.exposure.$playbook --syntax-check: ok"
done

# A module and its module_utils as packaged, run for real against this machine's engine.
out="$("$bin/ansible" localhost -m dockerd.exposure.endpoint_check \
  -a "docker_host=unix:///var/run/docker.sock expect=reachable" \
  -e ansible_python_interpreter=/usr/bin/python3 2>&1)" \
  || { printf '%s\n' "$out" >&2; exit 1; }
echo "[installed] dockerd.exposure.endpoint_check from the tarball: unix:///var/run/docker.sock reachable"

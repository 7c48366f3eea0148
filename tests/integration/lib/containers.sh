# shellcheck shell=bash
# Shared by the integration proofs: start systemd + dockerd containers with the lab's
# settings (one place: playbooks/vars/lab_container.yml) and look up their addresses.
#   source tests/integration/lib/containers.sh
#   start_systemd_containers NETWORK IMAGE NAME...   # IMAGE may be "" for the default
#   ip_of NETWORK NAME

_lib_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

start_systemd_containers() {
  local network="$1" image="$2"; shift 2
  local names extra
  names="$(printf '"%s",' "$@")"
  extra="{\"names\": [${names%,}], \"dockerd_lab_network\": \"$network\""
  [ -n "$image" ] && extra="$extra, \"dockerd_lab_image\": \"$image\""
  ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$_lib_dir/../../../.cache/collections}" \
    "$_lib_dir/../../../.venv/bin/ansible-playbook" "$_lib_dir/containers.yml" \
    -e "$extra}" >/dev/null
}

ip_of() {
  docker inspect -f "{{ (index .NetworkSettings.Networks \"$1\").IPAddress }}" "$2"
}

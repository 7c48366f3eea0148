# shellcheck shell=bash
# Shared by the integration proofs (run.sh): pass/fail counting, removal of their containers
# at exit, and the collection linked for ansible-playbook. Before sourcing, set:
#   proof  the name printed in front of log lines     work   the temp dir (removed at exit)
#   net    the proof's network (removed at exit)       nodes  array of its container names
#   root   the repository root
# KEEP=1 keeps the containers and the temp dir for a look afterwards.
passed=0
failed=0

log() { printf '[%s] %s %s\n' "$proof" "$(date +%T)" "$*" >&2; }
ok() { passed=$((passed + 1)); printf 'ok     %s\n' "$*"; }
nok() { failed=$((failed + 1)); printf 'FAILED %s\n' "$*"; }
check() { # check "what" command...: ok when the command succeeds, else its output indented
  local what="$1"; shift
  if "$@" >"$work/check.out" 2>&1; then ok "$what"; else nok "$what"; sed 's/^/       /' "$work/check.out" | head -20; fi
}

remove_containers() {
  docker rm -f "${nodes[@]}" >/dev/null 2>&1 || true
  docker network rm "$net" >/dev/null 2>&1 || true
}

cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then log "KEEP=1: containers ${nodes[*]} and $work are kept."; return; fi
  remove_containers
  rm -rf "$work"
}
trap cleanup EXIT

# ansible-playbook finds dockerd.exposure through the same link `make venv` makes.
use_collection() {
  mkdir -p "$root/.cache/collections/ansible_collections/dockerd"
  [ -e "$root/.cache/collections/ansible_collections/dockerd/exposure" ] \
    || ln -sfn ../../../.. "$root/.cache/collections/ansible_collections/dockerd/exposure"
  export ANSIBLE_COLLECTIONS_PATH="$root/.cache/collections"
  export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
  export ANSIBLE_DEPRECATION_WARNINGS=0
}

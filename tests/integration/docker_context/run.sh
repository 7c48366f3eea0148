#!/usr/bin/env bash
# Integration test for dockerd.exposure.docker_context with the real docker CLI.
#
# What it proves, for every docker CLI given (default: /usr/local/bin/docker and
# /usr/bin/docker, whichever exist; e.g. 28.x and Debian's 20.10):
#   - check mode predicts a creation without writing anything;
#   - a context for unix:///var/run/docker.sock is created, `docker --context NAME version`
#     reaches the running engine through it and `docker context ls` lists it;
#   - a second run reports changed=false and runs no command;
#   - a new description is a change (check mode first: predicted, not written);
#   - adding TLS material (a throwaway CA, client cert and key made with openssl) is a
#     change, the CLI's copies equal the sources, key.pem is 0600; a renewed certificate
#     at the same path and a widened key mode are changes too; omitting the TLS options
#     removes the stored copies;
#   - clearing a description (which `docker context update` cannot do) recreates the
#     context, keeps its TLS material and keeps it the current context; when that create
#     fails, the exported backup is imported again;
#   - --diff shows before/after with sha256 fingerprints and never the key contents;
#   - removal: check mode predicts it, the context is gone afterwards, a second removal
#     reports changed=false (docker 20.10's `rm -f` fails on a missing context);
#   - bad input fails with a sentence naming the value (name, docker_host, docker_cli,
#     a missing TLS file, cert without key);
#   - a stale DOCKER_CONTEXT in the environment does not break the module;
#   - the invoking user's own ~/.docker is not touched (every run uses a temp DOCKER_CONFIG).
#
# Usage (from the repository root; needs .venv, openssl and a running Docker engine):
#   tests/integration/docker_context/run.sh                 # every docker CLI found
#   tests/integration/docker_context/run.sh /usr/bin/docker # only this CLI
#   KEEP_TMP=1 tests/integration/docker_context/run.sh      # keep the temp dir to inspect
# Prints one "ok"/"not ok" line per check and a summary; exits 1 if any check failed,
# 2 if a prerequisite is missing. Rerunnable: all state lives in a fresh temp dir.

set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT" || exit 2
VENV=$ROOT/.venv/bin
export ANSIBLE_COLLECTIONS_PATH=$ROOT/.cache/collections
export ANSIBLE_LOAD_CALLBACK_PLUGINS=1
export ANSIBLE_STDOUT_CALLBACK=ansible.posix.json
export ANSIBLE_LOCALHOST_WARNING=False
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False
export ANSIBLE_NOCOLOR=1

for tool in "$VENV/ansible" "$VENV/python" openssl; do
  command -v "$tool" >/dev/null || { echo "missing prerequisite: $tool" >&2; exit 2; }
done
[ -e "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/dockerd/exposure" ] \
  || { echo "missing $ANSIBLE_COLLECTIONS_PATH/ansible_collections/dockerd/exposure link" >&2; exit 2; }

if [ $# -gt 0 ]; then
  CLIS=("$@")
else
  CLIS=()
  for c in /usr/local/bin/docker /usr/bin/docker; do [ -x "$c" ] && CLIS+=("$c"); done
fi
[ ${#CLIS[@]} -gt 0 ] || { echo "no docker CLI found" >&2; exit 2; }

TMP=$(mktemp -d /tmp/docker_context-itest.XXXXXX)
cleanup() { [ "${KEEP_TMP:-0}" = 1 ] && echo "kept $TMP" || rm -rf "$TMP"; }
trap cleanup EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
notok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1; shift
  if "$@" >"$TMP/check.out" 2>&1; then ok "$what"; else notok "$what"; sed 's/^/#   /' "$TMP/check.out"; fi
}

# The invoking user's own DOCKER_CONFIG must stay as it was.
USER_DOCKER=${HOME}/.docker
user_docker_state() { if [ -d "$USER_DOCKER" ]; then find "$USER_DOCKER" -type f -exec sha256sum {} + | sort; else echo absent; fi; }
USER_DOCKER_BEFORE=$(user_docker_state)

# --- throwaway PKI --------------------------------------------------------------------
PKI=$TMP/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=itest-ca \
  -keyout "$PKI/ca-key.pem" -out "$PKI/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=itest-client \
  -keyout "$PKI/key.pem" -out "$PKI/client.csr" 2>/dev/null
issue_cert() {
  openssl x509 -req -in "$PKI/client.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca-key.pem" \
    -set_serial "$1" -days 2 -out "$PKI/cert.pem" 2>/dev/null
}
issue_cert 1
chmod 0600 "$PKI/key.pem"

# --- helpers ---------------------------------------------------------------------------
# mod OUT [ansible options...] JSON_ARGS: run the module, write its host result to OUT.json
mod() {
  local out=$1; shift
  local args=${*: -1}
  local opts=("${@:1:$#-1}")
  "$VENV/ansible" localhost "${opts[@]}" -m dockerd.exposure.docker_context -a "$args" \
    >"$TMP/$out.raw" 2>"$TMP/$out.err"
  "$VENV/python" - "$TMP/$out.raw" "$TMP/$out.json" <<'EOF'
import json, sys
raw = json.load(open(sys.argv[1]))
result = raw["plays"][0]["tasks"][0]["hosts"]["localhost"]
json.dump(result, open(sys.argv[2], "w"), indent=2, sort_keys=True)
EOF
}
# q OUT EXPR: evaluate a Python expression on the result r; prints it
q() { "$VENV/python" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$TMP/$1.json" "$2"; }
# is OUT EXPR: succeeds when the expression is true
is() { [ "$(q "$1" "bool($2)")" = True ] || { echo "# $2 is false; result:"; sed 's/^/#   /' "$TMP/$1.json" | head -60; return 1; }; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
# desc DOCKER... NAME: the stored description, read from the JSON (in a --format template
# .Metadata is the whole meta.json, so '{{.Metadata.Description}}' fails on 20.10 and 28.x).
desc() {
  "$@" --format '{{json .}}' \
    | "$VENV/python" -c 'import json,sys; print(json.load(sys.stdin)["Metadata"].get("Description", ""))'
}
desc_is() { local want=$1; shift; [ "$(desc "$@")" = "$want" ]; }

run_suite() {
  local cli=$1 tag=$2
  local cfg=$TMP/config-$tag
  local d=(env -u DOCKER_CONTEXT -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$cli")
  local base='"docker_cli": "'$cli'", "docker_config": "'$cfg'"'
  local unix='{"name": "itest-unix", "docker_host": "unix:///var/run/docker.sock", "description": "one", '"$base"'}'
  echo "# ---- $cli ($("$cli" --version))"

  # create: check mode first
  mod c0 --check "$unix"
  check "[$tag] check mode predicts the creation" is c0 "r['changed'] and r['commands'][0][2] == 'create'"
  check "[$tag] check mode wrote nothing" bash -c "! ${d[*]} context inspect itest-unix"

  mod c1 "$unix"
  check "[$tag] create reports changed" is c1 "r['changed'] and r['context']['description'] == 'one'"
  check "[$tag] docker --context itest-unix version reaches the engine" \
    "${d[@]}" --context itest-unix version --format '{{.Server.Version}}'
  check "[$tag] docker context ls lists itest-unix" \
    bash -c "${d[*]} context ls --format '{{.Name}}' | grep -qx itest-unix"

  mod c2 "$unix"
  check "[$tag] second run is unchanged and runs nothing" is c2 "not r['changed'] and r['commands'] == []"

  # description
  local two='{"name": "itest-unix", "docker_host": "unix:///var/run/docker.sock", "description": "two", '"$base"'}'
  mod d0 --check "$two"
  check "[$tag] check mode predicts the description change" is d0 "r['changed'] and r['context']['description'] == 'two'"
  check "[$tag] check mode left the description" \
    desc_is one "${d[@]}" context inspect itest-unix
  mod d1 "$two"
  check "[$tag] description change reports changed with one update" \
    is d1 "r['changed'] and r['commands'] == [['$cli', 'context', 'update', 'itest-unix', '--description', 'two']]"
  check "[$tag] description is stored" \
    desc_is two "${d[@]}" context inspect itest-unix
  mod d2 "$two"
  check "[$tag] description rerun is unchanged" is d2 "not r['changed']"

  # description omitted: left alone
  mod d3 '{"name": "itest-unix", "docker_host": "unix:///var/run/docker.sock", '"$base"'}'
  check "[$tag] omitted description is left as it is" is d3 "not r['changed'] and r['context']['description'] == 'two'"

  # TLS
  local tls_host='"name": "itest-tls", "docker_host": "tcp://127.0.0.1:2376", "description": "tls lab"'
  local tls_files='"ca_path": "'$PKI/ca.pem'", "client_cert": "'$PKI/cert.pem'", "client_key": "'$PKI/key.pem'"'
  mod t0 "{$tls_host, $base}"
  check "[$tag] tcp context without TLS is created" is t0 "r['changed'] and r['context']['tls_material'] == []"
  "${d[@]}" context use itest-tls >/dev/null 2>&1
  mod t1 --check "{$tls_host, $tls_files, $base}"
  check "[$tag] check mode predicts adding TLS material" \
    is t1 "r['changed'] and r['commands'][0][2] == 'update' and 'key=$PKI/key.pem' in r['commands'][0][-1]"
  check "[$tag] check mode stored no TLS material" \
    bash -c "[ -z \"\$(${d[*]} context inspect itest-tls --format '{{json .TLSMaterial}}' | tr -d '{}')\" ]"
  mod t2 "{$tls_host, $tls_files, $base}"
  check "[$tag] adding TLS material reports changed" \
    is t2 "r['changed'] and r['context']['tls_material'] == ['ca.pem', 'cert.pem', 'key.pem'] and r['context']['key_mode'] == '0600'"
  local tls_dir
  tls_dir=$(q t2 "r['context']['tls_path']")/docker
  for f in ca cert key; do
    check "[$tag] stored $f.pem equals the source" [ "$(sha "$tls_dir/$f.pem")" = "$(sha "$PKI/$f.pem")" ]
  done
  check "[$tag] stored key.pem has mode 0600" [ "$(stat -c %a "$tls_dir/key.pem")" = 600 ]
  check "[$tag] fingerprint of key is reported, not its contents" \
    is t2 "r['context']['tls_fingerprints']['key'] == 'sha256:$(sha "$PKI/key.pem")' and 'PRIVATE KEY' not in json.dumps(r)"
  mod t3 "{$tls_host, $tls_files, $base}"
  check "[$tag] TLS rerun is unchanged" is t3 "not r['changed'] and r['commands'] == []"

  issue_cert $((RANDOM + 2))  # renewed certificate at the same path
  mod t4 "{$tls_host, $tls_files, $base}"
  check "[$tag] a renewed certificate at the same path is a change" \
    is t4 "r['changed'] and r['diff']['before']['tls']['cert'] != r['diff']['after']['tls']['cert']"
  check "[$tag] the stored certificate is the renewed one" [ "$(sha "$tls_dir/cert.pem")" = "$(sha "$PKI/cert.pem")" ]

  chmod 0644 "$tls_dir/key.pem"
  mod t5 --check "{$tls_host, $tls_files, $base}"
  check "[$tag] check mode predicts narrowing a 0644 key" \
    is t5 "r['changed'] and r['commands'] == [] and r['diff']['before']['key_mode'] == '0644'"
  check "[$tag] check mode left the key mode" [ "$(stat -c %a "$tls_dir/key.pem")" = 644 ]
  mod t6 "{$tls_host, $tls_files, $base}"
  check "[$tag] a 0644 stored key is narrowed to 0600" \
    is t6 "r['changed'] and r['context']['key_mode'] == '0600'"
  check "[$tag] stored key.pem is 0600 again" [ "$(stat -c %a "$tls_dir/key.pem")" = 600 ]

  # clearing a description: export + rm + create (+ use, since itest-tls is current)
  mod t7 "{$tls_host, \"description\": \"\", $tls_files, $base}"
  check "[$tag] clearing the description recreates the context" \
    is t7 "r['changed'] and [c[2] for c in r['commands']] == ['export', 'rm', 'create', 'use']"
  check "[$tag] description is gone" \
    desc_is "" "${d[@]}" context inspect itest-tls
  check "[$tag] recreated context kept its TLS material" \
    is t7 "r['context']['tls_material'] == ['ca.pem', 'cert.pem', 'key.pem']"
  check "[$tag] recreated context is still the current one" \
    bash -c "grep -q '\"currentContext\": \"itest-tls\"' '$cfg/config.json'"
  check "[$tag] no backup left behind in /tmp" bash -c "! ls -d /tmp/docker_context-* 2>/dev/null | grep -v itest"
  mod t8 "{$tls_host, \"description\": \"\", $tls_files, $base}"
  check "[$tag] rerun after recreate is unchanged" is t8 "not r['changed']"

  # removing TLS material: `update --docker` without ca/cert/key clears it
  mod t9 "{$tls_host, $base}"
  check "[$tag] omitting the TLS options removes the stored copies" \
    is t9 "r['changed'] and r['context']['tls_material'] == []"
  check "[$tag] no TLS files are left" bash -c "[ -z \"\$(find '$tls_dir' -type f 2>/dev/null)\" ]"

  # diff output as a user sees it
  ANSIBLE_STDOUT_CALLBACK=default "$VENV/ansible" localhost --diff -m dockerd.exposure.docker_context \
    -a "{$tls_host, $tls_files, $base}" >"$TMP/diff-$tag.txt" 2>&1
  check "[$tag] --diff shows the change with fingerprints" \
    bash -c "grep -q -- '-        \"key\": null' '$TMP/diff-$tag.txt' && grep -q -- '+        \"key\": \"sha256:$(sha "$PKI/key.pem")\"' '$TMP/diff-$tag.txt'"
  check "[$tag] --diff never shows key contents" bash -c "! grep -q 'PRIVATE KEY' '$TMP/diff-$tag.txt'"

  # a recreate whose create fails (certificate given as key) restores the exported context
  local before_key
  before_key=$(sha "$tls_dir/key.pem")
  mod t10 "{$tls_host, \"description\": \"\", \"ca_path\": \"$PKI/ca.pem\", \"client_cert\": \"$PKI/cert.pem\", \"client_key\": \"$PKI/ca.pem\", $base}"
  check "[$tag] a failed recreate reports the CLI's reason and the restore" \
    is t10 "r.get('failed') and 'rather than a key' in r['msg'] and 'restored' in r['msg'] and [c[2] for c in r['commands']] == ['export', 'rm', 'create', 'import', 'use']"
  check "[$tag] the restored context kept its description" desc_is "tls lab" "${d[@]}" context inspect itest-tls
  check "[$tag] the restored context kept its key" [ "$(sha "$tls_dir/key.pem")" = "$before_key" ]
  check "[$tag] the restored context is current again" \
    bash -c "grep -q '\"currentContext\": \"itest-tls\"' '$cfg/config.json'"

  # stale DOCKER_CONTEXT / empty DOCKER_CONTEXT in the module's environment (docker 20.10
  # fails on the first and treats the second as set)
  DOCKER_CONTEXT=does-not-exist mod e1 "$two"
  check "[$tag] a stale DOCKER_CONTEXT does not break the module" is e1 "not r.get('failed') and not r['changed']"

  # removal
  local gone='{"name": "itest-unix", "state": "absent", '"$base"'}'
  mod r0 --check "$gone"
  check "[$tag] check mode predicts the removal" is r0 "r['changed'] and r['commands'] == [['$cli', 'context', 'rm', '-f', 'itest-unix']]"
  check "[$tag] check mode kept the context" "${d[@]}" context inspect itest-unix
  mod r1 "$gone"
  check "[$tag] removal reports changed" is r1 "r['changed'] and r['context'] == {}"
  check "[$tag] removed context is gone" bash -c "! ${d[*]} context inspect itest-unix"
  check "[$tag] docker context ls no longer lists it" \
    bash -c "! ${d[*]} context ls --format '{{.Name}}' | grep -qx itest-unix"
  mod r2 "$gone"
  check "[$tag] second removal is unchanged" is r2 "not r['changed'] and r['commands'] == [] and not r.get('failed')"
  DOCKER_CONTEXT= mod r3 '{"name": "itest-tls", "state": "absent", '"$base"'}'
  check "[$tag] removing the current context works" is r3 "r['changed']"
  check "[$tag] removing the current context resets currentContext" \
    bash -c "! grep -q itest-tls '$cfg/config.json'"
  check "[$tag] the CLI works after removing the current context" "${d[@]}" context ls

  # bad input
  mod f1 '{"name": "a", "docker_host": "unix:///var/run/docker.sock", '"$base"'}'
  check "[$tag] a one-letter name fails naming the value" is f1 "r.get('failed') and \"name 'a' is not a valid\" in r['msg']"
  mod f2 '{"name": "default", "docker_host": "unix:///var/run/docker.sock", '"$base"'}'
  check "[$tag] the reserved name default fails" is f2 "r.get('failed') and \"'default'\" in r['msg']"
  mod f3 '{"name": "itest-bad", "docker_host": "http://127.0.0.1:2375", '"$base"'}'
  check "[$tag] an http:// docker_host fails naming the value" is f3 "r.get('failed') and 'http://127.0.0.1:2375' in r['msg']"
  mod f4 '{"name": "itest-bad", "docker_host": "unix:///var/run/docker.sock", "docker_cli": "/nonexistent/docker", "docker_config": "'"$cfg"'"}'
  check "[$tag] a missing docker_cli fails naming the path" is f4 "r.get('failed') and '/nonexistent/docker' in r['msg']"
  mod f5 '{"name": "itest-bad", "docker_host": "tcp://127.0.0.1:2376", "ca_path": "'"$PKI"'/nope.pem", '"$base"'}'
  check "[$tag] a missing ca_path fails naming the file" is f5 "r.get('failed') and 'nope.pem' in r['msg']"
  mod f6 '{"name": "itest-bad", "docker_host": "tcp://127.0.0.1:2376", "client_cert": "'"$PKI"'/cert.pem", '"$base"'}'
  check "[$tag] client_cert without client_key fails" is f6 "r.get('failed') and 'client_key' in r['msg']"
  mod f7 '{"name": "itest-bad", "docker_host": "tcp://127.0.0.1:2376", "client_cert": "'"$PKI"'/cert.pem", "client_key": "'"$PKI"'/ca.pem", '"$base"'}'
  check "[$tag] a certificate given as key fails with the CLI's reason and creates nothing" \
    is f7 "r.get('failed') and 'rather than a key' in r['msg']"
  check "[$tag] nothing was left of the failed create" bash -c "! ${d[*]} context inspect itest-bad"
}

n=0
for cli in "${CLIS[@]}"; do
  n=$((n + 1))
  run_suite "$cli" "cli$n"
done

# docker_cli omitted: the docker on PATH is used; with none on PATH the message names the
# packages. Ansible itself needs PATH, so that case runs the module file directly.
mod p1 '{"name": "itest-path", "docker_host": "unix:///var/run/docker.sock", "docker_config": "'$TMP/config-path'"}'
check "docker_cli omitted uses the docker on PATH" is p1 "r['changed'] and r['commands'][0][0] == '$(command -v docker)'"
printf '{"ANSIBLE_MODULE_ARGS": {"name": "itest-path", "docker_host": "unix:///var/run/docker.sock", "docker_config": "%s"}}' \
  "$TMP/config-path" >"$TMP/p2.args"
PATH=/nonexistent PYTHONPATH=$ANSIBLE_COLLECTIONS_PATH "$VENV/python" \
  plugins/modules/docker_context.py "$TMP/p2.args" >"$TMP/p2.json" 2>"$TMP/p2.err"
check "no docker on PATH fails naming docker.io and docker-cli" \
  is p2 "r.get('failed') and 'docker.io' in r['msg'] and 'docker-cli' in r['msg']"
rm -rf "$TMP/config-path"

check "the user's own ~/.docker is untouched" [ "$(user_docker_state)" = "$USER_DOCKER_BEFORE" ]

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]

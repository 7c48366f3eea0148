#!/usr/bin/env bash
# Integration proof of the role dockerd.exposure.ssh (roles/ssh), rerunnable.
#
#   tests/integration/ssh_role/run.sh             # needs the Docker engine, .venv, ssh-keygen and
#                                                 # the image dockerd-exposure/target:bookworm
#   KEEP=1 tests/integration/ssh_role/run.sh      # keep containers and temp dir for a look
#
# It starts a network sr-net with two containers (leftovers of an earlier run are removed
# first): sr-daemon (systemd, sshd, dockerd 20.10, docker CLI) and sr-client (same image, no
# systemd: only its ssh and docker clients are used). It makes ed25519 key pairs on this
# machine in a temp dir (alice1, alice2, mallory), writes an inventory with sr-daemon in
# docker_daemons (connection community.docker.docker) and runs playbook.yml (the role alone).
# sr-daemon gets a control account carol with a password, which the role does not manage.
# The client trusts only sr-daemon's real host key, read from the daemon's
# /etc/ssh/ssh_host_ed25519_key.pub (no ssh-keyscan, no accept-new). Then, in this order:
#   1. validation on the fresh host: malformed key, private key, duplicate user, bad name,
#      present user without key, existing system account: each fails before anything changes;
#   2. --check --diff on the fresh host succeeds and changes nothing;
#   3. first run with alice [alice1]; second run and a --check run report changed=0;
#      the account (bash, password locked, socket group), authorized_keys, the drop-in,
#      `sshd -t`, the settings sshd applies to alice and to carol (`sshd -T -C`);
#   4. from sr-client: `docker -H ssh://alice@sr-daemon version`, `DOCKER_HOST=... docker ps`;
#      refused: mallory (no account), alice with mallory's key, password authentication
#      (also with alice's real password set by hand; carol's password works as the control),
#      an unknown host key (empty known_hosts, StrictHostKeyChecking=yes), port forwarding;
#   5. a malformed key after the first run fails early: sha256 of the drop-in, authorized_keys,
#      passwd, shadow and group entries unchanged; a broken live sshd config makes the drop-in's
#      validation fail and leaves the drop-in as it was; a missing Include fails early; without
#      a docker CLI check mode only reports the install and dockerd_ssh_manage_cli=false fails;
#   6. key rotation alice [alice2]: alice1 refused, alice2 works, then changed=0;
#   7. the median of 20 `docker -H ssh://alice@sr-daemon version` calls from sr-client without
#      and with ControlMaster (ControlMaster auto, ControlPath /tmp/cm-%r@%h:%p, ControlPersist 60s);
#   8. alice absent while her ControlPersist connection is open: with dockerd_ssh_end_sessions
#      false the open connection still reaches dockerd (the hazard), with the default it is
#      ended; socket group, authorized_keys and drop-in gone, sshd reloaded; then changed=0.
# Removes the containers, the network and the temp dir at the end (unless KEEP=1).
# Prints the error message of every negative case, the two medians, and "N passed, N failed"
# last; exits 1 when a check failed.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
image="${TARGET_IMAGE:-dockerd-exposure/target:bookworm}"
net=sr-net
daemon=sr-daemon
client=sr-client
work="$(mktemp -d /tmp/sr-ssh.XXXXXX)"
nodes=("$daemon" "$client")
inv="$work/inventory"
dropin=/etc/ssh/sshd_config.d/50-dockerd-exposure.conf
proof=ssh_role
# shellcheck source=../lib/harness.sh
source "$here/../lib/harness.sh"
show() { printf '       -> %s\n' "$*"; }

# --- hosts -------------------------------------------------------------------------------
remove_containers
# Same container settings as the lab and Molecule (playbooks/vars/lab_container.yml).
# shellcheck source=../lib/containers.sh
source "$(dirname "$0")/../lib/containers.sh"
start_systemd_containers "$net" "$image" "$daemon"
docker run -d --name "$client" --hostname "$client" --network "$net" "$image" sleep infinity >/dev/null
log "$daemon: up, work dir $work"
for _ in $(seq 30); do docker exec "$daemon" systemctl is-active --quiet ssh docker && break; sleep 1; done

# The control account: a password login that the role does not manage.
docker exec "$daemon" sh -c 'useradd -m -s /bin/bash carol && echo carol:carol-pw-1 | chpasswd'

# --- keys and client ---------------------------------------------------------------------
for k in alice1 alice2 mallory; do ssh-keygen -q -t ed25519 -N '' -C "$k@sr-test" -f "$work/$k"; done
pub() { cat "$work/$1.pub"; }
docker exec "$client" mkdir -p -m 0700 /root/.ssh
put_key() { # put_key KEYNAME AS: private key in the client's ~/.ssh/AS, 0600
  docker cp "$work/$1" "$client:/root/.ssh/$2" && docker exec "$client" chmod 0600 "/root/.ssh/$2"
}
put_key alice1 id_alice
put_key mallory id_mallory
host_key="$(docker exec "$daemon" cat /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f1,2)"
docker exec "$client" sh -c "echo '$daemon $host_key' > /root/.ssh/known_hosts && : > /root/.ssh/empty_known_hosts"
write_client_config() { # write_client_config [controlmaster]
  local cm=""
  [ "${1:-}" = controlmaster ] && cm=$'\n  ControlMaster auto\n  ControlPath /tmp/cm-%r@%h:%p\n  ControlPersist 60s'
  docker exec "$client" sh -c "cat > /root/.ssh/config <<EOF
Host $daemon
  IdentityFile ~/.ssh/id_%r
  IdentitiesOnly yes
  StrictHostKeyChecking yes
  UserKnownHostsFile ~/.ssh/known_hosts
  ConnectTimeout 10$cm
EOF
chmod 0600 /root/.ssh/config"
}
write_client_config
on_client() { docker exec "$client" "$@"; }
on_daemon() { docker exec "$daemon" "$@"; }

mkdir -p "$inv"
cat >"$inv/hosts.yml" <<EOF
all:
  children:
    docker_daemons:
      hosts:
        $daemon: {ansible_host: $daemon}
      vars:
        ansible_connection: community.docker.docker
        ansible_python_interpreter: /usr/bin/python3
EOF
users() { # users NAME 'yaml list of users': writes $work/NAME.yml
  printf 'dockerd_ssh_users:\n%s\n' "$2" >"$work/$1.yml"
}
users alice1 "  - {name: alice, authorized_keys: ['$(pub alice1)']}"
users alice2 "  - {name: alice, authorized_keys: ['$(pub alice2)']}"
users absent "  - {name: alice, state: absent}"

# --- helpers -----------------------------------------------------------------------------
use_collection

run=0
play() { # play NAME VARSFILE [ansible-playbook args...]; log in $work/NAME.log
  local name="$1" vars="$2"; shift 2
  run=$((run + 1))
  log "run $run: $name"
  (cd "$root" && .venv/bin/ansible-playbook -i "$inv/hosts.yml" -e @"$work/$vars.yml" \
    "$here/playbook.yml" "$@") >"$work/$name.log" 2>&1
}
recap() { sed -n "s/^$daemon *:.* $2=\([0-9]*\).*/\1/p" "$work/$1.log" | tail -1; }
play_ok() { [ "$(recap "$1" failed)" = 0 ] && [ "$(recap "$1" unreachable)" = 0 ]; }
changed_is() { [ "$(recap "$1" changed)" = "$2" ]; }
unchanged_run() { # unchanged_run NAME VARS [args]
  play "$@"
  check "$1: run succeeds" play_ok "$1"
  check "$1: changed=0 ($(recap "$1" changed))" changed_is "$1" 0
}
error_of() { # the first error line of a failed run, without the Ansible prefix
  grep -m1 '^\[ERROR\]: Task failed' "$work/$1.log" | sed 's/^\[ERROR\]: Task failed: \(Action failed: \)\{0,1\}//'
}
failed_with() { # failed_with NAME TEXT: the run failed and printed TEXT
  ! play_ok "$1" && tr -s ' \n' ' ' <"$work/$1.log" | grep -qF "$2"
}
negative() { # negative NAME VARS TEXT WHAT [args]: a run that must fail with TEXT, message printed
  local name="$1" vars="$2" text="$3" what="$4"; shift 4
  play "$name" "$vars" "$@"
  check "$what" failed_with "$name" "$text"
  show "$(error_of "$name")"
}
fingerprint() { # everything the role could have touched on the daemon, hashed
  on_daemon sh -c "for f in $dropin /home/alice/.ssh/authorized_keys; do
      if [ -e \$f ]; then sha256sum \$f; else echo \"absent \$f\"; fi; done
    getent passwd alice; getent shadow alice; getent group docker; getent group alice; true"
}
fresh_host() { [ "$(fingerprint)" = "$fresh" ] && ! on_daemon id alice >/dev/null 2>&1; }
ssh_out() { # ssh_out ARGS...: run ssh on the client, print its exit code and output
  local out rc
  out="$(on_client ssh -o BatchMode=yes "$@" 2>&1)"; rc=$?
  printf '%s\n%s\n' "$rc" "$out"
}
# docker_over_ssh OUTFILE ARGS...: docker CLI on the client, output kept for messages
docker_cli() { local f="$1"; shift; on_client "$@" >"$work/$f" 2>&1; }
denied_lines() { grep -o '[^=]*Permission denied[^.]*\.' "$work/$1" | tr -d '\r' | sort -u | paste -sd '|' | sed 's/|/ | /g'; }
fails_with() { # fails_with FILE TEXT: the command recorded in FILE failed with TEXT
  grep -qF "$2" "$work/$1"
}

# --- 1. validation on the fresh host -----------------------------------------------------
fresh="$(fingerprint)"
users bad-key "  - {name: alice, authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP77P6cPyCDddnpp1pFz alice@laptop']}"
negative bad-key bad-key "has 1 authorized key(s) that are not an OpenSSH public key line" \
  "validation: a truncated ed25519 key fails, naming the user and the value"
users private-key "  - {name: alice, authorized_keys: [\"$(head -c 120 "$work/alice1" | tr '\n' ' ')\"]}"
negative private-key private-key "(a private key, not shown)" \
  "validation: a private key in authorized_keys fails without being shown"
users duplicate "  - {name: alice, authorized_keys: ['$(pub alice1)']}
  - {name: alice, state: absent}"
negative duplicate duplicate "dockerd_ssh_users lists alice more than once" "validation: a duplicated user fails"
users bad-name "  - {name: 'Alice,root', authorized_keys: ['$(pub alice1)']}"
negative bad-name bad-name "names 'Alice,root', which is not usable" "validation: a name that is not a POSIX account name fails"
users no-key "  - {name: alice}"
negative no-key no-key "a present user needs at least one key" "validation: a present user without a key fails"
users system "  - {name: daemon, authorized_keys: ['$(pub alice1)']}"
negative system system "an existing system account" "validation: an existing system account (daemon) is refused"
check "validation: the host is exactly as before (sha256 of drop-in, authorized_keys, accounts)" fresh_host

# --- 2. check mode on the fresh host -------------------------------------------------------
play check-fresh alice1 --check --diff
check "check mode on the fresh host succeeds" play_ok check-fresh
check "check mode predicts changes ($(recap check-fresh changed))" test "$(recap check-fresh changed)" -gt 0
check "check mode changed nothing" fresh_host

# --- 3. first run, second run --------------------------------------------------------------
play first alice1
check "first run succeeds" play_ok first
show "first run: changed=$(recap first changed)"
check "first run did not call apt (docker is already installed)" bash -c "! grep -q 'Install the docker CLI' '$work/first.log' || grep -A1 'Install the docker CLI' '$work/first.log' | grep -q skipping"
check "first run reloaded sshd once" bash -c "[ \"\$(grep -c 'RUNNING HANDLER \[dockerd.exposure.ssh : Reload sshd\]' '$work/first.log')\" = 1 ]"
unchanged_run second alice1
unchanged_run check-second alice1 --check --diff
check "second run did not reload sshd" bash -c "! grep -q 'RUNNING HANDLER' '$work/second.log'"
check "alice: login shell /bin/bash" bash -c "[ \"\$(docker exec $daemon getent passwd alice | cut -d: -f7)\" = /bin/bash ]"
check "alice: password locked (!)" bash -c "[ \"\$(docker exec $daemon getent shadow alice | cut -d: -f2)\" = '!' ]"
check "alice: member of the socket group docker" bash -c "docker exec $daemon id -nG alice | tr ' ' '\n' | grep -qx docker"
check "alice: authorized_keys holds exactly alice1, 0600 alice:alice" bash -c "
  [ \"\$(docker exec $daemon cat /home/alice/.ssh/authorized_keys)\" = \"\$(cat '$work/alice1.pub')\" ] &&
  [ \"\$(docker exec $daemon stat -c '%a %U:%G' /home/alice/.ssh/authorized_keys /home/alice/.ssh | tr '\n' ' ')\" = '600 alice:alice 700 alice:alice ' ]"
check "drop-in: Match User alice, 0644 root:root" bash -c "
  docker exec $daemon grep -qx 'Match User alice' $dropin &&
  [ \"\$(docker exec $daemon stat -c '%a %U:%G' $dropin)\" = '644 root:root' ]"
check "sshd -t passes" on_daemon /usr/sbin/sshd -t
on_daemon /usr/sbin/sshd -T -C user=alice,host=sr-client,addr=192.0.2.1 >"$work/T-alice" 2>&1
on_daemon /usr/sbin/sshd -T -C user=carol,host=sr-client,addr=192.0.2.1 >"$work/T-carol" 2>&1
for l in 'authenticationmethods publickey' 'passwordauthentication no' 'kbdinteractiveauthentication no' \
  'allowtcpforwarding no' 'x11forwarding no' 'disableforwarding yes' 'authorizedkeysfile .ssh/authorized_keys'; do
  check "sshd -T for alice: $l" grep -qx "$l" "$work/T-alice"
done
check "sshd -T for carol (not listed) keeps the global settings (password yes, x11 yes)" bash -c "
  grep -qx 'passwordauthentication yes' '$work/T-carol' && grep -qx 'x11forwarding yes' '$work/T-carol' &&
  grep -qx 'authenticationmethods any' '$work/T-carol'"

# --- 4. from the client ---------------------------------------------------------------------
docker_cli version.out docker -H "ssh://alice@$daemon" version --format '{{.Server.Version}}'
check "docker -H ssh://alice@$daemon version works" grep -qE '^[0-9]+\.[0-9]+' "$work/version.out"
show "server version $(cat "$work/version.out")"
docker_cli ps.out env "DOCKER_HOST=ssh://alice@$daemon" docker ps
check "DOCKER_HOST=ssh://alice@$daemon docker ps works" grep -q '^CONTAINER ID' "$work/ps.out"

docker_cli mallory.out docker -H "ssh://mallory@$daemon" version
check "mallory (not in the list, no account) is refused" fails_with mallory.out "mallory@$daemon: Permission denied (publickey,password)."
show "$(denied_lines mallory.out)"
# -F /dev/null: the client's config would add alice's own key to the one given with -i.
ssh_out -F /dev/null -o UserKnownHostsFile=/root/.ssh/known_hosts -o StrictHostKeyChecking=yes \
  -o IdentitiesOnly=yes -i /root/.ssh/id_mallory "alice@$daemon" docker version >"$work/alice-mallory-key.out"
check "alice with mallory's key is refused" fails_with alice-mallory-key.out "alice@$daemon: Permission denied (publickey)."
show "$(tail -n +2 "$work/alice-mallory-key.out" | tr '\n' ' ')"

on_client ssh -o ConnectTimeout=10 -o PreferredAuthentications=password -o PubkeyAuthentication=no \
  "alice@$daemon" true >"$work/alice-pw.out" 2>&1
check "password authentication for alice is refused (only publickey offered)" fails_with alice-pw.out "alice@$daemon: Permission denied (publickey)."
show "$(tr '\n' ' ' <"$work/alice-pw.out")"
# With a real password on both accounts: carol's is accepted (the global rules allow
# passwords), alice's is not even asked for. The next role run locks alice's again.
on_daemon sh -c 'echo alice:alice-pw-1 | chpasswd'
on_client sh -c 'printf "#!/bin/sh\necho \"\$PW\"\n" > /tmp/askpass && chmod 0700 /tmp/askpass'
askpass_ssh() { # askpass_ssh USER PASSWORD: password-only login with the password supplied
  on_client env PW="$2" SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=none \
    ssh -o ConnectTimeout=10 -o PreferredAuthentications=password -o PubkeyAuthentication=no \
    -o NumberOfPasswordPrompts=1 "$1@$daemon" id -un
}
askpass_ssh carol carol-pw-1 >"$work/carol-pw.out" 2>&1
check "control: carol logs in with her password (password authentication works globally)" grep -qx carol "$work/carol-pw.out"
askpass_ssh alice alice-pw-1 >"$work/alice-pw-real.out" 2>&1
check "alice with her real password is refused" fails_with alice-pw-real.out "alice@$daemon: Permission denied (publickey)."
show "$(tr '\n' ' ' <"$work/alice-pw-real.out")"
play relock alice1
check "the next run locks alice's password again (changed=1)" bash -c "
  [ \"\$(docker exec $daemon getent shadow alice | cut -d: -f2)\" = '!' ] && [ '$(recap relock changed)' = 1 ]"

on_client ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/empty_known_hosts \
  -o GlobalKnownHostsFile=/dev/null "alice@$daemon" true >"$work/hostkey.out" 2>&1
check "an unknown host key is refused (empty known_hosts, StrictHostKeyChecking=yes)" fails_with hostkey.out "Host key verification failed."
show "$(tr '\n' ' ' <"$work/hostkey.out")"
on_client mv /root/.ssh/known_hosts /root/.ssh/known_hosts.kept
docker_cli hostkey-docker.out docker -H "ssh://alice@$daemon" version
on_client mv /root/.ssh/known_hosts.kept /root/.ssh/known_hosts
check "docker CLI with no known host key is refused" fails_with hostkey-docker.out "Host key verification failed."
show "$(grep -o 'error during connect.*' "$work/hostkey-docker.out" | head -1)"
on_client ssh -o BatchMode=yes -o ExitOnForwardFailure=yes -R 12375:localhost:22 "alice@$daemon" true >"$work/forward.out" 2>&1
check "port forwarding for alice is refused" fails_with forward.out "remote port forwarding failed"
show "$(tr '\n' ' ' <"$work/forward.out")"

# --- 5. failures that leave the host unchanged --------------------------------------------
before="$(fingerprint)"
users bad-key-later "  - {name: alice, authorized_keys: ['$(pub alice2)', 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHd3 alice@old']}"
negative bad-key-later bad-key-later "the first being 'ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIHd3 ali...'" \
  "a malformed key (rsa type, ed25519 body) next to a good one fails early"
check "the host is unchanged (sha256 of drop-in, authorized_keys, passwd/shadow/group entries)" \
  test "$(fingerprint)" = "$before"
printf '%s\n' "$before" | sed 's/^/       before: /' | head -3
on_daemon sh -c 'echo "BogusKeyword yes" > /etc/ssh/sshd_config.d/40-broken.conf'
# The drop-in must change for its validation to run: MaxSessions 20 is added.
negative broken-live alice2 "failed to validate" \
  "a broken live sshd configuration makes the new drop-in's validation fail" -e dockerd_ssh_max_sessions=20
check "the host is unchanged after the failed validation (drop-in, authorized_keys, accounts)" \
  test "$(fingerprint)" = "$before"
show "$(grep -o '"stderr": "[^"]*"' "$work/broken-live.log" | head -1)"
on_daemon rm -f /etc/ssh/sshd_config.d/40-broken.conf
on_daemon sed -i.kept 's|^Include /etc/ssh/sshd_config.d/\*.conf|#&|' /etc/ssh/sshd_config
negative no-include alice2 "does not include /etc/ssh/sshd_config.d/*.conf" \
  "a main sshd_config without the Include of sshd_config.d fails early"
check "the host is unchanged after the missing Include" test "$(fingerprint)" = "$before"
on_daemon mv /etc/ssh/sshd_config.kept /etc/ssh/sshd_config
# Without a docker CLI: check mode only reports the install; with dockerd_ssh_manage_cli
# false the run fails early. The CLI is put back afterwards (the test has no network).
on_daemon mv /usr/bin/docker /usr/bin/docker.kept
play no-cli-check alice1 --check
check "no docker CLI, check mode: succeeds and reports the install without calling apt" bash -c "
  grep -q 'Check mode - docker.io would be installed on $daemon' '$work/no-cli-check.log' &&
  grep -A1 'Install the docker CLI (docker.io)' '$work/no-cli-check.log' | grep -q skipping && [ '$(recap no-cli-check failed)' = 0 ]"
negative no-cli alice1 "dockerd_ssh_manage_cli is false" \
  "no docker CLI and dockerd_ssh_manage_cli false fails early" -e dockerd_ssh_manage_cli=false
on_daemon mv /usr/bin/docker.kept /usr/bin/docker
check "the host is unchanged after the missing CLI" test "$(fingerprint)" = "$before"

# --- 6. key rotation -----------------------------------------------------------------------
play rotate alice2
check "rotation run (alice2 replaces alice1) succeeds" play_ok rotate
docker_cli old-key.out docker -H "ssh://alice@$daemon" version
check "the removed key alice1 no longer gets in" fails_with old-key.out "alice@$daemon: Permission denied (publickey)."
show "$(grep -o 'stderr=.*' "$work/old-key.out" | head -1)"
put_key alice2 id_alice
docker_cli new-key.out docker -H "ssh://alice@$daemon" version --format '{{.Server.Version}}'
check "the new key alice2 gets in" grep -qE '^[0-9]+\.[0-9]+' "$work/new-key.out"
unchanged_run rotate-again alice2

# --- 7. ControlMaster: median of 20 calls -------------------------------------------------
median_ms() { # median of 20 `docker -H ssh://alice@DAEMON version` calls, timed in the client
  on_client bash -c "for i in \$(seq 20); do
      s=\$(date +%s%N); docker -H ssh://alice@$daemon version >/dev/null || exit 1; e=\$(date +%s%N)
      echo \$(( (e - s) / 1000000 ))
    done | sort -n | awk '{ v[NR] = \$1 } END { if (NR == 20) printf \"%.1f\", (v[10] + v[11]) / 2; else exit 1 }'"
}
without="$(median_ms)"
write_client_config controlmaster
with="$(median_ms)"
check "median without ControlMaster measured ($without ms)" test -n "$without"
check "median with ControlMaster measured ($with ms)" test -n "$with"
check "ControlMaster is faster" awk -v a="$without" -v b="$with" 'BEGIN { exit !(b < a) }'
printf 'MEDIAN docker -H ssh://alice@%s version (20 calls): without ControlMaster %s ms, with ControlMaster %s ms\n' \
  "$daemon" "$without" "$with"

# --- 8. removal with an open ControlPersist connection ---------------------------------------
on_client ssh -O check "alice@$daemon" >"$work/cm-before.out" 2>&1
check "a ControlPersist master for alice is open" grep -q 'Master running' "$work/cm-before.out"
play absent-keep-sessions absent -e dockerd_ssh_end_sessions=false
check "absent run with dockerd_ssh_end_sessions=false succeeds" play_ok absent-keep-sessions
docker_cli cm-hazard.out docker -H "ssh://alice@$daemon" version --format '{{.Server.Version}}'
check "hazard: the open ControlPersist connection still reaches dockerd after the removal" \
  grep -qE '^[0-9]+\.[0-9]+' "$work/cm-hazard.out"
play absent absent
check "absent run (default: end sessions) succeeds" play_ok absent
check "absent run ended alice's processes (changed=1)" changed_is absent 1
sleep 1
docker_cli cm-after.out docker -H "ssh://alice@$daemon" version
check "after the absent run alice is refused, also through ControlMaster" fails_with cm-after.out "Permission denied (publickey"
show "$(denied_lines cm-after.out)"
check "alice is out of the socket group" bash -c "! docker exec $daemon id -nG alice | tr ' ' '\n' | grep -qx docker"
check "alice's authorized_keys is gone, the account stays (dockerd_ssh_remove_accounts false)" bash -c "
  ! docker exec $daemon test -e /home/alice/.ssh/authorized_keys && docker exec $daemon id alice"
check "the drop-in is gone (no present user) and sshd -t passes" bash -c "
  ! docker exec $daemon test -e $dropin && docker exec $daemon /usr/sbin/sshd -t"
check "sshd was reloaded for the removal" grep -q 'RUNNING HANDLER \[dockerd.exposure.ssh : Reload sshd\]' "$work/absent-keep-sessions.log"
unchanged_run absent-again absent
play remove-account absent -e dockerd_ssh_remove_accounts=true
check "dockerd_ssh_remove_accounts=true deletes the account and its home" bash -c "
  ! docker exec $daemon id alice 2>/dev/null && ! docker exec $daemon test -e /home/alice"
unchanged_run remove-account-again absent -e dockerd_ssh_remove_accounts=true

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Integration proof of the role dockerd.exposure.client (roles/client) on stock hosts, rerunnable.
#
#   tests/integration/client_role/run.sh            # needs the Docker engine, .venv, ssh-keygen
#                                                   # and the image dockerd-exposure/target:bookworm
#   KEEP=1 tests/integration/client_role/run.sh     # keep containers and temp dir for a look
#   CR_PREFIX=xy tests/integration/client_role/run.sh   # other names: xy-net, xy-daemon, xy-client
#
# It starts a network cr-net with two containers of the stock target image (leftovers of an
# earlier run are removed first): cr-daemon and cr-client. Both are reached as a cloud image
# is: over ssh as the sudo account deploy (made here with docker exec: useradd, a NOPASSWD
# sudoers drop-in, a key made on this machine), become: true, pipelining off, no acl package,
# strict host key checking against a known_hosts file built from each container's
# /etc/ssh/ssh_host_ed25519_key.pub. cr-client gets the account alice (no sudo) with the
# private half of alice's key pair in /home/alice/keys/id_alice; deploy gets a copy in
# ~/.ssh/id_alice. The inventory puts cr-daemon in docker_daemons (dockerd_expose
# [unix, tls, ssh], dockerd_ssh_users [alice]) and the client container twice in
# docker_clients: cr-client (dockerd_client_user alice: not the connecting account) and
# cr-client-self (dockerd_client_user unset: deploy itself). Then, in this order:
#   1. validation (the role alone): an identity file alice does not own fails with its
#      sentence before anything is written;
#   2. --check --diff of the role alone on the fresh clients succeeds and writes nothing;
#   3. playbooks/expose.yml: the client hosts succeed (the daemon's recap is printed);
#   4. expose.yml again and a --check --diff run of the role: changed=0 on the client hosts;
#   5. as alice (runuser -u alice, the real docker CLI) and as deploy on the client: docker
#      --context X version for every context the role made, each env file (set -a; . FILE;
#      set +a; docker version), docker -H ssh://cr-daemon version through the ssh alias, and
#      the negative twin (no known_hosts: "Host key verification failed"); every file under
#      /home/alice is alice's, with the documented modes;
#   6. ssh no longer offered (the role alone, -e dockerd_expose=[unix,tls]): alice's ssh
#      context, env file, alias and known hosts are removed, her own context is kept; rerun
#      changed=0.
# Removes the containers, the network and the temp dir at the end (unless KEEP=1).
# Prints "N passed, N failed" last; exits 1 when a check failed.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
image="${TARGET_IMAGE:-dockerd-exposure/target:bookworm}"
prefix="${CR_PREFIX:-cr}"
net=$prefix-net
daemon=$prefix-daemon
client=$prefix-client
nodes=("$daemon" "$client")
# Two inventory hosts on the client container: one per client account.
clients=("$client" "$client-self")
work="$(mktemp -d /tmp/cr-client.XXXXXX)"
inv="$work/inventory"
proof=client_role
# shellcheck source=../lib/harness.sh
source "$here/../lib/harness.sh"
show() { # show "what" command...: run, print the output indented, count as a check
  local what="$1"; shift
  if "$@" >"$work/check.out" 2>&1; then ok "$what"; else nok "$what"; fi
  sed 's/^/       | /' "$work/check.out" | head -30
}

# --- hosts -------------------------------------------------------------------------------
remove_containers
# Same container settings as the lab and Molecule (playbooks/vars/lab_container.yml).
# shellcheck source=../lib/containers.sh
source "$(dirname "$0")/../lib/containers.sh"
start_systemd_containers "$net" "$image" "${nodes[@]}"
log "containers ${nodes[*]} on $net, work dir $work"

# --- "cloud-init": the sudo account deploy, reached with a key made here ------------------
ssh-keygen -q -t ed25519 -N '' -C deploy@cr-test -f "$work/id_deploy"
ssh-keygen -q -t ed25519 -N '' -C alice@cr-test -f "$work/id_alice"
: >"$work/known_hosts"
for n in "${nodes[@]}"; do
  docker exec -i "$n" sh -euc '
    useradd -m -s /bin/bash deploy
    printf "deploy ALL=(ALL) NOPASSWD:ALL\n" >/etc/sudoers.d/90-deploy && chmod 440 /etc/sudoers.d/90-deploy
    install -d -m 700 -o deploy -g deploy /home/deploy/.ssh
    cat >/home/deploy/.ssh/authorized_keys
    chown deploy:deploy /home/deploy/.ssh/authorized_keys && chmod 600 /home/deploy/.ssh/authorized_keys
    systemctl is-active ssh >/dev/null || systemctl start ssh' <"$work/id_deploy.pub"
  # sshd made its host keys at its first start; trust exactly those.
  printf '%s %s\n' "$(ip_of "$net" "$n")" "$(docker exec "$n" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" \
    >>"$work/known_hosts"
done
daemon_ip="$(ip_of "$net" "$daemon")"
client_ip="$(ip_of "$net" "$client")"
# alice on the client (no sudo), her key outside ~/.ssh (which the role then creates);
# deploy keeps a copy of the same key in ~/.ssh.
docker exec "$client" sh -euc 'useradd -m -s /bin/bash alice && install -d -m 700 -o alice -g alice /home/alice/keys'
docker cp "$work/id_alice" "$client:/home/alice/keys/id_alice"
docker cp "$work/id_alice" "$client:/home/deploy/.ssh/id_alice"
docker exec "$client" sh -euc 'chown alice:alice /home/alice/keys/id_alice && chmod 600 /home/alice/keys/id_alice
  chown deploy:deploy /home/deploy/.ssh/id_alice && chmod 600 /home/deploy/.ssh/id_alice'

# --- inventory ---------------------------------------------------------------------------
mkdir -p "$inv"
cat >"$inv/hosts.yml" <<EOF
all:
  vars:
    ansible_connection: ssh
    ansible_user: deploy
    ansible_become: true
    ansible_ssh_private_key_file: $work/id_deploy
    ansible_ssh_common_args: -o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=yes
    ansible_ssh_pipelining: false
    ansible_python_interpreter: /usr/bin/python3
    dockerd_tls_pki_dir: $work/pki
  children:
    docker_daemons:
      hosts:
        $daemon:
          ansible_host: $daemon_ip
          dockerd_expose: [unix, tls, ssh]
          dockerd_ssh_users:
            - name: alice
              authorized_keys: ["$(cat "$work/id_alice.pub")"]
    docker_clients:
      hosts:
        $client:
          ansible_host: $client_ip
          dockerd_client_user: alice
          dockerd_client_ssh_user: alice
          dockerd_client_ssh_identity_file: /home/alice/keys/id_alice
        $client-self:
          ansible_host: $client_ip
          dockerd_client_ssh_user: alice
          dockerd_client_ssh_identity_file: ~/.ssh/id_alice
EOF

# --- helpers -----------------------------------------------------------------------------
use_collection
export ANSIBLE_PIPELINING=False

run=0
play() { # play NAME PLAYBOOK [ansible-playbook args...]; log in $work/NAME.log
  local name="$1" playbook="$2"; shift 2
  run=$((run + 1))
  log "run $run: $name ($playbook)"
  (cd "$root" && .venv/bin/ansible-playbook -i "$inv/hosts.yml" "$playbook" "$@") >"$work/$name.log" 2>&1
}
role() { local name="$1"; shift; play "$name" "$here/playbook.yml" "$@"; }
expose() { local name="$1"; shift; play "$name" playbooks/expose.yml "$@"; }
recap() { # recap NAME HOST FIELD -> number from the PLAY RECAP line
  sed -n "s/^$2 *:.* $3=\([0-9]*\).*/\1/p" "$work/$1.log" | tail -1
}
recap_line() { grep -E "^$2 +:" "$work/$1.log" | tail -1; }
play_ok() { # play_ok NAME: the run succeeded on the client hosts
  local h
  for h in "${clients[@]}"; do
    [ "$(recap "$1" "$h" failed)" = 0 ] && [ "$(recap "$1" "$h" unreachable)" = 0 ] || return 1
  done
}
unchanged() { # unchanged NAME: changed=0 on the client hosts
  [ "$(recap "$1" "$client" changed) $(recap "$1" "$client-self" changed)" = "0 0" ]
}
failed_with() { # failed_with NAME TEXT: the run failed and printed TEXT
  ! play_ok "$1" && tr -s ' \n' ' ' <"$work/$1.log" | grep -qF "$2"
}
as() { # as ACCOUNT 'shell command': on the client container, as that account, in its home
  docker exec "$client" runuser -u "$1" -- bash -c "cd ~$1 && $2"
}
nothing_written() { # nothing_written ACCOUNT: no trace of the role under the account's home
  as "$1" '[ ! -e ~/.docker ] && [ ! -e ~/.ssh/config ] && [ ! -e ~/.ssh/config.d ] && [ ! -e ~/.ssh/known_hosts.d ]'
}
role_contexts() { # role_contexts ACCOUNT: the contexts the role made, by description
  as "$1" 'docker context ls --format "{{.Name}} {{.Description}}"' | awk '$2 == "dockerd.exposure:" {print $1}' | sort | tr '\n' ' '
}

# --- 0. a stock host -----------------------------------------------------------------------
check "the client host has no acl package (become_user to alice would need it)" \
  bash -c "! docker exec $client dpkg -s acl >/dev/null 2>&1"
check "ansible reaches both hosts as deploy over ssh with become, pipelining off" \
  bash -c "cd '$root' && .venv/bin/ansible -i '$inv/hosts.yml' all -m ansible.builtin.command -a 'id -un' | grep -c '^root$' | grep -qx 3"

# --- 1. validation -----------------------------------------------------------------------
role not-alices -e dockerd_client_ssh_identity_file=/etc/ssh/ssh_host_ed25519_key -e '{"dockerd_client_modes": ["ssh"]}'
check "validation: an identity file alice does not own fails with a sentence" \
  failed_with not-alices "dockerd_client_ssh_identity_file /etc/ssh/ssh_host_ed25519_key on $client is owned by root, not by alice"
check "validation: nothing written for alice" nothing_written alice

# --- 2. check mode on the fresh clients ----------------------------------------------------
role check-fresh --check --diff
check "check mode of the role on the fresh clients succeeds" play_ok check-fresh
check "check mode wrote nothing for alice" nothing_written alice
check "check mode wrote nothing for deploy" nothing_written deploy

# --- 3. expose.yml -------------------------------------------------------------------------
expose first
check "expose.yml: the client hosts succeed" play_ok first
[ "${VERBOSE:-0}" = 1 ] && cat "$work/first.log"
show "expose.yml: recap" grep -A4 '^PLAY RECAP' "$work/first.log"

# --- 4. idempotency and check mode ---------------------------------------------------------
expose second
check "expose.yml again: the client hosts succeed" play_ok second
check "expose.yml again: changed=0 on the client hosts ($(recap second "$client" changed)/$(recap second "$client-self" changed))" \
  unchanged second
show "expose.yml again: recap" grep -A4 '^PLAY RECAP' "$work/second.log"
role check-second --check --diff
check "--check --diff of the role after a run: changed=0 ($(recap check-second "$client" changed)/$(recap check-second "$client-self" changed))" \
  unchanged check-second

# --- 5. the real docker CLI as the client accounts -----------------------------------------
for u in alice deploy; do
  ctxs="$(role_contexts "$u")"
  check "$u: the role made the contexts $daemon-ssh and $daemon-tls ($ctxs)" [ "$ctxs" = "$daemon-ssh $daemon-tls " ]
  for ctx in $ctxs; do
    show "$u: docker --context $ctx version" \
      as "$u" "docker --context $ctx version --format 'client {{.Client.Version}} server {{.Server.Version}}'"
  done
  for env in $(as "$u" 'ls ~/.docker/dockerd-exposure/env/'); do
    show "$u: set -a; . $env; set +a; docker version" \
      as "$u" "grep -v '^#' ~/.docker/dockerd-exposure/env/$env; set -a; . ~/.docker/dockerd-exposure/env/$env; set +a;
        docker version --format 'server {{.Server.Version}}'"
  done
  show "$u: docker -H ssh://$daemon version (the ssh alias, strict host key checking)" \
    as "$u" "ssh -G $daemon | grep -iE '^(hostname|user|identityfile|stricthostkeychecking|userknownhostsfile) ' &&
      docker -H ssh://$daemon version --format 'server {{.Server.Version}}'"
  show "$u: without the role's known_hosts ssh refuses $daemon" \
    as "$u" "out=\$(ssh -o ControlMaster=no -o ControlPath=none -o UserKnownHostsFile=/dev/null $daemon true 2>&1); rc=\$?;
      echo \"exit \$rc: \$out\"; [ \$rc -ne 0 ] && grep -q 'Host key verification failed' <<<\"\$out\""
done
show "alice: every file under /home/alice is hers" \
  docker exec "$client" sh -c 'found=$(find /home/alice ! -user alice -o ! -group alice); echo "not alice'"'"'s: ${found:-none}"; [ -z "$found" ]'
b=/home/alice/.docker/dockerd-exposure
check "alice: modes (bundle dir 700, key 600, cert 644, env 600, ~/.ssh 700, alias file and known hosts 600)" \
  as alice "[ \"\$(stat -c '%a' $b $b/tls/admin $b/tls/admin/key.pem $b/tls/admin/cert.pem $b/env/$daemon-tls.env ~/.ssh ~/.ssh/config ~/.ssh/config.d/dockerd-exposure.conf ~/.ssh/known_hosts.d/dockerd-exposure | tr '\n' ' ')\" \
    = '700 700 600 644 600 700 600 600 600 ' ]"
check "alice: the bundle equals the controller's" \
  bash -c "for f in ca cert key; do docker exec $client cat $b/tls/admin/\$f.pem | cmp -s - '$work/pki/clients/admin/'\$f.pem || exit 1; done"
check "no private key material in the logs" bash -c "! grep -q 'PRIVATE KEY' '$work/first.log' '$work/second.log'"

# --- 6. ssh no longer offered: cleanup as the client account --------------------------------
as alice 'docker context create mine --docker host=unix:///run/docker.sock >/dev/null 2>&1'
role no-ssh -e '{"dockerd_expose": ["unix", "tls"]}'
check "no ssh: the run succeeds" play_ok no-ssh
show "alice: only the tls context is the role's, hers is kept" \
  bash -c "echo \"role: $(role_contexts alice)\"; [ '$(role_contexts alice)' = '$daemon-tls ' ] && docker exec $client runuser -u alice -- docker context inspect mine >/dev/null"
check "alice: the ssh env file, alias file, known hosts and Include are gone" \
  as alice "[ ! -e ~/.docker/dockerd-exposure/env/$daemon-ssh.env ] && [ ! -e ~/.ssh/config.d/dockerd-exposure.conf ] &&
    [ ! -e ~/.ssh/known_hosts.d/dockerd-exposure ] && ! grep -q dockerd.exposure ~/.ssh/config"
show "alice: every file under /home/alice is still hers" \
  docker exec "$client" sh -c 'found=$(find /home/alice ! -user alice -o ! -group alice); echo "not alice'"'"'s: ${found:-none}"; [ -z "$found" ]'
role no-ssh-again -e '{"dockerd_expose": ["unix", "tls"]}'
check "no ssh again: changed=0 ($(recap no-ssh-again "$client" changed)/$(recap no-ssh-again "$client-self" changed))" \
  unchanged no-ssh-again

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Integration proof of the role dockerd.exposure.client (roles/client), rerunnable.
#
#   tests/integration/client_role/run.sh            # needs the Docker engine, .venv and the
#                                                   # image dockerd-exposure/target:bookworm
#   KEEP=1 tests/integration/client_role/run.sh     # keep containers and temp dir for a look
#
# It starts a network cr-net and three systemd containers (leftovers of an earlier run are
# removed first): the daemon cr-d1 and the clients cr-c1 and cr-c2. The daemon is set up BY
# HAND here, without the daemon, tls and ssh roles:
#   - a throwaway PKI made with openssl in a temp dir laid out as the tls role lays it out:
#     <pki>/clients/admin/{ca,cert,key}.pem, and a server certificate for cr-d1 (SANs: its
#     name and its address on cr-net);
#   - dockerd on cr-d1 with TLS: a docker.socket drop-in (ListenStream=/run/docker.sock and
#     0.0.0.0:2376), daemon.json tlsverify/tlscacert/tlscert/tlskey (keeping storage-driver vfs);
#   - the account alice on cr-d1, in group docker, with the public half of an ed25519 pair
#     made here; the private half goes to the clients (the role never copies ssh keys).
# The inventory (temp dir) puts cr-d1 in docker_daemons (dockerd_expose [unix, tls, ssh],
# dockerd_ssh_users [alice], dockerd_tls_pki_dir <pki>) and the clients in docker_clients:
#   cr-c1: dockerd_client_user dev (not the connecting root: the role writes as dev through
#          become_user), key in /home/dev/keys/id_alice;
#   cr-c2: dockerd_client_user unset (the connecting account, root), key ~/.ssh/id_alice.
# Then, in this order, each check run as the client account on the client container:
#   1. validation: a missing identity file, a missing TLS bundle, no ssh user: each fails with
#      its sentence before anything is written;
#   2. --check --diff on the fresh clients succeeds and writes nothing;
#   3. first run: docker --context cr-d1-tls version, docker --context cr-d1-ssh version,
#      docker context ls lists both, the tls and ssh env files (set -a; . FILE; set +a;
#      docker info), ssh cr-d1 true with strict host key checking and its negative twin (no
#      known_hosts: "Host key verification failed"), known_hosts holds cr-d1's real key, file
#      modes and owners, the ssh master socket, the Include at the top of ~/.ssh/config;
#   4. second run and a --check run: changed=0;
#   5. cr-d1 dialled by address (dockerd_endpoint_host = its IP) and tcp on loopback: the
#      contexts and env files follow, the env file's ssh://alice@IP goes through the ssh
#      config's Match block, tcp is skipped with a note; rerun changed=0;
#   6. ssh removed from dockerd_expose, tcp on 0.0.0.0 added: the ssh context, env file,
#      alias, known hosts and Include are gone, the tcp context and env file appear; rerun
#      changed=0;
#   7. dockerd_expose [unix] only: every context, env file and bundle of the role is gone, a
#      context of the user's own is kept; rerun changed=0.
# Removes the containers, the network and the temp dir at the end (unless KEEP=1).
# Prints "N passed, N failed" last; exits 1 when a check failed.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
image="${TARGET_IMAGE:-dockerd-exposure/target:bookworm}"
net=cr-net
daemon=cr-d1
clients=(cr-c1 cr-c2)
nodes=("$daemon" "${clients[@]}")
work="$(mktemp -d /tmp/cr-client.XXXXXX)"
pki="$work/pki"
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
ip="$(ip_of "$net" "$daemon")"
log "$daemon $ip, work dir $work"

# --- PKI by hand, laid out like the tls role's ---------------------------------------------
mkdir -p "$pki/ca" "$pki/clients/admin" "$work/server"
chmod 700 "$pki/clients/admin"
(
  set -e
  cd "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=cr test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout ca/ca-key.pem -out ca/ca.pem
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$daemon" \
    -keyout "$work/server/server-key.pem" -out "$work/server/server.csr"
  openssl x509 -req -in "$work/server/server.csr" -CA ca/ca.pem -CAkey ca/ca-key.pem -set_serial 1 -days 2 \
    -extfile <(printf 'subjectAltName=DNS:%s,IP:%s\nextendedKeyUsage=serverAuth\n' "$daemon" "$ip") \
    -out "$work/server/server-cert.pem"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=admin" \
    -keyout clients/admin/key.pem -out "$work/admin.csr"
  openssl x509 -req -in "$work/admin.csr" -CA ca/ca.pem -CAkey ca/ca-key.pem -set_serial 2 -days 2 \
    -extfile <(printf 'extendedKeyUsage=clientAuth\n') -out clients/admin/cert.pem
  cp ca/ca.pem clients/admin/ca.pem
  chmod 600 clients/admin/key.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log"; exit 1; }

# --- dockerd on cr-d1 with TLS, by hand ----------------------------------------------------
docker exec "$daemon" mkdir -p /etc/docker/tls /etc/systemd/system/docker.socket.d
docker cp "$pki/ca/ca.pem" "$daemon:/etc/docker/tls/ca.pem"
docker cp "$work/server/server-cert.pem" "$daemon:/etc/docker/tls/server-cert.pem"
docker cp "$work/server/server-key.pem" "$daemon:/etc/docker/tls/server-key.pem"
docker exec "$daemon" sh -euc '
  chown -R root:root /etc/docker/tls && chmod 400 /etc/docker/tls/server-key.pem
  printf "[Socket]\nListenStream=\nListenStream=/run/docker.sock\nListenStream=0.0.0.0:2376\n" \
    >/etc/systemd/system/docker.socket.d/cr-tls.conf
  cat >/etc/docker/daemon.json <<JSON
{
  "storage-driver": "vfs",
  "tlsverify": true,
  "tlscacert": "/etc/docker/tls/ca.pem",
  "tlscert": "/etc/docker/tls/server-cert.pem",
  "tlskey": "/etc/docker/tls/server-key.pem"
}
JSON
  systemctl stop docker.service
  systemctl daemon-reload
  systemctl reset-failed docker.service docker.socket || true
  systemctl restart docker.socket
  systemctl start docker.service'
for _ in $(seq 30); do
  curl -s -o /dev/null --max-time 2 -k "https://$ip:2376/_ping"; [ $? -ne 7 ] && break; sleep 1
done

# --- alice on cr-d1, her key pair made here -------------------------------------------------
ssh-keygen -q -t ed25519 -N '' -C alice@cr-test -f "$work/id_alice"
pubkey="$(cat "$work/id_alice.pub")"
docker exec "$daemon" sh -euc "
  useradd -m -s /bin/bash -G docker alice
  install -d -m 700 -o alice -g alice /home/alice/.ssh
  printf '%s\n' '$pubkey' >/home/alice/.ssh/authorized_keys
  chown alice:alice /home/alice/.ssh/authorized_keys && chmod 600 /home/alice/.ssh/authorized_keys
  systemctl is-active ssh >/dev/null || systemctl start ssh"
# The clients: cr-c1 keeps the key for dev outside ~/.ssh (which the role then creates),
# cr-c2 for root in ~/.ssh.
docker exec cr-c1 sh -euc 'useradd -m -s /bin/bash dev && install -d -m 700 -o dev -g dev /home/dev/keys'
docker cp "$work/id_alice" cr-c1:/home/dev/keys/id_alice
docker exec cr-c1 sh -euc 'chown dev:dev /home/dev/keys/id_alice && chmod 600 /home/dev/keys/id_alice'
docker exec cr-c2 install -d -m 700 /root/.ssh
docker cp "$work/id_alice" cr-c2:/root/.ssh/id_alice
docker exec cr-c2 sh -euc 'chown root:root /root/.ssh/id_alice && chmod 600 /root/.ssh/id_alice'

# --- inventory ---------------------------------------------------------------------------
mkdir -p "$inv/host_vars"
cat >"$inv/hosts.yml" <<EOF
all:
  vars:
    ansible_connection: community.docker.docker
    ansible_python_interpreter: /usr/bin/python3
  children:
    docker_daemons:
      hosts:
        $daemon: {ansible_host: $daemon}
    docker_clients:
      hosts:
        cr-c1:
          ansible_host: cr-c1
          dockerd_client_user: dev
          dockerd_client_ssh_user: alice
          dockerd_client_ssh_identity_file: /home/dev/keys/id_alice
        cr-c2:
          ansible_host: cr-c2
          dockerd_client_ssh_user: alice
          dockerd_client_ssh_identity_file: ~/.ssh/id_alice
EOF
daemon_vars() { # daemon_vars EXTRA_YAML: rewrite host_vars of the daemon
  cat >"$inv/host_vars/$daemon.yml" <<EOF
dockerd_tls_pki_dir: $pki
dockerd_ssh_users:
  - name: alice
    authorized_keys: ["$pubkey"]
$1
EOF
}
daemon_vars 'dockerd_expose: [unix, tls, ssh]'

# --- helpers -----------------------------------------------------------------------------
use_collection

run=0
play() { # play NAME [ansible-playbook args...]; log in $work/NAME.log, returns its exit code
  local name="$1"; shift
  run=$((run + 1))
  log "run $run: $name"
  (cd "$root" && .venv/bin/ansible-playbook -i "$inv/hosts.yml" "$here/playbook.yml" "$@") >"$work/$name.log" 2>&1
}
recap() { # recap NAME HOST FIELD -> number from the PLAY RECAP line
  sed -n "s/^$2 *:.* $3=\([0-9]*\).*/\1/p" "$work/$1.log" | tail -1
}
play_ok() { # play_ok NAME: the run succeeded on both clients
  local h
  for h in "${clients[@]}"; do
    [ "$(recap "$1" "$h" failed)" = 0 ] && [ "$(recap "$1" "$h" unreachable)" = 0 ] || return 1
  done
}
unchanged_run() { # unchanged_run NAME [args]: a run that must report changed=0 on both clients
  play "$@"
  check "$1: run succeeds" play_ok "$1"
  check "$1: changed=0 on cr-c1 and cr-c2 ($(recap "$1" cr-c1 changed)/$(recap "$1" cr-c2 changed))" \
    bash -c "[ '$(recap "$1" cr-c1 changed) $(recap "$1" cr-c2 changed)' = '0 0' ]"
}
failed_with() { # failed_with NAME TEXT: the run failed and printed TEXT
  ! play_ok "$1" && tr -s ' \n' ' ' <"$work/$1.log" | grep -qF "$2"
}
user_of() { case "$1" in cr-c1) echo dev ;; *) echo root ;; esac; }
home_of() { case "$1" in cr-c1) echo /home/dev ;; *) echo /root ;; esac; }
as_user() { # as_user CLIENT 'shell command': run as the client account, in its home
  local c="$1"; shift
  docker exec -u "$(user_of "$c")" -e HOME="$(home_of "$c")" -w "$(home_of "$c")" "$c" bash -c "$*"
}
nothing_written() { # nothing_written CLIENT: no trace of the role under the account's home
  as_user "$1" '[ ! -e ~/.docker ] && [ ! -e ~/.ssh/config ] && [ ! -e ~/.ssh/config.d ] && [ ! -e ~/.ssh/known_hosts.d ]'
}
contexts() { as_user "$1" 'docker context ls --format "{{.Name}}" | sort | tr "\n" " "'; }

# --- 1. validation -----------------------------------------------------------------------
play no-identity -e dockerd_client_ssh_identity_file=/home/dev/keys/missing
check "validation: a missing identity file fails with a sentence" \
  failed_with no-identity "dockerd_client_ssh_identity_file /home/dev/keys/missing on cr-c1 does not exist"
play no-bundle -e dockerd_client_tls_name=carol
check "validation: a missing TLS bundle fails naming the files and the fix" \
  failed_with no-bundle "The TLS client bundle files $pki/clients/carol/ca.pem"
play no-ssh-user -e dockerd_client_ssh_user=
check "validation: ssh offered but no dockerd_client_ssh_user fails" \
  failed_with no-ssh-user "set both (the account on the daemons and the path of its private key"
for c in "${clients[@]}"; do check "validation: nothing written on $c" nothing_written "$c"; done

# --- 2. check mode on fresh clients --------------------------------------------------------
play check-fresh --check --diff
check "check mode on fresh clients succeeds" play_ok check-fresh
for c in "${clients[@]}"; do check "check mode wrote nothing on $c" nothing_written "$c"; done

# --- 3. first run ------------------------------------------------------------------------
play first
check "first run succeeds" play_ok first
[ "${VERBOSE:-0}" = 1 ] && cat "$work/first.log"
hostkey="$(docker exec "$daemon" cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)"
for c in "${clients[@]}"; do
  u="$(user_of "$c")"; h="$(home_of "$c")"; b="$h/.docker/dockerd-exposure"
  show "$c ($u): docker --context $daemon-tls version" \
    as_user "$c" "docker --context $daemon-tls version --format 'client {{.Client.Version}} server {{.Server.Version}}'"
  show "$c ($u): docker --context $daemon-ssh version" \
    as_user "$c" "docker --context $daemon-ssh version --format 'client {{.Client.Version}} server {{.Server.Version}}'"
  show "$c ($u): docker context ls lists $daemon-tls and $daemon-ssh" \
    as_user "$c" "docker context ls | tee /dev/stderr | awk '{print \$1}' | grep -x $daemon-tls && docker context ls | awk '{print \$1}' | grep -x $daemon-ssh"
  show "$c ($u): set -a; . $daemon-tls.env; set +a; docker info" \
    as_user "$c" "cat ~/.docker/dockerd-exposure/env/$daemon-tls.env; set -a; . ~/.docker/dockerd-exposure/env/$daemon-tls.env; set +a;
      docker info --format 'Name={{.Name}} ServerVersion={{.ServerVersion}}' | grep '^Name=$daemon '"
  show "$c ($u): set -a; . $daemon-ssh.env; set +a; docker info" \
    as_user "$c" "cat ~/.docker/dockerd-exposure/env/$daemon-ssh.env; set -a; . ~/.docker/dockerd-exposure/env/$daemon-ssh.env; set +a;
      docker info --format 'Name={{.Name}} ServerVersion={{.ServerVersion}}' | grep '^Name=$daemon '"
  show "$c ($u): ssh $daemon true (strict host key checking)" \
    as_user "$c" "ssh -G $daemon | grep -iE '^(hostname|user|stricthostkeychecking|userknownhostsfile|controlmaster|controlpath|controlpersist|identitiesonly) ' && ssh $daemon 'id -un'"
  show "$c ($u): without the role's known_hosts file ssh refuses $daemon (Host key verification failed)" \
    as_user "$c" "out=\$(ssh -o ControlMaster=no -o ControlPath=none -o UserKnownHostsFile=/dev/null $daemon true 2>&1); rc=\$?;
      echo \"exit \$rc: \$out\"; [ \$rc -ne 0 ] && grep -q 'Host key verification failed' <<<\"\$out\""
  check "$c ($u): known_hosts holds $daemon's real ed25519 host key" \
    as_user "$c" "grep -qxF '$daemon,$ip $hostkey' ~/.ssh/known_hosts.d/dockerd-exposure"
  check "$c ($u): nothing turns strict host key checking off" \
    as_user "$c" "! grep -RiE 'StrictHostKeyChecking +(no|accept-new)' ~/.ssh"
  check "$c ($u): the ssh master socket of the docker CLI's connection is in ~/.ssh" \
    as_user "$c" "ls ~/.ssh/cm-* >/dev/null && ssh -O check $daemon"
  check "$c ($u): ~/.ssh/config starts with the Include block" \
    as_user "$c" "head -3 ~/.ssh/config | diff - <(printf '# BEGIN dockerd.exposure.client\nInclude config.d/dockerd-exposure.conf\n# END dockerd.exposure.client\n')"
  check "$c ($u): modes and owners (bundle dir 700, key 600, env 600, ssh conf 600)" \
    as_user "$c" "[ \"\$(stat -c '%a %U' $b $b/tls/admin $b/tls/admin/key.pem $b/tls/admin/cert.pem $b/env $b/env/$daemon-tls.env ~/.ssh ~/.ssh/config.d/dockerd-exposure.conf ~/.ssh/known_hosts.d/dockerd-exposure | tr '\n' ' ')\" \
      = '700 $u 700 $u 600 $u 644 $u 700 $u 600 $u 700 $u 600 $u 600 $u ' ]"
  check "$c ($u): the bundle equals the controller's" \
    bash -c "for f in ca cert key; do docker exec $c cat $b/tls/admin/\$f.pem | cmp -s - '$pki/clients/admin/'\$f.pem || exit 1; done"
  check "$c ($u): env files are exactly as documented" bash -c "
    docker exec $c grep -v '^#' $b/env/$daemon-tls.env | diff - <(printf 'DOCKER_HOST=tcp://$daemon:2376\nDOCKER_TLS_VERIFY=1\nDOCKER_CERT_PATH=$b/tls/admin\n') &&
    docker exec $c grep -v '^#' $b/env/$daemon-ssh.env | diff - <(printf 'DOCKER_HOST=ssh://alice@$daemon\nDOCKER_TLS_VERIFY=\nDOCKER_CERT_PATH=\n')"
done
check "no private key material in the first run's log" bash -c "! grep -q 'PRIVATE KEY' '$work/first.log'"
show "cr-c1: the ssh config written for dev" docker exec cr-c1 cat /home/dev/.ssh/config.d/dockerd-exposure.conf

# --- 4. idempotency ----------------------------------------------------------------------
unchanged_run second
unchanged_run check-second --check --diff

# --- 5. dialled by address, tcp on loopback ----------------------------------------------
daemon_vars "dockerd_expose: [unix, tcp, tls, ssh]
dockerd_endpoint_host: $ip"
play by-address
check "by address: run succeeds" play_ok by-address
check "by address: tcp on loopback is skipped with a note" \
  bash -c "tr -s ' \n' ' ' <'$work/by-address.log' | grep -qF '$daemon-tcp: skipped, plain TCP on $daemon listens on the loopback address 127.0.0.1 only'"
for c in "${clients[@]}"; do
  u="$(user_of "$c")"
  show "$c ($u): docker --context $daemon-tls version dials $ip" \
    as_user "$c" "docker context inspect $daemon-tls --format '{{.Endpoints.docker.Host}}' | grep -x tcp://$ip:2376 &&
      docker --context $daemon-tls version --format 'server {{.Server.Version}}'"
  show "$c ($u): . $daemon-ssh.env (ssh://alice@$ip, through the Match block) && docker info" \
    as_user "$c" "grep ^DOCKER_HOST= ~/.docker/dockerd-exposure/env/$daemon-ssh.env; set -a; . ~/.docker/dockerd-exposure/env/$daemon-ssh.env; set +a;
      docker info --format 'Name={{.Name}}' | grep -x Name=$daemon"
  show "$c ($u): ssh alice@$ip true (strict, key from known_hosts.d)" \
    as_user "$c" "ssh -G alice@$ip | grep -iE '^(identityfile|stricthostkeychecking|userknownhostsfile) ' && ssh alice@$ip true"
  show "$c ($u): ssh $daemon true (alias, HostName $ip)" as_user "$c" "ssh $daemon true"
  check "$c ($u): no $daemon-tcp context or env file" \
    as_user "$c" "! docker context inspect $daemon-tcp >/dev/null 2>&1 && [ ! -e ~/.docker/dockerd-exposure/env/$daemon-tcp.env ]"
done
unchanged_run by-address-again

# --- 6. ssh removed, tcp on 0.0.0.0 added -----------------------------------------------
for c in "${clients[@]}"; do as_user "$c" 'docker context create mine --docker host=unix:///run/docker.sock >/dev/null 2>&1'; done
daemon_vars "dockerd_expose: [unix, tcp, tls]
dockerd_tcp_address: 0.0.0.0"
play no-ssh
check "no ssh: run succeeds" play_ok no-ssh
for c in "${clients[@]}"; do
  u="$(user_of "$c")"
  show "$c ($u): contexts are now: $(contexts "$c")" bash -c "[ '$(contexts "$c")' = '$daemon-tcp $daemon-tls default mine ' ]"
  check "$c ($u): the ssh env file, alias file, known hosts and Include are gone" \
    as_user "$c" "[ ! -e ~/.docker/dockerd-exposure/env/$daemon-ssh.env ] && [ ! -e ~/.ssh/config.d/dockerd-exposure.conf ] &&
      [ ! -e ~/.ssh/known_hosts.d/dockerd-exposure ] && ! grep -q dockerd.exposure ~/.ssh/config"
  check "$c ($u): the tcp context and env file dial $daemon:2375" \
    as_user "$c" "docker context inspect $daemon-tcp --format '{{.Endpoints.docker.Host}}' | grep -x tcp://$daemon:2375 &&
      grep -qx DOCKER_HOST=tcp://$daemon:2375 ~/.docker/dockerd-exposure/env/$daemon-tcp.env"
  show "$c ($u): docker --context $daemon-tls version still works" \
    as_user "$c" "docker --context $daemon-tls version --format 'server {{.Server.Version}}'"
done
unchanged_run no-ssh-again

# --- 7. nothing offered to clients ------------------------------------------------------
daemon_vars "dockerd_expose: [unix]"
play unix-only
check "unix only: run succeeds" play_ok unix-only
for c in "${clients[@]}"; do
  u="$(user_of "$c")"
  show "$c ($u): only the user's own contexts are left: $(contexts "$c")" bash -c "[ '$(contexts "$c")' = 'default mine ' ]"
  check "$c ($u): no env file and no TLS bundle left" \
    as_user "$c" "[ -z \"\$(ls -A ~/.docker/dockerd-exposure/env ~/.docker/dockerd-exposure/tls 2>/dev/null | grep -v ':\$' | grep .)\" ]"
done
unchanged_run unix-only-again

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]

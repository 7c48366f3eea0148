#!/usr/bin/env bash
# Integration proof for dockerd.exposure.endpoint_check against real Docker daemons.
#
#   tests/integration/endpoint_check/run.sh          # set up, check, tear down
#   tests/integration/endpoint_check/run.sh --keep   # leave containers/users for poking
#
# Needs: root on a machine with a Docker engine, the image dockerd-exposure/target:bookworm
# (docs/CONVENTIONS-dev.md), openssl, ssh, and the repository's .venv.
# It creates (and removes on exit, unless --keep):
#   - network ec-net, containers ec-tls and ec-plain (systemd + dockerd 20.10):
#       ec-tls:   docker.socket drop-in ListenStream=0.0.0.0:2376, daemon.json tlsverify
#                 (published as 127.0.0.1:23760 so the SAN "localhost" can be dialled);
#       ec-plain: docker.socket drop-in ListenStream=0.0.0.0:2375 (plain TCP, no TLS),
#                 sshd, user ecops in group docker with an authorized key;
#   - a throwaway PKI (CA, server and client certificates, 90 days) in a temp dir;
#   - local users ec-nosock (not in group docker) and ec-sshop (home in the temp dir, with
#     ~/.ssh/{config,known_hosts,id_ed25519}) to run the module as non-root.
# Then check.py runs the module for every positive and negative case, prints the
# messages and the latency medians (20 pings per mode), and exits non-zero on any failure;
# a last ansible-playbook run (smoke.yml) proves the module runs through Ansible.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
IMAGE=dockerd-exposure/target:bookworm
NET=ec-net
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
WORK=$(mktemp -d /tmp/ec-it.XXXXXX)
chmod 0755 "$WORK"

log() { printf '[ec] %s\n' "$*"; }

cleanup() {
  rc=$?
  set +e  # remove everything even when one step fails
  if [ "$KEEP" = 1 ]; then
    log "kept: containers ec-tls ec-plain, network $NET, users ec-nosock ec-sshop, work dir $WORK"
    exit "$rc"
  fi
  log "cleaning up"
  # The ControlPersist master of the ec-plain-cm case belongs to ec-sshop; end it by its pid.
  if [ -f "$WORK/ec-sshop/.ssh/config" ]; then
    pid=$(runuser -u ec-sshop -- ssh -O check ec-plain-cm 2>&1 | sed -n 's/.*pid=\([0-9]*\).*/\1/p')
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi
  fi
  docker rm -f ec-tls ec-plain >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
  userdel ec-nosock >/dev/null 2>&1 || true
  userdel ec-sshop >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "run.sh must run as root (it creates users and containers)" >&2; exit 2; }

docker network inspect "$NET" >/dev/null 2>&1 || docker network create "$NET" >/dev/null
for name in ec-tls ec-plain; do
  docker rm -f "$name" >/dev/null 2>&1 || true
done
common_run=(--network "$NET" --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw
  --tmpfs /run --tmpfs /run/lock --security-opt seccomp=unconfined
  --security-opt apparmor=unconfined)
for c in CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP \
  LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER \
  SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_TIME \
  SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG \
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ; do common_run+=(--cap-add "$c"); done
log "starting ec-tls and ec-plain"
docker run -d --name ec-tls --hostname ec-tls "${common_run[@]}" -p 127.0.0.1:23760:2376 -p 127.0.0.2:23761:2376 \
  "$IMAGE" /lib/systemd/systemd >/dev/null
docker run -d --name ec-plain --hostname ec-plain "${common_run[@]}" \
  "$IMAGE" /lib/systemd/systemd >/dev/null
for name in ec-tls ec-plain; do
  state=$(docker exec "$name" systemctl is-system-running --wait || true)
  log "$name: $state"
done
TLS_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" ec-tls)
PLAIN_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" ec-plain)
log "ec-tls=$TLS_IP ec-plain=$PLAIN_IP"

# --- PKI (EC P-256, 90 days: longer than the module's 30-day expiry warning) ---------------
PKI=$WORK/pki
mkdir -p "$PKI"
(
  cd "$PKI"
  umask 077
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
    -keyout ca-key.pem -out ca.pem -subj /CN=ec-test-ca 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout server-key.pem -out server.csr -subj /CN=ec-tls 2>/dev/null
  printf 'subjectAltName=DNS:ec-tls,DNS:localhost,IP:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
    "$TLS_IP" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 90 \
    -extfile server.ext -out server.pem 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout key.pem -out client.csr -subj /CN=ec-client 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 90 \
    -extfile client.ext -out cert.pem 2>/dev/null
  # A second, unrelated CA: the daemon's certificate must not validate against it.
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
    -keyout other-ca-key.pem -out other-ca.pem -subj /CN=ec-other-ca 2>/dev/null
  # A client certificate from that other CA: the daemon must reject it.
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other-key.pem -out other.csr -subj /CN=ec-other-client 2>/dev/null
  openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca-key.pem -CAcreateserial \
    -days 90 -extfile client.ext -out other-cert.pem 2>/dev/null
  rm -f ./*.csr ./*.ext ./*.srl
)

# --- ec-tls: TLS on 2376 via socket activation -------------------------------------
restart_docker() {  # the restart order DESIGN.md prescribes for a ListenStream change
  docker exec "$1" sh -c 'systemctl stop docker.service && systemctl daemon-reload &&
    systemctl reset-failed docker.service docker.socket &&
    systemctl restart docker.socket && systemctl start docker.service'
}
docker exec ec-tls mkdir -p /etc/docker/tls /etc/systemd/system/docker.socket.d
docker cp "$PKI/ca.pem" ec-tls:/etc/docker/tls/ca.pem
docker cp "$PKI/server.pem" ec-tls:/etc/docker/tls/server.pem
docker cp "$PKI/server-key.pem" ec-tls:/etc/docker/tls/server-key.pem
docker exec ec-tls sh -c 'chmod 0600 /etc/docker/tls/server-key.pem &&
  printf "[Socket]\nListenStream=0.0.0.0:2376\n" >/etc/systemd/system/docker.socket.d/10-tls.conf &&
  python3 - <<EOF
import json
path = "/etc/docker/daemon.json"
with open(path) as f:
    conf = json.load(f)
conf.update({"tlsverify": True, "tlscacert": "/etc/docker/tls/ca.pem",
             "tlscert": "/etc/docker/tls/server.pem", "tlskey": "/etc/docker/tls/server-key.pem"})
with open(path, "w") as f:
    json.dump(conf, f, indent=2)
EOF'
restart_docker ec-tls

# --- ec-plain: plain TCP on 2375 and docker over ssh -------------------------------
docker exec ec-plain mkdir -p /etc/systemd/system/docker.socket.d
docker exec ec-plain sh -c 'printf "[Socket]\nListenStream=0.0.0.0:2375\n" >/etc/systemd/system/docker.socket.d/10-tcp.conf'
restart_docker ec-plain

SSHOP_HOME=$WORK/ec-sshop
useradd -M -d "$SSHOP_HOME" -s /bin/sh ec-sshop 2>/dev/null || usermod -d "$SSHOP_HOME" ec-sshop
useradd -M -d /nonexistent -s /usr/sbin/nologin ec-nosock 2>/dev/null || true
mkdir -p "$SSHOP_HOME/.ssh"
ssh-keygen -q -t ed25519 -N '' -C ec-sshop -f "$SSHOP_HOME/.ssh/id_ed25519"
# ecops may use docker; nodock has the same key but is not in group docker.
docker cp "$SSHOP_HOME/.ssh/id_ed25519.pub" ec-plain:/tmp/ec-sshop.pub
docker exec ec-plain sh -c 'set -e
  id ecops >/dev/null 2>&1 || useradd -m -s /bin/bash -G docker ecops
  id nodock >/dev/null 2>&1 || useradd -m -s /bin/bash nodock
  for u in ecops nodock; do
    install -d -m 0700 -o $u -g $u /home/$u/.ssh
    install -m 0600 -o $u -g $u /tmp/ec-sshop.pub /home/$u/.ssh/authorized_keys
  done
  systemctl is-active ssh >/dev/null || systemctl start ssh'
# known_hosts gets the container's host key under its IP and under the alias ec-plain-ssh;
# ec-plain-nokey is an alias to the same address whose key is not known.
for _ in $(seq 1 20); do
  if ssh-keyscan -T 2 -t ed25519 "$PLAIN_IP" >"$WORK/hostkey" 2>/dev/null && [ -s "$WORK/hostkey" ]; then break; fi
  sleep 0.5
done
{
  sed "s/^[^ ]*/$PLAIN_IP/" "$WORK/hostkey"
  sed "s/^[^ ]*/ec-plain-ssh/" "$WORK/hostkey"
} >"$SSHOP_HOME/.ssh/known_hosts"
cat >"$SSHOP_HOME/.ssh/config" <<EOF
Host ec-plain-ssh
  HostName $PLAIN_IP
  HostKeyAlias ec-plain-ssh
Host ec-plain-nokey
  HostName $PLAIN_IP
  HostKeyAlias ec-plain-nokey
Host ec-plain-cm
  HostName $PLAIN_IP
  HostKeyAlias ec-plain-ssh
  ControlMaster auto
  ControlPath $SSHOP_HOME/.ssh/cm-%C
  ControlPersist 60
Host *
  IdentityFile $SSHOP_HOME/.ssh/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking yes
  UserKnownHostsFile $SSHOP_HOME/.ssh/known_hosts
EOF
chown -R ec-sshop:ec-sshop "$SSHOP_HOME"
chmod 0700 "$SSHOP_HOME" "$SSHOP_HOME/.ssh"
chmod 0600 "$SSHOP_HOME/.ssh/"*

cat >"$WORK/env.json" <<EOF
{"work": "$WORK", "pki": "$PKI", "tls_ip": "$TLS_IP", "plain_ip": "$PLAIN_IP",
 "sshop_home": "$SSHOP_HOME", "root": "$ROOT"}
EOF
log "environment: $WORK/env.json"
if [ "${EC_SETUP_ONLY:-0}" = 1 ]; then
  KEEP=1
  exit 0
fi

cd "$ROOT"
.venv/bin/python "$HERE/check.py" "$WORK/env.json"
log "ansible-playbook smoke run"
ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections" \
  .venv/bin/ansible-playbook -i localhost, -c local "$HERE/smoke.yml" \
  -e "ec_env_file=$WORK/env.json" -e "ansible_python_interpreter=$ROOT/.venv/bin/python"
log "all checks passed"

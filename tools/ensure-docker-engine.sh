#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
# - An engine that already answers is left alone.
# - Otherwise, as root: install Debian's docker.io when dockerd is missing, then start it
#   (systemd when it is PID 1, a background dockerd when it is not) and wait for it.
# - Otherwise stop with a message that says what to install.
set -euo pipefail

log() { printf '[engine] %s\n' "$*"; }
engine_answers() { docker info >/dev/null 2>&1; }

if engine_answers; then
  log "Docker engine already running; leaving it alone."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "No Docker engine answers and this is not root. Install and start one (Debian: 'sudo apt-get install docker.io', then 'sudo systemctl start docker') or add yourself to the docker group, then rerun." >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "Installing Debian's docker.io (dockerd is missing)."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi

if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
  log "Starting docker.service with systemd."
  systemctl start docker
else
  log_file=/var/log/dockerd-dockerd-exposure.log
  log "No systemd as PID 1: starting dockerd in the background (log: $log_file)."
  nohup dockerd >"$log_file" 2>&1 </dev/null &
fi

for _ in $(seq 1 60); do
  if engine_answers; then
    log "Docker engine is up: $(docker version --format '{{.Server.Version}}')"
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60 s; see its log (/var/log/dockerd-dockerd-exposure.log or 'journalctl -u docker')." >&2
exit 1

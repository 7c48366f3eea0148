#!/usr/bin/env bash
# Build the target image used by the lab and by every Molecule scenario:
# Debian with systemd as PID 1, dockerd, sshd and python3.
#
#   tools/build-target-image.sh [SUITE]               # SUITE: bookworm (default) or trixie
#   tools/build-target-image.sh --throwaway [SUITE]   # build from nothing, then remove it
#
# Prints the image reference on its last line. The image is tagged with a hash of its
# inputs (this script, the suite, the package list), so an unchanged rerun costs seconds.
# Source: `debian:SUITE` when a registry answers, else debootstrap from the Debian mirror
# this machine's apt is already configured with, then `docker import`.
set -euo pipefail

# --throwaway: prove the cold path (make test): no cached image is trusted, the result gets a
# tag of its own and is removed again, and the images the scenarios use are not touched.
throwaway=false
build_cache=()
if [ "${1:-}" = "--throwaway" ]; then throwaway=true; build_cache=(--no-cache); shift; fi
suite="${1:-bookworm}"
repo="dockerd-exposure/target"
if $throwaway; then repo="dockerd-exposure/throwaway"; fi
here="$(cd "$(dirname "$0")" && pwd)"

case "$suite" in
  bookworm) cli_pkg="" ;;          # docker.io carries the CLI on Debian 12
  trixie)   cli_pkg="docker-cli" ;; # Debian 13 ships the CLI separately
  *) echo "Unknown suite '$suite'; use bookworm or trixie." >&2; exit 2 ;;
esac

# debootstrap resolves --include shallowly (python3-cryptography fails to configure that
# way), so it lays only the base and apt installs the rest inside the new root.
base_packages="systemd,systemd-sysv,dbus,python3,ca-certificates,passwd"
# What a minimal Debian server running Debian's docker.io has, and nothing the collection
# needs: whatever else a run needs on a daemon host, the collection installs or does without
# (docs/development.md lists why each package is here).
packages="docker.io ${cli_pkg} openssh-server sudo iproute2"

log() { printf '[image] %s\n' "$*" >&2; }
# shellcheck source=tools/image-tags.sh
. "$here/image-tags.sh"

input_hash="$( { cat "$0" "$here/target-image-setup.sh"; echo "$suite $base_packages $packages"; } | sha256sum | cut -c1-12)"
ref="$repo:$suite-$input_hash"

if $throwaway; then
  docker image rm "$ref" >/dev/null 2>&1 || true
elif image_reuse "$repo" "$suite" "$ref"; then
  exit 0
fi

work="$(mktemp -d /tmp/dockerd-exposure-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

if timeout 60 docker pull -q "debian:$suite" >/dev/null 2>&1; then
  log "Building $ref from debian:$suite (registry answered)."
  cp "$here/target-image-setup.sh" "$work/"
  cat >"$work/Dockerfile" <<DOCKERFILE
FROM debian:$suite
COPY target-image-setup.sh /tmp/
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(echo "$base_packages" | tr ',' ' ') $packages \
 && sh /tmp/target-image-setup.sh && rm -rf /var/lib/apt/lists/* /tmp/target-image-setup.sh
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
DOCKERFILE
  docker build -q "${build_cache[@]}" -t "$ref" "$work" >/dev/null
else
  mirror="$("$here/debian-mirror.sh")"
  log "No registry: debootstrap $suite from $mirror (takes about a minute)."
  if ! command -v debootstrap >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    else
      echo "debootstrap is missing: install it ('sudo apt-get install debootstrap') and rerun." >&2
      exit 1
    fi
  fi
  rootfs="$work/rootfs"
  debootstrap --variant=minbase --include="$base_packages" "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # No service may start inside the chroot while packages install.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"
  mount -t proc proc "$rootfs/proc"
  # `bash -e` applies inside the trap too: a failed umount (already unmounted on the good
  # path) would become the script's exit status, so it may not fail.
  trap 'umount "$rootfs/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
  # shellcheck disable=SC2086  # $packages is a word list on purpose
  chroot "$rootfs" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log" >&2; exit 1; }
  umount "$rootfs/proc"
  rm -f "$rootfs/usr/sbin/policy-rc.d"
  cp "$here/target-image-setup.sh" "$rootfs/tmp/"
  chroot "$rootfs" sh /tmp/target-image-setup.sh
  rm -f "$rootfs/tmp/target-image-setup.sh"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    --change 'CMD ["/lib/systemd/systemd"]' \
    --change 'ENV container=docker' \
    - "$ref" >/dev/null
fi

if $throwaway; then
  docker image rm "$ref" >/dev/null
  log "Built $ref from nothing in $(( $(date +%s) - start )) s, and removed it again."
  exit 0
fi
image_publish "$repo" "$suite" "$ref"
log "Built $ref in $(( $(date +%s) - start )) s."
echo "$ref"

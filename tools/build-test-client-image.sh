#!/usr/bin/env bash
# Build the test-client image: the target image plus the tools the Molecule verifiers probe
# with from a client container (curl, the Docker SDK for Python, a static busybox).
# Daemon hosts stay on the stock target image; only client platforms that probe use this.
#
#   tools/build-test-client-image.sh [SUITE]      # SUITE: bookworm (default) or trixie
#
# Prints the image reference on its last line. Tagged with a hash of its inputs (this script,
# the target image it starts from, the package list), so an unchanged rerun costs seconds.
set -euo pipefail

suite="${1:-bookworm}"
repo="dockerd-exposure/test-client"
here="$(cd "$(dirname "$0")" && pwd)"
packages="curl python3-docker busybox-static"

log() { printf '[image] %s\n' "$*" >&2; }
# shellcheck source=tools/image-tags.sh
. "$here/image-tags.sh"

# The target image first (seconds when it is current): a new target means a new client.
target="$("$here/build-target-image.sh" "$suite" | tail -n 1)"
input_hash="$( { cat "$0"; echo "$target $packages"; } | sha256sum | cut -c1-12)"
ref="$repo:$suite-$input_hash"

if image_reuse "$repo" "$suite" "$ref"; then
  exit 0
fi

work="$(mktemp -d /tmp/dockerd-exposure-client-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
log "Building $ref from $target."
cat >"$work/Dockerfile" <<DOCKERFILE
FROM $target
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $packages \
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
docker build -q -t "$ref" "$work" >"$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }

image_publish "$repo" "$suite" "$ref"
log "Built $ref in $(( $(date +%s) - start )) s."
echo "$ref"

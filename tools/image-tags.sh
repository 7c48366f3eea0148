#!/usr/bin/env bash
# Image tags shared by the image builders (sourced): an image is tagged REPO:SUITE-HASH with a
# hash of its inputs, and REPO:SUITE points at the current one.

# image_reuse REPO SUITE REF: when REF exists, point REPO:SUITE at it, print REF and succeed.
image_reuse() {
  docker image inspect "$3" >/dev/null 2>&1 || return 1
  printf '[image] %s\n' "Reusing $3 (inputs unchanged)." >&2
  docker tag "$3" "$1:$2"
  echo "$3"
}

# image_publish REPO SUITE REF: point REPO:SUITE at the new REF and drop the images of older
# inputs for this suite (containers still using one keep it alive).
image_publish() {
  local old
  docker tag "$3" "$1:$2"
  for old in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$1" | grep "^$1:$2-" | grep -vx "$3"); do
    docker image rm "$old" >/dev/null 2>&1 || true
  done
}

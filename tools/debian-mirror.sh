#!/usr/bin/env bash
# Print the Debian archive URL that this machine's apt is configured with, so that
# debootstrap uses the same mirror (no address is written into the repository).
set -euo pipefail
url=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  # deb822: the URIs line of a stanza whose Suites name a plain Debian suite.
  url="$(awk '/^URIs:/{u=$2} /^Suites:/{ if ($0 !~ /security/ && u ~ /debian\/?$/) {print u; exit} }' "$f")"
  [ -n "$url" ] && break
done
if [ -z "$url" ] && [ -f /etc/apt/sources.list ]; then
  url="$(awk '$1=="deb" && $2 ~ /^https?:/ && $2 ~ /debian\/?$/ && $3 !~ /security/ {print $2; exit}' /etc/apt/sources.list)"
fi
if [ -z "$url" ]; then
  echo "Found no Debian mirror in /etc/apt/sources.list{,.d}; configure apt for Debian first." >&2
  exit 1
fi
echo "${url%/}"

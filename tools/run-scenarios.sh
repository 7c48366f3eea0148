#!/usr/bin/env bash
# Run Molecule scenarios in parallel lanes (make test): CI has 2 cores and 90 minutes, and one
# scenario keeps about one core busy, so two lanes finish the suite in little more than half
# the time of one.
#
#   tools/run-scenarios.sh [-j LANES] RUN...     RUN: scenario or scenario@suite (bookworm, trixie)
#
# A scenario and its twin on another suite share container names and Molecule's state
# directory, so they run one after the other in the same lane. Lanes are filled longest
# first from the durations below (minutes, measured alone on a 2-core machine; a guess for
# new ones only changes the packing, never the result). Each run's output goes to
# .cache/molecule-logs/RUN.log; a failed run's log tail is printed, and the exit status is
# non-zero when any run failed.
set -uo pipefail

lanes=2
if [ "${1:-}" = "-j" ]; then lanes="$2"; shift 2; fi
[ "$#" -gt 0 ] || { echo "usage: $0 [-j LANES] scenario[@suite]..." >&2; exit 2; }

declare -A minutes=(
  [rotate]=13 [fleet]=13 [faults]=12 [ssh]=6 [tls]=7 [firewall]=6 [badinput]=7 [rollback]=8
  [preflight]=8 [tcp]=5 [audit]=4 [default]=2 [checkmode]=9
)
logs=".cache/molecule-logs"
mkdir -p "$logs"
rm -f "$logs"/*.log "$logs"/*.status

# Group runs by scenario (twins together), weigh each group, and deal the groups out to the
# lane with the least work so far, heaviest first.
declare -A group_runs group_weight
for run in "$@"; do
  s="${run%@*}"
  group_runs[$s]="${group_runs[$s]:-} $run"
  group_weight[$s]=$(( ${group_weight[$s]:-0} + ${minutes[$s]:-5} ))
done
declare -a lane_runs lane_weight
for ((i = 0; i < lanes; i++)); do lane_runs[i]=""; lane_weight[i]=0; done
for s in $(for g in "${!group_weight[@]}"; do echo "${group_weight[$g]} $g"; done | sort -rn | cut -d' ' -f2); do
  best=0
  for ((i = 1; i < lanes; i++)); do
    (( lane_weight[i] < lane_weight[best] )) && best=$i
  done
  lane_runs[best]="${lane_runs[best]}${group_runs[$s]}"
  lane_weight[best]=$(( lane_weight[best] + group_weight[$s] ))
done

# create.yml makes the shared network too; making it here first avoids two lanes racing to.
docker network inspect dockerd-exposure-molecule >/dev/null 2>&1 \
  || docker network create dockerd-exposure-molecule >/dev/null

run_one() {
  local run="$1" s="${1%@*}" suite="" log="$logs/$1.log" start rc
  [ "$run" != "$s" ] && suite="${run#*@}"
  start=$(date +%s)
  echo "[molecule] $run: started (log: $log)"
  if [ -n "$suite" ]; then
    MOLECULE_IMAGE="dockerd-exposure/target:$suite" molecule test -s "$s" >"$log" 2>&1
  else
    molecule test -s "$s" >"$log" 2>&1
  fi
  rc=$?
  echo "$rc" >"$logs/$run.status"
  if [ "$rc" -eq 0 ]; then
    echo "[molecule] $run: passed in $(( $(date +%s) - start )) s ($(grep -Eo '[0-9]+ passed' "$log" | tail -1))"
  else
    # One write, so the other lane's lines do not land inside the tail.
    printf '%s\n%s\n' "[molecule] $run: FAILED (exit $rc) after $(( $(date +%s) - start )) s; last 200 lines of $log:" \
      "$(tail -n 200 "$log" | sed "s/^/[$run] /")"
  fi
}

for ((i = 0; i < lanes; i++)); do
  [ -n "${lane_runs[i]}" ] || continue
  echo "[molecule] lane $((i + 1)) (~${lane_weight[i]} min alone):${lane_runs[i]}"
  ( for run in ${lane_runs[i]}; do run_one "$run"; done ) &
done
wait

failed=""
for run in "$@"; do
  [ "$(cat "$logs/$run.status" 2>/dev/null)" = 0 ] || failed="$failed $run"
done
if [ -n "$failed" ]; then
  echo "[molecule] failed:$failed"
  exit 1
fi
echo "[molecule] all $# runs passed"

#!/usr/bin/env bash
# Runs a scenario as N shard processes on this machine and merges them: the same flow as the
# Kubernetes Indexed Job in scripts/k8s/, in miniature.
#
#   scripts/run-sharded.sh N SCENARIO [extra run options...]
#   scripts/run-sharded.sh 4 scenarios/baseline.yaml --customers 10000000
#
# Prints each shard's wall time and peak memory (from /usr/bin/time when available) and the
# merged results folder. Exits non-zero if any shard or the merge fails.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 N SCENARIO [run options...]" >&2
  exit 2
fi
shards=$1; scenario=$2; shift 2
case "$shards" in ''|*[!0-9]*) echo "error: N must be a whole number, got '$shards'" >&2; exit 2 ;; esac
[ "$shards" -ge 1 ] || { echo "error: N must be at least 1" >&2; exit 2; }
cd "$(dirname "$0")/.."
output=${OUTPUT:-results}
swift build -c release --product journeysim >/dev/null
bin=$(swift build -c release --show-bin-path)/journeysim
timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "shard %C: wall %e s, peak RSS %M KiB"); fi

logs=$(mktemp -d)
pids=()
start=$(date +%s.%N)
for ((i = 0; i < shards; i++)); do
  "${timer[@]}" "$bin" run "$scenario" --shard "$i/$shards" --workers 1 --quiet --output "$output" "$@" \
    >"$logs/shard$i.out" 2>"$logs/shard$i.err" &
  pids+=($!)
done
status=0
for ((i = 0; i < shards; i++)); do
  if ! wait "${pids[$i]}"; then
    echo "shard $i/$shards failed:" >&2; cat "$logs/shard$i.err" >&2; status=1
  fi
done
end=$(date +%s.%N)
for ((i = 0; i < shards; i++)); do
  grep -h "peak RSS" "$logs/shard$i.err" 2>/dev/null | sed "s|^shard .*journeysim run .* --shard \([0-9]*/[0-9]*\).*: wall|shard \1: wall|" || true
done
[ "$status" -eq 0 ] || exit 1
folders=$(sed -n 's|^results: \(.*\)/summary.json$|\1|p' "$logs"/shard*.out | sort)
first=$(echo "$folders" | head -n 1)
merged="${first%-shard0of${shards}}-merged"
# shellcheck disable=SC2086
"$bin" merge $folders --quiet --output "$merged"
printf 'all %s shards: %.1f s wall\n' "$shards" "$(echo "$end - $start" | bc)"
rm -rf "$logs"

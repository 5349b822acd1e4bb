#!/usr/bin/env bash
# Compares journeysim's load driver (HTTPBackend + LoadDriver, via the dev `drive` command) with
# wrk on the same mock-server route, same connection count and duration, and prints requests/s of
# both and their ratio (target: driver >= 0.8x wrk). Everything runs on 127.0.0.1.
#
# Usage: scripts/bench-load.sh [SECONDS] [CONNECTIONS] [REPETITIONS]
#   defaults: 10 seconds, 64 connections, 3 repetitions (medians reported)
# Needs wrk (apt-get update && apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-64}"
REPETITIONS="${3:-3}"
ROUTE=/sms/v1/messages

command -v wrk >/dev/null || { echo "error: wrk is not installed (apt-get update && apt-get install -y wrk)" >&2; exit 2; }
swift build -c release --product journeysim >/dev/null
BIN="$(swift build -c release --show-bin-path)/journeysim"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# The server stops by itself after the whole benchmark even if this script is killed.
TOTAL=$(( (SECONDS_PER_RUN + 5) * REPETITIONS * 2 + 30 ))
# The idempotency store is off so the server does the same work for both clients: the driver
# sends an Idempotency-Key (wrk does not), and with the store on, the first driver run would pay
# for storing its keys and the later ones (same message ids) would get cheaper replayed answers.
printf 'idempotency_capacity: 0\n' >"$WORK/mock.yaml"
"$BIN" mock-server --config "$WORK/mock.yaml" --host 127.0.0.1 --port 0 --max-connections $((CONNECTIONS * 4)) --duration "${TOTAL}s" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
URL="$(grep -o 'http://127.0.0.1:[0-9]*' "$WORK/server.out" | head -1)"
[ -n "$URL" ] || { echo "error: the mock server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
echo "mock server: $URL (route $ROUTE), ${SECONDS_PER_RUN}s per run, $CONNECTIONS connections, $REPETITIONS repetitions"

cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "To=%2B15550000000001&From=%2B15550000000&Body=Hi+Ana%2C+your+cart+is+waiting.+Code%3A+SAVE10"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Warm-up (connections, JIT-free but caches and allocator).
wrk -t1 -c"$CONNECTIONS" -d2s -s "$WORK/post.lua" "$URL$ROUTE" >/dev/null

: >"$WORK/wrk.txt"; : >"$WORK/driver.txt"
for i in $(seq 1 "$REPETITIONS"); do
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$WORK/post.lua" "$URL$ROUTE" >"$WORK/wrk-$i.out"
    grep "Requests/sec" "$WORK/wrk-$i.out" | awk '{ print $2 }' >>"$WORK/wrk.txt"
    # Open model scheduled well above capacity; the in-flight cap equals the connection count,
    # so the driver keeps as many requests outstanding as wrk does (the excess is dropped and counted).
    "$BIN" drive --url "$URL" --channel sms --rate 100000 --duration "${SECONDS_PER_RUN}s" \
        --max-in-flight "$CONNECTIONS" --concurrency "$CONNECTIONS" --max-attempts 1 >"$WORK/driver-$i.out"
    grep -o 'achieved [0-9.]*' "$WORK/driver-$i.out" | awk '{ print $2 }' >>"$WORK/driver.txt"
    echo "run $i: wrk $(tail -1 "$WORK/wrk.txt") req/s, driver $(tail -1 "$WORK/driver.txt") req/s, ratio $(awk -v d="$(tail -1 "$WORK/driver.txt")" -v w="$(tail -1 "$WORK/wrk.txt")" 'BEGIN { printf "%.2f", d / w }')"
done

WRK_MEDIAN="$(median <"$WORK/wrk.txt")"
DRIVER_MEDIAN="$(median <"$WORK/driver.txt")"
echo "median requests/s: wrk $WRK_MEDIAN, journeysim driver $DRIVER_MEDIAN"
awk -v d="$DRIVER_MEDIAN" -v w="$WRK_MEDIAN" 'BEGIN { printf "ratio driver/wrk: %.2f (target >= 0.80)\n", d / w }'
echo "last driver run:"; cat "$WORK/driver-$REPETITIONS.out"

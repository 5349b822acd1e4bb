#!/usr/bin/env bash
# Peer comparison in one run: the same simple journey model (scenarios/peer-simple.yaml) in
# journeysim and in SimPy (scripts/simpy_peer_model.py), on the same customers × days. Reports the
# wall time of both and the speed ratios (journeysim on one thread and on all cores), and checks
# that the per-customer figures agree and that the all-core summary equals the one-thread one.
#
#   scripts/simpy-peer.sh                 # 50,000 customers × 30 days
#   scripts/simpy-peer.sh 20000 30        # customers, days
#
# Exit 0 when every figure agrees, 1 when one does not (or the all-core run differs), 2 on a
# setup problem.
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-50000}"
days="${2:-30}"

python3 -c 'import simpy' 2>/dev/null || python3 -m pip install --quiet simpy || {
    echo "simpy-peer: cannot install SimPy (pip install simpy)" >&2; exit 2; }
# JOURNEYSIM_BIN: an already built release binary (skips the build).
bin="${JOURNEYSIM_BIN:-}"
if [[ -z "$bin" ]]; then
    swift build -c release --product journeysim >&2
    bin="$(swift build -c release --show-bin-path)/journeysim"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# One thread (the like-for-like comparison with single-threaded SimPy), then all cores (the
# default for runs of 20,000 customers or more; the summary must be byte-identical).
start=$(date +%s.%N)
"$bin" run scenarios/peer-simple.yaml --customers "$customers" --days "$days" --workers 1 --output "$out" --quiet >/dev/null
end=$(date +%s.%N)
cores=$(nproc)
"$bin" run scenarios/peer-simple.yaml --customers "$customers" --days "$days" --workers "$cores" --output "$out/all-cores" --quiet >/dev/null
end_all=$(date +%s.%N)
python3 scripts/simpy_peer_model.py "$customers" "$days" 11 > "$out/simpy.json"

python3 - "$out" "$customers" "$(echo "$end - $start" | bc)" "$(echo "$end_all - $end" | bc)" "$cores" <<'PY'
import glob, json, math, sys
out, customers, journeysim_process = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
all_cores_process, cores = float(sys.argv[4]), int(sys.argv[5])
run = glob.glob(f"{out}/peer-simple-*")[0]
summary = json.load(open(f"{run}/summary.json"))
performance = json.load(open(f"{run}/performance.json"))
run_all = glob.glob(f"{out}/all-cores/peer-simple-*")[0]
performance_all = json.load(open(f"{run_all}/performance.json"))
identical = open(f"{run}/summary.json", "rb").read() == open(f"{run_all}/summary.json", "rb").read()
simpy = json.load(open(f"{out}/simpy.json"))
t, m = summary["totals"], summary["messaging"]["totals"]
campaign = next(iter(summary["messaging"]["campaigns"].values()))
ours = {"journeys": t["journeys"], "sessions": t["sessions"], "purchases": t["purchases"],
        "abandoned_carts": t["abandoned_carts"], "reminders_sent": m["messages_delivered"],
        "cart_returns": m["cart_returns"], "revenue": t["revenue"]}
# Per-customer means; the standard error of the difference of two independent means over n
# customers each, with the per-customer spread measured in SimPy (same model, same spread).
rows, agree = [], True
print(f"{'figure (per customer)':24}{'journeysim':>12}{'SimPy':>12}{'diff':>9}{'3 SE':>9}{'rel':>8}  verdict")
for key, total in ours.items():
    a, b = total / customers, simpy["mean"][key]
    se = simpy["sd"][key] * math.sqrt(2 / customers)
    rel = (a - b) / b if b else 0.0
    ok = abs(a - b) <= 3 * se
    agree &= ok
    print(f"{key:24}{a:12.4f}{b:12.4f}{a - b:9.4f}{3 * se:9.4f}{rel:8.1%}  {'agrees' if ok else 'DIFFERS'}")
for name, num, den in [("conversion (purchases / session)", "purchases", "sessions"),
                       ("abandonment (abandoned / (abandoned + purchases))", "abandoned_carts", None)]:
    if den:
        a, b = ours[num] / ours[den], simpy["mean"][num] / simpy["mean"][den]
    else:
        a = ours["abandoned_carts"] / (ours["abandoned_carts"] + ours["purchases"])
        b = simpy["mean"]["abandoned_carts"] / (simpy["mean"]["abandoned_carts"] + simpy["mean"]["purchases"])
    print(f"{name}: journeysim {a:.4f}, SimPy {b:.4f} ({(a - b) / b:+.1%})")
sim_wall, all_wall = performance["wall_seconds"], performance_all["wall_seconds"]
simpy_wall = simpy["wall_seconds"]
print(f"wall, one thread: journeysim {sim_wall:.3f} s simulation ({journeysim_process:.2f} s whole process incl. report), "
      f"SimPy {simpy_wall:.2f} s simulation")
print(f"speed ratio, one thread: {simpy_wall / sim_wall:.0f}x (simulation), "
      f"{simpy_wall / journeysim_process:.0f}x (whole journeysim process)")
print(f"wall, {cores} threads: journeysim {all_wall:.3f} s simulation ({all_cores_process:.2f} s whole process); "
      f"speed ratio {simpy_wall / all_wall:.0f}x (simulation), {simpy_wall / all_cores_process:.0f}x (whole process); "
      f"summary {'identical to' if identical else 'DIFFERS from'} the one-thread run")
print(f"events processed by journeysim: {summary['events_processed']}; campaign terminal states: {m['terminal_states']}")
sys.exit(0 if agree and identical else 1)
PY

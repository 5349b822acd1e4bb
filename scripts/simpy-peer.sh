#!/usr/bin/env bash
# Peer comparison in one run: the same simple journey model (scenarios/peer-simple.yaml) in
# journeysim and in SimPy (scripts/simpy_peer_model.py), on the same customers × days. Reports the
# wall time of both and the speed ratio, and checks that the per-customer figures agree.
#
#   scripts/simpy-peer.sh                 # 50,000 customers × 30 days
#   scripts/simpy-peer.sh 20000 30        # customers, days
#
# Exit 0 when every figure agrees, 1 when one does not, 2 on a setup problem.
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

start=$(date +%s.%N)
"$bin" run scenarios/peer-simple.yaml --customers "$customers" --days "$days" --workers 1 --output "$out" --quiet >/dev/null
end=$(date +%s.%N)
python3 scripts/simpy_peer_model.py "$customers" "$days" 11 > "$out/simpy.json"

python3 - "$out" "$customers" "$(echo "$end - $start" | bc)" <<'PY'
import glob, json, math, sys
out, customers, journeysim_process = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
run = glob.glob(f"{out}/peer-simple-*")[0]
summary = json.load(open(f"{run}/summary.json"))
performance = json.load(open(f"{run}/performance.json"))
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
sim_wall = performance["wall_seconds"]
print(f"wall: journeysim {sim_wall:.3f} s simulation ({journeysim_process:.2f} s whole process incl. report), "
      f"SimPy {simpy['wall_seconds']:.2f} s simulation")
print(f"speed ratio: {simpy['wall_seconds'] / sim_wall:.0f}x (simulation), "
      f"{simpy['wall_seconds'] / journeysim_process:.0f}x (whole journeysim process)")
print(f"events processed by journeysim: {summary['events_processed']}; campaign terminal states: {m['terminal_states']}")
sys.exit(0 if agree else 1)
PY

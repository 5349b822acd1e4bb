#!/usr/bin/env bash
# Peer comparison of the rules-based journey model (scenarios/rules-journey.yaml) in journeysim
# and in SimPy (scripts/simpy_rules_model.py), on the same customers × days. Three-way check of
# every figure: journeysim against SimPy, and each against the model's exact expected value (the
# `analytic` section of the SimPy model's JSON). Then the speed: journeysim on one thread against
# SimPy in one process, and journeysim on all cores against SimPy in as many OS processes.
#
#   scripts/simpy-rules.sh                 # 200,000 customers × 60 days
#   scripts/simpy-rules.sh 50000 60        # customers, days
#   JOURNEYSIM_BIN=.build/release/journeysim scripts/simpy-rules.sh   # skip the build
#
# A figure agrees when each difference is within 3 standard errors. The SE of journeysim's mean
# minus SimPy's is sd·sqrt(1/n1 + 1/n2), and of either against the analytic value sd/sqrt(n),
# with SimPy's per-unit sd for both sides (same model, same spread); never below one unit in n,
# the step a mean of n counts moves by (this matters only where the sd is 0: cart adds).
# There are 44 checks (11 figures × journeysim–SimPy, journeysim–analytic, SimPy–analytic, and
# the all-processes SimPy run–analytic), each failing a correct model 0.27% of the time, so up to
# about one in ten inputs gives a false alarm; the seeds are fixed, so a given customers × days
# always gives the same verdict (a failure that moves with the inputs is noise, one that stays
# is a real difference).
#
# Exit 0 when every figure agrees and the all-core journeysim summary equals the one-thread
# one, 1 when not, 2 on a setup problem (SimPy missing, no binary, a run failed, a key missing).
set -euo pipefail
cd "$(dirname "$0")/.."
customers="${1:-200000}"
days="${2:-60}"
seed=11                                   # SimPy's seed; journeysim's is the scenario's
scenario=scenarios/rules-journey.yaml
cores=$(nproc)

[[ -f "$scenario" ]] || { echo "simpy-rules: $scenario is missing" >&2; exit 2; }
python3 -c 'import simpy' 2>/dev/null || python3 -m pip install --quiet simpy || {
    echo "simpy-rules: cannot install SimPy (pip install simpy)" >&2; exit 2; }
# JOURNEYSIM_BIN: an already built release binary (skips the build).
bin="${JOURNEYSIM_BIN:-}"
if [[ -z "$bin" ]]; then
    swift build -c release --product journeysim >&2 || { echo "simpy-rules: the release build failed" >&2; exit 2; }
    bin="$(swift build -c release --show-bin-path)/journeysim"
fi
[[ -x "$bin" ]] || { echo "simpy-rules: $bin is not an executable" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

now() { date +%s.%N; }

# run_journeysim WORKERS FOLDER: one run into FOLDER; --quiet prints the run's folder, kept in
# FOLDER.stdout for the comparison to find summary.json and performance.json.
run_journeysim() {
    mkdir -p "$2"
    "$bin" run "$scenario" --customers "$customers" --days "$days" --workers "$1" --output "$2" --quiet \
        > "$2.stdout" || { echo "simpy-rules: journeysim failed with --workers $1" >&2; exit 2; }
}

# run_simpy PROCESSES FILE: the SimPy model split over PROCESSES OS processes, its JSON into FILE.
run_simpy() {
    python3 scripts/simpy_rules_model.py "$customers" "$days" "$seed" --processes "$1" > "$2" || {
        echo "simpy-rules: the SimPy model failed with --processes $1" >&2; exit 2; }
}

# One thread (like for like with SimPy in one process), then all cores (the summary must be
# byte-identical); SimPy in one process, then in one per core. Each timed as a whole process.
t0=$(now); run_journeysim 1 "$out/one-thread"
t1=$(now); run_journeysim "$cores" "$out/all-cores"
t2=$(now); run_simpy 1 "$out/simpy-1.json"
t3=$(now); run_simpy "$cores" "$out/simpy-all.json"
t4=$(now)

python3 - "$out" "$customers" "$days" "$cores" "$t0" "$t1" "$t2" "$t3" "$t4" <<'PY'
import glob, json, math, os, sys

out, customers, days, cores = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
t0, t1, t2, t3, t4 = map(float, sys.argv[5:10])


def setup_problem(message):
    print(f"simpy-rules: {message}", file=sys.stderr)
    sys.exit(2)


def run_folder(base):
    """The run's folder: the path journeysim printed, else the one folder under base with a summary."""
    printed = [line.strip() for line in open(f"{base}.stdout") if line.strip()]
    if printed and os.path.isfile(os.path.join(printed[-1], "summary.json")):
        return printed[-1]
    found = [os.path.dirname(p) for p in glob.glob(f"{base}/*/summary.json")]
    if len(found) != 1:
        setup_problem(f"expected one results folder with summary.json under {base}, found {len(found)}")
    return found[0]


def key(tree, path):
    """tree[a][b]… for path 'a.b…'; a missing key is a setup problem (the summary's shape changed)."""
    node = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            setup_problem(f"summary.json has no {path} (missing at {part!r})")
        node = node[part]
    return node


one, every = run_folder(f"{out}/one-thread"), run_folder(f"{out}/all-cores")
summary = json.load(open(f"{one}/summary.json"))
performance = json.load(open(f"{one}/performance.json"))
performance_all = json.load(open(f"{every}/performance.json"))
identical = open(f"{one}/summary.json", "rb").read() == open(f"{every}/summary.json", "rb").read()
simpy = json.load(open(f"{out}/simpy-1.json"))
simpy_all = json.load(open(f"{out}/simpy-all.json"))
if key(summary, "scenario.customers") != customers:
    setup_problem(f"journeysim simulated {summary['scenario']['customers']} customers, not {customers}")

# journeysim's figures: (figure, group, value, units it is a mean over). Population totals give
# per-customer means over all customers; the campaign's exposures and conversions give the rates
# per abandoned cart and per exposure (each customer abandons and is exposed at most once).
C = customers
abandons = key(summary, "totals.abandoned_carts")
treated, held = key(summary, "messaging.campaigns.reminder.treatment"), key(summary, "messaging.campaigns.reminder.control")
t_exp, c_exp = key(treated, "exposures"), key(held, "exposures")
t_conv, c_conv = key(treated, "conversions"), key(held, "conversions")
exposures = t_exp + c_exp
ours = [
    ("sessions", "all", key(summary, "totals.sessions") / C, C),
    ("cart_adds", "all", key(summary, "totals.cart_adds") / C, C),
    ("abandoned_carts", "all", abandons / C, C),
    ("purchases", "all", key(summary, "totals.purchases") / C, C),
    ("came_back", "all", key(summary, "journey.events.came_back") / C, C),
    ("recovered", "all", key(summary, "journey.events.recovered") / C, C),
    ("reminders_sent", "all", t_exp / C, C),
    ("exposures_per_abandon", "all", exposures / abandons if abandons else math.nan, abandons),
    ("control_share_of_exposures", "all", c_exp / exposures if exposures else math.nan, exposures),
    ("conversion_rate", "control", c_conv / c_exp if c_exp else math.nan, c_exp),
    ("conversion_rate", "treatment", t_conv / t_exp if t_exp else math.nan, t_exp),
]


def within(diff, sd, *ns):
    """|diff| ≤ 3 SE of a mean over each n (one n: against a fixed value); the tolerance is at
    least one unit in the smallest n. Returns (agrees, tolerance)."""
    if any(n <= 0 for n in ns) or math.isnan(diff):
        return False, math.nan
    tolerance = max(3 * sd * math.sqrt(sum(1 / n for n in ns)), 1 / min(ns))
    return abs(diff) <= tolerance, tolerance


agree = True
failures_all = []
print(f"{customers:,} customers × {days:g} days; SimPy seed {simpy['seed']}; "
      f"control group {key(summary, 'messaging.campaigns.reminder.control.exposures')} of {exposures} exposures")
print(f"{'figure':27}{'group':10}{'journeysim':>11}{'SimPy':>11}{'analytic':>11}"
      f"{'|js-SimPy|':>12}{'3SE':>9}{'|js-an|':>10}{'3SE':>9}{'|SimPy-an|':>11}{'3SE':>9}  verdict")
for name, group, value, n in ours:
    figure, truth = simpy["figures"][name][group], simpy["analytic"][name][group]
    mean, sd, n_simpy = figure["mean"], figure["sd"], figure["n"]
    ok_peer, tol_peer = within(value - mean, sd, n, n_simpy)
    ok_ours, tol_ours = within(value - truth, sd, n)
    ok_simpy, tol_simpy = within(mean - truth, sd, n_simpy)
    # The all-processes SimPy run (another sample) must also sit within 3 SE of the truth.
    other = simpy_all["figures"][name][group]
    ok_all, _ = within(other["mean"] - truth, other["sd"], other["n"])
    if not ok_all:
        failures_all.append(f"{name}/{group} {other['mean']:.5f}")
    ok = ok_peer and ok_ours and ok_simpy and ok_all
    agree &= ok
    print(f"{name:27}{group:10}{value:11.5f}{mean:11.5f}{truth:11.5f}"
          f"{abs(value - mean):12.5f}{tol_peer:9.5f}{abs(value - truth):10.5f}{tol_ours:9.5f}"
          f"{abs(mean - truth):11.5f}{tol_simpy:9.5f}  {'agrees' if ok else 'DIFFERS'}")
print(f"SimPy on {simpy_all['processes']} processes against the analytic values: "
      + ("every figure within 3 SE" if not failures_all else "OUTSIDE 3 SE: " + ", ".join(failures_all)))

# Speed. journeysim's wall_seconds covers building the population and simulating it (not the
# report), SimPy's creating the customers and simulating them (not the import): like for like.
# The whole-process times include start-up, SimPy's import and statistics, journeysim's files.
customer_days = customers * days


def line(label, seconds, process_seconds, note=""):
    print(f"  {label:34}{seconds:9.3f} s{customer_days / seconds:14,.0f} customer-days/s"
          f"   (whole process {process_seconds:.2f} s){note}")


js1, jsn = performance["wall_seconds"], performance_all["wall_seconds"]
sp1, spn = simpy["wall_seconds"], simpy_all["wall_seconds"]
print("speed (population + simulation):")
line("journeysim, 1 thread", js1, t1 - t0, f"; simulation alone {performance['customer_days_per_second']:,.0f}/s")
line(f"journeysim, {performance_all['workers']} threads", jsn, t2 - t1,
     "; RE-RAN ON ONE THREAD (a shared limit bound)" if performance_all.get("reran_on_one_thread") else "")
line("SimPy, 1 process", sp1, t3 - t2)
line(f"SimPy, {simpy_all['processes']} processes", spn, t4 - t3)


def times(ratio):
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.1f}x"


print(f"speed ratio, one core: journeysim {times(sp1 / js1)} SimPy's customer-days/s "
      f"({times((t3 - t2) / (t1 - t0))} as whole processes)")
print(f"speed ratio, {cores} cores: journeysim {times(spn / jsn)} SimPy's customer-days/s "
      f"({times((t4 - t3) / (t2 - t1))} as whole processes)")
print(f"scaling 1 -> {cores}: journeysim {js1 / jsn:.2f}x, SimPy {sp1 / spn:.2f}x")
print(f"events processed by journeysim: {summary.get('events_processed')}; all-core summary "
      f"{'identical to' if identical else 'DIFFERS from'} the one-thread run")
sys.exit(0 if agree and identical else 1)
PY

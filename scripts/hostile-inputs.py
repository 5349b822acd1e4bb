#!/usr/bin/env python3
"""Tries journeysim with hostile inputs by kind, as a new user (or an attacker) would, and tables
what happened.

    scripts/hostile-inputs.py [--binary .build/debug/journeysim] [--markdown OUT.md]

Each case is a command line, maybe with files it writes first. Its outcome is one of:
  clean error   a non-zero exit below 128 (2 for bad input, 64 for the argument parser's own
                usage errors, 1 for a failed load), within the time limit, an "error:" line on
                stderr, and stderr under 2,000 characters
  accepted      exit 0 where the input is valid (e.g. a real leap day)
  BAD           anything else: a signal (crash), a time-out (hang), exit 0 on bad input, a
                stack trace, an over-long message, or a password or device touched
Exits 1 if any case is BAD. Only 127.0.0.1 is contacted; every command has a time limit.
"""
import argparse
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMALL = ["--customers", "50", "--days", "1", "--quiet"]
BASE = "population:\n  customers: 50\nduration: 1d\n"
CAMPAIGN = "campaigns:\n  - name: c\n    trigger: { event: add_to_cart }\n"


def flow(steps):
    return BASE + CAMPAIGN + "    steps:\n" + "".join("      - " + s + "\n" for s in steps)


def cases():
    """(kind, label, files {name: text or bytes}, argv, expect) with expect 'error' or 'ok'."""
    out = []

    def add(kind, label, argv, files=None, expect="error"):
        out.append((kind, label, files or {}, argv, expect))

    # Syntax and encoding.
    for label, text in [
        ("truncated mapping", b"population:\n  customers: 5"[:18]),
        ("binary bytes", bytes(range(256))),
        ("invalid UTF-8", b"population:\n  customers: \xff\xfe\n"),
        ("tab indentation", b"population:\n\tcustomers: 5\n"),
        ("unclosed quote", b'name: "abc\npopulation: { customers: 5 }\n'),
        ("unclosed flow", b"population: { customers: 5\n"),
        ("200 nested lists", b"x: " + b"[" * 200 + b"]" * 200 + b"\n"),
        ("5000 nested dashes", b"- " * 5000 + b"x\n"),
        ("empty file", b""),
        ("only a comment", b"# nothing\n"),
        ("a list at the top", b"- a\n- b\n"),
        ("a scalar at the top", b"42\n"),
        ("NUL in a key", b"popu\x00lation: {}\n"),
        ("undefined alias", b"population: *nope\n"),
    ]:
        add("syntax and encoding", label, ["validate", "s.yaml"], {"s.yaml": text})
    # Impossible values.
    for label, text in [
        ("negative customers", BASE.replace("customers: 50", "customers: -5")),
        ("customers 1e308", BASE.replace("customers: 50", "customers: 1e308")),
        ("customers as text", BASE.replace("customers: 50", "customers: many")),
        ("duration NaN", BASE.replace("duration: 1d", "duration: .nan")),
        ("duration -1d", BASE.replace("duration: 1d", "duration: -1d")),
        ("duration 10000d", BASE.replace("duration: 1d", "duration: 10000d")),
        ("archetype shares sum 1.5", BASE.replace("customers: 50\n", "customers: 50\n  archetypes: { routine: 1, joyride: 0.5 }\n")),
        ("unknown time zone", BASE.replace("customers: 50\n", "customers: 50\n  time_zones: { Mars/Olympus: 1 }\n")),
        ("seed -1", BASE + "seed: -1\n"),
        ("control group 150%", BASE + CAMPAIGN + "    content: { template: t }\n    control_group: 1.5\n"),
        ("filter on unknown field", BASE + CAMPAIGN.replace("{ event: add_to_cart }", "{ event: add_to_cart, filters: [\"colour == red\"] }") + "    content: { template: t }\n"),
        ("delivery window 25:00", BASE + CAMPAIGN + "    content: { template: t }\n    delivery_window: { start: \"09:00\", end: \"25:00\" }\n"),
        ("cap limit 0", BASE + "frequency_caps:\n  - { limit: 0, per: 1d }\n"),
    ]:
        add("impossible values", label, ["validate", "s.yaml"], {"s.yaml": text})
    # Calendar.
    for date in ["2026-02-30", "2026-04-31", "2027-02-29", "2026-13-01", "2026-03-02T24:00:00Z", "2026-03-02T08:00:00", "26-03-02"]:
        add("calendar dates", "start " + date, ["validate", "s.yaml"], {"s.yaml": 'start: "%s"\n' % date + BASE})
        add("calendar dates", "campaign end " + date, ["validate", "s.yaml"],
            {"s.yaml": BASE + CAMPAIGN + '    content: { template: t }\n    end: "%s"\n' % date})
    for date in ["2028-02-29", "2026-03-02T08:00:00+05:30"]:
        add("calendar dates", "start " + date + " (real)", ["validate", "s.yaml"], {"s.yaml": 'start: "%s"\n' % date + BASE}, "ok")
    # Flows as graphs.
    for label, steps in [
        ("branch loop at one instant", ["{ id: a, message: { template: hi }, then: b }",
                                        "{ id: b, branch: { on: cart_value, cases: [ { when: \"> 1\", goto: a } ], otherwise: end } }"]),
        ("self loop of a branch", ["{ id: a, branch: { on: stars, cases: [ { when: \"<= 3\", goto: a } ], otherwise: end } }"]),
        ("zero delay loop", ["{ id: a, delay: 0s, then: a }"]),
        ("1 ms message loop", ["{ id: a, message: { template: hi, delay: 1ms }, then: a }"]),
        ("10 min polling wait", ["{ id: w, wait: { event: purchase, timeout: 10m, on_event: end, on_timeout: w } }"]),
        ("goto an unknown step", ["{ id: a, message: { template: hi }, then: nowhere }"]),
        ("201 steps", ["{ delay: 1h }"] * 201),
        ("a step with two actions", ["{ delay: 1h, message: { template: hi } }"]),
    ]:
        add("flows as graphs", label, ["run", "s.yaml"] + SMALL, {"s.yaml": flow(steps)})
    add("flows as graphs", "hourly reminder loop (bounded)", ["run", "s.yaml"] + SMALL,
        {"s.yaml": flow(["{ id: a, message: { template: hi, delay: 1h }, then: a }"])}, "ok")
    # Sizes.
    bomb = "frequency_caps: &l0 [{ limit: 1, per: 1d }]\n"
    lines = ["population: { customers: 50 }", "campaigns:"]
    lines += ["  - &c%d { name: c%d, trigger: { event: view }, content: { template: t } }" % (i, i) for i in range(3)]
    alias_caps = "population: { customers: 50 }\nfrequency_caps: [" + ", ".join(["&a { limit: 1, per: 1d }"] + ["*a"] * 30000) + "]\n"
    nest = "population: { customers: 50 }\nfrequency_caps:\n"
    chain = ["x%d: &x%d [*x%d, *x%d]" % (i, i, i - 1, i - 1) for i in range(1, 25)]
    billion = "x0: &x0 [1]\n" + "\n".join(chain) + "\npopulation: { customers: 5 }\n"
    dup = "population:\n  customers: 50\nbehavior:\n" + "".join("  filler_%d: 1\n" % i for i in range(30000)) + "population: 3\n"
    add("sizes", "30,000 caps through one alias", ["validate", "s.yaml"], {"s.yaml": alias_caps})
    add("sizes", "alias bomb (2^24 values)", ["validate", "s.yaml"], {"s.yaml": billion})
    add("sizes", "duplicate key after 30,000 lines", ["validate", "s.yaml"], {"s.yaml": dup})
    add("sizes", "a 2 MB file", ["validate", "s.yaml"], {"s.yaml": "name: " + "x" * (2 << 20) + "\n"})
    add("sizes", "a 900 KB value", ["validate", "s.yaml"], {"s.yaml": 'start: "' + "9" * 900_000 + '"\n' + BASE})
    add("sizes", "65 caps", ["validate", "s.yaml"], {"s.yaml": BASE + "frequency_caps:\n" + "  - { limit: 255, per: 1h }\n" * 65})
    add("sizes", "a run larger than the memory available", ["run", os.path.join(ROOT, "scenarios/baseline.yaml"), "--customers", "5000000",
                                                             "--quiet"], {"@env": {"JOURNEYSIM_MEMORY_AVAILABLE": str(256 << 20)}})
    add("sizes", "trace limit 10^8 on a small run", ["run", os.path.join(ROOT, "scenarios/abandoned-cart.yaml"), "--trace", "t.jsonl",
                                                     "--trace-limit", "100000000"] + SMALL, expect="ok")
    # Options.
    shipped = os.path.join(ROOT, "scenarios/abandoned-cart.yaml")
    for label, argv in [
        ("--customers 0", ["--customers", "0"]), ("--customers -1", ["--customers", "-1"]),
        ("--customers 10^12", ["--customers", "1000000000000"]), ("--days 0", ["--days", "0"]), ("--days nan", ["--days", "nan"]),
        ("--days 1e9", ["--days", "1e9"]), ("--seed -1", ["--seed", "-1"]), ("--workers 0", ["--workers", "0"]),
        ("--trace-limit 0", ["--trace-limit", "0"]), ("--shard 3/3", ["--shard", "3/3"]), ("--shard 1/0", ["--shard", "1/0"]),
        ("--shard x", ["--shard", "x"]), ("--replications 0", ["--replications", "0"]), ("unknown option", ["--colour", "red"]),
    ]:
        add("command-line options", "run " + label, ["run", shipped, "--quiet"] + argv)
    add("command-line options", "no such scenario", ["run", "missing.yaml"])
    add("command-line options", "a folder as scenario", ["run", ROOT])
    add("command-line options", "compare one strategy", ["compare", shipped] + SMALL)
    add("command-line options", "merge nothing", ["merge", "nope"])
    # Output paths.
    # Devices are nodes made in the case's own folder (see `run_case`): a journeysim that wrongly
    # replaces them replaces only the copy (an older build replaced /dev/null itself).
    for label, trace in [("device", "devnull"), ("the scenario itself", "s.yaml"), ("a folder", "."), ("a symlink", "link"),
                         ("a missing folder", "missing/t.jsonl")]:
        add("output paths", "--trace at " + label, ["run", "s.yaml", "--trace", trace] + SMALL, {"s.yaml": BASE})
    add("output paths", "--output is a file", ["run", "s.yaml", "--output", "s.yaml"] + SMALL, {"s.yaml": BASE})
    add("output paths", "results folder of another run", ["run", "s.yaml", "--customers", "60", "--days", "1", "--quiet"],
        {"s.yaml": BASE, "@prerun": ["run", "s.yaml"] + SMALL})
    add("output paths", "results folder with a stranger's file", ["run", "s.yaml", "--overwrite"] + SMALL,
        {"s.yaml": BASE, "@prerun": ["run", "s.yaml"] + SMALL, "@touch": "results/s-1/notes.txt"})
    add("output paths", "bench --write at a device", ["bench", "--only", "event-loop", "--quick", "--write", "devfull"])
    add("output paths", "init over an existing file", ["init", "s.yaml"], {"s.yaml": BASE})
    # Load targets and thresholds (loopback only).
    dead = free_port()
    for label, target in [("port 99999", "http://127.0.0.1:99999"), ("ftp scheme", "ftp://127.0.0.1:21"), ("no host", "http://:80"),
                          ("fragment", "http://127.0.0.1:8080/#x"), ("spaces", "http://127.0.0.1:80 80"),
                          ("dead port", "http://127.0.0.1:%d" % dead)]:
        add("load targets", label, ["load", shipped, "--target", target, "--days", "1", "--customers", "300", "--duration", "5s",
                                    "--max-attempts", "1"])
    add("load targets", "password in the URL against a dead port", ["load", shipped, "--target", "http://user:s3cr3t-pw@127.0.0.1:%d" % dead,
                                                                     "--days", "1", "--customers", "300", "--duration", "5s",
                                                                     "--max-attempts", "1", "@secret=s3cr3t-pw"])
    for label, threshold in [("error_rate < 200%", "error_rate < 200%"), ("p99 < -1ms", "p99 < -1ms"), ("nonsense", "fast please"),
                             ("error_rate <= 100% (cannot fail)", "error_rate <= 100%"), ("throughput >= nan/s", "throughput >= nan/s")]:
        add("thresholds", label, ["load", shipped, "--mock-server", "--days", "1", "--customers", "100", "--threshold", threshold])
    # Baselines.
    for label, text in [("empty list", "[]"), ("empty object", "{}"), ("not JSON", "nope"), ("no samples", '[{"name": "x", "unit": "y"}]')]:
        add("benchmark baselines", label, ["bench", "--only", "event-loop", "--quick", "--compare", "b.json"], {"b.json": text})
    add("benchmark baselines", "missing file", ["bench", "--only", "event-loop", "--quick", "--compare", "nope.json"])
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_case(binary, case, timeout):
    kind, label, files, argv, expect = case
    folder = tempfile.mkdtemp(prefix="journeysim-hostile-")
    try:
        secret = None
        argv = list(argv)
        if argv and argv[-1].startswith("@secret="):
            secret = argv.pop()[len("@secret="):]
        for name, text in files.items():
            if name.startswith("@"):
                continue
            with open(os.path.join(folder, name), "wb") as f:
                f.write(text if isinstance(text, bytes) else text.encode())
        if "link" in argv:
            os.symlink("s.yaml", os.path.join(folder, "link"))
        for name, minor in (("devnull", 3), ("devfull", 7)):
            if name in argv:
                try:
                    os.mknod(os.path.join(folder, name), 0o666 | stat.S_IFCHR, os.makedev(1, minor))
                except PermissionError:
                    return "skipped", "making a device node needs root"
        if "@prerun" in files:
            subprocess.run([binary] + files["@prerun"], cwd=folder, capture_output=True, timeout=timeout)
        if "@touch" in files:
            with open(os.path.join(folder, files["@touch"]), "w") as f:
                f.write("mine")
        before = {n: open(os.path.join(folder, n), "rb").read() for n in files if not n.startswith("@")}
        try:
            env = dict(os.environ, **files.get("@env", {}))
            done = subprocess.run([binary] + argv, cwd=folder, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, env=env)
        except subprocess.TimeoutExpired:
            return "BAD", "time-out after %d s" % timeout
        err = done.stderr.decode("utf-8", "replace")
        out = done.stdout.decode("utf-8", "replace")
        if done.returncode < 0 or done.returncode >= 128:
            return "BAD", "signal / exit %d: %s" % (done.returncode, err[-300:])
        if "Fatal error" in err or "Stack dump" in err or "Current stack trace" in err:
            return "BAD", "stack trace: " + err[:300]
        if secret and (secret in err or secret in out or any(secret in open(os.path.join(dp, f), errors="replace").read()
                                                               for dp, _, fs in os.walk(folder) for f in fs)):
            return "BAD", "the password was printed or written"
        for name, data in before.items():
            if name != "b.json" and open(os.path.join(folder, name), "rb").read() != data and expect == "error":
                return "BAD", "%s was changed" % name
        if expect == "ok":
            return ("accepted", "") if done.returncode == 0 else ("BAD", "refused a valid input: " + err[:300])
        if done.returncode == 0:
            return "BAD", "exit 0 on bad input: " + (out + err)[:300]
        if len(err) > 2000:
            return "BAD", "a %d-character message" % len(err)
        if "error:" not in err.lower():
            return "BAD", "no error line: " + err[:300]
        return "clean error", err.strip().splitlines()[0][:160]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/journeysim"))
    parser.add_argument("--markdown")
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    table = {}
    bad = []
    for case in cases():
        outcome, detail = run_case(args.binary, case, args.timeout)
        row = table.setdefault(case[0], {"cases": 0, "clean error": 0, "accepted": 0, "BAD": 0, "skipped": 0})
        row["cases"] += 1
        row[outcome] += 1
        if outcome == "BAD":
            bad.append((case[0], case[1], detail))
        if args.verbose or outcome == "BAD":
            print("%-22s %-45s %-12s %s" % (case[0], case[1], outcome, detail), flush=True)
    lines = ["| kind | cases | clean errors | accepted (valid) | bad outcomes |", "|---|---|---|---|---|"]
    for kind, row in table.items():
        lines.append("| %s | %d | %d | %d | %d |" % (kind, row["cases"], row["clean error"], row["accepted"], row["BAD"]))
    total = {k: sum(r[k] for r in table.values()) for k in ("cases", "clean error", "accepted", "BAD")}
    lines.append("| **all** | %d | %d | %d | %d |" % (total["cases"], total["clean error"], total["accepted"], total["BAD"]))
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

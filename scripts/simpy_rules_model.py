#!/usr/bin/env python3
"""The rules-based journey model of scenarios/rules-journey.yaml written for SimPy, for a peer comparison.

Time is in hours; every customer starts at t = 0 and is independent of every other.

- Sessions: a customer waits Exp(mean G = 24 h) for a session (zero duration). In it they add to
  the cart with probability p = 0.3; otherwise the session ends and they wait another Exp(G).
- After the cart add they buy at once with probability q = 0.4 (done: no more sessions).
  Otherwise the session ends with a full cart: an abandoned cart.
- On the abandon, with probability r = 0.25 they come back on their own after Exp(mean R = 6 h)
  and buy (custom event `came_back`, then a purchase; done). Otherwise they sit in state
  `abandoned` for 10 days and are then lost (done).
- Campaign `reminder`: the abandon (a session ending with a cart value > 0) triggers one SMS
  D = 1 h later, cancelled if the customer has bought before it is sent (exception event
  `purchase`). 10% of customers are a control group: at the send they are counted as exposed but
  get nothing. Delivery is immediate and never fails; a delivered SMS is opened with probability
  o = 0.5 and, if opened, clicked with probability c = 0.6, both at delivery. No fatigue, no
  opt-outs.
- A click while the customer is in state `abandoned` (not while they wait for their own return)
  brings them back with probability s = 0.5 after Exp(mean S = 2 h): custom event `recovered`,
  then a purchase (done). Clicks in any other state do nothing.
- Campaign conversion: a purchase within 20 days after the exposure (the send, or for the
  control group the instant the send would have happened).

Usage: simpy_rules_model.py CUSTOMERS DAYS SEED [--processes N]

With --processes N the customers are split into N contiguous parts, each simulated in its own
SimPy environment in its own OS process (customers are independent, so this is the same model);
the per-customer records are then combined. Each part has its own random stream, seeded from
SEED and the part's index, so runs with different N differ by sampling noise only.

Prints one JSON object: `customers`, `days`, `seed`, `processes`, `wall_seconds` (the simulation,
including creating the customers and, with N > 1, starting the processes and collecting their
records; not the import of SimPy), `part_wall_seconds`, `figures` (for each figure and group:
`mean`, `sd` over the figure's units, `n` units) and `analytic` (each figure's exact expected
value per group). Groups are `treatment`, `control` and `all`. The figures:

  per customer (unit: a customer of the group): sessions, cart_adds, abandoned_carts, came_back,
      exposures (reminder sent or held out), reminders_sent, recovered, purchases
  exposures_per_abandon (unit: a customer who abandoned a cart; at most one abandon each)
  control_share_of_exposures (unit: an exposed customer; group `all` only)
  conversion_rate (unit: an exposed customer; converted within the window or not)
"""
import argparse
import json
import math
import multiprocessing
import random
import sys
import time

import simpy

HOUR = 1.0
DAY = 24 * HOUR
P = dict(
    session_gap=24 * HOUR,        # G: mean wait for the next session
    cart=0.3,                     # p: a session adds to the cart
    buy=0.4,                      # q: a cart add is bought at once
    come_back=0.25,               # r: an abandoner comes back on their own ...
    come_back_delay=6 * HOUR,     # R: ... after Exp(R)
    abandoned_for=10 * DAY,       # then lost
    reminder_delay=1 * HOUR,      # D: the SMS goes out D after the abandon
    control=0.10,                 # share of customers held out of the campaign
    open=0.5,                     # o: a delivered SMS is opened
    click=0.6,                    # c: an opened SMS is clicked
    recover=0.5,                  # s: a click in state `abandoned` brings the customer back ...
    recover_delay=2 * HOUR,       # S: ... after Exp(S)
    conversion_window=20 * DAY,   # a purchase this long after the exposure converts
)

# One record per customer, in this order (all small integers, 0/1 except sessions and purchases).
FIELDS = ("control", "sessions", "cart_adds", "abandoned_carts", "came_back", "exposures",
          "reminders_sent", "recovered", "purchases", "converted")
PER_CUSTOMER = ("sessions", "cart_adds", "abandoned_carts", "came_back", "exposures", "reminders_sent",
                "recovered", "purchases")
GROUPS = ("treatment", "control", "all")


class Customer:
    """One customer's journey process and the reminder process its abandon starts."""

    __slots__ = ("env", "rng", "control", "state", "purchased", "exposed_at", "process",
                 "sessions", "cart_adds", "abandoned_carts", "came_back", "exposures",
                 "reminders_sent", "recovered", "purchases", "converted")

    def __init__(self, env, rng):
        self.env, self.rng = env, rng
        self.control = rng.random() < P["control"]   # journeysim: a hash of the customer id
        self.state = "browsing"
        self.purchased = False
        self.exposed_at = None                        # time of the (real or held-out) send
        self.sessions = self.cart_adds = self.abandoned_carts = self.came_back = 0
        self.exposures = self.reminders_sent = self.recovered = self.purchases = self.converted = 0
        self.process = env.process(self.journey())

    def expo(self, mean):
        return self.rng.expovariate(1.0 / mean)

    def record(self):
        return (int(self.control), self.sessions, self.cart_adds, self.abandoned_carts, self.came_back,
                self.exposures, self.reminders_sent, self.recovered, self.purchases, self.converted)

    def journey(self):
        env, rng = self.env, self.rng
        # Sessions until one adds to the cart.
        while True:
            yield env.timeout(self.expo(P["session_gap"]))
            self.sessions += 1
            if rng.random() < P["cart"]:
                break
        self.cart_adds += 1
        if rng.random() < P["buy"]:
            self.purchase()
            return
        # The session ends with a full cart: an abandon, which triggers the reminder.
        self.abandoned_carts += 1
        env.process(self.reminder())
        if rng.random() < P["come_back"]:
            self.state = "coming back"
            yield env.timeout(self.expo(P["come_back_delay"]))
            self.came_back += 1
            self.purchase()
            return
        self.state = "abandoned"
        try:
            yield env.timeout(P["abandoned_for"])
            self.state = "lost"
        except simpy.Interrupt:                       # a click that brings the customer back
            self.state = "recovering"
            yield env.timeout(self.expo(P["recover_delay"]))
            self.recovered += 1
            self.purchase()

    def reminder(self):
        env, rng = self.env, self.rng
        yield env.timeout(P["reminder_delay"])
        if self.purchased:                            # exception event: cancelled before the send
            return
        self.exposures += 1
        self.exposed_at = env.now
        if self.control:                              # held out: exposed, but nothing is sent
            return
        self.reminders_sent += 1
        # Delivered at once; opened, then clicked, at delivery.
        if rng.random() < P["open"] and rng.random() < P["click"]:
            if self.state == "abandoned" and rng.random() < P["recover"]:
                self.process.interrupt("recovered")

    def purchase(self):
        self.purchases += 1
        self.purchased = True
        self.state = "bought"
        if self.exposed_at is not None and self.env.now - self.exposed_at <= P["conversion_window"]:
            self.converted = 1


def simulate_part(task):
    """Simulates `count` customers in one environment; returns their records and the wall time."""
    count, days, seed, part = task
    started = time.perf_counter()
    env = simpy.Environment()
    rng = random.Random(f"{seed}/{part}")
    population = [Customer(env, rng) for _ in range(count)]
    env.run(until=days * DAY)
    records = [c.record() for c in population]
    return records, time.perf_counter() - started


def split(customers, processes):
    """Contiguous part sizes, as equal as possible."""
    base, extra = divmod(customers, processes)
    return [base + (1 if i < extra else 0) for i in range(processes)]


def summarise(values):
    n = len(values)
    if n == 0:
        return {"mean": None, "sd": None, "n": 0}
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "sd": sd, "n": n}


def figures(records):
    """Each figure's mean, per-unit sample sd and unit count, per group."""
    col = {name: i for i, name in enumerate(FIELDS)}
    members = {"treatment": [r for r in records if not r[col["control"]]],
               "control": [r for r in records if r[col["control"]]],
               "all": records}
    out = {}
    for name in PER_CUSTOMER:
        out[name] = {g: summarise([r[col[name]] for r in members[g]]) for g in GROUPS}
    out["exposures_per_abandon"] = {
        g: summarise([r[col["exposures"]] for r in members[g] if r[col["abandoned_carts"]]]) for g in GROUPS}
    out["control_share_of_exposures"] = {
        "all": summarise([r[col["control"]] for r in records if r[col["exposures"]]])}
    out["conversion_rate"] = {
        g: summarise([r[col["converted"]] for r in members[g] if r[col["exposures"]]]) for g in GROUPS}
    return out


def analytic(days):
    """The exact expected value of every figure, per group, from the model's parameters.

    F = 1 - e^{-pH/G} is the chance that the cart add happens within the horizon H; it makes
    sessions (F/p) and cart adds (F) exact, and is applied to every per-customer figure: what
    follows a cart add takes hours, so the truncation left over is smaller than e^{-pH/G} (about
    e^{-18} at 60 days) times a few hours over G.
    """
    G, p, q, r, R = P["session_gap"], P["cart"], P["buy"], P["come_back"], P["come_back_delay"]
    D, o, c, s, S, W = (P["reminder_delay"], P["open"], P["click"], P["recover"], P["recover_delay"],
                        P["conversion_window"])
    k = P["control"]
    F = 1 - math.exp(-p * days * DAY / G)
    # Given an abandon: the send happens unless the customer came back (and bought) within D.
    late_return = r * math.exp(-D / R)                # comes back on their own, after the send
    exposed = (1 - r) + late_return                   # P(exposure | abandon), both groups
    recovered = (1 - q) * (1 - r) * o * c * s         # per treatment customer
    per_customer = {
        "sessions": (F / p, F / p),                   # (treatment, control)
        "cart_adds": (F, F),
        "abandoned_carts": (F * (1 - q), F * (1 - q)),
        "came_back": (F * (1 - q) * r, F * (1 - q) * r),
        "exposures": (F * (1 - q) * exposed, F * (1 - q) * exposed),
        "reminders_sent": (F * (1 - q) * exposed, 0.0),
        "recovered": (F * recovered, 0.0),
        "purchases": (F * (q + (1 - q) * r + recovered), F * (q + (1 - q) * r)),
    }
    out = {name: {"treatment": t, "control": ctl, "all": (1 - k) * t + k * ctl}
           for name, (t, ctl) in per_customer.items()}
    out["exposures_per_abandon"] = {g: exposed for g in GROUPS}
    out["control_share_of_exposures"] = {"all": k}
    # Given an exposure (memoryless waits restart at the send): control converts only by coming
    # back on their own within the window; treatment also by a click that recovers them, whose
    # return lands within the window unless Exp(S) is longer than W.
    own = late_return * (1 - math.exp(-W / R)) / exposed
    clicked = (1 - r) * o * c * s * (1 - math.exp(-W / S)) / exposed
    out["conversion_rate"] = {"treatment": own + clicked, "control": own, "all": own + (1 - k) * clicked}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("customers", type=int, nargs="?", default=200_000)
    parser.add_argument("days", type=float, nargs="?", default=60.0)
    parser.add_argument("seed", type=int, nargs="?", default=11)
    parser.add_argument("--processes", type=int, default=1, help="OS processes to split the customers over")
    args = parser.parse_args()
    if args.customers < 1 or args.days <= 0 or args.processes < 1:
        parser.error("customers and --processes must be at least 1, days above 0")
    processes = min(args.processes, args.customers)
    tasks = [(count, args.days, args.seed, part) for part, count in enumerate(split(args.customers, processes))]

    started = time.perf_counter()
    if processes == 1:
        results = [simulate_part(tasks[0])]           # in this process: SimPy on one core
    else:
        # fork where there is one: the children have SimPy imported already.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        with context.Pool(processes) as pool:
            results = pool.map(simulate_part, tasks, chunksize=1)
    records = [record for part, _ in results for record in part]
    wall = time.perf_counter() - started

    out = {"customers": args.customers, "days": args.days, "seed": args.seed, "processes": processes,
           "wall_seconds": wall, "part_wall_seconds": [w for _, w in results],
           "figures": figures(records), "analytic": analytic(args.days)}
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The journey model of scenarios/peer-simple.yaml written for SimPy, for a peer comparison.

Customers run research -> cart -> checkout sessions; a session that ends with a non-empty cart is
an abandoned cart and triggers a reminder 30 minutes later, cancelled by a purchase before it is
sent; one reminder at a time, and a new one only 1 s or more after the last was sent. A delivered reminder is opened and clicked with fixed probabilities; a click brings a
customer who is not in a session back to the cart (probability 0.55, halving every 24 h since
the abandonment) two minutes later. Mirrors journeysim's Simulator+Journey and
Simulator+Messaging for the features the scenario uses. Prints one JSON object with per-customer
means, their standard deviations and the wall time of the simulation (not of the import).
"""
import json
import math
import random
import sys
import time

import simpy

DAY, HOUR, MINUTE = 86_400.0, 3_600.0, 60.0
P = dict(need_interval=7 * DAY, dormancy=14 * DAY, session_gap=8 * HOUR, step_gap=90.0,
         first_session=1 * HOUR, basket_median=30.0, basket_sigma=0.4, lapse=0.15, abandon_lapse=0.45,
         research=(0.55, 0.25, 0.0, 0.20), cart=(0.45, 0.10, 0.05, 0.40), checkout=(0.75, 0.0, 0.05, 0.20),
         delivery=1 * DAY, max_steps=60, reminder_delay=30 * MINUTE, latency=1.0, reeligibility=1.0,
         open=0.6, click=0.4, cart_return=0.55, return_half_life=24 * HOUR, return_delay=2 * MINUTE)
FIELDS = ("journeys", "sessions", "purchases", "abandoned_carts", "reminders_sent", "reminders_cancelled",
          "clicks", "cart_returns", "revenue")


class Customer:
    def __init__(self, env, rng):
        self.env, self.rng = env, rng
        self.stage, self.cart, self.in_session = "idle", 0.0, False
        self.abandoned_at = -math.inf
        self.reminder = None            # the pending reminder's state dict, if any
        self.eligible_from = -math.inf  # re-eligibility after a reminder was sent
        self.counts = dict.fromkeys(FIELDS, 0)
        self.process = env.process(self.journey())

    def expo(self, mean):
        return self.rng.expovariate(1.0 / mean)

    def journey(self):
        action, delay = "need", self.expo(P["need_interval"])
        while True:
            try:
                yield self.env.timeout(delay)
            except simpy.Interrupt:          # a clicked reminder: back to the cart shortly
                action, delay = "session", P["return_delay"]
                continue
            if action == "need":
                self.stage, self.cart = "research", 0.0
                self.counts["journeys"] += 1
                action, delay = "session", self.expo(P["first_session"])
            elif action == "session":
                action, delay = yield from self.session()
            elif action == "delivery":
                self.stage = "using"
                action, delay = "need", self.expo(P["need_interval"])

    def session(self):
        self.in_session = True
        self.counts["sessions"] += 1
        steps = 0
        while True:
            yield self.env.timeout(self.expo(P["step_gap"]))
            steps += 1
            if steps > P["max_steps"] or self.stage not in ("research", "cart", "checkout"):
                return self.end_session()
            advance, stay, back, _ = P[self.stage]
            u = self.rng.random()
            if u < advance:
                outcome = 0
            elif u < advance + stay:
                outcome = 1
            elif u < advance + stay + back:
                outcome = 2
            else:
                outcome = 3
            if outcome == 3:
                return self.end_session()
            if self.stage == "research":
                if outcome == 0:
                    self.add_to_cart()
            elif self.stage == "cart":
                if outcome == 0:
                    self.stage = "checkout"
                elif outcome == 1:
                    self.add_to_cart()
                else:
                    self.stage = "research"
            else:  # checkout
                if outcome == 0:
                    return self.purchase()
                self.stage = "research"

    def add_to_cart(self):
        self.cart += round(self.rng.lognormvariate(math.log(P["basket_median"]), P["basket_sigma"]), 2)
        self.stage = "cart"

    def purchase(self):
        self.counts["purchases"] += 1
        self.counts["revenue"] += self.cart
        self.cart, self.stage, self.in_session = 0.0, "purchased", False
        if self.reminder is not None:      # exception event: the pending reminder is cancelled
            self.reminder["cancelled"] = True
            self.reminder = None
            self.counts["reminders_cancelled"] += 1
        return "delivery", self.expo(P["delivery"])

    def end_session(self):
        abandoned = self.cart > 0
        self.in_session = False
        if abandoned:
            self.abandoned_at = self.env.now
            self.counts["abandoned_carts"] += 1
            if self.reminder is None and self.env.now >= self.eligible_from:
                self.reminder = {"cancelled": False}
                self.env.process(self.remind(self.reminder))
        if self.rng.random() < (P["abandon_lapse"] if abandoned else P["lapse"]):
            self.stage = "dormant"
            return "need", self.expo(P["dormancy"])
        return "session", self.expo(P["session_gap"])

    def remind(self, reminder):
        yield self.env.timeout(P["reminder_delay"])
        if reminder["cancelled"]:
            return
        self.reminder = None
        self.eligible_from = self.env.now + P["reeligibility"]
        self.counts["reminders_sent"] += 1
        yield self.env.timeout(P["latency"])
        if not (self.rng.random() < P["open"] and self.rng.random() < P["click"]):
            return
        self.counts["clicks"] += 1
        if self.in_session or self.cart <= 0 or self.stage not in ("research", "cart", "checkout", "dormant"):
            return
        since = self.env.now - self.abandoned_at
        if self.rng.random() < P["cart_return"] * 0.5 ** (since / P["return_half_life"]):
            self.counts["cart_returns"] += 1
            if self.stage in ("research", "dormant"):
                self.stage = "cart"
            self.process.interrupt("cart return")


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    days = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    env = simpy.Environment()
    rng = random.Random(seed)
    started = time.perf_counter()
    population = [Customer(env, random.Random(rng.getrandbits(64))) for _ in range(customers)]
    env.run(until=days * DAY)
    wall = time.perf_counter() - started
    out = {"customers": customers, "days": days, "wall_seconds": wall, "mean": {}, "sd": {}}
    for field in FIELDS:
        values = [c.counts[field] for c in population]
        mean = sum(values) / customers
        out["mean"][field] = mean
        out["sd"][field] = math.sqrt(sum((v - mean) ** 2 for v in values) / max(1, customers - 1))
    print(json.dumps(out))


if __name__ == "__main__":
    main()

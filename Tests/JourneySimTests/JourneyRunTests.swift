import Foundation
import Testing

@testable import JourneySim

// Journeys run end to end: per-customer rates against the analytic model, message
// interactions, runaway detection, merging, per-archetype overrides, attributes and
// distributions.

/// Collects, per customer, how often each event kind happened.
struct PerCustomerCounts: EventObserver {
    var counts: [[Int32]]
    init(customers: Int) {
        counts = [[Int32]](repeating: [Int32](repeating: 0, count: EventKind.limit + 1), count: customers)
    }
    mutating func observe(_ event: CustomerEvent) {
        counts[Int(event.customer)][Int(event.kind.rawValue)] += 1
        // The last column: abandoned carts (a session that ended with something in the cart).
        if event.kind == .sessionEnd, event.cartValue > 0 { counts[Int(event.customer)][EventKind.limit] += 1 }
    }

    /// Mean and standard error of one column over all customers.
    func meanAndError(_ column: Int) -> (mean: Double, error: Double) {
        let n = Double(counts.count)
        var sum = 0.0
        var squares = 0.0
        for row in counts {
            let x = Double(row[column])
            sum += x
            squares += x * x
        }
        let mean = sum / n
        let variance = max(0, squares / n - mean * mean) * n / (n - 1)
        return (mean, (variance / n).squareRoot())
    }
}

@Suite struct JourneyAnalyticTests {
    /// `scenarios/rules-journey.yaml` at 200,000 customers: every per-customer rate against its
    /// analytic value, within 3 standard errors (plus one count in n, for rates whose spread is 0).
    @Test func rulesJourneyMatchesItsAnalyticRates() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/rules-journey.yaml").path
        let s = try ScenarioLoader.load(path: path)
        let n = s.population.customers
        #expect(n == 200_000)
        var sim = Simulator(scenario: s, observer: PerCustomerCounts(customers: n))
        let complete = sim.run()
        #expect(complete)
        let p = 0.3
        let q = 0.4
        let r = 0.25
        let o = 0.5
        let c = 0.6
        let sRate = 0.5
        let control = 0.1
        let D = 1.0
        let R = 6.0
        let S = 2.0
        let W = 20 * 24.0
        let exposedPerAbandon = (1 - r) + r * _exp(-D / R)
        let recoveredTreatment = (1 - q) * (1 - r) * o * c * sRate
        let events = s.events
        let cameBack = Int(events.kind(named: "came_back")!.rawValue)
        let recovered = Int(events.kind(named: "recovered")!.rawValue)
        let expected: [(String, Int, Double)] = [
            ("sessions", Int(EventKind.sessionStart.rawValue), 1 / p),
            ("cart adds", Int(EventKind.addToCart.rawValue), 1),
            ("abandoned carts", EventKind.limit, 1 - q),
            ("came back", cameBack, (1 - q) * r),
            ("recovered", recovered, (1 - control) * recoveredTreatment),
            ("purchases", Int(EventKind.purchase.rawValue), q + (1 - q) * r + (1 - control) * recoveredTreatment),
        ]
        for (name, column, value) in expected {
            let (mean, error) = sim.observer.meanAndError(column)
            #expect(abs(mean - value) <= 3 * error + 1 / Double(n), "\(name): \(mean) vs \(value) (SE \(error))")
        }
        // Per exposure: the campaign's groups.
        let summary = RunSummary(record: sim.record(complete: true, digest: ""))
        let campaign = try #require(summary.messaging?.campaigns["reminder"])
        let exposures = campaign.treatment.exposures + campaign.control.exposures
        let abandons = sim.metrics.totals.abandonedCarts
        func check(_ name: String, _ successes: Int, _ trials: Int, _ value: Double) {
            let estimate = Double(successes) / Double(trials)
            let error = (value * (1 - value) / Double(trials)).squareRoot()
            #expect(abs(estimate - value) <= 3 * error, "\(name): \(estimate) vs \(value) (SE \(error), n \(trials))")
        }
        check("exposures per abandoned cart", exposures, abandons, exposedPerAbandon)
        check("control share of exposures", campaign.control.exposures, exposures, control)
        let controlConversion = r * _exp(-D / R) * (1 - _exp(-W / R)) / exposedPerAbandon
        let treatmentConversion = controlConversion + (1 - r) * o * c * sRate * (1 - _exp(-W / S)) / exposedPerAbandon
        check("control conversion", campaign.control.conversions, campaign.control.exposures, controlConversion)
        check("treatment conversion", campaign.treatment.conversions, campaign.treatment.exposures, treatmentConversion)
    }
}

@Suite struct MessageInteractionTests {
    /// A reminder to every customer whose first session ends with a cart (customers buy nothing),
    /// plus the campaigns under test.
    private func run(
        _ campaigns: String, open: Double, click: Double, reply: Double = 0, openDelay: String? = nil,
        reminder: Bool = true
    ) throws -> (Simulator<NoObserver>, Scenario) {
        let s = try scenario(
            plainPopulation + fatigueOff(open: open, click: click, reply: reply, openDelay: openDelay) + """
                journey:
                  processes: { main: wait }
                  states:
                    wait: { wait: { exponential: 12h }, next: session }
                    session: { emit: session_start, next: add }
                    add: { emit: add_to_cart, value: { fixed: 30 }, next: leave }
                    leave: { emit: session_end, end: true }
                campaigns:
                \(reminder ? Self.reminder : "")
                \(campaigns)
                """)
        var sim = Simulator(scenario: s, observer: NoObserver())
        sim.sendLog = []
        sim.run()
        return (sim, s)
    }

    private static let reminder = """
          - name: reminder
            trigger: { event: session_end, filter: [ "cart_value > 0" ] }
            delay: 1h
            channels: [ sms ]
            ignored_after: 4h
            content: { template: reminder }
        """

    private func sends(_ sim: Simulator<NoObserver>, campaign: Int) -> [SentMessage] {
        (sim.sendLog ?? []).filter { Int($0.message.campaign) == campaign }
    }

    @Test func unopenedMessageIsIgnoredExactlyAtTheEndOfItsWindow() throws {
        let (sim, _) = try run(
            """
              - name: fallback
                trigger: { event: message_ignored, filter: [ "campaign == reminder" ] }
                channels: [ sms ]
                content: { template: fallback }
            """, open: 0, click: 0)
        let reminders = sends(sim, campaign: 0)
        let fallbacks = sends(sim, campaign: 1)
        #expect(reminders.count == 2000)
        #expect(fallbacks.count == reminders.count)
        // Delivered 1 s after the send; ignored at delivery + 4 h, to the millisecond, and not before.
        let deliveredAt = Dictionary(
            uniqueKeysWithValues: reminders.map { ($0.message.customer, $0.message.intendedTime + .seconds(1)) })
        for fallback in fallbacks {
            #expect(fallback.message.intendedTime == deliveredAt[fallback.message.customer]! + .hours(4))
        }
        #expect(sim.messaging.ignored == 2000)
    }

    @Test func openedMessageIsNotIgnored() throws {
        let (sim, _) = try run(
            """
              - name: fallback
                trigger: { event: message_ignored }
                channels: [ sms ]
                content: { template: fallback }
            """, open: 1, click: 0)
        #expect(sends(sim, campaign: 0).count == 2000)
        #expect(sends(sim, campaign: 1).isEmpty)
        #expect(sim.messaging.ignored == 0)
    }

    /// The documented rule for a click at the very instant the ignore window ends: the open
    /// (and the click that follows it) came in time, so the message is not ignored, whatever
    /// order the two events take at that instant. One millisecond later, it is ignored.
    @Test func clickRacingTheIgnoreDeadlineCountsAsInTime() throws {
        let racing = """
              - name: on_ignore
                trigger: { event: message_ignored, filter: [ "campaign == reminder" ] }
                channels: [ sms ]
                content: { template: fallback }
              - name: on_click
                trigger: { event: message_clicked, filter: [ "campaign == reminder" ] }
                channels: [ sms ]
                content: { template: thanks }
            """
        let (atDeadline, _) = try run(racing, open: 1, click: 1, openDelay: "{ fixed: 4h }")
        let reminders = sends(atDeadline, campaign: 0)
        #expect(reminders.count == 2000)
        #expect(sends(atDeadline, campaign: 1).isEmpty)
        let clicks = sends(atDeadline, campaign: 2)
        #expect(clicks.count == 2000)
        let deadline = Dictionary(
            uniqueKeysWithValues: reminders.map {
                ($0.message.customer, $0.message.intendedTime + .seconds(1) + .hours(4))
            })
        #expect(clicks.allSatisfy { $0.message.intendedTime == deadline[$0.message.customer]! })
        let (late, _) = try run(racing, open: 1, click: 1, openDelay: "{ fixed: 14400001ms }")
        #expect(sends(late, campaign: 1).count == 2000)
        #expect(sends(late, campaign: 2).count == 2000)
        #expect(sends(late, campaign: 1).allSatisfy { $0.message.intendedTime == deadline[$0.message.customer]! })
        // The same seed decides the same way again.
        let (again, _) = try run(racing, open: 1, click: 1, openDelay: "{ fixed: 4h }")
        #expect(sends(again, campaign: 2).map(\.message.id) == clicks.map(\.message.id))
    }

    @Test func clickCancelsTheDiscountStepAndReplyExits() throws {
        let flow = """
              - name: series
                trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                channels: [ sms ]
                exit_on: [ message_clicked, message_replied ]
                steps:
                  - message: { delay: 2h, template: nudge }
                  - delay: 1d
                  - message: { template: discount, discount_code: SAVE10 }
            """
        // The series alone: exit_on reacts to any click or reply of the customer's, so another
        // campaign's would end it too.
        let (clicked, _) = try run(flow, open: 1, click: 1, reminder: false)
        #expect(sends(clicked, campaign: 0).count == 2000)
        #expect(sends(clicked, campaign: 0).allSatisfy { $0.message.step == 0 })
        let (replied, _) = try run(flow, open: 1, click: 0, reply: 1, reminder: false)
        #expect(sends(replied, campaign: 0).count == 2000)
        #expect(sends(replied, campaign: 0).allSatisfy { $0.message.step == 0 })
        let (ignored, _) = try run(flow, open: 0, click: 0, reminder: false)
        #expect(sends(ignored, campaign: 0).filter { $0.message.step == 2 }.count == 2000)
    }

    @Test func interactionsCarryCampaignAndStep() throws {
        // Only clicks on the reminder's first step trigger; the second campaign's own clicks do not.
        let (sim, _) = try run(
            """
              - name: thanks
                trigger: { event: message_clicked, filter: [ "campaign == reminder", "step == 1", "channel == sms", "template == reminder" ] }
                channels: [ sms ]
                reeligibility: 1s
                content: { template: thanks }
            """, open: 1, click: 1)
        #expect(sends(sim, campaign: 1).count == 2000)
    }

    @Test func customEventTriggersWithPropertyFilter() throws {
        let s = try scenario(
            plainPopulation + fatigueOff(open: 0.5, click: 0) + """
                journey:
                  events: { workout_done: { properties: { streak: number, outdoor: bool } } }
                  attributes: { streak: 0 }
                  processes: { main: rest }
                  states:
                    rest: { wait: { fixed: 1d }, next: workout }
                    workout:
                      add: { streak: 1 }
                      emit: { event: workout_done, properties: { streak: streak, outdoor: true } }
                      branch:
                        - { if: "streak >= 5", to: done }
                        - { to: rest }
                    done: { end: true }
                campaigns:
                  - name: milestone
                    trigger: { event: workout_done, filter: [ "streak >= 3", "outdoor == true" ] }
                    reeligibility: 1s
                    channels: [ sms ]
                    content: { template: milestone }
                """)
        var sim = Simulator(scenario: s, observer: NoObserver())
        sim.sendLog = []
        sim.run()
        // Streaks 3, 4 and 5 each trigger once per customer.
        #expect(sim.sendLog?.count == 3 * 2000)
        #expect(sim.journeyMetrics.customEvents[0] == 5 * 2000)
    }
}

@Suite struct JourneyRunTests {
    @Test func runawayAtOneInstantStopsTheRunWithACleanError() throws {
        var s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a: { wait: { exponential: 1h }, next: b }
                    b: { emit: view, next: a }
                """)
        // Validation refuses loops without time passing; take the wait out behind its back, as a
        // loop through messages with no delay would do at run time.
        for index in s.journey!.programs.indices { s.journey!.programs[index].states[0].wait = -1 }
        var sim = Simulator(scenario: s, observer: NoObserver())
        let complete = sim.run()
        #expect(complete == false)
        let runaway = try #require(sim.journeyRunawayFound)
        #expect(runaway.state == "a" || runaway.state == "b")
        #expect(runaway.description.contains("more than 10000 steps"))
        #expect(sim.pendingEvents < 10_000)
    }

    @Test func sameSeedSameSummaryAndPartsMergeExactly() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/rules-journey.yaml").path
        var s = try ScenarioLoader.load(path: path)
        s.population.customers = 30_000
        let one = SimulationRun.execute(s)
        let again = SimulationRun.execute(s)
        let parallel = SimulationRun.executeParallel(s, workers: 3)
        #expect(ResultsWriter.json(one.summary) == ResultsWriter.json(again.summary))
        #expect(ResultsWriter.json(one.summary) == ResultsWriter.json(parallel.summary))
        #expect(one.summary.journey?.events["came_back"] ?? 0 > 0)
    }

    @Test func perArchetypeOverridesChangeOnlyThatArchetype() throws {
        let s = try scenario(
            plainPopulation.replacingOccurrences(
                of: "archetypes: { routine: 1.0 }", with: "archetypes: { routine: 0.5, trek: 0.5 }") + """
                    journey:
                      processes: { main: a }
                      states:
                        a: { wait: { fixed: 1h }, next: b }
                        b: { emit: purchase, value: { fixed: 10 }, end: true }
                      archetypes:
                        trek:
                          states:
                            b: { emit: purchase, value: { fixed: 30 } }
                    """)
        let sim = simulate(s)
        let routine = sim.metrics.byArchetype[Int(Archetype.routine.rawValue)]
        let trek = sim.metrics.byArchetype[Int(Archetype.trek.rawValue)]
        #expect(routine.revenueCents == Int64(routine.purchases) * 1000)
        #expect(trek.revenueCents == Int64(trek.purchases) * 3000)
        #expect(routine.purchases + trek.purchases == 2000)
    }

    @Test func attributesTakeNumbersOtherAttributesTheCartAndDraws() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  events: { scored: { properties: { drop: number, copy: number, spent: number } } }
                  attributes: { drop: 0, copy: 0, spent: 1 }
                  processes: { main: a }
                  states:
                    a: { emit: add_to_cart, value: { fixed: 12.5 }, next: b }
                    b:
                      set: { drop: { uniform: [5, 30] }, copy: drop }
                      add: { spent: cart_value }
                      emit: { event: scored, properties: { drop: drop, copy: copy, spent: spent } }
                      branch:
                        - { if: "drop >= 5 and drop <= 30 and spent == 13.5", to: ok }
                        - { to: wrong }
                    ok: { emit: purchase, end: true }
                    wrong: { end: true }
                """)
        struct Scores: EventObserver {
            var rows: [EventProperties] = []
            mutating func observe(_ event: CustomerEvent) { if event.kind.isCustom { rows.append(event.properties) } }
        }
        var sim = Simulator(scenario: s, observer: Scores())
        sim.run()
        #expect(sim.metrics.totals.purchases == 2000)
        let rows = sim.observer.rows
        #expect(rows.count == 2000)
        // `set` applies in order: copy reads the drop drawn just before it.
        #expect(rows.allSatisfy { $0.p0 == $0.p1 && $0.p0 >= 5 && $0.p0 <= 30 && $0.p2 == 13.5 })
        let mean = rows.reduce(0) { $0 + Double($1.p0) } / Double(rows.count)
        #expect(abs(mean - 17.5) < 0.5, "\(mean)")
        let wrong = Int32(s.journey!.stateNames.firstIndex(of: "wrong")!)
        #expect(sim.journeyMetrics.stateEntries[Int(wrong)] == 0)
    }

    @Test func distributionsHaveTheirMeans() {
        var rng = Xoshiro256StarStar(seed: 3, stream: .journey, customer: 1)
        var table: [(cumulative: Double, value: Double)] = []
        let cases: [Distribution] = [
            .fixed(5), .exponential(mean: 5), .logNormal(median: 4, sigma: 0.5), .uniform(low: 2, high: 8),
            .gamma(shape: 2.5, scale: 2), .gamma(shape: 0.5, scale: 10), .weibull(shape: 1.5, scale: 5),
            .empirical(values: [1, 5, 10], weights: [1, 2, 1]),
        ]
        for distribution in cases {
            let compiled = CompiledDistribution(distribution, empirical: &table)
            var sum = 0.0
            let draws = 200_000
            table.withUnsafeBufferPointer { buffer in
                for _ in 0..<draws { sum += compiled.sample(&rng, empirical: buffer) }
            }
            let mean = sum / Double(draws)
            #expect(
                abs(mean - distribution.mean) / distribution.mean < 0.02,
                "\(distribution): \(mean) vs \(distribution.mean)")
        }
    }
}

import Foundation
import Testing

@testable import JourneySim

/// A one-channel population for small journey tests: SMS only, consented and reachable, UTC,
/// no fatigue, a mock backend that delivers everything after 1 s.
private let plainPopulation = """
    seed: 5
    start: 2026-03-02T00:00:00Z
    duration: 20d
    population:
      customers: 2000
      archetypes: { routine: 1.0 }
      channel_counts: { 1: 1.0 }
      channels:
        sms: { weight: 1.0, consent: 1.0, reachable: 1.0 }
        whatsapp: { weight: 0 }
        email: { weight: 0 }
        push: { weight: 0 }
        messenger: { weight: 0 }
        viber: { weight: 0 }
        telegram: { weight: 0 }
        rcs: { weight: 0 }
        apple-messages: { weight: 0 }
        in-app: { weight: 0 }
      time_zones: { UTC: 1.0 }
    backend:
      kind: mock
      channels:
        sms: { latency: { median: 1s, sigma: 0 }, failure_rate: 0, undeliverable_rate: 0, server_error_rate: 0 }

    """

private func fatigueOff(
    open: Double, click: Double, reply: Double = 0, openDelay: String? = nil, lift: Double = 1
) -> String {
    """
    behavior:
      channels:
        sms: { open: \(open), click: \(click), reply: \(reply), purchase_lift: \(lift)\(openDelay.map { ", open_delay: \($0)" } ?? "") }
      fatigue: { per_message: 0, irrelevant: 0, off_hours: 0, repeated: 0, rare_channel: 0, base_unhappy: 0, unhappy_per_annoyance: 0, opt_out: 0, abandon_journey_when_unhappy: 0 }

    """
}

/// The error text of a scenario that must not load (and the test fails if it does).
private func journeyError(
    _ journey: String, campaigns: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> String {
    guard let error = scenarioError(plainPopulation + journey + campaigns) else {
        Issue.record("the scenario loaded", sourceLocation: sourceLocation)
        return ""
    }
    return error.description
}

@Suite struct JourneyValidationTests {
    @Test func unknownStateIsNamedWithItsPath() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: bee }
                b: { end: true }
            """)
        #expect(text.contains("journey.states.a.next"), "\(text)")
        #expect(text.contains("unknown state 'bee'"), "\(text)")
        #expect(text.contains("bad.yaml:"), "\(text)")
    }

    @Test func unknownEventAndEventsAJourneyCannotEmit() {
        let unknown = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { emit: wishlist_ad, wait: { exponential: 1h }, next: a }
            """)
        #expect(
            unknown.contains("unknown event 'wishlist_ad'") && unknown.contains("journey.states.a.emit"), "\(unknown)")
        let message = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { emit: message_clicked, wait: { exponential: 1h }, next: a }
            """)
        #expect(message.contains("cannot emit 'message_clicked'"), "\(message)")
    }

    @Test func unreachableStateIsAnError() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
                orphan: { end: true }
            """)
        #expect(text.contains("state 'orphan' is never reached") && text.contains("journey.states.orphan"), "\(text)")
    }

    @Test func stateWithNoWayOutIsAnError() {
        let none = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h } }
            """)
        #expect(none.contains("state 'a' has no way out") && none.contains("journey.states.a"), "\(none)")
        let two = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a, end: true }
            """)
        #expect(two.contains("2 ways out"), "\(two)")
        let noOtherwise = journeyError(
            """
            journey:
              attributes: { streak: 0 }
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  branch:
                    - { if: "streak >= 3", to: a }
            """)
        #expect(
            noOtherwise.contains("the last case needs no `if`") && noOtherwise.contains("journey.states.a.branch"),
            "\(noOtherwise)")
    }

    @Test func probabilitiesThatDoNotAddUpAreAnError() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  choose:
                    - { to: a, probability: 0.5 }
                    - { to: b, probability: 0.4 }
                b: { end: true }
            """)
        #expect(text.contains("add up to 0.9") && text.contains("journey.states.a.choose"), "\(text)")
    }

    @Test func probabilitiesOfExactlyZeroAndOneAreAllowed() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a:
                      wait: { exponential: 1h }
                      choose:
                        - { to: b, probability: 1 }
                        - { to: a, probability: 0 }
                    b: { emit: purchase, value: { fixed: 10 }, end: true }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.purchases == s.population.customers)
    }

    @Test func loopsThatTakeNoTimeAreErrorsNamingThePath() {
        let direct = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: b }
                b: { emit: view, next: c }
                c: { emit: view, next: b }
            """)
        #expect(direct.contains("loop that takes no time") && direct.contains("b → c → b"), "\(direct)")
        // Through a process that a state starts: its first state is entered at the same instant.
        let viaProcess = journeyError(
            """
            journey:
              processes: { main: a, side: { start: s, autostart: false } }
              states:
                a: { wait: { exponential: 1h }, next: b }
                b: { start_process: side, next: b2 }
                b2: { end: true }
                s: { start_process: side, end: true }
            """)
        #expect(viaProcess.contains("loop that takes no time") && viaProcess.contains("s → s"), "\(viaProcess)")
    }

    @Test func attributesPropertiesAndProcessesAreChecked() {
        let attribute = journeyError(
            """
            journey:
              attributes: { streak: 0 }
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  branch:
                    - { if: "streek >= 3", to: a }
                    - { to: a }
            """)
        #expect(
            attribute.contains("cannot test 'streek'") && attribute.contains("Did you mean 'streak'"), "\(attribute)")
        let missing = journeyError(
            """
            journey:
              events: { workout_done: { properties: { streak: number } } }
              processes: { main: a }
              states:
                a: { emit: workout_done, wait: { exponential: 1h }, next: a }
            """)
        #expect(missing.contains("needs a value for its property 'streak'"), "\(missing)")
        let undeclared = journeyError(
            """
            journey:
              events: { workout_done: { properties: { streak: number } } }
              processes: { main: a }
              states:
                a: { emit: { event: workout_done, properties: { streak: 1, mood: 2 } }, wait: { exponential: 1h }, next: a }
            """)
        #expect(undeclared.contains("has no property 'mood'"), "\(undeclared)")
        let category = journeyError(
            """
            journey:
              events: { location_enter: { properties: { store: [downtown, mall] } } }
              processes: { main: a }
              states:
                a: { emit: { event: location_enter, properties: { store: airport } }, wait: { exponential: 1h }, next: a }
            """)
        #expect(category.contains("'airport' is not a value of 'store'"), "\(category)")
        let process = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { stop_process: mian, wait: { exponential: 1h }, next: a }
            """)
        #expect(process.contains("unknown process 'mian'") && process.contains("Did you mean 'main'"), "\(process)")
    }

    @Test func reactionsNameRealCampaignsAndStates() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
              reactions:
                - { on: message_clicked, campaign: remindr, to: a }

            """,
            campaigns: """
                campaigns:
                  - name: reminder
                    trigger: { event: session_end }
                    content: { template: t }
                """)
        #expect(text.contains("no campaign is named 'remindr'") && text.contains("Did you mean 'reminder'"), "\(text)")
    }

    @Test func messageInteractionFiltersNameRealCampaignsAndTemplates() {
        let journey = """
            journey:
              processes: { main: a }
              states:
                a: { emit: session_end, wait: { exponential: 1h }, next: a }

            """
        let template = journeyError(
            journey,
            campaigns: """
                campaigns:
                  - name: reminder
                    trigger: { event: session_end }
                    content: { template: cart_reminder }
                  - name: thanks
                    trigger: { event: message_clicked, filter: [ "template == cart_remindr" ] }
                    content: { template: thanks }
                """)
        #expect(
            template.contains("no campaign sends a template named 'cart_remindr'")
                && template.contains("Did you mean 'cart_reminder'"), "\(template)")
        let campaign = journeyError(
            journey,
            campaigns: """
                campaigns:
                  - name: thanks
                    trigger: { event: message_opened, filter: [ "campaign == nobody" ] }
                    content: { template: thanks }
                """)
        #expect(
            campaign.contains("no campaign is named 'nobody'") && campaign.contains("campaigns.0.trigger.filter.0"),
            "\(campaign)")
    }

    @Test func customEventFiltersAreTypedByTheDeclaration() {
        let text = journeyError(
            """
            journey:
              events: { price_alert: { properties: { route: [lis-nyc, lis-par], drop: number } } }
              processes: { main: a }
              states:
                a: { emit: { event: price_alert, properties: { route: lis-nyc, drop: 12 } }, wait: { exponential: 1h }, next: a }

            """,
            campaigns: """
                campaigns:
                  - name: alert
                    trigger: { event: price_alert, filter: [ "route == lis-ber" ] }
                    content: { template: t }
                """)
        #expect(text.contains("'lis-ber' is not a value of route"), "\(text)")
    }
}

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

@Suite struct JourneyFileTests {
    private var scenariosFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
    }

    @Test func journeyFileErrorsNameTheJourneyFileAndLine() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        processes: { main: a }
        states:
          a: { wait: { exponential: 1h }, next: nowhere }
        """.write(to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        try "journey: broken.yaml\n".write(
            to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: folder.appendingPathComponent("scenario.yaml").path)
            Issue.record("a broken journey file loaded")
        } catch {
            #expect(error.description.contains("broken.yaml:3"), "\(error.description)")
            #expect(
                error.description.contains("states.a.next") && error.description.contains("unknown state 'nowhere'"),
                "\(error.description)")
        }
        try "journey: missing.yaml\n".write(
            to: folder.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioLoader.load(path: folder.appendingPathComponent("scenario.yaml").path)
            Issue.record("a missing journey file loaded")
        } catch {
            #expect(
                error.description.contains("the journey file 'missing.yaml' does not exist"), "\(error.description)")
        }
    }

    /// The e-commerce funnel written as a journey file against the built-in journey it mirrors,
    /// on the same scenario: the headline figures agree within 4 standard errors of their
    /// difference (Poisson for counts, binomial for shares; each run's figures are independent
    /// draws of the same model, since the two consume random numbers differently).
    @Test func ecommerceJourneyFileMatchesTheBuiltInJourney() throws {
        var builtIn = try ScenarioLoader.load(path: scenariosFolder.appendingPathComponent("abandoned-cart.yaml").path)
        var asData = try ScenarioLoader.load(
            path: scenariosFolder.appendingPathComponent("ecommerce-journey.yaml").path)
        #expect(builtIn.journey == nil && asData.journey != nil)
        builtIn.population.customers = 20_000
        asData.population.customers = 20_000
        let a = SimulationRun.execute(builtIn).summary
        let b = SimulationRun.execute(asData).summary
        func counts(_ name: String, _ x: Int, _ y: Int) {
            let error = (Double(x) + Double(y)).squareRoot()
            #expect(
                abs(Double(x - y)) <= 4 * error, "\(name): built-in \(x), journey file \(y) (SE of difference \(error))"
            )
        }
        counts("sessions", a.totals.sessions, b.totals.sessions)
        counts("cart adds", a.totals.cartAdds, b.totals.cartAdds)
        counts("purchases", a.totals.purchases, b.totals.purchases)
        counts("abandoned carts", a.totals.abandonedCarts, b.totals.abandonedCarts)
        counts("reviews", a.totals.reviews, b.totals.reviews)
        let ma = try #require(a.messaging?.totals)
        let mb = try #require(b.messaging?.totals)
        counts("messages delivered", ma.messagesDelivered, mb.messagesDelivered)
        counts("opt-outs", ma.optOuts, mb.optOuts)
        counts("cart returns", ma.cartReturns, mb.cartReturns)
        func share(_ name: String, _ x: Double, _ n1: Int, _ y: Double, _ n2: Int) {
            let p = (x * Double(n1) + y * Double(n2)) / Double(n1 + n2)
            let error = (p * (1 - p) * (1 / Double(n1) + 1 / Double(n2))).squareRoot()
            #expect(abs(x - y) <= 4 * error, "\(name): built-in \(x), journey file \(y) (SE \(error))")
        }
        share(
            "cart abandonment", a.totals.cartAbandonmentRate, a.totals.abandonedCarts + a.totals.purchases,
            b.totals.cartAbandonmentRate, b.totals.abandonedCarts + b.totals.purchases)
        share(
            "opt-outs per unhappy message", ma.optOutShareOfUnhappy, ma.unhappyMessages, mb.optOutShareOfUnhappy,
            mb.unhappyMessages)
        #expect(a.population == b.population)
    }

    @Test func scheduledEventsStageConditionsAndLiftedChoices() throws {
        let s = try scenario(
            plainPopulation + fatigueOff(open: 1, click: 1, lift: 1.8) + """
                journey:
                  processes: { main: start }
                  states:
                    start:
                      emit: need_arises
                      schedule:
                        - { event: review, probability: 1, delay: { fixed: 2d } }
                        - { event: referral, probability: 0, delay: { fixed: 1d } }
                      next: shop
                    shop: { wait: { fixed: 1h }, next: add }
                    add: { emit: add_to_cart, value: { fixed: 20 }, next: leave }
                    leave: { emit: session_end, next: waiting }
                    waiting: { wait: { fixed: 10d }, next: gone }
                    gone: { end: true }
                    back:
                      emit: session_start
                      branch:
                        - if: "stage == cart"
                          choose:
                            - { to: buy, probability: 0.5, lift: true }
                            - { to: gone, probability: 0.5 }
                        - { to: gone }
                    buy: { emit: purchase, end: true }
                  reactions:
                    - { on: message_clicked, in: waiting, if: "cart_value > 0", delay: { fixed: 1m }, to: back, counts_as: cart_return }
                campaigns:
                  - name: reminder
                    trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                    channels: [ sms ]
                    content: { template: reminder }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.reviews == 2000)
        #expect(sim.metrics.totals.referrals == 0)
        #expect(sim.messaging.cartReturns == 2000)
        // Lifted from 0.5 to 0.9 by SMS's purchase lift of 1.8: 1,800 expected, SE 13.
        #expect(abs(sim.metrics.totals.purchases - 1800) < 60, "\(sim.metrics.totals.purchases)")
        #expect(sim.messaging.messagePurchases == sim.metrics.totals.purchases)
    }

    /// A customer moved by a message they clicked comes back on it: the session runs on the
    /// message's channel and its purchase is the message's. One moved by a message they ignored
    /// comes back on their own: the same journey, the same purchases, none of them the message's.
    @Test(arguments: [("message_clicked", 1.0), ("message_ignored", 0.0)])
    func onlyInteractionsThatDrawTheCustomerInBringThemBack(on: String, open: Double) throws {
        let s = try scenario(
            plainPopulation + fatigueOff(open: open, click: open) + """
                journey:
                  processes: { main: start }
                  states:
                    start: { emit: need_arises, next: add }
                    add: { emit: add_to_cart, value: { fixed: 20 }, next: leave }
                    leave: { emit: session_end, next: waiting }
                    waiting: { wait: { fixed: 10d }, next: gone }
                    gone: { end: true }
                    back: { emit: session_start, next: buy }
                    buy: { emit: purchase, end: true }
                  reactions:
                    - { on: \(on), in: waiting, delay: { fixed: 1m }, to: back }
                campaigns:
                  - name: reminder
                    trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                    channels: [ sms ]
                    ignored_after: 4h
                    content: { template: reminder }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.purchases == 2000)
        #expect(sim.messaging.messagePurchases == (on == "message_clicked" ? 2000 : 0))
    }

    @Test func memoryEstimateCountsTheJourneyColumns() throws {
        let plain = try scenario("population: { customers: 1000 }")
        let journey = try scenario(
            """
            population: { customers: 1000 }
            journey:
              attributes: { a: 0, b: 0 }
              processes: { main: s, side: { start: t, autostart: false } }
              states:
                s: { start_process: side, wait: { exponential: 1d }, next: s }
                t: { wait: { exponential: 1d }, next: t }
            """)
        // Against a scenario running the default funnel, the difference is the two programs' columns.
        let difference =
            MemoryEstimate(scenario: journey).bytesPerCustomer - MemoryEstimate(scenario: plain).bytesPerCustomer
        #expect(
            difference == JourneyRuntime.bytesPerCustomer(processes: 2, attributes: 2, tracked: 0)
                + MemoryEstimate.eventHeapBytes - MemoryEstimate.journeyProgramBytes(plain.effectiveJourney))
    }
}

@Suite struct JourneyParameterTests {
    private var ecommerceJourney: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios/journeys/ecommerce.yaml").path
    }

    @Test func referencesReadTheScenarioAndTheJourneysOwnValuesPerArchetype() throws {
        let population = plainPopulation.replacingOccurrences(
            of: "archetypes: { routine: 1.0 }", with: "archetypes: { routine: 0.5, trek: 0.5 }")
        let s = try scenario(
            population + """
                journeys:
                  routine: { basket: { median: 42, sigma: 0.1 } }
                journey:
                  parameters: { price: 10, pause: 1h }
                  processes: { main: a }
                  states:
                    a: { wait: { fixed: $pause }, branch: [ { if: "archetype == trek", to: c }, { to: b } ] }
                    b: { emit: purchase, value: { fixed: $basket_median }, end: true }
                    c: { emit: purchase, value: { fixed: $price }, end: true }
                  archetypes:
                    trek: { parameters: { price: 30 } }
                """)
        let sim = simulate(s)
        let routine = sim.metrics.byArchetype[Int(Archetype.routine.rawValue)]
        let trek = sim.metrics.byArchetype[Int(Archetype.trek.rawValue)]
        #expect(routine.purchases > 0 && trek.purchases > 0)
        #expect(routine.revenueCents == Int64(routine.purchases) * 4200)
        #expect(trek.revenueCents == Int64(trek.purchases) * 3000)
    }

    @Test func unknownShadowingAndMisplacedReferencesAreErrorsNamingThePath() {
        let unknown = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: $step_gapp }, next: a }
            """)
        #expect(
            unknown.contains("journey.states.a.wait.exponential") && unknown.contains("unknown parameter '$step_gapp'")
                && unknown.contains("Did you mean '$step_gap'?"), "\(unknown)")
        let shadowing = journeyError(
            """
            journey:
              parameters: { lapse: 0.3 }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
            """)
        #expect(
            shadowing.contains("journey.parameters.lapse") && shadowing.contains("a parameter the scenario sets"),
            "\(shadowing)")
        let misplaced = journeyError(
            """
            journey:
              attributes: { streak: $max_steps }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
            """)
        #expect(misplaced.contains("journey.attributes") && misplaced.contains("takes plain values"), "\(misplaced)")
        let inCondition = journeyError(
            """
            journey:
              attributes: { n: 0 }
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, branch: [ { if: "n > $nothing", to: a }, { to: a } ] }
            """)
        #expect(
            inCondition.contains("journey.states.a.branch[0].if")
                && inCondition.contains("unknown parameter '$nothing'"), "\(inCondition)")
    }

    @Test func oneOptionWithoutProbabilityTakesTheRest() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a: { wait: { fixed: 1h }, choose: [ { to: b, probability: 0.25 }, { to: c } ] }
                    b: { emit: purchase, value: { fixed: 10 }, end: true }
                    c: { emit: view, end: true }
                """)
        let sim = simulate(s)
        let purchases = Double(sim.metrics.totals.purchases)
        // 2,000 customers, p = 0.25: within 4 standard errors.
        #expect(abs(purchases - 500) <= 4 * (2000 * 0.25 * 0.75).squareRoot(), "\(purchases)")
        #expect(sim.metrics.totals.purchases + sim.metrics.totals.views == 2000)
        let two = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { fixed: 1h }, choose: [ { to: a }, { to: a } ] }
            """)
        #expect(two.contains("two options without a probability"), "\(two)")
        let over = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { fixed: 1h }, choose: [ { to: a, probability: 0.7 }, { to: a, probability: 0.6 }, { to: a } ] }
            """)
        #expect(over.contains("more than 1"), "\(over)")
    }

    /// The shipped e-commerce journey reads the scenario's `journeys:` numbers: with a checkout
    /// that never buys, nobody buys; with the defaults, customers do.
    @Test func ecommerceJourneyFollowsTheScenariosArchetypeParameters() throws {
        let base = plainPopulation + "journey: \(ecommerceJourney)\n"
        let never = try scenario(
            base + """
                journeys:
                  routine: { transitions: { checkout: { purchase: 0, research: 0.5, end: 0.5 } } }
                """)
        let defaults = try scenario(base)
        let none = simulate(never)
        let some = simulate(defaults)
        #expect(none.metrics.totals.checkouts > 0)
        #expect(none.metrics.totals.purchases == 0)
        #expect(some.metrics.totals.purchases > 0)
    }

    /// A state with nothing but a transition is passed through: counted on entry, no process
    /// rests in it, so its exits equal its entries and its dwell is 0.
    @Test func junctionsAreCountedWithoutDwell() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a: { emit: view, wait: { fixed: 1h }, next: j }
                    j: { choose: [ { to: a, probability: 0.5 }, { to: b } ] }
                    b: { emit: view, wait: { fixed: 2h }, next: j }
                """)
        let summary = SimulationRun.execute(s).summary
        let states = try #require(summary.journey?.states)
        let junction = try #require(states["j"])
        let a = try #require(states["a"])
        let b = try #require(states["b"])
        #expect(junction.entries > 1000 && junction.exits == junction.entries && junction.meanDwellHours == 0)
        #expect(a.entries + b.entries == junction.entries + 2000)
        // Every customer is in a or b at the end; the time in a and b adds up to the run's length.
        #expect(a.entries - a.exits + b.entries - b.exits == 2000)
        let hours = (a.meanDwellHours ?? 0) * Double(a.entries) + (b.meanDwellHours ?? 0) * Double(b.entries)
        #expect(abs(hours - 2000 * 20 * 24) < 1, "\(hours)")
    }
}

@Suite struct SessionBlockTests {
    private func block(
        research: String, cart: String = "{ end: 1 }", checkout: String = "{ end: 1 }", maxSteps: Int = 60
    ) -> String {
        """
        journey:
          processes: { main: start }
          states:
            start: { emit: need_arises, next: shop }
            shop:
              session:
                gap: { fixed: 1m }
                max_steps: \(maxSteps)
                research: \(research)
                cart: \(cart)
                checkout: \(checkout)
                purchased: bought
                ended: left
            bought: { end: true }
            left: { end: true }
        """
    }

    @Test func aSessionTakesItsStepsAndEndsAtItsLimit() throws {
        let s = try scenario(plainPopulation + block(research: "{ view: 1 }", maxSteps: 5))
        let summary = SimulationRun.execute(s).summary
        // Five views a minute apart, then the sixth step finds the limit: one session each, no cart.
        #expect(summary.totals.sessions == 2000)
        #expect(summary.totals.views == 5 * 2000)
        #expect(summary.totals.abandonedCarts == 0 && summary.totals.purchases == 0)
        let states = try #require(summary.journey?.states)
        #expect(states["left"]?.entries == 2000)
        #expect((states["bought"]?.entries ?? 0) == 0)
        // The session state holds each customer for its six minutes.
        #expect(abs((states["shop"]?.meanDwellHours ?? 0) - 0.1) < 1e-6, "\(states["shop"].map { "\($0)" } ?? "")")
        #expect(summary.stageTransitions["routine"]?["research"]?.steps == 5 * 2000)
    }

    @Test func aPurchaseEndsTheSessionAndMovesToPurchased() throws {
        let s = try scenario(
            plainPopulation
                + block(research: "{ add_to_cart: 1 }", cart: "{ checkout: 1 }", checkout: "{ purchase: 1 }"))
        let summary = SimulationRun.execute(s).summary
        #expect(summary.totals.cartAdds == 2000 && summary.totals.checkouts == 2000 && summary.totals.purchases == 2000)
        #expect(summary.totals.abandonedCarts == 0)
        #expect(summary.journey?.states["bought"]?.entries == 2000)
        #expect(summary.stageTransitions["routine"]?["checkout"]?.shares["purchase"] == 1)
    }

    @Test func aSessionThatEndsWithAFullCartIsAnAbandonedCart() throws {
        let s = try scenario(plainPopulation + block(research: "{ add_to_cart: 1 }", cart: "{ end: 1 }"))
        let summary = SimulationRun.execute(s).summary
        #expect(summary.totals.cartAdds == 2000 && summary.totals.abandonedCarts == 2000)
        #expect(summary.journey?.states["left"]?.entries == 2000)
    }

    @Test func malformedBlocksAreErrorsNamingThePath() {
        let sum = journeyError(block(research: "{ view: 0.5, end: 0.4 }"))
        #expect(sum.contains("journey.states.shop.session.research") && sum.contains("add up to 0.9"), "\(sum)")
        let outcome = journeyError(block(research: "{ purchase: 1 }"))
        #expect(outcome.contains("journey.states.shop.session.research") && outcome.contains("purchase"), "\(outcome)")
        let target = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(of: "purchased: bought", with: "purchased: nowhere"))
        #expect(
            target.contains("journey.states.shop.session.purchased") && target.contains("unknown state 'nowhere'"),
            "\(target)")
        let emit = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(
                of: "    shop:\n", with: "    shop:\n      emit: view\n"))
        #expect(emit.contains("journey.states.shop.session") && emit.contains("move emit"), "\(emit)")
        let both = journeyError(
            block(research: "{ view: 1 }").replacingOccurrences(
                of: "    shop:\n", with: "    shop:\n      next: left\n"))
        #expect(both.contains("2 ways out"), "\(both)")
    }
}

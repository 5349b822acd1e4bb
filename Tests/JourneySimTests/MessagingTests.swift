import Foundation
import Testing

@testable import JourneySim

/// The simulator, trigger core, mock backend and behaviour model working together.
@Suite struct MessagingTests {
    static var scenarios: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
    }

    static func shipped(_ file: String, customers: Int, days: Double? = nil) throws -> [Scenario] {
        try ScenarioLoader.loadStrategies(path: scenarios.appendingPathComponent(file).path).map {
            var scenario = $0
            scenario.population.customers = customers
            if let days { scenario.duration = .days(days) }
            return scenario
        }
    }

    /// Every message of every shipped scenario (and strategy) ends in exactly one terminal state.
    @Test func everyShippedScenarioAccountsForEveryMessage() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.scenarios.path).filter {
            $0.hasSuffix(".yaml")
        }.sorted()
        var withCampaigns = 0
        for file in files {
            for scenario in try Self.shipped(file, customers: 1500, days: 10) where !scenario.triggers.isEmpty {
                let sim = simulate(scenario)
                #expect(
                    sim.triggers.stats.isConserved,
                    "\(file) \(scenario.strategy ?? ""): \(sim.triggers.stats.conservationViolations())")
                let created = sim.triggers.stats.total(.created)
                let terminal = TerminalState.allCases.reduce(UInt64(0)) { $0 + sim.triggers.stats.total($1) }
                #expect(created == terminal, "\(file): created \(created), terminal \(terminal)")
                #expect(created > 0, "\(file) created no messages")
                withCampaigns += 1
            }
        }
        #expect(withCampaigns >= 6)
    }

    /// A reminder is never sent to a customer who bought after the abandoned session: the
    /// purchase (exception event) cancels it, and the cancellations show in the counts.
    @Test func noReminderAfterAPurchase() throws {
        var s = try scenario(
            """
            seed: 12
            duration: 15d
            population: { customers: 4000 }
            campaigns:
              - name: reminder
                trigger: { event: session_end, filter: [ "cart_value > 0" ] }
                delay: 30m
                exception_events: [ purchase ]
                reeligibility: 0s
                channels: [ whatsapp, sms, email ]
                content: { template: cart_reminder }
            """)
        s.backend = BackendSpec()
        var sim = Simulator(scenario: s, observer: PurchaseRecorder())
        sim.sendLog = []
        sim.run()
        let sends = sim.sendLog ?? []
        #expect(sends.count > 500)
        let purchases = sim.observer.times
        // Fallback sends follow a failed delivery of a reminder that went out before any purchase.
        for sent in sends where !sent.isFallback {
            let triggered = sent.message.intendedTime + SimDuration(milliseconds: -30 * 60_000)
            let bought = purchases[sent.message.customer, default: []].contains {
                $0 > triggered && $0 <= sent.message.intendedTime
            }
            #expect(!bought, "customer \(sent.message.customer) was reminded after buying")
        }
        #expect(sim.triggers.stats.count(.cancelledByException, campaign: 0) > 30)
        let summary = RunSummary(simulator: sim, complete: true)
        #expect(summary.messaging?.campaigns["reminder"]?.terminalStates["cancelled_by_exception"] ?? 0 > 30)
    }

    /// On a large population the share of unhappy recipients who opt out is 0.78 ± 0.02, and the
    /// setting moves it.
    @Test(arguments: [(nil as Double?, 0.78), (0.5, 0.5)])
    func unhappyRecipientsOptOutAtTheConfiguredRate(setting: Double?, expected: Double) throws {
        var s = try Self.shipped("fatigue-spam.yaml", customers: 12_000)[0]
        if let setting { s.behavior.fatigue.optOut = setting }
        let summary = SimulationRun.executeParallel(s, workers: 2).summary
        let totals = try #require(summary.messaging?.totals)
        #expect(totals.unhappyMessages > 4_000)
        #expect(abs(totals.optOutShareOfUnhappy - expected) <= 0.02, "\(totals.optOuts)/\(totals.unhappyMessages)")
        #expect(summary.messaging?.terminalStatesConserved == true)
    }

    /// Caps and delivery windows cut opt-outs significantly, at a small cost in conversion: the
    /// messages they hold back would also have brought some customers back. At 40,000 customers
    /// the capped strategy converts 0.36 pp worse (95% CI −0.55 to −0.17 pp); at 4,000 the
    /// estimate ranges from +0.2 to −0.9 pp over seeds 1–6 (−0.3 to −0.6 pp with the earlier
    /// xoshiro streams), so the test bounds the cost instead of expecting none.
    @Test func capsCutOptOutsAtASmallConversionCost() throws {
        let spam = try Self.shipped("fatigue-spam.yaml", customers: 4000)[0]
        let capped = try Self.shipped("fatigue-capped.yaml", customers: 4000)[0]
        let comparison = try StrategyComparison.run([("spam", spam), ("capped", capped)], workers: 2)
        let optOuts = try #require(comparison.differences["opt_out_rate"]?["capped vs spam"])
        let conversion = try #require(comparison.differences["conversion"]?["capped vs spam"])
        #expect(optOuts.upper < 0, "\(optOuts)")
        #expect(conversion.lower > -0.02, "capping costs more than 2 pp of conversion: \(conversion)")
        #expect(comparison.verdicts["opt_out_rate"]?.hasPrefix("capped wins") == true)
        // Common random numbers: the same customers, so a rerun gives the very same comparison.
        let again = try StrategyComparison.run([("spam", spam), ("capped", capped)], workers: 1)
        #expect(again.differences == comparison.differences)
    }

    /// A campaign rate limit that binds is shared by all customers, so `compare` does not split
    /// them over threads: asked for two, it runs on one and gives the one-thread comparison.
    @Test func comparisonWithABindingSharedLimitRunsOnOneThread() throws {
        func strategy(_ limit: Int) throws -> Scenario { try scenario(bindingRateLimitScenario(rateLimit: limit)) }
        let strategies = [("one_a_minute", try strategy(1)), ("three_a_minute", try strategy(3))]
        let split = try StrategyComparison.runCountingThreads(strategies, workers: 2)
        #expect(split.threads == 1)
        let single = try StrategyComparison.runCountingThreads(strategies, workers: 1)
        #expect(single.threads == 1)
        #expect(split.comparison.differences == single.comparison.differences)
        #expect(split.comparison.means == single.comparison.means)
        #expect(ResultsWriter.json(split.comparison) == ResultsWriter.json(single.comparison))
        // Without a binding limit the comparison keeps both threads.
        let free = try StrategyComparison.runCountingThreads(
            [
                ("spam", try Self.shipped("fatigue-spam.yaml", customers: 2000, days: 5)[0]),
                ("capped", try Self.shipped("fatigue-capped.yaml", customers: 2000, days: 5)[0]),
            ], workers: 2)
        #expect(free.threads == 2)
    }

    /// Recovery lift against the control group is reported with its confidence interval.
    @Test func recoveryLiftIsReportedAgainstTheControlGroup() throws {
        let s = try Self.shipped("abandoned-cart.yaml", customers: 3000, days: 15)[0]
        let summary = SimulationRun.execute(s).summary
        let campaign = try #require(summary.messaging?.campaigns["abandoned_cart"])
        #expect(campaign.control.exposures > 50)
        #expect(campaign.treatment.exposures > 5 * campaign.control.exposures)
        let lift = try #require(campaign.lift)
        #expect(lift.lower <= lift.estimate && lift.estimate <= lift.upper)
        #expect(
            abs(lift.estimate - (campaign.treatment.conversionRate.estimate - campaign.control.conversionRate.estimate))
                < 1e-5)
    }

    /// Merging shards of a run with campaigns gives the unsharded summary, byte for byte.
    @Test(arguments: [2, 3])
    func shardsWithCampaignsMergeExactly(shards: Int) throws {
        let s = try Self.shipped("post-purchase.yaml", customers: 2000, days: 10)[0]
        let whole = SimulationRun.execute(s)
        var merged = SimulationRun.execute(s, shard: 0, of: shards).record
        for index in 1..<shards { merged.merge(SimulationRun.execute(s, shard: index, of: shards).record) }
        merged.shards = .whole
        #expect(ResultsWriter.json(RunSummary(record: merged)) == ResultsWriter.json(whole.summary))
    }
}

/// Purchase times per customer.
struct PurchaseRecorder: EventObserver {
    var times: [UInt32: [SimTime]] = [:]
    mutating func observe(_ event: CustomerEvent) {
        if event.kind == .purchase { times[event.customer, default: []].append(event.time) }
    }
}

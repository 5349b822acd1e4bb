import Foundation
import Synchronization
import Testing

@testable import JourneySim

@Suite struct JourneyTests {
    static let stageMachineScenario = """
        seed: 11
        duration: 30d
        population: { customers: 20000 }
        journeys:
          joyride:
            transitions:
              research: { cart: 0.3, research: 0.4, end: 0.3 }
              cart: { checkout: 0.3, cart: 0.1, research: 0.25, end: 0.35 }
              checkout: { purchase: 0.6, research: 0.3, end: 0.1 }
        """

    /// Back-steps (cart → research, checkout → research) and abandonment (session ends with a
    /// cart) happen at the configured rates.
    @Test func stageMachineRealisesConfiguredRates() throws {
        let s = try scenario(Self.stageMachineScenario)
        let sim = simulate(s)
        func share(_ archetype: Archetype, row: Int, outcome: Int) -> (Double, Int) {
            let counts = (0..<4).map {
                sim.metrics.transitions[RunMetrics.transitionIndex(archetype: archetype, row: row, outcome: $0)]
            }
            let total = counts.reduce(0, +)
            return (Double(counts[outcome]) / Double(total), total)
        }
        for archetype in Archetype.allCases {
            let p = s.journey(archetype)
            for (row, probabilities) in [p.research, p.cart, p.checkout].enumerated() {
                for (outcome, expected) in [
                    probabilities.advance, probabilities.stay, probabilities.back, probabilities.end,
                ].enumerated() {
                    let (observed, n) = share(archetype, row: row, outcome: outcome)
                    guard n > 500 else { continue }
                    // 4.5 standard errors: a real deviation fails, sampling noise does not.
                    let tolerance = 4.5 * (expected * (1 - expected) / Double(n)).squareRoot() + 1e-9
                    #expect(
                        abs(observed - expected) <= tolerance,
                        "\(archetype.name) row \(row) outcome \(outcome): \(observed) vs \(expected) over \(n)")
                }
            }
        }
        // The configured joyride rates are actually exercised on a large sample.
        #expect(share(.joyride, row: 1, outcome: 2).1 > 5_000)
        #expect(sim.metrics.totals.abandonedCarts > 0)
        #expect(sim.metrics.totals.lapsedJourneys > 0)
    }

    @Test func everyCartSessionEndsInPurchaseOrAbandonment() throws {
        let sim = simulate(try scenario("population: { customers: 5000 }\nduration: 20d"))
        let t = sim.metrics.totals
        #expect(t.purchases > 0)
        #expect(t.checkouts >= t.purchases)
        #expect(t.sessions >= t.purchases + t.abandonedCarts)
        #expect(t.deliveries <= t.purchases)
        #expect(sim.metrics.eventsByKind[Int(EventKind.sessionStart.rawValue)] == t.sessions)
        let ended = sim.metrics.eventsByKind[Int(EventKind.sessionEnd.rawValue)]
        #expect(ended <= t.sessions && ended >= t.sessions - sim.population.count)
    }

    /// Routine journeys are short and predictable; Odyssey ones long and wandering.
    @Test func archetypesDifferAsDocumented() throws {
        let sim = simulate(try scenario("population: { customers: 30000 }\nseed: 2"))
        let routine = sim.metrics.byArchetype[Int(Archetype.routine.rawValue)]
        let odyssey = sim.metrics.byArchetype[Int(Archetype.odyssey.rawValue)]
        let routineDays = Double(routine.journeyMillisecondsToPurchase) / Double(routine.purchases)
        let odysseyDays = Double(odyssey.journeyMillisecondsToPurchase) / Double(odyssey.purchases)
        #expect(odysseyDays > 5 * routineDays)
        #expect(
            Double(odyssey.sessions) / Double(odyssey.journeys) > 1.3 * Double(routine.sessions)
                / Double(routine.journeys))
        #expect(Double(odyssey.views) / Double(odyssey.sessions) > 2 * Double(routine.views) / Double(routine.sessions))
        #expect(
            Double(routine.purchases) / Double(routine.journeys) > Double(odyssey.purchases) / Double(odyssey.journeys))
    }

    /// Sessions cluster in each customer's local daytime, whatever the zone. (Not exactly in
    /// proportion to the profile: customers whose next session fell due overnight start it in the
    /// morning, as people catch up then.)
    @Test func sessionsClusterInLocalDaytime() throws {
        for zone in ["Asia/Tokyo", "America/Los_Angeles"] {
            let sim = simulate(
                try scenario("population: { customers: 8000, time_zones: { \(zone): 1 } }\nduration: 14d"))
            let hours = sim.metrics.sessionsByLocalHour
            let total = Double(hours.reduce(0, +))
            let day = Double(hours[7...22].reduce(0, +)) / total
            let night = Double(hours[1...5].reduce(0, +)) / total
            #expect(day > 0.85, "\(zone): \(day)")
            #expect(night < 0.05, "\(zone): \(night)")
            // An average daytime hour is at least five times as busy as an average night hour.
            #expect(day / 16 > 5 * night / 5, "\(zone)")
            let peak = hours.firstIndex(of: hours.max()!)!
            #expect((7...21).contains(peak), "\(zone): peak at \(peak)")
        }
    }

    /// Local time really is local: the same profile in Tokyo and Los Angeles peaks at different UTC hours.
    @Test func localTimeShiftsUTCActivity() throws {
        func utcPeak(_ zone: String) throws -> Int {
            var sim = Simulator(
                scenario: try scenario("population: { customers: 3000, time_zones: { \(zone): 1 } }\nduration: 7d"),
                observer: HourRecorder())
            sim.run()
            let hours = sim.observer.utcHours
            return hours.firstIndex(of: hours.max()!)!
        }
        let tokyo = try utcPeak("Asia/Tokyo")
        let la = try utcPeak("America/Los_Angeles")
        #expect(tokyo != la)
        #expect((7...21).contains((tokyo + 9) % 24), "Tokyo peaks at \(tokyo):00 UTC")
        #expect((7...21).contains((la + 24 - 8) % 24), "Los Angeles peaks at \(la):00 UTC")
    }

    /// Multichannel Routine customers buy about 70% more often and spend about 34% more.
    @Test func multichannelEffectReproducesSourceFigures() throws {
        let sim = simulate(try scenario("population: { customers: 40000, archetypes: { routine: 1 } }\nseed: 8"))
        let summary = RunSummary(simulator: sim, complete: true)
        let frequency = try #require(summary.multichannelEffect.purchaseFrequencyRatio)
        let value = try #require(summary.multichannelEffect.orderValueRatio)
        #expect(abs(frequency - 1.7) < 0.08, "\(frequency)")
        #expect(abs(value - 1.34) < 0.04, "\(value)")
    }

    @Test func sameSeedSameSummaryBytesDifferentSeedDifferentNumbers() throws {
        let s = try scenario("seed: 21\npopulation: { customers: 3000 }\nduration: 10d")
        let a = ResultsWriter.json(SimulationRun.execute(s).summary)
        let b = ResultsWriter.json(SimulationRun.execute(s).summary)
        #expect(a == b)
        var other = s
        other.seed = 22
        let c = SimulationRun.execute(other).summary
        let first = SimulationRun.execute(s).summary
        #expect(c.totals.purchases != first.totals.purchases || c.totals.revenue != first.totals.revenue)
        #expect(ResultsWriter.json(c) != a)
    }

    @Test func replicationsReportMeansWithConfidenceIntervals() throws {
        let base = try scenario("seed: 40\npopulation: { customers: 1500 }\nduration: 7d")
        let summaries = (0..<4).map { r -> RunSummary in
            var s = base
            s.seed = base.seed + UInt64(r)
            return SimulationRun.execute(s).summary
        }
        let result = ReplicationSummary(scenario: "test", summaries: summaries)
        #expect(result.seeds == [40, 41, 42, 43])
        let purchases = try #require(result.metrics["purchases"])
        #expect(purchases.values == summaries.map { Double($0.totals.purchases) })
        let mean = purchases.values.reduce(0, +) / 4
        #expect(abs(purchases.mean.estimate - mean) < 1e-6)
        #expect(purchases.mean.lower < mean && mean < purchases.mean.upper)
        #expect(Set(purchases.values).count > 1, "independent seeds give different numbers")
    }

    @Test func interruptedRunIsMarkedIncomplete() throws {
        let s = try scenario("population: { customers: 20000 }\nduration: 30d")
        let calls = Atomic(0)
        let run = SimulationRun.execute(s, shouldStop: { calls.add(1, ordering: .relaxed).newValue >= 2 })
        #expect(run.summary.complete == false)
        #expect(run.summary.simulatedUntil < run.summary.scenario.end)
    }

    @Test func traceIsBoundedByItsLimit() throws {
        let run = SimulationRun.execute(try scenario("population: { customers: 200 }\nduration: 5d"), traceLimit: 50)
        let lines = String(decoding: try #require(run.trace), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 50)
        #expect(run.traceSkipped > 0)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["event"] as? String == "need_arises")
        #expect((first?["time"] as? String)?.hasPrefix("2026-03-") == true)
    }
}

/// Counts session starts per UTC hour.
struct HourRecorder: EventObserver {
    var utcHours = [Int](repeating: 0, count: 24)
    mutating func observe(_ event: CustomerEvent) {
        guard event.kind == .sessionStart else { return }
        let (_, ms) = event.time.milliseconds.floorDivided(by: 86_400_000)
        utcHours[Int(ms / 3_600_000)] += 1
    }
}

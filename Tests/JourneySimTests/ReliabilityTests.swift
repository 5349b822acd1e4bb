import Foundation
import Testing

@testable import JourneySim

/// The run's own safety checks: the memory estimate made before a run, and the conservation
/// books (events scheduled = processed + pending, every message in exactly one state) checked
/// after one, across every shipped scenario.
@Suite struct ReliabilityTests {
    static func shippedScenarios(customers: Int, days: Double) throws -> [Scenario] {
        try FuzzTests.shipped().flatMap { file -> [Scenario] in
            // The full path, so journey files (relative to the scenario) are found.
            try ScenarioLoader.parseStrategies(
                file.text, file: FuzzTests.scenariosFolder.appendingPathComponent(file.name).path
            ).map { loaded in
                var scenario = loaded
                scenario.population.customers = customers
                scenario.duration = .days(days)
                return scenario
            }
        }
    }

    @Test func memoryEstimateAddsUpThePerCustomerState() throws {
        let plain = try scenario("population: { customers: 1000000 }")
        let estimate = MemoryEstimate(scenario: plain)
        // A scenario without `journey:` runs the default funnel: one process (an 8-byte slot)
        // and the event times its reactions and conditions read (4 B each).
        let funnel = plain.effectiveJourney
        let program = MemoryEstimate.journeyProgramBytes(funnel)
        #expect(program == 8 + 4 * funnel.trackedKinds.count + (funnel.readsElapsed ? 4 : 0))
        #expect(estimate.bytesPerCustomer == 16 + 40 + 40 + program)
        #expect(estimate.totalBytes == 1_000_000 * (96 + program) + MemoryEstimate.fixedBytes)
        let sharded = MemoryEstimate(scenario: plain, shards: 3)
        #expect(sharded.customers == 333_334)

        let campaigns = try ScenarioLoader.load(
            path: FuzzTests.scenariosFolder.appendingPathComponent("abandoned-cart.yaml").path)
        let withCampaigns = MemoryEstimate(scenario: campaigns)
        let count = campaigns.triggers.campaigns.count
        #expect(count > 0)
        // abandoned-cart's caps: 3 a day (one word), 10 a rolling week (ten times and the ring's
        // position byte), 2 a day on WhatsApp (one word).
        #expect(MemoryEstimate.capLedgerBytes(campaigns.triggers.frequencyCaps) == 4 + 40 + 1 + 4)
        #expect(withCampaigns.bytesPerCustomer == 96 + program + 15 * count + 32 + 49 + 24)
        #expect(
            MemoryEstimate(scenario: campaigns, comparedStrategies: 2).bytesPerCustomer
                == withCampaigns.bytesPerCustomer + 2 * ComparisonMetric.allCases.count * 8)

        // The measured figure in the README: 1 M customers of abandoned-cart peak at about 245 MB; the estimate is
        // above it (it counts the fixed part generously) but in that range.
        var million = campaigns
        million.population.customers = 1_000_000
        let megabytes = MemoryEstimate(scenario: million).totalBytes >> 20
        #expect(megabytes > 200 && megabytes < 600, "\(megabytes) MB")

        #expect(estimate.problem(available: nil) == nil)
        #expect(estimate.problem(available: 1 << 40) == nil)
        let problem = try #require(estimate.problem(available: 100 << 20))
        #expect(problem.suggestedShards >= 2)
        #expect(problem.description.contains("\(estimate.totalBytes >> 20) MB"))
        #expect(problem.description.contains("100 MB of memory is available"))
        #expect(problem.description.contains("--shard 0/\(problem.suggestedShards)"))
        // The suggested split fits.
        #expect(MemoryEstimate(scenario: plain, shards: problem.suggestedShards).problem(available: 100 << 20) == nil)
    }

    @Test func availableMemoryIsTheSmallerOfMeminfoAndTheCgroupLimit() {
        let meminfo = "MemTotal:       24684544 kB\nMemFree:        20000000 kB\nMemAvailable:   23000000 kB\n"
        #expect(
            MemoryEstimate.availableBytes(meminfo: meminfo, cgroupMax: nil, cgroupCurrent: nil) == 23_000_000 * 1024)
        #expect(
            MemoryEstimate.availableBytes(meminfo: meminfo, cgroupMax: "max\n", cgroupCurrent: "5000\n") == 23_000_000
                * 1024)
        #expect(
            MemoryEstimate.availableBytes(meminfo: meminfo, cgroupMax: "1073741824\n", cgroupCurrent: "73741824\n")
                == 1_000_000_000)
        #expect(MemoryEstimate.availableBytes(meminfo: nil, cgroupMax: "1000\n", cgroupCurrent: "2000") == 0)
        #expect(MemoryEstimate.availableBytes(meminfo: "garbage", cgroupMax: nil, cgroupCurrent: nil) == nil)
        #expect(MemoryEstimate.availableBytes(environment: ["JOURNEYSIM_MEMORY_AVAILABLE": "12345"]) == 12345)
        // This machine: something sensible.
        if let here = MemoryEstimate.availableBytes(environment: [:]) { #expect(here > 0) }
    }

    /// `--check` in the library: every shipped scenario (every strategy) balances its books, on
    /// one thread and split over workers, and both give the same summary.
    @Test func everyShippedScenarioBalancesItsBooks() throws {
        let scenarios = try Self.shippedScenarios(customers: 1_000, days: 7)
        #expect(scenarios.count >= 7)
        var messages: UInt64 = 0
        for scenario in scenarios {
            let label = "\(scenario.name)/\(scenario.strategy ?? "-")"
            let single = SimulationRun.execute(scenario)
            #expect(single.conservation.violations.isEmpty, "\(label): \(single.conservation.violations)")
            #expect(single.conservation.eventsProcessed == single.record.metrics.eventsProcessed)
            #expect(single.conservation.eventsScheduled > 0, "\(label)")
            let parallel = SimulationRun.executeParallel(scenario, workers: 2)
            #expect(parallel.conservation.violations.isEmpty, "\(label): \(parallel.conservation.violations)")
            #expect(parallel.conservation.eventsProcessed == parallel.record.metrics.eventsProcessed)
            // Split or repeated on one thread, the result does not depend on the thread count.
            #expect(ResultsWriter.json(parallel.summary) == ResultsWriter.json(single.summary), "\(label)")
            messages += single.record.triggers?.total(.created) ?? 0
        }
        #expect(messages > 0)
    }

    /// Stopped early (as by SIGINT), the books still balance: what was not processed is pending.
    @Test func anInterruptedRunBalancesAndSaysItIsIncomplete() throws {
        var scenario = try ScenarioLoader.load(
            path: FuzzTests.scenariosFolder.appendingPathComponent("abandoned-cart.yaml").path)
        scenario.population.customers = 5_000
        scenario.duration = .days(30)
        let run = SimulationRun.execute(scenario, shouldStop: { true })
        #expect(!run.record.complete)
        #expect(run.record.simulatedUntil < scenario.end.milliseconds)
        #expect(run.conservation.eventsPending > 0)
        #expect(run.conservation.violations.isEmpty, "\(run.conservation.violations)")
        #expect(run.summary.complete == false)
    }

    @Test func aBrokenLedgerIsReported() {
        var books = ConservationCheck(eventsScheduled: 10, eventsProcessed: 7, eventsPending: 2, messageViolations: [])
        #expect(books.violations == ["events: scheduled 10 != processed 7 + pending 2"])
        books.merge(
            ConservationCheck(
                eventsScheduled: 1, eventsProcessed: 0, eventsPending: 0,
                messageViolations: ["c step 0: created 3, accounted 2"]))
        #expect(books.violations.count == 2)
        #expect(books.violations[1].hasPrefix("messages: c step 0"))
    }
}

import Foundation
import Testing

@testable import JourneySim

@Suite struct ShardTests {
    static let text = """
        seed: 77
        duration: 10d
        population: { customers: 3001 }
        """

    /// Merging 1, 2, 3 or 4 shards gives the very summary of the unsharded run, byte for byte.
    @Test(arguments: [1, 2, 3, 4])
    func mergedShardsEqualTheWholeRun(shards: Int) throws {
        let s = try scenario(Self.text)
        let whole = SimulationRun.execute(s)
        var merged: RunRecord?
        for index in (0..<shards).reversed() {  // merge order must not matter
            let part = SimulationRun.execute(s, shard: index, of: shards).record
            #expect(part.customers.customers == (3001 - index + shards - 1) / shards)
            if merged == nil { merged = part } else { merged!.merge(part) }
        }
        var record = try #require(merged)
        #expect(record.shards.isComplete)
        record.shards = .whole
        let summary = RunSummary(record: record)
        #expect(ResultsWriter.json(summary) == ResultsWriter.json(whole.summary))
        #expect(record == whole.record)
    }

    @Test func parallelRunEqualsSingleThreadedRun() throws {
        let s = try scenario(Self.text)
        let single = SimulationRun.execute(s)
        let parallel = SimulationRun.executeParallel(s, workers: 2)
        #expect(ResultsWriter.json(parallel.summary) == ResultsWriter.json(single.summary))
        #expect(parallel.performance.workers == 2)
    }

    /// A campaign and every mock channel unlimited unless a variant below limits one.
    static func limited(
        trigger: String = #"{ event: session_end, filter: [ "cart_value > 0" ] }"#, delay: String = "30m",
        campaignLimit: String = "", email: String = "0", emailBurst: Int = 100
    ) -> String {
        let unlimited = [
            "whatsapp", "sms", "push", "messenger", "viber", "telegram", "rcs", "apple-messages", "in-app",
        ]
        .map { "    \($0): { rate_limit_per_second: 0 }" }.joined(separator: "\n")
        return """
            seed: 77
            duration: 10d
            population: { customers: 3001 }
            backend:
              channels:
                email: { rate_limit_per_second: \(email), burst: \(emailBurst) }
            \(unlimited)
            campaigns:
              - name: reminder
                trigger: \(trigger)
                delay: \(delay)
                exception_events: [ purchase ]
                reeligibility: 1s
                channels: [ email ]
                audience: { require_consent: false }
                \(campaignLimit)
                content: { template: cart_reminder }
            """
    }

    /// Whether two shards merged give the whole run's summary.
    static func mergedShardsMatch(_ s: Scenario, whole: SimulationRun) -> (match: Bool, mayBind: Bool) {
        let parts = (0..<2).map { SimulationRun.execute(s, shard: $0, of: 2) }
        var record = parts[0].record
        record.merge(parts[1].record)
        record.shards = .whole
        return (
            ResultsWriter.json(RunSummary(record: record)) == ResultsWriter.json(whole.summary),
            parts.contains { $0.record.sharedLimitMayBind == true } && record.sharedLimitMayBind == true
        )
    }

    /// With no limit binding, the customers stay split over the threads, and the summary is the
    /// one-thread run's.
    @Test func parallelRunStaysParallelWhileNoSharedLimitBinds() throws {
        let s = try scenario(Self.limited(email: "1000"))
        let single = SimulationRun.execute(s)
        #expect(single.summary.messaging?.totals.messagesDelivered ?? 0 > 100)
        let parallel = SimulationRun.executeParallel(s, workers: 2)
        #expect(ResultsWriter.json(parallel.summary) == ResultsWriter.json(single.summary))
        #expect(parallel.performance.workers == 2)
        #expect(parallel.performance.reranOnOneThread == nil)
        #expect(Self.mergedShardsMatch(s, whole: single) == (true, false))
    }

    /// A mock sender's rate or a campaign's rate limit that binds would act on each thread's
    /// share of the traffic alone: split shards then differ from the whole run (shown first, so
    /// the check has something to catch), and the parallel run falls back to one thread and
    /// equals the whole run exactly.
    @Test(arguments: [
        ("sender rate", limited(email: "0.001", emailBurst: 4)),
        ("campaign rate limit", limited(trigger: "{ event: view }", delay: "0s", campaignLimit: "rate_limit: 1")),
    ])
    func parallelRunFallsBackToOneThreadWhenASharedLimitBinds(limit: String, text: String) throws {
        let s = try scenario(text)
        let single = SimulationRun.execute(s)
        let shards = Self.mergedShardsMatch(s, whole: single)
        #expect(!shards.match, "\(limit): merged shards equal the whole run, so the limit does not bind here")
        #expect(shards.mayBind, "\(limit): the shards did not notice their limit binding")
        let parallel = SimulationRun.executeParallel(s, workers: 2)
        #expect(ResultsWriter.json(parallel.summary) == ResultsWriter.json(single.summary), "\(limit)")
        #expect(parallel.performance.workers == 1)
        #expect(parallel.performance.reranOnOneThread == true)
        #expect(single.record.sharedLimitMayBind == nil)
        #expect(parallel.record.sharedLimitMayBind == nil)
    }

    @Test func malformedRecordsAreReportedNotMerged() throws {
        let s = try scenario(Self.text)
        var record = SimulationRun.execute(s, shard: 0, of: 2).record
        #expect(record.shapeProblem == nil)
        record.metrics.transitions.removeLast(3)
        #expect(record.shapeProblem?.contains("metrics.transitions") == true)
        var other = SimulationRun.execute(s, shard: 1, of: 2).record
        other.seed += 1
        #expect(throws: MergeError.differentSeed(path: "b", seed: other.seed, expected: s.seed)) {
            try RunMerge.merge([("a", SimulationRun.execute(s, shard: 0, of: 2).record), ("b", other)])
        }
    }

    @Test func shardCustomersAreTheSameCustomers() throws {
        let s = try scenario(Self.text)
        let whole = Population(scenario: s)
        let shard = Population(scenario: s, shard: 2, of: 3)
        for local in 0..<shard.count {
            let global = Int(shard.globalID(local))
            #expect(global % 3 == 2)
            #expect(shard.channels[local] == whole.channels[global])
            #expect(shard.archetype[local] == whole.archetype[global])
        }
    }
}

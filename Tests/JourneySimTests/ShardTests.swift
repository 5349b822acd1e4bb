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

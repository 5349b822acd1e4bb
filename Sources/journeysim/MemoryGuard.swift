import ArgumentParser
import JourneySim

/// Refuses, before anything is allocated, a run whose estimated state does not fit in the memory
/// available to this process (exit code 2, with the estimate, the available figure and a
/// `--shard` split that would fit).
enum MemoryGuard {
    @discardableResult
    static func check(
        _ scenario: Scenario, shards: Int = 1, comparedStrategies: Int = 0, traceLimit: Int? = nil
    ) throws -> MemoryEstimate {
        let estimate = MemoryEstimate(
            scenario: scenario, shards: shards, comparedStrategies: comparedStrategies, traceLimit: traceLimit)
        if let problem = estimate.problem(available: MemoryEstimate.availableBytes()) {
            printError(problem.description)
            throw ExitCode(2)
        }
        return estimate
    }
}

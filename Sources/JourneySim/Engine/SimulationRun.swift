import Foundation

/// One complete `run`: population, simulation and summary, with wall-clock figures kept apart
/// from the deterministic summary.
public struct SimulationRun: Sendable {
    public var summary: RunSummary
    /// The trace as JSON lines, when one was asked for.
    public var trace: [UInt8]?
    public var traceSkipped: Int
    public var performance: RunPerformance

    /// Runs `scenario` to its end, or until `shouldStop` returns true.
    public static func execute(_ scenario: Scenario, traceLimit: Int? = nil,
                               shouldStop: () -> Bool = { false }) -> SimulationRun {
        let clock = ContinuousClock()
        let started = clock.now
        let population = Population(scenario: scenario)
        let generated = clock.now
        if let traceLimit {
            var sim = Simulator(scenario: scenario, population: population, observer: TraceRecorder(limit: traceLimit))
            let complete = sim.run(shouldStop: shouldStop)
            return finish(sim, complete: complete, trace: sim.observer.bytes, skipped: sim.observer.skipped,
                          started: started, generated: generated, clock: clock)
        }
        var sim = Simulator(scenario: scenario, population: population, observer: NoObserver())
        let complete = sim.run(shouldStop: shouldStop)
        return finish(sim, complete: complete, trace: nil, skipped: 0, started: started, generated: generated, clock: clock)
    }

    static func finish<O>(_ sim: Simulator<O>, complete: Bool, trace: [UInt8]?, skipped: Int,
                          started: ContinuousClock.Instant, generated: ContinuousClock.Instant,
                          clock: ContinuousClock) -> SimulationRun {
        let ended = clock.now
        let summary = RunSummary(simulator: sim, complete: complete)
        let simulate = (ended - generated).seconds
        let customerDays = Double(sim.population.count) * (sim.now - sim.scenario.start).days
        let performance = RunPerformance(
            wallSeconds: rounded((ended - started).seconds), populationSeconds: rounded((generated - started).seconds),
            simulationSeconds: rounded(simulate), events: sim.metrics.eventsProcessed,
            eventsPerSecond: simulate > 0 ? rounded(Double(sim.metrics.eventsProcessed) / simulate) : 0,
            customerDaysPerSecond: simulate > 0 ? rounded(customerDays / simulate) : 0,
            peakResidentBytes: ProcessMemory.peakResidentBytes())
        return SimulationRun(summary: summary, trace: trace, traceSkipped: skipped, performance: performance)
    }
}

/// Wall-clock figures of a run: how fast, not what happened. Written to `performance.json`.
public struct RunPerformance: Codable, Sendable {
    public var wallSeconds: Double
    public var populationSeconds: Double
    public var simulationSeconds: Double
    public var events: Int
    public var eventsPerSecond: Double
    public var customerDaysPerSecond: Double
    public var peakResidentBytes: Int?
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

/// The process's peak resident memory, read from /proc on Linux (nil elsewhere).
public enum ProcessMemory {
    public static func peakResidentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}

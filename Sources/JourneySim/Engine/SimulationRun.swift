import Foundation
import Synchronization

/// One complete `run` (or one shard of it): population, simulation, record and summary, with
/// wall-clock figures kept apart from the deterministic results.
public struct SimulationRun: Sendable {
    public var record: RunRecord
    public var summary: RunSummary
    /// The trace as JSON lines, when one was asked for.
    public var trace: [UInt8]?
    public var traceSkipped: Int
    public var performance: RunPerformance
    /// Events and messages accounted for at the end (see `ConservationCheck`); `run --check`
    /// fails the run when they do not add up.
    public var conservation: ConservationCheck
    /// Set when a customer's journey looped without time passing and the run stopped there.
    public var runaway: JourneyRunaway?

    /// Runs shard `shard` of `shards` of `scenario` on the calling thread, to the scenario's end
    /// or until `shouldStop` returns true.
    /// `progress`, when given, is updated every 65,536 events (for a progress line).
    public static func execute(
        _ scenario: Scenario, digest: String = "", shard: Int = 0, of shards: Int = 1,
        traceLimit: Int? = nil, shouldStop: @Sendable () -> Bool = { false },
        progress: RunProgress? = nil
    ) -> SimulationRun {
        execute(
            scenario, digest: digest, shard: shard, of: shards, traceLimit: traceLimit, shouldStop: shouldStop,
            progress: progress, progressSlot: 0)
    }

    static func execute(
        _ scenario: Scenario, digest: String, shard: Int, of shards: Int, traceLimit: Int?,
        shouldStop: @Sendable () -> Bool, stopWhenSharedLimitMayBind: Bool = false,
        progress: RunProgress?, progressSlot: Int
    ) -> SimulationRun {
        let report: (SimTime, Int) -> Void = { now, events in
            progress?.update(slot: progressSlot, now: now, events: events)
        }
        let clock = ContinuousClock()
        let started = clock.now
        let population = Population(scenario: scenario, shard: shard, of: shards)
        let generated = started.duration(to: clock.now)
        let shardSet = ShardSet(count: shards, indices: [shard])
        // One generic path for both observers, so the traced run cannot drift from the plain one.
        func simulate<Observer: EventObserver>(
            _ observer: Observer,
            trace: (Observer) -> (bytes: [UInt8]?, skipped: Int)
        ) -> SimulationRun {
            var sim = Simulator(scenario: scenario, population: population, observer: observer)
            let complete = sim.run(
                shouldStop: shouldStop, stopWhenSharedLimitMayBind: stopWhenSharedLimitMayBind, progress: report)
            let recorded = trace(sim.observer)
            var result = finish(
                sim.record(complete: complete, digest: digest, shards: shardSet), scenario: scenario,
                trace: recorded.bytes, skipped: recorded.skipped,
                timing: (population: generated, total: started.duration(to: clock.now)))
            result.conservation = sim.conservation
            result.runaway = sim.journeyRunawayFound
            return result
        }
        if let traceLimit {
            return simulate(
                TraceRecorder(limit: traceLimit, idStride: shards, idOffset: shard, events: scenario.events)
            ) { ($0.bytes, $0.skipped) }
        }
        return simulate(NoObserver()) { _ in (nil, 0) }
    }

    static let sharedLimits =
        "a limit shared by all customers (a campaign's rate_limit or a mock channel's rate_limit_per_second)"
    /// What `run` and `compare` print when a parallel run was repeated on one thread.
    public static let sharedLimitNote =
        "ran on one thread: \(sharedLimits) binds at this size, and split over threads it would change the results. Raise the limit (or set it to 0) to use every core."
    /// What `run --shard` prints when its traffic left its share of a shared limit.
    public static let shardSharedLimitNote =
        "\(sharedLimits) may bind in this shard's traffic; limits apply per shard, so merged shards may differ from an unsharded run."
    /// What `merge` prints when one of its shards said so.
    public static let mergedSharedLimitNote =
        "in some shards \(sharedLimits) may have bound; such limits apply per shard, so this summary may differ from an unsharded run's. Raise the limit, or run without shards for exact results."

    /// Runs the whole scenario on `workers` threads by partitioning customers into that many
    /// internal shards and merging their records: the summary is identical to a one-thread run.
    ///
    /// Limits shared by all customers (a campaign's rate limit, a mock sender's rate) cannot be
    /// split exactly, so each part checks that its traffic stays within its fair share of every
    /// such limit (`Simulator.sharedLimitMayBind`). If one part leaves its share, all parts stop
    /// and the scenario runs again on one thread; `performance.reranOnOneThread` says so.
    public static func executeParallel(
        _ scenario: Scenario, digest: String = "", workers: Int,
        shouldStop: @Sendable () -> Bool = { false }, progress: RunProgress? = nil
    ) -> SimulationRun {
        let workers = max(1, min(workers, scenario.population.customers))
        guard workers > 1 else { return execute(scenario, digest: digest, shouldStop: shouldStop, progress: progress) }
        let clock = ContinuousClock()
        let started = clock.now
        let parts = Mutex([SimulationRun?](repeating: nil, count: workers))
        let mayBind = Atomic<Bool>(false)
        DispatchQueue.concurrentPerform(iterations: workers) { index in
            let part = execute(
                scenario, digest: digest, shard: index, of: workers, traceLimit: nil,
                shouldStop: { shouldStop() || mayBind.load(ordering: .relaxed) },
                stopWhenSharedLimitMayBind: true, progress: progress, progressSlot: index)
            if part.record.sharedLimitMayBind == true { mayBind.store(true, ordering: .relaxed) }
            parts.withLock { $0[index] = part }
        }
        if mayBind.load(ordering: .relaxed) && !shouldStop() {
            parts.withLock { $0 = [] }
            // The abandoned parts' small blocks sit free in their threads' malloc arenas, where
            // the one-thread run would not reuse them: hand them back so its peak is its own.
            ProcessMemory.releaseFreeMemory()
            progress?.restart()
            var run = execute(scenario, digest: digest, shouldStop: shouldStop, progress: progress)
            run.performance.reranOnOneThread = true
            run.performance.wallSeconds = rounded((clock.now - started).seconds)
            return run
        }
        let runs = parts.withLock { $0.compactMap { $0 } }
        var record = runs[0].record
        for run in runs.dropFirst() { record.merge(run.record) }
        record.shards = .whole
        var result = finish(record, scenario: scenario, trace: nil, skipped: 0, timing: (population: .zero, total: started.duration(to: clock.now)))
        result.conservation = runs[0].conservation
        for run in runs.dropFirst() { result.conservation.merge(run.conservation) }
        result.runaway = runs.lazy.compactMap(\.runaway).first
        result.performance.populationSeconds = runs.map(\.performance.populationSeconds).max() ?? 0
        result.performance.simulationSeconds =
            rounded((clock.now - started).seconds) - result.performance.populationSeconds
        result.performance.recompute(customerDays: Double(scenario.population.customers) * scenario.duration.days)
        result.performance.workers = workers
        return result
    }

    static func finish(
        _ record: RunRecord, scenario: Scenario, trace: [UInt8]?, skipped: Int,
        timing: (population: Duration, total: Duration)
    )
        -> SimulationRun
    {
        let summary = RunSummary(record: record)
        var performance = RunPerformance(
            wallSeconds: rounded(timing.total.seconds),
            populationSeconds: rounded(timing.population.seconds),
            simulationSeconds: rounded((timing.total - timing.population).seconds),
            events: record.metrics.eventsProcessed, eventsPerSecond: 0, customerDaysPerSecond: 0,
            peakResidentBytes: ProcessMemory.peakResidentBytes(), workers: 1)
        let reached = SimTime(milliseconds: record.simulatedUntil) - scenario.start
        performance.recompute(customerDays: Double(record.customers.customers) * reached.days)
        return SimulationRun(
            record: record, summary: summary, trace: trace, traceSkipped: skipped, performance: performance,
            conservation: ConservationCheck(
                eventsScheduled: 0, eventsProcessed: 0, eventsPending: 0, messageViolations: []))
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
    public var workers: Int
    /// The customers were first split over threads, a limit shared by all of them may have
    /// bound, and the run was repeated on one thread so its results do not depend on the
    /// thread count (`wallSeconds` includes the abandoned attempt).
    public var reranOnOneThread: Bool? = nil
    /// What `MemoryEstimate` said the run would hold, set by the command that checked it, so
    /// the estimate can be held against `peakResidentBytes`.
    public var estimatedBytes: Int? = nil

    mutating func recompute(customerDays: Double) {
        eventsPerSecond = simulationSeconds > 0 ? rounded(Double(events) / simulationSeconds) : 0
        customerDaysPerSecond = simulationSeconds > 0 ? rounded(customerDays / simulationSeconds) : 0
    }
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

    /// Returns the memory malloc holds free to the system (glibc's `malloc_trim`, looked up at
    /// run time so other C libraries simply skip it).
    public static func releaseFreeMemory() {
        #if os(Linux)
            guard let symbol = dlsym(nil, "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)(0)
        #endif
    }

    /// Fixes glibc malloc's mmap threshold at its default, 128 KiB. Left dynamic, glibc raises it
    /// (up to 32 MiB) whenever a large block is freed, after which the simulator's growing arrays
    /// come from the heap, where the copies left behind by growth stay resident and raise a run's
    /// peak, the more so after a parallel attempt that was abandoned for a binding shared limit.
    /// Fixed, arrays above the threshold keep their own mappings and grow with mremap. A
    /// process-wide setting, so the executable calls it once at start.
    public static func pinMmapThreshold() {
        #if os(Linux)
            guard let symbol = dlsym(nil, "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in glibc's malloc.h
            _ = mallopt(mmapThreshold, 128 * 1024)
        #endif
    }
}

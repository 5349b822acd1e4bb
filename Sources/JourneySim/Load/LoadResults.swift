import Histogram

/// What happened to the messages of one channel (or all of them) in a load run.
public struct LoadStatistics: Sendable {
    /// Messages whose scheduled time came within the run.
    public var intended = 0
    /// Messages handed to the backend (intended minus dropped).
    public var started = 0
    /// Started later than the allowed slack after their scheduled time (still sent, and their
    /// latency, measured from the schedule, includes the delay).
    public var late = 0
    /// Not sent because the in-flight cap was reached when they were due.
    public var dropped = 0
    /// Started messages the backend answered for (accepted or finally rejected).
    public var completed = 0
    public var accepted = 0
    /// Final rejections by kind (`Rejection.kind`).
    public var rejected: [String: Int] = [:]
    /// Requests made, retries included.
    public var attempts = 0
    public var errors = AttemptErrors()
    /// Latency from the scheduled send time to the final answer, in microseconds.
    public var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var retries: Int { max(0, attempts - completed) }
    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    /// Share of completed messages that were not accepted (0 when none completed).
    public var errorRate: Double { completed == 0 ? 0 : Double(completed - accepted) / Double(completed) }

    /// A latency percentile (0–100) in milliseconds.
    public func latencyMilliseconds(percentile: Double) -> Double {
        latency.totalCount == 0 ? 0 : Double(latency.valueAtPercentile(percentile)) / 1000
    }

    public var maxLatencyMilliseconds: Double { latency.totalCount == 0 ? 0 : Double(latency.max) / 1000 }
    public var meanLatencyMilliseconds: Double { latency.totalCount == 0 ? 0 : latency.mean / 1000 }

    mutating func add(_ other: LoadStatistics) {
        intended += other.intended
        started += other.started
        late += other.late
        dropped += other.dropped
        completed += other.completed
        accepted += other.accepted
        rejected.merge(other.rejected, uniquingKeysWith: +)
        attempts += other.attempts
        errors += other.errors
        latency.add(other.latency)
    }
}

/// The results of a load run: per channel, overall, and the run's timing.
public struct LoadResults: Sendable {
    public var channels: [Channel: LoadStatistics]
    public var overall: LoadStatistics
    /// Wall-clock seconds from the run's start to its last answer.
    public var wallSeconds: Double
    /// Simulated seconds covered by the scheduled messages, divided by the speed-up: how long
    /// the run was meant to take.
    public var scheduledSeconds: Double
    public var speedup: Double
    /// Why the run ended before its input did (duration or message limit, stop signal), if it did.
    public var stopReason: String?
    /// Messages due (intended) and answered (completed) in each wall-clock second of the run:
    /// throughput over time.
    public var intendedPerSecond: [Int] = []
    public var completedPerSecond: [Int] = []

    /// Messages per second the schedule asked for.
    public var intendedThroughput: Double { scheduledSeconds > 0 ? Double(overall.intended) / scheduledSeconds : Double(overall.intended) / max(wallSeconds, 1e-9) }
    /// Answers per second actually obtained.
    public var achievedThroughput: Double { wallSeconds > 0 ? Double(overall.completed) / wallSeconds : 0 }
}

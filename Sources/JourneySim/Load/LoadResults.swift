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
    /// Messages whose answer was a usable acceptance (a 2xx naming the message id).
    public var accepted = 0
    /// Final rejections by kind (`Rejection.kind`; `malformed_answer` for a 2xx without a usable id).
    public var rejected: [String: Int] = [:]
    /// Requests made, retries included.
    public var attempts = 0
    public var errors = AttemptErrors()
    /// Latency from the scheduled send time to the final answer, in microseconds.
    public var latency = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    public var retries: Int { max(0, attempts - completed) }
    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
    /// Messages whose final outcome was not an acceptance (a rejection, a timeout, a malformed
    /// answer): what the sender lost.
    public var failedMessages: Int { completed - accepted }
    /// Attempts that failed, whether a retry recovered from them or not: every 5xx, 429,
    /// timeout, connection failure, refused request and malformed answer.
    public var failedAttempts: Int { min(errors.total, attempts) }
    /// Failed messages over completed ones (0 when none completed).
    public var messageErrorRate: Double { completed == 0 ? 0 : Double(failedMessages) / Double(completed) }
    /// Failed attempts over attempts (0 when none were made): what the backend did to the
    /// requests it got, so retries cannot hide its errors.
    public var attemptErrorRate: Double { attempts == 0 ? 0 : Double(failedAttempts) / Double(attempts) }
    /// The error rate thresholds and reports mean by `error_rate`: the attempt error rate. A
    /// message accepted on its third try after two 503s adds two failed attempts out of three.
    public var errorRate: Double { attemptErrorRate }

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
    public var intendedThroughput: Double {
        scheduledSeconds > 0
            ? Double(overall.intended) / scheduledSeconds : Double(overall.intended) / max(wallSeconds, 1e-9)
    }
    /// Answers per second actually obtained.
    public var achievedThroughput: Double { wallSeconds > 0 ? Double(overall.completed) / wallSeconds : 0 }
}

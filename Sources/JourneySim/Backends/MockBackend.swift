/// The in-process backend for virtual-time runs: decides each message's fate at submission, from
/// the seed, the message and the state of its sender's rate limiter alone, so the same run gives
/// the same receipts every time and never waits for a clock.
///
/// Every draw for a message comes from its own random stream keyed by `(seed, backend, message
/// id)`, so one message's outcome does not depend on which other messages were sent. Rate limits
/// are per sender, kept as a GCRA token bucket in virtual time: a message over the limit is
/// still accepted but leaves the sender's queue later (its delivery is delayed by the wait),
/// unless the wait would exceed `maxQueueDelay`, in which case it is rejected as rate limited.
/// Submit messages in non-decreasing time order, as the simulator does.
///
/// ## Partitioned runs
/// A sender's limiter is shared by every customer, so a run split over threads (each with its
/// own mock) equals the whole run only while no limiter ever makes a message wait. A mock built
/// for one of `partitions` parts therefore also checks its part against a fair share of each
/// limiter (rate and burst divided by `partitions`, with a millisecond of slack): when every part
/// stays within its share, the merged traffic stays within the whole limiter, nothing waits in
/// either run, and the results are the same. `sharedLimitMayBind` says when a part left its
/// share, and the caller then runs the whole population on one thread.
public struct MockBackend: Sendable {
    public let seed: UInt64
    public private(set) var specs: [MockChannelSpec]
    /// Per channel, per sender: the theoretical arrival time of the next message (GCRA), in ms.
    var nextDispatch: [[Double]]
    public private(set) var counters: [MockBackendCounters]
    /// Into how many parts the run's customers are split; 1 for a whole run.
    public let partitions: Int
    /// Per channel, per sender: the theoretical arrival time in this part's fair share of the
    /// limiter (only kept when `partitions` > 1).
    var shareNext: [[Double]]
    /// True once this part's traffic left its fair share of a limiter: the merged run may then
    /// differ from the whole run.
    public private(set) var sharedLimitMayBind = false
    /// How close to its share's limit a part may come, in ms, before it counts as binding: more
    /// than the rounding of the limiter's floating-point arithmetic over any run.
    static let shareSlackMilliseconds = 1.0

    /// A mock with the documented defaults, overridden per channel by `overrides`; `partitions`
    /// is the number of parts the run is split into (see "Partitioned runs").
    public init(seed: UInt64, overrides: [Channel: MockChannelSpec] = [:], partitions: Int = 1) {
        self.seed = seed
        specs = Channel.allCases.map { overrides[$0] ?? .defaults(for: $0) }
        nextDispatch = specs.map { [Double](repeating: -.infinity, count: max(1, $0.senders)) }
        counters = Array(repeating: MockBackendCounters(), count: Channel.allCases.count)
        self.partitions = max(1, partitions)
        shareNext = self.partitions > 1 ? nextDispatch : []
    }

    /// A mock configured by a `backend:` section; `scenarioSeed` is used unless the section sets its own.
    public init(spec: BackendSpec, scenarioSeed: UInt64, partitions: Int = 1) {
        self.init(seed: spec.seed ?? scenarioSeed, overrides: spec.mockChannels, partitions: partitions)
    }

    public func spec(for channel: Channel) -> MockChannelSpec { specs[Int(channel.rawValue)] }

    public func counters(for channel: Channel) -> MockBackendCounters { counters[Int(channel.rawValue)] }

    /// All channels' counters added up.
    public var totals: MockBackendCounters { counters.reduce(into: MockBackendCounters()) { $0 += $1 } }

    /// Submits a message at virtual time `now` and returns what happens to it.
    public mutating func submit(_ message: OutboundMessage, at now: SimTime) -> SubmitResult {
        let index = Int(message.channel.rawValue)
        let spec = specs[index]
        var rng = Xoshiro256StarStar(seed: SplitMix64.hash(seed, UInt64(RandomStream.backend.rawValue), message.id))
        // Every draw is made, used or not, so changing one rate does not shift the others.
        let undeliverable = rng.bernoulli(spec.undeliverableRate)
        let serverError = rng.bernoulli(spec.serverErrorRate)
        let latency = spec.latency.draw(&rng)
        let fails = rng.bernoulli(spec.failureRate)
        let reads = rng.bernoulli(spec.readProbability)
        let readDelay = spec.readDelay.draw(&rng)
        counters[index].submitted += 1

        if serverError {
            counters[index].serverErrors += 1
            return .rejected(.serverError(status: 503))
        }
        if undeliverable {
            counters[index].invalidRecipients += 1
            return .rejected(.invalidRecipient)
        }
        var dispatch = now
        if spec.ratePerSecond > 0 {
            let sender = Int(message.campaign) % nextDispatch[index].count
            let interval = 1000 / spec.ratePerSecond
            let tolerance = Double(max(0, spec.burst - 1)) * interval
            let t = Double(now.milliseconds)
            if partitions > 1, !sharedLimitMayBind { checkShare(channel: index, sender: sender, at: t, spec: spec) }
            let theoretical = max(nextDispatch[index][sender], t)
            let wait = max(0, theoretical - tolerance - t)
            if wait > Double(spec.maxQueueDelay.milliseconds) {
                counters[index].rateLimited += 1
                let retry = (wait - Double(spec.maxQueueDelay.milliseconds)).rounded(.up)
                return .rejected(.rateLimited(retryAfter: SimDuration(milliseconds: max(1, Int64(retry)))))
            }
            nextDispatch[index][sender] = theoretical + interval
            if wait > 0 {
                let waited = SimDuration(milliseconds: Int64(wait.rounded(.up)))
                dispatch = now + waited
                counters[index].queued += 1
                counters[index].queueDelayMilliseconds += waited.milliseconds
                counters[index].maxQueueDelayMilliseconds = max(
                    counters[index].maxQueueDelayMilliseconds, waited.milliseconds)
            }
        }
        counters[index].accepted += 1
        var acceptance = Acceptance(mockChannel: message.channel, message: message.id, dispatchedAt: dispatch)
        let arrival = dispatch + latency
        if fails {
            counters[index].failed += 1
            acceptance.failedAt = arrival
        } else {
            counters[index].delivered += 1
            acceptance.deliveredAt = arrival
            if reads {
                counters[index].read += 1
                acceptance.readAt = arrival + readDelay
            }
        }
        return .accepted(acceptance)
    }

    /// Runs this part's message through its fair share of the sender's limiter: a GCRA with the
    /// rate and the burst divided by `partitions`. A part within its share for every message
    /// admits at most burst/n + rate/n · L messages in any window of L, so the parts together
    /// stay within burst + rate · L, which is exactly when the whole limiter never makes a
    /// message wait. A burst smaller than the number of parts has no such share.
    mutating func checkShare(channel index: Int, sender: Int, at t: Double, spec: MockChannelSpec) {
        guard spec.burst >= partitions else {
            sharedLimitMayBind = true
            return
        }
        let interval = 1000 / spec.ratePerSecond
        let shareInterval = interval * Double(partitions)
        let shareTolerance = Double(spec.burst - partitions) * interval
        let theoretical = max(shareNext[index][sender], t)
        if theoretical - shareTolerance - t > -MockBackend.shareSlackMilliseconds { sharedLimitMayBind = true }
        shareNext[index][sender] = theoretical + shareInterval
    }
}

/// What the mock backend did on one channel. Counters add across channels and shards.
public struct MockBackendCounters: Sendable, Equatable, Codable {
    public var submitted = 0
    public var accepted = 0
    public var delivered = 0
    public var failed = 0
    public var read = 0
    public var invalidRecipients = 0
    public var rateLimited = 0
    public var serverErrors = 0
    /// Accepted messages that waited in their sender's queue, and the total and longest wait.
    public var queued = 0
    public var queueDelayMilliseconds: Int64 = 0
    public var maxQueueDelayMilliseconds: Int64 = 0

    public init() {}

    public var rejected: Int { invalidRecipients + rateLimited + serverErrors }

    public static func += (a: inout MockBackendCounters, b: MockBackendCounters) {
        a.submitted += b.submitted
        a.accepted += b.accepted
        a.delivered += b.delivered
        a.failed += b.failed
        a.read += b.read
        a.invalidRecipients += b.invalidRecipients
        a.rateLimited += b.rateLimited
        a.serverErrors += b.serverErrors
        a.queued += b.queued
        a.queueDelayMilliseconds += b.queueDelayMilliseconds
        a.maxQueueDelayMilliseconds = max(a.maxQueueDelayMilliseconds, b.maxQueueDelayMilliseconds)
    }
}

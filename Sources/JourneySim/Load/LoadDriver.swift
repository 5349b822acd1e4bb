/// Sends a time-ordered stream of messages to a backend at their scheduled wall-clock times, in
/// an open model: each message starts when it is due whether or not earlier ones have returned,
/// so a slow backend shows up as latency instead of silently slowing the sender down.
///
/// Simulated time maps to wall time as `(intendedTime - first intendedTime) / speedup`. Latency
/// is measured from each message's scheduled wall time (not from when the driver got round to
/// it), which is what keeps the percentiles free of coordinated omission. Messages the driver
/// could not start within `lateSlack` are counted as late; when `maxInFlight` messages are
/// already waiting, a due message is dropped and counted, never queued out of sight.
public struct LoadDriver<Backend: MessagingBackend, PacingClock: Clock>: Sendable
where PacingClock.Duration == Duration {
    public struct Options: Sendable {
        /// Simulated seconds per wall-clock second (60 = one simulated hour per wall minute).
        public var speedup: Double
        /// Most messages awaiting an answer at once; beyond it due messages are dropped.
        public var maxInFlight: Int
        /// How late a message may start before it counts as late.
        public var lateSlack: Duration
        /// Wall-clock limit: messages scheduled after it are not sent.
        public var maxDuration: Duration?
        /// At most this many messages are taken from the input.
        public var maxMessages: Int?

        public init(
            speedup: Double = 1, maxInFlight: Int = 1024, lateSlack: Duration = .milliseconds(10),
            maxDuration: Duration? = nil, maxMessages: Int? = nil
        ) {
            self.speedup = speedup
            self.maxInFlight = maxInFlight
            self.lateSlack = lateSlack
            self.maxDuration = maxDuration
            self.maxMessages = maxMessages
        }
    }

    public let backend: Backend
    public let options: Options
    /// The clock messages are paced and latencies measured on: `ContinuousClock` in a real run,
    /// a manual clock in tests of timing.
    public let clock: PacingClock
    /// How much earlier than scheduled a message may start instead of the driver sleeping for it.
    static var earlyStart: Duration { .microseconds(500) }
    /// How often a pacer with every slot taken looks for a freed one (arrivals due meanwhile are
    /// decided then): often enough that a freed slot idles for a small part of a round trip.
    static var saturatedPoll: Duration { .microseconds(100) }
    /// The longest single sleep, so that a stop request is honoured promptly.
    static var longestSleep: Duration { .milliseconds(100) }

    public init(backend: Backend, options: Options = Options(), clock: PacingClock) {
        precondition(options.speedup > 0 && options.speedup.isFinite, "speedup must be a positive number")
        precondition(options.maxInFlight >= 1, "maxInFlight must be at least 1")
        self.backend = backend
        self.options = options
        self.clock = clock
    }

    public func run(
        _ items: [LoadItem], stop: LoadStopSignal = LoadStopSignal(), progress: LoadProgress? = nil
    ) async -> LoadResults {
        await run(ArrayLoadSequence(items: items), stop: stop, progress: progress)
    }

    public func run<Items: AsyncSequence & Sendable>(
        _ items: Items, stop: LoadStopSignal = LoadStopSignal(),
        progress: LoadProgress? = nil
    ) async -> LoadResults
    where Items.Element == LoadItem {
        if #available(macOS 15.0, *), let executor = backend.pacingExecutor {
            return await withTaskExecutorPreference(executor) { await pace(items, stop: stop, progress: progress) }
        }
        return await pace(items, stop: stop, progress: progress)
    }

    /// The pacer: takes the messages in order, starts each when it is due (or drops it), and
    /// collects the results once every started message has its answer. Times are offsets from
    /// the run's start on `clock`.
    func pace<Items: AsyncSequence & Sendable>(
        _ items: Items, stop: LoadStopSignal, progress: LoadProgress?
    ) async -> LoadResults
    where Items.Element == LoadItem {
        let start = clock.now
        let elapsed: @Sendable () -> Duration = { [clock] in start.duration(to: clock.now) }
        let state = Locked(DriverState())
        // The pacer's own counts, kept outside the lock: a dropped arrival costs a few additions.
        var tally = ArrivalTally()
        var stopReason: String?
        await withDiscardingTaskGroup { group in
            var slots = SlotReservation(state: state, maxInFlight: options.maxInFlight)
            let completions = LoadCompletions(state: state, progress: progress, elapsed: elapsed)
            do {
                stopReason = try await paceEach(
                    of: items, stop: stop, start: start, slots: &slots, tally: &tally, completions: completions,
                    group: &group)
            } catch {
                stopReason = "the message stream failed: \(error)"
            }
            await completions.drain(returning: slots.reserved)
        }
        return tally.results(state: state, wall: elapsed(), speedup: options.speedup, stopReason: stopReason)
    }

    /// Takes each message when it is due and starts or drops it; returns why it stopped before
    /// the end of `items`, or nil.
    private func paceEach<Items: AsyncSequence & Sendable>(
        of items: Items, stop: LoadStopSignal, start: PacingClock.Instant, slots: inout SlotReservation,
        tally: inout ArrivalTally, completions: LoadCompletions, group: inout DiscardingTaskGroup
    ) async throws -> String?
    where Items.Element == LoadItem {
        // A backend that reports through callbacks needs no task per message.
        let callbacks = backend as? any CallbackMessagingBackend
        var origin: SimTime?
        for try await item in items {
            if slots.isDueForRefresh {
                if let reason = stop.reason { return reason }
                slots.refresh(now: start.duration(to: clock.now))
            }
            if let limit = options.maxMessages, tally.taken >= limit { return "message limit (\(limit)) reached" }
            let due = offset(of: item, origin: &origin)
            if let limit = options.maxDuration, due > limit { return "duration limit reached" }
            // A message may start up to `earlyStart` before it is due while slots are free. With
            // none free it is dropped only once due, so a slot freed meanwhile can still take it;
            // the pacer then looks again every `saturatedPoll`.
            let horizon = slots.reserved > 0 ? due - Self.earlyStart : due
            if horizon > slots.now {
                slots.now = start.duration(to: clock.now)
                if horizon > slots.now {
                    let wake = slots.reserved > 0 ? due : max(due, slots.now + Self.saturatedPoll)
                    if let reason = await sleep(until: horizon, waking: wake, from: start, stop: stop) { return reason }
                    slots.refresh(now: start.duration(to: clock.now))
                }
            }
            let index = tally.arrive(item.message.channel, at: due)
            guard slots.take() else {
                tally.arrivals[index].dropped += 1
                continue
            }
            tally.arrivals[index].started += 1
            if slots.now - due > options.lateSlack { tally.arrivals[index].late += 1 }
            // Latency runs from the scheduled time, or from the actual start when that was (by
            // less than `earlyStart`) earlier.
            let latencyOrigin = max(due, slots.now)
            completions.progress?.started()
            if let callbacks {
                completions.start(item, channel: index, origin: latencyOrigin, on: callbacks)
            } else {
                launch(item, channel: index, origin: latencyOrigin, completions: completions, in: &group)
            }
        }
        return nil
    }

    /// When `item` is due, as an offset from the run's start: its simulated time since the first
    /// message's, divided by the speedup.
    private func offset(of item: LoadItem, origin: inout SimTime?) -> Duration {
        let first = origin ?? item.intendedTime
        origin = first
        let simulated = Double((item.intendedTime - first).milliseconds) / 1000
        return Duration.nanoseconds(Int64((simulated / options.speedup * 1e9).rounded()))
    }

    /// Sleeps until `horizon` in steps of at most `longestSleep` (each ending at `wake` at the
    /// latest), so a stop request is honoured promptly. Returns why the run must stop, or nil.
    private func sleep(
        until horizon: Duration, waking wake: Duration, from start: PacingClock.Instant, stop: LoadStopSignal
    ) async -> String? {
        while start.duration(to: clock.now) < horizon {
            // A cancelled task cannot sleep: stop rather than spin until the message is due.
            if stop.isStopped || Task.isCancelled { break }
            let step = min(wake, start.duration(to: clock.now) + Self.longestSleep)
            try? await backend.sleepForPacing(until: start.advanced(by: step), on: clock)
        }
        if let reason = stop.reason { return reason }
        if Task.isCancelled { return "cancelled" }
        return nil
    }

    /// Starts a message in a task of the driver's group, on the backend's executor for it if it
    /// names one.
    private func launch(
        _ item: LoadItem, channel index: Int, origin: Duration, completions: LoadCompletions,
        in group: inout DiscardingTaskGroup
    ) {
        let send: @Sendable () async -> Void = { [backend] in
            let report = await backend.send(item.message, content: item.content)
            completions.record(report, channel: index, origin: origin)
        }
        if #available(macOS 15.0, *), let executor = backend.preferredTaskExecutor(for: item.message) {
            group.addTask(executorPreference: executor, operation: send)
        } else {
            group.addTask(operation: send)
        }
    }
}

extension LoadDriver where PacingClock == ContinuousClock {
    /// A driver on the wall clock (`ContinuousClock`).
    public init(backend: Backend, options: Options = Options()) {
        self.init(backend: backend, options: options, clock: ContinuousClock())
    }
}

/// In-flight slots the pacer takes from the shared count ahead of use: it looks at the count
/// (one lock) once per wake-up or per `batchLimit` arrivals, and in between a dropped arrival is
/// a few additions, with no lock, task, timer or allocation.
struct SlotReservation {
    /// Most arrivals handled on one look at the in-flight count (when the driver is behind
    /// schedule and does not sleep between them).
    static let batchLimit = 256

    let state: Locked<DriverState>
    let maxInFlight: Int
    /// Slots taken from the shared count and not used yet.
    var reserved = 0
    var sinceRefresh = SlotReservation.batchLimit
    /// The pacer's idea of the time (offset from the start), read at each refresh.
    var now = Duration.zero

    init(state: Locked<DriverState>, maxInFlight: Int) {
        self.state = state
        self.maxInFlight = maxInFlight
    }

    var isDueForRefresh: Bool { sinceRefresh >= Self.batchLimit }

    /// Gives back the unused slots and takes every free one, as of `now`.
    mutating func refresh(now: Duration) {
        self.now = now
        let unused = reserved
        let maxInFlight = maxInFlight
        reserved = state.withLock { state -> Int in
            state.inFlight -= unused
            let free = max(0, maxInFlight - state.inFlight)
            state.inFlight += free
            return free
        }
        sinceRefresh = 0
    }

    /// Counts an arrival and takes a slot for it if one is reserved.
    mutating func take() -> Bool {
        sinceRefresh += 1
        guard reserved > 0 else { return false }
        reserved -= 1
        return true
    }
}

/// What the pacer alone counts, without the lock.
struct ArrivalTally {
    var arrivals = [ArrivalCounts](repeating: ArrivalCounts(), count: Channel.allCases.count)
    var used = ChannelSet()
    var intendedPerSecond: [Int] = []
    var lastOffset = Duration.zero
    var taken = 0

    /// Counts a message due at `offset` on `channel` as intended; returns the channel's index.
    mutating func arrive(_ channel: Channel, at offset: Duration) -> Int {
        taken += 1
        lastOffset = max(lastOffset, offset)
        let index = Int(channel.rawValue)
        used.insert(ChannelSet(channel))
        arrivals[index].intended += 1
        DriverState.bump(&intendedPerSecond, at: offset)
        return index
    }

    /// The run's results: these counts joined with what was counted on completion.
    func results(state: Locked<DriverState>, wall: Duration, speedup: Double, stopReason: String?) -> LoadResults {
        let (all, completedSeries) = state.withLock { ($0.stats, $0.completedPerSecond) }
        var stats: [Channel: LoadStatistics] = [:]
        var overall = LoadStatistics()
        for channel in used.channels {
            let index = Int(channel.rawValue)
            var channelStats = all[index]
            arrivals[index].copy(into: &channelStats)
            stats[channel] = channelStats
            overall.add(channelStats)
        }
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let scheduled = Double(lastOffset.components.seconds) + Double(lastOffset.components.attoseconds) / 1e18
        var results = LoadResults(
            channels: stats, overall: overall, wallSeconds: wallSeconds, scheduledSeconds: scheduled,
            speedup: speedup, stopReason: stopReason)
        results.intendedPerSecond = intendedPerSecond
        results.completedPerSecond = completedSeries
        return results
    }
}

/// What the pacer alone counts for a channel.
struct ArrivalCounts {
    var intended = 0
    var started = 0
    var late = 0
    var dropped = 0

    func copy(into stats: inout LoadStatistics) {
        stats.intended = intended
        stats.started = started
        stats.late = late
        stats.dropped = dropped
    }
}

/// What the driver's tasks share: the in-flight count and everything counted on completion.
struct DriverState {
    /// Seconds of throughput history kept (a day).
    static let maxSeconds = 86_400

    /// Started messages not answered yet, plus slots the pacer has reserved.
    var inFlight = 0
    var completedPerSecond: [Int] = []
    /// The driver waiting for the last answers (see `LoadCompletions.drain`).
    var drainWaiter: CheckedContinuation<Void, Never>?

    static func bump(_ series: inout [Int], at elapsed: Duration) {
        let second = Int(elapsed.components.seconds)
        guard second >= 0, second < maxSeconds else { return }
        if series.count <= second { series.append(contentsOf: repeatElement(0, count: second + 1 - series.count)) }
        series[second] += 1
    }
    /// Indexed by channel raw value.
    var stats = [LoadStatistics](repeating: LoadStatistics(), count: Channel.allCases.count)
}

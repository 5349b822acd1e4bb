/// Sends a time-ordered stream of messages to a backend at their scheduled wall-clock times, in
/// an open model: each message starts when it is due whether or not earlier ones have returned,
/// so a slow backend shows up as latency instead of silently slowing the sender down.
///
/// Simulated time maps to wall time as `(intendedTime - first intendedTime) / speedup`. Latency
/// is measured from each message's scheduled wall time (not from when the driver got round to
/// it), which is what keeps the percentiles free of coordinated omission. Messages the driver
/// could not start within `lateSlack` are counted as late; when `maxInFlight` messages are
/// already waiting, a due message is dropped and counted, never queued out of sight.
public struct LoadDriver<Backend: MessagingBackend>: Sendable {
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
    /// How much earlier than scheduled a message may start instead of the driver sleeping for it.
    static var earlyStart: Duration { .microseconds(500) }
    /// How often a pacer with every slot taken looks for a freed one (arrivals due meanwhile are
    /// decided then): often enough that a freed slot idles for a small part of a round trip.
    static var saturatedPoll: Duration { .microseconds(100) }

    public init(backend: Backend, options: Options = Options()) {
        precondition(options.speedup > 0 && options.speedup.isFinite, "speedup must be a positive number")
        precondition(options.maxInFlight >= 1, "maxInFlight must be at least 1")
        self.backend = backend
        self.options = options
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
    /// collects the results once every started message has its answer.
    func pace<Items: AsyncSequence & Sendable>(
        _ items: Items, stop: LoadStopSignal, progress: LoadProgress?
    ) async -> LoadResults
    where Items.Element == LoadItem {
        let clock = ContinuousClock()
        let start = clock.now
        let state = Locked(DriverState())
        // The pacer's own counts, kept outside the lock: a dropped arrival costs a few additions.
        var arrivals = [ArrivalCounts](repeating: ArrivalCounts(), count: Channel.allCases.count)
        var used = ChannelSet()
        var intendedPerSecond: [Int] = []
        var stopReason: String?
        var origin: SimTime?
        var lastOffset = Duration.zero
        var taken = 0

        await withDiscardingTaskGroup { group in
            var now = clock.now
            // In-flight slots taken from the shared count ahead of use: the pacer looks at the
            // count (one lock) once per wake-up or per `batchLimit` arrivals, and in between a
            // dropped arrival is a few additions, with no lock, task, timer or allocation.
            var reserved = 0
            var sinceRefresh = Self.batchLimit

            func refresh() {
                now = clock.now
                let unused = reserved
                reserved = state.withLock { state -> Int in
                    state.inFlight -= unused
                    let free = max(0, options.maxInFlight - state.inFlight)
                    state.inFlight += free
                    return free
                }
                sinceRefresh = 0
            }

            let completions = LoadCompletions(state: state, progress: progress, start: start)
            // A backend that reports through callbacks needs no task per message.
            let callbacks = backend as? any CallbackMessagingBackend

            func launch(_ item: LoadItem, index: Int, origin: ContinuousClock.Instant) {
                progress?.started()
                if let callbacks {
                    completions.start(item, channel: index, origin: origin, on: callbacks)
                    return
                }
                let send: @Sendable () async -> Void = {
                    let report = await backend.send(item.message, content: item.content)
                    completions.record(report, channel: index, origin: origin)
                }
                if #available(macOS 15.0, *), let executor = backend.preferredTaskExecutor(for: item.message) {
                    group.addTask(executorPreference: executor, operation: send)
                } else {
                    group.addTask(operation: send)
                }
            }

            do {
                for try await item in items {
                    if sinceRefresh >= Self.batchLimit {
                        if let reason = stop.reason {
                            stopReason = reason
                            break
                        }
                        refresh()
                    }
                    if let limit = options.maxMessages, taken >= limit {
                        stopReason = "message limit (\(limit)) reached"
                        break
                    }
                    let first = origin ?? item.intendedTime
                    origin = first
                    let simulated = Double((item.intendedTime - first).milliseconds) / 1000
                    let offset = Duration.nanoseconds(Int64((simulated / options.speedup * 1e9).rounded()))
                    if let limit = options.maxDuration, offset > limit {
                        stopReason = "duration limit reached"
                        break
                    }
                    let due = start + offset
                    // A message may start up to `earlyStart` before it is due while slots are
                    // free. With none free it is dropped only once due, so a slot freed meanwhile
                    // can still take it; the pacer then looks again every `saturatedPoll`.
                    let horizon = reserved > 0 ? due - Self.earlyStart : due
                    if horizon > now {
                        now = clock.now
                        if horizon > now {
                            // Sleep in steps of at most 100 ms, so a stop request is honoured promptly.
                            let wake = reserved > 0 ? due : max(due, now + Self.saturatedPoll)
                            while clock.now < horizon {
                                // A cancelled task cannot sleep: stop rather than spin until the message is due.
                                if stop.isStopped || Task.isCancelled { break }
                                try? await backend.sleepForPacing(until: min(wake, clock.now + .milliseconds(100)))
                            }
                            if let reason = stop.reason {
                                stopReason = reason
                                break
                            }
                            if Task.isCancelled {
                                stopReason = "cancelled"
                                break
                            }
                            refresh()
                        }
                    }
                    taken += 1
                    sinceRefresh += 1
                    lastOffset = max(lastOffset, offset)
                    let channel = item.message.channel
                    let index = Int(channel.rawValue)
                    used.insert(ChannelSet(channel))
                    arrivals[index].intended += 1
                    DriverState.bump(&intendedPerSecond, at: offset)
                    guard reserved > 0 else {
                        arrivals[index].dropped += 1
                        continue
                    }
                    reserved -= 1
                    arrivals[index].started += 1
                    if now - due > options.lateSlack { arrivals[index].late += 1 }
                    // Latency runs from the scheduled time, or from the actual start when that was
                    // (by less than `earlyStart`) earlier.
                    launch(item, index: index, origin: max(due, now))
                }
            } catch {
                stopReason = "the message stream failed: \(error)"
            }
            await completions.drain(returning: reserved)
        }
        let wall = clock.now - start
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
            speedup: options.speedup, stopReason: stopReason)
        results.intendedPerSecond = intendedPerSecond
        results.completedPerSecond = completedSeries
        return results
    }

    /// Most arrivals handled on one look at the in-flight count (when the driver is behind
    /// schedule and does not sleep between them).
    static var batchLimit: Int { 256 }
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

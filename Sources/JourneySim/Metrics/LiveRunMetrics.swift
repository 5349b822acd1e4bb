/// The counts of a run while it goes on: `RunMetrics`'s fields, with its per-archetype,
/// per-channel, per-kind, per-hour and per-day arrays kept in pointer-written `StateBuffer`s.
///
/// Why not `RunMetrics` itself: every event adds to three or four of those arrays, and each write
/// through an `Array` in a function not inlined into the loop asks the runtime whether the
/// buffer is uniquely referenced (three such calls per emitted event were 2–3% of a run).
/// `Simulator.run` calls `makeUnique()` once; `snapshot` gives the public `RunMetrics`.
struct LiveRunMetrics: @unchecked Sendable {
    var eventsProcessed = 0
    var totals = FunnelCounts()
    var byArchetype: StateBuffer<FunnelCounts>
    var byChannel: StateBuffer<FunnelCounts>
    var transitions: StateBuffer<Int>
    var sessionsByLocalHour: StateBuffer<Int>
    var eventsByKind: StateBuffer<Int>
    var daily: StateBuffer<DailyCounts>
    /// Without (0) and with (1) the multichannel effect.
    var multichannelPurchases: StateBuffer<Int>
    var multichannelRevenueCents: StateBuffer<Int64>

    init(days: Int) {
        let shape = RunMetrics(days: days)
        byArchetype = StateBuffer(copying: shape.byArchetype)
        byChannel = StateBuffer(copying: shape.byChannel)
        transitions = StateBuffer(copying: shape.transitions)
        sessionsByLocalHour = StateBuffer(copying: shape.sessionsByLocalHour)
        eventsByKind = StateBuffer(copying: shape.eventsByKind)
        daily = StateBuffer(copying: shape.daily)
        multichannelPurchases = StateBuffer(copying: shape.multichannelPurchases)
        multichannelRevenueCents = StateBuffer(copying: shape.multichannelRevenueCents)
    }

    /// Storage of its own for each buffer another copy shares (a copy of the simulator, say).
    mutating func makeUnique() {
        byArchetype.makeUnique()
        byChannel.makeUnique()
        transitions.makeUnique()
        sessionsByLocalHour.makeUnique()
        eventsByKind.makeUnique()
        daily.makeUnique()
        multichannelPurchases.makeUnique()
        multichannelRevenueCents.makeUnique()
    }

    /// The counts so far, as the results read them.
    var snapshot: RunMetrics {
        var metrics = RunMetrics(days: daily.count)
        metrics.eventsProcessed = eventsProcessed
        metrics.totals = totals
        metrics.byArchetype = Self.array(byArchetype)
        metrics.byChannel = Self.array(byChannel)
        metrics.transitions = Self.array(transitions)
        metrics.sessionsByLocalHour = Self.array(sessionsByLocalHour)
        metrics.eventsByKind = Self.array(eventsByKind)
        metrics.daily = Self.array(daily)
        metrics.multichannelPurchases = Self.array(multichannelPurchases)
        metrics.multichannelRevenueCents = Self.array(multichannelRevenueCents)
        return metrics
    }

    private static func array<T>(_ buffer: StateBuffer<T>) -> [T] {
        Array(UnsafeBufferPointer(start: buffer.base, count: buffer.count))
    }
}

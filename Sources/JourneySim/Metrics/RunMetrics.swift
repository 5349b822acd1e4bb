/// Everything a run counts. Plain integer counters in fixed-size arrays indexed by archetype,
/// channel, stage and day, so recording an event is a few array increments, and two runs (shards)
/// merge exactly by adding.
public struct RunMetrics: Sendable, Equatable, Codable {
    public static let transitionRows = 3  // research, cart, checkout
    public static let outcomes = 4  // advance, stay, back, end

    public var eventsProcessed = 0
    public var totals = FunnelCounts()
    public var byArchetype = [FunnelCounts](repeating: FunnelCounts(), count: Archetype.allCases.count)
    public var byChannel = [FunnelCounts](repeating: FunnelCounts(), count: Channel.allCases.count)
    /// Step outcomes per archetype, stage row and outcome, flattened: see `transitionIndex`.
    public var transitions = [Int](repeating: 0, count: Archetype.allCases.count * transitionRows * outcomes)
    /// Session starts per customer-local hour of day.
    public var sessionsByLocalHour = [Int](repeating: 0, count: 24)
    /// Events per customer event kind.
    public var eventsByKind = [Int](repeating: 0, count: EventKind.allCases.count)
    /// Per simulated day (UTC days from the start).
    public var daily: [DailyCounts]
    /// Purchases and revenue of customers in the multichannel effect's archetypes, without (index
    /// 0) and with (index 1) the effect, to check the "buy 70% more often, spend 34% more" figure.
    public var multichannelPurchases = [0, 0]
    public var multichannelRevenueCents: [Int64] = [0, 0]

    public init(days: Int) {
        daily = [DailyCounts](repeating: DailyCounts(), count: max(1, days))
    }

    @inlinable public static func transitionIndex(archetype: Archetype, row: Int, outcome: Int) -> Int {
        (Int(archetype.rawValue) &* transitionRows &+ row) &* outcomes &+ outcome
    }

    public mutating func merge(_ other: RunMetrics) {
        eventsProcessed += other.eventsProcessed
        totals.merge(other.totals)
        for i in byArchetype.indices { byArchetype[i].merge(other.byArchetype[i]) }
        for i in byChannel.indices { byChannel[i].merge(other.byChannel[i]) }
        for i in transitions.indices { transitions[i] += other.transitions[i] }
        for i in sessionsByLocalHour.indices { sessionsByLocalHour[i] += other.sessionsByLocalHour[i] }
        for i in eventsByKind.indices { eventsByKind[i] += other.eventsByKind[i] }
        for i in daily.indices where i < other.daily.count { daily[i].merge(other.daily[i]) }
        for i in 0..<2 {
            multichannelPurchases[i] += other.multichannelPurchases[i]
            multichannelRevenueCents[i] += other.multichannelRevenueCents[i]
        }
    }
}

/// One simulated day's activity, for the time series.
public struct DailyCounts: Sendable, Equatable, Codable, BitwiseCopyable {
    public var sessions = 0
    public var cartAdds = 0
    public var abandonedCarts = 0
    public var purchases = 0
    public var revenueCents: Int64 = 0
    public var messagesDelivered = 0
    public var unhappyMessages = 0
    public var optOuts = 0

    public init() {}

    public mutating func merge(_ other: DailyCounts) {
        messagesDelivered += other.messagesDelivered
        unhappyMessages += other.unhappyMessages
        optOuts += other.optOuts
        sessions += other.sessions
        cartAdds += other.cartAdds
        abandonedCarts += other.abandonedCarts
        purchases += other.purchases
        revenueCents += other.revenueCents
    }
}

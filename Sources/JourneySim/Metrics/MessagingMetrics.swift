/// What happened to messages once the trigger core let them go: backend outcomes and customer
/// reactions, per channel, as integer counters that add across shards.
public struct MessagingMetrics: Sendable, Equatable, Codable {
    /// Per channel, indexed by `Channel.rawValue`.
    public var byChannel = [ChannelMessageCounts](repeating: ChannelMessageCounts(), count: Channel.allCases.count)
    /// Customers who received at least one message, and who opted out of at least one channel.
    public var recipients = 0
    public var customersOptedOut = 0
    /// Customers who were unhappy with at least one message.
    public var unhappyRecipients = 0
    /// Clicks that brought a customer back to an abandoned cart, and to a new journey.
    public var cartReturns = 0
    public var reengagements = 0
    /// Unhappy recipients who dropped the journey under way.
    public var walkAways = 0
    /// Purchases in sessions that a message click started, and their revenue.
    public var messagePurchases = 0
    public var messageRevenueCents: Int64 = 0
    /// Delivered messages not opened within their campaign's `ignored_after` window.
    public var ignored = 0

    public init() {}

    public var totals: ChannelMessageCounts {
        var total = ChannelMessageCounts()
        for counts in byChannel { total.merge(counts) }
        return total
    }

    public mutating func merge(_ other: MessagingMetrics) {
        for i in byChannel.indices { byChannel[i].merge(other.byChannel[i]) }
        recipients += other.recipients
        customersOptedOut += other.customersOptedOut
        unhappyRecipients += other.unhappyRecipients
        cartReturns += other.cartReturns
        reengagements += other.reengagements
        walkAways += other.walkAways
        messagePurchases += other.messagePurchases
        messageRevenueCents += other.messageRevenueCents
        ignored += other.ignored
    }
}

/// One channel's message counts.
public struct ChannelMessageCounts: Sendable, Equatable, Codable {
    /// Send attempts handed to the backend (retries and fallbacks included).
    public var attempts = 0
    public var accepted = 0
    public var delivered = 0
    public var failed = 0
    /// Rejections by kind: invalid recipient, rate limited, server error (retried within bounds).
    public var rejectedInvalid = 0
    public var rejectedRateLimited = 0
    public var rejectedServerError = 0
    public var retries = 0
    /// Messages given up after the last retry.
    public var abandoned = 0
    public var opened = 0
    public var clicked = 0
    public var replied = 0
    public var unhappy = 0
    public var optOuts = 0
    public var costMicros: Int64 = 0

    public init() {}

    public mutating func merge(_ other: ChannelMessageCounts) {
        attempts += other.attempts
        accepted += other.accepted
        delivered += other.delivered
        failed += other.failed
        rejectedInvalid += other.rejectedInvalid
        rejectedRateLimited += other.rejectedRateLimited
        rejectedServerError += other.rejectedServerError
        retries += other.retries
        abandoned += other.abandoned
        opened += other.opened
        clicked += other.clicked
        replied += other.replied
        unhappy += other.unhappy
        optOuts += other.optOuts
        costMicros += other.costMicros
    }
}

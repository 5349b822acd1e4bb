/// How simulated customers respond to messages: per-channel open and click rates, the effect of
/// a click on the journey, and fatigue leading to opt-outs. Every figure is a documented default
/// that a scenario's `behavior:` section can override.
public struct BehaviorSpec: Sendable, Equatable {
    /// Indexed by `Channel.rawValue`.
    public var channels: [ChannelResponse]
    public var recovery: RecoveryEffect
    public var fatigue: FatigueModel

    public static let defaults = BehaviorSpec(
        channels: Channel.allCases.map(ChannelResponse.defaults(for:)), recovery: .defaults, fatigue: .defaults)

    public func response(_ channel: Channel) -> ChannelResponse { channels[Int(channel.rawValue)] }
}

/// One channel's engagement: the chance a delivered message is opened, then clicked, and how much
/// more likely an engaged customer is to buy.
public struct ChannelResponse: Sendable, Equatable {
    /// Probability a delivered message is opened (messaging apps ~90%, SMS near 100%, email far lower).
    public var open: Double
    /// Probability an opened message is clicked (tapped, replied to).
    public var click: Double
    /// Multiplier on the purchase probability at checkout for a customer brought back by this
    /// channel (1.7 for WhatsApp: customers were 1.7× more likely to buy when engaged there).
    public var purchaseLift: Double
    /// Probability an opened message is answered (`message_replied`); 0 unless the scenario sets it.
    public var reply: Double = 0
    /// Time from delivery to opening; nil: a message is opened (if at all) when it arrives.
    /// Clicks and replies follow the open.
    public var openDelay: Distribution?

    public init(open: Double, click: Double, purchaseLift: Double, reply: Double = 0) {
        self.open = open
        self.click = click
        self.purchaseLift = purchaseLift
        self.reply = reply
    }

    public static func defaults(for channel: Channel) -> ChannelResponse {
        switch channel {
        case .whatsapp: .init(open: 0.90, click: 0.25, purchaseLift: 1.7)
        case .sms: .init(open: 0.98, click: 0.12, purchaseLift: 1.0)
        case .email: .init(open: 0.22, click: 0.12, purchaseLift: 1.0)
        case .push: .init(open: 0.50, click: 0.15, purchaseLift: 1.0)
        case .messenger: .init(open: 0.85, click: 0.20, purchaseLift: 1.2)
        case .viber: .init(open: 0.88, click: 0.18, purchaseLift: 1.2)
        case .telegram: .init(open: 0.88, click: 0.18, purchaseLift: 1.2)
        case .rcs: .init(open: 0.85, click: 0.18, purchaseLift: 1.1)
        case .appleMessages: .init(open: 0.90, click: 0.22, purchaseLift: 1.3)
        case .inApp: .init(open: 0.60, click: 0.20, purchaseLift: 1.0)
        }
    }
}

/// What a click does to the journey.
public struct RecoveryEffect: Sendable, Equatable {
    /// Probability a click on a message about an abandoned cart brings the customer back to it
    /// at once (before discount and delay effects).
    public var cartReturn: Double
    /// Multiplier on `cartReturn` when the message carries a discount code.
    public var discountMultiplier: Double
    /// The return probability halves for every this much time between abandonment and the message.
    public var halfLife: SimDuration
    /// Probability a click brings a customer with no active journey (idle, dormant, using) back
    /// to start one: re-engagement and welcome messages.
    public var reengage: Double

    public static let defaults = RecoveryEffect(
        cartReturn: 0.55, discountMultiplier: 1.4, halfLife: .hours(24), reengage: 0.25)
}

/// Annoyance that builds up with messages and decays, the unhappiness it causes and the opt-outs
/// that follow (78% of people unhappy with messages opt out or uninstall).
public struct FatigueModel: Sendable, Equatable {
    /// Annoyance added by every delivered message.
    public var perMessage: Double
    /// Extra annoyance for an irrelevant message: urging a purchase the customer just made.
    public var irrelevant: Double
    /// Extra annoyance for a message arriving outside local daytime (`quietFrom`–`quietTo`).
    public var offHours: Double
    /// Extra annoyance for repeated content (the same template as the previous message).
    public var repeated: Double
    /// Extra annoyance for a channel the customer rarely uses (not the one their journey runs on).
    public var rareChannel: Double
    /// Annoyance halves over this time.
    public var halfLife: SimDuration
    /// Unhappiness probability: `baseUnhappy + unhappyPerAnnoyance × annoyance`, at most 1.
    public var baseUnhappy: Double
    public var unhappyPerAnnoyance: Double
    /// Probability an unhappy recipient opts out of the channel (or uninstalls the app, for push
    /// and in-app): 0.78 from the source figures.
    public var optOut: Double
    /// Multiplier on open and click probabilities for each opt-out the customer has made.
    public var engagementAfterOptOut: Double
    /// Probability an unhappy recipient also walks away from the journey under way (it lapses
    /// into dormancy): irritation costs sales, not only reach.
    public var abandonJourneyWhenUnhappy: Double
    /// Local hours counted as off-hours: from `quietFrom` (inclusive) to `quietTo` (exclusive).
    public var quietFrom: Int
    public var quietTo: Int

    public static let defaults = FatigueModel(
        perMessage: 1.0, irrelevant: 3.0, offHours: 1.5, repeated: 0.5, rareChannel: 0.5, halfLife: .days(3),
        baseUnhappy: 0.001, unhappyPerAnnoyance: 0.008, optOut: 0.78, engagementAfterOptOut: 0.8,
        abandonJourneyWhenUnhappy: 0.5, quietFrom: 21, quietTo: 8)
}

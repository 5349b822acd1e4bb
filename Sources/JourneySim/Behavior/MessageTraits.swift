/// What the customer's reaction depends on about a message, beyond its channel.
public struct MessageTraits: Sendable, Equatable {
    /// The message urges a purchase (a cart reminder, a promotion), so it is irrelevant to a
    /// customer who has just bought.
    public var urgesPurchase: Bool
    /// The message carries a discount code.
    public var hasDiscount: Bool
    /// Identifies the content, for "repeated content" fatigue.
    public var template: UInt16

    public init(urgesPurchase: Bool, hasDiscount: Bool, template: UInt16) {
        self.urgesPurchase = urgesPurchase
        self.hasDiscount = hasDiscount
        self.template = template
    }
}

/// How a customer reacted to one delivered message.
public struct MessageReaction: Sendable, Equatable {
    public var opened = false
    public var clicked = false
    /// The customer answered it (only drawn when the channel's `reply` is above 0).
    public var replied = false
    /// The message left the customer unhappy.
    public var unhappy = false
    /// The customer opted out of the channel (or uninstalled the app) because of it.
    public var optedOut = false
    /// Annoyance after the message.
    public var annoyance: Double = 0

    public init() {}
}

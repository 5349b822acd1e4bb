/// Identifies one send attempt of one message. Everything the core needs to handle a delivery
/// report is in the id itself, so the core keeps no table of messages in flight.
public struct MessageID: Hashable, Sendable, BitwiseCopyable {
    /// Unique per message within a core (fallback attempts keep the serial of their message).
    public var serial: UInt64
    public var customer: UInt32
    public var campaign: UInt16
    public var step: UInt8
    /// Whether this attempt went out on a fallback channel.
    public var isFallback: Bool
    /// The channels tried so far for this message, including this attempt's.
    public var tried: ChannelSet

    @inlinable public init(
        serial: UInt64, customer: UInt32, campaign: UInt16, step: UInt8, isFallback: Bool, tried: ChannelSet
    ) {
        self.serial = serial
        self.customer = customer
        self.campaign = campaign
        self.step = step
        self.isFallback = isFallback
        self.tried = tried
    }
}

/// A message the core wants sent now. Strings stay in the `TriggerSpec` tables (`templates`,
/// `discountCodes`) so a request is a flat value that costs no allocation.
public struct SendRequest: Sendable, Equatable, BitwiseCopyable {
    public var message: MessageID
    public var channel: Channel
    /// Index into `TriggerSpec.templates`.
    public var template: UInt16
    /// Index into `TriggerSpec.discountCodes`; 0 is "no discount" (the empty code).
    public var discount: UInt16
    /// When the core meant to send: after the delay and any delivery-window deferral, before any
    /// rate-limit hold. Latency is measured from here (no coordinated omission).
    public var intendedAt: SimTime
    /// When the core emitted the request (the virtual instant it became sendable).
    public var time: SimTime
    /// The message went out on a channel other than the first choice.
    public var isFallback: Bool
    /// The message was outside its delivery window and deferred to the next opening.
    public var wasDeferred: Bool
    /// The reply goes to a human agent rather than a bot (e.g. low review ratings).
    public var routeToAgent: Bool

    public init(
        message: MessageID, channel: Channel, template: UInt16, discount: UInt16, intendedAt: SimTime, time: SimTime,
        isFallback: Bool, wasDeferred: Bool, routeToAgent: Bool
    ) {
        self.message = message
        self.channel = channel
        self.template = template
        self.discount = discount
        self.intendedAt = intendedAt
        self.time = time
        self.isFallback = isFallback
        self.wasDeferred = wasDeferred
        self.routeToAgent = routeToAgent
    }

    @inlinable public var customer: UInt32 { message.customer }
    @inlinable public var campaign: Int { Int(message.campaign) }
    @inlinable public var step: Int { Int(message.step) }
}

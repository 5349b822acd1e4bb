/// What a channel can carry and what it costs: the facts a campaign needs to pick a channel and a
/// fallback, and that the payload renderer needs to keep a message within the provider's limits.
public struct ChannelCapabilities: Sendable, Equatable {
    /// Images, video, carousels or cards.
    public var richMedia: Bool
    /// Quick replies, call-to-action or URL buttons.
    public var buttons: Bool
    /// Checkout inside the conversation (WhatsApp Pay, Telegram payments, Apple Pay).
    public var payments: Bool
    /// The longest message text the provider accepts, in characters.
    public var maxTextLength: Int

    public init(richMedia: Bool, buttons: Bool, payments: Bool, maxTextLength: Int) {
        self.richMedia = richMedia
        self.buttons = buttons
        self.payments = payments
        self.maxTextLength = maxTextLength
    }
}

/// The defaults of one channel stub: capabilities, price per message and fallback target.
///
/// Costs are list prices for a marketing message to a US recipient, in US dollars, rounded
/// (WhatsApp marketing template ≈ $0.025, SMS segment ≈ $0.0079, email ≈ $0.0009 at volume,
/// Viber business message ≈ $0.012, RCS basic message ≈ $0.01; push, Messenger, Telegram, Apple
/// Messages and in-app are free per message). They are defaults for cost reports, not quotes.
public struct ChannelStub: Sendable, Equatable {
    public var channel: Channel
    public var capabilities: ChannelCapabilities
    /// Price of one message, in US dollars.
    public var costPerMessageUSD: Double
    /// Where a message goes when this channel cannot deliver it (app not installed, number not
    /// reachable), or nil when there is no sensible fallback.
    ///
    /// App messengers fall back to SMS, which needs only a number (whatsapp, viber, rcs,
    /// telegram and apple-messages → sms); Messenger knows the customer by their Facebook
    /// account rather than a number, so it falls back to email; push falls back to an in-app
    /// message, which is shown on the next app open when notifications are switched off. SMS,
    /// email and in-app are the ends of the chains, so no chain loops.
    public var fallback: Channel?

    public init(channel: Channel, capabilities: ChannelCapabilities, costPerMessageUSD: Double, fallback: Channel?) {
        self.channel = channel
        self.capabilities = capabilities
        self.costPerMessageUSD = costPerMessageUSD
        self.fallback = fallback
    }
}

extension Channel {
    /// The documented defaults of this channel's stub: capabilities, cost and fallback.
    public var stub: ChannelStub {
        switch self {
        case .whatsapp:
            ChannelStub(
                channel: self, capabilities: .init(richMedia: true, buttons: true, payments: true, maxTextLength: 1024),
                costPerMessageUSD: 0.025, fallback: .sms)
        case .sms:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: false, buttons: false, payments: false, maxTextLength: 1600),
                costPerMessageUSD: 0.0079, fallback: nil)
        case .email:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 100_000),
                costPerMessageUSD: 0.0009, fallback: nil)
        case .push:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 1000),
                costPerMessageUSD: 0, fallback: .inApp)
        case .messenger:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 2000),
                costPerMessageUSD: 0, fallback: .email)
        case .viber:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 7000),
                costPerMessageUSD: 0.012, fallback: .sms)
        case .telegram:
            ChannelStub(
                channel: self, capabilities: .init(richMedia: true, buttons: true, payments: true, maxTextLength: 4096),
                costPerMessageUSD: 0, fallback: .sms)
        case .rcs:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 3072),
                costPerMessageUSD: 0.01, fallback: .sms)
        case .appleMessages:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: true, maxTextLength: 10_000),
                costPerMessageUSD: 0, fallback: .sms)
        case .inApp:
            ChannelStub(
                channel: self,
                capabilities: .init(richMedia: true, buttons: true, payments: false, maxTextLength: 2000),
                costPerMessageUSD: 0, fallback: nil)
        }
    }
}

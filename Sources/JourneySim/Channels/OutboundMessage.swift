/// A message on its way to a backend: who, on which channel, for which campaign step, and when
/// it was meant to go out. Integer ids only, so the virtual-time mock backend handles it without
/// allocation; wire payloads are rendered from it (with a `MessageContent`) only for real HTTP.
public struct OutboundMessage: Sendable, Equatable {
    /// Unique within a run; the basis of the idempotency key, so retries are never counted twice.
    public var id: UInt64
    public var customer: UInt32
    public var channel: Channel
    /// Index of the campaign in the scenario, and of the step within a multi-step flow.
    public var campaign: UInt16
    public var step: UInt16
    /// When the trigger core meant it to be sent; load latency is measured from here so a
    /// stalled backend cannot hide behind a slowed-down sender (no coordinated omission).
    public var intendedTime: SimTime

    public init(id: UInt64, customer: UInt32, channel: Channel, campaign: UInt16, step: UInt16, intendedTime: SimTime) {
        self.id = id
        self.customer = customer
        self.channel = channel
        self.campaign = campaign
        self.step = step
        self.intendedTime = intendedTime
    }

    /// The idempotency key sent with every attempt of this message.
    public var idempotencyKey: String { "js-\(id)" }
}

/// What a message says: rendered into each provider's wire shape by the channel stubs.
public struct MessageContent: Sendable, Equatable {
    public var campaignName: String
    public var template: String
    /// Personalisation fields in order, e.g. `first_name` → `Ana`.
    public var fields: [(name: String, value: String)]
    public var discountCode: String?

    public init(
        campaignName: String, template: String, fields: [(name: String, value: String)] = [],
        discountCode: String? = nil
    ) {
        self.campaignName = campaignName
        self.template = template
        self.fields = fields
        self.discountCode = discountCode
    }

    public static func == (a: MessageContent, b: MessageContent) -> Bool {
        a.campaignName == b.campaignName && a.template == b.template && a.discountCode == b.discountCode
            && a.fields.map(\.name) == b.fields.map(\.name) && a.fields.map(\.value) == b.fields.map(\.value)
    }
}

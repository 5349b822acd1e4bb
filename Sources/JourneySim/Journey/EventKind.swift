/// The typed events a simulated customer emits: what the trigger core listens to and what
/// `--trace` writes.
///
/// A one-byte id. The first 13 are the journey's built-in kinds, the next six are message
/// interactions (what happened to a message the customer was sent), and the ids from
/// `firstCustom` up are the custom events a scenario's journey declares (`journey.events`), in
/// declaration order. Names of custom events live in the scenario's `EventCatalog`; the engine
/// and the trigger core see only ids.
public struct EventKind: RawRepresentable, Hashable, Sendable, BitwiseCopyable, Comparable, CaseIterable {
    public let rawValue: UInt8

    /// Kinds one run can tell apart: `EventKindSet` is a 64-bit mask.
    public static let limit = 64

    @inlinable public init?(rawValue: UInt8) {
        guard Int(rawValue) < EventKind.limit else { return nil }
        self.rawValue = rawValue
    }

    @inlinable init(unchecked rawValue: UInt8) { self.rawValue = rawValue }

    public static let needArises = EventKind(unchecked: 0)
    public static let sessionStart = EventKind(unchecked: 1)
    public static let view = EventKind(unchecked: 2)
    public static let addToCart = EventKind(unchecked: 3)
    public static let checkout = EventKind(unchecked: 4)
    public static let purchase = EventKind(unchecked: 5)
    public static let sessionEnd = EventKind(unchecked: 6)
    public static let delivery = EventKind(unchecked: 7)
    public static let supportRequest = EventKind(unchecked: 8)
    public static let review = EventKind(unchecked: 9)
    public static let referral = EventKind(unchecked: 10)
    public static let dormant = EventKind(unchecked: 11)
    public static let optOut = EventKind(unchecked: 12)
    /// A campaign message reached the customer.
    public static let messageDelivered = EventKind(unchecked: 13)
    /// The customer opened (read) it.
    public static let messageOpened = EventKind(unchecked: 14)
    /// The customer clicked it (or tapped its button).
    public static let messageClicked = EventKind(unchecked: 15)
    /// It could not be delivered (after the backend's retries).
    public static let messageFailed = EventKind(unchecked: 16)
    /// The customer answered it.
    public static let messageReplied = EventKind(unchecked: 17)
    /// It was delivered but not opened within its campaign's `ignored_after` window.
    public static let messageIgnored = EventKind(unchecked: 18)
    /// The id of the first message interaction (the built-in journey kinds, ids 0–12, are below it).
    public static let firstMessageKind: UInt8 = 13
    /// The id of the first custom event.
    public static let firstCustom: UInt8 = 19
    /// Most custom events a journey may declare.
    public static let maxCustom = limit - Int(firstCustom)

    /// The journey's built-in kinds (not the message interactions): what `RunMetrics.eventsByKind` counts.
    public static let allCases: [EventKind] = (0..<13).map { EventKind(unchecked: $0) }
    /// The message interactions, in id order.
    public static let messageKinds: [EventKind] = (13..<firstCustom).map { EventKind(unchecked: $0) }
    /// Every kind that has a name without a scenario: built-in and message interactions.
    public static let named: [EventKind] = allCases + messageKinds

    public var isMessageInteraction: Bool { rawValue >= 13 && rawValue < EventKind.firstCustom }
    public var isCustom: Bool { rawValue >= EventKind.firstCustom }

    /// The name used in scenario files (trigger and exception events) and traces; a custom event
    /// is `custom_<id>` here, its declared name in the scenario's `EventCatalog`.
    public var name: String {
        switch rawValue {
        case 0: "need_arises"
        case 1: "session_start"
        case 2: "view"
        case 3: "add_to_cart"
        case 4: "checkout"
        case 5: "purchase"
        case 6: "session_end"
        case 7: "delivery"
        case 8: "support_request"
        case 9: "review"
        case 10: "referral"
        case 11: "dormant"
        case 12: "opt_out"
        case 13: "message_delivered"
        case 14: "message_opened"
        case 15: "message_clicked"
        case 16: "message_failed"
        case 17: "message_replied"
        case 18: "message_ignored"
        default: "custom_\(rawValue)"
        }
    }

    /// A built-in or message-interaction kind by name (custom events: `EventCatalog.kind(named:)`).
    public init?(name: String) {
        guard let match = EventKind.named.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    public static func < (lhs: EventKind, rhs: EventKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One event in a customer's journey, as the trigger core and traces see it.
///
/// A flat value with integer ids and no strings, so feeding it to the trigger core costs no
/// allocation. 32 bytes: the fields are ordered so that nothing is padded (the trigger core
/// reads events in batches, and a bigger event was a measurable share of its memory traffic).
public struct CustomerEvent: Sendable, Equatable {
    public var time: SimTime
    public var customer: UInt32
    /// The cart value after the event (currency units); for `purchase`, what was paid.
    public var cartValue: Float
    public var kind: EventKind
    /// The channel the session runs on (for a message interaction, the message's channel).
    public var channel: Channel
    /// The stage after the event.
    public var stage: Stage
    /// Star rating for `review` (1–5); 0 otherwise.
    public var stars: UInt8
    /// Typed properties: a custom event's declared properties in declaration order (numbers,
    /// category indices, 0 or 1 for booleans); for a message interaction, the campaign index,
    /// the step index and the template index. Unused slots are 0.
    public var properties: EventProperties

    public init(
        customer: UInt32, kind: EventKind, time: SimTime, channel: Channel, stage: Stage,
        cartValue: Float = 0, stars: UInt8 = 0, properties: EventProperties = EventProperties()
    ) {
        self.customer = customer
        self.kind = kind
        self.time = time
        self.channel = channel
        self.stage = stage
        self.cartValue = cartValue
        self.stars = stars
        self.properties = properties
    }
}

/// Up to three numeric event properties, inline (no array, so an event stays a flat value of
/// 32 bytes).
public struct EventProperties: Sendable, Equatable, BitwiseCopyable {
    public var p0: Float = 0, p1: Float = 0, p2: Float = 0

    /// Most properties one event carries.
    public static let capacity = 3

    public init() {}

    public init(_ values: Float...) {
        for (index, value) in values.prefix(EventProperties.capacity).enumerated() { self[index] = value }
    }

    public subscript(index: Int) -> Float {
        get {
            switch index {
            case 0: p0
            case 1: p1
            default: p2
            }
        }
        set {
            switch index {
            case 0: p0 = newValue
            case 1: p1 = newValue
            default: p2 = newValue
            }
        }
    }
}

/// The typed events a simulated customer emits. These are what the trigger core listens to and
/// what `--trace` writes.
public enum EventKind: UInt8, CaseIterable, Sendable, BitwiseCopyable {
    case needArises = 0
    case sessionStart
    case view
    case addToCart
    case checkout
    case purchase
    case sessionEnd
    case delivery
    case supportRequest
    case review
    case referral
    case dormant
    case optOut

    /// The name used in scenario files (trigger and exception events) and traces.
    public var name: String {
        switch self {
        case .needArises: "need_arises"
        case .sessionStart: "session_start"
        case .view: "view"
        case .addToCart: "add_to_cart"
        case .checkout: "checkout"
        case .purchase: "purchase"
        case .sessionEnd: "session_end"
        case .delivery: "delivery"
        case .supportRequest: "support_request"
        case .review: "review"
        case .referral: "referral"
        case .dormant: "dormant"
        case .optOut: "opt_out"
        }
    }

    public init?(name: String) {
        guard let match = EventKind.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// One event in a customer's journey, as the trigger core and traces see it.
///
/// A flat value with integer ids and no strings, so feeding it to the trigger core costs no
/// allocation.
public struct CustomerEvent: Sendable, Equatable {
    public var customer: UInt32
    public var kind: EventKind
    public var time: SimTime
    /// The channel the session runs on.
    public var channel: Channel
    /// The stage after the event.
    public var stage: Stage
    /// The cart value after the event (currency units); for `purchase`, what was paid.
    public var cartValue: Float
    /// Star rating for `review` (1–5); 0 otherwise.
    public var stars: UInt8

    public init(customer: UInt32, kind: EventKind, time: SimTime, channel: Channel, stage: Stage,
                cartValue: Float = 0, stars: UInt8 = 0) {
        self.customer = customer
        self.kind = kind
        self.time = time
        self.channel = channel
        self.stage = stage
        self.cartValue = cartValue
        self.stars = stars
    }
}

/// What the event loop schedules: one customer's next internal step. Twelve bytes, so the
/// pending-event heap stays compact and cache-friendly.
public struct SimEvent: Sendable {
    public var customer: UInt32
    public var kind: Kind
    /// For journey steps, the customer's journey epoch when the step was scheduled: a message
    /// that brings the customer back starts a new epoch, and steps of the old one are dropped.
    /// For message events, the slot of the message in flight.
    public var argument: UInt32

    @inlinable public init(customer: UInt32, kind: Kind, argument: UInt32 = 0) {
        self.customer = customer
        self.kind = kind
        self.argument = argument
    }

    public enum Kind: UInt8, Sendable {
        case needArises
        case sessionStart
        case sessionStep
        case delivery
        case supportRequest
        case review
        case referral
        /// A message's delivery receipt (argument: its in-flight slot).
        case messageDelivered
        /// A message's failure receipt (argument: its in-flight slot).
        case messageFailed
        /// Another attempt at a message the backend refused for now (argument: its in-flight slot).
        case messageRetry
    }
}

/// Receives every customer event the simulation emits, in time order. Generic parameter of the
/// simulator (not an existential) so the no-op observer costs nothing.
public protocol EventObserver {
    mutating func observe(_ event: CustomerEvent)
}

/// The observer of a run without a trace.
public struct NoObserver: EventObserver, Sendable {
    public init() {}
    @inlinable public mutating func observe(_ event: CustomerEvent) {}
}

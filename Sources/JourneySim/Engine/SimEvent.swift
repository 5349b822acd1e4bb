/// What the event loop schedules: one customer's next internal step. Eight bytes (the kind
/// shares a word with the customer id), so a pending event with its time is 16 bytes and the
/// million events pending in a large run take 16 MB of queue.
public struct SimEvent: Sendable {
    /// Customer id in the low 28 bits, kind in the high 4.
    @usableFromInline var customerAndKind: UInt32
    /// For journey steps, the process and its epoch (see `Simulator.journeyArgument`); for
    /// message events, the slot of the message in flight.
    public var argument: UInt32

    /// Customers one simulator (one shard) can hold: ids must fit in 28 bits.
    public static let customerLimit = 1 << 28

    @inlinable public init(customer: UInt32, kind: Kind, argument: UInt32 = 0) {
        customerAndKind = customer & 0x0FFF_FFFF | UInt32(kind.rawValue) << 28
        self.argument = argument
    }

    @inlinable public var customer: UInt32 { customerAndKind & 0x0FFF_FFFF }
    @inlinable public var kind: Kind { Kind(rawValue: UInt8(truncatingIfNeeded: customerAndKind >> 28))! }

    public enum Kind: UInt8, Sendable {
        /// A message's delivery receipt (argument: its in-flight slot).
        case messageDelivered
        /// A message's failure receipt (argument: its in-flight slot).
        case messageFailed
        /// Another attempt at a message the backend refused for now (argument: its in-flight slot).
        case messageRetry
        /// A step of a journey program's process (argument: see `Simulator.journeyArgument`).
        case journey
        /// The ignore window of a delivered, unopened message ended (argument: its slot in `Simulator.ignoreRecords`).
        case messageIgnored
        /// A delivered message is opened after its channel's open delay (argument: its slot in `Simulator.openRecords`).
        case messageOpened
        /// An event a journey state scheduled (argument: its row in the program's `timers`).
        case journeyTimer
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

/// The mutable per-customer journey state, as parallel arrays indexed by customer id.
///
/// The columns are `StateBuffer`s, written through a pointer with no uniqueness check per
/// write; `makeUnique()` (called when a run starts) gives a copy of the simulator columns of
/// its own.
///
/// About 29 bytes per customer: the journey random stream (4, a `StreamColumn`), stage, cart, channels, timers
/// (4-byte `TimeColumn`s) and counters. No references, strings or dictionaries, so millions of customers stay compact
/// and the loop's memory traffic is predictable.
public struct CustomerState: Sendable {
    public var rng: StreamColumn
    var stage: StateBuffer<Stage>
    /// Cart value in cents.
    var cartCents: StateBuffer<UInt32>
    /// Channel the current journey started on, and the current session's channel.
    var journeyChannel: StateBuffer<Channel>
    var sessionChannel: StateBuffer<Channel>
    /// Steps taken in the current session.
    var sessionSteps: StateBuffer<UInt16>
    /// Whether a session is under way.
    var inSession: StateBuffer<Bool>
    /// When the last session ended with a non-empty cart (for recovery that fades with delay).
    public var abandonedAt: TimeColumn
    /// The channel whose purchase lift applies to the current session (a message brought the
    /// customer back on it), as `Channel.rawValue + 1`; 0 for no lift. One byte instead of the
    /// 4-byte multiplier: the multiplier is the channel's, the same for every customer.
    var liftChannel: StateBuffer<UInt8>
    /// When the current journey's need arose.
    public var journeyStart: TimeColumn
    /// Purchases made in this run, and what they came to in cents.
    var purchases: StateBuffer<UInt16>
    var spentCents: StateBuffer<Int64>

    /// State for `population` in a run from `start` to `end` (the span the timestamps must hold).
    public init(population: Population, seed: UInt64, start: SimTime, end: SimTime) {
        let count = population.count
        rng = StreamColumn(population: population, count: count, seed: seed, stream: .journey)
        stage = StateBuffer(repeating: .idle, count: count)
        cartCents = StateBuffer(repeating: 0, count: count)
        journeyChannel = StateBuffer(repeating: .sms, count: count)
        sessionChannel = StateBuffer(repeating: .sms, count: count)
        sessionSteps = StateBuffer(repeating: 0, count: count)
        inSession = StateBuffer(repeating: false, count: count)
        let never = SimTime(milliseconds: 0)
        abandonedAt = TimeColumn(count: count, start: start, end: end, never: never, initial: never)
        liftChannel = StateBuffer(repeating: 0, count: count)
        journeyStart = TimeColumn(count: count, start: start, end: end, never: never, initial: never)
        purchases = StateBuffer(repeating: 0, count: count)
        spentCents = StateBuffer(repeating: 0, count: count)
    }

    /// Storage of its own for each column another copy shares.
    mutating func makeUnique() {
        rng.makeUnique()
        abandonedAt.makeUnique()
        journeyStart.makeUnique()
        stage.makeUnique()
        cartCents.makeUnique()
        journeyChannel.makeUnique()
        sessionChannel.makeUnique()
        sessionSteps.makeUnique()
        inSession.makeUnique()
        liftChannel.makeUnique()
        purchases.makeUnique()
        spentCents.makeUnique()
    }

    /// Bytes of journey state per customer (array payloads only).
    public static let bytesPerCustomer =
        StreamColumn.bytesPerCustomer + MemoryLayout<Stage>.stride + MemoryLayout<UInt32>.stride
        + 2 * MemoryLayout<Channel>.stride + MemoryLayout<UInt16>.stride + TimeColumn.bytesPerCustomer
        + MemoryLayout<Bool>.stride + TimeColumn.bytesPerCustomer
        + MemoryLayout<UInt8>.stride
        + MemoryLayout<UInt16>.stride + MemoryLayout<Int64>.stride
}

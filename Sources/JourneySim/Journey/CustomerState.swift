/// The mutable per-customer journey state, as parallel arrays indexed by customer id.
///
/// About 33 bytes per customer: the journey random stream (4, a `StreamColumn`), stage, cart, channels, timers
/// (4-byte `TimeColumn`s) and counters. No references, strings or dictionaries, so millions of customers stay compact
/// and the loop's memory traffic is predictable.
public struct CustomerState: Sendable {
    public var rng: StreamColumn
    public var stage: ContiguousArray<Stage>
    /// Cart value in cents.
    public var cartCents: ContiguousArray<UInt32>
    /// Channel the current journey started on, and the current session's channel.
    public var journeyChannel: ContiguousArray<Channel>
    public var sessionChannel: ContiguousArray<Channel>
    /// Steps taken in the current session.
    public var sessionSteps: ContiguousArray<UInt16>
    /// Whether a session is under way.
    public var inSession: ContiguousArray<Bool>
    /// Bumped whenever something outside the journey's own schedule (a clicked message) restarts
    /// it; scheduled journey steps of an older epoch are stale and skipped.
    public var epoch: ContiguousArray<UInt32>
    /// When the last session ended with a non-empty cart (for recovery that fades with delay).
    public var abandonedAt: TimeColumn
    /// The channel whose purchase lift applies to the current session (a message brought the
    /// customer back on it), as `Channel.rawValue + 1`; 0 for no lift. One byte instead of the
    /// 4-byte multiplier: the multiplier is the channel's, the same for every customer.
    public var liftChannel: ContiguousArray<UInt8>
    /// When the current journey's need arose.
    public var journeyStart: TimeColumn
    /// Purchases made in this run, and what they came to in cents.
    public var purchases: ContiguousArray<UInt16>
    public var spentCents: ContiguousArray<Int64>

    /// State for `population` in a run from `start` to `end` (the span the timestamps must hold).
    public init(population: Population, seed: UInt64, start: SimTime, end: SimTime) {
        let count = population.count
        rng = StreamColumn(population: population, count: count, seed: seed, stream: .journey)
        stage = ContiguousArray(repeating: .idle, count: count)
        cartCents = ContiguousArray(repeating: 0, count: count)
        journeyChannel = ContiguousArray(repeating: .sms, count: count)
        sessionChannel = ContiguousArray(repeating: .sms, count: count)
        sessionSteps = ContiguousArray(repeating: 0, count: count)
        inSession = ContiguousArray(repeating: false, count: count)
        epoch = ContiguousArray(repeating: 0, count: count)
        let never = SimTime(milliseconds: 0)
        abandonedAt = TimeColumn(count: count, start: start, end: end, never: never, initial: never)
        liftChannel = ContiguousArray(repeating: 0, count: count)
        journeyStart = TimeColumn(count: count, start: start, end: end, never: never, initial: never)
        purchases = ContiguousArray(repeating: 0, count: count)
        spentCents = ContiguousArray(repeating: 0, count: count)
    }

    /// Bytes of journey state per customer (array payloads only).
    public static let bytesPerCustomer =
        StreamColumn.bytesPerCustomer + MemoryLayout<Stage>.stride + MemoryLayout<UInt32>.stride
        + 2 * MemoryLayout<Channel>.stride + MemoryLayout<UInt16>.stride + TimeColumn.bytesPerCustomer
        + MemoryLayout<Bool>.stride + MemoryLayout<UInt32>.stride + TimeColumn.bytesPerCustomer + MemoryLayout<UInt8>.stride
        + MemoryLayout<UInt16>.stride + MemoryLayout<Int64>.stride
}

/// The simulator's side of messaging: messages in flight between the trigger core and the
/// backend, and the per-customer facts customer reactions depend on. Left empty (no
/// per-customer arrays) when the scenario has no campaigns.
struct MessageState: Sendable {
    /// A message handed to the backend and waiting for its receipt or its next attempt.
    struct InFlight: Sendable {
        var request: SendRequest
        var message: OutboundMessage
        var attempts: UInt8
    }

    /// Messages in flight, in slots reused once released, so steady state allocates nothing.
    var inFlight = SlotPool<InFlight>()

    /// Per customer: the response random stream (independent of the journey stream, so a message
    /// does not shift the journey's own draws), messages received, and the last purchase.
    var rng: StreamColumn
    var received: StateBuffer<UInt16>
    var lastPurchaseAt: TimeColumn
    /// Bit 0: was unhappy at least once; bit 1: opted out of at least one channel; bit 2
    /// (`fromMessage`): the current session was started by a message click.
    var flags: StateBuffer<UInt8>

    static let fromMessage: UInt8 = 4

    /// Whether the customer's current session was started by a message click.
    func sessionFromMessage(_ id: Int) -> Bool { flags[id] & Self.fromMessage != 0 }

    mutating func setSessionFromMessage(_ id: Int, _ value: Bool) {
        flags[id] = value ? flags[id] | Self.fromMessage : flags[id] & ~Self.fromMessage
    }

    /// Per campaign: whether its messages urge a purchase (marketing on a shopping trigger), which
    /// makes them irrelevant, and annoying, to a customer who has just bought.
    let urgesPurchase: [Bool]
    /// Per channel: cost of one message in millionths of a US dollar.
    let costMicros: [Int64]

    /// Most attempts at one message on one channel before it is given up as failed.
    static let maxAttempts: UInt8 = 5

    init(population: Population, customers: Int, seed: UInt64, campaigns: [Campaign], start: SimTime, end: SimTime) {
        rng = StreamColumn(population: population, count: customers, seed: seed, stream: .response)
        received = StateBuffer(repeating: 0, count: customers)
        let never = SimTime(milliseconds: .min / 2)
        lastPurchaseAt = TimeColumn(count: customers, start: start, end: end, never: never, initial: never)
        flags = StateBuffer(repeating: 0, count: customers)
        urgesPurchase = campaigns.map { campaign in
            guard campaign.priority != .transactional else { return false }
            switch campaign.trigger.event {
            case .purchase, .delivery, .review, .supportRequest, .referral, .optOut: return false
            default: return true
            }
        }
        costMicros = Channel.allCases.map { Int64(($0.stub.costPerMessageUSD * 1_000_000).rounded()) }
    }

    /// Storage of its own for each per-customer column another copy shares (the columns are
    /// written through a pointer, `StateBuffer`).
    mutating func makeUnique() {
        rng.makeUnique()
        received.makeUnique()
        lastPurchaseAt.makeUnique()
        flags.makeUnique()
    }

    mutating func store(_ message: InFlight) -> Int { inFlight.store(message) }

    mutating func release(_ slot: Int) { inFlight.release(slot) }
}

/// A message opened after a delay: what the customer does once they open it (drawn at delivery).
struct OpenRecord: Sendable {
    var request: SendRequest
    var clicked: Bool
    var replied: Bool
}

/// Values kept in numbered slots that are reused once taken back, so steady state allocates
/// nothing (messages waiting for their ignore window).
struct SlotPool<Value: Sendable>: Sendable {
    var values: ContiguousArray<Value> = []
    var free: ContiguousArray<UInt32> = []

    mutating func store(_ value: Value) -> Int {
        if let slot = free.popLast() {
            values[Int(slot)] = value
            return Int(slot)
        }
        values.append(value)
        return values.count - 1
    }

    mutating func take(_ slot: Int) -> Value {
        release(slot)
        return values[slot]
    }

    /// Frees `slot` for reuse (its value stays readable until the slot is stored to again).
    mutating func release(_ slot: Int) { free.append(UInt32(slot)) }

    subscript(slot: Int) -> Value {
        get { values[slot] }
        set { values[slot] = newValue }
    }
}

/// Per-customer state of a journey program, as flat columns: for each process one 8-byte
/// `JourneySlot` (its current state, the state it enters next and its epoch: a scheduled step of
/// an older epoch is stale), and when it started when a condition reads `elapsed`; the
/// customer's attributes; and when each event a reaction's decay reads last happened.
///
/// 8 bytes per process (12 with `elapsed`), 4 per attribute and tracked event. Empty when the
/// scenario has no journey program. No entry time per state: time spent in states is summed per
/// state (`JourneyStateCounter`), and the runaway guard counts per instant, not per customer.
///
/// The columns written on every step are `StateBuffer`s, written through a pointer with no
/// uniqueness check per write; `makeUnique()` (called when a run starts) gives a copy of the
/// simulator columns of its own.
struct JourneyRuntime: @unchecked Sendable {
    static let notRunning: UInt16 = .max

    let processes: Int
    let attributeCount: Int
    let trackedCount: Int
    var slots: StateBuffer<JourneySlot>
    /// When each process started (empty unless a condition reads `elapsed`).
    var startedAt: TimeColumn
    var attributes: StateBuffer<Float>
    var trackedAt: TimeColumn

    init(model: JourneyModel?, customers: Int, start: SimTime, end: SimTime) {
        let count = model == nil ? 0 : customers
        processes = model?.processNames.count ?? 0
        attributeCount = model?.attributeNames.count ?? 0
        trackedCount = model?.trackedKinds.count ?? 0
        slots = StateBuffer(repeating: JourneySlot(), count: count * processes)
        let never = SimTime(milliseconds: .min / 2)
        startedAt = TimeColumn(
            count: model?.readsElapsed == true ? count * processes : 0, start: start, end: end, never: never,
            initial: start)
        let attributes = StateBuffer<Float>(repeating: 0, count: count * attributeCount)
        if let model, attributeCount > 0 {
            for id in 0..<count {
                for a in 0..<attributeCount { attributes[id * attributeCount + a] = model.attributeInitial[a] }
            }
        }
        self.attributes = attributes
        trackedAt = TimeColumn(count: count * trackedCount, start: start, end: end, never: never, initial: never)
    }

    /// Storage of its own for each pointer-written column another copy shares.
    mutating func makeUnique() {
        slots.makeUnique()
        startedAt.makeUnique()
        attributes.makeUnique()
        trackedAt.makeUnique()
    }

    static func bytesPerCustomer(processes: Int, attributes: Int, tracked: Int, elapsed: Bool = false) -> Int {
        processes * (MemoryLayout<JourneySlot>.stride + (elapsed ? TimeColumn.bytesPerCustomer : 0))
            + attributes * 4 + tracked * TimeColumn.bytesPerCustomer
    }
}

/// One process of one customer: the state it is in (`notRunning` when stopped), the state a
/// pending "enter" step enters, and its epoch. One 8-byte record, so a step touches one place.
struct JourneySlot: Sendable, BitwiseCopyable {
    var current: UInt16 = JourneyRuntime.notRunning
    var target: UInt16 = JourneyRuntime.notRunning
    var epoch: UInt32 = 0
}

/// The runaway guard: journey entries at the current instant, all customers together; past
/// `suspicion` of them, per customer (a dictionary, used only then), so a customer that loops
/// without time passing is found after `JourneyModel.maxStepsPerInstant` entries of its own
/// while the hot path keeps no per-customer count.
struct JourneyInstantGuard: Sendable {
    var instant = SimTime(milliseconds: .min)
    var entries = 0
    let suspicion: Int
    var perCustomer: [Int: Int] = [:]

    init(customers: Int) { suspicion = 8 * customers + 65_536 }

    /// Counts an entry of customer `id` at `now`; false when the customer ran away.
    @inline(__always) mutating func admit(_ id: Int, at now: SimTime) -> Bool {
        if now != instant {
            instant = now
            entries = 0
            if !perCustomer.isEmpty { perCustomer = [:] }
        }
        entries &+= 1
        guard entries > suspicion else { return true }
        return countSuspect(id)
    }

    mutating func countSuspect(_ id: Int) -> Bool {
        let count = perCustomer[id, default: 0] + 1
        perCustomer[id] = count
        return count <= JourneyModel.maxStepsPerInstant
    }
}

/// What a journey program counts: per state, entries, exits and the time spent before leaving;
/// per custom event, how often it happened; reactions to messages that moved a customer.
public struct JourneyMetrics: Sendable, Equatable, Codable {
    public var stateEntries: [Int]
    public var stateExits: [Int]
    public var stateDwellMilliseconds: [Int64]
    /// Per custom event, in declaration order.
    public var customEvents: [Int]
    /// Per reaction trigger that moved a process (message_delivered … message_ignored, unhappy).
    public var reactionsTaken: [Int]

    public init(states: Int, customEvents: Int) {
        stateEntries = [Int](repeating: 0, count: states)
        stateExits = stateEntries
        stateDwellMilliseconds = [Int64](repeating: 0, count: states)
        self.customEvents = [Int](repeating: 0, count: customEvents)
        reactionsTaken = [Int](repeating: 0, count: JourneyGraph.reactionTriggers.count)
    }

    public mutating func merge(_ other: JourneyMetrics) {
        for i in stateEntries.indices where i < other.stateEntries.count {
            stateEntries[i] += other.stateEntries[i]
            stateExits[i] += other.stateExits[i]
            stateDwellMilliseconds[i] += other.stateDwellMilliseconds[i]
        }
        for i in customEvents.indices where i < other.customEvents.count { customEvents[i] += other.customEvents[i] }
        for i in reactionsTaken.indices where i < other.reactionsTaken.count {
            reactionsTaken[i] += other.reactionsTaken[i]
        }
    }
}

/// One state's counts, kept in a pointer-written buffer while the run goes on: entries, and the
/// time spent in it as a sum of instants (milliseconds from the run's start): minus the instant
/// of each entry, plus that of each exit. Customers still in the state at the end count up to
/// the end, and exits are the entries less those customers (`Simulator.journeyMetrics`).
struct JourneyStateCounter: Sendable, BitwiseCopyable {
    var entries = 0
    var time: Int64 = 0
}

/// A customer took more than `JourneyModel.maxStepsPerInstant` steps at one instant: the
/// journey loops without time passing (through messages, which validation cannot see).
public struct JourneyRunaway: Error, Sendable, Equatable, CustomStringConvertible {
    public var customer: UInt64
    public var time: SimTime
    public var process: String
    public var state: String

    public var description: String {
        "journey runaway: customer \(customer) took more than \(JourneyModel.maxStepsPerInstant) steps at \(time.iso8601) (process '\(process)', last in state '\(state)'). A loop runs without simulated time passing, probably through a message with no delay and a reaction with none: give the reaction a delay or a state on the loop a wait."
    }
}

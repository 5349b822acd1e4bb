/// Per-customer state of a journey program, as flat columns: for each process its current state,
/// the state it enters next, its epoch (a scheduled step of an older epoch is stale) and when it
/// entered its state and started; the customer's attributes; when each event a reaction's decay
/// reads last happened; and the runaway guard's count of steps at the current instant.
///
/// 16 bytes per process, 4 per attribute and tracked event, 6 for the guard. Empty when the
/// scenario uses the built-in journey.
///
/// The columns written on every step are `StateBuffer`s, written through a pointer with no
/// uniqueness check per write; `makeUnique()` (called when a run starts) gives a copy of the
/// simulator columns of its own.
struct JourneyRuntime: @unchecked Sendable {
    static let notRunning: UInt16 = .max

    let processes: Int
    let attributeCount: Int
    let trackedCount: Int
    var current: StateBuffer<UInt16>
    var target: StateBuffer<UInt16>
    var epoch: StateBuffer<UInt32>
    var enteredAt: TimeColumn
    var startedAt: TimeColumn
    var attributes: StateBuffer<Float>
    var trackedAt: TimeColumn
    var instantAt: TimeColumn
    var instantSteps: StateBuffer<UInt16>

    init(model: JourneyModel?, customers: Int, start: SimTime, end: SimTime) {
        let count = model == nil ? 0 : customers
        processes = model?.processNames.count ?? 0
        attributeCount = model?.attributeNames.count ?? 0
        trackedCount = model?.trackedKinds.count ?? 0
        current = StateBuffer(repeating: JourneyRuntime.notRunning, count: count * processes)
        target = StateBuffer(repeating: JourneyRuntime.notRunning, count: count * processes)
        epoch = StateBuffer(repeating: 0, count: count * processes)
        let never = SimTime(milliseconds: .min / 2)
        enteredAt = TimeColumn(count: count * processes, start: start, end: end, never: never, initial: start)
        startedAt = TimeColumn(count: count * processes, start: start, end: end, never: never, initial: start)
        let attributes = StateBuffer<Float>(repeating: 0, count: count * attributeCount)
        if let model, attributeCount > 0 {
            for id in 0..<count { for a in 0..<attributeCount { attributes[id * attributeCount + a] = model.attributeInitial[a] } }
        }
        self.attributes = attributes
        trackedAt = TimeColumn(count: count * trackedCount, start: start, end: end, never: never, initial: never)
        instantAt = TimeColumn(count: count, start: start, end: end, never: never, initial: never)
        instantSteps = StateBuffer(repeating: 0, count: count)
    }

    /// Storage of its own for each pointer-written column another copy shares.
    mutating func makeUnique() {
        current.makeUnique()
        target.makeUnique()
        epoch.makeUnique()
        attributes.makeUnique()
        instantSteps.makeUnique()
    }

    static func bytesPerCustomer(processes: Int, attributes: Int, tracked: Int) -> Int {
        processes * (2 + 2 + 4 + 2 * TimeColumn.bytesPerCustomer) + attributes * 4 + tracked * TimeColumn.bytesPerCustomer
            + TimeColumn.bytesPerCustomer + 2
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
        for i in reactionsTaken.indices where i < other.reactionsTaken.count { reactionsTaken[i] += other.reactionsTaken[i] }
    }
}

/// One state's counts, kept in a pointer-written buffer while the run goes on.
struct JourneyStateCounter: Sendable, BitwiseCopyable {
    var entries = 0
    var exits = 0
    var dwellMilliseconds: Int64 = 0
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

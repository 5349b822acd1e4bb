/// A journey compiled to flat tables: integer state, event, attribute and process ids,
/// precomputed distributions and transition tables. What the simulator interprets on its hot
/// path, with no strings, dictionaries or allocation (see `Simulator+Program`).
///
/// One program per archetype (an archetype's `archetypes:` overrides change its program only);
/// all share one state id space, so metrics per state add up across archetypes.
public struct JourneyProgram: Sendable {
    struct State: Sendable, BitwiseCopyable {
        /// The event the state emits, or `noEvent`.
        var emit: UInt8 = JourneyProgram.noEvent
        /// A stage to set (`Stage.rawValue`), or 255 to keep the emitted event's own (or the current one).
        var stage: UInt8 = 255
        var isEnd = false
        var waitByLocalHour = false
        var waitFrequencyScaled = false
        /// Exists in this archetype's journey.
        var present = false

        /// Does nothing but choose where to go next (no event, stage, attribute, process or
        /// schedule operation, no wait, not an end): the interpreter passes through it within
        /// the transition that reached it, counting the entry (`JourneyTables.junctions`).
        var isJunction: Bool {
            wait < 0 && !isEnd && transition >= 0 && doesNothingOnEntry
        }

        /// Only waits: entering it changes nothing a campaign or another state could see
        /// (`Simulator.startJourneys` enters such a start state when the simulator is built).
        var onlyWaits: Bool { wait >= 0 && session < 0 && doesNothingOnEntry }

        /// No event, stage, value, attribute, process or schedule operation.
        var doesNothingOnEntry: Bool {
            emit == JourneyProgram.noEvent && stage == 255 && value < 0 && attributeOps.isEmpty
                && processOps.isEmpty && timers.isEmpty
        }
        /// Distribution index of the wait, or -1 for none (the transition is taken at once).
        var wait: Int32 = -1
        /// Distribution index of the value (added to the cart, or paid), or -1.
        var value: Int32 = -1
        var attributeOps: IDRange = IDRange()
        var properties: IDRange = IDRange()
        var processOps: IDRange = IDRange()
        var timers: IDRange = IDRange()
        /// The transition's root node, or -1 (an end, or a session: the block picks between its
        /// `purchased` and `ended` states itself).
        var transition: Int32 = -1
        /// Row in `sessions` when the state runs a session block, or -1.
        var session: Int32 = -1
    }

    /// A compiled `session:` block: the gap between steps, the step rows per stage and where
    /// the process goes when a purchase ends the session or it ends without one.
    struct SessionBlock: Sendable, BitwiseCopyable {
        var gap: Int32
        var maxSteps: Int32
        var research: StepProbabilities
        var cart: StepProbabilities
        var checkout: StepProbabilities
        var purchased: Int32
        var ended: Int32
    }

    struct Node: Sendable, BitwiseCopyable {
        enum Kind: UInt8, Sendable, BitwiseCopyable { case goto, choose, branch }
        var kind: Kind
        /// goto: the state; choose and branch: the first row in `choices` / `arms`.
        var first: Int32
        var end: Int32
        /// choose: the row of the option a message's purchase lift raises, or -1.
        var lifted: Int32 = -1
    }

    struct Choice: Sendable, BitwiseCopyable {
        /// Running sum of the probabilities up to this option; the last is +∞.
        var cumulative: Double
        var state: Int32
        /// The option's own probability (for a lifted draw).
        var probability: Double
    }

    struct Arm: Sendable, BitwiseCopyable {
        var conditions: IDRange
        var node: Int32
    }

    struct AttributeOp: Sendable, BitwiseCopyable {
        enum Source: UInt8, Sendable, BitwiseCopyable { case constant, attribute, cartValue, draw }
        var attribute: Int32
        var isAdd: Bool
        var source: Source = .constant
        /// constant: the number; attribute: the other attribute's index; draw: the distribution's row.
        var value: Float
        var index: Int32 = 0
    }

    struct PropertySource: Sendable, BitwiseCopyable {
        enum Kind: UInt8, Sendable, BitwiseCopyable { case constant, attribute, cartValue }
        var kind: Kind
        var attribute: Int32
        var value: Float
    }

    /// An event a state schedules for later (`schedule:`): with `probability`, after a draw of `delay`.
    struct Timer: Sendable, BitwiseCopyable {
        var event: UInt8
        var probability: Double
        var delay: Int32
    }

    struct ProcessOp: Sendable, BitwiseCopyable {
        var process: Int32
        var start: Bool
    }

    struct Reaction: Sendable, BitwiseCopyable {
        /// The message interaction's `EventKind.rawValue`, or `JourneyProgram.unhappy`.
        var on: UInt8
        /// 255: any channel.
        var channel: UInt8
        /// -1: any.
        var campaign: Int32
        var template: Int32
        /// States (in `reactionStates`) one of which a process must be in; empty: the first process, in any state.
        var states: IDRange
        /// Conditions (`if:`) that must hold for the reaction to apply.
        var conditions: IDRange
        var probability: Double
        var discountMultiplier: Double
        /// 0: no decay; otherwise the half-life in milliseconds, and the tracked event it counts from.
        var halfLifeMs: Double
        var decaySince: Int32
        var delay: Int32
        var target: Int32
        /// 0: nothing; 1 cart return, 2 re-engagement, 3 walk-away (`MessagingMetrics`).
        var countsAs: UInt8

        /// The chance the reaction applies to a message (`discount`: it carries one) when its
        /// reference event happened `elapsedMs` ago: the probability, times the discount
        /// multiplier, halving every half-life; not capped (the caller draws against it).
        func chance(discount: Bool, elapsedMs: Double) -> Double {
            let boosted = probability * (discount ? discountMultiplier : 1)
            guard halfLifeMs > 0 else { return boosted }
            return boosted * _exp(-0.693_147_180_559_945_3 * max(0, elapsedMs) / halfLifeMs)
        }
    }

    static let noEvent: UInt8 = 255
    static let unhappy: UInt8 = 254

    var states: ContiguousArray<State> = []
    var nodes: ContiguousArray<Node> = []
    var choices: ContiguousArray<Choice> = []
    var arms: ContiguousArray<Arm> = []
    var conditions: ContiguousArray<JourneyCondition> = []
    var attributeOps: ContiguousArray<AttributeOp> = []
    var propertySources: ContiguousArray<PropertySource> = []
    var processOps: ContiguousArray<ProcessOp> = []
    var timers: ContiguousArray<Timer> = []
    var sessions: ContiguousArray<SessionBlock> = []
    var distributions: ContiguousArray<CompiledDistribution> = []
    var empirical: [(cumulative: Double, value: Double)] = []
    var reactions: ContiguousArray<Reaction> = []
    var reactionStates: ContiguousArray<Int32> = []
    /// Which reaction triggers occur at all (bit per `EventKind.rawValue` of a message kind; bit 63: unhappy).
    var reactsTo: UInt64 = 0
}

/// The whole journey of a scenario: names, and one program per archetype.
public struct JourneyModel: Sendable {
    public var catalog: EventCatalog
    public var stateNames: [String]
    public var processNames: [String]
    /// Start state of each process, per archetype (the start may be overridden per archetype).
    var processStarts: [[Int32]]
    public var processAutostart: [Bool]
    public var attributeNames: [String]
    public var attributeInitial: [Float]
    /// Event kinds whose last time per customer a reaction's decay reads (index in `trackedKinds`).
    public var trackedKinds: [EventKind]
    /// Whether a condition reads `elapsed` (each process then keeps when it started).
    public var readsElapsed: Bool
    var programs: [JourneyProgram]

    /// Most steps one customer may take at one instant before the run stops as a runaway.
    public static let maxStepsPerInstant = 10_000
}

/// What a journey condition reads.
public enum JourneyConditionOperand: UInt8, Sendable, BitwiseCopyable {
    case attribute, cartValue, purchases, channel, archetype, elapsed, inSession, localHour, stage

    static let reservedNames = [
        "cart_value", "purchases", "channel", "archetype", "elapsed", "in_session", "local_hour", "stage",
    ]
}

/// One comparison in a branch's `if`, e.g. `streak >= 7`, `channel == whatsapp`, `elapsed > 3d`.
struct JourneyCondition: Sendable, BitwiseCopyable {
    var operand: JourneyConditionOperand
    var attribute: Int32
    var comparison: EventFilter.Comparison
    /// elapsed: milliseconds; channel and archetype: raw values; in_session: 0 or 1.
    var value: Double

    @inline(__always) func holds(_ lhs: Double) -> Bool { comparison.holds(lhs, value) }
}

/// A half-open range of table rows, as two plain integers (a `Range` is not bitwise copyable).
struct IDRange: Sendable, BitwiseCopyable, Equatable {
    var lowerBound: Int32 = 0
    var upperBound: Int32 = 0

    init() {}
    init(_ range: Range<Int32>) {
        lowerBound = range.lowerBound
        upperBound = range.upperBound
    }

    var isEmpty: Bool { lowerBound >= upperBound }
}

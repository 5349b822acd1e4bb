/// A journey as the scenario writes it, before compilation: names everywhere, and the document
/// node of each part so the compiler's errors can name the file, line and field path.
///
/// Lives only while a scenario loads; `JourneyCompiler` turns it into `JourneyProgram`s.
struct JourneyGraph {
    struct State {
        var name: String
        var node: ConfigNode
        var emit: Emit?
        var stage: Stage?
        var value: Distribution?
        var valueNode: ConfigNode?
        var set: [(attribute: String, value: Operand, node: ConfigNode)] = []
        var add: [(attribute: String, value: Operand, node: ConfigNode)] = []
        var startProcesses: [(name: String, node: ConfigNode)] = []
        var stopProcesses: [(name: String, node: ConfigNode)] = []
        /// Events scheduled for later, each with a probability and a delay, that occupy no process.
        var timers: [(event: String, probability: Double, delay: Distribution, node: ConfigNode)] = []
        var wait: Distribution?
        var waitNode: ConfigNode?
        var waitByLocalHour = false
        /// The wait is divided by the customer's frequency multiplier (the multichannel effect).
        var waitFrequencyScaled = false
        var transition: Transition?
        var isEnd = false
        /// A shopping session as a block (`session:`): the state emits session_start and runs
        /// the session's steps itself.
        var session: SessionBlock?
    }

    /// `session:` — steps `gap` apart, each chosen by the stage the journey is in (research,
    /// cart, checkout, as a shop's funnel), until the session ends or a purchase ends it.
    struct SessionBlock {
        var gap: Distribution
        var maxSteps: Int
        var research: StepProbabilities
        var cart: StepProbabilities
        var checkout: StepProbabilities
        var purchased: (name: String, node: ConfigNode)
        var ended: (name: String, node: ConfigNode)
        var node: ConfigNode
    }

    /// What `set` and `add` take: a number, another attribute (or `cart_value`), or a draw.
    enum Operand {
        case number(Double)
        case name(String, ConfigNode)
        case draw(Distribution)
    }

    struct Emit {
        var event: String
        var node: ConfigNode
        /// Property name → what it is set to.
        var properties: [(name: String, value: ConfigNode)] = []
    }

    indirect enum Transition {
        case goto(String, ConfigNode)
        case choose([(to: String, probability: Double, lifted: Bool, node: ConfigNode)], ConfigNode)
        /// Arms in order; the last has no condition.
        case branch([(condition: [ConditionText], then: Transition)], ConfigNode)
    }

    struct ConditionText {
        var text: String
        var node: ConfigNode
    }

    struct Process {
        var name: String
        var start: String
        var autostart: Bool
        var node: ConfigNode
    }

    struct Reaction {
        var node: ConfigNode
        var on: String
        var onNode: ConfigNode
        var campaign: (name: String, node: ConfigNode)?
        var template: (name: String, node: ConfigNode)?
        var channel: Channel?
        var inStates: [(name: String, node: ConfigNode)] = []
        var conditions: [ConditionText] = []
        var probability: Double = 1
        var discountMultiplier: Double = 1
        var decayHalfLife: SimDuration?
        var decaySince: (name: String, node: ConfigNode)?
        var delay: Distribution?
        var to: (name: String, node: ConfigNode)
        /// 0: nothing; otherwise 1 + the index in `JourneyGraph.reactionCounters`.
        var countsAs: UInt8 = 0
    }

    var node: ConfigNode
    var events: [EventCatalog.Custom] = []
    var attributes: [(name: String, initial: Double)] = []
    var processes: [Process] = []
    /// In document order; per archetype (index `Archetype.rawValue`), after that archetype's overrides.
    var states: [[State]] = []
    var reactions: [[Reaction]] = []
    /// The journey has an `archetypes:` section (errors then say which archetype's journey is at fault).
    var hasOverrides = false
}

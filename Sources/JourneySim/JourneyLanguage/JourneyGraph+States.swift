import Foundation

/// Reading a journey's states: what entering a state does, its session block, and its way out
/// (`next`, `choose`, `branch`, `session` or `end`).
extension JourneyGraph.State {
    init(name: String, node: ConfigNode, fields: [ConfigMapping.Entry]) throws(ScenarioError) {
        self.name = name
        self.node = node
        var transitions = 0
        for field in fields {
            let value = field.value
            switch field.key {
            case "emit":
                self.emit = try Self.parseEmit(value)
            case "stage":
                self.stage = try Self.parseStage(value)
            case "value":
                self.value = try value.distribution(durations: false)
                valueNode = value
            case "set", "add":
                let operations = try Self.parseOperations(value)
                if field.key == "set" { set += operations } else { add += operations }
            case "start_process", "stop_process":
                let names = try Self.parseProcessNames(value)
                if field.key == "start_process" { startProcesses = names } else { stopProcesses = names }
            case "schedule":
                try readSchedule(value)
            case "wait":
                try readWait(value)
            case "next":
                transitions += 1
                transition = .goto(try value.string(), value)
            case "choose":
                transitions += 1
                transition = try JourneyGraph.Transition.choice(value)
            case "branch":
                transitions += 1
                transition = try JourneyGraph.Transition.branch(value)
            case "end":
                transitions += 1
                guard try value.bool() else { throw value.invalid("write end: true, or leave the key out.") }
                isEnd = true
            case "session":
                transitions += 1
                session = try JourneyGraph.SessionBlock(value)
            default:
                continue
            }
        }
        try checkWaysOut(transitions, fields: fields)
    }

    /// `emit:`, an event's name or `{event, properties}`.
    private static func parseEmit(_ value: ConfigNode) throws(ScenarioError) -> JourneyGraph.Emit {
        guard case .mapping = value.node else { return JourneyGraph.Emit(event: try value.string(), node: value) }
        let parts = try value.mapping(allowed: ["event", "properties"])
        var emit = JourneyGraph.Emit(event: try parts.required("event").string(), node: try parts.required("event"))
        if let properties = parts["properties"] {
            for entry in try properties.openMapping().entries {
                emit.properties.append((entry.key, entry.value))
            }
        }
        return emit
    }

    /// `stage:`, one of the funnel's stages.
    private static func parseStage(_ value: ConfigNode) throws(ScenarioError) -> Stage {
        let text = try value.string()
        guard let stage = Stage.allCases.first(where: { $0.name == text }) else {
            throw value.invalid(
                "unknown stage '\(text)'; stages: \(Stage.allCases.map(\.name).joined(separator: ", ")).")
        }
        return stage
    }

    /// `set:` or `add:`, attribute → operand: a distribution to draw from, a name (an attribute
    /// or `cart_value`) or a number.
    private static func parseOperations(
        _ value: ConfigNode
    ) throws(ScenarioError) -> [(attribute: String, value: JourneyGraph.Operand, node: ConfigNode)] {
        var operations: [(attribute: String, value: JourneyGraph.Operand, node: ConfigNode)] = []
        for entry in try value.openMapping().entries {
            let operand: JourneyGraph.Operand
            if case .mapping = entry.value.node {
                operand = .draw(try entry.value.distribution(durations: false))
            } else if entry.value.isPlainScalar, entry.value.float == nil, entry.value.integer == nil,
                entry.value.node.bool == nil,
                let text = try? entry.value.string()
            {
                operand = .name(text, entry.value)
            } else {
                operand = .number(
                    try entry.value.double(
                        in: -1e30...1e30, "a number, an attribute's name, cart_value or a distribution"))
            }
            operations.append((entry.key, operand, entry.value))
        }
        return operations
    }

    /// `start_process:` or `stop_process:`, a process's name or a list of them.
    private static func parseProcessNames(
        _ value: ConfigNode
    ) throws(ScenarioError) -> [(name: String, node: ConfigNode)] {
        var names: [(name: String, node: ConfigNode)] = []
        if case .sequence = value.node {
            for item in try value.list() { names.append((try item.string(), item)) }
        } else {
            names.append((try value.string(), value))
        }
        return names
    }

    /// `schedule:`, events to emit later, each `{event, probability, delay}`; at most 16.
    private mutating func readSchedule(_ value: ConfigNode) throws(ScenarioError) {
        for item in try value.list() {
            let fields = try item.mapping(allowed: ["event", "probability", "delay"])
            timers.append(
                (
                    try fields.required("event").string(), try fields["probability"]?.probability() ?? 1,
                    try fields.required("delay").distribution(durations: true), item
                ))
        }
        guard timers.count <= 16 else { throw value.invalid("a state schedules at most 16 events.") }
    }

    /// `wait:`, a distribution of durations with its modifiers; `by_local_hour` needs an
    /// exponential wait (it shapes a Poisson process).
    private mutating func readWait(_ value: ConfigNode) throws(ScenarioError) {
        wait = try value.distribution(durations: true, modifiers: ["by_local_hour", "frequency_scaled"])
        waitNode = value
        let modifiers = try value.openMapping()
        if let shaped = modifiers["by_local_hour"] { waitByLocalHour = try shaped.bool() }
        if let scaled = modifiers["frequency_scaled"] { waitFrequencyScaled = try scaled.bool() }
        if waitByLocalHour, case .exponential = wait {
        } else if waitByLocalHour {
            throw value.invalid(
                "by_local_hour shapes a Poisson process: it works with an exponential wait only.")
        }
    }

    /// A state has exactly one way out (`transitions` counts the ones it gives); a session
    /// state neither emits, takes a value nor waits itself, and an end state does not wait.
    private func checkWaysOut(_ transitions: Int, fields: [ConfigMapping.Entry]) throws(ScenarioError) {
        guard transitions <= 1 else {
            throw node.invalid(
                "state '\(name)' has \(transitions) ways out; give exactly one of next, choose, branch, session or end: true."
            )
        }
        if let session {
            for key in ["emit", "value", "wait"] where fields.contains(where: { $0.key == key }) {
                throw session.node.invalid(
                    "state '\(name)' runs a session, which emits session_start and waits between its steps itself; move \(key) to the state before or after it."
                )
            }
        }
        if isEnd, let waitNode {
            throw waitNode.invalid(
                "state '\(name)' ends its process, so nothing would follow its wait; move the wait to the state before, or replace end: true with a transition."
            )
        }
        guard transitions == 1 else {
            throw node.invalid(
                "state '\(name)' has no way out: give it next, choose, branch, or end: true if the process stops there."
            )
        }
    }
}

extension JourneyGraph.SessionBlock {
    static let keys = ["gap", "max_steps", "research", "cart", "checkout", "purchased", "ended"]

    init(_ node: ConfigNode) throws(ScenarioError) {
        self.node = node
        let fields = try node.mapping(allowed: Self.keys)
        gap = try fields.required("gap").distribution(durations: true)
        maxSteps = try fields.required("max_steps").int(in: 1...10_000)
        /// A stage's step: what it may do, each with a probability (a missing one is 0), adding up to 1.
        func row(
            _ key: String, _ outcomes: [(name: String, slot: WritableKeyPath<StepProbabilities, Double>)]
        ) throws(ScenarioError) -> StepProbabilities {
            let rowNode = try fields.required(key)
            let mapping = try rowNode.mapping(allowed: outcomes.map(\.name))
            var probabilities = StepProbabilities(advance: 0, stay: 0, back: 0, end: 0)
            for (name, slot) in outcomes {
                if let value = mapping[name] { probabilities[keyPath: slot] = try value.probability() }
            }
            let sum = probabilities.advance + probabilities.stay + probabilities.back + probabilities.end
            guard abs(sum - 1) <= 1e-9 else {
                throw rowNode.invalid(
                    "the probabilities add up to \(sum.formatted6), not 1; every step must go somewhere.")
            }
            return probabilities
        }
        research = try row("research", [("add_to_cart", \.advance), ("view", \.stay), ("end", \.end)])
        cart = try row(
            "cart", [("checkout", \.advance), ("add_to_cart", \.stay), ("research", \.back), ("end", \.end)])
        checkout = try row("checkout", [("purchase", \.advance), ("research", \.back), ("end", \.end)])
        let purchasedNode = try fields.required("purchased")
        let endedNode = try fields.required("ended")
        purchased = (try purchasedNode.string(), purchasedNode)
        ended = (try endedNode.string(), endedNode)
    }
}

extension JourneyGraph.Transition {
    static func choice(_ node: ConfigNode) throws(ScenarioError) -> JourneyGraph.Transition {
        var options: [(to: String, probability: Double, lifted: Bool, node: ConfigNode)] = []
        var sum = 0.0
        // At most one option may leave out its probability: it takes what the others leave.
        var remainder: Int?
        let items = try node.list()
        guard !items.isEmpty else { throw node.invalid("list at least one {to: state, probability: p}.") }
        for item in items {
            let fields = try item.mapping(allowed: ["to", "probability", "lift"])
            var probability = 0.0
            if let value = fields["probability"] {
                probability = try value.probability()
            } else if remainder == nil {
                remainder = options.count
            } else {
                throw item.invalid("two options without a probability; one option at most takes what the others leave.")
            }
            sum += probability
            let lifted = try fields["lift"]?.bool() ?? false
            if lifted, options.contains(where: \.lifted) {
                throw item.invalid("only one option of a choice can be lifted.")
            }
            options.append((try fields.required("to").string(), probability, lifted, item))
        }
        if let remainder {
            guard sum <= 1 + 1e-9 else {
                throw node.invalid(
                    "the probabilities add up to \(sum.formatted6), more than 1, so nothing is left for the option without one."
                )
            }
            options[remainder].probability = max(0, 1 - sum)
            sum = 1
        }
        guard abs(sum - 1) <= 1e-9 else {
            throw node.invalid("the probabilities add up to \(sum.formatted6), not 1; every step must go somewhere.")
        }
        return .choose(options, node)
    }

    static func branch(_ node: ConfigNode) throws(ScenarioError) -> JourneyGraph.Transition {
        var arms: [(condition: [JourneyGraph.ConditionText], then: JourneyGraph.Transition)] = []
        let items = try node.list()
        guard !items.isEmpty else {
            throw node.invalid("list the cases: {if: \"streak >= 7\", to: milestone}, …, then {to: otherwise}.")
        }
        for (index, item) in items.enumerated() {
            let fields = try item.mapping(allowed: ["if", "to", "choose"])
            var conditions: [JourneyGraph.ConditionText] = []
            if let condition = fields["if"] {
                let text = try condition.string()
                for part in text.components(separatedBy: " and ") {
                    conditions.append(.init(text: part.trimmingCharacters(in: .whitespaces), node: condition))
                }
            } else if index != items.count - 1 {
                throw item.invalid("only the last case may leave out `if` (it is the otherwise case).")
            }
            let then: JourneyGraph.Transition
            switch (fields["to"], fields["choose"]) {
            case let (to?, nil): then = .goto(try to.string(), to)
            case let (nil, choose?): then = try choice(choose)
            default: throw item.invalid("give either to: state or choose: [...] (one of them).")
            }
            arms.append((conditions, then))
        }
        guard arms.last?.condition.isEmpty == true else {
            throw items[items.count - 1].invalid(
                "the last case needs no `if`: it is where the customer goes when no condition holds, so the state always has a way out."
            )
        }
        return .branch(arms, node)
    }
}

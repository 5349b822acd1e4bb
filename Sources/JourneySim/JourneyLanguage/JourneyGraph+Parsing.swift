import Foundation

extension JourneyGraph {
    static let keys = ["events", "attributes", "processes", "parameters", "states", "reactions", "archetypes"]
    static let stateKeys = [
        "emit", "stage", "value", "set", "add", "start_process", "stop_process", "schedule", "wait",
        "next", "choose", "branch", "end", "session",
    ]
    static let transitionKeys = ["next", "choose", "branch", "end", "session"]
    static let reactionKeys = [
        "on", "campaign", "template", "channel", "in", "if", "probability", "discount_multiplier",
        "decay", "delay", "to", "counts_as",
    ]
    /// What a reaction that moves a customer counts as in the messaging summary.
    static let reactionCounters = ["cart_return", "reengagement", "walk_away"]
    /// What a reaction can answer: a message interaction, or a delivered message that made the
    /// customer unhappy (the fatigue model's verdict).
    static let reactionTriggers = [
        "message_delivered", "message_opened", "message_clicked", "message_replied",
        "message_ignored", "message_failed", "unhappy",
    ]
    /// More than any hand-written journey needs; keeps state ids in 16 bits with room to spare.
    static let maxStates = 4096
    static let maxProcesses = 8
    static let maxAttributes = 32

    /// Reads the scenario's `journey:` mapping; `$name` references in states and reactions read
    /// `parameters` (the scenario's numbers) and the journey's own `parameters:`.
    init(node: ConfigNode, parameters scenarioParameters: JourneyParameterTable) throws(ScenarioError) {
        self.node = node
        let top = try node.mapping(allowed: JourneyGraph.keys)
        for key in ["events", "attributes", "processes"] {
            if let part = top[key], JourneyParameterTable.references(in: part.node) {
                throw part.invalid(
                    "parameters ($name) are read in states, reactions and archetypes; \(key) takes plain values.")
            }
        }
        // A journey without references is read once for all archetypes; one with references
        // is read per archetype, each with its own values.
        let usesParameters = JourneyParameterTable.references(in: node.node)
        var parameters = scenarioParameters
        if let value = top["parameters"] { try parameters.declare(value) }
        if let value = top["events"] { events = try JourneyGraph.customEvents(value) }
        if let value = top["attributes"] {
            for entry in try value.openMapping().entries {
                try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "an attribute")
                guard !JourneyConditionOperand.reservedNames.contains(entry.key) else {
                    throw entry.value.invalid(
                        "'\(entry.key)' is a built-in operand of conditions; give the attribute another name.")
                }
                attributes.append((entry.key, try entry.value.double(in: -1e30...1e30, "a start value is a number")))
            }
            guard attributes.count <= JourneyGraph.maxAttributes else {
                throw value.invalid("\(attributes.count) attributes; at most \(JourneyGraph.maxAttributes).")
            }
        }
        let processesNode = try top.required("processes")
        for entry in try processesNode.openMapping().entries {
            try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "a process")
            if case .mapping = entry.value.node {
                let fields = try entry.value.mapping(allowed: ["start", "autostart"])
                processes.append(
                    Process(
                        name: entry.key, start: try fields.required("start").string(),
                        autostart: try fields["autostart"]?.bool() ?? true, node: entry.value))
            } else {
                processes.append(
                    Process(name: entry.key, start: try entry.value.string(), autostart: true, node: entry.value))
            }
        }
        guard !processes.isEmpty else {
            throw processesNode.invalid("declare at least one process, e.g. {main: first_state}.")
        }
        guard processes.count <= JourneyGraph.maxProcesses else {
            throw processesNode.invalid(
                "\(processes.count) processes; at most \(JourneyGraph.maxProcesses) per customer.")
        }
        guard processes.contains(where: \.autostart) else {
            throw processesNode.invalid(
                "no process starts by itself (all have autostart: false), so nothing would ever happen.")
        }

        let statesNode = try top.required("states")
        let baseEntries = try statesNode.openMapping().entries
        guard !baseEntries.isEmpty else { throw statesNode.invalid("declare at least one state.") }
        guard baseEntries.count <= JourneyGraph.maxStates else {
            throw statesNode.invalid("\(baseEntries.count) states; at most \(JourneyGraph.maxStates).")
        }
        var overrides = [[ConfigMapping.Entry]](repeating: [], count: Archetype.allCases.count)
        var reactionOverrides = [ConfigNode?](repeating: nil, count: Archetype.allCases.count)
        if let value = top["archetypes"] {
            hasOverrides = true
            for entry in try value.mapping(allowed: Archetype.allCases.map(\.name)).entries {
                guard let archetype = Archetype(name: entry.key) else { continue }
                let fields = try entry.value.mapping(allowed: ["parameters", "states", "reactions"])
                if let own = fields["parameters"] { try parameters.declare(own, only: archetype) }
                if let states = fields["states"] {
                    overrides[Int(archetype.rawValue)] = try states.openMapping().entries
                }
                reactionOverrides[Int(archetype.rawValue)] = fields["reactions"]
            }
        }
        if usesParameters { hasOverrides = true }
        for entry in baseEntries { try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "a state") }
        // A base state or the base reactions are read once, when the first archetype that
        // leaves them as they are needs them (a state every archetype overrides is read only
        // merged with each override).
        var parsedBase = [State?](repeating: nil, count: baseEntries.count)
        var parsedBaseReactions: [Reaction]?
        for archetype in Archetype.allCases {
            var list: [State] = []
            var names: [String] = []
            let a = Int(archetype.rawValue)
            var baseEntries = baseEntries
            var overrides = overrides
            var reactionOverrides = reactionOverrides
            var baseReactions = top["reactions"]
            if usesParameters {
                // This archetype's values in place of the references; nothing read for another
                // archetype is reused.
                baseEntries = try parameters.substituting(statesNode, archetype: a).openMapping().entries
                overrides[a] = try overrides[a].map { entry throws(ScenarioError) in
                    ConfigMapping.Entry(
                        key: entry.key, keyLocation: entry.keyLocation,
                        value: try parameters.substituting(entry.value, archetype: a))
                }
                reactionOverrides[a] = try reactionOverrides[a].map { node throws(ScenarioError) in
                    try parameters.substituting(node, archetype: a)
                }
                baseReactions = try baseReactions.map { node throws(ScenarioError) in
                    try parameters.substituting(node, archetype: a)
                }
                parsedBase = [State?](repeating: nil, count: baseEntries.count)
                parsedBaseReactions = nil
            }
            for (index, entry) in baseEntries.enumerated() {
                if let override = overrides[Int(archetype.rawValue)].first(where: { $0.key == entry.key }) {
                    // An archetype's override of a state replaces the keys it gives; a transition
                    // it gives replaces the state's transition whatever its kind.
                    var fields = try entry.value.mapping(allowed: JourneyGraph.stateKeys).entries
                    let replacing = try override.value.mapping(allowed: JourneyGraph.stateKeys).entries
                    let replacesTransition = replacing.contains { JourneyGraph.transitionKeys.contains($0.key) }
                    fields.removeAll { field in
                        replacing.contains { $0.key == field.key }
                            || (replacesTransition && JourneyGraph.transitionKeys.contains(field.key))
                    }
                    fields += replacing
                    list.append(try State(name: entry.key, node: override.value, fields: fields))
                } else {
                    if parsedBase[index] == nil {
                        parsedBase[index] = try State(
                            name: entry.key, node: entry.value,
                            fields: try entry.value.mapping(allowed: JourneyGraph.stateKeys).entries)
                    }
                    list.append(parsedBase[index]!)
                }
                names.append(entry.key)
            }
            for override in overrides[Int(archetype.rawValue)] where !names.contains(override.key) {
                // A state only this archetype has.
                try JourneyGraph.checkIdentifier(override.key, override.value, what: "a state")
                list.append(
                    try State(
                        name: override.key, node: override.value,
                        fields: try override.value.mapping(allowed: JourneyGraph.stateKeys).entries))
                names.append(override.key)
            }
            states.append(list)
            if let node = reactionOverrides[Int(archetype.rawValue)] {
                reactions.append(try JourneyGraph.reactions(node))
            } else {
                if parsedBaseReactions == nil {
                    parsedBaseReactions =
                        try baseReactions.map { node throws(ScenarioError) in try JourneyGraph.reactions(node) } ?? []
                }
                reactions.append(parsedBaseReactions!)
            }
        }
    }

    static func reactions(_ node: ConfigNode) throws(ScenarioError) -> [Reaction] {
        var list: [Reaction] = []
        for item in try node.list() { list.append(try Reaction(node: item)) }
        return list
    }

    static func customEvents(_ node: ConfigNode) throws(ScenarioError) -> [EventCatalog.Custom] {
        var list: [EventCatalog.Custom] = []
        for entry in try node.openMapping().entries {
            try checkIdentifier(entry.key, entry.value, what: "an event")
            guard EventKind(name: entry.key) == nil else {
                throw entry.value.invalid("'\(entry.key)' is a built-in event; custom events need names of their own.")
            }
            var properties: [EventCatalog.Property] = []
            if entry.value.node.null == nil {
                let fields = try entry.value.mapping(allowed: ["properties"])
                if let propertiesNode = fields["properties"] {
                    for property in try propertiesNode.openMapping().entries {
                        try checkIdentifier(property.key, property.value, what: "a property")
                        let kind: EventCatalog.Property.Kind
                        if case .sequence = property.value.node {
                            var names: [String] = []
                            for item in try property.value.list() {
                                let name = try item.string()
                                guard !name.isEmpty, name.count <= 64, !names.contains(name),
                                    name.unicodeScalars.allSatisfy({
                                        CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
                                    })
                                else {
                                    throw item.invalid(
                                        "category names are distinct, 1 to 64 letters, digits, '-', '_' or '.'.")
                                }
                                names.append(name)
                            }
                            guard !names.isEmpty, names.count <= 1 << 20 else {
                                throw property.value.invalid("a category lists 1 to 1,048,576 names.")
                            }
                            kind = .category(names)
                        } else {
                            switch try property.value.string() {
                            case "number": kind = .number
                            case "bool": kind = .bool
                            case let other:
                                throw property.value.invalid(
                                    "unknown property type '\(other)'; use number, bool or a list of category names.")
                            }
                        }
                        guard
                            !["campaign", "step", "template", "channel", "stage", "cart_value", "stars"].contains(
                                property.key)
                        else {
                            throw property.value.invalid(
                                "'\(property.key)' is a field every event has; give the property another name.")
                        }
                        properties.append(.init(name: property.key, kind: kind))
                    }
                    guard properties.count <= EventProperties.capacity else {
                        throw propertiesNode.invalid(
                            "\(properties.count) properties; an event carries at most \(EventProperties.capacity).")
                    }
                }
            }
            list.append(.init(name: entry.key, properties: properties))
        }
        guard list.count <= EventKind.maxCustom else {
            throw node.invalid("\(list.count) custom events; at most \(EventKind.maxCustom).")
        }
        return list
    }

    static func checkIdentifier(_ name: String, _ node: ConfigNode, what: String) throws(ScenarioError) {
        let valid =
            !name.isEmpty && name.count <= 64 && name.first.map { $0.isLetter || $0 == "_" } == true
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "_" }
        guard valid else {
            throw node.invalid(
                "'\(name)' cannot name \(what): use letters, digits and '_' (starting with a letter), at most 64.")
        }
    }
}

extension JourneyGraph.State {
    init(name: String, node: ConfigNode, fields: [ConfigMapping.Entry]) throws(ScenarioError) {
        self.name = name
        self.node = node
        var transitions = 0
        for field in fields {
            let value = field.value
            switch field.key {
            case "emit":
                if case .mapping = value.node {
                    let parts = try value.mapping(allowed: ["event", "properties"])
                    var emit = JourneyGraph.Emit(
                        event: try parts.required("event").string(), node: try parts.required("event"))
                    if let properties = parts["properties"] {
                        for entry in try properties.openMapping().entries {
                            emit.properties.append((entry.key, entry.value))
                        }
                    }
                    self.emit = emit
                } else {
                    self.emit = JourneyGraph.Emit(event: try value.string(), node: value)
                }
            case "stage":
                let text = try value.string()
                guard let stage = Stage.allCases.first(where: { $0.name == text }) else {
                    throw value.invalid(
                        "unknown stage '\(text)'; stages: \(Stage.allCases.map(\.name).joined(separator: ", ")).")
                }
                self.stage = stage
            case "value":
                self.value = try value.distribution(durations: false)
                valueNode = value
            case "set", "add":
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
                    if field.key == "set" {
                        set.append((entry.key, operand, entry.value))
                    } else {
                        add.append((entry.key, operand, entry.value))
                    }
                }
            case "start_process", "stop_process":
                var names: [(String, ConfigNode)] = []
                if case .sequence = value.node {
                    for item in try value.list() { names.append((try item.string(), item)) }
                } else {
                    names.append((try value.string(), value))
                }
                if field.key == "start_process" { startProcesses = names } else { stopProcesses = names }
            case "schedule":
                for item in try value.list() {
                    let fields = try item.mapping(allowed: ["event", "probability", "delay"])
                    timers.append(
                        (
                            try fields.required("event").string(), try fields["probability"]?.probability() ?? 1,
                            try fields.required("delay").distribution(durations: true), item
                        ))
                }
                guard timers.count <= 16 else { throw value.invalid("a state schedules at most 16 events.") }
            case "wait":
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

extension JourneyGraph.Reaction {
    init(node: ConfigNode) throws(ScenarioError) {
        let fields = try node.mapping(allowed: JourneyGraph.reactionKeys)
        let onNode = try fields.required("on")
        on = try onNode.string()
        self.onNode = onNode
        guard JourneyGraph.reactionTriggers.contains(on) else {
            let hint =
                Suggestion.closest(to: on, in: JourneyGraph.reactionTriggers).map { " Did you mean '\($0)'?" } ?? ""
            throw onNode.invalid(
                "a reaction answers \(JourneyGraph.reactionTriggers.joined(separator: ", ")); not '\(on)'.\(hint)")
        }
        self.node = node
        let toNode = try fields.required("to")
        to = (try toNode.string(), toNode)
        if let value = fields["campaign"] { campaign = (try value.string(), value) }
        if let value = fields["template"] { template = (try value.string(), value) }
        if let value = fields["channel"] { channel = try value.channel() }
        if let value = fields["in"] {
            if case .sequence = value.node {
                for item in try value.list() { inStates.append((try item.string(), item)) }
            } else {
                inStates.append((try value.string(), value))
            }
        }
        if let value = fields["if"] {
            for part in try value.string().components(separatedBy: " and ") {
                conditions.append(.init(text: part.trimmingCharacters(in: .whitespaces), node: value))
            }
        }
        if let value = fields["probability"] { probability = try value.probability() }
        if let value = fields["discount_multiplier"] {
            discountMultiplier = try value.double(in: 0...100, "a multiplier between 0 and 100")
        }
        if let value = fields["decay"] {
            let decay = try value.mapping(allowed: ["half_life", "since"])
            let halfLife = try decay.required("half_life").duration()
            guard halfLife.milliseconds > 0 else { throw value.invalid("a half-life is above 0.") }
            decayHalfLife = halfLife
            let since = try decay.required("since")
            decaySince = (try since.string(), since)
        }
        if let value = fields["delay"] { delay = try value.distribution(durations: true) }
        if let value = fields["counts_as"] {
            let text = try value.string()
            guard let index = JourneyGraph.reactionCounters.firstIndex(of: text) else {
                throw value.invalid(
                    "counts_as is one of \(JourneyGraph.reactionCounters.joined(separator: ", ")); not '\(text)'.")
            }
            countsAs = UInt8(index + 1)
        }
    }
}

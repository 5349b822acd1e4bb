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
        if let value = top["attributes"] { attributes = try JourneyGraph.parseAttributes(value) }
        processes = try JourneyGraph.parseProcesses(try top.required("processes"))

        let statesNode = try top.required("states")
        let baseEntries = try statesNode.openMapping().entries
        guard !baseEntries.isEmpty else { throw statesNode.invalid("declare at least one state.") }
        guard baseEntries.count <= JourneyGraph.maxStates else {
            throw statesNode.invalid("\(baseEntries.count) states; at most \(JourneyGraph.maxStates).")
        }
        let overrides = try JourneyGraph.archetypeOverrides(top["archetypes"], parameters: &parameters)
        hasOverrides = top["archetypes"] != nil || usesParameters
        for entry in baseEntries { try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "a state") }
        // A base state or the base reactions are read once, when the first archetype that
        // leaves them as they are needs them (a state every archetype overrides is read only
        // merged with each override).
        var parsedBase = [State?](repeating: nil, count: baseEntries.count)
        var parsedBaseReactions: [Reaction]?
        for archetype in Archetype.allCases {
            let a = Int(archetype.rawValue)
            var baseEntries = baseEntries
            var stateOverrides = overrides.states[a]
            var reactionOverride = overrides.reactions[a]
            var baseReactions = top["reactions"]
            if usesParameters {
                // This archetype's values in place of the references; nothing read for another
                // archetype is reused.
                baseEntries = try parameters.substituting(statesNode, archetype: a).openMapping().entries
                stateOverrides = try stateOverrides.map { entry throws(ScenarioError) in
                    ConfigMapping.Entry(
                        key: entry.key, keyLocation: entry.keyLocation,
                        value: try parameters.substituting(entry.value, archetype: a))
                }
                reactionOverride = try reactionOverride.map { node throws(ScenarioError) in
                    try parameters.substituting(node, archetype: a)
                }
                baseReactions = try baseReactions.map { node throws(ScenarioError) in
                    try parameters.substituting(node, archetype: a)
                }
                parsedBase = [State?](repeating: nil, count: baseEntries.count)
                parsedBaseReactions = nil
            }
            states.append(
                try JourneyGraph.archetypeStates(baseEntries, overrides: stateOverrides, parsedBase: &parsedBase))
            if let reactionOverride {
                reactions.append(try JourneyGraph.reactions(reactionOverride))
            } else {
                if parsedBaseReactions == nil {
                    parsedBaseReactions =
                        try baseReactions.map { node throws(ScenarioError) in try JourneyGraph.reactions(node) } ?? []
                }
                reactions.append(parsedBaseReactions!)
            }
        }
    }

    /// `attributes:`, each a name (not a built-in operand of conditions) and its start value; at
    /// most `maxAttributes`.
    private static func parseAttributes(_ node: ConfigNode) throws(ScenarioError) -> [(name: String, initial: Double)] {
        var attributes: [(name: String, initial: Double)] = []
        for entry in try node.openMapping().entries {
            try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "an attribute")
            guard !JourneyConditionOperand.reservedNames.contains(entry.key) else {
                throw entry.value.invalid(
                    "'\(entry.key)' is a built-in operand of conditions; give the attribute another name.")
            }
            attributes.append((entry.key, try entry.value.double(in: -1e30...1e30, "a start value is a number")))
        }
        guard attributes.count <= JourneyGraph.maxAttributes else {
            throw node.invalid("\(attributes.count) attributes; at most \(JourneyGraph.maxAttributes).")
        }
        return attributes
    }

    /// `processes:`, each a start state or `{start, autostart}`: at least one, at most
    /// `maxProcesses`, and at least one that starts by itself.
    private static func parseProcesses(_ node: ConfigNode) throws(ScenarioError) -> [Process] {
        var processes: [Process] = []
        for entry in try node.openMapping().entries {
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
            throw node.invalid("declare at least one process, e.g. {main: first_state}.")
        }
        guard processes.count <= JourneyGraph.maxProcesses else {
            throw node.invalid(
                "\(processes.count) processes; at most \(JourneyGraph.maxProcesses) per customer.")
        }
        guard processes.contains(where: \.autostart) else {
            throw node.invalid(
                "no process starts by itself (all have autostart: false), so nothing would ever happen.")
        }
        return processes
    }

    /// Per archetype (by raw value), the states and the reactions its entry under `archetypes:`
    /// gives, none for an archetype without one; an entry's own `parameters` are declared into
    /// `parameters` for that archetype only.
    private static func archetypeOverrides(
        _ node: ConfigNode?, parameters: inout JourneyParameterTable
    ) throws(ScenarioError) -> (states: [[ConfigMapping.Entry]], reactions: [ConfigNode?]) {
        var states = [[ConfigMapping.Entry]](repeating: [], count: Archetype.allCases.count)
        var reactions = [ConfigNode?](repeating: nil, count: Archetype.allCases.count)
        guard let node else { return (states, reactions) }
        for entry in try node.mapping(allowed: Archetype.allCases.map(\.name)).entries {
            guard let archetype = Archetype(name: entry.key) else { continue }
            let fields = try entry.value.mapping(allowed: ["parameters", "states", "reactions"])
            if let own = fields["parameters"] { try parameters.declare(own, only: archetype) }
            if let value = fields["states"] {
                states[Int(archetype.rawValue)] = try value.openMapping().entries
            }
            reactions[Int(archetype.rawValue)] = fields["reactions"]
        }
        return (states, reactions)
    }

    /// One archetype's states: the base states in document order, each merged with the
    /// archetype's override of it if it has one, then the states only the archetype has. A base
    /// state it leaves as it is comes from `parsedBase`, read there the first time it is needed.
    private static func archetypeStates(
        _ baseEntries: [ConfigMapping.Entry], overrides: [ConfigMapping.Entry], parsedBase: inout [State?]
    ) throws(ScenarioError) -> [State] {
        var list: [State] = []
        var names: [String] = []
        for (index, entry) in baseEntries.enumerated() {
            if let override = overrides.first(where: { $0.key == entry.key }) {
                list.append(try overridden(entry, by: override))
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
        for override in overrides where !names.contains(override.key) {
            // A state only this archetype has.
            try JourneyGraph.checkIdentifier(override.key, override.value, what: "a state")
            list.append(
                try State(
                    name: override.key, node: override.value,
                    fields: try override.value.mapping(allowed: JourneyGraph.stateKeys).entries))
            names.append(override.key)
        }
        return list
    }

    /// A base state with an archetype's override of it: the override replaces the keys it
    /// gives, and a transition it gives replaces the state's transition whatever its kind.
    private static func overridden(
        _ entry: ConfigMapping.Entry, by override: ConfigMapping.Entry
    ) throws(ScenarioError) -> State {
        var fields = try entry.value.mapping(allowed: JourneyGraph.stateKeys).entries
        let replacing = try override.value.mapping(allowed: JourneyGraph.stateKeys).entries
        let replacesTransition = replacing.contains { JourneyGraph.transitionKeys.contains($0.key) }
        fields.removeAll { field in
            replacing.contains { $0.key == field.key }
                || (replacesTransition && JourneyGraph.transitionKeys.contains(field.key))
        }
        fields += replacing
        return try State(name: entry.key, node: override.value, fields: fields)
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

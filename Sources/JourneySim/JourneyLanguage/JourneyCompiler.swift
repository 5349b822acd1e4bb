/// Turns a `JourneyGraph` into a `JourneyModel`: resolves every name to an id, checks the graph
/// and lays it out as tables.
///
/// Checked here, each with the path of the part at fault: unknown states, events, attributes,
/// processes, campaigns and templates; events a journey cannot emit; properties that are
/// missing, undeclared or of the wrong type; states no process, transition or reaction ever
/// reaches; and cycles that can run without simulated time passing (a loop of states without a
/// wait, also through processes started on the way). Probabilities that do not add up to 1,
/// states with no way out and branches without an otherwise case are refused by the parser.
enum JourneyCompiler {
    static func compile(_ graph: JourneyGraph, triggers: TriggerSpec) throws(ScenarioError) -> JourneyModel {
        let catalog = EventCatalog(custom: graph.events)
        // One state id space: the base states in document order, then any an archetype adds.
        var stateNames: [String] = []
        for list in graph.states {
            for state in list where !stateNames.contains(state.name) { stateNames.append(state.name) }
        }
        let processNames = graph.processes.map(\.name)
        let attributeNames = graph.attributes.map(\.name)
        var tracked: [EventKind] = []
        for list in graph.reactions {
            for reaction in list {
                guard let since = reaction.decaySince else { continue }
                guard let kind = catalog.kind(named: since.name) else {
                    throw unknownEvent(since.name, since.node, catalog)
                }
                if !tracked.contains(kind) { tracked.append(kind) }
            }
        }
        var programs: [JourneyProgram] = []
        var starts: [[Int32]] = []
        for archetype in Archetype.allCases {
            let states = graph.states[Int(archetype.rawValue)]
            var builder = Builder(
                catalog: catalog, stateNames: stateNames, present: Set(states.map(\.name)),
                processNames: processNames, attributeNames: attributeNames, triggers: triggers,
                tracked: tracked, archetype: graph.hasOverrides ? archetype : nil)
            var processStarts: [Int32] = []
            for process in graph.processes {
                processStarts.append(try builder.state(process.start, process.node))
            }
            for state in states { try builder.add(state) }
            for reaction in graph.reactions[Int(archetype.rawValue)] { try builder.add(reaction) }
            try builder.checkReachability(
                from: processStarts, autostart: graph.processes.map(\.autostart), states: states,
                reactions: graph.reactions[Int(archetype.rawValue)], archetype: archetype)
            try builder.checkInstantCycles(states: states, processStarts: processStarts, archetype: archetype)
            programs.append(builder.program)
            starts.append(processStarts)
        }
        return JourneyModel(
            catalog: catalog, stateNames: stateNames, processNames: processNames, processStarts: starts,
            processAutostart: graph.processes.map(\.autostart), attributeNames: attributeNames,
            attributeInitial: graph.attributes.map { Float($0.initial) }, trackedKinds: tracked,
            readsElapsed: programs.contains { $0.conditions.contains { $0.operand == .elapsed } },
            programs: programs)
    }

    static func unknownEvent(_ name: String, _ node: ConfigNode, _ catalog: EventCatalog) -> ScenarioError {
        let hint = Suggestion.closest(to: name, in: catalog.allNames).map { " Did you mean '\($0)'?" } ?? ""
        return node.invalid("unknown event '\(name)'.\(hint) Declare custom events under journey.events.")
    }

    struct Builder {
        let catalog: EventCatalog
        let stateNames: [String]
        let present: Set<String>
        let processNames: [String]
        let attributeNames: [String]
        let triggers: TriggerSpec
        let tracked: [EventKind]
        /// The archetype whose program this is, when the journey has per-archetype overrides (errors name it).
        let archetype: Archetype?
        var program = JourneyProgram()

        var inArchetype: String { archetype.map { " (in archetype \($0.name)'s journey)" } ?? "" }

        init(
            catalog: EventCatalog, stateNames: [String], present: Set<String>, processNames: [String],
            attributeNames: [String], triggers: TriggerSpec, tracked: [EventKind], archetype: Archetype?
        ) {
            self.archetype = archetype
            self.catalog = catalog
            self.stateNames = stateNames
            self.present = present
            self.processNames = processNames
            self.attributeNames = attributeNames
            self.triggers = triggers
            self.tracked = tracked
            program.states = ContiguousArray(repeating: JourneyProgram.State(), count: stateNames.count)
        }

        func state(_ name: String, _ node: ConfigNode) throws(ScenarioError) -> Int32 {
            guard present.contains(name), let index = stateNames.firstIndex(of: name) else {
                let hint = Suggestion.closest(to: name, in: Array(present)).map { " Did you mean '\($0)'?" } ?? ""
                throw node.invalid("unknown state '\(name)'\(inArchetype).\(hint)")
            }
            return Int32(index)
        }

        func attribute(_ name: String, _ node: ConfigNode) throws(ScenarioError) -> Int32 {
            guard let index = attributeNames.firstIndex(of: name) else {
                let hint = Suggestion.closest(to: name, in: attributeNames).map { " Did you mean '\($0)'?" } ?? ""
                throw node.invalid("unknown attribute '\(name)'.\(hint) Declare attributes under journey.attributes.")
            }
            return Int32(index)
        }

        func process(_ name: String, _ node: ConfigNode) throws(ScenarioError) -> Int32 {
            guard let index = processNames.firstIndex(of: name) else {
                let hint = Suggestion.closest(to: name, in: processNames).map { " Did you mean '\($0)'?" } ?? ""
                throw node.invalid("unknown process '\(name)'.\(hint)")
            }
            return Int32(index)
        }

        mutating func distribution(_ distribution: Distribution) -> Int32 {
            program.distributions.append(CompiledDistribution(distribution, empirical: &program.empirical))
            return Int32(program.distributions.count - 1)
        }

        mutating func add(_ state: JourneyGraph.State) throws(ScenarioError) {
            let id = Int(try self.state(state.name, state.node))
            var compiled = JourneyProgram.State()
            compiled.present = true
            compiled.isEnd = state.isEnd
            compiled.stage = state.stage?.rawValue ?? 255
            if let emit = state.emit {
                guard let kind = catalog.kind(named: emit.event) else {
                    throw unknownEvent(emit.event, emit.node, catalog)
                }
                guard !kind.isMessageInteraction, kind != .optOut else {
                    throw emit.node.invalid(
                        "a journey cannot emit '\(emit.event)': it comes from the messages a customer gets (and opt_out from the fatigue model)."
                    )
                }
                compiled.emit = kind.rawValue
                let propertiesStart = Int32(program.propertySources.count)
                if let declaration = catalog.declaration(of: kind) {
                    for (name, node) in emit.properties
                    where !declaration.properties.contains(where: { $0.name == name }) {
                        let names = declaration.properties.map(\.name)
                        throw node.invalid(
                            "event '\(emit.event)' has no property '\(name)'; its properties: \(names.isEmpty ? "none" : names.joined(separator: ", "))."
                        )
                    }
                    for property in declaration.properties {
                        guard let given = emit.properties.first(where: { $0.name == property.name }) else {
                            throw emit.node.invalid(
                                "emitting '\(emit.event)' needs a value for its property '\(property.name)' (a \(Self.describe(property.kind)))."
                            )
                        }
                        program.propertySources.append(try propertySource(property, given.value))
                    }
                } else if let first = emit.properties.first {
                    throw first.value.invalid(
                        "'\(emit.event)' is a built-in event; only custom events carry properties.")
                }
                compiled.properties = IDRange(propertiesStart..<Int32(program.propertySources.count))
            }
            if let value = state.value {
                guard let emit = compiled.emit == JourneyProgram.noEvent ? nil : EventKind(rawValue: compiled.emit),
                    emit == .addToCart || emit == .purchase
                else {
                    throw state.valueNode!.invalid(
                        "a value is what an add_to_cart adds to the cart or what a purchase pays; this state emits neither."
                    )
                }
                compiled.value = distribution(value)
            }
            let opsStart = Int32(program.attributeOps.count)
            for (isAdd, list) in [(false, state.set), (true, state.add)] {
                for (name, operand, node) in list {
                    var op = JourneyProgram.AttributeOp(attribute: try attribute(name, node), isAdd: isAdd, value: 0)
                    switch operand {
                    case let .number(value): op.value = Float(value)
                    case let .name(other, otherNode):
                        if other == "cart_value" {
                            op.source = .cartValue
                        } else {
                            op.source = .attribute
                            op.index = try attribute(other, otherNode)
                        }
                    case let .draw(distribution):
                        op.source = .draw
                        op.index = self.distribution(distribution)
                    }
                    program.attributeOps.append(op)
                }
            }
            compiled.attributeOps = IDRange(opsStart..<Int32(program.attributeOps.count))
            let processStart = Int32(program.processOps.count)
            for (name, node) in state.stopProcesses {
                program.processOps.append(.init(process: try process(name, node), start: false))
            }
            for (name, node) in state.startProcesses {
                program.processOps.append(.init(process: try process(name, node), start: true))
            }
            compiled.processOps = IDRange(processStart..<Int32(program.processOps.count))
            let timersStart = Int32(program.timers.count)
            for timer in state.timers {
                let eventNode = (try? timer.node.openMapping())?["event"] ?? timer.node
                guard let kind = catalog.kind(named: timer.event) else {
                    throw unknownEvent(timer.event, eventNode, catalog)
                }
                guard !kind.isMessageInteraction, kind != .optOut else {
                    throw eventNode.invalid(
                        "a journey cannot schedule '\(timer.event)': it comes from the messages a customer gets.")
                }
                if let declaration = catalog.declaration(of: kind), !declaration.properties.isEmpty {
                    throw eventNode.invalid(
                        "'\(timer.event)' has properties; schedule an event without properties, or emit it from a state."
                    )
                }
                program.timers.append(
                    .init(event: kind.rawValue, probability: timer.probability, delay: distribution(timer.delay)))
            }
            compiled.timers = IDRange(timersStart..<Int32(program.timers.count))
            if let wait = state.wait { compiled.wait = distribution(wait) }
            compiled.waitByLocalHour = state.waitByLocalHour
            compiled.waitFrequencyScaled = state.waitFrequencyScaled
            if let transition = state.transition { compiled.transition = try node(transition) }
            if let session = state.session {
                // Entering the state emits session_start and waits for the first step; the block
                // picks between its two ways out itself (and the reachability check reads them).
                compiled.emit = EventKind.sessionStart.rawValue
                compiled.wait = distribution(session.gap)
                let purchased = try self.state(session.purchased.name, session.purchased.node)
                let ended = try self.state(session.ended.name, session.ended.node)
                compiled.session = Int32(program.sessions.count)
                program.sessions.append(
                    .init(
                        gap: compiled.wait, maxSteps: Int32(session.maxSteps), research: session.research,
                        cart: session.cart, checkout: session.checkout, purchased: purchased, ended: ended))
            }
            program.states[id] = compiled
        }

        static func describe(_ kind: EventCatalog.Property.Kind) -> String {
            switch kind {
            case .number: "number"
            case .bool: "bool"
            case let .category(names):
                "category: \(names.prefix(6).joined(separator: ", "))\(names.count > 6 ? ", …" : "")"
            }
        }

        func propertySource(
            _ property: EventCatalog.Property, _ node: ConfigNode
        ) throws(ScenarioError) -> JourneyProgram.PropertySource {
            // An attribute's name or cart_value reads the customer; otherwise a literal of the property's type.
            if node.isPlainScalar, let text = try? node.string() {
                if text == "cart_value", property.kind == .number {
                    return .init(kind: .cartValue, attribute: 0, value: 0)
                }
                if let index = attributeNames.firstIndex(of: text), property.kind != .category([]) {
                    if case .category = property.kind {
                    } else {
                        return .init(kind: .attribute, attribute: Int32(index), value: 0)
                    }
                }
            }
            switch property.kind {
            case .number:
                let value = try node.double(in: -1e30...1e30, "a number, an attribute's name or cart_value")
                return .init(kind: .constant, attribute: 0, value: Float(value))
            case .bool:
                return .init(kind: .constant, attribute: 0, value: try node.bool() ? 1 : 0)
            case let .category(names):
                let text = try node.string()
                guard let index = names.firstIndex(of: text) else {
                    let hint = Suggestion.closest(to: text, in: names).map { " Did you mean '\($0)'?" } ?? ""
                    throw node.invalid(
                        "'\(text)' is not a value of '\(property.name)' (\(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : "")); category properties take one of their names, not an attribute.\(hint)"
                    )
                }
                return .init(kind: .constant, attribute: 0, value: Float(index))
            }
        }

        mutating func node(_ transition: JourneyGraph.Transition) throws(ScenarioError) -> Int32 {
            switch transition {
            case let .goto(name, node):
                let target = try state(name, node)
                program.nodes.append(.init(kind: .goto, first: target, end: target))
            case let .choose(options, _):
                let first = Int32(program.choices.count)
                var running = 0.0
                var lifted: Int32 = -1
                // Options of probability 0 are never taken (unless lifted); the last taken one absorbs rounding.
                for option in options {
                    let target = try state(option.to, option.node)
                    guard option.probability > 0 || option.lifted else { continue }
                    running += option.probability
                    if option.lifted { lifted = Int32(program.choices.count) }
                    program.choices.append(.init(cumulative: running, state: target, probability: option.probability))
                }
                program.choices[program.choices.count - 1].cumulative = .infinity
                program.nodes.append(
                    .init(kind: .choose, first: first, end: Int32(program.choices.count), lifted: lifted))
            case let .branch(arms, _):
                // Arms are laid out first (their nodes after), so the node's range is contiguous.
                var compiledArms: [JourneyProgram.Arm] = []
                for arm in arms {
                    let conditionsStart = Int32(program.conditions.count)
                    for condition in arm.condition { program.conditions.append(try self.condition(condition)) }
                    let conditions = IDRange(conditionsStart..<Int32(program.conditions.count))
                    compiledArms.append(.init(conditions: conditions, node: try node(arm.then)))
                }
                let first = Int32(program.arms.count)
                program.arms.append(contentsOf: compiledArms)
                program.nodes.append(.init(kind: .branch, first: first, end: Int32(program.arms.count)))
            }
            return Int32(program.nodes.count - 1)
        }

        func condition(_ text: JourneyGraph.ConditionText) throws(ScenarioError) -> JourneyCondition {
            let node = text.node
            let (lhs, symbol, rhs) = try node.comparisonParts(
                text.text, example: "streak >= 7", more: "; join with ' and '")
            guard let comparison = EventFilter.Comparison(symbol: symbol) else {
                throw node.invalid("'\(symbol)' is not a comparison; use ==, !=, <, <=, > or >=.")
            }
            func number() throws(ScenarioError) -> Double {
                guard let value = Double(rhs), value.isFinite else {
                    throw node.invalid("'\(rhs)' is not a number (in '\(text.text)').")
                }
                return value
            }
            func equalityOnly() throws(ScenarioError) {
                guard comparison == .equal || comparison == .notEqual else {
                    throw node.invalid("\(lhs) is a name; compare it with == or != only (in '\(text.text)').")
                }
            }
            switch lhs {
            case "cart_value":
                return .init(operand: .cartValue, attribute: 0, comparison: comparison, value: try number())
            case "purchases":
                return .init(operand: .purchases, attribute: 0, comparison: comparison, value: try number())
            case "local_hour":
                return .init(operand: .localHour, attribute: 0, comparison: comparison, value: try number())
            case "elapsed":
                guard case let .success(parsed) = ConfigNode.parseDuration(rhs) else {
                    throw node.invalid("'\(rhs)' is not a duration (e.g. 3d, 12h) in '\(text.text)'.")
                }
                return .init(
                    operand: .elapsed, attribute: 0, comparison: comparison, value: Double(parsed.milliseconds))
            case "in_session":
                try equalityOnly()
                guard rhs == "true" || rhs == "false" else {
                    throw node.invalid("in_session is true or false (in '\(text.text)').")
                }
                return .init(operand: .inSession, attribute: 0, comparison: comparison, value: rhs == "true" ? 1 : 0)
            case "channel":
                try equalityOnly()
                guard let channel = Channel(name: rhs) else {
                    throw node.invalid(
                        "unknown channel '\(rhs)'; channels: \(Channel.allCases.map(\.name).joined(separator: ", ")).")
                }
                return .init(operand: .channel, attribute: 0, comparison: comparison, value: Double(channel.rawValue))
            case "stage":
                try equalityOnly()
                guard let stage = Stage.allCases.first(where: { $0.name == rhs }) else {
                    throw node.invalid(
                        "unknown stage '\(rhs)'; stages: \(Stage.allCases.map(\.name).joined(separator: ", ")).")
                }
                return .init(operand: .stage, attribute: 0, comparison: comparison, value: Double(stage.rawValue))
            case "archetype":
                try equalityOnly()
                guard let archetype = Archetype(name: rhs) else {
                    throw node.invalid("unknown archetype '\(rhs)'; use routine, joyride, trek or odyssey.")
                }
                return .init(
                    operand: .archetype, attribute: 0, comparison: comparison, value: Double(archetype.rawValue))
            default:
                guard let index = attributeNames.firstIndex(of: lhs) else {
                    let names = attributeNames + JourneyConditionOperand.reservedNames
                    let hint = Suggestion.closest(to: lhs, in: names).map { " Did you mean '\($0)'?" } ?? ""
                    throw node.invalid(
                        "cannot test '\(lhs)'.\(hint) Conditions read attributes and \(JourneyConditionOperand.reservedNames.joined(separator: ", "))."
                    )
                }
                // Attributes are held as Float: compare with the literal as a Float too, so
                // `score == 0.1` holds after `set: {score: 0.1}`.
                return .init(
                    operand: .attribute, attribute: Int32(index), comparison: comparison,
                    value: Double(Float(try number())))
            }
        }

        mutating func add(_ reaction: JourneyGraph.Reaction) throws(ScenarioError) {
            let on: UInt8 = reaction.on == "unhappy" ? JourneyProgram.unhappy : EventKind(name: reaction.on)!.rawValue
            var campaign: Int32 = -1
            var template: Int32 = -1
            if let (name, node) = reaction.campaign {
                guard let index = triggers.campaigns.firstIndex(where: { $0.name == name }) else {
                    let hint =
                        Suggestion.closest(to: name, in: triggers.campaigns.map(\.name)).map {
                            " Did you mean '\($0)'?"
                        } ?? ""
                    throw node.invalid("no campaign is named '\(name)'.\(hint)")
                }
                campaign = Int32(index)
            }
            if let (name, node) = reaction.template {
                guard let index = triggers.templates.firstIndex(of: name) else {
                    let hint =
                        Suggestion.closest(to: name, in: triggers.templates).map { " Did you mean '\($0)'?" } ?? ""
                    throw node.invalid("no campaign sends a template named '\(name)'.\(hint)")
                }
                template = Int32(index)
            }
            let statesStart = Int32(program.reactionStates.count)
            for (name, node) in reaction.inStates { program.reactionStates.append(try state(name, node)) }
            let conditionsStart = Int32(program.conditions.count)
            for condition in reaction.conditions { program.conditions.append(try self.condition(condition)) }
            var decaySince: Int32 = -1
            if let since = reaction.decaySince {
                decaySince = Int32(tracked.firstIndex(of: catalog.kind(named: since.name)!)!)
            }
            let delay: Int32 = reaction.delay.map { distribution($0) } ?? -1
            program.reactions.append(
                .init(
                    on: on, channel: reaction.channel?.rawValue ?? 255, campaign: campaign, template: template,
                    states: IDRange(statesStart..<Int32(program.reactionStates.count)),
                    conditions: IDRange(conditionsStart..<Int32(program.conditions.count)),
                    probability: reaction.probability,
                    discountMultiplier: reaction.discountMultiplier,
                    halfLifeMs: Double(reaction.decayHalfLife?.milliseconds ?? 0), decaySince: decaySince,
                    delay: delay, target: try state(reaction.to.name, reaction.to.node), countsAs: reaction.countsAs))
            program.reactsTo |= 1 << UInt64(on == JourneyProgram.unhappy ? 63 : on)
        }

        /// The states a transition node can lead to.
        func targets(of node: Int32) -> [Int32] {
            let node = program.nodes[Int(node)]
            switch node.kind {
            case .goto: return [node.first]
            case .choose: return (node.first..<node.end).map { program.choices[Int($0)].state }
            case .branch: return (node.first..<node.end).flatMap { targets(of: program.arms[Int($0)].node) }
            }
        }

        func checkReachability(
            from starts: [Int32], autostart: [Bool], states: [JourneyGraph.State],
            reactions: [JourneyGraph.Reaction], archetype: Archetype
        ) throws(ScenarioError) {
            var reached = Set<Int32>()
            var started = Set<Int>()
            var stack: [Int32] = []
            func startProcess(_ index: Int) {
                guard started.insert(index).inserted else { return }
                stack.append(starts[index])
            }
            for (index, auto) in autostart.enumerated() where auto { startProcess(index) }
            var changed = true
            while changed {
                changed = false
                while let state = stack.popLast() {
                    guard reached.insert(state).inserted else { continue }
                    changed = true
                    let compiled = program.states[Int(state)]
                    if compiled.transition >= 0 { stack.append(contentsOf: targets(of: compiled.transition)) }
                    if compiled.session >= 0 {
                        let session = program.sessions[Int(compiled.session)]
                        stack.append(contentsOf: [session.purchased, session.ended])
                    }
                    for op in program.processOps[
                        Int(compiled.processOps.lowerBound)..<Int(compiled.processOps.upperBound)] where op.start
                    {
                        startProcess(Int(op.process))
                    }
                }
                // A reaction's target is reached when a state it answers in is.
                for reaction in program.reactions where !reached.contains(reaction.target) {
                    let inStates = program.reactionStates[
                        Int(reaction.states.lowerBound)..<Int(reaction.states.upperBound)]
                    if inStates.isEmpty || inStates.contains(where: reached.contains) {
                        stack.append(reaction.target)
                    }
                }
                if !stack.isEmpty { changed = true }
            }
            for state in states where !reached.contains(Int32(stateNames.firstIndex(of: state.name)!)) {
                throw state.node.invalid(
                    "state '\(state.name)' is never reached\(inArchetype): no process starts there and no transition or reaction leads to it."
                )
            }
            for (index, process) in processNames.enumerated() where !started.contains(index) {
                _ = process
                throw states[0].node.invalid(
                    "process '\(processNames[index])' never runs: it has autostart: false and no reached state starts it (start_process)."
                )
            }
        }

        /// Cycles through states without a wait (and through the processes they start, whose
        /// first state is entered at the same instant) would run forever at one instant.
        func checkInstantCycles(
            states: [JourneyGraph.State], processStarts: [Int32], archetype: Archetype
        ) throws(ScenarioError) {
            let count = program.states.count
            var edges = [[Int32]](repeating: [], count: count)
            for (id, state) in program.states.enumerated() where state.present {
                for op in program.processOps[Int(state.processOps.lowerBound)..<Int(state.processOps.upperBound)]
                where op.start {
                    edges[id].append(processStarts[Int(op.process)])
                }
                if state.wait < 0, !state.isEnd, state.transition >= 0 {
                    edges[id].append(contentsOf: targets(of: state.transition))
                }
            }
            // Iterative depth-first search with colours; a grey successor closes a cycle.
            var colour = [UInt8](repeating: 0, count: count)
            for root in 0..<count where colour[root] == 0 && program.states[root].present {
                var path: [(node: Int, next: Int)] = [(root, 0)]
                colour[root] = 1
                while let top = path.last {
                    if top.next < edges[top.node].count {
                        path[path.count - 1].next += 1
                        let successor = Int(edges[top.node][top.next])
                        if colour[successor] == 1 {
                            let names =
                                path.map(\.node).drop { $0 != successor }.map { stateNames[$0] } + [
                                    stateNames[successor]
                                ]
                            let first = states.first { $0.name == stateNames[successor] }!
                            throw first.node.invalid(
                                "these states form a loop that takes no time\(inArchetype): \(names.joined(separator: " → ")). Give one of them a wait, or the run would never leave that instant."
                            )
                        }
                        if colour[successor] == 0 {
                            colour[successor] = 1
                            path.append((successor, 0))
                        }
                    } else {
                        colour[top.node] = 2
                        path.removeLast()
                    }
                }
            }
        }
    }
}

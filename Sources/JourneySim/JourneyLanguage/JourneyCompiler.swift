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
    }
}

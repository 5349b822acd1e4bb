/// Every archetype's `JourneyProgram` laid end to end in flat buffers, for the interpreter's
/// hot path: one `let` field per table, read through a pointer, so a step reads the rows it
/// needs and never copies a program (a program is a struct of a dozen arrays; reading one out
/// of an array of programs retained each of them, which cost more than the step itself).
///
/// Row indices inside the tables (transition nodes, choices, arms, conditions, operations,
/// distributions, empirical rows) are rebased to the flat buffers. State ids are not: every
/// archetype has the same state id space, and archetype `a`'s row of state `s` is
/// `a * stateCount + s`.
struct JourneyTables: @unchecked Sendable {
    let stateCount: Int
    let states: StateBuffer<JourneyProgram.State>
    let nodes: StateBuffer<JourneyProgram.Node>
    let choices: StateBuffer<JourneyProgram.Choice>
    let arms: StateBuffer<JourneyProgram.Arm>
    let conditions: StateBuffer<JourneyCondition>
    let attributeOps: StateBuffer<JourneyProgram.AttributeOp>
    let propertySources: StateBuffer<JourneyProgram.PropertySource>
    let processOps: StateBuffer<JourneyProgram.ProcessOp>
    let timers: StateBuffer<JourneyProgram.Timer>
    let sessions: StateBuffer<JourneyProgram.SessionBlock>
    let distributions: StateBuffer<CompiledDistribution>
    let empirical: StateBuffer<(cumulative: Double, value: Double)>
    let reactions: StateBuffer<JourneyProgram.Reaction>
    let reactionStates: StateBuffer<Int32>
    /// Per archetype, its reactions' rows (`reactionStart[a]..<reactionStart[a + 1]`).
    let reactionStart: StateBuffer<Int32>
    /// Per archetype and process, the state a process starts in.
    let processStarts: StateBuffer<Int32>
    let processCount: Int
    /// Per archetype and state (row `a * stateCount + s`), the transition node of a junction
    /// state (`JourneyProgram.State.isJunction`), or -1 for a state a process enters and stays in.
    let junctions: StateBuffer<Int32>

    init(programs: [JourneyProgram], stateCount: Int, processStarts starts: [[Int32]]) {
        self.stateCount = stateCount
        processCount = starts.first?.count ?? 0
        var states = StateBuffer<JourneyProgram.State>(capacity: programs.count * stateCount)
        var nodes = StateBuffer<JourneyProgram.Node>(capacity: programs.reduce(0) { $0 + $1.nodes.count })
        var choices = StateBuffer<JourneyProgram.Choice>(capacity: programs.reduce(0) { $0 + $1.choices.count })
        var arms = StateBuffer<JourneyProgram.Arm>(capacity: programs.reduce(0) { $0 + $1.arms.count })
        var conditions = StateBuffer<JourneyCondition>(capacity: programs.reduce(0) { $0 + $1.conditions.count })
        var attributeOps = StateBuffer<JourneyProgram.AttributeOp>(
            capacity: programs.reduce(0) { $0 + $1.attributeOps.count })
        var propertySources = StateBuffer<JourneyProgram.PropertySource>(
            capacity: programs.reduce(0) { $0 + $1.propertySources.count })
        var processOps = StateBuffer<JourneyProgram.ProcessOp>(
            capacity: programs.reduce(0) { $0 + $1.processOps.count })
        var timers = StateBuffer<JourneyProgram.Timer>(capacity: programs.reduce(0) { $0 + $1.timers.count })
        var sessions = StateBuffer<JourneyProgram.SessionBlock>(capacity: programs.reduce(0) { $0 + $1.sessions.count })
        var distributions = StateBuffer<CompiledDistribution>(
            capacity: programs.reduce(0) { $0 + $1.distributions.count })
        var empirical = StateBuffer<(cumulative: Double, value: Double)>(
            capacity: programs.reduce(0) { $0 + $1.empirical.count })
        var reactions = StateBuffer<JourneyProgram.Reaction>(capacity: programs.reduce(0) { $0 + $1.reactions.count })
        var reactionStates = StateBuffer<Int32>(capacity: programs.reduce(0) { $0 + $1.reactionStates.count })
        var reactionStart = StateBuffer<Int32>(capacity: programs.count + 1)
        var processStarts = StateBuffer<Int32>(capacity: max(1, programs.count * processCount))
        var junctions = StateBuffer<Int32>(capacity: programs.count * stateCount)
        func shifted(_ range: IDRange, by offset: Int) -> IDRange {
            IDRange(Int32(offset) + range.lowerBound..<Int32(offset) + range.upperBound)
        }
        for (a, program) in programs.enumerated() {
            let nodeBase = nodes.count
            let choiceBase = choices.count
            let armBase = arms.count
            let conditionBase = conditions.count
            let opBase = attributeOps.count
            let propertyBase = propertySources.count
            let processBase = processOps.count
            let timerBase = timers.count
            let sessionBase = Int32(sessions.count)
            let distributionBase = Int32(distributions.count)
            let empiricalBase = Double(empirical.count)
            let reactionStateBase = reactionStates.count
            for var state in program.states {
                if state.wait >= 0 { state.wait += distributionBase }
                if state.value >= 0 { state.value += distributionBase }
                if state.transition >= 0 { state.transition += Int32(nodeBase) }
                state.attributeOps = shifted(state.attributeOps, by: opBase)
                state.properties = shifted(state.properties, by: propertyBase)
                state.processOps = shifted(state.processOps, by: processBase)
                state.timers = shifted(state.timers, by: timerBase)
                if state.session >= 0 { state.session += sessionBase }
                states.append(state)
                junctions.append(state.present && state.isJunction ? state.transition : -1)
            }
            for var node in program.nodes {
                switch node.kind {
                case .goto: break  // a state id
                case .choose:
                    node.first += Int32(choiceBase)
                    node.end += Int32(choiceBase)
                    if node.lifted >= 0 { node.lifted += Int32(choiceBase) }
                case .branch:
                    node.first += Int32(armBase)
                    node.end += Int32(armBase)
                }
                nodes.append(node)
            }
            for choice in program.choices { choices.append(choice) }
            for var arm in program.arms {
                arm.conditions = shifted(arm.conditions, by: conditionBase)
                arm.node += Int32(nodeBase)
                arms.append(arm)
            }
            for condition in program.conditions { conditions.append(condition) }
            for var op in program.attributeOps {
                if op.source == .draw { op.index += distributionBase }
                attributeOps.append(op)
            }
            for source in program.propertySources { propertySources.append(source) }
            for op in program.processOps { processOps.append(op) }
            for var timer in program.timers {
                timer.delay += distributionBase
                timers.append(timer)
            }
            for var session in program.sessions {
                session.gap += distributionBase
                sessions.append(session)
            }
            for var distribution in program.distributions {
                if distribution.kind == .empirical {
                    distribution.a += empiricalBase
                    distribution.b += empiricalBase
                }
                distributions.append(distribution)
            }
            for row in program.empirical { empirical.append(row) }
            reactionStart.append(Int32(reactions.count))
            for var reaction in program.reactions {
                reaction.states = shifted(reaction.states, by: reactionStateBase)
                reaction.conditions = shifted(reaction.conditions, by: conditionBase)
                if reaction.delay >= 0 { reaction.delay += distributionBase }
                reactions.append(reaction)
            }
            for state in program.reactionStates { reactionStates.append(state) }
            for start in starts[a] { processStarts.append(start) }
        }
        reactionStart.append(Int32(reactions.count))
        self.states = states
        self.nodes = nodes
        self.choices = choices
        self.arms = arms
        self.conditions = conditions
        self.attributeOps = attributeOps
        self.propertySources = propertySources
        self.processOps = processOps
        self.timers = timers
        self.sessions = sessions
        self.distributions = distributions
        self.empirical = empirical
        self.reactions = reactions
        self.reactionStates = reactionStates
        self.reactionStart = reactionStart
        self.processStarts = processStarts
        self.junctions = junctions
    }

    static let empty = JourneyTables(programs: [], stateCount: 0, processStarts: [])

    /// Archetype `a`'s row of state `state`.
    @inline(__always) func state(_ a: Int, _ state: Int32) -> JourneyProgram.State {
        states[a &* stateCount &+ Int(state)]
    }

    /// A draw of distribution row `index`.
    @inline(__always) func sample(_ index: Int32, _ rng: inout some SimulationRandom) -> Double {
        distributions[Int(index)].sample(
            &rng, empirical: UnsafeBufferPointer(start: empirical.address(0), count: empirical.count))
    }
}

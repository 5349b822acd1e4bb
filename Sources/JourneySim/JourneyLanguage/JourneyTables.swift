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
    fileprivate(set) var states: StateBuffer<JourneyProgram.State>
    fileprivate(set) var nodes: StateBuffer<JourneyProgram.Node>
    fileprivate(set) var choices: StateBuffer<JourneyProgram.Choice>
    fileprivate(set) var arms: StateBuffer<JourneyProgram.Arm>
    fileprivate(set) var conditions: StateBuffer<JourneyCondition>
    fileprivate(set) var attributeOps: StateBuffer<JourneyProgram.AttributeOp>
    fileprivate(set) var propertySources: StateBuffer<JourneyProgram.PropertySource>
    fileprivate(set) var processOps: StateBuffer<JourneyProgram.ProcessOp>
    fileprivate(set) var timers: StateBuffer<JourneyProgram.Timer>
    fileprivate(set) var sessions: StateBuffer<JourneyProgram.SessionBlock>
    fileprivate(set) var distributions: StateBuffer<CompiledDistribution>
    fileprivate(set) var empirical: StateBuffer<(cumulative: Double, value: Double)>
    fileprivate(set) var reactions: StateBuffer<JourneyProgram.Reaction>
    fileprivate(set) var reactionStates: StateBuffer<Int32>
    /// Per archetype, its reactions' rows (`reactionStart[a]..<reactionStart[a + 1]`).
    fileprivate(set) var reactionStart: StateBuffer<Int32>
    /// Per archetype and process, the state a process starts in.
    fileprivate(set) var processStarts: StateBuffer<Int32>
    let processCount: Int
    /// Per archetype and state (row `a * stateCount + s`), the transition node of a junction
    /// state (`JourneyProgram.State.isJunction`), or -1 for a state a process enters and stays in.
    fileprivate(set) var junctions: StateBuffer<Int32>

    /// Lays the programs out one after the other; each buffer is allocated once, with room for
    /// every program's rows.
    init(programs: [JourneyProgram], stateCount: Int, processStarts starts: [[Int32]]) {
        self.stateCount = stateCount
        processCount = starts.first?.count ?? 0
        func rows(_ count: (JourneyProgram) -> Int) -> Int { programs.reduce(0) { $0 + count($1) } }
        states = StateBuffer(capacity: programs.count * stateCount)
        nodes = StateBuffer(capacity: rows { $0.nodes.count })
        choices = StateBuffer(capacity: rows { $0.choices.count })
        arms = StateBuffer(capacity: rows { $0.arms.count })
        conditions = StateBuffer(capacity: rows { $0.conditions.count })
        attributeOps = StateBuffer(capacity: rows { $0.attributeOps.count })
        propertySources = StateBuffer(capacity: rows { $0.propertySources.count })
        processOps = StateBuffer(capacity: rows { $0.processOps.count })
        timers = StateBuffer(capacity: rows { $0.timers.count })
        sessions = StateBuffer(capacity: rows { $0.sessions.count })
        distributions = StateBuffer(capacity: rows { $0.distributions.count })
        empirical = StateBuffer(capacity: rows { $0.empirical.count })
        reactions = StateBuffer(capacity: rows { $0.reactions.count })
        reactionStates = StateBuffer(capacity: rows { $0.reactionStates.count })
        reactionStart = StateBuffer(capacity: programs.count + 1)
        processStarts = StateBuffer(capacity: max(1, programs.count * processCount))
        junctions = StateBuffer(capacity: programs.count * stateCount)
        for (a, program) in programs.enumerated() { append(program, processStarts: starts[a]) }
        reactionStart.append(Int32(reactions.count))
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

/// Appending the programs while the tables are built (`init`).
extension JourneyTables {
    /// Where the next program's rows start in each buffer: the offsets its row indices move by.
    fileprivate struct Bases {
        var node: Int32
        var choice: Int32
        var arm: Int32
        var condition: Int
        var attributeOp: Int
        var property: Int
        var processOp: Int
        var timer: Int
        var session: Int32
        var distribution: Int32
        var empirical: Double
        var reactionState: Int
    }

    fileprivate var bases: Bases {
        Bases(
            node: Int32(nodes.count), choice: Int32(choices.count), arm: Int32(arms.count),
            condition: conditions.count, attributeOp: attributeOps.count, property: propertySources.count,
            processOp: processOps.count, timer: timers.count, session: Int32(sessions.count),
            distribution: Int32(distributions.count), empirical: Double(empirical.count),
            reactionState: reactionStates.count)
    }

    /// Appends archetype `a`'s program (the next one) and the states its processes start in,
    /// its row indices rebased to the flat buffers.
    fileprivate mutating func append(_ program: JourneyProgram, processStarts starts: [Int32]) {
        let base = bases
        appendStates(program, base)
        appendTransitions(program, base)
        appendOperations(program, base)
        appendDistributions(program, base)
        appendReactions(program, base)
        for start in starts { processStarts.append(start) }
    }

    private mutating func appendStates(_ program: JourneyProgram, _ base: Bases) {
        for var state in program.states {
            if state.wait >= 0 { state.wait += base.distribution }
            if state.value >= 0 { state.value += base.distribution }
            if state.transition >= 0 { state.transition += base.node }
            state.attributeOps = shifted(state.attributeOps, by: base.attributeOp)
            state.properties = shifted(state.properties, by: base.property)
            state.processOps = shifted(state.processOps, by: base.processOp)
            state.timers = shifted(state.timers, by: base.timer)
            if state.session >= 0 { state.session += base.session }
            states.append(state)
            junctions.append(state.present && state.isJunction ? state.transition : -1)
        }
    }

    /// Transition nodes, their choices and arms, and the arms' conditions.
    private mutating func appendTransitions(_ program: JourneyProgram, _ base: Bases) {
        for var node in program.nodes {
            switch node.kind {
            case .goto: break  // a state id
            case .choose:
                node.first += base.choice
                node.end += base.choice
                if node.lifted >= 0 { node.lifted += base.choice }
            case .branch:
                node.first += base.arm
                node.end += base.arm
            }
            nodes.append(node)
        }
        for choice in program.choices { choices.append(choice) }
        for var arm in program.arms {
            arm.conditions = shifted(arm.conditions, by: base.condition)
            arm.node += base.node
            arms.append(arm)
        }
        for condition in program.conditions { conditions.append(condition) }
    }

    /// Attribute and process operations, emitted properties' sources, timers and session blocks.
    private mutating func appendOperations(_ program: JourneyProgram, _ base: Bases) {
        for var op in program.attributeOps {
            if op.source == .draw { op.index += base.distribution }
            attributeOps.append(op)
        }
        for source in program.propertySources { propertySources.append(source) }
        for op in program.processOps { processOps.append(op) }
        for var timer in program.timers {
            timer.delay += base.distribution
            timers.append(timer)
        }
        for var session in program.sessions {
            session.gap += base.distribution
            sessions.append(session)
        }
    }

    /// Distributions and the empirical distributions' rows.
    private mutating func appendDistributions(_ program: JourneyProgram, _ base: Bases) {
        for var distribution in program.distributions {
            if distribution.kind == .empirical {
                distribution.a += base.empirical
                distribution.b += base.empirical
            }
            distributions.append(distribution)
        }
        for row in program.empirical { empirical.append(row) }
    }

    /// Reactions (their first row is this archetype's entry of `reactionStart`) and the states they answer in.
    private mutating func appendReactions(_ program: JourneyProgram, _ base: Bases) {
        reactionStart.append(Int32(reactions.count))
        for var reaction in program.reactions {
            reaction.states = shifted(reaction.states, by: base.reactionState)
            reaction.conditions = shifted(reaction.conditions, by: base.condition)
            if reaction.delay >= 0 { reaction.delay += base.distribution }
            reactions.append(reaction)
        }
        for state in program.reactionStates { reactionStates.append(state) }
    }

    private func shifted(_ range: IDRange, by offset: Int) -> IDRange {
        IDRange(Int32(offset) + range.lowerBound..<Int32(offset) + range.upperBound)
    }
}

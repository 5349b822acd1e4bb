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
        var flat = Layout(programs: programs, stateCount: stateCount, processCount: processCount)
        for (a, program) in programs.enumerated() { flat.append(program, processStarts: starts[a]) }
        flat.reactionStart.append(Int32(flat.reactions.count))
        states = flat.states
        nodes = flat.nodes
        choices = flat.choices
        arms = flat.arms
        conditions = flat.conditions
        attributeOps = flat.attributeOps
        propertySources = flat.propertySources
        processOps = flat.processOps
        timers = flat.timers
        sessions = flat.sessions
        distributions = flat.distributions
        empirical = flat.empirical
        reactions = flat.reactions
        reactionStates = flat.reactionStates
        reactionStart = flat.reactionStart
        processStarts = flat.processStarts
        junctions = flat.junctions
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

extension JourneyTables {
    /// The flat buffers while the programs are appended to them, one after the other; each
    /// buffer is allocated once, with room for every program's rows.
    fileprivate struct Layout {
        var states: StateBuffer<JourneyProgram.State>
        var nodes: StateBuffer<JourneyProgram.Node>
        var choices: StateBuffer<JourneyProgram.Choice>
        var arms: StateBuffer<JourneyProgram.Arm>
        var conditions: StateBuffer<JourneyCondition>
        var attributeOps: StateBuffer<JourneyProgram.AttributeOp>
        var propertySources: StateBuffer<JourneyProgram.PropertySource>
        var processOps: StateBuffer<JourneyProgram.ProcessOp>
        var timers: StateBuffer<JourneyProgram.Timer>
        var sessions: StateBuffer<JourneyProgram.SessionBlock>
        var distributions: StateBuffer<CompiledDistribution>
        var empirical: StateBuffer<(cumulative: Double, value: Double)>
        var reactions: StateBuffer<JourneyProgram.Reaction>
        var reactionStates: StateBuffer<Int32>
        var reactionStart: StateBuffer<Int32>
        var processStarts: StateBuffer<Int32>
        var junctions: StateBuffer<Int32>

        init(programs: [JourneyProgram], stateCount: Int, processCount: Int) {
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
        }

        /// Where the next program's rows start in each buffer: the offsets its row indices move by.
        struct Bases {
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

        var bases: Bases {
            Bases(
                node: Int32(nodes.count), choice: Int32(choices.count), arm: Int32(arms.count),
                condition: conditions.count, attributeOp: attributeOps.count, property: propertySources.count,
                processOp: processOps.count, timer: timers.count, session: Int32(sessions.count),
                distribution: Int32(distributions.count), empirical: Double(empirical.count),
                reactionState: reactionStates.count)
        }

        /// Appends archetype `a`'s program (the next one) and the states its processes start in,
        /// its row indices rebased to the flat buffers.
        mutating func append(_ program: JourneyProgram, processStarts starts: [Int32]) {
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
}

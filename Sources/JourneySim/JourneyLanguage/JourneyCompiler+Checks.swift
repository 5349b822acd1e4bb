/// The checks run on a compiled program: every state is reached and every process runs, and no
/// loop of states runs without simulated time passing.
extension JourneyCompiler.Builder {
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

/// Flows as graphs: the loops a flow's jumps can form, and whether each is bounded.
///
/// Steps are the nodes; each step has edges to where it can go next, weighted by the simulated
/// time that must pass on the way (a message's or a delay step's delay, a wait's timeout) and
/// marked when an event has to arrive first (a wait's `on_event`). Two kinds of loop are refused:
///
/// - **a loop in which no time passes and no event is awaited** (branches and zero delays only):
///   it would run forever at one instant;
/// - **a loop that no event gates and that takes less than `minimumLoopRound` a round**: a
///   customer could go round it millions of times in a run (a 1 ms reminder loop, say).
///
/// Every other loop is bounded: by the events the customer emits (each round awaits one) or by
/// the run's length (at most 366 days / 1 h = 8,784 rounds).
extension Flow {
    /// The shortest round a loop without an awaited event may take.
    public static let minimumLoopRound = SimDuration.hours(1)

    /// A loop the flow may not have, with the steps that form it (indices, in order, starting
    /// and ending at the same step).
    public enum LoopProblem: Equatable, Sendable {
        case instant(steps: [Int])
        case tooFast(steps: [Int], round: SimDuration)
    }

    struct Edge {
        var target: Int
        var milliseconds: Int64
        var awaitsEvent: Bool
    }

    func edges(from index: Int) -> [Edge] {
        switch steps[index] {
        case let .message(message):
            return [Edge(target: next[index], milliseconds: message.delay.milliseconds, awaitsEvent: false)]
        case let .delay(duration):
            return [Edge(target: next[index], milliseconds: duration.milliseconds, awaitsEvent: false)]
        case let .wait(wait):
            return [
                Edge(target: wait.onTimeout, milliseconds: wait.timeout.milliseconds, awaitsEvent: false),
                Edge(target: wait.onEvent, milliseconds: 0, awaitsEvent: true),
            ]
        case let .branch(branch):
            return (branch.cases.map(\.goto) + [branch.otherwise]).map {
                Edge(target: $0, milliseconds: 0, awaitsEvent: false)
            }
        }
    }

    /// The first loop (by its lowest step) that is unbounded, or nil.
    public var loopProblem: LoopProblem? {
        let graph = steps.indices.map { edges(from: $0).filter { $0.target != Flow.end && !$0.awaitsEvent } }
        if let cycle = instantLoop(graph) { return .instant(steps: cycle) }
        if let (cycle, round) = shortestLoop(graph), round < Flow.minimumLoopRound.milliseconds {
            return .tooFast(steps: cycle, round: SimDuration(milliseconds: round))
        }
        return nil
    }

    /// A cycle over edges along which no time passes, found by depth-first search.
    func instantLoop(_ graph: [[Edge]]) -> [Int]? {
        enum Mark { case unseen, onPath, done }
        var marks = [Mark](repeating: .unseen, count: graph.count)
        var path: [Int] = []
        func visit(_ node: Int) -> [Int]? {
            marks[node] = .onPath
            path.append(node)
            for edge in graph[node] where edge.milliseconds == 0 {
                switch marks[edge.target] {
                case .onPath:
                    return Array(path[path.firstIndex(of: edge.target)!...]) + [edge.target]
                case .unseen:
                    if let cycle = visit(edge.target) { return cycle }
                case .done:
                    break
                }
            }
            path.removeLast()
            marks[node] = .done
            return nil
        }
        for node in graph.indices where marks[node] == .unseen {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }

    /// The cycle of least total time through any step, with that time: Dijkstra from a step back
    /// to itself. Every cycle has a jump back (to a step at or before the one jumping), so only
    /// the targets of such jumps need be tried: none or one or two in a real flow.
    func shortestLoop(_ graph: [[Edge]]) -> ([Int], Int64)? {
        var best: ([Int], Int64)?
        var starts = Set<Int>()
        for (source, edges) in graph.enumerated() {
            for edge in edges where edge.target <= source { starts.insert(edge.target) }
        }
        for start in starts.sorted() {
            var distance = [Int64](repeating: .max, count: graph.count)
            var previous = [Int](repeating: -1, count: graph.count)
            var settled = [Bool](repeating: false, count: graph.count)
            // The start's own distance stays open: reaching it again closes the loop.
            var closing: (length: Int64, from: Int)?
            for edge in graph[start] {
                if edge.target == start {
                    if closing == nil || edge.milliseconds < closing!.length { closing = (edge.milliseconds, start) }
                } else if edge.milliseconds < distance[edge.target] {
                    distance[edge.target] = edge.milliseconds
                    previous[edge.target] = start
                }
            }
            settled[start] = true
            while true {
                var node = -1
                for candidate in graph.indices where !settled[candidate] && distance[candidate] != .max {
                    if node < 0 || distance[candidate] < distance[node] { node = candidate }
                }
                guard node >= 0 else { break }
                if let closing, closing.length <= distance[node] { break }
                settled[node] = true
                for edge in graph[node] {
                    let length = distance[node] &+ edge.milliseconds
                    if edge.target == start {
                        if closing == nil || length < closing!.length { closing = (length, node) }
                    } else if !settled[edge.target], length < distance[edge.target] {
                        distance[edge.target] = length
                        previous[edge.target] = node
                    }
                }
            }
            guard let closing, best == nil || closing.length < best!.1 else { continue }
            var cycle = [start]
            var node = closing.from
            while node != start {
                cycle.append(node)
                node = previous[node]
            }
            cycle = [start] + cycle.dropFirst().reversed() + [start]
            best = (cycle, closing.length)
        }
        return best
    }

    /// How a loop reads in an error: its steps by id (or position) and what to do.
    public func describe(_ problem: LoopProblem) -> String {
        func label(_ index: Int) -> String { names[index].map { "'\($0)'" } ?? "step \(index + 1)" }
        switch problem {
        case let .instant(cycle):
            return
                "steps \(cycle.map(label).joined(separator: " → ")) form a loop in which no simulated time passes, so it would run forever at one instant; put a delay or a wait for an event in it."
        case let .tooFast(cycle, round):
            let rounds = Int(Scenario.maxDuration.milliseconds / max(1, round.milliseconds))
            return
                "steps \(cycle.map(label).joined(separator: " → ")) form a loop that takes only \(round.compactText) a round, and no event interrupts it: a customer could go round it \(rounds) times in a run. A loop must take at least \(Flow.minimumLoopRound.compactText) a round or wait for an event: lengthen its delays or add a wait."
        }
    }
}

/// Compiling transitions (next, choose, branch) into the program's nodes, and conditions (a
/// branch's `if`, a reaction's `if`) into comparisons of an operand with a value.
extension JourneyCompiler.Builder {
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
}

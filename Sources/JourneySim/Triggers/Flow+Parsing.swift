/// Reading a campaign's flow (`steps:`): step ids, each step's one action, and where its jumps lead.
extension Flow {
    static let stepKeys = ["id", "then", "message", "delay", "wait", "branch"]
    /// More than enough for any real journey, and keeps step indices in a byte.
    public static let maxSteps = 200

    /// A list of steps, each a mapping with an optional `id` and exactly one of `message`,
    /// `delay`, `wait` or `branch`. Jumps name a step's `id`, `next` or `end`.
    init(node: ConfigNode, context: EventContext = .builtIn) throws(ScenarioError) {
        let items = try node.list()
        guard !items.isEmpty else { throw node.invalid("a flow needs at least one step.") }
        guard items.count <= Flow.maxSteps else { throw node.invalid("a flow has at most \(Flow.maxSteps) steps.") }
        let (mappings, names) = try Flow.stepMappings(items)
        let targets = StepTargets(names: names, count: items.count)
        var steps: [FlowStep] = []
        var nextSteps: [Int] = []
        for (index, mapping) in mappings.enumerated() {
            let actions = mapping.entries.filter { $0.key != "id" && $0.key != "then" }
            guard actions.count == 1, let action = actions.first else {
                throw items[index].invalid(
                    "a step has exactly one of message, delay, wait or branch (plus an optional id and then).")
            }
            let next = index + 1 < items.count ? index + 1 : Flow.end
            if let then = mapping["then"], action.key != "message", action.key != "delay" {
                throw then.invalid("'then' follows a message or delay step; waits and branches name their own targets.")
            }
            nextSteps.append(try targets.resolve(mapping["then"], index: index, default: next))
            steps.append(try Flow.step(action, index: index, next: next, targets: targets, context: context))
        }
        self.init(steps: steps, names: names, next: nextSteps)
        if let problem = loopProblem {
            let first =
                switch problem {
                case let .instant(cycle), let .tooFast(cycle, _): cycle[0]
                }
            throw items[first].invalid(describe(problem))
        }
    }

    /// Each step's mapping and its `id`, if any, read before any step is, so a jump can name a
    /// step further down. An id is unique and is not `end`, `next` or empty.
    private static func stepMappings(
        _ items: [ConfigNode]
    ) throws(ScenarioError) -> (mappings: [ConfigMapping], names: [String?]) {
        var mappings: [ConfigMapping] = []
        var names: [String?] = []
        for item in items {
            let mapping = try item.mapping(allowed: Flow.stepKeys)
            var name: String?
            if let value = mapping["id"] {
                let text = try value.string()
                guard text != "end", text != "next", !text.isEmpty else {
                    throw value.invalid("'\(text)' cannot be a step id.")
                }
                if names.contains(text) { throw value.invalid("step id '\(text)' is used twice.") }
                name = text
            }
            names.append(name)
            mappings.append(mapping)
        }
        return (mappings, names)
    }

    /// Where a jump leads: a step's id, `next` or `end`, as a step index or `Flow.end`.
    private struct StepTargets {
        var names: [String?]
        var count: Int

        /// The step `value` names, or `fallback` when there is no `value`.
        func resolve(_ value: ConfigNode?, index: Int, default fallback: Int) throws(ScenarioError) -> Int {
            guard let value else { return fallback }
            let text = try value.string()
            if text == "end" { return Flow.end }
            if text == "next" { return index + 1 < count ? index + 1 : Flow.end }
            guard let found = names.firstIndex(of: text) else {
                let known = names.compactMap { $0 } + ["next", "end"]
                let hint = Suggestion.closest(to: text, in: known).map { " Did you mean '\($0)'?" } ?? ""
                throw value.invalid("no step has id '\(text)'.\(hint) Steps: \(known.joined(separator: ", ")).")
            }
            return found
        }
    }

    /// The step at `index` from its one action (`message`, `delay`, `wait` or `branch`); `next`
    /// is where a wait's or branch's targets lead when they are left out.
    private static func step(
        _ action: ConfigMapping.Entry, index: Int, next: Int, targets: StepTargets, context: EventContext
    ) throws(ScenarioError) -> FlowStep {
        switch action.key {
        case "message":
            let body = try action.value.mapping(allowed: CampaignContent.keys + ["delay"])
            let delay = try body["delay"]?.duration() ?? .zero
            return .message(
                MessageStep(delay: delay, content: try CampaignContent(node: action.value, extraKeys: ["delay"])))
        case "delay":
            return .delay(try action.value.duration())
        case "wait":
            let body = try action.value.mapping(allowed: ["event", "timeout", "on_event", "on_timeout"])
            return .wait(
                WaitStep(
                    event: try body.required("event").eventKind(in: context.catalog),
                    timeout: try body.required("timeout").duration(),
                    onEvent: try targets.resolve(body["on_event"], index: index, default: next),
                    onTimeout: try targets.resolve(body["on_timeout"], index: index, default: next)))
        default:  // branch
            return .branch(try branchStep(action.value, index: index, next: next, targets: targets))
        }
    }

    /// A branch step: the event field it is `on`, its `cases` (`when` a comparison, `goto` a
    /// step) in order, and where it goes `otherwise`.
    private static func branchStep(
        _ node: ConfigNode, index: Int, next: Int, targets: StepTargets
    ) throws(ScenarioError) -> BranchStep {
        let body = try node.mapping(allowed: ["on", "cases", "otherwise"])
        let onNode = try body.required("on")
        let fieldName = try onNode.string()
        guard let field = EventFilter.Field(name: fieldName) else {
            throw onNode.invalid("cannot branch on '\(fieldName)'; use cart_value, stars, stage or channel.")
        }
        var cases: [BranchStep.Case] = []
        for item in try body.required("cases").list() {
            let entry = try item.mapping(allowed: ["when", "goto"])
            let whenNode = try entry.required("when")
            let condition = try whenNode.eventFilter(field: field)
            cases.append(
                .init(
                    condition: condition,
                    goto: try targets.resolve(try entry.required("goto"), index: index, default: next)))
        }
        return BranchStep(cases: cases, otherwise: try targets.resolve(body["otherwise"], index: index, default: next))
    }
}

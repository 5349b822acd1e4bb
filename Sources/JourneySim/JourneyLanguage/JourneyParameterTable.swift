import Yams

/// The values a journey's `$name` references read, per archetype: the scenario's own numbers
/// (its `journeys:` archetype parameters, `behavior.recovery`, the fatigue model's walk-away
/// share and `sessions.max_steps`), and the journey's `parameters:` with their per-archetype
/// overrides. The shipped e-commerce journey is written with them, so a scenario that tunes
/// `journeys.odyssey.session_gap` tunes the journey that runs.
///
/// A reference is replaced by the value's text before the part that holds it is read, so
/// `probability: $cart_to_checkout`, `wait: { exponential: $step_gap }` and
/// `if: "steps > $max_steps"` read as if the number were written there, and a wrong value is
/// reported at the reference's line.
struct JourneyParameterTable {
    /// Per archetype (`Archetype.rawValue`), name → value text.
    var values: [[String: String]]

    /// The scenario's numbers, per archetype.
    init(journeys: [JourneyParameters], behavior: BehaviorSpec, sessions: SessionSpec) {
        values = journeys.map { p in
            func time(_ duration: SimDuration) -> String { "\(duration.milliseconds)ms" }
            func number(_ value: Double) -> String { "\(value)" }
            return [
                "need_interval": time(p.needInterval), "dormancy": time(p.dormancy), "session_gap": time(p.sessionGap),
                "step_gap": time(p.stepGap), "basket_median": number(p.basketMedian),
                "basket_sigma": number(p.basketSigma),
                "lapse": number(p.lapse), "abandon_lapse": number(p.abandonLapse),
                "research_to_cart": number(p.research.advance), "research_to_research": number(p.research.stay),
                "research_to_end": number(p.research.back + p.research.end),
                "cart_to_checkout": number(p.cart.advance), "cart_to_cart": number(p.cart.stay),
                "cart_to_research": number(p.cart.back), "cart_to_end": number(p.cart.end),
                "checkout_to_purchase": number(p.checkout.advance), "checkout_to_research": number(p.checkout.back),
                "checkout_to_end": number(p.checkout.stay + p.checkout.end),
                "delivery_delay": time(p.deliveryDelay), "support": number(p.support), "review": number(p.review),
                "referral": number(p.referral), "review_delay": time(p.reviewDelay),
                "referral_delay": time(SimDuration(milliseconds: 2 * p.reviewDelay.milliseconds)),
                "cart_return": number(behavior.recovery.cartReturn),
                "discount_multiplier": number(behavior.recovery.discountMultiplier),
                "recovery_half_life": time(behavior.recovery.halfLife), "reengage": number(behavior.recovery.reengage),
                "walk_away": number(behavior.fatigue.abandonJourneyWhenUnhappy), "max_steps": "\(sessions.maxSteps)",
            ]
        }
    }

    /// The names the scenario provides (a journey's own parameters take other names).
    static let scenarioNames: Set<String> = Set(
        JourneyParameterTable(
            journeys: Archetype.allCases.map(JourneyParameters.defaults(for:)), behavior: .defaults,
            sessions: .defaults
        ).values[0].keys)

    /// Adds the journey's `parameters:` mapping (and, for archetype `only`, that archetype's).
    mutating func declare(_ node: ConfigNode, only archetype: Archetype? = nil) throws(ScenarioError) {
        for entry in try node.openMapping().entries {
            try JourneyGraph.checkIdentifier(entry.key, entry.value, what: "a parameter")
            guard !JourneyParameterTable.scenarioNames.contains(entry.key) else {
                throw entry.value.invalid(
                    "'\(entry.key)' is a parameter the scenario sets (journeys.<archetype>, behavior or sessions); give yours another name."
                )
            }
            guard case let .scalar(scalar) = entry.value.node, !scalar.string.contains("$") else {
                throw entry.value.wrongType("a number, a duration or a word (not a reference to another parameter)")
            }
            for a in values.indices where archetype == nil || archetype!.rawValue == UInt8(a) {
                values[a][entry.key] = scalar.string
            }
        }
    }

    /// `node` with every `$name` in its scalars replaced by archetype `a`'s value.
    func substituting(_ node: ConfigNode, archetype a: Int) throws(ScenarioError) -> ConfigNode {
        ConfigNode(
            node: try substitute(node.node, path: node.path, file: node.file, values: values[a]), path: node.path,
            file: node.file)
    }

    private func substitute(
        _ node: Node, path: String, file: String, values: [String: String]
    ) throws(ScenarioError) -> Node {
        switch node {
        case let .scalar(scalar):
            guard scalar.string.contains("$") else { return node }
            var replaced = scalar
            replaced.string = try Self.replace(
                in: scalar.string, values: values, at: ConfigNode(node: node, path: path, file: file))
            return .scalar(replaced)
        case let .mapping(mapping):
            var pairs: [(Node, Node)] = []
            for (key, value) in mapping {
                let name = key.scalar?.string ?? ""
                pairs.append(
                    (
                        key,
                        try substitute(value, path: path.isEmpty ? name : "\(path).\(name)", file: file, values: values)
                    ))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case let .sequence(sequence):
            var items: [Node] = []
            for (index, item) in sequence.enumerated() {
                items.append(try substitute(item, path: "\(path)[\(index)]", file: file, values: values))
            }
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    static func replace(in text: String, values: [String: String], at node: ConfigNode) throws(ScenarioError) -> String
    {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let nameStart = rest.index(after: dollar)
            let nameEnd = rest[nameStart...].firstIndex { !($0.isLetter || $0.isNumber || $0 == "_") } ?? rest.endIndex
            let name = String(rest[nameStart..<nameEnd])
            guard let value = values[name] else {
                let hint = Suggestion.closest(to: name, in: Array(values.keys)).map { " Did you mean '$\($0)'?" } ?? ""
                throw node.invalid(
                    name.isEmpty
                        ? "a '$' starts a parameter's name, e.g. $step_gap."
                        : "unknown parameter '$\(name)'.\(hint) Declare a journey's own parameters under journey.parameters."
                )
            }
            result += value
            rest = rest[nameEnd...]
        }
        return result + rest
    }

    /// Whether any scalar under `node` holds a `$`.
    static func references(in node: Node) -> Bool {
        switch node {
        case let .scalar(scalar): scalar.string.contains("$")
        case let .mapping(mapping): mapping.contains { references(in: $0.value) }
        case let .sequence(sequence): sequence.contains { references(in: $0) }
        case .alias: false
        }
    }
}

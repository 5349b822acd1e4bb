import Yams

extension ScenarioLoader {
    /// Sections a strategy may replace. The clock, seed and population size stay shared so that
    /// strategies run on the same customers (common random numbers).
    public static let strategySections = [
        "campaigns", "frequency_caps", "behavior", "backend", "journeys", "journey", "sessions", "archetypes",
    ]

    /// Loads a scenario file as its list of strategies: one scenario when the file has no
    /// `strategies:` key, otherwise one per strategy, each the shared sections with the
    /// strategy's sections in place of them.
    public static func loadStrategies(path: String) throws(ScenarioError) -> [Scenario] {
        let (text, name) = try read(path: path)
        return try parseStrategies(text, file: path, defaultName: name)
    }

    public static func parseStrategies(
        _ text: String, file: String, defaultName: String = "scenario"
    ) throws(ScenarioError) -> [Scenario] {
        guard let root = try document(text, file: file) else { throw .emptyDocument(path: file) }
        guard case let .mapping(mapping) = root.node,
            let strategiesEntry = mapping.first(where: { $0.key.string == "strategies" })
        else {
            return [try Scenario(document: root, defaultName: defaultName)]
        }
        let strategiesNode = root.child(strategiesEntry.value, key: "strategies")
        let items = try strategiesNode.list()
        guard !items.isEmpty else { throw strategiesNode.invalid("list at least one strategy.") }
        var scenarios: [Scenario] = []
        var names: Set<String> = []
        for item in items {
            let strategy = try item.mapping(allowed: ["name"] + strategySections)
            let nameNode = try strategy.required("name")
            let strategyName = try nameNode.string()
            guard !strategyName.isEmpty, strategyName.count <= 40,
                strategyName.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
            else {
                throw nameNode.invalid("a strategy name is 1 to 40 letters, digits, '-', '_' or '.'.")
            }
            guard names.insert(strategyName).inserted else {
                throw nameNode.invalid("strategy '\(strategyName)' is listed twice.")
            }
            // The shared sections, minus `strategies`, with the strategy's sections replacing them.
            var pairs: [(Node, Node)] = []
            var archetypes: Node?
            for (key, value) in mapping where key.string != "strategies" {
                if let override = strategy.entries.first(where: { $0.key == key.string }), override.key != "archetypes",
                    override.key != "name"
                {
                    pairs.append((key, override.value.node))
                } else {
                    pairs.append((key, value))
                }
            }
            for entry in strategy.entries
            where entry.key != "name" && !pairs.contains(where: { $0.0.string == entry.key }) {
                if entry.key == "archetypes" {
                    archetypes = entry.value.node
                    continue
                }
                pairs.append((Node(entry.key), entry.value.node))
            }
            if let archetypes { pairs = replacingArchetypes(in: pairs, with: archetypes) }
            let merged = ConfigNode(node: Node(pairs), path: "", file: file)
            var scenario = try Scenario(document: merged, defaultName: defaultName)
            scenario.strategy = strategyName
            scenarios.append(scenario)
        }
        return scenarios
    }

    /// Puts a strategy's `archetypes` mix in place of `population.archetypes`.
    static func replacingArchetypes(in pairs: [(Node, Node)], with mix: Node) -> [(Node, Node)] {
        var result = pairs
        if let index = result.firstIndex(where: { $0.0.string == "population" }),
            case let .mapping(population) = result[index].1
        {
            var inner: [(Node, Node)] = population.filter { $0.key.string != "archetypes" }.map { ($0.key, $0.value) }
            inner.append((Node("archetypes"), mix))
            result[index].1 = Node(inner)
        } else {
            result.append((Node("population"), Node([(Node("archetypes"), mix)])))
        }
        return result
    }
}

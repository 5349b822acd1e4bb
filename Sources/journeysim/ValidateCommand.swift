import ArgumentParser
import JourneySim

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a scenario file without running it.",
        discussion: """
            Examples:
              journeysim validate scenarios/baseline.yaml

            Prints the problem with file, line and field path and exits 2 when the scenario is invalid.
            """)

    @OptionGroup var options: ScenarioOptions

    func run() throws {
        let strategies = try options.loadStrategies()
        let scenario = strategies[0]
        let mix = zip(Archetype.allCases, scenario.population.archetypeMix)
            .map { "\($0.name) \(Int(($1 * 100).rounded()))%" }.joined(separator: ", ")
        print(
            "\(options.scenario): valid. \(scenario.name), seed \(scenario.seed), \(scenario.population.customers) customers, \(scenario.duration.days) days from \(scenario.start.iso8601); \(mix); \(scenario.triggers.campaigns.count) campaigns\(Self.journeyText(scenario))."
        )
        if strategies.count > 1 || scenario.strategy != nil {
            print(
                "strategies: "
                    + strategies.map { "\($0.strategy ?? "-") (\($0.triggers.campaigns.count) campaigns)" }.joined(
                        separator: ", "))
        }
    }

    /// "; journey: 27 states, 1 process, 2 custom events, …" (the scenario's own journey) or
    /// "; journey (built-in e-commerce funnel): …" (a scenario without `journey:`).
    static func journeyText(_ scenario: Scenario) -> String {
        let journey = scenario.effectiveJourney
        func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
        return (scenario.journey == nil ? "; journey (built-in e-commerce funnel): " : "; journey: ")
            + [
                count(journey.stateNames.count, "state", "states"),
                count(journey.processNames.count, "process", "processes"),
                count(journey.catalog.custom.count, "custom event", "custom events"),
                count(journey.attributeNames.count, "attribute", "attributes"),
            ].joined(separator: ", ")
    }
}

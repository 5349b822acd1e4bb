import ArgumentParser
import Foundation
import JourneySim

/// Options shared by the commands that load one scenario file.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario file (YAML or JSON), e.g. scenarios/baseline.yaml.")
    var scenario: String

    @OptionGroup var overrides: ScenarioOverrides

    /// Loads the scenario and applies the overrides; prints the error and exits 2 on bad input.
    /// A file with `strategies:` gives its first strategy.
    func load() throws -> Scenario {
        try loadStrategies()[0]
    }

    /// Loads every strategy of the scenario file with the overrides applied.
    func loadStrategies() throws -> [Scenario] {
        try overrides.loadStrategies(path: scenario)
    }

    /// Names a run for its results folder's stamp (see `ResultsWriter`): the command, the
    /// scenario file and the options that change results. Running the same command again
    /// replaces the folder; the same folder with other options needs --overwrite.
    func resultsIdentity(_ command: String, extra: [String] = []) -> String {
        overrides.resultsIdentity(command, paths: [scenario], extra: extra)
    }

    /// Identifies the scenario as run (file text plus overrides) for merging shards.
    func digest() -> String {
        let text = (try? String(contentsOfFile: scenario, encoding: .utf8)) ?? scenario
        return ScenarioDigest.of([text] + Scenario.includedTexts(path: scenario) + overrides.digestParts)
    }
}

/// `--seed`, `--customers` and `--days`: what a command may change in any scenario it loads.
struct ScenarioOverrides: ParsableArguments {
    @Option(help: "Override the scenario's seed.")
    var seed: UInt64?

    @Option(help: "Override the number of customers (1 to 50,000,000).")
    var customers: Int?

    @Option(help: "Override the duration in simulated days (1/24 to 366).")
    var days: Double?

    /// Loads every strategy of a scenario file with the overrides applied; prints the error and
    /// exits 2 on bad input.
    func loadStrategies(path: String) throws -> [Scenario] {
        let list: [Scenario]
        do {
            list = try ScenarioLoader.loadStrategies(path: path)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        return try list.map(apply)
    }

    func apply(_ loaded: Scenario) throws -> Scenario {
        var scenario = loaded
        if let seed { scenario.seed = seed }
        if let customers {
            guard (1...Scenario.maxCustomers).contains(customers) else {
                printError(
                    "--customers \(customers) is out of range: give 1 to \(Scenario.maxCustomers) (use shards beyond that)."
                )
                throw ExitCode(2)
            }
            scenario.population.customers = customers
        }
        if let days {
            guard days.isFinite, days >= 1.0 / 24, days <= Scenario.maxDuration.days else {
                printError("--days \(days) is out of range: give 1/24 (one hour) to 366.")
                throw ExitCode(2)
            }
            scenario.duration = .days(days)
        }
        return scenario
    }

    /// See `ScenarioOptions.resultsIdentity`.
    func resultsIdentity(_ command: String, paths: [String], extra: [String] = []) -> String {
        var parts = [command] + paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if let seed { parts.append("--seed \(seed)") }
        if let customers { parts.append("--customers \(customers)") }
        if let days { parts.append("--days \(days)") }
        return (parts + extra).joined(separator: " ")
    }

    var digestParts: [String] {
        [seed.map(String.init) ?? "", customers.map(String.init) ?? "", days.map { String($0) } ?? ""]
    }
}

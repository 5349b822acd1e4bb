import ArgumentParser
import Foundation
import JourneySim

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run strategies on the same customers and compare them with confidence intervals.",
        discussion: """
            Every strategy runs on the same synthetic population with common random numbers (same
            seed, same customers, same journey draws until messages change them), and the strategies
            are compared customer by customer: for each metric the difference with its 95% confidence
            interval, and a plain verdict on which wins and whether the difference is significant.
            Strategies are scenario files, or the entries of a file's `strategies:` list.

            Examples:
              journeysim compare scenarios/fatigue-spam.yaml scenarios/fatigue-capped.yaml
              journeysim compare scenarios/abandoned-cart-timing.yaml --replications 3
              journeysim compare scenarios/archetypes.yaml --customers 20000 --output /tmp/results
            """)

    @Argument(help: "Scenario files: two or more, or one with a `strategies:` list.")
    var scenarios: [String]

    @OptionGroup var overrides: ScenarioOverrides

    @Option(help: "Independent replications (seeds seed, seed+1, …); differences pool all of them.")
    var replications: Int = 1

    @Option(
        help: ArgumentHelp(
            "Threads to use (default: all cores).",
            discussion:
                "Results do not depend on it: when a limit shared by all customers binds, the comparison is repeated on one thread, with a note."
        ))
    var workers: Int?

    @Option(help: "Folder for results; the comparison goes into <output>/compare-<strategies>-<seed>/.")
    var output: String = "results"

    @Flag(
        help:
            "Replace a results folder that holds a comparison with other options (never a folder with files journeysim did not write)."
    )
    var overwrite = false

    @Flag(help: "Print only the results folder.")
    var quiet = false

    func run() throws {
        guard (1...1000).contains(replications) else {
            printError("--replications \(replications) is out of range: give 1 to 1000.")
            throw ExitCode(2)
        }
        var strategies: [(name: String, scenario: Scenario)] = []
        for path in scenarios {
            let loaded = try overrides.loadStrategies(path: path)
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            for scenario in loaded { strategies.append((scenario.strategy ?? stem, scenario)) }
        }
        var seen: Set<String> = []
        for strategy in strategies where !seen.insert(strategy.name).inserted {
            printError(
                "two strategies are named '\(strategy.name)': rename one (strategy names and file names must differ).")
            throw ExitCode(2)
        }
        if let first = strategies.first?.scenario {
            try MemoryGuard.check(first, comparedStrategies: strategies.count)
        }
        // The folder is checked (and locked) before the strategies run.
        let folderName =
            "compare-" + strategies.map(\.name).joined(separator: "-vs-").prefix(120)
            + "-\(strategies.first?.scenario.seed ?? 0)"
        let writer: ResultsWriter
        do {
            writer = try ResultsWriter(
                directory: (output as NSString).appendingPathComponent(String(folderName)),
                identity: overrides.resultsIdentity(
                    "compare", paths: scenarios, extra: ["--replications \(replications)"]),
                overwrite: overwrite)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        let comparison: StrategyComparison
        do {
            let threads = workers ?? ProcessInfo.processInfo.activeProcessorCount
            let outcome = try StrategyComparison.runCountingThreads(
                strategies, replications: replications, workers: threads)
            comparison = outcome.comparison
            if let reason = comparison.unpairedBecause {
                printNote(
                    "not paired by customer: \(reason). The strategies have other customers, so differences are of independent samples (wider intervals)."
                )
            }
            if outcome.threads < min(threads, strategies[0].scenario.population.customers) {
                printNote(SimulationRun.sharedLimitNote)
            }
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        do {
            var files = [
                ("comparison.json", ResultsWriter.json(comparison)),
                ("report.html", Data(ComparisonReportPage.html(comparison.reportInput).utf8)),
            ]
            for (name, summary) in comparison.summaries.sorted(by: { $0.key < $1.key }) {
                files.append(("summary-\(name).json", ResultsWriter.json(summary)))
            }
            try writer.write(files)
            if !quiet { print(ComparisonTable.render(comparison)) }
            print("results: \(writer.directory.path)/comparison.json")
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
    }
}

import ArgumentParser
import Foundation
import JourneySim

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario in virtual time and write its results.",
        discussion: """
        Writes <output>/<scenario>-<seed>/summary.json (deterministic: the same seed gives the same
        bytes) and performance.json (wall-clock figures), and prints a summary table.

        Examples:
          journeysim run scenarios/baseline.yaml
          journeysim run scenarios/baseline.yaml --seed 7 --customers 20000
          journeysim run scenarios/baseline.yaml --trace events.jsonl --trace-limit 50000
          journeysim run scenarios/baseline.yaml --output /tmp/results --quiet
        """)

    @OptionGroup var options: ScenarioOptions

    @Option(help: "Folder for results; the run writes into <output>/<scenario>-<seed>/.")
    var output: String = "results"

    @Option(help: "Write customer events as JSON lines to this file.")
    var trace: String?

    @Option(help: "At most this many events in the trace.")
    var traceLimit: Int = 100_000

    @Flag(help: "Print only the results folder, not the summary table.")
    var quiet = false

    func run() throws {
        let scenario = try options.load()
        guard traceLimit >= 1, traceLimit <= 100_000_000 else {
            printError("--trace-limit \(traceLimit) is out of range: give 1 to 100,000,000.")
            throw ExitCode(2)
        }
        let directory = (output as NSString).appendingPathComponent("\(scenario.name)-\(scenario.seed)")
        let writer: ResultsWriter
        do {
            writer = try ResultsWriter(directory: directory)
            if let trace { try checkWritable(trace) }
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
        let result = SimulationRun.execute(scenario, traceLimit: trace == nil ? nil : traceLimit)
        do {
            try writer.write([
                ("summary.json", ResultsWriter.json(result.summary)),
                ("performance.json", ResultsWriter.json(result.performance)),
            ])
            if let trace, let bytes = result.trace {
                try Data(bytes).write(to: URL(fileURLWithPath: trace), options: .atomic)
            }
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
        if !quiet {
            print(SummaryTable.render(result.summary))
            let p = result.performance
            print("simulated \(p.events) events in \(p.simulationSeconds.rounded2)s (\(Int(p.eventsPerSecond)) events/s, \(Int(p.customerDaysPerSecond)) customer-days/s); wall \(p.wallSeconds.rounded2)s")
            if let trace {
                print("trace: \(trace)" + (result.traceSkipped > 0 ? " (limit reached; \(result.traceSkipped) events not written)" : ""))
            }
        }
        print("results: \(writer.directory.path)/summary.json")
    }

    func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isWritableFile(atPath: folder) else {
            throw ResultsError.notWritable(path: folder, reason: "the trace's folder does not exist or is not writable")
        }
    }
}

extension Double {
    var rounded2: String { String((self * 100).rounded() / 100) }
}

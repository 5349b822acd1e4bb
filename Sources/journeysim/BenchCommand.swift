import ArgumentParser
import Foundation
import JourneySim

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the event loop and a full simulation (build with -c release).",
        discussion: """
        Examples:
          swift run -c release journeysim bench
          swift run -c release journeysim bench --repetitions 7 --json

        Prints the median of the repetitions and the spread (min–max).
        """)

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repetitions: Int = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Also write the results as JSON to this file (e.g. a new baseline under results/baselines/).")
    var write: String?

    func run() throws {
        guard (1...100).contains(repetitions) else {
            printError("--repetitions \(repetitions) is out of range: give 1 to 100.")
            throw ExitCode(2)
        }
        var trigger: [Double] = [], bytes: [Double] = []
        for repetition in 0..<max(1, repetitions / 2) {
            let result = TriggerBenchmark.run(customers: 1_000_000, campaigns: 20, events: 10_000_000, seed: UInt64(repetition) + 1)
            trigger.append(result.eventsPerSecond)
            bytes.append(result.bytesPerCustomerPerCampaign)
        }
        let results = [
            EventLoopBenchmark.measure(pending: 1_000, events: 20_000_000, repetitions: repetitions),
            EventLoopBenchmark.measure(pending: 1_000_000, events: 10_000_000, repetitions: repetitions),
            BenchmarkResult(name: "trigger core, 20 campaigns, 1M customers", unit: "events/s", samples: trigger),
            BenchmarkResult(name: "trigger core state per customer per campaign", unit: "bytes", samples: bytes),
            SimulationBenchmark.measure(customers: 100_000, days: 30, repetitions: max(1, repetitions / 2)),
        ]
        if let write {
            do {
                try ResultsWriter.json(results).write(to: URL(fileURLWithPath: write), options: .atomic)
            } catch {
                printError("cannot write \(write): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if json {
            print(String(decoding: ResultsWriter.json(results), as: UTF8.self), terminator: "")
        } else {
            for result in results {
                print("\(result.name.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(Int(result.median)) \(result.unit)  (min \(Int(result.min)), max \(Int(result.max)), n=\(result.samples.count))")
            }
        }
    }
}

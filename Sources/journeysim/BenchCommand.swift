import ArgumentParser
import Foundation
import JourneySim

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the event loop, the trigger core and a full simulation (build with -c release).",
        discussion: """
        Examples:
          swift run -c release journeysim bench
          swift run -c release journeysim bench --repetitions 7 --json
          swift run -c release journeysim bench --quick --compare results/baselines/bench.json --tolerance 0.25

        Prints the median of the repetitions and the spread (min–max). With --compare, prints each
        benchmark's median beside the baseline's with the ratio current/baseline and exits 1 when a
        throughput fell below 1 - tolerance of its baseline or a size in bytes rose above
        1 + tolerance (see scripts/perf-check). Exit codes: 0 ok, 1 regression, 2 bad input.
        """)

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repetitions: Int?

    @Flag(help: "Fewer repetitions (3) and shorter measurements of the same benchmarks, for CI (about 30 s).")
    var quick = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Run only this group of benchmarks: event-loop, trigger-core or simulation (default: all).")
    var only: BenchGroup?

    @Option(help: "Also write the results as JSON to this file (e.g. a new baseline under results/baselines/).")
    var write: String?

    @Option(help: "Compare the medians with this baseline (a file written by --write); exit 1 on a regression.")
    var compare: String?

    @Option(help: "Relative change of a median that counts as a regression (with --compare).")
    var tolerance: Double = 0.25

    func run() throws {
        let repetitions = self.repetitions ?? (quick ? 3 : 5)
        guard (1...100).contains(repetitions) else {
            printError("--repetitions \(repetitions) is out of range: give 1 to 100.")
            throw ExitCode(2)
        }
        guard tolerance > 0, tolerance < 1 else {
            printError("--tolerance \(tolerance) is out of range: give a fraction between 0 and 1, e.g. 0.25.")
            throw ExitCode(2)
        }
        var baseline: [BenchmarkResult]?
        if let compare {
            do {
                baseline = try JSONDecoder().decode([BenchmarkResult].self, from: Data(contentsOf: URL(fileURLWithPath: compare)))
            } catch {
                printError("cannot read the baseline \(compare): \(error). Write one with --write \(compare).")
                throw ExitCode(2)
            }
        }
        let scale = quick ? 4 : 1
        var results: [BenchmarkResult] = []
        if only == nil || only == .eventLoop {
            results.append(EventLoopBenchmark.measure(pending: 1_000, events: 20_000_000 / scale, repetitions: repetitions))
            results.append(EventLoopBenchmark.measure(pending: 1_000_000, events: 10_000_000 / scale, repetitions: repetitions))
        }
        if only == nil || only == .triggerCore {
            var trigger: [Double] = [], bytes: [Double] = []
            for repetition in 0..<max(1, repetitions / 2) {
                let result = TriggerBenchmark.run(customers: 1_000_000, campaigns: 20, events: 10_000_000 / scale, seed: UInt64(repetition) + 1)
                trigger.append(result.eventsPerSecond)
                bytes.append(result.bytesPerCustomerPerCampaign)
            }
            results.append(BenchmarkResult(name: "trigger core, 20 campaigns, 1M customers", unit: "events/s", samples: trigger))
            results.append(BenchmarkResult(name: "trigger core state per customer per campaign", unit: "bytes", samples: bytes))
        }
        if only == nil || only == .simulation {
            results.append(SimulationBenchmark.measure(customers: 100_000, days: 30, repetitions: max(1, repetitions / 2)))
        }
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
        } else if baseline == nil {
            for result in results {
                print("\(result.name.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(Int(result.median)) \(result.unit)  (min \(Int(result.min)), max \(Int(result.max)), n=\(result.samples.count))")
            }
        }
        if let baseline {
            let rows = BenchmarkComparison.compare(baseline: baseline, current: results, tolerance: tolerance)
            print(BenchmarkComparison.table(rows, tolerance: tolerance), terminator: "")
            if BenchmarkComparison.anyRegression(rows) {
                printError("performance regression against \(compare ?? "the baseline") (tolerance \(tolerance)).")
                throw ExitCode(1)
            }
        }
    }
}

/// The groups `bench --only` can pick, so one part can be measured (or profiled) on its own.
enum BenchGroup: String, ExpressibleByArgument, CaseIterable {
    case eventLoop = "event-loop"
    case triggerCore = "trigger-core"
    case simulation
}

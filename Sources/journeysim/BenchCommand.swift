import ArgumentParser
import Foundation
import JourneySim

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure the event loop, the trigger core, a full simulation and peak memory per customer (build with -c release).",
        discussion: """
            Examples:
              swift run -c release journeysim bench
              swift run -c release journeysim bench --repetitions 7 --json
              swift run -c release journeysim bench --quick --compare results/baselines/bench.json --tolerance 0.25
              swift run -c release journeysim bench --only trigger-core --trigger-customers 100000

            Besides throughputs it reports allocations per event (Linux: every malloc, calloc and realloc of
            the process during the benchmark, setup included) and the peak memory per customer of
            `journeysim run scenarios/abandoned-cart.yaml --customers 1000000` in a child process (its
            whole peak resident memory over the customers; run from the repository root).

            Prints the median of the repetitions and the spread (min–max). With --compare, prints each
            benchmark's median beside the baseline's with the ratio current/baseline and exits 1 when a
            throughput fell below 1 - tolerance of its baseline or a size in bytes rose above
            1 + tolerance (see scripts/perf-check). The baseline must exist, hold rows and have every
            one of them measured by this run (rows of groups left out by --only, and allocation or
            memory rows that cannot be measured here, are skipped with a note): a missing, empty or
            unreadable baseline, one sharing no row with the run, or a row the run does not have (a
            benchmark renamed or removed) is bad input. Exit codes: 0 ok, 1 regression, 2 bad input.
            """)

    @Option(help: "Repetitions of each measurement; the median is reported.")
    var repetitions: Int?

    @Flag(help: "Fewer repetitions (3) and shorter measurements of the same benchmarks, for CI (about 30 s).")
    var quick = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Run only this group of benchmarks: event-loop, trigger-core, simulation or memory (default: all).")
    var only: BenchGroup?

    @Option(help: "Also write the results as JSON to this file (e.g. a new baseline under results/baselines/).")
    var write: String?

    @Option(help: "Compare the medians with this baseline (a file written by --write); exit 1 on a regression.")
    var compare: String?

    @Option(help: "Relative change of a median that counts as a regression (with --compare).")
    var tolerance: Double = 0.25

    @Option(
        help: ArgumentHelp(
            "Customers in the trigger-core benchmark (the baseline's figure is for 1,000,000).",
            discussion:
                "Smaller populations fit the caches: running 10000, 100000 and 1000000 shows how much of the time is memory."
        ))
    var triggerCustomers: Int = TriggerBenchmark.defaultCustomers

    func run() throws {
        // The output path is checked before anything is measured (and again when it is written).
        if let write {
            do {
                try OutputFile.check(write, what: "benchmark results")
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        if Self.allocationCounter() == nil, let status = try relaunchCountingAllocations() { throw ExitCode(status) }
        let repetitions = self.repetitions ?? (quick ? 3 : 5)
        guard (1...100).contains(repetitions) else {
            printError("--repetitions \(repetitions) is out of range: give 1 to 100.")
            throw ExitCode(2)
        }
        guard tolerance > 0, tolerance < 1 else {
            printError("--tolerance \(tolerance) is out of range: give a fraction between 0 and 1, e.g. 0.25.")
            throw ExitCode(2)
        }
        var baseline: BenchmarkBaseline?
        if let compare {
            do {
                baseline = try BenchmarkBaseline(contentsOf: compare)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        guard (1...TriggerBenchmark.maxCustomers).contains(triggerCustomers) else {
            printError(
                "--trigger-customers \(triggerCustomers) is out of range: give 1 to \(TriggerBenchmark.maxCustomers).")
            throw ExitCode(2)
        }
        let counter = Self.allocationCounter()
        var results: [BenchmarkResult] = []
        if only == nil || only == .eventLoop {
            results += Self.eventLoopResults(repetitions: repetitions, scale: quick ? 4 : 1, counter: counter)
        }
        if only == nil || only == .triggerCore {
            results += triggerCoreResults(repetitions: repetitions, counter: counter)
        }
        if only == nil || only == .simulation {
            let measured = SimulationBenchmark.measure(
                customers: 100_000, days: 30, repetitions: max(1, repetitions / 2), allocations: counter)
            results.append(measured.throughput)
            if let perEvent = measured.allocationsPerEvent { results.append(perEvent) }
        }
        var memoryMeasured = false
        if only == nil || only == .memory {
            if let memory = try peakMemoryPerCustomer() {
                results.append(memory)
                memoryMeasured = true
            }
        }
        if let write {
            do {
                try OutputFile.write(
                    ResultsWriter.json(results), to: URL(fileURLWithPath: write), what: "benchmark results")
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        if json {
            print(String(decoding: ResultsWriter.json(results), as: UTF8.self), terminator: "")
        } else if baseline == nil {
            Self.printTable(results)
        }
        if let baseline {
            try compareMedians(
                results, with: baseline, countingAllocations: counter != nil, memoryMeasured: memoryMeasured)
        }
    }

    /// The event loop at 1,000 and at 1,000,000 pending events (a quarter of the events each
    /// with --quick, `scale` 4), and its allocations per event when they can be counted.
    static func eventLoopResults(
        repetitions: Int, scale: Int, counter: (() -> UInt64)?
    ) -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        var perEvent: [Double] = []
        for (pending, events) in [(1_000, 20_000_000 / scale), (1_000_000, 10_000_000 / scale)] {
            let before = counter?()
            results.append(EventLoopBenchmark.measure(pending: pending, events: events, repetitions: repetitions))
            if let before, let after = counter?() {
                perEvent.append(Double(after &- before) / Double(events * repetitions))
            }
        }
        if !perEvent.isEmpty {
            results.append(
                BenchmarkResult(name: "event loop, allocations", unit: "allocations/event", samples: perEvent))
        }
        return results
    }

    /// The trigger core's throughput at --trigger-customers, its state per customer per
    /// campaign, and its allocations per event when they can be counted.
    func triggerCoreResults(repetitions: Int, counter: (() -> UInt64)?) -> [BenchmarkResult] {
        var results: [BenchmarkResult] = []
        var trigger: [Double] = []
        var bytes: [Double] = []
        var perEvent: [Double] = []
        for repetition in 0..<max(1, repetitions / 2) {
            // Not shortened by --quick: the core's final drain and first touches of its
            // state are fixed costs, so fewer events read markedly slower and a quick check
            // against a full baseline would sit at the tolerance.
            let events = 10_000_000
            let before = counter?()
            let result = TriggerBenchmark.run(
                customers: triggerCustomers, campaigns: 20, events: events, seed: UInt64(repetition) + 1)
            if let before, let after = counter?() { perEvent.append(Double(after &- before) / Double(events)) }
            trigger.append(result.eventsPerSecond)
            bytes.append(result.bytesPerCustomerPerCampaign)
        }
        results.append(
            BenchmarkResult(
                name: TriggerBenchmark.name(customers: triggerCustomers), unit: "events/s", samples: trigger))
        results.append(
            BenchmarkResult(name: "trigger core state per customer per campaign", unit: "bytes", samples: bytes))
        if !perEvent.isEmpty {
            results.append(
                BenchmarkResult(name: "trigger core, allocations", unit: "allocations/event", samples: perEvent))
        }
        return results
    }

    /// One line per result: its median, min, max and number of samples.
    static func printTable(_ results: [BenchmarkResult]) {
        // Small figures (allocations per event) with decimals, large ones as whole numbers.
        func figure(_ value: Double) -> String {
            abs(value) < 100 ? String(format: "%.4g", value) : String(Int(value))
        }
        for result in results {
            print(
                "\(result.name.padding(toLength: 52, withPad: " ", startingAt: 0)) median \(figure(result.median)) \(result.unit)  (min \(figure(result.min)), max \(figure(result.max)), n=\(result.samples.count))"
            )
        }
    }

    /// --compare: the medians against the baseline's, with a note for each baseline row this run
    /// did not set out to measure; exits 1 on a regression beyond --tolerance.
    func compareMedians(
        _ results: [BenchmarkResult], with baseline: BenchmarkBaseline, countingAllocations: Bool,
        memoryMeasured: Bool
    ) throws {
        let skipped = { (row: BenchmarkResult) in
            self.reasonNotMeasured(row, countingAllocations: countingAllocations, memoryMeasured: memoryMeasured)
        }
        for row in baseline.rows {
            if let reason = skipped(row) { printNote("baseline row '\(row.name)' not compared: \(reason).") }
        }
        let rows: [BenchmarkComparison]
        do {
            rows = try baseline.compare(with: results, tolerance: tolerance, meant: { skipped($0) == nil })
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        print(BenchmarkComparison.table(rows, tolerance: tolerance), terminator: "")
        if BenchmarkComparison.anyRegression(rows) {
            printError("performance regression against \(baseline.file) (tolerance \(tolerance)).")
            throw ExitCode(1)
        }
    }

    /// Why this run did not set out to measure a baseline row, nil when it did (and so must have
    /// it): another group than --only, or allocations or peak memory that could not be measured
    /// here (each already explained by a note).
    func reasonNotMeasured(_ row: BenchmarkResult, countingAllocations: Bool, memoryMeasured: Bool) -> String? {
        if let only, let group = BenchGroup.owning(row.name), group != only {
            return "it is in the \(group.rawValue) group, not --only \(only.rawValue)"
        }
        if BenchmarkComparison.isAllocationCount(unit: row.unit), !countingAllocations {
            return "allocations are not counted in this run"
        }
        if BenchGroup.owning(row.name) == .memory, !memoryMeasured { return "peak memory was not measured in this run" }
        return nil
    }

    /// The running process's allocation count, when the counter library is preloaded into it.
    static func allocationCounter() -> (() -> UInt64)? {
        #if os(Linux)
            typealias Count = @convention(c) () -> UInt64
            guard let symbol = dlsym(nil, "journeysim_allocations"),
                let counted = dlsym(nil, "journeysim_allocations_counted"),
                unsafeBitCast(counted, to: (@convention(c) () -> Int32).self)() == 1
            else { return nil }
            let count = unsafeBitCast(symbol, to: Count.self)
            return { count() }
        #else
            return nil
        #endif
    }

    static let relaunchedVariable = "JOURNEYSIM_BENCH_COUNTING_ALLOCATIONS"

    /// Runs this same command again with the allocation counter preloaded (the library the
    /// package builds beside the executable) and returns its exit status; nil, with a note, when
    /// there is no counter to load, and the benchmarks then run here without allocation counts.
    func relaunchCountingAllocations() throws -> Int32? {
        #if os(Linux)
            let environment = ProcessInfo.processInfo.environment
            guard environment[Self.relaunchedVariable] == nil else { return nil }
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let library = executable.deletingLastPathComponent().appendingPathComponent(
                "libJourneySimAllocationCounter.so")
            guard FileManager.default.fileExists(atPath: library.path) else {
                printNote(
                    "\(library.path) is not built, so allocations per event are not measured: run `swift build -c release` (it builds every product)."
                )
                return nil
            }
            let process = Process()
            process.executableURL = executable
            process.arguments = Array(CommandLine.arguments.dropFirst())
            var childEnvironment = environment
            childEnvironment["LD_PRELOAD"] = [library.path, environment["LD_PRELOAD"]].compactMap { $0 }.joined(
                separator: ":")
            childEnvironment[Self.relaunchedVariable] = "1"
            process.environment = childEnvironment
            do {
                try process.run()
            } catch {
                printNote(
                    "cannot run \(executable.path) with the allocation counter (\(error.localizedDescription)); measuring without it."
                )
                return nil
            }
            process.waitUntilExit()
            return process.terminationStatus
        #else
            return nil
        #endif
    }

    /// The scenario and size whose peak memory per customer is measured: the target is at most
    /// 256 bytes per customer for a million customers over 30 days.
    static let memoryScenario = "scenarios/abandoned-cart.yaml"
    static let memoryCustomers = 1_000_000

    /// Runs `journeysim run` on `memoryScenario` in a child process and divides its peak resident
    /// memory (everything: code, runtime, state) by the customers. Nil, with a note, when the
    /// scenario is not there (bench run outside the repository).
    func peakMemoryPerCustomer() throws -> BenchmarkResult? {
        guard FileManager.default.fileExists(atPath: Self.memoryScenario) else {
            printNote(
                "\(Self.memoryScenario) not found here, so peak memory per customer is not measured: run bench from the repository root."
            )
            return nil
        }
        #if os(Linux)
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("journeysim-bench-\(getpid())")
            defer { try? FileManager.default.removeItem(at: output) }
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "run", Self.memoryScenario, "--customers", String(Self.memoryCustomers), "--quiet", "--output",
                output.path,
            ]
            // Measure the run as users run it: without the allocation counter this bench may carry.
            var environment = ProcessInfo.processInfo.environment
            let preloads = (environment["LD_PRELOAD"] ?? "").split(separator: ":").filter {
                !$0.hasSuffix("/libJourneySimAllocationCounter.so")
            }
            environment["LD_PRELOAD"] = preloads.isEmpty ? nil : preloads.joined(separator: ":")
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            // Its notes (e.g. that it ran on one thread) would interleave with the table: kept in a
            // file and shown only if the run fails.
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(
                "journeysim-bench-\(getpid()).stderr")
            defer { try? FileManager.default.removeItem(at: log) }
            guard FileManager.default.createFile(atPath: log.path, contents: nil),
                let logHandle = try? FileHandle(forWritingTo: log)
            else {
                printError("cannot create \(log.path) for the memory run's messages: is the temporary folder writable?")
                throw ExitCode(2)
            }
            process.standardError = logHandle
            do {
                try process.run()
            } catch {
                printError("cannot start \(executable.path) to measure peak memory: \(error.localizedDescription)")
                throw ExitCode(2)
            }
            process.waitUntilExit()
            try? logHandle.close()
            guard process.terminationStatus == 0 else {
                let messages = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                printError(
                    "the memory run (journeysim \(process.arguments?.joined(separator: " ") ?? "")) failed with exit code \(process.terminationStatus)\(messages.isEmpty ? "" : ":\n" + messages)"
                )
                throw ExitCode(2)
            }
            // The run's own peak (VmHWM, which starts afresh at exec), from its performance.json; the
            // children's rusage would also count this process's pages the child shared before exec.
            let files =
                FileManager.default.enumerator(at: output, includingPropertiesForKeys: nil)?
                .compactMap { $0 as? URL }.filter { $0.lastPathComponent == "performance.json" } ?? []
            guard let file = files.first, let data = try? Data(contentsOf: file),
                let fields = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let peak = fields["peak_resident_bytes"] as? Int, peak > 0
            else {
                printError("the memory run wrote no peak_resident_bytes in its performance.json, so it is not reported")
                return nil
            }
            let bytes = Double(peak) / Double(Self.memoryCustomers)
            return BenchmarkResult(
                name: "peak memory per customer, abandoned-cart 1M × 30 d", unit: "bytes/customer", samples: [bytes])
        #else
            printNote("peak memory per customer is measured on Linux only.")
            return nil
        #endif
    }
}

/// The groups `bench --only` can pick, so one part can be measured (or profiled) on its own.
enum BenchGroup: String, ExpressibleByArgument, CaseIterable {
    case eventLoop = "event-loop"
    case triggerCore = "trigger-core"
    case simulation
    case memory

    /// How the names of the group's rows begin.
    var rowPrefix: String {
        switch self {
        case .eventLoop: "event loop"
        case .triggerCore: "trigger core"
        case .simulation: "full simulation"
        case .memory: "peak memory"
        }
    }

    /// The group a row of results belongs to, by its name; nil for a name no group makes.
    static func owning(_ name: String) -> BenchGroup? { allCases.first { name.hasPrefix($0.rowPrefix) } }
}

import ArgumentParser
import Foundation
import JourneySim

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a scenario in virtual time and write its results.",
        discussion: """
            Writes <output>/<scenario>-<seed>/summary.json (deterministic: the same seed gives the same
            bytes), record.json (the mergeable counts), performance.json (wall-clock figures), and
            report.html (self-contained charts), summary.md and daily.csv, and prints a summary table.
            On a terminal, a progress line on stderr shows simulated days done, events/s and the ETA. Large runs use every core by splitting the customers internally;
            the results are identical to a one-thread run.

            Examples:
              journeysim run scenarios/baseline.yaml
              journeysim run scenarios/baseline.yaml --seed 7 --customers 20000
              journeysim run scenarios/baseline.yaml --trace events.jsonl --trace-limit 50000
              journeysim run scenarios/abandoned-cart.yaml --replications 5   # means with 95% CIs
              journeysim run scenarios/baseline.yaml --shard 0/4      # one quarter of the customers
              journeysim merge results/baseline-42-shard*of4          # combine the quarters
              journeysim run scenarios/abandoned-cart.yaml --check    # fail unless events and messages add up

            Before it starts, the run's memory is estimated from the per-customer state and compared
            with what is available (MemAvailable, cgroup memory.max); a run that cannot fit is refused
            (exit 2) with a --shard split that would. SIGINT or SIGTERM stops the run at its next
            checkpoint; the results are written with "complete": false and the simulated time reached,
            and the exit code is 130 (SIGINT) or 143 (SIGTERM).

            Exit codes: 0 success, 1 --check found events or messages that do not add up, 2 bad input
            (scenario, options, unwritable results folder, not enough memory), 130/143 interrupted.
            """)

    @OptionGroup var options: ScenarioOptions

    @Option(help: "Folder for results; the run writes into <output>/<scenario>-<seed>/.")
    var output: String = "results"

    @Option(help: "Write customer events as JSON lines to this file (runs on one thread).")
    var trace: String?

    @Option(help: "At most this many events in the trace.")
    var traceLimit: Int = 100_000

    @Option(
        help:
            "Run only shard i of n (i counts from 0): customers whose id modulo n is i. Combine shards with `journeysim merge`."
    )
    var shard: String?

    @Option(
        help: ArgumentHelp(
            "Threads to use (default: all cores for 20,000 customers or more, else 1).",
            discussion:
                "Results do not depend on it: when a limit shared by all customers (a campaign's rate_limit, a mock channel's rate_limit_per_second) binds, the run is repeated on one thread, with a note."
        ))
    var workers: Int?

    @Option(
        help:
            "Independent replications with seeds seed, seed+1, …: reports each metric's mean with a 95% confidence interval."
    )
    var replications: Int = 1

    @Flag(
        help:
            "Replace a results folder that holds a run with other options (never a folder with files journeysim did not write)."
    )
    var overwrite = false

    @Flag(help: "Print only the results folder, not the summary table.")
    var quiet = false

    @Flag(
        help:
            "Check at the end that every scheduled event was processed once (or is pending) and every message ended in exactly one state; exit 1 if not."
    )
    var check = false

    /// The options on their own, before anything starts; bad input exits 2.
    func validate() throws {
        func bad(_ message: String) -> ExitCode {
            printError(message)
            return ExitCode(2)
        }
        guard (1...1000).contains(replications) else {
            throw bad("--replications \(replications) is out of range: give 1 to 1000.")
        }
        if let workers, !(1...256).contains(workers) {
            throw bad("--workers \(workers) is out of range: give 1 to 256.")
        }
        if replications > 1 {
            guard shard == nil, trace == nil else {
                throw bad("--replications runs whole scenarios: use it without --shard and --trace.")
            }
            return
        }
        guard traceLimit >= 1, traceLimit <= 100_000_000 else {
            throw bad("--trace-limit \(traceLimit) is out of range: give 1 to 100,000,000.")
        }
        _ = try parseShard()
    }

    func run() throws {
        // First, so that a signal at any point from here on stops the run cleanly.
        let interrupt = InterruptFlag()
        defer { interrupt.cancel() }
        let scenario = try options.load()
        if replications > 1 {
            try runReplications(scenario, interrupt: interrupt)
            return
        }
        let split = try parseShard()
        let estimate = try MemoryGuard.check(
            scenario, shards: split?.count ?? 1, traceLimit: trace == nil ? nil : traceLimit)
        let (writer, traceURL) = try openOutputs(scenario, split: split)
        var result = simulate(scenario, split: split, interrupt: interrupt)
        result.performance.estimatedBytes = estimate.totalBytes
        if result.performance.reranOnOneThread == true { printNote(SimulationRun.sharedLimitNote) }
        if split != nil, result.record.sharedLimitMayBind == true {
            printNote(SimulationRun.shardSharedLimitNote)
        }
        do {
            try writer.write(
                [
                    ("summary.json", ResultsWriter.json(result.summary)),
                    ("record.json", ResultsWriter.json(result.record)),
                    ("performance.json", ResultsWriter.json(result.performance)),
                ] + RunReportFiles.files(for: result.summary))
            if let traceURL, let bytes = result.trace {
                try OutputFile.write(Data(bytes), to: traceURL, inputs: [options.scenario], what: "trace")
            }
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
        if !quiet { printSummary(result) }
        print("results: \(writer.directory.path)/summary.json")
        if check { try checkConservation(result) }
        if let runaway = result.runaway {
            printError("\(runaway.description) Results so far are written with \"complete\": false.")
            throw ExitCode(2)
        }
        if interrupt.isRaised && !result.record.complete {
            printError(
                "interrupted: stopped at simulated \(SimTime(milliseconds: result.record.simulatedUntil).iso8601); results written with \"complete\": false."
            )
            throw ExitCode(interrupt.exitCode)
        }
    }

    /// The results folder (`<output>/<scenario>-<seed>[-shard<i>of<n>]`) and the trace file, both
    /// checked before the run starts; exits 2 if either cannot be written.
    private func openOutputs(
        _ scenario: Scenario, split: (index: Int, count: Int)?
    ) throws -> (writer: ResultsWriter, traceURL: URL?) {
        var name = "\(scenario.name)-\(scenario.seed)"
        if let split { name += "-shard\(split.index)of\(split.count)" }
        let directory = (output as NSString).appendingPathComponent(name)
        do {
            var traceURL: URL?
            if let trace { traceURL = try OutputFile.check(trace, inputs: [options.scenario], what: "trace") }
            let writer = try ResultsWriter(
                directory: directory,
                identity: options.resultsIdentity("run", extra: shard.map { ["--shard \($0)"] } ?? []),
                overwrite: overwrite)
            return (writer, traceURL)
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
    }

    /// Runs the scenario (one shard of it, on one thread with a trace, or on `--workers`
    /// threads), with the progress line; once the event loop has started, a signal stops the
    /// run at its next checkpoint and what was computed is returned.
    private func simulate(
        _ scenario: Scenario, split: (index: Int, count: Int)?, interrupt: InterruptFlag
    ) -> SimulationRun {
        let digest = options.digest()
        let progress = RunProgress(scenario: scenario)
        let progressLine = ProgressLine(progress: progress)
        let shouldStop = interrupt.shouldStop
        let result: SimulationRun
        if let split {
            result = SimulationRun.execute(
                scenario, digest: digest, shard: split.index, of: split.count,
                traceLimit: trace == nil ? nil : traceLimit, shouldStop: shouldStop, progress: progress)
        } else if trace != nil {
            result = SimulationRun.execute(
                scenario, digest: digest, traceLimit: traceLimit, shouldStop: shouldStop, progress: progress)
        } else {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let threads = workers ?? (scenario.population.customers >= 20_000 ? cores : 1)
            result = SimulationRun.executeParallel(
                scenario, digest: digest, workers: threads, shouldStop: shouldStop, progress: progress)
        }
        interrupt.arm()
        progressLine?.finish()
        return result
    }

    /// The summary table, the run's speed and, with a trace, how much of it was written.
    private func printSummary(_ result: SimulationRun) {
        print(SummaryTable.render(result.summary))
        let p = result.performance
        print(
            "simulated \(p.events) events in \(p.simulationSeconds.rounded2)s on \(p.workers) thread\(p.workers == 1 ? "" : "s") (\(Int(p.eventsPerSecond)) events/s, \(Int(p.customerDaysPerSecond)) customer-days/s); wall \(p.wallSeconds.rounded2)s"
        )
        if let trace {
            print(
                "trace: \(trace)"
                    + (result.traceSkipped > 0 ? " (limit reached; \(result.traceSkipped) events not written)" : "")
            )
        }
    }

    /// `--check`: every scheduled event processed once or pending, every message in exactly one
    /// state; exits 1 with the problems if not.
    private func checkConservation(_ result: SimulationRun) throws {
        let problems = result.conservation.violations
        if problems.isEmpty {
            let c = result.conservation
            print(
                "check: \(c.eventsScheduled) events scheduled = \(c.eventsProcessed) processed + \(c.eventsPending) pending; every message in exactly one state"
            )
        } else {
            printError(
                "--check: the run's books do not balance (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n  "
                    + problems.joined(separator: "\n  "))
            throw ExitCode(1)
        }
    }

    /// Runs the replications one after another; on SIGINT/SIGTERM the one under way stops, and
    /// the replications already finished are summarised and written before exiting 130/143.
    func runReplications(_ base: Scenario, interrupt: InterruptFlag) throws {
        try MemoryGuard.check(base)
        let directory = (output as NSString).appendingPathComponent("\(base.name)-\(base.seed)-x\(replications)")
        let writer: ResultsWriter
        do {
            writer = try ResultsWriter(
                directory: directory,
                identity: options.resultsIdentity("run", extra: ["--replications \(replications)"]),
                overwrite: overwrite)
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
        let threads = workers ?? ProcessInfo.processInfo.activeProcessorCount
        var summaries: [RunSummary] = []
        let shouldStop = interrupt.shouldStop
        var noted = false
        var runaway: JourneyRunaway?
        for replication in 0..<replications where !interrupt.isRaised && runaway == nil {
            var scenario = base
            scenario.seed = base.seed &+ UInt64(replication)
            let run = SimulationRun.executeParallel(
                scenario, digest: options.digest(), workers: threads, shouldStop: shouldStop)
            if run.performance.reranOnOneThread == true, !noted {
                printNote(SimulationRun.sharedLimitNote)
                noted = true
            }
            interrupt.arm()
            let summary = run.summary
            runaway = run.runaway
            if summary.complete, runaway == nil { summaries.append(summary) }
        }
        let result = ReplicationSummary(scenario: base.name, summaries: summaries)
        do {
            var files = [("replications.json", ResultsWriter.json(result))]
            for summary in summaries {
                files.append(("summary-\(summary.scenario.seed).json", ResultsWriter.json(summary)))
            }
            try writer.write(files)
        } catch {
            printError(String(describing: error))
            throw ExitCode(2)
        }
        if !quiet { print(SummaryTable.render(result)) }
        print("results: \(writer.directory.path)/replications.json")
        if let runaway {
            printError(
                "\(runaway.description) Stopped after \(summaries.count) of \(replications) replications; those are written."
            )
            throw ExitCode(2)
        }
        if interrupt.isRaised {
            printError("interrupted after \(summaries.count) of \(replications) replications; those are written.")
            throw ExitCode(interrupt.exitCode)
        }
    }

    func parseShard() throws -> (index: Int, count: Int)? {
        try shard.map(ShardArgument.parse)
    }
}

extension Double {
    var rounded2: String { String((self * 100).rounded() / 100) }
}

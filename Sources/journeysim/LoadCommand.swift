import ArgumentParser
import Foundation
import JourneySim
import JourneySimHTTP

struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Drive a messaging backend with the traffic a scenario's journeys produce.",
        discussion: """
            Runs the scenario in virtual time, then replays every message its campaigns sent against
            the target on the wall clock, --speedup times faster than simulated time (1440: a day per
            minute). Open model: each message goes out at its scheduled time whether or not earlier
            ones returned; latency is measured from that scheduled time, so a stalled backend cannot
            hide (no coordinated omission). Arrivals the driver could not start on time are counted
            as late or dropped.

            Exit codes: 0 the backend accepted messages and every threshold passed; 1 a threshold
            failed, or the backend failed the run: messages were sent and it accepted none of them
            (unreachable, refusing connections, answering only errors or malformed answers), which
            is checked with or without thresholds; 2 bad input. Thresholds come from the scenario's
            `thresholds:` and --threshold. `error_rate` (= `attempt_error_rate`) is failed attempts
            over attempts, so retried 5xx, 429s and timeouts count; `message_error_rate` is messages
            finally not accepted over completed ones. A 2xx answer without a message id (or with a
            body that is not the provider's JSON) is a malformed answer: an error, not an acceptance.

            The target URL takes http:// or https://, a host, a port from 1 to 65535 and an optional
            path and query (the query is appended after each route); user:password@ in it is sent
            as HTTP Basic authorization and printed and written only as user:***@.

            Examples:
              journeysim load scenarios/abandoned-cart.yaml --target http://127.0.0.1:8080 --days 1
              journeysim load scenarios/abandoned-cart.yaml --mock-server --days 1 --speedup 2880
              journeysim load scenarios/abandoned-cart.yaml --target https://backend.example.test --shard 0/4   # one of four generators
              journeysim load scenarios/post-purchase.yaml --target https://api.example.test --token-env PROVIDER_TOKEN \\
                  --threshold "p99 < 250ms" --threshold "error_rate < 1%" --duration 5m
            """)

    @OptionGroup var options: ScenarioOptions
    @OptionGroup var http: HTTPDriverOptions

    @Option(
        help:
            "Base URL of the backend: http:// or https://, host, optional port, path and query; user:password@ becomes Basic authorization (default: the scenario's backend.http.url)."
    )
    var target: String?

    @Flag(
        help:
            "Replace a results folder that holds a load run with other options (never a folder with files journeysim did not write)."
    )
    var overwrite = false

    @Flag(help: "Start the bundled mock provider server on 127.0.0.1 (an ephemeral port) and drive it.")
    var mockServer = false

    @Option(help: "Simulated seconds per wall-clock second (1440 replays a day in a minute).")
    var speedup: Double = 1440

    @Option(help: "Stop after this much wall-clock time, e.g. 60s or 5m.")
    var duration: String = "60s"

    @Option(help: "Stop after this many messages.")
    var maxMessages: Int = 1_000_000

    @Option(help: "Folder for results; the run writes into <output>/<scenario>-<seed>-load/.")
    var output: String = "results"

    @Option(
        help:
            "Send only shard i of n's traffic (i counts from 0): run n load generators, one per shard, for n times the load."
    )
    var shard: String?

    /// The options on their own, before anything starts; bad input exits 2.
    func validate() throws {
        guard speedup.isFinite, speedup > 0, speedup <= 100_000_000 else {
            throw Self.bad("--speedup \(speedup) is out of range: give more than 0, up to 100,000,000.")
        }
        _ = try runLength()
        guard (1...100_000_000).contains(maxMessages) else {
            throw Self.bad("--max-messages \(maxMessages) is out of range: give 1 to 100,000,000.")
        }
        if mockServer, target != nil { throw Self.bad("give either --target or --mock-server, not both.") }
        _ = try split()
    }

    func run() async throws {
        let scenario = try options.load()
        let thresholds = scenario.thresholds + (try http.thresholds())
        guard !scenario.triggers.isEmpty else {
            throw Self.bad(
                "\(options.scenario) has no campaigns, so its journeys send no messages: add `campaigns:` or use e.g. scenarios/abandoned-cart.yaml."
            )
        }
        let (server, url, source) = try await startTarget(scenario)
        do {
            try await load(scenario, thresholds: thresholds, url: url, source: source)
            await server?.shutdown()
        } catch {
            await server?.shutdown()
            throw error
        }
    }

    /// The run once the target is up: traffic recorded, replayed, reported; exits 1 when a
    /// threshold or the backend check failed.
    private func load(_ scenario: Scenario, thresholds: [Threshold], url: String, source: String) async throws {
        // Printed and written only in this form: user info masked.
        let shown: String
        do {
            shown = try TargetURL(url).description
        } catch {
            throw Self.bad("\(source): \(error)")
        }
        var spec = scenario.backend.http ?? HTTPTargetSpec(url: url)
        spec.url = url
        http.configure(&spec)
        let split = try split()
        try MemoryGuard.check(scenario, shards: split.count)
        let writer: ResultsWriter
        do {
            writer = try resultsWriter(scenario, shown: shown, split: split)
        } catch {
            throw Self.bad(String(describing: error))
        }
        print("target: \(shown) (resolved before start; messages are sent there and nowhere else)")
        let workflow = JourneyLoad(
            scenario: scenario, target: spec,
            options: .init(
                speedup: speedup, maxInFlight: http.maxInFlight,
                maxDuration: .milliseconds(try runLength().milliseconds), maxMessages: maxMessages),
            thresholds: thresholds, shard: split.index, of: split.count)
        let (simulation, items) = workflow.record()
        let simulatedSpan = items.last.map { ($0.intendedTime - items[0].intendedTime).seconds } ?? 0
        print(
            "traffic: \(items.count) messages over \(Int(simulatedSpan / 3600)) simulated hours; replaying at \(speedup)× (\(Int(simulatedSpan / speedup)) s of wall clock, capped at \(duration))"
        )
        let outcome: LoadOutcome
        do {
            outcome = try await Self.withProgress { (stop, progress) async throws(HTTPBackendError) in
                try await workflow.replay(items, shown: shown, stop: stop, progress: progress)
            }
        } catch {
            throw Self.bad(error.description)
        }
        print(DriveCommand.table(outcome.results))
        for threshold in outcome.thresholds { print(threshold) }
        do {
            try writer.write(
                outcome.files(title: "journeysim load: \(scenario.name) → \(shown)")
                    + [("summary.json", ResultsWriter.json(simulation.summary))])
        } catch {
            throw Self.bad(String(describing: error))
        }
        print("results: \(writer.directory.path)/load.json")
        if let failure = outcome.backendFailure {
            printError(failure.description)
            throw ExitCode(1)
        }
        if !outcome.passed { throw ExitCode(1) }
    }

    /// `--duration`: 1 ms to 24 h.
    private func runLength() throws -> SimDuration {
        guard let length = SimDuration(text: duration), length.milliseconds > 0, length <= .hours(24) else {
            throw Self.bad("--duration '\(duration)' is not a duration from 1ms to 24h (e.g. 60s).")
        }
        return length
    }

    /// `--shard i/n`, or all of the traffic.
    private func split() throws -> (index: Int, count: Int) {
        try shard.map(ShardArgument.parse) ?? (0, 1)
    }

    /// Prints `message` as an error and gives the exit code of bad input.
    private static func bad(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(2)
    }

    /// The target: the bundled mock server (started here, on an ephemeral port of 127.0.0.1),
    /// `--target`, or the scenario's `backend.http.url`; `source` names where the URL came from.
    private func startTarget(
        _ scenario: Scenario
    ) async throws -> (server: MockServer?, url: String, source: String) {
        if mockServer {
            var mockSpec = MockServerSpec()
            mockSpec.host = "127.0.0.1"
            mockSpec.port = 0
            // Its one client is this driver: all of its connections come from one address.
            mockSpec.maxConnections = max(mockSpec.maxConnections, http.concurrency)
            mockSpec.maxConnectionsPerAddress = mockSpec.maxConnections
            let mock = MockServer(spec: mockSpec)
            do {
                let port = try await mock.start()
                return (mock, "http://127.0.0.1:\(port)", "--target")
            } catch {
                throw Self.bad("cannot start the mock server on 127.0.0.1: \(error)")
            }
        }
        guard let given = target ?? scenario.backend.http?.url else {
            throw Self.bad(
                "no target: give --target URL (with http:// or https://), --mock-server, or backend.http.url in the scenario."
            )
        }
        return (nil, given, target == nil ? "backend.http.url" : "--target")
    }

    /// The results folder, `<output>/<scenario>-<seed>-load[-shard<i>of<n>]`, for a run named by
    /// its target (`shown`, masked) and options.
    private func resultsWriter(
        _ scenario: Scenario, shown: String, split: (index: Int, count: Int)
    ) throws -> ResultsWriter {
        let suffix = shard == nil ? "" : "-shard\(split.index)of\(split.count)"
        let directory = (output as NSString).appendingPathComponent("\(scenario.name)-\(scenario.seed)-load\(suffix)")
        // A mock server's port changes every run; what it is (and the masked target otherwise) names the run.
        let against = mockServer ? "--mock-server" : "--target \(shown)"
        return try ResultsWriter(
            directory: directory,
            identity: options.resultsIdentity(
                "load",
                extra: [
                    against, "--speedup \(speedup)", "--duration \(duration)",
                    "--max-messages \(maxMessages)",
                ] + (shard.map { ["--shard \($0)"] } ?? [])),
            overwrite: overwrite)
    }

    /// Runs `replay` (a load driver's run) with a progress line, rewritten in place every second
    /// on a terminal and a plain line every 10 s otherwise, and with SIGINT or SIGTERM asking it
    /// to stop.
    private static func withProgress<T>(
        _ replay: (LoadStopSignal, LoadProgress) async throws(HTTPBackendError) -> T
    ) async throws(HTTPBackendError) -> T {
        let stop = LoadStopSignal()
        let progress = LoadProgress()
        let onTerminal = isatty(STDOUT_FILENO) == 1
        let reporter = Task {
            var tick = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                tick += 1
                if Task.isCancelled { break }
                if onTerminal {
                    FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + progress.line()).utf8))
                } else if tick % 10 == 0 {
                    print(progress.line())
                }
            }
        }
        defer {
            reporter.cancel()
            if onTerminal { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        }
        return try await InterruptFlag.stopping(stop) { () async throws(HTTPBackendError) -> T in
            try await replay(stop, progress)
        }
    }
}

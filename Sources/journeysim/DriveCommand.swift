import ArgumentParser
import Foundation
import JourneySim
import JourneySimHTTP

/// A developer command: drives a synthetic steady stream through the load driver and the HTTP
/// backend, until the `load` subcommand can take its messages from the trigger core.
struct DriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drive",
        abstract: "(dev) Send a synthetic message stream to an HTTP endpoint through the load driver.",
        discussion: """
            Sends --rate messages per second on one channel for --duration, open-model (each message
            at its scheduled time whether or not earlier ones returned), and prints throughput,
            latency percentiles from the scheduled send time, and errors. Exit codes as for `load`: 0
            the backend accepted messages and every threshold passed, 1 a threshold failed or the
            backend accepted none of the messages sent, 2 bad input.

            Examples:
              journeysim drive --url http://127.0.0.1:8080 --channel sms --rate 2000 --duration 10s
              journeysim drive --url http://127.0.0.1:8080 --threshold "p99 < 250ms" --threshold "error_rate < 1%" --junit thresholds.xml --summary load.json
            """,
        shouldDisplay: false)

    @OptionGroup var http: HTTPDriverOptions

    @Option(help: "Base URL of the backend, with http:// or https://.")
    var url: String

    @Option(
        help:
            "Channel to send on (whatsapp, sms, email, push, messenger, viber, telegram, rcs, apple-messages, in-app).")
    var channel: String = "sms"

    @Option(help: "Messages per second to schedule.")
    var rate: Double = 1000

    @Option(help: "How long to send, e.g. 10s.")
    var duration: String = "10s"

    @Option(help: "Network threads for the HTTP client (default: one per core, shared).")
    var clientThreads: Int?

    @Option(help: "Write the thresholds as JUnit XML to this file.")
    var junit: String?

    @Option(help: "Write the JSON load summary to this file.")
    var summary: String?

    /// The options on their own, before anything starts; bad input exits 2.
    func validate() throws {
        _ = try parsedChannel()
        guard rate > 0, rate <= 1_000_000 else {
            throw Self.bad("--rate \(rate) is out of range: give more than 0, up to 1,000,000.")
        }
        _ = try runLength()
        if let clientThreads, !(1...64).contains(clientThreads) {
            throw Self.bad("--client-threads \(clientThreads) is out of range: give 1 to 64.")
        }
    }

    private static func bad(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(2)
    }

    private func parsedChannel() throws -> Channel {
        guard let parsed = Channel(name: channel) else {
            throw Self.bad(
                "--channel '\(channel)' is not a channel: use one of \(Channel.allCases.map(\.name).joined(separator: ", "))."
            )
        }
        return parsed
    }

    private func runLength() throws -> SimDuration {
        guard let length = SimDuration(text: duration), length.milliseconds > 0, length <= .hours(24) else {
            throw Self.bad("--duration '\(duration)' is not a duration from 1ms to 24h (e.g. 10s).")
        }
        return length
    }

    func run() async throws {
        func bad(_ message: String) -> ExitCode { Self.bad(message) }
        let channel = try parsedChannel()
        let length = try runLength()
        let thresholds = try http.thresholds()
        do {
            if let summary { try OutputFile.check(summary, what: "summary") }
            if let junit { try OutputFile.check(junit, what: "JUnit report") }
        } catch {
            throw bad(error.description)
        }
        let shown: String
        do {
            shown = try TargetURL(url).description
        } catch {
            throw bad("--url: \(error)")
        }
        var target = HTTPTargetSpec(url: url)
        http.configure(&target)
        let backend: HTTPBackend
        do {
            backend = try HTTPBackend(.init(target: target, eventLoopThreads: clientThreads))
        } catch {
            throw bad(error.description)
        }
        let count = Int((rate * length.seconds).rounded(.up))
        let load = SyntheticLoad(channels: [channel], ratePerSecond: rate, count: count)
        let driver = LoadDriver(backend: backend, options: .init(maxInFlight: http.maxInFlight))
        let stop = LoadStopSignal()
        let results = await InterruptFlag.stopping(stop) { await driver.run(load, stop: stop) }
        await backend.shutdown()

        let outcomes = thresholds.map { $0.evaluate(results) }
        let failure = BackendFailure.check(results, target: shown)
        print(DriveCommand.table(results))
        for outcome in outcomes { print(outcome) }
        do {
            if let summary {
                try OutputFile.write(
                    Data(LoadReport.summaryJSON(results, thresholds: outcomes, backendFailure: failure)),
                    to: URL(fileURLWithPath: summary), what: "summary")
            }
            if let junit {
                try OutputFile.write(
                    Data(LoadReport.junitXML(outcomes, backendCheck: true, backendFailure: failure).utf8),
                    to: URL(fileURLWithPath: junit), what: "JUnit report")
            }
        } catch {
            throw bad(error.description)
        }
        if let failure {
            printError(failure.description)
            throw ExitCode(1)
        }
        if outcomes.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }

    static func table(_ results: LoadResults) -> String {
        let s = results.overall
        func ms(_ value: Double) -> String { String(format: "%.2f", value) }
        func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
        var lines = [
            "sent \(s.started) of \(s.intended) scheduled (late \(s.late), dropped \(s.dropped)); accepted \(s.accepted), failed \(s.failedMessages) (malformed answers \(s.rejected["malformed_answer", default: 0])), retries \(s.retries)",
            "errors: failed attempts \(s.failedAttempts) of \(s.attempts) (error_rate \(percent(s.attemptErrorRate))), failed messages \(s.failedMessages) of \(s.completed) (message_error_rate \(percent(s.messageErrorRate)))",
            String(
                format: "throughput: intended %.1f/s, achieved %.1f/s over %.2fs", results.intendedThroughput,
                results.achievedThroughput, results.wallSeconds),
            "latency from scheduled send (ms): p50 \(ms(s.latencyMilliseconds(percentile: 50))) p90 \(ms(s.latencyMilliseconds(percentile: 90))) p99 \(ms(s.latencyMilliseconds(percentile: 99))) p99.9 \(ms(s.latencyMilliseconds(percentile: 99.9))) max \(ms(s.maxLatencyMilliseconds))",
            "attempt errors: timeouts \(s.errors.timeouts), refused \(s.errors.connectionRefused), reset \(s.errors.connectionReset), other \(s.errors.otherConnection), 429 \(s.errors.rateLimited), 4xx \(s.errors.clientErrors), 5xx \(s.errors.serverErrors), malformed answers \(s.errors.malformedResponses)",
        ]
        if let reason = results.stopReason { lines.append("stopped early: \(reason)") }
        return lines.joined(separator: "\n")
    }
}

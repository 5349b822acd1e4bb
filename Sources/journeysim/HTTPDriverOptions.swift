import ArgumentParser
import JourneySim

/// Options shared by the commands that send messages to an HTTP backend (`load`, `drive`):
/// how hard to push, how to retry, how to authenticate and what counts as a pass.
struct HTTPDriverOptions: ParsableArguments {
    @Option(help: "Most messages awaiting an answer; due messages beyond it are dropped and counted.")
    var maxInFlight: Int = 1024

    @Option(help: "Connections to the backend.")
    var concurrency: Int = 64

    @Option(help: "Requests per message at most (retries with backoff and jitter included).")
    var maxAttempts: Int = 4

    @Option(help: "Per-request timeout, e.g. 5s.")
    var timeout: String = "5s"

    @Option(
        help:
            "Name of the environment variable holding the bearer token (the token itself is never printed or written).")
    var tokenEnv: String?

    @Option(
        help:
            "A threshold such as \"p99 < 250ms\", \"error_rate < 1%\", \"throughput >= 500/s\", \"dropped == 0\". Repeatable."
    )
    var threshold: [String] = []

    /// Range checks, run by the argument parser right after parsing, before anything starts;
    /// a failure exits with code 2.
    func validate() throws {
        guard let requestTimeout = SimDuration(text: timeout), requestTimeout.milliseconds > 0 else {
            throw ValidationError("--timeout '\(timeout)' is not a duration (e.g. 5s).")
        }
        guard (1...100_000).contains(maxInFlight) else {
            throw ValidationError("--max-in-flight \(maxInFlight) is out of range: give 1 to 100000.")
        }
        guard (1...10_000).contains(concurrency) else {
            throw ValidationError("--concurrency \(concurrency) is out of range: give 1 to 10000.")
        }
        guard (1...20).contains(maxAttempts) else {
            throw ValidationError("--max-attempts \(maxAttempts) is out of range: give 1 to 20.")
        }
        if let tokenEnv, !HTTPTargetSpec.isEnvironmentName(tokenEnv) {
            throw ValidationError(
                "--token-env '\(tokenEnv)' is not a variable name; give the variable's NAME, not the token.")
        }
        _ = try thresholds()
    }

    /// Applies the (validated) options to `spec`.
    func configure(_ spec: inout HTTPTargetSpec) {
        if let tokenEnv { spec.tokenEnvironmentVariable = tokenEnv }
        if let requestTimeout = SimDuration(text: timeout) { spec.requestTimeout = requestTimeout }
        spec.concurrency = concurrency
        spec.maxAttempts = maxAttempts
    }

    /// The --threshold expressions, parsed; an unknown metric is bad input (exit 2), not a pass.
    func thresholds() throws -> [Threshold] {
        do {
            return try threshold.map { text throws(ThresholdError) in try Threshold(text) }
        } catch {
            throw fail(error.description)
        }
    }

    func fail(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(2)
    }
}

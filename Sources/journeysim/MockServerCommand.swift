import ArgumentParser
import Foundation
import JourneySim
import JourneySimHTTP

struct MockServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-server",
        abstract: "Run a mock messaging provider over HTTP, with injectable latency and faults.",
        discussion: """
            Accepts the channel stubs' payloads on provider-like routes (/whatsapp/v1/messages,
            /sms/v1/messages, /email/v1/messages, /push/v1/messages, /messenger/v1/messages,
            /viber/v1/messages, /telegram/v1/sendMessage, /rcs/v1/phones/{msisdn}/agentMessages,
            /apple-messages/v1/messages, /in-app/v1/messages), validates them (400 with a JSON
            error), limits body size (413) and connections, and serves /metrics (Prometheus text)
            and /healthz. No client can hold it: connections are capped in all (--max-connections)
            and per client address (--max-connections-per-address, more are closed at once), a
            request head must arrive within --header-timeout (default 10s) and an idle keep-alive
            connection is closed after --idle-timeout (default 60s). A repeated Idempotency-Key gets the original answer and counts as a
            duplicate. Prints "listening on http://HOST:PORT" once bound. Stops on SIGINT/SIGTERM
            (gracefully) or after --duration. Flags override --config.

            Examples:
              journeysim mock-server --port 0
              journeysim mock-server --port 8080 --latency 20ms --error-rate 0.05 --duration 60s
              journeysim mock-server --throttle-every 10s --throttle-for 1s --retry-after 1s
              journeysim mock-server --outage 30s-40s --outage 50s-55s:drop
              journeysim mock-server --config mock.yaml
            """)

    @Option(help: "YAML or JSON file with the server settings (see docs/channels-and-backends.md).")
    var config: String?

    @Option(help: "Address to bind (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to bind; 0 picks a free one (default 8080).")
    var port: Int?

    @Option(help: "Seed of the injected faults and latencies.")
    var seed: UInt64?

    @Option(help: "Median latency added to accepted answers, e.g. 20ms.")
    var latency: String?

    @Option(help: "Log-normal spread of that latency (default 0.5).")
    var latencySigma: Double?

    @Option(help: "Share of valid requests answered 503, 0 to 1.")
    var errorRate: Double?

    @Option(help: "Start a burst of 429 answers this often, e.g. 10s.")
    var throttleEvery: String?

    @Option(help: "Length of each 429 burst, e.g. 1s.")
    var throttleFor: String?

    @Option(help: "Retry-After sent with 429 answers, e.g. 1s (default 1s).")
    var retryAfter: String?

    @Option(
        help:
            "An outage window since start, START-END[:drop], e.g. 30s-40s (503) or 30s-40s:drop (close connections). Repeatable."
    )
    var outage: [String] = []

    @Option(help: "Largest request body in bytes (default 65536).")
    var maxBodyBytes: Int?

    @Option(help: "Most open connections (default 512).")
    var maxConnections: Int?

    @Option(help: "Most open connections from one client address (default 256).")
    var maxConnectionsPerAddress: Int?

    @Option(
        help:
            "Time a request's head may take to arrive, from its first byte or the connection's start, e.g. 10s (default 10s)."
    )
    var headerTimeout: String?

    @Option(help: "Time a keep-alive connection may wait for its next request, e.g. 60s (default 60s).")
    var idleTimeout: String?

    @Option(help: "Stop by itself after this long, e.g. 60s.")
    var duration: String?

    @Option(
        help: "Answer accepted messages with a malformed body: garbage (random bytes) or huge (10 MB), to test clients."
    )
    var responseFault: String?

    func run() async throws {
        let spec = try makeSpec()
        let server = MockServer(spec: spec)
        do {
            try await server.run(handleSignals: true) { port in
                FileHandle.standardOutput.write(Data("listening on http://\(spec.host):\(port)\n".utf8))
            }
        } catch {
            printError("mock-server: \(error)")
            throw ExitCode(2)
        }
        let counters = server.counters
        print(
            "stopped: \(counters.acceptedTotal) messages accepted, \(counters.duplicates) duplicates, \(counters.rejected.values.reduce(0, +)) rejected"
        )
    }

    /// Checks the flags on their own: ranges, durations, outage windows, fault names. (`--config`
    /// is read in `run`; its own errors name its file and field.) Bad input exits 2, as in `run`.
    func validate() throws {
        if let port, !(0...65535).contains(port) { throw Self.bad("--port \(port) is out of range: give 0 to 65535.") }
        if let latencySigma, !(0...5).contains(latencySigma) {
            throw Self.bad("--latency-sigma \(latencySigma) is out of range: give 0 to 5.")
        }
        if let errorRate, !(0...1).contains(errorRate) {
            throw Self.bad("--error-rate \(errorRate) is out of range: give 0 to 1.")
        }
        _ = try latency.map { try Self.duration($0, "--latency") }
        _ = try throttleWindow()
        _ = try retryAfter.map { try Self.duration($0, "--retry-after") }
        _ = try outageWindows()
        var scratch = MockServerSpec()
        try applyLimits(to: &scratch)
        try applyTimeouts(to: &scratch)
        _ = try fault()
        _ = try runLength()
    }

    /// The server's settings: `--config` if given, then each flag over it.
    func makeSpec() throws -> MockServerSpec {
        var spec = MockServerSpec()
        if let config {
            do {
                spec = try MockServerSpec(from: ConfigDocument.load(path: config))
            } catch {
                throw Self.bad(error.description)
            }
        }
        if let host { spec.host = host }
        if let port { spec.port = port }
        if let seed { spec.seed = seed }
        if let latency {
            spec.latency = LogNormalDelay(
                median: try Self.duration(latency, "--latency"), sigma: latencySigma ?? spec.latency?.sigma ?? 0.5)
        } else if let latencySigma, spec.latency != nil {
            spec.latency?.sigma = latencySigma
        }
        if let sigma = spec.latency?.sigma, !(0...5).contains(sigma) {
            throw Self.bad("--latency-sigma \(sigma) is out of range: give 0 to 5.")
        }
        if let errorRate { spec.errorRate = errorRate }
        if let (period, length) = try throttleWindow() {
            spec.throttle = .init(
                period: period, length: length,
                retryAfter: try retryAfter.map { try Self.duration($0, "--retry-after") } ?? .seconds(1))
        } else if let retryAfter, spec.throttle != nil {
            spec.throttle?.retryAfter = try Self.duration(retryAfter, "--retry-after")
        }
        spec.outages += try outageWindows()
        try applyLimits(to: &spec)
        try applyTimeouts(to: &spec)
        if let fault = try fault() { spec.responseFault = fault }
        if let length = try runLength() { spec.duration = length }
        return spec
    }

    /// Prints `message` as an error and gives the exit code of bad input.
    private static func bad(_ message: String) -> ExitCode {
        printError(message)
        return ExitCode(2)
    }

    private static func duration(_ text: String, _ flag: String) throws -> SimDuration {
        guard let value = SimDuration(text: text) else {
            throw bad("\(flag) '\(text)' is not a duration: write e.g. 250ms, 10s or 1m.")
        }
        return value
    }

    /// `--throttle-every` and `--throttle-for` (both or neither).
    private func throttleWindow() throws -> (period: SimDuration, length: SimDuration)? {
        guard throttleEvery != nil || throttleFor != nil else { return nil }
        guard let throttleEvery, let throttleFor else { throw Self.bad("give both --throttle-every and --throttle-for.") }
        let period = try Self.duration(throttleEvery, "--throttle-every")
        let length = try Self.duration(throttleFor, "--throttle-for")
        guard period.milliseconds > 0, length <= period else {
            throw Self.bad("--throttle-for must not be longer than --throttle-every (and both above 0).")
        }
        return (period, length)
    }

    /// Each `--outage START-END[:drop]`.
    private func outageWindows() throws -> [MockServerSpec.Outage] {
        try outage.map { text in
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            let window = parts[0].split(separator: "-", maxSplits: 1).map(String.init)
            guard window.count == 2, let start = SimDuration(text: window[0]), let end = SimDuration(text: window[1]),
                start < end
            else {
                throw Self.bad(
                    "--outage '\(text)': write START-END[:drop] with START before END, e.g. 30s-40s or 30s-40s:drop.")
            }
            var mode = MockServerSpec.OutageMode.unavailable
            if parts.count == 2 {
                guard let parsed = MockServerSpec.OutageMode(rawValue: parts[1]) else {
                    throw Self.bad("--outage '\(text)': the mode is 503 or drop.")
                }
                mode = parsed
            }
            return .init(start: start, end: end, mode: mode)
        }
    }

    /// `--max-body-bytes`, `--max-connections` and `--max-connections-per-address`.
    private func applyLimits(to spec: inout MockServerSpec) throws {
        if let maxBodyBytes {
            guard (64...(64 << 20)).contains(maxBodyBytes) else {
                throw Self.bad("--max-body-bytes \(maxBodyBytes) is out of range: give 64 to 67108864.")
            }
            spec.maxBodyBytes = maxBodyBytes
        }
        if let maxConnections {
            guard (1...100_000).contains(maxConnections) else {
                throw Self.bad("--max-connections \(maxConnections) is out of range: give 1 to 100000.")
            }
            spec.maxConnections = maxConnections
        }
        if let maxConnectionsPerAddress {
            guard (1...100_000).contains(maxConnectionsPerAddress) else {
                throw Self.bad(
                    "--max-connections-per-address \(maxConnectionsPerAddress) is out of range: give 1 to 100000.")
            }
            spec.maxConnectionsPerAddress = maxConnectionsPerAddress
        }
    }

    /// `--header-timeout` and `--idle-timeout`: 1 ms to 1 h.
    private func applyTimeouts(to spec: inout MockServerSpec) throws {
        func timeout(_ text: String, _ flag: String) throws -> SimDuration {
            let value = try Self.duration(text, flag)
            guard value.milliseconds > 0, value <= MockServerSpec.maxTimeout else {
                throw Self.bad("\(flag) '\(text)' is out of range: give 1ms to 1h.")
            }
            return value
        }
        if let headerTimeout { spec.headerTimeout = try timeout(headerTimeout, "--header-timeout") }
        if let idleTimeout { spec.idleTimeout = try timeout(idleTimeout, "--idle-timeout") }
    }

    private func fault() throws -> MockServerSpec.ResponseFault? {
        guard let responseFault else { return nil }
        guard let fault = MockServerSpec.ResponseFault(rawValue: responseFault) else {
            throw Self.bad("--response-fault '\(responseFault)': give garbage or huge.")
        }
        return fault
    }

    /// `--duration`, above 0.
    private func runLength() throws -> SimDuration? {
        guard let duration else { return nil }
        let value = try Self.duration(duration, "--duration")
        guard value.milliseconds > 0 else { throw Self.bad("--duration must be above 0.") }
        return value
    }
}

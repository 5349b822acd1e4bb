import Foundation

/// How `journeysim mock-server` behaves: where it listens, its limits and the faults it injects.
/// Read from `--config file.yaml` and/or command-line flags (flags win).
///
/// ```yaml
/// host: 127.0.0.1
/// port: 8080                # 0 = any free port (printed on start)
/// seed: 1
/// latency: { median: 20ms, sigma: 0.5 }   # added before each accepted answer
/// error_rate: 0.05          # share of valid requests answered 503
/// throttle: { every: 10s, for: 1s, retry_after: 1s }   # 429 bursts
/// outages:
///   - { start: 30s, end: 40s, mode: "503" }   # or mode: drop (close the connection)
/// max_body_bytes: 65536     # larger bodies get 413
/// max_connections: 512
/// max_connections_per_address: 256   # per client IP; more are closed at once
/// header_timeout: 10s       # a request's head must arrive within this (from its first byte, or the connection's start)
/// idle_timeout: 60s         # a keep-alive connection with no request for this long is closed
/// duration: 60s             # stop by itself
/// response_fault: garbage   # or huge (10 MB): accepted answers with a body no client expects
/// routes: { sms: /sms/v1/messages }
/// ```
public struct MockServerSpec: Sendable, Equatable {
    public enum OutageMode: String, Sendable, CaseIterable {
        case unavailable = "503"
        case drop
    }

    /// A window of time since the server started in which every message request fails.
    public struct Outage: Sendable, Equatable {
        public var start: SimDuration
        public var end: SimDuration
        public var mode: OutageMode

        public init(start: SimDuration, end: SimDuration, mode: OutageMode) {
            self.start = start
            self.end = end
            self.mode = mode
        }
    }

    /// Periodic bursts of 429 answers: for `length` at the start of every `period`.
    public struct Throttle: Sendable, Equatable {
        public var period: SimDuration
        public var length: SimDuration
        public var retryAfter: SimDuration

        public init(period: SimDuration, length: SimDuration, retryAfter: SimDuration) {
            self.period = period
            self.length = length
            self.retryAfter = retryAfter
        }
    }

    /// A fault in accepted answers: the message is accepted, but the body is not what a client expects.
    public enum ResponseFault: String, Sendable, CaseIterable {
        /// Random bytes labelled as JSON, without the `X-Message-Id` header.
        case garbage
        /// A 10 MB JSON body.
        case huge
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var seed: UInt64 = 1
    /// Added before each accepted answer; nil for none.
    public var latency: LogNormalDelay?
    public var errorRate = 0.0
    public var throttle: Throttle?
    public var outages: [Outage] = []
    public var maxBodyBytes = 64 * 1024
    /// Open connections at most, from all clients; beyond it new ones wait to be accepted.
    public var maxConnections = 512
    /// Open connections at most from one client IP address; more are closed when accepted, so
    /// one client cannot take every slot.
    public var maxConnectionsPerAddress = 256
    /// How long a request's head (request line and headers) may take to arrive, from its first
    /// byte or, for a connection's first request, from the connection's start. A client that
    /// sends headers slowly, or not at all, is disconnected after it.
    public var headerTimeout: SimDuration = .seconds(10)
    /// How long a keep-alive connection may wait for its next request before it is closed.
    public var idleTimeout: SimDuration = .seconds(60)
    /// Remembered idempotency keys at most; older keys are forgotten beyond it.
    public var idempotencyCapacity = 1_000_000
    public var duration: SimDuration?
    /// Applied to every accepted answer; nil for well-formed answers.
    public var responseFault: ResponseFault?
    public var routes = ChannelRoutes.defaults

    public init() {}

    static let keys = [
        "host", "port", "seed", "latency", "error_rate", "throttle", "outages", "max_body_bytes", "max_connections",
        "max_connections_per_address", "header_timeout", "idle_timeout", "idempotency_capacity", "duration",
        "response_fault", "routes",
    ]

    /// The longest header or idle timeout accepted.
    public static let maxTimeout = SimDuration.hours(1)

    public init(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: MockServerSpec.keys)
        if let value = mapping["host"] { host = try value.string() }
        if let value = mapping["port"] { port = try value.int(in: 0...65535) }
        if let value = mapping["seed"] { seed = UInt64(try value.int(in: 0...Int.max)) }
        if let value = mapping["latency"] {
            latency = try value.logNormalDelay(LogNormalDelay(median: .zero, sigma: 0))
        }
        if let value = mapping["error_rate"] { errorRate = try value.probability() }
        if let value = mapping["throttle"] {
            let throttle = try value.mapping(allowed: ["every", "for", "retry_after"])
            let period = try throttle.required("every").positiveDuration()
            let length = try throttle.required("for").duration()
            guard length <= period else { throw value.invalid("'for' must not be longer than 'every'.") }
            let retry = try throttle["retry_after"]?.duration() ?? .seconds(1)
            self.throttle = Throttle(period: period, length: length, retryAfter: retry)
        }
        if let value = mapping["outages"] {
            for item in try value.list() {
                let outage = try item.mapping(allowed: ["start", "end", "mode"])
                let start = try outage.required("start").duration()
                let endNode = try outage.required("end")
                let end = try endNode.duration()
                guard start < end else { throw endNode.invalid("an outage must end after it starts.") }
                var mode = OutageMode.unavailable
                if let modeNode = outage["mode"] {
                    let text = try modeNode.string()
                    guard let parsed = OutageMode(rawValue: text) else {
                        throw modeNode.invalid("mode is \"503\" or drop, not '\(text)'.")
                    }
                    mode = parsed
                }
                outages.append(Outage(start: start, end: end, mode: mode))
            }
        }
        if let value = mapping["max_body_bytes"] { maxBodyBytes = try value.int(in: 64...(64 << 20)) }
        if let value = mapping["max_connections"] { maxConnections = try value.int(in: 1...100_000) }
        if let value = mapping["max_connections_per_address"] {
            maxConnectionsPerAddress = try value.int(in: 1...100_000)
        }
        if let value = mapping["header_timeout"] { headerTimeout = try value.timeout() }
        if let value = mapping["idle_timeout"] { idleTimeout = try value.timeout() }
        if let value = mapping["idempotency_capacity"] { idempotencyCapacity = try value.int(in: 0...100_000_000) }
        if let value = mapping["duration"] { duration = try value.positiveDuration() }
        if let value = mapping["response_fault"] {
            let text = try value.string()
            guard let fault = ResponseFault(rawValue: text) else {
                throw value.invalid("response_fault is garbage or huge, not '\(text)'.")
            }
            responseFault = fault
        }
        if let value = mapping["routes"] {
            for entry in try value.mapping(allowed: Channel.allCases.map(\.name)).entries {
                guard let channel = Channel(name: entry.key) else { continue }
                let route = try entry.value.string()
                guard ChannelRoutes.isValid(route) else {
                    throw entry.value.invalid("a route is a path starting with '/', e.g. /sms/v1/messages.")
                }
                routes[channel] = route
            }
        }
    }

    /// The outage in force `elapsed` after the start, if any.
    public func outage(at elapsed: SimDuration) -> Outage? {
        outages.first { $0.start <= elapsed && elapsed < $0.end }
    }

    /// Whether `elapsed` after the start falls in a 429 burst.
    public func isThrottled(at elapsed: SimDuration) -> Bool {
        guard let throttle, throttle.length.milliseconds > 0 else { return false }
        return elapsed.milliseconds % throttle.period.milliseconds < throttle.length.milliseconds
    }
}

extension ConfigNode {
    /// A server timeout: from 1ms to `MockServerSpec.maxTimeout` (never 0: a connection must not be kept forever).
    func timeout() throws(ScenarioError) -> SimDuration {
        let value = try positiveDuration()
        guard value <= MockServerSpec.maxTimeout else { throw outOfRange(try string(), "a timeout is at most 1h") }
        return value
    }
}

extension SimDuration {
    /// Parses `250ms`, `1.5s`, `2m`, `1h`, `1d`, `1w`; nil if the text is not a duration.
    public init?(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let factors: [(String, Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("w", 604_800),
        ]
        for (suffix, factor) in factors where trimmed.hasSuffix(suffix) {
            guard let amount = Double(trimmed.dropLast(suffix.count)), amount.isFinite, amount >= 0,
                amount * factor < 3.2e9
            else { return nil }
            self = .seconds(amount * factor)
            return
        }
        return nil
    }
}

/// The `backend:` section of a scenario: which backend messages go to and how it behaves.
///
/// ```yaml
/// backend:
///   kind: mock                 # mock (virtual time, default) or http
///   seed: 7                    # optional; the scenario's seed when absent
///   channels:
///     whatsapp: { latency: { median: 300ms, sigma: 0.5 }, failure_rate: 0.01, rate_limit_per_second: 80 }
///   http:
///     url: http://127.0.0.1:8080
///     token_env: JOURNEYSIM_TOKEN   # the NAME of the variable holding the bearer token
///     routes: { sms: /sms/v1/messages }
///     concurrency: 64
///     connect_timeout: 1s
///     timeout: 5s
///     max_attempts: 4
///     backoff_base: 50ms
///     backoff_max: 5s
/// ```
public struct BackendSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case mock, http }

    public var kind: Kind = .mock
    /// Seed of the mock's random streams; nil means the scenario's seed.
    public var seed: UInt64?
    /// Per-channel overrides of the mock's defaults (`MockChannelSpec.defaults(for:)`).
    public var mockChannels: [Channel: MockChannelSpec] = [:]
    /// The HTTP target; required when `kind` is `http`.
    public var http: HTTPTargetSpec?

    public init() {}

    static let keys = ["kind", "seed", "channels", "http"]
    static let channelKeys = [
        "latency", "failure_rate", "undeliverable_rate", "server_error_rate", "read_probability", "read_delay",
        "rate_limit_per_second", "burst", "max_queue_delay", "senders",
    ]

    /// Reads a `backend:` node; unknown keys fail with a "did you mean" hint, values are range-checked.
    public init(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: BackendSpec.keys)
        if let value = mapping["kind"] {
            let text = try value.string()
            guard let kind = Kind(rawValue: text) else {
                let hint =
                    Suggestion.closest(to: text, in: Kind.allCases.map(\.rawValue)).map { " Did you mean '\($0)'?" }
                    ?? ""
                throw value.invalid("unknown backend kind '\(text)'.\(hint) Choose mock or http.")
            }
            self.kind = kind
        }
        if let value = mapping["seed"] {
            let number = try value.int()
            guard number >= 0 else { throw value.outOfRange(String(number), "a seed is a non-negative whole number") }
            seed = UInt64(number)
        }
        if let value = mapping["channels"] {
            for entry in try value.mapping(allowed: Channel.allCases.map(\.name)).entries {
                guard let channel = Channel(name: entry.key) else { continue }
                mockChannels[channel] = try MockChannelSpec.defaults(for: channel).overridden(from: entry.value)
            }
        }
        if let value = mapping["http"] { http = try HTTPTargetSpec(from: value) }
        if kind == .http, http == nil {
            throw .missingKey(node.location, path: node.path, key: "http")
        }
    }

    /// Parses a document whose top level holds `backend:` (for a standalone file or a test).
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> BackendSpec {
        guard let root = try ConfigDocument.parse(text, file: file) else { throw .emptyDocument(path: file) }
        let top = try root.mapping(allowed: ["backend"])
        return try BackendSpec(from: top.required("backend"))
    }
}

extension MockChannelSpec {
    func overridden(from node: ConfigNode) throws(ScenarioError) -> MockChannelSpec {
        var spec = self
        let mapping = try node.mapping(allowed: BackendSpec.channelKeys)
        var burstGiven = false
        for entry in mapping.entries {
            let value = entry.value
            switch entry.key {
            case "latency": spec.latency = try value.logNormalDelay(spec.latency)
            case "read_delay": spec.readDelay = try value.logNormalDelay(spec.readDelay)
            case "failure_rate": spec.failureRate = try value.probability()
            case "undeliverable_rate": spec.undeliverableRate = try value.probability()
            case "server_error_rate": spec.serverErrorRate = try value.probability()
            case "read_probability": spec.readProbability = try value.probability()
            case "rate_limit_per_second":
                spec.ratePerSecond = try value.double(
                    in: 0...1_000_000, "a rate is 0 (unlimited) to 1,000,000 messages per second")
            case "burst":
                spec.burst = try value.int(in: 1...1_000_000)
                burstGiven = true
            case "max_queue_delay": spec.maxQueueDelay = try value.duration()
            case "senders": spec.senders = try value.int(in: 1...100_000)
            default: break
            }
        }
        if !burstGiven, mapping["rate_limit_per_second"] != nil {
            spec.burst = max(1, Int(spec.ratePerSecond.rounded(.up)))
        }
        return spec
    }
}

extension ConfigNode {
    /// `{ median: 300ms, sigma: 0.5 }`; either key may be left out to keep `base`'s.
    func logNormalDelay(_ base: LogNormalDelay) throws(ScenarioError) -> LogNormalDelay {
        let mapping = try mapping(allowed: ["median", "sigma"])
        var delay = base
        if let value = mapping["median"] { delay.median = try value.duration() }
        if let value = mapping["sigma"] {
            delay.sigma = try value.double(in: 0...5, "sigma (log-space spread) must be between 0 and 5")
        }
        return delay
    }
}

/// Where and how a real HTTP backend is reached. Plain values: the HTTP client that uses them
/// lives in the `JourneySimHTTP` module.
public struct HTTPTargetSpec: Sendable, Equatable {
    /// Base URL with an explicit scheme, e.g. `http://127.0.0.1:8080`, as `TargetURL` reads it
    /// (user info becomes Basic authorization; a query is appended after each route). Print
    /// `TargetURL(url).description`, never this text: it may hold a password.
    public var url: String
    /// The name of the environment variable that holds the bearer token (never the token).
    public var tokenEnvironmentVariable: String?
    public var routes: ChannelRoutes = .defaults
    /// Most requests in flight at once (and connections per host).
    public var concurrency: Int = 64
    public var connectTimeout: SimDuration = .seconds(1)
    public var requestTimeout: SimDuration = .seconds(5)
    /// Requests per message at most, the first included.
    public var maxAttempts: Int = 4
    public var backoffBase: SimDuration = SimDuration(milliseconds: 50)
    public var backoffMax: SimDuration = .seconds(5)

    public init(url: String) { self.url = url }

    static let keys = [
        "url", "token_env", "routes", "concurrency", "connect_timeout", "timeout", "max_attempts", "backoff_base",
        "backoff_max",
    ]

    public init(from node: ConfigNode) throws(ScenarioError) {
        let mapping = try node.mapping(allowed: HTTPTargetSpec.keys)
        let urlNode = try mapping.required("url")
        url = try urlNode.string()
        if let problem = HTTPTargetSpec.urlProblem(url) { throw urlNode.invalid(problem) }
        if let value = mapping["token_env"] {
            let name = try value.string()
            guard HTTPTargetSpec.isEnvironmentName(name) else {
                throw value.invalid(
                    "'\(name)' is not an environment variable name: use letters, digits and '_' (e.g. JOURNEYSIM_TOKEN). Give the variable's name, not the token."
                )
            }
            tokenEnvironmentVariable = name
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
        if let value = mapping["concurrency"] { concurrency = try value.int(in: 1...10_000) }
        if let value = mapping["connect_timeout"] { connectTimeout = try value.positiveDuration() }
        if let value = mapping["timeout"] { requestTimeout = try value.positiveDuration() }
        if let value = mapping["max_attempts"] { maxAttempts = try value.int(in: 1...20) }
        if let value = mapping["backoff_base"] { backoffBase = try value.duration() }
        if let value = mapping["backoff_max"] { backoffMax = try value.duration() }
    }

    /// Why a URL cannot be a target (nil if it can), from `TargetURL`'s checks: an http:// or
    /// https:// scheme, a host, a port from 1 to 65535, no fragment; the message masks user info.
    public static func urlProblem(_ url: String) -> String? {
        do {
            _ = try TargetURL(url)
            return nil
        } catch {
            return error.description
        }
    }

    public static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)))
        }
    }
}

extension ConfigNode {
    func positiveDuration() throws(ScenarioError) -> SimDuration {
        let value = try duration()
        guard value.milliseconds > 0 else { throw outOfRange(try string(), "must be at least 1ms") }
        return value
    }
}

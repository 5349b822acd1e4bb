/// A backend that messages are sent to in wall-clock time (an HTTP endpoint, or a stand-in in
/// tests). The load driver calls `send` concurrently from many tasks.
public protocol MessagingBackend: Sendable {
    /// Sends one message, retrying as the backend's policy allows, and reports the final outcome.
    func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport

    /// Where the backend's I/O for this message runs, if on an executor of its own (an event
    /// loop): the load driver runs the message's task there, so sending it and taking its answer
    /// need no hop between threads. Nil, the default, leaves tasks on the global executor.
    @available(macOS 15.0, *)
    func preferredTaskExecutor(for message: OutboundMessage) -> (any TaskExecutor)?

    /// Where the load driver's pacer should run, if the backend has such a place (an event
    /// loop): the pacer then starts tasks without waking another thread, and with
    /// `sleepForPacing` its wake-ups are timers of that loop. Nil, the default, leaves the pacer
    /// on the global executor.
    @available(macOS 15.0, *)
    var pacingExecutor: (any TaskExecutor)? { get }

    /// Sleeps until `deadline` on `clock` (the load driver's), for the pacer between arrivals;
    /// the default is the clock's own sleep (with 100 µs of tolerance). A backend with timers of
    /// its own may use them for the wall clock, but must sleep on any other clock (a test's
    /// manual one) as that clock says.
    func sleepForPacing<C: Clock>(until deadline: C.Instant, on clock: C) async throws where C.Duration == Duration
}

extension MessagingBackend {
    @available(macOS 15.0, *)
    public func preferredTaskExecutor(for message: OutboundMessage) -> (any TaskExecutor)? { nil }

    @available(macOS 15.0, *)
    public var pacingExecutor: (any TaskExecutor)? { nil }

    public func sleepForPacing<C: Clock>(until deadline: C.Instant, on clock: C) async throws
    where C.Duration == Duration {
        try await clock.sleep(until: deadline, tolerance: .microseconds(100))
    }
}

/// A backend that can also report a send through a callback: the load driver then starts a
/// message without creating a task for it, which at tens of thousands of messages a second is
/// a large part of the driver's CPU per message.
public protocol CallbackMessagingBackend: MessagingBackend {
    /// Starts sending (with the same retries and counting as `send`) and calls `completion`
    /// exactly once with the final outcome, on a thread of the backend's choosing. Returns at
    /// once; `completion` must not block.
    func send(_ message: OutboundMessage, content: MessageContent, completion: @escaping @Sendable (SendReport) -> Void)
}

/// The outcome of sending one message, with everything that happened on the way.
public struct SendReport: Sendable, Equatable {
    public var result: SubmitResult
    /// Requests made, including the first (1 when there were no retries).
    public var attempts: Int
    /// What went wrong on each failed attempt, including ones a retry recovered from.
    public var errors: AttemptErrors

    public init(result: SubmitResult, attempts: Int = 1, errors: AttemptErrors = AttemptErrors()) {
        self.result = result
        self.attempts = attempts
        self.errors = errors
    }
}

/// Counts of failed attempts by kind. They add up across attempts, messages and shards.
public struct AttemptErrors: Sendable, Equatable, Codable {
    public var timeouts = 0
    public var connectionRefused = 0
    public var connectionReset = 0
    /// Other transport failures (closed connection, DNS, TLS).
    public var otherConnection = 0
    /// HTTP 429 answers.
    public var rateLimited = 0
    /// HTTP 4xx answers other than 429.
    public var clientErrors = 0
    /// HTTP 5xx answers.
    public var serverErrors = 0
    /// 2xx answers without a message id, or whose body was not the expected JSON or was larger
    /// than the client reads: failed attempts, and the message's final outcome
    /// (`Rejection.malformedAnswer`; not retried, a retry would repeat the same answer).
    public var malformedResponses = 0

    public init() {}

    /// Failed attempts of every kind, malformed answers included.
    public var total: Int {
        timeouts + connectionRefused + connectionReset + otherConnection + rateLimited + clientErrors + serverErrors
            + malformedResponses
    }

    /// The kinds that occurred, most frequent first, as (label, count): what a report names as
    /// the cause when a run failed.
    public var byKind: [(label: String, count: Int)] {
        let kinds: [(String, Int)] = [
            ("connection refused", connectionRefused), ("timeout", timeouts),
            ("connection reset or closed", connectionReset),
            ("other connection failure", otherConnection), ("HTTP 429 (rate limited)", rateLimited),
            ("HTTP 4xx", clientErrors),
            ("HTTP 5xx", serverErrors), ("malformed answer", malformedResponses),
        ]
        return kinds.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.map { (label: $0.0, count: $0.1) }
    }

    public static func + (a: AttemptErrors, b: AttemptErrors) -> AttemptErrors {
        var sum = a
        sum += b
        return sum
    }

    public static func += (a: inout AttemptErrors, b: AttemptErrors) {
        a.timeouts += b.timeouts
        a.connectionRefused += b.connectionRefused
        a.connectionReset += b.connectionReset
        a.otherConnection += b.otherConnection
        a.rateLimited += b.rateLimited
        a.clientErrors += b.clientErrors
        a.serverErrors += b.serverErrors
        a.malformedResponses += b.malformedResponses
    }

    enum CodingKeys: String, CodingKey {
        case timeouts
        case connectionRefused = "connection_refused"
        case connectionReset = "connection_reset"
        case
            otherConnection = "other_connection"
        case rateLimited = "http_429"
        case clientErrors = "http_4xx"
        case serverErrors = "http_5xx"
        case
            malformedResponses = "malformed_response"
    }
}

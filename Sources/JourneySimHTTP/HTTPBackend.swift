import AsyncHTTPClient
import Foundation
import JourneySim
import NIOCore
import NIOPosix

/// Sends messages to a real messaging endpoint over HTTP: one POST per attempt to the channel's
/// route, rendered in the provider's wire shape.
///
/// Retries 429, 5xx, timeouts and connection failures with exponential backoff and full jitter
/// (a uniform wait between 0 and `min(backoffMax, backoffBase · 2^(attempt-1))`), waits at least
/// what a `Retry-After` header asks (up to `maxRetryAfter`), and gives up after `maxAttempts`.
/// Every attempt carries the message's `Idempotency-Key`, so a retry of a request the server did
/// process is not counted twice. The bearer token is read once from the environment variable
/// named in the configuration, or user info in the URL is turned into Basic authorization;
/// either is only ever put in the `Authorization` header.
public final class HTTPBackend: CallbackMessagingBackend {
    public struct Configuration: Sendable {
        public var target: HTTPTargetSpec
        public var renderer: PayloadRenderer
        /// The longest `Retry-After` honoured; longer ones are cut to it.
        public var maxRetryAfter: Duration
        /// Network threads of the client's own event loop group; nil shares the process-wide one
        /// (one thread per core).
        public var eventLoopThreads: Int?
        /// Sends plain `http://` over AsyncHTTPClient too: for the tests that hold the lean
        /// transport to the client's behaviour on the same URLs.
        var prefersAsyncHTTPClient = false

        public init(
            target: HTTPTargetSpec, renderer: PayloadRenderer? = nil, maxRetryAfter: Duration = .seconds(30),
            eventLoopThreads: Int? = nil
        ) {
            self.target = target
            self.renderer = renderer ?? PayloadRenderer(routes: target.routes)
            self.maxRetryAfter = maxRetryAfter
            self.eventLoopThreads = eventLoopThreads
        }
    }

    /// The most of a response body read; answers are small JSON objects.
    public static let maxResponseBytes = 64 * 1024

    public let configuration: Configuration
    let transport: Transport
    let ownGroup: MultiThreadedEventLoopGroup?
    /// The parsed target: requests go to its base, its user info only into `authorization`.
    let url: TargetURL
    let authorization: String?
    let counters = Locked(HTTPBackendCounters())
    /// From the configuration, once: read for every message.
    let retryPolicy: HTTPAttempts.Policy
    let requestTimeout: TimeAmount

    /// How requests travel: plain `http://` targets over the lean HTTP/1.1 transport (a load
    /// driver's throughput is bounded by its CPU per request), `https://` and any URL shape the
    /// lean transport does not handle over AsyncHTTPClient (TLS, HTTP/2, redirects refused).
    enum Transport: Sendable {
        case plain(HTTP1Transport)
        case client(HTTPClient)
    }

    /// Fails when the URL does not parse as a `TargetURL`, the token variable is named but unset,
    /// or both a token and user info in the URL ask for the `Authorization` header.
    public init(
        _ configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HTTPBackendError) {
        let target = configuration.target
        let url: TargetURL
        do {
            url = try TargetURL(target.url)
        } catch {
            throw .invalidURL(error.description)
        }
        if let name = target.tokenEnvironmentVariable {
            guard !url.hasUserInfo else { throw .twoCredentials(url: url.description, tokenVariable: name) }
            guard let token = environment[name], !token.isEmpty else { throw .tokenVariableUnset(name: name) }
            // Requests are written as bytes, so a line break in the token would start a new header.
            guard HTTPBackend.isHeaderValue(token) else { throw .tokenNotAHeaderValue(name: name) }
            authorization = "Bearer " + token
        } else {
            authorization = url.basicAuthorization
        }
        self.url = url
        self.configuration = configuration
        retryPolicy = HTTPAttempts.Policy(target: target, maxRetryAfter: configuration.maxRetryAfter)
        requestTimeout = .milliseconds(target.requestTimeout.milliseconds)
        let group: any EventLoopGroup
        if let threads = configuration.eventLoopThreads {
            let own = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            ownGroup = own
            group = own
        } else {
            ownGroup = nil
            group = MultiThreadedEventLoopGroup.singleton
        }
        if !configuration.prefersAsyncHTTPClient, let endpoint = HTTP1Endpoint(url) {
            transport = .plain(
                HTTP1Transport(
                    endpoint: endpoint, group: group, connections: target.concurrency,
                    connectTimeout: .milliseconds(target.connectTimeout.milliseconds),
                    requestTimeout: .milliseconds(target.requestTimeout.milliseconds),
                    maxResponseBytes: HTTPBackend.maxResponseBytes))
            return
        }
        var clientConfiguration = HTTPClient.Configuration(
            // The read side is bounded by the per-request deadline in `send`; a second, client-wide
            // read timer per request would only add timer work on the event loop.
            timeout: .init(connect: .milliseconds(target.connectTimeout.milliseconds)),
            connectionPool: .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: target.concurrency))
        // Connection failures are retried here, with backoff and counting, not inside the client.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.redirectConfiguration = .disallow
        if let ownGroup {
            transport = .client(
                HTTPClient(eventLoopGroupProvider: .shared(ownGroup), configuration: clientConfiguration))
        } else {
            transport = .client(HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration))
        }
    }

    /// Whether `text` can be sent as a header value as it is: no control characters but tab.
    static func isHeaderValue(_ text: String) -> Bool {
        !text.unicodeScalars.contains { ($0.value < 0x20 && $0.value != 0x09) || $0.value == 0x7F }
    }

    /// Closes the connections; call once when done.
    public func shutdown() async {
        switch transport {
        case let .plain(transport): await transport.shutdown()
        case let .client(client): try? await client.shutdown()
        }
        try? await ownGroup?.shutdownGracefully()
    }

    /// The event loop of the message's connections, for plain `http://` targets: the driver's
    /// task for the message then runs where its answer arrives.
    @available(macOS 15.0, *)
    public func preferredTaskExecutor(for message: OutboundMessage) -> (any TaskExecutor)? {
        guard case let .plain(transport) = transport else { return nil }
        return transport.lane(for: message.id).executor as? EventLoopTaskExecutor
    }

    /// The first connection lane's event loop, for plain `http://` targets: the driver's pacer
    /// then runs and sleeps where requests are written.
    @available(macOS 15.0, *)
    public var pacingExecutor: (any TaskExecutor)? {
        guard case let .plain(transport) = transport else { return nil }
        return transport.lanes[0].executor as? EventLoopTaskExecutor
    }

    /// On the wall clock with a plain `http://` target, a timer of the first lane's event loop;
    /// otherwise the clock's own sleep.
    nonisolated(nonsending) public func sleepForPacing<C: Clock>(until deadline: C.Instant, on clock: C) async throws
    where C.Duration == Duration {
        if case let .plain(transport) = transport, C.self == ContinuousClock.self {
            try await transport.sleep(for: clock.now.duration(to: deadline))
        } else {
            try await clock.sleep(until: deadline, tolerance: .microseconds(100))
        }
    }

    /// Totals over every message sent so far.
    public var totals: HTTPBackendCounters { counters.withLock { $0 } }

    nonisolated(nonsending) public func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        let report: SendReport
        switch transport {
        case let .plain(transport): report = await send(message, content, over: transport)
        case let .client(client): report = await send(message, content, over: client)
        }
        count(report)
        return report
    }

    /// The task-free send: plain `http://` targets are driven by callbacks on the event loop
    /// (`HTTP1Delivery`); AsyncHTTPClient targets run `send` in a task.
    public func send(
        _ message: OutboundMessage, content: MessageContent, completion: @escaping @Sendable (SendReport) -> Void
    ) {
        switch transport {
        case let .plain(transport):
            HTTP1Delivery.start(message, content, backend: self, over: transport, completion: completion)
        case .client:
            Task { completion(await send(message, content: content)) }
        }
    }

    @inline(never)
    func count(_ report: SendReport) { counters.withLock { $0.record(report) } }

    // The async functions on the send path are kept small on purpose: an async function's locals
    // live in the task's frame, and a task whose frames outgrow its first allocator slab pays a
    // malloc and a free per extra slab, for every message. So the synchronous work (rendering,
    // encoding, classifying) is in functions that are not inlined into them.

    @inline(never)
    nonisolated(nonsending) func send(
        _ message: OutboundMessage, _ content: MessageContent, over transport: HTTP1Transport
    ) async -> SendReport {
        let bytes = encode(message, content, for: transport)
        let timeout = requestTimeout
        var attempts = HTTPAttempts(message: message, policy: retryPolicy)
        while true {
            let outcome = await transport.execute(bytes, tag: message.id, timeout: timeout)
            guard let wait = attempts.record(outcome), await HTTPBackend.backoff(wait) else { break }
        }
        return attempts.report
    }

    @inline(never)
    func send(_ message: OutboundMessage, _ content: MessageContent, over client: HTTPClient) async -> SendReport {
        let request = clientRequest(message, content)
        let timeout = requestTimeout
        var attempts = HTTPAttempts(message: message, policy: retryPolicy)
        while true {
            let outcome = await HTTPBackend.execute(request, on: client, timeout: timeout)
            guard let wait = attempts.record(outcome), await HTTPBackend.backoff(wait) else { break }
        }
        return attempts.report
    }

    /// Waits before a retry; false when the task was cancelled meanwhile.
    @inline(never)
    nonisolated(nonsending) static func backoff(_ wait: Duration) async -> Bool {
        do {
            try await Task.sleep(for: wait)
            return true
        } catch {
            return false
        }
    }

    /// The message's request for the lean transport, encoded once for all its attempts.
    @inline(never)
    func encode(_ message: OutboundMessage, _ content: MessageContent, for transport: HTTP1Transport) -> ByteBuffer {
        let wire = configuration.renderer.render(message, content)
        return transport.encode(
            path: wire.path, contentType: wire.contentType, body: wire.body,
            idempotencyKey: message.idempotencyKey, authorization: authorization)
    }

    /// The message's request for AsyncHTTPClient.
    @inline(never)
    func clientRequest(_ message: OutboundMessage, _ content: MessageContent) -> HTTPClientRequest {
        let wire = configuration.renderer.render(message, content)
        var request = HTTPClientRequest(url: url.base + wire.path + url.querySuffix)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: wire.contentType)
        request.headers.add(name: "Idempotency-Key", value: message.idempotencyKey)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: wire.body))
        return request
    }

    /// Why an attempt got no HTTP answer, as the backend counts it.
    struct AttemptFailure: Error {
        var kind: FailureKind
        var description: String
    }

    enum FailureKind { case timeout, refused, reset, other }

    static func classify(_ error: any Error) -> FailureKind {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .connectTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout, .writeTimeout:
                return .timeout
            case .remoteConnectionClosed: return .reset
            default: break
            }
        }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return .refused }
        if text.contains("reset") || text.contains("closed") || text.contains("broken pipe") || text.contains("eof") {
            return .reset
        }
        if text.contains("timeout") || text.contains("timed out") { return .timeout }
        return .other
    }

    /// `Retry-After` as seconds (decimals accepted); HTTP dates are not used by the mock server and
    /// fall back to backoff.
    static func retryAfter(_ value: String) -> Duration? {
        guard let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// Totals of an HTTPBackend's work.
public struct HTTPBackendCounters: Sendable, Equatable {
    public var messages = 0
    public var accepted = 0
    public var attempts = 0
    public var errors = AttemptErrors()

    mutating func record(_ report: SendReport) {
        messages += 1
        attempts += report.attempts
        errors += report.errors
        if report.result.isAccepted { accepted += 1 }
    }
}

public enum HTTPBackendError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case tokenVariableUnset(name: String)
    /// The token has a line break or another control character, so it cannot go in a header.
    case tokenNotAHeaderValue(name: String)
    /// A token variable and user info in the URL: two credentials for one header.
    case twoCredentials(url: String, tokenVariable: String)

    public var description: String {
        switch self {
        case let .invalidURL(problem): "target URL: \(problem)"
        case let .tokenVariableUnset(name):
            "the token variable \(name) is not set (or empty); export it, or leave out the token option."
        case let .tokenNotAHeaderValue(name):
            "the token in \(name) contains a line break or another control character; export the token alone, without a trailing newline."
        case let .twoCredentials(url, name):
            "the target \(url) carries user info (sent as Basic authorization) and a token is named in \(name) (sent as Bearer); give one of them."
        }
    }
}

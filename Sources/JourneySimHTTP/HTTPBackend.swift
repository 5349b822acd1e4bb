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
/// named in the configuration and is only ever put in the `Authorization` header.
public final class HTTPBackend: MessagingBackend {
    public struct Configuration: Sendable {
        public var target: HTTPTargetSpec
        public var renderer: PayloadRenderer
        /// The longest `Retry-After` honoured; longer ones are cut to it.
        public var maxRetryAfter: Duration
        /// Network threads of the client's own event loop group; nil shares the process-wide one
        /// (one thread per core).
        public var eventLoopThreads: Int?

        public init(target: HTTPTargetSpec, renderer: PayloadRenderer? = nil, maxRetryAfter: Duration = .seconds(30), eventLoopThreads: Int? = nil) {
            self.target = target
            self.renderer = renderer ?? PayloadRenderer(routes: target.routes)
            self.maxRetryAfter = maxRetryAfter
            self.eventLoopThreads = eventLoopThreads
        }
    }

    /// The most of a response body read; answers are small JSON objects.
    public static let maxResponseBytes = 64 * 1024

    public let configuration: Configuration
    let client: HTTPClient
    let ownGroup: MultiThreadedEventLoopGroup?
    let baseURL: String
    let authorization: String?
    let counters = Locked(HTTPBackendCounters())

    /// Fails when the URL has no http/https scheme or the token variable is named but unset.
    public init(_ configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) throws(HTTPBackendError) {
        let target = configuration.target
        if let problem = HTTPTargetSpec.urlProblem(target.url) { throw .invalidURL(problem) }
        if let name = target.tokenEnvironmentVariable {
            guard let token = environment[name], !token.isEmpty else { throw .tokenVariableUnset(name: name) }
            authorization = "Bearer " + token
        } else {
            authorization = nil
        }
        self.configuration = configuration
        baseURL = target.url.hasSuffix("/") ? String(target.url.dropLast()) : target.url
        var clientConfiguration = HTTPClient.Configuration(
            // The read side is bounded by the per-request deadline in `send`; a second, client-wide
            // read timer per request would only add timer work on the event loop.
            timeout: .init(connect: .milliseconds(target.connectTimeout.milliseconds)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: target.concurrency))
        // Connection failures are retried here, with backoff and counting, not inside the client.
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        clientConfiguration.redirectConfiguration = .disallow
        if let threads = configuration.eventLoopThreads {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            ownGroup = group
            client = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: clientConfiguration)
        } else {
            ownGroup = nil
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
        }
    }

    /// Closes the connection pool; call once when done.
    public func shutdown() async {
        try? await client.shutdown()
        try? await ownGroup?.shutdownGracefully()
    }

    /// Totals over every message sent so far.
    public var totals: HTTPBackendCounters { counters.withLock { $0 } }

    public func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        let wire = configuration.renderer.render(message, content)
        var request = HTTPClientRequest(url: baseURL + wire.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: wire.contentType)
        request.headers.add(name: "Idempotency-Key", value: message.idempotencyKey)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: wire.body))
        let target = configuration.target
        var errors = AttemptErrors()
        var attempt = 0
        var result: SubmitResult = .rejected(.timeout)
        var rng = Xoshiro256StarStar(seed: SplitMix64.hash(message.id, 0x6874_7470))
        while attempt < target.maxAttempts {
            attempt += 1
            var retryAfter: Duration?
            let retryable: Bool
            do {
                let response = try await client.execute(request, timeout: .milliseconds(target.requestTimeout.milliseconds))
                let status = Int(response.status.code)
                // At most `maxResponseBytes` of an answer is read; a bigger one is cut off (and the
                // connection dropped), so a misbehaving server cannot make the driver buffer it.
                let body: ByteBuffer?
                do {
                    body = try await response.body.collect(upTo: HTTPBackend.maxResponseBytes)
                } catch {
                    body = nil  // too large (NIOTooManyBytesError) or cut off: the status still stands
                }
                switch status {
                case 200..<300:
                    // Accepted is accepted, whatever the body: the id falls back to the idempotency
                    // key, and a garbage or oversized body is counted, never retried (a retry
                    // would only be a duplicate).
                    let parsedID = body.flatMap(HTTPBackend.messageID(in:))
                    let headerID = response.headers.first(name: "X-Message-Id")
                    if body == nil || (parsedID == nil && (body?.readableBytes ?? 0) > 0) { errors.malformedResponses += 1 }
                    result = .accepted(Acceptance(providerMessageID: headerID ?? parsedID ?? message.idempotencyKey))
                    retryable = false
                case 429:
                    errors.rateLimited += 1
                    retryAfter = response.headers.first(name: "Retry-After").flatMap(HTTPBackend.retryAfter)
                    result = .rejected(.rateLimited(retryAfter: SimDuration(milliseconds: retryAfter.map(HTTPBackend.milliseconds) ?? 0)))
                    retryable = true
                case 500...:
                    errors.serverErrors += 1
                    retryAfter = response.headers.first(name: "Retry-After").flatMap(HTTPBackend.retryAfter)
                    result = .rejected(.serverError(status: status))
                    retryable = true
                default:
                    errors.clientErrors += 1
                    result = .rejected(status == 404 || status == 422 ? .invalidRecipient : .invalidRequest(status: status))
                    retryable = false
                }
            } catch {
                let kind = HTTPBackend.classify(error)
                switch kind {
                case .timeout:
                    errors.timeouts += 1
                    result = .rejected(.timeout)
                case .refused:
                    errors.connectionRefused += 1
                    result = .rejected(.connectionFailed("connection refused"))
                case .reset:
                    errors.connectionReset += 1
                    result = .rejected(.connectionFailed("connection reset or closed by the server"))
                case .other:
                    errors.otherConnection += 1
                    result = .rejected(.connectionFailed(String(describing: error)))
                }
                retryable = !Task.isCancelled
            }
            guard retryable, attempt < target.maxAttempts else { break }
            let ceiling = min(Double(target.backoffMax.milliseconds), Double(target.backoffBase.milliseconds) * pow(2, Double(attempt - 1)))
            var wait = Duration.microseconds(Int64(rng.nextUnit() * ceiling * 1000))
            if let retryAfter { wait = max(wait, min(retryAfter, configuration.maxRetryAfter)) }
            do { try await Task.sleep(for: wait) } catch { break }
        }
        let report = SendReport(result: result, attempts: attempt, errors: errors)
        counters.withLock { $0.record(report) }
        return report
    }

    enum FailureKind { case timeout, refused, reset, other }

    static func classify(_ error: any Error) -> FailureKind {
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .connectTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout, .writeTimeout: return .timeout
            case .remoteConnectionClosed: return .reset
            default: break
            }
        }
        let text = String(describing: error).lowercased()
        if text.contains("refused") { return .refused }
        if text.contains("reset") || text.contains("closed") || text.contains("broken pipe") || text.contains("eof") { return .reset }
        if text.contains("timeout") || text.contains("timed out") { return .timeout }
        return .other
    }

    /// `Retry-After` as seconds (decimals accepted); HTTP dates are not used by the mock server and
    /// fall back to backoff.
    static func retryAfter(_ value: String) -> Duration? {
        guard let seconds = Double(value.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    /// The provider's id in a JSON answer (`id`, `message_id`, `sid` or WhatsApp's `messages[0].id`).
    static func messageID(in body: ByteBuffer) -> String? {
        guard body.readableBytes > 0,
              let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        for key in ["id", "message_id", "sid", "name"] { if let id = object[key] as? String { return id } }
        if let messages = object["messages"] as? [[String: Any]], let id = messages.first?["id"] as? String { return id }
        return nil
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

    public var description: String {
        switch self {
        case let .invalidURL(problem): "target URL: \(problem)"
        case let .tokenVariableUnset(name): "the token variable \(name) is not set (or empty); export it, or leave out the token option."
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import JourneySim
import Logging
import NIOCore
import ServiceLifecycle

/// A stand-in messaging provider over real HTTP (Hummingbird 2): accepts the channel stubs'
/// payloads on their routes, validates them, and injects latency, 503s, 429 bursts and outages
/// as configured, so load runs and fault tests need no outside service.
///
/// Each valid request with an `Idempotency-Key` that was already accepted gets the original
/// answer again and is counted as a duplicate, not as a new message. Only accepted answers are
/// remembered, so a retry after a 503 or 429 can still succeed. `/metrics` serves Prometheus
/// text, `/healthz` answers `ok`.
///
/// No client can keep it from others: connections are capped in all (`max_connections`) and
/// per client address (`max_connections_per_address`), a request head must arrive within
/// `header_timeout` and an idle keep-alive connection is closed after `idle_timeout`
/// (`MockServerChannel`).
public final class MockServer: Sendable {
    public let spec: MockServerSpec
    /// The server's time: the outage and throttle schedules, injected latency and `duration`
    /// follow it.
    let clock: ServerClock
    let state: Locked<MockServerState>
    let control = Locked<Control>(Control())

    struct Control {
        var group: ServiceGroup?
        var task: Task<Void, any Error>?
        var portWaiters: [CheckedContinuation<Int, any Error>] = []
        var port: Int?
        var failure: String?
    }

    /// A server on the wall clock, or on `clock` (a test's manual clock).
    public init<C: Clock>(spec: MockServerSpec, clock: C = ContinuousClock()) where C.Duration == Duration {
        self.spec = spec
        self.clock = ServerClock(clock)
        state = Locked(MockServerState(seed: spec.seed))
    }

    /// Runs until shut down: by `shutdown()`, by `spec.duration`, or (when `handleSignals`) by
    /// SIGINT/SIGTERM, each gracefully (requests in flight are answered). `onListening` gets the
    /// bound port.
    public func run(handleSignals: Bool, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "journeysim.mock-server")
        logger.logLevel = .warning
        let started = clock.elapsed()
        state.withLock { $0.started = started }
        let responder = CallbackResponder<MockServerContext> { [self] request, context in
            try await self.respond(to: request, context: context)
        }
        let app = Application(
            responder: responder,
            server: HTTPServerBuilder { [spec, state] responder in
                MockServerChannel(responder: responder, spec: spec, state: state)
            },
            configuration: .init(
                address: .hostname(spec.host, port: spec.port), serverName: "journeysim-mock",
                availableConnectionsDelegate: MaximumAvailableConnections(spec.maxConnections)),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? 0
                let waiters = self.control.withLock { control -> [CheckedContinuation<Int, any Error>] in
                    control.port = port
                    defer { control.portWaiters = [] }
                    return control.portWaiters
                }
                for waiter in waiters { waiter.resume(returning: port) }
                onListening(port)
            },
            logger: logger)
        let group = ServiceGroup(
            services: [app], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            cancellationSignals: [], logger: logger)
        control.withLock { $0.group = group }
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            tasks.addTask {
                try await group.run()
                return true
            }
            if let duration = spec.duration {
                tasks.addTask {
                    try await self.clock.sleep(.milliseconds(duration.milliseconds))
                    await group.triggerGracefulShutdown()
                    return false
                }
            }
            // The timer only asks for a graceful shutdown; the server's own end ends the run.
            while let serverEnded = try await tasks.next() {
                if serverEnded { tasks.cancelAll() }
            }
        }
        let waiters = control.withLock { control -> [CheckedContinuation<Int, any Error>] in
            defer { control.portWaiters = [] }
            return control.portWaiters
        }
        for waiter in waiters { waiter.resume(throwing: MockServerError.stoppedBeforeListening) }
    }

    /// Starts the server in a background task and returns the bound port (for tests and tools
    /// that embed the server).
    public func start() async throws -> Int {
        let task = Task { try await self.run(handleSignals: false) }
        control.withLock { $0.task = task }
        return try await withCheckedThrowingContinuation { continuation in
            let port = control.withLock { control -> Int? in
                if control.port == nil { control.portWaiters.append(continuation) }
                return control.port
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// Stops gracefully and waits until the server has closed.
    public func shutdown() async {
        let (group, task) = control.withLock { ($0.group, $0.task) }
        await group?.triggerGracefulShutdown()
        _ = try? await task?.value
    }

    public var counters: MockServerCounters { state.withLock { $0.counters } }

    public var metricsText: String { state.withLock { $0.counters.prometheus(routes: spec.routes) } }

    /// Answers one request: the service routes, then a message route's checks in the order a
    /// provider makes them (route, method, scheduled faults, size, idempotency, payload), then
    /// the injected error rate and latency.
    func respond(to request: Request, context: MockServerContext) async throws -> Response {
        let path = request.uri.path
        if let response = serviceResponse(path) { return response }
        guard let channel = spec.routes.channel(forPath: path) else {
            state.withLock { $0.counters.count(route: "other", status: 404) }
            return Self.error(404, "no such route: \(path)")
        }
        let route = spec.routes[channel]
        countAuthorization(request)
        guard request.method == .post else {
            state.withLock { $0.counters.count(route: route, status: 405) }
            return Self.error(405, "use POST")
        }
        if let response = try scheduledFault(route: route, context: context) { return response }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: spec.maxBodyBytes)
        } catch {
            state.withLock { $0.counters.count(route: route, status: 413, rejected: "too_large") }
            return Self.error(413, "the body is larger than \(spec.maxBodyBytes) bytes")
        }
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, let stored = state.withLock({ $0.replay(key, route: route, bytes: body.readableBytes) }) {
            var response = acceptedResponse(stored)
            response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
            return response
        }
        if let problem = PayloadValidator.problem(
            channel: channel, path: path, contentType: request.headers[.contentType],
            body: body.readableBytesView)
        {
            state.withLock {
                $0.counters.count(route: route, status: 400, rejected: "invalid", bytes: body.readableBytes)
            }
            return Self.error(400, problem)
        }
        let (answer, delay) = state.withLock {
            $0.decide(channel: channel, route: route, key: key, bytes: body.readableBytes, spec: spec)
        }
        guard let answer else { return Self.error(503, "service unavailable (injected error)") }
        if delay > .zero { try? await clock.sleep(delay) }
        return acceptedResponse(answer)
    }

    /// `/healthz` and `/metrics`, or nil for any other path.
    func serviceResponse(_ path: String) -> Response? {
        switch path {
        case "/healthz":
            state.withLock { $0.counters.count(route: "/healthz", status: 200) }
            return Self.text("ok\n", status: .ok)
        case "/metrics":
            let text = state.withLock { state in
                state.counters.count(route: "/metrics", status: 200)
                return state.counters.prometheus(routes: spec.routes)
            }
            return Self.text(text, status: .ok, contentType: "text/plain; version=0.0.4")
        default:
            return nil
        }
    }

    /// Counts a request that carries credentials (which are not kept).
    func countAuthorization(_ request: Request) {
        if let authorization = request.headers[.authorization],
            ["Bearer ", "Basic "].contains(where: { authorization.hasPrefix($0) && authorization.count > $0.count })
        {
            state.withLock { $0.counters.authorized += 1 }
        }
    }

    /// The answer of a scheduled outage (a 503, or a dropped connection: thrown) or throttle (a
    /// 429 with `Retry-After`) at this time on the server's clock, or nil.
    func scheduledFault(route: String, context: MockServerContext) throws -> Response? {
        let running = clock.elapsed() - state.withLock { $0.started }
        let elapsed = SimDuration(
            milliseconds: running.components.seconds * 1000 + running.components.attoseconds / 1_000_000_000_000_000)
        if let outage = spec.outage(at: elapsed) {
            state.withLock {
                $0.counters.count(route: route, status: outage.mode == .drop ? 0 : 503, rejected: "outage")
            }
            if outage.mode == .drop {
                context.channel.close(mode: .all, promise: nil)
                throw MockServerError.connectionDropped
            }
            return Self.error(503, "service unavailable (scheduled outage)")
        }
        if spec.isThrottled(at: elapsed), let throttle = spec.throttle {
            state.withLock { $0.counters.count(route: route, status: 429, rejected: "throttled") }
            var response = Self.error(429, "too many requests")
            response.headers[.retryAfter] = Self.seconds(throttle.retryAfter)
            return response
        }
        return nil
    }

    /// The accepted answer, or the configured `responseFault` in its place.
    func acceptedResponse(_ answer: StoredAnswer) -> Response {
        switch spec.responseFault {
        case nil:
            return Self.accepted(answer)
        case .garbage:
            var bytes = [UInt8](repeating: 0, count: 512)
            state.withLock { state in
                for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: state.rng.next()) }
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .huge:
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            var buffer = ByteBuffer(string: "{\"id\":\"")
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: Self.hugeBodyBytes)
            buffer.writeString("\"}")
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        }
    }

    /// The size of a `huge` fault's body.
    public static let hugeBodyBytes = 10 << 20

    static func accepted(_ answer: StoredAnswer) -> Response {
        var response = text(
            "{\"id\":\"\(answer.id)\",\"status\":\"accepted\"}", status: .ok, contentType: "application/json")
        response.headers[HTTPField.Name("X-Message-Id")!] = answer.id
        return response
    }

    static func error(_ code: Int, _ message: String) -> Response {
        let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ")
        let body = "{\"error\":{\"code\":\(code),\"message\":\"\(escaped)\"}}"
        return text(body, status: HTTPResponse.Status(code: code), contentType: "application/json")
    }

    static func text(
        _ text: String, status: HTTPResponse.Status, contentType: String = "text/plain; charset=utf-8"
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func seconds(_ duration: SimDuration) -> String {
        duration.milliseconds % 1000 == 0
            ? String(duration.milliseconds / 1000) : String(Double(duration.milliseconds) / 1000)
    }
}

/// The request context: Hummingbird's basics plus the connection, so an outage can drop it.
public struct MockServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any NIOCore.Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    public var maxUploadSize: Int { 64 << 20 }
}

enum MockServerError: Error, CustomStringConvertible {
    case connectionDropped, stoppedBeforeListening
    case tooManyConnections(address: String)

    var description: String {
        switch self {
        case .connectionDropped: "connection dropped (scheduled outage)"
        case let .tooManyConnections(address):
            "connection from \(address) closed: that address already has max_connections_per_address open"
        case .stoppedBeforeListening: "the server stopped before it was listening (is the port in use?)"
        }
    }
}

struct StoredAnswer: Sendable {
    var id: String
    var channel: JourneySim.Channel
}

/// A `Clock` with its type erased, for the mock server (a class not generic over its clock).
struct ServerClock: Sendable {
    /// The time since the clock was given to the server.
    let elapsed: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsed = { origin.duration(to: clock.now) }
        sleep = { try await clock.sleep(for: $0) }
    }
}

struct MockServerState {
    /// When the server started, on its clock.
    var started = Duration.zero
    var rng: Xoshiro256StarStar
    var counters = MockServerCounters()
    var answers: [String: StoredAnswer] = [:]
    var keyOrder = KeyQueue()

    init(seed: UInt64) { rng = Xoshiro256StarStar(seed: seed) }

    /// The stored answer for an already accepted `key`, counted as a duplicate; nil if new.
    mutating func replay(_ key: String, route: String, bytes: Int) -> StoredAnswer? {
        guard let stored = answers[key] else { return nil }
        counters.duplicates += 1
        counters.count(route: route, status: 200, bytes: bytes)
        return stored
    }

    /// A valid message's fate: an injected error (nil), or its answer (remembered under its key)
    /// and the latency to wait before giving it.
    mutating func decide(
        channel: JourneySim.Channel, route: String, key: String?, bytes: Int, spec: MockServerSpec
    ) -> (StoredAnswer?, Duration) {
        if rng.bernoulli(spec.errorRate) {
            counters.count(route: route, status: 503, rejected: "error_rate", bytes: bytes)
            return (nil, .zero)
        }
        // A duplicate that raced past the first check is still answered once.
        if let key, let stored = replay(key, route: route, bytes: bytes) { return (stored, .zero) }
        counters.nextID += 1
        let answer = StoredAnswer(id: "mock-\(channel.name)-\(counters.nextID)", channel: channel)
        if let key, spec.idempotencyCapacity > 0 {
            if answers.count >= spec.idempotencyCapacity, let oldest = keyOrder.popFirst() {
                answers[oldest] = nil
            }
            answers[key] = answer
            keyOrder.append(key)
        }
        counters.accepted[Int(channel.rawValue)] += 1
        counters.count(route: route, status: 200, bytes: bytes)
        let delay = spec.latency.map { $0.draw(&rng) } ?? .zero
        return (answer, .milliseconds(delay.milliseconds))
    }
}

/// Keys in arrival order, for forgetting the oldest idempotency key when the store is full.
struct KeyQueue {
    var keys: [String] = []
    var head = 0

    mutating func append(_ key: String) { keys.append(key) }

    mutating func popFirst() -> String? {
        guard head < keys.count else { return nil }
        defer {
            head += 1
            if head > 4096, head * 2 > keys.count {
                keys.removeFirst(head)
                head = 0
            }
        }
        return keys[head]
    }
}

/// What the mock server has seen.
public struct MockServerCounters: Sendable, Equatable {
    /// Requests by route and HTTP status (status 0: connection dropped).
    public var requests: [String: [Int: Int]] = [:]
    /// Unique messages accepted, by channel raw value.
    public var accepted = [Int](repeating: 0, count: Channel.allCases.count)
    /// Requests whose idempotency key was already accepted.
    public var duplicates = 0
    /// Requests refused, by reason (invalid, too_large, throttled, outage, error_rate).
    public var rejected: [String: Int] = [:]
    /// Request body bytes received on message routes.
    public var bytes = 0
    /// Message requests that carried an `Authorization: Bearer …` or `Basic …` header (the
    /// credentials are not kept).
    public var authorized = 0
    /// Connections closed because their request head did not arrive within `header_timeout`.
    public var headerTimeouts = 0
    /// Connections closed on arrival because their address had `max_connections_per_address` open.
    public var connectionsOverAddressLimit = 0
    var nextID = 0

    public var acceptedTotal: Int { accepted.reduce(0, +) }

    public func accepted(_ channel: JourneySim.Channel) -> Int { accepted[Int(channel.rawValue)] }

    mutating func count(route: String, status: Int, rejected reason: String? = nil, bytes: Int = 0) {
        requests[route, default: [:]][status, default: 0] += 1
        if let reason { rejected[reason, default: 0] += 1 }
        self.bytes += bytes
    }

    func prometheus(routes: ChannelRoutes) -> String {
        var lines: [String] = []
        lines.append(
            "# HELP journeysim_mock_requests_total HTTP requests by route and status (status 0: connection dropped).")
        lines.append("# TYPE journeysim_mock_requests_total counter")
        for route in requests.keys.sorted() {
            for status in requests[route]!.keys.sorted() {
                lines.append(
                    "journeysim_mock_requests_total{route=\"\(route)\",status=\"\(status)\"} \(requests[route]![status]!)"
                )
            }
        }
        lines.append("# HELP journeysim_mock_messages_accepted_total Unique messages accepted, by channel.")
        lines.append("# TYPE journeysim_mock_messages_accepted_total counter")
        for channel in JourneySim.Channel.allCases {
            lines.append(
                "journeysim_mock_messages_accepted_total{channel=\"\(channel.name)\"} \(accepted[Int(channel.rawValue)])"
            )
        }
        lines.append("# HELP journeysim_mock_duplicates_total Requests repeating an accepted Idempotency-Key.")
        lines.append("# TYPE journeysim_mock_duplicates_total counter")
        lines.append("journeysim_mock_duplicates_total \(duplicates)")
        lines.append("# HELP journeysim_mock_rejected_total Requests refused, by reason.")
        lines.append("# TYPE journeysim_mock_rejected_total counter")
        for reason in ["error_rate", "invalid", "outage", "throttled", "too_large"] {
            lines.append("journeysim_mock_rejected_total{reason=\"\(reason)\"} \(rejected[reason] ?? 0)")
        }
        lines.append("# HELP journeysim_mock_request_bytes_total Request body bytes received on message routes.")
        lines.append("# TYPE journeysim_mock_request_bytes_total counter")
        lines.append("journeysim_mock_request_bytes_total \(bytes)")
        lines.append(
            "# HELP journeysim_mock_connections_closed_total Connections the server closed to protect itself, by reason."
        )
        lines.append("# TYPE journeysim_mock_connections_closed_total counter")
        lines.append("journeysim_mock_connections_closed_total{reason=\"header_timeout\"} \(headerTimeouts)")
        lines.append(
            "journeysim_mock_connections_closed_total{reason=\"per_address_limit\"} \(connectionsOverAddressLimit)")
        return lines.joined(separator: "\n") + "\n"
    }
}

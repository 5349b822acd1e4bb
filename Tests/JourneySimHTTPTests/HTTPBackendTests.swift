import AsyncHTTPClient
import Foundation
import JourneySim
import JourneySimHTTP
import JourneySimTestSupport
import Testing

/// End-to-end over loopback: the mock server on an ephemeral port, the HTTP backend and the load
/// driver, with and without injected faults. Every test stops its server and bounds its load.
@Suite(.serialized, .timeLimit(.minutes(1))) struct HTTPBackendTests {
    /// Starts a mock server with `configure` applied, runs `body` with its base URL, then stops it.
    /// Server and body run on `DedicatedThreads` (see there why), the server in a child task.
    static func withServer<T>(
        _ configure: (inout MockServerSpec) -> Void = { _ in },
        _ body: (MockServer, String) async throws -> T
    ) async throws -> T {
        var spec = MockServerSpec()
        spec.port = 0
        spec.duration = .seconds(50)  // a backstop: the server stops by itself whatever happens
        configure(&spec)
        let server = MockServer(spec: spec)
        return try await withTaskExecutorPreference(DedicatedThreads.shared) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (ports, listening) = AsyncStream.makeStream(of: Int.self)
                group.addTask {
                    defer { listening.finish() }
                    // A server stopped by `shutdown` ends with a cancellation; one that never
                    // listened is reported below.
                    try? await server.run(handleSignals: false) { listening.yield($0) }
                }
                var next = ports.makeAsyncIterator()
                guard let port = await next.next() else {
                    try await group.waitForAll()
                    throw ServerDidNotStart()
                }
                let result: Result<T, any Error>
                do {
                    result = .success(try await body(server, "http://127.0.0.1:\(port)"))
                } catch {
                    result = .failure(error)
                }
                await server.shutdown()
                try await group.waitForAll()
                return try result.get()
            }
        }
    }

    struct ServerDidNotStart: Error {}

    static func backend(_ url: String, _ configure: (inout HTTPTargetSpec) -> Void = { _ in }) throws -> HTTPBackend {
        var target = HTTPTargetSpec(url: url)
        target.backoffBase = SimDuration(milliseconds: 5)
        target.backoffMax = SimDuration(milliseconds: 100)
        target.requestTimeout = .seconds(20)  // generous: parallel CPU-bound suites can starve the pool
        configure(&target)
        return try HTTPBackend(.init(target: target))
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        try await request(url, post: false, body: nil, contentType: nil)
    }

    static func request(
        _ url: String, post: Bool = true, body: [UInt8]?, contentType: String?
    ) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        if post { request.method = .POST }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(decoding: bytes.readableBytesView, as: UTF8.self))
    }

    /// `name{label="value"} 12` lines of a Prometheus text page.
    static func metric(_ text: String, _ name: String) -> [String: Int] {
        var values: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Int(parts[1]) else { continue }
            values[String(parts[0].dropFirst(name.count))] = value
        }
        return values
    }

    @Test func serverMetricsMatchTheDriversCounts() async throws {
        try await Self.withServer { server, url in
            let backend = try Self.backend(url)
            let load = SyntheticLoad(channels: Channel.allCases, ratePerSecond: 1000, count: 600)
            let results = await LoadDriver(backend: backend).run(load)
            await backend.shutdown()
            #expect(results.overall.started == 600)
            #expect(results.overall.accepted == 600)
            #expect(results.overall.retries == 0)
            let metrics = try await Self.get(url + "/metrics")
            #expect(metrics.status == 200)
            let accepted = Self.metric(metrics.body, "journeysim_mock_messages_accepted_total")
            #expect(accepted.values.reduce(0, +) == results.overall.accepted)
            for channel in Channel.allCases {
                #expect(accepted["{channel=\"\(channel.name)\"}"] == results.channels[channel]?.accepted)
            }
            #expect(Self.metric(metrics.body, "journeysim_mock_duplicates_total")[""] == 0)
            #expect(try await Self.get(url + "/healthz").body == "ok\n")
        }
    }

    @Test func serverErrorsAreRetriedAndAccounted() async throws {
        try await Self.withServer({ $0.errorRate = 0.3 }) { server, url in
            let backend = try Self.backend(url) { $0.maxAttempts = 10 }
            let results = await LoadDriver(backend: backend).run(
                SyntheticLoad(channels: [.whatsapp, .sms], ratePerSecond: 1000, count: 400))
            await backend.shutdown()
            let counters = server.counters
            #expect(results.overall.accepted == 400)
            // Every 503 the server sent was seen, counted and retried once; nothing was counted twice.
            #expect(results.overall.errors.serverErrors == counters.rejected["error_rate"])
            #expect(results.overall.retries == results.overall.errors.serverErrors)
            let share = Double(results.overall.errors.serverErrors) / Double(results.overall.attempts)
            #expect(share > 0.22 && share < 0.38)
            #expect(counters.acceptedTotal == 400 && counters.duplicates == 0)
        }
    }

    @Test func retryAfterIsHonouredOn429Bursts() async throws {
        try await Self.withServer({
            $0.throttle = .init(
                period: .seconds(30), length: SimDuration(milliseconds: 400), retryAfter: SimDuration(milliseconds: 600)
            )
        }) { server, url in
            let backend = try Self.backend(url)
            let results = await LoadDriver(backend: backend).run(
                SyntheticLoad(channels: [.telegram], ratePerSecond: 500, count: 40))
            await backend.shutdown()
            #expect(results.overall.accepted == 40)
            #expect(results.overall.errors.rateLimited == 40)  // each was throttled once, then waited
            #expect(results.overall.retries == 40)
            // Backoff alone would retry within 5 ms; Retry-After makes every message wait ≥ 600 ms.
            let fastest = Double(results.overall.latency.min) / 1000
            #expect(fastest >= 590 && fastest < 30_000)
            #expect(server.counters.rejected["throttled"] == 40)
        }
    }

    @Test func droppedConnectionsAreRetried() async throws {
        try await Self.withServer({
            $0.outages = [.init(start: .zero, end: SimDuration(milliseconds: 250), mode: .drop)]
        }) { server, url in
            let backend = try Self.backend(url) {
                $0.maxAttempts = 12
                $0.backoffBase = SimDuration(milliseconds: 50)
                $0.backoffMax = SimDuration(milliseconds: 200)
            }
            let results = await LoadDriver(backend: backend).run(
                SyntheticLoad(channels: [.viber], ratePerSecond: 200, count: 20))
            await backend.shutdown()
            #expect(results.overall.accepted == 20)
            let e = results.overall.errors
            #expect(e.connectionReset + e.otherConnection + e.timeouts > 0)
            #expect(server.counters.acceptedTotal == 20)
        }
    }

    @Test func serverStoppedMidRunEndsWithCountedErrors() async throws {
        var spec = MockServerSpec()
        spec.port = 0
        spec.duration = .seconds(30)
        let server = MockServer(spec: spec)
        let port = try await server.start()
        let backend = try Self.backend("http://127.0.0.1:\(port)") {
            $0.maxAttempts = 3
            $0.connectTimeout = SimDuration(milliseconds: 500)
            $0.requestTimeout = SimDuration(milliseconds: 1000)
        }
        // Stop the server once it has accepted 20 messages (polling, bounded to 10 s).
        let stopper = Task {
            for _ in 0..<1000 where server.counters.acceptedTotal < 20 { try await Task.sleep(for: .milliseconds(10)) }
            await server.shutdown()
        }
        let results = await LoadDriver(backend: backend).run(
            SyntheticLoad(channels: [.sms], ratePerSecond: 200, count: 200))
        _ = try? await stopper.value
        await backend.shutdown()
        let s = results.overall
        #expect(s.started == 200 && s.completed == 200)  // every message has exactly one outcome
        #expect(s.accepted >= 20 && s.accepted < 200)
        #expect(s.rejected["connection_failed", default: 0] + s.rejected["timeout", default: 0] == 200 - s.accepted)
        #expect(s.errors.connectionRefused > 0)
        #expect(server.counters.acceptedTotal == s.accepted)
    }

    @Test func serverRejectsBadRequests() async throws {
        try await Self.withServer({ $0.maxBodyBytes = 1024 }) { server, url in
            let invalid = try await Self.request(
                url + "/whatsapp/v1/messages", body: Array(#"{"to":"+1555"}"#.utf8), contentType: "application/json")
            #expect(invalid.status == 400 && invalid.body.contains("messaging_product"))
            let malformed = try await Self.request(
                url + "/email/v1/messages", body: Array("{oops".utf8), contentType: "application/json")
            #expect(malformed.status == 400 && malformed.body.contains("\"error\""))
            let large = try await Self.request(
                url + "/push/v1/messages", body: [UInt8](repeating: 32, count: 4096), contentType: "application/json")
            #expect(large.status == 413)
            let unknown = try await Self.request(url + "/fax/v1/messages", body: [], contentType: "application/json")
            #expect(unknown.status == 404)
            #expect(server.counters.rejected["invalid"] == 2 && server.counters.rejected["too_large"] == 1)
        }
    }

    @Test func configurationErrorsAreClear() {
        #expect(throws: HTTPBackendError.self) { try HTTPBackend(.init(target: HTTPTargetSpec(url: "127.0.0.1:8080"))) }
        do {
            var target = HTTPTargetSpec(url: "http://127.0.0.1:9")
            target.tokenEnvironmentVariable = "JOURNEYSIM_TEST_TOKEN_UNSET"
            _ = try HTTPBackend(.init(target: target), environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("JOURNEYSIM_TEST_TOKEN_UNSET"))
        }
        #expect(HTTPTargetSpec.urlProblem("ftp://host") != nil)
        #expect(HTTPTargetSpec.urlProblem("https://example.test/api") == nil)
    }
}

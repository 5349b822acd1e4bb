import AsyncHTTPClient
import Foundation
import JourneySim
import Testing

import struct NIOCore.ByteBuffer

@testable import JourneySimHTTP

/// Faults a real backend has, injected by the mock server over loopback: each is counted by its
/// kind, retried within `maxAttempts`, never crashes the driver, and never counts a message
/// twice (the server's unique accepted count never exceeds the messages sent; retries of a
/// processed request show up as idempotency duplicates). Small counts keep each test short.
@Suite(.serialized, .timeLimit(.minutes(1))) struct BackendFaultTests {
    static let count = 30

    static func drive(
        _ backend: HTTPBackend, count: Int = BackendFaultTests.count, channels: [Channel] = [.whatsapp, .sms]
    ) async -> LoadStatistics {
        let results = await LoadDriver(backend: backend).run(
            SyntheticLoad(channels: channels, ratePerSecond: 1000, count: count))
        await backend.shutdown()
        return results.overall
    }

    /// Every message has exactly one outcome, and the server never accepted more than were sent.
    static func expectConserved(_ s: LoadStatistics, _ server: MockServer?, count: Int = BackendFaultTests.count) {
        #expect(s.started == count && s.completed == count)
        #expect(s.accepted + s.rejectedTotal == count)
        if let server { #expect(server.counters.acceptedTotal <= count) }
    }

    @Test func timeoutsAreRetriedAndTheRetryIsADuplicateNotASecondMessage() async throws {
        try await HTTPBackendTests.withServer({
            $0.latency = LogNormalDelay(median: SimDuration(milliseconds: 400), sigma: 0)
        }) { server, url in
            let backend = try HTTPBackendTests.backend(url) {
                $0.requestTimeout = SimDuration(milliseconds: 100)
                $0.maxAttempts = 3
            }
            let s = await Self.drive(backend)
            Self.expectConserved(s, server)
            // Every first attempt times out. A retry that arrives after the server finished the
            // first one is answered from the idempotency store; one that arrives while it is still
            // in progress (timing depends on the machine's load) may time out too. Either way a
            // message is accepted by the server at most once and every retry is a duplicate.
            #expect(s.errors.timeouts >= Self.count)
            #expect(server.counters.acceptedTotal <= Self.count)
            #expect(s.accepted <= server.counters.acceptedTotal)
            #expect(server.counters.duplicates <= s.attempts - Self.count)
            #expect(s.attempts <= 3 * Self.count)
        }
    }

    @Test func connectionRefusedIsCountedAndBounded() async throws {
        let backend = try HTTPBackendTests.backend("http://127.0.0.1:1") {
            $0.maxAttempts = 3
            $0.connectTimeout = SimDuration(milliseconds: 500)
        }
        let s = await Self.drive(backend)
        Self.expectConserved(s, nil)
        #expect(s.accepted == 0)
        #expect(s.attempts == 3 * Self.count)
        #expect(s.errors.connectionRefused == 3 * Self.count)
        #expect(s.rejected["connection_failed"] == Self.count)
    }

    @Test func slowResponsesWithinTheTimeoutAreJustSlow() async throws {
        try await HTTPBackendTests.withServer({
            $0.latency = LogNormalDelay(median: SimDuration(milliseconds: 80), sigma: 0)
        }) { server, url in
            let s = await Self.drive(try HTTPBackendTests.backend(url))
            Self.expectConserved(s, server)
            #expect(s.accepted == Self.count && s.retries == 0 && s.errors.total == 0)
            #expect(Double(s.latency.min) / 1000 >= 79)
        }
    }

    /// A 2xx the client cannot use is its own outcome, an error and never an acceptance: the
    /// message ends as `malformed_answer`, every such attempt is a failed one (so both error rates
    /// are 100%), and it is not retried (the server did take it once).
    @Test(arguments: MockServerSpec.ResponseFault.allCases)
    func malformedOrHugeAnswersAreTheirOwnOutcomeAndCountAsErrors(fault: MockServerSpec.ResponseFault) async throws {
        try await HTTPBackendTests.withServer({ $0.responseFault = fault }) { server, url in
            let s = await Self.drive(try HTTPBackendTests.backend(url))
            Self.expectConserved(s, server)
            // The body is capped at 64 KB, never buffered whole.
            #expect(s.accepted == 0)
            #expect(s.rejected["malformed_answer"] == Self.count)
            #expect(s.errors.malformedResponses == Self.count && s.failedAttempts == Self.count)
            #expect(s.attemptErrorRate == 1 && s.messageErrorRate == 1 && s.errorRate == 1)
            #expect(s.retries == 0)
            #expect(server.counters.acceptedTotal == Self.count && server.counters.duplicates == 0)
        }
    }

    /// Which 2xx answers are usable: one naming the message id in `X-Message-Id` or in a JSON
    /// body; empty without the header, not JSON, JSON without an id, or too large is malformed.
    /// Other statuses are not judged by their body.
    @Test(
        arguments: [
            (200, "m-1", "", false), (202, nil, #"{"id":"m-1"}"#, false),
            (201, nil, #"{"messages":[{"id":"wamid.1"}]}"#, false),
            (200, "m-1", #"{"id":"m-1","status":"accepted"}"#, false),
            (200, nil, "", true), (200, nil, "<html>OK</html>", true), (200, nil, #"{"status":"accepted"}"#, true),
            (200, "m-1", "not json", true), (204, "", "", true), (503, nil, "<html>down</html>", false),
            (429, nil, "", false),
        ] as [(Int, String?, String, Bool)])
    func a2xxWithoutAMessageIDIsMalformed(status: Int, header: String?, body: String, malformed: Bool) {
        let summary = HTTPResponseSummary(
            status: status, messageID: header, retryAfter: nil, body: ByteBuffer(string: body))
        #expect((summary.malformation != nil) == malformed, "\(status) \(header ?? "-") \(body)")
        let tooLarge = HTTPResponseSummary(status: 200, messageID: "m-1", retryAfter: nil, body: nil)
        #expect(tooLarge.malformation?.contains("larger than") == true)
    }

    @Test func a429StormIsRetriedWithinBoundsThenGivenUp() async throws {
        // Always throttled: every attempt is a 429; the driver stops at maxAttempts.
        let storm = MockServerSpec.Throttle(
            period: .seconds(60), length: .seconds(60), retryAfter: SimDuration(milliseconds: 20))
        try await HTTPBackendTests.withServer({ $0.throttle = storm }) { server, url in
            let s = await Self.drive(try HTTPBackendTests.backend(url) { $0.maxAttempts = 3 })
            Self.expectConserved(s, server)
            #expect(s.accepted == 0)
            #expect(s.errors.rateLimited == 3 * Self.count && s.attempts == 3 * Self.count)
            #expect(s.rejected["rate_limited"] == Self.count)
            #expect(server.counters.rejected["throttled"] == 3 * Self.count)
            #expect(server.counters.acceptedTotal == 0)
        }
    }

    @Test func resetsAndErrorsTogetherNeverDoubleCount() async throws {
        try await HTTPBackendTests.withServer({
            $0.errorRate = 0.2
            $0.outages = [.init(start: .zero, end: SimDuration(milliseconds: 150), mode: .drop)]
        }) { server, url in
            let backend = try HTTPBackendTests.backend(url) {
                $0.maxAttempts = 12
                $0.backoffBase = SimDuration(milliseconds: 20)
                $0.backoffMax = SimDuration(milliseconds: 100)
            }
            let s = await Self.drive(backend)
            Self.expectConserved(s, server)
            #expect(s.accepted == Self.count)
            #expect(server.counters.acceptedTotal == Self.count)
            #expect(s.errors.serverErrors == server.counters.rejected["error_rate", default: 0])
            #expect(s.errors.connectionReset + s.errors.otherConnection + s.errors.timeouts > 0)
        }
    }

    @Test func theBearerTokenReachesTheServerOnEveryAttempt() async throws {
        try await HTTPBackendTests.withServer { server, url in
            var target = HTTPTargetSpec(url: url)
            target.tokenEnvironmentVariable = "JOURNEYSIM_TEST_TOKEN"
            let backend = try HTTPBackend(
                .init(target: target), environment: ["JOURNEYSIM_TEST_TOKEN": "s3cr3t-in-process"])
            let s = await Self.drive(backend)
            #expect(s.accepted == Self.count)
            #expect(server.counters.authorized == s.attempts)
        }
        // Without a token, nothing is authorized.
        try await HTTPBackendTests.withServer { server, url in
            _ = await Self.drive(try HTTPBackendTests.backend(url), count: 5)
            #expect(server.counters.authorized == 0)
        }
    }

    @Test func theMockServerBindsLoopbackByDefaultWithLimits() {
        let spec = MockServerSpec()
        #expect(spec.host == "127.0.0.1")
        #expect(spec.maxBodyBytes == 64 * 1024)
        #expect(spec.maxConnections == 512)
        #expect(spec.responseFault == nil)
    }
}

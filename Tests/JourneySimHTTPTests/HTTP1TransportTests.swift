import Foundation
import JourneySim
import NIOCore
import Testing

@testable import JourneySimHTTP

/// The lean HTTP/1.1 transport that `HTTPBackend` uses for plain `http://` targets: URL shapes,
/// keep-alive and the connection limit, both send paths (task and callback), timeouts, and the
/// message-id scan it uses instead of `JSONSerialization`. Against the in-process mock server on
/// an ephemeral loopback port; small counts and short timeouts.
@Suite(.serialized, .timeLimit(.minutes(1))) struct HTTP1TransportTests {
    static let content = MessageContent(
        campaignName: "cart_reminder", template: "Hi {{first_name}}, your cart is waiting.",
        fields: [("first_name", "Ana")], discountCode: "SAVE10")

    static func message(_ id: UInt64, _ channel: JourneySim.Channel = .sms) -> OutboundMessage {
        OutboundMessage(
            id: id, customer: UInt32(id), channel: channel, campaign: 0, step: 0, intendedTime: SimTime(milliseconds: 0)
        )
    }

    static func transport(of backend: HTTPBackend) -> HTTP1Transport? {
        if case let .plain(transport) = backend.transport { return transport }
        return nil
    }

    // MARK: URLs

    @Test func plainURLsAreParsedIntoHostPortAndPath() throws {
        let plain = try #require(HTTP1Endpoint(url: "http://127.0.0.1:8080"))
        #expect(
            plain.host == "127.0.0.1" && plain.port == 8080 && plain.pathPrefix == ""
                && plain.hostHeader == "127.0.0.1:8080")
        let prefixed = try #require(HTTP1Endpoint(url: "HTTP://api.example.test/v2/"))
        #expect(prefixed.host == "api.example.test" && prefixed.port == 80 && prefixed.pathPrefix == "/v2")
        let ipv6 = try #require(HTTP1Endpoint(url: "http://[::1]:9000/x"))
        #expect(ipv6.host == "::1" && ipv6.port == 9000 && ipv6.hostHeader == "[::1]:9000" && ipv6.pathPrefix == "/x")
        // The same parser as every other part: a query follows the routes, user info is no
        // part of the Host header; https and URLs TargetURL refuses have no plain endpoint.
        let queried = try #require(HTTP1Endpoint(url: "http://user:secret@host:81/api?key=1"))
        #expect(queried.pathPrefix == "/api" && queried.querySuffix == "?key=1" && queried.hostHeader == "host:81")
        for url in [
            "https://127.0.0.1:8443", "http://host/#top", "http://host:0", "http://host:99999",
            "http://host:70000", "http://host:80a", "http://:80", "http://[::1",
        ] {
            #expect(HTTP1Endpoint(url: url) == nil, "\(url)")
        }
    }

    @Test func httpsTargetsKeepAsyncHTTPClient() async throws {
        let tls = try HTTPBackend(.init(target: HTTPTargetSpec(url: "https://127.0.0.1:1")))
        #expect(Self.transport(of: tls) == nil)
        await tls.shutdown()
        let plain = try HTTPBackend(.init(target: HTTPTargetSpec(url: "http://127.0.0.1:1")))
        #expect(Self.transport(of: plain) != nil)
        await plain.shutdown()
    }

    @Test func aTokenThatCannotBeAHeaderIsRefusedUpFront() {
        var target = HTTPTargetSpec(url: "http://127.0.0.1:1")
        target.tokenEnvironmentVariable = "JOURNEYSIM_TEST_TOKEN"
        #expect(throws: HTTPBackendError.tokenNotAHeaderValue(name: "JOURNEYSIM_TEST_TOKEN")) {
            try HTTPBackend(.init(target: target), environment: ["JOURNEYSIM_TEST_TOKEN": "abc\r\nX-Injected: 1"])
        }
    }

    @Test func theRequestIsEncodedOnceWithEveryHeader() throws {
        let backend = try HTTPBackend(.init(target: HTTPTargetSpec(url: "http://example.test:8080/base")))
        let transport = try #require(Self.transport(of: backend))
        let bytes = transport.encode(
            path: "/sms/v1/messages", contentType: WireRequest.form, body: Array("To=1".utf8),
            idempotencyKey: "js-7", authorization: "Bearer t")
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        #expect(
            text
                == "POST /base/sms/v1/messages HTTP/1.1\r\nHost: example.test:8080\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: 4\r\nIdempotency-Key: js-7\r\nAuthorization: Bearer t\r\n\r\nTo=1")
    }

    // MARK: Against the mock server

    @Test func connectionsAreKeptAliveAndBoundedByTheConcurrency() async throws {
        try await HTTPBackendTests.withServer { server, url in
            let backend = try HTTPBackendTests.backend(url) { $0.concurrency = 2 }
            let transport = try #require(Self.transport(of: backend))
            // A cap high enough that nothing is dropped: requests beyond the two connections wait.
            let results = await LoadDriver(backend: backend, options: .init(maxInFlight: 1000))
                .run(SyntheticLoad(channels: [.sms, .email], ratePerSecond: 2000, count: 200))
            #expect(results.overall.accepted == 200 && results.overall.dropped == 0)
            // 200 requests, many in flight at once, over two keep-alive connections.
            #expect(await transport.connectionsOpened() == 2)
            #expect(server.counters.acceptedTotal == 200)
            await backend.shutdown()
        }
    }

    @Test func theTaskPathSendsRetriesAndCounts() async throws {
        try await HTTPBackendTests.withServer({ $0.errorRate = 0.5 }) { server, url in
            let backend = try HTTPBackendTests.backend(url) { $0.maxAttempts = 20 }
            var reports: [SendReport] = []
            for id in 1...20 { reports.append(await backend.send(Self.message(UInt64(id)), content: Self.content)) }
            let allAccepted = reports.allSatisfy { $0.result.isAccepted }
            #expect(allAccepted)
            let errors = reports.reduce(AttemptErrors()) { $0 + $1.errors }
            #expect(errors.serverErrors == server.counters.rejected["error_rate", default: 0])
            #expect(reports.reduce(0) { $0 + $1.attempts } == 20 + errors.serverErrors)
            #expect(backend.totals.accepted == 20 && backend.totals.messages == 20)
            #expect(server.counters.acceptedTotal == 20 && server.counters.duplicates == 0)
            await backend.shutdown()
        }
    }

    @Test func theCallbackPathReportsOnceWithTheProvidersID() async throws {
        try await HTTPBackendTests.withServer { server, url in
            let backend = try HTTPBackendTests.backend(url)
            let report = await withCheckedContinuation { continuation in
                backend.send(Self.message(41), content: Self.content) { continuation.resume(returning: $0) }
            }
            guard case let .accepted(acceptance) = report.result else {
                Issue.record("not accepted: \(report)")
                return
            }
            #expect(acceptance.providerMessageID.hasPrefix("mock-sms-"))
            #expect(report.attempts == 1 && report.errors == AttemptErrors())
            #expect(backend.totals.messages == 1)
            await backend.shutdown()
        }
    }

    @Test func aBaseURLPathPrefixesEveryRoute() async throws {
        var routes = ChannelRoutes.defaults
        routes[.sms] = "/api/sms/v1/messages"
        try await HTTPBackendTests.withServer({ $0.routes = routes }) { server, url in
            let backend = try HTTPBackendTests.backend(url + "/api/")
            let report = await backend.send(Self.message(1), content: Self.content)
            #expect(report.result.isAccepted, "\(report)")
            #expect(server.counters.accepted(.sms) == 1)
            await backend.shutdown()
        }
    }

    /// User info and a query mean the same over both transports: the query follows each route,
    /// the user info arrives as Basic authorization, and retries are counted alike.
    @Test(arguments: [false, true])
    func userInfoAndAQueryAreSentAlikeOverBothTransports(asyncHTTPClient: Bool) async throws {
        try await HTTPBackendTests.withServer({ $0.errorRate = 0.3 }) { server, url in
            var target = HTTPTargetSpec(
                url: url.replacingOccurrences(of: "http://", with: "http://user:p%40ss@") + "/?key=1")
            target.maxAttempts = 10
            target.backoffBase = SimDuration(milliseconds: 5)
            target.backoffMax = SimDuration(milliseconds: 100)
            var configuration = HTTPBackend.Configuration(target: target)
            configuration.prefersAsyncHTTPClient = asyncHTTPClient
            let backend = try HTTPBackend(configuration)
            #expect((Self.transport(of: backend) == nil) == asyncHTTPClient)
            #expect(backend.authorization == "Basic " + Data("user:p@ss".utf8).base64EncodedString())
            let results = await LoadDriver(backend: backend).run(
                SyntheticLoad(channels: [.sms, .push], ratePerSecond: 500, count: 30))
            #expect(results.overall.accepted == 30)
            #expect(results.overall.errors.serverErrors == server.counters.rejected["error_rate", default: 0])
            #expect(results.overall.retries == results.overall.errors.serverErrors)
            #expect(server.counters.acceptedTotal == 30 && server.counters.duplicates == 0)
            #expect(server.counters.authorized == results.overall.attempts)
            await backend.shutdown()
        }
    }

    @Test func aTimeoutEndsTheAttemptWithinATickAndClosesItsConnection() async throws {
        try await HTTPBackendTests.withServer({
            $0.latency = LogNormalDelay(median: SimDuration(milliseconds: 500), sigma: 0)
        }) { _, url in
            let backend = try HTTPBackendTests.backend(url) {
                $0.requestTimeout = SimDuration(milliseconds: 100)
                $0.maxAttempts = 1
            }
            let transport = try #require(Self.transport(of: backend))
            let started = ContinuousClock.now
            let report = await backend.send(Self.message(1), content: Self.content)
            let elapsed = ContinuousClock.now - started
            #expect(report.result == SubmitResult.rejected(.timeout) && report.errors.timeouts == 1)
            #expect(elapsed >= .milliseconds(95) && elapsed < .seconds(5))
            // The timed-out connection cannot carry another request: the next one opens a new one.
            _ = await backend.send(Self.message(2), content: Self.content)
            #expect(await transport.connectionsOpened() == 2)
            await backend.shutdown()
        }
    }

    @Test func aRefusedConnectionIsCountedOnBothPaths() async throws {
        let backend = try HTTPBackendTests.backend("http://127.0.0.1:1") {
            $0.maxAttempts = 2
            $0.connectTimeout = SimDuration(milliseconds: 500)
        }
        let viaTask = await backend.send(Self.message(1), content: Self.content)
        let viaCallback = await withCheckedContinuation { continuation in
            backend.send(Self.message(2), content: Self.content) { continuation.resume(returning: $0) }
        }
        for report in [viaTask, viaCallback] {
            #expect(report.attempts == 2 && report.errors.connectionRefused == 2)
            #expect(report.result == SubmitResult.rejected(.connectionFailed("connection refused")))
        }
        await backend.shutdown()
    }

    // MARK: The message-id scan

    /// What `HTTPBackend` did before: `JSONSerialization`, then the id keys in order.
    static func referenceID(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return nil
        }
        for key in ["id", "message_id", "sid", "name"] { if let id = object[key] as? String { return id } }
        if let messages = object["messages"] as? [[String: Any]], let id = messages.first?["id"] as? String {
            return id
        }
        return nil
    }

    static func scan(_ bytes: [UInt8]) -> (id: String?, present: Bool) {
        bytes.withUnsafeBytes { (MessageIDParser.messageID(in: $0), MessageIDParser.hasMessageID(in: $0)) }
    }

    @Test func theIDScanAgreesWithJSONSerializationOnProviderAnswers() {
        let answers = [
            #"{"id":"mock-sms-1","status":"accepted"}"#,
            #"{"status":"queued","sid":"SM123"}"#,
            #"{"message_id":"m-1","id":7}"#,
            #"{"messaging_product":"whatsapp","messages":[{"id":"wamid.HBg"}]}"#,
            #"{"messages":[{"id":"a"},{"id":"b"}],"name":"projects/x/messages/1"}"#,
            #"{"messages":[{"id":"a"},3]}"#,
            #"{"name":"n","id":"i"}"#,
            #" { "id" : "sp\u00e9cial \ud83d\ude00 \" \\ \/" } "#,
            #"{"id":"first","id":"last"}"#,
            #"{"i\u0064":"escaped key"}"#,
            #"{"nested":{"id":"not top level"},"ok":[1,2.5e3,-0.1,true,false,null]}"#,
            #"{}"#, #"[]"#, #""id""#, "", "{", #"{"id":"x""#, #"{"id":"x",}"#, #"{"id":01}"#, #"{"id":"\x"}"#,
            #"{"id":"a"} trailing"#, #"{"id":"\ud800"}"#, "{\"id\":\"tab\there\"}",
        ]
        for answer in answers {
            let bytes = Array(answer.utf8)
            let scanned = Self.scan(bytes)
            #expect(scanned.id == Self.referenceID(bytes), "\(answer)")
            #expect(scanned.present == (scanned.id != nil), "\(answer)")
        }
    }

    @Test func theIDScanAgreesWithJSONSerializationOnMutatedAndRandomBytes() {
        var rng = Xoshiro256StarStar(seed: 0x1D5C_A11)
        let seeds = [
            #"{"id":"mock-sms-42","status":"accepted"}"#, #"{"messages":[{"id":"wamid.1"}],"x":[1,{"y":"z"}]}"#,
            #"{"sid":"SM1","price":-0.75e-2,"flags":[true,false,null],"to":"+1555"}"#,
        ]
        let alphabet = Array(#"{}[],:"\ 0e-."#.utf8)
        var checked = 0
        for round in 0..<3000 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            if round % 10 == 9 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                for _ in 0...Int(rng.next() % 3) where !bytes.isEmpty {
                    let index = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 4 {
                    case 0: bytes[index] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: bytes.remove(at: index)
                    case 2: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: index)
                    default: bytes.removeLast(bytes.count - index)
                    }
                }
            }
            let scanned = Self.scan(bytes)
            #expect(scanned.id == Self.referenceID(bytes), "\(bytes)")
            #expect(scanned.present == (scanned.id != nil))
            checked += 1
        }
        #expect(checked == 3000)
    }
}

#if canImport(Glibc)
    import Foundation
    import JourneySim
    @testable import JourneySimHTTP
    import Testing

    /// The mock server against clients that try to hold it: slow or missing request heads, idle
    /// keep-alive connections, and one address opening too many connections. The misbehaving client
    /// is a raw socket from 127.0.0.2, the well-behaved one an HTTP client from 127.0.0.1; every wait
    /// is bounded (socket receive timeouts, counted polling loops).
    @Suite(.serialized, .timeLimit(.minutes(1))) struct MockServerLimitTests {
        static func port(of url: String) -> Int { Int(url.split(separator: ":").last!)! }

        /// Polls `condition` every 20 ms, at most `tries` times.
        static func eventually(tries: Int = 250, _ condition: () -> Bool) async throws -> Bool {
            for _ in 0..<tries {
                if condition() { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return condition()
        }

        /// Half a request line and then nothing: the connection is cut at the header timeout, and
        /// meanwhile another client is served.
        @Test func aClientThatStopsMidHeaderIsDisconnectedAndOthersAreServed() async throws {
            try await HTTPBackendTests.withServer({ $0.headerTimeout = SimDuration(milliseconds: 300) }) {
                server, url in
                let slow = try RawSocket(port: Self.port(of: url), from: "127.0.0.2")
                #expect(slow.send("POST /sms/v1/mess"))
                let served = try await HTTPBackendTests.get(url + "/healthz")
                #expect(served.status == 200 && served.body == "ok\n")
                #expect(slow.read() == .closed)
                #expect(server.counters.headerTimeouts == 1)
                let metrics = try await HTTPBackendTests.get(url + "/metrics").body
                #expect(metrics.contains("journeysim_mock_connections_closed_total{reason=\"header_timeout\"} 1"))
            }
        }

        /// Bytes that keep coming do not extend the deadline: a request head trickled a byte every
        /// 50 ms is cut about 300 ms after its first byte, long before the idle timeout.
        @Test func aRequestHeadTrickledSlowlyIsCutAtTheHeaderTimeout() async throws {
            try await HTTPBackendTests.withServer({
                $0.headerTimeout = SimDuration(milliseconds: 300)
                $0.idleTimeout = .seconds(30)
            }) { server, url in
                let slow = try RawSocket(port: Self.port(of: url), from: "127.0.0.2")
                let request = Array(
                    "POST /sms/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: "
                        + String(repeating: "a", count: 200))
                var cut = false
                for character in request {
                    guard slow.send(String(character)), slow.poll() != .closed else {
                        cut = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(cut, "the server still read a head trickled for \(request.count * 50) ms")
                #expect(server.counters.headerTimeouts == 1)
            }
        }

        /// A keep-alive connection that got its answer and then sends nothing is closed after the
        /// idle timeout (not the header timeout, which is longer here).
        @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
            try await HTTPBackendTests.withServer({
                $0.headerTimeout = .seconds(30)
                $0.idleTimeout = SimDuration(milliseconds: 300)
            }) { server, url in
                let client = try RawSocket(port: Self.port(of: url), from: "127.0.0.2")
                #expect(client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
                var answer = ""
                for _ in 0..<10 where !answer.hasSuffix("ok\n") {
                    guard case let .data(text) = client.read() else { break }
                    answer += text
                }
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
                #expect(client.read() == .closed)
                #expect(server.counters.headerTimeouts == 0)
            }
        }

        /// One address cannot take every connection: beyond its share, its new connections are
        /// closed at once (and counted) while its others stay open, and another client is served.
        @Test func oneAddressCannotOpenMoreThanItsShareOfConnections() async throws {
            try await HTTPBackendTests.withServer({
                $0.maxConnectionsPerAddress = 2
                $0.headerTimeout = .seconds(30)
                $0.idleTimeout = .seconds(30)
            }) { server, url in
                let sockets = try (0..<3).map { _ in try RawSocket(port: Self.port(of: url), from: "127.0.0.2") }
                #expect(try await Self.eventually { server.counters.connectionsOverAddressLimit == 1 })
                // Which of the three is refused depends on which the server set up last.
                #expect(try await Self.eventually { sockets.contains { $0.poll() == .closed } })
                #expect(sockets.filter { $0.poll() == .nothing }.count == 2)
                let served = try await HTTPBackendTests.get(url + "/healthz")
                #expect(served.status == 200)
                #expect(server.counters.connectionsOverAddressLimit == 1)
            }
        }

        @Test func theLimitsHaveDefaultsAndAreConfigurableAndChecked() throws {
            let defaults = MockServerSpec()
            #expect(defaults.headerTimeout == .seconds(10) && defaults.idleTimeout == .seconds(60))
            #expect(defaults.maxConnectionsPerAddress == 256 && defaults.maxConnections == 512)
            func parse(_ text: String) throws -> MockServerSpec {
                try MockServerSpec(from: #require(try ConfigDocument.parse(text, file: "mock.yaml")))
            }
            let spec = try parse("header_timeout: 2s\nidle_timeout: 15s\nmax_connections_per_address: 8\n")
            #expect(
                spec.headerTimeout == .seconds(2) && spec.idleTimeout == .seconds(15)
                    && spec.maxConnectionsPerAddress == 8)
            for (text, message) in [
                ("header_timeout: 0s", "header_timeout"), ("idle_timeout: 2h", "idle_timeout"),
                ("max_connections_per_address: 0", "max_connections_per_address"),
            ] {
                do {
                    _ = try parse(text)
                    Issue.record("\(text) was accepted")
                } catch {
                    #expect(String(describing: error).contains(message), "\(error)")
                }
            }
        }
    }
#endif

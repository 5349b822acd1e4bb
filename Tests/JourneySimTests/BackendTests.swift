import Foundation
import Testing

@testable import JourneySim

/// MockBackend: determinism, rate limits in virtual time, queueing and failure rates; the
/// `backend:` section's parsing.
@Suite struct BackendTests {
    static let t0 = SimTime(unixSeconds: 1_772_409_600)

    static func message(_ id: UInt64, _ channel: Channel = .whatsapp, at time: SimTime = t0) -> OutboundMessage {
        OutboundMessage(id: id, customer: UInt32(id % 1000), channel: channel, campaign: 0, step: 0, intendedTime: time)
    }

    @Test func sameSeedGivesTheSameOutcomes() {
        func run(_ seed: UInt64) -> [SubmitResult] {
            var backend = MockBackend(seed: seed)
            return (0..<2000).map { i in
                let time = Self.t0 + SimDuration(milliseconds: Int64(i) * 5)
                return backend.submit(Self.message(UInt64(i), Channel.allCases[i % 10], at: time), at: time)
            }
        }
        #expect(run(1) == run(1))
        #expect(run(1) != run(2))
    }

    @Test func mockIDsReadLikeProviderIDsAndCompareByText() throws {
        var backend = MockBackend(seed: 3)
        var accepted: Acceptance?
        for id in UInt64(1)...50 where accepted == nil {
            if case let .accepted(acceptance) = backend.submit(Self.message(id, .sms), at: Self.t0) {
                accepted = acceptance
            }
        }
        var acceptance = try #require(accepted)
        #expect(acceptance.providerMessageID.hasPrefix("mock-sms-"))
        // The same id held as text is the same acceptance; setting an id replaces the mock's.
        var asText = acceptance
        asText.providerMessageID = acceptance.providerMessageID
        #expect(asText == acceptance)
        acceptance.providerMessageID = "provider-1"
        #expect(acceptance.providerMessageID == "provider-1")
        #expect(asText != acceptance)
    }

    @Test func tokenBucketHoldsTheRateInVirtualTime() {
        var backend = MockBackend(
            seed: 3,
            overrides: [
                .whatsapp: MockChannelSpec(
                    latency: .init(median: .zero, sigma: 0), failureRate: 0, undeliverableRate: 0, readProbability: 0,
                    readDelay: .init(median: .zero, sigma: 0), ratePerSecond: 80, burst: 80)
            ])
        // 2,000 messages submitted within one second: 25 times the limit.
        var dispatches: [Int64] = []
        for i in 0..<2000 {
            let time = Self.t0 + SimDuration(milliseconds: Int64(i / 2))
            guard case let .accepted(acceptance) = backend.submit(Self.message(UInt64(i), at: time), at: time) else {
                Issue.record("message \(i) rejected")
                return
            }
            dispatches.append(acceptance.dispatchedAt!.milliseconds - Self.t0.milliseconds)
        }
        // In any window of one second, at most burst + rate messages leave the queue.
        var start = 0
        for end in dispatches.indices {
            while dispatches[end] - dispatches[start] >= 1000 { start += 1 }
            #expect(end - start + 1 <= 160)
        }
        // And the queue drains at 80/s: the last one leaves after about (2000 - 80) / 80 = 24 s.
        #expect(abs(Double(dispatches.last!) / 1000 - 24) < 0.1)
        let counters = backend.counters(for: .whatsapp)
        #expect(counters.queued > 1800)
        #expect(counters.maxQueueDelayMilliseconds > 22_000)
    }

    /// The soundness of a partitioned run's check: whenever every part stays within its fair
    /// share of a sender's limiter, the merged traffic never waits in the whole limiter. Random
    /// bursty streams are split at random into 2 or 3 parts; both outcomes must occur, or the
    /// check would be vacuous (never within the share) or blind (never leaving it).
    @Test func partsWithinTheirShareNeverMakeTheWholeLimiterWait() {
        var rng = SplitMix64(seed: 41)
        var spec = MockChannelSpec.defaults(for: .sms)
        spec.undeliverableRate = 0
        spec.serverErrorRate = 0
        var within = 0
        var left = 0
        var wholeWaited = 0
        for trial in 0..<400 {
            let parts = 2 + trial % 2
            spec.ratePerSecond = [5, 20, 80][trial % 3]
            spec.burst = [3, 10, 40, 80][trial % 4]
            let messages = 20 + Int(rng.next() % 300)
            // Bursts: several messages at one instant, then a gap of up to two seconds.
            var time = Self.t0
            var stream: [(time: SimTime, part: Int)] = []
            while stream.count < messages {
                for _ in 0..<(1 + Int(rng.next() % 6)) { stream.append((time, Int(rng.next() % UInt64(parts)))) }
                time = time + SimDuration(milliseconds: Int64(rng.next() % 2_000))
            }
            var split = (0..<parts).map { _ in MockBackend(seed: 9, overrides: [.sms: spec], partitions: parts) }
            var whole = MockBackend(seed: 9, overrides: [.sms: spec])
            for (index, item) in stream.enumerated() {
                let message = Self.message(UInt64(index), .sms, at: item.time)
                _ = split[item.part].submit(message, at: item.time)
                _ = whole.submit(message, at: item.time)
            }
            let waited = whole.counters(for: .sms).queued + whole.counters(for: .sms).rateLimited > 0
            if waited { wholeWaited += 1 }
            if split.contains(where: \.sharedLimitMayBind) {
                left += 1
            } else {
                within += 1
                #expect(
                    !waited, "trial \(trial): every part within its share, yet the whole limiter made a message wait")
            }
            #expect(!whole.sharedLimitMayBind)
        }
        #expect(
            within > 40 && left > 40 && wholeWaited > 40, "within \(within), left \(left), whole waited \(wholeWaited)")
    }

    @Test func queueingDelaysDeliveryAndOverflowIsRateLimited() {
        var spec = MockChannelSpec.defaults(for: .sms)
        spec.ratePerSecond = 10
        spec.burst = 1
        spec.maxQueueDelay = .seconds(2)
        spec.failureRate = 0
        spec.undeliverableRate = 0
        var backend = MockBackend(seed: 5, overrides: [.sms: spec])
        var accepted = 0
        var limited: [SimDuration] = []
        for i in 0..<50 {
            switch backend.submit(Self.message(UInt64(i), .sms), at: Self.t0) {
            case let .accepted(a):
                #expect(a.dispatchedAt! == Self.t0 + SimDuration(milliseconds: Int64(accepted) * 100))
                #expect(a.deliveredAt! > a.dispatchedAt!)
                accepted += 1
            case let .rejected(.rateLimited(retryAfter)): limited.append(retryAfter)
            case let other: Issue.record("unexpected \(other)")
            }
        }
        #expect(accepted == 21)  // waits of 0, 100, …, 2000 ms
        #expect(limited.count == 29)
        #expect(limited.first == SimDuration(milliseconds: 100))
    }

    @Test func failureAndReadRatesAreWithinTolerance() {
        var backend = MockBackend(seed: 11)
        let n = 40_000
        for i in 0..<n {
            let time = Self.t0 + SimDuration(milliseconds: Int64(i) * 100)  // 10/s: never rate limited
            _ = backend.submit(Self.message(UInt64(i), .email, at: time), at: time)
        }
        let c = backend.counters(for: .email)
        let spec = MockChannelSpec.defaults(for: .email)
        #expect(c.submitted == n && c.rateLimited == 0 && c.queued == 0)
        #expect(abs(Double(c.invalidRecipients) / Double(n) - spec.undeliverableRate) < 0.004)
        #expect(abs(Double(c.failed) / Double(c.accepted) - spec.failureRate) < 0.005)
        #expect(abs(Double(c.read) / Double(c.delivered) - spec.readProbability) < 0.015)
        #expect(c.accepted + c.rejected == c.submitted && c.delivered + c.failed == c.accepted)
    }

    @Test func latencyMedianMatchesTheSpec() {
        var backend = MockBackend(seed: 2)
        var latencies: [Int64] = []
        for i in 0..<5001 {
            let time = Self.t0 + SimDuration(milliseconds: Int64(i) * 20)
            if case let .accepted(a) = backend.submit(Self.message(UInt64(i), .whatsapp, at: time), at: time),
                let delivered = a.deliveredAt
            {
                latencies.append(delivered.milliseconds - time.milliseconds)
            }
        }
        latencies.sort()
        let median = Double(latencies[latencies.count / 2])
        #expect(abs(median - 300) < 20)
    }

    @Test func backendSectionParses() throws {
        let spec = try BackendSpec.parse(
            """
            backend:
              kind: mock
              seed: 9
              channels:
                whatsapp: { latency: { median: 250ms, sigma: 0.4 }, failure_rate: 0.02, rate_limit_per_second: 40 }
              http: { url: "http://127.0.0.1:8080", token_env: MY_TOKEN, routes: { sms: /v2/sms }, timeout: 1500ms }
            """, file: "b.yaml")
        #expect(spec.seed == 9)
        let whatsapp = try #require(spec.mockChannels[.whatsapp])
        #expect(whatsapp.latency == LogNormalDelay(median: SimDuration(milliseconds: 250), sigma: 0.4))
        #expect(whatsapp.ratePerSecond == 40 && whatsapp.burst == 40 && whatsapp.failureRate == 0.02)
        #expect(spec.http?.routes[.sms] == "/v2/sms")
        #expect(spec.http?.requestTimeout == SimDuration(milliseconds: 1500))
        #expect(spec.http?.tokenEnvironmentVariable == "MY_TOKEN")
    }

    @Test func backendSectionErrorsAreLocated() {
        func error(_ text: String) -> String {
            do {
                _ = try BackendSpec.parse(text, file: "b.yaml")
                return ""
            } catch { return error.description }
        }
        #expect(
            error("backend:\n  channels:\n    whatsapp: { failur_rate: 0.1 }\n").contains(
                "b.yaml:3:17: backend.channels.whatsapp.failur_rate: unknown key 'failur_rate'. Did you mean 'failure_rate'?"
            ))
        #expect(error("backend:\n  kind: mokc\n").contains("Did you mean 'mock'?"))
        #expect(error("backend:\n  http: { url: 127.0.0.1:8080 }\n").contains("no http:// or https:// scheme"))
        #expect(error("backend:\n  kind: http\n").contains("backend.http: required key is missing"))
        #expect(
            error("backend:\n  channels: { sms: { latency: { median: 3 } } }\n").contains("a duration needs a unit"))
    }

    @Test func durationsTakeMilliseconds() throws {
        #expect(SimDuration(text: "250ms") == SimDuration(milliseconds: 250))
        #expect(SimDuration(text: "1.5s") == SimDuration(milliseconds: 1500))
        #expect(SimDuration(text: "2m") == SimDuration(milliseconds: 120_000))
        #expect(SimDuration(text: "ms") == nil)
        // Existing units keep working in scenario files.
        let parsed = try scenario("duration: 36h\n")
        #expect(parsed.duration == .hours(36))
    }
}

import Foundation
import JourneySimTestSupport
import Testing

@testable import JourneySim

/// A backend that answers after a fixed delay on `clock`, accepting every message.
struct DelayBackend: MessagingBackend {
    var delay: Duration
    var clock: ManualClock
    func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        try? await clock.sleep(for: delay)
        return SendReport(result: .accepted(Acceptance(providerMessageID: "x-\(message.id)")))
    }
}

/// Whether every latency recorded is `microseconds` (the histogram keeps the smallest exactly,
/// the largest to its bucket).
func everyLatency(of results: LoadResults, is microseconds: UInt64) -> Bool {
    let latency = results.overall.latency
    return latency.min == microseconds && latency.valuesAreEquivalent(latency.max, microseconds)
}

/// A load whose input waits `stall` on `clock` before handing over message `before`, as a slow
/// message source would.
struct StallingLoad: AsyncSequence, Sendable {
    var load: SyntheticLoad
    var before: Int
    var stall: Duration
    var clock: ManualClock

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: SyntheticLoad.AsyncIterator
        let load: StallingLoad
        var index = 0

        mutating func next() async -> LoadItem? {
            if index == load.before { try? await load.clock.sleep(for: load.stall) }
            index += 1
            return await base.next()
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: load.makeAsyncIterator(), load: self) }
}

/// Runs `load` through a load driver in virtual time: the driver and `backend(clock)` on a
/// manual clock that moves whenever every task waits on it, so timings come out exact.
@available(macOS 15.0, *)
func drive<Backend: MessagingBackend>(
    _ load: SyntheticLoad, options: LoadDriver<Backend, ManualClock>.Options = .init(),
    stop: LoadStopSignal = LoadStopSignal(), on backend: (ManualClock) -> Backend
) async throws -> LoadResults {
    let time = VirtualTime()
    let driver = LoadDriver(backend: backend(time.clock), options: options, clock: time.clock)
    return try await time.run { await driver.run(load, stop: stop) }
}

/// Runs `load` in virtual time against a `DelayBackend` answering after `delay`.
@available(macOS 15.0, *)
func drive(
    _ load: SyntheticLoad, answeringAfter delay: Duration,
    options: LoadDriver<DelayBackend, ManualClock>.Options = .init(), stop: LoadStopSignal = LoadStopSignal()
) async throws -> LoadResults {
    try await drive(load, options: options, stop: stop) { DelayBackend(delay: delay, clock: $0) }
}

/// The load driver's accounting, and thresholds. The driver runs on a manual clock, so pacing,
/// lateness and latency are exact.
@Suite struct LoadTests {
    @available(macOS 15.0, *)
    @Test func driverSendsEveryMessageOnSchedule() async throws {
        let load = SyntheticLoad(channels: [.sms, .whatsapp], ratePerSecond: 1000, count: 300)
        let results = try await drive(load, answeringAfter: .milliseconds(2), options: .init(lateSlack: .milliseconds(50)))
        #expect(results.overall.intended == 300 && results.overall.started == 300 && results.overall.completed == 300)
        #expect(results.overall.accepted == 300 && results.overall.dropped == 0 && results.overall.late == 0)
        #expect(results.channels[.sms]?.completed == 150 && results.channels[.whatsapp]?.completed == 150)
        #expect(results.overall.latency.totalCount == 300)
        // Every message starts when it is due and is answered 2 ms later.
        #expect(everyLatency(of: results, is: 2000))
        // 300 messages at 1000/s are scheduled over 0.299 s; the last answer comes 2 ms after.
        #expect(abs(results.scheduledSeconds - 0.299) < 1e-9)
        #expect(abs(results.wallSeconds - 0.301) < 1e-9)
        #expect(abs(results.intendedThroughput - 1000) < 10)
    }

    @available(macOS 15.0, *)
    @Test func speedupCompressesSimulatedTime() async throws {
        // 100 messages one simulated second apart, at 200× speed: 99 s / 200 = 0.495 wall seconds.
        let load = SyntheticLoad(channels: [.email], ratePerSecond: 1, count: 100)
        let results = try await drive(load, answeringAfter: .zero, options: .init(speedup: 200))
        #expect(results.overall.completed == 100 && results.overall.late == 0)
        #expect(abs(results.wallSeconds - 0.495) < 1e-9)
    }

    @available(macOS 15.0, *)
    @Test func inFlightCapDropsAndCountsInsteadOfQueueing() async throws {
        // Each answer takes 200 ms but messages are due every millisecond: with 10 in flight at
        // most, the rest are dropped, and latency is measured from the schedule.
        let load = SyntheticLoad(channels: [.push], ratePerSecond: 1000, count: 100)
        let results = try await drive(load, answeringAfter: .milliseconds(200), options: .init(maxInFlight: 10))
        #expect(results.overall.intended == 100)
        #expect(results.overall.started == 10)
        #expect(results.overall.dropped == 90)
        #expect(results.overall.started + results.overall.dropped == results.overall.intended)
        #expect(everyLatency(of: results, is: 200_000))
        // The tenth message started at 9 ms; its answer came 200 ms later.
        #expect(abs(results.wallSeconds - 0.209) < 1e-9)
    }

    @available(macOS 15.0, *)
    @Test func aFreedSlotTakesTheNextDueMessage() async throws {
        // One slot, answers in 2.5 ms, a message due every millisecond: each answer frees the slot
        // for the message due at the next whole millisecond, and the two before it are dropped.
        let load = SyntheticLoad(channels: [.sms], ratePerSecond: 1000, count: 10)
        let results = try await drive(load, answeringAfter: .microseconds(2500), options: .init(maxInFlight: 1))
        #expect(results.overall.started == 4 && results.overall.dropped == 6)
        #expect(results.overall.late == 0 && everyLatency(of: results, is: 2500))
    }

    @available(macOS 15.0, *)
    @Test func messagesTheDriverGetsToAfterTheirSlackAreCountedLate() async throws {
        // The input stalls for 20 ms before its third message: the messages due at 2, 3 and 4 ms
        // start at 21 ms, beyond the 10 ms slack, and are counted late; none is dropped.
        let time = VirtualTime()
        let load = StallingLoad(
            load: SyntheticLoad(channels: [.sms], ratePerSecond: 1000, count: 5), before: 2,
            stall: .milliseconds(20), clock: time.clock)
        let driver = LoadDriver(
            backend: DelayBackend(delay: .milliseconds(1), clock: time.clock), options: .init(lateSlack: .milliseconds(10)),
            clock: time.clock)
        let results = try await time.run { await driver.run(load) }
        #expect(results.overall.started == 5 && results.overall.dropped == 0 && results.overall.late == 3)
        #expect(abs(results.wallSeconds - 0.022) < 1e-9)
    }

    @available(macOS 15.0, *)
    @Test func limitsAndStopSignalEndTheRun() async throws {
        let load = SyntheticLoad(channels: [.sms], ratePerSecond: 100, count: 10_000)
        let limited = try await drive(load, answeringAfter: .zero, options: .init(maxMessages: 20))
        #expect(limited.overall.intended == 20)
        #expect(limited.stopReason?.contains("message limit") == true)
        // Messages are due every 10 ms: those at 0, 10, …, 100 ms are within the limit.
        let timed = try await drive(load, answeringAfter: .zero, options: .init(maxDuration: .milliseconds(100)))
        #expect(timed.overall.intended == 11 && timed.stopReason == "duration limit reached")
        let stop = LoadStopSignal()
        stop.stop(reason: "test")
        let stopped = try await drive(load, answeringAfter: .zero, stop: stop)
        #expect(stopped.overall.intended == 0 && stopped.stopReason == "test")
    }

    @Test func theWallClockDriverPacesOnItsOwn() async {
        // The default driver, on the continuous clock: only counts are asserted, never times.
        struct Instant: MessagingBackend {
            func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
                SendReport(result: .accepted(Acceptance(providerMessageID: "x-\(message.id)")))
            }
        }
        let results = await LoadDriver(backend: Instant()).run(
            SyntheticLoad(channels: [.sms], ratePerSecond: 10_000, count: 20))
        #expect(results.overall.started == 20 && results.overall.accepted == 20)
        #expect(results.wallSeconds > 0)
    }

    @Test func thresholdsParse() throws {
        let p99 = try Threshold("p99 < 250ms")
        #expect(p99.metric == .p99 && p99.comparison == .less && p99.value == 250)
        #expect(try Threshold("p50 <= 0.1s").value == 100)
        #expect(try Threshold("p99.9<800us").value == 0.8)
        let errorRate = try Threshold("error_rate < 1%")
        #expect(errorRate.metric == .errorRate && abs(errorRate.value - 0.01) < 1e-12)
        #expect(try Threshold("throughput >= 500/s").comparison == .greaterOrEqual)
        #expect(try Threshold("dropped == 0").value == 0)
    }

    @Test func badThresholdsAreErrorsNamingTheProblem() {
        func message(_ text: String) -> String {
            do {
                _ = try Threshold(text)
                return ""
            } catch { return error.description }
        }
        #expect(message("p98 < 250ms").contains("unknown metric 'p98'"))
        #expect(message("latency < 250ms").contains("unknown metric 'latency'"))
        #expect(message("eror_rate < 1%").contains("Did you mean 'error_rate'?"))
        #expect(message("p99 250ms").contains("no comparison"))
        #expect(message("p99 < fast").contains("'fast' is not a value for p99"))
        #expect(message("error_rate < 5").contains("fraction"))
        #expect(message("dropped == 1%").contains("not a value"))
    }

    @available(macOS 15.0, *)
    @Test func thresholdsEvaluateAndReport() async throws {
        let load = SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 50)
        let results = try await drive(load, answeringAfter: .milliseconds(1))
        let outcomes = try ["p99 < 60s", "error_rate == 0%", "dropped == 0", "p50 < 0.001ms"].map {
            try Threshold($0).evaluate(results)
        }
        #expect(outcomes.map(\.passed) == [true, true, true, false])
        let xml = LoadReport.junitXML(outcomes)
        #expect(xml.contains("tests=\"4\" failures=\"1\""))
        #expect(xml.contains("<testcase classname=\"journeysim.load.thresholds\" name=\"p99 &lt; 60s\"/>"))
        #expect(xml.contains("<failure message=\"actual"))
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(LoadReport.summaryJSON(results, thresholds: outcomes)))
                as? [String: Any])
        #expect((summary["overall"] as? [String: Any])?["completed"] as? Int == 50)
        #expect(((summary["channels"] as? [String: Any])?["sms"] as? [String: Any])?["accepted"] as? Int == 50)
        #expect((summary["thresholds"] as? [Any])?.count == 4)
    }
}

/// A backend whose every message is accepted on its third attempt, after two 503s: what a
/// load run against a struggling backend with retries looks like.
struct RetriedErrorsBackend: MessagingBackend {
    func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        var errors = AttemptErrors()
        errors.serverErrors = 2
        return SendReport(
            result: .accepted(Acceptance(providerMessageID: "x-\(message.id)")), attempts: 3, errors: errors)
    }
}

/// A backend that accepts nothing: every attempt is refused.
struct RefusingBackend: MessagingBackend {
    func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        var errors = AttemptErrors()
        errors.connectionRefused = 2
        return SendReport(result: .rejected(.connectionFailed("connection refused")), attempts: 2, errors: errors)
    }
}

/// What a load run's error rates and implicit check mean.
@Suite struct LoadVerdictTests {
    /// Retries cannot hide errors: with every message accepted after two 503s, `error_rate` is
    /// failed attempts over attempts (2/3) while `message_error_rate` is 0, and the report shows
    /// both counts.
    @available(macOS 15.0, *)
    @Test func retriedErrorsCountInTheErrorRateThoughEveryMessageIsAccepted() async throws {
        let results = try await drive(SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 30)) { _ in
            RetriedErrorsBackend()
        }
        let s = results.overall
        #expect(s.accepted == 30 && s.failedMessages == 0 && s.attempts == 90 && s.failedAttempts == 60)
        #expect(abs(s.errorRate - 2.0 / 3.0) < 1e-12 && s.attemptErrorRate == s.errorRate && s.messageErrorRate == 0)
        let outcomes = try ["error_rate < 1%", "attempt_error_rate < 1%", "message_error_rate < 1%"].map {
            try Threshold($0).evaluate(results)
        }
        #expect(outcomes.map(\.passed) == [false, false, true])
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(LoadReport.summaryJSON(results))) as? [String: Any])
        let overall = try #require(summary["overall"] as? [String: Any])
        #expect(overall["failed_attempts"] as? Int == 60 && overall["failed_messages"] as? Int == 0)
        #expect((overall["error_rate"] as? Double).map { abs($0 - 2.0 / 3.0) < 1e-6 } == true)
        #expect(overall["message_error_rate"] as? Double == 0)
        #expect(BackendFailure.check(results, target: "http://127.0.0.1:8080") == nil)
    }

    /// A run in which nothing was accepted fails by itself, naming the target and the cause;
    /// reports carry the failed check. A run that sent nothing has nothing to judge.
    @available(macOS 15.0, *)
    @Test func aRunWithNoAcceptedMessageFailsNamingTheTargetAndCause() async throws {
        let results = try await drive(SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 10)) { _ in
            RefusingBackend()
        }
        let failure = try #require(BackendFailure.check(results, target: "http://127.0.0.1:1"))
        #expect(
            failure.description.contains(
                "the backend failed the run: http://127.0.0.1:1 accepted none of the 10 messages sent"))
        #expect(failure.description.contains("connection refused on 20 of 20 attempts"))
        let junit = LoadReport.junitXML([], backendCheck: true, backendFailure: failure)
        #expect(junit.contains("tests=\"1\" failures=\"1\"") && junit.contains(BackendFailure.checkName))
        let summary = try #require(
            try JSONSerialization.jsonObject(
                with: Data(LoadReport.summaryJSON(results, backendFailure: failure))) as? [String: Any])
        #expect((summary["backend_check"] as? [String: Any])?["passed"] as? Bool == false)
        let nothing = try await drive(SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 0)) { _ in
            RefusingBackend()
        }
        #expect(BackendFailure.check(nothing, target: "http://127.0.0.1:1") == nil)
    }

    /// A threshold that no result could satisfy, or that every result satisfies, or whose value
    /// the metric can never take, is refused when parsed, naming the text and the allowed range.
    @Test(arguments: [
        ("error_rate < 200%", "out of range for error_rate; give a rate from 0% to 100%"),
        ("error_rate < -1%", "out of range"),
        ("message_error_rate <= 1.5", "fraction"),
        ("p99 < -5ms", "out of range for p99; give a latency of 0ms or more"),
        ("throughput >= -1/s", "out of range for throughput"),
        ("dropped == -1", "out of range for dropped; give a whole number from 0 up"),
        ("dropped == 1.5", "whole number"),
        ("p99 < nan", "out of range"),
        ("p99 < inf", "out of range"),
        ("error_rate < infinity%", "out of range"),
        ("error_rate <= 100%", "can never fail"),
        ("error_rate >= 0%", "can never fail"),
        ("p99 >= 0ms", "can never fail"),
        ("dropped >= 0", "can never fail"),
        ("error_rate > 100%", "can never pass"),
        ("error_rate < 0%", "can never pass"),
        ("p50 < 0ms", "can never pass"),
        ("late < 0", "can never pass"),
    ])
    func impossibleOrUndecidableThresholdsAreRefused(text: String, message: String) {
        do {
            let threshold = try Threshold(text)
            Issue.record("'\(text)' was accepted as \(threshold.metric) \(threshold.comparison) \(threshold.value)")
        } catch {
            #expect(error.description.contains("threshold '\(text)'"), "\(error.description)")
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    /// Bounds inside the range still parse, at the edges too.
    @Test func thresholdsAtTheEdgesOfTheirRangeAreKept() throws {
        for text in [
            "error_rate < 100%", "error_rate > 0%", "error_rate == 0%", "error_rate <= 0", "message_error_rate < 1",
            "p99 > 0ms", "p99 <= 0ms", "dropped == 0", "dropped <= 0", "throughput > 0/s", "malformed == 0",
        ] {
            #expect(throws: Never.self, "\(text)") { try Threshold(text) }
        }
    }
}

import Foundation
import Testing

@testable import JourneySim

/// A backend that answers after a fixed wall-clock delay, accepting every message.
struct DelayBackend: MessagingBackend {
    var delay: Duration
    func send(_ message: OutboundMessage, content: MessageContent) async -> SendReport {
        try? await Task.sleep(for: delay)
        return SendReport(result: .accepted(Acceptance(providerMessageID: "x-\(message.id)")))
    }
}

/// The load driver's accounting, and thresholds.
@Suite struct LoadTests {
    @Test func driverSendsEveryMessageOnSchedule() async {
        let load = SyntheticLoad(channels: [.sms, .whatsapp], ratePerSecond: 1000, count: 300)
        let driver = LoadDriver(
            backend: DelayBackend(delay: .milliseconds(2)), options: .init(lateSlack: .milliseconds(50)))
        let results = await driver.run(load)
        #expect(results.overall.intended == 300 && results.overall.started == 300 && results.overall.completed == 300)
        #expect(results.overall.accepted == 300 && results.overall.dropped == 0)
        #expect(results.channels[.sms]?.completed == 150 && results.channels[.whatsapp]?.completed == 150)
        #expect(results.overall.latency.totalCount == 300)
        #expect(results.overall.latencyMilliseconds(percentile: 50) >= 2)
        // 300 messages at 1000/s are scheduled over 0.3 s. (The upper bound is loose: CPU-bound
        // suites running in parallel on two cores can delay wake-ups by seconds.)
        #expect(results.wallSeconds > 0.28 && results.wallSeconds < 30)
        #expect(abs(results.intendedThroughput - 1000) < 10)
    }

    @Test func speedupCompressesSimulatedTime() async {
        // 100 messages one simulated second apart, at 200× speed: about half a wall second.
        let load = SyntheticLoad(channels: [.email], ratePerSecond: 1, count: 100)
        let results = await LoadDriver(backend: DelayBackend(delay: .zero), options: .init(speedup: 200)).run(load)
        #expect(results.overall.completed == 100)
        #expect(results.wallSeconds > 0.48 && results.wallSeconds < 30)
    }

    @Test func inFlightCapDropsAndCountsInsteadOfQueueing() async {
        // Each answer takes 200 ms but messages are due every millisecond: with 10 in flight at
        // most, the rest are dropped, and latency is measured from the schedule.
        let load = SyntheticLoad(channels: [.push], ratePerSecond: 1000, count: 100)
        let driver = LoadDriver(backend: DelayBackend(delay: .milliseconds(200)), options: .init(maxInFlight: 10))
        let results = await driver.run(load)
        #expect(results.overall.intended == 100)
        #expect(results.overall.started == 10)
        #expect(results.overall.dropped == 90)
        #expect(results.overall.started + results.overall.dropped == results.overall.intended)
        #expect(results.overall.latencyMilliseconds(percentile: 50) >= 200)
    }

    @Test func limitsAndStopSignalEndTheRun() async {
        let load = SyntheticLoad(channels: [.sms], ratePerSecond: 100, count: 10_000)
        let limited = await LoadDriver(backend: DelayBackend(delay: .zero), options: .init(maxMessages: 20)).run(load)
        #expect(limited.overall.intended == 20)
        #expect(limited.stopReason?.contains("message limit") == true)
        let timed = await LoadDriver(
            backend: DelayBackend(delay: .zero), options: .init(maxDuration: .milliseconds(100))
        ).run(load)
        #expect(timed.overall.intended <= 11 && timed.overall.intended >= 10)
        let stop = LoadStopSignal()
        stop.stop(reason: "test")
        let stopped = await LoadDriver(backend: DelayBackend(delay: .zero)).run(load, stop: stop)
        #expect(stopped.overall.intended == 0 && stopped.stopReason == "test")
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

    @Test func thresholdsEvaluateAndReport() async throws {
        let load = SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 50)
        let results = await LoadDriver(backend: DelayBackend(delay: .milliseconds(1))).run(load)
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
    @Test func retriedErrorsCountInTheErrorRateThoughEveryMessageIsAccepted() async throws {
        let results = await LoadDriver(backend: RetriedErrorsBackend()).run(
            SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 30))
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
    @Test func aRunWithNoAcceptedMessageFailsNamingTheTargetAndCause() async throws {
        let results = await LoadDriver(backend: RefusingBackend()).run(
            SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 10))
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
        let nothing = await LoadDriver(backend: RefusingBackend()).run(
            SyntheticLoad(channels: [.sms], ratePerSecond: 2000, count: 0))
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

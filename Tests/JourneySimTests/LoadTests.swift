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
        let driver = LoadDriver(backend: DelayBackend(delay: .milliseconds(2)), options: .init(lateSlack: .milliseconds(50)))
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
        let timed = await LoadDriver(backend: DelayBackend(delay: .zero), options: .init(maxDuration: .milliseconds(100))).run(load)
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
            do { _ = try Threshold(text); return "" } catch { return error.description }
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
        let outcomes = try ["p99 < 60s", "error_rate == 0%", "dropped == 0", "p50 < 0.001ms"].map { try Threshold($0).evaluate(results) }
        #expect(outcomes.map(\.passed) == [true, true, true, false])
        let xml = LoadReport.junitXML(outcomes)
        #expect(xml.contains("tests=\"4\" failures=\"1\""))
        #expect(xml.contains("<testcase classname=\"journeysim.load.thresholds\" name=\"p99 &lt; 60s\"/>"))
        #expect(xml.contains("<failure message=\"actual"))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(LoadReport.summaryJSON(results, thresholds: outcomes))) as? [String: Any])
        #expect((summary["overall"] as? [String: Any])?["completed"] as? Int == 50)
        #expect(((summary["channels"] as? [String: Any])?["sms"] as? [String: Any])?["accepted"] as? Int == 50)
        #expect((summary["thresholds"] as? [Any])?.count == 4)
    }
}

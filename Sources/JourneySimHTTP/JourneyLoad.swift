import Foundation
import JourneySim

/// The `load` workflow: a scenario's traffic recorded in virtual time (`JourneyTraffic`), then
/// replayed against an HTTP target by the load driver and judged by thresholds and the backend
/// check. The `load` command only parses options, prints progress and writes what this returns.
public struct JourneyLoad: Sendable {
    public var scenario: Scenario
    /// Where and how to send: URL, concurrency, retries, timeouts, credentials.
    public var target: HTTPTargetSpec
    public var options: LoadDriver<HTTPBackend, ContinuousClock>.Options
    public var thresholds: [Threshold]
    /// This generator's shard of the traffic (0 of 1: all of it).
    public var shard: Int
    public var shards: Int

    public init(
        scenario: Scenario, target: HTTPTargetSpec, options: LoadDriver<HTTPBackend, ContinuousClock>.Options,
        thresholds: [Threshold] = [], shard: Int = 0, of shards: Int = 1
    ) {
        self.scenario = scenario
        self.target = target
        self.options = options
        self.thresholds = thresholds
        self.shard = shard
        self.shards = shards
    }

    /// The traffic: the scenario's run in virtual time and the messages it sent (at most
    /// `options.maxMessages`), in intended-time order.
    public func record() -> (run: SimulationRun, items: [LoadItem]) {
        JourneyTraffic.record(scenario, shard: shard, of: shards, limit: options.maxMessages ?? 10_000_000)
    }

    /// Replays `items` against the target until they are done, a limit is reached or `stop` is
    /// asked to stop (messages in flight are waited for). `shown` names the target in reports
    /// (its user info masked). Fails before sending anything when the backend cannot be made.
    public func replay(
        _ items: [LoadItem], shown: String, stop: LoadStopSignal = LoadStopSignal(), progress: LoadProgress? = nil
    ) async throws(HTTPBackendError) -> LoadOutcome {
        let backend = try HTTPBackend(.init(target: target))
        let results = await LoadDriver(backend: backend, options: options).run(items, stop: stop, progress: progress)
        await backend.shutdown()
        return LoadOutcome(
            results: results, thresholds: thresholds.map { $0.evaluate(results) },
            backendFailure: BackendFailure.check(results, target: shown))
    }
}

/// What a load run found: the driver's results, each threshold's verdict and the backend check.
public struct LoadOutcome: Sendable {
    public var results: LoadResults
    public var thresholds: [ThresholdOutcome]
    /// Set when messages were sent and the backend accepted none of them.
    public var backendFailure: BackendFailure?

    public init(results: LoadResults, thresholds: [ThresholdOutcome], backendFailure: BackendFailure?) {
        self.results = results
        self.thresholds = thresholds
        self.backendFailure = backendFailure
    }

    /// No threshold failed and the backend accepted messages.
    public var passed: Bool { backendFailure == nil && thresholds.allSatisfy(\.passed) }

    /// The run's report files: `load.json`, `junit.xml` and `report.html` (titled `title`).
    public func files(title: String) -> [(name: String, data: Data)] {
        [
            ("load.json", Data(LoadReport.summaryJSON(results, thresholds: thresholds, backendFailure: backendFailure))),
            (
                "junit.xml",
                Data(LoadReport.junitXML(thresholds, backendCheck: true, backendFailure: backendFailure).utf8)
            ),
            (
                "report.html",
                Data(
                    LoadReportPage.html(
                        results, title: title, throughput: throughput, thresholds: thresholds,
                        backendFailure: backendFailure
                    ).utf8)
            ),
        ]
    }

    /// Per-second intended and answered messages, for the report's throughput chart.
    public var throughput: [LoadReportPage.ThroughputSample] {
        let seconds = max(results.intendedPerSecond.count, results.completedPerSecond.count)
        return (0..<seconds).map { second in
            LoadReportPage.ThroughputSample(
                secondsSinceStart: Double(second),
                completedPerSecond: Double(
                    second < results.completedPerSecond.count ? results.completedPerSecond[second] : 0),
                intendedPerSecond: Double(
                    second < results.intendedPerSecond.count ? results.intendedPerSecond[second] : 0))
        }
    }
}

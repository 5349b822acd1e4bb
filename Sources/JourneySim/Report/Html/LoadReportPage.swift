/// The HTML report of a load run: the HDR latency curve (p50 … max, measured from the intended
/// send time, so free of coordinated omission) per channel and overall, throughput over time
/// when a series was recorded, and the error figures.
public enum LoadReportPage {
    /// Completed requests per interval of wall-clock time, when the driver recorded it.
    public struct ThroughputSample: Sendable, Equatable {
        public var secondsSinceStart: Double
        public var completedPerSecond: Double
        public var intendedPerSecond: Double

        public init(secondsSinceStart: Double, completedPerSecond: Double, intendedPerSecond: Double) {
            self.secondsSinceStart = secondsSinceStart
            self.completedPerSecond = completedPerSecond
            self.intendedPerSecond = intendedPerSecond
        }
    }

    public static func html(
        _ results: LoadResults, title: String = "journeysim load report",
        throughput: [ThroughputSample] = [], thresholds: [ThresholdOutcome] = [],
        backendFailure: BackendFailure? = nil
    ) -> String {
        var page = HTMLReportDocument(
            title: title,
            subtitle:
                "wall \(results.wallSeconds.formatted2) s (scheduled \(results.scheduledSeconds.formatted2) s, speed-up ×\(results.speedup.formatted2)); \(results.overall.completed) of \(results.overall.intended) messages answered"
        )
        if let reason = results.stopReason {
            page.raw("<p class=\"warning\">Stopped early: \(HTMLText.escape(reason))</p>")
        }
        if let backendFailure {
            page.raw("<p class=\"warning\">FAILED: \(HTMLText.escape(backendFailure.description))</p>")
        }
        page.heading("Latency")
        latency(results, into: &page)
        page.heading("Throughput")
        if throughput.isEmpty {
            averageThroughput(results, into: &page)
        } else {
            throughputOverTime(throughput, into: &page)
        }
        page.heading("Errors")
        errors(results.overall, into: &page)
        if !thresholds.isEmpty {
            page.raw(
                "<figure class=\"chart\" id=\"chart-thresholds\">\n<figcaption>Thresholds</figcaption>\n\(HTMLTable(header: ["threshold", "actual", "result"], rows: thresholds.map { [$0.threshold.text, $0.threshold.format($0.actual), $0.passed ? "passed" : "FAILED"] }).html())</figure>"
            )
        }
        return page.html()
    }

    /// The latency curve per channel and overall, with the percentiles' exact values.
    private static func latency(_ results: LoadResults, into page: inout HTMLReportDocument) {
        let channels = results.channels.keys.sorted()
        var series = [latencySeries("overall", results.overall, color: "#111")]
        for (index, channel) in channels.enumerated() {
            series.append(latencySeries(channel.name, results.channels[channel]!, color: ChartPalette.color(index)))
        }
        series.removeAll { $0.points.isEmpty }
        let percentiles: [(String, Double)] = [("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("max", 100)]
        let rows = [("overall", results.overall)] + channels.map { ($0.name, results.channels[$0]!) }
        let table = HTMLTable(
            header: ["slice", "completed"] + percentiles.map { "\($0.0) (ms)" } + ["mean (ms)"],
            rows: rows.map { name, s in
                [name, String(s.completed)] + percentiles.map { ChartValueFormat.milliseconds.exact(value(s, $0.1)) }
                    + [ChartValueFormat.milliseconds.exact(s.meanLatencyMilliseconds)]
            })
        if series.isEmpty {
            page.missingFigure(
                id: "latency-percentiles", caption: "Latency by percentile",
                reason: "No message was answered, so there is no latency to show.")
        } else {
            page.figure(
                id: "latency-percentiles",
                caption: "Latency by percentile (HDR histogram, from the intended send time)",
                svg: PercentileCurveChart(series: series).svg(label: "Latency percentile curve per channel"),
                note: "The horizontal axis stretches the tail: each step is ten times rarer (90%, 99%, 99.9%, …).",
                data: table)
        }
    }

    /// Intended against achieved throughput, for a run that recorded no per-interval series.
    private static func averageThroughput(_ results: LoadResults, into page: inout HTMLReportDocument) {
        let chart = BarChart(
            categories: ["intended", "achieved"],
            series: [
                .init(
                    name: "messages per second", color: ChartPalette.color(0),
                    values: [results.intendedThroughput, results.achievedThroughput])
            ], format: .decimal, height: 260)
        page.figure(
            id: "throughput", caption: "Throughput: intended vs achieved (messages per second)",
            svg: chart.svg(label: "Intended and achieved throughput"),
            note: "No per-interval series was recorded for this run, so only the run's averages are shown.")
    }

    /// Intended and completed requests per second over the run.
    private static func throughputOverTime(_ throughput: [ThroughputSample], into page: inout HTMLReportDocument) {
        let chart = LineChart(
            labels: throughput.map { ChartValueFormat.trimmed($0.secondsSinceStart, decimals: 1) + "s" },
            series: [
                .init(
                    name: "intended per second", color: ChartPalette.control,
                    values: throughput.map(\.intendedPerSecond), dashed: true),
                .init(
                    name: "completed per second", color: ChartPalette.color(0),
                    values: throughput.map(\.completedPerSecond)),
            ], leftFormat: .decimal, leftTitle: "messages per second")
        page.figure(
            id: "throughput", caption: "Throughput over time", svg: chart.svg(label: "Throughput over time"),
            data: HTMLTable(
                header: ["second", "intended/s", "completed/s"],
                rows: throughput.map {
                    [
                        $0.secondsSinceStart.formatted2, $0.intendedPerSecond.formatted2,
                        $0.completedPerSecond.formatted2,
                    ]
                }))
    }

    /// Every outcome and error count of the run, and the rejections by kind.
    private static func errors(_ o: LoadStatistics, into page: inout HTMLReportDocument) {
        var errorRows: [[String]] = [
            ["intended", String(o.intended)], ["started", String(o.started)], ["late", String(o.late)],
            ["dropped", String(o.dropped)],
            ["completed", String(o.completed)], ["accepted", String(o.accepted)],
            ["failed messages", String(o.failedMessages)],
            ["attempts", String(o.attempts)], ["failed attempts", String(o.failedAttempts)],
            ["retries", String(o.retries)],
            ["error rate (failed attempts / attempts)", SummaryTable.percent(o.attemptErrorRate)],
            ["message error rate (failed messages / completed)", SummaryTable.percent(o.messageErrorRate)],
            ["timeouts", String(o.errors.timeouts)], ["connection refused", String(o.errors.connectionRefused)],
            ["HTTP 429", String(o.errors.rateLimited)], ["HTTP 5xx", String(o.errors.serverErrors)],
            ["malformed answers", String(o.errors.malformedResponses)],
        ]
        for kind in o.rejected.keys.sorted() { errorRows.append(["rejected: \(kind)", String(o.rejected[kind]!)]) }
        page.raw(
            "<figure class=\"chart\" id=\"chart-errors\">\n<figcaption>Outcomes and errors</figcaption>\n\(HTMLTable(header: ["figure", "value"], rows: errorRows).html())</figure>"
        )
    }

    static func value(_ s: LoadStatistics, _ percentile: Double) -> Double {
        percentile >= 100 ? s.maxLatencyMilliseconds : s.latencyMilliseconds(percentile: percentile)
    }

    static func latencySeries(_ name: String, _ s: LoadStatistics, color: String) -> PercentileCurveChart.Series {
        guard s.latency.totalCount > 0 else { return .init(name: name, color: color, points: []) }
        return .init(name: name, color: color, points: PercentileCurveChart.percentiles.map { ($0, value(s, $0)) })
    }
}

import Foundation
import Testing

@testable import JourneySim

/// The human-facing reports: HTML charts, CSV, Markdown, the `report`, `init` and `schema`
/// commands, and the scenario schema.
@Suite struct ReportTests {
    static let packageRoot = CLITests.packageRoot

    /// `scenarios/abandoned-cart.yaml` cut to 2,000 customers and 10 days: four campaigns, two
    /// with control groups, fallbacks and opt-outs, in about a second.
    static let summary: RunSummary = {
        var scenario = try! ScenarioLoader.load(
            path: packageRoot.appendingPathComponent("scenarios/abandoned-cart.yaml").path)
        scenario.population.customers = 2000
        scenario.duration = .days(10)
        return SimulationRun.execute(scenario).summary
    }()

    static let html = RunReportPage.html(summary)

    @Test func htmlHasEveryChartWithTheRunsNumbers() throws {
        let summary = Self.summary
        let html = Self.html
        for id in RunReportPage.chartIDs {
            #expect(html.contains("id=\"chart-\(id)\""), "chart \(id) missing")
        }
        #expect(!html.contains("class=\"empty\""), "a chart has no data")
        #expect(html.components(separatedBy: "<svg ").count - 1 >= 8)
        // A day's figures, in the daily table under the conversion/revenue chart.
        let day = summary.daily[3]
        #expect(day.purchases > 0)
        #expect(
            html.contains(
                "<tr><td>\(day.date)</td><td>\(day.sessions)</td><td>\(day.cartAdds)</td><td>\(day.abandonedCarts)</td><td>\(day.purchases)</td>"
            ))
        #expect(
            html.contains(
                "<tr><td>\(day.date)</td><td>\(day.messagesDelivered)</td><td>\(day.unhappyMessages)</td><td>\(day.optOuts)</td></tr>"
            ))
        // A bar of the funnel carries the archetype's exact purchases.
        let routine = try #require(summary.byArchetype["routine"])
        #expect(html.contains("routine, purchases: \(ChartValueFormat.count.exact(Double(routine.purchases)))</title>"))
        // The campaign's delivered count, its terminal states and its treatment/control figures.
        let messaging = try #require(summary.messaging)
        let cart = try #require(messaging.campaigns["abandoned_cart"])
        #expect(cart.delivered > 0 && cart.control.exposures > 0)
        #expect(html.contains("<tr><td>abandoned_cart</td><td>\(cart.created)</td><td>\(cart.delivered)</td>"))
        #expect(
            html.contains(
                "<tr><td>abandoned_cart</td><td>\(cart.treatment.exposures)</td><td>\(cart.treatment.conversions)</td>")
        )
        let lift = try #require(cart.lift)
        #expect(html.contains(SummaryTable.pp(lift.estimate)))
        let fellBack = cart.terminalStates["fell_back"] ?? 0
        #expect(
            html.contains("abandoned_cart, fell_back: \(ChartValueFormat.count.exact(Double(fellBack)))</title>")
                || fellBack == 0)
        #expect(html.contains(SummaryTable.money(summary.totals.revenue)))
    }

    @Test func htmlIsSelfContained() {
        let html = Self.html.lowercased()
        for forbidden in ["http://", "https://", "<script", "<link", "url(", "@import", "src=", "<iframe"] {
            #expect(!html.contains(forbidden), "report.html contains \(forbidden)")
        }
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<style>"))
    }

    @Test func namesAreEscaped() {
        let page = ComparisonReportPage.html(
            ComparisonReportInput(
                title: "<b>x</b>", strategies: ["a<script>", "b"],
                metrics: [.init(name: "conversion", format: .percent, values: [0.1, 0.12], differences: [nil, nil])]))
        #expect(!page.contains("<script>"))
        #expect(page.contains("a&lt;script&gt;"))
    }

    @Test func dailyCSVHasOneRowPerDay() throws {
        let csv = DailyCSV.render(Self.summary)
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.count == Self.summary.daily.count + 1)
        #expect(
            lines[0]
                == "date,sessions,cart_adds,abandoned_carts,purchases,revenue,messages_delivered,unhappy_messages,opt_outs"
        )
        let d = Self.summary.daily[2]
        #expect(
            lines[3]
                == "\(d.date),\(d.sessions),\(d.cartAdds),\(d.abandonedCarts),\(d.purchases),\(String(format: "%.2f", d.revenue)),\(d.messagesDelivered),\(d.unhappyMessages),\(d.optOuts)"
        )
    }

    @Test func markdownSummary() throws {
        let md = SummaryMarkdown.render(Self.summary)
        let cart = try #require(Self.summary.messaging?.campaigns["abandoned_cart"])
        #expect(md.hasPrefix("# journeysim run: abandoned-cart\n"))
        #expect(md.contains("| abandoned_cart | \(cart.entered) | \(cart.created) | \(cart.delivered) |"))
        let d = Self.summary.daily[3]
        #expect(md.contains("| \(d.date) | \(d.sessions) | \(d.cartAdds) | \(d.abandonedCarts) | \(d.purchases) |"))
        #expect(md.contains("| purchases | \(ChartValueFormat.count.exact(Double(Self.summary.totals.purchases))) |"))
    }

    @Test func summaryJSONRoundTrips() throws {
        let bytes = ResultsWriter.json(Self.summary)
        let decoded = try RunReportFiles.decodeSummary(bytes)
        #expect(decoded == Self.summary)
        #expect(ResultsWriter.json(decoded) == bytes)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"cost_usd\""))
    }

    @Test func loadReportShowsPercentilesAndThroughput() {
        var statistics = LoadStatistics()
        for micros in stride(from: UInt64(1000), through: 200_000, by: 1000) { _ = statistics.latency.record(micros) }
        statistics.intended = 200
        statistics.started = 200
        statistics.completed = 200
        statistics.accepted = 198
        let results = LoadResults(
            channels: [.sms: statistics], overall: statistics, wallSeconds: 10, scheduledSeconds: 10, speedup: 1)
        let plain = LoadReportPage.html(results)
        #expect(plain.contains("id=\"chart-latency-percentiles\""))
        #expect(plain.contains("id=\"chart-throughput\""))
        #expect(plain.contains(ChartValueFormat.milliseconds.exact(statistics.latencyMilliseconds(percentile: 99))))
        #expect(
            plain.contains("overall max: \(ChartValueFormat.milliseconds.exact(statistics.maxLatencyMilliseconds))"))
        let series = LoadReportPage.html(
            results,
            throughput: [
                .init(secondsSinceStart: 1, completedPerSecond: 19.5, intendedPerSecond: 20),
                .init(secondsSinceStart: 2, completedPerSecond: 20.5, intendedPerSecond: 20),
            ])
        #expect(series.contains("Throughput over time"))
        #expect(series.contains("<td>20.50</td>"))
    }

    @Test func comparisonShowsStrategiesSideBySide() {
        let input = ComparisonReportInput(
            title: "abandoned-cart: strategies", strategies: ["one_reminder", "two_reminders"],
            metrics: [
                .init(
                    name: "customer conversion", format: .percent, values: [0.3125, 0.3391],
                    differences: [nil, ConfidenceInterval(estimate: 0.0266, lower: 0.0101, upper: 0.0431)]),
                .init(
                    name: "opt-outs", format: .count, values: [120, 181],
                    differences: [nil, ConfidenceInterval(estimate: 61, lower: 40, upper: 82)], higherIsBetter: false),
            ])
        let html = ComparisonReportPage.html(input)
        #expect(html.contains("id=\"chart-comparison-table\""))
        #expect(html.contains("id=\"chart-metric-0\"") && html.contains("id=\"chart-metric-1\""))
        #expect(html.contains("<td>31.25%</td><td>33.91%</td><td>+2.66pp [+1.01pp, +4.31pp] *</td>"))
        #expect(html.contains("<td>120</td><td>181</td><td>+61 [+40, +82] *</td>"))
        #expect(html.contains("#dc3912"))  // more opt-outs is worse: drawn red
    }

    @Test func progressReportsSimulatedTime() {
        let start = SimTime(milliseconds: 0)
        let end = start + .days(10)
        let progress = RunProgress(start: start, end: end)
        #expect(progress.snapshot().fractionDone == 0)
        progress.update(slot: 0, now: start + .days(2), events: 100)
        progress.update(slot: 1, now: start + .days(4), events: 50)
        let snapshot = progress.snapshot()
        #expect(abs(snapshot.fractionDone - 0.3) < 1e-9)
        #expect(snapshot.events == 150)
        #expect(snapshot.simulatedUntil == start + .days(2))
    }

    @Test func starterScenarioLoads() throws {
        let scenario = try ScenarioLoader.parse(StarterScenario.text, file: "starter.yaml")
        #expect(scenario.triggers.campaigns.count == 1)
        #expect(scenario.population.customers == 5000)
    }

    @Test func schemaIsJSONAndListsEveryTopLevelKey() throws {
        let object = try JSONSerialization.jsonObject(with: ScenarioSchema.prettyJSON()) as? [String: Any]
        let schema = try #require(object)
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema["additionalProperties"] as? Bool == false)
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(Scenario.topLevelKeys))
        #expect(
            Set(Scenario.topLevelKeys) == [
                "name", "seed", "start", "duration", "population", "journeys", "journey", "sessions",
                "behavior", "campaigns", "frequency_caps", "backend", "thresholds", "strategies",
            ])
        let defs = try #require(schema["$defs"] as? [String: Any])
        let campaign = try #require(defs["campaign"] as? [String: Any])
        #expect(Set((campaign["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(Campaign.keys))
        let population = try #require(defs["population"] as? [String: Any])
        #expect(Set((population["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(PopulationSpec.keys))
        let journey = try #require(defs["journey"] as? [String: Any])
        #expect(Set((journey["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(JourneyParameters.keys))
    }

    // MARK: Commands

    @Test func reportCommandRebuildsFromSummaryJSON() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let results = folder.appendingPathComponent("results/abandoned-cart-7")
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        try ResultsWriter.json(Self.summary).write(to: results.appendingPathComponent("summary.json"))
        let ok = try CLITests.run(["report", "results/abandoned-cart-7"], in: folder)
        #expect(ok.status == 0, "\(ok.stderr)")
        let html = try String(contentsOf: results.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html == Self.html)
        #expect(
            try String(contentsOf: results.appendingPathComponent("daily.csv"), encoding: .utf8)
                == DailyCSV.render(Self.summary))
        #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("summary.md").path))

        let missing = try CLITests.run(["report", "nowhere"], in: folder)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no summary.json"))
        try Data("{\"schema_version\": 1, \"totals\": 3}".utf8).write(
            to: results.appendingPathComponent("summary.json"))
        let malformed = try CLITests.run(["report", "results/abandoned-cart-7"], in: folder)
        #expect(malformed.status == 2)
        #expect(malformed.stderr.contains("malformed summary.json"))
        try Data("not json".utf8).write(to: results.appendingPathComponent("summary.json"))
        #expect(try CLITests.run(["report", "results/abandoned-cart-7"], in: folder).status == 2)
    }

    @Test func initWritesALoadableScenarioAndRefusesToOverwrite() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try CLITests.run(["init", "mine.yaml"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let path = folder.appendingPathComponent("mine.yaml").path
        let scenario = try ScenarioLoader.load(path: path)
        #expect(scenario.name == "my-scenario")
        try Data("name: keep\n".utf8).write(to: URL(fileURLWithPath: path))
        let again = try CLITests.run(["init", "mine.yaml"], in: folder)
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "name: keep\n")
        #expect(try CLITests.run(["init", "mine.yaml", "--force"], in: folder).status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == StarterScenario.text)
    }

    @Test func schemaCommandAndHelpExamples() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let schema = try CLITests.run(["schema"], in: folder)
        #expect(schema.status == 0)
        #expect(Data(schema.stdout.utf8) == ScenarioSchema.prettyJSON())
        let root = try CLITests.run(["--help"], in: folder)
        #expect(root.stdout.contains("--generate-completion-script"))
        for command in ["run", "report", "merge", "validate", "init", "schema", "bench", "mock-server", "drive"] {
            let help = try CLITests.run([command, "--help"], in: folder)
            #expect(help.stdout.contains("Examples:"), "\(command) --help has no examples")
        }
    }
}

import Foundation
import Testing

@testable import JourneySim

/// The second reliability round, one test per class of bad input: each is refused at its root
/// with an error that names the field and quotes at most a line, never a crash, a hang, a silent
/// roll-over or a lie.
@Suite struct HostileInputTests {
    // MARK: Flows as graphs

    static func flowScenario(_ steps: String) -> String {
        """
        population:
          customers: 100
        campaigns:
          - name: loop
            trigger: { event: add_to_cart }
            steps:
        \(steps)
        """
    }

    /// A loop of branches and zero delays would run forever at one instant: refused, naming
    /// every step on it in order.
    @Test(arguments: [
        (
            "      - { id: a, message: { template: hi }, then: b }\n      - { id: b, branch: { on: cart_value, cases: [ { when: \"> 1\", goto: a } ], otherwise: end } }",
            "'a' → 'b' → 'a'"
        ),
        (
            "      - { id: a, branch: { on: stars, cases: [ { when: \"<= 3\", goto: a } ], otherwise: end } }",
            "'a' → 'a'"
        ),
        ("      - { id: a, delay: 0s }\n      - { id: b, message: { template: hi }, then: a }", "'a' → 'b' → 'a'"),
    ])
    func aFlowLoopInWhichNoTimePassesIsRefusedWithItsSteps(steps: String, path: String) throws {
        let error = try #require(scenarioError(Self.flowScenario(steps)))
        let text = error.description
        #expect(text.contains("campaigns.0.steps.0"), "\(text)")
        #expect(text.contains(path) && text.contains("no simulated time passes"), "\(text)")
    }

    /// A loop that no event interrupts and that takes less than an hour a round could run
    /// millions of times per customer (a 1 ms reminder loop spun for minutes): refused, with the
    /// round time; at an hour, or with a wait for an event in the loop, it is bounded and accepted.
    @Test func aFastLoopIsRefusedAndABoundedOneAccepted() throws {
        let fast =
            "      - { id: a, message: { template: hi, delay: 1ms }, then: b }\n      - { id: b, delay: 59m }\n      - { id: c, message: { template: bye }, then: a }"
        let text = try #require(scenarioError(Self.flowScenario(fast))).description
        #expect(
            text.contains("'a' → 'b' → 'c' → 'a'") && text.contains("59m") == false && text.contains("takes only"),
            "\(text)")
        #expect(text.contains("3540001ms a round"), "\(text)")
        let hourly = "      - { id: a, message: { template: hi, delay: 1h }, then: a }"
        #expect(scenarioError(Self.flowScenario(hourly)) == nil)
        // A loop through a wait's on_event edge is bounded by the customer's events.
        let gated =
            "      - { id: a, message: { template: hi }, then: w }\n      - { id: w, wait: { event: view, timeout: 1d, on_event: a, on_timeout: end } }"
        #expect(scenarioError(Self.flowScenario(gated)) == nil)
        // The timeout edge of the same wait is a loop only if it returns, and then counts its time.
        let polling = "      - { id: w, wait: { event: purchase, timeout: 10m, on_event: end, on_timeout: w } }"
        #expect(try #require(scenarioError(Self.flowScenario(polling))).description.contains("'w' → 'w'"))
    }

    /// The loop analysis on its own: the shortest round is found among several loops.
    @Test func theShortestRoundIsFoundAmongSeveralLoops() {
        let flow = Flow(
            steps: [.delay(.hours(5)), .delay(.hours(2)), .delay(.minutes(3))], names: ["a", "b", "c"], next: [1, 0, 1])
        // a → b → a takes 7h, b → c? No: c is unreachable from b; c → b → a → b is not a cycle through c.
        #expect(flow.loopProblem == nil)
        let fast = Flow(
            steps: [.delay(.hours(5)), .delay(.minutes(2)), .delay(.minutes(3))], names: ["a", "b", "c"],
            next: [1, 2, 1])
        #expect(fast.loopProblem == .tooFast(steps: [1, 2, 1], round: .minutes(5)))
    }

    // MARK: Calendar dates

    /// Dates that do not exist are errors naming the month's length, in the scenario's start and
    /// in a campaign's start and end; real ones (a leap day, offsets) give the right instant.
    @Test(arguments: [
        ("2026-02-30", "February 2026 has 28 days, not 30"), ("2026-04-31", "April 2026 has 30 days, not 31"),
        ("2027-02-29", "February 2027 has 28 days, not 29"), ("1900-02-29", "February 1900 has 28 days"),
        ("2026-13-01", "month 13 does not exist"), ("2026-00-10", "month 0 does not exist"),
        ("2026-03-00", "has 31 days, not 0"), ("2026-03-02T24:00:00Z", "hour 24"),
        ("2026-03-02T08:60:00Z", "minute 60"), ("2026-03-02T08:00:00", "needs its time zone"),
        ("2026-3-2", "write YYYY-MM-DD"), ("2026-03-02T08:00:00+25:00", "offset"),
    ])
    func anImpossibleDateIsAnErrorNotARollOver(text: String, reason: String) throws {
        for yaml in [
            "start: \"\(text)\"\npopulation: { customers: 10 }",
            "population: { customers: 10 }\ncampaigns:\n  - { name: c, trigger: { event: view }, content: { template: t }, start: \"\(text)\" }",
            "population: { customers: 10 }\ncampaigns:\n  - { name: c, trigger: { event: view }, content: { template: t }, end: \"\(text)\" }",
        ] {
            let error = try #require(scenarioError(yaml), "\(text) was accepted")
            #expect(
                error.description.contains(reason) && error.description.contains("'\(text)' is not a date"), "\(error)")
        }
    }

    @Test func realDatesGiveTheirInstant() throws {
        #expect(
            try scenario("start: 2028-02-29\npopulation: { customers: 10 }").start.iso8601 == "2028-02-29T00:00:00.000Z"
        )
        #expect(
            try scenario("start: \"2000-02-29T23:59:59.5Z\"\npopulation: { customers: 10 }").start.iso8601
                == "2000-02-29T23:59:59.500Z")
        #expect(
            try scenario("start: \"2026-03-02T08:00:00+05:30\"\npopulation: { customers: 10 }").start.iso8601
                == "2026-03-02T02:30:00.000Z")
        #expect(
            try scenario("start: \"2026-03-01T20:00:00-08:00\"\npopulation: { customers: 10 }").start.iso8601
                == "2026-03-02T04:00:00.000Z")
        // Every day of four years round-trips through the calendar.
        var day = SimTime.days(fromCivil: (2026, 1, 1))
        for year in Int64(2026)...2029 {
            for month in Int64(1)...12 {
                for date in 1...Int64(CalendarInstant.daysIn(month: Int(month), year: Int(year))) {
                    #expect(SimTime.days(fromCivil: (year, month, date)) == day)
                    #expect(SimTime.civil(fromDays: day) == (year, month, date))
                    day += 1
                }
            }
        }
    }

    // MARK: Errors quote a line, not the file

    /// A duplicate key deep in a large file: the error names its line, quotes that line, and is
    /// short (the parser's own message carried the whole mapping: 882 KB for a 900 KB file).
    @Test func aDuplicateKeyErrorQuotesItsLineNotTheFile() {
        var lines = ["population:", "  customers: 100", "behavior:"]
        for index in 0..<20_000 { lines.append("  filler_\(index): 1") }
        lines.append("population: 3")
        let error = scenarioError(lines.joined(separator: "\n"))
        let text = error?.description ?? ""
        #expect(text.count < 400, "\(text.count) characters")
        #expect(
            text.contains("bad.yaml:20004:1") && text.contains("'population' appears twice")
                && text.contains("first on line 1"), "\(text)")
        #expect(text.hasSuffix("| population: 3"), "\(text)")
        // JSON, on one line: the same, clipped.
        let json =
            "{\"population\": {\"customers\": 100}, \"seed\": 1, \"seed\": 2, \"notes\": \""
            + String(repeating: "x", count: 50_000) + "\"}"
        let jsonText = scenarioError(json)?.description ?? ""
        #expect(jsonText.count < 400 && jsonText.contains("'seed' appears twice"), "\(jsonText.prefix(400))")
    }

    /// A value thousands of characters long is cut in the message that quotes it.
    @Test func aHugeValueIsCutInTheErrorThatQuotesIt() {
        let yaml = "start: \"" + String(repeating: "9", count: 100_000) + "\"\npopulation: { customers: 10 }"
        let text = scenarioError(yaml)?.description ?? ""
        #expect(text.count < 800 && text.contains("start") && text.contains("…"), "\(text.prefix(800))")
    }

    /// YAML 1.1's base-60 numbers are not numbers here: `1:30` is text, and a long one, which
    /// trapped on overflow inside the YAML library, is a clean error (found by the fuzzer).
    @Test func aBaseSixtyNumberIsTextNotANumberOrACrash() {
        let long = "100035:+000:+000005:+000060:+000000000000060:+0000000:+000005:+000060:+000000000000060"
        for value in ["1:30", long] {
            let text = scenarioError("population:\n  customers: \(value)")?.description ?? ""
            #expect(text.contains("population.customers: expected a whole number, found the text"), "\(text)")
        }
        #expect(scenarioError("\(long)\n") != nil)
    }

    // MARK: Structures sized by the input

    /// Aliases that repeat aliases multiply a few lines into millions of values: refused before
    /// anything is built from them.
    @Test func anAliasBombIsRefusedBeforeItIsExpanded() {
        var lines = ["a0: &a0 [{ limit: 1, per: 1d }]"]
        for level in 1...20 { lines.append("a\(level): &a\(level) [*a\(level - 1), *a\(level - 1)]") }
        lines.append("population: { customers: 10 }")
        let text = scenarioError(lines.joined(separator: "\n"))?.description ?? ""
        #expect(text.contains("more than 200000 values once its YAML aliases"), "\(text)")
        // Expanded depth counts too: an alias chain is nested as deep as it is long.
        var deep = ["d0: &d0 [1]"]
        for level in 1...80 { deep.append("d\(level): &d\(level) [*d\(level - 1)]") }
        deep.append("population: { customers: 10 }")
        #expect(scenarioError(deep.joined(separator: "\n"))?.description.contains("nested more than 64 levels") == true)
    }

    @Test func aScenarioHasAtMostSixtyFourFrequencyCaps() {
        let caps = (0..<65).map { _ in "  - { limit: 255, per: 1h }" }.joined(separator: "\n")
        let text = scenarioError("population: { customers: 10 }\nfrequency_caps:\n" + caps)?.description ?? ""
        #expect(text.contains("frequency_caps: 65 frequency caps; at most 64"), "\(text)")
    }

    /// Without campaigns nothing is sent, so caps hold no per-customer state (they were sized by
    /// customers × caps all the same, outside the estimate: SIGABRT at a million customers).
    @Test func capsWithoutCampaignsHoldNoState() throws {
        let caps = (0..<64).map { _ in "  - { limit: 255, per: 1h }" }.joined(separator: "\n")
        let plain = try scenario("population: { customers: 2000 }\nfrequency_caps:\n" + caps)
        var few = plain
        few.population.customers = 20
        let footprint = Simulator(scenario: plain, observer: NoObserver()).triggers.memoryFootprint
        #expect(footprint == Simulator(scenario: few, observer: NoObserver()).triggers.memoryFootprint)
        #expect(footprint.perCustomerBytes < 64, "\(footprint)")
        #expect(
            MemoryEstimate(scenario: plain).bytesPerCustomer == MemoryEstimate.populationBytes
                + MemoryEstimate.journeyBytes + MemoryEstimate.eventHeapBytes
                + MemoryEstimate.journeyProgramBytes(plain.effectiveJourney))
        // With a campaign, the estimate counts them: 64 rings of 255 four-byte times.
        var withCampaign = plain
        withCampaign.triggers = TriggerSpec(
            campaigns: [
                Campaign(
                    name: "c", trigger: .init(event: .view),
                    flow: Flow(steps: [.message(.init(content: .init(template: "t")))]))
            ],
            frequencyCaps: withCampaign.triggers.frequencyCaps)
        let simulated = Simulator(scenario: withCampaign, observer: NoObserver())
        #expect(simulated.triggers.memoryFootprint.perCustomerBytes > 2000 * 64 * 255 * 3)
        let estimate = MemoryEstimate(scenario: withCampaign)
        #expect(estimate.bytesPerCustomer * 2000 >= simulated.triggers.memoryFootprint.perCustomerBytes)
    }

    /// The trace buffer is part of the estimate: as many lines as the limit allows or the
    /// run's customer events can fill, whichever is fewer.
    @Test func theTraceIsInTheEstimate() throws {
        let plain = try scenario("population: { customers: 1000 }\nduration: 10d")
        let without = MemoryEstimate(scenario: plain).totalBytes
        #expect(
            MemoryEstimate(scenario: plain, traceLimit: 5000).totalBytes - without == 5000
                * MemoryEstimate.traceBytesPerLine)
        let filled = Int(1000 * 10 * MemoryEstimate.traceLinesPerCustomerDay)
        #expect(
            MemoryEstimate(scenario: plain, traceLimit: 100_000_000).totalBytes - without == filled
                * MemoryEstimate.traceBytesPerLine)
    }

    // MARK: Reports keep their signs

    /// Differences between -1 and +1 kept their digits but lost their sign in report.html
    /// (-0.38 [-0.99, +0.22] read "0.38 [0.99, 0.22]").
    @Test(arguments: [
        (ChartValueFormat.money, -0.38, -0.99, 0.22, "-0.38 [-0.99, +0.22]"),
        (.decimal, -0.38, -0.99, 0.22, "-0.38 [-0.99, +0.22]"),
        (.percent, -0.0038, -0.0099, 0.0022, "-0.38pp [-0.99pp, +0.22pp]"),
        (.count, -3, -7, 1, "-3 [-7, +1]"),
        (.money, -1234.5, -2000.25, -0.01, "-1,234.50 [-2,000.25, -0.01] *"),
    ])
    func aSmallNegativeDifferenceKeepsItsSign(
        format: ChartValueFormat, estimate: Double, lower: Double, upper: Double, expected: String
    ) {
        let interval = ConfidenceInterval(estimate: estimate, lower: lower, upper: upper)
        #expect(ComparisonReportPage.difference(interval, format: format) == expected)
        let svg = IntervalChart(
            rows: [.init(label: "b", interval: interval, color: "#000")],
            format: format == .percent ? .percentagePoints : format
        )
        .svg(label: "difference")
        #expect(svg.contains(expected.replacingOccurrences(of: " *", with: "")), "\(svg)")
        #expect(
            SummaryTable.money(-0.38) == "-0.38" && SummaryTable.money(-0.004) == "0.00"
                && SummaryTable.money(-1000) == "-1,000.00")
    }

    // MARK: Compare says when it cannot pair

    /// Strategies whose populations differ (other time zones here) have other customers:
    /// compared as independent samples, and saying so, instead of "paired by customer".
    @Test func strategiesWithOtherPopulationsAreNotCalledPaired() throws {
        let base = try scenario("population: { customers: 3000 }\nduration: 3d\nseed: 5")
        var other = base
        other.population.timeZones = [.init(identifier: "Asia/Tokyo", share: 1)]
        let unpaired = try StrategyComparison.run([("a", base), ("b", other)])
        #expect(unpaired.unpairedBecause?.contains("population.time_zones") == true)
        #expect(
            unpaired.reportInput.subtitle.contains("not paired")
                && !unpaired.reportInput.subtitle.contains("paired by customer"))
        #expect(ComparisonTable.render(unpaired).contains("NOT paired"))
        let paired = try StrategyComparison.run([("a", base), ("b", base)])
        #expect(paired.unpairedBecause == nil && paired.reportInput.subtitle.contains("paired by customer"))
        // The same strategy twice: paired differences are exactly zero; unpaired ones are not
        // narrowed to zero by pretending the customers match.
        let conversion = ComparisonMetric.allCases.first { $0.isShare }!.name
        #expect(paired.differences[conversion]?["b vs a"]?.upper == 0)
        let interval = try #require(unpaired.differences[conversion]?["b vs a"])
        #expect(interval.upper - interval.lower > 0)
    }
}

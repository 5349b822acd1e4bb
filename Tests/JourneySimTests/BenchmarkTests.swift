import Testing
@testable import JourneySim

@Suite struct BenchmarkTests {
    static let baseline = [
        BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [10e6, 11e6, 12e6]),
        BenchmarkResult(name: "state", unit: "bytes", samples: [15, 16, 17]),
    ]

    /// The default population keeps the baseline's row name, so `--compare` still pairs it;
    /// other sizes get their own rows, which a baseline of 1M customers leaves "not compared".
    @Test func triggerBenchmarkRowNamesThePopulation() {
        #expect(TriggerBenchmark.name(customers: TriggerBenchmark.defaultCustomers) == "trigger core, 20 campaigns, 1M customers")
        #expect(TriggerBenchmark.name(customers: 100_000) == "trigger core, 20 campaigns, 100k customers")
        #expect(TriggerBenchmark.name(customers: 2_500_000) == "trigger core, 20 campaigns, 2.5M customers")
        #expect(TriggerBenchmark.name(customers: 999) == "trigger core, 20 campaigns, 999 customers")
        let rows = BenchmarkComparison.compare(
            baseline: [BenchmarkResult(name: TriggerBenchmark.name(customers: 1_000_000), unit: "events/s", samples: [2e6])],
            current: [BenchmarkResult(name: TriggerBenchmark.name(customers: 10_000), unit: "events/s", samples: [8e6])],
            tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.missing, .missing])
        #expect(!BenchmarkComparison.anyRegression(rows))
    }

    @Test func withinToleranceOrBetterPasses() {
        let current = [
            BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [8.5e6, 9e6, 30e6]),  // median 9 M: 0.82
            BenchmarkResult(name: "state", unit: "bytes", samples: [8, 8, 9]),                                 // half: improved
        ]
        let rows = BenchmarkComparison.compare(baseline: Self.baseline, current: current, tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.pass, .improved])
        #expect(abs(rows[0].ratio! - 9.0 / 11.0) < 1e-12)
        #expect(!BenchmarkComparison.anyRegression(rows))
    }

    @Test func slowerThroughputOrMoreBytesRegresses() {
        let slower = [
            BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [8e6, 8e6, 8e6]),  // 0.73
            BenchmarkResult(name: "state", unit: "bytes", samples: [16]),
        ]
        let rows = BenchmarkComparison.compare(baseline: Self.baseline, current: slower, tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.regressed, .pass])
        #expect(BenchmarkComparison.anyRegression(rows))

        let bigger = [
            BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [11e6]),
            BenchmarkResult(name: "state", unit: "bytes", samples: [21]),  // 1.31
        ]
        #expect(BenchmarkComparison.compare(baseline: Self.baseline, current: bigger, tolerance: 0.25).map(\.verdict)
                == [.pass, .regressed])
        #expect(BenchmarkComparison.table(rows, tolerance: 0.25).contains("REGRESSED"))
    }

    @Test func allocationsRegressOnlyAboveTheBaselineAndTheFloor() {
        func verdict(baseline: Double, current: Double) -> BenchmarkComparison.Verdict {
            BenchmarkComparison.compare(baseline: [BenchmarkResult(name: "a", unit: "allocations/event", samples: [baseline])],
                                        current: [BenchmarkResult(name: "a", unit: "allocations/event", samples: [current])],
                                        tolerance: 0.25)[0].verdict
        }
        #expect(!BenchmarkComparison.higherIsBetter(unit: "allocations/event"))
        // Setup amortised over a run: a baseline of 0 and a few ten-thousandths now are noise.
        #expect(verdict(baseline: 0, current: 0.0003) == .pass)
        #expect(verdict(baseline: 0.0001, current: 0.009) == .pass)
        // One allocation per message (a few per hundred events) is what the check is there for.
        #expect(verdict(baseline: 0.0003, current: 0.05) == .regressed)
        #expect(verdict(baseline: 0.05, current: 0.07) == .regressed)
        #expect(verdict(baseline: 0.05, current: 0.06) == .pass)
        #expect(verdict(baseline: 0.09, current: 0.0003) == .improved)
    }

    @Test func benchmarksOnOneSideOnlyAreNotCompared() {
        let current = [BenchmarkResult(name: "new one", unit: "events/s", samples: [1])]
        let rows = BenchmarkComparison.compare(baseline: Self.baseline, current: current, tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.missing, .missing, .missing])
        #expect(!BenchmarkComparison.anyRegression(rows))
    }
}

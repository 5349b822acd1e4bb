import Testing
@testable import JourneySim

@Suite struct BenchmarkTests {
    static let baseline = [
        BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [10e6, 11e6, 12e6]),
        BenchmarkResult(name: "state", unit: "bytes", samples: [15, 16, 17]),
    ]

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

    @Test func benchmarksOnOneSideOnlyAreNotCompared() {
        let current = [BenchmarkResult(name: "new one", unit: "events/s", samples: [1])]
        let rows = BenchmarkComparison.compare(baseline: Self.baseline, current: current, tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.missing, .missing, .missing])
        #expect(!BenchmarkComparison.anyRegression(rows))
    }
}

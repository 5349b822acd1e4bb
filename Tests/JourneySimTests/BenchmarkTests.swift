import Foundation
import Testing

@testable import JourneySim

@Suite struct BenchmarkTests {
    static let baseline = [
        BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [10e6, 11e6, 12e6]),
        BenchmarkResult(name: "state", unit: "bytes", samples: [15, 16, 17]),
    ]

    /// The default population keeps the baseline's row name, so `--compare` still pairs it;
    /// other sizes get their own rows, which a baseline of 1M customers does not have: an
    /// error naming the file, not a pass with nothing compared.
    @Test func triggerBenchmarkRowNamesThePopulation() {
        #expect(
            TriggerBenchmark.name(customers: TriggerBenchmark.defaultCustomers)
                == "trigger core, 20 campaigns, 1M customers")
        #expect(TriggerBenchmark.name(customers: 100_000) == "trigger core, 20 campaigns, 100k customers")
        #expect(TriggerBenchmark.name(customers: 2_500_000) == "trigger core, 20 campaigns, 2.5M customers")
        #expect(TriggerBenchmark.name(customers: 999) == "trigger core, 20 campaigns, 999 customers")
        let baseline = BenchmarkBaseline(
            file: "base.json",
            rows: [
                BenchmarkResult(name: TriggerBenchmark.name(customers: 1_000_000), unit: "events/s", samples: [2e6])
            ])
        #expect(throws: BenchmarkBaselineError.self) {
            try baseline.compare(
                with: [
                    BenchmarkResult(name: TriggerBenchmark.name(customers: 10_000), unit: "events/s", samples: [8e6])
                ],
                tolerance: 0.25)
        }
    }

    @Test func withinToleranceOrBetterPasses() {
        let current = [
            BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [8.5e6, 9e6, 30e6]),  // median 9 M: 0.82
            BenchmarkResult(name: "state", unit: "bytes", samples: [8, 8, 9]),  // half: improved
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
        #expect(
            BenchmarkComparison.compare(baseline: Self.baseline, current: bigger, tolerance: 0.25).map(\.verdict)
                == [.pass, .regressed])
        #expect(BenchmarkComparison.table(rows, tolerance: 0.25).contains("REGRESSED"))
    }

    @Test func allocationsRegressOnlyAboveTheBaselineAndTheFloor() {
        func verdict(baseline: Double, current: Double) -> BenchmarkComparison.Verdict {
            BenchmarkComparison.compare(
                baseline: [BenchmarkResult(name: "a", unit: "allocations/event", samples: [baseline])],
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

    /// A benchmark that only the run has is new, shown as "not compared"; one that only the
    /// baseline has was renamed or removed, an error naming the file and the row; a baseline
    /// sharing no row with the run is an error too. Rows the run did not set out to measure
    /// (`meant` false: another `--only` group) are left out.
    @Test func aBaselineRowTheRunDoesNotHaveIsAnErrorNamingIt() throws {
        let baseline = BenchmarkBaseline(file: "results/baselines/bench.json", rows: Self.baseline)
        func failure(_ current: [BenchmarkResult], meant: @escaping (BenchmarkResult) -> Bool = { _ in true }) -> String
        {
            do {
                _ = try baseline.compare(with: current, tolerance: 0.25, meant: meant)
                return ""
            } catch {
                return error.description
            }
        }
        let renamed = failure([
            BenchmarkResult(name: "event loop, 1000 pending", unit: "events/s", samples: [11e6]),
            BenchmarkResult(name: "state (renamed)", unit: "bytes", samples: [16]),
        ])
        #expect(
            renamed.contains("results/baselines/bench.json")
                && renamed.contains("a row this run does not have: 'state'"), "\(renamed)")
        let disjoint = failure([BenchmarkResult(name: "new one", unit: "events/s", samples: [1])])
        #expect(disjoint.contains("shares no benchmark with this run") && disjoint.contains("'new one'"), "\(disjoint)")
        #expect(failure([]).contains("shares no benchmark"))
        let rows = try baseline.compare(
            with: Self.baseline + [BenchmarkResult(name: "new one", unit: "events/s", samples: [1])],
            tolerance: 0.25)
        #expect(rows.map(\.verdict) == [.pass, .pass, .missing])
        let onlyEventLoop = try baseline.compare(
            with: [Self.baseline[0]], tolerance: 0.25, meant: { $0.name.hasPrefix("event loop") })
        #expect(onlyEventLoop.map(\.name) == ["event loop, 1000 pending"])
    }

    /// A baseline that would compare nothing is refused when read, naming the file: missing,
    /// empty, `[]`, `{}`, not benchmark rows, or a row without samples.
    @Test(
        arguments: [
            (nil, "there is no such file"), ("", "has no benchmark rows"), ("  \n", "has no benchmark rows"),
            ("[]", "has no benchmark rows"),
            ("{}", "not a JSON list of benchmark rows"), ("[{\"name\": \"a\"}]", "not a JSON list of benchmark rows"),
            ("[{\"name\": \"a\", \"unit\": \"events/s\", \"samples\": []}]", "row 'a' has no samples"),
        ] as [(String?, String)])
    func aBaselineThatComparesNothingIsRefusedNamingTheFile(content: String?, message: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("baseline.json").path
        if let content { try content.write(toFile: file, atomically: true, encoding: .utf8) }
        do {
            let baseline = try BenchmarkBaseline(contentsOf: file)
            Issue.record("read \(baseline.rows.count) rows")
        } catch {
            #expect(error.description.contains(file) && error.description.contains(message), "\(error.description)")
        }
    }
}

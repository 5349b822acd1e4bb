import Foundation
import JourneySimTestSupport
import Testing

/// End-to-end checks of the `journeysim` executable as a user runs it: exit codes, messages and
/// what lands in the results folder.
@Suite struct CLITests {
    static let packageRoot = BuiltBinary.packageRoot

    static func binary() throws -> URL { try BuiltBinary.journeysim() }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], in folder: URL) throws -> Result {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static let small = """
        name: small
        seed: 5
        duration: 3d
        population: { customers: 300 }
        """

    @Test func runWritesDeterministicSummaryAndTable() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.small.write(to: folder.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
        let first = try Self.run(["run", "small.yaml", "--trace", "events.jsonl", "--trace-limit", "20"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("purchases"))
        #expect(first.stdout.contains("routine"))
        let summaryURL = folder.appendingPathComponent("results/small-5/summary.json")
        let summary = try Data(contentsOf: summaryURL)
        let json = try JSONSerialization.jsonObject(with: summary) as? [String: Any]
        #expect(json?["schema_version"] as? Int == 1)
        #expect(json?["complete"] as? Bool == true)
        let trace = try String(contentsOf: folder.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(trace.split(separator: "\n").count == 20)
        let again = try Self.run(["run", "small.yaml", "--quiet"], in: folder)
        #expect(again.status == 0)
        #expect(try Data(contentsOf: summaryURL) == summary)
        let reseeded = try Self.run(["run", "small.yaml", "--seed", "6", "--quiet"], in: folder)
        #expect(reseeded.status == 0)
        #expect(try Data(contentsOf: folder.appendingPathComponent("results/small-6/summary.json")) != summary)
        // Nothing but finished run folders in results/.
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("results").path)
        #expect(Set(entries) == ["small-5", "small-6"])
    }

    @Test(arguments: [
        ("missing.yaml", [String](), "no such scenario file"),
        ("bad-syntax.yaml", [], "syntax error"),
        ("bad-type.yaml", [], "population.customers: expected a whole number"),
        ("bad-mix.yaml", [], "add up to 0.9"),
        ("bad-channel.yaml", [], "unknown key 'fax'"),
        ("small.yaml", ["--customers=-3"], "--customers -3 is out of range"),
        ("small.yaml", ["--days", "9999"], "--days 9999.0 is out of range"),
        ("small.yaml", ["--frobnicate"], "Unknown option"),
        ("small.yaml", ["--output", "blocker/results"], "cannot write results there"),
    ])
    func badInputExitsTwoWithAClearMessage(file: String, extra: [String], message: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let files = [
            "small.yaml": Self.small,
            "bad-syntax.yaml": "population: { customers: 10\nseed: [",
            "bad-type.yaml": "population:\n  customers: many\n",
            "bad-mix.yaml": "population:\n  archetypes: { routine: 0.5, trek: 0.4 }\n",
            "bad-channel.yaml": "population:\n  channels: { fax: { weight: 1 } }\n",
        ]
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        // A plain file where the results folder's parent should be: no folder can be made there.
        try "not a folder".write(to: folder.appendingPathComponent("blocker"), atomically: true, encoding: .utf8)
        let result = try Self.run(["run", file] + extra, in: folder)
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        if file.hasPrefix("bad-type") { #expect(result.stderr.contains("bad-type.yaml:2:")) }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("results").path))
    }

    @Test func shardsMergeIntoTheWholeRunAndMismatchesAreRefused() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.small.write(to: folder.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
        #expect(try Self.run(["run", "small.yaml", "--quiet", "--workers", "1"], in: folder).status == 0)
        for index in 0..<3 {
            #expect(try Self.run(["run", "small.yaml", "--quiet", "--shard", "\(index)/3"], in: folder).status == 0)
        }
        let shards = (0..<3).map { "results/small-5-shard\($0)of3" }
        let merged = try Self.run(["merge"] + shards + ["--quiet"], in: folder)
        #expect(merged.status == 0, "\(merged.stderr)")
        let whole = try Data(contentsOf: folder.appendingPathComponent("results/small-5/summary.json"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("results/small-5-merged/summary.json")) == whole)

        let missing = try Self.run(["merge"] + shards.prefix(2), in: folder)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("shard 2/3 missing"))
        #expect(
            try Self.run(
                ["run", "small.yaml", "--quiet", "--shard", "2/3", "--customers", "301", "--output", "other"],
                in: folder
            ).status == 0)
        let mixed = try Self.run(["merge"] + shards.prefix(2) + ["other/small-5-shard2of3"], in: folder)
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("shards of different scenarios cannot be merged"))
    }

    /// `load` replays the journeys' messages against the bundled mock server: every scheduled
    /// message is sent and answered, thresholds pass, and the results are on disk.
    @Test func loadDrivesTheMockServerWithJourneyTraffic() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = Self.packageRoot.path
        let result = try Self.run(
            [
                "load", "\(root)/scenarios/abandoned-cart.yaml", "--mock-server", "--customers", "1500", "--days", "1",
                "--speedup", "20000", "--duration", "30s", "--threshold", "error_rate < 5%", "--output", "out",
            ], in: folder)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("target: http://127.0.0.1:"))
        let load =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("out/abandoned-cart-7-load/load.json")))
            as? [String: Any]
        let overall = load?["overall"] as? [String: Any]
        let intended = overall?["intended"] as? Int ?? -1
        #expect(intended > 0)
        #expect(overall?["completed"] as? Int == intended)
        #expect(overall?["accepted"] as? Int == intended)
        let junit = try String(
            contentsOf: folder.appendingPathComponent("out/abandoned-cart-7-load/junit.xml"), encoding: .utf8)
        #expect(junit.contains("error_rate"))
        #expect(junit.contains("the backend accepted at least one message"))
        #expect(!junit.contains("<failure"))
    }

    /// A backend that is not there: every message fails with a counted connection error, the
    /// run still ends with its results on disk, and the error-rate threshold fails the exit code.
    @Test func loadAgainstADeadBackendFinishesWithResults() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = Self.packageRoot.path
        let result = try Self.run(
            [
                "load", "\(root)/scenarios/abandoned-cart.yaml", "--target", "http://127.0.0.1:1", "--customers", "300",
                "--days", "1", "--speedup", "50000", "--max-attempts", "2", "--duration", "30s",
                "--threshold", "error_rate < 1%", "--output", "out",
            ], in: folder)
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("FAIL"))
        #expect(result.stdout.contains("refused"))
        #expect(
            FileManager.default.fileExists(
                atPath: folder.appendingPathComponent("out/abandoned-cart-7-load/load.json").path))
    }

    @Test func compareWritesComparisonAndReport() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let root = Self.packageRoot.path
        let result = try Self.run(
            [
                "compare", "\(root)/scenarios/fatigue-spam.yaml", "\(root)/scenarios/fatigue-capped.yaml",
                "--customers", "1500", "--days", "10", "--output", "out",
            ], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("fatigue-capped wins on opt out rate"))
        let dir = folder.appendingPathComponent("out/compare-fatigue-spam-vs-fatigue-capped-2026")
        let comparison =
            try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("comparison.json")))
            as? [String: Any]
        #expect((comparison?["strategies"] as? [String]) == ["fatigue-spam", "fatigue-capped"])
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("fatigue-capped"))
        let mismatch = try Self.run(
            ["compare", "\(root)/scenarios/fatigue-spam.yaml", "\(root)/scenarios/baseline.yaml", "--output", "out"],
            in: folder)
        #expect(mismatch.status == 2)
        #expect(mismatch.stderr.contains("compared on the same customers"))
    }

    @Test func validateAndHelp() throws {
        let root = Self.packageRoot
        let valid = try Self.run(["validate", "scenarios/baseline.yaml"], in: root)
        #expect(valid.status == 0)
        #expect(valid.stdout.contains("valid"))
        let help = try Self.run(["run", "--help"], in: root)
        #expect(help.status == 0)
        #expect(help.stdout.contains("Examples:"))
    }

    /// A campaign rate limit that binds cannot be split over threads: `run --workers 2` says so,
    /// runs on one thread and writes the one-thread summary.
    @Test func runFallsBackToOneThreadWhenASharedLimitBinds() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = "name: limited\n" + bindingRateLimitScenario(rateLimit: 1)
        try text.write(to: folder.appendingPathComponent("limited.yaml"), atomically: true, encoding: .utf8)
        let one = try Self.run(["run", "limited.yaml", "--workers", "1", "--quiet", "--output", "one"], in: folder)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(!one.stderr.contains("note:"))
        let two = try Self.run(["run", "limited.yaml", "--workers", "2", "--quiet", "--output", "two"], in: folder)
        #expect(two.status == 0, "\(two.stderr)")
        #expect(two.stderr.contains("note: ran on one thread"), "\(two.stderr)")
        #expect(!two.stderr.contains("error:"))
        let summary = { (run: String) in
            try Data(contentsOf: folder.appendingPathComponent("\(run)/limited-77/summary.json"))
        }
        #expect(try summary("one") == summary("two"))
        let performance = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("two/limited-77/performance.json")))
                as? [String: Any])
        #expect(performance["workers"] as? Int == 1)
        #expect(performance["reran_on_one_thread"] as? Bool == true)
        // Shards cannot fall back: each says its limit may bind, and so does their merge.
        for index in 0..<2 {
            let shard = try Self.run(
                ["run", "limited.yaml", "--shard", "\(index)/2", "--quiet", "--output", "shards"], in: folder)
            #expect(shard.status == 0, "\(shard.stderr)")
            #expect(shard.stderr.contains("note: a limit shared by all customers"), "\(shard.stderr)")
        }
        let merged = try Self.run(
            [
                "merge", "shards/limited-77-shard0of2", "shards/limited-77-shard1of2", "--quiet",
                "--output", "merged",
            ], in: folder)
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stderr.contains("note: in some shards a limit shared by all customers"), "\(merged.stderr)")
        #expect(try Data(contentsOf: folder.appendingPathComponent("merged/summary.json")) != summary("one"))
    }

    @Test func benchRefusesAnImpossibleTriggerPopulation() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for value in ["0", "50000001"] {
            let result = try Self.run(["bench", "--only", "trigger-core", "--trigger-customers", value], in: folder)
            #expect(result.status == 2, "\(value): \(result.stderr)")
            #expect(result.stderr.contains("--trigger-customers \(value) is out of range"), "\(result.stderr)")
        }
    }

    @Test func benchCountsAllocationsPerEventWithThePreloadedCounter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-alloc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = try Self.binary().deletingLastPathComponent().appendingPathComponent(
            "libJourneySimAllocationCounter.so")
        let result = try Self.run(
            ["bench", "--only", "event-loop", "--quick", "--repetitions", "1", "--json"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let allocations = entries.first { $0["name"] as? String == "event loop, allocations" }
        #if os(Linux)
            if FileManager.default.fileExists(atPath: library.path) {
                let perEvent = try #require(
                    allocations?["median"] as? Double, "no allocation count in \(result.stdout)")
                #if DEBUG
                    // Unspecialised generics in a debug build allocate as they go (about 2 per event at a
                    // million pending): seeing them shows the preloaded counter counts.
                    #expect(perEvent > 0.001)
                #else
                    // Optimised, the event loop allocates nothing per event once its buffers have grown.
                    #expect(perEvent >= 0 && perEvent < 0.01)
                #endif
            } else {
                #expect(allocations == nil)
                #expect(result.stderr.contains("allocations per event are not measured"))
            }
        #endif
    }

    /// `bench --compare` refuses, with exit 2 and the file's name, a baseline that would compare
    /// nothing (missing, empty, `[]`, `{}`) before measuring anything, and one with a row this
    /// run does not have after measuring.
    @Test func benchCompareRefusesABaselineThatComparesNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, content) in [("missing.json", nil), ("empty.json", ""), ("list.json", "[]"), ("object.json", "{}")]
            as [(String, String?)]
        {
            if let content {
                try content.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            let result = try Self.run(["bench", "--only", "event-loop", "--compare", name], in: folder)
            #expect(result.status == 2, "\(name): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("baseline \(name)"), "\(name): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(name) measured before refusing: \(result.stdout)")
        }
        // A row renamed since the baseline: measured, then refused naming the row; the other
        // groups' rows are skipped with a note, not errors.
        let baseline = """
            [{"name": "event loop, 1000 pending", "unit": "events/s", "samples": [1]},
             {"name": "event loop, 999 pending", "unit": "events/s", "samples": [1]},
             {"name": "full simulation, 100000 customers × 30 d", "unit": "customer-days/s", "samples": [1]}]
            """
        try baseline.write(to: folder.appendingPathComponent("renamed.json"), atomically: true, encoding: .utf8)
        let renamed = try Self.run(
            ["bench", "--only", "event-loop", "--quick", "--repetitions", "1", "--compare", "renamed.json"], in: folder)
        #expect(renamed.status == 2, "\(renamed.stdout) \(renamed.stderr)")
        #expect(
            renamed.stderr.contains(
                "baseline renamed.json has a row this run does not have: 'event loop, 999 pending'"),
            "\(renamed.stderr)")
        #expect(
            renamed.stderr.contains(
                "'full simulation, 100000 customers × 30 d' not compared: it is in the simulation group"),
            "\(renamed.stderr)")
    }
}

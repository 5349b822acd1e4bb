import Foundation
import Testing

/// The `journeysim` binary under stress: interrupted by a signal, pointed at a folder it cannot
/// write, asked for more memory than there is, and checking its own books.
@Suite(.timeLimit(.minutes(2))) struct ReliabilityCLITests {
    static let root = CLITests.packageRoot.path

    /// What a run signalled part-way did: its exit, its stderr and how long it took to stop.
    struct Signalled {
        var status: Int32
        var exited: Bool
        var stderr: String
        var secondsToStop: Double
    }

    /// Starts `journeysim run` with `arguments` in `folder`, sends `signal` after `wait` seconds
    /// and waits (at most `limit` seconds) for it to end; nil, with an issue recorded, if it did not.
    static func runAndSignal(
        _ arguments: [String], in folder: URL, after wait: Double, signal: Int32,
        limit: Double
    ) throws -> Signalled? {
        let process = Process()
        process.executableURL = try CLITests.binary()
        process.arguments = ["run"] + arguments
        process.currentDirectoryURL = folder
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        Thread.sleep(forTimeInterval: wait)
        #expect(process.isRunning, "the run should take longer than \(wait) s")
        kill(process.processIdentifier, signal)
        let signalled = Date()
        let deadline = signalled.addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("the run did not stop within \(limit) s of signal \(signal)")
            return nil
        }
        return Signalled(
            status: process.terminationStatus, exited: process.terminationReason == .exit,
            stderr: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            secondsToStop: Date().timeIntervalSince(signalled))
    }

    /// SIGINT (or SIGTERM) part-way through a large run: the run stops at its next checkpoint,
    /// writes its results marked incomplete with the simulated time reached, and exits 130 (143).
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsARunCleanlyWithIncompleteResults(signal: Int32) throws {
        // A signal that comes before the event loop starts ends the run without results (see the
        // next test); on a loaded machine building the population can take seconds, so the signal
        // is sent later each time until it lands in the loop.
        for wait in [1.5, 4, 10] {
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            // Few customers for many days: the population is built quickly, the loop runs long.
            // Bounded wait: the run checks for the signal every 65,536 events.
            guard
                let run = try Self.runAndSignal(
                    [
                        "\(Self.root)/scenarios/baseline.yaml", "--customers", "200000", "--days", "365",
                        "--workers", "1", "--output", "out", "--quiet",
                    ],
                    in: folder, after: wait, signal: signal, limit: 60)
            else { return }
            #expect(run.exited)
            #expect(run.status == 128 + signal, "\(run.stderr)")
            if run.stderr.contains("interrupted before the simulation started") { continue }
            #expect(run.stderr.contains("interrupted: stopped at simulated 2026-"), "\(run.stderr)")
            let summary =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: folder.appendingPathComponent("out/baseline-42/summary.json")))
                as? [String: Any]
            #expect(summary?["complete"] as? Bool == false)
            let reached = try #require(summary?["simulated_until"] as? String)
            #expect(reached >= "2026-03-02" && reached < "2027-03-02", "\(reached)")
            // Only the finished folder: no staging folder, lock or probe left behind.
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path) == [
                    "baseline-42"
                ])
            return
        }
        Issue.record("every signal came before the event loop started")
    }

    /// A signal while a large population is still being built (tens of seconds without an event
    /// loop checkpoint, 84 s to stop in a debug build before) ends the run at once: exit 130 within
    /// seconds, and nothing half-done is left. Had the event loop started already, the run stops at
    /// its next checkpoint and writes incomplete results; either way it is quick.
    @Test func aSignalBeforeTheEventLoopStartsEndsTheRunAtOnce() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        guard
            let run = try Self.runAndSignal(
                [
                    "\(Self.root)/scenarios/baseline.yaml", "--customers", "3000000", "--workers", "1",
                    "--output", "out", "--quiet",
                ],
                in: folder, after: 0.5, signal: SIGINT, limit: 20)
        else { return }
        #expect(run.exited && run.status == 130, "\(run.stderr)")
        #expect(run.secondsToStop < 5, "stopped \(run.secondsToStop) s after the signal")
        let written = folder.appendingPathComponent("out/baseline-42/summary.json")
        if FileManager.default.fileExists(atPath: written.path) {
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: written)) as? [String: Any]
            #expect(summary?["complete"] as? Bool == false)
        } else {
            #expect(
                run.stderr.contains("interrupted before the simulation started; nothing was written"), "\(run.stderr)")
        }
        let left =
            (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path)) ?? []
        #expect(left.allSatisfy { !$0.contains("partial") }, "\(left)")
    }

    /// A results folder that cannot be written (a read-only /proc, a file in the way) is a clear
    /// error before the run, exit 2, and leaves nothing behind.
    @Test(arguments: ["/proc/journeysim-test", "blocker/results", "."])
    func anUnwritableOutputIsAClearErrorWithNothingLeft(output: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A plain file where a folder should be: as the results folder's parent, and (for
        // --output .) as the run folder itself, which must not be deleted to make room.
        let blocker = output == "." ? "baseline-42" : "blocker"
        try "in the way".write(to: folder.appendingPathComponent(blocker), atomically: true, encoding: .utf8)
        let result = try CLITests.run(
            [
                "run", "\(Self.root)/scenarios/baseline.yaml", "--customers", "200", "--days", "1",
                "--output", output,
            ], in: folder)
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(
            result.stderr.contains("cannot write results there") || result.stderr.contains("writing results failed"),
            "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [blocker])
        #expect(try String(contentsOf: folder.appendingPathComponent(blocker), encoding: .utf8) == "in the way")
        #expect(!FileManager.default.fileExists(atPath: "/proc/journeysim-test"))
    }

    /// A run that cannot fit is refused up front for run, compare and load, with the estimate,
    /// the available figure and a shard split.
    @Test(arguments: [
        ["run", "scenarios/abandoned-cart.yaml", "--customers", "5000000"],
        ["compare", "scenarios/fatigue-spam.yaml", "scenarios/fatigue-capped.yaml", "--customers", "5000000"],
        ["load", "scenarios/abandoned-cart.yaml", "--customers", "5000000", "--target", "http://127.0.0.1:1"],
    ])
    func aRunThatCannotFitIsRefusedWithAShardSuggestion(arguments: [String]) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = try CLITests.binary()
        process.arguments =
            arguments.map { $0.hasPrefix("scenarios/") ? "\(Self.root)/\($0)" : $0 } + ["--output", "out"]
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging([
            "JOURNEYSIM_MEMORY_AVAILABLE": String(256 << 20)
        ]) { $1 }
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2, "\(stderr)")
        #expect(stderr.contains("this run needs about"), "\(stderr)")
        #expect(stderr.contains("but only 256 MB of memory is available"), "\(stderr)")
        #expect(stderr.contains("--shard 0/"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    @Test func checkReportsBalancedBooks() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLITests.run(
            [
                "run", "\(Self.root)/scenarios/abandoned-cart.yaml", "--customers", "1000", "--days", "7",
                "--check", "--quiet", "--output", "out",
            ], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("check: "), "\(result.stdout)")
        #expect(result.stdout.contains("every message in exactly one state"))
    }

    @Test func mockServerResponseFaultsAreOptionsWithCheckedValues() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = try CLITests.run(["mock-server", "--port", "0", "--response-fault", "bogus"], in: folder)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--response-fault 'bogus': give garbage or huge"), "\(bad.stderr)")
        let good = try CLITests.run(
            ["mock-server", "--port", "0", "--response-fault", "huge", "--duration", "200ms"], in: folder)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.hasPrefix("listening on http://127.0.0.1:"))
    }
}

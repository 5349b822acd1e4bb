import Foundation
import JourneySim
import JourneySimHTTP
import JourneySimTestSupport
import Testing

/// SIGINT and SIGTERM during `journeysim load` and `journeysim drive` (handled by the one
/// `InterruptFlag` every command uses): the driver stops starting messages, waits for those in
/// flight, writes its results with the stop reason, and exits as it would have without the signal.
@Suite(.serialized, .timeLimit(.minutes(1))) struct LoadSignalTests {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts the binary with `arguments` in `folder`, sends `signal` once `server` has accepted a
    /// message (the driver is running, so its handlers are installed), and waits for the exit
    /// (both waits bounded; a run still going after them is terminated and reported).
    static func signalled(
        _ arguments: [String], in folder: URL, server: MockServer, signal: Int32
    ) async throws -> Outcome {
        let outURL = folder.appendingPathComponent("stdout.txt")
        let errURL = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = try BuiltBinary.journeysim()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        for _ in 0..<800 where process.isRunning && server.counters.acceptedTotal == 0 {
            try await Task.sleep(for: .milliseconds(25))
        }
        if process.isRunning && server.counters.acceptedTotal > 0 { kill(process.processIdentifier, signal) }
        for _ in 0..<800 where process.isRunning { try await Task.sleep(for: .milliseconds(25)) }
        if process.isRunning {
            Issue.record("the process did not stop after signal \(signal)")
            process.terminate()
            process.waitUntilExit()
        }
        return Outcome(
            status: process.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("journeysim-sig-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `load` replaying a day at 2× (hours of wall clock without the signal) stops on the signal
    /// and writes load.json with the reason; no threshold failed, so it exits 0.
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsALoadRunWhichWritesItsResults(signal: Int32) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await HTTPBackendTests.withServer { server, url in
            let outcome = try await Self.signalled(
                [
                    "load", "\(BuiltBinary.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", url,
                    "--customers", "1000", "--days", "1", "--speedup", "2", "--duration", "1h", "--output", "out",
                ], in: folder, server: server, signal: signal)
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            let written = try FileManager.default.contentsOfDirectory(
                atPath: folder.appendingPathComponent("out").path)
            let run = try #require(written.first { $0.hasSuffix("-load") }, "\(written)")
            let json = try String(
                contentsOf: folder.appendingPathComponent("out/\(run)/load.json"), encoding: .utf8)
            let reason = signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"
            #expect(json.contains("\"stop_reason\":\"\(reason)\"") || json.contains("\"stop_reason\" : \"\(reason)\""),
                "\(json.prefix(600))")
            #expect(outcome.stdout.contains("stopped early: \(reason)"), "\(outcome.stdout)")
        }
    }

    /// `drive` at a steady rate for an hour stops on the signal and prints what it sent.
    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsADriveRun(signal: Int32) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await HTTPBackendTests.withServer { server, url in
            let outcome = try await Self.signalled(
                ["drive", "--url", url, "--rate", "50", "--duration", "1h"], in: folder, server: server, signal: signal)
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            let reason = signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"
            #expect(outcome.stdout.contains("stopped early: \(reason)"), "\(outcome.stdout)")
        }
    }
}

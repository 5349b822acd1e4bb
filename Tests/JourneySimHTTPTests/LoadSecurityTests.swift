import Foundation
import JourneySimTestSupport
import JourneySim
import JourneySimHTTP
import Testing

/// Credentials and targets as `journeysim load` handles them, end to end: the built binary
/// against an in-process mock server on loopback.
@Suite(.serialized, .timeLimit(.minutes(1))) struct LoadSecurityTests {
    static let packageRoot = BuiltBinary.packageRoot

    static func binary() throws -> URL { try BuiltBinary.journeysim() }

    struct Outcome { var status: Int32; var stdout: String; var stderr: String }

    /// Runs the binary with stdout and stderr going to files in `folder`, polling (bounded) so the
    /// in-process server keeps its threads.
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: URL) async throws -> Outcome {
        let outURL = folder.appendingPathComponent("stdout.txt"), errURL = folder.appendingPathComponent("stderr.txt")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        for _ in 0..<1200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return Outcome(status: process.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
                       stderr: try String(contentsOf: errURL, encoding: .utf8))
    }

    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("journeysim-sec-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The token is read from the environment, reaches the server as `Authorization: Bearer …`,
    /// and appears in no output: not stdout, not stderr, not any results file.
    @Test func theTokenIsSentButNeverWritten() async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = "s3cr3t-" + UUID().uuidString
        try await HTTPBackendTests.withServer { server, url in
            let outcome = try await Self.run(
                ["load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", url, "--token-env", "JOURNEYSIM_TEST_TOKEN",
                 "--customers", "1000", "--days", "1", "--speedup", "20000", "--duration", "20s", "--output", "out"],
                environment: ["JOURNEYSIM_TEST_TOKEN": token], in: folder)
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            #expect(outcome.stdout.contains("target: \(url) (resolved before start"))
            let counters = server.counters
            #expect(counters.acceptedTotal > 0)
            #expect(counters.authorized >= counters.acceptedTotal)
            // Every file the run left, and both streams.
            var checked = 0
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for file in files where !file.hasDirectoryPath {
                let bytes = try Data(contentsOf: file)
                #expect(bytes.range(of: Data(token.utf8)) == nil, "the token leaked into \(file.lastPathComponent)")
                #expect(bytes.range(of: Data("s3cr3t".utf8)) == nil, "the token leaked into \(file.lastPathComponent)")
                checked += 1
            }
            #expect(checked >= 6)  // stdout, stderr, load.json, junit.xml, report.html, summary.json
        }
    }

    /// An unset token variable is bad input, and the message names the variable, not a value.
    @Test func anUnsetTokenVariableIsBadInput() async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try await Self.run(
            ["load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", "http://127.0.0.1:1",
             "--token-env", "JOURNEYSIM_TEST_TOKEN_NOT_SET", "--customers", "200", "--days", "1", "--output", "out"], in: folder)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("JOURNEYSIM_TEST_TOKEN_NOT_SET"), "\(outcome.stderr)")
    }

    /// A target without an explicit scheme is refused before anything is sent.
    @Test(arguments: ["127.0.0.1:8080", "localhost", "ftp://127.0.0.1:21"])
    func aTargetWithoutAnExplicitSchemeIsRefused(target: String) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try await Self.run(
            ["load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", target, "--customers", "200",
             "--days", "1", "--output", "out"], in: folder)
        #expect(outcome.status == 2, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("--target"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("traffic:"))
    }
}

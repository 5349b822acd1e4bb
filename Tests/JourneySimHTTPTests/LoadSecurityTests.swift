import Foundation
import JourneySim
import JourneySimHTTP
import JourneySimTestSupport
import Testing

/// Credentials and targets as `journeysim load` handles them, end to end: the built binary
/// against an in-process mock server on loopback.
@Suite(.serialized, .timeLimit(.minutes(1))) struct LoadSecurityTests {
    static let packageRoot = BuiltBinary.packageRoot

    static func binary() throws -> URL { try BuiltBinary.journeysim() }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with stdout and stderr going to files in `folder`, polling (bounded) so the
    /// in-process server keeps its threads.
    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: URL) async throws -> Outcome
    {
        let outURL = folder.appendingPathComponent("stdout.txt")
        let errURL = folder.appendingPathComponent("stderr.txt")
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
        return Outcome(
            status: process.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
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
                [
                    "load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", url, "--token-env",
                    "JOURNEYSIM_TEST_TOKEN",
                    "--customers", "1000", "--days", "1", "--speedup", "20000", "--duration", "20s", "--output", "out",
                ],
                environment: ["JOURNEYSIM_TEST_TOKEN": token], in: folder)
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            #expect(outcome.stdout.contains("target: \(url) (resolved before start"))
            let counters = server.counters
            #expect(counters.acceptedTotal > 0)
            #expect(counters.authorized >= counters.acceptedTotal)
            // Every file the run left, and both streams.
            var checked = 0
            let files =
                FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
                ?? []
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
            [
                "load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", "http://127.0.0.1:1",
                "--token-env", "JOURNEYSIM_TEST_TOKEN_NOT_SET", "--customers", "200", "--days", "1", "--output", "out",
            ], in: folder)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("JOURNEYSIM_TEST_TOKEN_NOT_SET"), "\(outcome.stderr)")
    }

    /// A target that is not a usable URL is refused (exit 2, no crash) before anything is sent,
    /// naming the cause, and never quoting a password.
    @Test(arguments: [
        "127.0.0.1:8080", "localhost", "ftp://127.0.0.1:21", "http://127.0.0.1:99999", "http://127.0.0.1:0",
        "http://127.0.0.1:8080/#frag", "http://:8080", "http://bob:hunter2@127.0.0.1:99999",
    ])
    func anUnusableTargetIsRefusedBeforeAnythingIsSent(target: String) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try await Self.run(
            [
                "load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", target, "--customers",
                "200",
                "--days", "1", "--output", "out",
            ], in: folder)
        #expect(outcome.status == 2, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("--target: '"), "\(outcome.stderr)")
        #expect(!outcome.stdout.contains("traffic:"))
        #expect(!(outcome.stdout + outcome.stderr).contains("hunter2"))
    }

    /// A scenario whose `backend.http.url` is `url`: abandoned-cart with an HTTP backend section.
    static func scenario(targeting url: String, in folder: URL) throws -> String {
        let base = try String(
            contentsOf: packageRoot.appendingPathComponent("scenarios/abandoned-cart.yaml"), encoding: .utf8)
        let file = folder.appendingPathComponent("http-target.yaml")
        try (base + "\nbackend:\n  kind: http\n  http:\n    url: \"\(url)\"\n").write(
            to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// `user:password@` in the target, from --target or from the scenario, reaches the server as
    /// Basic authorization and is never written: stdout and stderr show `user:***@`, and no
    /// output file holds the password. A query in the URL does not break the routes.
    @Test(arguments: ["--target", "backend.http.url"])
    func userInfoInTheTargetIsSentAsBasicButNeverWritten(source: String) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let password = "pw-" + UUID().uuidString
        try await HTTPBackendTests.withServer { server, url in
            let target = url.replacingOccurrences(of: "http://", with: "http://loader:\(password)@") + "/?tenant=7"
            let common = [
                "--customers", "1000", "--days", "1", "--speedup", "20000", "--duration", "20s", "--output", "out",
            ]
            let arguments =
                source == "--target"
                ? ["load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", target] + common
                : ["load", try Self.scenario(targeting: target, in: folder)] + common
            let outcome = try await Self.run(arguments, in: folder)
            #expect(outcome.status == 0, "\(outcome.stdout) \(outcome.stderr)")
            #expect(
                outcome.stdout.contains(
                    "target: \(url.replacingOccurrences(of: "http://", with: "http://loader:***@"))?tenant=7 (resolved"),
                "\(outcome.stdout)")
            let counters = server.counters
            #expect(counters.acceptedTotal > 0 && counters.rejected.isEmpty)
            #expect(counters.authorized >= counters.acceptedTotal)
            // Every output file and both streams; the scenario file is the run's input.
            var checked = 0
            let files =
                FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL }
                ?? []
            for file in files where !file.hasDirectoryPath && file.lastPathComponent != "http-target.yaml" {
                let bytes = try Data(contentsOf: file)
                #expect(
                    bytes.range(of: Data(password.utf8)) == nil, "the password leaked into \(file.lastPathComponent)")
                checked += 1
            }
            #expect(checked >= 6)  // stdout, stderr, load.json, junit.xml, report.html, summary.json
        }
    }

    /// A run in which the backend accepted nothing fails with exit 1 even without thresholds,
    /// naming the target and the cause, and its results say so: a port where nothing listens,
    /// a backend answering only 503, and one answering only malformed 2xx.
    @Test(arguments: ["refused", "503", "malformed"])
    func aRunTheBackendFailedExitsOneNamingTheTargetAndCause(backend: String) async throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func load(_ url: String) async throws -> Outcome {
            try await Self.run(
                [
                    "load", "\(Self.packageRoot.path)/scenarios/abandoned-cart.yaml", "--target", url, "--customers",
                    "300",
                    "--days", "1", "--speedup", "50000", "--max-attempts", "2", "--duration", "20s", "--output", "out",
                ], in: folder)
        }
        let (outcome, url, cause): (Outcome, String, String)
        switch backend {
        case "refused":
            outcome = try await load("http://127.0.0.1:1")
            (url, cause) = ("http://127.0.0.1:1", "connection refused on")
        default:
            let malformed = backend == "malformed"
            (outcome, url) = try await HTTPBackendTests.withServer({ spec in
                if malformed { spec.responseFault = .garbage } else { spec.errorRate = 1 }
            }) { _, url in (try await load(url), url) }
            cause = malformed ? "malformed answer on" : "HTTP 5xx on"
        }
        #expect(outcome.status == 1, "\(outcome.stdout) \(outcome.stderr)")
        #expect(outcome.stderr.contains("the backend failed the run: \(url) accepted none of the"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(cause), "\(outcome.stderr)")
        let results = folder.appendingPathComponent("out/abandoned-cart-7-load")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: results.appendingPathComponent("load.json")))
            as? [String: Any]
        #expect((summary?["backend_check"] as? [String: Any])?["passed"] as? Bool == false)
        #expect(((summary?["overall"] as? [String: Any])?["error_rate"] as? Double) == 1)
        let junit = try String(contentsOf: results.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.contains("<failure message=\"the backend failed the run"))
    }
}

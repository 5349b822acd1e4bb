import Foundation
import Testing

/// The `mock-server` and `drive` subcommands as a user runs them: exit codes and messages.
@Suite struct BackendCLITests {
    @Test func mockServerPrintsItsPortAndStopsByItself() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try CLITests.run(["mock-server", "--port", "0", "--duration", "300ms"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stdout.split(separator: "\n").first)
        #expect(line.hasPrefix("listening on http://127.0.0.1:"))
        #expect(Int(line.split(separator: ":").last ?? "") ?? 0 > 0)
        #expect(result.stdout.contains("stopped: 0 messages accepted"))
    }

    @Test func badOptionsExitWithCode2() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [([String], String)] = [
            (["mock-server", "--port", "70000"], "--port 70000 is out of range"),
            (["mock-server", "--outage", "5s-3s"], "--outage '5s-3s'"),
            (["mock-server", "--latency", "fast"], "--latency 'fast' is not a duration"),
            (["mock-server", "--header-timeout", "0s"], "--header-timeout '0s' is out of range"),
            (["mock-server", "--idle-timeout", "forever"], "--idle-timeout 'forever' is not a duration"),
            (["mock-server", "--max-connections-per-address", "0"], "--max-connections-per-address 0 is out of range"),
            (["drive", "--url", "127.0.0.1:9"], "no http:// or https:// scheme"),
            (["drive", "--url", "http://127.0.0.1:99999"], "the port '99999' is not a port number from 1 to 65535"),
            (["drive", "--url", "http://127.0.0.1:9", "--threshold", "p98 < 3ms"], "unknown metric 'p98'"),
            (["drive", "--url", "http://127.0.0.1:9", "--channel", "fax"], "--channel 'fax' is not a channel"),
            (
                ["drive", "--url", "http://127.0.0.1:9", "--token-env", "NO_SUCH_JOURNEYSIM_VAR"],
                "NO_SUCH_JOURNEYSIM_VAR is not set"
            ),
        ]
        for (arguments, message) in cases {
            let result = try CLITests.run(arguments, in: folder)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}

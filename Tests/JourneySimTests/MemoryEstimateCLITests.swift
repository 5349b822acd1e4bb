import Foundation
import Testing

/// The memory estimate against the peak each run measures: on every shipped scenario and on
/// inputs built to make one structure large (caps, campaigns, a trace), the estimate must bound
/// the peak from above and stay within twice it, or the guard either lets a run be killed or
/// refuses runs that fit.
@Suite(
    .timeLimit(.minutes(4)),
    .disabled(
        if: ProcessInfo.processInfo.environment["JOURNEYSIM_SANITIZER"] != nil,
        "under a sanitizer the peak includes its shadow memory (scripts/test-asan)"))
struct MemoryEstimateCLITests {
    static let root = CLITests.packageRoot.path

    static func hostile() -> [(name: String, text: String, options: [String])] {
        let caps = (0..<64).map { _ in "  - { limit: 255, per: 1h }" }.joined(separator: "\n")
        let campaign = "  - { name: c, trigger: { event: view }, content: { template: t } }"
        let many = (0..<300).map { index in
            "  - name: c\(index)\n    trigger: { event: view }\n    steps:\n      - message: { template: t\(index) }\n      - delay: 1d\n      - message: { template: u\(index) }"
        }.joined(separator: "\n")
        return [
            ("caps.yaml", "population: { customers: 2000 }\nfrequency_caps:\n\(caps)\ncampaigns:\n\(campaign)\n", []),
            ("campaigns.yaml", "population: { customers: 5000 }\ncampaigns:\n\(many)\n", []),
            (
                "trace.yaml", try! String(contentsOfFile: "\(root)/scenarios/archetypes.yaml", encoding: .utf8),
                ["--trace", "trace.jsonl", "--trace-limit", "100000000"]
            ),
        ]
    }

    @Test func theEstimateBoundsTheMeasuredPeakWithinTwice() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let shipped = try FileManager.default.contentsOfDirectory(atPath: "\(Self.root)/scenarios").filter {
            $0.hasSuffix(".yaml")
        }.sorted()
        var runs = shipped.map { (name: $0, path: "\(Self.root)/scenarios/\($0)", options: [String]()) }
        for input in Self.hostile() {
            try input.text.write(to: folder.appendingPathComponent(input.name), atomically: true, encoding: .utf8)
            runs.append((input.name, folder.appendingPathComponent(input.name).path, input.options))
        }
        for (index, run) in runs.enumerated() {
            let output = "out\(index)"
            let result = try CLITests.run(
                ["run", run.path, "--days", "3", "--quiet", "--output", output] + run.options, in: folder)
            #expect(result.status == 0, "\(run.name): \(result.stderr)")
            let runFolder = try #require(
                try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(output).path)
                    .first { !$0.hasPrefix(".") })
            let performance =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: folder.appendingPathComponent("\(output)/\(runFolder)/performance.json")))
                as? [String: Any]
            let estimate = try #require(performance?["estimated_bytes"] as? Int, "\(run.name)")
            let peak = try #require(performance?["peak_resident_bytes"] as? Int, "\(run.name)")
            #expect(estimate >= peak, "\(run.name): estimate \(estimate >> 20) MB below the peak \(peak >> 20) MB")
            #expect(
                estimate <= 2 * peak,
                "\(run.name): estimate \(estimate >> 20) MB more than twice the peak \(peak >> 20) MB")
        }
    }
}

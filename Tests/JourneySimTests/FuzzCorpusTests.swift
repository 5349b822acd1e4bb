import Foundation
import JourneySimFuzzing
import Testing

/// Replays the libFuzzer corpus (`scripts/fuzz` adds the inputs that found new coverage) through the fuzz target,
/// so every input that once found new code paths keeps ending in a scenario that runs or a
/// short, located error.
@Suite(.timeLimit(.minutes(3))) struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    @Test func theCommittedCorpusReplaysCleanly() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        #expect(names.count >= 8)
        var loaded = 0
        var refused = 0
        for name in names {
            let data = try Data(contentsOf: Self.corpus.appendingPathComponent(name))
            let outcome = data.withUnsafeBytes { ScenarioFuzzTarget.run($0) }
            #expect(ScenarioFuzzTarget.problem(outcome) == nil, "\(name): \(outcome)")
            if case .loaded = outcome { loaded += 1 } else { refused += 1 }
        }
        // The corpus holds both: inputs that load and run, and inputs that are refused.
        #expect(loaded > 0 && refused > 0, "\(loaded) loaded, \(refused) refused")
    }

    /// The seed inputs written by hand keep their verdicts.
    @Test(arguments: [
        ("flow-instant-loop.yaml", false), ("flow-fast-loop.yaml", false), ("flow-gated-loop.yaml", true),
        ("date-feb-30.yaml", false), ("date-offset.yaml", true), ("alias-caps.yaml", true),
        ("json-duplicate-key.json", false), ("strategies-populations.yaml", true),
        ("crash-long-invalid-utf8-key", false), ("crash-sexagesimal-overflow", false),
    ])
    func aSeedInputKeepsItsVerdict(name: String, loads: Bool) throws {
        let url = Self.corpus.appendingPathComponent(name)
        let outcome = try Data(contentsOf: url).withUnsafeBytes { ScenarioFuzzTarget.run($0) }
        if case .loaded = outcome { #expect(loads, "\(name) loaded") } else { #expect(!loads, "\(name): \(outcome)") }
    }
}

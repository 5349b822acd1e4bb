import Foundation
import Testing

@testable import JourneySim

/// Property tests of the scenario parser: thousands of mutated shipped scenarios and random YAML
/// texts, each of which must end in a scenario or a located `ScenarioError`, never a crash or a
/// hang. Seeds are fixed, so a failure names the case that reproduces it.
@Suite(.timeLimit(.minutes(1))) struct FuzzTests {
    static let scenariosFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios")

    static func shipped() throws -> [(name: String, text: String)] {
        let files = try FileManager.default.contentsOfDirectory(atPath: scenariosFolder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
        return try files.map {
            ($0, try String(contentsOf: scenariosFolder.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// Values that have broken parsers before: extremes, non-numbers, wrong types, unicode.
    static let nastyValues = [
        "1e308", "-1e308", "9999999999999999999", "-9999999999999999999", ".nan", ".inf", "-.inf", "0", "-1",
        "0.0000001",
        "1e-320", "null", "~", "true", "[]", "{}", "[1, [2, [3]]]", "\"\"", "'x'", "ünïcödé ✓ 🚀", "\u{202E}evil",
        "0x7fffffffffffffff",
        "2026-13-45T99:99:99Z", "3d3d", "-5d", "1e9d", "250", "*anchor", "&a x", "!!binary aGVsbG8=", "{ a: 1, a: 2 }",
        "|\n  block",
        String(repeating: "9", count: 400), String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ]

    /// One deterministic mutation of `text`.
    static func mutate(_ text: String, rng: inout Xoshiro256StarStar) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pick = { (rng: inout Xoshiro256StarStar) in rng.below(max(1, lines.count)) }
        switch rng.below(10) {
        case 0:  // flip bytes
            var bytes = Array(text.utf8)
            for _ in 0..<(1 + rng.below(8)) where !bytes.isEmpty {
                bytes[rng.below(bytes.count)] ^= UInt8(truncatingIfNeeded: 1 << rng.below(8))
            }
            return String(decoding: bytes, as: UTF8.self)
        case 1:  // truncate
            let bytes = Array(text.utf8)
            return String(decoding: bytes.prefix(rng.below(bytes.count + 1)), as: UTF8.self)
        case 2:  // delete lines
            for _ in 0..<(1 + rng.below(4)) where !lines.isEmpty {
                let index = pick(&rng)
                lines.remove(at: index)
            }
        case 3:  // duplicate a line
            let index = pick(&rng)
            lines.insert(lines[index], at: index)
        case 4, 5:  // replace a value with a nasty one
            for _ in 0..<(1 + rng.below(3)) {
                let index = pick(&rng)
                if let colon = lines[index].firstIndex(of: ":") {
                    lines[index] = String(lines[index][...colon]) + " " + nastyValues[rng.below(nastyValues.count)]
                }
            }
        case 6:  // swap two lines' values
            let a = pick(&rng)
            let b = pick(&rng)
            if let ca = lines[a].firstIndex(of: ":"), let cb = lines[b].firstIndex(of: ":") {
                let va = lines[a][lines[a].index(after: ca)...]
                let vb = lines[b][lines[b].index(after: cb)...]
                (lines[a], lines[b]) = (String(lines[a][...ca]) + vb, String(lines[b][...cb]) + va)
            }
        case 7:  // re-indent a line
            let index = pick(&rng)
            lines[index] =
                String(repeating: " ", count: rng.below(9)) + lines[index].trimmingCharacters(in: .whitespaces)
        case 8:  // deep nesting, block or flow
            let depth = 50 + rng.below(3000)
            let nest =
                rng.below(3) == 0
                ? String(repeating: "- ", count: depth) + "x"
                : rng.below(2) == 0 ? String(repeating: "[", count: depth) : String(repeating: "{a: ", count: depth)
            let index = pick(&rng)
            lines.insert(nest.hasPrefix("-") ? nest : "deep: " + nest, at: index)
        default:  // splice in random YAML
            let index = pick(&rng)
            lines.insert(randomYAML(&rng, depth: 0), at: index)
        }
        return lines.joined(separator: "\n")
    }

    static func randomScalar(_ rng: inout Xoshiro256StarStar) -> String {
        let words = [
            "population", "customers", "campaigns", "seed", "duration", "name", "delay", "channels", "x", "-", ":", "#",
            "&a", "*a", "!!str", "?", "|", ">", "%YAML 1.2", "---", "...", "'", "\"", "\\", "\t", "\u{0}", "é", "🚀",
        ]
        return rng.below(3) == 0 ? nastyValues[rng.below(nastyValues.count)] : words[rng.below(words.count)]
    }

    static func randomYAML(_ rng: inout Xoshiro256StarStar, depth: Int) -> String {
        let indent = String(repeating: "  ", count: depth)
        switch depth > 4 ? 0 : rng.below(4) {
        case 0: return indent + randomScalar(&rng)
        case 1:
            return (0..<(1 + rng.below(4))).map { _ in indent + randomScalar(&rng) + ": " + randomScalar(&rng) }.joined(
                separator: "\n")
        case 2: return indent + randomScalar(&rng) + ":\n" + randomYAML(&rng, depth: depth + 1)
        default: return indent + "- " + randomScalar(&rng) + "\n" + randomYAML(&rng, depth: depth)
        }
    }

    /// Parses one case, checking it ends in a scenario or a located, non-empty error, in bounded time.
    static func check(_ text: String, file: String) -> (parsed: Bool, seconds: Double) {
        let clock = ContinuousClock()
        let started = clock.now
        var parsed = false
        do {
            let scenarios = try ScenarioLoader.parseStrategies(text, file: file, defaultName: "fuzz")
            #expect(!scenarios.isEmpty, "\(file)")
            parsed = true
        } catch {
            let message = error.description
            #expect(!message.isEmpty, "\(file)")
            #expect(message.hasPrefix(file), "\(file): error names no location: \(message)")
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(seconds < 2, "\(file) took \(seconds) s")
        return (parsed, seconds)
    }

    static let mutationCases = 3_500
    static let randomCases = 1_500

    @Test func mutatedShippedScenariosEndInAScenarioOrALocatedError() throws {
        let sources = try Self.shipped()
        #expect(sources.count >= 5)
        var parsed = 0
        for index in 0..<Self.mutationCases {
            var rng = Xoshiro256StarStar(seed: 0xF022 &+ UInt64(index))
            let source = sources[index % sources.count]
            var text = source.text
            for _ in 0..<(1 + rng.below(3)) { text = Self.mutate(text, rng: &rng) }
            if Self.check(text, file: "mutated-\(index)-\(source.name)").parsed { parsed += 1 }
        }
        // Some mutations keep the file valid (a deleted comment), most make it invalid: both paths run.
        #expect(parsed > 0 && parsed < Self.mutationCases)
    }

    @Test func randomYAMLEndsInAScenarioOrALocatedError() {
        for index in 0..<Self.randomCases {
            var rng = Xoshiro256StarStar(seed: 0x7A3 &+ UInt64(index))
            let text = (0..<(1 + rng.below(6))).map { _ in Self.randomYAML(&rng, depth: 0) }.joined(separator: "\n")
            _ = Self.check(text, file: "random-\(index).yaml")
        }
    }

    /// Inputs aimed at the parser's limits: nesting past the limit in every form, alias bombs,
    /// extreme numbers in numeric fields.
    @Test(arguments: [
        "deep: " + String(repeating: "[", count: 100_000),
        "deep: " + String(repeating: "{a: ", count: 100_000),
        "deep: " + String(repeating: "- ", count: 200_000) + "x",
        String(repeating: "- ", count: 200_000) + "x",
        "deep:\n"
            + (1...3_000).map {
                String(repeating: " ", count: $0 % 200) + "- " + String(repeating: "- ", count: $0 % 50) + "a:"
            }.joined(separator: "\n"),
        (0..<2_000).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n"),
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\npopulation: { customers: *e }",
        "population: { customers: 1e308 }", "population: { customers: -1e308 }",
        "population: { customers: 9999999999999999999 }",
        "population: { customers: .nan }", "duration: .inf", "seed: -1", "seed: 99999999999999999999999",
        "population: { archetypes: { routine: .nan, trek: .inf } }",
        "campaigns: [{ name: x, trigger: { event: cart_abandoned }, delay: 1e308d }]",
    ])
    func limitsAreErrorsNotCrashes(text: String) {
        let result = Self.check(text, file: "limits.yaml")
        #expect(!result.parsed || !text.contains("nan"))
    }

    /// The mock server's `--config` file goes through the same loader: 500 mutations of the
    /// documented example end in a spec or a located error.
    @Test func mutatedMockServerConfigsEndInASpecOrALocatedError() {
        let example = """
            host: 127.0.0.1
            port: 8080
            seed: 1
            latency: { median: 20ms, sigma: 0.5 }
            error_rate: 0.05
            throttle: { every: 10s, for: 1s, retry_after: 1s }
            outages:
              - { start: 30s, end: 40s, mode: "503" }
              - { start: 50s, end: 55s, mode: drop }
            max_body_bytes: 65536
            max_connections: 512
            duration: 60s
            response_fault: garbage
            routes: { sms: /sms/v1/messages }
            """
        #expect(throws: Never.self) {
            _ = try MockServerSpec(from: try #require(try ConfigDocument.parse(example, file: "mock.yaml")))
        }
        for index in 0..<500 {
            var rng = Xoshiro256StarStar(seed: 0x5E2 &+ UInt64(index))
            let text = Self.mutate(example, rng: &rng)
            let file = "mock-\(index).yaml"
            do {
                if let node = try ConfigDocument.parse(text, file: file) { _ = try MockServerSpec(from: node) }
            } catch {
                #expect(error.description.hasPrefix(file), "\(file): \(error.description)")
            }
        }
    }
}

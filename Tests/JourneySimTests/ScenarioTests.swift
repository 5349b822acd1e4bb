import Foundation
import Testing

@testable import JourneySim

@Suite struct ScenarioTests {
    @Test func shippedScenariosLoad() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter {
            $0.hasSuffix(".yaml") || $0.hasSuffix(".json")
        }
        #expect(files.contains("baseline.yaml"))
        for file in files {
            let loaded = try ScenarioLoader.load(path: folder.appendingPathComponent(file).path)
            #expect(loaded.population.customers > 0, "\(file)")
        }
        let baseline = try ScenarioLoader.load(path: folder.appendingPathComponent("baseline.yaml").path)
        #expect(baseline.population.customers == 100_000)
        #expect(baseline.duration == .days(30))
        #expect(baseline.seed == 42)
    }

    @Test func defaultsApplyAndOverridesMerge() throws {
        let s = try scenario(
            """
            seed: 7
            duration: 12h
            population: { customers: 50 }
            journeys:
              trek: { lapse: 0.5, basket: { median: 99 } }
            """)
        #expect(s.seed == 7)
        #expect(s.duration == .hours(12))
        #expect(s.journey(.trek).lapse == 0.5)
        #expect(s.journey(.trek).basketMedian == 99)
        #expect(s.journey(.trek).basketSigma == JourneyParameters.defaults(for: .trek).basketSigma)
        #expect(s.journey(.routine) == JourneyParameters.defaults(for: .routine))
        #expect(s.name == "test")
    }

    @Test func jsonIsAcceptedToo() throws {
        let s = try scenario(
            #"{"seed": 3, "population": {"customers": 10, "archetypes": {"routine": 1}}}"#, file: "s.json")
        #expect(s.seed == 3)
        #expect(s.population.archetypeMix == [1, 0, 0, 0])
    }

    @Test func unknownKeyNamesLineFieldAndSuggestion() {
        let error = scenarioError(
            """
            seed: 1
            population:
              customers: 10
              custmers: 20
            """)
        guard case let .unknownKey(location, path, key, suggestion, _) = error else {
            Issue.record("expected unknownKey, got \(String(describing: error))")
            return
        }
        #expect(location.line == 4)
        #expect(path == "population")
        #expect(key == "custmers")
        #expect(suggestion == "customers")
        #expect(error!.description.contains("bad.yaml:4:"))
        #expect(error!.description.contains("Did you mean 'customers'?"))
    }

    @Test func syntaxErrorHasLineAndColumn() {
        let error = scenarioError("seed: 1\npopulation:\n  customers: [1, 2\n")
        guard case let .syntax(location, _) = error else {
            Issue.record("expected syntax, got \(String(describing: error))")
            return
        }
        #expect(location.line >= 3)
        #expect(location.column > 0)
        #expect(error!.description.hasPrefix("bad.yaml:"))
    }

    @Test(arguments: [
        ("population: { customers: -5 }", "population.customers", "out of range"),
        ("population: { customers: 999999999999 }", "population.customers", "out of range"),
        ("population: { customers: lots }", "population.customers", "expected a whole number"),
        ("population: { customers: 1.5 }", "population.customers", "expected a whole number"),
        ("seed: -1", "seed", "non-negative"),
        ("duration: 30", "duration", "needs a unit"),
        ("duration: 400d", "duration", "between 1h and 366d"),
        ("duration: soon", "duration", "is not a duration"),
        ("start: yesterday", "start", "is not a date"),
        ("population: { archetypes: { routine: 0.5, joyride: 0.3 } }", "population.archetypes", "add up to 0.8"),
        (
            "population: { archetypes: { routine: 0.5, pilgrim: 0.5 } }", "population.archetypes",
            "unknown key 'pilgrim'"
        ),
        ("population: { channels: { whatsap: { weight: 1 } } }", "population.channels", "Did you mean 'whatsapp'?"),
        ("population: { channels: { fax: { weight: 1 } } }", "population.channels", "unknown key 'fax'"),
        ("population: { channel_counts: { 0: 1 } }", "population.channel_counts.0", "whole number from 1 to 10"),
        (
            "population: { time_zones: { Europe/Berlinn: 1 } }", "population.time_zones.Europe/Berlinn",
            "Did you mean 'Europe/Berlin'?"
        ),
        ("population: { channels: { sms: { consent: 1.5 } } }", "population.channels.sms.consent", "between 0 and 1"),
        ("population: { channels: { sms: { consent: .nan } } }", "population.channels.sms.consent", "finite"),
        (
            "journeys: { routine: { transitions: { cart: { checkout: 0.5, end: 0.5 } } } }",
            "journeys.routine.transitions.cart", "required key"
        ),
        (
            "journeys: { routine: { transitions: { research: { cart: 0.2, research: 0.2, end: 0.2 } } } }",
            "journeys.routine.transitions.research", "add up to 0.6"
        ),
        (
            "journeys: { routine: { transitions: { research: { cart: 0, research: 1, end: 0 } } } }",
            "journeys.routine.transitions.research", "never leave"
        ),
        ("journeys: { wanderer: { lapse: 0.1 } }", "journeys", "unknown key 'wanderer'"),
        ("sessions: { hourly_activity: [1, 2, 3] }", "sessions.hourly_activity", "24 weights"),
        ("population: 12", "population", "expected a mapping"),
        ("campains: []", "", "unknown key 'campains'"),
    ])
    func badInputNamesTheField(yaml: String, field: String, message: String) {
        guard let error = scenarioError(yaml) else {
            Issue.record("'\(yaml)' was accepted")
            return
        }
        let text = error.description
        #expect(text.hasPrefix("bad.yaml:1:"), "\(text)")
        #expect(text.contains(field.isEmpty ? "campains" : field + ":") || text.contains(field + "."), "\(text)")
        #expect(text.contains(message), "\(text)")
    }

    @Test func strategiesShareTheBaseAndReplaceTheirSections() throws {
        let list = try ScenarioLoader.parseStrategies(
            """
            seed: 4
            population: { customers: 100, time_zones: { Europe/Paris: 1 } }
            behavior: { fatigue: { opt_out: 0.5 } }
            strategies:
              - name: gentle
              - name: harsh
                behavior: { fatigue: { opt_out: 0.9 } }
              - name: treks
                archetypes: { trek: 1 }
            """, file: "s.yaml")
        #expect(list.map(\.strategy) == ["gentle", "harsh", "treks"])
        #expect(list[0].behavior.fatigue.optOut == 0.5)
        #expect(list[1].behavior.fatigue.optOut == 0.9)
        #expect(list[2].population.archetypeMix == [0, 0, 1, 0])
        #expect(list[2].population.timeZones.map(\.identifier) == ["Europe/Paris"])
        #expect(list.allSatisfy { $0.seed == 4 && $0.population.customers == 100 })

        let duplicate = """
            strategies:
              - name: a
              - name: a
            """
        #expect(throws: ScenarioError.self) { try ScenarioLoader.parseStrategies(duplicate, file: "d.yaml") }
        let shared = """
            strategies:
              - name: a
                seed: 3
            """
        do {
            _ = try ScenarioLoader.parseStrategies(shared, file: "d.yaml")
            Issue.record("a strategy changed the seed")
        } catch {
            #expect(error.description.contains("d.yaml:3:5: strategies.0.seed: unknown key 'seed'"), "\(error)")
        }
    }

    @Test func missingAndEmptyFilesAreReported() throws {
        #expect(throws: ScenarioError.fileNotFound(path: "/nonexistent/x.yaml")) {
            try ScenarioLoader.load(path: "/nonexistent/x.yaml")
        }
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.yaml")
        try Data().write(to: empty)
        #expect(throws: ScenarioError.emptyDocument(path: empty.path)) { try ScenarioLoader.load(path: empty.path) }
        let big = folder.appendingPathComponent("big.yaml")
        try Data(repeating: UInt8(ascii: "#"), count: ScenarioLoader.maxFileBytes + 1).write(to: big)
        #expect(
            throws: ScenarioError.tooLarge(
                path: big.path, bytes: ScenarioLoader.maxFileBytes + 1, limitBytes: ScenarioLoader.maxFileBytes)
        ) {
            try ScenarioLoader.load(path: big.path)
        }
    }

    @Test func deepNestingIsRefusedBeforeParsing() {
        let yaml = "seed: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        guard case .tooDeep = scenarioError(yaml) else {
            Issue.record("deep nesting accepted")
            return
        }
    }

    @Test func durationsAndProbabilitiesParse() throws {
        let s = try scenario(
            """
            journeys:
              joyride: { step_gap: 90s, session_gap: 1.5h, need_interval: 2w, delivery: 3d }
            """)
        let j = s.journey(.joyride)
        #expect(j.stepGap == .seconds(90))
        #expect(j.sessionGap == .minutes(90))
        #expect(j.needInterval == .days(14))
        #expect(j.deliveryDelay == .days(3))
    }
}

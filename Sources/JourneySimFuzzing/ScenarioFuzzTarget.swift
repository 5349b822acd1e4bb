import JourneySim

/// What the coverage-guided fuzzer (`scripts/fuzz`) feeds every input through, and what
/// `swift test` replays the committed corpus through: the path a scenario file takes in
/// `validate` and at the start of `run`.
///
/// Any bytes must end in scenarios or a `ScenarioError` whose message is short and names the
/// file; a scenario that loads must then compile into a trigger core and run, shrunk to a
/// handful of customers and one simulated day so that every input stays cheap. A crash, a hang
/// (libFuzzer's `-timeout`), a leak, a sanitizer report or an over-long error is a finding.
public enum ScenarioFuzzTarget {
    /// Longest error message accepted: one line of location and reason plus a quoted line.
    public static let maxErrorLength = 2000

    public enum Outcome: Equatable, Sendable {
        case loaded(strategies: Int)
        case refused(message: String)
    }

    /// What is wrong with an outcome, nil when it is one of the expected ones: an error message
    /// must name the file and stay short.
    public static func problem(_ outcome: Outcome) -> String? {
        guard case let .refused(message) = outcome else { return nil }
        if message.utf8.count > maxErrorLength {
            return "an error message of \(message.utf8.count) bytes: \(message.prefix(200)) …"
        }
        if !message.hasPrefix("fuzz.yaml") { return "an error that does not name the file: \(message.prefix(200))" }
        return nil
    }

    /// Runs one input; the fuzzer's harness traps on `problem`, the corpus test expects none.
    @discardableResult
    public static func run(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        run(String(decoding: bytes, as: UTF8.self))
    }

    @discardableResult
    public static func run(_ text: String) -> Outcome {
        let strategies: [Scenario]
        do {
            strategies = try ScenarioLoader.parseStrategies(text, file: "fuzz.yaml")
        } catch {
            return .refused(message: error.description)
        }
        for var scenario in strategies {
            _ = MemoryEstimate(scenario: scenario, shards: 3, comparedStrategies: strategies.count, traceLimit: 100)
            scenario.population.customers = min(scenario.population.customers, 5)
            scenario.duration = min(scenario.duration, .days(1))
            var simulator = Simulator(scenario: scenario, observer: NoObserver())
            simulator.run()
            _ = simulator.record(complete: true, digest: "", shards: .whole)
        }
        return .loaded(strategies: strategies.count)
    }
}

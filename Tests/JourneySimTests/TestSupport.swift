import Foundation

@testable import JourneySim

/// Parses scenario text, failing the test with the error's message if it does not parse.
func scenario(_ yaml: String, file: String = "test.yaml") throws -> Scenario {
    try ScenarioLoader.parse(yaml, file: file, defaultName: "test")
}

/// Runs a scenario and returns the simulator at its end.
func simulate(_ scenario: Scenario) -> Simulator<NoObserver> {
    var sim = Simulator(scenario: scenario, observer: NoObserver())
    sim.run()
    return sim
}

/// The error a scenario text produces, or nil if it parses.
func scenarioError(_ yaml: String, file: String = "bad.yaml") -> ScenarioError? {
    do {
        _ = try ScenarioLoader.parse(yaml, file: file)
        return nil
    } catch {
        return error
    }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("journeysim-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A browse campaign with a per-minute rate limit that binds: a send on every view of 3,001
/// customers over 10 days, far more than `rateLimit` a minute at busy times.
func bindingRateLimitScenario(rateLimit: Int) -> String {
    """
    seed: 77
    duration: 10d
    population: { customers: 3001 }
    campaigns:
      - name: browse
        trigger: { event: view }
        reeligibility: 1s
        channels: [ email ]
        audience: { require_consent: false }
        rate_limit: \(rateLimit)
        content: { template: browse }
    """
}

import Foundation
import Testing

@testable import JourneySim

// The journey language: what validation refuses (JourneyValidationTests), and the scenario
// helpers the journey tests share. Runs are in JourneyRunTests.swift; journey files,
// parameters and session blocks in JourneyFileTests.swift.

/// A one-channel population for small journey tests: SMS only, consented and reachable, UTC,
/// no fatigue, a mock backend that delivers everything after 1 s.
let plainPopulation = """
    seed: 5
    start: 2026-03-02T00:00:00Z
    duration: 20d
    population:
      customers: 2000
      archetypes: { routine: 1.0 }
      channel_counts: { 1: 1.0 }
      channels:
        sms: { weight: 1.0, consent: 1.0, reachable: 1.0 }
        whatsapp: { weight: 0 }
        email: { weight: 0 }
        push: { weight: 0 }
        messenger: { weight: 0 }
        viber: { weight: 0 }
        telegram: { weight: 0 }
        rcs: { weight: 0 }
        apple-messages: { weight: 0 }
        in-app: { weight: 0 }
      time_zones: { UTC: 1.0 }
    backend:
      kind: mock
      channels:
        sms: { latency: { median: 1s, sigma: 0 }, failure_rate: 0, undeliverable_rate: 0, server_error_rate: 0 }

    """

func fatigueOff(
    open: Double, click: Double, reply: Double = 0, openDelay: String? = nil, lift: Double = 1
) -> String {
    """
    behavior:
      channels:
        sms: { open: \(open), click: \(click), reply: \(reply), purchase_lift: \(lift)\(openDelay.map { ", open_delay: \($0)" } ?? "") }
      fatigue: { per_message: 0, irrelevant: 0, off_hours: 0, repeated: 0, rare_channel: 0, base_unhappy: 0, unhappy_per_annoyance: 0, opt_out: 0, abandon_journey_when_unhappy: 0 }

    """
}

/// The error text of a scenario that must not load (and the test fails if it does).
func journeyError(
    _ journey: String, campaigns: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> String {
    guard let error = scenarioError(plainPopulation + journey + campaigns) else {
        Issue.record("the scenario loaded", sourceLocation: sourceLocation)
        return ""
    }
    return error.description
}

@Suite struct JourneyValidationTests {
    @Test func unknownStateIsNamedWithItsPath() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: bee }
                b: { end: true }
            """)
        #expect(text.contains("journey.states.a.next"), "\(text)")
        #expect(text.contains("unknown state 'bee'"), "\(text)")
        #expect(text.contains("bad.yaml:"), "\(text)")
    }

    @Test func unknownEventAndEventsAJourneyCannotEmit() {
        let unknown = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { emit: wishlist_ad, wait: { exponential: 1h }, next: a }
            """)
        #expect(
            unknown.contains("unknown event 'wishlist_ad'") && unknown.contains("journey.states.a.emit"), "\(unknown)")
        let message = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { emit: message_clicked, wait: { exponential: 1h }, next: a }
            """)
        #expect(message.contains("cannot emit 'message_clicked'"), "\(message)")
    }

    @Test func unreachableStateIsAnError() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
                orphan: { end: true }
            """)
        #expect(text.contains("state 'orphan' is never reached") && text.contains("journey.states.orphan"), "\(text)")
    }

    @Test func stateWithNoWayOutIsAnError() {
        let none = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h } }
            """)
        #expect(none.contains("state 'a' has no way out") && none.contains("journey.states.a"), "\(none)")
        let two = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a, end: true }
            """)
        #expect(two.contains("2 ways out"), "\(two)")
        let noOtherwise = journeyError(
            """
            journey:
              attributes: { streak: 0 }
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  branch:
                    - { if: "streak >= 3", to: a }
            """)
        #expect(
            noOtherwise.contains("the last case needs no `if`") && noOtherwise.contains("journey.states.a.branch"),
            "\(noOtherwise)")
    }

    @Test func probabilitiesThatDoNotAddUpAreAnError() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  choose:
                    - { to: a, probability: 0.5 }
                    - { to: b, probability: 0.4 }
                b: { end: true }
            """)
        #expect(text.contains("add up to 0.9") && text.contains("journey.states.a.choose"), "\(text)")
    }

    @Test func probabilitiesOfExactlyZeroAndOneAreAllowed() throws {
        let s = try scenario(
            plainPopulation + """
                journey:
                  processes: { main: a }
                  states:
                    a:
                      wait: { exponential: 1h }
                      choose:
                        - { to: b, probability: 1 }
                        - { to: a, probability: 0 }
                    b: { emit: purchase, value: { fixed: 10 }, end: true }
                """)
        let sim = simulate(s)
        #expect(sim.metrics.totals.purchases == s.population.customers)
    }

    @Test func loopsThatTakeNoTimeAreErrorsNamingThePath() {
        let direct = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: b }
                b: { emit: view, next: c }
                c: { emit: view, next: b }
            """)
        #expect(direct.contains("loop that takes no time") && direct.contains("b → c → b"), "\(direct)")
        // Through a process that a state starts: its first state is entered at the same instant.
        let viaProcess = journeyError(
            """
            journey:
              processes: { main: a, side: { start: s, autostart: false } }
              states:
                a: { wait: { exponential: 1h }, next: b }
                b: { start_process: side, next: b2 }
                b2: { end: true }
                s: { start_process: side, end: true }
            """)
        #expect(viaProcess.contains("loop that takes no time") && viaProcess.contains("s → s"), "\(viaProcess)")
    }

    @Test func attributesPropertiesAndProcessesAreChecked() {
        let attribute = journeyError(
            """
            journey:
              attributes: { streak: 0 }
              processes: { main: a }
              states:
                a:
                  wait: { exponential: 1h }
                  branch:
                    - { if: "streek >= 3", to: a }
                    - { to: a }
            """)
        #expect(
            attribute.contains("cannot test 'streek'") && attribute.contains("Did you mean 'streak'"), "\(attribute)")
        let missing = journeyError(
            """
            journey:
              events: { workout_done: { properties: { streak: number } } }
              processes: { main: a }
              states:
                a: { emit: workout_done, wait: { exponential: 1h }, next: a }
            """)
        #expect(missing.contains("needs a value for its property 'streak'"), "\(missing)")
        let undeclared = journeyError(
            """
            journey:
              events: { workout_done: { properties: { streak: number } } }
              processes: { main: a }
              states:
                a: { emit: { event: workout_done, properties: { streak: 1, mood: 2 } }, wait: { exponential: 1h }, next: a }
            """)
        #expect(undeclared.contains("has no property 'mood'"), "\(undeclared)")
        let category = journeyError(
            """
            journey:
              events: { location_enter: { properties: { store: [downtown, mall] } } }
              processes: { main: a }
              states:
                a: { emit: { event: location_enter, properties: { store: airport } }, wait: { exponential: 1h }, next: a }
            """)
        #expect(category.contains("'airport' is not a value of 'store'"), "\(category)")
        let process = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { stop_process: mian, wait: { exponential: 1h }, next: a }
            """)
        #expect(process.contains("unknown process 'mian'") && process.contains("Did you mean 'main'"), "\(process)")
    }

    @Test func reactionsNameRealCampaignsAndStates() {
        let text = journeyError(
            """
            journey:
              processes: { main: a }
              states:
                a: { wait: { exponential: 1h }, next: a }
              reactions:
                - { on: message_clicked, campaign: remindr, to: a }

            """,
            campaigns: """
                campaigns:
                  - name: reminder
                    trigger: { event: session_end }
                    content: { template: t }
                """)
        #expect(text.contains("no campaign is named 'remindr'") && text.contains("Did you mean 'reminder'"), "\(text)")
    }

    @Test func messageInteractionFiltersNameRealCampaignsAndTemplates() {
        let journey = """
            journey:
              processes: { main: a }
              states:
                a: { emit: session_end, wait: { exponential: 1h }, next: a }

            """
        let template = journeyError(
            journey,
            campaigns: """
                campaigns:
                  - name: reminder
                    trigger: { event: session_end }
                    content: { template: cart_reminder }
                  - name: thanks
                    trigger: { event: message_clicked, filter: [ "template == cart_remindr" ] }
                    content: { template: thanks }
                """)
        #expect(
            template.contains("no campaign sends a template named 'cart_remindr'")
                && template.contains("Did you mean 'cart_reminder'"), "\(template)")
        let campaign = journeyError(
            journey,
            campaigns: """
                campaigns:
                  - name: thanks
                    trigger: { event: message_opened, filter: [ "campaign == nobody" ] }
                    content: { template: thanks }
                """)
        #expect(
            campaign.contains("no campaign is named 'nobody'") && campaign.contains("campaigns.0.trigger.filter.0"),
            "\(campaign)")
    }

    @Test func customEventFiltersAreTypedByTheDeclaration() {
        let text = journeyError(
            """
            journey:
              events: { price_alert: { properties: { route: [lis-nyc, lis-par], drop: number } } }
              processes: { main: a }
              states:
                a: { emit: { event: price_alert, properties: { route: lis-nyc, drop: 12 } }, wait: { exponential: 1h }, next: a }

            """,
            campaigns: """
                campaigns:
                  - name: alert
                    trigger: { event: price_alert, filter: [ "route == lis-ber" ] }
                    content: { template: t }
                """)
        #expect(text.contains("'lis-ber' is not a value of route"), "\(text)")
    }
}

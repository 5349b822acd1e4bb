import Foundation
import Testing

@testable import JourneySim

@Suite("Trigger core: channels, control groups, rate limits")
struct TriggerChannelTests {
    @Test func controlGroupShareOn100kCustomers() {
        let customers = 100_000
        var h = Harness(
            campaigns: [
                campaign(delay: .zero) {
                    $0.controlGroup = 0.1
                    $0.conversion = .init(event: .purchase, window: .days(3))
                }
            ], customers: customers)
        for customer in 0..<customers { h.event(.sessionEnd, at(monday, hours: 10), customer: UInt32(customer)) }
        h.advance(to: at(monday, hours: 10))
        let heldOut = Double(h.count(.heldOut))
        #expect(abs(heldOut / Double(customers) - 0.1) <= 0.01)
        #expect(h.count(.sent) + h.count(.heldOut) == UInt64(customers))
        #expect(h.stats.count(.controlExposures, campaign: 0) == UInt64(heldOut))
        // Held-out customers are exactly those `isControl` names, independent of event order.
        let control = (0..<customers).filter { h.core.isControl(customer: $0, campaign: 0, share: 0.1) }
        #expect(Set(h.sent.map { Int($0.customer) }).isDisjoint(with: control))

        // Conversions are attributed to treatment and control separately, once per exposure,
        // within the window only.
        h.event(.purchase, at(monday, days: 1), customer: UInt32(control[0]))
        h.event(.purchase, at(monday, days: 1), customer: UInt32(control[0]))
        h.event(.purchase, at(monday, days: 1), customer: h.sent[0].customer)
        h.event(.purchase, at(monday, days: 4), customer: h.sent[1].customer)  // after the 3d window
        #expect(h.stats.count(.controlConversions, campaign: 0) == 1)
        #expect(h.stats.count(.treatmentConversions, campaign: 0) == 1)
    }

    @Test func controlMembershipDependsOnSeedCustomerAndCampaignOnly() {
        let a = Harness(campaigns: [campaign(), campaign("d")], customers: 10, seed: 7).core
        let b = Harness(campaigns: [campaign(), campaign("d")], customers: 10, seed: 7).core
        let other = Harness(campaigns: [campaign(), campaign("d")], customers: 10, seed: 8).core
        let members = (0..<10_000).map { a.isControl(customer: $0, campaign: 1, share: 0.5) }
        #expect(members == (0..<10_000).map { b.isControl(customer: $0, campaign: 1, share: 0.5) })
        #expect(members != (0..<10_000).map { other.isControl(customer: $0, campaign: 1, share: 0.5) })
        #expect(members != (0..<10_000).map { a.isControl(customer: $0, campaign: 0, share: 0.5) })
    }

    @Test func fallsBackFromWhatsAppToSMSWhenTheAppIsNotInstalled() {
        var h = Harness(
            campaigns: [campaign { $0.channels = [.whatsapp, .sms, .email] }],
            reachable: channels(.sms, .email))
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.count == 1)
        #expect(h.sent.first?.channel == .sms)
        #expect(h.sent.first?.isFallback == true)
        #expect(h.count(.fellBack) == 1)
        #expect(h.count(.sent) == 0)

        var noFallback = Harness(campaigns: [campaign { $0.fallback = false }], reachable: channels(.sms))
        noFallback.event(.sessionEnd, at(monday, hours: 10))
        noFallback.advance(to: at(monday, hours: 11))
        #expect(noFallback.sent.isEmpty)
        #expect(noFallback.count(.suppressedNoReachableChannel) == 1)
    }

    @Test func deliveryFailureFallsBackToTheNextChannel() {
        var h = Harness(campaigns: [campaign { $0.channels = [.whatsapp, .sms] }])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.map(\.channel) == [.whatsapp])
        h.report(h.sent[0], .failed, at: at(monday, hours: 11))
        #expect(h.sent.map(\.channel) == [.whatsapp, .sms])
        #expect(h.sent[1].isFallback && h.sent[1].message.serial == h.sent[0].message.serial)
        #expect(h.count(.sent) == 0 && h.count(.fellBack) == 1)
        // The SMS fails too: nothing left to try; the message stays fell back.
        h.report(h.sent[1], .failed, at: at(monday, hours: 11, minutes: 1))
        #expect(h.sent.count == 2)
        #expect(h.stats.count(.failed, campaign: 0) == 2)
        #expect(h.stats.count(.fallbackAttempts, campaign: 0) == 1)
        #expect(h.stats.isConserved)
        h.report(h.sent[1], .delivered, at: at(monday, hours: 11, minutes: 2))
        #expect(h.stats.count(.delivered, campaign: 0) == 1)
    }

    @Test func channelsFollowConsentAndPreference() {
        // Only consented channels, in the campaign's order; the journey channel first when preferred.
        var h = Harness(
            campaigns: [
                campaign { $0.channels = [.whatsapp, .sms, .email] },
                campaign("journey") {
                    $0.channels = [.whatsapp, .sms, .email]
                    $0.preferJourneyChannel = true
                },
            ],
            consent: channels(.sms, .email))
        h.event(.sessionEnd, at(monday, hours: 10), channel: .email)
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.map(\.channel) == [.sms, .email])
    }

    @Test func optedOutAndUnreachableCustomersAreSuppressed() {
        var h = Harness(
            campaigns: [
                campaign {
                    $0.channels = [.whatsapp]
                    $0.reeligibility = .zero
                }
            ], customers: 2)
        h.event(.optOut, at(monday, hours: 9), customer: 0, channel: .whatsapp)
        h.event(.sessionEnd, at(monday, hours: 10), customer: 0)
        h.advance(to: at(monday, hours: 11))
        #expect(h.stats.count(.created, campaign: 0) == 0)  // an opt-out withdraws consent: no entry

        var noConsentNeeded = Harness(campaigns: [
            campaign {
                $0.channels = [.whatsapp]
                $0.audience.requireConsent = false
            }
        ])
        noConsentNeeded.event(.optOut, at(monday, hours: 9), channel: .whatsapp)
        noConsentNeeded.event(.sessionEnd, at(monday, hours: 10))
        noConsentNeeded.advance(to: at(monday, hours: 11))
        #expect(noConsentNeeded.count(.suppressedOptedOut) == 1)

        var none = Harness(campaigns: [
            campaign {
                $0.channels = [.push]
                $0.audience.requireConsent = false
            }
        ])
        none.event(.sessionEnd, at(monday, hours: 10))
        none.advance(to: at(monday, hours: 11))
        #expect(none.count(.suppressedNoReachableChannel) == 1)
        #expect(none.stats.isConserved)
    }

    @Test func rateLimitDelaysSendsAndAbortsAfterMaxHold() {
        // 2 per minute; 7 customers due at 10:30 → 2 at 10:30, 2 at 10:31, 2 at 10:32, 1 at 10:33.
        var h = Harness(campaigns: [campaign { $0.rateLimitPerMinute = 2 }], customers: 7)
        for customer in 0..<7 { h.event(.sessionEnd, at(monday, hours: 10), customer: UInt32(customer)) }
        h.advance(to: at(monday, hours: 11))
        let minutes = h.sent.map { ($0.time - at(monday, hours: 10, minutes: 30)).milliseconds / 60_000 }
        #expect(minutes == [0, 0, 1, 1, 2, 2, 3])
        #expect(h.sent.map(\.customer) == [0, 1, 2, 3, 4, 5, 6])
        #expect(h.sent.allSatisfy { $0.intendedAt == at(monday, hours: 10, minutes: 30) })

        var held = Harness(
            campaigns: [
                campaign {
                    $0.rateLimitPerMinute = 1
                    $0.maxHold = .minutes(2)
                }
            ], customers: 5)
        for customer in 0..<5 { held.event(.sessionEnd, at(monday, hours: 10), customer: UInt32(customer)) }
        held.advance(to: at(monday, hours: 11))
        #expect(held.sent.count == 3)  // at +0, +1, +2 minutes
        #expect(held.count(.aborted) == 2)  // would have waited 3 and 4 minutes
        #expect(held.stats.isConserved)
    }
}

@Suite("Multi-step flows")
struct TriggerFlowTests {
    static func scenario(_ file: String) throws -> Scenario {
        try ScenarioLoader.load(path: packageRoot.appendingPathComponent("scenarios/\(file)").path)
    }

    static func spec(_ file: String, only names: [String]) throws -> TriggerSpec {
        let all = try scenario(file).triggers
        return TriggerSpec(
            campaigns: all.campaigns.filter { names.contains($0.name) }, frequencyCaps: all.frequencyCaps)
    }

    static func population(_ count: Int, zone: UInt16 = 0) -> Population {
        let set = channels(.whatsapp, .sms, .email)
        return Population(
            archetype: ContiguousArray(repeating: .joyride, count: count),
            channels: ContiguousArray(repeating: set, count: count),
            consent: ContiguousArray(repeating: set, count: count),
            reachable: ContiguousArray(repeating: set, count: count),
            timeZone: ContiguousArray(repeating: zone, count: count))
    }

    @Test func shippedScenariosParse() throws {
        let cart = try TriggerFlowTests.scenario("abandoned-cart.yaml")
        #expect(
            cart.triggers.campaigns.map(\.name) == [
                "abandoned_cart", "big_cart_whatsapp", "welcome_series", "re_engagement",
            ])
        #expect(cart.triggers.frequencyCaps.count == 3)
        #expect(cart.triggers.frequencyCaps[0].period == .calendarDays(1))
        #expect(cart.triggers.frequencyCaps[1].period == .rolling(.days(7)))
        #expect(cart.triggers.campaigns[1].trigger.filters.count == 3)
        #expect(cart.triggers.campaigns[0].isMultiStep)
        let post = try TriggerFlowTests.scenario("post-purchase.yaml")
        #expect(
            post.triggers.campaigns.map(\.name) == [
                "order_confirmation", "delivery_update", "review_request", "welcome_series", "re_engagement",
            ])
        #expect(post.triggers.campaigns[0].overrideCaps && !post.triggers.campaigns[0].countsTowardCaps)
        #expect(post.triggers.discountCodes.contains("WELCOME15"))
    }

    @Test func abandonedCartSendsTwoStepsUnlessThereIsAPurchase() throws {
        let spec = try TriggerFlowTests.spec("abandoned-cart.yaml", only: ["abandoned_cart"])
        // Customers chosen outside the control group; London time (window 09–21 local).
        var h = Harness(spec: spec, population: TriggerFlowTests.population(200), zones: ["Europe/London"])
        let treated = (0..<200).filter { !h.core.isControl(customer: $0, campaign: 0, share: 0.1) }
        let buyer = UInt32(treated[0])
        let holdout = UInt32(treated[1])
        h.event(.sessionEnd, at(monday, hours: 10), customer: buyer, stage: .cart, cart: 80)
        h.event(.sessionEnd, at(monday, hours: 10), customer: holdout, stage: .cart, cart: 80)
        h.advance(to: at(monday, hours: 12))
        #expect(h.sent.map(\.template) == [spec.templateIndex("cart_reminder"), spec.templateIndex("cart_reminder")])
        #expect(h.sent.allSatisfy { $0.time == at(monday, hours: 10, minutes: 30) })
        h.event(.purchase, at(monday, hours: 15), customer: buyer, stage: .purchased)
        h.advance(to: at(monday, days: 2))
        let second = h.sent.dropFirst(2)
        #expect(second.map(\.customer) == [holdout])
        #expect(second.first?.time == at(monday, days: 1, hours: 10))
        #expect(second.first.map { spec.discountCodes[Int($0.discount)] } == "SAVE10")
        #expect(h.stats.count(.treatmentConversions, campaign: 0) == 1)
        #expect(h.stats.isConserved)
    }

    @Test func abandonedCartExitBeforeTheFirstMessageCancelsIt() throws {
        let spec = try TriggerFlowTests.spec("abandoned-cart.yaml", only: ["abandoned_cart"])
        var h = Harness(spec: spec, population: TriggerFlowTests.population(1), zones: ["Europe/London"])
        h.event(.sessionEnd, at(monday, hours: 10), stage: .cart, cart: 80)
        h.event(.purchase, at(monday, hours: 10, minutes: 10), stage: .purchased)
        h.advance(to: at(monday, days: 3))
        #expect(h.sent.isEmpty)
        #expect(h.count(.cancelledByException, step: 0) == 1)
        #expect(h.stats.count(.exited, campaign: 0) == 1)
    }

    @Test func postPurchaseBranchesOnStars() throws {
        let spec = try TriggerFlowTests.spec(
            "post-purchase.yaml", only: ["order_confirmation", "delivery_update", "review_request"])
        var h = Harness(spec: spec, population: TriggerFlowTests.population(400), zones: ["Europe/Berlin"])
        let treated = (0..<400).filter { !h.core.isControl(customer: $0, campaign: 2, share: 0.05) }
        let unhappy = UInt32(treated[0])
        let happy = UInt32(treated[1])
        let silent = UInt32(treated[2])
        for customer in [unhappy, happy, silent] {
            h.event(.purchase, at(monday, hours: 10), customer: customer, stage: .purchased)
            h.event(.delivery, at(monday, days: 2, hours: 10), customer: customer, stage: .using)
        }
        h.advance(to: at(monday, days: 5, hours: 10))
        func templates(_ customer: UInt32) -> [String] {
            h.sent.filter { $0.customer == customer }.map { spec.templates[Int($0.template)] }
        }
        #expect(templates(unhappy) == ["order_confirmation", "delivery_update", "review_request"])
        #expect(h.sent.first { $0.customer == unhappy && $0.campaign == 2 }?.time == at(monday, days: 5, hours: 10))
        h.event(.review, at(monday, days: 6), customer: unhappy, stage: .using, stars: 2)
        h.event(.review, at(monday, days: 6), customer: happy, stage: .using, stars: 5)
        h.advance(to: at(monday, days: 6, hours: 12))  // 09:00 Berlin opening is 08:00Z
        #expect(templates(unhappy).last == "sorry_agent_will_contact")
        #expect(h.sent.last { $0.customer == unhappy }?.routeToAgent == true)
        #expect(templates(happy).last == "ask_public_review")
        #expect(!templates(happy).contains("sorry_agent_will_contact"))
        h.advance(to: at(monday, days: 20))
        #expect(templates(silent).last == "review_request")
        #expect(h.core.runningFlows == 0)
        #expect(h.stats.isConserved)
    }

    @Test func welcomeSeriesTriggersOnTheFirstSessionOnly() throws {
        let spec = try TriggerFlowTests.spec("abandoned-cart.yaml", only: ["welcome_series"])
        var h = Harness(spec: spec, population: TriggerFlowTests.population(1), zones: ["Europe/London"])
        h.event(.sessionStart, at(monday, hours: 10), stage: .research)
        h.advance(to: at(monday, days: 8))
        #expect(
            h.sent.map { spec.templates[Int($0.template)] } == ["welcome", "getting_started_tips", "first_order_offer"])
        h.event(.sessionStart, at(monday, days: 9), stage: .research)
        #expect(h.core.runningFlows == 0)
    }

    @Test func reEngagementWaitsForAReturnBeforeTheIncentive() throws {
        let spec = try TriggerFlowTests.spec("abandoned-cart.yaml", only: ["re_engagement"])
        let population = TriggerFlowTests.population(400)
        var h = Harness(spec: spec, population: population, zones: ["UTC"])
        let treated = (0..<400).filter { !h.core.isControl(customer: $0, campaign: 0, share: 0.1) }
        let returns = UInt32(treated[0])
        let away = UInt32(treated[1])
        h.event(.dormant, at(monday, hours: 12), customer: returns, stage: .dormant)
        h.event(.dormant, at(monday, hours: 12), customer: away, stage: .dormant)
        h.advance(to: at(monday, days: 2))
        #expect(h.sent.count == 2)
        h.event(.sessionStart, at(monday, days: 3), customer: returns, stage: .research)
        h.advance(to: at(monday, days: 10))
        #expect(h.sent.filter { $0.customer == away }.count == 2)
        #expect(h.sent.filter { $0.customer == returns }.count == 1)
        #expect(h.stats.count(.treatmentConversions, campaign: 0) == 1)
    }
}

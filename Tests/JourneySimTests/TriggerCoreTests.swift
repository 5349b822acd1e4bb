import Foundation
import Testing

@testable import JourneySim

@Suite("Trigger core: single-message semantics")
struct TriggerSemanticsTests {
    @Test func sendsAfterTheDelayAndNotBefore() {
        var h = Harness(campaigns: [campaign()])
        h.event(.sessionEnd, at(monday, hours: 10))
        #expect(h.core.nextDueTime == at(monday, hours: 10, minutes: 30))
        h.advance(to: at(monday, hours: 10, minutes: 29, seconds: 59))
        #expect(h.sent.isEmpty)
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.count == 1)
        #expect(h.sent.first?.time == at(monday, hours: 10, minutes: 30))
        #expect(h.sent.first?.intendedAt == at(monday, hours: 10, minutes: 30))
        #expect(h.sent.first?.channel == .whatsapp)
        #expect(h.count(.sent) == 1)
        #expect(h.stats.isConserved)
        #expect(h.core.nextDueTime == nil)
    }

    @Test func triggerFiltersAreCompiledAndApplied() throws {
        let filters = [
            try parseFilter("cart_value > 100"), try parseFilter("stage == cart"),
            try parseFilter("channel == whatsapp"),
        ]
        #expect(filters[0] == EventFilter(field: .cartValue, comparison: .greater, value: 100))
        #expect(filters[1] == EventFilter(field: .stage, comparison: .equal, value: Float(Stage.cart.rawValue)))
        var h = Harness(campaigns: [campaign { $0.trigger.filters = filters }])
        h.event(.sessionEnd, at(monday, hours: 10), cart: 100)  // not > 100
        h.event(.sessionEnd, at(monday, hours: 10, minutes: 1), channel: .sms)  // wrong channel
        h.event(.sessionEnd, at(monday, hours: 10, minutes: 2), stage: .research)  // wrong stage
        #expect(h.core.runningFlows == 0)
        h.event(.sessionEnd, at(monday, hours: 10, minutes: 3), cart: 100.5)
        #expect(h.core.runningFlows == 1)
    }

    @Test func eventsBeforeTheCampaignStartsDoNotTrigger() {
        var h = Harness(campaigns: [
            campaign {
                $0.start = at(monday, days: 1)
                $0.reeligibility = .zero
            }
        ])
        h.event(.sessionEnd, at(monday, hours: 23, minutes: 59))
        #expect(h.core.runningFlows == 0)
        h.event(.sessionEnd, at(monday, days: 1))
        #expect(h.core.runningFlows == 1)
    }

    @Test func aSendThatTheDelayPushesPastTheEndExpires() {
        var h = Harness(campaigns: [campaign { $0.end = at(monday, hours: 12) }])
        h.event(.sessionEnd, at(monday, hours: 11, minutes: 45))
        h.advance(to: at(monday, hours: 13))
        #expect(h.sent.isEmpty)
        #expect(h.count(.expired) == 1)
        #expect(h.stats.isConserved)
    }

    @Test func audienceIsCheckedOnEntryAndOptionallyAtSend() {
        // Archetype filter on entry.
        var h = Harness(
            campaigns: [campaign { $0.audience.archetypes = [.odyssey] }], customers: 2,
            archetypeOf: { $0 == 0 ? .routine : .odyssey })
        h.event(.sessionEnd, at(monday, hours: 10), customer: 0)
        h.event(.sessionEnd, at(monday, hours: 10), customer: 1)
        #expect(h.core.runningFlows == 1)

        var notReachable = Harness(
            campaigns: [campaign { $0.audience.channelsReachable = channels(.whatsapp) }],
            reachable: channels(.sms))
        notReachable.event(.sessionEnd, at(monday, hours: 10))
        #expect(notReachable.core.runningFlows == 0)
    }

    @Test func audienceRecheckAtSendSuppresses() {
        // The customer opts out of every campaign channel after entering. With the re-check the
        // message is suppressed as out of audience; without it, at channel choice as opted out.
        for recheck in [true, false] {
            var h = Harness(campaigns: [
                campaign {
                    $0.recheckAudienceAtSend = recheck
                    $0.channels = [.whatsapp, .sms]
                }
            ])
            h.event(.sessionEnd, at(monday, hours: 10))
            h.core.optOut(customer: 0, channel: .whatsapp)
            h.event(.optOut, at(monday, hours: 10, minutes: 5), channel: .sms)
            h.advance(to: at(monday, hours: 11))
            #expect(h.sent.isEmpty)
            #expect(h.count(recheck ? .suppressedAudience : .suppressedOptedOut) == 1)
            #expect(h.stats.isConserved)
        }
    }

    @Test func exceptionEventCancelsWithoutUsingUpEligibility() {
        var h = Harness(campaigns: [campaign { $0.exceptionEvents = [EventKindSet(.purchase)] }])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.event(.purchase, at(monday, hours: 10, minutes: 10))
        h.advance(to: at(monday, hours: 12))
        #expect(h.sent.isEmpty)
        #expect(h.count(.cancelledByException) == 1)
        // Re-eligibility is off, but nothing was received, so the customer can enter again.
        h.event(.sessionEnd, at(monday, hours: 13))
        h.advance(to: at(monday, hours: 14))
        #expect(h.sent.count == 1)
        #expect(h.stats.count(.created, campaign: 0) == 2)
        #expect(h.stats.isConserved)
    }

    @Test func exceptionEventThatIsTheTriggerReschedulesFromTheNewerEvent() {
        var h = Harness(campaigns: [campaign { $0.exceptionEvents = [EventKindSet(.sessionEnd)] }])
        h.event(.sessionEnd, at(monday, hours: 10), cart: 150)
        h.event(.sessionEnd, at(monday, hours: 10, minutes: 20), channel: .sms, cart: 200)
        h.advance(to: at(monday, hours: 10, minutes: 45))
        #expect(h.sent.isEmpty)
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.count == 1)
        #expect(h.sent.first?.time == at(monday, hours: 10, minutes: 50))
        #expect(h.stats.count(.created, campaign: 0) == 1)
        #expect(h.stats.count(.rescheduled, campaign: 0) == 1)
        #expect(h.stats.isConserved)
    }

    @Test func cancellationAtTheSameInstantAsTheDueSendWins() {
        // Events at T are handled before sends due at T.
        var h = Harness(campaigns: [campaign { $0.exceptionEvents = [EventKindSet(.purchase)] }])
        h.event(.sessionEnd, at(monday, hours: 10))
        let due = at(monday, hours: 10, minutes: 30)
        #expect(h.core.nextDueTime == due)
        h.event(.purchase, due)
        h.advance(to: due)
        #expect(h.sent.isEmpty)
        #expect(h.count(.cancelledByException) == 1)

        // One millisecond later the send has gone out: handle() fires sends due before the event.
        var late = Harness(campaigns: [campaign { $0.exceptionEvents = [EventKindSet(.purchase)] }])
        late.event(.sessionEnd, at(monday, hours: 10))
        late.event(.purchase, due + SimDuration(milliseconds: 1))
        #expect(late.sent.count == 1)
        #expect(late.count(.cancelledByException) == 0)
    }

    @Test func reeligibilityOffMeansOnce() {
        var h = Harness(campaigns: [campaign()])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 11))
        h.event(.sessionEnd, at(monday, days: 20))
        h.advance(to: at(monday, days: 21))
        #expect(h.sent.count == 1)
    }

    @Test func reeligibilityWindowCountsFromTheMessageReceived() {
        var h = Harness(campaigns: [campaign { $0.reeligibility = .days(7) }])
        h.event(.sessionEnd, at(monday, hours: 10))  // received at 10:30
        h.advance(to: at(monday, hours: 11))
        h.event(.sessionEnd, at(monday, days: 7, hours: 10, minutes: 15))  // 7d after the trigger, not after receipt
        #expect(h.core.runningFlows == 0)
        h.event(.sessionEnd, at(monday, days: 7, hours: 10, minutes: 30))  // exactly 7d after receipt
        #expect(h.core.runningFlows == 1)
        h.advance(to: at(monday, days: 8))
        #expect(h.sent.count == 2)
    }

    @Test func aPendingMessageBlocksReentry() {
        var h = Harness(campaigns: [campaign { $0.reeligibility = .zero }])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.event(.sessionEnd, at(monday, hours: 10, minutes: 5))
        h.advance(to: at(monday, hours: 12))
        #expect(h.sent.count == 1)
        #expect(h.sent.first?.time == at(monday, hours: 10, minutes: 30))
    }

    @Test func flowExitSkipsAPendingMessageAfterAnEarlierSend() {
        let flow = Flow(steps: [
            .message(MessageStep(content: .init(template: "one"))),
            .message(MessageStep(delay: .hours(2), content: .init(template: "two"))),
        ])
        var exiting = Campaign(name: "flow", trigger: .init(event: .sessionEnd), flow: flow, isMultiStep: true)
        exiting.exceptionEvents = [EventKindSet(.purchase)]
        var h = Harness(campaigns: [exiting])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 10))
        h.event(.purchase, at(monday, hours: 11))
        h.advance(to: at(monday, hours: 13))
        #expect(h.sent.count == 1)
        #expect(h.count(.sent, step: 0) == 1)
        #expect(h.count(.skippedFlowExit, step: 1) == 1)
        #expect(h.stats.count(.exited, campaign: 0) == 1)
        #expect(h.stats.isConserved)
        let exposure = h.core.lastExposure(customer: 0, campaign: 0)
        #expect(exposure?.time == at(monday, hours: 10) && exposure?.isControl == false)
        #expect(h.stats.namedCounts(campaign: 0).first { $0.name == "skipped_flow_exit" }?.value == 1)
    }

    @Test func finishGivesPendingMessagesAState() {
        var h = Harness(campaigns: [
            campaign(delay: .hours(5)), campaign("short", delay: .hours(5)) { $0.end = at(monday, hours: 12) },
        ])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 12))
        h.core.finish(at: at(monday, hours: 12))
        #expect(h.count(.pendingAtEnd, campaign: 0) == 1)
        #expect(h.count(.expired, campaign: 1) == 1)
        #expect(h.stats.count(.pending, campaign: 0) == 0)
        #expect(h.stats.count(.runningAtEnd, campaign: 0) == 1)
        #expect(h.stats.isConserved)
        #expect(h.core.nextDueTime == nil)
        #expect(h.core.runningFlows == 0)
    }
}

func parseFilter(_ text: String) throws -> EventFilter {
    let spec = try ScenarioLoader.parse(
        """
        campaigns:
          - name: x
            trigger: { event: session_end, filter: [ "\(text)" ] }
            content: { template: t }
        """, file: "inline.yaml"
    ).triggers
    return spec.campaigns[0].trigger.filters[0]
}

@Suite("Delivery windows in the recipient's local time")
struct DeliveryWindowTests {
    static let zones = ["America/New_York", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin"]

    @Test func windowIsLocalToEachZone() {
        // 09:00–21:00 local, drop outside. Trigger at 11:30Z so the send is due at 12:00Z:
        // New York 07:00 (out), Tokyo 21:00 (out, closing is exclusive), Kolkata 17:30 (in),
        // Sydney 23:00 (out), Berlin 13:00 (in).
        var h = Harness(
            campaigns: [campaign { $0.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260) }],
            customers: 5, zones: DeliveryWindowTests.zones, zoneOf: { UInt16($0) })
        for customer in 0..<5 { h.event(.sessionEnd, at(monday, hours: 11, minutes: 30), customer: UInt32(customer)) }
        h.advance(to: at(monday, hours: 13))
        #expect(Set(h.sent.map(\.customer)) == [2, 4])
        #expect(h.count(.droppedByWindow) == 3)
        #expect(h.stats.isConserved)
    }

    @Test func deferSendsAtTheNextLocalOpening() {
        var h = Harness(
            campaigns: [
                campaign { $0.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260, outside: .defer) }
            ],
            customers: 3, zones: DeliveryWindowTests.zones, zoneOf: { UInt16($0) })
        // Due 12:00Z: New York 07:00 EST → 09:00 EST = 14:00Z; Tokyo 21:00 → next day 09:00 JST = 00:00Z;
        // Kolkata 17:30 → now.
        for customer in 0..<3 { h.event(.sessionEnd, at(monday, hours: 11, minutes: 30), customer: UInt32(customer)) }
        h.advance(to: at(monday, days: 2))
        let byCustomer = Dictionary(uniqueKeysWithValues: h.sent.map { ($0.customer, $0) })
        #expect(byCustomer[0]?.time == at(monday, hours: 14))
        #expect(byCustomer[1]?.time == at(monday, days: 1))
        #expect(byCustomer[2]?.time == at(monday, hours: 12))
        #expect(byCustomer[0]?.wasDeferred == true)
        #expect(byCustomer[2]?.wasDeferred == false)
        #expect(h.stats.count(.deferred, campaign: 0) == 2)
        #expect(h.count(.sent) == 3)
    }

    @Test func deferFollowsADaylightSavingChange() {
        // New York springs forward on Sunday 8 March 2026 at 02:00 EST. A message due Saturday
        // 22:00 EST (Sun 03:00Z) waits for Sunday 09:00 EDT = 13:00Z, not 14:00Z.
        var h = Harness(
            campaigns: [
                campaign(delay: .zero) {
                    $0.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260, outside: .defer)
                }
            ],
            zones: ["America/New_York"])
        h.event(.sessionEnd, at(monday, days: 6, hours: 3))
        h.advance(to: at(monday, days: 8))
        #expect(h.sent.first?.time == at(monday, days: 6, hours: 13))

        // Berlin springs forward on 29 March 2026: 08:30Z is 10:30 CEST (inside 09–21) though
        // 08:30Z on the day before was 09:30 CET; 07:30Z on the 29th is 09:30 CEST, inside too,
        // whereas 07:30Z on the 28th is 08:30 CET, outside.
        var berlin = Harness(
            campaigns: [
                campaign(delay: .zero) {
                    $0.deliveryWindow = DeliveryWindow(fromMinute: 540, toMinute: 1260)
                    $0.reeligibility = .zero
                }
            ],
            customers: 2, zones: ["Europe/Berlin"])
        berlin.event(.sessionEnd, at(monday, days: 26, hours: 7, minutes: 30), customer: 0)  // 28 March
        berlin.event(.sessionEnd, at(monday, days: 27, hours: 7, minutes: 30), customer: 1)  // 29 March
        berlin.advance(to: at(monday, days: 28))
        #expect(berlin.sent.map(\.customer) == [1])
        #expect(berlin.count(.droppedByWindow) == 1)
    }

    @Test func windowSpanningMidnight() {
        let window = DeliveryWindow(fromMinute: 20 * 60, toMinute: 2 * 60)
        #expect(window.contains(minuteOfDay: 23 * 60))
        #expect(window.contains(minuteOfDay: 60))
        #expect(!window.contains(minuteOfDay: 2 * 60))
        #expect(!window.contains(minuteOfDay: 12 * 60))
    }
}

@Suite("Frequency caps")
struct FrequencyCapTests {
    /// A campaign that sends immediately on every trigger.
    static func instant(_ name: String = "c", _ adjust: (inout Campaign) -> Void = { _ in }) -> Campaign {
        campaign(name, delay: .zero) {
            $0.reeligibility = .zero
            adjust(&$0)
        }
    }

    @Test func rollingWindowEdges() {
        var h = Harness(
            campaigns: [FrequencyCapTests.instant()], caps: [FrequencyCap(limit: 2, period: .rolling(.hours(1)))])
        func fire(_ time: SimTime) {
            h.event(.sessionEnd, time)
            h.advance(to: time)
        }
        fire(at(monday, hours: 10))
        fire(at(monday, hours: 10, minutes: 10))
        fire(at(monday, hours: 10, minutes: 59, seconds: 59))  // 2 in the last hour: capped
        #expect(h.sent.count == 2)
        #expect(h.count(.suppressedByCap) == 1)
        fire(at(monday, hours: 11))  // the 10:00 send is exactly 1h old: out
        #expect(h.sent.count == 3)
        fire(at(monday, hours: 11, minutes: 9, seconds: 59))  // 10:10 and 11:00 still in
        #expect(h.sent.count == 3)
        fire(at(monday, hours: 11, minutes: 10))
        #expect(h.sent.count == 4)
        #expect(h.stats.isConserved)
    }

    @Test func calendarDayCapsUseTheCustomersZone() {
        // One per local day. Sends at 14:00Z and 15:30Z: in Tokyo that is 23:00 and 00:30 the
        // next day (two days), in New York 09:00 and 10:30 (same day).
        var h = Harness(
            campaigns: [FrequencyCapTests.instant()], caps: [FrequencyCap(limit: 1, period: .calendarDays(1))],
            customers: 2, zones: ["Asia/Tokyo", "America/New_York"], zoneOf: { UInt16($0) })
        for customer: UInt32 in [0, 1] {
            h.event(.sessionEnd, at(monday, hours: 14), customer: customer)
        }
        h.advance(to: at(monday, hours: 14))
        for customer: UInt32 in [0, 1] {
            h.event(.sessionEnd, at(monday, hours: 15, minutes: 30), customer: customer)
        }
        h.advance(to: at(monday, hours: 16))
        #expect(h.sent.filter { $0.customer == 0 }.count == 2)
        #expect(h.sent.filter { $0.customer == 1 }.count == 1)
        // New York's next local day starts at 05:00Z on Tuesday.
        h.event(.sessionEnd, at(monday, days: 1, hours: 4, minutes: 59), customer: 1)
        h.advance(to: at(monday, days: 1, hours: 4, minutes: 59))
        #expect(h.sent.filter { $0.customer == 1 }.count == 1)
        h.event(.sessionEnd, at(monday, days: 1, hours: 5), customer: 1)
        h.advance(to: at(monday, days: 1, hours: 5))
        #expect(h.sent.filter { $0.customer == 1 }.count == 2)
    }

    @Test func aSendCountsForItsChannelAndForAny() {
        let caps = [
            FrequencyCap(limit: 1, period: .calendarDays(1), channel: .whatsapp),
            FrequencyCap(limit: 2, period: .calendarDays(1)),
        ]
        var h = Harness(
            campaigns: [
                FrequencyCapTests.instant("wa") { $0.channels = [.whatsapp] },
                FrequencyCapTests.instant("sms") { $0.channels = [.sms] },
            ], caps: caps)
        h.event(.sessionEnd, at(monday, hours: 10))  // both send: wa 1/1, any 2/2
        h.advance(to: at(monday, hours: 10))
        #expect(h.sent.count == 2)
        h.event(.sessionEnd, at(monday, hours: 11))  // both capped
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.count == 2)
        #expect(h.count(.suppressedByCap, campaign: 0) == 1)
        #expect(h.count(.suppressedByCap, campaign: 1) == 1)
    }

    @Test func transactionalOverridesCapsAndDoesNotCount() {
        let caps = [FrequencyCap(limit: 1, period: .calendarDays(1))]
        var h = Harness(
            campaigns: [
                FrequencyCapTests.instant("marketing"),
                FrequencyCapTests.instant("order") {
                    $0.priority = .transactional
                    $0.overrideCaps = true
                    $0.countsTowardCaps = false
                },
            ],
            caps: caps)
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 10))
        h.event(.sessionEnd, at(monday, hours: 11))
        h.advance(to: at(monday, hours: 11))
        #expect(h.count(.sent, campaign: 0) == 1)  // the marketing one used the slot once
        #expect(h.count(.suppressedByCap, campaign: 0) == 1)
        #expect(h.count(.sent, campaign: 1) == 2)  // transactional always goes
    }

    @Test func firstProcessedWinsTheLastSlot() {
        let caps = [FrequencyCap(limit: 1, period: .calendarDays(1))]
        var h = Harness(
            campaigns: [campaign("a") { $0.reeligibility = .zero }, campaign("b") { $0.reeligibility = .zero }],
            caps: caps)
        h.event(.sessionEnd, at(monday, hours: 10))  // both due at 10:30; a was scheduled first
        h.advance(to: at(monday, hours: 11))
        #expect(h.sent.map(\.campaign) == [0])
        #expect(h.count(.suppressedByCap, campaign: 1) == 1)
    }

    @Test func cappedStepInAFlowIsSkippedAndTheFlowGoesOn() {
        let flow = Flow(steps: [
            .message(MessageStep(content: .init(template: "one"))), .delay(.hours(1)),
            .message(MessageStep(content: .init(template: "two"))),
        ])
        var flowCampaign = Campaign(name: "flow", trigger: .init(event: .sessionStart), flow: flow, isMultiStep: true)
        flowCampaign.reeligibility = .zero
        var h = Harness(
            campaigns: [FrequencyCapTests.instant(), flowCampaign],
            caps: [FrequencyCap(limit: 1, period: .rolling(.minutes(30)))])
        h.event(.sessionEnd, at(monday, hours: 10))
        h.advance(to: at(monday, hours: 10))
        h.event(.sessionStart, at(monday, hours: 10, minutes: 5))
        h.advance(to: at(monday, hours: 12))
        #expect(h.count(.suppressedByCap, campaign: 1, step: 0) == 1)
        #expect(h.count(.sent, campaign: 1, step: 2) == 1)
        #expect(h.stats.isConserved)
    }
}

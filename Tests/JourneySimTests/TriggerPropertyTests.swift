import Foundation
import Testing

@testable import JourneySim

/// Property-style checks over random event streams: message conservation, determinism and
/// shard merges.
@Suite("Trigger core invariants")
struct TriggerPropertyTests {
    static let zones = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]

    static func population(_ count: Int, seed: UInt64) -> Population {
        var rng = Xoshiro256StarStar(seed: seed)
        var archetypes = ContiguousArray<Archetype>()
        var all = ContiguousArray<ChannelSet>()
        var consent = ContiguousArray<ChannelSet>()
        var reachable = ContiguousArray<ChannelSet>()
        var zones = ContiguousArray<UInt16>()
        for _ in 0..<count {
            archetypes.append(Archetype(rawValue: UInt8(rng.below(4)))!)
            let set = ChannelSet(rawValue: UInt16(rng.below(0x3FF)) | 0x2)  // always SMS
            all.append(set)
            consent.append(ChannelSet(rawValue: set.rawValue & UInt16(rng.below(0x400))))
            reachable.append(ChannelSet(rawValue: set.rawValue & (UInt16(rng.below(0x400)) | 0x2)))
            zones.append(UInt16(rng.below(TriggerPropertyTests.zones.count)))
        }
        return Population(archetype: archetypes, channels: all, consent: consent, reachable: reachable, timeZone: zones)
    }

    /// Every feature at once: the shipped campaigns plus caps; `rateLimited` adds a global rate
    /// limit (which couples customers, so it is left out of shard comparisons).
    static func spec(rateLimited: Bool) throws -> TriggerSpec {
        let root = packageRoot.appendingPathComponent("scenarios")
        let cart = try ScenarioLoader.load(path: root.appendingPathComponent("abandoned-cart.yaml").path).triggers
        let post = try ScenarioLoader.load(path: root.appendingPathComponent("post-purchase.yaml").path).triggers
        var campaigns =
            cart.campaigns + post.campaigns.filter { $0.name != "welcome_series" && $0.name != "re_engagement" }
        for index in campaigns.indices {
            campaigns[index].rateLimitPerMinute = rateLimited ? 3 : nil
            campaigns[index].maxHold = .hours(2)
            campaigns[index].end = monday + .days(4)
        }
        campaigns.append(
            campaign("same_trigger_exception", on: .addToCart, delay: .hours(1)) {
                $0.exceptionEvents = [EventKindSet(.addToCart), EventKindSet(.checkout)]
                $0.recheckAudienceAtSend = true
                $0.reeligibility = .hours(6)
            })
        return TriggerSpec(campaigns: campaigns, frequencyCaps: cart.frequencyCaps)
    }

    struct Run {
        var stats: TriggerStats
        var sends: [SendRequest]
    }

    /// Feeds a random stream; `shard` keeps only customers with `customer % count == index`.
    static func run(
        spec: TriggerSpec, population: Population, seed: UInt64, events: Int,
        shard: (index: Int, count: Int) = (0, 1), checkEveryStep: Bool = false
    ) -> Run {
        var core = TriggerCore(
            spec: spec, population: population,
            zones: TimeZoneTable(identifiers: zones, start: monday, end: monday + .days(30)), seed: seed)
        var rng = Xoshiro256StarStar(seed: seed &+ 99)
        var actions = ContiguousArray<SendRequest>()
        var all: [SendRequest] = []
        var time = monday
        var conserved = true
        func settle(_ actions: inout ContiguousArray<SendRequest>, _ core: inout TriggerCore) {
            var index = 0
            while index < actions.count {
                let request = actions[index]
                all.append(request)
                // Failure decided by the message's identity, not its serial, so shards agree.
                let key = SplitMix64.hash(
                    UInt64(request.customer), UInt64(request.campaign) << 8 | UInt64(request.step),
                    UInt64(request.time.milliseconds) ^ UInt64(request.channel.rawValue))
                let outcome: DeliveryOutcome = key % 10 == 0 ? .failed : (key % 3 == 0 ? .read : .delivered)
                core.reportDelivery(request.message, outcome: outcome, at: request.time, into: &actions)
                index += 1
            }
            actions.removeAll(keepingCapacity: true)
        }
        for _ in 0..<events {
            time = time + .seconds(Double(rng.below(120)))
            let customer = UInt32(rng.below(population.count))
            let kind = EventKind(rawValue: UInt8(rng.below(EventKind.allCases.count)))!
            let event = CustomerEvent(
                customer: customer, kind: kind, time: time,
                channel: Channel(rawValue: UInt8(rng.below(3)))!, stage: Stage(rawValue: UInt8(rng.below(7)))!,
                cartValue: Float(rng.below(300)), stars: UInt8(1 + rng.below(5)))
            let advanceNow = rng.below(4) == 0
            guard Int(customer) % shard.count == shard.index else { continue }
            core.handle(event, into: &actions)
            settle(&actions, &core)
            if advanceNow {
                core.advance(to: time, into: &actions)
                settle(&actions, &core)
            }
            if checkEveryStep && !core.stats.isConserved { conserved = false }
        }
        let end = monday + .days(30)
        core.advance(to: end, into: &actions)
        settle(&actions, &core)
        core.finish(at: end)
        if !conserved { Issue.record("conservation broke during the run") }
        return Run(stats: core.stats, sends: all)
    }

    @Test func messagesAreConservedAtEveryStep() throws {
        let spec = try TriggerPropertyTests.spec(rateLimited: true)
        let population = TriggerPropertyTests.population(300, seed: 5)
        let run = TriggerPropertyTests.run(
            spec: spec, population: population, seed: 5, events: 20_000, checkEveryStep: true)
        #expect(run.stats.conservationViolations() == [])
        #expect(run.stats.total(.pending) == 0)
        // The stream is rich enough to reach most terminal states.
        let reached = TerminalState.allCases.filter { run.stats.total($0) > 0 }
        #expect(reached.count >= 9, "reached only \(reached.map(\.name))")
        #expect(run.stats.total(.created) > 1000)
        // Per campaign, the steps add up to the campaign.
        for campaign in 0..<run.stats.campaignCount {
            let created = run.stats.count(.created, campaign: campaign)
            let terminal = TerminalState.allCases.reduce(0) { $0 + run.stats.count($1, campaign: campaign) }
            #expect(created == terminal)
        }
    }

    @Test func sameSeedSameResults() throws {
        let spec = try TriggerPropertyTests.spec(rateLimited: true)
        let population = TriggerPropertyTests.population(200, seed: 9)
        let a = TriggerPropertyTests.run(spec: spec, population: population, seed: 9, events: 5_000)
        let b = TriggerPropertyTests.run(spec: spec, population: population, seed: 9, events: 5_000)
        #expect(a.stats == b.stats)
        #expect(a.sends == b.sends)
    }

    @Test func shardsMergeToTheWholeRun() throws {
        let spec = try TriggerPropertyTests.spec(rateLimited: false)
        let population = TriggerPropertyTests.population(200, seed: 3)
        let whole = TriggerPropertyTests.run(spec: spec, population: population, seed: 3, events: 8_000)
        var merged = TriggerPropertyTests.run(spec: spec, population: population, seed: 3, events: 8_000, shard: (0, 3))
            .stats
        for index in 1..<3 {
            merged.merge(
                TriggerPropertyTests.run(spec: spec, population: population, seed: 3, events: 8_000, shard: (index, 3))
                    .stats)
        }
        #expect(merged == whole.stats)
        #expect(merged.isConserved)
    }
}

@Suite("Campaign parsing")
struct CampaignParsingTests {
    func error(_ yaml: String) -> ScenarioError? {
        do {
            _ = try ScenarioLoader.parse(yaml, file: "s.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func fullCampaignParses() throws {
        let scenario = try ScenarioLoader.parse(
            """
            population: { customers: 100 }
            frequency_caps:
              - { limit: 3, per: 1d, channel: any }
              - { limit: 5, per: week }
              - { limit: 1, per: 6h, channel: whatsapp }
            campaigns:
              - name: cart
                trigger: { event: session_end, filter: [ "cart_value >= 100", "stage == cart", "channel != sms", "stars<4" ] }
                audience: { archetypes: [ joyride ], channels_reachable: [ whatsapp ], require_consent: false }
                recheck_audience_at_send: true
                delay: 30m
                exception_events: [ purchase ]
                start: 2026-03-02
                end: 2026-03-20T12:00:00Z
                delivery_window: { from: "09:00", to: "21:00", outside: defer }
                reeligibility: 7d
                override_caps: true
                counts_toward_caps: false
                control_group: 0.1
                channels: [ whatsapp, sms, email ]
                prefer_journey_channel: true
                fallback: false
                content: { template: cart_reminder, fields: [ first_name, cart_value ], discount_code: SAVE10 }
                conversion: { event: purchase, window: 3d }
                rate_limit: 1000
                max_hold: 72h
            """, file: "s.yaml")
        let campaign = try #require(scenario.triggers.campaigns.first)
        #expect(campaign.trigger.filters.count == 4)
        #expect(campaign.trigger.filters[3] == EventFilter(field: .stars, comparison: .less, value: 4))
        #expect(campaign.audience.archetypes == [.joyride] && !campaign.audience.requireConsent)
        #expect(campaign.deliveryWindow == DeliveryWindow(fromMinute: 540, toMinute: 1260, outside: .defer))
        #expect(campaign.reeligibility == .days(7))
        #expect(
            campaign.flow.steps == [
                .message(
                    MessageStep(
                        delay: .minutes(30),
                        content: CampaignContent(
                            template: "cart_reminder", fields: ["first_name", "cart_value"], discountCode: "SAVE10")))
            ])
        #expect(campaign.rateLimitPerMinute == 1000 && campaign.maxHold == .hours(72))
        #expect(campaign.start == monday && campaign.end == SimTime(unixSeconds: 1_774_008_000))
        #expect(
            scenario.triggers.frequencyCaps == [
                FrequencyCap(limit: 3, period: .calendarDays(1)), FrequencyCap(limit: 5, period: .rolling(.days(7))),
                FrequencyCap(limit: 1, period: .rolling(.hours(6)), channel: .whatsapp),
            ])
    }

    @Test func unknownKeysGetADidYouMean() {
        let error = error(
            """
            campaigns:
              - name: x
                trigger: { event: session_end }
                content: { template: t }
                dealy: 30m
            """)
        #expect(error?.description.contains("s.yaml:5:5") == true)
        #expect(error?.description.contains("Did you mean 'delay'?") == true)
    }

    @Test func badValuesNameTheFieldAndTheFix() {
        let badEvent = error(
            "campaigns:\n  - name: x\n    trigger: { event: sesion_end }\n    content: { template: t }\n")
        #expect(badEvent?.description.contains("campaigns.0.trigger.event") == true)
        #expect(badEvent?.description.contains("Did you mean 'session_end'?") == true)
        let badFilter = error(
            "campaigns:\n  - name: x\n    trigger: { event: session_end, filter: [ \"stage > cart\" ] }\n    content: { template: t }\n"
        )
        #expect(badFilter?.description.contains("compare it with == or != only") == true)
        let badTime = error(
            "campaigns:\n  - name: x\n    trigger: { event: view }\n    content: { template: t }\n    delivery_window: { from: \"9am\", to: \"21:00\" }\n"
        )
        #expect(badTime?.description.contains("HH:MM") == true)
        let badGoto = error(
            """
            campaigns:
              - name: x
                trigger: { event: review }
                steps:
                  - branch: { on: stars, cases: [ { when: "<= 3", goto: agnet } ] }
                  - id: agent
                    message: { template: t }
            """)
        #expect(badGoto?.description.contains("Did you mean 'agent'?") == true)
        let both = error(
            "campaigns:\n  - name: x\n    trigger: { event: view }\n    content: { template: t }\n    steps: [ { delay: 1h } ]\n"
        )
        #expect(both?.description.contains("either steps or a single message") == true)
        let duplicate = error(
            "campaigns:\n  - { name: x, trigger: { event: view }, content: { template: t } }\n  - { name: x, trigger: { event: view }, content: { template: t } }\n"
        )
        #expect(duplicate?.description.contains("used twice") == true)
        let capDays = error("frequency_caps: [ { limit: 2, per: 1.5d } ]\n")
        #expect(capDays?.description.contains("calendar days") == true)
    }

    @Test func scenarioWithoutCampaignsHasAnEmptySpec() throws {
        let scenario = try ScenarioLoader.parse("population: { customers: 10 }\n", file: "s.yaml")
        #expect(scenario.triggers.isEmpty)
    }
}

@Suite("Trigger benchmark")
struct TriggerBenchmarkTests {
    @Test func smallRunConservesAndReportsMemory() {
        let result = TriggerBenchmark.run(customers: 5_000, campaigns: 20, events: 50_000)
        #expect(result.conserved)
        #expect(result.sendRequests > 0)
        #expect(result.messagesCreated > 0)
        #expect(result.bytesPerCustomerPerCampaign > 8)
        #expect(result.memory.perCustomerCampaignBytes >= 5_000 * 20 * 8)
    }
}

@Suite("Trigger core batch intake")
struct TriggerBatchTests {
    /// A synthetic population and a time-ordered session stream over it, one event every `step` ms.
    static func sessionStream(
        customers: Int, zoneNames: [String], seed: UInt64, sessions: Int, events count: Int,
        step: Int64
    ) -> (population: Population, zones: TimeZoneTable, events: [CustomerEvent]) {
        let start = SimTime(unixSeconds: 1_772_409_600)
        let population = TriggerBenchmark.syntheticPopulation(customers: customers, zones: zoneNames.count, seed: seed)
        let zones = TimeZoneTable(identifiers: zoneNames, start: start, end: start + .days(40))
        var stream = TriggerBenchmark.SessionStream(customers: customers, concurrentSessions: sessions, seed: seed)
        var events: [CustomerEvent] = []
        var time = start.milliseconds
        for _ in 0..<count {
            time += step
            events.append(stream.next(time: time))
        }
        return (population, zones, events)
    }

    /// `handle(batch:)` prefetches ahead but must act exactly like `handle(_:)` per event: same
    /// send requests in the same order, same counts, same state afterwards. Batch sizes that do
    /// and do not divide the stream, and one shorter than the prefetch distance, are all used.
    @Test(arguments: [1, 3, 64, 1000])
    func batchEqualsOneByOne(batchSize: Int) {
        let (population, zones, events) = Self.sessionStream(
            customers: 3_000, zoneNames: ["America/New_York", "Europe/London", "Asia/Tokyo"],
            seed: 9, sessions: 64, events: 60_000, step: 20_000)
        let spec = TriggerBenchmark.syntheticSpec(campaigns: 20)
        var single = TriggerCore(spec: spec, population: population, zones: zones, seed: 9)
        var batched = TriggerCore(spec: spec, population: population, zones: zones, seed: 9)
        var singleActions = ContiguousArray<SendRequest>()
        var batchActions = ContiguousArray<SendRequest>()
        for event in events { single.handle(event, into: &singleActions) }
        var from = 0
        while from < events.count {
            let to = min(events.count, from + batchSize)
            batched.handle(batch: events[from..<to], into: &batchActions)
            from = to
        }
        #expect(singleActions.count > 1_000)
        #expect(singleActions == batchActions)
        #expect(single.stats == batched.stats)
        #expect(single.nextDueTime == batched.nextDueTime)
        let end = events[events.count - 1].time + .days(20)
        single.advance(to: end, into: &singleActions)
        batched.advance(to: end, into: &batchActions)
        single.finish(at: end)
        batched.finish(at: end)
        #expect(singleActions == batchActions)
        #expect(single.stats == batched.stats)
        #expect(batched.stats.isConserved)
    }

    /// The core's state is read and written without a copy-on-write check per access
    /// (`StateBuffer`), so this checks that a copy is still an independent value: a copy taken
    /// halfway and run on with other events must leave the original exactly where it was, and
    /// the original must then finish exactly like a core that never had a copy.
    @Test func copiesAreIndependentValues() {
        let customers = 2_000
        let (population, zones, events) = Self.sessionStream(
            customers: customers, zoneNames: ["America/New_York", "Asia/Tokyo"],
            seed: 4, sessions: 32, events: 40_000, step: 30_000)
        let spec = TriggerBenchmark.syntheticSpec(campaigns: 10)
        var time = events[events.count - 1].time.milliseconds
        let half = events.count / 2
        var reference = TriggerCore(spec: spec, population: population, zones: zones, seed: 4)
        var original = TriggerCore(spec: spec, population: population, zones: zones, seed: 4)
        var referenceActions = ContiguousArray<SendRequest>()
        var originalActions = ContiguousArray<SendRequest>()
        reference.handle(batch: events[0..<half], into: &referenceActions)
        original.handle(batch: events[0..<half], into: &originalActions)

        // The copy diverges: other events, opt-outs, a drain and a finish.
        var copy = original
        var copyActions = ContiguousArray<SendRequest>()
        var other = TriggerBenchmark.SessionStream(customers: customers, concurrentSessions: 32, seed: 77)
        for _ in 0..<5_000 {
            time += 1_000
            copy.handle(other.next(time: time), into: &copyActions)
        }
        for customer in 0..<UInt32(customers) { copy.optOut(customer: customer, channel: .email) }
        copy.advance(to: SimTime(milliseconds: time) + .days(30), into: &copyActions)
        copy.finish(at: SimTime(milliseconds: time) + .days(30))
        #expect(copy.stats != original.stats)
        #expect(original.stats == reference.stats)
        #expect(original.runningFlows == reference.runningFlows)
        #expect(copy.runningFlows == 0)
        #expect(original.runningFlows > 0)

        // The original goes on as if the copy had never been taken.
        reference.handle(batch: events[half...], into: &referenceActions)
        original.handle(batch: events[half...], into: &originalActions)
        let end = SimTime(milliseconds: events[events.count - 1].time.milliseconds) + .days(20)
        reference.advance(to: end, into: &referenceActions)
        original.advance(to: end, into: &originalActions)
        reference.finish(at: end)
        original.finish(at: end)
        #expect(referenceActions.count > 1_000)
        #expect(originalActions == referenceActions)
        #expect(original.stats == reference.stats)
        #expect(original.memoryFootprint == reference.memoryFootprint)
    }
}

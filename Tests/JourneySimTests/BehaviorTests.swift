import Testing

@testable import JourneySim

@Suite struct BehaviorTests {
    /// Feeds `messages` messages to each of `customers` customers, an hour apart, and returns
    /// (unhappy, opted out, opened) counts.
    func exercise(
        _ spec: BehaviorSpec, customers: Int = 20_000, messages: Int = 6, channel: Channel = .push
    ) -> (Int, Int, Int) {
        let model = ResponseModel(spec: spec)
        var state = FatigueState(
            count: customers, start: SimTime(milliseconds: 0), end: SimTime(milliseconds: 0) + .days(30))
        var unhappy = 0
        var optedOut = 0
        var opened = 0
        for id in 0..<customers {
            var rng = Xoshiro256StarStar(seed: 1, stream: .response, customer: UInt64(id))
            for m in 0..<messages {
                let reaction = model.react(
                    customer: id, channel: channel,
                    traits: MessageTraits(urgesPurchase: true, hasDiscount: false, template: UInt16(m % 2)),
                    at: SimTime(milliseconds: Int64(m) * 3_600_000), purchasedSinceTrigger: m % 3 == 0,
                    usualChannel: .whatsapp, localHour: 12, state: &state, rng: &rng)
                if reaction.unhappy { unhappy += 1 }
                if reaction.optedOut { optedOut += 1 }
                if reaction.opened { opened += 1 }
            }
        }
        return (unhappy, optedOut, opened)
    }

    @Test func seventyEightPercentOfUnhappyRecipientsOptOut() {
        let (unhappy, optedOut, _) = exercise(.defaults)
        #expect(unhappy > 5_000)
        #expect(abs(Double(optedOut) / Double(unhappy) - 0.78) <= 0.02, "\(optedOut)/\(unhappy)")
    }

    @Test func theOptOutSettingChangesTheShare() {
        var spec = BehaviorSpec.defaults
        spec.fatigue.optOut = 0.4
        let (unhappy, optedOut, _) = exercise(spec)
        #expect(abs(Double(optedOut) / Double(unhappy) - 0.4) <= 0.02)
    }

    @Test func moreMessagesMeanMoreUnhappiness() {
        let (fewUnhappy, _, _) = exercise(.defaults, messages: 2)
        let (manyUnhappy, _, _) = exercise(.defaults, messages: 12)
        #expect(Double(manyUnhappy) / 12 > 1.5 * Double(fewUnhappy) / 2)
    }

    @Test func annoyanceDecaysWithItsHalfLife() {
        let model = ResponseModel(spec: .defaults)
        var state = FatigueState(count: 1, start: SimTime(milliseconds: 0), end: SimTime(milliseconds: 0) + .days(30))
        var rng = Xoshiro256StarStar(seed: 2)
        let traits = MessageTraits(urgesPurchase: false, hasDiscount: false, template: 0)
        _ = model.react(
            customer: 0, channel: .sms, traits: traits, at: SimTime(milliseconds: 0), purchasedSinceTrigger: false,
            usualChannel: .sms, localHour: 12, state: &state, rng: &rng)
        #expect(state.annoyance[0] == 1)
        let later = model.react(
            customer: 0, channel: .sms, traits: MessageTraits(urgesPurchase: false, hasDiscount: false, template: 1),
            at: SimTime(milliseconds: 0) + .days(3), purchasedSinceTrigger: false,
            usualChannel: .sms, localHour: 12, state: &state, rng: &rng)
        #expect(abs(later.annoyance - 1.5) < 1e-6)  // 1 decayed to 0.5 over one half-life, plus 1
    }

    @Test func irrelevantOffHoursRepeatedAndRareChannelAddAnnoyance() {
        let model = ResponseModel(spec: .defaults)
        var state = FatigueState(count: 1, start: SimTime(milliseconds: 0), end: SimTime(milliseconds: 0) + .days(30))
        var rng = Xoshiro256StarStar(seed: 2)
        _ = model.react(
            customer: 0, channel: .sms, traits: MessageTraits(urgesPurchase: true, hasDiscount: false, template: 4),
            at: SimTime(milliseconds: 0), purchasedSinceTrigger: true, usualChannel: .whatsapp, localHour: 23,
            state: &state, rng: &rng)
        let f = FatigueModel.defaults
        #expect(abs(Double(state.annoyance[0]) - (f.perMessage + f.irrelevant + f.offHours + f.rareChannel)) < 1e-5)
    }

    @Test func openRatesFollowChannels() {
        let (_, _, smsOpened) = exercise(.defaults, customers: 5_000, messages: 1, channel: .sms)
        let (_, _, emailOpened) = exercise(.defaults, customers: 5_000, messages: 1, channel: .email)
        #expect(Double(smsOpened) / 5_000 > 0.9)
        #expect(Double(emailOpened) / 5_000 < 0.3)
    }

    @Test func theDefaultJourneyIsCompiledAgainForOtherNumbers() throws {
        // The default journey is cached per process by its numbers: a scenario changed in code
        // after an earlier one was compiled gets its own numbers, and the same numbers again
        // the same journey.
        var scenario = Scenario.defaults()
        let before = scenario.effectiveJourney
        scenario.behavior.recovery.cartReturn = 0.5
        let changed = scenario.effectiveJourney
        scenario.behavior.recovery.cartReturn = Scenario.defaults().behavior.recovery.cartReturn
        let again = scenario.effectiveJourney
        func cartReturn(_ journey: JourneyModel) throws -> Double {
            try #require(journey.programs[0].reactions.first { $0.countsAs == 1 }).chance(discount: false, elapsedMs: 0)
        }
        #expect(abs(try cartReturn(changed) - 0.5) < 1e-12)
        #expect(abs(try cartReturn(before) - 0.5) > 0.01)
        #expect(try cartReturn(again) == cartReturn(before))
    }

    @Test func recoveryIsStrongerWithDiscountAndWeakerWithDelay() throws {
        // The default journey's cart-return reaction (the first one, counted as a cart return).
        let journey = Scenario.defaults().effectiveJourney
        let reaction = try #require(journey.programs[0].reactions.first { $0.countsAs == 1 })
        let recovery = RecoveryEffect.defaults
        let halfHour = Double(SimDuration.minutes(30).milliseconds)
        let day = Double(SimDuration.hours(24).milliseconds)
        let prompt = reaction.chance(discount: false, elapsedMs: halfHour)
        let late = reaction.chance(discount: false, elapsedMs: day)
        let discounted = reaction.chance(discount: true, elapsedMs: halfHour)
        #expect(late < prompt && prompt < discounted)
        // The behaviour section's numbers reach the journey: cart_return at once, halved by one
        // half-life (24 h), times the discount multiplier with a discount.
        let immediate = reaction.chance(discount: false, elapsedMs: 0)
        #expect(abs(immediate - recovery.cartReturn) < 1e-12)
        #expect(abs(late - immediate * 0.5) < 1e-9)
        #expect(abs(discounted / prompt - recovery.discountMultiplier) < 1e-9)
    }

    @Test func behaviorSectionParsesAndRejectsBadValues() throws {
        let s = try scenario(
            "behavior: { fatigue: { opt_out: 0.6, half_life: 2d }, channels: { email: { open: 0.3 } } }")
        #expect(s.behavior.fatigue.optOut == 0.6)
        #expect(s.behavior.fatigue.halfLife == .days(2))
        #expect(s.behavior.response(.email).open == 0.3)
        #expect(
            scenarioError("behavior: { fatigue: { opt_out: 1.2 } }")?.description.contains("behavior.fatigue.opt_out")
                == true)
        #expect(
            scenarioError("behavior: { fatigue: { optout: 0.5 } }")?.description.contains("Did you mean 'opt_out'?")
                == true)
    }
}

@Suite struct StatisticsTests {
    @Test func momentsMergeLikeOneSample() {
        var rng = Xoshiro256StarStar(seed: 5)
        let values = (0..<1000).map { _ in rng.exponential(mean: 3) }
        let whole = RunningMoments(values)
        var left = RunningMoments(values[0..<300])
        var right = RunningMoments(values[300...])
        left.merge(right)
        #expect(abs(left.mean - whole.mean) < 1e-12)
        #expect(abs(left.variance - whole.variance) < 1e-9)
        right = RunningMoments()
        right.merge(whole)
        #expect(right == whole)
    }

    @Test func tIntervalsMatchTables() {
        #expect(StudentT.quantile975(degreesOfFreedom: 1) == 12.706)
        #expect(abs(StudentT.quantile975(degreesOfFreedom: 60) - 2.000) < 0.001)
        #expect(abs(StudentT.quantile975(degreesOfFreedom: 120) - 1.980) < 0.001)
        let ci = RunningMoments([1, 2, 3, 4, 5]).confidenceInterval95
        // mean 3, sd 1.5811, se 0.7071, t(4) = 2.776 → ± 1.963
        #expect(abs(ci.lower - 1.037) < 0.001 && abs(ci.upper - 4.963) < 0.001)
    }

    @Test func newcombeIntervalMatchesPublishedExample() {
        // Newcombe (1998), example (a): 56/70 vs 48/80 → difference 0.2, 95% CI 0.0524 to 0.3339.
        let ci = Proportions.difference(successes1: 56, trials1: 70, successes2: 48, trials2: 80)
        #expect(abs(ci.estimate - 0.2) < 1e-9)
        #expect(abs(ci.lower - 0.0524) < 0.0005)
        #expect(abs(ci.upper - 0.3339) < 0.0005)
        #expect(ci.excludesZero)
    }
}

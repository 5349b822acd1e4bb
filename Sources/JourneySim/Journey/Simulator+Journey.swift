/// What a scheduled event does, and the shop's parts of a journey that journey programs share:
/// a session's step through the funnel (research ⇄ cart ⇄ checkout, see `takeSessionStep`),
/// paying the cart, choosing a session's channel, and counting and emitting customer events.
/// The journey itself is a compiled program (`Simulator+Program.swift`); without a `journey:`
/// a scenario runs the shipped e-commerce funnel (`Scenario.effectiveJourney`).
extension Simulator {
    mutating func process(_ event: SimEvent) {
        switch event.kind {
        case .journey: journeyStep(event)
        case .messageDelivered: messageDelivered(slot: Int(event.argument))
        case .messageFailed: messageFailed(slot: Int(event.argument))
        case .messageRetry: submit(slot: Int(event.argument))
        case .messageIgnored: messageIgnored(slot: Int(event.argument))
        case .messageOpened: messageOpened(slot: Int(event.argument))
        case .journeyTimer: journeyTimer(event)
        }
    }

    /// The index of the customer's archetype in `journeys`. Hot paths read single fields as
    /// `journeys[archetype(id)].field`: a copy of the whole `JourneyParameters` (about 200 bytes
    /// and a retained array) per step was a measurable share of the loop.
    @inline(__always) func archetype(_ id: Int) -> Int {
        Int(population.archetype[id].rawValue)
    }

    /// The channel of a session about to start: the message's, when a message brought the
    /// customer back; otherwise the journey's channel, or with probability 1 − stickiness
    /// another of the customer's channels.
    @inline(__always) mutating func chooseSessionChannel(_ id: Int) {
        let stickiness = scenario.sessions.channelStickiness
        let channels = population.channels[id]
        if messagingEnabled, messageState.sessionFromMessage(id) {
            // Brought back by a message: the session runs where the message was read.
        } else if channels.count > 1, !state.rng[id].bernoulli(stickiness) {
            var others = channels
            others.remove(ChannelSet(state.journeyChannel[id]))
            state.sessionChannel[id] = Self.pick(from: others, rng: &state.rng[id])
        } else {
            state.sessionChannel[id] = state.journeyChannel[id]
        }
    }

    /// What a session step leaves to its caller: the session goes on, the customer buys (the
    /// caller pays the cart, which ends the session), or the session ends without a purchase.
    enum SessionStepResult { case continues, purchase, ends }

    /// One step of a shopping session in the stage the journey is in, with the rows of a
    /// session block (read in place): draws the outcome (the checkout's purchase raised by a
    /// message's channel lift), counts it in `stage_transitions` and does it: add to cart,
    /// view, move to checkout, or step back to research. A session in any other stage ends.
    @inline(always)
    mutating func takeSessionStep(
        _ id: Int, archetype a: Int, _ block: UnsafeMutablePointer<JourneyProgram.SessionBlock>
    ) -> SessionStepResult {
        let row: Int
        let probabilities: StepProbabilities
        switch state.stage[id] {
        case .research:
            row = 0
            probabilities = block.pointee.research
        case .cart:
            row = 1
            probabilities = block.pointee.cart
        case .checkout:
            row = 2
            probabilities = Self.lifted(block.pointee.checkout, by: Double(purchaseLifts[Int(state.liftChannel[id])]))
        default:
            return .ends
        }
        let u = state.rng[id].nextUnit()
        let outcome: Int
        if u < probabilities.advance {
            outcome = 0
        } else if u < probabilities.advance + probabilities.stay {
            outcome = 1
        } else if u < probabilities.advance + probabilities.stay + probabilities.back {
            outcome = 2
        } else {
            outcome = 3
        }
        tally.transitions[
            RunMetrics.transitionIndex(archetype: population.archetype[id], row: row, outcome: outcome)] &+= 1

        switch (row, outcome) {
        case (0, 0), (1, 1):  // add to cart (first item from research, or another item)
            addToCart(id, basketMedian: journeys[a].basketMedian, sigma: journeys[a].basketSigma)
        case (0, 1):
            emit(.view, id)
        case (1, 0):
            state.stage[id] = .checkout
            emit(.checkout, id)
        case (1, 2), (2, 2):  // back-step to research alternatives; the cart is kept
            state.stage[id] = .research
            emit(.view, id)
        case (2, 0):
            return .purchase
        default:
            return .ends
        }
        return .continues
    }

    mutating func addToCart(_ id: Int, basketMedian: Double, sigma: Double) {
        let value = state.rng[id].logNormal(median: basketMedian * Double(population.spendMultiplier(id)), sigma: sigma)
        let cents = UInt32(min(Double(UInt32.max / 4), max(1, (value * 100).rounded())))
        state.cartCents[id] = state.cartCents[id] &+ min(cents, UInt32.max / 2 &- state.cartCents[id] / 2)
        state.stage[id] = .cart
        emit(.addToCart, id)
    }

    /// A session step's purchase: pays the cart and emits `purchase`, then `session_end`.
    @inline(always)
    mutating func payCartEndingTheSession(_ id: Int) {
        let paid = state.cartCents[id]
        state.stage[id] = .purchased
        recordPurchase(id, paid: paid)
        emit(.purchase, id, paidCents: paid)
        emit(.sessionEnd, id)
    }

    /// Pays the cart (`paid` cents): counts the purchase and its revenue, ends the session (in
    /// the built-in journey, where a purchase ends it) and attributes it to a message when one
    /// brought the customer back.
    @inline(__always) mutating func recordPurchase(_ id: Int, paid: UInt32, endsSession: Bool = true) {
        state.cartCents[id] = 0
        state.purchases[id] &+= 1
        state.spentCents[id] &+= Int64(paid)
        let archetype = Int(population.archetype[id].rawValue)
        let channel = Int(state.sessionChannel[id].rawValue)
        let elapsed = (now - state.journeyStart[id]).milliseconds
        tally.totals.revenueCents &+= Int64(paid)
        tally.byArchetype[archetype].revenueCents &+= Int64(paid)
        tally.byChannel[channel].revenueCents &+= Int64(paid)
        tally.totals.journeyMillisecondsToPurchase &+= elapsed
        tally.byArchetype[archetype].journeyMillisecondsToPurchase &+= elapsed
        tally.byChannel[channel].journeyMillisecondsToPurchase &+= elapsed
        tally.daily[dayIndex].revenueCents &+= Int64(paid)
        if scenario.population.multichannel.archetypes[archetype] {
            let group = population.boosted[id] ? 1 : 0
            tally.multichannelPurchases[group] &+= 1
            tally.multichannelRevenueCents[group] &+= Int64(paid)
        }
        if endsSession {
            state.inSession[id] = false
            state.liftChannel[id] = 0
        }
        if messagingEnabled, messageState.sessionFromMessage(id) {
            messageState.setSessionFromMessage(id, false)
            messaging.messagePurchases &+= 1
            messaging.messageRevenueCents &+= Int64(paid)
        }
    }

    /// A checkout row with the purchase probability multiplied by a message's channel lift (at
    /// most 0.99) and the other outcomes scaled down to keep the row a distribution.
    static func lifted(_ row: StepProbabilities, by lift: Double) -> StepProbabilities {
        guard lift != 1 else { return row }
        let advance = min(0.99, row.advance * lift)
        let rest = row.stay + row.back + row.end
        let scale = rest > 0 ? (1 - advance) / rest : 0
        return StepProbabilities(
            advance: rest > 0 ? advance : row.advance, stay: row.stay * scale,
            back: row.back * scale, end: row.end * scale)
    }

    /// The simulated day (UTC, from the start) `now` falls in.
    @inline(__always) var dayIndex: Int {
        min(tally.daily.count - 1, Int((now - scenario.start).milliseconds / 86_400_000))
    }

    /// Inlined so the key path is a literal at each use and compiles to a direct field access
    /// (a key path applied at run time costs a runtime call per count).
    @inline(__always) mutating func count(_ field: WritableKeyPath<FunnelCounts, Int>, _ id: Int) {
        tally.totals[keyPath: field] &+= 1
        tally.byArchetype[Int(population.archetype[id].rawValue)][keyPath: field] &+= 1
        tally.byChannel[Int(state.sessionChannel[id].rawValue)][keyPath: field] &+= 1
    }

    /// Records a customer event in the metrics and hands it to the observer.
    mutating func emit(
        _ kind: EventKind, _ id: Int, paidCents: UInt32 = 0, stars: UInt8 = 0, channel: Channel? = nil,
        properties: EventProperties = EventProperties()
    ) {
        if kind.rawValue < EventKind.firstMessageKind { tally.eventsByKind[Int(kind.rawValue)] &+= 1 }
        // The last time of each event a journey reaction's decay counts from.
        if runtime.trackedCount > 0 {
            let tracked = trackedIndex[Int(kind.rawValue)]
            if tracked >= 0 { runtime.trackedAt[id &* runtime.trackedCount &+ Int(tracked)] = now }
        }
        switch kind {
        case .needArises: count(\.journeys, id)
        case .sessionStart:
            count(\.sessions, id)
            tally.daily[dayIndex].sessions &+= 1
        case .view: count(\.views, id)
        case .addToCart:
            count(\.cartAdds, id)
            tally.daily[dayIndex].cartAdds &+= 1
        case .checkout: count(\.checkouts, id)
        case .purchase:
            count(\.purchases, id)
            tally.daily[dayIndex].purchases &+= 1
        case .delivery: count(\.deliveries, id)
        case .supportRequest: count(\.supportRequests, id)
        case .review: count(\.reviews, id)
        case .referral: count(\.referrals, id)
        default: break
        }
        let cents = kind == .purchase ? paidCents : state.cartCents[id]
        let event = CustomerEvent(
            customer: UInt32(id), kind: kind, time: now, channel: channel ?? state.sessionChannel[id],
            stage: state.stage[id], cartValue: Float(cents) / 100, stars: stars, properties: properties)
        observer.observe(event)
        if messagingEnabled {
            if kind == .purchase { messageState.lastPurchaseAt[id] = now }
            triggers.handleUnchecked(event, into: &actions)
            dispatchActions()
        }
    }

    /// A uniformly chosen member of a non-empty channel set (SMS for an empty one).
    static func pick(from set: ChannelSet, rng: inout some SimulationRandom) -> Channel {
        let count = set.count
        guard count > 0 else { return .sms }
        var target = rng.below(count)
        var bits = set.rawValue
        while true {
            let bit = bits.trailingZeroBitCount
            if target == 0 { return Channel(rawValue: UInt8(bit))! }
            target -= 1
            bits &= bits &- 1
        }
    }
}

/// Messages between the trigger core, the mock backend and the customer: submission with
/// bounded retries, delivery and failure receipts (a failure lets the core fall back to another
/// channel), and the customer's reaction, which can bring them back to an abandoned cart or
/// start a new journey, or annoy them into opting out.
extension Simulator {
    /// An abandoned cart's "urging" message counts as irrelevant for this long after a purchase.
    static var justBoughtWindow: SimDuration { .days(3) }

    /// Sends every request the trigger core produced.
    mutating func dispatchActions() {
        while let request = actions.popLast() {
            send(request)
        }
    }

    mutating func send(_ request: SendRequest) {
        let id = Int(request.customer)
        let global = population.globalID(id)
        // Shard-independent message id: the same customer's same step on the same channel at the
        // same instant is the same message in any shard, so the mock backend decides it alike.
        let key = UInt64(request.message.campaign) << 24 | UInt64(request.message.step) << 16
            | UInt64(request.channel.rawValue) << 8 | (request.isFallback ? 1 : 0)
        let message = OutboundMessage(id: SplitMix64.hash(global, key, UInt64(bitPattern: request.intendedAt.milliseconds)),
                                      customer: request.customer, channel: request.channel,
                                      campaign: request.message.campaign, step: UInt16(request.message.step),
                                      intendedTime: request.intendedAt)
        if sendLog != nil, sendLog!.count < sendLogLimit {
            sendLog!.append(SentMessage(message: message, template: request.template, discount: request.discount,
                                        cartCents: state.cartCents[id], globalCustomer: global, isFallback: request.isFallback))
        }
        let slot = messageState.store(.init(request: request, message: message, attempts: 0))
        submit(slot: slot)
    }

    /// One attempt at the message in `slot`.
    mutating func submit(slot: Int) {
        var entry = messageState.inFlight[slot]
        entry.attempts &+= 1
        messageState.inFlight[slot] = entry
        let channel = Int(entry.message.channel.rawValue)
        messaging.byChannel[channel].attempts &+= 1
        if entry.attempts > 1 { messaging.byChannel[channel].retries &+= 1 }
        let customer = entry.message.customer
        switch backend.submit(entry.message, at: now) {
        case let .accepted(acceptance):
            messaging.byChannel[channel].accepted &+= 1
            messaging.byChannel[channel].costMicros &+= messageState.costMicros[channel]
            if let delivered = acceptance.deliveredAt {
                queue.schedule(SimEvent(customer: customer, kind: .messageDelivered, argument: UInt32(slot)), at: delivered)
            } else {
                let failed = acceptance.failedAt ?? now
                queue.schedule(SimEvent(customer: customer, kind: .messageFailed, argument: UInt32(slot)), at: failed)
            }
        case let .rejected(rejection):
            switch rejection {
            case .invalidRecipient:
                messaging.byChannel[channel].rejectedInvalid &+= 1
                messageFailed(slot: slot)
            case let .rateLimited(retryAfter):
                messaging.byChannel[channel].rejectedRateLimited &+= 1
                retry(slot: slot, after: retryAfter)
            default:
                messaging.byChannel[channel].rejectedServerError &+= 1
                // Exponential backoff from one second, doubling per attempt.
                retry(slot: slot, after: SimDuration(milliseconds: 1000 << Int64(min(entry.attempts, 10))))
            }
        }
    }

    mutating func retry(slot: Int, after wait: SimDuration) {
        let entry = messageState.inFlight[slot]
        guard entry.attempts < MessageState.maxAttempts else {
            messaging.byChannel[Int(entry.message.channel.rawValue)].abandoned &+= 1
            messageFailed(slot: slot)
            return
        }
        queue.schedule(SimEvent(customer: entry.message.customer, kind: .messageRetry, argument: UInt32(slot)), at: now + wait)
    }

    /// The message could not be delivered: the core may fall back to the next channel.
    mutating func messageFailed(slot: Int) {
        let entry = messageState.inFlight[slot]
        messageState.release(slot)
        messaging.byChannel[Int(entry.message.channel.rawValue)].failed &+= 1
        triggers.reportDelivery(entry.request.message, outcome: .failed, at: now, into: &actions)
        dispatchActions()
    }

    /// The message reached the customer: count it, and let the customer react.
    mutating func messageDelivered(slot: Int) {
        let entry = messageState.inFlight[slot]
        messageState.release(slot)
        let request = entry.request
        let id = Int(request.customer)
        let channel = request.channel
        let c = Int(channel.rawValue)
        messaging.byChannel[c].delivered &+= 1
        metrics.daily[dayIndex].messagesDelivered &+= 1
        triggers.reportDelivery(request.message, outcome: .delivered, at: now, into: &actions)
        if messageState.received[id] == 0 { messaging.recipients &+= 1 }
        messageState.received[id] &+= 1

        let urges = messageState.urgesPurchase[request.campaign]
        let traits = MessageTraits(urgesPurchase: urges, hasDiscount: request.discount != 0, template: request.template)
        let justBought = now - messageState.lastPurchaseAt[id] < Self.justBoughtWindow
        let reaction = response.react(
            customer: id, channel: channel, traits: traits, at: now, purchasedSinceTrigger: justBought,
            usualChannel: state.journeyChannel[id], localHour: zones.localHour(zone: Int(population.timeZone[id]), at: now),
            state: &fatigue, rng: &messageState.rng[id])
        if reaction.unhappy {
            messaging.byChannel[c].unhappy &+= 1
            metrics.daily[dayIndex].unhappyMessages &+= 1
            if messageState.flags[id] & 1 == 0 { messaging.unhappyRecipients &+= 1 }
            messageState.flags[id] |= 1
        }
        if reaction.unhappy, !state.inSession[id],
           messageState.rng[id].bernoulli(scenario.behavior.fatigue.abandonJourneyWhenUnhappy) {
            walkAway(id)
        }
        if reaction.opened {
            messaging.byChannel[c].opened &+= 1
            triggers.reportDelivery(request.message, outcome: .read, at: now, into: &actions)
        }
        dispatchActions()
        if reaction.optedOut {
            messaging.byChannel[c].optOuts &+= 1
            metrics.daily[dayIndex].optOuts &+= 1
            if messageState.flags[id] & 2 == 0 { messaging.customersOptedOut &+= 1 }
            messageState.flags[id] |= 2
            triggers.optOut(customer: request.customer, channel: channel)
            emit(.optOut, id, channel: channel)
        }
        if reaction.clicked {
            messaging.byChannel[c].clicked &+= 1
            respondToClick(id, channel: channel, hasDiscount: traits.hasDiscount)
        }
    }

    /// A click brings the customer back: to an abandoned cart (likelier with a discount, less
    /// likely the longer ago it was abandoned) or, with no journey under way, into a new one.
    mutating func respondToClick(_ id: Int, channel: Channel, hasDiscount: Bool) {
        guard !state.inSession[id] else { return }
        let stage = state.stage[id]
        let rng = messageState.rng[id].nextUnit()
        if state.cartCents[id] > 0, stage == .research || stage == .cart || stage == .checkout || stage == .dormant {
            let p = response.cartReturnProbability(hasDiscount: hasDiscount, sinceAbandonment: now - state.abandonedAt[id])
            guard rng < p else { return }
            messaging.cartReturns &+= 1
            state.epoch[id] &+= 1
            if stage == .research || stage == .dormant { state.stage[id] = .cart }
            bringBack(id, channel: channel)
        } else if stage == .idle || stage == .using || stage == .dormant || stage == .research {
            guard rng < scenario.behavior.recovery.reengage else { return }
            messaging.reengagements &+= 1
            state.epoch[id] &+= 1
            if stage == .research {
                bringBack(id, channel: channel)
            } else {
                schedule(.needArises, for: UInt32(id), at: now + .minutes(1))
                messageState.setSessionFromMessage(id, true)
                state.sessionChannel[id] = channel
                state.liftChannel[id] = UInt8(truncatingIfNeeded: channel.rawValue &+ 1)
            }
        }
    }

    /// An irritated customer drops the journey under way: it lapses as if the session had ended
    /// without a return, and a need arises again only after the archetype's dormancy.
    mutating func walkAway(_ id: Int) {
        let stage = state.stage[id]
        guard stage == .research || stage == .cart || stage == .checkout else { return }
        messaging.walkAways &+= 1
        state.epoch[id] &+= 1
        state.stage[id] = .dormant
        count(\.lapsedJourneys, id)
        emit(.dormant, id)
        let wait = state.rng[id].exponential(mean: Double(journeys[archetype(id)].dormancy.milliseconds) / Double(population.frequencyMultiplier(id)))
        schedule(.needArises, for: UInt32(id), at: now + SimDuration(milliseconds: Int64(wait) &+ 1))
    }

    /// Starts a session a couple of minutes after the click, on the message's channel, with the
    /// channel's purchase lift.
    mutating func bringBack(_ id: Int, channel: Channel) {
        messageState.setSessionFromMessage(id, true)
        state.sessionChannel[id] = channel
        state.liftChannel[id] = UInt8(truncatingIfNeeded: channel.rawValue &+ 1)
        schedule(.sessionStart, for: UInt32(id), at: now + .minutes(2))
    }
}

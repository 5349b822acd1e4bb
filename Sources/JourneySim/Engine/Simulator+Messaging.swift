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
        let key =
            UInt64(request.message.campaign) << 24 | UInt64(request.message.step) << 16
            | UInt64(request.channel.rawValue) << 8 | (request.isFallback ? 1 : 0)
        let message = OutboundMessage(
            id: SplitMix64.hash(global, key, UInt64(bitPattern: request.intendedAt.milliseconds)),
            customer: request.customer, channel: request.channel,
            campaign: request.message.campaign, step: UInt16(request.message.step),
            intendedTime: request.intendedAt)
        if sendLog != nil, sendLog!.count < sendLogLimit {
            sendLog!.append(
                SentMessage(
                    message: message, template: request.template, discount: request.discount,
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
                queue.schedule(
                    SimEvent(customer: customer, kind: .messageDelivered, argument: UInt32(slot)), at: delivered)
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
        queue.schedule(
            SimEvent(customer: entry.message.customer, kind: .messageRetry, argument: UInt32(slot)), at: now + wait)
    }

    /// The message could not be delivered: the core may fall back to the next channel.
    mutating func messageFailed(slot: Int) {
        let entry = messageState.inFlight[slot]
        messageState.release(slot)
        messaging.byChannel[Int(entry.message.channel.rawValue)].failed &+= 1
        triggers.reportDeliveryUnchecked(entry.request.message, outcome: .failed, at: now, into: &actions)
        if messageEvents != 0 { emitMessageEvent(.messageFailed, entry.request) }
        reactToMessage(.messageFailed, entry.request)
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
        tally.daily[dayIndex].messagesDelivered &+= 1
        triggers.reportDeliveryUnchecked(request.message, outcome: .delivered, at: now, into: &actions)
        if messageState.received[id] == 0 { messaging.recipients &+= 1 }
        messageState.received[id] &+= 1

        let urges = messageState.urgesPurchase[request.campaign]
        let traits = MessageTraits(urgesPurchase: urges, hasDiscount: request.discount != 0, template: request.template)
        let justBought = now - messageState.lastPurchaseAt[id] < Self.justBoughtWindow
        let reaction = response.react(
            customer: id, channel: channel, traits: traits, at: now, purchasedSinceTrigger: justBought,
            usualChannel: state.journeyChannel[id],
            localHour: zones.localHour(zone: Int(population.timeZone[id]), at: now),
            state: &fatigue, rng: &messageState.rng[id])
        if reaction.unhappy {
            messaging.byChannel[c].unhappy &+= 1
            tally.daily[dayIndex].unhappyMessages &+= 1
            if messageState.flags[id] & 1 == 0 { messaging.unhappyRecipients &+= 1 }
            messageState.flags[id] |= 1
        }
        if messageEvents != 0 { emitMessageEvent(.messageDelivered, request) }
        if journeyReactions & 1 << 63 != 0, reaction.unhappy {
            journeyReact(JourneyProgram.unhappy, request, discount: traits.hasDiscount)
        }
        reactToMessage(.messageDelivered, request)
        // With an open delay the customer reads the message later: opening, clicking and
        // replying happen then (drawn now, so the response stream keeps its order).
        var openAt = reaction.opened ? now : SimTime(milliseconds: .max)
        let delayed = reaction.opened && openDelays[c] != nil
        if delayed {
            let distribution = openDelays[c]!
            let draw = openDelayTable.withUnsafeBufferPointer { table in
                distribution.sample(&messageState.rng[id], empirical: table)
            }
            openAt = now + SimDuration(milliseconds: max(0, Int64(min(draw, 9e15))))
        }
        if reaction.opened, !delayed {
            messaging.byChannel[c].opened &+= 1
            triggers.reportDeliveryUnchecked(request.message, outcome: .read, at: now, into: &actions)
            if messageEvents != 0 { emitMessageEvent(.messageOpened, request) }
            reactToMessage(.messageOpened, request)
        }
        dispatchActions()
        if reaction.optedOut {
            messaging.byChannel[c].optOuts &+= 1
            tally.daily[dayIndex].optOuts &+= 1
            if messageState.flags[id] & 2 == 0 { messaging.customersOptedOut &+= 1 }
            messageState.flags[id] |= 2
            triggers.optOut(customer: request.customer, channel: channel)
            emit(.optOut, id, channel: channel)
        }
        if delayed {
            let slot = openRecords.store(
                OpenRecord(request: request, clicked: reaction.clicked, replied: reaction.replied))
            queue.schedule(
                SimEvent(customer: request.customer, kind: .messageOpened, argument: UInt32(slot)), at: openAt)
        } else {
            react(clicked: reaction.clicked, replied: reaction.replied, request)
        }
        if let window = ignoreWindows[Int(request.campaign)] {
            // Ignored when not opened by the end of the window; an open at exactly its end is in time.
            let deadline = now + window
            if openAt > deadline {
                let slot = ignoreRecords.store(request)
                queue.schedule(
                    SimEvent(customer: request.customer, kind: .messageIgnored, argument: UInt32(slot)), at: deadline)
            }
        }
    }

    /// A click or a reply on a message the customer has just opened.
    mutating func react(clicked: Bool, replied: Bool, _ request: SendRequest) {
        let c = Int(request.channel.rawValue)
        if clicked {
            messaging.byChannel[c].clicked &+= 1
            if messageEvents != 0 { emitMessageEvent(.messageClicked, request) }
            reactToMessage(.messageClicked, request)
        }
        if replied {
            messaging.byChannel[c].replied &+= 1
            if messageEvents != 0 { emitMessageEvent(.messageReplied, request) }
            reactToMessage(.messageReplied, request)
        }
        dispatchActions()
    }

    /// A message whose channel has an open delay is opened now (then clicked or answered, as drawn at delivery).
    mutating func messageOpened(slot: Int) {
        let record = openRecords.take(slot)
        let request = record.request
        let c = Int(request.channel.rawValue)
        messaging.byChannel[c].opened &+= 1
        triggers.reportDeliveryUnchecked(request.message, outcome: .read, at: now, into: &actions)
        if messageEvents != 0 { emitMessageEvent(.messageOpened, request) }
        reactToMessage(.messageOpened, request)
        dispatchActions()
        react(clicked: record.clicked, replied: record.replied, request)
    }

    /// A message interaction as an event: to the trace and the trigger core (campaigns that
    /// trigger on it, exit on it or wait for it). Carries the message's campaign, step and
    /// template as properties 0–2 and its channel.
    mutating func emitMessageEvent(_ kind: EventKind, _ request: SendRequest) {
        guard messageEvents & 1 << UInt64(kind.rawValue) != 0 else { return }
        emit(
            kind, Int(request.customer), channel: request.channel,
            properties: EventProperties(
                Float(request.message.campaign), Float(request.message.step), Float(request.template)))
    }

    /// The ignore window of a delivered, unopened message ended.
    mutating func messageIgnored(slot: Int) {
        let request = ignoreRecords.take(slot)
        messaging.ignored &+= 1
        emitMessageEvent(.messageIgnored, request)
        reactToMessage(.messageIgnored, request)
        dispatchActions()
    }

    /// Hands a message interaction to the journey program's reactions when one answers it
    /// (`journeyReactions` has a bit per interaction some reaction answers).
    @inline(__always) mutating func reactToMessage(_ kind: EventKind, _ request: SendRequest) {
        guard journeyReactions & 1 << UInt64(kind.rawValue) != 0 else { return }
        journeyReact(kind.rawValue, request, discount: request.discount != 0)
    }

    /// Whether a reaction to `on` brings the customer back on the message's channel (see
    /// `journeyReact`).
    @inline(__always) static func bringsBack(_ on: UInt8) -> Bool {
        on == EventKind.messageDelivered.rawValue || on == EventKind.messageOpened.rawValue
            || on == EventKind.messageClicked.rawValue || on == EventKind.messageReplied.rawValue
    }

    /// A journey program's reaction to a message interaction: the first reaction that answers
    /// it (its trigger, campaign, template and channel) and finds a process in one of its
    /// states moves that process, with the reaction's probability, to its target after its
    /// delay. After a reaction to an interaction that draws the customer in (delivered, opened,
    /// clicked, replied), the next session counts as brought back by the message and runs on
    /// its channel; after one to `unhappy`, `message_ignored` or `message_failed` the message
    /// drove the customer away or never reached them, so the next session is the customer's own.
    mutating func journeyReact(_ on: UInt8, _ request: SendRequest, discount: Bool) {
        let id = Int(request.customer)
        let a = archetype(id)
        let count = Int(journeyTables.reactionStart[a &+ 1])
        var index = Int(journeyTables.reactionStart[a])
        while index < count {
            let reaction = journeyTables.reactions[index]
            index &+= 1
            guard reaction.on == on,
                reaction.channel == 255 || reaction.channel == request.channel.rawValue,
                reaction.campaign < 0 || reaction.campaign == Int32(request.message.campaign),
                reaction.template < 0 || reaction.template == Int32(request.template)
            else { continue }
            var process = -1
            if reaction.states.isEmpty {
                process = 0
            } else {
                search: for p in 0..<runtime.processes {
                    let current = runtime.slots[journeySlot(id, p)].current
                    guard current != JourneyRuntime.notRunning else { continue }
                    for s in Int(reaction.states.lowerBound)..<Int(reaction.states.upperBound)
                    where journeyTables.reactionStates[s] == Int32(current) {
                        process = p
                        break search
                    }
                }
            }
            guard process >= 0 else { continue }
            if !reaction.conditions.isEmpty,
                !journeyConditionsHold(id, archetype: a, reaction.conditions, process: process)
            {
                continue
            }
            var elapsed = 0.0
            if reaction.halfLifeMs > 0 {
                let since = runtime.trackedAt[id &* runtime.trackedCount &+ Int(reaction.decaySince)]
                elapsed = Double((now - since).milliseconds)
            }
            let probability = reaction.chance(discount: discount, elapsedMs: elapsed)
            // The response stream decides, as it decides opens and clicks, so a reaction does not
            // shift the journey's own draws.
            guard messageState.rng[id].nextUnit() < min(1, probability) else { return }
            var delay: Int64 = 0
            if reaction.delay >= 0 {
                let draw = journeyTables.sample(reaction.delay, &messageState.rng[id])
                delay = max(0, Int64(min(draw, 9e15)))
            }
            let slot = journeySlot(id, process)
            runtime.slots[slot].epoch &+= 1
            runtime.slots[slot].target = UInt16(truncatingIfNeeded: reaction.target)
            queue.schedule(
                SimEvent(
                    customer: request.customer, kind: .journey,
                    argument: Self.journeyArgument(enter: true, process: process, epoch: runtime.slots[slot].epoch)),
                at: now + SimDuration(milliseconds: delay))
            if Self.bringsBack(on) {
                messageState.setSessionFromMessage(id, true)
                state.sessionChannel[id] = request.channel
                state.liftChannel[id] = UInt8(truncatingIfNeeded: request.channel.rawValue &+ 1)
            }
            let taken =
                JourneyGraph.reactionTriggers.firstIndex(
                    of: on == JourneyProgram.unhappy ? "unhappy" : EventKind(unchecked: on).name) ?? 0
            journeyEventCounts.reactionsTaken[taken] &+= 1
            switch reaction.countsAs {
            case 1: messaging.cartReturns &+= 1
            case 2: messaging.reengagements &+= 1
            case 3: messaging.walkAways &+= 1
            default: break
            }
            return
        }
    }
}

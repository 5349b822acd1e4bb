/// What comes into the trigger core: customer events (conversions, exceptions, waits that end,
/// new entries), opt-outs and delivery reports (with channel fallback).
extension TriggerCore {
    // MARK: Events

    /// Applies one customer event: conversions, exception events and flow exits, waits that the
    /// event ends, and new entries into campaigns it triggers. Sends due strictly before the
    /// event are fired first, into `actions`.
    public mutating func handle(_ event: CustomerEvent, into actions: inout ContiguousArray<SendRequest>) {
        makeUnique()
        handleUnchecked(event, into: &actions)
    }

    /// `handle(_:into:)` for a caller that made the core's state its own (`makeUnique()`) and
    /// made no copy of the core since: the simulator's loop, which would otherwise check once
    /// per event.
    @inline(__always)
    mutating func handleUnchecked(_ event: CustomerEvent, into actions: inout ContiguousArray<SendRequest>) {
        apply(event)
        flush(into: &actions)
    }

    /// `handle(_:into:)` once the state is known to be this core's own. Inlined into the batch
    /// loop, where a call per event cost its register saves and the core's field loads.
    @inline(__always)
    mutating func apply(_ event: CustomerEvent) {
        if queue.nextDue < event.time.milliseconds {
            fire(through: event.time.milliseconds &- 1)
        }
        let customer = Int(event.customer)
        guard customer < customerCount else { return }
        let kind = event.kind
        if kind == .optOut { profiles[customer].optedOut.insert(ChannelSet(event.channel)) }
        let cellBase = customer &* campaignCount
        // The row's bounds and the list's address in locals: the calls below store through
        // pointers, after which a read through `routes` would be a reload.
        let route = routes.rows[Int(kind.rawValue)]
        let bit = route.seenBit
        let firstOfKind = profiles[customer].seenKinds & bit == 0
        profiles[customer].seenKinds |= bit
        let list = routes.entries.base
        var position = Int(route.conversions)
        let exceptions = Int(route.exceptions)
        let waits = Int(route.waits)
        let triggers = Int(route.triggers)
        let end = Int(route.end)
        while position < exceptions {
            let entry = list[position]
            attributeConversion(cell: cellBase &+ Int(entry.column), campaign: Int(entry.campaign), at: event.time)
            position &+= 1
        }
        while position < waits {
            let slot = cells[cellBase &+ Int(list[position].column)].slot
            if slot != 0 { applyException(instance: Int(slot &- 1), event: event) }
            position &+= 1
        }
        while position < triggers {
            let slot = cells[cellBase &+ Int(list[position].column)].slot
            if slot != 0 { resumeWait(instance: Int(slot &- 1), event: event) }
            position &+= 1
        }
        while position < end {
            let entry = list[position]
            let campaign = Int(entry.campaign)
            let cell = cellBase &+ Int(entry.column)
            position &+= 1
            if mayEnter(campaign: campaign, cell: cell, time: event.time.milliseconds, firstOfKind: firstOfKind),
                passesFilters(
                    campaign: campaign, cartValue: event.cartValue, stars: event.stars, stage: event.stage,
                    channel: event.channel, properties: event.properties)
            {
                enter(campaign: campaign, cell: cell, event: event)
            }
        }
    }

    /// Records that the customer opted out of a channel: no more messages on it.
    public mutating func optOut(customer: UInt32, channel: Channel) {
        guard Int(customer) < customerCount else { return }
        makeUnique()
        profiles[Int(customer)].optedOut.insert(ChannelSet(channel))
    }

    // MARK: Delivery reports

    /// Counts a delivery outcome; a failure falls back to the next consented, reachable channel
    /// not yet tried when the campaign allows it (the message then counts as fell back).
    public mutating func reportDelivery(
        _ message: MessageID, outcome: DeliveryOutcome, at time: SimTime,
        into actions: inout ContiguousArray<SendRequest>
    ) {
        makeUnique()
        reportDeliveryUnchecked(message, outcome: outcome, at: time, into: &actions)
    }

    /// `reportDelivery` for a caller that made the core's state its own (see `handleUnchecked`).
    mutating func reportDeliveryUnchecked(
        _ message: MessageID, outcome: DeliveryOutcome, at time: SimTime,
        into actions: inout ContiguousArray<SendRequest>
    ) {
        let campaign = Int(message.campaign)
        guard campaign < campaignCount, Int(message.step) < counters.stepCount(campaign: campaign) else { return }
        let step = Int(message.step)
        switch outcome {
        case .delivered: counters.add(.delivered, campaign: campaign, step: step)
        case .read: counters.add(.read, campaign: campaign, step: step)
        case .failed:
            counters.add(.failed, campaign: campaign, step: step)
            let compiled = campaigns[campaign]
            guard compiled.fallback, Int(message.customer) < customerCount else { return }
            let customer = Int(message.customer)
            let usable = usableChannels(customer: customer, campaign: compiled)
            let candidates = ChannelSet(
                rawValue: usable.rawValue & profiles[customer].reachable.rawValue & ~message.tried.rawValue)
            var next: Channel?
            for position in 0..<compiled.channelCount where candidates.contains(compiled.channel(at: position)) {
                next = compiled.channel(at: position)
                break
            }
            guard let next else { return }
            if !message.isFallback { counters.move(from: .sent, to: .fellBack, campaign: campaign, step: step) }
            counters.add(.fallbackAttempts, campaign: campaign, step: step)
            let definition = steps[Int(compiled.stepBase) &+ step]
            var id = message
            id.isFallback = true
            id.tried.insert(ChannelSet(next))
            actions.append(
                SendRequest(
                    message: id, channel: next, template: definition.template, discount: definition.discount,
                    intendedAt: time, time: time, isFallback: true, wasDeferred: false,
                    routeToAgent: definition.routeToAgent))
        }
    }
}

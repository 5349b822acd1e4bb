/// Time and flow mechanics: firing what falls due, entering campaigns, running a flow's steps,
/// exceptions and waits, terminal states and conversion attribution.
extension TriggerCore {
    // MARK: Time

    /// Fires every pending message and flow step due at or before `now`, in (due time, sequence)
    /// order. Each one is processed at its own due time, so results do not depend on how
    /// finely the driver advances.
    public mutating func advance(to now: SimTime, into actions: inout ContiguousArray<SendRequest>) {
        makeUnique()
        advanceUnchecked(to: now, into: &actions)
    }

    /// `advance(to:into:)` for a caller that made the core's state its own (see `handleUnchecked`).
    @inline(__always)
    mutating func advanceUnchecked(to now: SimTime, into actions: inout ContiguousArray<SendRequest>) {
        fire(through: now.milliseconds)
        flush(into: &actions)
    }

    mutating func fire(through limit: Int64) {
        while true {
            let source = queue.minimumSource()
            guard let top = queue.pop(dueThrough: limit, from: source) else { break }
            if source >= 0 { prefetchAhead(lane: source) }
            let index = Int(top.payload.instance)
            guard generations[index] == top.payload.generation else {
                staleEntries &-= 1
                continue
            }
            let instance = instances[index]
            instances[index].flags &= ~FlowInstance.queued
            let time = SimTime(milliseconds: top.due)
            switch instance.phase {
            case .delaying:
                let step = steps[Int(campaigns[Int(instance.campaign)].stepBase) &+ Int(instance.step)]
                instances[index].step = UInt16(truncatingIfNeeded: step.next)
                run(instance: index, campaign: Int(instance.campaign), at: time)
            case .waiting:
                let step = steps[Int(campaigns[Int(instance.campaign)].stepBase) &+ Int(instance.step)]
                instances[index].step = UInt16(truncatingIfNeeded: step.onTimeout)
                run(instance: index, campaign: Int(instance.campaign), at: time)
            case .messagePending:
                fireMessage(instance: index, at: time)
            case .free:
                break
            }
        }
    }

    /// Gives everything still pending a terminal state: a pending message whose campaign has
    /// ended by `end` expires, any other is `pendingAtEnd`; flows still running are counted.
    /// Call `advance(to: end)` first so that messages due by then are sent.
    public mutating func finish(at end: SimTime) {
        makeUnique()
        for index in 0..<instances.count where instances[index].phase != .free {
            let instance = instances[index]
            let campaign = Int(instance.campaign)
            if instance.phase == .messagePending {
                let state: TerminalState = end.milliseconds >= campaigns[campaign].endMs ? .expired : .pendingAtEnd
                counters.finish(state, campaign: campaign, step: Int(instance.step))
            }
            counters.add(.runningAtEnd, campaign: campaign)
            release(instance: index)
        }
        queue.removeAll()
        staleEntries = 0
    }

    // MARK: Flow mechanics

    /// The checks of entry that read only the campaign and the customer's cell: the time span,
    /// first-time-only, a flow already running and re-eligibility. Inlined into `apply`, because
    /// a large share of the trigger checks stop here (the customer is already in the flow or not
    /// yet eligible again), and a call only to find that out cost more than the checks.
    @inline(__always)
    func mayEnter(campaign index: Int, cell: Int, time: Int64, firstOfKind: Bool) -> Bool {
        let campaign = campaigns.address(index)
        if campaign.pointee.firstTimeOnly && !firstOfKind { return false }
        guard time >= campaign.pointee.startMs, time < campaign.pointee.endMs else { return false }
        let state = cells[cell]
        guard state.slot == 0 else { return false }
        if state.exposure != 0 {
            let reeligibility = campaign.pointee.reeligibilityMs
            guard reeligibility >= 0, time >= Int64(state.exposure) &* 1000 &+ reeligibility else { return false }
        }
        return true
    }

    /// Enters the customer into the campaign if the audience holds; call it only when `mayEnter`
    /// and the trigger's filters hold. (The filters are checked inline by the caller: they stop
    /// many of the entries that pass `mayEnter`, mostly a session end without a cart, and a
    /// call only to find that out cost more than the check.)
    mutating func enter(campaign index: Int, cell: Int, event: CustomerEvent) {
        let time = event.time.milliseconds
        let customer = Int(event.customer)
        guard inAudience(customer: customer, campaign: index) else { return }
        let instance = allocate(
            FlowInstance(
                customer: event.customer, campaign: UInt16(index), step: 0, phase: .free,
                flags: isControl(customer: customer, campaign: index, share: campaigns[index].controlShare)
                    ? FlowInstance.control : 0,
                journeyChannel: event.channel, stars: event.stars, cartValue: event.cartValue,
                serial: 0, intendedAt: time))
        cells[cell].slot = UInt32(instance &+ 1)
        counters.add(.entered, campaign: index)
        run(instance: instance, campaign: index, at: event.time)
    }

    /// Starts the instance's current step: a message, delay or wait step (nearly all of them)
    /// is scheduled here, inlined into the callers, which know the campaign already; branches
    /// and the end of the flow go to `runSteps`. As a call, this cost register saves, reloads of
    /// the core's fields and jump tables for the branch conditions before the step was even
    /// read, on one of the core's most frequent paths.
    @inline(__always)
    mutating func run(instance index: Int, campaign campaignIndex: Int, at time: SimTime) {
        let campaign = campaigns.address(campaignIndex)
        let stepIndex = Int(instances[index].step)
        if stepIndex < Int(campaign.pointee.stepCount) {
            let step = steps.address(Int(campaign.pointee.stepBase) &+ stepIndex)
            let kind = step.pointee.kind
            if kind != .branch {
                let due = time + SimDuration(milliseconds: step.pointee.durationMs)
                var phase = FlowInstance.Phase.messagePending
                if kind == .message {
                    counters.create(campaign: campaignIndex, step: stepIndex)
                    instances[index].serial = nextSerial
                    nextSerial &+= 1
                    instances[index].flags &= ~FlowInstance.deferred
                    instances[index].intendedAt = due.milliseconds
                } else {
                    phase = kind == .delay ? .delaying : .waiting
                }
                schedule(instance: index, phase: phase, at: due, lane: step.pointee.lane)
                return
            }
        }
        runSteps(instance: index, at: time)
    }

    /// Runs zero-time steps from the instance's current step until it waits or ends.
    @inline(never)
    mutating func runSteps(instance index: Int, at time: SimTime) {
        let campaignIndex = Int(instances[index].campaign)
        let stepBase = Int(campaigns[campaignIndex].stepBase)
        let stepCount = Int(campaigns[campaignIndex].stepCount)
        for _ in 0..<TriggerCore.maxInstantSteps {
            let stepIndex = Int(instances[index].step)
            guard stepIndex < stepCount else { break }
            let step = steps[stepBase &+ stepIndex]
            switch step.kind {
            case .message:
                let due = time + SimDuration(milliseconds: step.durationMs)
                counters.create(campaign: Int(instances[index].campaign), step: stepIndex)
                instances[index].serial = nextSerial
                nextSerial &+= 1
                instances[index].flags &= ~FlowInstance.deferred
                instances[index].intendedAt = due.milliseconds
                schedule(instance: index, phase: .messagePending, at: due, lane: step.lane)
                return
            case .delay:
                schedule(
                    instance: index, phase: .delaying, at: time + SimDuration(milliseconds: step.durationMs),
                    lane: step.lane)
                return
            case .wait:
                schedule(
                    instance: index, phase: .waiting, at: time + SimDuration(milliseconds: step.durationMs),
                    lane: step.lane)
                return
            case .branch:
                let instance = instances[index]
                var target = step.onEvent
                for caseIndex in Int(step.caseStart)..<Int(step.caseEnd) {
                    let item = cases[caseIndex]
                    if item.condition.matches(
                        cartValue: instance.cartValue, stars: instance.stars, stage: .idle,
                        channel: instance.journeyChannel)
                    {
                        target = item.goto
                        break
                    }
                }
                instances[index].step = UInt16(truncatingIfNeeded: target)
            }
        }
        release(instance: index)
    }

    mutating func applyException(instance index: Int, event: CustomerEvent) {
        let instance = instances[index]
        let campaignIndex = Int(instance.campaign)
        let customer = Int(instance.customer)
        if instance.phase == .messagePending {
            let step = steps[Int(campaigns[campaignIndex].stepBase) &+ Int(instance.step)]
            // The exception event is the trigger itself: restart the wait from the newer event.
            if event.kind == campaigns[campaignIndex].triggerKind, instance.flags & FlowInstance.sentAny == 0,
                passesFilters(
                    campaign: campaignIndex, cartValue: event.cartValue, stars: event.stars, stage: event.stage,
                    channel: event.channel, properties: event.properties),
                inAudience(customer: customer, campaign: campaignIndex)
            {
                instances[index].journeyChannel = event.channel
                instances[index].cartValue = event.cartValue
                instances[index].stars = event.stars
                instances[index].flags &= ~FlowInstance.deferred
                let due = event.time + SimDuration(milliseconds: step.durationMs)
                instances[index].intendedAt = due.milliseconds
                counters.add(.rescheduled, campaign: campaignIndex, step: Int(instance.step))
                schedule(instance: index, phase: .messagePending, at: due, lane: step.lane)
                return
            }
            let state: TerminalState =
                instance.flags & FlowInstance.sentAny == 0 ? .cancelledByException : .skippedFlowExit
            counters.finish(state, campaign: campaignIndex, step: Int(instance.step))
        }
        counters.add(.exited, campaign: campaignIndex)
        release(instance: index)
    }

    mutating func resumeWait(instance index: Int, event: CustomerEvent) {
        let instance = instances[index]
        guard instance.phase == .waiting else { return }
        let step = steps[Int(campaigns[Int(instance.campaign)].stepBase) &+ Int(instance.step)]
        guard step.kind == .wait, step.waitEvent == event.kind else { return }
        generations[index] &+= 1  // the timeout entry goes stale
        markUnqueued(index)
        instances[index].stars = event.stars
        instances[index].cartValue = event.cartValue
        instances[index].step = UInt16(truncatingIfNeeded: step.onEvent)
        run(instance: index, campaign: Int(instance.campaign), at: event.time)
    }

    mutating func goToNext(instance index: Int) {
        let step = steps[Int(campaigns[Int(instances[index].campaign)].stepBase) &+ Int(instances[index].step)]
        instances[index].step = UInt16(truncatingIfNeeded: step.next)
    }

    /// Records a message that will not be sent and lets the flow go on (in a multi-step flow a
    /// capped, dropped or held-out message step is skipped; a single message ends its campaign).
    mutating func skip(_ state: TerminalState, instance index: Int, at time: SimTime) {
        let campaign = Int(instances[index].campaign)
        counters.finish(state, campaign: campaign, step: Int(instances[index].step))
        goToNext(instance: index)
        run(instance: index, campaign: campaign, at: time)
    }

    mutating func attributeConversion(cell: Int, campaign index: Int, at time: SimTime) {
        let last = cells[cell].exposure
        guard last != 0, !cells[cell].converted,
            time.milliseconds &- Int64(last) &* 1000 <= campaigns[index].conversionWindowMs,
            time.milliseconds >= Int64(last) &* 1000 &- 999
        else { return }
        cells[cell].converted = true
        counters.add(cells[cell].exposureIsControl ? .controlConversions : .treatmentConversions, campaign: index)
    }
}

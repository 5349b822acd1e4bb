/// A message that fell due, from its checks to its send, and the checks it uses: filters,
/// audience, control group, usable channels, local days and cap moments.
extension TriggerCore {
    /// The checks and the send for a message that fell due, as a pipeline, in this order:
    /// campaign end (expired) and audience re-check → channel (opted out, no reachable channel,
    /// fallback) → delivery window (drop or defer) → control group (held out) → frequency caps
    /// → rate limit (hold or abort) → send. Each stage either lets the message on or ends it
    /// (counting why) and returns false; all are inlined into this one function.
    mutating func fireMessage(instance index: Int, at time: SimTime) {
        let instance = instances[index]
        let campaignIndex = Int(instance.campaign)
        // Read field by field through the address, never as a copy of the whole campaign.
        let campaign = campaigns.address(campaignIndex)
        guard isStillWanted(instance, index, campaign: campaign, campaignIndex, at: time) else { return }
        guard let route = chooseChannel(instance, index, campaign: campaign, at: time) else { return }
        let zone = Int(profiles[Int(instance.customer)].zone)
        guard isInsideWindow(index, campaign: campaign, campaignIndex, zone: zone, at: time) else { return }
        let cell = cellIndex(customer: Int(instance.customer), column: Int(campaign.pointee.cellColumn))
        guard !isHeldOut(instance, index, cell: cell, campaignIndex, at: time) else { return }
        // The customer's local day, looked up once for the cap check and the record.
        let moment =
            (!campaign.pointee.overrideCaps || campaign.pointee.countsTowardCaps) && !caps.rules.isEmpty
            ? capMoment(at: time, zone: zone) : nil
        guard passesCaps(index, campaign: campaign, channel: route.channel, moment: moment, zone: zone, at: time)
        else { return }
        guard passesRateLimit(instance, index, campaign: campaign, campaignIndex, at: time) else { return }
        send(instance, index, campaign: campaign, campaignIndex, route: route, cell: cell, moment: moment, at: time)
    }

    /// The channel a message goes on, whether it fell back to it, and the channels tried.
    struct Route {
        var channel: Channel
        var fellBack: Bool
        var tried: ChannelSet
    }

    /// Not past the campaign's end, and still in its audience when the campaign re-checks it.
    @inline(always)
    mutating func isStillWanted(
        _ instance: FlowInstance, _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, _ campaignIndex: Int,
        at time: SimTime
    ) -> Bool {
        let stepIndex = Int(instance.step)
        if time.milliseconds >= campaign.pointee.endMs {
            counters.finish(.expired, campaign: campaignIndex, step: stepIndex)
            release(instance: index)
            return false
        }
        if campaign.pointee.recheckAudience && !inAudience(customer: Int(instance.customer), campaign: campaignIndex) {
            counters.finish(.suppressedAudience, campaign: campaignIndex, step: stepIndex)
            release(instance: index)
            return false
        }
        return true
    }

    /// The first allowed channel (the journey's own when the campaign prefers it), or the next
    /// reachable one when the campaign falls back; nil when none is left (the message ends).
    @inline(always)
    mutating func chooseChannel(
        _ instance: FlowInstance, _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, at time: SimTime
    ) -> Route? {
        let profile = profiles[Int(instance.customer)]
        let eligible = ChannelSet(
            rawValue: campaign.pointee.channelMask.rawValue
                & (campaign.pointee.requireConsent ? profile.consent : profile.channels).rawValue)
        if eligible.rawValue == 0 {
            skip(.suppressedNoReachableChannel, instance: index, at: time)
            return nil
        }
        let allowed = ChannelSet(rawValue: eligible.rawValue & ~profile.optedOut.rawValue)
        if allowed.rawValue == 0 {
            skip(.suppressedOptedOut, instance: index, at: time)
            return nil
        }
        let reachable = profile.reachable
        var first: Channel?
        if campaign.pointee.preferJourneyChannel, allowed.contains(instance.journeyChannel) {
            first = instance.journeyChannel
        }
        if first == nil { first = campaign.pointee.firstChannel(in: allowed) }
        guard let firstChoice = first else {
            skip(.suppressedNoReachableChannel, instance: index, at: time)
            return nil
        }
        var route = Route(channel: firstChoice, fellBack: false, tried: ChannelSet(firstChoice))
        if !reachable.contains(firstChoice) {
            guard campaign.pointee.fallback,
                let found = campaign.pointee.firstChannel(
                    in: ChannelSet(rawValue: allowed.rawValue & reachable.rawValue & ~route.tried.rawValue))
            else {
                skip(.suppressedNoReachableChannel, instance: index, at: time)
                return nil
            }
            route.channel = found
            route.fellBack = true
            route.tried.insert(ChannelSet(found))
        }
        return route
    }

    /// Inside the campaign's delivery window in the recipient's local time; outside it, the
    /// message waits for the next opening (`defer`) or is dropped.
    @inline(always)
    mutating func isInsideWindow(
        _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, _ campaignIndex: Int, zone: Int,
        at time: SimTime
    ) -> Bool {
        guard campaign.pointee.hasWindow else { return true }
        let t = time.milliseconds
        let minute = (t &- localDay(zone: zone, at: t).midnight) / 60_000
        if campaign.pointee.window.contains(minuteOfDay: Int32(truncatingIfNeeded: minute)) { return true }
        if campaign.pointee.window.outside == .defer {
            let opening = campaign.pointee.window.nextOpening(after: time, zone: zone, zones: zones)
            instances[index].flags |= FlowInstance.deferred
            instances[index].intendedAt = opening.milliseconds
            let lanes = deferLanes[campaignIndex]
            schedule(
                instance: index, phase: .messagePending, at: opening,
                lane: lanes < 0 || zone >= deferZones ? -1 : lanes &+ Int32(zone))
            return false
        }
        skip(.droppedByWindow, instance: index, at: time)
        return false
    }

    /// In the control group: exposed as held out, not sent.
    @inline(always)
    mutating func isHeldOut(
        _ instance: FlowInstance, _ index: Int, cell: Int, _ campaignIndex: Int, at time: SimTime
    )
        -> Bool
    {
        guard instance.flags & FlowInstance.control != 0 else { return false }
        cells[cell].expose(at: time, control: true)
        counters.add(.controlExposures, campaign: campaignIndex)
        skip(.heldOut, instance: index, at: time)
        return true
    }

    /// Within the frequency caps, unless the campaign overrides them.
    @inline(always)
    mutating func passesCaps(
        _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, channel: Channel, moment: CapLedger.Moment?,
        zone: Int, at time: SimTime
    ) -> Bool {
        guard !campaign.pointee.overrideCaps, let moment,
            !caps.allows(
                customer: Int(instances[index].customer), channel: channel, at: moment, zone: zone, zones: zones)
        else { return true }
        skip(.suppressedByCap, instance: index, at: time)
        return false
    }

    /// Within the campaign's per-minute rate limit; over it, the message is held to the next
    /// minute, or aborted when that is past the campaign's longest hold.
    @inline(always)
    mutating func passesRateLimit(
        _ instance: FlowInstance, _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, _ campaignIndex: Int,
        at time: SimTime
    ) -> Bool {
        let rateLimit = campaign.pointee.rateLimitPerMinute
        guard rateLimit > 0 else { return true }
        let minute = time.milliseconds / 60_000
        if rateMinute[campaignIndex] != minute {
            rateMinute[campaignIndex] = minute
            rateCount[campaignIndex] = 0
        }
        if rateCount[campaignIndex] >= rateLimit {
            sharedLimitMayBind = true
            let next = (minute &+ 1) &* 60_000
            if next &- instance.intendedAt > campaign.pointee.maxHoldMs {
                skip(.aborted, instance: index, at: time)
                return false
            }
            schedule(instance: index, phase: .messagePending, at: SimTime(milliseconds: next), lane: holdLane)
            return false
        }
        rateCount[campaignIndex] &+= 1
        if partitions > 1, rateCount[campaignIndex] > rateLimit / partitions { sharedLimitMayBind = true }
        return true
    }

    /// Records the send (caps, exposure, counters), hands the request to the outbox and moves
    /// the flow on.
    @inline(always)
    mutating func send(
        _ instance: FlowInstance, _ index: Int, campaign: UnsafeMutablePointer<CompiledCampaign>, _ campaignIndex: Int,
        route: Route, cell: Int, moment: CapLedger.Moment?, at time: SimTime
    ) {
        let stepIndex = Int(instance.step)
        if campaign.pointee.countsTowardCaps, let moment {
            caps.record(customer: Int(instance.customer), channel: route.channel, at: moment)
        }
        cells[cell].expose(at: time, control: false)
        counters.add(.treatmentExposures, campaign: campaignIndex)
        let deferred = instance.flags & FlowInstance.deferred != 0
        if deferred { counters.add(.deferred, campaign: campaignIndex, step: stepIndex) }
        let step = steps.address(Int(campaign.pointee.stepBase) &+ stepIndex)
        outbox.append(
            SendRequest(
                message: MessageID(
                    serial: instance.serial, customer: instance.customer, campaign: instance.campaign,
                    step: UInt8(truncatingIfNeeded: stepIndex), isFallback: route.fellBack, tried: route.tried),
                channel: route.channel, template: step.pointee.template, discount: step.pointee.discount,
                intendedAt: SimTime(milliseconds: instance.intendedAt), time: time, isFallback: route.fellBack,
                wasDeferred: deferred, routeToAgent: step.pointee.routeToAgent))
        instances[index].flags |= FlowInstance.sentAny
        counters.finish(route.fellBack ? .fellBack : .sent, campaign: campaignIndex, step: stepIndex)
        let next = UInt16(truncatingIfNeeded: step.pointee.next)
        instances[index].step = next
        // Most messages end their flow: release here rather than call `run` to find that out.
        if Int32(next) >= campaign.pointee.stepCount {
            release(instance: index)
        } else {
            run(instance: index, campaign: campaignIndex, at: time)
        }
    }

    /// The local day in force in `zone` at `milliseconds`, from the zone's cached day when it
    /// holds the instant (nearly always: sends come in time order).
    @inline(__always)
    mutating func localDay(zone: Int, at milliseconds: Int64) -> LocalDay {
        if zone < localDays.count, localDays[zone].contains(milliseconds) { return localDays[zone] }
        return refreshLocalDay(zone: zone, at: milliseconds)
    }

    @inline(never)
    mutating func refreshLocalDay(zone: Int, at milliseconds: Int64) -> LocalDay {
        var day = zoneOffsets.localDay(zone: zone, at: milliseconds)
        day.capDay = CapLedger.dayCode(day.day)
        localDays[zone] = day
        return day
    }

    /// The cap ledger's view of a send at `time`: the local day of the send and of its
    /// rounded-up second (the same day but within a second of midnight or of an offset change).
    @inline(__always)
    mutating func capMoment(at time: SimTime, zone: Int) -> CapLedger.Moment {
        let today = localDay(zone: zone, at: time.milliseconds)
        let stamp = caps.code(time)
        let stampMs = caps.instant(stamp).milliseconds
        let stampDay = today.contains(stampMs) ? today.capDay : localDay(zone: zone, at: stampMs).capDay
        return CapLedger.Moment(time: time, today: today.day, todayCode: today.capDay, stamp: stamp, stampDay: stampDay)
    }

    // MARK: Checks

    @inline(__always)
    func passesFilters(
        campaign index: Int, cartValue: Float, stars: UInt8, stage: Stage, channel: Channel,
        properties: EventProperties
    ) -> Bool {
        var filter = Int(campaigns[index].filterStart)
        let end = Int(campaigns[index].filterEnd)
        while filter < end {
            if !filters[filter].matches(
                cartValue: cartValue, stars: stars, stage: stage, channel: channel, properties: properties)
            {
                return false
            }
            filter &+= 1
        }
        return true
    }

    @inline(__always)
    func inAudience(customer: Int, campaign index: Int) -> Bool {
        let profile = profiles[customer]
        guard campaigns[index].archetypeMask & (1 << profile.archetype) != 0 else { return false }
        let reachable = campaigns[index].audienceReachable.rawValue
        if reachable != 0, reachable & profile.reachable.rawValue == 0 { return false }
        // An opt-out withdraws consent, so an audience re-check at send time sees it.
        if campaigns[index].requireConsent,
            campaigns[index].channelMask.rawValue & profile.consent.rawValue & ~profile.optedOut.rawValue == 0
        {
            return false
        }
        return true
    }

    /// Whether the customer is in the campaign's control group: a pure function of (seed,
    /// customer, campaign), so it is the same in every shard and every strategy.
    @inline(__always)
    public func isControl(customer: Int, campaign: Int, share: Double) -> Bool {
        guard share > 0 else { return false }
        // Hash the scenario-wide id so a customer is in the same group in every shard.
        let key = SplitMix64.hash(
            seed, UInt64(RandomStream.trigger.rawValue) << 32 | UInt64(campaign), population.globalID(customer))
        return Double(key >> 11) * 0x1.0p-53 < share
    }

    func usableChannels(customer: Int, campaign: CompiledCampaign) -> ChannelSet {
        let profile = profiles[customer]
        let base = campaign.requireConsent ? profile.consent : profile.channels
        return ChannelSet(rawValue: campaign.channelMask.rawValue & base.rawValue & ~profile.optedOut.rawValue)
    }
}

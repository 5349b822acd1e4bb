/// A message that fell due, from its checks to its send, and the checks it uses: filters,
/// audience, control group, usable channels, local days and cap moments.
extension TriggerCore {
    /// The checks and the send for a message that fell due, in this order: campaign end
    /// (expired), audience re-check, opted out / no channel, delivery window (drop or defer),
    /// control group (held out), frequency caps, rate limit (hold or abort), then send.
    mutating func fireMessage(instance index: Int, at time: SimTime) {
        let instance = instances[index]
        let campaignIndex = Int(instance.campaign)
        // Read field by field through the address: a copy of the campaign was 26 instructions
        // per event at a million customers.
        let campaign = campaigns.address(campaignIndex)
        let stepIndex = Int(instance.step)
        let customer = Int(instance.customer)
        let t = time.milliseconds

        if t >= campaign.pointee.endMs {
            counters.finish(.expired, campaign: campaignIndex, step: stepIndex)
            release(instance: index)
            return
        }
        if campaign.pointee.recheckAudience && !inAudience(customer: customer, campaign: campaignIndex) {
            counters.finish(.suppressedAudience, campaign: campaignIndex, step: stepIndex)
            release(instance: index)
            return
        }
        // Channel choice.
        let profile = profiles[customer]
        let eligible = ChannelSet(
            rawValue: campaign.pointee.channelMask.rawValue
                & (campaign.pointee.requireConsent ? profile.consent : profile.channels).rawValue)
        if eligible.rawValue == 0 { return skip(.suppressedNoReachableChannel, instance: index, at: time) }
        let allowed = ChannelSet(rawValue: eligible.rawValue & ~profile.optedOut.rawValue)
        if allowed.rawValue == 0 { return skip(.suppressedOptedOut, instance: index, at: time) }
        let reachable = profile.reachable
        var first: Channel?
        if campaign.pointee.preferJourneyChannel, allowed.contains(instance.journeyChannel) {
            first = instance.journeyChannel
        }
        if first == nil { first = campaign.pointee.firstChannel(in: allowed) }
        guard let firstChoice = first else { return skip(.suppressedNoReachableChannel, instance: index, at: time) }
        var channel = firstChoice
        var fellBack = false
        var tried = ChannelSet(firstChoice)
        if !reachable.contains(firstChoice) {
            guard campaign.pointee.fallback,
                let found = campaign.pointee.firstChannel(
                    in: ChannelSet(rawValue: allowed.rawValue & reachable.rawValue & ~tried.rawValue))
            else { return skip(.suppressedNoReachableChannel, instance: index, at: time) }
            channel = found
            fellBack = true
            tried.insert(ChannelSet(found))
        }
        // Delivery window in the recipient's local time.
        let zone = Int(profile.zone)
        if campaign.pointee.hasWindow {
            let minute = (t &- localDay(zone: zone, at: t).midnight) / 60_000
            if !campaign.pointee.window.contains(minuteOfDay: Int32(truncatingIfNeeded: minute)) {
                if campaign.pointee.window.outside == .defer {
                    let opening = campaign.pointee.window.nextOpening(after: time, zone: zone, zones: zones)
                    instances[index].flags |= FlowInstance.deferred
                    instances[index].intendedAt = opening.milliseconds
                    let lanes = deferLanes[campaignIndex]
                    schedule(
                        instance: index, phase: .messagePending, at: opening,
                        lane: lanes < 0 || zone >= deferZones ? -1 : lanes &+ Int32(zone))
                    return
                }
                return skip(.droppedByWindow, instance: index, at: time)
            }
        }
        let cell = cellIndex(customer: customer, column: Int(campaign.pointee.cellColumn))
        if instance.flags & FlowInstance.control != 0 {
            cells[cell].expose(at: time, control: true)
            counters.add(.controlExposures, campaign: campaignIndex)
            return skip(.heldOut, instance: index, at: time)
        }
        // The customer's local day, looked up once for the cap check and the record.
        let checksCaps = !campaign.pointee.overrideCaps
        let countsTowardCaps = campaign.pointee.countsTowardCaps
        let moment = (checksCaps || countsTowardCaps) && !caps.rules.isEmpty ? capMoment(at: time, zone: zone) : nil
        if checksCaps, let moment,
            !caps.allows(customer: customer, channel: channel, at: moment, zone: zone, zones: zones)
        {
            return skip(.suppressedByCap, instance: index, at: time)
        }
        let rateLimit = campaign.pointee.rateLimitPerMinute
        if rateLimit > 0 {
            let minute = t / 60_000
            if rateMinute[campaignIndex] != minute {
                rateMinute[campaignIndex] = minute
                rateCount[campaignIndex] = 0
            }
            if rateCount[campaignIndex] >= rateLimit {
                sharedLimitMayBind = true
                let next = (minute &+ 1) &* 60_000
                if next &- instance.intendedAt > campaign.pointee.maxHoldMs {
                    return skip(.aborted, instance: index, at: time)
                }
                schedule(instance: index, phase: .messagePending, at: SimTime(milliseconds: next), lane: holdLane)
                return
            }
            rateCount[campaignIndex] &+= 1
            if partitions > 1, rateCount[campaignIndex] > rateLimit / partitions { sharedLimitMayBind = true }
        }
        // Send.
        if countsTowardCaps, let moment { caps.record(customer: customer, channel: channel, at: moment) }
        cells[cell].expose(at: time, control: false)
        counters.add(.treatmentExposures, campaign: campaignIndex)
        let deferred = instance.flags & FlowInstance.deferred != 0
        if deferred { counters.add(.deferred, campaign: campaignIndex, step: stepIndex) }
        let step = steps.address(Int(campaign.pointee.stepBase) &+ stepIndex)
        outbox.append(
            SendRequest(
                message: MessageID(
                    serial: instance.serial, customer: instance.customer, campaign: instance.campaign,
                    step: UInt8(truncatingIfNeeded: stepIndex), isFallback: fellBack, tried: tried),
                channel: channel, template: step.pointee.template, discount: step.pointee.discount,
                intendedAt: SimTime(milliseconds: instance.intendedAt), time: time, isFallback: fellBack,
                wasDeferred: deferred, routeToAgent: step.pointee.routeToAgent))
        instances[index].flags |= FlowInstance.sentAny
        counters.finish(fellBack ? .fellBack : .sent, campaign: campaignIndex, step: stepIndex)
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

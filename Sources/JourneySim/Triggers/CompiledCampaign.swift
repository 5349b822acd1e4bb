/// A campaign flattened into plain integers for the hot path: no strings, arrays or optionals,
/// so reading it costs no reference counting.
struct CompiledCampaign: Sendable, BitwiseCopyable {
    var triggerKind: EventKind
    var firstTimeOnly: Bool
    var filterStart: Int32
    var filterEnd: Int32
    /// Bit per `Archetype.rawValue`.
    var archetypeMask: UInt8
    var audienceReachable: ChannelSet
    var requireConsent: Bool
    var recheckAudience: Bool
    var exceptionEvents: EventKindSet
    var startMs: Int64
    var endMs: Int64
    var hasWindow: Bool
    var window: DeliveryWindow
    /// -1 when re-eligibility is off.
    var reeligibilityMs: Int64
    var overrideCaps: Bool
    var countsTowardCaps: Bool
    var controlShare: Double
    var channelMask: ChannelSet
    /// Channels in preference order, 4 bits each, lowest first.
    var channelOrder: UInt64
    var channelCount: Int32
    /// The preference order is ascending raw order (the default, WhatsApp → SMS → email), so
    /// the first channel of a set is its lowest bit.
    var channelsAscending: Bool
    var preferJourneyChannel: Bool
    var fallback: Bool
    var hasConversion: Bool
    var conversionKind: EventKind
    var conversionWindowMs: Int64
    /// 0 when unlimited.
    var rateLimitPerMinute: Int32
    var maxHoldMs: Int64
    var stepBase: Int32
    var stepCount: Int32
    /// Where the campaign's cell sits in a customer's row (`EventRoutes.columns(of:)`).
    var cellColumn: Int32 = 0

    /// The first channel in preference order that `set` holds, if any. Works on raw values (no
    /// failable `Channel(rawValue:)` per position, which was an outlined call per send).
    @inline(__always) func firstChannel(in set: ChannelSet) -> Channel? {
        if channelsAscending {
            // One bit scan instead of a data-dependent loop over the order (the loop ran on every
            // send, and its exit branch was hard to predict).
            let bits = set.rawValue & channelMask.rawValue
            return bits == 0
                ? nil : unsafeBitCast(UInt8(truncatingIfNeeded: bits.trailingZeroBitCount), to: Channel.self)
        }
        var order = channelOrder
        var left = channelCount
        while left > 0 {
            let raw = UInt8(truncatingIfNeeded: order & 0xF)
            // Every nibble was written from a `Channel` (see `compiled()`), so it is a valid case.
            if set.rawValue >> UInt16(raw) & 1 != 0 { return unsafeBitCast(raw, to: Channel.self) }
            order >>= 4
            left &-= 1
        }
        return nil
    }

    @inline(__always) func channel(at index: Int32) -> Channel {
        Channel(rawValue: UInt8(truncatingIfNeeded: (channelOrder >> (UInt64(index) &* 4)) & 0xF)) ?? .sms
    }
}

struct CompiledStep: Sendable, BitwiseCopyable {
    enum Kind: UInt8, Sendable, BitwiseCopyable { case message, delay, wait, branch }
    var kind: Kind
    /// Message delay, delay length or wait timeout.
    var durationMs: Int64
    var template: UInt16
    var discount: UInt16
    var routeToAgent: Bool
    var waitEvent: EventKind
    /// Wait: target when the event arrives; branch: target when no case matches.
    var onEvent: Int32
    var onTimeout: Int32
    var caseStart: Int32
    var caseEnd: Int32
    /// Message and delay: the step that follows.
    var next: Int32
    /// The `DueQueue` lane of `durationMs` (entries of one duration arrive in due order).
    var lane: Int32
}

struct CompiledCase: Sendable, BitwiseCopyable {
    var condition: EventFilter
    var goto: Int32
}

extension TriggerSpec {
    /// Flattens the campaigns for the core.
    func compiled() -> (
        campaigns: ContiguousArray<CompiledCampaign>, steps: ContiguousArray<CompiledStep>,
        filters: ContiguousArray<EventFilter>, cases: ContiguousArray<CompiledCase>,
        laneCount: Int
    ) {
        var campaignsOut = ContiguousArray<CompiledCampaign>()
        var stepsOut = ContiguousArray<CompiledStep>()
        var filters = ContiguousArray<EventFilter>()
        var cases = ContiguousArray<CompiledCase>()
        var laneDurations: [Int64] = []
        for campaign in campaigns {
            let filterStart = Int32(filters.count)
            filters.append(contentsOf: campaign.trigger.filters)
            let stepBase = Int32(stepsOut.count)
            for (stepIndex, step) in campaign.flow.steps.enumerated() {
                stepsOut.append(
                    compiledStep(
                        step, next: Int32(campaign.flow.next[stepIndex]), cases: &cases, laneDurations: &laneDurations))
            }
            campaignsOut.append(
                TriggerSpec.compiledCampaign(
                    campaign, filters: filterStart..<Int32(filters.count), stepBase: stepBase))
        }
        return (campaignsOut, stepsOut, filters, cases, laneDurations.count)
    }

    /// A flow step as the core runs it. A branch's cases are appended to `cases`; a timed step
    /// (any other) gets the lane of its duration, a new lane in `laneDurations` for a new one.
    private func compiledStep(
        _ step: FlowStep, next: Int32, cases: inout ContiguousArray<CompiledCase>, laneDurations: inout [Int64]
    ) -> CompiledStep {
        var compiled = CompiledStep(
            kind: .delay, durationMs: 0, template: 0, discount: 0, routeToAgent: false,
            waitEvent: .purchase, onEvent: 0, onTimeout: 0, caseStart: 0, caseEnd: 0,
            next: next, lane: -1)
        switch step {
        case let .message(message):
            compiled.kind = .message
            compiled.durationMs = message.delay.milliseconds
            compiled.template = templateIndex(message.content.template)
            compiled.discount = discountIndex(message.content.discountCode)
            compiled.routeToAgent = message.content.routeToAgent
        case let .delay(duration):
            compiled.kind = .delay
            compiled.durationMs = duration.milliseconds
        case let .wait(wait):
            compiled.kind = .wait
            compiled.durationMs = wait.timeout.milliseconds
            compiled.waitEvent = wait.event
            compiled.onEvent = Int32(wait.onEvent)
            compiled.onTimeout = Int32(wait.onTimeout)
        case let .branch(branch):
            compiled.kind = .branch
            compiled.caseStart = Int32(cases.count)
            for item in branch.cases {
                cases.append(CompiledCase(condition: item.condition, goto: Int32(item.goto)))
            }
            compiled.caseEnd = Int32(cases.count)
            compiled.onEvent = Int32(branch.otherwise)
        }
        if compiled.kind != .branch {
            if let lane = laneDurations.firstIndex(of: compiled.durationMs) {
                compiled.lane = Int32(lane)
            } else {
                compiled.lane = Int32(laneDurations.count)
                laneDurations.append(compiled.durationMs)
            }
        }
        return compiled
    }

    /// A campaign as the core reads it, its trigger's filters at `filters` and its steps from
    /// `stepBase` in the flattened tables.
    private static func compiledCampaign(
        _ campaign: Campaign, filters: Range<Int32>, stepBase: Int32
    ) -> CompiledCampaign {
        var archetypes: UInt8 = 0
        for archetype in campaign.audience.archetypes { archetypes |= 1 << archetype.rawValue }
        if campaign.audience.archetypes.isEmpty { archetypes = 0xFF }
        let channels = channelOrder(campaign.channels)
        return CompiledCampaign(
            triggerKind: campaign.trigger.event, firstTimeOnly: campaign.trigger.firstTimeOnly,
            filterStart: filters.lowerBound, filterEnd: filters.upperBound, archetypeMask: archetypes,
            audienceReachable: campaign.audience.channelsReachable,
            requireConsent: campaign.audience.requireConsent,
            recheckAudience: campaign.recheckAudienceAtSend, exceptionEvents: campaign.exceptionEvents,
            startMs: campaign.start?.milliseconds ?? .min, endMs: campaign.end?.milliseconds ?? .max,
            hasWindow: campaign.deliveryWindow != nil,
            window: campaign.deliveryWindow ?? DeliveryWindow(fromMinute: 0, toMinute: 0),
            reeligibilityMs: campaign.reeligibility?.milliseconds ?? -1,
            overrideCaps: campaign.overrideCaps, countsTowardCaps: campaign.countsTowardCaps,
            controlShare: campaign.controlGroup, channelMask: channels.mask, channelOrder: channels.order,
            channelCount: channels.count, channelsAscending: channels.ascending,
            preferJourneyChannel: campaign.preferJourneyChannel, fallback: campaign.fallback,
            hasConversion: campaign.conversion != nil, conversionKind: campaign.conversion?.event ?? .purchase,
            conversionWindowMs: campaign.conversion?.window.milliseconds ?? 0,
            rateLimitPerMinute: Int32(clamping: campaign.rateLimitPerMinute ?? 0),
            maxHoldMs: campaign.maxHold.milliseconds, stepBase: stepBase,
            stepCount: Int32(campaign.flow.steps.count))
    }

    /// A campaign's channels in preference order (a repeated one counts once): 4 bits each in
    /// `order`, lowest first, their set, their count, and whether the order is ascending raw order.
    private static func channelOrder(
        _ channels: [Channel]
    ) -> (order: UInt64, mask: ChannelSet, count: Int32, ascending: Bool) {
        var order: UInt64 = 0
        var mask: ChannelSet = []
        var count: Int32 = 0
        var ascending = true
        for channel in channels where !mask.contains(channel) {
            if count > 0, channel.rawValue < UInt8(truncatingIfNeeded: order >> (UInt64(count - 1) * 4) & 0xF) {
                ascending = false
            }
            order |= UInt64(channel.rawValue) << (UInt64(count) * 4)
            mask.insert(ChannelSet(channel))
            count += 1
        }
        return (order, mask, count, ascending)
    }
}

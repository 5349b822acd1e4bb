import JourneySimPrefetch

/// The trigger core: turns customer events into triggered messages, standalone and
/// deterministic, with no dependency on the simulator that drives it.
///
/// The driver calls `handle(_:into:)` for every customer event in time order, interleaves
/// `advance(to:into:)` with its own event queue using `nextDueTime`, reports delivery outcomes
/// with `reportDelivery(_:outcome:at:into:)` and finally calls `finish(at:)`. Every message
/// created ends in exactly one `TerminalState` (see `stats`).
///
/// ## Ordering at equal instants
/// **Events at time T are handled before sends due at T.** `handle` first fires every message
/// due strictly before the event, then applies the event; messages due exactly at T wait for the
/// next `advance(to: T)`. So an exception event at the same millisecond as a due send cancels
/// it, provided the driver handles all events at T before calling `advance(to: T)`. Entries due
/// at the same instant are processed in the order they were scheduled (due time, then
/// sequence), so the first processed wins the last cap slot. Each entry is processed at its own
/// due time, whatever instant the driver advances to.
///
/// ## Semantics (defaults; per-campaign fields where platforms differ)
/// - Entry: the trigger event must fall in [start, end), pass all filters and the audience
///   (archetypes, reachable channels, consent net of opt-outs); a customer runs at most one
///   flow per campaign at a time. `recheckAudienceAtSend` re-checks when a message falls due.
/// - Exception / exit events cancel a pending message (`cancelledByException`, eligibility not
///   used) or, after an earlier step was sent, skip it (`skippedFlowExit`). When the exception
///   event is the trigger event and nothing was sent yet, the pending message is rescheduled
///   from the newer event (if that event passes filters and audience; otherwise cancelled).
/// - A message due at or after the campaign's end expires.
/// - Checks when a message falls due, in order: end (expired), audience re-check, channel
///   choice (consented channels in campaign order, the journey channel first if preferred,
///   the next reachable one if the first is not reachable and `fallback` is on), delivery
///   window (drop, or defer to the next local opening), control group (held out, recorded as
///   an exposure at that instant), frequency caps (unless overridden), rate limit (hold until
///   the next minute, abort if held beyond `maxHold` from the intended send time), send.
/// - In a flow, a message that is not sent (capped, dropped, held out, no channel, aborted) is
///   recorded and the flow goes on; expiry and a failed audience re-check end the flow.
/// - Re-eligibility is off by default (one exposure per customer); with a window it counts
///   from the last message received (or held out).
/// - A delivery failure tries the next consented, reachable, untried channel in campaign order
///   (no window or cap check; fallback sends do not count toward caps); the message then counts
///   as `fellBack` instead of `sent`.
///
/// ## State
/// Flat and integer-keyed: per (customer, campaign) an 8-byte cell with the running-flow slot,
/// the last exposure time and two flag bits; per customer a 16-byte profile (channels, consent,
/// reachability, zone, archetype, event kinds seen, opt-outs) and one block of cap rings; running
/// flows (32 bytes each) in a pool with a free list, their generation counters in a separate
/// 4-byte array so a cancelled queue entry is recognised without touching the flow; due times
/// in a `DueQueue` (FIFO lanes per fixed duration, per deferral window and zone and for
/// rate-limit holds, plus a heap). All of it lives in `StateBuffer`s: 64-byte aligned, large
/// ones on transparent huge pages where the kernel allows, and written without a copy-on-write
/// check per access; every public mutating method calls `makeUnique()` first, so a copied core
/// is still an independent value. Nothing is allocated per event once the pool and queue have
/// grown to the working set.
///
/// ## Batches
/// A consumer holding several events (a stream poll, the benchmark) should pass them to
/// `handle(batch:into:)`: same results, but the state the next events need is prefetched a few
/// events ahead, which overlaps the cache misses of a million customers' state. (Due messages
/// are prefetched on every path, a few entries ahead in their queue lane.)
public struct TriggerCore: Sendable {
    public let spec: TriggerSpec
    let population: Population
    let zones: TimeZoneTable
    /// The zone table flattened for the send path.
    let zoneOffsets: ZoneOffsets
    /// Per zone, the local day of the latest send there (see `LocalDay`).
    var localDays: StateBuffer<LocalDay>
    let seed: UInt64
    let customerCount: Int
    let campaignCount: Int

    /// Campaigns, steps, filters and branch cases in `StateBuffer`s, not arrays: the hot paths
    /// read single fields through the buffer's address, where an array read copied the whole
    /// record (140 bytes for a campaign) and checked bounds.
    let campaigns: StateBuffer<CompiledCampaign>
    let steps: StateBuffer<CompiledStep>
    let filters: StateBuffer<EventFilter>
    let cases: StateBuffer<CompiledCase>
    /// Per event kind, the campaigns it converts, cancels, resumes and triggers.
    let routes: EventRoutes
    /// Per campaign, the queue lane of its window deferrals for zone 0 (zone `z` uses this + z),
    /// or -1: the next opening of one window in one zone only moves forward as time does, so
    /// deferrals arrive in due order like a step's delay and get a FIFO lane, where the
    /// prefetcher sees them coming. Deferrals to the same window share lanes.
    let deferLanes: ContiguousArray<Int32>
    let deferZones: Int
    /// The lane of rate-limit holds (all are due at the start of a minute), or -1.
    let holdLane: Int32
    /// At most this many deferral lanes (windows × zones); beyond, deferrals use the heap.
    static let maxDeferLanes = 64

    // Per (customer, campaign), index customer * campaignCount + the campaign's cell column
    // (`EventRoutes`: the cells an event reads sit together).
    var cells: StateBuffer<CampaignCell>

    // Per customer.
    /// What the hot path needs about each customer in one 16-byte record (one cache line read
    /// instead of one per population array), plus the event kinds seen and opt-outs.
    var profiles: StateBuffer<CustomerProfile>
    var caps: CapLedger

    // Per campaign.
    var rateMinute: StateBuffer<Int64>
    var rateCount: StateBuffer<Int32>

    var instances: StateBuffer<FlowInstance>
    /// Per instance, bumped on every (re)schedule and release so older queue entries are
    /// recognised as stale. Kept apart from the instances (4 bytes each instead of a 32-byte
    /// record) so the stale check on a popped entry usually hits cache.
    var generations: StateBuffer<UInt32>
    var freeInstances: StateBuffer<UInt32>
    var queue: DueQueue
    /// Sends made during the current public call, handed to the caller's array at its end:
    /// an append here is a bounds check and a store, where `ContiguousArray.append` also
    /// checked uniqueness and capacity out of line (92 instructions a send at a million
    /// customers).
    var outbox: StateBuffer<SendRequest>
    /// Queue entries whose instance moved on (cancelled, rescheduled, resumed); pruning the
    /// queue's top is needed only while there are some.
    var staleEntries = 0
    var nextSerial: UInt64 = 1
    /// Into how many parts the run's customers are split (the population's id stride).
    let partitions: Int32
    /// True once a campaign's rate limit, shared by all customers, held a message here or this
    /// part sent more than its fair share (the limit divided by the parts) in a minute: parts
    /// within their shares send at most the limit together, so nothing is held in the whole run
    /// either; otherwise the merged parts may differ from the whole run.
    public private(set) var sharedLimitMayBind = false

    /// What happened to every message so far (a copy of the running counts).
    public var stats: TriggerStats { counters.stats(layout: statsLayout) }
    /// Campaign names and step rows of `stats`, all counts zero.
    let statsLayout: TriggerStats
    var counters: TriggerCounters

    /// The most zero-time steps (branches) a flow may take in a row before it is ended, a guard
    /// against `goto` loops.
    static let maxInstantSteps = 256

    public init(spec: TriggerSpec, population: Population, zones: TimeZoneTable, seed: UInt64) {
        self.spec = spec
        self.population = population
        self.zones = zones
        zoneOffsets = ZoneOffsets(zones)
        localDays = StateBuffer(repeating: .empty, count: zoneOffsets.zoneCount)
        self.seed = seed
        customerCount = population.count
        campaignCount = spec.campaigns.count
        partitions = Int32(clamping: max(1, population.idStride))
        let compiled = spec.compiled()
        let columns = EventRoutes.columns(of: spec.campaigns)
        var compiledCampaigns = compiled.campaigns
        for index in compiledCampaigns.indices { compiledCampaigns[index].cellColumn = Int32(columns[index]) }
        campaigns = StateBuffer(copying: compiledCampaigns)
        steps = StateBuffer(copying: compiled.steps)
        filters = StateBuffer(copying: compiled.filters)
        cases = StateBuffer(copying: compiled.cases)
        routes = EventRoutes(campaigns: spec.campaigns, columns: columns)
        let cells = customerCount * campaignCount
        self.cells = StateBuffer(repeating: CampaignCell(), count: cells)
        let profiles = StateBuffer(repeating: CustomerProfile(channels: [], consent: [], reachable: [], optedOut: [],
                                                              seenKinds: 0, zone: 0, archetype: 0), count: customerCount)
        for id in 0..<customerCount {
            profiles[id] = CustomerProfile(
                channels: population.channels[id], consent: population.consent[id], reachable: population.reachable[id],
                optedOut: [], seenKinds: 0, zone: population.timeZone[id], archetype: population.archetype[id].rawValue)
        }
        self.profiles = profiles
        caps = CapLedger(caps: spec.frequencyCaps, customers: customerCount, zones: zones)
        rateMinute = StateBuffer(repeating: .min, count: campaignCount)
        rateCount = StateBuffer(repeating: 0, count: campaignCount)
        // Room for one running flow per customer, reserved but not touched: pages are resident
        // only once used, and the pool does not grow by copying (old and new buffer resident at
        // once) while a large run is near its peak.
        instances = StateBuffer(capacity: customerCount)
        generations = StateBuffer(capacity: customerCount)
        freeInstances = StateBuffer(capacity: 1024)
        var windows: [DeliveryWindow] = []
        var deferLanes = ContiguousArray<Int32>(repeating: -1, count: campaignCount)
        let zoneCount = max(1, zones.identifiers.count)
        for (index, campaign) in compiled.campaigns.enumerated() where campaign.hasWindow && campaign.window.outside == .defer {
            let key = windows.firstIndex(of: campaign.window) ?? windows.count
            if key == windows.count { windows.append(campaign.window) }
            deferLanes[index] = Int32(compiled.laneCount + key * zoneCount)
        }
        var laneCount = compiled.laneCount
        if windows.count * zoneCount <= TriggerCore.maxDeferLanes {
            laneCount += windows.count * zoneCount
        } else {
            deferLanes = ContiguousArray(repeating: -1, count: campaignCount)
        }
        self.deferLanes = deferLanes
        deferZones = zoneCount
        holdLane = spec.campaigns.contains { ($0.rateLimitPerMinute ?? 0) > 0 } ? Int32(laneCount) : -1
        if holdLane >= 0 { laneCount += 1 }
        // The lane of messages without a delay stays out of the queue's winner tree (see
        // `DueQueue`): 2.7 M of 11 M pops at a million customers, and half its schedules found
        // it empty.
        let zeroLane = compiled.steps.first { $0.kind != .branch && $0.durationMs == 0 }.map { Int($0.lane) }
        queue = DueQueue(lanes: laneCount, directLane: zeroLane)
        outbox = StateBuffer(capacity: 1024)
        statsLayout = TriggerStats(spec: spec)
        counters = TriggerCounters(layout: statsLayout)
    }

    /// Gives this core state of its own if a copy of it shares the state. The state lives in
    /// `StateBuffer`s, which do not check on each write (see there), so every public mutating
    /// method calls this first; copies of a core are then independent values. All buffers are
    /// copied together, so the cells' uniqueness stands for all of them.
    mutating func makeUnique() {
        guard cells.makeUnique() else { return }
        profiles.makeUnique()
        rateMinute.makeUnique()
        rateCount.makeUnique()
        counters.makeUnique()
        instances.makeUnique()
        generations.makeUnique()
        freeInstances.makeUnique()
        caps.makeUnique()
        queue.makeUnique()
        localDays.makeUnique()
        outbox.makeUnique()
    }

    /// Moves the sends of this call to the caller's array, in the order they were made.
    mutating func flush(into actions: inout ContiguousArray<SendRequest>) {
        guard !outbox.isEmpty else { return }
        actions.append(contentsOf: UnsafeBufferPointer(start: outbox.base, count: outbox.count))
        outbox.removeAll()
    }

    /// The earliest instant a pending message or flow step falls due, if any.
    /// Mutating because it first drops cancelled entries from the queue's top, so the time is
    /// exact; the hot paths skip that and let `fire` discard them as they come up.
    public var nextDueTime: SimTime? {
        mutating get {
            makeUnique()
            pruneStale()
            return queue.nextTime
        }
    }

    /// Messages and flows not yet finished.
    public var runningFlows: Int { instances.count - freeInstances.count }

    /// The customer's last exposure to a campaign: when a message was received or, for the
    /// control group, when it would have been sent (`isControl`). Lift analyses compare later
    /// behaviour of both groups from these instants; nil when there was none.
    public func lastExposure(customer: UInt32, campaign: Int) -> (time: SimTime, isControl: Bool)? {
        guard Int(customer) < customerCount, campaign >= 0, campaign < campaignCount else { return nil }
        let cell = cells[cellIndex(customer: Int(customer), campaign: campaign)]
        guard cell.exposure != 0 else { return nil }
        return (SimTime(unixSeconds: Int64(cell.exposure)), cell.exposureIsControl)
    }

    // MARK: Events

    /// Applies one customer event: conversions, exception events and flow exits, waits that the
    /// event ends, and new entries into campaigns it triggers. Sends due strictly before the
    /// event are fired first, into `actions`.
    public mutating func handle(_ event: CustomerEvent, into actions: inout ContiguousArray<SendRequest>) {
        makeUnique()
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
        let exceptions = Int(route.exceptions), waits = Int(route.waits), triggers = Int(route.triggers), end = Int(route.end)
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
            let campaign = Int(entry.campaign), cell = cellBase &+ Int(entry.column)
            position &+= 1
            if mayEnter(campaign: campaign, cell: cell, time: event.time.milliseconds, firstOfKind: firstOfKind),
               passesFilters(campaign: campaign, cartValue: event.cartValue, stars: event.stars, stage: event.stage, channel: event.channel, properties: event.properties) {
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

    // MARK: Time

    /// Fires every pending message and flow step due at or before `now`, in (due time, sequence)
    /// order. Each one is processed at its own due time, so results do not depend on how
    /// finely the driver advances.
    public mutating func advance(to now: SimTime, into actions: inout ContiguousArray<SendRequest>) {
        makeUnique()
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

    // MARK: Delivery reports

    /// Counts a delivery outcome; a failure falls back to the next consented, reachable channel
    /// not yet tried when the campaign allows it (the message then counts as fell back).
    public mutating func reportDelivery(_ message: MessageID, outcome: DeliveryOutcome, at time: SimTime,
                                        into actions: inout ContiguousArray<SendRequest>) {
        let campaign = Int(message.campaign)
        guard campaign < campaignCount, Int(message.step) < counters.stepCount(campaign: campaign) else { return }
        makeUnique()
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
            let candidates = ChannelSet(rawValue: usable.rawValue & profiles[customer].reachable.rawValue & ~message.tried.rawValue)
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
            actions.append(SendRequest(message: id, channel: next, template: definition.template, discount: definition.discount,
                                       intendedAt: time, time: time, isFallback: true, wasDeferred: false,
                                       routeToAgent: definition.routeToAgent))
        }
    }

    // MARK: Flow mechanics

    /// The checks of entry that read only the campaign and the customer's cell: the time span,
    /// first-time-only, a flow already running and re-eligibility. Inlined into `apply`, because
    /// half the trigger checks stop here (10.7 M of 22 M at a million customers: the customer is
    /// already in the flow or not yet eligible again), and a call only to find that out cost
    /// more than the checks.
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
    /// 4.9 M of the 11.3 M entries that pass `mayEnter` at a million customers, mostly a
    /// session end without a cart, and a call only to find that out cost more than the check.)
    mutating func enter(campaign index: Int, cell: Int, event: CustomerEvent) {
        let time = event.time.milliseconds
        let customer = Int(event.customer)
        guard inAudience(customer: customer, campaign: index) else { return }
        let instance = allocate(FlowInstance(
            customer: event.customer, campaign: UInt16(index), step: 0, phase: .free,
            flags: isControl(customer: customer, campaign: index, share: campaigns[index].controlShare) ? FlowInstance.control : 0,
            journeyChannel: event.channel, stars: event.stars, cartValue: event.cartValue,
            serial: 0, intendedAt: time))
        cells[cell].slot = UInt32(instance &+ 1)
        counters.add(.entered, campaign: index)
        run(instance: instance, campaign: index, at: event.time)
    }

    /// Starts the instance's current step: a message, delay or wait step (nearly all of them)
    /// is scheduled here, inlined into the callers, which know the campaign already; branches
    /// and the end of the flow go to `runSteps`. As a call, this cost about 35 instructions
    /// before the step was even read (register saves, reloads of the core's fields, jump tables
    /// for the branch conditions), 12.3 M times per 10 M events at a million customers.
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
                schedule(instance: index, phase: .delaying, at: time + SimDuration(milliseconds: step.durationMs), lane: step.lane)
                return
            case .wait:
                schedule(instance: index, phase: .waiting, at: time + SimDuration(milliseconds: step.durationMs), lane: step.lane)
                return
            case .branch:
                let instance = instances[index]
                var target = step.onEvent
                for caseIndex in Int(step.caseStart)..<Int(step.caseEnd) {
                    let item = cases[caseIndex]
                    if item.condition.matches(cartValue: instance.cartValue, stars: instance.stars, stage: .idle,
                                              channel: instance.journeyChannel) {
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
               passesFilters(campaign: campaignIndex, cartValue: event.cartValue, stars: event.stars, stage: event.stage, channel: event.channel, properties: event.properties),
               inAudience(customer: customer, campaign: campaignIndex) {
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
            let state: TerminalState = instance.flags & FlowInstance.sentAny == 0 ? .cancelledByException : .skippedFlowExit
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
        let eligible = ChannelSet(rawValue: campaign.pointee.channelMask.rawValue
                                  & (campaign.pointee.requireConsent ? profile.consent : profile.channels).rawValue)
        if eligible.rawValue == 0 { return skip(.suppressedNoReachableChannel, instance: index, at: time) }
        let allowed = ChannelSet(rawValue: eligible.rawValue & ~profile.optedOut.rawValue)
        if allowed.rawValue == 0 { return skip(.suppressedOptedOut, instance: index, at: time) }
        let reachable = profile.reachable
        var first: Channel?
        if campaign.pointee.preferJourneyChannel, allowed.contains(instance.journeyChannel) { first = instance.journeyChannel }
        if first == nil { first = campaign.pointee.firstChannel(in: allowed) }
        guard let firstChoice = first else { return skip(.suppressedNoReachableChannel, instance: index, at: time) }
        var channel = firstChoice
        var fellBack = false
        var tried = ChannelSet(firstChoice)
        if !reachable.contains(firstChoice) {
            guard campaign.pointee.fallback,
                  let found = campaign.pointee.firstChannel(in: ChannelSet(rawValue: allowed.rawValue & reachable.rawValue & ~tried.rawValue))
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
                    schedule(instance: index, phase: .messagePending, at: opening, lane: lanes < 0 || zone >= deferZones ? -1 : lanes &+ Int32(zone))
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
        let checksCaps = !campaign.pointee.overrideCaps, countsTowardCaps = campaign.pointee.countsTowardCaps
        let moment = (checksCaps || countsTowardCaps) && !caps.rules.isEmpty ? capMoment(at: time, zone: zone) : nil
        if checksCaps, let moment, !caps.allows(customer: customer, channel: channel, at: moment, zone: zone, zones: zones) {
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
        outbox.append(SendRequest(
            message: MessageID(serial: instance.serial, customer: instance.customer, campaign: instance.campaign,
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
              time.milliseconds >= Int64(last) &* 1000 &- 999 else { return }
        cells[cell].converted = true
        counters.add(cells[cell].exposureIsControl ? .controlConversions : .treatmentConversions, campaign: index)
    }

    // MARK: Checks

    @inline(__always)
    func passesFilters(campaign index: Int, cartValue: Float, stars: UInt8, stage: Stage, channel: Channel,
                       properties: EventProperties) -> Bool {
        var filter = Int(campaigns[index].filterStart)
        let end = Int(campaigns[index].filterEnd)
        while filter < end {
            if !filters[filter].matches(cartValue: cartValue, stars: stars, stage: stage, channel: channel, properties: properties) { return false }
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
           campaigns[index].channelMask.rawValue & profile.consent.rawValue & ~profile.optedOut.rawValue == 0 { return false }
        return true
    }

    /// Whether the customer is in the campaign's control group: a pure function of (seed,
    /// customer, campaign), so it is the same in every shard and every strategy.
    @inline(__always)
    public func isControl(customer: Int, campaign: Int, share: Double) -> Bool {
        guard share > 0 else { return false }
        // Hash the scenario-wide id so a customer is in the same group in every shard.
        let key = SplitMix64.hash(seed, UInt64(RandomStream.trigger.rawValue) << 32 | UInt64(campaign), population.globalID(customer))
        return Double(key >> 11) * 0x1.0p-53 < share
    }

    func usableChannels(customer: Int, campaign: CompiledCampaign) -> ChannelSet {
        let profile = profiles[customer]
        let base = campaign.requireConsent ? profile.consent : profile.channels
        return ChannelSet(rawValue: campaign.channelMask.rawValue & base.rawValue & ~profile.optedOut.rawValue)
    }

    // MARK: Pool and heap

    // The pool and queue helpers below are inlined: each is called once or twice per event, and
    // as calls their register saves and spills cost about as much as their work (schedule was
    // 19.3 M calls per 10 M events at a million customers).

    /// The customer's cell for the campaign: the customer's row, the campaign's column in it
    /// (`EventRoutes`). `apply` adds the column from its route entries to the row instead.
    @inline(__always)
    func cellIndex(customer: Int, campaign: Int) -> Int {
        cellIndex(customer: customer, column: Int(campaigns.address(campaign).pointee.cellColumn))
    }

    /// `cellIndex(customer:campaign:)` for a caller that has the campaign's column in hand (the
    /// send path: looking it up again there cost 15 instructions per event).
    @inline(__always)
    func cellIndex(customer: Int, column: Int) -> Int {
        customer &* campaignCount &+ column
    }

    @inline(__always)
    mutating func allocate(_ instance: FlowInstance) -> Int {
        if let free = freeInstances.popLast() {
            generations[Int(free)] &+= 1
            instances[Int(free)] = instance
            return Int(free)
        }
        precondition(instances.count < 0x3FFF_FFFF, "more than 2^30 flows running at once")
        instances.append(instance)
        generations.append(0)
        return instances.count - 1
    }

    @inline(__always)
    mutating func release(instance index: Int) {
        let instance = instances[index]
        let cell = cellIndex(customer: Int(instance.customer), campaign: Int(instance.campaign))
        guard instance.phase != .free || cells[cell].slot == UInt32(index &+ 1) else { return }
        cells[cell].slot = 0
        markUnqueued(index)
        instances[index].phase = .free
        generations[index] &+= 1
        freeInstances.append(UInt32(index))
    }

    /// Puts the instance in `phase` until `time`; `lane` is the step's duration lane, or -1 for
    /// times not a fixed duration after now.
    @inline(__always)
    mutating func schedule(instance index: Int, phase: FlowInstance.Phase, at time: SimTime, lane: Int32) {
        markUnqueued(index)
        instances[index].flags |= FlowInstance.queued
        let generation = generations[index] &+ 1
        generations[index] = generation
        instances[index].phase = phase
        if lane >= 0, staleEntries > 0, queue.isFull(lane: Int(lane)), queue.shouldCompact(lane: Int(lane)) { compact(lane: Int(lane)) }
        queue.schedule(DueEntry(instance: UInt32(index), generation: generation), at: time.milliseconds, lane: Int(lane))
    }

    /// Drops a full lane's stale entries before it grows (out of line: rare, and a loop).
    @inline(never)
    mutating func compact(lane: Int) {
        let generations = self.generations.base
        staleEntries &-= queue.compact(lane: lane, isLive: { generations[Int($0.instance)] == $0.generation },
                                       prefetch: { journeysim_prefetch(generations + Int($0.instance)) })
    }

    /// The instance's queued entry, if any, no longer counts.
    @inline(__always)
    mutating func markUnqueued(_ index: Int) {
        if instances[index].flags & FlowInstance.queued != 0 {
            instances[index].flags &= ~FlowInstance.queued
            staleEntries &+= 1
        }
    }

    /// Drops cancelled entries from the top of the queue so `nextDueTime` is exact.
    mutating func pruneStale() {
        guard staleEntries > 0 else { return }
        while let top = queue.peek() {
            if generations[Int(top.payload.instance)] == top.payload.generation { return }
            _ = queue.pop()
            staleEntries &-= 1
        }
    }
}

/// One customer's run through one campaign's flow.
struct FlowInstance: Sendable {
    enum Phase: UInt8, Sendable { case free, delaying, waiting, messagePending }
    static let control: UInt8 = 1
    static let sentAny: UInt8 = 2
    static let deferred: UInt8 = 4
    /// The instance has a live entry in the due queue.
    static let queued: UInt8 = 8

    var customer: UInt32
    var campaign: UInt16
    var step: UInt16
    var phase: Phase
    var flags: UInt8
    var journeyChannel: Channel
    var stars: UInt8
    var cartValue: Float
    /// Serial of the pending message.
    var serial: UInt64
    /// When the pending message was meant to go out (for rate-limit holds and `intendedAt`).
    var intendedAt: Int64
}

/// One customer's attributes as the core reads them, packed into 16 bytes.
struct CustomerProfile: Sendable {
    var channels: ChannelSet
    var consent: ChannelSet
    var reachable: ChannelSet
    var optedOut: ChannelSet
    /// The kinds with first-time triggers the customer has emitted (`EventRoutes.Row.seenBit`).
    var seenKinds: UInt32
    var zone: UInt16
    var archetype: UInt8
    var reserved: UInt8 = 0
}

/// One (customer, campaign) pair: the running flow and the last exposure, in 8 bytes.
struct CampaignCell: Sendable {
    /// Low 30 bits: running flow instance + 1, or 0. Bit 30: the last exposure was a hold-out.
    /// Bit 31: the last exposure has converted.
    var word: UInt32 = 0
    /// Last exposure (message received or held out), whole seconds since the epoch rounded up; 0 = never.
    var exposure: UInt32 = 0

    var slot: UInt32 {
        get { word & 0x3FFF_FFFF }
        set { word = (word & 0xC000_0000) | newValue }
    }

    var exposureIsControl: Bool { word & 0x4000_0000 != 0 }

    var converted: Bool {
        get { word & 0x8000_0000 != 0 }
        set { word = newValue ? word | 0x8000_0000 : word & 0x7FFF_FFFF }
    }

    @inline(__always) mutating func expose(at time: SimTime, control: Bool) {
        exposure = max(1, CapLedger.seconds(time))
        word = (word & 0x3FFF_FFFF) | (control ? 0x4000_0000 : 0)
    }
}

struct DueEntry: Sendable {
    var instance: UInt32
    var generation: UInt32
}

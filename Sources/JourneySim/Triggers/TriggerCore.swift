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
    /// checked uniqueness and capacity out of line, a call on every send.
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
    public internal(set) var sharedLimitMayBind = false

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
        let profiles = StateBuffer(
            repeating: CustomerProfile(
                channels: [], consent: [], reachable: [], optedOut: [],
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
        for (index, campaign) in compiled.campaigns.enumerated()
        where campaign.hasWindow && campaign.window.outside == .defer {
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
        // `DueQueue`): it gives many of the pops, and its schedules often find it empty.
        let zeroLane = compiled.steps.first { $0.kind != .branch && $0.durationMs == 0 }.map { Int($0.lane) }
        queue = DueQueue(lanes: laneCount, directLane: zeroLane)
        outbox = StateBuffer(capacity: 1024)
        statsLayout = TriggerStats(spec: spec)
        counters = TriggerCounters(layout: statsLayout)
    }

    /// Gives this core state of its own if a copy of it shares the state. The state lives in
    /// `StateBuffer`s, which do not check on each write (see there), so every public mutating
    /// method calls this first; copies of a core are then independent values. All buffers are
    /// copied together, so the cells' uniqueness stands for all of them. The simulator calls it
    /// once when a run starts and then the `…Unchecked` variants, which skip the check.
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
            return nextDueTimeUnchecked
        }
    }

    /// Whether anything pending, cancelled entries included, falls due before `limit`: read
    /// from the queue's root key, with no entry read. False means `nextDueTime` is `limit` or
    /// later (dropping cancelled entries only moves it later), so the loop can skip asking.
    @inline(__always) func mayFallDue(before limit: SimTime) -> Bool {
        queue.nextDue < limit.milliseconds
    }

    /// `nextDueTime` for a caller that made the core's state its own (see `handleUnchecked`).
    var nextDueTimeUnchecked: SimTime? {
        @inline(__always) mutating get {
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
}

import JourneySimPrefetch

/// Batch intake with software prefetching.
///
/// With a million customers the core's state (cells, profiles, cap rings, flow pool) is far
/// larger than the caches: each due message reads its flow instance, then the customer's
/// profile, cap rings and campaign cell, one miss after another (without the near stage below,
/// the 1 M-customer benchmark ran at 2.4 M instead of 3.1 M events/s). A stream consumer that
/// has a batch of events in hand knows what comes next: the customers of the next few events,
/// and the lane entries falling due before them. Touching those cache lines a few events early
/// lets the misses overlap.
/// Prefetching is only a hint, so results are identical to calling `handle(_:into:)` per event.
///
/// The helpers are `@inline(__always)`: called out of line from a mutating method, a
/// non-mutating one made the optimiser copy the whole core (448 bytes) for each call.
extension TriggerCore {
    /// Events between prefetching a customer's state and handling the event; lane entries due
    /// before the event this far ahead get their flow instance fetched, those due before the
    /// event half as far ahead the customer state the instance points to.
    static let prefetchDistance = 8

    /// Handles time-ordered events exactly as `handle(_:into:)` one by one would, prefetching
    /// the state that the next few events and due messages will touch.
    public mutating func handle<Events: RandomAccessCollection>(batch events: Events, into actions: inout ContiguousArray<SendRequest>)
    where Events.Element == CustomerEvent, Events.Index == Int {
        let end = events.endIndex
        guard end > events.startIndex else { return }
        let last = end &- 1
        let distance = TriggerCore.prefetchDistance
        makeUnique()
        var index = events.startIndex
        while index < end {
            let far = index &+ distance
            let near = index &+ distance / 2
            if far < end { prefetchCustomer(of: events[far]) }
            if near < end { prefetchFlows(of: events[near]) }
            // Every fourth event, three events further: the scan of every lane costs a quarter
            // as much, and a due entry is still fetched 4 to 7 events (near) or 8 to 11 (far)
            // before it falls due. (A million customers, medians of 8 runs alternating with the
            // build before: every event 3.57 M events/s against every other 3.76 M; later, on a
            // noisier machine, every other 3.58 M against every fourth 3.72 M.)
            if (index &- events.startIndex) & 3 == 0 {
                prefetchDue(near: events[min(near &+ 3, last)].time.milliseconds, far: events[min(far &+ 3, last)].time.milliseconds)
            }
            apply(events[index])
            index &+= 1
        }
        flush(into: &actions)
    }

    /// The customer's profile and the cells of the campaigns the event's kind concerns.
    @inline(__always)
    func prefetchCustomer(of event: CustomerEvent) {
        let customer = Int(event.customer)
        guard customer < customerCount else { return }
        journeysim_prefetch(profiles.address(customer))
        let row = cells.address(customer &* campaignCount)
        // The lines between the first and last cell the kind concerns (usually one or two).
        let span = cellSpans[Int(event.kind.rawValue)]
        guard span.low <= span.high else { return }
        var line = Int(bitPattern: UnsafeRawPointer(row + Int(span.low))) & ~63
        let last = Int(bitPattern: UnsafeRawPointer(row + Int(span.high)))
        while line <= last {
            journeysim_prefetch(UnsafeRawPointer(bitPattern: line))
            line &+= 64
        }
    }

    /// The flow instances the event's exceptions and waits will read (their cells were
    /// prefetched a few events earlier).
    @inline(__always)
    func prefetchFlows(of event: CustomerEvent) {
        let customer = Int(event.customer)
        guard customer < customerCount else { return }
        let base = customer &* campaignCount
        let kind = event.kind
        for position in exceptionIndex.range(kind) {
            let slot = Int(cells[base &+ Int(exceptionIndex.campaigns[position])].slot)
            if slot != 0 { prefetchInstance(slot &- 1) }
        }
        for position in waitIndex.range(kind) {
            let slot = Int(cells[base &+ Int(waitIndex.campaigns[position])].slot)
            if slot != 0 { prefetchInstance(slot &- 1) }
        }
    }

    /// For each lane: flow instances of entries due before `far`, and the customer state of
    /// live entries due before `near`. Each entry is visited once per stage. Delays and wait
    /// timeouts are included, not only pending messages: most of them lead straight to a
    /// message step, which is then sent at the same instant (a tenth more throughput at a
    /// million customers when they were included).
    mutating func prefetchDue(near: Int64, far: Int64) {
        let laneCount = queue.lanes.count
        var lane = 0
        while lane < laneCount {
            if queue.farPending[lane] < far || queue.nearPending[lane] < near { prefetchLane(lane, near: near, far: far) }
            lane &+= 1
        }
    }

    /// The lane is read once into a local copy and walked by ring slot: through
    /// `queue.lanes[lane].entry(logical:)` each step reloaded the lane's fields and recomputed
    /// the slot (74 instructions per event at a million customers).
    mutating func prefetchLane(_ lane: Int, near: Int64, far: Int64) {
        let state = queue.lanes[lane]
        let ring = state.ring
        // Far stage: the flow instance and generation of every entry due before `far`.
        var offset = max(state.prefetchedFar, state.popped) &- state.popped
        var slot = state.slot(offset)
        while offset < state.count, ring[slot].due < far {
            // No staleness check here: reading the generation would itself miss the cache and
            // stall (profiled at 40% of this function); fetch both instead.
            let instance = Int(ring[slot].payload.instance)
            prefetchInstance(instance)
            if instance < generations.count { journeysim_prefetch(generations.address(instance)) }
            offset &+= 1
            slot = slot &+ 1 == state.size ? 0 : slot &+ 1
        }
        let cursor = offset
        queue.lanes[lane].prefetchedFar = state.popped &+ offset
        queue.farPending[lane] = offset < state.count ? ring[slot].due : .max
        // The lane's own entries a few places on: written long ago and read only a few at a
        // time, so the hardware prefetcher does not keep up with a dozen such slow streams.
        // Every line up to 16 entries past the cursor, each once (an entry is 24 bytes, so a
        // step of two entries touches every 64-byte line).
        var ahead = max(state.prefetchedRing &- state.popped, cursor)
        let horizon = cursor &+ 16
        while ahead < horizon {
            if ahead < state.count { journeysim_prefetch(ring + state.slot(ahead)) }
            ahead &+= 2
        }
        queue.lanes[lane].prefetchedRing = state.popped &+ ahead
        // Near stage: the customer state of live entries due before `near`.
        offset = max(state.prefetchedNear, state.popped) &- state.popped
        slot = state.slot(offset)
        while offset < state.count, ring[slot].due < near {
            let index = Int(ring[slot].payload.instance)
            if generations[index] == ring[slot].payload.generation, instances[index].phase != .free {
                prefetchSendState(customer: Int(instances[index].customer), campaign: Int(instances[index].campaign))
            }
            offset &+= 1
            slot = slot &+ 1 == state.size ? 0 : slot &+ 1
        }
        queue.lanes[lane].prefetchedNear = state.popped &+ offset
        queue.nearPending[lane] = offset < state.count ? ring[slot].due : .max
    }

    /// What `fireMessage` reads for a customer: profile, campaign cell and cap rings.
    @inline(__always)
    func prefetchSendState(customer: Int, campaign: Int) {
        guard customer < customerCount else { return }
        journeysim_prefetch(profiles.address(customer))
        journeysim_prefetch(cells.address(customer &* campaignCount &+ campaign))
        let size = caps.bytesPerCustomer
        if size > 0 {
            let block = caps.bytes.address(customer &* size)
            journeysim_prefetch(block)
            journeysim_prefetch(block + (size &- 1))
        }
    }

    /// A flow instance's line: instances are 32 bytes in 64-byte aligned storage, so never two.
    @inline(__always)
    func prefetchInstance(_ index: Int) {
        guard index < instances.count else { return }
        journeysim_prefetch(instances.address(index))
    }
}

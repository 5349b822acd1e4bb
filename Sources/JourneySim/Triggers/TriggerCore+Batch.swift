import JourneySimPrefetch

/// Software prefetching: batch intake, and due entries a few places ahead in their lane.
///
/// With a million customers the core's state (cells, profiles, cap rings, flow pool) is far
/// larger than the caches: each event reads its customer's profile and campaign cells, each due
/// message its flow instance, then the customer's profile, cap rings and campaign cell, one
/// miss after another. Two things tell the core early what it will touch:
/// - A stream consumer that has a batch of events in hand knows the customers of the next few
///   events (`handle(batch:into:)`).
/// - A due-queue lane is a FIFO in due order, so when `fire` takes an entry from a lane, the
///   entries behind it in that lane are the next ones that lane gives (`prefetchAhead`).
/// Touching those cache lines a few steps early lets the misses overlap. Prefetching is only a
/// hint, so results are identical to calling `handle(_:into:)` per event.
///
/// The helpers are `@inline(__always)`: called out of line from a mutating method, a
/// non-mutating one made the optimiser copy the whole core (448 bytes) for each call.
extension TriggerCore {
    /// Events between prefetching a customer's state and handling the event (the flow
    /// instances the event's exceptions and waits read: half as far). 8 was best while due
    /// entries were prefetched by the same distance in events; since they are prefetched behind
    /// each lane pop, an event takes less time and 6 is (it beat 8, 5 and 4 in alternating runs
    /// at a million customers).
    static let prefetchDistance = 6
    /// When `fire` takes an entry from a lane: the entry this many places behind it gets its flow
    /// instance and generation counter fetched, ...
    static let laneInstanceAhead = 6
    /// ... the one this many places behind, now that its instance has been fetched, the
    /// customer state the instance points to, ... ((6, 3) beat (4, 2) in alternating runs;
    /// (8, 4) was no better.)
    static let laneSendStateAhead = 3
    /// ... and the lane's own ring this many entries on (entries are written long ago and read
    /// a few at a time, so the hardware prefetcher does not keep up with a dozen such streams).
    static let laneRingAhead = 8

    /// Handles time-ordered events exactly as `handle(_:into:)` one by one would, prefetching
    /// the state that the next few events will touch.
    public mutating func handle<Events: RandomAccessCollection>(
        batch events: Events, into actions: inout ContiguousArray<SendRequest>
    )
    where Events.Element == CustomerEvent, Events.Index == Int {
        let end = events.endIndex
        guard end > events.startIndex else { return }
        let distance = TriggerCore.prefetchDistance
        makeUnique()
        var index = events.startIndex
        while index < end {
            let far = index &+ distance
            let near = index &+ distance / 2
            if far < end { prefetchCustomer(of: events[far]) }
            if near < end { prefetchFlows(of: events[near]) }
            apply(events[index])
            index &+= 1
        }
        flush(into: &actions)
    }

    /// The customer's profile, which every event and send of theirs reads first, and the first
    /// line of their campaign cells (for the simulator's loop, which knows its next event's
    /// customer ahead but not yet the kind of event it will emit).
    @inline(__always)
    func prefetchProfile(customer: Int) {
        guard customer < customerCount else { return }
        journeysim_prefetch(profiles.address(customer))
        if campaignCount > 0 { journeysim_prefetch(cells.address(customer &* campaignCount)) }
    }

    /// The customer's profile and the cells of the campaigns the event's kind concerns.
    @inline(__always)
    func prefetchCustomer(of event: CustomerEvent) {
        let customer = Int(event.customer)
        guard customer < customerCount else { return }
        journeysim_prefetch(profiles.address(customer))
        let row = cells.address(customer &* campaignCount)
        // The lines holding a cell the kind concerns (see `EventRoutes.lineMasks`).
        let address = Int(bitPattern: UnsafeRawPointer(row))
        var lines = routes.lineMasks[Int(event.kind.rawValue) &* 8 &+ (address & 63) >> 3]
        if lines != 0 {
            let first = address & ~63
            repeat {
                journeysim_prefetch(UnsafeRawPointer(bitPattern: first &+ lines.trailingZeroBitCount &* 64))
                lines &= lines &- 1
            } while lines != 0
            return
        }
        // No mask: the kind reads no cell (then low > high), or rows are longer than 64 lines;
        // then the lines between the first and last cell the kind reads.
        let route = routes.rows.address(Int(event.kind.rawValue))
        let low = Int(route.pointee.cellLow)
        let high = Int(route.pointee.cellHigh)
        guard low <= high else { return }
        var line = Int(bitPattern: UnsafeRawPointer(row + low)) & ~63
        let last = Int(bitPattern: UnsafeRawPointer(row + high))
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
        let route = routes.rows.address(Int(event.kind.rawValue))
        // Exceptions and waits are one run of the list.
        var position = Int(route.pointee.exceptions)
        let end = Int(route.pointee.triggers)
        while position < end {
            let slot = Int(cells[base &+ Int(routes.entries[position].column)].slot)
            if slot != 0 { prefetchInstance(slot &- 1) }
            position &+= 1
        }
    }

    /// Called by `fire` after it took an entry from `lane`: prefetches for the entries behind
    /// it (see `laneInstanceAhead`). By entries, not by due time: a lane that gives an entry
    /// every few events (most of them) reaches its next ones soon enough that nothing fetched
    /// has left the caches, and one whose entries fall due together (window openings) is
    /// fetched just ahead of its pops. This replaced a scan of every lane every fourth event
    /// for entries due before the event eight ahead (two stages, as here), which cost more
    /// instructions per event and gave fewer events per second.
    @inline(__always)
    func prefetchAhead(lane: Int) {
        let state = queue.lanes.address(lane)
        let count = state.pointee.count
        if count > TriggerCore.laneInstanceAhead {
            let instance = Int(state.pointee.ring[state.pointee.slot(TriggerCore.laneInstanceAhead)].payload.instance)
            prefetchInstance(instance)
            if instance < generations.count { journeysim_prefetch(generations.address(instance)) }
        }
        if count > TriggerCore.laneRingAhead {
            journeysim_prefetch(state.pointee.ring + state.pointee.slot(TriggerCore.laneRingAhead))
        }
        if count > TriggerCore.laneSendStateAhead {
            // Live or not: compaction keeps cancelled entries few, and the instance of one names
            // a customer all the same (an earlier one, or the next user of the slot).
            let index = Int(state.pointee.ring[state.pointee.slot(TriggerCore.laneSendStateAhead)].payload.instance)
            prefetchSendState(customer: Int(instances[index].customer), campaign: Int(instances[index].campaign))
        }
    }

    /// What `fireMessage` reads for a customer: profile, campaign cell and cap rings.
    @inline(__always)
    func prefetchSendState(customer: Int, campaign: Int) {
        guard customer < customerCount else { return }
        journeysim_prefetch(profiles.address(customer))
        journeysim_prefetch(cells.address(cellIndex(customer: customer, campaign: campaign)))
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

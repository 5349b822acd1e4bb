import JourneySimPrefetch

/// The flow-instance pool, the customer cells and the due queue's helpers, and the records they hold.
extension TriggerCore {
    // MARK: Pool and heap

    // The pool and queue helpers below are inlined: each is called once or twice per event, and
    // as calls their register saves and spills cost about as much as their work (schedule is the
    // most frequent of them).

    /// The customer's cell for the campaign: the customer's row, the campaign's column in it
    /// (`EventRoutes`). `apply` adds the column from its route entries to the row instead.
    @inline(__always)
    func cellIndex(customer: Int, campaign: Int) -> Int {
        cellIndex(customer: customer, column: Int(campaigns.address(campaign).pointee.cellColumn))
    }

    /// `cellIndex(customer:campaign:)` for a caller that has the campaign's column in hand (the
    /// send path, which would otherwise read the campaign again for it).
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
        if lane >= 0, staleEntries > 0, queue.isFull(lane: Int(lane)), queue.shouldCompact(lane: Int(lane)) {
            compact(lane: Int(lane))
        }
        queue.schedule(
            DueEntry(instance: UInt32(index), generation: generation), at: time.milliseconds, lane: Int(lane))
    }

    /// Drops a full lane's stale entries before it grows (out of line: rare, and a loop).
    @inline(never)
    mutating func compact(lane: Int) {
        let generations = self.generations.base
        staleEntries &-= queue.compact(
            lane: lane, isLive: { generations[Int($0.instance)] == $0.generation },
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

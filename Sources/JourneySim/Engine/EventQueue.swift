/// The pending-event set of the discrete-event loop, ordered by (time, scheduling order).
///
/// Adaptive, because no single structure is fastest at every size: while few events are
/// pending, a 4-ary heap of packed keys (`QuaternaryEventHeap`) fits in the cache and costs a few
/// well-predicted comparisons per event; once the pending set outgrows the cache, a radix heap
/// (`RadixEventHeap`) files events with sequential appends instead of cache-missing sifts. The
/// queue moves its events to the radix heap when more than `radixThreshold` are pending, and
/// back when the radix heap drains below `heapThreshold` (the gap keeps a pending count that
/// hovers near one threshold from moving everything back and forth).
///
/// Both structures hand out events due at the same millisecond in the order they were scheduled,
/// and a move keeps that order, so a run never depends on the queue's layout and is
/// reproducible byte for byte. Events may be scheduled before the time last taken out (never done
/// by the simulator, but allowed); they still come out in exact order.
///
/// Generic over the payload so the loop's concrete event type is specialised in, with no
/// existential or allocation per event once the buffers have grown to the working set.
public struct EventQueue<Payload>: Sendable where Payload: Sendable {
    public struct Entry: Sendable {
        public var time: SimTime
        public var payload: Payload

        @inlinable init(time: SimTime, payload: Payload) {
            self.time = time
            self.payload = payload
        }
    }

    /// Pending events above which the radix heap takes over. In the hold benchmark the 4-ary heap
    /// is ahead while its pending events fit in the cache and falls behind once they outgrow it;
    /// in a simulation the customers' state competes for the cache, so the switch comes earlier.
    @inlinable static var radixThreshold: Int { 65_536 }
    /// Pending events below which the 4-ary heap takes over again.
    @inlinable static var heapThreshold: Int { 16_384 }

    @usableFromInline var heap = QuaternaryEventHeap<Payload>()
    @usableFromInline var radix = RadixEventHeap<Payload>()
    @usableFromInline var usesRadix = false
    /// Events scheduled since the queue was made (for the conservation check: scheduled =
    /// processed + pending).
    @usableFromInline var scheduledEvents: UInt64 = 0
    public var scheduledCount: UInt64 { scheduledEvents }

    /// Nothing is reserved up front: the buffers grow to the working set.
    public init() {}

    @inlinable public var count: Int { usesRadix ? radix.count : heap.count }
    @inlinable public var isEmpty: Bool { count == 0 }

    /// Bytes held by the queue's buffers (capacities, not counts).
    public var allocatedBytes: Int { heap.allocatedBytes + radix.allocatedBytes }

    /// Reserves room for `count` pending events. A large run's queue otherwise grows by copying,
    /// and while it copies the old and the new buffer are both resident, which was what set the
    /// peak memory of a run. Room that is reserved but never filled costs address space only.
    public mutating func reserveCapacity(_ count: Int) {
        if count > Self.radixThreshold { radix.reserveCapacity(count) } else { heap.reserveCapacity(count) }
    }

    /// The time of the earliest pending event, if any.
    @inlinable public var nextTime: SimTime? {
        mutating get {
            if usesRadix { return radix.nextTime }
            return heap.count > 0 ? heap.minimumTime : nil
        }
    }

    /// The payload of the next event to come out, for prefetching the state it will touch while
    /// the current one is processed; nil while the 4-ary heap holds the events: so few pending
    /// events belong to a population whose state mostly fits in the cache, where a prefetch costs
    /// more instructions than it saves stalls. Asking changes nothing that comes out, or when.
    @inlinable public mutating func nextPayloadToPrefetch() -> Payload? {
        usesRadix ? radix.peek()?.payload : nil
    }

    /// Schedules `payload` at `time`; events at equal times come out in scheduling order.
    @inlinable public mutating func schedule(_ payload: Payload, at time: SimTime) {
        scheduledEvents &+= 1
        if !usesRadix {
            if heap.count < Self.radixThreshold, heap.schedule(payload, at: time) { return }
            moveToRadix(before: time)
        }
        radix.schedule(payload, at: time)
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Entry? {
        if !usesRadix { return heap.count > 0 ? heap.popMinimum() : nil }
        let entry = radix.pop()
        if radix.count == Self.heapThreshold { moveToHeap() }
        return entry
    }

    /// Moves every pending event to the radix heap, which then files from the earliest of them
    /// and `time` (the event about to be scheduled) on.
    @usableFromInline mutating func moveToRadix(before time: SimTime) {
        let entries = heap.drain()
        radix.restart(at: Swift.min(entries.first?.time ?? time, time))
        for entry in entries { radix.schedule(entry.payload, at: entry.time) }
        usesRadix = true
    }

    /// Moves the pending events back to the 4-ary heap when their times fit in its keys; when
    /// they do not, they stay in the radix heap until the count next falls to the threshold.
    @usableFromInline mutating func moveToHeap() {
        var entries = ContiguousArray<Entry>()
        entries.reserveCapacity(radix.count)
        while let entry = radix.pop() { entries.append(entry) }
        guard let first = entries.first, let last = entries.last else { return }
        let (span, overflow) = last.time.milliseconds.subtractingReportingOverflow(first.time.milliseconds)
        if overflow || span >= QuaternaryEventHeap<Payload>.timeSpan {
            radix.restart(at: first.time)
            for entry in entries { radix.schedule(entry.payload, at: entry.time) }
            return
        }
        heap.fill(sorted: entries)
        usesRadix = false
    }
}

/// The pending-event set of `EventQueue` while it is small: a 4-ary min-heap of packed 64-bit
/// keys, `(time − base) << 24 | sequence`, with the payloads in a parallel array.
///
/// Why this shape: with a few thousand events pending, the whole heap sits in the L1/L2 cache
/// and the cost of a binary heap is its branch mispredictions, two per level. One integer key
/// orders by (time, scheduling order) in a single comparison, a node's four children share one
/// 32-byte run of keys and the smallest of them is picked with conditional moves, so taking out
/// an event walks about log₄ n levels with one well-predicted branch each. The radix heap does
/// better only once the pending set no longer fits in the cache.
///
/// Keys hold the time in milliseconds since `base` in 40 bits (about 34 years) and a 24-bit
/// scheduling sequence. When the sequence runs out, the pending keys are sorted (a sorted array
/// is a heap) and renumbered from 0 in that order, which keeps the order exact. A time that does
/// not fit after moving `base` is refused, and `EventQueue` moves everything to its radix heap.
@usableFromInline struct QuaternaryEventHeap<Payload>: Sendable where Payload: Sendable {
    @usableFromInline typealias Entry = EventQueue<Payload>.Entry

    @usableFromInline static var sequenceBits: UInt64 { 24 }
    @usableFromInline static var sequenceLimit: UInt64 { 1 << sequenceBits }
    /// Times are kept as offsets in `0..<timeSpan` milliseconds from `base`.
    @usableFromInline static var timeSpan: Int64 { 1 << (64 - 24) }

    @usableFromInline var keys: ContiguousArray<UInt64> = []
    @usableFromInline var payloads: ContiguousArray<Payload> = []
    /// The time, in milliseconds, of key 0.
    @usableFromInline var base: Int64 = 0
    @usableFromInline var nextSequence: UInt64 = 0

    @usableFromInline init() {}

    @inlinable var count: Int { keys.count }

    @usableFromInline var allocatedBytes: Int {
        keys.capacity * MemoryLayout<UInt64>.stride + payloads.capacity * MemoryLayout<Payload>.stride
    }

    @usableFromInline mutating func reserveCapacity(_ count: Int) {
        keys.reserveCapacity(count)
        payloads.reserveCapacity(count)
    }

    @inlinable func time(ofKey key: UInt64) -> SimTime {
        SimTime(milliseconds: base &+ Int64(bitPattern: key >> Self.sequenceBits))
    }

    /// The earliest pending time (the heap must not be empty).
    @inlinable var minimumTime: SimTime { time(ofKey: keys[0]) }

    /// Adds `payload` at `time`, or returns false (and changes nothing) when `time` cannot be
    /// keyed together with the pending events.
    @inlinable mutating func schedule(_ payload: Payload, at time: SimTime) -> Bool {
        if keys.isEmpty { base = time.milliseconds }
        let (offset, overflow) = time.milliseconds.subtractingReportingOverflow(base)
        if overflow || offset < 0 || offset >= Self.timeSpan || nextSequence == Self.sequenceLimit {
            return scheduleSlowly(payload, at: time)
        }
        push(key: UInt64(offset) << Self.sequenceBits | nextSequence, payload: payload)
        nextSequence &+= 1
        return true
    }

    @inlinable mutating func push(key: UInt64, payload: Payload) {
        keys.append(key)
        payloads.append(payload)
        keys.withUnsafeMutableBufferPointer { keys in
            payloads.withUnsafeMutableBufferPointer { payloads in
                var child = keys.count &- 1
                while child > 0 {
                    let parent = (child &- 1) >> 2
                    let parentKey = keys[parent]
                    if parentKey < key { break }
                    keys[child] = parentKey
                    payloads[child] = payloads[parent]
                    child = parent
                }
                keys[child] = key
                payloads[child] = payload
            }
        }
    }

    /// Removes and returns the earliest event (the heap must not be empty).
    @inlinable mutating func popMinimum() -> Entry {
        let topKey = keys[0]
        let entry = Entry(time: time(ofKey: topKey), payload: payloads[0])
        let lastKey = keys.removeLast()
        let lastPayload = payloads.removeLast()
        let count = keys.count
        guard count > 0 else { return entry }
        keys.withUnsafeMutableBufferPointer { keys in
            payloads.withUnsafeMutableBufferPointer { payloads in
                var hole = 0
                while true {
                    let first = hole &* 4 &+ 1
                    if first >= count { break }
                    var best = first
                    var bestKey = keys[first]
                    if first &+ 3 < count {
                        // The smallest of four without branches: two pairs, then their winners.
                        let key1 = keys[first &+ 1], key2 = keys[first &+ 2], key3 = keys[first &+ 3]
                        let low = key1 < bestKey ? key1 : bestKey
                        let lowIndex = key1 < bestKey ? first &+ 1 : first
                        let high = key3 < key2 ? key3 : key2
                        let highIndex = key3 < key2 ? first &+ 3 : first &+ 2
                        bestKey = high < low ? high : low
                        best = high < low ? highIndex : lowIndex
                    } else {
                        var child = first &+ 1
                        while child < count {
                            if keys[child] < bestKey { bestKey = keys[child]; best = child }
                            child &+= 1
                        }
                    }
                    if lastKey < bestKey { break }
                    keys[hole] = bestKey
                    payloads[hole] = payloads[best]
                    hole = best
                }
                keys[hole] = lastKey
                payloads[hole] = lastPayload
            }
        }
        return entry
    }

    /// `schedule` when the sequence has run out or `time` is outside the keyed span: renumbers
    /// and re-bases the pending events, then schedules, or refuses when the span is too wide.
    @usableFromInline mutating func scheduleSlowly(_ payload: Payload, at time: SimTime) -> Bool {
        var lowest = time.milliseconds, highest = time.milliseconds
        for key in keys {
            let pending = self.time(ofKey: key).milliseconds
            lowest = Swift.min(lowest, pending)
            highest = Swift.max(highest, pending)
        }
        let (span, overflow) = highest.subtractingReportingOverflow(lowest)
        guard !overflow, span < Self.timeSpan, keys.count < Self.sequenceLimit - 1 else { return false }
        // Sorted by key is (time, sequence) order, and a sorted array is a valid heap.
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        var sortedKeys = ContiguousArray<UInt64>()
        var sortedPayloads = ContiguousArray<Payload>()
        sortedKeys.reserveCapacity(Swift.max(keys.capacity, keys.count + 1))
        sortedPayloads.reserveCapacity(Swift.max(payloads.capacity, keys.count + 1))
        for (rank, index) in order.enumerated() {
            let offset = self.time(ofKey: keys[index]).milliseconds &- lowest
            sortedKeys.append(UInt64(offset) << Self.sequenceBits | UInt64(rank))
            sortedPayloads.append(payloads[index])
        }
        keys = sortedKeys
        payloads = sortedPayloads
        base = lowest
        nextSequence = UInt64(keys.count)
        return schedule(payload, at: time)
    }

    /// Removes every event, earliest first (for moving them to the radix heap).
    @usableFromInline mutating func drain() -> ContiguousArray<Entry> {
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        let entries = ContiguousArray(order.map { Entry(time: time(ofKey: keys[$0]), payload: payloads[$0]) })
        keys.removeAll(keepingCapacity: true)
        payloads.removeAll(keepingCapacity: true)
        nextSequence = 0
        return entries
    }

    /// Fills an empty heap with `entries`, which must be in (time, scheduling) order and span
    /// less than `timeSpan`.
    @usableFromInline mutating func fill(sorted entries: ContiguousArray<Entry>) {
        precondition(keys.isEmpty, "fill needs an empty heap")
        guard let first = entries.first else { return }
        base = first.time.milliseconds
        for (rank, entry) in entries.enumerated() {
            keys.append(UInt64(entry.time.milliseconds &- base) << Self.sequenceBits | UInt64(rank))
            payloads.append(entry.payload)
        }
        nextSequence = UInt64(entries.count)
    }
}

/// The pending-event set of `EventQueue` while it is small: a 4-ary min-heap of nodes that pair
/// a packed 64-bit key, `(time − base) << 24 | sequence`, with the payload.
///
/// Why this shape: with up to tens of thousands of events pending, the heap sits in the cache
/// and the cost of a binary heap is its branch mispredictions, two per level. One integer key
/// orders by (time, scheduling order) in a single comparison, and the smallest of a node's four
/// children is picked with conditional moves, so taking out an event walks about log₄ n levels
/// with one well-predicted branch each. Key and payload side by side (16 bytes for `SimEvent`)
/// touch one or two cache lines per level where parallel key and payload arrays touched two or
/// three (more events per second in the hold benchmark at the sizes this heap serves).
/// The radix heap does better only once the pending set no longer fits in the cache.
///
/// Keys hold the time in milliseconds since `base` in 40 bits (about 34 years) and a 24-bit
/// scheduling sequence. When the sequence runs out, the nodes are sorted (a sorted array is a
/// heap) and renumbered from 0 in that order, which keeps the order exact. A time that does not
/// fit after moving `base` is refused, and `EventQueue` moves everything to its radix heap.
@usableFromInline struct QuaternaryEventHeap<Payload>: Sendable where Payload: Sendable {
    @usableFromInline typealias Entry = EventQueue<Payload>.Entry

    @usableFromInline static var sequenceBits: UInt64 { 24 }
    @usableFromInline static var sequenceLimit: UInt64 { 1 << sequenceBits }
    /// Times are kept as offsets in `0..<timeSpan` milliseconds from `base`.
    @usableFromInline static var timeSpan: Int64 { 1 << (64 - 24) }

    @usableFromInline struct Node: Sendable {
        @usableFromInline var key: UInt64
        @usableFromInline var payload: Payload

        @inlinable init(key: UInt64, payload: Payload) {
            self.key = key
            self.payload = payload
        }
    }

    @usableFromInline var nodes: ContiguousArray<Node> = []
    /// The time, in milliseconds, of key 0.
    @usableFromInline var base: Int64 = 0
    @usableFromInline var nextSequence: UInt64 = 0

    @usableFromInline init() {}

    @inlinable var count: Int { nodes.count }

    @usableFromInline var allocatedBytes: Int {
        nodes.capacity * MemoryLayout<Node>.stride
    }

    @usableFromInline mutating func reserveCapacity(_ count: Int) {
        nodes.reserveCapacity(count)
    }

    @inlinable func time(ofKey key: UInt64) -> SimTime {
        SimTime(milliseconds: base &+ Int64(bitPattern: key >> Self.sequenceBits))
    }

    /// The earliest pending time (the heap must not be empty).
    @inlinable var minimumTime: SimTime { time(ofKey: nodes[0].key) }

    /// Adds `payload` at `time`, or returns false (and changes nothing) when `time` cannot be
    /// keyed together with the pending events.
    @inlinable mutating func schedule(_ payload: Payload, at time: SimTime) -> Bool {
        if nodes.isEmpty { base = time.milliseconds }
        let (offset, overflow) = time.milliseconds.subtractingReportingOverflow(base)
        if overflow || offset < 0 || offset >= Self.timeSpan || nextSequence == Self.sequenceLimit {
            return scheduleSlowly(payload, at: time)
        }
        push(key: UInt64(offset) << Self.sequenceBits | nextSequence, payload: payload)
        nextSequence &+= 1
        return true
    }

    @inlinable mutating func push(key: UInt64, payload: Payload) {
        nodes.append(Node(key: key, payload: payload))
        nodes.withUnsafeMutableBufferPointer { nodes in
            var child = nodes.count &- 1
            while child > 0 {
                let parent = (child &- 1) >> 2
                if nodes[parent].key < key { break }
                nodes[child] = nodes[parent]
                child = parent
            }
            nodes[child] = Node(key: key, payload: payload)
        }
    }

    @inlinable mutating func popMinimum() -> Entry {
        let top = nodes[0]
        let entry = Entry(time: time(ofKey: top.key), payload: top.payload)
        let last = nodes.removeLast()
        let count = nodes.count
        guard count > 0 else { return entry }
        nodes.withUnsafeMutableBufferPointer { nodes in
            var hole = 0
            while true {
                let first = hole &* 4 &+ 1
                if first >= count { break }
                var best = first
                var bestKey = nodes[first].key
                if first &+ 3 < count {
                    // The smallest of four without branches: two pairs, then their winners.
                    let key1 = nodes[first &+ 1].key
                    let key2 = nodes[first &+ 2].key
                    let key3 = nodes[first &+ 3].key
                    let low = key1 < bestKey ? key1 : bestKey
                    let lowIndex = key1 < bestKey ? first &+ 1 : first
                    let high = key3 < key2 ? key3 : key2
                    let highIndex = key3 < key2 ? first &+ 3 : first &+ 2
                    bestKey = high < low ? high : low
                    best = high < low ? highIndex : lowIndex
                } else {
                    var child = first &+ 1
                    while child < count {
                        if nodes[child].key < bestKey {
                            bestKey = nodes[child].key
                            best = child
                        }
                        child &+= 1
                    }
                }
                if last.key < bestKey { break }
                nodes[hole] = nodes[best]
                hole = best
            }
            nodes[hole] = last
        }
        return entry
    }

    /// `schedule` when the sequence has run out or `time` is outside the keyed span: renumbers
    /// and re-bases the pending events, then schedules, or refuses when the span is too wide.
    @usableFromInline mutating func scheduleSlowly(_ payload: Payload, at time: SimTime) -> Bool {
        var lowest = time.milliseconds
        var highest = time.milliseconds
        for node in nodes {
            let pending = self.time(ofKey: node.key).milliseconds
            lowest = Swift.min(lowest, pending)
            highest = Swift.max(highest, pending)
        }
        let (span, overflow) = highest.subtractingReportingOverflow(lowest)
        guard !overflow, span < Self.timeSpan, nodes.count < Self.sequenceLimit - 1 else { return false }
        // Sorted by key is (time, sequence) order, and a sorted array is a valid heap.
        nodes.sort { $0.key < $1.key }
        for rank in nodes.indices {
            let offset = self.time(ofKey: nodes[rank].key).milliseconds &- lowest
            nodes[rank].key = UInt64(offset) << Self.sequenceBits | UInt64(rank)
        }
        base = lowest
        nextSequence = UInt64(nodes.count)
        return schedule(payload, at: time)
    }

    /// Removes every event, earliest first (for moving them to the radix heap).
    @usableFromInline mutating func drain() -> ContiguousArray<Entry> {
        nodes.sort { $0.key < $1.key }
        let entries = ContiguousArray(nodes.map { Entry(time: time(ofKey: $0.key), payload: $0.payload) })
        nodes.removeAll(keepingCapacity: true)
        nextSequence = 0
        return entries
    }

    /// Fills an empty heap with `entries`, which must be in (time, scheduling) order and span
    /// less than `timeSpan`.
    @usableFromInline mutating func fill(sorted entries: ContiguousArray<Entry>) {
        precondition(nodes.isEmpty, "fill needs an empty heap")
        guard let first = entries.first else { return }
        base = first.time.milliseconds
        for (rank, entry) in entries.enumerated() {
            nodes.append(
                Node(
                    key: UInt64(entry.time.milliseconds &- base) << Self.sequenceBits | UInt64(rank),
                    payload: entry.payload))
        }
        nextSequence = UInt64(entries.count)
    }
}

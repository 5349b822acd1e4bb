/// The pending-event set of the discrete-event loop: a 4-ary min-heap ordered by (time,
/// insertion sequence).
///
/// The sequence number breaks ties between events due at the same millisecond in the order
/// they were scheduled, so a run never depends on heap layout and is reproducible byte for byte.
/// Four children per node halve the depth of a binary heap, and the four sibling keys share a
/// cache line, which is what matters once millions of events are pending. Keys (time, sequence)
/// live in their own array so the sift loops touch only 16 bytes per entry; payloads move in
/// step in a parallel array. Generic over the payload so the loop's concrete event type is
/// specialised in, with no existential or allocation per event once capacity is reached.
public struct EventQueue<Payload>: Sendable where Payload: Sendable {
    public struct Entry: Sendable {
        public var time: SimTime
        public var sequence: UInt64
        public var payload: Payload

        @inlinable init(time: SimTime, sequence: UInt64, payload: Payload) {
            self.time = time
            self.sequence = sequence
            self.payload = payload
        }
    }

    @usableFromInline struct Key: Sendable {
        @usableFromInline var time: Int64
        @usableFromInline var sequence: UInt64

        @inlinable init(time: Int64, sequence: UInt64) {
            self.time = time
            self.sequence = sequence
        }

        @inlinable func precedes(_ other: Key) -> Bool {
            time < other.time || (time == other.time && sequence < other.sequence)
        }
    }

    @usableFromInline var keys: ContiguousArray<Key> = []
    @usableFromInline var payloads: ContiguousArray<Payload> = []
    @usableFromInline var nextSequence: UInt64 = 0

    public init(reservingCapacity capacity: Int = 0) {
        keys.reserveCapacity(capacity)
        payloads.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { keys.count }
    @inlinable public var isEmpty: Bool { keys.isEmpty }

    /// The time of the earliest pending event, if any.
    @inlinable public var nextTime: SimTime? { keys.isEmpty ? nil : SimTime(milliseconds: keys[0].time) }

    /// Schedules `payload` at `time`; events at equal times come out in scheduling order.
    @inlinable public mutating func schedule(_ payload: Payload, at time: SimTime) {
        let key = Key(time: time.milliseconds, sequence: nextSequence)
        nextSequence &+= 1
        keys.append(key)
        payloads.append(payload)
        siftUp(keys.count &- 1, key: key, payload: payload)
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Entry? {
        guard !keys.isEmpty else { return nil }
        let top = Entry(time: SimTime(milliseconds: keys[0].time), sequence: keys[0].sequence, payload: payloads[0])
        let lastKey = keys.removeLast()
        let lastPayload = payloads.removeLast()
        if !keys.isEmpty { siftDown(key: lastKey, payload: lastPayload) }
        return top
    }

    @inlinable mutating func siftUp(_ start: Int, key: Key, payload: Payload) {
        var child = start
        keys.withUnsafeMutableBufferPointer { k in
            payloads.withUnsafeMutableBufferPointer { p in
                while child > 0 {
                    let parent = (child &- 1) >> 2
                    guard key.precedes(k[parent]) else { break }
                    k[child] = k[parent]
                    p[child] = p[parent]
                    child = parent
                }
                k[child] = key
                p[child] = payload
            }
        }
    }

    /// Places `key` (the former last entry) starting at the root.
    @inlinable mutating func siftDown(key: Key, payload: Payload) {
        keys.withUnsafeMutableBufferPointer { k in
            payloads.withUnsafeMutableBufferPointer { p in
                let count = k.count
                var parent = 0
                while true {
                    let first = parent &<< 2 &+ 1
                    if first >= count { break }
                    var best = first
                    var bestKey = k[first]
                    let last = Swift.min(first &+ 4, count)
                    var child = first &+ 1
                    while child < last {
                        if k[child].precedes(bestKey) {
                            best = child
                            bestKey = k[child]
                        }
                        child &+= 1
                    }
                    guard bestKey.precedes(key) else { break }
                    k[parent] = bestKey
                    p[parent] = p[best]
                    parent = best
                }
                k[parent] = key
                p[parent] = payload
            }
        }
    }
}

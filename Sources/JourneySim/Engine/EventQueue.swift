/// The pending-event set of the discrete-event loop: a min-heap ordered by (time, insertion
/// sequence).
///
/// The sequence number breaks ties between events due at the same millisecond in the order
/// they were scheduled, so a run never depends on heap layout and is reproducible byte for byte.
/// Generic over the payload so the loop's concrete event type is specialised in, with no
/// existential or allocation per event once capacity is reached.
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

        @inlinable func precedes(_ other: Entry) -> Bool {
            time.milliseconds < other.time.milliseconds
                || (time.milliseconds == other.time.milliseconds && sequence < other.sequence)
        }
    }

    @usableFromInline var heap: ContiguousArray<Entry> = []
    @usableFromInline var nextSequence: UInt64 = 0

    public init(reservingCapacity capacity: Int = 0) {
        heap.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }

    /// The time of the earliest pending event, if any.
    @inlinable public var nextTime: SimTime? { heap.first?.time }

    /// Schedules `payload` at `time`; events at equal times come out in scheduling order.
    @inlinable public mutating func schedule(_ payload: Payload, at time: SimTime) {
        let entry = Entry(time: time, sequence: nextSequence, payload: payload)
        nextSequence &+= 1
        heap.append(entry)
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Entry? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    @inlinable mutating func siftUp(_ start: Int) {
        var child = start
        let entry = heap[child]
        while child > 0 {
            let parent = (child &- 1) >> 1
            guard entry.precedes(heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    @inlinable mutating func siftDown(_ start: Int) {
        let count = heap.count
        var parent = start
        let entry = heap[parent]
        while true {
            var child = 2 &* parent &+ 1
            if child >= count { break }
            let right = child &+ 1
            if right < count && heap[right].precedes(heap[child]) { child = right }
            guard heap[child].precedes(entry) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }
}

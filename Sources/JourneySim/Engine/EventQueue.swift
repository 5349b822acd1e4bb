/// The pending-event set of the discrete-event loop, ordered by (time, scheduling order).
///
/// A radix heap with 256-way digits (a hierarchy of timing wheels): the loop's clock only moves
/// forward, so every event is filed by the highest byte in which its time (in milliseconds)
/// differs from the time last taken out, and by that byte's value. Scheduling is an append.
/// Taking out refills from the lowest non-empty bucket: a bucket of the lowest level holds a
/// single instant and becomes the current batch as a whole; a bucket of a higher level is moved
/// down a level or more. With journey events a few minutes to a few days ahead, an event is
/// moved two or three times, always by sequential appends, which keeps a million pending events
/// out of the cache-miss-bound sifting of a binary heap.
///
/// Events due at the same millisecond come out in the order they were scheduled, exactly as from
/// a heap keyed by (time, insertion sequence), so a run never depends on the queue's layout and
/// is reproducible byte for byte: appends keep scheduling order, a refill moves a bucket's events
/// into lower levels that were all empty without reordering them, and the events at the time
/// last taken out wait in `current` in that order. No sequence number is stored. An event
/// scheduled before the time last taken out (never done by the simulator, but allowed) goes to a
/// small binary heap that is served first, so the order stays exact in that case too.
///
/// Generic over the payload so the loop's concrete event type is specialised in, with no
/// existential or allocation per event once the buckets have grown to the working set.
public struct EventQueue<Payload>: Sendable where Payload: Sendable {
    public struct Entry: Sendable {
        public var time: SimTime
        public var payload: Payload

        @inlinable init(time: SimTime, payload: Payload) {
            self.time = time
            self.payload = payload
        }
    }

    /// An event scheduled before the time last taken out, with its scheduling order.
    @usableFromInline struct EarlyEntry: Sendable {
        @usableFromInline var entry: Entry
        @usableFromInline var sequence: UInt64

        @inlinable init(entry: Entry, sequence: UInt64) {
            self.entry = entry
            self.sequence = sequence
        }

        @inlinable func precedes(_ other: EarlyEntry) -> Bool {
            entry.time.milliseconds < other.entry.time.milliseconds
                || (entry.time.milliseconds == other.entry.time.milliseconds && sequence < other.sequence)
        }
    }

    /// Bucket `level * 256 + digit` holds events whose key first differs from `last` in byte
    /// `level` (0: the lowest), where the key's byte is `digit`. Within a bucket, events at equal
    /// times are in scheduling order.
    @usableFromInline var buckets: ContiguousArray<ContiguousArray<Entry>>
    /// Bit `level`: some bucket of that level is non-empty.
    @usableFromInline var levels: UInt8 = 0
    /// Four words per level, bit `digit`: that bucket is non-empty.
    @usableFromInline var digits: ContiguousArray<UInt64>
    /// Events at exactly `last`, in scheduling order, taken out from `currentHead` on.
    @usableFromInline var current: ContiguousArray<Entry> = []
    @usableFromInline var currentHead = 0
    /// Key of the time last taken out (the minimum of the last refill).
    @usableFromInline var last: UInt64 = 0
    /// Reused buffer a bucket is moved into while it is spread over lower levels.
    @usableFromInline var scratch: ContiguousArray<Entry> = []
    @usableFromInline var early: ContiguousArray<EarlyEntry> = []
    @usableFromInline var earlySequence: UInt64 = 0
    @usableFromInline var pendingCount = 0

    /// A bucket emptied by a refill keeps its buffer only up to this many entries, so buffers
    /// of far-ahead buckets that fill once do not stay allocated for the rest of the run.
    @usableFromInline static var keptCapacity: Int { 4_096 }

    /// Nothing is reserved up front: the buckets grow to the working set.
    public init() {
        buckets = ContiguousArray(repeating: [], count: 8 * 256)
        digits = ContiguousArray(repeating: 0, count: 8 * 4)
    }

    @inlinable public var count: Int { pendingCount }
    @inlinable public var isEmpty: Bool { pendingCount == 0 }

    /// Bytes held by the queue's buffers (capacities, not counts).
    public var allocatedBytes: Int {
        let stride = MemoryLayout<Entry>.stride
        var total = (current.capacity + scratch.capacity) * stride + early.capacity * MemoryLayout<EarlyEntry>.stride
        for bucket in buckets { total += bucket.capacity * stride }
        return total + buckets.capacity * MemoryLayout<ContiguousArray<Entry>>.stride + digits.capacity * 8
    }

    /// Order-preserving map of a time to an unsigned key.
    @inlinable static func key(_ time: SimTime) -> UInt64 {
        UInt64(bitPattern: time.milliseconds) ^ (1 << 63)
    }

    /// Files `entry` (whose key is above `last`) in its bucket.
    @inlinable mutating func file(_ entry: Entry, key: UInt64) {
        let level = (63 &- (key ^ last).leadingZeroBitCount) >> 3
        let digit = Int(truncatingIfNeeded: key >> UInt64(level &* 8)) & 255
        buckets[level &* 256 &+ digit].append(entry)
        levels |= 1 &<< UInt8(level)
        digits[level &* 4 &+ digit >> 6] |= 1 &<< UInt64(digit & 63)
    }

    /// The time of the earliest pending event, if any.
    @inlinable public var nextTime: SimTime? {
        mutating get {
            if let top = early.first { return top.entry.time }
            if currentHead == current.count { refill() }
            return currentHead < current.count ? current[currentHead].time : nil
        }
    }

    /// Schedules `payload` at `time`; events at equal times come out in scheduling order.
    @inlinable public mutating func schedule(_ payload: Payload, at time: SimTime) {
        let entry = Entry(time: time, payload: payload)
        pendingCount &+= 1
        let key = Self.key(time)
        if key == last {
            current.append(entry)
        } else if key > last {
            file(entry, key: key)
        } else {
            early.append(EarlyEntry(entry: entry, sequence: earlySequence))
            earlySequence &+= 1
            siftUpEarly(early.count &- 1)
        }
    }

    /// Removes and returns the earliest event.
    @inlinable public mutating func pop() -> Entry? {
        if !early.isEmpty { return popEarly() }
        if currentHead == current.count {
            refill()
            if current.isEmpty { return nil }
        }
        let entry = current[currentHead]
        currentHead &+= 1
        if currentHead == current.count {
            current.removeAll(keepingCapacity: true)
            currentHead = 0
        }
        pendingCount &-= 1
        return entry
    }

    /// Takes out the lowest non-empty bucket (`current` is empty): a lowest-level bucket is one
    /// instant and becomes `current`; a higher one is spread over the lower levels (all empty,
    /// so order is kept), its earliest events into `current`.
    @inlinable mutating func refill() {
        guard levels != 0 else { return }
        let level = levels.trailingZeroBitCount
        var word = level &* 4
        while digits[word] == 0 { word &+= 1 }
        let bit = digits[word].trailingZeroBitCount
        digits[word] &= digits[word] &- 1
        let digit = (word &- level &* 4) &* 64 &+ bit
        if digits[level &* 4] | digits[level &* 4 &+ 1] | digits[level &* 4 &+ 2] | digits[level &* 4 &+ 3] == 0 {
            levels &= ~(1 &<< UInt8(level))
        }
        let index = level &* 256 &+ digit
        if level == 0 {
            last = (last & ~0xFF) | UInt64(digit)
            swap(&current, &buckets[index])
            return
        }
        swap(&scratch, &buckets[index])
        var minimum = UInt64.max
        for entry in scratch {
            let key = Self.key(entry.time)
            if key < minimum { minimum = key }
        }
        last = minimum
        for entry in scratch {
            let key = Self.key(entry.time)
            if key == minimum {
                current.append(entry)
            } else {
                file(entry, key: key)
            }
        }
        scratch.removeAll(keepingCapacity: true)
        if buckets[index].capacity > Self.keptCapacity { buckets[index] = [] }
    }

    @inlinable mutating func popEarly() -> Entry {
        let first = early[0]
        let lastEntry = early.removeLast()
        if !early.isEmpty {
            early[0] = lastEntry
            siftDownEarly(0)
        }
        pendingCount &-= 1
        return first.entry
    }

    @inlinable mutating func siftUpEarly(_ start: Int) {
        var child = start
        let entry = early[child]
        while child > 0 {
            let parent = (child &- 1) >> 1
            guard entry.precedes(early[parent]) else { break }
            early[child] = early[parent]
            child = parent
        }
        early[child] = entry
    }

    @inlinable mutating func siftDownEarly(_ start: Int) {
        let count = early.count
        var parent = start
        let entry = early[parent]
        while true {
            var child = 2 &* parent &+ 1
            if child >= count { break }
            let right = child &+ 1
            if right < count && early[right].precedes(early[child]) { child = right }
            guard early[child].precedes(entry) else { break }
            early[parent] = early[child]
            parent = child
        }
        early[parent] = entry
    }
}

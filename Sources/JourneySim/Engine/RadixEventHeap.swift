/// The pending-event set of `EventQueue` while it is large: a radix heap with 256-way digits (a
/// hierarchy of timing wheels).
///
/// The loop's clock only moves forward, so every event is filed by the highest byte in which its
/// time (in milliseconds) differs from the time last taken out, and by that byte's value.
/// Scheduling is an append. Taking out refills from the lowest non-empty bucket: a bucket of the
/// lowest level holds a single instant and becomes the current batch as a whole; a bucket of a
/// higher level is moved down a level or more. With journey events a few minutes to a few days
/// ahead, an event is moved two or three times, always by sequential appends, which keeps a
/// million pending events out of the cache-miss-bound sifting of a binary heap.
///
/// Events due at the same millisecond come out in the order they were scheduled, exactly as from
/// a heap keyed by (time, insertion sequence): appends keep scheduling order, a refill moves a
/// bucket's events into lower levels that were all empty without reordering them, and the events
/// at the time last taken out wait in `current` in that order. No sequence number is stored. An
/// event scheduled before the time last taken out (never done by the simulator, but allowed) goes
/// to a small binary heap that is served first, so the order stays exact in that case too.
@usableFromInline struct RadixEventHeap<Payload>: Sendable where Payload: Sendable {
    @usableFromInline typealias Entry = EventQueue<Payload>.Entry

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

    /// Entries live in one slab of fixed-size chunks; each bucket (and `current`) is a list of
    /// chunks, so appending never reallocates a bucket, an emptied bucket's chunks go back to
    /// a free list for any other bucket, and memory follows the pending count.
    @usableFromInline static var chunkSize: Int { 32 }
    @usableFromInline var slab: ContiguousArray<Entry> = []
    /// Per chunk: the next chunk of its list (or of the free list), -1 at the end.
    @usableFromInline var nextChunk: ContiguousArray<Int32> = []
    @usableFromInline var freeChunks: Int32 = -1
    /// Per list, `level * 256 + digit` for bucket lists and `currentList` for the current batch:
    /// first and last chunk (-1: empty) and how many entries the last chunk holds. Bucket
    /// `level * 256 + digit` holds events whose key first differs from `last` in byte `level`
    /// (0: the lowest), where the key's byte is `digit`; within a list, events at equal times are
    /// in scheduling order.
    @usableFromInline var head: ContiguousArray<Int32>
    @usableFromInline var tail: ContiguousArray<Int32>
    @usableFromInline var tailCount: ContiguousArray<Int32>
    @usableFromInline static var currentList: Int { 8 * 256 }
    /// Read position in the current batch's first chunk.
    @usableFromInline var currentRead = 0
    /// Bit `level`: some bucket of that level is non-empty.
    @usableFromInline var levels: UInt8 = 0
    /// Four words per level, bit `digit`: that bucket is non-empty.
    @usableFromInline var digits: ContiguousArray<UInt64>
    /// Key of the time last taken out (the minimum of the last refill).
    @usableFromInline var last: UInt64 = 0
    @usableFromInline var early: ContiguousArray<EarlyEntry> = []
    @usableFromInline var earlySequence: UInt64 = 0
    @usableFromInline var pendingCount = 0

    /// Nothing is reserved up front: the slab grows to the working set.
    @usableFromInline init() {
        head = ContiguousArray(repeating: -1, count: 8 * 256 + 1)
        tail = ContiguousArray(repeating: -1, count: 8 * 256 + 1)
        tailCount = ContiguousArray(repeating: 0, count: 8 * 256 + 1)
        digits = ContiguousArray(repeating: 0, count: 8 * 4)
    }

    @inlinable var count: Int { pendingCount }

    /// Bytes held by the buffers (capacities, not counts).
    @usableFromInline var allocatedBytes: Int {
        slab.capacity * MemoryLayout<Entry>.stride + nextChunk.capacity * 4
            + (head.capacity + tail.capacity + tailCount.capacity) * 4
            + digits.capacity * 8 + early.capacity * MemoryLayout<EarlyEntry>.stride
    }

    /// Room for `count` entries in full chunks plus a partly filled chunk for every list.
    @usableFromInline mutating func reserveCapacity(_ count: Int) {
        let chunks = (count + Self.chunkSize - 1) / Self.chunkSize + head.count
        slab.reserveCapacity(chunks * Self.chunkSize)
        nextChunk.reserveCapacity(chunks)
    }

    /// Order-preserving map of a time to an unsigned key.
    @inlinable static func key(_ time: SimTime) -> UInt64 {
        UInt64(bitPattern: time.milliseconds) ^ (1 << 63)
    }

    @inlinable @inline(__always) mutating func append(_ entry: Entry, to list: Int) {
        var chunk = tail[list]
        var used = Int(tailCount[list])
        if chunk < 0 || used == Self.chunkSize {
            let fresh: Int32
            if freeChunks >= 0 {
                fresh = freeChunks
                freeChunks = nextChunk[Int(fresh)]
                nextChunk[Int(fresh)] = -1
            } else {
                fresh = Int32(nextChunk.count)
                nextChunk.append(-1)
                slab.append(contentsOf: repeatElement(entry, count: Self.chunkSize))
            }
            if chunk < 0 { head[list] = fresh } else { nextChunk[Int(chunk)] = fresh }
            tail[list] = fresh
            chunk = fresh
            used = 0
        }
        slab[Int(chunk) &* Self.chunkSize &+ used] = entry
        tailCount[list] = Int32(used &+ 1)
    }

    @inlinable @inline(__always) mutating func release(chunk: Int32) {
        nextChunk[Int(chunk)] = freeChunks
        freeChunks = chunk
    }

    /// Files `entry` (whose key is above `last`) in its bucket.
    @inlinable @inline(__always) mutating func file(_ entry: Entry, key: UInt64) {
        let level = (63 &- (key ^ last).leadingZeroBitCount) >> 3
        let digit = Int(truncatingIfNeeded: key >> UInt64(level &* 8)) & 255
        append(entry, to: level &* 256 &+ digit)
        levels |= 1 &<< UInt8(level)
        digits[level &* 4 &+ digit >> 6] |= 1 &<< UInt64(digit & 63)
    }

    /// The next event to come out, left in place, if any. Takes out the next bucket when the
    /// current one is empty (as the next `pop` would), which changes nothing that comes out, or when.
    @inlinable mutating func peek() -> Entry? {
        if let top = early.first { return top.entry }
        let list = Self.currentList
        if head[list] < 0 {
            refill()
            if head[list] < 0 { return nil }
        }
        return slab[Int(head[list]) &* Self.chunkSize &+ currentRead]
    }

    /// The time of the earliest pending event, if any.
    @inlinable var nextTime: SimTime? {
        mutating get { peek()?.time }
    }

    /// Schedules `payload` at `time`; events at equal times come out in scheduling order.
    @inlinable mutating func schedule(_ payload: Payload, at time: SimTime) {
        let entry = Entry(time: time, payload: payload)
        pendingCount &+= 1
        let key = Self.key(time)
        if key == last {
            append(entry, to: Self.currentList)
        } else if key > last {
            file(entry, key: key)
        } else {
            early.append(EarlyEntry(entry: entry, sequence: earlySequence))
            earlySequence &+= 1
            siftUpEarly(early.count &- 1)
        }
    }

    /// Removes and returns the earliest event.
    @inlinable mutating func pop() -> Entry? {
        if !early.isEmpty { return popEarly() }
        let list = Self.currentList
        if head[list] < 0 {
            refill()
            if head[list] < 0 { return nil }
        }
        let chunk = head[list]
        let entry = slab[Int(chunk) &* Self.chunkSize &+ currentRead]
        currentRead &+= 1
        if chunk == tail[list] {
            if currentRead == Int(tailCount[list]) {
                release(chunk: chunk)
                head[list] = -1
                tail[list] = -1
                tailCount[list] = 0
                currentRead = 0
            }
        } else if currentRead == Self.chunkSize {
            head[list] = nextChunk[Int(chunk)]
            release(chunk: chunk)
            currentRead = 0
        }
        pendingCount &-= 1
        return entry
    }

    /// Makes an empty heap file from `time` on, so events scheduled at or after it (say, moved in
    /// from `QuaternaryEventHeap`) are appended to buckets rather than the early heap.
    @inlinable mutating func restart(at time: SimTime) {
        precondition(pendingCount == 0 && early.isEmpty, "restart needs an empty heap")
        last = Self.key(time)
    }

    /// Takes out the lowest non-empty bucket (the current batch is empty): a lowest-level bucket
    /// is one instant and becomes the current batch; a higher one is spread over the lower levels
    /// (all empty, so order is kept), its earliest events into the current batch.
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
        let list = level &* 256 &+ digit
        let first = head[list]
        let lastChunk = tail[list]
        let lastCount = Int(tailCount[list])
        head[list] = -1
        tail[list] = -1
        tailCount[list] = 0
        currentRead = 0
        var minimum = UInt64.max
        var maximum = UInt64.min
        if level == 0 {
            minimum = (last & ~0xFF) | UInt64(digit)
            maximum = minimum
        } else {
            var chunk = first
            while chunk >= 0 {
                let base = Int(chunk) &* Self.chunkSize
                let used = chunk == lastChunk ? lastCount : Self.chunkSize
                for offset in 0..<used {
                    let key = Self.key(slab[base &+ offset].time)
                    minimum = Swift.min(minimum, key)
                    maximum = Swift.max(maximum, key)
                }
                chunk = nextChunk[Int(chunk)]
            }
        }
        last = minimum
        if minimum == maximum {
            // One instant (always so on the lowest level): the whole list is the current batch.
            head[Self.currentList] = first
            tail[Self.currentList] = lastChunk
            tailCount[Self.currentList] = Int32(lastCount)
            return
        }
        var chunk = first
        chunk = first
        while chunk >= 0 {
            let base = Int(chunk) &* Self.chunkSize
            let used = chunk == lastChunk ? lastCount : Self.chunkSize
            let following = nextChunk[Int(chunk)]
            for offset in 0..<used {
                let entry = slab[base &+ offset]
                let key = Self.key(entry.time)
                if key == minimum {
                    append(entry, to: Self.currentList)
                } else {
                    file(entry, key: key)
                }
            }
            release(chunk: chunk)
            chunk = following
        }
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

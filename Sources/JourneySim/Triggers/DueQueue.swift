import JourneySimPrefetch

/// The trigger core's pending set, ordered by (due time, sequence) like a single heap, but
/// faster for the core's workload.
///
/// Most entries are scheduled a fixed duration after "now" (a step's delay or timeout), and
/// "now" only moves forward, so entries with the same duration arrive already sorted. Each
/// distinct duration gets a FIFO lane: O(1) append, sequential memory, no sifting. Everything
/// else (window deferrals, rate-limit holds, or an out-of-order schedule) goes to a binary heap.
/// The minimum is the smallest lane head or heap top, compared on (due, sequence), so the order
/// is exactly that of one heap and ties still go to whatever was scheduled first.
struct DueQueue: Sendable {
    struct Entry: Sendable {
        var due: Int64
        var sequence: UInt64
        var payload: DueEntry

        func precedes(_ other: Entry) -> Bool {
            due < other.due || (due == other.due && sequence < other.sequence)
        }
    }

    /// A FIFO of entries in due order, kept in a ring so popping the head never moves memory
    /// (compacting an array's consumed prefix showed up as memmove in profiles). A ring that
    /// fills up grows by a quarter, not by doubling: a lane cycles through its whole ring, so all
    /// of it is resident, and at a million customers the lanes are the core's largest growing
    /// state.
    struct Lane: Sendable {
        var ring = ContiguousArray<Entry>()
        var head = 0
        var count = 0
        /// Entries ever removed from the head: the logical index of the head, so positions
        /// remembered by the core's prefetcher stay valid when the ring grows or wraps.
        var popped = 0
        /// Logical indices up to which the core has prefetched flow state (two stages).
        var prefetchedFar = 0
        var prefetchedNear = 0
        /// Logical index up to which the lane's own entries have been prefetched.
        var prefetchedRing = 0
        var isEmpty: Bool { count == 0 }

        /// The entry at a logical index, if it is still in the lane.
        func entry(logical index: Int) -> Entry? {
            let offset = index &- popped
            return offset >= 0 && offset < count ? ring[slot(offset)] : nil
        }

        var first: Entry { ring[head] }

        /// Ring index of the entry `offset` places behind the head (`offset` < the ring's size).
        @inline(__always) func slot(_ offset: Int) -> Int {
            let index = head &+ offset
            return index >= ring.count ? index &- ring.count : index
        }

        /// Starts loading the entry at a logical index into cache, if it is in the lane.
        func prefetchEntry(logical index: Int) {
            let offset = index &- popped
            guard offset >= 0, offset < count else { return }
            let index = slot(offset)
            ring.withUnsafeBufferPointer { journeysim_prefetch($0.baseAddress! + index) }
        }

        mutating func append(_ entry: Entry) {
            if count == ring.count { grow() }
            ring[slot(count)] = entry
            count &+= 1
        }

        mutating func removeFirst() -> Entry {
            let entry = ring[head]
            head = head &+ 1 == ring.count ? 0 : head &+ 1
            count &-= 1
            popped &+= 1
            return entry
        }

        mutating func grow() {
            let capacity = max(16, ring.count &+ ring.count >> 2)
            var larger = ContiguousArray<Entry>()
            larger.reserveCapacity(capacity)
            for offset in 0..<count { larger.append(ring[slot(offset)]) }
            let filler = Entry(due: .max, sequence: .max, payload: DueEntry(instance: 0, generation: 0))
            while larger.count < capacity { larger.append(filler) }
            ring = larger
            head = 0
        }

        mutating func removeAll() {
            head = 0
            popped &+= count
            count = 0
        }
    }

    var lanes: ContiguousArray<Lane>
    /// Due time and sequence of each lane's head (`Int64.max` when empty), scanned for the minimum.
    var headDue: ContiguousArray<Int64>
    var headSequence: ContiguousArray<UInt64>
    var tailDue: ContiguousArray<Int64>
    var heap = ContiguousArray<Entry>()
    var nextSequence: UInt64 = 0
    var count = 0
    /// Where the minimum is (a lane, or -1 for the heap), or `unknown` until the next scan:
    /// caching it makes a peek followed by a pop cost one scan of the lanes instead of two.
    var cachedSource = DueQueue.unknown
    static let unknown = Int.min
    static let none = Int.max

    init(lanes laneCount: Int) {
        lanes = ContiguousArray(repeating: Lane(), count: laneCount)
        headDue = ContiguousArray(repeating: .max, count: laneCount)
        headSequence = ContiguousArray(repeating: .max, count: laneCount)
        tailDue = ContiguousArray(repeating: .min, count: laneCount)
    }

    var isEmpty: Bool { count == 0 }

    /// Schedules `payload`; `lane` is the lane of the duration it was scheduled with, or -1.
    mutating func schedule(_ payload: DueEntry, at due: Int64, lane: Int) {
        let entry = Entry(due: due, sequence: nextSequence, payload: payload)
        nextSequence &+= 1
        count &+= 1
        var source = -1
        if lane >= 0, due >= tailDue[lane] {
            tailDue[lane] = due
            if lanes[lane].isEmpty {
                headDue[lane] = due
                headSequence[lane] = entry.sequence
            }
            lanes[lane].append(entry)
            source = lane
        } else {
            heap.append(entry)
            siftUp(heap.count &- 1)
        }
        // The new entry has the largest sequence, so it becomes the minimum only if it is due
        // strictly earlier than the current one.
        if cachedSource == DueQueue.none {
            cachedSource = source
        } else if cachedSource != DueQueue.unknown, due < minimumDue(cachedSource) {
            cachedSource = source
        }
    }

    func minimumDue(_ source: Int) -> Int64 {
        source < 0 ? heap[0].due : headDue[source]
    }

    /// Where the minimum is: a lane index, -1 for the heap, or `none` when empty.
    func scanMinimum() -> Int {
        var best = DueQueue.none
        var bestDue = Int64.max
        var bestSequence = UInt64.max
        if let top = heap.first {
            best = -1
            bestDue = top.due
            bestSequence = top.sequence
        }
        var lane = 0
        let laneCount = headDue.count
        while lane < laneCount {
            let due = headDue[lane]
            if due < bestDue || (due == bestDue && due != .max && headSequence[lane] < bestSequence) {
                best = lane
                bestDue = due
                bestSequence = headSequence[lane]
            }
            lane &+= 1
        }
        return best
    }

    mutating func minimumSource() -> Int {
        if cachedSource == DueQueue.unknown { cachedSource = scanMinimum() }
        return cachedSource
    }

    mutating func peek() -> Entry? {
        let source = minimumSource()
        if source == DueQueue.none { return nil }
        if source < 0 { return heap[0] }
        return lanes[source].first
    }

    var nextTime: SimTime? {
        mutating get { peek().map { SimTime(milliseconds: $0.due) } }
    }

    /// Removes and returns the minimum if it is due at or before `limit`.
    mutating func pop(dueThrough limit: Int64 = .max) -> Entry? {
        let source = minimumSource()
        if source == DueQueue.none || minimumDue(source) > limit { return nil }
        count &-= 1
        cachedSource = DueQueue.unknown
        if source < 0 {
            let first = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
            return first
        }
        let entry = lanes[source].removeFirst()
        if lanes[source].isEmpty {
            headDue[source] = .max
            headSequence[source] = .max
        } else {
            let next = lanes[source].first
            headDue[source] = next.due
            headSequence[source] = next.sequence
        }
        return entry
    }

    /// Whether the lane's next entry would make its ring grow.
    func isFull(lane: Int) -> Bool { lanes[lane].count == lanes[lane].ring.count }

    /// Drops the entries `isLive` rejects from a lane, keeping the others in order, and returns
    /// how many it dropped. Cancelled and rescheduled entries otherwise sit in a lane until they
    /// fall due (up to the lane's whole duration, a week for a 7-day wait), and a lane's ring is
    /// sized by everything it holds. The lane grows anyway if less than an eighth was dropped, so
    /// a nearly live lane is not scanned again on every append.
    /// `prefetch` is shown each entry a few places before `isLive` is asked about it, so the
    /// state `isLive` reads (scattered, one cache miss per entry otherwise) can be loaded early.
    mutating func compact(lane index: Int, isLive: (DueEntry) -> Bool, prefetch: (DueEntry) -> Void) -> Int {
        var lane = lanes[index]
        lanes[index] = Lane()  // keeps the ring uniquely referenced while it is rewritten
        var kept = 0
        let ahead = 16
        for offset in 0..<min(ahead, lane.count) { prefetch(lane.ring[lane.slot(offset)].payload) }
        for offset in 0..<lane.count {
            if offset &+ ahead < lane.count { prefetch(lane.ring[lane.slot(offset &+ ahead)].payload) }
            let entry = lane.ring[lane.slot(offset)]
            if isLive(entry.payload) {
                lane.ring[lane.slot(kept)] = entry
                kept &+= 1
            }
        }
        let dropped = lane.count &- kept
        lane.count = kept
        // Logical indices after the head moved; the prefetcher starts again from the head.
        lane.prefetchedFar = lane.popped
        lane.prefetchedNear = lane.popped
        lane.prefetchedRing = lane.popped
        if dropped < lane.ring.count >> 3 { lane.grow() }
        lanes[index] = lane
        count &-= dropped
        if kept == 0 {
            headDue[index] = .max
            headSequence[index] = .max
        } else {
            headDue[index] = lane.first.due
            headSequence[index] = lane.first.sequence
        }
        cachedSource = DueQueue.unknown
        return dropped
    }

    mutating func removeAll() {
        for lane in lanes.indices {
            lanes[lane].removeAll()
            headDue[lane] = .max
            headSequence[lane] = .max
            tailDue[lane] = .min
        }
        heap.removeAll(keepingCapacity: true)
        count = 0
        cachedSource = DueQueue.unknown
    }

    var allocatedBytes: Int {
        var total = heap.capacity * MemoryLayout<Entry>.stride
        for lane in lanes { total += lane.ring.capacity * MemoryLayout<Entry>.stride }
        return total + headDue.capacity * 8 + headSequence.capacity * 8 + tailDue.capacity * 8
    }

    mutating func siftUp(_ start: Int) {
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

    mutating func siftDown(_ start: Int) {
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

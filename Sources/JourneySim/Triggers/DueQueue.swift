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
///
/// One lane may be kept out of the winner tree (`directLane`) and its head compared with the
/// tree's root on each look instead. The core gives it the lane of zero durations: messages
/// without a delay (transactional ones, and a flow's message after a delay or wait) fall due as
/// they are scheduled and leave within an event or two, so that lane keeps emptying. In the
/// tree each of its entries cost a replay when it was scheduled into the empty lane and another
/// when it was popped; outside, one compare on every look.
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
    /// state. The ring's storage is owned by `DueQueue.rings`; a lane holds its address.
    struct Lane: @unchecked Sendable {
        var ring: UnsafeMutablePointer<Entry>
        /// Entries the ring holds.
        var size = 0
        var head = 0
        var count = 0
        var isEmpty: Bool { count == 0 }
        var isFull: Bool { count == size }

        var first: Entry { ring[head] }

        /// Ring index of the entry `offset` places behind the head (`offset` < the ring's size).
        @inline(__always) func slot(_ offset: Int) -> Int {
            let index = head &+ offset
            return index >= size ? index &- size : index
        }

        /// Appends to a ring with room (`DueQueue.schedule` grows full rings first).
        @inline(__always) mutating func append(_ entry: Entry) {
            ring[slot(count)] = entry
            count &+= 1
        }

        @inline(__always) mutating func removeFirst() -> Entry {
            let entry = ring[head]
            head = head &+ 1 == size ? 0 : head &+ 1
            count &-= 1
            return entry
        }

        mutating func removeAll() {
            head = 0
            count = 0
        }
    }

    /// Storage of each lane's ring (`lanes[i].ring` is `rings[i].base`).
    var rings: ContiguousArray<StateBuffer<Entry>>
    var lanes: StateBuffer<Lane>
    /// A winner tree over the sources' first entries, as keys (see `key(due:sequence:source:)`):
    /// leaf `leafCount + source` holds the source's key (`UInt128.max` when empty), node `n` the
    /// smaller of its two children's, the root (node 1) the minimum. A change at one source
    /// replays only its path (four levels for up to 15 lanes, five for 31, not counting the direct
    /// lane) where a scan compared every lane after each pop. Leaves are numbered by source with
    /// the direct lane left out (see `leaf(_:)`); a key names its source, not its leaf.
    ///
    /// Why keys and not source indices in the nodes: a replay then carries its key up in
    /// registers and reads only each level's sibling, whose address does not depend on the level
    /// below, so the loads of all levels overlap and the chain is one compare-and-select per
    /// level (`journeysim_replay`). With indices, each level waited for the store of the level
    /// below, then for the loads of the two keys it named: a chain of dependent loads and
    /// stores from the leaf to the root, on every pop.
    var tree: StateBuffer<UInt128>
    let leafCount: Int
    /// The heap's source number, after the lanes.
    let heapSource: Int
    /// The lane kept out of the tree, or `Int.max` for none.
    let directLane: Int
    /// The direct lane's first entry as a key, `UInt128.max` when it is empty.
    var directHead: UInt128 = .max
    var tailDue: StateBuffer<Int64>
    /// Per lane, how many more times a full ring grows without a compaction scan: set after a
    /// scan that freed less than an eighth. A lane's share of cancelled entries is a property of
    /// its campaigns (a week-long wait is nearly all live, a rescheduled browse reminder mostly
    /// stale), so a scan that found little will likely find little next time either.
    var skipCompactions: StateBuffer<Int32>
    static let compactionsSkippedAfterAPoorOne: Int32 = 2
    var heap = StateBuffer<Entry>()
    var nextSequence: UInt64 = 0
    var count = 0
    static let none = Int.max
    static let filler = Entry(due: .max, sequence: .max, payload: DueEntry(instance: 0, generation: 0))

    /// `directLane`, if given, is kept out of the winner tree (see the type's notes).
    init(lanes laneCount: Int, directLane: Int? = nil) {
        precondition(
            directLane.map { $0 >= 0 && $0 < laneCount } ?? true,
            "direct lane \(directLane ?? 0) is not one of \(laneCount) lanes")
        // One buffer each (not `repeating:`, which would share one between all lanes).
        rings = ContiguousArray((0..<laneCount).map { _ in StateBuffer(capacity: 1) })
        lanes = StateBuffer(capacity: laneCount)
        for lane in 0..<laneCount { lanes.append(Lane(ring: rings[lane].base)) }
        heapSource = laneCount
        self.directLane = directLane ?? .max
        let treeSources = laneCount + 1 - (directLane == nil ? 0 : 1)
        var leaves = 1
        while leaves < treeSources { leaves <<= 1 }
        leafCount = leaves
        precondition(leaves <= DueQueue.maxSources, "more than \(DueQueue.maxSources - 1) queue lanes")
        tree = StateBuffer(repeating: .max, count: 2 * leaves)
        tailDue = StateBuffer(repeating: .min, count: laneCount)
        skipCompactions = StateBuffer(repeating: 0, count: laneCount)
        rebuildWinners()
    }

    /// Sources (lanes and the heap, rounded up to a power of two) a key can name.
    static let maxSources = 1 << 16
    /// Sequences a key can hold: 2⁴⁸ schedules, 160 days at 20 million a second.
    static let maxSequence: UInt64 = 1 << 48

    /// An entry's place in (due, sequence) order as one unsigned number, with the source it heads
    /// in the low 16 bits (sequences are unique, so those bits never decide an order). Flipping
    /// the due time's sign bit maps signed order onto unsigned order.
    @inline(__always) static func key(due: Int64, sequence: UInt64, source: Int) -> UInt128 {
        UInt128(UInt64(bitPattern: due) ^ (1 << 63)) << 64
            | UInt128(sequence << 16 | UInt64(truncatingIfNeeded: source))
    }

    /// The due time a key holds: its high word with the sign bit flipped back (`UInt128.max`,
    /// an empty source, gives `Int64.max`).
    @inline(__always) static func due(ofKey key: UInt128) -> Int64 {
        Int64(bitPattern: UInt64(truncatingIfNeeded: key >> 64) ^ (1 << 63))
    }

    /// A source's leaf: its number, less one past the direct lane.
    @inline(__always) func leaf(_ source: Int) -> Int {
        source &- (source > directLane ? 1 : 0)
    }

    @inline(__always) mutating func setHead(_ source: Int, due: Int64, sequence: UInt64) {
        assert(sequence < DueQueue.maxSequence, "due-queue sequence \(sequence) beyond 2^48")
        setHead(source, key: DueQueue.key(due: due, sequence: sequence, source: source))
    }

    @inline(__always) mutating func clearHead(_ source: Int) {
        setHead(source, key: .max)
    }

    @inline(__always) mutating func setHead(_ source: Int, key: UInt128) {
        if source == directLane {
            directHead = key
        } else {
            tree[leafCount &+ leaf(source)] = key
        }
    }

    /// Replays the matches on the path from a source whose first entry changed to the root
    /// (nothing for the direct lane).
    @inline(__always) mutating func replay(_ source: Int) {
        guard source != directLane else { return }
        journeysim_replay(UnsafeMutableRawPointer(tree.base), leafCount &+ leaf(source))
    }

    mutating func rebuildWinners() {
        var node = leafCount &- 1
        while node > 0 {
            let left = tree[node &* 2]
            let right = tree[node &* 2 &+ 1]
            tree[node] = right < left ? right : left
            node &-= 1
        }
    }

    /// Sets the heap's leaf to its top and replays it.
    @inline(__always) mutating func heapTopChanged() {
        if heap.isEmpty {
            clearHead(heapSource)
        } else {
            setHead(heapSource, due: heap[0].due, sequence: heap[0].sequence)
        }
        replay(heapSource)
    }

    /// Gives this queue storage of its own if a copy shares it. Mutating methods do not check
    /// (see `StateBuffer`): the core calls this at each of its entry points, and anyone holding
    /// a `DueQueue` directly must call it before mutating a copy.
    mutating func makeUnique() {
        guard lanes.makeUnique() else { return }
        tree.makeUnique()
        tailDue.makeUnique()
        skipCompactions.makeUnique()
        heap.makeUnique()
        for lane in rings.indices {
            rings[lane].makeUnique()
            lanes[lane].ring = rings[lane].base
        }
    }

    /// Gives a lane's ring a quarter more room, or room for `minimumCapacity` entries if that is
    /// more, its entries in order from the ring's start.
    mutating func grow(lane index: Int, minimumCapacity: Int = 0) {
        let lane = lanes[index]
        let capacity = max(16, lane.size &+ lane.size >> 2, minimumCapacity)
        let larger = StateBuffer(repeating: DueQueue.filler, count: capacity)
        for offset in 0..<lane.count { larger[offset] = lane.ring[lane.slot(offset)] }
        rings[index] = larger
        lanes[index].ring = larger.base
        lanes[index].size = capacity
        lanes[index].head = 0
    }

    var isEmpty: Bool { count == 0 }

    /// Schedules `payload`; `lane` is the lane of the duration it was scheduled with, or -1.
    ///
    /// The common case, an append to a lane that has entries and room, is inlined into the
    /// caller; the rest is out of line (a call for every schedule cost its register saves and
    /// spills on one of the core's most frequent paths, and a call in the middle of the inlined
    /// part for the rare cases cost more per event than this split).
    @inline(__always)
    mutating func schedule(_ payload: DueEntry, at due: Int64, lane: Int) {
        if lane >= 0, due >= tailDue[lane], !lanes[lane].isEmpty, !lanes[lane].isFull {
            append(nextEntry(payload, at: due), lane: lane)
            return
        }
        scheduleAnywhere(payload, at: due, lane: lane)
    }

    @inline(never)
    mutating func scheduleAnywhere(_ payload: DueEntry, at due: Int64, lane: Int) {
        let entry = nextEntry(payload, at: due)
        if lane >= 0, due >= tailDue[lane] {
            if lanes[lane].isEmpty {
                setHead(lane, due: due, sequence: entry.sequence)
                replay(lane)
            }
            if lanes[lane].isFull { grow(lane: lane) }
            append(entry, lane: lane)
        } else {
            heap.append(entry)
            siftUp(heap.count &- 1)
            if heap[0].sequence == entry.sequence { heapTopChanged() }
        }
    }

    /// The entry for `payload`, with the next sequence number, counted in.
    @inline(__always) mutating func nextEntry(_ payload: DueEntry, at due: Int64) -> Entry {
        let entry = Entry(due: due, sequence: nextSequence, payload: payload)
        nextSequence &+= 1
        count &+= 1
        return entry
    }

    /// Appends to a lane whose ring has room and whose tail is due no later than `entry`.
    @inline(__always) mutating func append(_ entry: Entry, lane: Int) {
        tailDue[lane] = entry.due
        lanes[lane].append(entry)
    }

    /// Where the minimum is: a lane index, -1 for the heap, or `none` when empty.
    @inline(__always) func minimumSource() -> Int {
        let root = tree[1]
        if directHead < root { return directLane }
        if root == .max { return DueQueue.none }
        let winner = Int(truncatingIfNeeded: UInt64(truncatingIfNeeded: root) & 0xFFFF)
        return winner == heapSource ? -1 : winner
    }

    mutating func peek() -> Entry? {
        let source = minimumSource()
        if source == DueQueue.none { return nil }
        if source < 0 { return heap[0] }
        return lanes[source].first
    }

    /// The due time of the minimum, `Int64.max` when empty, from the root's key: no entry read.
    @inline(__always) var nextDue: Int64 { DueQueue.due(ofKey: min(tree[1], directHead)) }

    var nextTime: SimTime? {
        mutating get { peek().map { SimTime(milliseconds: $0.due) } }
    }

    /// Removes and returns the minimum if it is due at or before `limit`.
    @inline(__always)
    mutating func pop(dueThrough limit: Int64 = .max) -> Entry? {
        pop(dueThrough: limit, from: minimumSource())
    }

    /// `pop(dueThrough:)` for a caller that has looked up `minimumSource()` (the core's fire
    /// loop, which prefetches behind the entry in its lane). Inlined, all but the heap's part.
    @inline(__always)
    mutating func pop(dueThrough limit: Int64, from source: Int) -> Entry? {
        assert(source == minimumSource(), "pop(dueThrough:from:) needs the queue's minimumSource()")
        if source == DueQueue.none || nextDue > limit { return nil }
        count &-= 1
        if source < 0 { return popHeap() }
        let entry = lanes[source].removeFirst()
        var key = UInt128.max
        if !lanes[source].isEmpty {
            let next = lanes[source].first
            assert(next.sequence < DueQueue.maxSequence, "due-queue sequence \(next.sequence) beyond 2^48")
            key = DueQueue.key(due: next.due, sequence: next.sequence, source: source)
        }
        if source == directLane {
            directHead = key
        } else {
            let node = leafCount &+ leaf(source)
            tree[node] = key
            journeysim_replay(UnsafeMutableRawPointer(tree.base), node)
        }
        return entry
    }

    @inline(never)
    mutating func popHeap() -> Entry {
        let first = heap[0]
        let last = heap.popLast()!
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        heapTopChanged()
        return first
    }

    /// Whether the lane's next entry would make its ring grow.
    func isFull(lane: Int) -> Bool { lanes[lane].isFull }

    /// Whether a full lane should be compacted now rather than grown (see `skipCompactions`).
    @inline(__always) mutating func shouldCompact(lane: Int) -> Bool {
        if skipCompactions[lane] > 0 {
            skipCompactions[lane] &-= 1
            return false
        }
        return true
    }

    /// Drops the entries `isLive` rejects from a lane, keeping the others in order, and returns
    /// how many it dropped. Cancelled and rescheduled entries otherwise sit in a lane until they
    /// fall due (up to the lane's whole duration, a week for a 7-day wait), and a lane's ring is
    /// sized by everything it holds. The lane grows anyway if less than an eighth was dropped, so
    /// a nearly live lane is not scanned again on every append.
    ///
    /// A scan costs its whole ring, so a lane left more than half full grows to twice what it
    /// kept: the next scan comes after as many appends as it keeps, at most two entries scanned
    /// per append (the lanes of rescheduled reminders are often left more than half full, and
    /// would otherwise be scanned more than that per append). Not more than twice: a ring
    /// that takes longer than the lane's duration to fill is never scanned, and its cancelled
    /// entries are popped one by one at their due times, each costing many times what a scanned
    /// one does (growing to four times what it kept saved less in scans than it cost in pops).
    /// `prefetch` is shown each entry a few places before `isLive` is asked about it, so the
    /// state `isLive` reads (scattered, one cache miss per entry otherwise) can be loaded early.
    @inline(__always)
    mutating func compact(lane index: Int, isLive: (DueEntry) -> Bool, prefetch: (DueEntry) -> Void) -> Int {
        var lane = lanes[index]
        var kept = 0
        let ahead = 16
        let ring = lane.ring
        let size = lane.size
        // Ring slots advance one by one (wrapping at the size) instead of each being worked out
        // from the head: three slots per entry (ahead, read, write).
        var read = lane.head
        var write = lane.head
        var early = lane.head
        for _ in 0..<min(ahead, lane.count) {
            prefetch(ring[early].payload)
            early = early &+ 1 == size ? 0 : early &+ 1
        }
        for offset in 0..<lane.count {
            if offset &+ ahead < lane.count {
                prefetch(ring[early].payload)
                early = early &+ 1 == size ? 0 : early &+ 1
            }
            let entry = ring[read]
            if isLive(entry.payload) {
                ring[write] = entry
                write = write &+ 1 == size ? 0 : write &+ 1
                kept &+= 1
            }
            read = read &+ 1 == size ? 0 : read &+ 1
        }
        let dropped = lane.count &- kept
        lane.count = kept
        lanes[index] = lane
        if dropped < lane.size >> 3 {
            grow(lane: index)
            skipCompactions[index] = DueQueue.compactionsSkippedAfterAPoorOne
        } else if kept > lane.size >> 1 {
            grow(lane: index, minimumCapacity: kept &* 2)
        }
        count &-= dropped
        if kept == 0 {
            clearHead(index)
        } else {
            setHead(index, due: lanes[index].first.due, sequence: lanes[index].first.sequence)
        }
        replay(index)
        return dropped
    }

    mutating func removeAll() {
        for lane in 0..<lanes.count {
            lanes[lane].removeAll()
            clearHead(lane)
            tailDue[lane] = .min
        }
        heap.removeAll()
        clearHead(heapSource)
        directHead = .max
        count = 0
        rebuildWinners()
    }

    var allocatedBytes: Int {
        var total = heap.allocatedBytes + lanes.allocatedBytes
        for ring in rings { total += ring.allocatedBytes }
        return total + tree.allocatedBytes + tailDue.allocatedBytes
            + skipCompactions.allocatedBytes
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

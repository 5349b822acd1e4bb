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

    struct Lane: Sendable {
        var entries = ContiguousArray<Entry>()
        var head = 0
        var isEmpty: Bool { head == entries.count }
    }

    var lanes: ContiguousArray<Lane>
    /// Due time and sequence of each lane's head (`Int64.max` when empty), scanned for the minimum.
    var headDue: ContiguousArray<Int64>
    var headSequence: ContiguousArray<UInt64>
    var tailDue: ContiguousArray<Int64>
    var heap = ContiguousArray<Entry>()
    var nextSequence: UInt64 = 0
    var count = 0

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
        if lane >= 0, due >= tailDue[lane] {
            tailDue[lane] = due
            if lanes[lane].isEmpty {
                headDue[lane] = due
                headSequence[lane] = entry.sequence
            }
            lanes[lane].entries.append(entry)
            return
        }
        heap.append(entry)
        siftUp(heap.count &- 1)
    }

    /// Where the minimum is: a lane index, -1 for the heap, or nil when empty.
    func minimumSource() -> Int? {
        var best: Int? = nil
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

    func peek() -> Entry? {
        guard let source = minimumSource() else { return nil }
        if source < 0 { return heap[0] }
        return lanes[source].entries[lanes[source].head]
    }

    var nextTime: SimTime? {
        peek().map { SimTime(milliseconds: $0.due) }
    }

    /// Removes and returns the minimum if it is due at or before `limit`.
    mutating func pop(dueThrough limit: Int64 = .max) -> Entry? {
        guard let source = minimumSource() else { return nil }
        if source < 0 {
            if heap[0].due > limit { return nil }
        } else if headDue[source] > limit {
            return nil
        }
        count &-= 1
        if source < 0 {
            let first = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                siftDown(0)
            }
            return first
        }
        let entry = lanes[source].entries[lanes[source].head]
        lanes[source].head &+= 1
        if lanes[source].isEmpty {
            lanes[source].entries.removeAll(keepingCapacity: true)
            lanes[source].head = 0
            headDue[source] = .max
            headSequence[source] = .max
        } else {
            let head = lanes[source].head
            if head >= 4096 && head &* 2 >= lanes[source].entries.count {
                lanes[source].entries.removeSubrange(0..<head)
                lanes[source].head = 0
            }
            let next = lanes[source].entries[lanes[source].head]
            headDue[source] = next.due
            headSequence[source] = next.sequence
        }
        return entry
    }

    mutating func removeAll() {
        for lane in lanes.indices {
            lanes[lane].entries.removeAll(keepingCapacity: true)
            lanes[lane].head = 0
            headDue[lane] = .max
            headSequence[lane] = .max
            tailDue[lane] = .min
        }
        heap.removeAll(keepingCapacity: true)
        count = 0
    }

    var allocatedBytes: Int {
        var total = heap.capacity * MemoryLayout<Entry>.stride
        for lane in lanes { total += lane.entries.capacity * MemoryLayout<Entry>.stride }
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

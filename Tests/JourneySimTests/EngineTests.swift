import Testing

@testable import JourneySim

@Suite struct EngineTests {
    @Test func queuePopsInTimeThenSchedulingOrder() {
        var queue = EventQueue<Int>()
        var rng = Xoshiro256StarStar(seed: 9)
        var expected: [(Int64, Int)] = []
        for i in 0..<5_000 {
            let time = Int64(rng.below(200))  // many ties
            queue.schedule(i, at: SimTime(milliseconds: time))
            expected.append((time, i))
        }
        expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var popped: [(Int64, Int)] = []
        while let entry = queue.pop() { popped.append((entry.time.milliseconds, entry.payload)) }
        #expect(popped.map(\.0) == expected.map(\.0))
        #expect(popped.map(\.1) == expected.map(\.1))
    }

    /// Interleaved schedules and pops, with a forward-moving clock and, now and then, an event
    /// scheduled before the last one taken out: the queue must pop exactly as a sort by
    /// (time, scheduling order) of what is pending.
    @Test func queueInterleavedMatchesSortedReference() {
        var queue = EventQueue<Int>()
        var rng = Xoshiro256StarStar(seed: 21)
        var pending: [(Int64, Int)] = []
        var now: Int64 = 1_700_000_000_000
        var mismatches = 0
        for i in 0..<8_000 {
            let back = rng.below(100) == 0 ? Int64(rng.below(5_000)) : 0
            let time = now - back + Int64(rng.below(4) == 0 ? 0 : rng.below(1 << Int(rng.below(30))))
            queue.schedule(i, at: SimTime(milliseconds: time))
            pending.append((time, i))
            if rng.below(2) == 0 {
                let index = pending.indices.min {
                    pending[$0].0 != pending[$1].0 ? pending[$0].0 < pending[$1].0 : pending[$0].1 < pending[$1].1
                }!
                let want = pending.remove(at: index)
                #expect(queue.nextTime?.milliseconds == want.0)
                let got = queue.pop()!
                if got.time.milliseconds != want.0 || got.payload != want.1 { mismatches += 1 }
                now = max(now, got.time.milliseconds)
            }
        }
        pending.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for want in pending {
            let got = queue.pop()!
            if got.time.milliseconds != want.0 || got.payload != want.1 { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(queue.isEmpty && queue.pop() == nil)
    }

    /// The adaptive queue across its moves: grows past `radixThreshold` (4-ary heap → radix heap),
    /// drains below `heapThreshold` (and back), with events in the past and ties throughout; every
    /// pop must match a reference sorted by (time, scheduling order).
    @Test func queueMovesBetweenHeapAndRadixWithoutReordering() {
        var queue = EventQueue<Int>()
        var reference = QueueReference()
        var rng = Xoshiro256StarStar(seed: 33)
        var now: Int64 = 1_772_409_600_000
        var mismatches = 0
        var moves = 0
        var usedRadix = queue.usesRadix
        for phase in 0..<4 {
            let growing = phase % 2 == 0
            let target = growing ? EventQueue<Int>.radixThreshold + 5_000 : EventQueue<Int>.heapThreshold / 2
            while growing ? reference.count < target : reference.count > target {
                if rng.below(3) != 0 ? growing : !growing {
                    let back = rng.below(200) == 0 ? Int64(rng.below(10_000)) : 0
                    let time = now - back + (rng.below(5) == 0 ? 0 : Int64(rng.below(1 << 26)))
                    queue.schedule(reference.nextID, at: SimTime(milliseconds: time))
                    reference.insert(time)
                } else {
                    let want = reference.removeFirst()
                    if queue.nextTime?.milliseconds != want.time { mismatches += 1 }
                    let got = queue.pop()!
                    if got.time.milliseconds != want.time || got.payload != want.id { mismatches += 1 }
                    now = max(now, got.time.milliseconds)
                }
                if queue.usesRadix != usedRadix {
                    moves += 1
                    usedRadix = queue.usesRadix
                }
                if queue.count != reference.count { mismatches += 1 }
            }
        }
        while let want = reference.popFirst() {
            let got = queue.pop()
            if got?.time.milliseconds != want.time || got?.payload != want.id { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(moves >= 4, "the queue should have moved to the radix heap and back twice")
        #expect(queue.isEmpty && queue.pop() == nil)
    }

    /// The 4-ary heap's 24-bit scheduling sequence runs out and is renumbered; equal times keep
    /// their order across the renumbering.
    @Test func queueSequenceWrapKeepsOrder() {
        var queue = EventQueue<Int>()
        queue.heap.nextSequence = QuaternaryEventHeap<Int>.sequenceLimit - 50
        var expected: [Int] = []
        var popped: [Int] = []
        for i in 0..<200 {
            queue.schedule(i, at: SimTime(milliseconds: 1_000 + Int64(i % 3)))
            expected.append(i)
            if i % 4 == 3 { popped.append(queue.pop()!.payload) }
        }
        while let entry = queue.pop() { popped.append(entry.payload) }
        // Reference: pops interleaved as above from a list sorted by (time, id).
        var reference = QueueReference()
        var want: [Int] = []
        for i in 0..<200 {
            reference.insert(1_000 + Int64(i % 3))
            if i % 4 == 3 { want.append(reference.removeFirst().id) }
        }
        while let entry = reference.popFirst() { want.append(entry.id) }
        #expect(popped == want)
        #expect(queue.heap.nextSequence < 1_000)
    }

    /// Times too far apart for the heap's 40-bit offsets send the queue to the radix heap, which
    /// takes any time, and order stays exact.
    @Test func queueFarApartTimesFallBackToRadix() {
        var queue = EventQueue<Int>()
        let times: [Int64] = [5, 1 << 50, -(1 << 45), 7, 5, Int64.max / 2, Int64.min / 2, 6]
        for (i, time) in times.enumerated() { queue.schedule(i, at: SimTime(milliseconds: time)) }
        #expect(queue.usesRadix)
        let order = times.indices.sorted { times[$0] != times[$1] ? times[$0] < times[$1] : $0 < $1 }
        var popped: [Int] = []
        while let entry = queue.pop() { popped.append(entry.payload) }
        #expect(popped == order)
    }

    @Test func xoshiroMatchesReferenceAndStreamsAreIndependent() {
        // Reference: xoshiro256** from state (1, 2, 3, 4): first outputs 11520, 0, 1509978240, 1215971899390074240.
        var reference = Xoshiro256StarStar(seed: 0)
        reference.s0 = 1
        reference.s1 = 2
        reference.s2 = 3
        reference.s3 = 4
        #expect(
            [reference.next(), reference.next(), reference.next(), reference.next()]
                == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        var a = Xoshiro256StarStar(seed: 1, stream: .journey, customer: 5)
        var b = Xoshiro256StarStar(seed: 1, stream: .journey, customer: 5)
        var c = Xoshiro256StarStar(seed: 1, stream: .journey, customer: 6)
        var d = Xoshiro256StarStar(seed: 1, stream: .profile, customer: 5)
        let first = a.next()
        #expect(first == b.next())
        #expect(first != c.next())
        #expect(first != d.next())
    }

    @Test func distributionsHaveTheirMeans() {
        var rng = Xoshiro256StarStar(seed: 3)
        let n = 200_000
        var exponential = 0.0
        var unit = 0.0
        var logNormalBelowMedian = 0
        for _ in 0..<n {
            exponential += rng.exponential(mean: 5)
            unit += rng.nextUnit()
            if rng.logNormal(median: 30, sigma: 0.5) < 30 { logNormalBelowMedian += 1 }
        }
        #expect(abs(exponential / Double(n) - 5) < 0.05)
        #expect(abs(unit / Double(n) - 0.5) < 0.005)
        #expect(abs(Double(logNormalBelowMedian) / Double(n) - 0.5) < 0.005)
    }

    @Test func categoricalTableNeverPicksZeroWeights() {
        let table = CategoricalTable(weights: [0, 0.3, 0, 0.7, 0])
        var rng = Xoshiro256StarStar(seed: 4)
        var counts = [0, 0, 0, 0, 0]
        for _ in 0..<100_000 { counts[table.sample(&rng)] += 1 }
        #expect(counts[0] == 0 && counts[2] == 0 && counts[4] == 0)
        #expect(abs(Double(counts[1]) / 100_000 - 0.3) < 0.01)
    }

    @Test func timeZoneTableFollowsDaylightSaving() {
        // 2026-03-08 07:00 UTC: New York springs forward (UTC-5 → UTC-4); Berlin on 2026-03-29 01:00 UTC.
        let start = SimTime(unixSeconds: 1_772_409_600)  // 2026-03-02
        let table = TimeZoneTable(
            identifiers: ["America/New_York", "Europe/Berlin", "Asia/Kolkata"],
            start: start, end: start + .days(40))
        let beforeNY = SimTime(unixSeconds: 1_772_953_200 - 60)
        let afterNY = SimTime(unixSeconds: 1_772_953_200 + 60)
        #expect(table.offset(zone: 0, at: beforeNY) == -5 * 3_600_000)
        #expect(table.offset(zone: 0, at: afterNY) == -4 * 3_600_000)
        let beforeBerlin = SimTime(unixSeconds: 1_774_746_000 - 60)
        let afterBerlin = SimTime(unixSeconds: 1_774_746_000 + 60)
        #expect(table.offset(zone: 1, at: beforeBerlin) == 3_600_000)
        #expect(table.offset(zone: 1, at: afterBerlin) == 7_200_000)
        #expect(table.offset(zone: 2, at: afterBerlin) == 19_800_000)  // +05:30, no DST
        #expect(table.localHour(zone: 2, at: start) == 5)  // 00:00 UTC is 05:30 in Kolkata
    }

    @Test func isoFormattingMatchesCalendar() {
        #expect(SimTime(unixSeconds: 1_772_409_600).iso8601 == "2026-03-02T00:00:00.000Z")
        #expect(SimTime(milliseconds: 951_782_400_123).iso8601 == "2000-02-29T00:00:00.123Z")
        #expect(SimTime(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }
}

/// A pending-event reference for the queue tests: a plain binary heap of (time, id), where ids
/// count up in scheduling order, so it pops by (time, scheduling order).
struct QueueReference {
    private var heap: [(time: Int64, id: Int)] = []
    private(set) var nextID = 0

    var count: Int { heap.count }

    private static func precedes(_ a: (time: Int64, id: Int), _ b: (time: Int64, id: Int)) -> Bool {
        a.time != b.time ? a.time < b.time : a.id < b.id
    }

    mutating func insert(_ time: Int64) {
        heap.append((time, nextID))
        nextID += 1
        var child = heap.count - 1
        while child > 0, Self.precedes(heap[child], heap[(child - 1) / 2]) {
            heap.swapAt(child, (child - 1) / 2)
            child = (child - 1) / 2
        }
    }

    mutating func removeFirst() -> (time: Int64, id: Int) {
        let first = heap[0]
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            var smallest = parent
            for child in [2 * parent + 1, 2 * parent + 2]
            where child < heap.count && Self.precedes(heap[child], heap[smallest]) {
                smallest = child
            }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }

    mutating func popFirst() -> (time: Int64, id: Int)? { heap.isEmpty ? nil : removeFirst() }
}

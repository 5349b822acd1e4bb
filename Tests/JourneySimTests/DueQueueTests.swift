import Foundation
import Testing

@testable import JourneySim

// The trigger core's data structures: the due queue (lanes, winner tree and heap) and state
// buffers.

@Suite("Due queue")
struct DueQueueTests {
    /// Lanes plus heap pop exactly like a single binary heap keyed by (due, sequence), including
    /// schedules that go back in time (which must fall back to the heap) and interleaved pops;
    /// also with one lane kept out of the winner tree (the zero-duration one as in the core, or
    /// another).
    @Test(arguments: [nil, 0, 2] as [Int?])
    func popsLikeASingleHeap(directLane: Int?) {
        var rng = Xoshiro256StarStar(seed: 17)
        var queue = DueQueue(lanes: 4, directLane: directLane)
        var reference = EventQueue<UInt64>()
        let durations: [Int64] = [0, 1_000, 60_000, 3_600_000]
        var now: Int64 = 1_000_000
        var mismatches = 0
        for sequence in 0..<20_000 {
            now += Int64(rng.below(500)) - (rng.below(50) == 0 ? 5_000 : 0)
            let lane = rng.below(5) - 1  // -1: an irregular time, straight to the heap
            let due = lane < 0 ? now + Int64(rng.below(100_000)) : now + durations[lane]
            queue.schedule(DueEntry(instance: UInt32(sequence), generation: 0), at: due, lane: lane)
            reference.schedule(UInt64(sequence), at: SimTime(milliseconds: due))
            if rng.below(3) == 0 {
                let got = queue.pop(dueThrough: now)
                var want: EventQueue<UInt64>.Entry?
                if let time = reference.nextTime, time.milliseconds <= now { want = reference.pop() }
                if got?.sequence != want?.payload || got?.due != want?.time.milliseconds { mismatches += 1 }
            }
        }
        while let got = queue.pop() {
            let want = reference.pop()
            if got.sequence != want?.payload || got.due != want?.time.milliseconds { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(reference.isEmpty && queue.isEmpty)
    }

    @Test func drainMatchesASortedOrder() {
        var rng = Xoshiro256StarStar(seed: 5)
        var queue = DueQueue(lanes: 3)
        var expected: [(due: Int64, sequence: UInt64)] = []
        var now: Int64 = 0
        for sequence in 0..<10_000 {
            now += Int64(rng.below(1_000)) - (rng.below(20) == 0 ? 3_000 : 0)
            let lane = rng.below(4) - 1
            let due = lane < 0 ? now + Int64(rng.below(10_000)) : now + Int64(lane) * 2_000
            queue.schedule(DueEntry(instance: 0, generation: 0), at: due, lane: lane)
            expected.append((due, UInt64(sequence)))
        }
        expected.sort { $0.due < $1.due || ($0.due == $1.due && $0.sequence < $1.sequence) }
        var popped: [(due: Int64, sequence: UInt64)] = []
        while let entry = queue.pop() { popped.append((entry.due, entry.sequence)) }
        #expect(popped.map(\.sequence) == expected.map(\.sequence))
    }

    /// The winner tree over 40 lanes and the heap (64 leaves, six levels), with due times on
    /// both sides of zero (the keys flip the sign bit) and ties at one instant: every pop is the
    /// smallest (due, sequence) left, checked against a plain sorted list. Also over 16 lanes
    /// with one of them direct (15 lanes and the heap: 16 leaves), where the leaves past the
    /// direct lane and the heap's shift down by one.
    @Test(arguments: [(40, nil, 64), (16, 0, 16), (16, 9, 16), (16, 15, 16), (16, nil, 32)] as [(Int, Int?, Int)])
    func winnerTreeOverManyLanesPopsTheMinimum(lanes: Int, directLane: Int?, leaves: Int) {
        var rng = Xoshiro256StarStar(seed: 41)
        var queue = DueQueue(lanes: lanes, directLane: directLane)
        #expect(queue.leafCount == leaves)
        var pending: [(due: Int64, sequence: UInt64)] = []
        var now: Int64 = -50_000
        var sequence: UInt64 = 0
        var mismatches = 0
        var pops = 0
        for _ in 0..<8_000 {
            now += Int64(rng.below(40))
            let lane = rng.below(lanes + 1) - 1
            // Lane durations of 0 to 39 seconds; irregular times (lane -1) to the heap.
            let due = lane < 0 ? now + Int64(rng.below(60_000)) - 10_000 : now + Int64(lane) * 1_000
            queue.schedule(DueEntry(instance: UInt32(truncatingIfNeeded: sequence), generation: 0), at: due, lane: lane)
            pending.append((due, sequence))
            sequence += 1
            if rng.below(2) == 0, let got = queue.pop(dueThrough: now) {
                pops += 1
                let smallest = pending.indices.min {
                    pending[$0].due < pending[$1].due
                        || (pending[$0].due == pending[$1].due && pending[$0].sequence < pending[$1].sequence)
                }!
                if pending[smallest].sequence != got.sequence || pending[smallest].due > now { mismatches += 1 }
                pending.remove(at: smallest)
            }
        }
        pending.sort { $0.due < $1.due || ($0.due == $1.due && $0.sequence < $1.sequence) }
        var rest: [UInt64] = []
        while let entry = queue.pop() { rest.append(entry.sequence) }
        #expect(mismatches == 0)
        #expect(pops > 3_000)
        #expect(rest == pending.map(\.sequence))
    }
}

@Suite("State buffers")
struct StateBufferTests {
    /// Growth keeps every element; a copy shares storage until `makeUnique`, which copies only
    /// when the storage is shared, after which the two are independent. The larger size (6 MB)
    /// is above `HugePages.threshold`, so its storage is advised onto huge pages: contents must
    /// be the same either way.
    @Test(arguments: [10, 1_500_000])
    func growthAndCopies(count: Int) {
        let filled = StateBuffer(repeating: UInt32(7), count: count)
        #expect(filled.count == count)
        #expect((0..<count).allSatisfy { filled[$0] == 7 })
        var buffer = StateBuffer<UInt32>(capacity: 4)
        for value in 0..<count { buffer.append(UInt32(truncatingIfNeeded: value &* 7)) }
        #expect(buffer.count == count)
        #expect((0..<count).allSatisfy { buffer[$0] == UInt32(truncatingIfNeeded: $0 &* 7) })
        #expect(buffer.makeUnique() == false)
        var copy = buffer
        #expect(copy.makeUnique() == true)
        copy[0] = 99
        copy.append(5)
        #expect(buffer[0] == 0)
        #expect(buffer.count == count)
        #expect(copy[0] == 99)
        #expect(copy.count == count + 1)
        let last: UInt32 = buffer[count - 1]
        #expect(copy[count - 1] == last)
        #expect(buffer.makeUnique() == false)
        let popped: UInt32? = copy.popLast()
        #expect(popped == 5)
        #expect(copy.count == count)
        let address = Int(bitPattern: buffer.base)
        #expect(address % 64 == 0)
    }

    /// A copied queue made unique pops the same entries as the original, and popping or
    /// scheduling on one leaves the other untouched (lane rings included).
    @Test func dueQueueCopiesAreIndependent() {
        var queue = DueQueue(lanes: 2)
        for index in 0..<100 {
            queue.schedule(DueEntry(instance: UInt32(index), generation: 0), at: Int64(index), lane: index % 2)
        }
        queue.schedule(DueEntry(instance: 500, generation: 0), at: 50, lane: -1)
        var copy = queue
        copy.makeUnique()
        while copy.pop() != nil {}
        copy.schedule(DueEntry(instance: 7, generation: 1), at: 1, lane: 0)
        #expect(copy.count == 1)
        var order: [UInt32] = []
        while let entry = queue.pop() { order.append(entry.payload.instance) }
        var expected: [UInt32] = Array(0..<51)
        expected.append(500)
        expected += Array(51..<100)
        #expect(order == expected)
        let next: UInt32? = copy.pop()?.payload.instance
        #expect(next == 7)
    }
}

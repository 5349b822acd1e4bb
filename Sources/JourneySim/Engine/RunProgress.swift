import Synchronization

/// How far a running simulation has got, shared between the simulating threads (which update it
/// every 65,536 events) and a progress display (which reads it a few times a second).
public final class RunProgress: Sendable {
    /// One per simulating thread: `SimulationRun.executeParallel` uses at most 256.
    public static let maxSlots = 256

    public struct Snapshot: Sendable, Equatable {
        /// Share of the simulated span done, averaged over the threads that have reported (0…1).
        public var fractionDone: Double
        /// The earliest simulated time any reporting thread has reached.
        public var simulatedUntil: SimTime?
        /// Events processed so far, all threads together.
        public var events: Int
    }

    private struct Slot {
        var nowMilliseconds: Int64 = .min
        var events = 0
    }

    public let start: SimTime
    public let end: SimTime
    private let slots: Mutex<[Slot]>

    public init(start: SimTime, end: SimTime) {
        self.start = start
        self.end = end
        slots = Mutex([Slot](repeating: Slot(), count: RunProgress.maxSlots))
    }

    public convenience init(scenario: Scenario) { self.init(start: scenario.start, end: scenario.end) }

    func update(slot: Int, now: SimTime, events: Int) {
        guard slot >= 0, slot < RunProgress.maxSlots else { return }
        slots.withLock { $0[slot] = Slot(nowMilliseconds: now.milliseconds, events: events) }
    }

    /// Forgets every thread's progress, for a run that starts again (a parallel run repeated on
    /// one thread).
    func restart() {
        slots.withLock { $0 = [Slot](repeating: Slot(), count: RunProgress.maxSlots) }
    }

    public func snapshot() -> Snapshot {
        let copy = slots.withLock { $0 }
        let span = Double(end.milliseconds - start.milliseconds)
        var fractions = 0.0
        var reporting = 0
        var events = 0
        var earliest = Int64.max
        for slot in copy where slot.nowMilliseconds != .min {
            reporting += 1
            events += slot.events
            earliest = min(earliest, slot.nowMilliseconds)
            fractions += span > 0 ? min(1, max(0, Double(slot.nowMilliseconds - start.milliseconds) / span)) : 1
        }
        return Snapshot(
            fractionDone: reporting > 0 ? fractions / Double(reporting) : 0,
            simulatedUntil: reporting > 0 ? SimTime(milliseconds: earliest) : nil, events: events)
    }
}

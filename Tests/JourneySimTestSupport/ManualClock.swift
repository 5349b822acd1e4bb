import Foundation

/// A clock that moves only when a test moves it, like Hummingbird's `MockClock` and the time of
/// NIO's `EmbeddedEventLoop`: a sleeper wakes when `advance(to:)` reaches its deadline, so a test
/// of pacing, latency or timeouts asserts exact virtual times and never waits on the wall clock.
public final class ManualClock: Clock, @unchecked Sendable {
    public struct Instant: InstantProtocol, CustomStringConvertible {
        public typealias Duration = Swift.Duration
        /// Time since the clock was made.
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
        public var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID = 0
        /// Sleeps cancelled before they were registered.
        var cancelled: Set<Int> = []
    }

    private let lock = NSLock()
    private var state = State()

    public init() {}

    public var now: Instant { locked { $0.now } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// The earliest deadline a sleeper waits for, if any.
    public var nextDeadline: Instant? { locked { $0.sleepers.map(\.deadline).min() } }

    /// How many tasks sleep on the clock.
    public var sleeperCount: Int { locked { $0.sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = locked { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = locked { state -> Result<Void, any Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = locked { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock to `instant` (never back) and wakes, earliest first, every sleeper whose
    /// deadline it reached.
    public func advance(to instant: Instant) {
        let woken = locked { state -> [Sleeper] in
            state.now = max(state.now, instant)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    public func advance(by duration: Duration) { advance(to: now.advanced(by: duration)) }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }
}

extension ManualClock.Instant {
    public static func - (a: Self, b: Self) -> Duration { a.offset - b.offset }
}

import Histogram

/// Live figures of a load run for a progress line: updated by the driver as answers come in,
/// read by whoever prints the line. One small lock per answer; nothing when not used.
public final class LoadProgress: Sendable {
    struct Figures: Sendable {
        var sent = 0
        var answered = 0
        var errors = 0
        var latency = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
            numberOfSignificantValueDigits: .two)
    }

    private let figures = Locked(Figures())
    /// The time since the progress began, on its clock.
    private let elapsed: @Sendable () -> Duration

    /// Progress timed on the wall clock.
    public convenience init() { self.init(clock: ContinuousClock()) }

    /// Progress timed on `clock` (the load driver's).
    public init<C: Clock>(clock: C) where C.Duration == Duration {
        let start = clock.now
        elapsed = { start.duration(to: clock.now) }
    }

    func started() { figures.withLock { $0.sent += 1 } }

    func answered(accepted: Bool, latencyMicroseconds: Int64) {
        figures.withLock {
            $0.answered += 1
            if !accepted { $0.errors += 1 }
            _ = $0.latency.record(UInt64(max(1, min(latencyMicroseconds, 3_600_000_000))))
        }
    }

    /// e.g. `elapsed 12s  sent 4,210 (350/s)  answered 4,198  p99 21.4 ms  errors 0`
    public func line() -> String {
        let elapsed = elapsed()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let f = figures.withLock {
            (
                $0.sent, $0.answered, $0.errors,
                $0.latency.totalCount > 0 ? Double($0.latency.valueAtPercentile(99)) / 1000 : 0
            )
        }
        let rate = seconds > 0 ? Double(f.0) / seconds : 0
        return
            "elapsed \(Int(seconds))s  sent \(f.0) (\(Int(rate))/s)  answered \(f.1)  p99 \((f.3 * 10).rounded() / 10) ms  errors \(f.2)"
    }
}

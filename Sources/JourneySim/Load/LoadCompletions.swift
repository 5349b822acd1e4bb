/// Where the load driver counts answered messages, whether the answer comes back to a task or
/// through a backend's callback; and how it waits for the last ones. Not generic, so counting an
/// answer looks nothing up at run time.
struct LoadCompletions: Sendable {
    let state: Locked<DriverState>
    let progress: LoadProgress?
    /// The time since the run's start on the driver's clock: for latencies and the per-second
    /// series.
    let elapsed: @Sendable () -> Duration

    /// Starts a message on a backend that reports through a callback. (Here rather than in the
    /// generic driver, so the callback is made without looking up generic types at run time.)
    func start(
        _ item: LoadItem, channel index: Int, origin: Duration, on backend: any CallbackMessagingBackend
    ) {
        backend.send(item.message, content: item.content) { report in
            record(report, channel: index, origin: origin)
        }
    }

    /// Counts one final answer; `origin` is when the message's latency starts (an offset from
    /// the run's start).
    func record(_ report: SendReport, channel index: Int, origin: Duration) {
        let finished = elapsed()
        let latency = finished - origin
        let micros = latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000
        progress?.answered(accepted: report.result.isAccepted, latencyMicroseconds: micros)
        // In place: copying the statistics out would copy the histogram's counts.
        let drained = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.inFlight -= 1
            state.stats[index].completed += 1
            DriverState.bump(&state.completedPerSecond, at: finished)
            state.stats[index].attempts += report.attempts
            state.stats[index].errors += report.errors
            switch report.result {
            case .accepted: state.stats[index].accepted += 1
            case let .rejected(rejection): state.stats[index].rejected[rejection.kind, default: 0] += 1
            }
            _ = state.stats[index].latency.record(UInt64(max(1, min(micros, 3_600_000_000))))
            guard state.inFlight == 0, let waiter = state.drainWaiter else { return nil }
            state.drainWaiter = nil
            return waiter
        }
        drained?.resume()
    }

    /// Gives back the pacer's `reserved` unused slots and waits until every started message has
    /// its answer.
    func drain(returning reserved: Int) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                state.inFlight -= reserved
                if state.inFlight == 0 { return true }
                state.drainWaiter = waiter
                return false
            }
            if done { waiter.resume() }
        }
    }
}

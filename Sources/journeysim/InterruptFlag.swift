import Dispatch
import Foundation
import JourneySim
import Synchronization

/// SIGINT and SIGTERM, for every command that handles them (`run`, `load`, `drive`): the one
/// place that installs the handlers. A signal becomes a flag that a long computation polls
/// (`run`'s `shouldStop`), and optionally a call of `onSignal` (`load` and `drive` stop their
/// driver through it), so the work stops at its next checkpoint and still writes its results.
///
/// Until the flag is `arm`ed (`run`: its event loop has reached a checkpoint, or it has
/// finished), there is nothing to save, and a signal ends the process at once with 128 + the
/// signal: building the population of a large run takes many seconds without a checkpoint, and
/// a signal must be honoured within one whatever the run is doing.
///
/// `@unchecked Sendable`: the only mutable state is the atomic; the dispatch sources are set once
/// in `init` and are themselves thread-safe.
final class InterruptFlag: @unchecked Sendable {
    /// The signal number received, 0 for none.
    private final class Raised: Sendable {
        let value = Atomic<Int32>(0)
        let armed = Atomic<Bool>(false)
    }

    private let raised = Raised()
    private let sources: [any DispatchSourceSignal]

    /// Installs the handlers; until `cancel()` the signals no longer end the process. `armed`
    /// starts armed (there is something to save from the start); `onSignal` is called with each
    /// signal received once armed.
    init(armed: Bool = false, onSignal: @escaping @Sendable (Int32) -> Void = { _ in }) {
        let raised = self.raised
        raised.armed.store(armed, ordering: .releasing)
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard raised.armed.load(ordering: .acquiring) else {
                    let message = "error: interrupted before the simulation started; nothing was written.\n"
                    _ = message.withCString { write(2, $0, strlen($0)) }
                    _exit(128 + number)
                }
                raised.value.store(number, ordering: .relaxed)
                onSignal(number)
            }
            source.resume()
            return source
        }
    }

    /// From now on a signal sets the flag instead of ending the process: there is work to save.
    func arm() {
        raised.armed.store(true, ordering: .releasing)
    }

    /// The `shouldStop` to hand a computation: its first call (the event loop has started)
    /// arms the flag, and every call says whether a signal came since.
    var shouldStop: @Sendable () -> Bool {
        { [self] in
            arm()
            return isRaised
        }
    }

    /// The signal received, or nil.
    var receivedSignal: Int32? {
        let value = raised.value.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    var isRaised: Bool { receivedSignal != nil }

    /// Removes the handlers and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The exit code for an interrupted run: 128 + the signal (130 for SIGINT, 143 for SIGTERM).
    var exitCode: Int32 { 128 + (receivedSignal ?? SIGINT) }

    /// Runs `body` (a load driver's run) with SIGINT and SIGTERM asking `stop` to stop: the
    /// driver starts no new message, waits for those in flight and returns its results.
    static func stopping<T, Failure: Error>(
        _ stop: LoadStopSignal, during body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let flag = InterruptFlag(armed: true) { stop.stop(reason: reason(for: $0)) }
        defer { flag.cancel() }
        return try await body()
    }

    /// The stop reason a load's results give for `signal`.
    static func reason(for signal: Int32) -> String {
        signal == SIGTERM ? "terminated (SIGTERM)" : "interrupted (SIGINT)"
    }
}

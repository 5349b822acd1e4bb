import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag that a long computation polls (`run`'s `shouldStop`), so
/// the run stops at its next checkpoint and still writes its results, marked incomplete.
///
/// Until the computation is `arm`ed (its event loop has reached a checkpoint, or it has
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

    /// Installs the handlers; until `cancel()` the signals no longer end the process.
    init() {
        let raised = self.raised
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
}

import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into a flag that a long computation polls (`run`'s `shouldStop`), so
/// the run stops at its next checkpoint and still writes its results, marked incomplete.
final class InterruptFlag: Sendable {
    private let raised = Atomic<Int32>(0)
    private let sources: Mutex<[any DispatchSourceSignal]> = Mutex([])

    /// Installs the handlers; until `cancel()` the signals no longer end the process.
    init() {
        var installed: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { self.raised.store(number, ordering: .relaxed) }
            source.resume()
            installed.append(source)
        }
        sources.withLock { $0 = installed }
    }

    /// The signal received, or nil.
    var signal: Int32? {
        let value = raised.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) != 0 }

    /// Removes the handlers and restores the default actions.
    func cancel() {
        let installed = sources.withLock { list -> [any DispatchSourceSignal] in
            defer { list = [] }
            return list
        }
        for source in installed { source.cancel() }
        Foundation.signal(SIGINT, SIG_DFL)
        Foundation.signal(SIGTERM, SIG_DFL)
    }

    /// The exit code for an interrupted run: 128 + the signal (130 for SIGINT, 143 for SIGTERM).
    var exitCode: Int32 { 128 + (signal ?? SIGINT) }
}

import Foundation

/// A value behind a lock, for state that concurrent tasks update briefly (counters, histograms).
/// Public so the HTTP target's backend and mock server use this one too.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Asks a running load to stop: the driver starts no new message, waits for those in flight and
/// returns its results marked as stopped. Safe to call from a signal handler's task.
public final class LoadStopSignal: Sendable {
    private let state = Locked<String?>(nil)

    public init() {}

    public func stop(reason: String = "stopped") { state.withLock { if $0 == nil { $0 = reason } } }

    public var reason: String? { state.withLock { $0 } }
    public var isStopped: Bool { reason != nil }
}
